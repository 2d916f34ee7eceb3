//! The ExoBridge settings API, simulated: `exoset sim`, `exoset --demo` and the
//! tests run against it over real HTTP.
//!
//! It implements `docs/api.md` as the real server is documented to behave: Basic
//! auth, one tenant, `GET` and a partially merging `PUT` of
//! `/v1/tenants/{sid}/settings`, validation of every key from the schema (wire
//! types included) and the companion rule, all-or-nothing, and the envelope on
//! every answer with `common.default_region` as a list. State lives in memory,
//! optionally saved to a file after each accepted `PUT`.
//!
//! Tests reach behind the client's back through the [`Simulator`] handle: read
//! or replace the state, count requests, see the last `PUT` body, and inject
//! faults for the next requests.
//!
//! It can serve a fleet: several tenant SIDs behind the same credentials,
//! each with its own settings, counts and faults (`exoset sim --tenants N`),
//! and add latency to every request (`--latency 300ms`) for measuring and for
//! interrupting a fleet run part-way.

use exoset_sim_rules as sim_rules;
// The core's modules under the names used below (`crate::schema`, …).
use exoset_core::{schema, settings};

mod config;
mod connections;
mod faults;
mod handler;
mod server;
mod state;
mod tenant_state;
#[cfg(test)]
mod tests;

pub use config::*;
pub use faults::*;
pub use server::*;
