//! The run loop: a terminal, its events, the network tasks, and the
//! effects of every action — drafts written, editors handed over to,
//! other tenants opened.

use crate::api::Client;
use crate::changes::Edits;
use crate::ending::Ended;
use crate::exit::{self, Failure};
use crate::fleet::Member;
use crate::overlay::draft::FoundDraft;
use crate::settings::Settings;
use crate::store::{Claim, Draft, EditorClaim, Loaded};
use crate::tasks::Tasks;
use crate::terminal::{
    Console, EventSource, PANICKED, Signals, TEST_PANIC_KEY, TEST_PANIC_MESSAGE, action_from,
    test_panic_armed,
};
use crate::{
    Action, App, Connector, EditorState, Effect, osc52, update, view, widgets, with_secrets_masked,
};
use crossterm::event::Event;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;

/// Everything the run loop drives: a terminal, its events, where clipboard
/// sequences go, and — for a real terminal — the console to hand over.
pub(crate) struct Driver<B: Backend, S: EventSource, W: Write> {
    pub terminal: Terminal<B>,
    pub events: S,
    pub clipboard: W,
    pub(crate) console: Option<Console>,
    /// The editor command; `None` reads `$VISUAL` / `$EDITOR` at hand-over.
    pub editor: Option<String>,
    /// Frames drawn, so tests can see that an idle editor draws nothing.
    pub frames: u64,
    pub state: Option<EditorState>,
    /// This editor's claim on the tenant, held while it runs.
    pub(crate) claim: Option<EditorClaim>,
    /// Drafts other runs left beside this one's, offered with it.
    pub(crate) other_drafts: Vec<PathBuf>,
    /// Opens sessions on other profiles' tenants (`P`, "also send to…").
    pub connector: Option<Connector>,
    /// The per-tenant report of sends the editor's end stopped, to print
    /// once the terminal is given back.
    pub report: Option<String>,
    /// This tenant's PUT went out and was stopped before its answer: the
    /// draft says its edits may have been applied.
    pub(crate) maybe_applied: bool,
    /// Other profiles being opened (`P`, "also send to…"), off this thread.
    pub(crate) switches: Switches,
    /// The first profile's guard, and this run's locks.
    pub guard: crate::guard::ProfileGuard,
    pub locks: crate::guard::RunLocks,
}

/// Opening other profiles for `P` or "also send to…" runs on a blocking
/// thread (keyring reads, token_commands that take seconds), so the screen
/// keeps answering; what was opened comes back here.
pub(crate) struct Switches {
    tx: mpsc::UnboundedSender<Opened>,
    rx: mpsc::UnboundedReceiver<Opened>,
    /// The profile `P` is opening, if any.
    opening: Option<String>,
    /// The latest "also send to…" opening: an earlier one that lands after
    /// it (or after a switch of tenant) is dropped.
    fleet: u64,
}

/// What a blocking thread opened.
enum Opened {
    /// `P`: the profile, and its member.
    Switch(String, Option<Box<Member>>),
    /// "Also send to…": the members, and the change to plan on them.
    Fleet {
        generation: u64,
        /// The fleet view the opening is for (stale views drop it).
        view: u64,
        members: Vec<Member>,
        changes: Vec<(crate::schema::FieldId, String)>,
    },
}

impl Switches {
    pub(crate) fn new() -> Switches {
        let (tx, rx) = mpsc::unbounded_channel();
        Switches {
            tx,
            rx,
            opening: None,
            fleet: 0,
        }
    }
}

/// "Also send to…": the other profiles are open; fleet view `view` shows
/// them, and the change is planned against each.
fn plan_opened(
    view: u64,
    members: Vec<Member>,
    changes: Vec<(crate::schema::FieldId, String)>,
    app: &mut App,
    tasks: &mut Tasks,
) -> Vec<Effect> {
    let effects = update(
        app,
        Action::FleetOpened {
            view,
            members: members.clone(),
        },
    );
    tasks.plan_fleet(view, members, changes);
    effects
}

/// How often the spinner turns while a request is in flight.
const TICK: Duration = Duration::from_millis(120);

