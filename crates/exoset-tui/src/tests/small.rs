//! The smaller items of issue #26, each as it was reproduced.

use super::*;

#[test]
fn after_nothing_loaded_the_key_bar_offers_no_edit_diff_or_send() {
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.start();
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Err(server_error()),
        },
    );
    let shown = screen(&mut app, 80, 24);
    let bar = shown.lines().last().expect("the key bar");
    assert!(shown.contains("Nothing loaded."), "{shown}");
    for gone in ["edit", "diff", "send", "filter", "copy", "revert"] {
        assert!(!bar.contains(gone), "{gone} offered: {bar}");
    }
    assert!(bar.contains("reload") && bar.contains("quit"), "{bar}");
}

#[test]
fn the_title_keeps_its_note_through_a_switch_of_tenant() {
    let mut app = loaded();
    app.title = "demo (exoset-demo)".into();
    app.title_note = Some("simulator".into());
    assert!(screen(&mut app, 80, 24).contains("exoset · demo (exoset-demo) · simulator"));
    let mut next = app.for_tenant(
        "demo-2 (exoset-demo-2)".into(),
        "127.0.0.1".into(),
        "demo-2".into(),
    );
    assert_eq!(next.title_note.as_deref(), Some("simulator"));
    update(
        &mut next,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    let shown = screen(&mut next, 80, 24);
    assert!(
        shown.contains("exoset · demo-2 (exoset-demo-2) · simulator"),
        "{shown}"
    );
}

#[test]
fn the_filters_hint_while_typing_says_enter_first_since_1_would_be_typed() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "timezone");
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("1 match on Common — Enter, then 3"),
        "{shown}"
    );
    // Kept: now 3 switches panes.
    press(&mut app, KeyCode::Enter);
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("1 match on Common — press 3"), "{shown}");
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.tab, Section::Common);
}

#[test]
fn the_history_list_says_rollback_of_and_counts_the_keys_first() {
    use crate::overlay::history::{HistoryView, Item, Listing};
    let mut app = loaded();
    let keys = |paths: &[&str]| -> Vec<_> {
        paths
            .iter()
            .map(|p| (id(p), Some("a".to_string()), Some("b".to_string())))
            .collect()
    };
    let item = |n: u64, paths: &[&str], rollback_of| Item {
        id: n,
        time: 1_700_000_000 + n,
        request_id: Some(format!("req-{n}")),
        changed: keys(paths),
        outcome: crate::store::Outcome::Answered,
        rollback_of,
        who: None,
    };
    app.mode = ModeState::History(Box::new(HistoryView {
        listing: Listing::Entries(vec![
            item(2, &["common.timezone"], Some(1)),
            item(
                1,
                &[
                    "greenvn.greencall_complete_event_endpoint",
                    "greenvn.greencall_complete_event_method",
                    "greenvn.greencall_complete_event_headers",
                    "common.timezone",
                ],
                None,
            ),
        ]),
        cursor: 0,
        open: None,
    }));
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("rollback of #1 · common.timezone"),
        "{shown}"
    );
    assert!(shown.contains("4 keys: greenvn.greencall"), "{shown}");
}

#[test]
fn the_draft_offer_shows_the_changed_part_of_sms_config_not_its_cut_start() {
    let mut app = with_drafts();
    app.profile = Some("demo".into());
    app.tenant = Some("exoset-demo".into());
    let base = seed_answer().settings;
    let sms = base
        .get(id("common.sms_config"))
        .expect("sms_config")
        .to_string();
    let mut value: Value = serde_json::from_str(&sms).expect("JSON");
    value["B"]["sms_enabled"] = json!("true");
    let draft = draft_of(&[("common.sms_config", &value.to_string())], &base);
    update(&mut app, Action::DraftRead(Ok(Some(draft))));
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains(r#"B.sms_enabled  "false" → "true""#),
        "{shown}"
    );
    // The question names the tenant, as every question does.
    assert!(
        shown.contains("for demo") && shown.contains("(tenant exoset-demo at 127.0.0.1)"),
        "{shown}"
    );
}

#[test]
fn long_help_in_the_detail_pane_says_j_more_and_scrolls() {
    let mut app = loaded();
    select(&mut app, "common.sms_config");
    let shown = screen(&mut app, 80, 22);
    assert!(shown.contains(" J more "), "{shown}");
    let help = id("common.sms_config").setting().help;
    let last_word = help.split_whitespace().last().expect("help");
    assert!(!shown.contains(last_word), "cut before J:\n{shown}");
    for _ in 0..10 {
        press(&mut app, KeyCode::Char('J'));
    }
    let shown = screen(&mut app, 80, 22);
    assert!(shown.contains(last_word), "{shown}");
    assert!(shown.contains(" K back "), "{shown}");
    assert!(!shown.contains(" J more "), "{shown}");
}

#[test]
fn with_a_locale_that_is_not_utf8_every_cell_written_is_ascii() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('s'));
    update(&mut app, Action::Resize(80, 24));
    let backend = crate::ascii::Ascii::new(TestBackend::new(80, 24), true);
    let mut terminal = Terminal::new(backend).expect("terminal");
    terminal
        .draw(|frame| crate::view::draw(frame, &app))
        .expect("draws");
    let buffer = terminal.backend().inner().buffer();
    let text: String = buffer.content().iter().map(|c| c.symbol()).collect();
    assert!(text.is_ascii(), "{text}");
    assert!(text.contains("+ Send these changes? ---"), "{text}");
    assert!(text.contains("IST > UTC"), "{text}");
}
