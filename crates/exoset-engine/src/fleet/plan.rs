//! The first read of every tenant, and what to do with each.

use crate::changes::{ChangeSet, Edits};
use crate::exit;
use crate::session::Read;
use crate::settings::Settings;
use tokio_util::sync::CancellationToken;

use super::Member;
use super::run::{PANICKED, Slot, run_bounded};
use crate::exit::Failure;
/// What the first read of one tenant gave.
#[derive(Debug, Clone)]
pub enum Got {
    Read(Box<Read>),
    Failed(Failure),
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
                    Err(e) => Got::Failed(e.into()),
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
            (Ok(_), Slot::Panicked) => {
                Got::Failed(Failure::new(exit::NETWORK, format!("not read: {PANICKED}")))
            }
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
    Failed(Failure),
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
