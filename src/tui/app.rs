//! The editor's state and [`update`]: plain Rust, no terminal and no I/O.
//!
//! Terminal events and the results of network tasks come in as [`Action`]s;
//! what should happen outside (a request, a copy, handing the terminal to an
//! editor) goes out as [`Effect`]s for the run loop to carry out.

use super::history::HistoryView;
use super::keys::{self, Command, Mode};
use super::layout::{self, Areas};
use super::rows::{self, Row, RowKey};
use super::sms::{self, FormRow, PartKind, SmsForm};
use super::theme::Theme;
use crate::api::{Answer, ApiError};
use crate::changes::{ChangeSet, Conflict, Drift, Edits, KeyStatus};
use crate::schema::{CONTENT_TYPES, FieldId, Kind, Section};
use crate::session::{self, Sent};
use crate::settings::Settings;
use crate::store::{History, Loaded};
use crate::validate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use serde_json::Value;
use std::collections::BTreeMap;

/// Something that happened: a key, a mouse event, a resize, a task's result.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The spinner's clock; it only runs while a request is in flight.
    Tick,
    Loaded {
        seq: u64,
        result: Result<Answer, ApiError>,
    },
    /// Before a PUT: the server's settings were read again and nothing the
    /// change set touches has moved; the PUT is on its way.
    Checked {
        seq: u64,
    },
    /// What became of a send, from the shared send path.
    Sent {
        seq: u64,
        sent: Box<Sent>,
    },
    /// Something outside failed in a way the person should read.
    Problem(String),
    /// Something the person should know that stays true while the editor
    /// runs (another exoset edits this tenant): said with the load's result.
    Notice(String),
    /// The draft file was read: a draft, none, or why it could not be used.
    DraftRead(Result<Option<FoundDraft>, String>),
    /// `$EDITOR` finished: the new text, or why there is none.
    ExternalEdited {
        target: EditTarget,
        result: Result<String, String>,
    },
    /// The history file was read; `None` when there is no state folder.
    HistoryRead(Option<Loaded<History>>),
}

/// Work for the run loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// GET the settings; answer with [`Action::Loaded`].
    Load {
        seq: u64,
    },
    /// Send `edits` over `base` through the shared send path
    /// ([`crate::session::Session::send`]: read again, take in, PUT, verify,
    /// record). Answer with [`Action::Checked`] as the PUT goes out, then
    /// [`Action::Sent`].
    Submit {
        seq: u64,
        base: Settings,
        edits: Edits,
    },
    /// Cancel the request in flight.
    Cancel,
    /// Read the draft of unsent edits; answer with [`Action::DraftRead`].
    ReadDraft,
    /// Keep the unsent edits on disk, with the base they were made on.
    SaveDraft {
        base: Settings,
        edits: Edits,
    },
    /// No unsent edits any more: forget the draft.
    RemoveDraft,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Hand `text` to `$VISUAL`/`$EDITOR`; answer with [`Action::ExternalEdited`].
    ExternalEdit {
        target: EditTarget,
        text: String,
        json: bool,
    },
    Quit,
    /// Read the history of changes sent; answer with [`Action::HistoryRead`].
    ReadHistory,
}

/// What a text edit changes when kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditTarget {
    /// A setting's value as typed.
    Field(FieldId),
    /// A JSON-valued setting as raw JSON text.
    Raw(FieldId),
    /// One text part of the open `sms_config` form.
    SmsPart(usize, &'static str),
}

#[derive(Debug, Clone)]
pub struct TextEdit {
    pub target: EditTarget,
    pub input: TextArea<'static>,
    pub lines: bool,
    /// The validation message for the text as it stands.
    pub error: Option<String>,
}

impl TextEdit {
    pub fn text(&self) -> String {
        self.input.lines().join("\n")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickTarget {
    Enum(FieldId),
    /// The `content_type` of an `*_event_headers`; the last option is raw JSON.
    ContentType(FieldId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub target: PickTarget,
    pub options: Vec<String>,
    pub cursor: usize,
    /// The option the field holds now.
    pub current: Option<usize>,
}

pub const RAW_JSON_OPTION: &str = "raw JSON…";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiPick {
    pub party: usize,
    pub ticks: Vec<bool>,
    pub cursor: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Send,
    Quit,
    Reload,
    /// A draft of unsent edits was found at start.
    RestoreDraft,
}

/// Unsent edits found on disk at start, with the base they were made on.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDraft {
    /// Unix seconds.
    pub saved_at: u64,
    pub base: Settings,
    pub edits: Edits,
}

/// What the person chose for a key changed on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// My edit goes over the server's value.
    Mine,
    /// My edit is dropped; the server's value stays.
    Theirs,
}

/// A key changed both here and on the server, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictItem {
    pub conflict: Conflict,
    pub choice: Option<Choice>,
}

/// Where the conflict view leads once every key is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterConflicts {
    /// The send that found them: on to the send confirm.
    Send,
    /// A restored draft: back to the list.
    Browse,
}

#[derive(Debug, Clone)]
pub enum ModeState {
    Browse,
    Filter(TextArea<'static>),
    Edit(TextEdit),
    Pick(Pick),
    MultiPick(MultiPick),
    /// The form itself lives in [`App::form`], so edits of its parts can sit on top.
    SmsForm,
    Diff {
        scroll: usize,
    },
    Confirm(Question),
    /// The keys in [`App::conflicts`], one highlighted.
    Conflicts {
        cursor: usize,
    },
    Help {
        scroll: usize,
        back: Box<ModeState>,
    },
    History(Box<HistoryView>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Loading,
    /// Reading the settings again before a PUT.
    Checking,
    Sending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub seq: u64,
    pub kind: RequestKind,
    /// What is being sent, to tell about when the answer comes.
    pub changes: Option<ChangeSet>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub tone: Tone,
    pub text: String,
}

/// Something to tell about a field after a send or a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// The server's answer does not hold what was sent.
    NotTaken { sent: String, got: Option<String> },
    /// The server's answer does not report this key, which was sent: it may
    /// or may not have been taken.
    Unconfirmed { sent: String },
    /// The server refused the PUT naming this key.
    Refused { message: String },
    /// The value changed on the server since it was loaded.
    Conflict { was: Option<String> },
}

/// What the editor shows and knows. Only [`update`] changes it.
#[derive(Debug, Clone)]
pub struct App {
    /// Profile or tenant label for the title.
    pub title: String,
    /// Where requests go, for messages.
    pub host: String,
    pub mouse: bool,
    pub theme: Theme,
    pub size: (u16, u16),
    pub base: Settings,
    /// Whether `base` came from the server at least once.
    pub loaded: bool,
    pub edits: Edits,
    /// `ChangeSet::new(base, edits)`, kept in step by [`App::refresh`].
    pub changes: ChangeSet,
    pub flags: BTreeMap<FieldId, Flag>,
    pub tab: Section,
    pub selected: [Option<RowKey>; 3],
    pub scroll: [usize; 3],
    pub filter: String,
    pub mode: ModeState,
    pub form: Option<SmsForm>,
    pub request: Option<Request>,
    next_seq: u64,
    pub spinner: usize,
    pub message: Option<Message>,
    pub quit: bool,
    /// Something changed since the last frame; the run loop draws and clears it.
    pub redraw: bool,
    /// Whether unsent edits are kept on disk as a draft.
    pub drafts: bool,
    /// Whether the draft file has been read (so it may be written).
    draft_read: bool,
    /// A draft found at start, offered once the settings are loaded.
    pub found_draft: Option<FoundDraft>,
    /// The edits the draft on disk holds, so it is written only on change.
    saved_edits: Edits,
    /// Keys changed both here and on the server; nothing is sent until each
    /// has a [`Choice`] and the choices are applied.
    pub conflicts: Vec<ConflictItem>,
    pub after_conflicts: AfterConflicts,
    /// What the editor ends with, as the subcommands would for the same
    /// failure: the exit code and words of the last send (or load) that
    /// failed; `None` when the last one did not.
    pub exit: Option<(u8, String)>,
    /// A PUT whose answer was lost: the next read says which of its keys
    /// the server holds.
    after_unknown: Option<ChangeSet>,
    /// A [`Action::Notice`] to say once the settings are loaded.
    notice: Option<String>,
}

pub fn tab_index(section: Section) -> usize {
    Section::ALL
        .iter()
        .position(|s| *s == section)
        .unwrap_or_default()
}

impl App {
    pub fn new(title: impl Into<String>, host: impl Into<String>, color: bool, mouse: bool) -> App {
        let base = Settings::default();
        let edits = Edits::default();
        App {
            title: title.into(),
            host: host.into(),
            mouse,
            theme: Theme::new(color),
            size: (layout::MIN_WIDTH, layout::MIN_HEIGHT),
            changes: ChangeSet::new(&base, &edits),
            base,
            loaded: false,
            edits,
            flags: BTreeMap::new(),
            tab: Section::Greenvn,
            selected: [None, None, None],
            scroll: [0; 3],
            filter: String::new(),
            mode: ModeState::Browse,
            form: None,
            request: None,
            next_seq: 0,
            spinner: 0,
            message: None,
            quit: false,
            redraw: true,
            drafts: false,
            draft_read: false,
            found_draft: None,
            saved_edits: Edits::default(),
            conflicts: Vec::new(),
            after_conflicts: AfterConflicts::Send,
            exit: None,
            after_unknown: None,
            notice: None,
        }
    }

