//! The history view and rollback.
use super::*;

#[test]
fn the_history_lists_entries_newest_first_with_the_keys_each_changed() {
    let mut app = loaded();
    open_history(&mut app);
    let view = history_view(&app);
    let ids: Vec<u64> = view.items().iter().map(|i| i.id).collect();
    assert_eq!(ids, vec![3, 2, 1]);
    let keys: Vec<String> = view.items()[1]
        .changed
        .iter()
        .map(|(id, ..)| id.path())
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(
        keys.contains(&"common.deletion_time".to_string()),
        "{keys:?}"
    );
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("#3"), "{text}");
    assert!(
        text.contains("7d1f0e6c-0b7a-4c55-a2b1-9f1c2d7e0003"),
        "{text}"
    );
}

#[test]
fn without_a_state_folder_or_history_the_view_says_so() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('H'));
    update(&mut app, Action::HistoryRead(None));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("No history here"), "{text}");
    // Enter and r on nothing do nothing.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::History);

    let mut app = loaded();
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::Missing)),
    );
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("No changes recorded"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Browse);
}

#[test]
fn a_corrupt_history_shows_its_reason_in_the_view() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::SetAside {
            moved_to: "/state/history.json.unreadable-7".into(),
            reason: "corrupt (expected value at line 1 column 1)".into(),
        })),
    );
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("corrupt (expected value"), "{text}");
    assert!(text.contains("unreadable-7"), "{text}");
    assert!(press(&mut app, KeyCode::Down).is_empty());
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.mode(), Mode::History);
}

#[test]
fn rollback_leaves_out_keys_changed_again_since_and_says_so() {
    let mut app = loaded();
    // greenvn.default_flow_id changed again since entry 3 left 123456.
    let mut data = seed_answer().settings.to_json();
    data["greenvn"]["default_flow_id"] = json!("999999");
    update(&mut app, key(KeyCode::Char('r')));
    update(
        &mut app,
        Action::Loaded {
            seq: 2,
            result: Ok(answer_from(data)),
        },
    );
    open_history(&mut app);
    press(&mut app, KeyCode::Enter);
    let view = history_view(&app);
    assert_eq!(view.opened().map(|i| i.id), Some(3));
    let effects = press(&mut app, KeyCode::Char('r'));
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::SaveDraft { .. })),
        "{effects:?}"
    );
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(app.value(id("common.country")), Some("US"));
    assert_eq!(app.model.edits().get(id("greenvn.default_flow_id")), None);
    let message = app.message.clone().expect("a message");
    assert_eq!(message.tone, Tone::Warning);
    assert!(
        message
            .text
            .contains("greenvn.default_flow_id changed again since"),
        "{}",
        message.text
    );
    assert!(message.text.contains("999999"), "{}", message.text);
    // The rollback is an ordinary pending change: d shows it, s asks first.
    press(&mut app, KeyCode::Char('s'));
    assert!(matches!(app.mode, ModeState::Confirm(Question::Send)));
    assert_eq!(app.model.changes().changed().count(), 1);
}

#[test]
fn rollback_keeps_unsent_edits_and_skips_keys_not_reported_before() {
    let mut app = loaded();
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "X");
    press(&mut app, KeyCode::Enter);
    let mut history = history_fixture();
    // Entry 2 set lcr_enabled where none was reported before.
    history.entries[1].before["common"]
        .as_object_mut()
        .expect("common")
        .remove("lcr_enabled");
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::Found(history))),
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let screen_text = screen(&mut app, 120, 40);
    assert!(
        screen_text.contains("you have an unsent edit"),
        "{screen_text}"
    );
    assert!(screen_text.contains("not reported before"), "{screen_text}");
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(
        app.value(id("common.aparty_tag")),
        Some("CustomerX"),
        "the edit stays"
    );
    assert_eq!(app.value(id("common.deletion_time")), Some("600"));
    assert_eq!(app.value(id("common.lcr_enabled")), Some("true"));
    let text = app.message.clone().expect("message").text;
    assert!(
        text.contains("common.lcr_enabled was not reported before entry 2"),
        "{text}"
    );
    assert!(
        text.contains("common.aparty_tag has your unsent edit"),
        "{text}"
    );
}

#[test]
fn rollback_with_nothing_to_put_back_stays_on_the_entry() {
    let mut app = loaded();
    let mut data = seed_answer().settings.to_json();
    data["common"]["timezone"] = json!("UTC");
    update(&mut app, key(KeyCode::Char('r')));
    update(
        &mut app,
        Action::Loaded {
            seq: 2,
            result: Ok(answer_from(data)),
        },
    );
    open_history(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(history_view(&app).opened().map(|i| i.id), Some(1));
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.mode(), Mode::HistoryEntry);
    assert!(app.model.edits().is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("Nothing of entry 1"))
    );
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.mode(), Mode::History);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.mode(), Mode::Browse);
}
