//! The fleet's face: `get`, `set`, `apply`, `diff`, `export` and `history`
//! across several profiles' tenants. The work is `crate::fleet`'s; this file
//! prints the plan, asks once, shows progress on a terminal and prints the
//! report.

use super::remote::{self};
use super::write_stdout;
use super::{Cli, Command, Failure, exit};
use crate::changes::Edits;
use crate::config::{Config, Paths};
use crate::fleet::{self, Got, Member, Plan, Selection};
use crate::guard::{Confirmation, Mode, RunLocks};
use crate::runs;
use crate::session::Session;
use crate::settings::Settings;
use crate::text::{count, json_pretty, pad, safe};
use plan::plan_text;
use reads::{export, get, history};
use rerun::{keep_run_report, key_values};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// The widest a value is shown in a matrix cell; `--json` gives it whole.
mod plan;
mod reads;
mod rerun;

pub use rerun::rerun;

const CELL: usize = 40;

/// A command across the profiles `selection` picks.
pub fn run(cli: &Cli, selection: &Selection) -> Result<(), Failure> {
    let what = match &cli.command {
        Some(
            Command::Get { .. }
            | Command::Set { .. }
            | Command::Apply { .. }
            | Command::Diff { .. }
            | Command::Export { .. }
            | Command::History { .. }
            | Command::Doctor { .. },
        ) => None,
        None if cli.demo => Some("--demo"),
        None => Some("the editor"),
        Some(Command::Rollback { .. }) => Some("rollback"),
        Some(Command::Auth(_)) => Some("auth"),
        Some(_) => Some("this command"),
    };
    if let Some(what) = what {
        return Err(Failure::usage(format!(
            "{what} works on one profile at a time; pick one with -p NAME (several profiles \
             work with get, set, apply, diff, export, history and doctor)"
        )));
    }
    for (flag, given) in [
        ("--tenant-sid", cli.target.tenant_sid.is_some()),
        ("--api-key", cli.target.api_key.is_some()),
    ] {
        if given {
            return Err(Failure::usage(format!(
                "{flag} names one tenant; with several profiles each profile's own is used"
            )));
        }
    }
    if let Some(Command::Set { send, .. } | Command::Apply { send, .. }) = &cli.command
        && send.expect_unchanged.is_some()
    {
        return Err(Failure::usage(
            "--expect-unchanged works on one profile at a time",
        ));
    }
    let paths = Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    let names = selection
        .pick(&config, &paths.config_file)
        .map_err(Failure::usage)?;
    if let Some(refusal) = fleet::plain_http_refusal(cli.target.base_url.as_deref())
        && !matches!(cli.command, Some(Command::History { .. }))
    {
        return Err(Failure::usage(refusal));
    }
    if let Some(note) = unused_variables_note("with several profiles") {
        eprintln!("{note}");
    }
    if let Some(Command::History { count, json, .. }) = &cli.command {
        return history(&names, *count, *json);
    }
    if let Some(Command::Doctor { json, .. }) = &cli.command {
        return super::doctor::run_profiles(cli, &names, *json);
    }
    let members = connect_members(cli, &names)?;
    Fleet::new(cli.fleet.jobs, config.max_tenants_per_send)?.run(cli, &members)
}

/// A session on each named profile's tenant; Ctrl-C at a token_command's
/// prompt ends the run with nothing read or sent.
pub(super) fn connect_members(cli: &Cli, names: &[String]) -> Result<Vec<Member>, Failure> {
    let options = cli.client_options()?;
    let members = fleet::connect(names, cli.target.base_url.as_deref(), &options);
    if let Some(Err(refusal)) = members
        .iter()
        .map(|m| &m.session)
        .find(|s| matches!(s, Err(r) if r.code == exit::INTERRUPTED))
    {
        return Err(Failure::new(
            exit::INTERRUPTED,
            format!("{}; nothing was read or sent", refusal.message),
        ));
    }
    Ok(members)
}

