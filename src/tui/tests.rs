//! The editor without a terminal: every binding of the table in every mode it
//! lists, the behaviours DESIGN.md asks for, and whole screens as snapshots.

use super::app::*;
use super::keys::{BINDINGS, Command, KeyPress, Mode};
use super::rows::RowKey;
use super::sms::{FormRow, selectable};
use crate::api::client::check_answer;
use crate::api::{Answer, ApiError};
use crate::changes::{ChangeSet, Drift, verify};
use crate::schema::{FieldId, Section, lookup_path};
use crate::session::{Done, Sent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use serde_json::{Value, json};

const SEED: &str = include_str!("../../tests/fixtures/seed/example-put-response.json");

fn seed_answer() -> Answer {
    check_answer(200, SEED.as_bytes()).expect("the seed answer reads")
}

fn answer_from(data: Value) -> Answer {
    let envelope = json!({
        "request_id": "req-2", "success": true, "status": 200,
        "code": null, "message": null, "method": "PUT", "data": data,
    });
    check_answer(200, envelope.to_string().as_bytes()).expect("answer reads")
}

fn id(path: &str) -> FieldId {
    lookup_path(path).unwrap_or_else(|| panic!("no setting {path}"))
}

fn loaded_with(answer: Answer, color: bool) -> App {
    let mut app = App::new("demo", "127.0.0.1", color, false);
    let effects = app.start();
    assert_eq!(effects, vec![Effect::Load { seq: 1 }]);
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(answer),
        },
    );
    app
}

fn loaded() -> App {
    loaded_with(seed_answer(), false)
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, key(code))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn select(app: &mut App, path: &str) {
    let id = id(path);
    app.tab = id.setting().section;
    app.selected[tab_index(app.tab)] = Some(RowKey::Field(id));
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    update(app, Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| super::view::draw(frame, app))
        .expect("draws");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn server_error() -> ApiError {
    ApiError::Server {
        status: 400,
        code: Some("5".into()),
        message: Some("greenvn.greencall_complete_event_method: unsupported method".into()),
        request_id: Some("9f1c2d7e-0b7a-4c55-a2b1-7d1f0e6c9a31".into()),
    }
}

/// The body an `Effect::Submit` would send.
fn body_of(base: &crate::settings::Settings, edits: &crate::changes::Edits) -> Option<Value> {
    ChangeSet::new(base, edits).body().ok().flatten()
}

/// The shared send path's answer to the send in flight: the server answered
/// with `data`, after a fresh read equal to `before`.
fn sent_ok(app: &App, before: &crate::settings::Settings, data: Value) -> Box<Sent> {
    let changes = app
        .request
        .as_ref()
        .and_then(|r| r.changes.clone())
        .expect("a send in flight");
    let answer = answer_from(data);
    let drift = Drift::between(&app.base, &app.edits, before);
    let mut edits = app.edits.clone();
    edits.rebase(before);
    let changes = if drift.taken_in.is_empty() {
        changes
    } else {
        ChangeSet::new(before, &edits)
    };
    Box::new(Sent::Done(Box::new(Done {
        request_id: answer.request_id.clone(),
        before: before.clone(),
        checks: verify(&changes, &answer.settings),
        after: answer.settings,
        changes,
        taken_in: drift.taken_in.iter().map(|(id, ..)| *id).collect(),
        warnings: Vec::new(),
    })))
}

/// The shared send path's answer: the PUT failed with `error`.
fn sent_err(app: &App, error: ApiError) -> Box<Sent> {
    let changes = app
        .request
        .as_ref()
        .and_then(|r| r.changes.clone())
        .expect("a send in flight");
    if matches!(error, ApiError::Unknown { .. }) {
        return Box::new(Sent::Unknown {
            fresh: app.base.clone(),
            changes,
            error,
        });
    }
    Box::new(Sent::Failed {
        fresh: app.base.clone(),
        changes,
        error,
    })
}

/// The shared send path found keys changed on both sides in `fresh`.
fn sent_conflicts(app: &App, fresh: crate::settings::Settings) -> Box<Sent> {
    let conflicts = Drift::between(&app.base, &app.edits, &fresh).conflicts;
    Box::new(Sent::Conflicts { fresh, conflicts })
}

// ----- fixtures for each mode -----

fn in_mode(mode: Mode) -> App {
    let mut app = loaded();
    match mode {
        Mode::Browse => select(&mut app, "common.deletion_time"),
        Mode::Filter => {
            select(&mut app, "common.deletion_time");
            press(&mut app, KeyCode::Char('/'));
        }
        Mode::EditText => {
            select(&mut app, "common.aparty_tag");
            press(&mut app, KeyCode::Enter);
        }
        Mode::EditLines => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::End);
            press(&mut app, KeyCode::Enter);
        }
        Mode::Pick => {
            select(&mut app, "greenvn.greencall_complete_event_method");
            press(&mut app, KeyCode::Enter);
        }
        Mode::MultiPick => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Enter);
        }
        Mode::SmsForm => {
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
        }
        Mode::Diff => {
            // Enough changes for the diff to scroll at 80×24.
            for path in [
                "common.timezone",
                "common.intl_num_sup",
                "common.tag_enabled",
                "common.lcr_enabled",
                "greenpin.aparty_pin_enabled",
                "greenpin.bparty_pin_enabled",
            ] {
                select(&mut app, path);
                press(&mut app, KeyCode::Char(' '));
            }
            select(&mut app, "common.sms_config");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Char(' '));
            press(&mut app, KeyCode::Esc);
            select(&mut app, "greenvn.greencall_complete_event_endpoint");
            press(&mut app, KeyCode::Enter);
            type_text(&mut app, "?v=2");
            press(&mut app, KeyCode::Enter);
            press(&mut app, KeyCode::Char('d'));
        }
        Mode::Confirm => {
            select(&mut app, "common.timezone");
            press(&mut app, KeyCode::Char(' '));
            press(&mut app, KeyCode::Char('s'));
        }
        Mode::Conflicts => {
            select(&mut app, "common.deletion_time");
            app = in_conflict(app);
        }
        Mode::Help => {
            press(&mut app, KeyCode::Char('?'));
        }
        Mode::History => open_history(&mut app),
        Mode::HistoryEntry => {
            open_history(&mut app);
            press(&mut app, KeyCode::Down);
            press(&mut app, KeyCode::Enter);
        }
    }
    assert_eq!(app.mode(), mode, "fixture for {mode:?}");
    app
}

/// Where the cursor of the current mode's list is, and how long that list is.
fn position(app: &App) -> (usize, usize) {
    match &app.mode {
        ModeState::Browse | ModeState::Filter(_) => {
            let rows = app.rows();
            let items = super::rows::items(&rows);
            let at = app
                .selected_key()
                .and_then(|k| items.iter().position(|i| **i == k))
                .unwrap_or(0);
            (at, items.len())
        }
        ModeState::Pick(pick) => (pick.cursor, pick.options.len()),
        ModeState::MultiPick(multi) => (multi.cursor, multi.ticks.len()),
        ModeState::SmsForm => (
            app.form.as_ref().map_or(0, |f| f.cursor),
            selectable().len(),
        ),
        ModeState::Diff { scroll } | ModeState::Help { scroll, .. } => (*scroll, app.overlay_len()),
        ModeState::Conflicts { cursor } => (*cursor, app.conflicts.len()),
        ModeState::History(view) => match view.open {
            Some((_, at)) => (at, view.opened().map_or(0, |i| i.changed.len())),
            None => (view.cursor, view.items().len()),
        },
        _ => (0, 0),
    }
}

fn set_position(app: &mut App, at: usize) {
    match &mut app.mode {
        ModeState::Browse | ModeState::Filter(_) => {
            let rows = app.rows();
            let items = super::rows::items(&rows);
            let key = items[at].clone();
            app.selected[tab_index(app.tab)] = Some(key);
        }
        ModeState::Pick(pick) => pick.cursor = at,
        ModeState::MultiPick(multi) => multi.cursor = at,
        ModeState::SmsForm => {
            if let Some(form) = app.form.as_mut() {
                form.cursor = at;
            }
        }
        ModeState::Diff { scroll } | ModeState::Help { scroll, .. } => *scroll = at,
        ModeState::Conflicts { cursor } => *cursor = at,
        ModeState::History(view) => match &mut view.open {
            Some((_, key)) => *key = at,
            None => view.cursor = at,
        },
        _ => {}
    }
}

fn event(k: KeyPress) -> Action {
    Action::Key(KeyEvent::new(k.code, k.mods))
}

