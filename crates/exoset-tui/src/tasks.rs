//! The network tasks of the editor: reads and sends through the shared
//! [`Session`], and the fleet's planning and sending for "also send to…".

use super::{Action, EditorState};
use crate::api::Client;
use crate::changes::Edits;
use crate::fleet::Member;
use crate::session::{SendRequest, Session};
use crate::settings::Settings;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Tenants read or sent to at once from the editor, as the fleet's default.
const FLEET_JOBS: usize = 10;

/// The network tasks: at most one request in flight, cancellable. Reads
/// and sends go through the shared [`Session`], as the subcommands' do.
pub(super) struct Tasks {
    pub(super) session: Session,
    tx: mpsc::UnboundedSender<Action>,
    in_flight: Option<CancellationToken>,
}

impl Tasks {
    /// Reads each tenant and plans `changes` against it, as `exoset set`
    /// across tenants does.
    pub(super) fn plan_fleet(
        &mut self,
        members: Vec<Member>,
        changes: Vec<(crate::schema::FieldId, String)>,
    ) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let cancel = CancellationToken::new();
            let got = crate::fleet::read_all(&members, FLEET_JOBS, &cancel, |_, _| {}).await;
            let plans = crate::fleet::plan(&got, changes.len(), |base| {
                let mut edits = Edits::default();
                for (id, text) in &changes {
                    edits.set(base, *id, text.clone());
                }
                Ok(edits)
            });
            let _ = tx.send(Action::FleetPlanned(plans));
        });
    }

    /// Sends to every tenant planned ready, each through the shared send path.
    pub(super) fn send_fleet(&mut self, members: Vec<Member>, plans: Vec<crate::fleet::Plan>) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let cancel = CancellationToken::new();
            let outcomes =
                crate::fleet::send_all(&members, &plans, FLEET_JOBS, &cancel, |_| {}).await;
            let _ = tx.send(Action::FleetSent(outcomes));
        });
    }

    pub(super) fn new(
        client: Client,
        state: Option<&EditorState>,
        tx: mpsc::UnboundedSender<Action>,
    ) -> Tasks {
        let session = Session {
            client,
            state: state.map(|s| s.dir.clone()),
            profile: state.map(|s| s.profile.clone()).unwrap_or_default(),
            tenant: state.map(|s| s.tenant.clone()).unwrap_or_default(),
            history_keep: state.map_or(1, |s| s.history_keep),
        };
        Tasks {
            session,
            tx,
            in_flight: None,
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

    pub(super) fn submit(&mut self, seq: u64, base: Settings, edits: Edits) {
        let (token, session, tx) = (self.token(), self.session.clone(), self.tx.clone());
        tokio::spawn(async move {
            let request = SendRequest {
                base,
                edits,
                ..SendRequest::default()
            };
            let checked = tx.clone();
            tokio::select! {
                () = token.cancelled() => {}
                sent = session.send(request, move || {
                    let _ = checked.send(Action::Checked { seq });
                }) => {
                    let _ = tx.send(Action::Sent { seq, sent: Box::new(sent) });
                }
            }
        });
    }
}
