//! The subcommands that talk to the server: get, set, diff, apply, export.

use super::{Failure, exit, write_stdout};
use crate::api::Answer;
use crate::changes::{ChangeSet, Edits};
use crate::fleet::Kind;
use crate::guard::Confirmation;
use crate::schema::{FieldId, lookup_path};
use crate::session::{self, SendRequest, Sent, Session, Verdict, quoted, request_id_part, shown};
use crate::settings::Settings;
use crate::store::{HistoryEntry, Loaded, Outcome, StateDir, format_time};
use crate::text::{count, safe};
use std::io::Read;
use std::path::Path;

/// How a command that changes settings should behave.
#[derive(Debug, Clone, Default)]
pub struct SendMode {
    /// Print the exact PUT body; send nothing.
    pub dry_run: bool,
    /// Do not ask before sending.
    pub yes: bool,
    /// Refuse when a key to send changed on the server since a reference
    /// read: `Some(None)` = the last read, `Some(Some(file))` = an export.
    pub expect_unchanged: Option<Option<std::path::PathBuf>>,
    /// `--confirm-tenant` and `--reason`.
    pub guard: super::GuardArgs,
    /// This run's `--write` / `--read-only`.
    pub locks: crate::guard::RunLocks,
}

impl SendMode {
    /// The reference read `--expect-unchanged` compares against, read before
    /// this command's own GET replaces the last read.
    fn reference(&self, remote: &Remote) -> Result<Option<Settings>, Failure> {
        match &self.expect_unchanged {
            None => Ok(None),
            Some(Some(file)) => read_desired(file).map(Some),
            Some(None) => match remote.state.load_last_read() {
                Loaded::Found((time, settings)) => {
                    eprintln!("Comparing with the settings read at {}.", format_time(time));
                    Ok(Some(settings))
                }
                Loaded::Missing => Err(Failure::usage(
                    "--expect-unchanged: no earlier read of this tenant to compare with; run \
                     `exoset get` or pass an export file (--expect-unchanged=FILE)",
                )),
                Loaded::SetAside { moved_to, reason } => Err(Failure::usage(format!(
                    "--expect-unchanged: the last read is {reason} (kept as {}); run \
                     `exoset get` again or pass an export file",
                    moved_to.display()
                ))),
            },
        }
    }
}

/// Exit 4: keys about to be sent moved on the server since `reference`.
fn moved_failure(moved: &[(FieldId, Option<String>, Option<String>)]) -> Failure {
    let report = session::Report::moved(moved);
    Failure::new(report.code, report.block())
}

/// Runs a future on a small runtime: one thread is plenty for one request.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = crate::runtime()
        .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
    let output = runtime.block_on(future);
    // A lookup still stuck (a request given up on) is not waited for.
    crate::shut_down(runtime);
    Ok(output)
}

/// A session on one profile's tenant, as the subcommands use it.
pub struct Remote {
    pub session: Session,
    /// The tenant's state folder (the session's, always present here).
    pub state: StateDir,
}

impl Remote {
    /// GETs the settings, prints any notes, and remembers them as the last read.
    fn read(&self) -> Result<Answer, Failure> {
        said(block_on(self.session.read())??)
    }

    /// GETs the settings a send starts from, prints any notes; the last
    /// read is left alone (only a successful send moves it).
    fn read_to_send(&self) -> Result<Answer, Failure> {
        said(block_on(self.session.read_to_send())??)
    }
}

/// Prints a read's notes and warnings; its answer.
fn said(read: session::Read) -> Result<Answer, Failure> {
    super::show::register_settings(&read.answer.settings);
    print_notes(&read.answer.settings);
    for warning in &read.warnings {
        eprintln!("warning: {}", safe(warning));
    }
    Ok(read.answer)
}

fn print_notes(settings: &Settings) {
    for note in settings.notes() {
        eprintln!("note: {}", safe(&note.to_string()));
    }
}

/// "Not a setting", with the path it most likely meant when one is near.
fn unknown_path(typed: &str) -> Failure {
    let shown = safe(&format!("{typed:?}")).into_owned();
    match crate::schema::suggest(typed) {
        Some(id) => Failure::usage(format!(
            "{shown} is not a setting; did you mean {}? (see `exoset fields`)",
            id.path()
        )),
        None => Failure::usage(format!(
            "{shown} is not a setting; paths look like common.timezone (see `exoset fields`)"
        )),
    }
}