/// Sends `k` in `mode` and checks it did what `command` means there.
fn exercise(mode: Mode, command: Command, k: KeyPress) {
    let what = format!("{} in {mode:?} ({command:?})", k.label());
    let mut app = in_mode(mode);
    match command {
        Command::QuitNow => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Quit], "{what}");
            assert!(app.quit, "{what}");
        }
        Command::Quit => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Quit], "{what}: no edits, quits");
            let mut edited = in_mode(mode);
            select(&mut edited, "common.timezone");
            update(&mut edited, key(KeyCode::Char(' ')));
            assert!(update(&mut edited, event(k)).is_empty(), "{what}");
            assert!(
                matches!(edited.mode, ModeState::Confirm(Question::Quit)),
                "{what}: asks when changes are pending"
            );
        }
        Command::ShowTab(section) => {
            update(&mut app, event(k));
            assert_eq!(app.tab, section, "{what}");
        }
        Command::NextTab | Command::PrevTab => {
            assert_eq!(app.tab, Section::Common);
            update(&mut app, event(k));
            let want = if command == Command::NextTab {
                Section::Greenvn
            } else {
                Section::Greenpin
            };
            assert_eq!(app.tab, want, "{what}");
        }
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::First
        | Command::Last => {
            set_position(&mut app, 1);
            let (before, len) = position(&app);
            assert!(len >= 3, "{what}: the fixture list is too short");
            update(&mut app, event(k));
            let (after, _) = position(&app);
            let ok = match command {
                Command::Up => after == before - 1,
                Command::Down => after == before + 1,
                Command::PageUp | Command::First => after == 0,
                Command::PageDown => after > before + 1 || after == len - 1,
                _ => after == len - 1,
            };
            assert!(ok, "{what}: {before} -> {after} of {len}");
        }
        Command::Edit => {
            update(&mut app, event(k));
            match mode {
                Mode::Browse => {
                    // deletion_time is an int: Enter opens the inline text edit.
                    assert_eq!(app.mode(), Mode::EditText, "{what}");
                }
                Mode::SmsForm => {
                    // The first row is A.sms_enabled: Enter toggles it.
                    assert_eq!(
                        app.form
                            .as_ref()
                            .and_then(|f| f.display(0, "sms_enabled"))
                            .as_deref(),
                        Some("true"),
                        "{what}"
                    );
                    assert!(app.edits.get(id("common.sms_config")).is_some(), "{what}");
                }
                _ => panic!("{what}: no check"),
            }
        }
        Command::Toggle => match mode {
            Mode::Browse => {
                select(&mut app, "common.lcr_enabled");
                update(&mut app, event(k));
                assert_eq!(app.value(id("common.lcr_enabled")), Some("false"), "{what}");
            }
            Mode::SmsForm => {
                update(&mut app, event(k));
                let form = app.form.as_ref().expect("form open");
                assert_eq!(
                    form.display(0, "sms_enabled").as_deref(),
                    Some("true"),
                    "{what}"
                );
            }
            _ => panic!("{what}: no check"),
        },
        Command::Revert => {
            let field = id("common.deletion_time");
            update(&mut app, key(KeyCode::Enter));
            type_text(&mut app, "0");
            update(&mut app, key(KeyCode::Enter));
            assert_eq!(app.edits.get(field), Some("18000"));
            update(&mut app, event(k));
            assert_eq!(app.edits.get(field), None, "{what}");
            assert_eq!(app.value(field), Some("1800"), "{what}");
        }
        Command::Filter => {
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Filter, "{what}");
        }
        Command::ShowDiff => {
            update(&mut app, event(k));
            assert!(matches!(app.mode, ModeState::Diff { .. }), "{what}");
        }
        Command::Submit => {
            if mode == Mode::Browse {
                update(&mut app, key(KeyCode::Char('u')));
                select(&mut app, "common.timezone");
                update(&mut app, key(KeyCode::Char(' ')));
            }
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing goes out before y");
            assert!(
                matches!(app.mode, ModeState::Confirm(Question::Send)),
                "{what}"
            );
        }
        Command::Reload => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Load { seq: 2 }], "{what}");
            assert!(app.busy(), "{what}");
        }
        Command::Copy => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Copy("1800".into())], "{what}");
        }
        Command::ExternalEdit => {
            let effects = update(&mut app, event(k));
            let want = match mode {
                Mode::Browse => Effect::ExternalEdit {
                    target: EditTarget::Field(id("common.deletion_time")),
                    text: "1800".into(),
                    json: false,
                },
                Mode::SmsForm => {
                    let Some(Effect::ExternalEdit { target, json, text }) = effects.first() else {
                        panic!("{what}: {effects:?}");
                    };
                    assert_eq!(*target, EditTarget::Raw(id("common.sms_config")), "{what}");
                    assert!(
                        *json && text.contains("\n  \"A\": {"),
                        "{what}: pretty JSON"
                    );
                    return;
                }
                _ => panic!("{what}: no check"),
            };
            assert_eq!(effects, vec![want], "{what}");
        }
        Command::Help => {
            update(&mut app, event(k));
            let ModeState::Help { back, .. } = &app.mode else {
                panic!("{what}: {:?}", app.mode());
            };
            let back_mode = match back.as_ref() {
                ModeState::Browse => Mode::Browse,
                ModeState::SmsForm => Mode::SmsForm,
                ModeState::Diff { .. } => Mode::Diff,
                ModeState::Conflicts { .. } => Mode::Conflicts,
                _ => Mode::Help,
            };
            assert_eq!(back_mode, mode, "{what}: help returns where it came from");
        }
        Command::Cancel => {
            press(&mut app, KeyCode::Char('r'));
            assert!(app.busy());
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::Cancel], "{what}");
            assert!(!app.busy(), "{what}");
            // The cancelled request's answer, should it come, is ignored.
            update(
                &mut app,
                Action::Loaded {
                    seq: 2,
                    result: Err(server_error()),
                },
            );
            assert!(
                !app.message.as_ref().is_some_and(|m| m.tone == Tone::Error),
                "{what}"
            );
            // With nothing in flight, Esc clears the filter.
            app.filter = "tag".into();
            update(&mut app, event(k));
            assert!(app.filter.is_empty(), "{what}");
        }
        Command::FilterDone => {
            type_text(&mut app, "tag");
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.filter, "tag", "{what}");
        }
        Command::FilterClear => {
            type_text(&mut app, "tag");
            update(&mut app, event(k));
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert!(app.filter.is_empty(), "{what}");
        }
        Command::Keep => match mode {
            Mode::EditText => {
                type_text(&mut app, "\tX");
                let text_before = app.value(id("common.aparty_tag")).map(str::to_string);
                update(&mut app, event(k));
                assert_eq!(app.mode(), Mode::Browse, "{what}");
                assert_ne!(
                    app.value(id("common.aparty_tag")).map(str::to_string),
                    text_before
                );
            }
            Mode::EditLines => {
                press(&mut app, KeyCode::Backspace);
                update(&mut app, event(k));
                let field = id("common.sms_config");
                assert!(app.edits.get(field).is_some(), "{what}: invalid JSON kept");
                assert!(app.problem(field).is_some(), "{what}: and marked");
            }
            _ => panic!("{what}: no check"),
        },
        Command::Newline => {
            let ModeState::Edit(edit) = &app.mode else {
                panic!()
            };
            let lines = edit.input.lines().len();
            update(&mut app, event(k));
            let ModeState::Edit(edit) = &app.mode else {
                panic!("{what}: still editing");
            };
            assert_eq!(edit.input.lines().len(), lines + 1, "{what}");
        }
        Command::Discard => {
            type_text(&mut app, "zzz");
            let edits = app.edits.clone();
            update(&mut app, event(k));
            assert_eq!(app.edits, edits, "{what}: nothing kept");
            let back = if mode == Mode::EditLines {
                Mode::SmsForm
            } else {
                Mode::Browse
            };
            assert_eq!(app.mode(), back, "{what}");
        }
        Command::Choose => match mode {
            Mode::Pick => {
                set_position(&mut app, 0);
                update(&mut app, event(k));
                let field = id("greenvn.greencall_complete_event_method");
                assert_eq!(app.value(field), Some("GET"), "{what}");
                assert_eq!(app.mode(), Mode::Browse, "{what}");
            }
            Mode::MultiPick => {
                set_position(&mut app, 0);
                update(&mut app, key(KeyCode::Char(' ')));
                update(&mut app, event(k));
                let form = app.form.as_ref().expect("form");
                assert_eq!(
                    form.display(0, "on_status").as_deref(),
                    Some("no-answer, failed, canceled"),
                    "{what}"
                );
                assert_eq!(app.mode(), Mode::SmsForm, "{what}");
            }
            _ => panic!("{what}: no check"),
        },
        Command::Mark => {
            let ModeState::MultiPick(before) = app.mode.clone() else {
                panic!()
            };
            update(&mut app, event(k));
            let ModeState::MultiPick(after) = &app.mode else {
                panic!()
            };
            assert_ne!(before.ticks[0], after.ticks[0], "{what}");
        }
        Command::Close if mode == Mode::Conflicts => {
            let edits = app.edits.clone();
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing is sent");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.edits, edits, "{what}: the edits stay");
            assert_eq!(app.conflicts.len(), 3, "{what}: the conflicts stay");
            assert!(
                matches!(
                    app.flags.get(&id("common.timezone")),
                    Some(Flag::Conflict { .. })
                ),
                "{what}: and stay marked"
            );
            // A send comes back to them rather than going out.
            assert!(press(&mut app, KeyCode::Char('s')).is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Conflicts, "{what}");
        }
        Command::KeepMine | Command::TakeTheirs => {
            set_position(&mut app, 1);
            update(&mut app, event(k));
            let want = if command == Command::KeepMine {
                Choice::Mine
            } else {
                Choice::Theirs
            };
            let choices: Vec<_> = app.conflicts.iter().map(|c| c.choice).collect();
            assert_eq!(choices, vec![None, Some(want), None], "{what}");
            assert_eq!(
                position(&app).0,
                0,
                "{what}: on to the first key still open"
            );
            assert!(
                app.edits.get(id("common.timezone")).is_some(),
                "{what}: applied only on Enter"
            );
        }
        Command::KeepAllMine | Command::TakeAllTheirs => {
            update(&mut app, event(k));
            let want = if command == Command::KeepAllMine {
                Choice::Mine
            } else {
                Choice::Theirs
            };
            assert!(
                app.conflicts.iter().all(|c| c.choice == Some(want)),
                "{what}"
            );
        }
        Command::Resolve => {
            // Refused while a key has no choice: nothing goes out.
            press(&mut app, KeyCode::Char('t'));
            assert!(update(&mut app, event(k)).is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Conflicts, "{what}");
            assert_eq!(position(&app).0, 1, "{what}: shows the first open key");
            // Theirs for timezone, mine for the rest.
            press(&mut app, KeyCode::Char('m'));
            press(&mut app, KeyCode::Char('m'));
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}: nothing is sent before y");
            assert!(
                matches!(app.mode, ModeState::Confirm(Question::Send)),
                "{what}"
            );
            assert!(app.conflicts.is_empty() && app.flags.is_empty(), "{what}");
            assert_eq!(app.edits.get(id("common.timezone")), None, "{what}: theirs");
            assert_eq!(app.value(id("common.timezone")), Some("GMT"), "{what}");
            assert_eq!(
                app.edits.get(id("common.deletion_time")),
                Some("60"),
                "{what}: mine"
            );
            assert_eq!(
                app.base.get(id("common.deletion_time")),
                Some("120"),
                "{what}"
            );
            let effects = press(&mut app, KeyCode::Char('y'));
            let [Effect::Submit { base, edits, .. }] = effects.as_slice() else {
                panic!("{what}: {effects:?}");
            };
            assert_eq!(
                base.get(id("common.country")),
                Some("SG"),
                "{what}: taken in"
            );
            let body = body_of(base, edits).expect("a body");
            assert_eq!(
                body,
                json!({"common": {"deletion_time": 60, "aparty_tag": "Mine"}}),
                "{what}"
            );
        }
        Command::Close => {
            let edits = app.edits.clone();
            update(&mut app, event(k));
            let want = match mode {
                Mode::MultiPick => Mode::SmsForm,
                Mode::HistoryEntry => Mode::History,
                _ => Mode::Browse,
            };
            assert_eq!(app.mode(), want, "{what}");
            assert_eq!(app.edits, edits, "{what}: closing changes nothing");
            if mode == Mode::SmsForm {
                assert!(app.form.is_none(), "{what}");
            }
        }
        Command::Yes => {
            let effects = update(&mut app, event(k));
            let [Effect::Submit { base, edits, .. }, ..] = effects.as_slice() else {
                panic!("{what}: {effects:?}");
            };
            assert_eq!(ChangeSet::new(base, edits).rows.len(), 1, "{what}");
            assert!(app.busy(), "{what}");
        }
        Command::No => {
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.edits.len(), 1, "{what}: the edit stays");
        }
        Command::History => {
            let effects = update(&mut app, event(k));
            assert_eq!(effects, vec![Effect::ReadHistory], "{what}");
            assert_eq!(app.mode(), Mode::History, "{what}");
        }
        Command::ShowEntry => {
            set_position(&mut app, 1);
            let effects = update(&mut app, event(k));
            assert!(effects.is_empty(), "{what}");
            assert_eq!(app.mode(), Mode::HistoryEntry, "{what}");
            let ModeState::History(view) = &app.mode else {
                panic!("{what}")
            };
            assert_eq!(view.opened().map(|i| i.id), Some(2), "{what}");
        }
        Command::Rollback => {
            // Entry 2 set four keys; rolling back puts their old values back,
            // unsent, and closes the view.
            let effects = update(&mut app, event(k));
            assert!(
                effects
                    .iter()
                    .all(|e| matches!(e, Effect::SaveDraft { .. })),
                "{what}: nothing is sent: {effects:?}"
            );
            assert_eq!(app.mode(), Mode::Browse, "{what}");
            assert_eq!(app.value(id("common.aparty_tag")), Some("Caller"), "{what}");
            assert_eq!(app.value(id("common.deletion_time")), Some("600"), "{what}");
            assert_eq!(app.edits.len(), 4, "{what}");
            assert!(!app.busy(), "{what}");
        }
    }
}

