//! Exit codes (listed in the README and `docs/api.md`), and the failure that
//! carries one.

use std::fmt;

pub const OK: u8 = 0;
/// Network or server failure.
pub const NETWORK: u8 = 1;
/// Bad usage or an invalid value (ours, or the server's 400/3, 400/5,
/// 403/15, 422/50).
pub const USAGE: u8 = 2;
/// No credentials, or they were refused.
pub const CREDENTIALS: u8 = 3;
/// The settings changed on the server since they were read.
pub const CONFLICT: u8 = 4;
/// A PUT may have been applied: its answer was lost after it went out.
pub const UNKNOWN: u8 = 5;
/// Stopped by Ctrl-C before everything was done (128 + SIGINT, as shells
/// report it).
pub const INTERRUPTED: u8 = 130;

/// A failure to report: a message for a person and the exit code it maps to.
/// Both faces (the subcommands and the editor) end with one.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
