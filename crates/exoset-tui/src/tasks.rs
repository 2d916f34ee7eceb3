//! The network tasks of the editor: reads and sends through the shared
//! [`Session`], and the fleet's planning and sending for "also send to…".

use super::{Action, EditorState};
use crate::api::Client;
use crate::changes::Edits;
use crate::fleet::Member;
use crate::guard::{Confirmation, ProfileGuard, RunLocks};
use crate::session::{SendRequest, Sent, Session};
use crate::settings::Settings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The network tasks: at most one request in flight, cancellable. Reads
/// and sends go through the shared [`Session`], as the subcommands' do.
pub(super) struct Tasks {
    pub(super) session: Session,
    tx: mpsc::UnboundedSender<Action>,
    in_flight: Option<CancellationToken>,
    /// This tenant's send in flight: its task, and whether its PUT went out.
    own_send: Option<(tokio::task::JoinHandle<()>, Arc<AtomicBool>)>,
    /// The fleet's send in flight, if any.
    fleet: Option<FleetRun>,
    /// This run's `--read-only` / `--write`, for the guard.
    locks: RunLocks,
}

/// A fleet send in flight: its view, its task, and its two brakes.
struct FleetRun {
    view: u64,
    task: tokio::task::JoinHandle<()>,
    /// Start no new tenant (Esc): those out finish.
    stop: CancellationToken,
    /// Abort the sends in flight (the editor ends).
    abort: CancellationToken,
}

/// What became of this tenant's send when the editor ended during it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// No send of this tenant was in flight.
    Idle,
    /// Stopped before its PUT went out: nothing was sent.
    BeforePut,
    /// Stopped after its PUT went out: it may have been applied.
    AfterPut,
}

impl Tasks {
    /// Reads each tenant and plans `changes` against it, as `exoset set`
    /// across tenants does; the plans are for fleet view `view`.
    pub(super) fn plan_fleet(
        &mut self,
        view: u64,
        members: Vec<Member>,
        changes: Vec<(crate::schema::FieldId, String)>,
    ) {
        let tx = self.tx.clone();
        // This editor's tenant sends first: a ticked profile that reaches
        // it again is planned "same tenant as" this one.
        let own_profile = self.session.profile.clone();
        let own_key = crate::fleet_alias::key_of(self.session.client.url());
        tokio::spawn(async move {
            let cancel = CancellationToken::new();
            let got =
                crate::fleet::read_all(&members, crate::fleet::DEFAULT_JOBS, &cancel, |_, _| {})
                    .await;
            let mut plans = crate::fleet::plan(&got, changes.len(), |base| {
                let mut edits = Edits::default();
                for (id, text) in &changes {
                    edits.set(base, *id, text.clone());
                }
                Ok(edits)
            });
            crate::fleet_alias::once_per_tenant(
                &members,
                &mut plans,
                Some((&own_profile, &own_key)),
            );
            let _ = tx.send(Action::FleetPlanned { view, plans });
        });
    }

    /// Sends to every tenant planned ready, each through the shared send
    /// path; each result goes out as it comes, then all of them.
    pub(super) fn send_fleet(
        &mut self,
        view: u64,
        members: Vec<Member>,
        plans: Vec<crate::fleet::Plan>,
        count: Option<(usize, usize)>,
        reason: Option<String>,
        ceiling: crate::fleet::Ceiling,
    ) {
        if self
            .fleet
            .as_ref()
            .is_some_and(|run| !run.task.is_finished())
        {
            // One fleet send at a time: a second `y` never sends again.
            return;
        }
        let tx = self.tx.clone();
        let (stop, abort) = (CancellationToken::new(), CancellationToken::new());
        let (stop_here, abort_here) = (stop.clone(), abort.clone());
        // A protected tenant is confirmed by the count typed for all of
        // them; the others by the `y` that started the send.
        let cleared = crate::fleet::clear_each(
            &members,
            &plans,
            &self.locks,
            |member| match (count, &member.session) {
                (Some((typed, protected)), Ok(session))
                    if session.guard.mode == crate::guard::Mode::Protected =>
                {
                    Confirmation::Count { typed, protected }
                }
                _ => Confirmation::Yes,
            },
            reason.as_deref(),
            ceiling,
        );
        let task = tokio::spawn(async move {
            let each = tx.clone();
            let outcomes = crate::fleet::send_all(
                &members,
                &plans,
                &cleared,
                crate::fleet::DEFAULT_JOBS,
                &abort_here,
                &stop_here,
                |index, outcome| {
                    let _ = each.send(Action::FleetResult {
                        view,
                        index,
                        outcome: Box::new(outcome.clone()),
                    });
                },
            )
            .await;
            let _ = tx.send(Action::FleetSent { view, outcomes });
        });
        self.fleet = Some(FleetRun {
            view,
            task,
            stop,
            abort,
        });
    }

