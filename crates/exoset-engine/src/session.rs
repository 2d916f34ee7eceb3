//! The send workflow, once, for both faces: read the settings, send a change
//! conflict-aware, verify the answer key by key, record it in the history;
//! and the rollback plan. The subcommands and the editor only present what
//! comes back; this module knows no terminal.
//!
//! What it says is only what is known:
//! - each key sent is *confirmed*, *not taken* or *unconfirmed*
//!   ([`KeyStatus`]); only *not taken* is a failure;
//! - a PUT whose answer was lost after it went out has an *unknown* outcome
//!   (exit 5), never "not sent"; it is recorded in the history as `unknown`
//!   and settled (`applied` / `not applied`, or left `unknown`) by the next
//!   read of the tenant, which says what it found once;
//! - values are compared by meaning ([`crate::settings::same_value`]).

use crate::api::{Answer, ApiError, Client, Documented};
use crate::changes::{
    ChangeSet, Conflict, Drift, Edits, KeyCheck, KeyStatus, changed_since, verify,
};
use crate::exit;
use crate::outcome::Kind;
use crate::schema::{FieldId, SETTINGS, lookup_path};
use crate::settings::{Settings, same_value};
use crate::store::{HistoryEntry, StateDir};
use crate::text::{count, one_line, safe};
use serde_json::Value;

/// One profile's tenant: how to reach it and where its state lives.
#[derive(Debug, Clone)]
pub struct Session {
    pub client: Client,
    /// `None` keeps nothing on disk.
    pub state: Option<StateDir>,
    pub profile: String,
    pub tenant: String,
    /// History entries to keep.
    pub history_keep: usize,
    /// The profile's mode, label and whether it needs a reason.
    pub guard: crate::guard::ProfileGuard,
}

/// A read of the settings, with what went wrong keeping it on disk.
#[derive(Debug, Clone)]
pub struct Read {
    pub answer: Answer,
    pub warnings: Vec<String>,
}

/// A change to send: edits over the settings they were made on.
#[derive(Debug, Clone, Default)]
pub struct SendRequest {
    /// The settings the edits were made on.
    pub base: Settings,
    pub edits: Edits,
    /// `--expect-unchanged`: refuse when a key to send moved since this read.
    pub reference: Option<Settings>,
    /// The history entry this change rolls back, to label it so.
    pub rollback_of: Option<u64>,
}

/// What became of a send.
#[derive(Debug, Clone)]
pub enum Sent {
    /// The guard's leave was not for this tenant: nothing was read or sent.
    Refused(exit::Failure),
    /// The read before the PUT failed: nothing was sent.
    ReadFailed(ApiError),
    /// Keys changed both here and on the server since `base`: nothing sent.
    Conflicts {
        fresh: Settings,
        conflicts: Vec<Conflict>,
    },
    /// `--expect-unchanged`: keys to send moved since the reference read.
    Moved {
        fresh: Settings,
        moved: Vec<(FieldId, Option<String>, Option<String>)>,
    },
    /// After taking in the server's own changes, nothing is left to send.
    Nothing {
        fresh: Settings,
        taken_in: Vec<FieldId>,
    },
    /// The change set cannot be sent (taking in left a problem).
    Invalid { fresh: Settings, changes: ChangeSet },
    /// The server answered the PUT.
    Done(Box<Done>),
    /// The server refused the PUT, or it never left: not applied.
    Failed {
        fresh: Settings,
        changes: ChangeSet,
        error: ApiError,
    },
    /// The answer to the PUT was lost after it went out: it may have been
    /// applied. It is in the history as `unknown`; the next read tells.
    Unknown {
        fresh: Settings,
        changes: ChangeSet,
        error: ApiError,
        /// Keeping it in the history or the last read failed: said, not fatal.
        warnings: Vec<String>,
    },
}

/// A PUT the server answered.
#[derive(Debug, Clone)]
pub struct Done {
    pub request_id: Option<String>,
    /// The fresh read just before the PUT.
    pub before: Settings,
    /// The answer's settings.
    pub after: Settings,
    /// What was sent.
    pub changes: ChangeSet,
    pub checks: Vec<KeyCheck>,
    /// Keys changed only on the server since `base`, taken in before sending.
    pub taken_in: Vec<FieldId>,
    /// Keeping the history or the last read failed: said, not fatal.
    pub warnings: Vec<String>,
}

