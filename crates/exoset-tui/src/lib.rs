//! The full-screen editor.
//!
//! Data flows one way: a terminal event or a task's result becomes an
//! [`Action`]; [`update`] changes the [`App`] and returns [`Effect`]s; the run
//! loop here carries them out on tokio tasks, whose results come back as
//! actions; the screen is drawn from the state when something happened.

mod action;
mod ansi16;
mod app;
mod ascii;
mod driver;
mod ending;
mod keys;
mod layout;
mod model;
mod overlay;
mod rows;
mod sms;
mod tasks;
mod terminal;
mod theme;
pub mod view;
mod widgets;

#[cfg(test)]
mod tests;

pub use app::{Action, App, Effect, update};
pub use terminal::{EventSource, TerminalEvents, osc52};

pub(crate) use driver::{Driver, Switches};

use terminal::Console;

// The engine's and the core's modules, under the names the editor's modules
// use (`crate::session`, `crate::schema`, …).
use exoset_core::{changes, exit, schema, secrets, settings, text, validate};
use exoset_engine::{api, auth, fleet, fleet_alias, guard, runtime, session, store};

use crate::api::Client;
use crate::exit::Failure;
use crate::fleet::Member;
use crate::store::StateDir;
use crossterm::event::EventStream;
use futures_util::FutureExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Write};

/// How to open the editor.
#[derive(Debug, Clone)]
pub struct EditorOptions {
    /// The profile or tenant shown in the title, e.g. `demo` or `acme (staging)`.
    pub title: String,
    /// Capture the mouse (click a tab or a row, scroll). Off by default: it
    /// takes the terminal's own drag-to-select away, which SSH users rely on.
    pub mouse: bool,
    /// Use colours; `EditorOptions::new` turns them off when `NO_COLOR` is set.
    pub color: bool,
    /// Where this profile and tenant keep their draft, history and last read.
    /// `None` (the demo, tests) keeps nothing on disk.
    pub state: Option<EditorState>,
    /// Every profile, for `P` (switch tenant) and "also send to…"; and how
    /// to open sessions on them. Empty: neither is offered.
    pub profiles: Vec<String>,
    /// Where each profile points (tenant SID and the tenant it reaches), as
    /// its settings say: the picker shows the SID and warns of profiles on
    /// the same tenant. May be empty.
    pub targets: std::collections::BTreeMap<String, fleet_alias::Target>,
    /// Said after every tenant's title, through `P` too: `simulator` in
    /// the demo.
    pub title_note: Option<String>,
    pub connector: Option<Connector>,
    /// The profile's mode, label and whether it needs a reason.
    pub guard: crate::guard::ProfileGuard,
    /// This run's `--read-only` and `--write`: every send passes the guard.
    pub locks: crate::guard::RunLocks,
    /// Every profile's guard, for `P` (its mode and label).
    pub guards: std::collections::BTreeMap<String, crate::guard::ProfileGuard>,
    /// Which parts of values are secret, and `--show-secrets`.
    pub secrets: crate::secrets::Secrets,
    pub show_secrets: bool,
    /// `max_tenants_per_send` from config.toml: "also send to…" above it
    /// asks for the number of tenants to be typed.
    pub max_tenants_per_send: Option<usize>,
}

/// Opens sessions on profiles' tenants (each, or why not), as the fleet
/// subcommands do; given by whoever opens the editor, so the editor needs
/// to know nothing of credentials.
#[derive(Clone)]
pub struct Connector(pub std::sync::Arc<ConnectFn>);

/// Profile names in, a session on each one's tenant (or why not) out.
pub type ConnectFn = dyn Fn(&[String]) -> Vec<Member> + Send + Sync;

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connector")
    }
}

impl EditorOptions {
    pub fn new(title: impl Into<String>) -> EditorOptions {
        EditorOptions {
            title: title.into(),
            mouse: false,
            color: color_allowed(),
            state: None,
            profiles: Vec::new(),
            targets: std::collections::BTreeMap::new(),
            title_note: None,
            connector: None,
            guard: crate::guard::ProfileGuard::default(),
            locks: crate::guard::RunLocks::default(),
            guards: std::collections::BTreeMap::new(),
            secrets: crate::secrets::Secrets::default(),
            show_secrets: false,
            max_tenants_per_send: None,
        }
    }
}

/// The on-disk state the editor keeps, as the subcommands do: the draft of
/// unsent edits (offered at the next start), the history of successful PUTs
/// and the last read.
#[derive(Debug, Clone)]
pub struct EditorState {
    pub dir: StateDir,
    pub profile: String,
    pub tenant: String,
    /// History entries to keep.
    pub history_keep: usize,
}

/// Whether colours are allowed: `NO_COLOR` unset or empty (no-color.org).
pub fn color_allowed() -> bool {
    color_allowed_by(std::env::var_os("NO_COLOR").as_deref())
}

