//! The fleet: one read or one change across several profiles' tenants.
//!
//! Each tenant goes through exactly the single-tenant path: [`Session::read`]
//! for the first read, [`Session::send`] for the re-read, PUT, verification
//! and history. This module adds only the choosing of profiles, the bounded
//! concurrency (a semaphore over a `JoinSet`), the plan (validation against
//! each tenant's own settings: the companion rule can differ per tenant) and
//! what became of each tenant. It knows no terminal: the caller passes a
//! [`CancellationToken`] (Ctrl-C) and a callback for progress.
//!
//! Cancelling stops new requests at once and aborts those in flight; a
//! tenant whose PUT had gone out is then *unknown* (it may have been
//! applied), one whose PUT had not is *cancelled* (nothing was sent).

use crate::api::ClientOptions;
use crate::auth::Overrides;
use crate::changes::{ChangeSet, Edits, KeyStatus};
use crate::config::Config;
use crate::exit;
use crate::session::{self, Read, SendRequest, Sent, Session, explain, shown};
use crate::settings::Settings;
use crate::store::StateDir;
use crate::text::count;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Tenants worked on at once unless `--jobs` says otherwise (as terraform's
/// parallelism).
pub const DEFAULT_JOBS: usize = 10;

/// Which profiles a command is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `-p a,b -p c`, in the order given.
    pub names: Vec<String>,
    /// `--all-profiles`.
    pub all: bool,
    /// `--profiles-matching GLOB`.
    pub matching: Option<String>,
}

impl Selection {
    /// Whether this asks for a fleet rather than today's one profile: more
    /// than one name, or a choice by the config's list.
    pub fn is_fleet(&self) -> bool {
        self.all || self.matching.is_some() || self.distinct_names().len() > 1
    }

    fn distinct_names(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for name in &self.names {
            let name = name.trim();
            if !name.is_empty() && !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen
    }

    /// The profile names chosen, each once: named ones first in the order
    /// given, then the config's (sorted) that the choice takes in.
    pub fn pick(&self, config: &Config, file: &std::path::Path) -> Result<Vec<String>, String> {
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        let known_list = || {
            if known.is_empty() {
                "there are none yet; create one with `exoset auth login -p NAME`".to_string()
            } else {
                format!("known: {}", known.join(", "))
            }
        };
        let mut picked: Vec<String> = Vec::new();
        let mut missing = Vec::new();
        for name in self.distinct_names() {
            if known.contains(&name) {
                picked.push(name.to_string());
            } else {
                missing.push(format!("{name:?}"));
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "no {} {} in {} ({})",
                crate::text::plural(missing.len(), "profile"),
                missing.join(", "),
                file.display(),
                known_list()
            ));
        }
        if let Some(pattern) = &self.matching {
            let matched: Vec<&str> = known
                .iter()
                .copied()
                .filter(|name| glob_match(pattern, name))
                .collect();
            if matched.is_empty() {
                return Err(format!(
                    "--profiles-matching {pattern:?} matches no profile in {} ({})",
                    file.display(),
                    known_list()
                ));
            }
            picked.extend(matched.into_iter().map(str::to_string));
        }
        if self.all {
            if known.is_empty() {
                return Err(format!(
                    "--all-profiles: there are no profiles in {} yet; create one with \
                     `exoset auth login -p NAME`",
                    file.display()
                ));
            }
            picked.extend(known.iter().map(|s| s.to_string()));
        }
        let mut unique = Vec::new();
        for name in picked {
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        Ok(unique)
    }
}

/// Shell-style `*` (any run, empty included) and `?` (one character).
/// Profile names are plain letters, digits, `-`, `_` and `.`, so classes and
/// braces would add a dependency for nothing.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and how much of the name it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if *c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Why a tenant could not be worked on: a message and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u8,
    pub message: String,
    /// The server's request id, when it was the server that refused.
    pub request_id: Option<String>,
}

/// One profile of the fleet: its tenant and a session on it, or why there
/// is none (no credentials, a bad base URL).
#[derive(Debug, Clone)]
pub struct Member {
    pub profile: String,
    /// The tenant SID, or `None` when the profile names none.
    pub tenant: Option<String>,
    pub session: Result<Session, Refusal>,
}

