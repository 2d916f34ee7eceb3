//! The command line: arguments, dispatch, exit codes. Each subcommand is a thin
//! face over the engine.

mod fields;

use clap::{Parser, Subcommand};
use std::fmt;

/// Exit codes, as DESIGN.md fixes them.
pub mod exit {
    pub const OK: u8 = 0;
    /// Network or server failure.
    pub const NETWORK: u8 = 1;
    /// Bad usage or an invalid value.
    pub const USAGE: u8 = 2;
    /// No credentials, or they were refused.
    pub const CREDENTIALS: u8 = 3;
    /// The settings changed on the server since they were read.
    pub const CONFLICT: u8 = 4;
}

/// A failure to report: a message for a person and the exit code it maps to.
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
        Failure::new(exit::USAGE, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "exoset",
    version,
    about = "Edit Exotel ExoBridge (GreenVN / GreenPin) settings from a terminal",
    long_about = "Without a subcommand, opens the full-screen editor for the chosen profile."
)]
pub struct Cli {
    /// Open the editor on the built-in simulator: no account or keyring needed.
    #[arg(long)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every setting: section, key, type, default and allowed values.
    Fields {
        /// Print the schema as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    let result = match cli.command {
        Some(Command::Fields { json }) => fields::run(json),
        None if cli.demo => Err(Failure::usage(
            "the editor is not built yet; `exoset fields` lists every setting",
        )),
        None => Err(Failure::usage(
            "the editor is not built yet; try `exoset fields` or `exoset --help`",
        )),
    };
    match result {
        Ok(()) => exit::OK,
        Err(failure) => {
            eprintln!("exoset: {failure}");
            failure.code
        }
    }
}