    /// The first things to do: load the settings, and read the draft.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = self.start_load();
        if self.drafts {
            effects.push(Effect::ReadDraft);
        }
        effects
    }

    fn on_draft_read(&mut self, result: Result<Option<FoundDraft>, String>) {
        self.draft_read = true;
        match result {
            Ok(Some(draft)) if !draft.edits.is_empty() => {
                self.found_draft = Some(draft);
                self.offer_draft();
            }
            Ok(_) => {}
            Err(message) => self.say(Tone::Warning, message),
        }
    }

    /// Asks about a found draft once the settings it applies to are known.
    fn offer_draft(&mut self) {
        if self.loaded && self.found_draft.is_some() && !matches!(self.mode, ModeState::Confirm(_))
        {
            self.mode = ModeState::Confirm(Question::RestoreDraft);
        }
    }

    /// Puts a found draft's edits on the current settings; keys that moved on
    /// the server since the draft's base are flagged.
    fn restore_draft(&mut self) {
        let Some(draft) = self.found_draft.take() else {
            return;
        };
        let drift = Drift::between(&draft.base, &draft.edits, &self.base);
        for (id, text) in draft.edits.iter() {
            self.edits.set(&self.base, id, text);
        }
        self.refresh();
        let mut text = format!(
            "Restored {} from the draft",
            count(self.edits.len(), "change")
        );
        if !drift.taken_in.is_empty() {
            text.push_str(&format!(
                "; taken in from the server since: {}",
                paths(drift.taken_in.iter().map(|(id, ..)| *id))
            ));
        }
        text.push('.');
        self.say(Tone::Info, text);
        if !drift.conflicts.is_empty() {
            self.open_conflicts(drift.conflicts, AfterConflicts::Browse);
        }
    }

    // ----- conflicts -----

    /// Flags keys changed on both sides and opens the view to resolve them.
    fn open_conflicts(&mut self, conflicts: Vec<Conflict>, after: AfterConflicts) {
        for conflict in &conflicts {
            self.flags.insert(
                conflict.id,
                Flag::Conflict {
                    was: conflict.base.clone(),
                },
            );
        }
        self.conflicts = conflicts
            .into_iter()
            .map(|conflict| ConflictItem {
                conflict,
                choice: None,
            })
            .collect();
        self.after_conflicts = after;
        self.mode = ModeState::Conflicts { cursor: 0 };
    }

    /// A key the person edited or reverted by hand is no longer in conflict.
    fn settle_conflict(&mut self, id: FieldId) {
        self.conflicts.retain(|c| c.conflict.id != id);
    }