impl Done {
    pub fn not_taken(&self) -> impl Iterator<Item = (&KeyCheck, &str)> {
        self.checks.iter().filter_map(|c| match &c.status {
            KeyStatus::NotTaken(got) => Some((c, got.as_str())),
            _ => None,
        })
    }

    pub fn unconfirmed(&self) -> impl Iterator<Item = &KeyCheck> {
        self.checks
            .iter()
            .filter(|c| c.status == KeyStatus::Unconfirmed)
    }

    /// Keys the person changed (not companions).
    pub fn changed(&self) -> usize {
        self.changes.changed().count()
    }
}

impl Sent {
    /// The exit code of this outcome (see `exit`).
    pub fn exit_code(&self) -> u8 {
        match self {
            Sent::Refused(failure) => failure.code,
            Sent::ReadFailed(e) | Sent::Failed { error: e, .. } => e.exit_code(),
            Sent::Unknown { .. } => exit::UNKNOWN,
            Sent::Conflicts { .. } | Sent::Moved { .. } => exit::CONFLICT,
            Sent::Nothing { .. } => exit::OK,
            Sent::Invalid { .. } => exit::USAGE,
            Sent::Done(done) => {
                if done.not_taken().next().is_some() {
                    exit::NETWORK
                } else {
                    exit::OK
                }
            }
        }
    }
}

impl Session {
    /// A session on `tenant` that keeps nothing on disk (until
    /// [`Session::with_state`]).
    pub fn new(client: Client, profile: &str, tenant: &str) -> Session {
        Session {
            client,
            state: None,
            profile: profile.to_string(),
            tenant: tenant.to_string(),
            history_keep: crate::config::HistoryPrefs::default_keep(),
            guard: crate::guard::ProfileGuard::default(),
        }
    }

    /// The same session, guarded as its profile asks.
    pub fn with_guard(mut self, guard: crate::guard::ProfileGuard) -> Session {
        self.guard = guard;
        self
    }

    /// A session on a profile's tenant, with its drafts and history in the
    /// profile's state folder under `paths`.
    pub fn for_profile(
        client: Client,
        paths: &crate::config::Paths,
        profile: &str,
        tenant: &str,
        history_keep: usize,
    ) -> Session {
        Session::new(client, profile, tenant)
            .with_state(StateDir::new(paths, profile, tenant), history_keep)
    }

    /// The same session, keeping its state in `state` (`history_keep`
    /// entries of history).
    pub fn with_state(mut self, state: StateDir, history_keep: usize) -> Session {
        self.state = Some(state);
        self.history_keep = history_keep;
        self
    }

    /// GETs the settings and keeps them as the last read (what
    /// `--expect-unchanged` compares with): a read a person looks at.
    pub async fn read(&self) -> Result<Read, ApiError> {
        let mut read = self.read_to_send().await?;
        read.warnings
            .extend(self.remember_read(&read.answer.settings));
        Ok(read)
    }

    /// GETs the settings as the base of a send, without moving the last
    /// read: only a send that succeeds moves it, so a run refused by
    /// `--expect-unchanged` is refused again when retried.
    pub async fn read_to_send(&self) -> Result<Read, ApiError> {
        let answer = self.client.get().await?;
        let warnings = self.settle(&answer.settings);
        Ok(Read { answer, warnings })
    }

    fn remember_read(&self, settings: &Settings) -> Option<String> {
        let state = self.state.as_ref()?;
        state.save_last_read(settings).err().map(|e| {
            format!(
                "cannot keep the last read in {}: {e}",
                state.path().display()
            )
        })
    }

    /// Settles the history entries whose answer was lost against a read of
    /// the tenant; what it found, to be said (once: an entry is looked at
    /// only by the first read after it).
    fn settle(&self, now: &Settings) -> Vec<String> {
        let Some(state) = self.state.as_ref() else {
            return Vec::new();
        };
        match state.settle(now) {
            Ok(settled) => settled.iter().map(|s| s.describe()).collect(),
            Err(e) => vec![format!(
                "cannot settle the history entries whose answer was lost ({}): {e}",
                state.path().display()
            )],
        }
    }