impl Member {
    /// The tenant SID for a report.
    pub fn tenant_label(&self) -> &str {
        self.tenant.as_deref().unwrap_or("-")
    }
}

/// Why a typed base URL cannot be used across several profiles, if it
/// cannot: over plain `http://` every profile's token would cross in clear
/// (loopback included: any user of a shared host can listen on a local port).
pub fn plain_http_refusal(base_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(base_url?.trim()).ok()?;
    (url.scheme() == "http").then(|| {
        "--base-url with http:// is not used with several profiles: every profile's token \
         would be sent in clear to that one address; use an https:// URL, or one profile (-p NAME)"
            .to_owned()
    })
}

/// A session per profile; a profile whose credentials cannot be found
/// becomes a member that says why (exit 3), without stopping the others.
/// `base_url` (the flag) applies to every profile, but never over plain
/// `http://` (each member is refused, exit 2); everything else — tenant SID,
/// API key, base URL and token — comes from each profile alone, never from
/// the `EXOSET_*` variables.
pub fn connect(names: &[String], base_url: Option<&str>, options: &ClientOptions) -> Vec<Member> {
    // One HTTP setup and pool for all (see `Client::sibling`).
    let mut shared: Option<crate::api::Client> = None;
    let plain = plain_http_refusal(base_url);
    names
        .iter()
        .map(|profile| {
            if let Some(message) = &plain {
                return Member {
                    profile: profile.clone(),
                    tenant: None,
                    session: Err(Refusal {
                        code: exit::USAGE,
                        message: message.clone(),
                        request_id: None,
                    }),
                };
            }
            let overrides = Overrides {
                profile: Some(profile.clone()),
                base_url: base_url.map(str::to_string),
                tenant_sid: None,
                api_key: None,
                profile_only: true,
            };
            let tenant = crate::auth::select(&overrides)
                .ok()
                .and_then(|s| s.tenant_sid);
            let session = crate::auth::resolve(&overrides)
                .map_err(|e| Refusal {
                    code: e.code,
                    message: e.message,
                    request_id: None,
                })
                .and_then(|(credentials, _, selected)| {
                    let client = match &shared {
                        Some(first) => first.sibling(&credentials),
                        None => crate::api::Client::new(&credentials, options.clone()),
                    }
                    .map_err(|e| Refusal {
                        code: e.exit_code(),
                        message: e.to_string(),
                        request_id: None,
                    })?;
                    if shared.is_none() {
                        shared = Some(client.clone());
                    }
                    Ok(Session {
                        client,
                        state: Some(StateDir::new(
                            &selected.paths,
                            &selected.profile,
                            &credentials.tenant_sid,
                        )),
                        profile: selected.profile.clone(),
                        tenant: credentials.tenant_sid.clone(),
                        history_keep: selected.config.history.keep,
                    })
                });
            Member {
                profile: profile.clone(),
                tenant,
                session,
            }
        })
        .collect()
}

/// What became of one task of [`run_bounded`].
enum Slot<T> {
    Done(T),
    /// Cancelled before it ran, or aborted.
    NotRun,
    /// It panicked: an internal error.
    Panicked,
}

/// Said of a tenant whose task panicked.
const PANICKED: &str = "an internal error (a panic) stopped the work on this tenant; please \
                        report it";