pub(super) fn parse_paths(paths: &[String]) -> Result<Vec<FieldId>, Failure> {
    paths
        .iter()
        .map(|p| lookup_path(p).ok_or_else(|| unknown_path(p)))
        .collect()
}

/// `exoset get [--json] [PATH…]`
pub fn get(remote: &Remote, as_json: bool, paths: &[String]) -> Result<(), Failure> {
    let ids = parse_paths(paths)?;
    let answer = remote.read()?;
    let text = if as_json {
        get_json(&answer.settings, &ids)
    } else {
        get_table(&answer.settings, &ids)
    };
    write_stdout(&text)
}

/// The document as JSON; filtered to `ids` when any are given.
pub fn get_json(settings: &Settings, ids: &[FieldId]) -> String {
    let settings = super::show::settings(settings);
    let doc = if ids.is_empty() {
        settings.to_json()
    } else {
        only(&settings, ids)
    };
    crate::text::json_pretty(&doc)
}

/// The keys `ids` of `settings`, in the body shape (`{section: {key:
/// value}}`): what `get --json PATH…` prints for one tenant, and for each
/// tenant across several.
pub(super) fn only(settings: &Settings, ids: &[FieldId]) -> serde_json::Value {
    let mut filtered = Settings::default();
    for &id in ids {
        if let Some(text) = settings.get(id) {
            filtered.set(id, text);
        }
    }
    filtered.to_json()
}

/// The document as a two-column table of `section.key` and value.
pub fn get_table(settings: &Settings, ids: &[FieldId]) -> String {
    let ids: Vec<FieldId> = if ids.is_empty() {
        FieldId::all().collect()
    } else {
        ids.to_vec()
    };
    let mut rows: Vec<(String, String)> = ids
        .iter()
        .map(|&id| {
            let value = settings
                .get(id)
                .map(|v| display_value(&super::show::value(id, v)))
                .unwrap_or_else(|| "(not reported)".into());
            (id.path(), value)
        })
        .collect();
    if ids.len() == crate::schema::SETTINGS.len() {
        for (section, key, value) in settings.unknown() {
            rows.push((
                format!("{}.{} (unknown to exoset)", safe(&section), safe(&key)),
                display_value(&value.to_string()),
            ));
        }
    }
    let width = rows
        .iter()
        .map(|(p, _)| crate::text::width(p))
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(path, value)| format!("{}  {value}\n", crate::text::pad(path, width)))
        .collect()
}

/// A value on one line: control characters escaped so a table stays a table
/// and the terminal stays the person's; every script shown as itself.
pub(super) fn display_value(text: &str) -> String {
    safe(text).into_owned()
}

/// Parses and checks `PATH=VALUE` assignments, before any network round trip.
pub fn parse_assignments(assignments: &[String]) -> Result<Vec<(FieldId, String)>, Failure> {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for assignment in assignments {
        let Some((path, value)) = assignment.split_once('=') else {
            // (an assignment holding the mask is refused below, by key)
            // `--expect-unchanged snap.json` reads the file as an assignment.
            let file_hint = if assignment.ends_with(".json") || Path::new(assignment).is_file() {
                "; to compare with an export file, join it to the flag: \
                 --expect-unchanged=FILE"
            } else {
                ""
            };
            return Err(Failure::usage(format!(
                "{} is not PATH=VALUE, e.g. common.timezone=UTC{file_hint}",
                safe(&format!("{assignment:?}"))
            )));
        };
        let [id] = parse_paths(&[path.to_string()])?[..] else {
            return Err(unknown_path(path));
        };
        super::show::refuse_masked(id, value, "")?;
        super::show::register(id, value);
        if let Err(e) = crate::validate::check(id.setting().kind, value) {
            problems.push(format!("{}: {e}", id.path()));
        }
        pairs.push((id, value.to_string()));
    }
    if problems.is_empty() {
        Ok(pairs)
    } else {
        Err(Failure::usage(problems.join("\n")))
    }
}

