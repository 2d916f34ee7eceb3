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

mod outcome;
mod plan;
mod rollout;
mod run;
mod select;
#[cfg(test)]
mod tests;

pub use outcome::*;
pub use plan::*;
pub use rollout::*;
pub use run::*;
pub use select::*;

/// Tenants worked on at once unless `--jobs` says otherwise (as terraform's
/// parallelism).
pub const DEFAULT_JOBS: usize = 10;
