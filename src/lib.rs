//! exoset: edit Exotel ExoBridge (GreenVN / GreenPin) settings from a terminal.
//!
//! The engine (schema, settings, validation, change set) knows nothing of the
//! terminal; the editor and the subcommands are two faces of it.

pub mod api;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod config;
pub mod exit;
pub mod fleet;
pub mod keystore;
pub mod openapi;
pub mod schema;
pub mod session;
pub mod settings;
pub mod store;
pub mod text;
pub mod tui;
pub mod validate;

/// The one way exoset builds a tokio runtime: one thread (a request at a
/// time, or the editor's loop and its tasks, need no more), I/O and timers on.
/// The subcommands, the editor and the simulator all start theirs here.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
