use super::run::{Slot, run_bounded};
use super::*;
use crate::api::ClientOptions;
use crate::config::Config;
use crate::exit;
use tokio_util::sync::CancellationToken;

fn outcome_of(kind: Kind, exit_code: u8) -> Outcome {
    Outcome {
        profile: "p".into(),
        tenant: "t".into(),
        kind,
        exit_code,
        message: String::new(),
        request_id: None,
        changes: Vec::new(),
        warnings: Vec::new(),
    }
}

#[test]
fn an_interrupted_fleet_exits_5_when_a_tenant_may_have_changed_else_130() {
    let sent = outcome_of(Kind::Sent, exit::OK);
    let unknown = outcome_of(Kind::Unknown, exit::UNKNOWN);
    let cancelled = outcome_of(Kind::Cancelled, exit::INTERRUPTED);
    let conflict = outcome_of(Kind::Conflict, exit::CONFLICT);
    let code = |o: &[&Outcome]| exit_code(&o.iter().map(|o| (*o).clone()).collect::<Vec<_>>());
    assert_eq!(code(&[&sent, &unknown, &cancelled]), exit::UNKNOWN);
    assert_eq!(code(&[&sent, &cancelled]), exit::INTERRUPTED);
    assert_eq!(code(&[&conflict, &cancelled]), exit::INTERRUPTED);
    assert_eq!(code(&[&conflict, &unknown]), exit::UNKNOWN);
    assert_eq!(code(&[&sent, &conflict]), exit::CONFLICT);
    assert_eq!(code(&[]), exit::OK);
}

/// A task that panics is an internal error, told apart from one that
/// never ran (which the fleet reports as interrupted).
#[test]
fn a_task_that_panics_is_not_taken_for_one_that_was_cancelled() {
    let runtime = crate::runtime().expect("runtime");
    let (cancel, stop) = (CancellationToken::new(), CancellationToken::new());
    let slots = runtime.block_on(run_bounded(
        2,
        2,
        &cancel,
        &stop,
        |i| {
            Some(async move {
                assert!(i != 0, "a bug in the task");
                i
            })
        },
        |_, _| {},
    ));
    assert!(matches!(slots[0], Slot::Panicked));
    assert!(matches!(slots[1], Slot::Done(1)));
}

#[test]
fn a_typed_base_url_is_refused_across_profiles_only_over_plain_http() {
    assert!(plain_http_refusal(Some("http://127.0.0.1:8480")).is_some());
    assert!(plain_http_refusal(Some(" HTTP://api.example ")).is_some());
    assert!(plain_http_refusal(Some("https://api.example")).is_none());
    assert!(plain_http_refusal(None).is_none());
    // Not a URL: the client refuses it with its own message.
    assert!(plain_http_refusal(Some("nonsense")).is_none());
    let members = connect(
        &["a".to_owned(), "b".to_owned()],
        Some("http://127.0.0.1:9"),
        &ClientOptions::default(),
    );
    assert_eq!(members.len(), 2);
    for member in &members {
        let refusal = member.session.as_ref().expect_err("refused");
        assert_eq!(refusal.code, exit::USAGE, "{refusal:?}");
    }
}

#[test]
fn globs_match_like_a_shell() {
    assert!(glob_match("prod-*", "prod-a"));
    assert!(glob_match("prod-*", "prod-"));
    assert!(!glob_match("prod-*", "staging-a"));
    assert!(glob_match("*-eu", "prod-eu"));
    assert!(glob_match("p?od*eu", "prod-a-eu"));
    assert!(!glob_match("p?od", "pod"));
    assert!(glob_match("*", "x"));
    assert!(glob_match("a*b*c", "aXbYbZc"));
    assert!(!glob_match("a*b*c", "aXbYbZ"));
    assert!(glob_match("exact", "exact"));
    assert!(!glob_match("exact", "exactly"));
}

fn config(names: &[&str]) -> Config {
    let mut config = Config::default();
    for name in names {
        config
            .profiles
            .insert(name.to_string(), crate::config::Profile::default());
    }
    config
}

#[test]
fn a_selection_picks_each_profile_once_named_ones_first() {
    let config = config(&["prod-a", "prod-b", "staging"]);
    let file = std::path::Path::new("/x/config.toml");
    let selection = Selection {
        names: vec!["staging".into(), "prod-b".into(), "staging".into()],
        all: false,
        matching: Some("prod-*".into()),
    };
    assert_eq!(
        selection.pick(&config, file).unwrap(),
        vec!["staging", "prod-b", "prod-a"]
    );
    assert!(selection.is_fleet());
    let one = Selection {
        names: vec!["prod-a".into(), "prod-a".into()],
        ..Selection::default()
    };
    assert!(!one.is_fleet());
}

#[test]
fn unknown_names_and_empty_matches_are_named() {
    let config = config(&["prod-a"]);
    let file = std::path::Path::new("/x/config.toml");
    let err = Selection {
        names: vec!["prod-a".into(), "nope".into()],
        ..Selection::default()
    }
    .pick(&config, file)
    .unwrap_err();
    assert!(
        err.contains("\"nope\"") && err.contains("known: prod-a"),
        "{err}"
    );
    let err = Selection {
        matching: Some("eu-*".into()),
        ..Selection::default()
    }
    .pick(&config, file)
    .unwrap_err();
    assert!(err.contains("\"eu-*\" matches no profile"), "{err}");
}

/// Past the ceiling no tenant gets leave to send, whichever face asked:
/// `max_tenants_per_send` holds unless a number at least as large as the
/// tenants that would change was typed.
#[test]
fn past_the_ceiling_no_tenant_gets_leave() {
    use crate::api::{Client, Credentials};
    use crate::changes::{ChangeSet, Edits};
    use crate::guard::{Confirmation, RunLocks};
    use crate::session::Session;
    use crate::settings::Settings;
    let members: Vec<Member> = (1..=3)
        .map(|i| {
            let credentials = Credentials {
                base_url: "http://127.0.0.1:9".into(),
                tenant_sid: format!("t{i}"),
                api_key: "k".into(),
                api_token: "token".to_string().into(),
            };
            let client = Client::new(&credentials, ClientOptions::default()).unwrap();
            Member {
                profile: format!("p{i}"),
                tenant: Some(format!("t{i}")),
                session: Ok(Session::new(client, &format!("p{i}"), &format!("t{i}"))),
            }
        })
        .collect();
    let base = Settings::default();
    let edits = Edits::default();
    let plans: Vec<Plan> = members
        .iter()
        .map(|_| Plan::Send {
            changes: ChangeSet::new(&base, &edits),
            base: base.clone(),
            edits: edits.clone(),
            unchanged: 0,
        })
        .collect();
    let locks = RunLocks::default();
    let leaves = |configured, typed| {
        clear_each(
            &members,
            &plans,
            &locks,
            |_| Confirmation::Yes,
            None,
            Ceiling { configured, typed },
        )
    };
    for (configured, typed, ok) in [
        (None, None, true),
        (Some(3), None, true),
        (Some(2), None, false),
        (Some(2), Some(3), true),
        (Some(2), Some(2), false),
        (None, Some(2), false),
    ] {
        let given = leaves(configured, typed);
        assert_eq!(given.len(), 3);
        for leave in &given {
            assert_eq!(leave.is_ok(), ok, "{configured:?} {typed:?}: {leave:?}");
        }
        if !ok {
            let why = &given[0].as_ref().unwrap_err().message;
            assert!(why.contains("nothing was sent"), "{why}");
        }
    }
}
