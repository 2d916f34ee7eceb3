//! The editor's tests, by concern: `bindings` (the table, key by key),
//! `behaviour` (what `update` does), `drafts`, `history`, `screens`
//! (snapshots), `scripts` (wide and hostile text) and `live` (the real loop
//! against the simulator, through one harness that waits on conditions).
//! The fixtures they share are here.

use super::app::*;
use super::keys::{BINDINGS, Command, KeyPress, Mode};
use super::model::{Choice, Flag, JsonChange, json_changes};
use super::overlay::confirm::Question;
use super::overlay::conflicts::AfterConflicts;
use super::overlay::draft::FoundDraft;
use super::overlay::edit::EditTarget;
use super::overlay::headers::RAW_JSON_OPTION;
use super::sms::{FormRow, selectable};
use super::widgets::Tone;
use crate::api::client::check_answer;
use crate::api::{Answer, ApiError};
use crate::changes::{ChangeSet, Drift, verify};
use crate::rows::RowKey;
use crate::schema::{FieldId, Section, lookup_path};
use crate::session::{Done, Sent};
use crate::text::json_line;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use serde_json::{Value, json};

/// The tests' own list of control characters (not `text::is_hostile`).
#[path = "../../../../tests/it/support/controls.rs"]
pub(crate) mod controls;

const SEED: &str = include_str!("../../../../tests/fixtures/seed/example-put-response.json");

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
    // As `run` sets them: the questions and "Saved" lines name these.
    app.profile = Some("demo".into());
    app.tenant = Some("exoset-demo-1".into());
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
    // As the editor draws: secrets masked.
    crate::with_secrets_masked(app, |app| {
        terminal
            .draw(|frame| crate::view::draw(frame, app))
            .map(|_| ())
    })
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
    let drift = Drift::between(app.model.base(), app.model.edits(), before);
    let mut edits = app.model.edits().clone();
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
            fresh: app.model.base().clone(),
            changes,
            error,
            warnings: Vec::new(),
        });
    }
    Box::new(Sent::Failed {
        fresh: app.model.base().clone(),
        changes,
        error,
    })
}

/// The shared send path found keys changed on both sides in `fresh`.
fn sent_conflicts(app: &App, fresh: crate::settings::Settings) -> Box<Sent> {
    let conflicts = Drift::between(app.model.base(), app.model.edits(), &fresh).conflicts;
    Box::new(Sent::Conflicts { fresh, conflicts })
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
        let input = crate::overlay::edit::text_input(&app.theme, text, false);
        let ModeState::Edit(edit) = &mut app.mode else {
            panic!("editing {path}");
        };
        edit.input = input;
        press(&mut app, KeyCode::Enter);
    }
    let seq = send_timezone(&mut app);
    let mut fresh = app.model.base().clone();
    fresh.set(id("common.timezone"), "GMT");
    fresh.set(id("common.deletion_time"), "120");
    fresh.set(id("common.aparty_tag"), "Theirs");
    fresh.set(id("common.country"), "SG");
    let sent = sent_conflicts(&app, fresh);
    let effects = update(&mut app, Action::Sent { seq, sent });
    assert!(effects.is_empty(), "nothing is sent: {effects:?}");
    app
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
        maybe_applied: false,
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
        outcome: Default::default(),
        settled_at: None,
        actor: None,
        exoset: None,
        reason: None,
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

fn history_view(app: &App) -> &crate::overlay::history::HistoryView {
    match &app.mode {
        ModeState::History(view) => view,
        other => panic!("not in the history: {other:?}"),
    }
}

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

macro_rules! snapshots {
    ($name:literal, $app:expr) => {{
        let mut app = $app;
        insta::assert_snapshot!(concat!($name, "_80x24"), screen(&mut app, 80, 24));
        insta::assert_snapshot!(concat!($name, "_120x40"), screen(&mut app, 120, 40));
    }};
}

/// Also at 80×23 and 80×22: 80×24 inside tmux or screen with one or two
/// status lines.
macro_rules! snapshots_compact {
    ($name:literal, $app:expr) => {{
        let mut app = $app;
        insta::assert_snapshot!(concat!($name, "_80x24"), screen(&mut app, 80, 24));
        insta::assert_snapshot!(concat!($name, "_80x23"), screen(&mut app, 80, 23));
        insta::assert_snapshot!(concat!($name, "_80x22"), screen(&mut app, 80, 22));
        insta::assert_snapshot!(concat!($name, "_120x40"), screen(&mut app, 120, 40));
    }};
}

mod behaviour;
mod bindings;
mod drafts;
mod fleet;
mod fleet_screens;
mod history;
mod live;
mod screens;
mod scripts;
mod small;

use behaviour::send_timezone;
use bindings::in_mode;