#[test]
fn every_binding_does_what_the_table_says_in_each_of_its_modes() {
    let mut checked = 0;
    for binding in BINDINGS {
        for &mode in binding.modes {
            for &k in binding.keys {
                exercise(mode, binding.command, k);
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "only {checked} key presses checked");
}

// ----- behaviours -----

#[test]
fn typing_an_invalid_int_shows_the_message_and_enter_keeps_it_marked() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "99999");
    let ModeState::Edit(edit) = &app.mode else {
        panic!()
    };
    let message = edit.error.clone().expect("invalid while typing");
    assert!(message.contains("from 0 to 86400"), "{message}");
    press(&mut app, KeyCode::Enter);
    let field = id("common.deletion_time");
    assert_eq!(app.edits.get(field), Some("18099999"));
    assert!(app.problem(field).is_some());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("invalid"))
    );
}

#[test]
fn esc_in_a_text_edit_forgets_what_was_typed() {
    let mut app = loaded();
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "xyz");
    press(&mut app, KeyCode::Esc);
    assert!(app.edits.is_empty());
    assert_eq!(app.value(id("common.aparty_tag")), Some("Customer"));
}

#[test]
fn submit_is_refused_while_a_field_is_invalid_and_jumps_to_it() {
    let mut app = loaded();
    select(&mut app, "greenvn.default_flow_id");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "x");
    press(&mut app, KeyCode::Enter);
    select(&mut app, "common.timezone");
    app.filter = "time".into();
    let effects = press(&mut app, KeyCode::Char('s'));
    assert!(effects.is_empty());
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(app.tab, Section::Greenvn);
    assert!(app.filter.is_empty(), "the filter hid the field");
    assert_eq!(app.selected_field(), Some(id("greenvn.default_flow_id")));
    let message = app.message.clone().expect("a message");
    assert_eq!(message.tone, Tone::Error);
    assert!(
        message
            .text
            .contains("greenvn.default_flow_id: must be digits only"),
        "{}",
        message.text
    );
}

#[test]
fn an_endpoint_with_unreported_companions_cannot_be_sent() {
    let mut app = loaded();
    select(&mut app, "greenpin.greenpin_verified_caller_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "https://example.com/hook");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.selected_field(),
        Some(id("greenpin.greenpin_verified_caller_event_method"))
    );
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("must be set too"))
    );
}

#[test]
fn a_sent_endpoint_shows_its_companions_in_the_diff() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "/v2");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.changes.rows.iter().filter(|r| r.companion).count(), 2);
    press(&mut app, KeyCode::Char('d'));
    let text = screen(&mut app, 80, 24);
    assert!(
        text.contains("= greenvn.greencall_complete_event_method"),
        "{text}"
    );
    assert!(text.contains("unchanged, sent with its endpoint"), "{text}");
}