    /// Reads the settings again, takes in what changed only on the server,
    /// stops at keys changed on both sides, PUTs the rest once, verifies the
    /// answer key by key and records it (with who and why). `on_put` runs as
    /// the PUT goes out. Nothing is sent without the guard's leave for this
    /// tenant ([`crate::guard::clear`]).
    pub async fn send(
        &self,
        request: SendRequest,
        cleared: &crate::guard::Cleared,
        on_put: impl FnOnce(),
    ) -> Sent {
        if !cleared.is_for(self) {
            return Sent::Refused(exit::Failure::usage(format!(
                "not sent: the confirmation given was for another tenant than profile {} \
                 (tenant {})",
                safe(&self.profile),
                safe(&self.tenant)
            )));
        }
        let why = Why {
            reason: cleared.reason().map(str::to_string),
            actor: crate::actor::Actor::current(),
        };
        let fresh = match self.client.get().await {
            Ok(answer) => answer.settings,
            Err(e) => return Sent::ReadFailed(e),
        };
        // The last read moves only when the send succeeds (below).
        let mut warnings = self.settle(&fresh);
        let drift = Drift::between(&request.base, &request.edits, &fresh);
        if !drift.conflicts.is_empty() {
            return Sent::Conflicts {
                fresh,
                conflicts: drift.conflicts,
            };
        }
        let taken_in: Vec<FieldId> = drift.taken_in.iter().map(|(id, ..)| *id).collect();
        let mut edits = request.edits.clone();
        edits.rebase(&fresh);
        let changes = ChangeSet::new(&fresh, &edits);
        if let Some(reference) = &request.reference {
            let moved = changed_since(&changes, reference, &fresh);
            if !moved.is_empty() {
                return Sent::Moved { fresh, moved };
            }
        }
        let body = match changes.body() {
            Ok(Some(body)) => body,
            Ok(None) => return Sent::Nothing { fresh, taken_in },
            Err(_) => return Sent::Invalid { fresh, changes },
        };
        on_put();
        // Dropped before its answer (Ctrl-C aborts the sends in flight), the
        // PUT still goes into the history as `unknown`, to be settled by
        // the next read.
        let unanswered = Unanswered {
            session: self,
            body: &body,
            before: &fresh,
            rollback_of: request.rollback_of,
            why: &why,
            answered: false,
        };
        let put = self.client.put(&body).await;
        unanswered.answered();
        let answer = match put {
            Ok(answer) => answer,
            Err(error @ ApiError::Unknown { .. }) => {
                warnings.extend(self.record_unknown(&body, &fresh, request.rollback_of, &why));
                return Sent::Unknown {
                    fresh,
                    changes,
                    error,
                    warnings,
                };
            }
            Err(error) if error.is_concurrent_update() => {
                // 409: someone else is updating these settings. Nothing was
                // applied; read again, so that what changed is shown (as
                // a conflict when it touches a key to send).
                return match self.client.get().await {
                    Ok(answer) => {
                        let again = answer.settings;
                        let drift = Drift::between(&request.base, &request.edits, &again);
                        if drift.conflicts.is_empty() {
                            Sent::Failed {
                                fresh: again,
                                changes,
                                error,
                            }
                        } else {
                            Sent::Conflicts {
                                fresh: again,
                                conflicts: drift.conflicts,
                            }
                        }
                    }
                    Err(_) => Sent::Failed {
                        fresh,
                        changes,
                        error,
                    },
                };
            }
            Err(error) => {
                return Sent::Failed {
                    fresh,
                    changes,
                    error,
                };
            }
        };
        let checks = verify(&changes, &answer.settings);
        warnings.extend(self.record(&body, &fresh, &answer, &checks, request.rollback_of, &why));
        warnings.extend(self.remember_read(&answer.settings));
        Sent::Done(Box::new(Done {
            request_id: answer.request_id,
            before: fresh,
            after: answer.settings,
            changes,
            checks,
            taken_in,
            warnings,
        }))
    }

    /// Records a PUT whose answer was lost in the history, as `unknown`:
    /// it may have been applied.
    fn record_unknown(
        &self,
        body: &Value,
        before: &Settings,
        rollback_of: Option<u64>,
        why: &Why,
    ) -> Option<String> {
        let state = self.state.as_ref()?;
        let mut entry = HistoryEntry::unknown(&self.profile, &self.tenant, body.clone(), before);
        entry.rollback_of = rollback_of;
        why.mark(&mut entry);
        match state.record(entry, self.history_keep) {
            Ok((_, warning)) => warning,
            Err(e) => Some(format!(
                "the PUT may have been applied, but it is not in the local history ({}): {e}",
                state.path().display()
            )),
        }
    }