/// Runs `task(i)` for every `i` that gives one, at most `jobs` at a time.
/// `on_done` sees each result as it comes. When `cancel` fires, no task
/// starts and those running are aborted: their slot stays `NotRun`. When
/// `stop` fires, no task starts but those running finish.
async fn run_bounded<T, Fut>(
    count: usize,
    jobs: usize,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    mut task: impl FnMut(usize) -> Option<Fut>,
    mut on_done: impl FnMut(usize, &T),
) -> Vec<Slot<T>>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let semaphore = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    let mut index = HashMap::new();
    for i in 0..count {
        let Some(future) = task(i) else { continue };
        let semaphore = semaphore.clone();
        let cancel = cancel.clone();
        let stop = stop.clone();
        let handle = set.spawn(async move {
            let _permit = tokio::select! {
                biased;
                () = cancel.cancelled() => return None,
                () = stop.cancelled() => return None,
                permit = semaphore.acquire_owned() => permit.ok()?,
            };
            if cancel.is_cancelled() || stop.is_cancelled() {
                return None;
            }
            Some(future.await)
        });
        index.insert(handle.id(), i);
    }
    let mut results: Vec<Slot<T>> = (0..count).map(|_| Slot::NotRun).collect();
    let mut aborted = false;
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled(), if !aborted => {
                set.abort_all();
                aborted = true;
            }
            next = set.join_next_with_id() => match next {
                None => break,
                Some(Ok((id, Some(value)))) => {
                    if let Some(&i) = index.get(&id) {
                        on_done(i, &value);
                        results[i] = Slot::Done(value);
                    }
                }
                // A bug, not Ctrl-C: said as such, never as "interrupted".
                Some(Err(e)) if e.is_panic() => {
                    if let Some(&i) = index.get(&e.id()) {
                        results[i] = Slot::Panicked;
                    }
                }
                // Aborted, or never started: the slot stays empty.
                Some(Ok((_, None)) | Err(_)) => {}
            },
        }
    }
    results
}

/// What the first read of one tenant gave.
#[derive(Debug, Clone)]
pub enum Got {
    Read(Box<Read>),
    Failed(Refusal),
    Cancelled,
}

/// Reads every member's settings, at most `jobs` at once.
pub async fn read_all(
    members: &[Member],
    jobs: usize,
    cancel: &CancellationToken,
    mut on_done: impl FnMut(usize, &Got),
) -> Vec<Got> {
    let results = run_bounded(
        members.len(),
        jobs,
        cancel,
        cancel,
        |i| {
            let session = members[i].session.clone().ok()?;
            Some(async move {
                match session.read().await {
                    Ok(read) => Got::Read(Box::new(read)),
                    Err(e) => Got::Failed(Refusal {
                        code: e.exit_code(),
                        message: e.to_string(),
                        request_id: e.request_id().map(str::to_string),
                    }),
                }
            })
        },
        |i, got| on_done(i, got),
    )
    .await;
    results
        .into_iter()
        .zip(members)
        .map(|(got, member)| match (&member.session, got) {
            (Err(refusal), _) => Got::Failed(refusal.clone()),
            (Ok(_), Slot::Done(got)) => got,
            (Ok(_), Slot::Panicked) => Got::Failed(Refusal {
                code: exit::NETWORK,
                message: format!("not read: {PANICKED}"),
                request_id: None,
            }),
            (Ok(_), Slot::NotRun) => Got::Cancelled,
        })
        .collect()
}

/// What to do with one tenant.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Send `changes` (edits over `base`).
    Send {
        base: Settings,
        edits: Edits,
        changes: ChangeSet,
        /// Keys asked for that the tenant already holds.
        unchanged: usize,
    },
    /// The tenant already holds every value asked for, or another profile
    /// of the fleet reaches the same tenant and sends for it
    /// (`same_tenant_as`, see [`crate::fleet_alias`]): nothing is sent.
    Unchanged {
        unchanged: usize,
        same_tenant_as: Option<String>,
    },
    /// The change cannot be sent to this tenant.
    Invalid {
        changes: Option<ChangeSet>,
        message: String,
        unchanged: usize,
    },
    /// It could not be read (or has no credentials).
    Failed(Refusal),
    /// Ctrl-C came before its read finished.
    Cancelled,
}

impl Plan {
    pub fn changes(&self) -> Option<&ChangeSet> {
        match self {
            Plan::Send { changes, .. } => Some(changes),
            Plan::Invalid { changes, .. } => changes.as_ref(),
            _ => None,
        }
    }
}