fn send_timezone(app: &mut App) -> u64 {
    select(app, "common.timezone");
    press(app, KeyCode::Char(' '));
    press(app, KeyCode::Char('s'));
    let effects = press(app, KeyCode::Char('y'));
    let [Effect::Submit { seq, base, edits }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(base, &app.base);
    let body = body_of(base, edits).expect("a body");
    assert_eq!(body["common"]["timezone"], json!("UTC"));
    *seq
}

#[test]
fn a_successful_put_becomes_the_base_and_keys_not_taken_are_flagged() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    let seq = send_timezone(&mut app);
    update(&mut app, Action::Checked { seq });
    assert_eq!(
        app.request.as_ref().map(|r| r.kind),
        Some(RequestKind::Sending)
    );
    let mut data = seed_answer().settings.to_json();
    data["common"]["timezone"] = json!("UTC");
    // The server kept deletion_time at its old value.
    let sent = sent_ok(&app, &app.base.clone(), data);
    update(&mut app, Action::Sent { seq, sent });
    assert!(!app.busy());
    assert_eq!(app.base.get(id("common.timezone")), Some("UTC"));
    assert_eq!(
        app.edits.get(id("common.timezone")),
        None,
        "taken, so no longer an edit"
    );
    let field = id("common.deletion_time");
    assert!(matches!(app.flags.get(&field), Some(Flag::NotTaken { .. })));
    let message = app.message.clone().expect("message");
    assert_eq!(message.tone, Tone::Warning);
    assert!(
        message
            .text
            .contains("common.deletion_time (sent 18000, server has 1800)"),
        "{}",
        message.text
    );
    assert!(
        message.text.contains("request_id req-2"),
        "{}",
        message.text
    );
}

#[test]
fn a_failed_put_shows_status_code_message_and_request_id_and_keeps_the_edits() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let sent = sent_err(&app, server_error());
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(app.edits.get(id("common.timezone")), Some("UTC"));
    let text = app.message.clone().expect("message").text;
    for part in [
        "HTTP 400",
        "code 5",
        "unsupported method",
        "9f1c2d7e-0b7a-4c55-a2b1-7d1f0e6c9a31",
        "kept",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}

/// Three edits (timezone, deletion_time, aparty_tag) sent; the check finds
/// each changed on the server too, and country changed only there.
fn in_conflict(mut app: App) -> App {
    for (path, text) in [
        ("common.deletion_time", "60"),
        ("common.aparty_tag", "Mine"),
    ] {
        select(&mut app, path);
        press(&mut app, KeyCode::Enter);
        let input = app.text_input(text, false);
        let ModeState::Edit(edit) = &mut app.mode else {
            panic!("editing {path}");
        };
        edit.input = input;
        press(&mut app, KeyCode::Enter);
    }
    let seq = send_timezone(&mut app);
    let mut fresh = app.base.clone();
    fresh.set(id("common.timezone"), "GMT");
    fresh.set(id("common.deletion_time"), "120");
    fresh.set(id("common.aparty_tag"), "Theirs");
    fresh.set(id("common.country"), "SG");
    let sent = sent_conflicts(&app, fresh);
    let effects = update(&mut app, Action::Sent { seq, sent });
    assert!(effects.is_empty(), "nothing is sent: {effects:?}");
    app
}

#[test]
fn a_change_only_on_the_server_is_taken_in_said_and_the_send_goes_on() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let mut fresh = app.base.clone();
    fresh.set(id("common.country"), "SG");
    fresh.set(id("common.deletion_time"), "120");
    let mut data = fresh.to_json();
    data["common"]["timezone"] = json!("UTC");
    let sent = sent_ok(&app, &fresh, data);
    let Sent::Done(done) = sent.as_ref() else {
        panic!("{sent:?}");
    };
    assert_eq!(
        done.changes.body().ok().flatten(),
        Some(json!({"common": {"timezone": "UTC"}})),
        "what was only changed on the server is not sent back"
    );
    update(&mut app, Action::Sent { seq, sent });
    assert_eq!(
        app.base.get(id("common.country")),
        Some("SG"),
        "the answer is the base"
    );
    let text = app.message.clone().expect("message").text;
    assert!(text.starts_with("Saved 1 change"), "{text}");
    assert!(text.contains("Taken in from the server first: "), "{text}");
    assert!(text.contains("common.country"), "{text}");
    assert!(text.contains("common.deletion_time"), "{text}");
}

#[test]
fn a_change_on_both_sides_opens_the_conflict_view_and_nothing_is_sent() {
    let mut app = in_conflict(loaded());
    assert_eq!(app.mode(), Mode::Conflicts);
    assert!(!app.busy());
    assert_eq!(app.base.get(id("common.country")), Some("SG"), "taken in");
    let ids: Vec<_> = app.conflicts.iter().map(|c| c.conflict.id).collect();
    assert_eq!(
        ids,
        vec![
            id("common.timezone"),
            id("common.deletion_time"),
            id("common.aparty_tag")
        ]
    );
    let c = &app.conflicts[1].conflict;
    assert_eq!(
        (c.base.as_deref(), c.mine.as_str(), c.theirs.as_deref()),
        (Some("1800"), "60", Some("120"))
    );
    assert_eq!(app.edits.get(id("common.deletion_time")), Some("60"));
    let text = app.message.clone().expect("message").text;
    assert!(
        text.contains("Taken in from the server: common.country"),
        "{text}"
    );
    assert!(
        text.contains("Not sent: 3 settings changed both here"),
        "{text}"
    );
    // Editing a conflicted key by hand settles it.
    press(&mut app, KeyCode::Esc);
    select(&mut app, "common.aparty_tag");
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(app.conflicts.len(), 2);
}

#[test]
fn a_load_error_is_shown_and_r_tries_again() {
    let mut app = App::new("demo", "127.0.0.1", false, false);
    let effects = app.start();
    assert_eq!(effects, vec![Effect::Load { seq: 1 }]);
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Err(server_error()),
        },
    );
    assert!(!app.loaded && !app.busy());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("r tries again"))
    );
    // Nothing can be edited or sent before the settings are known.
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    assert!(app.edits.is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Char('r')),
        vec![Effect::Load { seq: 2 }]
    );
}

#[test]
fn reload_with_pending_edits_asks_and_yes_discards_them() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    assert!(press(&mut app, KeyCode::Char('r')).is_empty());
    assert!(matches!(app.mode, ModeState::Confirm(Question::Reload)));
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Effect::Load { seq: 2 }]
    );
    assert!(app.edits.is_empty());
}

#[test]
fn cancelling_a_put_in_flight_warns_that_it_may_have_landed() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    update(&mut app, Action::Checked { seq });
    assert_eq!(press(&mut app, KeyCode::Esc), vec![Effect::Cancel]);
    let message = app.message.clone().expect("message");
    assert_eq!(message.tone, Tone::Warning);
    assert!(message.text.contains("may still have applied"));
    assert_eq!(app.edits.len(), 1);
}

#[test]
fn space_steps_an_enum_and_toggles_a_bool_and_an_unreported_bool_leaves_its_default() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_method");
    for want in ["GET", "POST", "POST_XML", "POST_JSON"] {
        press(&mut app, KeyCode::Char(' '));
        assert_eq!(
            app.value(id("greenvn.greencall_complete_event_method")),
            Some(want)
        );
    }
    assert!(app.edits.is_empty(), "back to the loaded value is no edit");
    let mut sparse = loaded_with(answer_from(json!({"common": {"timezone": "IST"}})), false);
    select(&mut sparse, "common.intl_num_sup");
    press(&mut sparse, KeyCode::Enter);
    assert_eq!(sparse.value(id("common.intl_num_sup")), Some("true"));
}

#[test]
fn headers_pick_a_content_type_keeping_other_headers_or_go_raw() {
    let mut app = loaded_with(
        answer_from(json!({"greenvn": {
            "greencall_complete_event_headers": "{\"content_type\": \"json\", \"X-Token\": \"abc\"}"
        }})),
        false,
    );
    let field = id("greenvn.greencall_complete_event_headers");
    select(&mut app, "greenvn.greencall_complete_event_headers");
    press(&mut app, KeyCode::Enter);
    let ModeState::Pick(pick) = &app.mode else {
        panic!()
    };
    assert_eq!(pick.current, Some(0));
    assert_eq!(
        pick.options.last().map(String::as_str),
        Some(RAW_JSON_OPTION)
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.value(field),
        Some(r#"{"content_type": "application/xml", "X-Token": "abc"}"#)
    );
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.mode(),
        Mode::EditText,
        "raw JSON of headers edits in place"
    );
    // Picking json again is the loaded document: no edit.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Enter);
    assert!(app.edits.is_empty());
}

