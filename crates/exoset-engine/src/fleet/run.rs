//! Bounded concurrency, and the send to every tenant that will change.

use crate::changes::ChangeSet;
use crate::exit;
use crate::session::SendRequest;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    mut on_done: impl FnMut(usize, &Outcome),
) -> Vec<Outcome> {
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
            Some(async move {
                session
                    .send(request, &leave, move || flag.store(true, Ordering::SeqCst))
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
/// looked at).
pub fn clear_each(
    members: &[Member],
    plans: &[Plan],
    locks: &crate::guard::RunLocks,
    confirmation: impl Fn(&Member) -> crate::guard::Confirmation,
    reason: Option<&str>,
) -> Vec<Result<Cleared, Failure>> {
    members
        .iter()
        .zip(plans)
        .map(|(member, plan)| match (&member.session, plan) {
            (Ok(session), Plan::Send { .. }) => {
                crate::guard::clear(session, locks, &confirmation(member), reason)
            }
            (Err(failure), _) => Err(failure.clone()),
            _ => Err(Failure::usage("nothing to send")),
        })
        .collect()
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
