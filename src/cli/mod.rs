//! The command line: arguments, dispatch, exit codes. Each subcommand is a thin
//! face over the engine.

mod fields;
pub mod remote;

use crate::api::{ClientOptions, Credentials, client::DEFAULT_BASE_URL};
use clap::{Parser, Subcommand};
use remote::SendMode;
use secrecy::SecretString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::exit;

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
    long_about = "Without a subcommand, opens the full-screen editor for the chosen profile.\n\n\
        Credentials come from EXOSET_BASE_URL (default https://leadassist.exotel.in), \
        EXOSET_TENANT_SID, EXOSET_API_KEY and EXOSET_API_TOKEN.\n\n\
        Exit codes: 0 done; 1 network or server failure; 2 bad usage or an invalid value; \
        3 no credentials, or they were refused; 4 conflict."
)]
pub struct Cli {
    /// Open the editor on the built-in simulator: no account or keyring needed.
    #[arg(long)]
    pub demo: bool,

    /// Seconds to wait for a whole request, answer included.
    #[arg(
        long,
        global = true,
        env = "EXOSET_TIMEOUT",
        default_value_t = 20.0,
        value_name = "SECS"
    )]
    pub timeout: f64,

    /// Seconds to wait for a connection.
    #[arg(
        long,
        global = true,
        env = "EXOSET_CONNECT_TIMEOUT",
        default_value_t = 5.0,
        value_name = "SECS"
    )]
    pub connect_timeout: f64,

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
    /// Print the current settings, all or the given `section.key` paths.
    Get {
        /// Print JSON in the body shape ({greenvn, greenpin, common}).
        #[arg(long)]
        json: bool,
        /// Settings to print, e.g. common.timezone.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Change settings: validate, show the diff, confirm, send only what changed.
    Set {
        /// Assignments like common.timezone=UTC.
        #[arg(value_name = "PATH=VALUE", required = true)]
        assignments: Vec<String>,
        #[command(flatten)]
        send: SendArgs,
    },
    /// Show what applying FILE would change.
    Diff {
        /// Desired settings in the body shape, any subset; `-` reads stdin.
        #[arg(short, long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Bring the server to the settings in FILE, sending only what differs.
    Apply {
        /// Desired settings in the body shape, any subset; `-` reads stdin.
        #[arg(short, long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        send: SendArgs,
    },
    /// Write the current settings as a file `apply` takes back.
    Export {
        /// Where to write; stdout when absent.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Print the exact PUT body and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send without asking.
    #[arg(long, short)]
    pub yes: bool,
}

impl From<&SendArgs> for SendMode {
    fn from(args: &SendArgs) -> SendMode {
        SendMode {
            dry_run: args.dry_run,
            yes: args.yes,
        }
    }
}

fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Failure::usage(format!("{what} must be a positive number of seconds")))
}

impl Cli {
    fn client_options(&self) -> Result<ClientOptions, Failure> {
        Ok(ClientOptions {
            timeout: seconds(self.timeout, "--timeout")?,
            connect_timeout: seconds(self.connect_timeout, "--connect-timeout")?,
            ..ClientOptions::default()
        })
    }
}

/// Credentials from the `EXOSET_*` environment variables.
fn env_credentials() -> Result<Credentials, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let missing: Vec<&str> = ["EXOSET_TENANT_SID", "EXOSET_API_KEY", "EXOSET_API_TOKEN"]
        .into_iter()
        .filter(|name| var(name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Failure::new(
            exit::CREDENTIALS,
            format!(
                "no credentials: set {} (or try `exoset --demo`)",
                missing.join(", ")
            ),
        ));
    }
    Ok(Credentials {
        base_url: var("EXOSET_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        tenant_sid: var("EXOSET_TENANT_SID").unwrap_or_default(),
        api_key: var("EXOSET_API_KEY").unwrap_or_default(),
        api_token: SecretString::from(var("EXOSET_API_TOKEN").unwrap_or_default()),
    })
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match dispatch(&cli) {
        Ok(()) => exit::OK,
        Err(failure) => {
            eprintln!("exoset: {failure}");
            failure.code
        }
    }
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    let remote = || -> Result<crate::api::Client, Failure> {
        remote::connect(&env_credentials()?, cli.client_options()?)
    };
    match &cli.command {
        Some(Command::Fields { json }) => fields::run(*json),
        Some(Command::Get { json, paths }) => remote::get(&remote()?, *json, paths),
        Some(Command::Set { assignments, send }) => {
            let pairs = remote::parse_assignments(assignments)?;
            remote::set(&remote()?, pairs, send.into())
        }
        Some(Command::Diff { file }) => remote::diff(&remote()?, file),
        Some(Command::Apply { file, send }) => remote::apply(&remote()?, file, send.into()),
        Some(Command::Export { output }) => remote::export(&remote()?, output.as_deref()),
        None if cli.demo => Err(Failure::usage(
            "the editor is not built yet; `exoset fields` lists every setting",
        )),
        None => Err(Failure::usage(
            "the editor is not built yet; try `exoset fields` or `exoset --help`",
        )),
    }
}
