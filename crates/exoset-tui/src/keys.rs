//! The bindings table: every key the editor answers, in every mode.
//!
//! Key handling ([`lookup`]), the key bar and the `?` help all read
//! [`BINDINGS`], so they cannot disagree about what a key does.

use crate::schema::Section;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What the editor is doing, as far as keys are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The list of settings.
    Browse,
    /// Typing a filter after `/`.
    Filter,
    /// Editing a one-line value in place.
    EditText,
    /// Editing a multi-line value (raw JSON, an SMS body).
    EditLines,
    /// Picking one value from a list.
    Pick,
    /// Choosing any number of values from a list (`on_status`).
    MultiPick,
    /// The `sms_config` sub-form.
    SmsForm,
    /// The pending diff.
    Diff,
    /// A yes/no question (send, quit, reload).
    Confirm,
    /// The draft found at start: its changes listed, restore or discard.
    DraftOffer,
    /// Keys changed both here and on the server: pick mine or theirs per key.
    Conflicts,
    /// The `?` help.
    Help,
    /// The history of changes sent.
    History,
    /// One entry of the history: its keys old → new, and rollback.
    HistoryEntry,
    /// Picking another profile's tenant (`P`), or several to also send to.
    Tenants,
    /// The same change planned against other tenants, then their results.
    Fleet,
}

impl Mode {
    pub const ALL: &'static [Mode] = &[
        Mode::Browse,
        Mode::Filter,
        Mode::EditText,
        Mode::EditLines,
        Mode::Pick,
        Mode::MultiPick,
        Mode::SmsForm,
        Mode::Diff,
        Mode::Confirm,
        Mode::DraftOffer,
        Mode::Conflicts,
        Mode::Help,
        Mode::History,
        Mode::HistoryEntry,
        Mode::Tenants,
        Mode::Fleet,
    ];

    /// The heading this mode's keys sit under in the help.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Browse => "Settings list",
            Mode::Filter => "Filter",
            Mode::EditText => "Editing a value",
            Mode::EditLines => "Editing several lines",
            Mode::Pick => "Picking a value",
            Mode::MultiPick => "Choosing several values",
            Mode::SmsForm => "SMS configuration form",
            Mode::Diff => "Pending changes",
            Mode::Confirm => "Question",
            Mode::DraftOffer => "Draft found at start",
            Mode::Conflicts => "Conflicts with the server",
            Mode::Help => "Help",
            Mode::History => "History of changes sent",
            Mode::HistoryEntry => "A history entry",
            Mode::Tenants => "Other tenants",
            Mode::Fleet => "Also sending to other tenants",
        }
    }
}

/// A named thing a key does; `update` reacts to these, never to raw keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    QuitNow,
    Quit,
    ShowTab(Section),
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Edit,
    Toggle,
    Revert,
    Filter,
    ShowDiff,
    Submit,
    Reload,
    Copy,
    /// Show the selected value's secrets whole until the selection moves.
    Reveal,
    ExternalEdit,
    Help,
    /// Esc in the list: cancel a request in flight, else clear the filter.
    Cancel,
    FilterDone,
    FilterClear,
    /// Keep the text being edited, valid or not.
    Keep,
    Newline,
    /// Leave the text edit; the field keeps what it had.
    Discard,
    Choose,
    /// Space in a multi-select.
    Mark,
    /// Leave an overlay (diff, help, form, pick).
    Close,
    Yes,
    No,
    /// In the conflict view: keep my edit of the highlighted key.
    KeepMine,
    /// In the conflict view: drop my edit, take the server's value.
    TakeTheirs,
    KeepAllMine,
    TakeAllTheirs,
    /// In the conflict view: apply the choices (all must be made).
    Resolve,
    /// Open the history of changes sent.
    History,
    /// Show the highlighted history entry.
    ShowEntry,
    /// Turn the history entry shown into pending edits.
    Rollback,
    // Readline, in every text field.
    /// Go to the start of the line.
    LineStart,
    /// Go to the end of the line.
    LineEnd,
    /// Delete from the cursor to the start of the line.
    DeleteToStart,
    /// Delete from the cursor to the end of the line.
    DeleteToEnd,
    /// Delete the word before the cursor.
    DeleteWordBack,
    /// Undo the last change to the text.
    Undo,
    /// Open the picker of the other profiles' tenants.
    Tenants,
    /// In the send question: also send the change to other tenants.
    AlsoSend,
    /// Scroll the detail pane (long help on a short screen).
    DetailDown,
    DetailUp,
    /// In the list of tenants to also send to: tick every one (or, when all
    /// are ticked, none).
    MarkAll,
}