    /// Records an answered PUT in the history, with each key's outcome.
    fn record(
        &self,
        body: &Value,
        before: &Settings,
        answer: &Answer,
        checks: &[KeyCheck],
        rollback_of: Option<u64>,
        why: &Why,
    ) -> Option<String> {
        let state = self.state.as_ref()?;
        let mut entry = HistoryEntry::new(
            &self.profile,
            &self.tenant,
            answer.request_id.clone(),
            body.clone(),
            before,
            &answer.settings,
        );
        entry.outcomes = checks
            .iter()
            .map(|c| (c.id.path(), c.status.clone()))
            .collect();
        entry.rollback_of = rollback_of;
        why.mark(&mut entry);
        match state.record(entry, self.history_keep) {
            Ok((_, warning)) => warning,
            Err(e) => Some(format!(
                "the server answered, but the change is not in the local history ({}): {e}",
                state.path().display()
            )),
        }
    }
}

/// Who sends and why, for the history.
struct Why {
    reason: Option<String>,
    actor: crate::actor::Actor,
}

impl Why {
    fn mark(&self, entry: &mut HistoryEntry) {
        entry.reason = self.reason.clone();
        entry.actor = Some(self.actor.clone());
        entry.exoset = Some(env!("CARGO_PKG_VERSION").to_string());
    }
}

// ----- what both faces say -----

/// What became of a send, in words: the one description of each outcome,
/// which the report of a fleet, the subcommands and the editor present each
/// in its own layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub kind: Kind,
    pub code: u8,
    /// What happened, as a phrase that starts in lower case
    /// ("not sent: the server changed 2 keys to send since they were read").
    pub headline: String,
    /// One line per key or problem concerned, in order.
    pub lines: Vec<String>,
    /// Said beside it: keys taken in first, keys the answer did not report.
    pub notes: Vec<String>,
    pub request_id: Option<String>,
}

impl Report {
    fn new(kind: Kind, code: u8, headline: String) -> Report {
        Report {
            kind,
            code,
            headline,
            lines: Vec::new(),
            notes: Vec::new(),
            request_id: None,
        }
    }

    /// The keys to send that moved since the reference read
    /// (`--expect-unchanged`), before or at the send.
    pub fn moved(moved: &[(FieldId, Option<String>, Option<String>)]) -> Report {
        let mut report = Report::new(
            Kind::Conflict,
            exit::CONFLICT,
            format!(
                "not sent: the server changed {} to send since the reference read",
                count(moved.len(), "key")
            ),
        );
        report.lines = moved
            .iter()
            .map(|(id, was, now)| {
                format!(
                    "{}: was {}, now {}",
                    id.path(),
                    shown(was.as_deref()),
                    shown(now.as_deref())
                )
            })
            .collect();
        report
    }

    /// A change set with problems: nothing can be sent.
    pub fn invalid(changes: &ChangeSet) -> Report {
        let mut report = Report::new(
            Kind::Invalid,
            exit::USAGE,
            "cannot send these changes".to_string(),
        );
        report.lines = changes
            .problems
            .iter()
            .map(|p| safe(&p.to_string()).into_owned())
            .collect();
        report
    }

    /// The headline and its lines on one line, then the notes, `; ` apart
    /// (a fleet report's DETAIL).
    pub fn one_line(&self) -> String {
        let mut text = self.headline.clone();
        if !self.lines.is_empty() {
            text.push_str(": ");
            text.push_str(&self.lines.join("; "));
        }
        for note in &self.notes {
            text.push_str("; ");
            text.push_str(note);
        }
        text
    }

    /// The headline, then each line indented below it (a subcommand's
    /// message); the notes are not in it.
    pub fn block(&self) -> String {
        self.block_with("")
    }

    /// [`Report::block`] with `after` (a request id) right after the
    /// headline.
    pub fn block_with(&self, after: &str) -> String {
        if self.lines.is_empty() {
            return format!("{}{after}", self.headline);
        }
        format!("{}{after}:\n  {}", self.headline, self.lines.join("\n  "))
    }
}

