//! "Also send to…" at thirty tenants, as snapshots: the picker (SIDs, a
//! profile on a tenant already listed, the foot), the plan (the change in
//! full once, then per tenant only what differs) and the results.

use super::*;
use crate::changes::{ChangeSet, Edits};
use crate::exit::Failure;
use crate::fleet::{Kind, Member, Outcome, Plan};
use crate::fleet_alias::Target;

const ENDPOINT: &str = "greenvn.greencall_complete_event_endpoint";
const NEW_URL: &str = "https://hooks.example.com/exobridge/greenvn/call-complete-v2";

/// `unit-1` … `unit-30` on tenants `exoset-demo-1` … `-30`, this editor on
/// unit-1 with the endpoint changed; `alias`: unit-30 points at unit-2's
/// tenant.
fn thirty(alias: bool) -> App {
    let mut app = loaded();
    app.profiles = (1..=30).map(|i| format!("unit-{i}")).collect();
    app.profile = Some("unit-1".into());
    app.tenant = Some("exoset-demo-1".into());
    app.targets = (1..=30)
        .map(|i| {
            let sid = if alias && i == 30 { 2 } else { i };
            (
                format!("unit-{i}"),
                Target::new("http://127.0.0.1:8480", Some(&format!("exoset-demo-{sid}"))),
            )
        })
        .collect();
    select(&mut app, ENDPOINT);
    press(&mut app, KeyCode::Enter);
    // Clear the old value with Ctrl-U (readline), then type the new one.
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut app, NEW_URL);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.model.edits().len(), 1, "the endpoint is edited");
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('a'));
    app
}

/// The others, all ticked (`A`), planned: unit-7 holds another old URL,
/// unit-9 cannot take it.
fn planned() -> (App, u64) {
    let mut app = thirty(false);
    press(&mut app, KeyCode::Char('A'));
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::PlanFleet { view, profiles, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(profiles.len(), 29);
    let view = *view;
    let members = profiles
        .iter()
        .map(|p| Member {
            profile: p.clone(),
            tenant: Some(p.replace("unit", "exoset-demo")),
            session: Err(Failure {
                code: 1,
                message: "not opened in this test".into(),
                request_id: None,
            }),
        })
        .collect();
    update(&mut app, Action::FleetOpened { view, members });
    let own = app.model.base().clone();
    let plans = profiles
        .iter()
        .map(|p| {
            let mut base = own.clone();
            if p == "unit-7" {
                base.set(
                    id(ENDPOINT),
                    "https://hooks.example.com/exobridge/greenvn/call-complete-old",
                );
            }
            let mut edits = Edits::default();
            edits.set(&base, id(ENDPOINT), NEW_URL);
            let changes = ChangeSet::new(&base, &edits);
            if p == "unit-9" {
                return Plan::Invalid {
                    changes: Some(changes),
                    message: "greenvn.greencall_complete_event_method: not allowed here".into(),
                    unchanged: 0,
                };
            }
            Plan::Send {
                base,
                edits,
                changes,
                unchanged: 0,
            }
        })
        .collect();
    update(&mut app, Action::FleetPlanned { view, plans });
    (app, view)
}

#[test]
fn snapshot_the_tick_list_of_thirty_tenants() {
    let mut app = thirty(true);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::Char('G'));
    snapshots_compact!("fleet_pick_30", app);
}

#[test]
fn snapshot_the_switch_picker_of_thirty_tenants_offers_no_ticks() {
    let mut app = loaded();
    app.profiles = (1..=30).map(|i| format!("unit-{i}")).collect();
    app.profile = Some("unit-1".into());
    press(&mut app, KeyCode::Char('P'));
    let shown = screen(&mut app, 80, 24);
    assert!(!shown.contains("Space"), "{shown}");
    assert!(!shown.contains("tick all"), "{shown}");
    assert!(shown.contains("29 profiles"), "{shown}");
}

#[test]
fn snapshot_the_plan_at_thirty_tenants_shows_the_new_url_and_its_companions() {
    let (mut app, _) = planned();
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains(NEW_URL), "the new URL in full:\n{shown}");
    assert!(shown.contains("greencall_complete_event_method"), "{shown}");
    assert!(
        shown.contains("28 ready · 0 left out · 1 invalid"),
        "{shown}"
    );
    assert!(
        shown.contains("y sends to this tenant and to 28 other"),
        "{shown}"
    );
    snapshots_compact!("fleet_plan_30", app);
}

#[test]
fn the_plan_lists_per_tenant_only_what_differs() {
    let (app, _) = planned();
    let view = app.fleet_view().expect("the fleet view");
    let lines: Vec<String> = view.lines(76).into_iter().map(|(_, l)| l).collect();
    let text = lines.join("\n");
    assert!(
        text.contains("unit-2 (exoset-demo-2): ready — 1 change to send, as above"),
        "{text}"
    );
    assert!(
        text.contains("unit-7 (exoset-demo-7): ready — 1 change to send\n"),
        "{text}"
    );
    assert!(text.contains("was https://hook"), "{text}");
    assert!(text.contains("complete-old"), "{text}");
    assert!(text.contains("unit-9 (exoset-demo-9): invalid: "), "{text}");
    assert!(!text.contains(NEW_URL), "not repeated per tenant: {text}");
}