/// The variables set in the environment that a fleet (or the editor's `P`
/// and "also send to…") does not use, said once (`when` says where): each
/// profile brings its own tenant, key, server and token, so one variable can
/// neither point them all at one tenant, send one token to every server, nor
/// send every token to one server.
pub(super) fn unused_variables_note(when: &str) -> Option<String> {
    let is_set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    let set: Vec<&str> = [
        "EXOSET_BASE_URL",
        "EXOSET_API_TOKEN",
        "EXOSET_TENANT_SID",
        "EXOSET_API_KEY",
    ]
    .into_iter()
    .filter(|var| is_set(var))
    .collect();
    let (last, rest) = set.split_last()?;
    let named = if rest.is_empty() {
        format!("{last} is")
    } else {
        format!("{} and {last} are", rest.join(", "))
    };
    Some(format!(
        "note: {named} not used {when}: each profile uses its own base URL, token, tenant \
         SID and API key"
    ))
}

/// `set`/`apply --json` on one profile: the report of a fleet of one.
pub fn run_one(cli: &Cli, session: Session) -> Result<(), Failure> {
    let member = Member {
        profile: session.profile.clone(),
        tenant: Some(session.tenant.clone()),
        session: Ok(session),
    };
    Fleet::new(cli.fleet.jobs, configured_ceiling()?)?.run(cli, &[member])
}

/// `max_tenants_per_send` from config.toml. A config that cannot be read
/// refuses the run: a ceiling is never dropped for want of reading it.
pub(super) fn configured_ceiling() -> Result<Option<usize>, Failure> {
    let paths = Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(config.max_tenants_per_send)
}

/// The runtime, the Ctrl-C token and how many tenants run at once.
struct Fleet {
    runtime: tokio::runtime::Runtime,
    cancel: CancellationToken,
    /// Set once the first PUT may go out: a second Ctrl-C after it cannot
    /// say that nothing was applied.
    sending: Arc<AtomicBool>,
    jobs: usize,
    /// `max_tenants_per_send`, as config.toml said when the run began.
    ceiling: Option<usize>,
    /// Progress lines go to stderr only when it is a terminal.
    progress: bool,
}

/// The first Ctrl-C cancels `cancel`; the second quits at once, without
/// the report: 130 when nothing was sent yet, else 5 (what the PUTs in
/// flight did is unknown). Its own thread and runtime, so it answers
/// while the main thread prints (a report into a pipe nobody reads) or
/// waits outside the fleet's runtime; one signal stream for both presses,
/// so a second press that comes before the first is handled is not lost.
/// The stream is listening before this returns.
fn watch_interrupts(cancel: CancellationToken, sending: Arc<AtomicBool>) {
    let (ready, listening) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("exoset-ctrl-c".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(_) => {
                    let _ = ready.send(());
                    return;
                }
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let presses = signal(SignalKind::interrupt());
                let _ = ready.send(());
                let Ok(mut presses) = presses else { return };
                if presses.recv().await.is_none() {
                    return;
                }
                cancel.cancel();
                if presses.recv().await.is_none() {
                    return;
                }
                if sending.load(Ordering::SeqCst) {
                    eprintln!(
                        "exoset: stopped before the report; PUTs had gone out and what they \
                         did is unknown: run `exoset get` on the tenants to see their settings"
                    );
                    std::process::exit(i32::from(exit::UNKNOWN));
                }
                eprintln!("exoset: stopped; nothing was sent");
                std::process::exit(i32::from(exit::INTERRUPTED));
            });
        });
    if spawned.is_ok() {
        let _ = listening.recv();
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        // A question left unanswered (Ctrl-C at the prompt) holds a blocking
        // thread on stdin: do not wait for it.
        let runtime = std::mem::replace(
            &mut self.runtime,
            match tokio::runtime::Builder::new_current_thread().build() {
                Ok(rt) => rt,
                Err(_) => return,
            },
        );
        runtime.shutdown_background();
    }
}