/// One key: a code and the modifiers that must be held (Shift is ignored for
/// characters, since it is already in the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPress {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn key(code: KeyCode) -> KeyPress {
    KeyPress {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> KeyPress {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> KeyPress {
    KeyPress {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn alt(code: KeyCode) -> KeyPress {
    KeyPress {
        code,
        mods: KeyModifiers::ALT,
    }
}

impl KeyPress {
    /// The key as a person reads it: `Ctrl-S`, `Shift-Tab`, `↑`, `Space`.
    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{name}")
        } else if self.mods.contains(KeyModifiers::ALT) {
            format!("Alt-{name}")
        } else {
            name
        }
    }

    /// Whether a key event from the terminal is this key.
    pub fn matches(self, event: &KeyEvent) -> bool {
        let mut mods = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            // Some terminals report Shift-Tab as Tab with Shift.
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        if let (KeyCode::Char(a), KeyCode::Char(b)) = (code, self.code) {
            // Ctrl-S arrives as 's' or 'S' depending on the terminal.
            if mods.contains(KeyModifiers::CONTROL) {
                mods &= !KeyModifiers::SHIFT;
                return mods == self.mods && a.eq_ignore_ascii_case(&b);
            }
            return mods == self.mods && a == b;
        }
        code == self.code && mods == self.mods
    }
}

/// A row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: &'static [KeyPress],
    pub command: Command,
    /// What the key does, for the `?` help.
    pub help: &'static str,
    /// A word or two for the key bar; `None` keeps the key to the help.
    pub bar: Option<&'static str>,
}

impl Binding {
    /// The keys as a person reads them, e.g. `↑/k`.
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/")
    }
}

use Command as C;
use Mode as M;

const fn bind(
    modes: &'static [Mode],
    keys: &'static [KeyPress],
    command: Command,
    help: &'static str,
    bar: Option<&'static str>,
) -> Binding {
    Binding {
        modes,
        keys,
        command,
        help,
        bar,
    }
}

const UP: &[KeyPress] = &[key(KeyCode::Up), ch('k')];
const DOWN: &[KeyPress] = &[key(KeyCode::Down), ch('j')];
const LISTS: &[Mode] = &[
    M::Browse,
    M::Pick,
    M::MultiPick,
    M::SmsForm,
    M::Diff,
    M::DraftOffer,
    M::Conflicts,
    M::Help,
];
/// Every mode with a text field: they all follow readline.
const TEXT: &[Mode] = &[M::Filter, M::EditText, M::EditLines];

