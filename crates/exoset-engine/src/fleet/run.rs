//! Bounded concurrency, and the send to every tenant that will change.

use crate::api::ApiError;
use crate::api::client::wait_words;
use crate::changes::ChangeSet;
use crate::exit;
use crate::session::{SendRequest, Sent, Session};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Member;
use super::outcome::{
    KeyState, Kind, Outcome, interrupted_put, outcome, planned_keys, refused, unsent,
};
use super::plan::Plan;
use crate::exit::Failure;
use crate::guard::Cleared;
/// What became of one task of [`run_bounded`].
pub(super) enum Slot<T> {
    Done(T),
    /// Cancelled before it ran, or aborted.
    NotRun,
    /// It panicked: an internal error.
    Panicked,
}

/// Said of a tenant whose task panicked.
pub(super) const PANICKED: &str = "an internal error (a panic) stopped the work on this tenant; please \
                        report it";

/// Runs `task(i)` for every `i` that gives one, at most `jobs` at a time.
/// `on_done` sees each result as it comes. When `cancel` fires, no task
/// starts and those running are aborted: their slot stays `NotRun`. When
/// `stop` fires, no task starts but those running finish.
pub(super) async fn run_bounded<T, Fut>(
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

/// Sends each `Plan::Send` through [`Session::send`], at most `jobs` at
/// once, with the guard's leave for its tenant (`cleared`, by place; a
/// tenant without it is `refused`); every other tenant gets its outcome
/// without a request. Members and
/// plans are taken pairwise (a member without a plan is left out).
/// `cancel` aborts the sends in flight (their tenants end `unknown` when the
/// PUT had gone out, else `cancelled`); `stop` only starts no new tenant, so
/// those in flight end with their own result. `on_done` sees each tenant's
/// line as it comes, with its place in the list.
pub async fn send_all(
    members: &[Member],
    plans: &[Plan],
    cleared: &[Result<Cleared, Failure>],
    jobs: usize,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    on_done: impl FnMut(usize, &Outcome),
) -> Vec<Outcome> {
    let options = SendOptions {
        jobs,
        ..SendOptions::default()
    };
    send_all_with(members, plans, cleared, &options, cancel, stop, on_done).await
}

/// How long a fleet waits on 429s before sending once more: at most
/// `per_tenant` for one tenant, `per_run` for all of them together.
#[derive(Clone)]
pub struct SendOptions {
    pub jobs: usize,
    pub per_tenant: Duration,
    pub per_run: Duration,
    /// Told of each wait as it begins (the tenant's place, the wait).
    pub on_wait: Option<Arc<dyn Fn(usize, Duration) + Send + Sync>>,
    /// `--max-fail`: fires `stop` once so many tenants sent to failed.
    pub fail_limit: Option<Arc<super::FailLimit>>,
}

/// The longest one tenant waits on a 429's `Retry-After`.
pub const RATE_WAIT_PER_TENANT: Duration = Duration::from_secs(60);
/// The longest a whole run waits on 429s.
pub const RATE_WAIT_PER_RUN: Duration = Duration::from_secs(120);

impl Default for SendOptions {
    fn default() -> SendOptions {
        SendOptions {
            jobs: super::DEFAULT_JOBS,
            per_tenant: RATE_WAIT_PER_TENANT,
            per_run: RATE_WAIT_PER_RUN,
            on_wait: None,
            fail_limit: None,
        }
    }
}

/// One tenant's send: what the send path said, and what was said of a
/// 429 waited out (or not) on the side.
struct Attempt {
    sent: Sent,
    note: Option<String>,
}

/// The line of a tenant sent to, with the note of a 429 on it.
fn attempt_line(member: &Member, changes: &ChangeSet, attempt: &Attempt) -> Outcome {
    let mut line = outcome(member, changes, &attempt.sent);
    if let Some(note) = &attempt.note {
        line.message = format!("{note}; {}", line.message);
    }
    line
}

/// Sends once; after a complete 429 answer (refused, not applied), waits
/// for its `Retry-After` within the limits and sends once more through the
/// same path with the same request (its original base): a PUT that did
/// land after all then shows `unchanged` and nothing is sent. At most one
/// retry. `budget` is what is left of the run's wait.
async fn send_once_more_after_429(
    session: Session,
    request: SendRequest,
    leave: Cleared,
    flag: Arc<AtomicBool>,
    limits: (Duration, Arc<Mutex<Duration>>),
    on_wait: impl FnOnce(Duration),
) -> Attempt {
    let put = flag.clone();
    let sent = session
        .send(request.clone(), &leave, move || {
            put.store(true, Ordering::SeqCst)
        })
        .await;
    let retry_after = match &sent {
        Sent::Failed {
            error: ApiError::RateLimited { retry_after, .. },
            ..
        } => *retry_after,
        _ => return Attempt { sent, note: None },
    };
    // Refused, not applied: until the next PUT goes out, nothing may have
    // been applied (Ctrl-C during the wait makes it `cancelled`).
    flag.store(false, Ordering::SeqCst);
    let (per_tenant, budget) = limits;
    let refuse = |why: String| Attempt {
        sent: sent.clone(),
        note: Some(why),
    };
    let Some(wait) = retry_after else {
        return refuse("not sent again: the 429 gave no Retry-After to wait for".to_string());
    };
    if wait > per_tenant {
        return refuse(format!(
            "not sent again: the wait asked for ({}) is longer than the {} one tenant may wait",
            wait_words(wait),
            wait_words(per_tenant)
        ));
    }
    {
        let mut left = budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if wait > *left {
            return refuse(format!(
                "not sent again: the wait asked for ({}) is longer than what is left ({}) of \
                 the {} a run may wait",
                wait_words(wait),
                wait_words(*left),
                wait_words(RATE_WAIT_PER_RUN)
            ));
        }
        *left -= wait;
    }
    on_wait(wait);
    tokio::time::sleep(wait).await;
    let put = flag.clone();
    let again = session
        .send(request, &leave, move || put.store(true, Ordering::SeqCst))
        .await;
    Attempt {
        sent: again,
        note: Some(format!(
            "rate-limited (HTTP 429): waited {} as Retry-After asked, then sent once more",
            wait_words(wait)
        )),
    }
}

/// [`send_all`] with the rate-limit waits of `options`.
pub async fn send_all_with(
    members: &[Member],
    plans: &[Plan],
    cleared: &[Result<Cleared, Failure>],
    options: &SendOptions,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    mut on_done: impl FnMut(usize, &Outcome),
) -> Vec<Outcome> {
    let jobs = options.jobs;
    let budget = Arc::new(Mutex::new(options.per_run));
    let plans = &crate::fleet_alias::guarded(members, plans);
    let pairs: Vec<(&Member, &Plan)> = members.iter().zip(plans).collect();
    let put_started: Vec<Arc<AtomicBool>> = pairs
        .iter()
        .map(|_| Arc::new(AtomicBool::new(false)))
        .collect();
    let sendable = |i: usize| match (pairs.get(i), cleared.get(i)) {
        (
            Some((
                Member {
                    session: Ok(session),
                    ..
                },
                Plan::Send { base, edits, .. },
            )),
            Some(Ok(leave)),
        ) => Some((session, base, edits, leave)),
        _ => None,
    };
    let results = run_bounded(
        pairs.len(),
        jobs,
        cancel,
        stop,
        |i| {
            let (session, base, edits, leave) = sendable(i)?;
            let session = session.clone();
            let leave = leave.clone();
            let request = SendRequest {
                base: base.clone(),
                edits: edits.clone(),
                reference: None,
                rollback_of: None,
            };
            let flag = put_started.get(i)?.clone();
            let limits = (options.per_tenant, budget.clone());
            let told = options.on_wait.clone();
            let fail_limit = options.fail_limit.clone();
            Some(async move {
                let attempt =
                    send_once_more_after_429(session, request, leave, flag, limits, move |wait| {
                        if let Some(told) = told {
                            told(i, wait);
                        }
                    })
                    .await;
                // Counted before this task lets the next tenant start.
                if let Some(limit) = fail_limit {
                    limit.see(attempt.sent.report().kind);
                }
                attempt
            })
        },
        |i, attempt| {
            if let Some((member, plan)) = pairs.get(i)
                && let Some(changes) = plan.changes()
            {
                on_done(i, &attempt_line(member, changes, attempt));
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
            (Some(attempt), Some(changes), _) => attempt_line(member, changes, &attempt),
            (None, Some(changes), true) if panicked => panicked_outcome(member, changes, started),
            (None, Some(changes), true) if started => {
                interrupted_put(&member.profile, member.tenant_label(), changes)
            }
            (None, _, false) if matches!(plan, Plan::Send { .. }) && member.session.is_ok() => {
                let line = match cleared.get(i) {
                    Some(Err(failure)) => refused(member, plan, failure),
                    _ => refused(
                        member,
                        plan,
                        &Failure::usage("not sent: no confirmation was given for it"),
                    ),
                };
                on_done(i, &line);
                line
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

/// The guard's answer for each tenant the plan would send to, by place:
/// `confirmation` is how the person confirmed that member's tenant. A tenant
/// that would not be sent anything needs no leave (`Err` there is never
/// looked at). When more tenants would get leave than `ceiling` allows,
/// none does.
pub fn clear_each(
    members: &[Member],
    plans: &[Plan],
    locks: &crate::guard::RunLocks,
    confirmation: impl Fn(&Member) -> crate::guard::Confirmation,
    reason: Option<&str>,
    ceiling: super::Ceiling,
) -> Vec<Result<Cleared, Failure>> {
    let leaves: Vec<Result<Cleared, Failure>> = members
        .iter()
        .zip(plans)
        .map(|(member, plan)| match (&member.session, plan) {
            (Ok(session), Plan::Send { .. }) => {
                crate::guard::clear(session, locks, &confirmation(member), reason)
            }
            (Err(failure), _) => Err(failure.clone()),
            _ => Err(Failure::usage("nothing to send")),
        })
        .collect();
    // Past the ceiling, no tenant gets leave: whichever face asked.
    let will_change = leaves.iter().filter(|leave| leave.is_ok()).count();
    match super::check_ceiling(will_change, ceiling.configured, ceiling.typed) {
        Ok(()) => leaves,
        Err(why) => leaves
            .into_iter()
            .map(|leave| leave.and_then(|_| Err(Failure::usage(why.clone()))))
            .collect(),
    }
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
            KeyState::Unknown,
        )
    } else {
        (
            Kind::Failed,
            exit::NETWORK,
            format!("not sent: {PANICKED}"),
            KeyState::NotSent,
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
