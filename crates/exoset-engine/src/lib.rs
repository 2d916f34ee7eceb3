//! exoset's engine: everything between the core and a face that does I/O.
//!
//! - [`api`]: the ExoBridge client (GET/PUT, envelope checks, size caps,
//!   timeouts, retry for GET only);
//! - [`config`]: profiles and the config file; the one atomic 0600 writer;
//! - [`auth`]: where a profile's credentials come from;
//! - [`store`]: drafts, history and the last read, under the tenant lock;
//! - [`guard`]: a profile's mode, the confirmation and reason a send needs;
//! - [`actor`]: who a change came from, as the environment says;
//! - [`session`]: the one send path both faces use;
//! - [`fleet`]: one change to many tenants;
//! - [`fleet_alias`]: profiles that reach the same tenant send once;
//! - [`runtime`]: the one tokio runtime builder.
//!
//! Knows nothing of the terminal: no face depends on another through it.

pub mod actor;
pub mod api;
pub mod auth;
pub mod config;
pub mod fleet;
pub mod fleet_alias;
pub mod guard;
pub mod runs;
pub mod session;
pub mod store;

// The core's modules and the token stores, under the names the engine's
// modules use (`crate::schema`, `crate::keystore`).
use exoset_core::{changes, exit, outcome, schema, secrets, settings, text};
use exoset_keyring as keystore;

/// The one way exoset builds a tokio runtime: one thread (a request at a
/// time, or the editor's loop and its tasks, need no more), I/O and timers on.
/// The subcommands and the editor start theirs here.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// How long a way out waits for the runtime's blocking threads: a DNS
/// lookup (`getaddrinfo`) that never answers holds one forever, and dropping
/// a runtime waits for them all.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

/// Ends a runtime without waiting more than [`SHUTDOWN_GRACE`] for its
/// blocking threads; what is left ends with the process. Every face ends its
/// runtime here, never by dropping it.
pub fn shut_down(runtime: tokio::runtime::Runtime) {
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
}