/// `exoset set PATH=VALUE…`, with the assignments already parsed.
pub fn set(remote: &Remote, pairs: Vec<(FieldId, String)>, mode: SendMode) -> Result<(), Failure> {
    let reference = mode.reference(remote)?;
    let base = remote.read_to_send()?;
    let mut edits = Edits::default();
    for (id, value) in pairs {
        edits.set(&base.settings, id, value);
    }
    send_changes(remote, &base.settings, &edits, mode, reference, None)
}

/// Reads a desired-state file (`-` is stdin) in the PUT-body shape.
pub fn read_desired(path: &Path) -> Result<Settings, Failure> {
    let name = path.display();
    let mut text = String::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    result.map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
    let desired =
        Settings::from_json_text(&text).map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    for note in desired.notes() {
        eprintln!(
            "note: {}: {}",
            safe(&name.to_string()),
            safe(&note.to_string())
        );
    }
    for id in FieldId::all() {
        if let Some(value) = desired.get(id) {
            super::show::refuse_masked(id, value, &format!(" in {}", safe(&name.to_string())))?;
            super::show::register(id, value);
        }
    }
    Ok(desired)
}

fn desired_edits(base: &Settings, desired: &Settings, file: &Path) -> Result<Edits, Failure> {
    Edits::from_desired(base, desired)
        .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))
}

/// `exoset diff -f FILE`
pub fn diff(remote: &Remote, file: &Path) -> Result<(), Failure> {
    let desired = read_desired(file)?;
    let base = remote.read()?;
    let edits = desired_edits(&base.settings, &desired, file)?;
    let changes = ChangeSet::new(&base.settings, &edits);
    write_stdout(&render_diff(&changes, "would be"))?;
    report_problems(&changes)
}

/// `exoset apply -f FILE`
pub fn apply(remote: &Remote, file: &Path, mode: SendMode) -> Result<(), Failure> {
    let desired = read_desired(file)?;
    let reference = mode.reference(remote)?;
    let base = remote.read_to_send()?;
    let edits = desired_edits(&base.settings, &desired, file)?;
    send_changes(remote, &base.settings, &edits, mode, reference, None)
}

/// `exoset export [-o FILE]`
pub fn export(remote: &Remote, output: Option<&Path>) -> Result<(), Failure> {
    let answer = remote.read()?;
    // Whole: export is how a person gets secrets back.
    let text = crate::text::json_pretty(&answer.settings.to_json());
    note_secrets(&answer.settings, output);
    match output {
        None => super::write_stdout_exact(&text),
        Some(path) if path == Path::new("-") => super::write_stdout_exact(&text),
        // Atomically and private (0600), like every file exoset writes.
        Some(path) => crate::config::write_private(path, &text)
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display()))),
    }
}

/// Says, on stderr, which keys of an export hold secrets in full.
pub(super) fn note_secrets(settings: &Settings, output: Option<&Path>) {
    let to = output.filter(|p| *p != Path::new("-")).map_or_else(
        || "this export".to_string(),
        |p| safe(&p.display().to_string()).into_owned(),
    );
    note_secrets_in(settings, &to);
}

/// Says, on stderr, that `to` (already made safe to print) holds the
/// secrets of `settings` in full, naming their keys; nothing when none.
pub(super) fn note_secrets_in(settings: &Settings, to: &str) {
    let rules = super::show::rules();
    let keys: Vec<String> = FieldId::all()
        .filter(|id| {
            settings
                .get(*id)
                .is_some_and(|v| rules.holds_secret(*id, v))
        })
        .map(|id| id.path())
        .collect();
    if !keys.is_empty() {
        eprintln!(
            "note: {to} holds secrets in full ({}): keep it private",
            keys.join(", ")
        );
    }
}