/// Each tenant's plan: `edits` makes the change over that tenant's own
/// settings; `requested` is how many keys the change names.
pub fn plan(
    got: &[Got],
    requested: usize,
    edits: impl Fn(&Settings) -> Result<Edits, String>,
) -> Vec<Plan> {
    got.iter()
        .map(|got| match got {
            Got::Failed(refusal) => Plan::Failed(refusal.clone()),
            Got::Cancelled => Plan::Cancelled,
            Got::Read(read) => {
                let base = &read.answer.settings;
                let edits = match edits(base) {
                    Ok(edits) => edits,
                    Err(message) => {
                        return Plan::Invalid {
                            changes: None,
                            message,
                            unchanged: 0,
                        };
                    }
                };
                let unchanged = requested.saturating_sub(edits.len());
                let changes = ChangeSet::new(base, &edits);
                if !changes.problems.is_empty() {
                    let message = changes
                        .problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    Plan::Invalid {
                        changes: Some(changes),
                        message,
                        unchanged,
                    }
                } else if changes.is_empty() {
                    Plan::Unchanged {
                        unchanged,
                        same_tenant_as: None,
                    }
                } else {
                    Plan::Send {
                        base: base.clone(),
                        edits,
                        changes,
                        unchanged,
                    }
                }
            }
        })
        .collect()
}

/// What became of one tenant, in the words of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Sent,
    Unchanged,
    Invalid,
    Conflict,
    Failed,
    /// The PUT went out and its answer was lost (or Ctrl-C came while it
    /// was in flight): it may have been applied.
    Unknown,
    /// Ctrl-C came first: nothing was sent to it.
    Cancelled,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sent => "sent",
            Kind::Unchanged => "unchanged",
            Kind::Invalid => "invalid",
            Kind::Conflict => "conflict",
            Kind::Failed => "failed",
            Kind::Unknown => "unknown",
            Kind::Cancelled => "cancelled",
        }
    }

    pub const ALL: [Kind; 7] = [
        Kind::Sent,
        Kind::Unchanged,
        Kind::Invalid,
        Kind::Conflict,
        Kind::Failed,
        Kind::Unknown,
        Kind::Cancelled,
    ];
}

/// One key the person changed and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    pub key: String,
    pub old: Option<String>,
    pub new: String,
    /// `confirmed`, `not_taken`, `unconfirmed` (the answer told), `unknown`
    /// (the answer was lost) or `not_sent`.
    pub status: &'static str,
}

/// One tenant's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub profile: String,
    pub tenant: String,
    #[serde(rename = "outcome")]
    pub kind: Kind,
    pub exit_code: u8,
    pub message: String,
    pub request_id: Option<String>,
    pub changes: Vec<KeyChange>,
    /// Said on the side (history not kept…); not part of the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

