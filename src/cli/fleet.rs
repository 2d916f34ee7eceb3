//! The fleet's face: `get`, `set`, `apply`, `diff`, `export` and `history`
//! across several profiles' tenants. The work is `crate::fleet`'s; this file
//! prints the plan, asks once, shows progress on a terminal and prints the
//! report.

use super::remote::{self, display_value, render_diff};
use super::write_stdout;
use super::{Cli, Command, Failure, exit};
use crate::changes::Edits;
use crate::config::{Config, Paths};
use crate::fleet::{self, Got, Member, Plan, Selection};
use crate::guard::{Confirmation, Mode, RunLocks};
use crate::runs;
use crate::schema::FieldId;
use crate::session::Session;
use crate::settings::Settings;
use crate::text::{count, fit, json_pretty, pad, safe, table, width};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// The widest a value is shown in a matrix cell; `--json` gives it whole.
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
    let options = cli.client_options()?;
    let members = fleet::connect(&names, cli.target.base_url.as_deref(), &options);
    // Ctrl-C at a token_command's prompt: nothing is read or sent.
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
    Fleet::new(cli.fleet.jobs)?.run(cli, &members)
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
    Fleet::new(cli.fleet.jobs)?.run(cli, &[member])
}

/// The runtime, the Ctrl-C token and how many tenants run at once.
struct Fleet {
    runtime: tokio::runtime::Runtime,
    cancel: CancellationToken,
    jobs: usize,
    /// Progress lines go to stderr only when it is a terminal.
    progress: bool,
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
    fn new(jobs: usize) -> Result<Fleet, Failure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                token.cancel();
                // A second Ctrl-C does not wait for the report.
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(i32::from(exit::INTERRUPTED));
                }
            }
        });
        Ok(Fleet {
            runtime,
            cancel,
            jobs,
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
        let configured = Paths::from_env()
            .ok()
            .and_then(|paths| Config::load(&paths.config_file).ok())
            .and_then(|config| config.max_tenants_per_send);
        fleet::check_ceiling(will_change, configured, rollout.max_tenants)
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
        let first: Vec<&Member> = if canary.is_empty() {
            sending_of(&|_| true)
        } else {
            sending_of(&in_canary)
        };
        let confirmations = if first.is_empty() {
            Vec::new()
        } else {
            match self.confirmations(&first, send)? {
                Some(confirmations) => confirmations,
                None => {
                    eprintln!("Nothing sent.");
                    return Ok(());
                }
            }
        };
        let required: Vec<&str> = sending_of(&|_| true)
            .iter()
            .filter(|m| m.session.as_ref().is_ok_and(|s| s.guard.require_reason))
            .map(|m| m.profile.as_str())
            .collect();
        let reason = super::guard::reason(send.guard.reason.as_deref(), &required, !send.yes)?;
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
                match self.confirmations(&rest, send) {
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

    /// How each tenant the plan sends to is confirmed: a plain yes for a
    /// normal profile, and for the protected ones their SIDs or their
    /// number, from `--confirm-tenant` or typed. `None`: the person
    /// declined. Protected tenants that cannot be confirmed refuse the whole
    /// run before anything is sent.
    fn confirmations(
        &self,
        sending: &[&Member],
        send: &super::SendArgs,
    ) -> Result<Option<Vec<(String, Confirmation)>>, Failure> {
        let given = super::guard::Confirmations::parse(&send.guard.confirm_tenant)?;
        let tenants: Vec<&str> = sending.iter().map(|m| m.tenant_label()).collect();
        given.check_sids(&tenants)?;
        let protected: Vec<&Member> = sending
            .iter()
            .copied()
            .filter(|m| {
                m.session
                    .as_ref()
                    .is_ok_and(|s| s.guard.mode == Mode::Protected)
            })
            .collect();
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
        let count_typed = match (given.all, unconfirmed.is_empty()) {
            (Some(n), _) => Some(n),
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
            && n != protected.len()
        {
            return Err(Failure::usage(format!(
                "{n} was confirmed, but {} would change ({}); nothing was sent",
                count(protected.len(), "protected tenant"),
                names.join(", ")
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
                            protected: protected.len(),
                        }
                    };
                    (m.profile.clone(), confirmation)
                })
                .collect(),
        ))
    }
}

/// A change's keys and values, as a run report keeps them.
fn key_values<'a>(pairs: impl Iterator<Item = (FieldId, &'a str)>) -> Vec<runs::KeyValue> {
    pairs
        .map(|(id, value)| runs::KeyValue {
            key: id.path(),
            value: value.to_string(),
        })
        .collect()
}