/// The pending diff, one line per key; companions marked. `will` says
/// whether the keys are about to be sent (before the question) or would be
/// (`diff`).
pub fn render_diff(changes: &ChangeSet, will: &str) -> String {
    if changes.is_empty() {
        return "No changes.\n".into();
    }
    let width = changes
        .rows
        .iter()
        .map(|r| r.id.path().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    // The editor's markers: `*` a key that changes, `=` one sent unchanged
    // with its endpoint (`~` is kept for "not taken" / "changed on the
    // server", in both faces).
    for row in &changes.rows {
        let path = row.id.path();
        let show = |v: &str| super::show::value(row.id, v);
        if row.companion {
            text.push_str(&format!(
                "= {path:<width$}  {} (unchanged; sent with its endpoint)\n",
                quoted(&show(&row.new))
            ));
        } else {
            let old = shown(row.old.as_deref().map(show).as_deref());
            let new = super::show::change(row.id, row.old.as_deref(), &row.new);
            text.push_str(&format!("* {path:<width$}  {old} -> {}\n", quoted(&new)));
        }
    }
    for warning in &changes.warnings {
        text.push_str(&format!("warning: {}\n", safe(&warning.to_string())));
    }
    text.push_str(&format!(
        "{}; {} {will} sent.\n",
        count(changes.changed().count(), "change"),
        count(changes.rows.len(), "key"),
    ));
    text
}

fn report_problems(changes: &ChangeSet) -> Result<(), Failure> {
    if changes.problems.is_empty() {
        return Ok(());
    }
    let report = session::Report::invalid(changes);
    Err(Failure::new(report.code, report.block()))
}

/// Shows the diff, asks, and hands the change to the shared send path;
/// then says what the server did.
fn send_changes(
    remote: &Remote,
    base: &Settings,
    edits: &Edits,
    mode: SendMode,
    reference: Option<Settings>,
    rollback_of: Option<u64>,
) -> Result<(), Failure> {
    let changes = ChangeSet::new(base, edits);
    report_problems(&changes)?;
    if let Some(reference) = &reference {
        let moved = crate::changes::changed_since(&changes, reference, base);
        if !moved.is_empty() {
            return Err(moved_failure(&moved));
        }
    }
    let body = match changes.body() {
        Ok(Some(body)) => body,
        Ok(None) => {
            eprintln!("No changes: the server already has these values. Nothing sent.");
            return Ok(());
        }
        Err(_) => return report_problems(&changes),
    };
    if mode.dry_run {
        eprint!("{}", render_diff(&changes, "would be"));
        eprintln!(
            "Dry run: this PUT body would be sent to {}:",
            remote.session.client.url()
        );
        if !super::show::revealed() && super::show::json(&body) != body {
            eprintln!("Secrets are masked; --show-secrets prints the body exactly.");
        }
        return write_stdout(&crate::text::json_pretty(&super::show::json(&body)));
    }
    let session = &remote.session;
    // A read-only profile is refused before anything is asked.
    if !mode.locks.writable(&session.profile, &session.guard) {
        return Err(
            crate::guard::clear(session, &mode.locks, &Confirmation::Yes, None)
                .err()
                .unwrap_or_else(|| Failure::usage("not sent")),
        );
    }
    eprint!("{}", render_diff(&changes, "will be"));
    let target = target(remote);
    let given = super::guard::Confirmations::parse(&mode.guard.confirm_tenant)?;
    let question = format!("Send these changes to {target}?");
    let Some(confirmation) = super::guard::confirm_one(session, mode.yes, &given, &question)?
    else {
        eprintln!("Nothing sent.");
        return Ok(());
    };
    let required: Vec<&str> = if session.guard.require_reason {
        vec![session.profile.as_str()]
    } else {
        Vec::new()
    };
    let reason = super::guard::reason(mode.guard.reason.as_deref(), &required, !mode.yes)?;
    let cleared = crate::guard::clear(session, &mode.locks, &confirmation, reason.as_deref())?;
    let request = SendRequest {
        base: base.clone(),
        edits: edits.clone(),
        reference,
        rollback_of,
    };
    let sent = block_on(session.send(request, &cleared, || {}))?;
    report_sent(&sent, &target)
}

/// Which tenant a question or a "Saved" line is about: the profile, the
/// tenant SID and the host, each escaped (a profile name or SID may come
/// from the environment).
fn target(remote: &Remote) -> String {
    let session = &remote.session;
    let host = session.client.url().host_str().unwrap_or("?");
    let tag = super::guard::tag(&session.guard, super::guard::stderr_colour())
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    format!(
        "profile {}{tag} (tenant {} on {})",
        safe(&session.profile),
        safe(&session.tenant),
        safe(host)
    )
}

/// Says what became of a send to `target`; the error carries its exit code.
fn report_sent(sent: &Sent, target: &str) -> Result<(), Failure> {
    for warning in sent.warnings() {
        eprintln!("warning: {}", safe(warning));
    }
    let report = sent.report();
    for note in &report.notes {
        eprintln!("{}.", capitalised(note));
    }
    let request = request_id_part(report.request_id.as_deref());
    match report.kind {
        Kind::Sent => {
            eprintln!("{} to {target}{request}.", capitalised(&report.headline));
            Ok(())
        }
        Kind::Unchanged => {
            eprintln!("{}.", capitalised(&report.headline));
            Ok(())
        }
        Kind::Unknown => Err(Failure::new(
            report.code,
            format!("{}.\n  {}", report.headline, session::UNKNOWN_ADVICE),
        )),
        // The server answered: its request id goes with the keys it did
        // not take (an error's own words already carry it).
        Kind::Failed if matches!(sent, Sent::Done(_)) => {
            Err(Failure::new(report.code, report.block_with(&request)))
        }
        _ => Err(Failure::new(report.code, report.block())),
    }
}

/// `text` with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn load_history(remote: &Remote) -> Result<crate::store::History, Failure> {
    load_history_of(&remote.state)
}

