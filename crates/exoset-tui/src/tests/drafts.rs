//! Drafts of unsent edits: offered at start, restored, kept as they change.
use super::*;

#[test]
fn a_draft_is_offered_once_loaded_and_restored_with_server_moves_flagged() {
    let mut app = with_drafts();
    // The draft was made when deletion_time was 600; the server now has 1800.
    let mut old_base = seed_answer().settings;
    old_base.set(id("common.deletion_time"), "600");
    let draft = draft_of(
        &[("common.timezone", "UTC"), ("common.deletion_time", "900")],
        &old_base,
    );
    let effects = update(&mut app, Action::DraftRead(Ok(Some(draft))));
    assert!(effects.is_empty(), "no draft is written while one waits");
    assert_eq!(
        app.mode(),
        Mode::Browse,
        "not offered before the settings load"
    );
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    assert!(matches!(
        app.mode,
        ModeState::Confirm(Question::RestoreDraft)
    ));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("A draft of 2 unsent changes"), "{text}");
    let effects = press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.model.edits().get(id("common.timezone")), Some("UTC"));
    assert_eq!(
        app.model.edits().get(id("common.deletion_time")),
        Some("900")
    );
    assert!(matches!(
        app.model.flags().get(&id("common.deletion_time")),
        Some(Flag::Conflict { was: Some(w) }) if w == "600"
    ));
    assert!(!app.model.flags().contains_key(&id("common.timezone")));
    // The same conflict view as before a send; resolving leads back to the list.
    assert_eq!(app.mode(), Mode::Conflicts);
    assert_eq!(app.after_conflicts, AfterConflicts::Browse);
    let c = &app.model.conflicts()[0].conflict;
    assert_eq!(
        (
            c.id,
            c.base.as_deref(),
            c.mine.as_str(),
            c.theirs.as_deref()
        ),
        (id("common.deletion_time"), Some("600"), "900", Some("1800"))
    );
    // Restored edits are written back, now on the current base.
    let [Effect::SaveDraft { base, edits }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(base, app.model.base());
    assert_eq!(edits.len(), 2);
    press(&mut app, KeyCode::Char('t'));
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(
        app.model.edits().get(id("common.deletion_time")),
        None,
        "theirs"
    );
    assert_eq!(app.model.edits().get(id("common.timezone")), Some("UTC"));
    assert!(matches!(effects.as_slice(), [Effect::SaveDraft { edits, .. }] if edits.len() == 1));
}

#[test]
fn n_discards_a_found_draft() {
    let mut app = with_drafts();
    let draft = draft_of(&[("common.timezone", "UTC")], &seed_answer().settings);
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    update(&mut app, Action::DraftRead(Ok(Some(draft))));
    assert!(matches!(
        app.mode,
        ModeState::Confirm(Question::RestoreDraft)
    ));
    assert_eq!(
        press(&mut app, KeyCode::Char('n')),
        vec![Effect::DiscardDraft]
    );
    assert!(app.model.edits().is_empty());
}

#[test]
fn edits_are_kept_as_a_draft_and_the_draft_goes_when_they_do() {
    let mut app = with_drafts();
    update(&mut app, Action::DraftRead(Ok(None)));
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    select(&mut app, "common.timezone");
    let effects = press(&mut app, KeyCode::Char(' '));
    assert!(
        matches!(effects.as_slice(), [Effect::SaveDraft { .. }]),
        "{effects:?}"
    );
    assert!(
        press(&mut app, KeyCode::Down).is_empty(),
        "moving writes nothing"
    );
    select(&mut app, "common.timezone");
    assert_eq!(
        press(&mut app, KeyCode::Char('u')),
        vec![Effect::RemoveDraft]
    );
    // Quitting with edits says they stay in the draft.
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('q'));
    let shown = screen(&mut app, 80, 24);
    assert!(
        shown.contains("Your 1 unsent change to 127.0.0.1 stays in the draft and"),
        "{shown}"
    );
}

#[test]
fn the_way_out_keeps_the_text_of_an_open_edit_box_in_the_draft_even_invalid() {
    let mut app = with_drafts();
    update(&mut app, Action::DraftRead(Ok(None)));
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    assert_eq!(app.exit_draft(), None, "no edits, no draft");
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "99999");
    assert_eq!(app.mode(), Mode::EditText, "still typing");
    let Some(Effect::SaveDraft { edits, .. }) = app.exit_draft() else {
        panic!("a draft is written");
    };
    assert_eq!(edits.get(id("common.timezone")), Some("UTC"));
    assert_eq!(
        edits.get(id("common.deletion_time")),
        Some("180099999"),
        "the typed text, though out of range"
    );
    assert_eq!(app.exit_draft(), None, "written once");
}

#[test]
fn an_unreadable_draft_is_reported_and_not_overwritten_silently() {
    let mut app = with_drafts();
    // Loaded first, so nothing but the failed read holds a write back.
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    let effects = update(
        &mut app,
        Action::DraftRead(Err(
            "The draft of unsent changes is corrupt; it was kept as x.".into(),
        )),
    );
    assert_eq!(app.message.as_ref().map(|m| m.tone), Some(Tone::Warning));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::SaveDraft { .. } | Effect::RemoveDraft)),
        "no draft written or removed over the unreadable one: {effects:?}"
    );
}