    fn conflicts_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Conflicts { cursor } = self.mode else {
            return vec![];
        };
        let choose = |items: &mut [ConflictItem], choice: Choice| {
            for item in items {
                item.choice = Some(choice);
            }
        };
        match command {
            Command::KeepMine | Command::TakeTheirs => {
                let choice = if command == Command::KeepMine {
                    Choice::Mine
                } else {
                    Choice::Theirs
                };
                if let Some(item) = self.conflicts.get_mut(cursor) {
                    item.choice = Some(choice);
                }
                // On to the next key still open, as a person works down the list.
                if let Some(next) = self.conflicts.iter().position(|c| c.choice.is_none()) {
                    self.mode = ModeState::Conflicts { cursor: next };
                }
            }
            Command::KeepAllMine => choose(&mut self.conflicts, Choice::Mine),
            Command::TakeAllTheirs => choose(&mut self.conflicts, Choice::Theirs),
            Command::Resolve => return self.resolve_conflicts(),
            Command::Close => {
                self.mode = ModeState::Browse;
                self.say(
                    Tone::Warning,
                    format!(
                        "Not sent: {} changed both here and on the server (marked ~); s resolves.",
                        count(self.conflicts.len(), "setting")
                    ),
                );
            }
            Command::Help => self.open_help(),
            _ => {
                let to = Self::move_in(self.conflicts.len(), cursor, command, 5);
                self.mode = ModeState::Conflicts { cursor: to };
            }
        }
        vec![]
    }

    /// Applies the choices: mine keeps the edit over the server's value,
    /// theirs drops it. Refused while any key has no choice.
    fn resolve_conflicts(&mut self) -> Vec<Effect> {
        let open = self.conflicts.iter().filter(|c| c.choice.is_none()).count();
        if let Some(first) = self.conflicts.iter().position(|c| c.choice.is_none()) {
            self.mode = ModeState::Conflicts { cursor: first };
            self.say(
                Tone::Warning,
                format!(
                    "{} still to resolve: m keeps mine, t takes theirs.",
                    count(open, "conflict")
                ),
            );
            return vec![];
        }
        let items = std::mem::take(&mut self.conflicts);
        let (mut mine, mut theirs) = (0, 0);
        for item in &items {
            let id = item.conflict.id;
            self.flags.remove(&id);
            match item.choice {
                Some(Choice::Theirs) => {
                    self.edits.revert(id);
                    theirs += 1;
                }
                _ => {
                    // Mine: the edit, as it was when the conflict was found.
                    self.edits.set(&self.base, id, item.conflict.mine.clone());
                    mine += 1;
                }
            }
        }
        self.refresh();
        self.mode = ModeState::Browse;
        self.say(
            Tone::Info,
            format!("Resolved: kept mine for {mine}, took theirs for {theirs}."),
        );
        match self.after_conflicts {
            AfterConflicts::Send => self.submit(),
            AfterConflicts::Browse => vec![],
        }
    }

    /// Writes the draft when the edits changed since it was last written.
    fn draft_effects(&mut self) -> Option<Effect> {
        let settled = self.drafts && self.draft_read && self.found_draft.is_none() && self.loaded;
        if !settled || self.edits == self.saved_edits {
            return None;
        }
        self.saved_edits = self.edits.clone();
        Some(if self.edits.is_empty() {
            Effect::RemoveDraft
        } else {
            Effect::SaveDraft {
                base: self.base.clone(),
                edits: self.edits.clone(),
            }
        })
    }

    /// The draft to write on the way out (a signal, a panic, a quit): the
    /// edits plus the text of an edit box still open, kept as typed (valid or
    /// not; an invalid one is marked when the draft is restored). `None` when
    /// the draft on disk already holds it, or no draft may be written yet.
    pub fn exit_draft(&mut self) -> Option<Effect> {
        let settled = self.drafts && self.draft_read && self.found_draft.is_none() && self.loaded;
        if !settled {
            return None;
        }
        let mut edits = self.edits.clone();
        if let ModeState::Edit(edit) = &self.mode {
            let mut typed = self.clone();
            typed.keep(edit.target, edit.text());
            edits = typed.edits;
        }
        if edits.is_empty() || edits == self.saved_edits {
            return None;
        }
        self.saved_edits = edits.clone();
        Some(Effect::SaveDraft {
            base: self.base.clone(),
            edits,
        })
    }

    pub fn mode(&self) -> Mode {
        match &self.mode {
            ModeState::Browse => Mode::Browse,
            ModeState::Filter(_) => Mode::Filter,
            ModeState::Edit(edit) if edit.lines => Mode::EditLines,
            ModeState::Edit(_) => Mode::EditText,
            ModeState::Pick(_) => Mode::Pick,
            ModeState::MultiPick(_) => Mode::MultiPick,
            ModeState::SmsForm => Mode::SmsForm,
            ModeState::Diff { .. } => Mode::Diff,
            ModeState::Confirm(_) => Mode::Confirm,
            ModeState::Conflicts { .. } => Mode::Conflicts,
            ModeState::Help { .. } => Mode::Help,
            ModeState::History(view) if view.open.is_some() => Mode::HistoryEntry,
            ModeState::History(_) => Mode::History,
        }
    }

    pub fn busy(&self) -> bool {
        self.request.is_some()
    }

    /// Whether an action cannot change anything: a key no binding claims
    /// outside text entry, the mouse when not asked for, a stale answer.
    fn ignores(&self, action: &Action) -> bool {
        let typing = matches!(self.mode, ModeState::Filter(_) | ModeState::Edit(_));
        match action {
            Action::Key(key) => keys::lookup(self.mode(), key).is_none() && !typing,
            Action::Paste(_) => !typing,
            Action::Mouse(_) => !self.mouse,
            Action::Loaded { seq, .. } | Action::Checked { seq } | Action::Sent { seq, .. } => {
                !self.in_flight(*seq)
            }
            Action::Resize(..)
            | Action::Tick
            | Action::Problem(_)
            | Action::Notice(_)
            | Action::DraftRead(_)
            | Action::ExternalEdited { .. } => false,
            Action::HistoryRead(_) => false,
        }
    }

    // ----- what the view asks -----

    pub fn rows(&self) -> Vec<Row> {
        rows::rows(&self.base, self.tab, &self.filter)
    }

    pub fn selected_key(&self) -> Option<RowKey> {
        let rows = self.rows();
        let items = rows::items(&rows);
        let wanted = self.selected[tab_index(self.tab)].as_ref();
        wanted
            .and_then(|w| items.iter().find(|k| **k == w))
            .or_else(|| items.first())
            .map(|k| (*k).clone())
    }

    pub fn selected_field(&self) -> Option<FieldId> {
        match self.selected_key()? {
            RowKey::Field(id) => Some(id),
            RowKey::Unknown(..) => None,
        }
    }

    pub fn scroll(&self) -> usize {
        self.scroll[tab_index(self.tab)]
    }

    /// The value shown for a field: the edit, else the reported value.
    pub fn value(&self, id: FieldId) -> Option<&str> {
        self.edits.effective(&self.base, id)
    }

    /// Why a field stops a send, if it does.
    pub fn problem(&self, id: FieldId) -> Option<&str> {
        self.changes
            .problems
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.message.as_str())
    }

    /// The lines of the status area: the request in flight, then the message.
    pub fn status_lines(&self) -> Vec<(Tone, String)> {
        let mut out = Vec::new();
        if let Some(request) = &self.request {
            const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
            let frame = FRAMES[self.spinner % FRAMES.len()];
            let what = match request.kind {
                RequestKind::Loading => format!("Loading settings from {}…", self.host),
                RequestKind::Checking => {
                    format!("Checking {} for changes made since loading…", self.host)
                }
                RequestKind::Sending => format!("Sending to {}…", self.host),
            };
            out.push((Tone::Info, format!("{frame} {what} (Esc cancels)")));
        }
        if let Some(message) = &self.message {
            out.push((message.tone, message.text.clone()));
        }
        if out.is_empty() {
            let pending = self.changes.changed().count();
            let text = match (pending, self.changes.problems.len()) {
                (0, _) => "No pending changes.".to_string(),
                (n, 0) => format!("{} — s sends", count(n, "pending change")),
                (n, p) => format!(
                    "{}, {} to fix before sending",
                    count(n, "pending change"),
                    count(p, "problem")
                ),
            };
            out.push((Tone::Info, text));
        }
        out
    }

    pub fn areas(&self) -> Areas {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        let lines = self.status_lines();
        let status = layout::wrapped_lines(lines.iter().map(|(_, t)| t.as_str()), area.width);
        let filter_shown = matches!(self.mode, ModeState::Filter(_)) || !self.filter.is_empty();
        layout::areas(area, filter_shown, status)
    }

    /// The title of a tab, with its counts of changes and problems.
    pub fn tab_title(&self, section: Section) -> String {
        let changed = self
            .edits
            .iter()
            .filter(|(id, _)| id.setting().section == section)
            .count();
        let invalid = self
            .changes
            .problems
            .iter()
            .filter(|p| p.id.setting().section == section)
            .count();
        let mut title = format!("{} {}", tab_index(section) + 1, section.title());
        if changed > 0 {
            title.push_str(&format!(" *{changed}"));
        }
        if invalid > 0 {
            title.push_str(&format!(" !{invalid}"));
        }
        title
    }

    /// Each tab's title and the columns it covers on the tab line.
    pub fn tab_spans(&self) -> Vec<(Section, String, u16, u16)> {
        let mut x = 0u16;
        Section::ALL
            .iter()
            .map(|&s| {
                let title = format!(" {} ", self.tab_title(s));
                let width = u16::try_from(crate::text::width(&title)).unwrap_or(u16::MAX);
                let span = (s, title, x, x.saturating_add(width));
                x = x.saturating_add(width + 1);
                span
            })
            .collect()
    }

    // ----- changing values -----

    fn refresh(&mut self) {
        self.changes = ChangeSet::new(&self.base, &self.edits);
    }

    fn set_value(&mut self, id: FieldId, text: String) {
        self.edits.set(&self.base, id, text);
        self.flags.remove(&id);
        self.settle_conflict(id);
        self.refresh();
    }

    /// Sets a JSON-valued field by meaning: an equal document is no change,
    /// and a document equal to the loaded one reverts the field.
    fn set_json(&mut self, id: FieldId, value: &Value) {
        let parse = |text: Option<&str>| text.and_then(|t| serde_json::from_str::<Value>(t).ok());
        if parse(self.base.get(id)).as_ref() == Some(value) {
            self.edits.revert(id);
            self.flags.remove(&id);
            self.settle_conflict(id);
            self.refresh();
        } else if parse(self.value(id)).as_ref() != Some(value) {
            self.set_value(id, json_line(value));
        }
    }

    /// Keeps text for a JSON-valued field: valid JSON is stored compactly and
    /// compared by meaning; invalid text is kept as typed, and marked.
    fn keep_raw(&mut self, id: FieldId, text: String) {
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => self.set_json(id, &value),
            Err(_) => self.set_value(id, text),
        }
    }

    fn toggle_bool(&mut self, id: FieldId) {
        let next = match self.value(id) {
            Some("true") => "false",
            Some("false") => "true",
            _ => match id.setting().default {
                Some("true") => "false",
                _ => "true",
            },
        };
        self.set_value(id, next.to_string());
    }

    fn step_enum(&mut self, id: FieldId, values: &[&str]) {
        let next = match self
            .value(id)
            .and_then(|v| values.iter().position(|x| *x == v))
        {
            Some(i) => values[(i + 1) % values.len()],
            None => values.first().copied().unwrap_or_default(),
        };
        self.set_value(id, next.to_string());
    }

    // ----- moving -----

    fn page(&self) -> usize {
        usize::from(self.areas().list.height.max(2)) - 1
    }

    fn move_in(len: usize, at: usize, command: Command, page: usize) -> usize {
        let last = len.saturating_sub(1);
        match command {
            Command::Up => at.saturating_sub(1),
            Command::Down => (at + 1).min(last),
            Command::PageUp => at.saturating_sub(page),
            Command::PageDown => (at + page).min(last),
            Command::First => 0,
            Command::Last => last,
            _ => at,
        }
    }

    fn move_selection(&mut self, command: Command) {
        let rows = self.rows();
        let items = rows::items(&rows);
        if items.is_empty() {
            return;
        }
        let at = self
            .selected_key()
            .and_then(|k| items.iter().position(|i| **i == k))
            .unwrap_or(0);
        let to = Self::move_in(items.len(), at, command, self.page());
        self.selected[tab_index(self.tab)] = Some(items[to].clone());
    }

    /// Keeps the selected row (and its heading) in sight.
    fn follow_selection(&mut self) {
        let rows = self.rows();
        let height = usize::from(self.areas().list.height.max(1));
        let i = tab_index(self.tab);
        let Some(key) = self.selected_key() else {
            self.scroll[i] = 0;
            return;
        };
        let at = rows
            .iter()
            .position(|r| *r == Row::Item(key.clone()))
            .unwrap_or(0);
        let top = if at > 0 && matches!(rows[at - 1], Row::Heading(_)) {
            at - 1
        } else {
            at
        };
        let scroll = &mut self.scroll[i];
        if top < *scroll {
            *scroll = top;
        } else if at >= *scroll + height {
            *scroll = at + 1 - height;
        }
        *scroll = (*scroll).min(rows.len().saturating_sub(height));
    }

    /// Shows a field: its pane, in the list, selected, the filter cleared if
    /// it hides it.
    fn jump_to(&mut self, id: FieldId) {
        self.tab = id.setting().section;
        self.mode = ModeState::Browse;
        self.form = None;
        if !rows::items(&self.rows()).contains(&&RowKey::Field(id)) {
            self.filter.clear();
        }
        self.selected[tab_index(self.tab)] = Some(RowKey::Field(id));
    }

    fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.message = Some(Message {
            tone,
            text: text.into(),
        });
    }

    // ----- requests -----

    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn start_load(&mut self) -> Vec<Effect> {
        let seq = self.next_seq();
        self.request = Some(Request {
            seq,
            kind: RequestKind::Loading,
            changes: None,
        });
        vec![Effect::Load { seq }]
    }

    fn in_flight(&self, seq: u64) -> bool {
        self.request.as_ref().is_some_and(|r| r.seq == seq)
    }

    fn on_loaded(&mut self, seq: u64, result: Result<Answer, ApiError>) {
        if !self.in_flight(seq) {
            return;
        }
        self.request = None;
        match result {
            Ok(answer) => {
                self.adopt(answer.settings);
                self.flags.clear();
                let reported = self.base.reported().count();
                let total = crate::schema::SETTINGS.len();
                let mut text = format!("Loaded {reported} of {total} settings");
                if reported < total {
                    text.push_str(&format!(" ({} not reported)", total - reported));
                }
                let unknown = self.base.unknown().len();
                if unknown > 0 {
                    text.push_str(&format!(
                        "; {} exoset does not know, under Other",
                        count(unknown, "key")
                    ));
                }
                let notes = self.base.notes().len();
                if notes > 0 {
                    text.push_str(&format!(
                        "; {notes} read in an undocumented shape (see the field's details)"
                    ));
                }
                text.push('.');
                match self.notice.take() {
                    Some(notice) => self.say(Tone::Warning, format!("{text} {notice}")),
                    None => self.say(Tone::Success, text),
                }
                if let Some(changes) = self.after_unknown.take() {
                    self.tell_held(&changes);
                }
                self.offer_draft();
            }
            Err(e) => {
                self.exit = Some((e.exit_code(), format!("could not load the settings: {e}")));
                let hint = if self.loaded {
                    ""
                } else {
                    " — r tries again"
                };
                self.say(
                    Tone::Error,
                    format!("Could not load the settings: {e}{hint}"),
                );
            }
        }
    }

    /// After a PUT with an unknown outcome, a fresh read says which of the
    /// keys sent the server holds; those are no longer edits.
    fn tell_held(&mut self, changes: &ChangeSet) {
        let (held, not) = session::held_after_unknown(changes, &self.base);
        let text = match (held.is_empty(), not.is_empty()) {
            (false, true) => format!(
                "The PUT whose answer was lost was applied: the server holds all {} sent ({}).",
                count(held.len(), "change"),
                held.join(", ")
            ),
            (true, false) => format!(
                "The PUT whose answer was lost was not applied: the server holds none of {} \
                 ({}). Your changes are kept; s sends them.",
                count(not.len(), "change"),
                not.join(", ")
            ),
            _ => format!(
                "After the lost answer the server holds {} as sent ({}) but not {} ({}); \
                 those are kept as changes.",
                count(held.len(), "key"),
                held.join(", "),
                count(not.len(), "key"),
                not.join(", ")
            ),
        };
        self.exit = (!not.is_empty()).then(|| (crate::exit::UNKNOWN, text.clone()));
        self.say(Tone::Warning, text);
    }

    /// Makes `settings` the new base; edits equal to it are dropped.
    fn adopt(&mut self, settings: Settings) {
        self.base = settings;
        self.loaded = true;
        self.edits.rebase(&self.base);
        if let Some(form) = &self.form {
            let id = form.id;
            match SmsForm::open(id, self.value(id)) {
                Ok(mut fresh) => {
                    fresh.cursor = form.cursor;
                    self.form = Some(fresh);
                }
                Err(_) => {
                    self.form = None;
                    if matches!(self.mode, ModeState::SmsForm) {
                        self.mode = ModeState::Browse;
                    }
                }
            }
        }
        self.refresh();
    }

    fn submit(&mut self) -> Vec<Effect> {
        if self.busy() {
            self.say(
                Tone::Warning,
                "A request is in flight; wait for it, or Esc to cancel it.",
            );
            return vec![];
        }
        if !self.loaded {
            self.say(
                Tone::Warning,
                "Nothing is loaded yet, so nothing can be sent; r loads.",
            );
            return vec![];
        }
        if !self.conflicts.is_empty() {
            let cursor = self
                .conflicts
                .iter()
                .position(|c| c.choice.is_none())
                .unwrap_or(0);
            self.after_conflicts = AfterConflicts::Send;
            self.mode = ModeState::Conflicts { cursor };
            return vec![];
        }
        if self.changes.is_empty() {
            self.mode = ModeState::Browse;
            self.say(Tone::Info, "No changes to send.");
            return vec![];
        }
        if let Some(first) = self.changes.problems.first().cloned() {
            let more = self.changes.problems.len() - 1;
            self.jump_to(first.id);
            let more = if more > 0 {
                format!(
                    " (and {more} more {})",
                    crate::text::plural(more, "problem")
                )
            } else {
                String::new()
            };
            self.say(
                Tone::Error,
                format!("Cannot send: {}: {}{more}", first.id.path(), first.message),
            );
            return vec![];
        }
        self.mode = ModeState::Confirm(Question::Send);
        vec![]
    }

    fn send(&mut self) -> Vec<Effect> {
        self.message = None;
        self.mode = ModeState::Browse;
        let seq = self.next_seq();
        self.request = Some(Request {
            seq,
            kind: RequestKind::Checking,
            changes: Some(self.changes.clone()),
        });
        vec![Effect::Submit {
            seq,
            base: self.base.clone(),
            edits: self.edits.clone(),
        }]
    }

    fn on_checked(&mut self, seq: u64) {
        if let Some(request) = self.request.as_mut().filter(|r| r.seq == seq) {
            request.kind = RequestKind::Sending;
        }
    }

    /// What the shared send path did, told as the subcommands tell it.
    fn on_sent(&mut self, seq: u64, sent: Sent) -> Vec<Effect> {
        if self.request.take_if(|r| r.seq == seq).is_none() {
            return vec![];
        }
        match sent {
            Sent::ReadFailed(e) => {
                self.say(
                    Tone::Error,
                    format!(
                        "Not sent: the settings could not be read again before sending: {e}. \
                         Your changes are kept."
                    ),
                );
            }
            Sent::Conflicts { fresh, conflicts } => {
                let taken = self.take_in(fresh);
                let n = conflicts.len();
                self.say(
                    Tone::Warning,
                    format!(
                        "{taken}Not sent: {} changed both here and on the server since loading; \
                         pick mine (m) or theirs (t) for each.",
                        count(n, "setting")
                    ),
                );
                self.open_conflicts(conflicts, AfterConflicts::Send);
            }
            Sent::Moved { fresh, .. } => {
                let taken = self.take_in(fresh);
                self.say(
                    Tone::Warning,
                    format!("{taken}Not sent: the server changed keys to send; s tries again."),
                );
            }
            Sent::Nothing { fresh, .. } => {
                let taken = self.take_in(fresh);
                self.say(
                    Tone::Info,
                    format!("{taken}Nothing sent: the server already holds these values."),
                );
            }
            Sent::Invalid { fresh, .. } => {
                let taken = self.take_in(fresh);
                self.say(Tone::Warning, taken);
                // Says which problem stops the send.
                return self.submit();
            }
            Sent::Done(done) => self.on_done(&done),
            Sent::Failed {
                fresh,
                changes,
                error,
            } => {
                let taken = self.take_in(fresh);
                if let Some(id) = session::refused_key(&error, &changes) {
                    self.flags.insert(
                        id,
                        Flag::Refused {
                            message: error.server_message().unwrap_or_default().to_string(),
                        },
                    );
                    self.jump_to(id);
                }
                let explained = session::explain(&error, &changes);
                self.exit = Some((error.exit_code(), format!("not applied: {explained}")));
                self.say(
                    Tone::Error,
                    format!("{taken}Not applied: {explained}. Your changes are kept."),
                );
            }
            Sent::Unknown { changes, error, .. } => {
                self.exit = Some((crate::exit::UNKNOWN, error.to_string()));
                self.say(
                    Tone::Warning,
                    format!(
                        "{error}. Your changes are kept as a draft; reading the settings \
                         again to see which the server holds…"
                    ),
                );
                self.after_unknown = Some(changes);
                return self.start_load();
            }
        }
        vec![]
    }

    /// Makes a fresh read the base; returns "Taken in from the server: …. "
    /// naming the keys that changed only there, or nothing.
    fn take_in(&mut self, fresh: Settings) -> String {
        let drift = Drift::between(&self.base, &self.edits, &fresh);
        self.adopt(fresh);
        for (id, ..) in &drift.taken_in {
            self.flags.remove(id);
        }
        if drift.taken_in.is_empty() {
            String::new()
        } else {
            format!(
                "Taken in from the server: {}. ",
                paths(drift.taken_in.iter().map(|(id, ..)| *id))
            )
        }
    }

    fn on_done(&mut self, done: &session::Done) {
        let request_id = session::request_id_part(done.request_id.as_deref());
        self.adopt(done.after.clone());
        self.flags.clear();
        self.exit = None;
        let taken = if done.taken_in.is_empty() {
            String::new()
        } else {
            format!(
                " Taken in from the server first: {}.",
                paths(done.taken_in.iter().copied())
            )
        };
        for check in &done.checks {
            match &check.status {
                KeyStatus::Confirmed => {}
                KeyStatus::Unconfirmed => {
                    self.flags.insert(
                        check.id,
                        Flag::Unconfirmed {
                            sent: check.sent.clone(),
                        },
                    );
                }
                KeyStatus::NotTaken(got) => {
                    self.flags.insert(
                        check.id,
                        Flag::NotTaken {
                            sent: check.sent.clone(),
                            got: Some(got.clone()),
                        },
                    );
                }
            }
        }
        let unconfirmed = session::unconfirmed_line(done)
            .map(|line| format!(" {line} (marked ?)."))
            .unwrap_or_default();
        let missed: Vec<String> = done
            .not_taken()
            .map(|(check, got)| {
                format!(
                    "{} (sent {}, server has {})",
                    check.id.path(),
                    short(&check.sent, 40),
                    short(got, 40)
                )
            })
            .collect();
        if missed.is_empty() {
            let tone = if unconfirmed.is_empty() {
                Tone::Success
            } else {
                Tone::Warning
            };
            self.say(
                tone,
                format!(
                    "Saved {}{request_id}.{unconfirmed}{taken}",
                    count(done.changed(), "change")
                ),
            );
            return;
        }
        let text = format!(
            "Saved{request_id}, but the server did not take {} as sent (marked ~): {}.",
            count(missed.len(), "key"),
            missed.join("; ")
        );
        self.exit = Some((crate::exit::NETWORK, text.clone()));
        self.say(Tone::Warning, format!("{text}{unconfirmed}{taken}"));
    }

    fn cancel_request(&mut self) -> Vec<Effect> {
        let Some(request) = self.request.take() else {
            return vec![];
        };
        let text = match request.kind {
            RequestKind::Loading => "Load cancelled; r loads again.",
            RequestKind::Checking => "Send cancelled; nothing was sent. Your changes are kept.",
            RequestKind::Sending => {
                "Send cancelled while the PUT was in flight: the server may still have \
                 applied it. r reloads to check; your changes are kept."
            }
        };
        let tone = if request.kind == RequestKind::Sending {
            Tone::Warning
        } else {
            Tone::Info
        };
        self.say(tone, text);
        vec![Effect::Cancel]
    }

    // ----- keys -----

    fn command(&mut self, command: Command) -> Vec<Effect> {
        if command == Command::QuitNow {
            self.quit = true;
            return vec![Effect::Quit];
        }
        match self.mode() {
            Mode::Browse => self.browse(command),
            Mode::Filter => {
                self.filter_command(command);
                vec![]
            }
            Mode::EditText | Mode::EditLines => self.edit_command(command),
            Mode::Pick => {
                self.pick_command(command);
                vec![]
            }
            Mode::MultiPick => {
                self.multi_command(command);
                vec![]
            }
            Mode::SmsForm => self.form_command(command),
            Mode::Diff => self.diff_command(command),
            Mode::Confirm => self.confirm_command(command),
            Mode::Conflicts => self.conflicts_command(command),
            Mode::Help => {
                self.help_command(command);
                vec![]
            }
            Mode::History | Mode::HistoryEntry => self.history_command(command),
        }
    }

    fn browse(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::ShowTab(section) => self.tab = section,
            Command::NextTab | Command::PrevTab => {
                let n = Section::ALL.len();
                let i = tab_index(self.tab);
                let to = if command == Command::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.tab = Section::ALL[to];
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last => self.move_selection(command),
            Command::Edit => return self.edit_selected(false),
            Command::Toggle => return self.edit_selected(true),
            Command::Revert => self.revert_selected(),
            Command::Filter => {
                self.mode = ModeState::Filter(self.text_input(&self.filter, false));
            }
            Command::ShowDiff => self.mode = ModeState::Diff { scroll: 0 },
            Command::Submit => return self.submit(),
            Command::Reload => return self.reload(),
            Command::Copy => return self.copy_selected(),
            Command::ExternalEdit => return self.external_selected(),
            Command::Help => self.open_help(),
            Command::Cancel => {
                if self.busy() {
                    return self.cancel_request();
                }
                if !self.filter.is_empty() {
                    self.filter.clear();
                } else {
                    self.message = None;
                }
            }
            Command::Quit => return self.quit_asking(),
            Command::History => return self.open_history(),
            _ => {}
        }
        vec![]
    }

    fn open_help(&mut self) {
        let back = std::mem::replace(&mut self.mode, ModeState::Browse);
        self.mode = ModeState::Help {
            scroll: 0,
            back: Box::new(back),
        };
    }

    fn reload(&mut self) -> Vec<Effect> {
        if self.busy() {
            self.say(
                Tone::Warning,
                "A request is in flight; wait for it, or Esc to cancel it.",
            );
            return vec![];
        }
        if !self.edits.is_empty() {
            self.mode = ModeState::Confirm(Question::Reload);
            return vec![];
        }
        self.start_load()
    }

    fn quit_asking(&mut self) -> Vec<Effect> {
        let sending = self
            .request
            .as_ref()
            .is_some_and(|r| r.kind != RequestKind::Loading);
        if self.edits.is_empty() && !sending {
            self.quit = true;
            return vec![Effect::Quit];
        }
        self.mode = ModeState::Confirm(Question::Quit);
        vec![]
    }

    fn read_only(&mut self, section: &str, key: &str) {
        self.say(
            Tone::Info,
            format!(
                "{section}.{key} is not a setting exoset knows: it is shown as the server sent \
                 it, read-only, and never sent back."
            ),
        );
    }

    fn not_loaded(&mut self) -> bool {
        if !self.loaded {
            self.say(
                Tone::Warning,
                "The settings are not loaded yet; edit once they are (r loads).",
            );
        }
        !self.loaded
    }

    /// The selected setting when it can be edited now; else says why not.
    fn selected_editable(&mut self) -> Option<FieldId> {
        let id = match self.selected_key()? {
            RowKey::Field(id) => id,
            RowKey::Unknown(section, key) => {
                self.read_only(&section, &key);
                return None;
            }
        };
        (!self.not_loaded()).then_some(id)
    }

    /// Enter (`step` false) or Space (`step` true) on the selected row.
    fn edit_selected(&mut self, step: bool) -> Vec<Effect> {
        let Some(id) = self.selected_editable() else {
            return vec![];
        };
        match id.setting().kind {
            Kind::BoolString => self.toggle_bool(id),
            Kind::Enum { values } if step => self.step_enum(id, values),
            Kind::Enum { values } => {
                let current = self
                    .value(id)
                    .and_then(|v| values.iter().position(|x| *x == v));
                self.mode = ModeState::Pick(Pick {
                    target: PickTarget::Enum(id),
                    options: values.iter().map(|v| v.to_string()).collect(),
                    cursor: current.unwrap_or(0),
                    current,
                });
            }
            Kind::HeadersJson => {
                let current = self
                    .value(id)
                    .and_then(|t| validate::parse_headers(t).ok())
                    .and_then(|map| {
                        let ct = map.get("content_type")?.as_str()?.to_string();
                        CONTENT_TYPES.iter().position(|c| *c == ct)
                    });
                let mut options: Vec<String> =
                    CONTENT_TYPES.iter().map(|c| c.to_string()).collect();
                options.push(RAW_JSON_OPTION.to_string());
                self.mode = ModeState::Pick(Pick {
                    target: PickTarget::ContentType(id),
                    options,
                    cursor: current.unwrap_or(0),
                    current,
                });
            }
            Kind::SmsConfigJson => match SmsForm::open(id, self.value(id)) {
                Ok(form) => {
                    self.form = Some(form);
                    self.mode = ModeState::SmsForm;
                }
                Err(message) => {
                    self.open_raw(id);
                    self.say(
                        Tone::Warning,
                        format!("Editing as raw JSON, since the form cannot show it: {message}"),
                    );
                }
            },
            _ => {
                let text = self.value(id).unwrap_or_default().to_string();
                self.open_edit(EditTarget::Field(id), &text, text.contains('\n'));
            }
        }
        vec![]
    }

    fn revert_selected(&mut self) {
        match self.selected_key() {
            Some(RowKey::Field(id)) => {
                let had = self.edits.get(id).is_some();
                self.edits.revert(id);
                self.flags.remove(&id);
                self.settle_conflict(id);
                self.refresh();
                if had {
                    self.say(
                        Tone::Info,
                        format!("{} reverted to its loaded value.", id.path()),
                    );
                }
            }
            Some(RowKey::Unknown(section, key)) => self.read_only(&section, &key),
            None => {}
        }
    }

    fn copy_selected(&mut self) -> Vec<Effect> {
        let (path, text) = match self.selected_key() {
            Some(RowKey::Field(id)) => match self.value(id) {
                Some(text) => (id.path(), text.to_string()),
                None => {
                    self.say(Tone::Info, format!("{} has no value to copy.", id.path()));
                    return vec![];
                }
            },
            Some(RowKey::Unknown(section, key)) => {
                let text = match self.base.unknown_value(&section, &key) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                (format!("{section}.{key}"), text)
            }
            None => return vec![],
        };
        self.say(
            Tone::Info,
            format!(
                "Copied {path} ({}) to the clipboard (OSC 52; the terminal must allow it).",
                count(text.chars().count(), "character")
            ),
        );
        vec![Effect::Copy(text)]
    }

    fn external_selected(&mut self) -> Vec<Effect> {
        let Some(id) = self.selected_editable() else {
            return vec![];
        };
        vec![self.external_for(id)]
    }

    fn external_for(&self, id: FieldId) -> Effect {
        let text = self.value(id).unwrap_or_default();
        match id.setting().kind {
            Kind::HeadersJson | Kind::SmsConfigJson => Effect::ExternalEdit {
                target: EditTarget::Raw(id),
                text: pretty_json(text),
                json: true,
            },
            _ => Effect::ExternalEdit {
                target: EditTarget::Field(id),
                text: text.to_string(),
                json: false,
            },
        }
    }

    fn on_external(&mut self, target: EditTarget, result: Result<String, String>) {
        let text = match result {
            Ok(text) => text,
            Err(message) => {
                self.say(Tone::Error, message);
                return;
            }
        };
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text)
            .to_string();
        self.keep(target, text);
        self.mode = if self.form.is_some() {
            ModeState::SmsForm
        } else {
            ModeState::Browse
        };
    }

    // ----- text edits -----

    pub fn text_input(&self, text: &str, lines: bool) -> TextArea<'static> {
        let content: Vec<String> = if lines {
            text.split('\n').map(str::to_string).collect()
        } else {
            vec![text.replace(['\r', '\n'], " ")]
        };
        let mut input = TextArea::new(content);
        input.set_style(self.theme.input);
        input.set_cursor_style(self.theme.cursor);
        input.set_cursor_line_style(ratatui::style::Style::default());
        input.set_selection_style(self.theme.selected);
        input.set_placeholder_style(self.theme.dim);
        if lines {
            input.set_wrap_mode(WrapMode::WordOrGlyph);
        }
        input.move_cursor(CursorMove::Bottom);
        input.move_cursor(CursorMove::End);
        input
    }

    fn open_edit(&mut self, target: EditTarget, text: &str, lines: bool) {
        let mut edit = TextEdit {
            target,
            input: self.text_input(text, lines),
            lines,
            error: None,
        };
        edit.error = self.check_text(target, &edit.text());
        self.mode = ModeState::Edit(edit);
    }

    fn open_raw(&mut self, id: FieldId) {
        let text = pretty_json(self.value(id).unwrap_or_default());
        self.open_edit(EditTarget::Raw(id), &text, true);
    }

    /// The validation message for text typed for `target`, if it is invalid.
    fn check_text(&self, target: EditTarget, text: &str) -> Option<String> {
        match target {
            EditTarget::Field(id) | EditTarget::Raw(id) => {
                validate::check(id.setting().kind, text).err()
            }
            EditTarget::SmsPart(party, key) => {
                let mut form = self.form.clone()?;
                form.set_text(party, key, text.to_string());
                validate::check(Kind::SmsConfigJson, &form.to_value().to_string()).err()
            }
        }
    }

    /// Keeps text for a target, valid or not.
    fn keep(&mut self, target: EditTarget, text: String) {
        match target {
            EditTarget::Field(id) => self.set_value(id, text),
            EditTarget::Raw(id) => {
                self.keep_raw(id, text);
                if self.form.as_ref().is_some_and(|f| f.id == id) {
                    let cursor = self.form.as_ref().map_or(0, |f| f.cursor);
                    match SmsForm::open(id, self.value(id)) {
                        Ok(mut form) => {
                            form.cursor = cursor;
                            self.form = Some(form);
                        }
                        Err(message) => {
                            self.form = None;
                            self.say(
                                Tone::Warning,
                                format!("Kept as raw JSON; the form cannot show it: {message}"),
                            );
                        }
                    }
                }
            }
            EditTarget::SmsPart(party, key) => {
                if let Some(form) = self.form.as_mut() {
                    form.set_text(party, key, text);
                }
                self.save_form();
            }
        }
    }

    fn save_form(&mut self) {
        if let Some(form) = &self.form {
            let (id, value) = (form.id, form.to_value());
            if self.value(id).is_none() && form.doc.is_empty() {
                return;
            }
            self.set_json(id, &value);
        }
    }

    fn edit_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Edit(edit) = &mut self.mode else {
            return vec![];
        };
        match command {
            Command::Keep => {
                let (target, text) = (edit.target, edit.text());
                let invalid = edit.error.clone();
                self.mode = ModeState::Browse;
                self.keep(target, text);
                if self.form.is_some() {
                    self.mode = ModeState::SmsForm;
                }
                if let Some(message) = invalid {
                    self.say(
                        Tone::Warning,
                        format!("Kept, but invalid (marked !; it stops a send): {message}"),
                    );
                }
            }
            Command::Newline if edit.lines => {
                edit.input.insert_newline();
                self.revalidate();
            }
            Command::Discard => {
                self.mode = if self.form.is_some() {
                    ModeState::SmsForm
                } else {
                    ModeState::Browse
                };
            }
            _ => {}
        }
        vec![]
    }

    fn revalidate(&mut self) {
        let (target, text) = match &self.mode {
            ModeState::Edit(edit) => (edit.target, edit.text()),
            _ => return,
        };
        let error = self.check_text(target, &text);
        if let ModeState::Edit(edit) = &mut self.mode {
            edit.error = error;
        }
    }

    /// A key no binding claims: typing, in the modes that take text.
    fn type_key(&mut self, key: KeyEvent) {
        let enter_like = matches!(key.code, KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab)
            || (key.modifiers.contains(KeyModifiers::CONTROL)
                && matches!(key.code, KeyCode::Char('m' | 'j')));
        match &mut self.mode {
            ModeState::Filter(input) if !enter_like => {
                input.input(key);
                self.filter = input.lines().join("");
            }
            ModeState::Edit(edit) if edit.lines || !enter_like => {
                edit.input.input(key);
                self.revalidate();
            }
            _ => {}
        }
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.mode {
            ModeState::Filter(input) => {
                input.insert_str(text.replace(['\r', '\n'], ""));
                self.filter = input.lines().join("");
            }
            ModeState::Edit(edit) => {
                if edit.lines {
                    edit.input
                        .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
                } else {
                    edit.input.insert_str(text.replace(['\r', '\n'], ""));
                }
                self.revalidate();
            }
            _ => {}
        }
    }

    fn filter_command(&mut self, command: Command) {
        match command {
            Command::FilterDone => self.mode = ModeState::Browse,
            Command::FilterClear => {
                self.filter.clear();
                self.mode = ModeState::Browse;
            }
            Command::Up | Command::Down => self.move_selection(command),
            _ => {}
        }
    }

    // ----- picks -----

    fn pick_command(&mut self, command: Command) {
        let page = self.page();
        let ModeState::Pick(pick) = &mut self.mode else {
            return;
        };
        match command {
            Command::Choose => {
                let pick = pick.clone();
                self.mode = ModeState::Browse;
                let chosen = pick.options.get(pick.cursor).cloned().unwrap_or_default();
                match pick.target {
                    PickTarget::Enum(id) => self.set_value(id, chosen),
                    PickTarget::ContentType(id) if chosen == RAW_JSON_OPTION => {
                        let text = self.value(id).unwrap_or_default().to_string();
                        self.open_edit(EditTarget::Raw(id), &text, false);
                    }
                    PickTarget::ContentType(id) => {
                        let mut map = self
                            .value(id)
                            .and_then(|t| serde_json::from_str::<Value>(t).ok())
                            .and_then(|v| v.as_object().cloned())
                            .unwrap_or_default();
                        map.insert("content_type".to_string(), Value::String(chosen));
                        self.set_json(id, &Value::Object(map));
                    }
                }
            }
            Command::Close => self.mode = ModeState::Browse,
            _ => {
                pick.cursor = Self::move_in(pick.options.len(), pick.cursor, command, page);
            }
        }
    }

    fn multi_command(&mut self, command: Command) {
        let page = self.page();
        let ModeState::MultiPick(pick) = &mut self.mode else {
            return;
        };
        match command {
            Command::Mark => {
                if let Some(tick) = pick.ticks.get_mut(pick.cursor) {
                    *tick = !*tick;
                }
            }
            Command::Choose => {
                let (party, ticks) = (pick.party, pick.ticks.clone());
                self.mode = ModeState::SmsForm;
                if let Some(form) = self.form.as_mut() {
                    form.set_ticks(party, &ticks);
                }
                self.save_form();
            }
            Command::Close => self.mode = ModeState::SmsForm,
            _ => {
                pick.cursor = Self::move_in(pick.ticks.len(), pick.cursor, command, page);
            }
        }
    }

    // ----- the sms_config form -----

    fn form_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(form) = self.form.as_mut() else {
            self.mode = ModeState::Browse;
            return vec![];
        };
        let row = form.selected();
        match command {
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last => {
                form.cursor = Self::move_in(sms::selectable().len(), form.cursor, command, 8);
            }
            Command::Edit | Command::Toggle => self.form_edit(row),
            Command::ExternalEdit => {
                let id = form.id;
                return match row {
                    FormRow::Part(party, key)
                        if matches!(sms::part_kind(key), PartKind::Line | PartKind::Lines) =>
                    {
                        vec![Effect::ExternalEdit {
                            target: EditTarget::SmsPart(party, key),
                            text: form.text(party, key),
                            json: false,
                        }]
                    }
                    _ => vec![self.external_for(id)],
                };
            }
            Command::Close => {
                self.form = None;
                self.mode = ModeState::Browse;
            }
            Command::Help => self.open_help(),
            _ => {}
        }
        vec![]
    }

    fn form_edit(&mut self, row: FormRow) {
        let Some(form) = self.form.as_mut() else {
            return;
        };
        match row {
            FormRow::Part(party, key) => match sms::part_kind(key) {
                PartKind::Toggle => {
                    form.toggle(party);
                    self.save_form();
                }
                PartKind::Statuses => {
                    self.mode = ModeState::MultiPick(MultiPick {
                        party,
                        ticks: form.ticks(party),
                        cursor: 0,
                    });
                }
                kind => {
                    let text = form.text(party, key);
                    self.open_edit(
                        EditTarget::SmsPart(party, key),
                        &text,
                        kind == PartKind::Lines || text.contains('\n'),
                    );
                }
            },
            FormRow::Raw => {
                let (id, text) = (form.id, pretty_json(&form.to_value().to_string()));
                self.open_edit(EditTarget::Raw(id), &text, true);
            }
            FormRow::Party(_) => {}
        }
    }

    // ----- overlays -----

    fn diff_command(&mut self, command: Command) -> Vec<Effect> {
        if !matches!(self.mode, ModeState::Diff { .. }) {
            return vec![];
        }
        match command {
            Command::Submit => return self.submit(),
            Command::Close => self.mode = ModeState::Browse,
            Command::Help => self.open_help(),
            _ => {
                let len = self.overlay_len();
                if let ModeState::Diff { scroll } = &mut self.mode {
                    *scroll = Self::move_in(len, *scroll, command, 10);
                }
            }
        }
        vec![]
    }

    fn help_command(&mut self, command: Command) {
        let len = self.overlay_len();
        let ModeState::Help { scroll, back } = &mut self.mode else {
            return;
        };
        match command {
            Command::Close => {
                let back = std::mem::replace(back.as_mut(), ModeState::Browse);
                self.mode = back;
            }
            _ => *scroll = Self::move_in(len, *scroll, command, 10),
        }
    }

    /// The text width inside an overlay box.
    fn overlay_width(&self) -> u16 {
        self.areas().body.width.saturating_sub(2)
    }

    /// How many scroll positions the diff or help overlay has: one for each
    /// first line that still leaves the box full.
    pub fn overlay_len(&self) -> usize {
        let areas = self.areas();
        let width = self.overlay_width();
        let (lines, height) = match &self.mode {
            ModeState::Help { .. } => (
                super::view::help_text(self, width).len(),
                areas.body.height + areas.status.height,
            ),
            _ => (
                super::view::diff_lines(self, width).len(),
                areas.body.height,
            ),
        };
        let visible = usize::from(height.saturating_sub(2));
        lines.saturating_sub(visible) + 1
    }

    fn confirm_command(&mut self, command: Command) -> Vec<Effect> {
        let ModeState::Confirm(question) = self.mode else {
            return vec![];
        };
        match (command, question) {
            (Command::Yes, Question::Send) => return self.send(),
            (Command::Yes, Question::Quit) => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            (Command::Yes, Question::Reload) => {
                self.mode = ModeState::Browse;
                self.edits = Edits::default();
                self.flags.clear();
                self.conflicts.clear();
                self.form = None;
                self.refresh();
                return self.start_load();
            }
            (Command::Yes, Question::RestoreDraft) => {
                self.mode = ModeState::Browse;
                self.restore_draft();
            }
            (Command::No, Question::RestoreDraft) => {
                self.mode = ModeState::Browse;
                self.found_draft = None;
                self.say(Tone::Info, "Draft discarded.");
                return vec![Effect::RemoveDraft];
            }
            (Command::No, _) => self.mode = ModeState::Browse,
            _ => {}
        }
        vec![]
    }

    // ----- the mouse -----

    fn on_mouse(&mut self, event: MouseEvent) -> Vec<Effect> {
        if !self.mouse {
            return vec![];
        }
        let scroll = match event.kind {
            MouseEventKind::ScrollUp => Some(Command::Up),
            MouseEventKind::ScrollDown => Some(Command::Down),
            _ => None,
        };
        if let Some(command) = scroll {
            return match self.mode() {
                Mode::Browse
                | Mode::Pick
                | Mode::MultiPick
                | Mode::SmsForm
                | Mode::Diff
                | Mode::Conflicts
                | Mode::Help => self.command(command),
                _ => vec![],
            };
        }
        if event.kind != MouseEventKind::Down(MouseButton::Left) || self.mode() != Mode::Browse {
            return vec![];
        }
        let areas = self.areas();
        let (x, y) = (event.column, event.row);
        if y == areas.tabs.y {
            if let Some((section, ..)) = self
                .tab_spans()
                .into_iter()
                .find(|(_, _, x0, x1)| (*x0..*x1).contains(&x))
            {
                self.tab = section;
            }
            return vec![];
        }
        let list = areas.list;
        if (list.y..list.y + list.height).contains(&y) {
            let at = self.scroll() + usize::from(y - list.y);
            if let Some(Row::Item(key)) = self.rows().get(at) {
                self.selected[tab_index(self.tab)] = Some(key.clone());
            }
        }
        vec![]
    }
}