/// Every key, in the order the key bar and the help show them.
pub static BINDINGS: &[Binding] = &[
    bind(
        Mode::ALL,
        &[ctrl('c')],
        C::QuitNow,
        "quit at once, without asking",
        None,
    ),
    // The settings list.
    bind(
        &[M::Browse],
        &[key(KeyCode::Enter)],
        C::Edit,
        "edit: toggle a bool, pick an enum, type text, open a sub-form",
        Some("edit"),
    ),
    bind(
        &[M::Browse],
        &[ch(' ')],
        C::Toggle,
        "toggle a bool or step an enum to its next value",
        Some("toggle"),
    ),
    bind(
        &[M::Browse],
        &[ch('u')],
        C::Revert,
        "revert the field to its loaded value",
        Some("revert"),
    ),
    bind(
        &[M::Browse],
        &[ch('/')],
        C::Filter,
        "filter fields by label or key",
        Some("filter"),
    ),
    bind(
        &[M::Browse],
        &[ch('d')],
        C::ShowDiff,
        "show the pending changes",
        Some("diff"),
    ),
    bind(
        &[M::Browse, M::Diff],
        &[ch('s'), ctrl('s')],
        C::Submit,
        "send: show the changes and ask to confirm",
        Some("send"),
    ),
    bind(
        &[M::Browse],
        &[ch('q')],
        C::Quit,
        "quit (asks when changes are pending)",
        Some("quit"),
    ),
    bind(
        &[M::Browse],
        &[ch('e')],
        C::ExternalEdit,
        "edit the value in $VISUAL / $EDITOR",
        Some("$EDITOR"),
    ),
    bind(
        &[M::Browse],
        &[ch('y')],
        C::Copy,
        "copy the value to the clipboard (OSC 52, works over SSH)",
        Some("copy"),
    ),
    bind(
        &[M::Browse],
        &[ch('R')],
        C::Reveal,
        "show the secrets of the selected value (masked as •••• otherwise) until the selection moves",
        Some("reveal"),
    ),
    bind(
        &[M::Browse],
        &[ch('r')],
        C::Reload,
        "reload the settings from the server",
        Some("reload"),
    ),
    bind(
        &[M::Browse],
        &[key(KeyCode::Tab)],
        C::NextTab,
        "next pane",
        Some("pane"),
    ),
    bind(
        &[M::Browse],
        &[key(KeyCode::BackTab)],
        C::PrevTab,
        "previous pane",
        None,
    ),
    bind(
        &[M::Browse],
        &[ch('1')],
        C::ShowTab(Section::Greenvn),
        "GreenVN pane",
        None,
    ),
    bind(
        &[M::Browse],
        &[ch('2')],
        C::ShowTab(Section::Greenpin),
        "GreenPin pane",
        None,
    ),
    bind(
        &[M::Browse],
        &[ch('3')],
        C::ShowTab(Section::Common),
        "Common pane",
        None,
    ),
    bind(
        &[M::Browse],
        &[key(KeyCode::Esc)],
        C::Cancel,
        "cancel the request in flight, else clear the filter",
        Some("cancel"),
    ),
    bind(
        &[M::Browse, M::SmsForm, M::Diff, M::Conflicts],
        &[ch('?')],
        C::Help,
        "show every key",
        Some("help"),
    ),
    bind(
        &[M::Browse],
        &[ch('J')],
        C::DetailDown,
        "scroll the detail pane down, when its text is longer than the pane",
        Some("more"),
    ),
    bind(
        &[M::Browse],
        &[ch('K')],
        C::DetailUp,
        "scroll the detail pane back up",
        None,
    ),
    // Moving, wherever there is a list.
    bind(LISTS, UP, C::Up, "move up", None),
    bind(LISTS, DOWN, C::Down, "move down", None),
    bind(LISTS, &[key(KeyCode::PageUp)], C::PageUp, "page up", None),
    bind(
        LISTS,
        &[key(KeyCode::PageDown)],
        C::PageDown,
        "page down",
        None,
    ),
    bind(
        LISTS,
        &[key(KeyCode::Home), ch('g')],
        C::First,
        "first",
        None,
    ),
    bind(LISTS, &[key(KeyCode::End), ch('G')], C::Last, "last", None),
    // The filter line.
    bind(
        &[M::Filter],
        &[key(KeyCode::Enter)],
        C::FilterDone,
        "keep the filter and go back to the list",
        Some("keep"),
    ),
    bind(
        &[M::Filter],
        &[key(KeyCode::Esc)],
        C::FilterClear,
        "clear the filter",
        Some("clear"),
    ),
    bind(
        &[M::Filter],
        &[key(KeyCode::Up)],
        C::Up,
        "move up while filtering",
        None,
    ),
    bind(
        &[M::Filter],
        &[key(KeyCode::Down)],
        C::Down,
        "move down while filtering",
        None,
    ),
    // Readline, in every text field.
    bind(
        TEXT,
        &[ctrl('a')],
        C::LineStart,
        "go to the start of the line",
        None,
    ),
    bind(
        TEXT,
        &[ctrl('e')],
        C::LineEnd,
        "go to the end of the line",
        None,
    ),
    bind(
        TEXT,
        &[ctrl('u')],
        C::DeleteToStart,
        "delete to the start of the line",
        None,
    ),
    bind(
        TEXT,
        &[ctrl('k')],
        C::DeleteToEnd,
        "delete to the end of the line",
        None,
    ),
    bind(
        TEXT,
        &[ctrl('w')],
        C::DeleteWordBack,
        "delete the word before the cursor",
        None,
    ),
    bind(
        TEXT,
        &[ctrl('z')],
        C::Undo,
        "undo the last change to the text",
        None,
    ),
    // Text editing.
    bind(
        &[M::EditText, M::EditLines],
        &[key(KeyCode::Enter)],
        C::Keep,
        "keep the text, even when invalid (it is marked and stops a send)",
        Some("keep"),
    ),
    bind(
        &[M::EditLines],
        &[alt(KeyCode::Enter), ctrl('j')],
        C::Newline,
        "start a new line",
        Some("new line"),
    ),
    bind(
        &[M::EditText, M::EditLines],
        &[key(KeyCode::Esc)],
        C::Discard,
        "cancel the edit; the field keeps its value",
        Some("cancel"),
    ),
    // Picking.
    bind(
        &[M::Pick],
        &[key(KeyCode::Enter), ch(' ')],
        C::Choose,
        "take the highlighted value",
        Some("choose"),
    ),
    bind(
        &[M::MultiPick],
        &[ch(' ')],
        C::Mark,
        "tick or untick the highlighted value",
        Some("tick"),
    ),
    bind(
        &[M::MultiPick],
        &[key(KeyCode::Enter)],
        C::Choose,
        "keep the ticked values",
        Some("keep"),
    ),
    bind(
        &[M::Pick, M::MultiPick],
        &[key(KeyCode::Esc)],
        C::Close,
        "cancel; the field keeps its value",
        Some("cancel"),
    ),
    // The sms_config form.
    bind(
        &[M::SmsForm],
        &[key(KeyCode::Enter)],
        C::Edit,
        "edit the highlighted part",
        Some("edit"),
    ),
    bind(
        &[M::SmsForm],
        &[ch(' ')],
        C::Toggle,
        "toggle sms_enabled, or choose on_status",
        Some("toggle"),
    ),
    bind(
        &[M::SmsForm],
        &[ch('e')],
        C::ExternalEdit,
        "edit the highlighted text, or else the whole document, in $EDITOR",
        Some("$EDITOR"),
    ),
    bind(
        &[M::SmsForm],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "close the form (what you changed is kept; u on the row reverts it)",
        Some("close"),
    ),
    // The diff.
    bind(
        &[M::Diff, M::Help],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "close",
        Some("close"),
    ),
    bind(&[M::Diff], &[ch('d')], C::Close, "close the diff", None),
    bind(&[M::Help], &[ch('?')], C::Close, "close the help", None),
    // Conflicts with the server, found before a send or on restoring a draft.
    bind(
        &[M::Conflicts],
        &[ch('m')],
        C::KeepMine,
        "keep mine: my edit of the highlighted key goes over the server's value",
        Some("mine"),
    ),
    bind(
        &[M::Conflicts],
        &[ch('t')],
        C::TakeTheirs,
        "take theirs: drop my edit of the highlighted key, keep the server's value",
        Some("theirs"),
    ),
    bind(
        &[M::Conflicts],
        &[ch('M')],
        C::KeepAllMine,
        "keep mine for every key",
        Some("all mine"),
    ),
    bind(
        &[M::Conflicts],
        &[ch('T')],
        C::TakeAllTheirs,
        "take theirs for every key",
        Some("all theirs"),
    ),
    bind(
        &[M::Conflicts],
        &[key(KeyCode::Enter), ch('s')],
        C::Resolve,
        "apply the choices (each key needs one), then confirm the send",
        Some("apply"),
    ),
    bind(
        &[M::Conflicts],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "leave without sending; the keys stay marked ~ and s asks again",
        Some("back"),
    ),
    // Questions.
    bind(
        &[M::Confirm],
        &[ch('y')],
        C::Yes,
        "yes: send, quit or reload",
        Some("yes"),
    ),
    bind(
        &[M::Confirm],
        &[ch('n'), key(KeyCode::Esc)],
        C::No,
        "no: back out",
        Some("no"),
    ),
    bind(
        &[M::DraftOffer],
        &[ch('y')],
        C::Yes,
        "restore the draft over the settings just loaded",
        Some("restore"),
    ),
    bind(
        &[M::DraftOffer],
        &[ch('n')],
        C::No,
        "discard the draft (it is set aside, not deleted)",
        Some("discard"),
    ),
    bind(
        &[M::DraftOffer],
        &[key(KeyCode::Esc)],
        C::Close,
        "decide later: the draft stays and is offered at the next start",
        Some("later"),
    ),
    // The history of changes sent.
    bind(
        &[M::Browse],
        &[ch('H')],
        C::History,
        "history of changes sent; roll one back",
        Some("history"),
    ),
    bind(
        &[M::History],
        &[key(KeyCode::Enter)],
        C::ShowEntry,
        "show the entry's keys, old → new, and offer rollback",
        Some("open"),
    ),
    bind(
        &[M::HistoryEntry],
        &[ch('r')],
        C::Rollback,
        "roll back: put the old values back as pending edits (nothing is sent; d shows, s sends)",
        Some("roll back"),
    ),
    bind(&[M::History], UP, C::Up, "previous (newer) entry", None),
    bind(&[M::History], DOWN, C::Down, "next (older) entry", None),
    bind(&[M::HistoryEntry], UP, C::Up, "previous key", None),
    bind(&[M::HistoryEntry], DOWN, C::Down, "next key", None),
    bind(
        &[M::History],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "close the history",
        Some("close"),
    ),
    bind(
        &[M::HistoryEntry],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "back to the list of entries",
        Some("back"),
    ),
    // Other tenants: switch, or also send to them.
    bind(
        &[M::Browse],
        &[ch('P')],
        C::Tenants,
        "switch to another profile's tenant (pending edits stay as this one's draft)",
        Some("profiles"),
    ),
    bind(
        &[M::Confirm],
        &[ch('a')],
        C::AlsoSend,
        "in the send question: also send this change to other profiles' tenants",
        None,
    ),
    bind(&[M::Tenants, M::Fleet], UP, C::Up, "previous", None),
    bind(&[M::Tenants, M::Fleet], DOWN, C::Down, "next", None),
    bind(
        &[M::Tenants, M::Fleet],
        &[key(KeyCode::PageUp)],
        C::PageUp,
        "a page of tenants up",
        None,
    ),
    bind(
        &[M::Tenants, M::Fleet],
        &[key(KeyCode::PageDown)],
        C::PageDown,
        "a page of tenants down",
        None,
    ),
    bind(
        &[M::Tenants, M::Fleet],
        &[key(KeyCode::Home), ch('g')],
        C::First,
        "the first tenant",
        None,
    ),
    bind(
        &[M::Tenants, M::Fleet],
        &[key(KeyCode::End), ch('G')],
        C::Last,
        "the last tenant",
        None,
    ),
    bind(
        &[M::Fleet],
        &[key(KeyCode::Enter)],
        C::Choose,
        "show the highlighted tenant in full: its whole diff, why it is left out, its result \
         (Esc back)",
        Some("details"),
    ),
    bind(
        &[M::Tenants],
        &[ch(' ')],
        C::Mark,
        "when also sending: tick or untick the tenant",
        Some("tick"),
    ),
    bind(
        &[M::Tenants],
        &[ch('/')],
        C::Filter,
        "filter the tenants by profile name or SID (Enter keeps it, Esc clears it)",
        Some("filter"),
    ),
    bind(
        &[M::Tenants],
        &[ch('A')],
        C::MarkAll,
        "when also sending: tick every tenant shown (again: untick them)",
        Some("tick all"),
    ),
    bind(
        &[M::Tenants],
        &[key(KeyCode::Enter)],
        C::Choose,
        "switch to the tenant, or plan the change on the ticked ones",
        Some("choose"),
    ),
    bind(
        &[M::Fleet],
        &[ch('y')],
        C::Yes,
        "send: to this tenant and to every other one planned ready",
        Some("send all"),
    ),
    bind(
        &[M::Tenants, M::Fleet],
        &[key(KeyCode::Esc), ch('q')],
        C::Close,
        "close the list of tenants",
        Some("close"),
    ),
];

/// The command a key event means in a mode, if any.
pub fn lookup(mode: Mode, event: &KeyEvent) -> Option<Command> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .filter(|b| b.modes.contains(&mode))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.command)
}

/// The bindings that apply in a mode, in table order.
pub fn for_mode(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.modes.contains(&mode))
}

/// The help text, generated from the table: one section per mode.
/// Keys bound in every mode are listed once, under "Everywhere".
pub fn help_lines() -> Vec<(Option<&'static str>, String, &'static str)> {
    let everywhere = |b: &Binding| b.modes.len() == Mode::ALL.len();
    let mut out = vec![(Some("Everywhere"), String::new(), "")];
    for b in BINDINGS.iter().filter(|b| everywhere(b)) {
        out.push((None, b.keys_label(), b.help));
    }
    for &mode in Mode::ALL {
        out.push((Some(mode.title()), String::new(), ""));
        for b in for_mode(mode).filter(|b| !everywhere(b)) {
            out.push((None, b.keys_label(), b.help));
        }
    }
    out
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
