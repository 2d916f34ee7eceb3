//! The editor's state and [`update`]: plain Rust, no terminal and no I/O.
//!
//! Terminal events and the results of network tasks come in as [`Action`]s;
//! what should happen outside (a request, a copy, handing the terminal to an
//! editor) goes out as [`Effect`]s for the run loop to carry out.
//!
//! This file holds the state, the mode switch and the dispatch of commands;
//! the rest of `App` is in its children: `browse` (the list), `overlays`
//! (carrying out what an overlay's keys ask), `drafts`, and `requests`
//! (loading and sending, and what is said about them). The settings and
//! edits live in the [`Model`], which alone changes them.

mod browse;
mod drafts;
mod overlays;
mod requests;
mod tenants;

use super::keys::{self, Command, Mode};
use super::layout::{self, Areas};
use super::model::Model;
use super::overlay::confirm::Question;
use super::overlay::conflicts::AfterConflicts;
use super::overlay::draft::DraftOffer;
use super::overlay::edit::TextEdit;
use super::overlay::fleet::FleetView;
use super::overlay::history::HistoryView;
use super::overlay::multi_pick::MultiPick;
use super::overlay::pick::Pick;
use super::overlay::tenants::TenantPick;
use super::overlay::{diff, help};
use super::rows::{self, Row, RowKey};
use super::sms::SmsForm;
use super::theme::Theme;
use super::widgets::{Message, Tone};
use crate::changes::{ChangeSet, Edits};
use crate::schema::{FieldId, Section};
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

pub use super::action::{Action, Effect};

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
    /// A question; for [`Question::RestoreDraft`] the draft is [`App::draft_offer`].
    Confirm(Question),
    /// The keys in conflict (in the model), one highlighted.
    Conflicts {
        cursor: usize,
    },
    Help {
        scroll: usize,
        back: Box<ModeState>,
    },
    History(Box<HistoryView>),
    /// Picking another tenant, to switch to or also send to.
    Tenants(TenantPick),
    /// The pending change planned against other tenants, then their results.
    Fleet(Box<FleetView>),
}

/// What the person has told the guard for the send being confirmed: the
/// typed tenant SID (a protected profile), the typed count (protected
/// tenants of a fleet send) and the reason; `fleet` names the fleet view the
/// send is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignOff {
    pub tenant: Option<String>,
    pub count: Option<usize>,
    /// The number of tenants a fleet send changes, typed to go above
    /// `max_tenants_per_send`.
    pub tenants: Option<usize>,
    /// How many protected tenants the fleet send changes.
    pub protected: usize,
    pub reason: Option<String>,
    pub fleet: Option<u64>,
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

/// What the editor shows and knows. Only [`update`] changes it.
#[derive(Debug, Clone)]
pub struct App {
    /// Profile or tenant label for the title.
    pub title: String,
    /// Said after the title for every tenant (`simulator` in the demo).
    pub title_note: Option<String>,
    /// Where requests go, for messages.
    pub host: String,
    pub mouse: bool,
    pub theme: Theme,
    pub size: (u16, u16),
    /// The settings, the edits, the flags and the conflicts.
    pub model: Model,
    /// Whether the model's base came from the server at least once.
    pub loaded: bool,
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
    pub draft_offer: Option<DraftOffer>,
    /// The edits the draft on disk holds, so it is written only on change.
    saved_edits: Edits,
    pub after_conflicts: AfterConflicts,
    /// What the editor ends with, as the subcommands would for the same
    /// failure: the exit code and words of the last send (or load) that
    /// failed; `None` when the last one did not.
    pub exit: Option<crate::exit::Failure>,
    /// A PUT whose answer was lost: the next read says which of its keys
    /// the server holds.
    after_unknown: Option<ChangeSet>,
    /// The load after a lost answer just said what the server holds: the
    /// warnings of that read (the history entry it settled) are added to
    /// that message, not put in its place.
    told_held: bool,
    /// A [`Action::Notice`] to say once the settings are loaded.
    notice: Option<String>,
    /// Every profile in config.toml, for `P` and "also send to…".
    pub profiles: Vec<String>,
    /// Where each profile points, for the picker's SIDs and same-tenant
    /// warnings.
    pub targets: std::collections::BTreeMap<String, crate::fleet_alias::Target>,
    /// This editor's profile, left out of those lists.
    pub profile: Option<String>,
    /// This profile's mode, label and whether it needs a reason.
    pub guard: crate::guard::ProfileGuard,
    /// Every profile's guard, for the picker.
    pub guards: std::collections::BTreeMap<String, crate::guard::ProfileGuard>,
    /// This run's `--read-only` / `--write`.
    pub locks: crate::guard::RunLocks,
    /// `max_tenants_per_send`: a fleet send above it needs its number typed.
    pub max_tenants_per_send: Option<usize>,
    /// What the guard has been told for the send being confirmed.
    pub sign_off: SignOff,
    /// The fleet view put aside while the guard's question is asked.
    pub held_fleet: Option<Box<FleetView>>,
    /// Which parts of values are secret (built in, and `[secrets]`).
    pub secrets: crate::secrets::Secrets,
    /// `--show-secrets`: nothing is masked.
    pub show_secrets: bool,
    /// The key whose value is shown whole (`R`); ends when the selection
    /// moves.
    pub reveal: Option<crate::schema::FieldId>,
    /// This editor's tenant SID, for the fleet view's row of it.
    pub tenant: Option<String>,
    /// The last fleet view's number: each new view gets the next one.
    fleet_seq: u64,
    /// How far the detail pane is scrolled (`J`/`K`), for long help.
    pub detail_scroll: u16,
    /// The history entry the pending edits roll back (`r` in the history),
    /// until they are sent.
    pub rollback_of: Option<u64>,
    /// This tenant's last send, as a report line.
    pub last_sent: Option<crate::fleet::Outcome>,
    /// Ctrl-C ended the editor.
    pub ctrl_c: bool,
}