    /// Esc during fleet view `view`'s send: no new tenant is started.
    pub(super) fn stop_fleet(&mut self, view: u64) {
        if let Some(run) = self.fleet.as_ref().filter(|run| run.view == view) {
            run.stop.cancel();
        }
    }

    /// Whether the fleet's send is still going.
    pub(super) fn fleet_in_flight(&self) -> bool {
        self.fleet
            .as_ref()
            .is_some_and(|run| !run.task.is_finished())
    }

    /// Whether this tenant's send is still going.
    pub(super) fn own_in_flight(&self) -> bool {
        self.own_send
            .as_ref()
            .is_some_and(|(task, _)| !task.is_finished())
    }

    /// The editor ends: the sends in flight are aborted, as the fleet
    /// subcommands do on Ctrl-C, and waited for, so that their last word
    /// (the fleet's report lines) is in the channel. Says whether this
    /// tenant's PUT had gone out.
    pub(super) async fn abort_sends(&mut self) -> Stopped {
        let mut stopped = Stopped::Idle;
        if let Some((task, put)) = self.own_send.take()
            && !task.is_finished()
        {
            self.cancel();
            let _ = task.await;
            stopped = if put.load(Ordering::SeqCst) {
                Stopped::AfterPut
            } else {
                Stopped::BeforePut
            };
        }
        if let Some(run) = self.fleet.take() {
            run.abort.cancel();
            let _ = run.task.await;
        }
        stopped
    }

    pub(super) fn new(
        client: Client,
        state: Option<&EditorState>,
        guard: ProfileGuard,
        locks: RunLocks,
        tx: mpsc::UnboundedSender<Action>,
    ) -> Tasks {
        let session = match state {
            Some(s) => Session::new(client, &s.profile, &s.tenant)
                .with_state(s.dir.clone(), s.history_keep),
            None => Session::new(client, "", ""),
        }
        .with_guard(guard);
        Tasks {
            session,
            tx,
            in_flight: None,
            own_send: None,
            fleet: None,
            locks,
        }
    }

    pub(super) fn token(&mut self) -> CancellationToken {
        self.cancel();
        let token = CancellationToken::new();
        self.in_flight = Some(token.clone());
        token
    }

    pub(super) fn cancel(&mut self) {
        if let Some(token) = self.in_flight.take() {
            token.cancel();
        }
    }

    pub(super) fn load(&mut self, seq: u64) {
        let (token, session, tx) = (self.token(), self.session.clone(), self.tx.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                result = session.read() => {
                    let (result, warnings) = match result {
                        Ok(read) => (Ok(read.answer), read.warnings),
                        Err(e) => (Err(e), Vec::new()),
                    };
                    let _ = tx.send(Action::Loaded { seq, result });
                    for warning in warnings {
                        let _ = tx.send(Action::Problem(warning));
                    }
                }
            }
        });
    }

    pub(super) fn submit(
        &mut self,
        seq: u64,
        base: Settings,
        edits: Edits,
        rollback_of: Option<u64>,
        confirmation: &Confirmation,
        reason: Option<String>,
    ) {
        let (token, session, tx) = (self.token(), self.session.clone(), self.tx.clone());
        let cleared =
            match crate::guard::clear(&session, &self.locks, confirmation, reason.as_deref()) {
                Ok(cleared) => cleared,
                Err(failure) => {
                    let _ = tx.send(Action::Sent {
                        seq,
                        sent: Box::new(Sent::Refused(failure)),
                    });
                    return;
                }
            };
        let put = Arc::new(AtomicBool::new(false));
        let put_here = put.clone();
        let task = tokio::spawn(async move {
            let request = SendRequest {
                base,
                edits,
                rollback_of,
                ..SendRequest::default()
            };
            let checked = tx.clone();
            tokio::select! {
                () = token.cancelled() => {}
                sent = session.send(request, &cleared, move || {
                    put_here.store(true, Ordering::SeqCst);
                    let _ = checked.send(Action::Checked { seq });
                }) => {
                    let _ = tx.send(Action::Sent { seq, sent: Box::new(sent) });
                }
            }
        });
        self.own_send = Some((task, put));
    }
}
