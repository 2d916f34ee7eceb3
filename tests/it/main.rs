//! exoset's integration tests, one binary: the real `exoset` binary, the
//! simulator over real HTTP, the OS keyring and a pseudo-terminal. One module
//! per concern; `support` holds what they share.
//!
//! One binary instead of one per file: a change relinks one test executable,
//! and cargo runs all of them in parallel (see CONTRIBUTING.md for what is
//! serialised and why).

mod auth;
mod auth_prompt;
mod cli;
mod docs;
mod doctor;
mod editor_env;
mod editor_fleet;
mod editor_pty;
mod engine;
mod faults;
mod fleet;
mod fleet_alias;
mod guard;
mod history;
mod hostile;
mod keystore;
mod markers;
mod openapi;
mod options;
mod pipes;
mod promises;
mod robustness;
mod rollout;
mod secrets;
mod simulator;
mod support;
mod truth;