#[test]
fn snapshot_the_results_at_thirty_tenants() {
    let (mut app, view) = planned();
    press(&mut app, KeyCode::Char('y'));
    let outcomes: Vec<Outcome> = (2..=30)
        .map(|i| {
            let kind = match i {
                9 => Kind::Invalid,
                13 => Kind::Failed,
                _ => Kind::Sent,
            };
            Outcome {
                profile: format!("unit-{i}"),
                tenant: format!("exoset-demo-{i}"),
                kind,
                exit_code: 0,
                message: match kind {
                    Kind::Sent => "saved 1 change".into(),
                    Kind::Invalid => "not sent: the method is not allowed here".into(),
                    _ => "the server refused the credentials (HTTP 401, code 7)".into(),
                },
                request_id: None,
                changes: Vec::new(),
                warnings: Vec::new(),
            }
        })
        .collect();
    update(&mut app, Action::FleetSent { view, outcomes });
    // This tenant's own answer: the server holds the new URL.
    let seq = app.request.as_ref().expect("this tenant's send").seq;
    let before = app.model.base().clone();
    let mut data = before.to_json();
    data["greenvn"]["greencall_complete_event_endpoint"] = serde_json::json!(NEW_URL);
    let sent = sent_ok(&app, &before, data);
    update(&mut app, Action::Sent { seq, sent });
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("28 sent, 1 invalid, 1 failed.  Esc: close"),
        "{shown}"
    );
    snapshots_compact!("fleet_results_30", app);
}

#[test]
fn snapshot_enter_on_a_tenant_shows_its_plan_in_full() {
    let (mut app, _) = planned();
    // unit-7 is the sixth of the others.
    for _ in 0..5 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("unit-7 (exoset-demo-7) · Esc back"),
        "{shown}"
    );
    assert!(
        shown.contains("https://hooks.example.com/exobridge/greenvn/call-complete-old"),
        "its old value in full:\n{shown}"
    );
    assert!(shown.contains(NEW_URL), "{shown}");
    snapshots_compact!("fleet_tenant_full", app.clone());
    // The invalid one: every word of why.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("Planned: invalid, left out"), "{shown}");
    assert!(shown.contains("not allowed here"), "{shown}");
}

#[test]
fn the_tick_list_filters_by_name_or_sid_and_a_ticks_what_it_shows() {
    let mut app = thirty(false);
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode(), Mode::Filter, "typing the tick list's filter");
    // j, k, g, A and q are typed, not taken as keys.
    type_text(&mut app, "unit-2");
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("/unit-2▏ (11 shown)"), "{shown}");
    assert!(!shown.contains("unit-3 "), "{shown}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Tenants);
    press(&mut app, KeyCode::Char('A'));
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("11 of 29 ticked"), "{shown}");
    // Esc clears the kept filter first; the ticks stay.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Tenants);
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("unit-3 "), "{shown}");
    assert!(shown.contains("11 of 29 ticked"), "{shown}");
    // By SID, and Esc while typing clears it.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "DEMO-3");
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("(2 shown)"), "{shown}");
    snapshots_compact!("fleet_pick_filter", app.clone());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Tenants);
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::PlanFleet { profiles, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(profiles.len(), 11);
}

/// Why a tenant is left out may quote a value planned for another: it is
/// drawn masked, as the values are (whole with `--show-secrets`).
#[test]
fn a_tenant_left_out_for_a_reason_quoting_a_secret_is_drawn_masked() {
    let old_url = "https://hooks.example.com/cb?token=old456secret";
    for show_secrets in [false, true] {
        let (mut app, _) = planned();
        app.show_secrets = show_secrets;
        let ModeState::Fleet(view) = &mut app.mode else {
            panic!("not in the fleet view");
        };
        let plans = view.plans.as_mut().expect("planned");
        let mut base = app.model.base().clone();
        base.set(id(ENDPOINT), old_url);
        let mut edits = Edits::default();
        edits.set(&base, id(ENDPOINT), NEW_URL);
        plans[0] = Plan::Send {
            changes: ChangeSet::new(&base, &edits),
            base,
            edits,
            unchanged: 0,
        };
        plans[1] = Plan::Invalid {
            changes: None,
            message: "token=old456secret है पुराना".into(),
            unchanged: 0,
        };
        let shown = screen(&mut app, 120, 40);
        let said = if show_secrets {
            "invalid: token=old456secret"
        } else {
            "invalid: token=•••• है"
        };
        assert!(shown.contains(said), "{shown}");
        assert_eq!(shown.contains("old456secret"), show_secrets, "{shown}");
    }
}