/// [`color_allowed`] for a given `NO_COLOR` value.
fn color_allowed_by(no_color: Option<&std::ffi::OsStr>) -> bool {
    no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
#[test]
fn no_color_is_read_as_no_color_org_says() {
    use std::ffi::OsStr;
    assert!(color_allowed_by(None));
    assert!(color_allowed_by(Some(OsStr::new(""))), "empty is unset");
    for set in ["1", "0", "false", "no", "yes", " "] {
        assert!(!color_allowed_by(Some(OsStr::new(set))), "NO_COLOR={set:?}");
    }
    let app = App::new("t", "h", color_allowed_by(Some(OsStr::new("1"))), false);
    assert!(!app.theme.color);
}

/// Opens the editor on `client`'s tenant and runs it until the person quits.
/// Must not be called from inside a tokio runtime: it builds its own.
pub fn run(client: Client, options: EditorOptions) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the editor needs a terminal; for scripts use `exoset get`, `set` or `apply`",
        ));
    }
    let runtime = runtime()
        .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
    // While the editor holds the screen, a token_command (`P`, "also send
    // to…") may neither prompt on it nor write over it.
    let off_terminal = auth::keep_commands_off_terminal();
    let result = runtime.block_on(run_on_terminal(client, options));
    // A profile still being opened is not waited for: its token_command is
    // stopped, and a lookup stuck on a dead resolver ends with the process.
    auth::stop_token_commands();
    exoset_engine::shut_down(runtime);
    drop(off_terminal);
    result
}

async fn run_on_terminal(client: Client, options: EditorOptions) -> Result<(), Failure> {
    let host = client.url().host_str().unwrap_or("the server").to_string();
    let console = Console::enter(options.mouse).map_err(terminal_failure)?;
    // The 16 basic colours go out in their classic forms (see `ansi16`).
    let backend = CrosstermBackend::new(ansi16::Ansi16::new(io::stdout()));
    // A locale that is not UTF-8 (LANG=C) gets ASCII lines and dashes.
    let not_utf8 = ascii::locale_is_not_utf8(|name| std::env::var(name).ok());
    let backend = ascii::Ascii::new(backend, not_utf8);
    let terminal = Terminal::new(backend).map_err(terminal_failure)?;
    let mut driver = Driver {
        terminal,
        events: TerminalEvents(Some(EventStream::new())),
        clipboard: io::stdout(),
        console: Some(console),
        editor: None,
        frames: 0,
        state: options.state,
        claim: None,
        other_drafts: Vec::new(),
        connector: options.connector,
        report: None,
        maybe_applied: false,
        switches: Switches::new(),
        guard: options.guard,
        locks: options.locks,
    };
    let mut app = App::new(options.title, host, options.color, options.mouse);
    app.drafts = driver.state.is_some();
    app.profiles = options.profiles;
    app.targets = options.targets;
    app.title_note = options.title_note;
    app.profile = driver.state.as_ref().map(|s| s.profile.clone());
    app.guard = driver.guard.clone();
    app.locks = driver.locks.clone();
    app.guards = options.guards;
    app.secrets = options.secrets;
    app.show_secrets = options.show_secrets;
    app.max_tenants_per_send = options.max_tenants_per_send;
    app.tenant = driver.state.as_ref().map(|s| s.tenant.clone());
    let outcome = std::panic::AssertUnwindSafe(driver.run(client, &mut app))
        .catch_unwind()
        .await;
    // Whatever the way out — quit, signal, lost terminal, panic — what was
    // typed is kept, an edit box still open included.
    let kept = driver.save_exit_draft(&mut app);
    let report = driver.report.take();
    let drafts = driver.state.is_some();
    let maybe_applied = driver.maybe_applied;
    // Dropping the driver restores the terminal before anything is printed
    // (after a panic the hook has already done it).
    drop(driver);
    if let Some(report) = report {
        // The fleet subcommands' report, for the sends the end stopped.
        print!("{report}");
        let _ = io::stdout().flush();
    }
    if let Err(problem) = kept {
        eprintln!("exoset: {problem}");
    } else if app.ctrl_c && drafts && !app.model.edits().is_empty() {
        // Ctrl-C asks nothing; it says what it kept, as a signal does.
        let n = app.model.edits().len();
        let what = match (n, maybe_applied) {
            (1, false) => "the unsent change is".to_string(),
            (n, false) => format!("the {n} unsent changes are"),
            (1, true) => "the change, which may have been applied, is".to_string(),
            (n, true) => format!("the {n} changes, which may have been applied, are"),
        };
        eprintln!(
            "exoset: stopped by Ctrl-C; {what} kept as a draft and offered at the next start"
        );
    }
    match outcome {
        // The same failure ends with the same exit code as in the subcommands.
        Ok(Ok(())) => app.exit.take().map_or(Ok(()), Err),
        Ok(result) => result,
        // The hook printed the message; the exit status says it failed.
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn terminal_failure(e: io::Error) -> Failure {
    Failure::new(exit::NETWORK, format!("terminal error: {e}"))
}

/// Runs `draw` on the app as it is shown: secrets masked in the model, the
/// history view, the offered draft and the fleet view (unless
/// `--show-secrets`, or the key revealed). The real ones are back before
/// anything else — a panic included — can read, save or send them.
pub(crate) fn with_secrets_masked<R>(app: &mut App, draw: impl FnOnce(&App) -> R) -> R {
    let shown = app.shown();
    let real = shown
        .model
        .map(|shown| std::mem::replace(&mut app.model, shown));
    let real_mode = match (&app.mode, shown.history) {
        (app::ModeState::Fleet(view), _) if !app.show_secrets => {
            let shown = app::ModeState::Fleet(Box::new(view.shown(&app.secrets)));
            Some(std::mem::replace(&mut app.mode, shown))
        }
        (app::ModeState::History(_), Some(shown)) => Some(std::mem::replace(
            &mut app.mode,
            app::ModeState::History(shown),
        )),
        _ => None,
    };
    let real_offer = shown
        .draft_offer
        .map(|shown| app.draft_offer.replace(shown));
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(&*app)));
    if let Some(real) = real {
        app.model = real;
    }
    if let Some(real) = real_mode {
        app.mode = real;
    }
    if let Some(real) = real_offer {
        app.draft_offer = real;
    }
    match drawn {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