/// What [`App::shown`] gives a frame to draw in place of the real state.
#[derive(Debug, Default)]
pub struct Shown {
    pub model: Option<Model>,
    pub history: Option<Box<HistoryView>>,
    pub draft_offer: Option<DraftOffer>,
}

pub fn tab_index(section: Section) -> usize {
    Section::ALL
        .iter()
        .position(|s| *s == section)
        .unwrap_or_default()
}

impl App {
    pub fn new(title: impl Into<String>, host: impl Into<String>, color: bool, mouse: bool) -> App {
        App {
            title: title.into(),
            title_note: None,
            host: host.into(),
            mouse,
            theme: Theme::new(color),
            size: (layout::MIN_WIDTH, layout::MIN_HEIGHT),
            model: Model::default(),
            loaded: false,
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
            draft_offer: None,
            saved_edits: Edits::default(),
            after_conflicts: AfterConflicts::Send,
            exit: None,
            after_unknown: None,
            told_held: false,
            notice: None,
            profiles: Vec::new(),
            targets: std::collections::BTreeMap::new(),
            profile: None,
            guard: crate::guard::ProfileGuard::default(),
            guards: std::collections::BTreeMap::new(),
            max_tenants_per_send: None,
            locks: crate::guard::RunLocks::default(),
            sign_off: SignOff::default(),
            held_fleet: None,
            secrets: crate::secrets::Secrets::default(),
            show_secrets: false,
            reveal: None,
            tenant: None,
            fleet_seq: 0,
            rollback_of: None,
            detail_scroll: 0,
            last_sent: None,
            ctrl_c: false,
        }
    }

    /// Whether the selected value holds a secret that is shown masked.
    pub fn selected_holds_secret(&self) -> bool {
        !self.show_secrets
            && self.selected_field().is_some_and(|id| {
                self.model
                    .value(id)
                    .is_some_and(|v| self.secrets.holds_secret(id, v))
            })
    }

    /// What a frame draws in place of the model, the history view and the
    /// offered draft: copies with their secrets masked, numbered in one
    /// count for the frame (a secret is `••••#1` in the list, the history
    /// and the draft alike, so their `↺`, `!` and `~` marks and old → new
    /// pairs still tell values apart); the revealed key (`R`) is shown
    /// whole, but not in the history. `None` for what is not masked: all
    /// of it with `--show-secrets`, a model holding no secret, a view not
    /// open.
    pub fn shown(&self) -> Shown {
        if self.show_secrets {
            return Shown::default();
        }
        let mut tags = crate::secrets::Tags::default();
        // `R` shows the selected value, in the list and the detail pane;
        // the history, which covers both, shows that key's older values:
        // masked.
        let history = matches!(self.mode, ModeState::History(_));
        let reveal = self
            .reveal
            .filter(|id| !history && self.selected_field() == Some(*id));
        let secrets = &self.secrets;
        let mut mask = |id: FieldId, value: &str| {
            if reveal == Some(id) {
                return value.to_string();
            }
            secrets.mask_tagged(id, value, &mut tags)
        };
        let mut any = false;
        let mut model = self.model.shown(&mut |id, value| {
            let masked = mask(id, value);
            any |= masked != value;
            masked
        });
        // Whether a value is valid is the real value's to say: the masked
        // text can hide what is wrong (a space in a token) or look wrong
        // itself. The keys are the same; the words are scrubbed.
        if any {
            let scrub = |problems: &[crate::changes::Problem]| -> Vec<crate::changes::Problem> {
                problems
                    .iter()
                    .map(|problem| crate::changes::Problem {
                        id: problem.id,
                        message: self.scrubbed(problem.message.clone()),
                    })
                    .collect()
            };
            let real = self.model.changes();
            model.replace_findings(scrub(&real.problems), scrub(&real.warnings));
        }
        let history = match &self.mode {
            ModeState::History(view) => Some(Box::new(view.shown(&mut mask))),
            _ => None,
        };
        let draft_offer = self
            .draft_offer
            .as_ref()
            .map(|offer| offer.shown(&mut mask));
        Shown {
            model: any.then_some(model),
            history,
            draft_offer,
        }
    }