/// Applies an action to the state; returns the work to do outside.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if app.ignores(&action) {
        return vec![];
    }
    app.redraw = true;
    let effects = match action {
        Action::Key(key) => match keys::lookup(app.mode(), &key) {
            Some(command) => app.command(command),
            None => {
                if key.kind != crossterm::event::KeyEventKind::Release {
                    app.type_key(key);
                }
                vec![]
            }
        },
        Action::Paste(text) => {
            app.on_paste(&text);
            vec![]
        }
        Action::Mouse(event) => app.on_mouse(event),
        Action::Resize(width, height) => {
            app.size = (width, height);
            vec![]
        }
        Action::Tick => {
            app.spinner = app.spinner.wrapping_add(1);
            vec![]
        }
        Action::Loaded { seq, result } => {
            app.on_loaded(seq, result);
            vec![]
        }
        Action::Checked { seq } => {
            app.on_checked(seq);
            vec![]
        }
        Action::Sent { seq, sent } => app.on_sent(seq, *sent),
        Action::Problem(text) => {
            app.say(Tone::Error, text);
            vec![]
        }
        Action::Notice(text) => {
            if app.loaded {
                app.say(Tone::Warning, text);
            } else {
                app.notice = Some(text);
            }
            vec![]
        }
        Action::DraftRead(result) => {
            app.on_draft_read(result);
            vec![]
        }
        Action::ExternalEdited { target, result } => {
            app.on_external(target, result);
            vec![]
        }
        Action::HistoryRead(read) => {
            app.on_history_read(read);
            vec![]
        }
    };
    app.follow_selection();
    let mut effects = effects;
    effects.extend(app.draft_effects());
    effects
}

