//! exoset: edit Exotel ExoBridge (GreenVN / GreenPin) settings from a terminal.
//!
//! This package is the command line (`cli/`) and the binary. The engine
//! (`exoset-engine`, on `exoset-core`) knows nothing of the terminal; the
//! editor (`exoset-tui`) and the subcommands here are two faces of it.

pub mod cli;

// The workspace's crates, under the names `cli/` uses (`crate::schema`,
// `crate::tui`, …).
use exoset_core::{changes, exit, openapi, schema, secrets, settings, text, validate};
use exoset_engine::{
    api, auth, config, fleet, fleet_alias, guard, runs, runtime, session, shut_down, store,
};
use exoset_keyring as keystore;
use exoset_tui as tui;