fn planned_keys(changes: Option<&ChangeSet>, status: &'static str) -> Vec<KeyChange> {
    changes
        .map(|changes| {
            changes
                .changed()
                .map(|row| KeyChange {
                    key: row.id.path(),
                    old: row.old.clone(),
                    new: row.new.clone(),
                    status,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The outcome of a tenant that is not sent anything.
pub fn unsent(member: &Member, plan: &Plan) -> Outcome {
    let request_id = match plan {
        Plan::Failed(refusal) => refusal.request_id.clone(),
        _ => None,
    };
    let (kind, code, message) = match plan {
        Plan::Send { changes, .. } => (
            Kind::Cancelled,
            exit::INTERRUPTED,
            format!(
                "not sent: interrupted before {} went out",
                count(changes.changed().count(), "change")
            ),
        ),
        Plan::Unchanged {
            same_tenant_as: Some(first),
            ..
        } => (Kind::Unchanged, exit::OK, crate::fleet_alias::said(first)),
        Plan::Unchanged { .. } => (
            Kind::Unchanged,
            exit::OK,
            "the tenant already holds these values; nothing sent".to_string(),
        ),
        Plan::Invalid { message, .. } => {
            (Kind::Invalid, exit::USAGE, format!("not sent: {message}"))
        }
        Plan::Failed(refusal) => (Kind::Failed, refusal.code, refusal.message.clone()),
        Plan::Cancelled => (
            Kind::Cancelled,
            exit::INTERRUPTED,
            "not sent: interrupted before its settings were read".to_string(),
        ),
    };
    Outcome {
        profile: member.profile.clone(),
        tenant: member.tenant_label().to_string(),
        kind,
        exit_code: code,
        message,
        request_id,
        changes: planned_keys(plan.changes(), "not_sent"),
        warnings: Vec::new(),
    }
}

/// What the shared send path said, as a report line.
pub fn outcome(member: &Member, planned: &ChangeSet, sent: &Sent) -> Outcome {
    outcome_for(&member.profile, member.tenant_label(), planned, sent)
}

/// [`outcome`] for a tenant named by its profile and SID (the editor's own
/// tenant, which is no fleet member).
pub fn outcome_for(profile: &str, tenant: &str, planned: &ChangeSet, sent: &Sent) -> Outcome {
    let code = sent.exit_code();
    let mut request_id = None;
    let mut warnings = Vec::new();
    let mut changes = planned_keys(Some(planned), "not_sent");
    let (kind, message) = match sent {
        Sent::ReadFailed(e) => (
            Kind::Failed,
            format!("not sent: the settings could not be read again before sending: {e}"),
        ),
        Sent::Conflicts { conflicts, .. } => {
            let keys: Vec<String> = conflicts
                .iter()
                .map(|c| {
                    format!(
                        "{} was {}, now {}, yours {}",
                        c.id.path(),
                        shown(c.base.as_deref()),
                        shown(c.theirs.as_deref()),
                        session::quoted(&c.mine)
                    )
                })
                .collect();
            (
                Kind::Conflict,
                format!(
                    "not sent: the server changed {} since the read: {}",
                    count(keys.len(), "key"),
                    keys.join("; ")
                ),
            )
        }
        Sent::Moved { moved, .. } => (
            Kind::Conflict,
            format!(
                "not sent: the server changed {} since the reference read",
                count(moved.len(), "key")
            ),
        ),
        Sent::Nothing { taken_in, .. } => (
            Kind::Unchanged,
            format!(
                "nothing sent: the server already holds these values (it changed {} since the \
                 read)",
                taken_in
                    .iter()
                    .map(|id| id.path())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Sent::Invalid { changes: set, .. } => (
            Kind::Invalid,
            format!(
                "not sent: {}",
                set.problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Sent::Failed { error, changes, .. } => {
            request_id = error.request_id().map(str::to_string);
            (
                Kind::Failed,
                format!("not applied: {}", explain(error, changes)),
            )
        }
        Sent::Unknown {
            error,
            changes: set,
            warnings: kept,
            ..
        } => {
            warnings = kept.clone();
            changes = planned_keys(Some(set), "unknown");
            (Kind::Unknown, format!("{error}; {}", get_hint(profile)))
        }
        Sent::Done(done) => {
            request_id = done.request_id.clone();
            warnings = done.warnings.clone();
            changes = done
                .checks
                .iter()
                .filter(|c| !c.companion)
                .map(|c| KeyChange {
                    key: c.id.path(),
                    old: done.before.get(c.id).map(str::to_string),
                    new: c.sent.clone(),
                    status: match c.status {
                        KeyStatus::Confirmed => "confirmed",
                        KeyStatus::NotTaken(_) => "not_taken",
                        KeyStatus::Unconfirmed => "unconfirmed",
                    },
                })
                .collect();
            let missed = session::not_taken_lines(done);
            let mut message = if missed.is_empty() {
                format!("saved {}", count(done.changed(), "change"))
            } else {
                format!(
                    "the server answered but did not take {} as sent: {}",
                    count(missed.len(), "key"),
                    missed.join("; ")
                )
            };
            if let Some(line) = session::unconfirmed_line(done) {
                message.push_str("; ");
                message.push_str(&line);
            }
            if !done.taken_in.is_empty() {
                message.push_str(&format!(
                    "; taken in first (changed on the server since the read, not sent): {}",
                    done.taken_in
                        .iter()
                        .map(|id| id.path())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let kind = if missed.is_empty() {
                Kind::Sent
            } else {
                Kind::Failed
            };
            (kind, message)
        }
    };
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind,
        exit_code: code,
        message,
        request_id,
        changes,
        warnings,
    }
}

/// How to see what a tenant holds after a PUT whose answer is not known.
pub fn get_hint(profile: &str) -> String {
    format!("run `exoset get -p {profile}` to see what the tenant holds now")
}

/// The line of a tenant whose PUT went out and was stopped before its
/// answer: it may have been applied.
pub fn interrupted_put(profile: &str, tenant: &str, planned: &ChangeSet) -> Outcome {
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind: Kind::Unknown,
        exit_code: exit::UNKNOWN,
        message: format!(
            "interrupted while the PUT was in flight; it may have been applied: {}",
            get_hint(profile)
        ),
        request_id: None,
        changes: planned_keys(Some(planned), "unknown"),
        warnings: Vec::new(),
    }
}

/// The line of a tenant whose send was stopped before its PUT went out.
pub fn interrupted_before_put(profile: &str, tenant: &str, planned: &ChangeSet) -> Outcome {
    Outcome {
        profile: profile.to_string(),
        tenant: tenant.to_string(),
        kind: Kind::Cancelled,
        exit_code: exit::INTERRUPTED,
        message: format!(
            "not sent: interrupted before {} went out",
            count(planned.changed().count(), "change")
        ),
        request_id: None,
        changes: planned_keys(Some(planned), "not_sent"),
        warnings: Vec::new(),
    }
}

/// Sends each `Plan::Send` through [`Session::send`], at most `jobs` at
/// once; every other tenant gets its outcome without a request. Members and
/// plans are taken pairwise (a member without a plan is left out).
/// `cancel` aborts the sends in flight (their tenants end `unknown` when the
/// PUT had gone out, else `cancelled`); `stop` only starts no new tenant, so
/// those in flight end with their own result. `on_done` sees each tenant's
/// line as it comes, with its place in the list.
pub async fn send_all(
    members: &[Member],
    plans: &[Plan],
    jobs: usize,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    mut on_done: impl FnMut(usize, &Outcome),
) -> Vec<Outcome> {
    let plans = &crate::fleet_alias::guarded(members, plans);
    let pairs: Vec<(&Member, &Plan)> = members.iter().zip(plans).collect();
    let put_started: Vec<Arc<AtomicBool>> = pairs
        .iter()
        .map(|_| Arc::new(AtomicBool::new(false)))
        .collect();
    let sendable = |i: usize| match pairs.get(i) {
        Some((
            Member {
                session: Ok(session),
                ..
            },
            Plan::Send { base, edits, .. },
        )) => Some((session, base, edits)),
        _ => None,
    };
    let results = run_bounded(
        pairs.len(),
        jobs,
        cancel,
        stop,
        |i| {
            let (session, base, edits) = sendable(i)?;
            let session = session.clone();
            let request = SendRequest {
                base: base.clone(),
                edits: edits.clone(),
                reference: None,
                rollback_of: None,
            };
            let flag = put_started.get(i)?.clone();
            Some(async move {
                session
                    .send(request, move || flag.store(true, Ordering::SeqCst))
                    .await
            })
        },
        |i, sent| {
            if let Some((member, plan)) = pairs.get(i)
                && let Some(changes) = plan.changes()
            {
                on_done(i, &outcome(member, changes, sent));
            }
        },
    )
    .await;
    let mut outcomes = Vec::with_capacity(pairs.len());
    for (i, ((member, plan), (sent, started))) in pairs
        .iter()
        .zip(results.into_iter().zip(&put_started))
        .enumerate()
    {
        let (sent, panicked) = match sent {
            Slot::Done(sent) => (Some(sent), false),
            Slot::Panicked => (None, true),
            Slot::NotRun => (None, false),
        };
        let started = started.load(Ordering::SeqCst);
        let line = match (sent, plan.changes(), sendable(i).is_some()) {
            (Some(sent), Some(changes), _) => outcome(member, changes, &sent),
            (None, Some(changes), true) if panicked => panicked_outcome(member, changes, started),
            (None, Some(changes), true) if started => {
                interrupted_put(&member.profile, member.tenant_label(), changes)
            }
            _ => {
                let line = unsent(member, plan);
                if !matches!(plan, Plan::Send { .. }) {
                    on_done(i, &line);
                }
                line
            }
        };
        outcomes.push(line);
    }
    outcomes
}

/// Columns padded by display width, two spaces apart; the last one is not
/// padded. Cells must already be safe for a terminal.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| crate::text::width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(crate::text::width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&crate::text::pad(cell, widths[i]));
                text.push_str("  ");
            }
        }
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

/// The report both faces print: one line per tenant, then the totals;
/// `interrupted` names what stopped the run ("Interrupted (Ctrl-C)").
pub fn report(outcomes: &[Outcome], interrupted: Option<&str>) -> String {
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            let keys = match o.changes.as_slice() {
                [] => "-".to_string(),
                [one] => crate::text::safe(&one.key).into_owned(),
                many => count(many.len(), "key"),
            };
            vec![
                crate::text::safe(&o.profile).into_owned(),
                crate::text::safe(&o.tenant).into_owned(),
                o.kind.as_str().to_string(),
                keys,
                o.request_id
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |id| crate::text::one_line(id, 40)),
                crate::text::one_line(&o.message, 200),
            ]
        })
        .collect();
    let mut text = table(
        &[
            "PROFILE",
            "TENANT",
            "OUTCOME",
            "KEYS",
            "REQUEST_ID",
            "DETAIL",
        ],
        &rows,
    );
    let totals: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|kind| {
            let n = outcomes.iter().filter(|o| o.kind == *kind).count();
            (n > 0).then(|| format!("{n} {}", kind.as_str()))
        })
        .collect();
    text.push_str(&format!(
        "{}: {}.\n",
        count(outcomes.len(), "tenant"),
        totals.join(", ")
    ));
    if let Some(why) = interrupted {
        text.push_str(&format!(
            "{why}: no request started after it; `cancelled` tenants were sent nothing, \
             `unknown` ones may have taken the change.\n"
        ));
    }
    text
}

/// The outcome of a tenant whose send task panicked: unknown once its PUT
/// had started, else not sent; never "interrupted".
fn panicked_outcome(member: &Member, changes: &ChangeSet, started: bool) -> Outcome {
    let (kind, exit_code, message, status) = if started {
        (
            Kind::Unknown,
            exit::UNKNOWN,
            format!(
                "{PANICKED}; the PUT was in flight and may have been applied: run `exoset get \
                 -p {}` to see what the tenant holds now",
                member.profile
            ),
            "unknown",
        )
    } else {
        (
            Kind::Failed,
            exit::NETWORK,
            format!("not sent: {PANICKED}"),
            "not_sent",
        )
    };
    Outcome {
        profile: member.profile.clone(),
        tenant: member.tenant_label().to_string(),
        kind,
        exit_code,
        message,
        request_id: None,
        changes: planned_keys(Some(changes), status),
        warnings: Vec::new(),
    }
}

/// The exit code of a fleet: the highest among its tenants'.
/// Ctrl-C's 130 gives way to 5 when some tenant's outcome is unknown, so
/// a script can tell "stopped before anything went out" (130) from "some
/// tenants may have changed" (5). The editor's end and the subcommands use
/// this one rule.
pub fn exit_code(outcomes: &[Outcome]) -> u8 {
    let highest = outcomes
        .iter()
        .map(|o| o.exit_code)
        .max()
        .unwrap_or(exit::OK);
    // 5 is the highest code below 130, so it is what the rest would give.
    if highest == exit::INTERRUPTED && outcomes.iter().any(|o| o.kind == Kind::Unknown) {
        exit::UNKNOWN
    } else {
        highest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_of(kind: Kind, exit_code: u8) -> Outcome {
        Outcome {
            profile: "p".into(),
            tenant: "t".into(),
            kind,
            exit_code,
            message: String::new(),
            request_id: None,
            changes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn an_interrupted_fleet_exits_5_when_a_tenant_may_have_changed_else_130() {
        let sent = outcome_of(Kind::Sent, exit::OK);
        let unknown = outcome_of(Kind::Unknown, exit::UNKNOWN);
        let cancelled = outcome_of(Kind::Cancelled, exit::INTERRUPTED);
        let conflict = outcome_of(Kind::Conflict, exit::CONFLICT);
        let code = |o: &[&Outcome]| exit_code(&o.iter().map(|o| (*o).clone()).collect::<Vec<_>>());
        assert_eq!(code(&[&sent, &unknown, &cancelled]), exit::UNKNOWN);
        assert_eq!(code(&[&sent, &cancelled]), exit::INTERRUPTED);
        assert_eq!(code(&[&conflict, &cancelled]), exit::INTERRUPTED);
        assert_eq!(code(&[&conflict, &unknown]), exit::UNKNOWN);
        assert_eq!(code(&[&sent, &conflict]), exit::CONFLICT);
        assert_eq!(code(&[]), exit::OK);
    }

    /// A task that panics is an internal error, told apart from one that
    /// never ran (which the fleet reports as interrupted).
    #[test]
    fn a_task_that_panics_is_not_taken_for_one_that_was_cancelled() {
        let runtime = crate::runtime().expect("runtime");
        let (cancel, stop) = (CancellationToken::new(), CancellationToken::new());
        let slots = runtime.block_on(run_bounded(
            2,
            2,
            &cancel,
            &stop,
            |i| {
                Some(async move {
                    assert!(i != 0, "a bug in the task");
                    i
                })
            },
            |_, _| {},
        ));
        assert!(matches!(slots[0], Slot::Panicked));
        assert!(matches!(slots[1], Slot::Done(1)));
    }

    #[test]
    fn a_typed_base_url_is_refused_across_profiles_only_over_plain_http() {
        assert!(plain_http_refusal(Some("http://127.0.0.1:8480")).is_some());
        assert!(plain_http_refusal(Some(" HTTP://api.example ")).is_some());
        assert!(plain_http_refusal(Some("https://api.example")).is_none());
        assert!(plain_http_refusal(None).is_none());
        // Not a URL: the client refuses it with its own message.
        assert!(plain_http_refusal(Some("nonsense")).is_none());
        let members = connect(
            &["a".to_owned(), "b".to_owned()],
            Some("http://127.0.0.1:9"),
            &ClientOptions::default(),
        );
        assert_eq!(members.len(), 2);
        for member in &members {
            let refusal = member.session.as_ref().expect_err("refused");
            assert_eq!(refusal.code, exit::USAGE, "{refusal:?}");
        }
    }

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("prod-*", "prod-a"));
        assert!(glob_match("prod-*", "prod-"));
        assert!(!glob_match("prod-*", "staging-a"));
        assert!(glob_match("*-eu", "prod-eu"));
        assert!(glob_match("p?od*eu", "prod-a-eu"));
        assert!(!glob_match("p?od", "pod"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }

    fn config(names: &[&str]) -> Config {
        let mut config = Config::default();
        for name in names {
            config
                .profiles
                .insert(name.to_string(), crate::config::Profile::default());
        }
        config
    }

    #[test]
    fn a_selection_picks_each_profile_once_named_ones_first() {
        let config = config(&["prod-a", "prod-b", "staging"]);
        let file = std::path::Path::new("/x/config.toml");
        let selection = Selection {
            names: vec!["staging".into(), "prod-b".into(), "staging".into()],
            all: false,
            matching: Some("prod-*".into()),
        };
        assert_eq!(
            selection.pick(&config, file).unwrap(),
            vec!["staging", "prod-b", "prod-a"]
        );
        assert!(selection.is_fleet());
        let one = Selection {
            names: vec!["prod-a".into(), "prod-a".into()],
            ..Selection::default()
        };
        assert!(!one.is_fleet());
    }

    #[test]
    fn unknown_names_and_empty_matches_are_named() {
        let config = config(&["prod-a"]);
        let file = std::path::Path::new("/x/config.toml");
        let err = Selection {
            names: vec!["prod-a".into(), "nope".into()],
            ..Selection::default()
        }
        .pick(&config, file)
        .unwrap_err();
        assert!(
            err.contains("\"nope\"") && err.contains("known: prod-a"),
            "{err}"
        );
        let err = Selection {
            matching: Some("eu-*".into()),
            ..Selection::default()
        }
        .pick(&config, file)
        .unwrap_err();
        assert!(err.contains("\"eu-*\" matches no profile"), "{err}");
    }
}