pub(super) fn load_history_of(state: &StateDir) -> Result<crate::store::History, Failure> {
    match state.load_history() {
        Loaded::Found(history) => Ok(history),
        Loaded::Missing => Ok(crate::store::History::default()),
        Loaded::SetAside { moved_to, reason } if moved_to == state.history_path() => {
            Err(Failure::new(
                exit::USAGE,
                format!(
                    "the history of this tenant, {}, is {reason}",
                    safe(&moved_to.display().to_string())
                ),
            ))
        }
        Loaded::SetAside { moved_to, reason } => Err(Failure::new(
            exit::USAGE,
            format!(
                "the history of this tenant is {reason}; it was moved to {}",
                safe(&moved_to.display().to_string())
            ),
        )),
    }
}

/// `exoset history [-n N] [--json]`: newest first.
pub fn history(remote: &Remote, limit: usize, as_json: bool) -> Result<(), Failure> {
    let history = load_history(remote)?;
    let newest: Vec<&HistoryEntry> = history.entries.iter().rev().take(limit).collect();
    if as_json {
        let value = history_json(&newest);
        return write_stdout(&crate::text::json_pretty(&value));
    }
    if newest.is_empty() {
        eprintln!(
            "No changes recorded for tenant {} (profile {}).",
            remote.session.tenant, remote.session.profile
        );
        return Ok(());
    }
    write_stdout(&history_text(&newest))
}

/// History entries as `--json` prints them: the bodies with their secrets
/// masked (unless `--show-secrets`); the file keeps them whole.
pub(super) fn history_json(entries: &[&HistoryEntry]) -> serde_json::Value {
    let masked: Vec<HistoryEntry> = entries
        .iter()
        .map(|e| {
            let mut e = (*e).clone();
            e.sent = super::show::json(&e.sent);
            e.before = super::show::json(&e.before);
            e.after = super::show::json(&e.after);
            e
        })
        .collect();
    serde_json::to_value(&masked).unwrap_or_default()
}