impl Sent {
    /// This outcome in words: the one description every face presents.
    pub fn report(&self) -> Report {
        let code = self.exit_code();
        let paths = |ids: &[FieldId]| {
            ids.iter()
                .map(|id| id.path())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Sent::Refused(failure) => Report::new(Kind::Refused, code, failure.message.clone()),
            Sent::ReadFailed(e) => {
                let mut report = Report::new(
                    Kind::Failed,
                    code,
                    format!("not sent: the settings could not be read again before sending: {e}"),
                );
                report.request_id = e.request_id().map(str::to_string);
                report
            }
            Sent::Conflicts { conflicts, .. } => {
                let mut report = Report::new(
                    Kind::Conflict,
                    code,
                    format!(
                        "not sent: the server changed {} to send since they were read",
                        count(conflicts.len(), "key")
                    ),
                );
                report.lines = conflicts
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: was {}, now {}, yours {}",
                            c.id.path(),
                            shown(c.base.as_deref()),
                            shown(c.theirs.as_deref()),
                            quoted(&c.mine)
                        )
                    })
                    .collect();
                report
            }
            Sent::Moved { moved, .. } => Report::moved(moved),
            Sent::Nothing { taken_in, .. } => Report::new(
                Kind::Unchanged,
                code,
                format!(
                    "nothing sent: the server already holds these values (it changed {} since \
                     they were read)",
                    paths(taken_in)
                ),
            ),
            Sent::Invalid { changes, .. } => Report::invalid(changes),
            Sent::Failed { error, changes, .. } => {
                let kind = if error.is_concurrent_update() {
                    Kind::Conflict
                } else {
                    Kind::Failed
                };
                let mut report = Report::new(
                    kind,
                    code,
                    format!("not applied: {}", explain(error, changes)),
                );
                report.request_id = error.request_id().map(str::to_string);
                report
            }
            Sent::Unknown { error, .. } => Report::new(Kind::Unknown, code, error.to_string()),
            Sent::Done(done) => {
                let missed = not_taken_lines(done);
                let mut report = if missed.is_empty() {
                    Report::new(
                        Kind::Sent,
                        code,
                        format!("saved {}", count(done.changed(), "change")),
                    )
                } else {
                    let mut report = Report::new(
                        Kind::Failed,
                        code,
                        format!(
                            "the server answered but did not take {} as sent",
                            count(missed.len(), "key")
                        ),
                    );
                    report.lines = missed;
                    report
                };
                report.request_id = done.request_id.clone();
                report.notes.extend(unconfirmed_line(done));
                if !done.taken_in.is_empty() {
                    report.notes.push(format!(
                        "taken in first (changed on the server since the read, not sent): {}",
                        paths(&done.taken_in)
                    ));
                }
                report
            }
        }
    }

    /// Warnings said beside the outcome (history or last read not kept).
    pub fn warnings(&self) -> &[String] {
        match self {
            Sent::Unknown { warnings, .. } => warnings,
            Sent::Done(done) => &done.warnings,
            _ => &[],
        }
    }
}

/// `(request_id X)`, or nothing.
pub fn request_id_part(request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!(" (request_id {})", one_line(id, 80)))
        .unwrap_or_default()
}

/// The one line naming keys the answer did not report.
pub fn unconfirmed_line(done: &Done) -> Option<String> {
    let keys: Vec<String> = done.unconfirmed().map(|c| c.id.path()).collect();
    if keys.is_empty() {
        return None;
    }
    let verb = if keys.len() == 1 { "is" } else { "are" };
    Some(format!(
        "{} sent {verb} not reported back by the server; exoset cannot confirm {}: {}",
        count(keys.len(), "key"),
        if keys.len() == 1 { "it" } else { "them" },
        keys.join(", ")
    ))
}

/// One line per key the server did not take as sent.
pub fn not_taken_lines(done: &Done) -> Vec<String> {
    done.not_taken()
        .map(|(check, got)| {
            format!(
                "{}: sent {}, server has {}",
                check.id.path(),
                quoted(&check.sent),
                quoted(got)
            )
        })
        .collect()
}

/// A value in quotes, on one line, safe for a terminal.
pub fn quoted(text: &str) -> String {
    safe(&serde_json::to_string(text).unwrap_or_else(|_| text.to_string())).into_owned()
}

/// A value or "(not reported)".
pub fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "(not reported)".to_string(), quoted)
}