    /// Where a send goes, for every question and every "Saved" line:
    /// `demo (tenant exoset-demo-1 at 127.0.0.1)`; the host alone is the
    /// same for every tenant of a server. Safe for a terminal.
    pub fn target(&self) -> String {
        let safe = |s: &str| crate::text::safe(s).into_owned();
        match (&self.profile, &self.tenant) {
            (Some(profile), Some(tenant)) => format!(
                "{} (tenant {} at {})",
                safe(profile),
                safe(tenant),
                safe(&self.host)
            ),
            (None, Some(tenant)) => format!("tenant {} at {}", safe(tenant), safe(&self.host)),
            (Some(profile), None) => format!("{} at {}", safe(profile), safe(&self.host)),
            (None, None) => safe(&self.host),
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
            ModeState::Confirm(Question::RestoreDraft) => Mode::DraftOffer,
            ModeState::Confirm(_) => Mode::Confirm,
            ModeState::Conflicts { .. } => Mode::Conflicts,
            ModeState::Help { .. } => Mode::Help,
            ModeState::History(view) if view.open.is_some() => Mode::HistoryEntry,
            ModeState::History(_) => Mode::History,
            // Typing its filter: the filter line's keys.
            ModeState::Tenants(pick) if pick.typing => Mode::Filter,
            ModeState::Tenants(_) => Mode::Tenants,
            ModeState::Fleet(_) => Mode::Fleet,
        }
    }

    pub fn busy(&self) -> bool {
        self.request.is_some()
    }