impl<B: Backend, S: EventSource, W: Write> Driver<B, S, W> {
    /// A driver for a terminal that is not the real one (tests): nothing is
    /// suspended around `$EDITOR` and no signal is caught.
    #[cfg(test)]
    pub fn new(terminal: Terminal<B>, events: S, clipboard: W) -> Self {
        Driver {
            terminal,
            events,
            clipboard,
            console: None,
            editor: None,
            frames: 0,
            state: None,
            claim: None,
            other_drafts: Vec::new(),
            connector: None,
            report: None,
            maybe_applied: false,
            switches: Switches::new(),
            guard: crate::guard::ProfileGuard::default(),
            locks: crate::guard::RunLocks::default(),
        }
    }

    fn draw(&mut self, app: &mut App) -> Result<(), Failure> {
        self.frames += 1;
        app.redraw = false;
        let terminal = &mut self.terminal;
        with_secrets_masked(app, |app| {
            terminal.draw(|frame| view::draw(frame, app)).map(|_| ())
        })
        .map_err(|e| Failure::new(exit::NETWORK, format!("terminal error: {e}")))
    }

    pub async fn run(&mut self, client: Client, app: &mut App) -> Result<(), Failure> {
        let size = self
            .terminal
            .size()
            .map_err(|e| Failure::new(exit::NETWORK, format!("terminal error: {e}")))?;
        app.size = (size.width, size.height);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut tasks = Tasks::new(
            client,
            self.state.as_ref(),
            self.guard.clone(),
            self.locks.clone(),
            tx,
        );

        let held = self.claim_tenant();
        let mut first = app.start();
        if let Some(notice) = held {
            first.extend(update(app, Action::Notice(notice)));
        }
        // The first frame ("Loading…") goes out before the GET is answered.
        self.draw(app)?;
        if self.apply(first, app, &mut tasks).await? {
            return Ok(());
        }
        let ended = self.run_loop(app, &mut tasks, &mut rx).await?;
        let why = match ended {
            Ended::Quit if app.ctrl_c => "Interrupted (Ctrl-C)".to_string(),
            Ended::Quit => "Interrupted (the editor was quit)".to_string(),
            Ended::Signal(name, _) => format!("Interrupted ({name})"),
        };
        if let Some(failure) = self.wind_down(app, &mut tasks, &mut rx, &why).await {
            return Err(failure);
        }
        match ended {
            Ended::Quit => Ok(()),
            // 128 + the signal's number, as a shell reports it.
            Ended::Signal(name, number) => Err(Failure::new(
                128 + number,
                format!("stopped by {name}; unsent changes are kept as a draft"),
            )),
        }
    }