#[test]
fn the_sms_form_edits_parts_and_writes_valid_json() {
    let mut app = loaded();
    let field = id("common.sms_config");
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    // B.sender_id: absent until set.
    let at = selectable()
        .iter()
        .position(|r| *r == FormRow::Part(1, "sender_id"))
        .expect("row");
    app.form.as_mut().expect("form").cursor = at;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditText);
    type_text(&mut app, "EXOTEL");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::SmsForm);
    let value: Value = serde_json::from_str(app.value(field).expect("value")).expect("json");
    assert_eq!(value["B"]["sender_id"], json!("EXOTEL"));
    assert_eq!(value["A"]["sender_id"], json!("MONOTEL"));
    assert!(app.problem(field).is_none());
    // The multi-line body: Alt-Enter starts a new line, Enter keeps.
    let body = selectable()
        .iter()
        .position(|r| *r == FormRow::Part(1, "sms_body"))
        .expect("row");
    app.form.as_mut().expect("form").cursor = body;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditLines);
    type_text(&mut app, "Hi");
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)),
    );
    type_text(&mut app, "there");
    press(&mut app, KeyCode::Enter);
    let value: Value = serde_json::from_str(app.value(field).expect("value")).expect("json");
    assert_eq!(value["B"]["sms_body"], json!("Hi\nthere"));
    // u on the row reverts the whole document.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('u'));
    assert!(app.edits.is_empty());
}

#[test]
fn an_sms_config_the_form_cannot_show_opens_as_raw_json() {
    let mut app = loaded_with(
        answer_from(json!({"common": {"sms_config": "{\"C\": {}}"}})),
        false,
    );
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::EditLines);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("unknown party"))
    );
}

#[test]
fn unknown_keys_are_listed_under_other_and_read_only() {
    let mut data = seed_answer().settings.to_json();
    data["greenpin"]["pin_retries"] = json!(3);
    data["greenzap"] = json!({"beta": "on"});
    let mut app = loaded_with(answer_from(data), false);
    app.tab = Section::Greenpin;
    let rows = app.rows();
    let key = RowKey::Unknown("greenpin".into(), "pin_retries".into());
    assert!(rows.contains(&super::rows::Row::Item(key.clone())));
    app.selected[tab_index(Section::Greenpin)] = Some(key);
    press(&mut app, KeyCode::Enter);
    assert!(app.edits.is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("read-only"))
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Effect::Copy("3".into())]
    );
    app.tab = Section::Common;
    let common = screen(&mut app, 120, 40);
    assert!(common.contains("Other — not known to exoset"), "{common}");
    assert!(common.contains("beta"), "{common}");
}

#[test]
fn the_filter_narrows_as_you_type_and_the_selection_follows() {
    let mut app = loaded();
    app.tab = Section::Greenvn;
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "flow");
    assert_eq!(app.filter, "flow");
    assert_eq!(app.selected_field(), Some(id("greenvn.default_flow_id")));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(
        super::rows::items(&app.rows()).len(),
        0,
        "no flow on Common"
    );
}

#[test]
fn pasting_into_a_one_line_edit_drops_newlines() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    let ModeState::Edit(edit) = &mut app.mode else {
        panic!()
    };
    edit.input.select_all();
    edit.input.cut();
    update(&mut app, Action::Paste("https://example.com/new\n".into()));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.value(id("greenvn.greencall_complete_event_endpoint")),
        Some("https://example.com/new")
    );
}

#[test]
fn the_mouse_is_ignored_unless_asked_for_and_then_clicks_tabs_and_rows() {
    let click = |column, row| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = loaded();
    update(&mut app, click(28, 0));
    assert_eq!(app.tab, Section::Greenvn, "no --mouse, no clicks");
    app.mouse = true;
    update(&mut app, click(28, 0));
    assert_eq!(app.tab, Section::Common);
    // Row 3 of the list (y = 1 + 3) is timezone.
    update(&mut app, click(10, 4));
    assert_eq!(app.selected_field(), Some(id("common.timezone")));
    let scroll = Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 4,
        modifiers: KeyModifiers::NONE,
    });
    update(&mut app, scroll);
    assert_eq!(app.selected_field(), Some(id("common.deletion_time")));
}

#[test]
fn an_external_edit_comes_back_as_an_edit_without_the_final_newline() {
    let mut app = loaded();
    let field = id("common.aparty_tag");
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Field(field),
            result: Ok("Caller\n".into()),
        },
    );
    assert_eq!(app.value(field), Some("Caller"));
    let sms = id("common.sms_config");
    let pretty = super::app::pretty_json(app.base.get(sms).unwrap_or_default());
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Raw(sms),
            result: Ok(pretty),
        },
    );
    assert_eq!(
        app.edits.get(sms),
        None,
        "the same document, re-indented, is no edit"
    );
    update(
        &mut app,
        Action::ExternalEdited {
            target: EditTarget::Field(field),
            result: Err("vi exited with exit status: 1; the value is unchanged".into()),
        },
    );
    assert_eq!(app.value(field), Some("Caller"));
    assert_eq!(app.message.as_ref().map(|m| m.tone), Some(Tone::Error));
}

#[test]
fn stale_answers_are_ignored() {
    let mut app = loaded();
    update(
        &mut app,
        Action::Loaded {
            seq: 7,
            result: Err(server_error()),
        },
    );
    assert_ne!(app.message.as_ref().map(|m| m.tone), Some(Tone::Error));
}

#[test]
fn the_spinner_turns_only_on_ticks() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('r'));
    let before = app.status_lines()[0].1.clone();
    update(&mut app, Action::Tick);
    assert_ne!(app.status_lines()[0].1, before);
    assert!(
        before.contains("Loading settings from 127.0.0.1"),
        "{before}"
    );
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut app = loaded();
    select(&mut app, "common.deletion_time");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "x");
    update(&mut app, Action::Resize(80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| super::view::draw(f, &app))
        .expect("draws");
    for cell in terminal.backend().buffer().content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
}

#[test]
fn the_key_bar_and_help_come_from_the_table() {
    let mut app = loaded();
    let browse: Vec<String> = BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&Mode::Browse))
        .filter_map(|b| Some(format!("{} {}", b.keys.first()?.label(), b.bar?)))
        .collect();
    for (width, height) in [(80, 24), (120, 40)] {
        let text = screen(&mut app, width, height);
        let bar = text.lines().last().unwrap_or_default().to_string();
        let shown: Vec<&str> = bar
            .split("  ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        for entry in &shown {
            assert!(
                browse.iter().any(|b| b == entry),
                "{entry:?} is not in the table"
            );
        }
        for must in ["Enter edit", "s send", "q quit", "? help"] {
            assert!(shown.contains(&must), "{must} missing from {bar:?}");
        }
    }
    press(&mut app, KeyCode::Char('?'));
    let lines = super::view::help_text(&app, 118);
    let all: String = lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
                + "\n"
        })
        .collect();
    for b in BINDINGS {
        assert!(all.contains(b.help), "{} missing from the help", b.help);
    }
}

#[test]
fn osc52_wraps_base64_between_esc_52_and_bel() {
    assert_eq!(super::osc52("IST"), "\x1b]52;c;SVNU\x07");
}

#[test]
fn json_is_written_on_one_spaced_line_and_diffed_by_part() {
    let value = json!({"A": {"sms_enabled": "true", "on_status": ["busy", "failed"]}});
    assert_eq!(
        json_line(&value),
        r#"{"A": {"sms_enabled": "true", "on_status": ["busy", "failed"]}}"#
    );
    let old = json!({"A": {"sms_enabled": "false", "sender_id": "X"}, "B": {}});
    let new = json!({"A": {"sms_enabled": "true"}, "B": {"sms_body": "hi"}});
    let change = |path: &str, old: Option<&str>, new: Option<&str>| JsonChange {
        path: path.into(),
        old: old.map(str::to_string),
        new: new.map(str::to_string),
    };
    assert_eq!(
        json_changes(&old, &new),
        vec![
            change("A.sms_enabled", Some("\"false\""), Some("\"true\"")),
            change("A.sender_id", Some("\"X\""), None),
            change("B.sms_body", None, Some("\"hi\"")),
        ]
    );
}

fn draft_of(edits: &[(&str, &str)], base: &crate::settings::Settings) -> FoundDraft {
    let mut draft_edits = crate::changes::Edits::default();
    for (path, text) in edits {
        draft_edits.set(base, id(path), *text);
    }
    FoundDraft {
        saved_at: 1_790_000_000,
        base: base.clone(),
        edits: draft_edits,
    }
}