/// The server's refusal of a PUT, in words that name what was refused:
/// 403/15 names `common.default_region` and the value sent.
pub fn explain(error: &ApiError, changes: &ChangeSet) -> String {
    if error.documented() == Some(Documented::Region) {
        let region = changes
            .rows
            .iter()
            .find(|r| r.id.setting().key == "default_region");
        return match region {
            Some(row) => format!(
                "common.default_region {} was refused: {error}",
                quoted(&row.new)
            ),
            None => format!("common.default_region was refused: {error}"),
        };
    }
    error.to_string()
}

/// The setting a refusal names, when its message names one: a key sent
/// first, else any setting. Longest name first (`…_event_method` before a
/// shorter key it contains).
pub fn refused_key(error: &ApiError, changes: &ChangeSet) -> Option<FieldId> {
    if error.documented() == Some(Documented::Region) {
        return lookup_path("common.default_region");
    }
    error.documented().filter(|d| *d == Documented::Refused)?;
    let message = error.server_message()?;
    let named = |id: &FieldId| message.contains(id.setting().key);
    let longest = |ids: Vec<FieldId>| ids.into_iter().max_by_key(|id| id.setting().key.len());
    longest(changes.rows.iter().map(|r| r.id).filter(named).collect()).or_else(|| {
        longest(
            (0..SETTINGS.len())
                .map(FieldId)
                .filter(named)
                .collect::<Vec<_>>(),
        )
    })
}

/// What to do after an unknown outcome, for the subcommands.
pub const UNKNOWN_ADVICE: &str = "it is in the history with outcome unknown; run `exoset get` (or `exoset diff -f FILE`) \
     to see what the server holds now, which also settles that entry; exoset does not send it \
     again on its own";

/// After an unknown outcome, a read tells which keys sent the server holds.
/// `(held, not held)` as paths.
pub fn held_after_unknown(changes: &ChangeSet, now: &Settings) -> (Vec<String>, Vec<String>) {
    let mut held = Vec::new();
    let mut not = Vec::new();
    for row in changes.changed() {
        match now.get(row.id) {
            Some(got) if same_value(row.id, got, &row.new) => held.push(row.id.path()),
            _ => not.push(row.id.path()),
        }
    }
    (held, not)
}

// ----- rollback -----

/// What rollback would do with one key of a history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Put the old value back.
    Restore(String),
    /// The key changed again since the entry: left out (a conflict).
    ChangedSince { now: Option<String> },
    /// The key was not reported before the entry: it cannot be unset.
    NotReportedBefore,
    /// An unsent edit of the key is pending; it is not overwritten.
    EditPending { mine: String },
}

/// What rolling back the keys an entry changed (`(key, before, after)`)
/// does to each, over the settings now and the pending edits — the one rule
/// for `exoset rollback` and the editor's history view.
pub fn rollback_plan(
    changed: &[(FieldId, Option<String>, Option<String>)],
    now: &Settings,
    edits: &Edits,
) -> Vec<(FieldId, Verdict)> {
    changed
        .iter()
        .map(|(id, before, after)| {
            let current = now.get(*id);
            let verdict = if !crate::changes::same_reported(*id, after.as_deref(), current) {
                Verdict::ChangedSince {
                    now: current.map(str::to_string),
                }
            } else if let Some(mine) = edits
                .get(*id)
                .filter(|mine| before.as_deref().is_none_or(|b| !same_value(*id, mine, b)))
            {
                Verdict::EditPending {
                    mine: mine.to_string(),
                }
            } else {
                match before {
                    Some(value) => Verdict::Restore(value.clone()),
                    None => Verdict::NotReportedBefore,
                }
            };
            (*id, verdict)
        })
        .collect()
}

/// A PUT on its way. If the send is dropped before the answer (its task
/// aborted), the drop records it in the history as `unknown`; the answer
/// disarms it.
struct Unanswered<'a> {
    session: &'a Session,
    body: &'a Value,
    before: &'a Settings,
    rollback_of: Option<u64>,
    why: &'a Why,
    answered: bool,
}

impl Unanswered<'_> {
    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if !self.answered {
            // Nobody is left to show a warning to: the entry is the word.
            let _ = self
                .session
                .record_unknown(self.body, self.before, self.rollback_of, self.why);
        }
    }
}