impl Fleet {
    fn new(jobs: usize, ceiling: Option<usize>) -> Result<Fleet, Failure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
        let cancel = CancellationToken::new();
        let sending = Arc::new(AtomicBool::new(false));
        watch_interrupts(cancel.clone(), sending.clone());
        Ok(Fleet {
            runtime,
            cancel,
            sending,
            jobs,
            ceiling,
            progress: std::io::stderr().is_terminal(),
        })
    }

    fn run(&self, cli: &Cli, members: &[Member]) -> Result<(), Failure> {
        match &cli.command {
            Some(Command::Get {
                json,
                differ,
                paths,
                ..
            }) => {
                let ids = remote::parse_paths(paths)?;
                let got = self.read(members);
                get(members, &got, &ids, *json, *differ)
            }
            Some(Command::Set {
                assignments, send, ..
            }) => {
                let pairs = remote::parse_assignments(assignments)?;
                let requested = pairs.len();
                let change = key_values(pairs.iter().map(|(id, v)| (*id, v.as_str())));
                let edits = move |base: &Settings| {
                    let mut edits = Edits::default();
                    for (id, value) in &pairs {
                        edits.set(base, *id, value.clone());
                    }
                    Ok(edits)
                };
                self.change(cli, members, requested, edits, send, ("set", change))
            }
            Some(Command::Apply { file, send, .. }) => {
                let desired = remote::read_desired(file)?;
                let requested = desired.reported().count();
                let change = key_values(desired.reported());
                let name = file.display().to_string();
                let edits = move |base: &Settings| {
                    Edits::from_desired(base, &desired).map_err(|e| format!("{name}: {e}"))
                };
                self.change(cli, members, requested, edits, send, ("apply", change))
            }
            Some(Command::Diff { file, .. }) => {
                let desired = remote::read_desired(file)?;
                let requested = desired.reported().count();
                let got = self.read(members);
                let name = file.display().to_string();
                let mut plans = fleet::plan(&got, requested, |base| {
                    Edits::from_desired(base, &desired).map_err(|e| format!("{name}: {e}"))
                });
                crate::fleet_alias::once_per_tenant(members, &mut plans, None);
                write_stdout(&plan_text(
                    members,
                    &plans,
                    "would be",
                    &RunLocks::default(),
                ))?;
                // A tenant that would change is not a failure of `diff`.
                let code = plans
                    .iter()
                    .map(|plan| match plan {
                        Plan::Send { .. } | Plan::Unchanged { .. } => exit::OK,
                        Plan::Invalid { .. } => exit::USAGE,
                        Plan::Failed(refusal) => refusal.code,
                        Plan::Cancelled => exit::INTERRUPTED,
                    })
                    .max()
                    .unwrap_or(exit::OK);
                finish(code, "")
            }
            Some(Command::Export { output, .. }) => {
                let got = self.read(members);
                export(members, &got, output.as_deref())
            }
            _ => Err(Failure::usage(
                "this command works on one profile at a time",
            )),
        }
    }

    /// Reads every tenant, saying what is going on when on a terminal.
    fn read(&self, members: &[Member]) -> Vec<Got> {
        if self.progress {
            eprintln!("Reading {}…", count(members.len(), "tenant"));
        }
        let got =
            self.runtime
                .block_on(fleet::read_all(members, self.jobs, &self.cancel, |_, _| {}));
        // What each read said: a history entry it settled, a last read not kept.
        for (member, got) in members.iter().zip(&got) {
            if let Got::Read(read) = got {
                super::show::register_settings(&read.answer.settings);
                for warning in &read.warnings {
                    eprintln!(
                        "warning: {}: {}",
                        label(&member.profile, member.tenant_label()),
                        safe(warning)
                    );
                }
            }
        }
        got
    }

    /// `set` and `apply`: read all, plan, ask once, send, report.
    fn change(
        &self,
        cli: &Cli,
        members: &[Member],
        requested: usize,
        edits: impl Fn(&Settings) -> Result<Edits, String>,
        send: &super::SendArgs,
        (command, change): (&str, Vec<runs::KeyValue>),
    ) -> Result<(), Failure> {
        let locks = super::guard::locks(cli, true)?;
        let got = self.read(members);
        let mut plans = fleet::plan(&got, requested, edits);
        crate::fleet_alias::once_per_tenant(members, &mut plans, None);
        // The plan goes to stderr, as the single-tenant diff does, so that
        // stdout holds only the report (or the JSON).
        eprint!("{}", plan_text(members, &plans, "will be", &locks));
        if send.dry_run {
            let mut bodies = Map::new();
            for (member, plan) in members.iter().zip(&plans) {
                if let Plan::Send { changes, .. } = plan
                    && let Ok(Some(body)) = changes.body()
                {
                    bodies.insert(member.profile.clone(), body);
                }
            }
            eprintln!(
                "Dry run: these PUT bodies would be sent ({}); nothing was sent.",
                count(bodies.len(), "tenant")
            );
            let shown: Map<String, Value> = bodies
                .iter()
                .map(|(k, v)| (k.clone(), super::show::json(v)))
                .collect();
            if shown != bodies {
                eprintln!("Secrets are masked; --show-secrets prints the bodies exactly.");
            }
            return write_stdout(&json_pretty(&Value::Object(shown)));
        }
        // Read-only members are refused without a question; the others that
        // will change are confirmed (typed, for protected ones).
        let writable = |m: &Member| {
            m.session
                .as_ref()
                .is_ok_and(|s| locks.writable(&m.profile, &s.guard))
        };
        let changing: Vec<bool> = members
            .iter()
            .zip(&plans)
            .map(|(m, p)| matches!(p, Plan::Send { .. }) && writable(m))
            .collect();
        let will_change = changing.iter().filter(|c| **c).count();
        // The rules that keep the send from spreading too far are checked
        // before anything is asked or sent.
        let rollout = &send.rollout;
        fleet::check_ceiling(will_change, self.ceiling, rollout.max_tenants)
            .map_err(Failure::usage)?;
        let fail_limit = match &rollout.max_fail {
            Some(text) => Some(
                fleet::MaxFail::parse(text)
                    .and_then(|max| max.limit(will_change))
                    .map_err(Failure::usage)?,
            ),
            None => None,
        };
        let profiles: Vec<&str> = members.iter().map(|m| m.profile.as_str()).collect();
        let canary = fleet::canary(
            &profiles,
            &changing,
            rollout.canary,
            &rollout.canary_profiles,
        )
        .map_err(Failure::usage)?;
        let in_canary = |i: usize| canary.contains(&i);
        let sending_of = |phase: &dyn Fn(usize) -> bool| -> Vec<&Member> {
            members
                .iter()
                .enumerate()
                .filter(|(i, _)| changing[*i] && phase(*i))
                .map(|(_, m)| m)
                .collect()
        };
        if !canary.is_empty() {
            eprintln!(
                "Canary: {} first, then the question again for the rest.",
                count(canary.len(), "tenant")
            );
        }
        // Every tenant the run will change, all phases together.
        let whole = sending_of(&|_| true);
        let first: Vec<&Member> = if canary.is_empty() {
            whole.clone()
        } else {
            sending_of(&in_canary)
        };
        let confirmations = if first.is_empty() {
            Vec::new()
        } else {
            if send.yes && !canary.is_empty() {
                // The flags must cover the tenants after the canary too:
                // checked before the canary goes out, not found short after.
                self.confirmations(&whole, &whole, send)?;
            }
            match self.confirmations(&first, &whole, send)? {
                Some(confirmations) => confirmations,
                None => {
                    eprintln!("Nothing sent.");
                    return Ok(());
                }
            }
        };
        let required: Vec<&str> = whole
            .iter()
            .filter(|m| m.session.as_ref().is_ok_and(|s| s.guard.require_reason))
            .map(|m| m.profile.as_str())
            .collect();
        let reason = super::guard::reason(send.guard.reason.as_deref(), &required, !send.yes)?;
        // As with a protected tenant left unconfirmed: the whole run is
        // refused before anything is sent, never the others sent without it.
        if reason.is_none() && !required.is_empty() {
            let names: Vec<String> = required.iter().map(|n| safe(n).into_owned()).collect();
            let who = match names.as_slice() {
                [one] => format!("profile {one} requires"),
                many => format!("profiles {} require", many.join(", ")),
            };
            return Err(Failure::usage(format!(
                "{who} a reason for every change: pass --reason TEXT; nothing was sent"
            )));
        }
        let named = cli.selection().names;
        let clear = |confirmations: &[(String, Confirmation)]| -> Vec<_> {
            fleet::clear_each(
                members,
                &plans,
                &locks,
                |m| {
                    confirmations
                        .iter()
                        .find(|(p, _)| *p == m.profile)
                        .map_or(Confirmation::Yes, |(_, c)| c.clone())
                },
                reason.as_deref(),
                fleet::Ceiling {
                    configured: self.ceiling,
                    typed: rollout.max_tenants,
                },
            )
            .into_iter()
            .zip(members)
            .map(|(leave, member)| {
                // A member the guard refuses fails the run only when it was
                // named with -p; one a glob or --all-profiles took in is
                // reported without failing it.
                leave.map_err(|mut failure| {
                    if !named
                        .iter()
                        .any(|n| n.split(',').any(|n| n.trim() == member.profile))
                    {
                        failure.code = exit::OK;
                    }
                    failure
                })
            })
            .collect()
        };
        let stop = CancellationToken::new();
        let limit = fail_limit.map(|n| std::sync::Arc::new(fleet::FailLimit::new(n, stop.clone())));
        let mut outcomes: Vec<Option<fleet::Outcome>> = members.iter().map(|_| None).collect();
        let mut rest_stopped: Option<String> = None;
        if !canary.is_empty() {
            let cleared = clear(&confirmations);
            for (i, line) in
                self.send_phase(members, &plans, &cleared, &canary, &stop, limit.as_ref())
            {
                outcomes[i] = Some(line);
            }
            let lines: Vec<&fleet::Outcome> = canary
                .iter()
                .filter_map(|i| outcomes[*i].as_ref())
                .collect();
            let shown: Vec<fleet::Outcome> = lines.iter().map(|o| (*o).clone()).collect();
            eprint!("Canary:\n{}", fleet::report_labelled(&shown, None, members));
            let passed = fleet::canary_passed(&lines);
            let rest = sending_of(&|i| !in_canary(i));
            if self.cancel.is_cancelled() {
                rest_stopped = Some("not sent: interrupted after the canary".to_string());
            } else if rest.is_empty() {
            } else if send.yes && !passed {
                rest_stopped = Some(
                    "not sent: the canary did not end `sent` with every key confirmed or \
                     unconfirmed"
                        .to_string(),
                );
            } else {
                if !passed {
                    eprintln!(
                        "The canary did not end `sent` with every key confirmed or unconfirmed."
                    );
                }
                match self.confirmations(&rest, &whole, send) {
                    Ok(Some(more)) => {
                        let cleared = clear(&more);
                        let others: Vec<usize> =
                            (0..members.len()).filter(|i| !in_canary(*i)).collect();
                        for (i, line) in self.send_phase(
                            members,
                            &plans,
                            &cleared,
                            &others,
                            &stop,
                            limit.as_ref(),
                        ) {
                            outcomes[i] = Some(line);
                        }
                    }
                    Ok(None) => {
                        rest_stopped = Some("not sent: declined after the canary".to_string());
                    }
                    Err(failure) if failure.code == exit::INTERRUPTED => {
                        rest_stopped = Some("not sent: interrupted after the canary".to_string());
                    }
                    Err(failure) => {
                        eprintln!("exoset: {}", safe(&failure.message));
                        rest_stopped = Some(format!("not sent: {}", failure.message));
                    }
                }
            }
            if rest_stopped.is_some() {
                // The tenants after the canary that are sent nothing still
                // get their line (unchanged, invalid, refused) without a
                // request.
                let cleared = clear(&[]);
                let others: Vec<usize> = (0..members.len())
                    .filter(|i| !in_canary(*i) && !changing[*i])
                    .collect();
                for (i, line) in
                    self.send_phase(members, &plans, &cleared, &others, &stop, limit.as_ref())
                {
                    outcomes[i] = Some(line);
                }
            }
        } else {
            let cleared = clear(&confirmations);
            let all: Vec<usize> = (0..members.len()).collect();
            for (i, line) in self.send_phase(members, &plans, &cleared, &all, &stop, limit.as_ref())
            {
                outcomes[i] = Some(line);
            }
        }
        let mut outcomes: Vec<fleet::Outcome> = outcomes
            .into_iter()
            .zip(members.iter().zip(&plans))
            .map(|(line, (member, plan))| {
                line.unwrap_or_else(|| {
                    let mut line = fleet::unsent(member, plan);
                    line.message = rest_stopped
                        .clone()
                        .unwrap_or_else(|| "not sent".to_string());
                    // Ctrl-C keeps its 130; a canary that did not pass
                    // leaves the code to the canary's own outcomes.
                    if !self.cancel.is_cancelled() {
                        line.exit_code = exit::OK;
                    }
                    line
                })
            })
            .collect();
        if let Some(limit) = &limit
            && limit.reached()
            && !self.cancel.is_cancelled()
        {
            fleet::mark_stopped(&mut outcomes, &limit.why());
        }
        for line in &outcomes {
            for warning in &line.warnings {
                eprintln!("warning: {}: {}", safe(&line.profile), safe(warning));
            }
        }
        keep_run_report(command, change, &outcomes);
        let code = fleet::exit_code(&outcomes);
        if send.json {
            let value = serde_json::to_value(&outcomes).unwrap_or_default();
            write_stdout(&json_pretty(&value))?;
        } else {
            let interrupted = self.cancel.is_cancelled().then_some("Interrupted (Ctrl-C)");
            write_stdout(&fleet::report_labelled(&outcomes, interrupted, members))?;
        }
        finish(code, "")
    }

    /// Sends to the members at `places` (the others are left out), with
    /// progress on a terminal; each line with its place among all members.
    /// `limit` stops new tenants after so many failures.
    fn send_phase(
        &self,
        members: &[Member],
        plans: &[Plan],
        cleared: &[Result<crate::guard::Cleared, Failure>],
        places: &[usize],
        stop: &CancellationToken,
        limit: Option<&std::sync::Arc<fleet::FailLimit>>,
    ) -> Vec<(usize, fleet::Outcome)> {
        let pick = |i: &usize| (members.get(*i), plans.get(*i), cleared.get(*i));
        let mut sub_members = Vec::new();
        let mut sub_plans = Vec::new();
        let mut sub_cleared = Vec::new();
        for (member, plan, leave) in places.iter().map(pick) {
            if let (Some(member), Some(plan), Some(leave)) = (member, plan, leave) {
                sub_members.push(member.clone());
                sub_plans.push(plan.clone());
                sub_cleared.push(leave.clone());
            }
        }
        let progress = self.progress;
        let options = fleet::SendOptions {
            jobs: self.jobs,
            on_wait: Some(std::sync::Arc::new({
                let names: Vec<String> = sub_members
                    .iter()
                    .map(|m| label(&m.profile, m.tenant_label()))
                    .collect();
                move |i: usize, wait: std::time::Duration| {
                    eprintln!(
                        "  waiting {} for {}: the server is rate-limiting (HTTP 429, \
                         Retry-After)",
                        crate::api::client::wait_words(wait),
                        names.get(i).map_or("a tenant", String::as_str)
                    );
                }
            })),
            fail_limit: limit.cloned(),
            ..fleet::SendOptions::default()
        };
        self.sending.store(true, Ordering::SeqCst);
        let lines = self.runtime.block_on(fleet::send_all_with(
            &sub_members,
            &sub_plans,
            &sub_cleared,
            &options,
            &self.cancel,
            stop,
            |_, line| {
                if progress {
                    eprintln!(
                        "  {} {} ({})",
                        pad(line.kind.as_str(), 9),
                        safe(&line.profile),
                        safe(&line.tenant)
                    );
                }
            },
        ));
        places.iter().copied().zip(lines).collect()
    }
    /// Asks once for every tenant; Ctrl-C at the question is a no.
    /// Asks `prompt` on the terminal; Ctrl-C while waiting ends the run
    /// with nothing sent.
    fn ask_line(&self, prompt: &str) -> Result<String, Failure> {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(
                "not sending without confirmation: no terminal to ask on; pass --yes \
                 (or --dry-run to see the bodies)",
            ));
        }
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let cancel = self.cancel.clone();
        let answer = self.runtime.block_on(async move {
            let read = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            });
            tokio::select! {
                () = cancel.cancelled() => None,
                line = read => Some(line),
            }
        });
        match answer {
            None => {
                eprintln!();
                Err(Failure::new(exit::INTERRUPTED, "interrupted; nothing sent"))
            }
            Some(Ok(Ok(line))) => Ok(line.trim().to_string()),
            Some(Ok(Err(e))) => Err(Failure::usage(format!("cannot read the answer: {e}"))),
            Some(Err(e)) => Err(Failure::usage(format!("cannot read the answer: {e}"))),
        }
    }

    fn confirm(&self, to_send: usize) -> Result<bool, Failure> {
        let line = self.ask_line(&format!("Send to {}? [y/N] ", count(to_send, "tenant")))?;
        Ok(matches!(line.as_str(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }

    /// How each tenant `sending` (this phase: all of the run, or the canary,
    /// or the rest after it) is confirmed: a plain yes for a normal profile,
    /// and for the protected ones their SIDs or their number, from
    /// `--confirm-tenant` or typed. The flags speak of the whole run
    /// (`whole`): their SIDs are those of any tenant it sends to, and
    /// `all:N` is its number of protected tenants; a number typed at the
    /// question is this phase's. `None`: the person declined. Protected
    /// tenants that cannot be confirmed refuse the phase before anything in
    /// it is sent.
    fn confirmations(
        &self,
        sending: &[&Member],
        whole: &[&Member],
        send: &super::SendArgs,
    ) -> Result<Option<Vec<(String, Confirmation)>>, Failure> {
        let given = super::guard::Confirmations::parse(&send.guard.confirm_tenant)?;
        let tenants: Vec<&str> = whole.iter().map(|m| m.tenant_label()).collect();
        given.check_sids(&tenants)?;
        let protected = protected_of(sending);
        let protected_whole = protected_of(whole);
        if !send.yes && !self.cancel.is_cancelled() && !self.confirm(sending.len())? {
            return Ok(None);
        }
        let names: Vec<String> = protected
            .iter()
            .map(|m| label(&m.profile, m.tenant_label()))
            .collect();
        let unconfirmed: Vec<&&Member> = protected
            .iter()
            .filter(|m| !given.sids.iter().any(|s| s == m.tenant_label()))
            .collect();
        // The number a count is checked against: the whole run's for
        // `all:N`, this phase's for one typed at its question.
        let mut against = &protected;
        let count_typed = match (given.all, unconfirmed.is_empty()) {
            (Some(n), _) => {
                against = &protected_whole;
                Some(n)
            }
            (None, true) => None,
            (None, false) if send.yes => {
                return Err(Failure::usage(format!(
                    "{} would change: {}; --yes alone does not send to a protected profile: \
                     pass --confirm-tenant SID for each, or --confirm-tenant all:{}; nothing \
                     was sent",
                    count(protected.len(), "protected tenant"),
                    names.join(", "),
                    protected.len()
                )));
            }
            (None, false) => {
                let typed = self.ask_line(&format!(
                    "{} will change: {}.\nType their number ({}) to send to them, or press \
                     Enter to cancel: ",
                    count(protected.len(), "protected tenant"),
                    names.join(", "),
                    protected.len()
                ))?;
                if typed.is_empty() {
                    return Ok(None);
                }
                Some(typed.parse::<usize>().map_err(|_| {
                    Failure::usage(format!(
                        "{} is not the number of protected tenants that will change ({}); \
                         nothing was sent",
                        crate::session::quoted(&typed),
                        protected.len()
                    ))
                })?)
            }
        };
        if let Some(n) = count_typed
            && n != against.len()
        {
            let names: Vec<String> = against
                .iter()
                .map(|m| label(&m.profile, m.tenant_label()))
                .collect();
            let which = if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            };
            return Err(Failure::usage(format!(
                "{n} was confirmed, but {} would change{which}; nothing was sent",
                count(against.len(), "protected tenant"),
            )));
        }
        Ok(Some(
            sending
                .iter()
                .map(|m| {
                    let confirmation = if !protected.iter().any(|p| p.profile == m.profile) {
                        Confirmation::Yes
                    } else if given.sids.iter().any(|s| s == m.tenant_label()) {
                        Confirmation::Tenant(m.tenant_label().to_string())
                    } else {
                        Confirmation::Count {
                            typed: count_typed.unwrap_or(0),
                            protected: against.len(),
                        }
                    };
                    (m.profile.clone(), confirmation)
                })
                .collect(),
        ))
    }
}

/// The members whose profile is protected.
fn protected_of<'m>(members: &[&'m Member]) -> Vec<&'m Member> {
    members
        .iter()
        .copied()
        .filter(|m| {
            m.session
                .as_ref()
                .is_ok_and(|s| s.guard.mode == Mode::Protected)
        })
        .collect()
}

/// Ends with `code`: the message (if any) is printed by `cli::run`.
fn finish(code: u8, message: &str) -> Result<(), Failure> {
    if code == exit::OK {
        Ok(())
    } else {
        Err(Failure::new(code, message))
    }
}

/// `name (SID)`, safe for a terminal.
fn label(profile: &str, tenant: &str) -> String {
    format!("{} ({})", safe(profile), safe(tenant))
}