    /// Whether an action cannot change anything: a key no binding claims
    /// outside text entry, the mouse when not asked for, a stale answer.
    fn ignores(&self, action: &Action) -> bool {
        let typing = matches!(self.mode, ModeState::Filter(_) | ModeState::Edit(_))
            || matches!(&self.mode, ModeState::Tenants(pick) if pick.typing);
        if self.too_small() {
            // Behind the too-small notice only q and Ctrl-C act.
            match action {
                Action::Key(key) => return !self.quits_while_small(key),
                Action::Paste(_) | Action::Mouse(_) => return true,
                _ => {}
            }
        }
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
            | Action::ExternalEdited { .. }
            | Action::HistoryRead(_) => false,
            // A message for a view since closed is dropped, never taken
            // for a newer view's.
            Action::FleetOpened { view, .. }
            | Action::FleetPlanned { view, .. }
            | Action::FleetResult { view, .. }
            | Action::FleetSent { view, .. } => {
                !matches!(&self.mode, ModeState::Fleet(open) if open.id == *view)
            }
        }
    }

    // ----- what the view asks -----

    pub fn rows(&self) -> Vec<Row> {
        rows::rows(self.model.base(), self.tab, &self.filter)
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
        self.model.value(id)
    }

    /// Why a field stops a send, if it does.
    pub fn problem(&self, id: FieldId) -> Option<&str> {
        self.model.problem(id)
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
            // In the fleet view Esc is the view's (its box says what it
            // does): one word for it on screen.
            let esc = if matches!(self.mode, ModeState::Fleet(_)) {
                ""
            } else {
                " (Esc cancels)"
            };
            out.push((Tone::Info, format!("{frame} {what}{esc}")));
        }
        if let Some(message) = &self.message {
            out.push((message.tone, message.text.clone()));
        }
        if out.is_empty() {
            let changes = self.model.changes();
            let pending = changes.changed().count();
            let text = match (pending, changes.problems.len()) {
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

    /// The help covers the body and the status lines.
    pub fn help_area(&self) -> Rect {
        let areas = self.areas();
        let mut area = areas.body;
        area.height += areas.status.height;
        area
    }

    /// How many scroll positions the diff or help overlay has: one for each
    /// first line that still leaves the box full. Counted from the state;
    /// the overlay clamps its scroll again where it is drawn.
    pub fn overlay_len(&self) -> usize {
        match &self.mode {
            ModeState::Help { .. } => help::scroll_len(&self.theme, self.mouse, self.help_area()),
            _ => diff::scroll_len(&self.theme, &self.model, self.areas().body),
        }
    }

    /// The title of a tab, with its counts of changes and problems.
    pub fn tab_title(&self, section: Section) -> String {
        let changed = self
            .model
            .edits()
            .iter()
            .filter(|(id, _)| id.setting().section == section)
            .count();
        let invalid = self
            .model
            .changes()
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

    fn say(&mut self, tone: Tone, text: impl Into<String>) {
        let text = self.scrubbed(text.into());
        self.message = Some(Message {
            tone,
            text,
            about: None,
        });
    }

    /// `text` (a server's message, a refusal) with the secrets of every
    /// value the model holds (loaded, edited, in a flag) masked wherever
    /// they occur, unless `--show-secrets`.
    fn scrubbed(&self, text: String) -> String {
        if self.show_secrets {
            return text;
        }
        self.secrets.mask_in_text(&text, self.model.held())
    }

    /// Sets what the editor ends with, its words scrubbed as the status
    /// line's are: they are printed once the terminal is given back, where
    /// the subcommands' scrub knows none of the editor's values.
    fn exit_with(&mut self, failure: crate::exit::Failure) {
        let message = self.scrubbed(failure.message);
        self.exit = Some(crate::exit::Failure { message, ..failure });
    }

    // ----- keys -----

    /// The mode switch: a command goes to the handler of the mode it came in.
    fn command(&mut self, command: Command) -> Vec<Effect> {
        self.told_held = false;
        if command == Command::QuitNow {
            self.quit = true;
            self.ctrl_c = true;
            return vec![Effect::Quit];
        }
        match self.mode() {
            Mode::Browse => {
                // A reveal (`R`) ends when the selection moves, for good:
                // coming back shows the value masked again.
                let before = self.selected_field();
                let effects = self.browse(command);
                if self.selected_field() != before {
                    self.reveal = None;
                }
                effects
            }
            Mode::Filter => {
                let page = self.page();
                match &mut self.mode {
                    ModeState::Tenants(pick) => pick.filter_command(command, page),
                    _ => self.filter_command(command),
                }
                vec![]
            }
            Mode::EditText | Mode::EditLines => self.edit_command(command),
            Mode::Pick => self.pick_command(command),
            Mode::MultiPick => {
                self.multi_command(command);
                vec![]
            }
            Mode::SmsForm => self.form_command(command),
            Mode::Diff => self.diff_command(command),
            Mode::Confirm => self.confirm_command(command),
            Mode::DraftOffer => self.draft_command(command),
            Mode::Conflicts => self.conflicts_command(command),
            Mode::Help => {
                self.help_command(command);
                vec![]
            }
            Mode::History | Mode::HistoryEntry => self.history_command(command),
            Mode::Tenants => self.tenants_command(command),
            Mode::Fleet => self.fleet_command(command),
        }
    }
}

/// Applies an action to the state; returns the work to do outside.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if app.ignores(&action) {
        return vec![];
    }
    app.redraw = true;
    let effects = match action {
        Action::Key(key) if app.too_small() => app.quit_while_small(&key),
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
            match app.message.as_ref().filter(|_| app.told_held) {
                Some(told) => {
                    let joined = format!("{} {}.", told.text, text.trim_end_matches('.'));
                    app.say(Tone::Warning, joined);
                }
                None => app.say(Tone::Error, text),
            }
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
        Action::FleetOpened { view, members } => {
            app.on_fleet(view, |v| v.members = members);
            vec![]
        }
        Action::FleetPlanned { view, plans } => {
            app.on_fleet(view, |v| v.planned(plans));
            vec![]
        }
        Action::FleetResult {
            view,
            index,
            outcome,
        } => {
            app.on_fleet(view, |v| v.result(index, *outcome));
            vec![]
        }
        Action::FleetSent { view, outcomes } => {
            app.on_fleet(view, |v| v.fleet_sent(outcomes));
            vec![]
        }
    };
    app.follow_selection();
    app.forget_stale_message();
    let mut effects = effects;
    effects.extend(app.draft_effects());
    effects
}

/// Settings by path, comma-separated.
fn paths(ids: impl Iterator<Item = FieldId>) -> String {
    ids.map(|id| id.path()).collect::<Vec<_>>().join(", ")
}

use crate::text::count;