    /// The loop proper: until a quit or a signal.
    async fn run_loop(
        &mut self,
        app: &mut App,
        tasks: &mut Tasks,
        rx: &mut mpsc::UnboundedReceiver<Action>,
    ) -> Result<Ended, Failure> {
        let mut signals = Signals::new(self.console.is_some());
        let panic_key = test_panic_armed();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let was_busy = app.busy();
            let action = tokio::select! {
                biased;
                event = self.events.next() => match event {
                    Some(Ok(Event::Key(key))) if panic_key && key.code == TEST_PANIC_KEY => {
                        // TEST ONLY, see TEST_PANIC_VAR.
                        panic!("{TEST_PANIC_MESSAGE}");
                    }
                    Some(Ok(event)) => match action_from(event) {
                        Some(action) => action,
                        None => continue,
                    },
                    Some(Err(e)) => {
                        return Err(Failure::new(
                            exit::NETWORK,
                            format!("cannot read the terminal: {e}"),
                        ));
                    }
                    None => return Ok(Ended::Quit),
                },
                Some(action) = rx.recv() => action,
                Some(opened) = self.switches.rx.recv() => {
                    let effects = self.opened(opened, app, tasks);
                    if self.apply(effects, app, tasks).await? {
                        return Ok(Ended::Quit);
                    }
                    if app.redraw {
                        self.draw(app)?;
                    }
                    continue;
                }
                _ = tick.tick(), if was_busy => Action::Tick,
                (name, number) = signals.next() => return Ok(Ended::Signal(name, number)),
            };
            if PANICKED.load(Ordering::SeqCst) {
                return Err(Failure::new(
                    exit::NETWORK,
                    "stopped after an internal error; unsent changes are kept as a draft",
                ));
            }
            let effects = update(app, action);
            if self.apply(effects, app, tasks).await? {
                return Ok(Ended::Quit);
            }
            // Results that are already here are taken before drawing.
            while let Ok(action) = rx.try_recv() {
                let effects = update(app, action);
                if self.apply(effects, app, tasks).await? {
                    return Ok(Ended::Quit);
                }
            }
            if !was_busy && app.busy() {
                tick.reset();
            }
            if app.redraw {
                self.draw(app)?;
            }
        }
    }

    pub(crate) fn write_draft(&self, base: &Settings, edits: &Edits) -> Result<(), String> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        let mut draft = Draft::new(&state.profile, &state.tenant, base, edits);
        draft.maybe_applied = self.maybe_applied;
        state.dir.save_draft(&draft).map_err(|e| {
            format!(
                "cannot keep the draft in {}: {e}",
                state.dir.path().display()
            )
        })
    }

    /// Once the offer of drafts other runs left is settled (taken into this
    /// editor's own draft, or declined), their files go.
    fn forget_other_drafts(
        &mut self,
        app: &mut App,
        queue: &mut std::collections::VecDeque<Effect>,
    ) {
        if app.draft_offer.is_some() {
            return;
        }
        let Some(state) = &self.state else {
            return;
        };
        for path in std::mem::take(&mut self.other_drafts) {
            if let Err(e) = state.dir.remove_draft_at(&path) {
                let problem = format!("cannot remove the draft {}: {e}", path.display());
                queue.extend(update(app, Action::Problem(problem)));
            }
        }
    }

    /// Claims the tenant for this editor; when another exoset holds it, this
    /// one keeps its draft in a file of its own and says who holds it.
    fn claim_tenant(&mut self) -> Option<String> {
        let state = self.state.as_mut()?;
        match state.dir.claim_editor() {
            Ok(Claim::Mine(claim)) => {
                self.claim = Some(claim);
                None
            }
            Ok(Claim::Held { pid, since, by }) => {
                state.dir = state.dir.with_own_draft(std::process::id());
                // This draft is live while this editor runs: no other run
                // offers it for discarding.
                self.claim = state.dir.claim_own_draft().ok();
                // Who, as that run's environment said (escaped).
                let who = by
                    .map(|actor| format!(", {}", actor.describe()))
                    .unwrap_or_default();
                Some(format!(
                    "Another exoset (pid {pid}, since {}{who}) is editing {}: your unsent \
                     changes are kept in a draft of their own beside its draft; the next start \
                     offers both.",
                    crate::store::format_time(since),
                    crate::text::safe(&state.tenant)
                ))
            }
            Err(e) => Some(format!(
                "Cannot tell whether another exoset is editing this tenant ({e}); drafts are \
                 still kept."
            )),
        }
    }

    /// Sessions on these profiles' tenants, or why there is none.
    fn connect(&self, profiles: &[String]) -> Vec<Member> {
        match &self.connector {
            Some(connector) => (connector.0)(profiles),
            None => profiles
                .iter()
                .map(|profile| Member {
                    profile: profile.clone(),
                    tenant: None,
                    session: Err(Failure::usage("this editor cannot open other tenants")),
                })
                .collect(),
        }
    }

    /// `P`, first half: opens the other profile on a blocking thread; the
    /// run loop carries on and finishes the switch when it is open.
    fn start_switch(&mut self, name: String, app: &mut App, tasks: &mut Tasks) -> Vec<Effect> {
        if let Some(opening) = &self.switches.opening {
            return update(
                app,
                Action::Notice(format!(
                    "Still opening profile {}…",
                    crate::text::safe(opening)
                )),
            );
        }
        let Some(connector) = self.connector.clone() else {
            let member = self.connect(std::slice::from_ref(&name)).pop();
            return self.switch_tenant(&name, member, app, tasks);
        };
        // Said on the status line meanwhile; the switch replaces it.
        app.message = Some(widgets::Message {
            tone: widgets::Tone::Info,
            text: format!("Opening profile {}…", crate::text::safe(&name)),
            about: None,
        });
        app.redraw = true;
        self.switches.opening = Some(name.clone());
        let tx = self.switches.tx.clone();
        tokio::task::spawn_blocking(move || {
            let member = (connector.0)(std::slice::from_ref(&name)).pop();
            let _ = tx.send(Opened::Switch(name, member.map(Box::new)));
        });
        vec![]
    }

    /// "Also send to…", first half: opens the profiles on a blocking thread.
    fn start_fleet(
        &mut self,
        view: u64,
        profiles: Vec<String>,
        changes: Vec<(crate::schema::FieldId, String)>,
        app: &mut App,
        tasks: &mut Tasks,
    ) -> Vec<Effect> {
        self.switches.fleet += 1;
        let Some(connector) = self.connector.clone() else {
            let members = self.connect(&profiles);
            return plan_opened(view, members, changes, app, tasks);
        };
        let (generation, tx) = (self.switches.fleet, self.switches.tx.clone());
        tokio::task::spawn_blocking(move || {
            let members = (connector.0)(&profiles);
            let _ = tx.send(Opened::Fleet {
                generation,
                view,
                members,
                changes,
            });
        });
        vec![]
    }

    /// Second half of [`Self::start_switch`] and [`Self::start_fleet`].
    fn opened(&mut self, opened: Opened, app: &mut App, tasks: &mut Tasks) -> Vec<Effect> {
        match opened {
            Opened::Switch(name, member) => {
                self.switches.opening = None;
                self.switch_tenant(&name, member.map(|m| *m), app, tasks)
            }
            Opened::Fleet {
                generation,
                view,
                members,
                changes,
            } if generation == self.switches.fleet => {
                plan_opened(view, members, changes, app, tasks)
            }
            Opened::Fleet { .. } => vec![],
        }
    }

    /// `P`, second half: this tenant's edits stay as its draft; the other
    /// profile's tenant is opened in a fresh editor state, its own draft
    /// offered.
    fn switch_tenant(
        &mut self,
        name: &str,
        member: Option<Member>,
        app: &mut App,
        tasks: &mut Tasks,
    ) -> Vec<Effect> {
        let Some(member) = member else {
            return vec![];
        };
        let session = match member.session {
            Ok(session) => session,
            Err(refusal) => {
                return update(
                    app,
                    Action::Problem(format!(
                        "Cannot open profile {}: {}",
                        crate::text::safe(name),
                        refusal.message
                    )),
                );
            }
        };
        let mut effects = Vec::new();
        if let Err(problem) = self.save_exit_draft(app) {
            effects.extend(update(app, Action::Problem(problem)));
            return effects;
        }
        tasks.cancel();
        self.switches.fleet += 1;
        let host = session
            .client
            .url()
            .host_str()
            .unwrap_or("the server")
            .to_string();
        let title = format!("{} ({})", session.profile, session.tenant);
        self.claim = None;
        self.other_drafts.clear();
        self.state = session.state.clone().map(|dir| EditorState {
            dir,
            profile: session.profile.clone(),
            tenant: session.tenant.clone(),
            history_keep: session.history_keep,
        });
        let kept = app.model.edits().len();
        let mut next = app.for_tenant(title, host, session.profile.clone());
        next.drafts = self.state.is_some();
        next.tenant = Some(session.tenant.clone());
        tasks.session = session;
        *app = next;
        let held = self.claim_tenant();
        effects.extend(app.start());
        if let Some(notice) = held {
            effects.extend(update(app, Action::Notice(notice)));
        }
        if kept > 0 {
            effects.extend(update(
                app,
                Action::Notice(format!(
                    "The other tenant's {} kept as its draft.",
                    if kept == 1 {
                        "unsent change is".to_string()
                    } else {
                        format!("{kept} unsent changes are")
                    }
                )),
            ));
        }
        effects
    }

    /// Carries out effects; `Ok(true)` means quit.
    async fn apply(
        &mut self,
        effects: Vec<Effect>,
        app: &mut App,
        tasks: &mut Tasks,
    ) -> Result<bool, Failure> {
        let mut queue = std::collections::VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                // The sends in flight are stopped by the run's end.
                Effect::Quit => return Ok(true),
                Effect::Load { seq } => tasks.load(seq),
                Effect::Submit {
                    seq,
                    base,
                    edits,
                    rollback_of,
                    confirmation,
                    reason,
                } => tasks.submit(seq, base, edits, rollback_of, &confirmation, reason),
                Effect::Cancel => tasks.cancel(),
                // Drafts are small files written atomically; written here, in
                // order, so the last one has landed before a quit.
                Effect::ReadDraft => {
                    let (offer, others, problems) = read_drafts(self.state.as_ref());
                    self.other_drafts = others;
                    let result = match (offer, problems.first()) {
                        (None, Some(problem)) => Err(problem.clone()),
                        (offer, _) => Ok(offer),
                    };
                    queue.extend(update(app, Action::DraftRead(result)));
                    for problem in problems.into_iter().skip(1) {
                        queue.extend(update(app, Action::Problem(problem)));
                    }
                }
                Effect::SaveDraft { base, edits } => {
                    if let Err(problem) = self.write_draft(&base, &edits) {
                        queue.extend(update(app, Action::Problem(problem)));
                    }
                    self.forget_other_drafts(app, &mut queue);
                }
                // Discarded drafts are set aside, never deleted.
                Effect::DiscardDraft => {
                    if let Some(state) = &self.state {
                        let others = std::mem::take(&mut self.other_drafts);
                        for path in std::iter::once(state.dir.draft_path()).chain(others) {
                            if let Err(e) = state.dir.set_aside_draft_at(&path) {
                                let problem =
                                    format!("cannot set the draft {} aside: {e}", path.display());
                                queue.extend(update(app, Action::Problem(problem)));
                            }
                        }
                    }
                }
                // Decided later: the drafts stay on disk, offered next time.
                Effect::PostponeDraft => {
                    self.other_drafts.clear();
                    if let Some(state) = &self.state
                        && let Err(e) = state.dir.postpone_draft()
                    {
                        let problem = format!("cannot keep the draft for later: {e}");
                        queue.extend(update(app, Action::Problem(problem)));
                    }
                }
                Effect::RemoveDraft => {
                    if let Some(state) = &self.state
                        && let Err(e) = state.dir.remove_draft()
                    {
                        let problem = format!("cannot remove the draft: {e}");
                        queue.extend(update(app, Action::Problem(problem)));
                    }
                    self.forget_other_drafts(app, &mut queue);
                }
                Effect::Copy(text) => {
                    let written = self
                        .clipboard
                        .write_all(osc52(&text).as_bytes())
                        .and_then(|()| self.clipboard.flush());
                    if let Err(e) = written {
                        let problem = format!("cannot write to the terminal to copy: {e}");
                        queue.extend(update(app, Action::Problem(problem)));
                    }
                }
                Effect::ExternalEdit { target, text, json } => {
                    let result = self.hand_over(&text, json).await;
                    queue.extend(update(app, Action::ExternalEdited { target, result }));
                }
                // Opened off this thread; finished in the run loop.
                Effect::SwitchTenant(name) => {
                    queue.extend(self.start_switch(name, app, tasks));
                }
                Effect::PlanFleet {
                    view,
                    profiles,
                    changes,
                } => {
                    queue.extend(self.start_fleet(view, profiles, changes, app, tasks));
                }
                Effect::SendFleet {
                    view,
                    count,
                    reason,
                    ceiling,
                } => {
                    if let Some((members, plans)) = app.fleet_plans(view) {
                        let (members, plans) = (members.to_vec(), plans.to_vec());
                        tasks.send_fleet(view, members, plans, count, reason, ceiling);
                    }
                }
                Effect::StopFleet { view } => tasks.stop_fleet(view),
                Effect::ReadHistory => {
                    let read = self.state.as_ref().map(|state| state.dir.load_history());
                    queue.extend(update(app, Action::HistoryRead(read)));
                }
            }
        }
        Ok(false)
    }

    /// Hands the terminal to `$VISUAL`/`$EDITOR` on a private temporary file
    /// holding `text`, and takes it back; returns the file's new text.
    async fn hand_over(&mut self, text: &str, json: bool) -> Result<String, String> {
        let file =
            write_temp(text, json).map_err(|e| format!("cannot write a temporary file: {e}"))?;
        let editor = self.editor.clone().unwrap_or_else(editor_command);
        self.events.pause();
        if let Some(console) = &self.console {
            console.suspend();
        }
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .env_remove(crate::auth::TOKEN_ENV_VARS[0])
            .env_remove(crate::auth::TOKEN_ENV_VARS[1])
            .status()
            .await;
        let resumed = match &self.console {
            Some(console) => console.resume(),
            None => Ok(()),
        };
        self.events.resume();
        // Whatever the editor left on the screen, the next frame is whole.
        // (Not `Terminal::clear`: it asks the terminal where the cursor is,
        // and the answer races the event reader.)
        if let Ok(size) = self.terminal.size() {
            let _ = self
                .terminal
                .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
        }
        resumed.map_err(|e| format!("cannot take the terminal back: {e}"))?;
        match status {
            Ok(status) if status.success() => std::fs::read_to_string(file.path())
                .map_err(|e| format!("cannot read the edited file back: {e}")),
            Ok(status) => Err(format!(
                "{editor} exited with {status}; the value is unchanged"
            )),
            Err(e) => Err(format!("cannot run {editor}: {e}")),
        }
    }
}