fn with_drafts() -> App {
    let mut app = App::new("demo", "127.0.0.1", false, false);
    app.drafts = true;
    assert_eq!(
        app.start(),
        vec![Effect::Load { seq: 1 }, Effect::ReadDraft]
    );
    app
}

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
    assert_eq!(app.edits.get(id("common.timezone")), Some("UTC"));
    assert_eq!(app.edits.get(id("common.deletion_time")), Some("900"));
    assert!(matches!(
        app.flags.get(&id("common.deletion_time")),
        Some(Flag::Conflict { was: Some(w) }) if w == "600"
    ));
    assert!(!app.flags.contains_key(&id("common.timezone")));
    // The same conflict view as before a send; resolving leads back to the list.
    assert_eq!(app.mode(), Mode::Conflicts);
    assert_eq!(app.after_conflicts, AfterConflicts::Browse);
    let c = &app.conflicts[0].conflict;
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
    assert_eq!(base, &app.base);
    assert_eq!(edits.len(), 2);
    press(&mut app, KeyCode::Char('t'));
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), Mode::Browse);
    assert_eq!(app.edits.get(id("common.deletion_time")), None, "theirs");
    assert_eq!(app.edits.get(id("common.timezone")), Some("UTC"));
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
        vec![Effect::RemoveDraft]
    );
    assert!(app.edits.is_empty());
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
        shown.contains("Your 1 unsent change stays in the draft and is offered"),
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
    update(
        &mut app,
        Action::DraftRead(Err(
            "The draft of unsent changes is corrupt; it was kept as x.".into(),
        )),
    );
    assert_eq!(app.message.as_ref().map(|m| m.tone), Some(Tone::Warning));
}

// ----- snapshots, at 80×24 and 120×40 -----

macro_rules! snapshots {
    ($name:literal, $app:expr) => {{
        let mut app = $app;
        insta::assert_snapshot!(concat!($name, "_80x24"), screen(&mut app, 80, 24));
        insta::assert_snapshot!(concat!($name, "_120x40"), screen(&mut app, 120, 40));
    }};
}

#[test]
fn snapshot_first_frame_while_loading() {
    let mut app = App::new("demo", "127.0.0.1", true, false);
    app.start();
    snapshots!("loading", app);
}

#[test]
fn snapshot_greenvn_pane() {
    snapshots!("greenvn", loaded());
}

#[test]
fn snapshot_greenpin_pane_with_keys_not_reported() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('G'));
    snapshots!("greenpin", app);
}

#[test]
fn snapshot_common_pane_with_pending_changes() {
    let mut app = loaded();
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    select(&mut app, "common.lcr_enabled");
    press(&mut app, KeyCode::Char(' '));
    snapshots!("common", app);
}

#[test]
fn snapshot_invalid_field_while_typing() {
    let mut app = loaded();
    select(&mut app, "common.max_deallocation_time");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "171d");
    snapshots!("typing_invalid", app);
}

#[test]
fn snapshot_invalid_field_kept() {
    let mut app = loaded();
    select(&mut app, "common.country");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "UK");
    press(&mut app, KeyCode::Enter);
    snapshots!("invalid_kept", app);
}

#[test]
fn snapshot_enum_pick() {
    let mut app = loaded();
    select(&mut app, "greenvn.verified_caller_event_method");
    press(&mut app, KeyCode::Enter);
    snapshots!("pick_method", app);
}

#[test]
fn snapshot_sms_config_form() {
    let mut app = loaded();
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    snapshots!("sms_form", app);
}

#[test]
fn snapshot_sms_on_status_multi_select() {
    snapshots!("sms_on_status", in_mode(Mode::MultiPick));
}

#[test]
fn snapshot_sms_config_raw_json() {
    snapshots!("sms_raw_json", in_mode(Mode::EditLines));
}

#[test]
fn snapshot_diff_view() {
    let mut app = loaded();
    select(&mut app, "greenvn.greencall_complete_event_endpoint");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "?v=2");
    press(&mut app, KeyCode::Enter);
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('d'));
    snapshots!("diff", app);
}

#[test]
fn snapshot_diff_of_sms_config_by_part() {
    let mut app = loaded();
    select(&mut app, "common.sms_config");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Thanks for calling.");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('d'));
    snapshots!("diff_sms", app);
}

#[test]
fn snapshot_confirm_send() {
    snapshots!("confirm", in_mode(Mode::Confirm));
}

#[test]
fn snapshot_confirm_quit() {
    let mut app = in_mode(Mode::Browse);
    select(&mut app, "common.timezone");
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('q'));
    snapshots!("confirm_quit", app);
}

#[test]
fn snapshot_server_error() {
    let mut app = loaded();
    let seq = send_timezone(&mut app);
    let sent = sent_err(&app, server_error());
    update(&mut app, Action::Sent { seq, sent });
    snapshots!("server_error", app);
}

#[test]
fn snapshot_saved_with_a_key_not_taken() {
    let mut app = loaded();
    select(&mut app, "common.bparty_tag");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "s");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Char('y'));
    let [Effect::Submit { seq, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let seq = *seq;
    let data = seed_answer().settings.to_json();
    let sent = sent_ok(&app, &app.base.clone(), data);
    update(&mut app, Action::Sent { seq, sent });
    snapshots!("not_taken", app);
}

#[test]
fn snapshot_help_overlay() {
    snapshots!("help", in_mode(Mode::Help));
}

#[test]
fn snapshot_filter() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "dealloc");
    snapshots!("filter", app);
}

#[test]
fn snapshot_restore_draft_question() {
    let mut app = with_drafts();
    let draft = draft_of(
        &[("common.timezone", "UTC"), ("common.aparty_tag", "Agent")],
        &seed_answer().settings,
    );
    update(&mut app, Action::DraftRead(Ok(Some(draft))));
    update(
        &mut app,
        Action::Loaded {
            seq: 1,
            result: Ok(seed_answer()),
        },
    );
    snapshots!("restore_draft", app);
}

#[test]
fn snapshot_conflict_view() {
    let mut app = in_conflict(loaded_with(seed_answer(), true));
    press(&mut app, KeyCode::Char('m'));
    snapshots!("conflicts", app);
}

#[test]
fn snapshot_too_small() {
    let mut app = loaded();
    insta::assert_snapshot!("too_small_79x24", screen(&mut app, 79, 24));
    insta::assert_snapshot!("too_small_60x20", screen(&mut app, 60, 20));
}

#[test]
fn snapshot_unknown_keys_under_other() {
    let mut data = seed_answer().settings.to_json();
    data["greenpin"]["pin_retries"] = json!(3);
    let mut app = loaded_with(answer_from(data), true);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('G'));
    snapshots!("other", app);
}

// ----- the real loop, on a TestBackend, against the simulator over HTTP -----

mod live {
    use super::super::{Driver, EventSource};
    use super::*;
    use crate::api::sim::{DEMO_API_KEY, DEMO_API_TOKEN, Fault, SimConfig, Simulator};
    use crate::api::{Client, ClientOptions, Credentials};
    use crossterm::event::Event;
    use futures_util::Stream;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::{Duration, Instant};
    use tokio::sync::mpsc;

    /// Terminal events from the test script.
    struct Script(mpsc::UnboundedReceiver<std::io::Result<Event>>);