/// Keeps the run report in the data folder's `runs/`; says where when some
/// tenant did not finish (`exoset rerun` takes it up). Failing to keep it
/// is a warning: the send is done.
fn keep_run_report(command: &str, change: Vec<runs::KeyValue>, outcomes: &[fleet::Outcome]) {
    let report = runs::RunReport::new(command, change, outcomes);
    let saved = Paths::from_env()
        .map_err(|e| e.to_string())
        .and_then(|paths| runs::save(&paths, &report).map_err(|e| e.to_string()));
    let unfinished = outcomes.iter().any(|o| RERUN_DEFAULT.contains(&o.kind));
    match saved {
        Ok(path) if unfinished => eprintln!(
            "The run report is in {}; `exoset rerun` sends the change again to the tenants \
             that did not finish.",
            safe(&path.display().to_string())
        ),
        Ok(_) => {}
        Err(e) => eprintln!("warning: cannot keep the run report: {}", safe(&e)),
    }
}

/// The outcomes `exoset rerun` takes up unless told otherwise.
const RERUN_DEFAULT: [fleet::Kind; 3] = [
    fleet::Kind::Failed,
    fleet::Kind::Unknown,
    fleet::Kind::Cancelled,
];

/// `exoset rerun [FILE] [--outcome …]`: the change of a run report planned
/// again on exactly the tenants that ended with those outcomes, through the
/// same guard, plan, questions and send as `set` ([`Fleet::change`]). A
/// tenant whose "unknown" PUT did land now plans `unchanged`.
pub fn rerun(
    cli: &Cli,
    file: Option<&Path>,
    outcomes: &[String],
    send: &super::SendArgs,
) -> Result<(), Failure> {
    if !cli.target.profile.is_empty()
        || cli.fleet.all_profiles
        || cli.fleet.profiles_matching.is_some()
    {
        return Err(Failure::usage(
            "rerun takes its tenants from the run report; -p, --all-profiles and \
             --profiles-matching do not apply",
        ));
    }
    for (flag, given) in [
        ("--tenant-sid", cli.target.tenant_sid.is_some()),
        ("--api-key", cli.target.api_key.is_some()),
    ] {
        if given {
            return Err(Failure::usage(format!(
                "{flag} names one tenant; rerun uses each profile's own"
            )));
        }
    }
    if send.expect_unchanged.is_some() {
        return Err(Failure::usage("--expect-unchanged does not apply to rerun"));
    }
    let mut kinds = Vec::new();
    for word in outcomes {
        let word = word.trim();
        match fleet::Kind::ALL.iter().find(|k| k.as_str() == word) {
            Some(kind) => kinds.push(*kind),
            None => {
                return Err(Failure::usage(format!(
                    "--outcome {}: not an outcome (one of {})",
                    crate::session::quoted(word),
                    fleet::Kind::ALL
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    let paths = Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => runs::latest(&paths).ok_or_else(|| {
            Failure::usage(format!(
                "no run report in {}: nothing to rerun",
                safe(&runs::folder(&paths).display().to_string())
            ))
        })?,
    };
    let report = runs::load(&path).map_err(Failure::usage)?;
    let mut names: Vec<String> = Vec::new();
    for line in report.report.iter().filter(|o| kinds.contains(&o.kind)) {
        if !names.contains(&line.profile) {
            names.push(line.profile.clone());
        }
    }
    let mut pairs = Vec::new();
    for kv in &report.change {
        let id = crate::schema::lookup_path(&kv.key).ok_or_else(|| {
            Failure::usage(format!(
                "{}: the run report names {}, not a setting exoset knows; nothing was sent",
                safe(&path.display().to_string()),
                crate::session::quoted(&kv.key)
            ))
        })?;
        pairs.push((id, kv.value.clone()));
    }
    let words: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    if names.is_empty() || pairs.is_empty() {
        eprintln!(
            "No tenant of the run of {} ended {}: nothing to rerun.",
            safe(&report.when),
            words.join(", ")
        );
        return Ok(());
    }
    eprintln!(
        "Rerunning the change of the run of {} on the {} that ended {}: {}.",
        safe(&report.when),
        count(names.len(), "tenant"),
        words.join(", "),
        names
            .iter()
            .map(|n| safe(n).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let config = Config::load(&paths.config_file).map_err(|e| Failure::usage(e.to_string()))?;
    let selection = Selection {
        names: names.clone(),
        all: false,
        matching: None,
    };
    let names = selection
        .pick(&config, &paths.config_file)
        .map_err(Failure::usage)?;
    if let Some(refusal) = fleet::plain_http_refusal(cli.target.base_url.as_deref())
        && names.len() > 1
    {
        return Err(Failure::usage(refusal));
    }
    let options = cli.client_options()?;
    let members = fleet::connect(&names, cli.target.base_url.as_deref(), &options);
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
    let requested = pairs.len();
    let change = key_values(pairs.iter().map(|(id, v)| (*id, v.as_str())));
    let edits = move |base: &Settings| {
        let mut edits = Edits::default();
        for (id, value) in &pairs {
            edits.set(base, *id, value.clone());
        }
        Ok(edits)
    };
    Fleet::new(cli.fleet.jobs)?.change(cli, &members, requested, edits, send, ("rerun", change))
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

/// Each diff once, with the tenants it is for (thirty tenants with the same
/// change read as one diff), then one table: what would change where.
fn plan_text(members: &[Member], plans: &[Plan], will: &str, locks: &RunLocks) -> String {
    // (the diff or message, the tenants it is for), in first-seen order.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut rows = Vec::new();
    let guard_of = |m: &Member| {
        m.session
            .as_ref()
            .map(|s| s.guard.clone())
            .unwrap_or_default()
    };
    // The mode gets a column when the fleet mixes modes (or this run locks).
    let modes = locks.all_read_only || members.iter().any(|m| guard_of(m).mode != Mode::Normal);
    for (member, plan) in members.iter().zip(plans) {
        let mut text = String::new();
        let guard = guard_of(member);
        let dash = || "-".to_string();
        let (to_change, unchanged, invalid, note) = match plan {
            Plan::Send {
                changes, unchanged, ..
            } => {
                text.push_str(&render_diff(changes, will));
                (
                    changes.changed().count().to_string(),
                    unchanged.to_string(),
                    "0".to_string(),
                    String::new(),
                )
            }
            Plan::Unchanged {
                same_tenant_as: Some(first),
                ..
            } => {
                text.push_str(&format!(
                    "Same tenant as {}: sent once, through that profile.\n",
                    safe(first)
                ));
                let note = format!("same tenant as {}", safe(first));
                ("0".into(), "-".into(), "0".into(), note)
            }
            Plan::Unchanged { unchanged, .. } => {
                text.push_str("No changes: the tenant already holds these values.\n");
                ("0".into(), unchanged.to_string(), "0".into(), String::new())
            }
            Plan::Invalid {
                changes,
                message,
                unchanged,
            } => {
                if let Some(changes) = changes {
                    text.push_str(&render_diff(changes, "would be"));
                }
                text.push_str(&format!("cannot send: {}\n", safe(message)));
                let bad = changes.as_ref().map_or(1, |c| c.problems.len());
                (
                    changes
                        .as_ref()
                        .map_or_else(dash, |c| c.changed().count().to_string()),
                    unchanged.to_string(),
                    bad.to_string(),
                    "not sent: invalid here".to_string(),
                )
            }
            Plan::Failed(refusal) => {
                text.push_str(&format!("cannot read: {}\n", safe(&refusal.message)));
                (dash(), dash(), dash(), "cannot read".to_string())
            }
            Plan::Cancelled => {
                text.push_str("not read: interrupted\n");
                (dash(), dash(), dash(), "interrupted".to_string())
            }
        };
        let tenant = label(&member.profile, member.tenant_label());
        match groups.iter_mut().find(|(diff, _)| *diff == text) {
            Some((_, tenants)) => tenants.push(tenant),
            None => groups.push((text, vec![tenant])),
        }
        let locked = !locks.writable(&member.profile, &guard);
        let note = if locked && matches!(plan, Plan::Send { .. }) {
            "refused: read-only in this run".to_string()
        } else {
            note
        };
        let mut row = vec![
            profile_cell(&member.profile, &guard),
            safe(member.tenant_label()).into_owned(),
        ];
        if modes {
            row.push(match (guard.mode, locked) {
                (Mode::ReadOnly, false) => "read-only, unlocked".to_string(),
                (Mode::Normal, true) => "read-only (--read-only)".to_string(),
                (mode, _) => mode.as_str().to_string(),
            });
        }
        row.extend([to_change, unchanged, invalid, note]);
        rows.push(row);
    }
    let mut text = String::new();
    for (diff, tenants) in &groups {
        text.push_str(&tenants_line(tenants));
        text.push_str(diff);
        text.push('\n');
    }
    let mut header = vec!["PROFILE", "TENANT"];
    if modes {
        header.push("MODE");
    }
    header.extend(["TO CHANGE", "UNCHANGED", "INVALID", "NOTE"]);
    text.push_str(&table(&header, &rows));
    text
}

/// A profile's name with its label (`prod-a [PROD]`), safe for a terminal;
/// no colour: a table measures its cells.
fn profile_cell(profile: &str, guard: &crate::guard::ProfileGuard) -> String {
    match guard.tag() {
        Some(tag) => format!("{} {tag}", safe(profile)),
        None => safe(profile).into_owned(),
    }
}

/// `t01 (sid):`, or `3 tenants: t01 (sid), t02 (sid), t03 (sid):` filled
/// into lines of at most 78 columns, never breaking a tenant's name.
fn tenants_line(tenants: &[String]) -> String {
    if let [one] = tenants {
        return format!("{one}:\n");
    }
    let mut text = String::new();
    let mut line = format!("{}:", count(tenants.len(), "tenant"));
    for (i, tenant) in tenants.iter().enumerate() {
        let item = if i + 1 == tenants.len() {
            format!("{tenant}:")
        } else {
            format!("{tenant},")
        };
        if width(&line) + 1 + width(&item) > 78 {
            text.push_str(&line);
            text.push('\n');
            line = format!("  {item}");
        } else {
            line.push(' ');
            line.push_str(&item);
        }
    }
    text.push_str(&line);
    text.push('\n');
    text
}

/// `get` across tenants: a matrix, or `{profile: {section: {key: value}}}`
/// (each tenant in the shape `get --json` prints for one; `null` for a
/// tenant that could not be read).
fn get(
    members: &[Member],
    got: &[Got],
    ids: &[FieldId],
    as_json: bool,
    differ: bool,
) -> Result<(), Failure> {
    let asked_for_keys = !ids.is_empty();
    let ids: Vec<FieldId> = if ids.is_empty() {
        FieldId::all().collect()
    } else {
        ids.to_vec()
    };
    let mut code = exit::OK;
    let mut read: Vec<(&Member, &Settings)> = Vec::new();
    for (member, got) in members.iter().zip(got) {
        match got {
            Got::Read(r) => read.push((member, &r.answer.settings)),
            Got::Failed(refusal) => {
                eprintln!(
                    "exoset: {}: {}",
                    label(&member.profile, member.tenant_label()),
                    safe(&refusal.message)
                );
                code = code.max(refusal.code);
            }
            Got::Cancelled => {
                eprintln!(
                    "exoset: {}: not read: interrupted",
                    label(&member.profile, member.tenant_label())
                );
                code = code.max(exit::INTERRUPTED);
            }
        }
    }
    let differs = |id: FieldId| {
        let mut values = read.iter().map(|(_, s)| s.get(id));
        let first = values.next().flatten();
        values.any(|v| !crate::changes::same_reported(id, first, v))
    };
    let shown_ids: Vec<FieldId> = ids
        .iter()
        .copied()
        .filter(|id| !differ || differs(*id))
        .collect();
    if as_json {
        let mut out = Map::new();
        for (member, got) in members.iter().zip(got) {
            let value = match got {
                Got::Read(r) if differ || asked_for_keys => {
                    remote::only(&super::show::settings(&r.answer.settings), &shown_ids)
                }
                Got::Read(r) => super::show::settings(&r.answer.settings).to_json(),
                _ => Value::Null,
            };
            out.insert(member.profile.clone(), value);
        }
        write_stdout(&json_pretty(&Value::Object(out)))?;
        return finish(code, "");
    }
    if read.is_empty() {
        return finish(code.max(exit::NETWORK), "no tenant could be read");
    }
    if shown_ids.is_empty() {
        eprintln!(
            "The {} agree on {}.",
            count(read.len(), "tenant"),
            if ids.len() == 1 {
                "this key"
            } else {
                "every key asked for"
            }
        );
        return finish(code, "");
    }
    // What is shown of each tenant: secrets masked, told apart by a number
    // for this run (`••••#1`, `••••#2`).
    let mut tags = crate::secrets::Tags::default();
    let masked: Vec<Option<Settings>> = got
        .iter()
        .map(|got| match got {
            Got::Read(r) => {
                let mut shown = r.answer.settings.clone();
                for id in &shown_ids {
                    if let Some(value) = r.answer.settings.get(*id) {
                        let text = super::show::tagged(*id, value, &mut tags);
                        if text != value {
                            shown.set(*id, text);
                        }
                    }
                }
                Some(shown)
            }
            _ => None,
        })
        .collect();
    // Every tenant keeps its place: one that could not be read says so.
    let columns: Vec<(&Member, Option<&Settings>)> = members
        .iter()
        .zip(&masked)
        .map(|(member, shown)| (member, shown.as_ref()))
        .collect();
    let limit = terminal_width();
    // Where the tenants' values of a key part, to keep that in view.
    let parting = |id: FieldId| {
        let values: Vec<String> = masked
            .iter()
            .flatten()
            .map(|s| s.get(id).map(display_value).unwrap_or_default())
            .map(|v| safe(&v).into_owned())
            .collect();
        crate::text::parting(&values.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let partings: Vec<Option<usize>> = shown_ids.iter().map(|id| parting(*id)).collect();
    // Off a terminal a value is never cut; on one, to `max` columns around
    // where the tenants' values part.
    let cell = |settings: Option<&Settings>, key: usize, max: usize| match settings {
        None => "(not read)".to_string(),
        Some(settings) => settings.get(shown_ids[key]).map_or_else(
            || "(not reported)".to_string(),
            |v| {
                let text = safe(&display_value(v)).into_owned();
                match (limit, partings[key]) {
                    (None, _) => text,
                    (Some(_), Some(at)) => crate::text::fit_showing(&text, at, max),
                    (Some(_), None) => fit(&text, max),
                }
            },
        ),
    };
    let marked: Vec<bool> = shown_ids.iter().map(|id| differs(*id)).collect();
    let mark = |key: usize| if marked[key] { "*" } else { "" }.to_string();
    // One row per key…
    let mut by_key_header = vec![String::new(), "KEY".to_string()];
    by_key_header.extend(columns.iter().map(|(m, _)| safe(&m.profile).into_owned()));
    let by_key: Vec<Vec<String>> = (0..shown_ids.len())
        .map(|key| {
            let mut row = vec![mark(key), shown_ids[key].path()];
            row.extend(columns.iter().map(|(_, s)| cell(*s, key, CELL)));
            row
        })
        .collect();
    // …or one row per tenant…
    let mut by_tenant_header = vec!["PROFILE".to_string(), "TENANT".to_string()];
    by_tenant_header.extend(
        shown_ids
            .iter()
            .zip(&marked)
            .map(|(id, mark)| format!("{}{}", id.path(), if *mark { " *" } else { "" })),
    );
    let by_tenant: Vec<Vec<String>> = columns
        .iter()
        .map(|(m, s)| {
            let mut row = vec![
                safe(&m.profile).into_owned(),
                safe(m.tenant_label()).into_owned(),
            ];
            row.extend((0..shown_ids.len()).map(|key| cell(*s, key, CELL)));
            row
        })
        .collect();
    fn header(h: &[String]) -> Vec<&str> {
        h.iter().map(String::as_str).collect()
    }
    let key_text = table(&header(&by_key_header), &by_key);
    let tenant_text = table(&header(&by_tenant_header), &by_tenant);
    let widest = |t: &str| t.lines().map(width).max().unwrap_or(0);
    let text = match limit {
        // Off a terminal, the narrower.
        None if widest(&key_text) <= widest(&tenant_text) => key_text,
        None => tenant_text,
        // On one, a matrix that fits; else one row per key per tenant,
        // the value cut to what is left of the line.
        Some(limit) if widest(&key_text) <= limit => key_text,
        Some(limit) if widest(&tenant_text) <= limit => tenant_text,
        Some(limit) => one_row_each(&shown_ids, &columns, &mark, limit, &cell),
    };
    write_stdout(&text)?;
    if marked.iter().any(|m| *m) {
        eprintln!("* the tenants differ on this key");
    }
    finish(code, "")
}

/// `get` across tenants too wide for the terminal as a matrix: one row per
/// key per tenant, the value in what is left of the line.
fn one_row_each(
    ids: &[FieldId],
    columns: &[(&Member, Option<&Settings>)],
    mark: &dyn Fn(usize) -> String,
    limit: usize,
    cell: &dyn Fn(Option<&Settings>, usize, usize) -> String,
) -> String {
    let key_width = ids.iter().map(|id| width(&id.path())).max().unwrap_or(3);
    let profile_width = columns
        .iter()
        .map(|(m, _)| width(&safe(&m.profile)))
        .max()
        .unwrap_or(7)
        .max(7);
    // The mark, the key, the profile and the gaps between them.
    let room = limit
        .saturating_sub(1 + 2 + key_width.max(3) + 2 + profile_width + 2)
        .max(12);
    let rows: Vec<Vec<String>> = (0..ids.len())
        .flat_map(|key| {
            columns.iter().map(move |(m, s)| {
                vec![
                    mark(key),
                    ids[key].path(),
                    safe(&m.profile).into_owned(),
                    cell(*s, key, room),
                ]
            })
        })
        .collect();
    table(&["", "KEY", "PROFILE", "VALUE"], &rows)
}

/// Columns to fit a matrix in, when stdout is a terminal.
fn terminal_width() -> Option<usize> {
    std::io::stdout()
        .is_terminal()
        .then(|| crossterm::terminal::size().map_or(100, |(w, _)| usize::from(w)))
}

/// `export` across tenants: a folder of PROFILE.json, or `{profile: doc}`.
fn export(members: &[Member], got: &[Got], output: Option<&Path>) -> Result<(), Failure> {
    let mut code = exit::OK;
    let mut docs = Map::new();
    for (member, got) in members.iter().zip(got) {
        match got {
            Got::Read(r) => {
                docs.insert(member.profile.clone(), r.answer.settings.to_json());
            }
            Got::Failed(refusal) => {
                eprintln!(
                    "exoset: {}: {}",
                    label(&member.profile, member.tenant_label()),
                    safe(&refusal.message)
                );
                code = code.max(refusal.code);
            }
            Got::Cancelled => code = code.max(exit::INTERRUPTED),
        }
    }
    match output {
        None => super::write_stdout_exact(&json_pretty(&Value::Object(docs)))?,
        Some(dir) if dir == Path::new("-") => {
            super::write_stdout_exact(&json_pretty(&Value::Object(docs)))?
        }
        Some(dir) => {
            if dir.exists() && !dir.is_dir() {
                return Err(Failure::usage(format!(
                    "{} is a file; with several profiles -o names a folder (one PROFILE.json \
                     each)",
                    safe(&dir.display().to_string())
                )));
            }
            for (profile, doc) in &docs {
                let mut text = serde_json::to_string_pretty(doc).unwrap_or_default();
                text.push('\n');
                let path = dir.join(format!("{profile}.json"));
                crate::config::write_private(&path, &text).map_err(|e| {
                    Failure::usage(format!(
                        "cannot write {}: {e}",
                        safe(&path.display().to_string())
                    ))
                })?;
            }
            eprintln!(
                "Wrote {} to {}.",
                count(docs.len(), "file"),
                safe(&dir.display().to_string())
            );
        }
    }
    finish(code, "")
}

/// `history` across tenants: each tenant's entries under its name. Needs no
/// token: the history is on this machine.
fn history(names: &[String], limit: usize, as_json: bool) -> Result<(), Failure> {
    let mut code = exit::OK;
    let mut text = String::new();
    let mut out = Map::new();
    for name in names {
        let overrides = crate::auth::Overrides {
            profile: Some(name.clone()),
            profile_only: true,
            ..crate::auth::Overrides::default()
        };
        let selected = match crate::auth::select(&overrides) {
            Ok(selected) => selected,
            Err(e) => {
                eprintln!("exoset: {}: {}", safe(name), safe(&e.message));
                code = code.max(e.code);
                continue;
            }
        };
        let Some(tenant) = selected.tenant_sid.clone() else {
            eprintln!(
                "exoset: {}: the profile names no tenant SID; nothing recorded",
                safe(name)
            );
            code = code.max(exit::CREDENTIALS);
            continue;
        };
        let state = crate::store::StateDir::new(&selected.paths, name, &tenant);
        let history = match remote::load_history_of(&state) {
            Ok(history) => history,
            Err(e) => {
                eprintln!("exoset: {}: {}", label(name, &tenant), safe(&e.message));
                code = code.max(e.code);
                continue;
            }
        };
        let newest: Vec<&crate::store::HistoryEntry> =
            history.entries.iter().rev().take(limit).collect();
        if as_json {
            out.insert(name.clone(), remote::history_json(&newest));
            continue;
        }
        text.push_str(&format!("{}:\n", label(name, &tenant)));
        if newest.is_empty() {
            text.push_str("  (no changes recorded)\n");
        } else {
            for line in remote::history_text(&newest).lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    if as_json {
        write_stdout(&json_pretty(&Value::Object(out)))?;
    } else {
        write_stdout(&text)?;
    }
    finish(code, "")
}