/// JSON on one line, spaced as the vendor writes it: `{"a": "b", "c": [1, 2]}`.
pub fn json_line(value: &Value) -> String {
    use serde::Serialize as _;
    use std::io::Write;

    struct Spaced;
    impl serde_json::ser::Formatter for Spaced {
        fn begin_array_value<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_key<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
            w.write_all(b": ")
        }
    }

    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Spaced);
    match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| value.to_string()),
        Err(_) => value.to_string(),
    }
}

/// A part of a JSON document that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonChange {
    /// Dotted path, e.g. `A.sms_body`.
    pub path: String,
    /// The part as JSON text; `None` when absent.
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The parts of two JSON documents that differ: objects are compared key by
/// key, anything else whole.
pub fn json_changes(old: &Value, new: &Value) -> Vec<JsonChange> {
    fn walk(old: Option<&Value>, new: Option<&Value>, path: &str, out: &mut Vec<JsonChange>) {
        match (old, new) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
                for key in keys {
                    let inner = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(a.get(key), b.get(key), &inner, out);
                }
            }
            (a, b) if a == b => {}
            (a, b) => out.push(JsonChange {
                path: path.to_string(),
                old: a.map(json_line),
                new: b.map(json_line),
            }),
        }
    }
    let mut out = Vec::new();
    walk(Some(old), Some(new), "", &mut out);
    out
}

/// JSON text pretty-printed for a person to edit; other text as it is.
pub fn pretty_json(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

/// Settings by path, comma-separated.
fn paths(ids: impl Iterator<Item = FieldId>) -> String {
    ids.map(|id| id.path()).collect::<Vec<_>>().join(", ")
}

use crate::text::count;

/// Text on one line (control characters as spaces), cut to `max` display
/// columns, never inside a grapheme.
pub fn short(text: &str, max: usize) -> String {
    let one: String = text
        .chars()
        .map(|c| if crate::text::is_hostile(c) { ' ' } else { c })
        .collect();
    crate::text::fit(&one, max)
}