    impl Stream for Script {
        type Item = std::io::Result<Event>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.0.poll_recv(cx)
        }
    }

    impl EventSource for Script {}

    type Keys = mpsc::UnboundedSender<std::io::Result<Event>>;

    fn send(keys: &Keys, code: KeyCode, mods: KeyModifiers) {
        let _ = keys.send(Ok(Event::Key(KeyEvent::new(code, mods))));
    }

    fn tap(keys: &Keys, c: char) {
        send(keys, KeyCode::Char(c), KeyModifiers::NONE);
    }

    async fn sim() -> Simulator {
        Simulator::start(SimConfig::demo(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts")
    }

    fn client(sim: &Simulator) -> Client {
        let credentials = Credentials {
            base_url: sim.base_url(),
            tenant_sid: sim.sid().to_string(),
            api_key: DEMO_API_KEY.to_string(),
            api_token: DEMO_API_TOKEN.to_string().into(),
        };
        Client::new(&credentials, ClientOptions::default()).expect("client")
    }

    type TestDriver = Driver<TestBackend, Script, Vec<u8>>;

    fn driver(width: u16, height: u16) -> (TestDriver, Keys) {
        let (tx, rx) = mpsc::unbounded_channel();
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        (Driver::new(terminal, Script(rx), Vec::new()), tx)
    }

    /// Waits until `done` holds, checking every few milliseconds, for at most 5 s.
    async fn until(what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Let the loop take the answer and draw.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    fn text(driver: &TestDriver) -> String {
        let buffer = driver.terminal.backend().buffer();
        let area = buffer.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    #[tokio::test]
    async fn loads_edits_sends_and_quits_against_the_simulator() {
        let sim = sim().await;
        let (mut driver, keys) = driver(100, 30);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            tap(&keys, 'j');
            tap(&keys, 'j');
            tap(&keys, 'j');
            tap(&keys, ' '); // timezone IST -> UTC
            tap(&keys, 's');
            tap(&keys, 'y');
            until("the PUT", || sim.put_count() >= 1).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            sim.last_put_body(),
            Some(json!({"common": {"timezone": "UTC"}})),
            "only the change goes out"
        );
        assert_eq!(sim.get_count(), 2, "one load, one check before the PUT");
        assert_eq!(app.base.get(id("common.timezone")), Some("UTC"));
        assert!(app.edits.is_empty());
        let screen = text(&driver);
        assert!(screen.contains("Saved 1 change (request_id"), "{screen}");
    }

    #[tokio::test]
    async fn a_change_on_the_server_since_loading_is_a_conflict_and_nothing_is_sent() {
        let sim = sim().await;
        let (mut driver, keys) = driver(100, 30);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            for _ in 0..6 {
                tap(&keys, 'j');
            }
            send(&keys, KeyCode::Enter, KeyModifiers::NONE);
            tap(&keys, 'X');
            send(&keys, KeyCode::Enter, KeyModifiers::NONE);
            sim.modify(|s| s.set(id("common.aparty_tag"), "Server"));
            tap(&keys, 's');
            tap(&keys, 'y');
            until("the check", || sim.get_count() >= 2).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(sim.put_count(), 0);
        assert!(matches!(
            app.flags.get(&id("common.aparty_tag")),
            Some(Flag::Conflict { .. })
        ));
        assert_eq!(app.base.get(id("common.aparty_tag")), Some("Server"));
        assert_eq!(app.mode(), Mode::Conflicts);
        let screen = text(&driver);
        assert!(
            screen.contains("Not sent: 1 setting changed both here"),
            "{screen}"
        );
        assert!(screen.contains("common.aparty_tag"), "{screen}");
    }

    #[tokio::test]
    async fn esc_cancels_a_slow_load_and_the_screen_keeps_answering() {
        let sim = sim().await;
        sim.inject(Fault::Delay(Duration::from_secs(30)), 1);
        let (mut driver, keys) = driver(80, 24);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let started = Instant::now();
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '?');
            tap(&keys, 'q');
            send(&keys, KeyCode::Esc, KeyModifiers::NONE);
            tokio::time::sleep(Duration::from_millis(50)).await;
            tap(&keys, 'r');
            until("the second GET", || sim.get_count() >= 2).await;
            tap(&keys, 'q');
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing waited for the slow GET"
        );
        assert!(app.loaded, "the second load answered");
    }

    #[tokio::test]
    async fn an_idle_editor_draws_nothing() {
        let sim = sim().await;
        let (mut driver, keys) = driver(80, 24);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            tap(&keys, 'j');
            // Keys that mean nothing here change nothing, so draw nothing.
            for c in "xzxzx".chars() {
                tap(&keys, c);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            tap(&keys, 'q');
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        // The first frame, the loaded one (perhaps a spinner tick), one for j;
        // none for x or z, none while idle for 800 ms.
        assert!(driver.frames <= 4, "{} frames", driver.frames);
    }

    #[tokio::test]
    async fn unsent_edits_survive_a_quit_as_a_draft_and_a_send_lands_in_the_history() {
        use super::super::EditorState;
        use crate::config::Paths;
        use crate::store::{Loaded, StateDir};
        let home = tempfile::tempdir().expect("temp dir");
        let state = EditorState {
            dir: StateDir::new(&Paths::under(home.path()), "demo", "exoset-demo"),
            profile: "demo".into(),
            tenant: "exoset-demo".into(),
            history_keep: 10,
        };
        let sim = sim().await;

        // First run: change the timezone, quit without sending.
        let (mut driver, keys) = driver(100, 30);
        driver.state = Some(state.clone());
        let mut app = App::new("demo", "127.0.0.1", false, false);
        app.drafts = true;
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            for _ in 0..3 {
                tap(&keys, 'j');
            }
            tap(&keys, ' ');
            tap(&keys, 'q');
            tap(&keys, 'y');
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert!(
            matches!(state.dir.load_draft(), Loaded::Found(_)),
            "the draft was kept"
        );
        assert!(
            matches!(state.dir.load_last_read(), Loaded::Found(_)),
            "and the last read"
        );

        // Second run: the draft is offered, restored and sent.
        drop(driver);
        let (mut driver, keys) = self::driver(100, 30);
        driver.state = Some(state.clone());
        let mut app = App::new("demo", "127.0.0.1", false, false);
        app.drafts = true;
        let script = async {
            until("the GET", || sim.get_count() >= 2).await;
            tap(&keys, 'y');
            tap(&keys, 's');
            tap(&keys, 'y');
            until("the PUT", || sim.put_count() >= 1).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            sim.last_put_body(),
            Some(json!({"common": {"timezone": "UTC"}}))
        );
        assert_eq!(state.dir.load_draft(), Loaded::Missing, "sent, so no draft");
        let Loaded::Found(history) = state.dir.load_history() else {
            panic!("no history");
        };
        assert_eq!(history.entries.len(), 1);
        assert_eq!(
            history.entries[0].sent,
            json!({"common": {"timezone": "UTC"}})
        );
    }

    #[tokio::test]
    async fn y_writes_the_value_as_osc_52_to_the_terminal() {
        let sim = sim().await;
        let (mut driver, keys) = driver(80, 24);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            tap(&keys, 'y');
            tap(&keys, 'q');
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        let country = sim
            .settings()
            .get(id("common.country"))
            .unwrap_or_default()
            .to_string();
        assert_eq!(driver.clipboard, super::super::osc52(&country).into_bytes());
    }

    #[tokio::test]
    async fn e_hands_the_value_to_the_editor_and_takes_the_result() {
        let sim = sim().await;
        let (mut driver, keys) = driver(80, 24);
        driver.editor = Some("sed -i 's/^.*$/Agent/'".to_string());
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            for _ in 0..6 {
                tap(&keys, 'j');
            }
            tap(&keys, 'e');
            tokio::time::sleep(Duration::from_millis(300)).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(app.edits.get(id("common.aparty_tag")), Some("Agent"));
    }

    #[tokio::test]
    async fn a_refused_put_shows_the_servers_words_and_keeps_the_edit() {
        let sim = sim().await;
        let (mut driver, keys) = driver(100, 30);
        let mut app = App::new("demo", "127.0.0.1", false, false);
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            for _ in 0..3 {
                tap(&keys, 'j');
            }
            tap(&keys, ' ');
            tap(&keys, 's');
            // The check GET answers as usual; the PUT gets the failure.
            sim.inject(Fault::Delay(Duration::ZERO), 1);
            sim.inject(
                Fault::error(403, Some(8), "not permitted for this tenant"),
                1,
            );
            tap(&keys, 'y');
            until("the PUT", || sim.put_count() >= 1).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(app.edits.get(id("common.timezone")), Some("UTC"));
        // The status wraps: read it as words.
        let screen = text(&driver)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "Not applied",
            "HTTP 403",
            "code 8",
            "not permitted for this tenant",
            "request_id",
            "Your changes are kept",
        ] {
            assert!(screen.contains(part), "{part} missing from\n{screen}");
        }
    }

    #[tokio::test]
    async fn a_change_sent_is_rolled_back_from_the_history_view_and_sent_again() {
        use super::super::EditorState;
        use crate::config::Paths;
        use crate::store::{Loaded, StateDir};
        let home = tempfile::tempdir().expect("temp dir");
        let state = EditorState {
            dir: StateDir::new(&Paths::under(home.path()), "demo", "exoset-demo"),
            profile: "demo".into(),
            tenant: "exoset-demo".into(),
            history_keep: 10,
        };
        let sim = sim().await;
        let (mut driver, keys) = driver(100, 30);
        driver.state = Some(state.clone());
        let mut app = App::new("demo", "127.0.0.1", false, false);
        app.drafts = true;
        let recorded = |n: usize| match state.dir.load_history() {
            Loaded::Found(history) => history.entries.len() >= n,
            _ => false,
        };
        let script = async {
            until("the first GET", || sim.get_count() >= 1).await;
            tap(&keys, '3');
            for _ in 0..3 {
                tap(&keys, 'j');
            }
            tap(&keys, ' '); // timezone IST -> UTC
            tap(&keys, 's');
            tap(&keys, 'y');
            until("the first entry", || recorded(1)).await;
            tap(&keys, 'H');
            send(&keys, KeyCode::Enter, KeyModifiers::NONE);
            tap(&keys, 'r');
            tap(&keys, 's');
            tap(&keys, 'y');
            until("the second entry", || recorded(2)).await;
            send(&keys, KeyCode::Char('c'), KeyModifiers::CONTROL);
        };
        let (result, ()) = tokio::join!(driver.run(client(&sim), &mut app), script);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(sim.put_count(), 2);
        assert_eq!(
            sim.last_put_body(),
            Some(json!({"common": {"timezone": "IST"}})),
            "the rollback sends the old value back"
        );
        assert!(app.edits.is_empty());
    }
}