/// One line per history entry, as `exoset history` lists them, ending
/// with who sent it and why when that was recorded.
pub(super) fn history_text(newest: &[&HistoryEntry]) -> String {
    let mut text = String::new();
    for entry in newest {
        let changed = entry.changed();
        let keys: Vec<String> = changed.iter().map(|(id, _, _)| id.path()).collect();
        let unconfirmed = entry
            .outcomes
            .values()
            .filter(|o| **o == crate::changes::KeyStatus::Unconfirmed)
            .count();
        let not_taken = entry
            .outcomes
            .values()
            .filter(|o| matches!(o, crate::changes::KeyStatus::NotTaken(_)))
            .count();
        let mut notes = Vec::new();
        if let Some(of) = entry.rollback_of {
            notes.push(format!("rollback of {of}"));
        }
        match entry.outcome {
            Outcome::Answered => {}
            Outcome::Unknown => notes.push("outcome unknown: its answer was lost".to_string()),
            Outcome::Applied => {
                notes.push("applied: its answer was lost, a later read found it".to_string())
            }
            Outcome::NotApplied => notes.push(
                "not applied: its answer was lost, a later read found the old values".to_string(),
            ),
        }
        if unconfirmed > 0 {
            notes.push(format!("{} unconfirmed", count(unconfirmed, "key")));
        }
        if not_taken > 0 {
            notes.push(format!("{} not taken", count(not_taken, "key")));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        text.push_str(&format!(
            "{:>4}  {}  {}  {}{notes}: {}\n",
            entry.id,
            format_time(entry.time),
            safe(entry.request_id.as_deref().unwrap_or("-")),
            count(keys.len(), "change"),
            if keys.is_empty() {
                "-".to_string()
            } else {
                keys.join(", ")
            }
        ));
        if let Some(line) = entry.who_and_why() {
            // On the entry's own line: one line per entry, for scripts.
            text.pop();
            text.push_str(&format!(" — {line}\n"));
        }
    }
    text
}

/// `exoset rollback [ID]`: put back the values a recorded PUT replaced.
pub fn rollback(remote: &Remote, id: Option<u64>, mode: SendMode) -> Result<(), Failure> {
    let history = load_history(remote)?;
    let entry = match id {
        Some(id) => history.find(id).ok_or_else(|| {
            Failure::usage(format!(
                "no history entry {id} for tenant {} (see `exoset history`)",
                remote.session.tenant
            ))
        })?,
        None => history
            .entries
            .last()
            .ok_or_else(|| Failure::usage("nothing to roll back: the history is empty"))?,
    };
    match entry.outcome {
        Outcome::Unknown => {
            return Err(Failure::usage(format!(
                "entry {} has outcome unknown (its answer was lost{}); nothing is known to \
                 roll back",
                entry.id,
                if entry.settled_at.is_some() {
                    ", and a later read found neither its values nor the old ones"
                } else {
                    "; `exoset get` settles it"
                }
            )));
        }
        Outcome::NotApplied => {
            return Err(Failure::usage(format!(
                "entry {} was not applied (a read after it found the old values); nothing to \
                 roll back",
                entry.id
            )));
        }
        Outcome::Answered | Outcome::Applied => {}
    }
    let changed = entry.changed();
    if changed.is_empty() {
        eprintln!("Entry {} changed nothing; nothing to roll back.", entry.id);
        return Ok(());
    }
    // The entry's values are met in this run too: the net masks them.
    for (id, before, after) in &changed {
        for value in [before, after].into_iter().flatten() {
            super::show::register(*id, value);
        }
    }
    let base = remote.read_to_send()?;
    let plan = session::rollback_plan(&changed, &base.settings, &Edits::default());
    // The keys must still hold what that PUT left, or someone changed them since.
    let moved: Vec<String> = plan
        .iter()
        .filter_map(|(id, verdict)| match verdict {
            Verdict::ChangedSince { now } => Some(format!(
                "{}: that change left {}, the server now has {}",
                id.path(),
                shown(
                    changed
                        .iter()
                        .find(|(c, ..)| c == id)
                        .and_then(|(_, _, after)| after.as_deref())
                        .map(|after| super::show::value(*id, after))
                        .as_deref()
                ),
                shown(
                    now.as_deref()
                        .map(|now| super::show::value(*id, now))
                        .as_deref()
                )
            )),
            _ => None,
        })
        .collect();
    if !moved.is_empty() {
        return Err(Failure::new(
            exit::CONFLICT,
            format!(
                "not rolled back: keys changed again since entry {}:\n  {}",
                entry.id,
                moved.join("\n  ")
            ),
        ));
    }
    let mut edits = Edits::default();
    for (id, verdict) in plan {
        match verdict {
            Verdict::Restore(value) => edits.set(&base.settings, id, value),
            Verdict::NotReportedBefore => eprintln!(
                "note: {} was not reported before entry {}; it cannot be unset, so it stays",
                id.path(),
                entry.id
            ),
            Verdict::ChangedSince { .. } | Verdict::EditPending { .. } => {}
        }
    }
    eprintln!(
        "Rolling back entry {} of {}:",
        entry.id,
        format_time(entry.time)
    );
    send_changes(remote, &base.settings, &edits, mode, None, Some(entry.id))
}