/// `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// A temporary file only its owner can read (0600), holding `text`.
fn write_temp(text: &str, json: bool) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix("exoset-")
        .suffix(if json { ".json" } else { ".txt" });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut file = builder.tempfile()?;
    file.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    file.flush()?;
    Ok(file)
}

/// Every draft on disk for this tenant, merged into one offer (this
/// process's own first, then those other runs left beside it, newer edits
/// winning), with the other files to remove once the offer is settled and
/// what could not be read.
fn read_drafts(state: Option<&EditorState>) -> (Option<FoundDraft>, Vec<PathBuf>, Vec<String>) {
    let Some(state) = state else {
        return (None, Vec::new(), Vec::new());
    };
    let own = state.dir.draft_path();
    let mut found: Vec<(u64, Settings, Edits, bool)> = Vec::new();
    let mut others = Vec::new();
    let mut problems = Vec::new();
    for path in state.dir.draft_paths() {
        // Another editor's draft while it runs is its own: never offered.
        if state.dir.draft_is_live(&path) {
            continue;
        }
        match state.dir.load_draft_at(&path) {
            Loaded::Missing => continue,
            Loaded::Found(draft) => match draft.restore() {
                Ok((base, edits)) => found.push((draft.saved_at, base, edits, draft.maybe_applied)),
                Err(e) => {
                    problems.push(format!("The draft of unsent changes cannot be used: {e}"));
                    continue;
                }
            },
            Loaded::SetAside { moved_to, reason } => {
                problems.push(format!(
                    "The draft of unsent changes is {reason}; it was kept as {}.",
                    moved_to.display()
                ));
                continue;
            }
        }
        if path != own {
            others.push(path);
        }
    }
    found.sort_by_key(|(saved_at, ..)| *saved_at);
    let merged = found.into_iter().reduce(|older, newer| {
        let (saved_at, base, mut edits, maybe_applied) = newer;
        for (id, text) in older.2.iter() {
            if edits.get(id).is_none() {
                edits.set(&base, id, text);
            }
        }
        (saved_at, base, edits, maybe_applied || older.3)
    });
    let offer = merged.map(|(saved_at, base, edits, maybe_applied)| FoundDraft {
        saved_at,
        base,
        edits,
        maybe_applied,
    });
    (offer, others, problems)
}