// ----- the history view -----

/// A recorded PUT that set `keys` (section.key, old value as JSON) to what
/// the seed answer holds, so the loaded settings are what it left.
fn history_entry(n: u64, keys: &[(&str, Value)]) -> crate::store::HistoryEntry {
    let after = seed_answer().settings.to_json();
    let mut before = after.clone();
    let mut sent = json!({});
    for (path, old) in keys {
        let (section, key) = path.split_once('.').expect("section.key");
        before[section][key] = old.clone();
        sent[section][key] = after[section][key].clone();
    }
    crate::store::HistoryEntry {
        id: n,
        time: 1_795_000_000 + n * 3600,
        profile: "prod".into(),
        tenant: "acme".into(),
        request_id: Some(format!("7d1f0e6c-0b7a-4c55-a2b1-9f1c2d7e0{n:03}")),
        sent,
        before,
        after,
        outcomes: Default::default(),
        rollback_of: None,
    }
}

/// Three entries, oldest first as on disk.
fn history_fixture() -> crate::store::History {
    crate::store::History {
        version: 1,
        next_id: 4,
        entries: vec![
            history_entry(1, &[("common.timezone", json!("UTC"))]),
            history_entry(
                2,
                &[
                    ("common.aparty_tag", json!("Caller")),
                    ("common.deletion_time", json!(600)),
                    ("common.tag_enabled", json!("false")),
                    ("common.lcr_enabled", json!("false")),
                ],
            ),
            history_entry(
                3,
                &[
                    ("greenvn.default_flow_id", json!("654321")),
                    ("common.country", json!("US")),
                ],
            ),
        ],
    }
}

fn open_history(app: &mut App) {
    assert_eq!(press(app, KeyCode::Char('H')), vec![Effect::ReadHistory]);
    let read = Some(crate::store::Loaded::Found(history_fixture()));
    update(app, Action::HistoryRead(read));
}

fn history_view(app: &App) -> &super::history::HistoryView {
    match &app.mode {
        ModeState::History(view) => view,
        other => panic!("not in the history: {other:?}"),
    }
}

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
    assert_eq!(app.edits.get(id("greenvn.default_flow_id")), None);
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
    assert_eq!(app.changes.changed().count(), 1);
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
    assert!(app.edits.is_empty());
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

#[test]
fn snapshot_history_list() {
    let mut app = loaded();
    open_history(&mut app);
    press(&mut app, KeyCode::Down);
    snapshots!("history", app);
}

#[test]
fn snapshot_history_entry() {
    snapshots!("history_entry", in_mode(Mode::HistoryEntry));
}

#[test]
fn snapshot_history_unreadable() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::SetAside {
            moved_to: "/home/me/.local/share/exoset/prod/acme/history.json.unreadable-1795000000"
                .into(),
            reason: "corrupt (EOF while parsing an object at line 3 column 0)".into(),
        })),
    );
    snapshots!("history_unreadable", app);
}

#[test]
fn snapshot_history_entry_with_keys_left_out() {
    // Entry 3: default_flow_id changed again since; sms_config changed by part.
    let mut app = loaded();
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
    let mut history = history_fixture();
    let mut sms: Value =
        serde_json::from_str(app.base.get(id("common.sms_config")).expect("sms_config"))
            .expect("json");
    sms["B"]["sms_enabled"] = json!("true");
    let entry = history_entry(
        4,
        &[
            ("greenvn.default_flow_id", json!("654321")),
            ("common.sms_config", json!(sms.to_string())),
            ("common.country", json!("US")),
        ],
    );
    history.entries.push(entry);
    press(&mut app, KeyCode::Char('H'));
    update(
        &mut app,
        Action::HistoryRead(Some(crate::store::Loaded::Found(history))),
    );
    press(&mut app, KeyCode::Enter);
    snapshots!("history_entry_left_out", app.clone());
    press(&mut app, KeyCode::Char('r'));
    snapshots!("history_rolled_back", app);
}

// ----- every script, and hostile text -----

/// Values in Devanagari, Tamil, CJK and emoji, and an unknown key named in
/// Devanagari, as a server may report them.
fn loaded_in_many_scripts() -> App {
    let mut data = seed_answer().settings.to_json();
    data["common"]["aparty_tag"] = json!("ग्राहक सेवा केंद्र और सहायता");
    data["common"]["bparty_tag"] = json!("வாடிக்கையாளர் சேவை மையம் தொடர்பு எண்");
    data["greenvn"]["default_flow_id"] = json!("顧客サービス番号一二三四五六七八九十");
    data["common"]["टैग"] = json!("👍🏽👍🏽👍🏽 emoji 🙂 and more 🙂🙂🙂🙂🙂");
    let mut app = loaded_with(answer_from(data), false);
    press(&mut app, KeyCode::Char('3'));
    select(&mut app, "common.aparty_tag");
    app
}

#[test]
fn snapshot_values_in_indian_scripts_cjk_and_emoji() {
    snapshots!("many_scripts", loaded_in_many_scripts());
}

/// Whatever the script, rows stay aligned: a value too wide for its column
/// is cut with `…` by display width (wide characters count two, a grapheme
/// is never split) and every box keeps its right border in the last column.
#[test]
fn wide_and_combining_text_keeps_rows_and_boxes_aligned() {
    for (width, height) in [(80, 24), (100, 30), (120, 40)] {
        for tab in ['1', '2', '3'] {
            let mut app = loaded_in_many_scripts();
            press(&mut app, KeyCode::Char(tab));
            update(&mut app, Action::Resize(width, height));
            let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
            terminal
                .draw(|frame| super::view::draw(frame, &app))
                .expect("draws");
            let buffer = terminal.backend().buffer();
            for y in 0..height {
                let left = buffer[(0, y)].symbol();
                let right = buffer[(width - 1, y)].symbol();
                let want = match left {
                    "┌" => "┐",
                    "│" => "│",
                    "└" => "┘",
                    _ => continue,
                };
                assert_eq!(right, want, "{width}x{height} tab {tab}, row {y}");
            }
        }
    }
    let mut app = loaded_in_many_scripts();
    let shown = screen(&mut app, 80, 24);
    let tamil = shown
        .lines()
        .find(|l| l.contains("bparty_tag"))
        .expect("the B-party row");
    assert!(tamil.ends_with('…'), "cut, not clipped: {tamil:?}");
    assert!(shown.contains("ग्रा"), "{shown}");
    press(&mut app, KeyCode::Char('1'));
    select(&mut app, "greenvn.default_flow_id");
    let shown = screen(&mut app, 80, 24);
    let cjk = shown
        .lines()
        .find(|l| l.contains("default_flow_id"))
        .expect("the flow id row");
    assert!(cjk.ends_with('…'), "cut by columns, not clipped: {cjk:?}");
}

/// The editor draws through ratatui, which never writes a control
/// character into a cell; this proves it for every C0, DEL, C1 and bidi
/// control in a value, a key name and a server message.
#[test]
fn control_characters_from_the_server_never_reach_the_screen() {
    let mut evil = String::from("<");
    for c in (0u32..0x20).chain(0x7f..0xa0) {
        evil.push(char::from_u32(c).expect("a char"));
    }
    for c in [0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e]
        .into_iter()
        .chain(0x2066..=0x2069)
    {
        evil.push(char::from_u32(c).expect("a char"));
    }
    evil.push('>');
    let mut data = seed_answer().settings.to_json();
    data["common"]["aparty_tag"] = json!(evil);
    data["common"][format!("k{evil}")] = json!(evil);
    let mut app = loaded_with(answer_from(data), false);
    press(&mut app, KeyCode::Char('3'));
    select(&mut app, "common.aparty_tag");
    let seq = send_timezone(&mut app);
    let sent = sent_err(
        &app,
        ApiError::Server {
            status: 400,
            code: Some(evil.clone()),
            message: Some(evil.clone()),
            request_id: Some(evil.clone()),
        },
    );
    update(&mut app, Action::Sent { seq, sent });
    for (width, height) in [(80, 24), (120, 40)] {
        let shown = screen(&mut app, width, height);
        let raw: Vec<String> = shown
            .chars()
            .filter(|c| crate::text::is_hostile(*c) && *c != '\n')
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        assert!(raw.is_empty(), "{raw:?} on screen:\n{shown}");
        assert!(shown.contains('<'), "{shown}");
    }
}
