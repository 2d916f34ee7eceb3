//! The arguments as clap reads them, and what they mean for a run.

use super::remote::SendMode;
use crate::api::ClientOptions;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

use exoset_core::exit::Failure;

/// The command line as clap reads it. The tenant options ([`Target`]) and
/// the fleet options ([`FleetArgs`]) are taken before the subcommand and,
/// by the subcommands they apply to, after it; [`Cli`] merges the two.
#[derive(Debug, Parser)]
#[command(
    name = "exoset",
    version,
    about = "Edit Exotel ExoBridge (GreenVN / GreenPin) settings from a terminal",
    long_about = "Without a subcommand, opens the full-screen editor for the chosen profile.\n\n\
        Credentials: flags, then EXOSET_BASE_URL, EXOSET_TENANT_SID, EXOSET_API_KEY, \
        EXOSET_API_TOKEN and EXOSET_PROFILE, then the profile (`exoset auth login`) with its \
        token in the OS keyring. Across several profiles the EXOSET_* credentials are not \
        used: each profile brings its own. EXOSET_HOME roots config and state in one folder."
)]
struct Line {
    /// Open the editor on the built-in simulator: no account or keyring needed.
    #[arg(long)]
    demo: bool,

    /// Let the editor take the mouse (click tabs and rows, scroll). Off by
    /// default: it takes the terminal's own drag-to-select away.
    #[arg(long)]
    mouse: bool,

    /// Unlock read-only profiles for this run: `--write=prod-a,prod-b` names
    /// them; a bare `--write` unlocks the one profile of a single-profile
    /// run. No environment variable unlocks.
    #[arg(
        long,
        global = true,
        value_name = "PROFILE[,…]",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    write: Option<String>,

    /// Make every profile read-only for this run: nothing is sent.
    #[arg(long, global = true)]
    read_only: bool,

    /// Show secrets in webhook URLs and headers in full (they are masked as
    /// •••• otherwise).
    #[arg(long, global = true)]
    show_secrets: bool,

    #[command(flatten)]
    target: Target,

    #[command(flatten)]
    fleet: FleetArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

/// The parsed command line, the subcommand's tenant and fleet options merged
/// over the top level's (`exoset -p a get` and `exoset get -p a` are one).
#[derive(Debug)]
pub struct Cli {
    /// Open the editor on the built-in simulator.
    pub demo: bool,
    /// Let the editor take the mouse.
    pub mouse: bool,
    /// `--write`: `Some("")` bare, else the comma list as typed.
    pub write: Option<String>,
    /// `--read-only`.
    pub read_only: bool,
    /// `--show-secrets`.
    pub show_secrets: bool,
    /// The tenant options, wherever they were given.
    pub target: Target,
    /// The fleet options, wherever they were given.
    pub fleet: FleetArgs,
    /// The subcommand; its own copies of the options hold the merged values
    /// too.
    pub command: Option<Command>,
}

/// Which tenant, and how long to wait for it: on the top level (the editor)
/// and on the subcommands that talk to a tenant or use a profile.
#[derive(Debug, Clone, clap::Args)]
pub struct Target {
    /// Profile to use (else EXOSET_PROFILE, else the config's default_profile).
    /// Give it more than once, or a comma list (-p prod-a,prod-b), to work on
    /// several tenants at once.
    #[arg(
        short,
        long,
        value_name = "NAME",
        action = clap::ArgAction::Append,
        value_delimiter = ','
    )]
    pub profile: Vec<String>,

    /// Base URL of the API (else EXOSET_BASE_URL, else the profile's).
    /// Across several profiles, https only, and EXOSET_BASE_URL is not used.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Tenant SID (else EXOSET_TENANT_SID, else the profile's).
    #[arg(long = "tenant-sid", visible_alias = "sid", value_name = "SID")]
    pub tenant_sid: Option<String>,

    /// API key or Account SID (else EXOSET_API_KEY, else the profile's).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,

    /// Seconds to wait for a whole request, answer included.
    #[arg(
        long,
        env = "EXOSET_TIMEOUT",
        default_value_t = 20.0,
        value_name = "SECS"
    )]
    pub timeout: f64,

    /// Seconds to wait for a connection.
    #[arg(
        long,
        env = "EXOSET_CONNECT_TIMEOUT",
        default_value_t = 5.0,
        value_name = "SECS"
    )]
    pub connect_timeout: f64,
}

/// Several profiles at once: on the top level and on the subcommands that
/// work across a fleet (get, set, apply, diff, export, history).
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// Work on every profile in config.toml (get, set, apply, diff, export,
    /// history).
    #[arg(long)]
    pub all_profiles: bool,

    /// Work on the profiles whose names match GLOB (`*` any run, `?` one
    /// character), e.g. 'prod-*'.
    #[arg(long, value_name = "GLOB")]
    pub profiles_matching: Option<String>,

    /// Tenants worked on at once across several profiles.
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::fleet::DEFAULT_JOBS,
        value_parser = clap::builder::TypedValueParser::map(
            clap::value_parser!(u16).range(1..=1000),
            usize::from
        )
    )]
    pub jobs: usize,
}

/// The argument ids of [`Target`] and [`FleetArgs`] and their flags, for
/// telling what was typed where.
const TARGET_FLAGS: [(&str, &str); 6] = [
    ("profile", "--profile"),
    ("base_url", "--base-url"),
    ("tenant_sid", "--tenant-sid"),
    ("api_key", "--api-key"),
    ("timeout", "--timeout"),
    ("connect_timeout", "--connect-timeout"),
];
const FLEET_FLAGS: [(&str, &str); 3] = [
    ("all_profiles", "--all-profiles"),
    ("profiles_matching", "--profiles-matching"),
    ("jobs", "--jobs"),
];

impl Target {
    /// Takes in what the subcommand was given: its profiles after the top
    /// level's, any other value it was given in place of the top level's.
    /// `typed(id)` says whether the subcommand's value came from the command
    /// line (not from the environment or the default).
    fn merge(&mut self, sub: &Target, typed: impl Fn(&str) -> bool) {
        self.profile.extend(sub.profile.iter().cloned());
        for (mine, theirs) in [
            (&mut self.base_url, &sub.base_url),
            (&mut self.tenant_sid, &sub.tenant_sid),
            (&mut self.api_key, &sub.api_key),
        ] {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        if typed("timeout") {
            self.timeout = sub.timeout;
        }
        if typed("connect_timeout") {
            self.connect_timeout = sub.connect_timeout;
        }
    }
}

impl FleetArgs {
    /// Like [`Target::merge`].
    fn merge(&mut self, sub: &FleetArgs, typed: impl Fn(&str) -> bool) {
        self.all_profiles |= sub.all_profiles;
        if sub.profiles_matching.is_some() {
            self.profiles_matching.clone_from(&sub.profiles_matching);
        }
        if typed("jobs") {
            self.jobs = sub.jobs;
        }
    }
}

impl clap::CommandFactory for Cli {
    fn command() -> clap::Command {
        with_exit_codes(Line::command())
    }

    fn command_for_update() -> clap::Command {
        with_exit_codes(Line::command_for_update())
    }
}

/// The long help ends with the exit codes, from their one table.
fn with_exit_codes(command: clap::Command) -> clap::Command {
    let about = command
        .get_long_about()
        .map(ToString::to_string)
        .unwrap_or_default();
    command.long_about(format!("{about}\n\n{}", exoset_core::exit::help_text()))
}

impl clap::FromArgMatches for Cli {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let line = Line::from_arg_matches(matches)?;
        Cli::merge(line, matches)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Cli::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Parser for Cli {}

impl Cli {
    /// Merges the subcommand's tenant and fleet options over the top level's,
    /// and refuses those given on the top level for a subcommand they do not
    /// apply to (`exoset --base-url URL sim`).
    fn merge(line: Line, matches: &clap::ArgMatches) -> Result<Cli, clap::Error> {
        let Line {
            demo,
            mouse,
            write,
            read_only,
            show_secrets,
            mut target,
            mut fleet,
            mut command,
        } = line;
        // The matches of the innermost subcommand (`auth status`), its path.
        let mut path = String::from("exoset");
        let mut inner = None;
        let mut at = matches;
        while let Some((name, sub)) = at.subcommand() {
            path.push(' ');
            path.push_str(name);
            inner = Some(sub);
            at = sub;
        }
        let typed = |m: &clap::ArgMatches, id: &str| {
            m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        };
        let (sub_target, sub_fleet) = match command.as_mut() {
            Some(command) => command.options(),
            None => (None, None),
        };
        if let Some(inner) = inner {
            for (flags, applies) in [
                (&TARGET_FLAGS[..], sub_target.is_some()),
                (&FLEET_FLAGS[..], sub_fleet.is_some()),
            ] {
                if let Some((_, flag)) = flags.iter().find(|(id, _)| !applies && typed(matches, id))
                {
                    return Err(clap::Error::raw(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("the argument '{flag}' cannot be used with '{path}'"),
                    ));
                }
            }
            if let Some(sub) = sub_target {
                target.merge(sub, |id| typed(inner, id));
                sub.clone_from(&target);
            }
            if let Some(sub) = sub_fleet {
                fleet.merge(sub, |id| typed(inner, id));
                sub.clone_from(&fleet);
            }
        }
        Ok(Cli {
            demo,
            mouse,
            write,
            read_only,
            show_secrets,
            target,
            fleet,
            command,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every setting: section, key, type, default and allowed values.
    Fields {
        /// Print the schema as JSON.
        #[arg(long)]
        json: bool,
        /// Print an OpenAPI 3 document of the GET and PUT calls instead.
        #[arg(long, conflicts_with = "json")]
        openapi: bool,
    },
    /// Print the current settings, all or the given `section.key` paths.
    Get {
        /// Print JSON in the body shape ({greenvn, greenpin, common}); across
        /// several profiles, {profile: {section.key: value}}.
        #[arg(long)]
        json: bool,
        /// Across several profiles: only the keys whose values differ.
        #[arg(long)]
        differ: bool,
        /// Settings to print, e.g. common.timezone.
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Change settings: validate, show the diff, confirm, send only what changed.
    Set {
        /// Assignments like common.timezone=UTC.
        #[arg(value_name = "PATH=VALUE", required = true)]
        assignments: Vec<String>,
        #[command(flatten)]
        send: SendArgs,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Show what applying FILE would change.
    Diff {
        /// Desired settings in the body shape, any subset; `-` reads stdin.
        #[arg(short, long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Bring the server to the settings in FILE, sending only what differs.
    Apply {
        /// Desired settings in the body shape, any subset; `-` reads stdin.
        #[arg(short, long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        send: SendArgs,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Log in, check the credentials, show where the token comes from, log out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// List the saved profiles (* marks the default).
    Profiles,
    /// List the changes exoset sent to this tenant, newest first.
    History {
        /// How many entries to show.
        #[arg(short = 'n', long, default_value_t = 20)]
        count: usize,
        /// Print the entries as JSON (sent body, settings before and after).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Put back the values a recorded change replaced (default: the latest).
    Rollback {
        /// The history entry to undo (see `exoset history`).
        id: Option<u64>,
        #[command(flatten)]
        send: RollbackArgs,
        #[command(flatten)]
        target: Target,
    },
    /// Plan a fleet run's change again on the tenants that did not finish
    /// (default: the last run's failed, unknown and cancelled ones), through
    /// the same plan, questions and checks as `set`.
    Rerun {
        /// The run report to rerun (default: the newest in the data
        /// folder's runs/).
        file: Option<PathBuf>,
        /// The outcomes to rerun, comma-separated.
        #[arg(
            long,
            value_name = "LIST",
            value_delimiter = ',',
            default_value = "failed,unknown,cancelled"
        )]
        outcome: Vec<String>,
        #[command(flatten)]
        send: SendArgs,
        #[command(flatten)]
        target: Target,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Run the simulator of the ExoBridge settings API on this machine.
    Sim {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8480)]
        port: u16,
        /// Keep the settings in FILE across runs (created on the first change).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Tenant SID the simulator answers for.
        #[arg(long = "sim-sid", value_name = "SID", default_value = exoset_sim::DEMO_SID)]
        sid: String,
        /// Basic-auth user name the simulator expects.
        #[arg(long = "sim-api-key", value_name = "KEY", default_value = exoset_sim::DEMO_API_KEY)]
        api_key: String,
        /// Answer like the vendor's example: leave the nine greenpin keys of
        /// three events out of answers and re-serialise JSON held in strings.
        #[arg(long)]
        seed_like: bool,
        /// Region codes the tenant supports (comma-separated); a PUT of any
        /// other default_region is refused with 403, code 15.
        #[arg(long, value_name = "LIST", value_delimiter = ',')]
        regions: Option<Vec<String>>,
        /// Serve N tenants (SID-1 … SID-N, each with its own, slightly varied
        /// settings) behind the same key and token: a fleet to try `-p a,b`
        /// and `--all-profiles` on.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=10000))]
        tenants: u16,
        /// Wait this long before answering each request (e.g. 300ms): a
        /// far-away server.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        latency: Option<Duration>,
        /// Answer at most N requests a second (all tenants together), e.g.
        /// `5/s`; the others get 429 with `Retry-After: 1` and are not
        /// applied, as the vendor's rate limit does.
        #[arg(long, value_name = "N/s", value_parser = rate_limit)]
        rate_limit: Option<u32>,
    },
    /// Write the current settings as a file `apply` takes back.
    Export {
        /// Where to write; stdout when absent. Across several profiles, a
        /// folder that gets one PROFILE.json each.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Check this machine and profile: keyring, config, locale, terminal,
    /// proxy, and the way to the server; says what to fix.
    Doctor {
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        target: Target,
        /// Across several profiles (`-p a,b`, `--all-profiles`,
        /// `--profiles-matching`): this machine's checks once, then each
        /// profile's credentials and way to its server.
        #[command(flatten)]
        fleet: FleetArgs,
    },
    /// Write the man pages into DIR: `man -l DIR/exoset.1` reads them where
    /// only the binary was copied (a jump host), and packagers install them.
    Man {
        /// Folder to write exoset.1, exoset-set.1, ... into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Save a profile and its token (asked with echo off) in the OS keyring.
    Login {
        /// Read the token from the first line of stdin.
        #[arg(long)]
        token_stdin: bool,
        /// Save without checking the credentials with a GET.
        #[arg(long)]
        no_verify: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Show the profile, tenant, key, base URL and where the token comes from.
    Status {
        /// Also send one authenticated GET: does the server take these
        /// credentials?
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Delete the stored token of the profile.
    Logout {
        /// Remove the profile from the config file too.
        #[arg(long)]
        forget: bool,
        #[command(flatten)]
        target: Target,
    },
}

impl Command {
    /// The subcommand's own tenant and fleet options, where it takes them.
    fn options(&mut self) -> (Option<&mut Target>, Option<&mut FleetArgs>) {
        match self {
            Command::Get { target, fleet, .. }
            | Command::Set { target, fleet, .. }
            | Command::Diff { target, fleet, .. }
            | Command::Apply { target, fleet, .. }
            | Command::History { target, fleet, .. }
            | Command::Export { target, fleet, .. }
            | Command::Doctor { target, fleet, .. } => (Some(target), Some(fleet)),
            Command::Rollback { target, .. }
            | Command::Rerun { target, .. }
            | Command::Auth(
                AuthCommand::Login { target, .. }
                | AuthCommand::Status { target, .. }
                | AuthCommand::Logout { target, .. },
            ) => (Some(target), None),
            Command::Fields { .. }
            | Command::Profiles
            | Command::Completions { .. }
            | Command::Sim { .. }
            | Command::Man { .. } => (None, None),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// Print the exact PUT body and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Refuse (exit 4) if the server changed any key to send since the last
    /// read of this tenant, or since the export FILE given.
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true)]
    pub expect_unchanged: Option<Option<PathBuf>>,
    /// Print what became of each tenant as JSON on stdout, and nothing else.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub guard: GuardArgs,
    #[command(flatten)]
    pub rollout: RolloutArgs,
}

/// Across several profiles: how far one send may spread.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RolloutArgs {
    /// Across several profiles: send to the first N tenants that will change,
    /// show their outcomes, and ask again before the rest (with --yes, go on
    /// only if every one is `sent`).
    #[arg(long, value_name = "N")]
    pub canary: Option<usize>,
    /// Across several profiles: the canary is these profiles (they must be
    /// in the selection and change).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub canary_profiles: Vec<String>,
    /// Across several profiles: start no new tenant once N (or N% of those
    /// that will change, rounded up) ended failed, conflict or unknown.
    #[arg(long, value_name = "N|N%")]
    pub max_fail: Option<String>,
    /// Across several profiles: the number of tenants this send may change,
    /// typed, when it is more than max_tenants_per_send in config.toml.
    #[arg(long, value_name = "M")]
    pub max_tenants: Option<usize>,
}

/// What a protected profile or a required reason asks of a script.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GuardArgs {
    /// Confirm a protected profile's tenant without being asked: its tenant
    /// SID (repeatable), or `all:N` with N the number of protected tenants
    /// that will change. `--yes` alone does not send to a protected profile.
    #[arg(long, value_name = "SID|all:N")]
    pub confirm_tenant: Vec<String>,
    /// Why: recorded in the history with who sent it (required by profiles
    /// with `require_reason = true`).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

impl From<&SendArgs> for SendMode {
    fn from(args: &SendArgs) -> SendMode {
        SendMode {
            dry_run: args.dry_run,
            yes: args.yes,
            expect_unchanged: args.expect_unchanged.clone(),
            guard: args.guard.clone(),
            locks: crate::guard::RunLocks::default(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// Print the exact PUT body and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send without asking.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub guard: GuardArgs,
}

/// `--rate-limit N/s` (or a bare `N`): requests a second, at least 1.
fn rate_limit(text: &str) -> Result<u32, String> {
    let n = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match n.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{text:?} is not a rate: give requests a second, like 5/s"
        )),
    }
}

pub(super) fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Failure::usage(format!("{what} must be a positive number of seconds")))
}

impl Cli {
    pub(super) fn client_options(&self) -> Result<ClientOptions, Failure> {
        Ok(ClientOptions {
            timeout: seconds(self.target.timeout, "--timeout")?,
            connect_timeout: seconds(self.target.connect_timeout, "--connect-timeout")?,
            ..ClientOptions::default()
        })
    }
}

impl Cli {
    pub(super) fn overrides(&self) -> crate::auth::Overrides {
        crate::auth::Overrides {
            profile: self.target.profile.first().cloned(),
            base_url: self.target.base_url.clone(),
            tenant_sid: self.target.tenant_sid.clone(),
            api_key: self.target.api_key.clone(),
            profile_only: false,
        }
    }

    pub(super) fn selection(&self) -> crate::fleet::Selection {
        crate::fleet::Selection {
            names: self.target.profile.clone(),
            all: self.fleet.all_profiles,
            matching: self.fleet.profiles_matching.clone(),
        }
    }
}

/// The command line, parsed. `--write prod …` (a space where `=` belongs)
/// would be "unrecognized subcommand 'prod'": it is named with its fix.
pub fn parse_args() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            let help = matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if !help && let Some(names) = write_without_equals(&args) {
                let names = crate::text::safe(&names);
                eprintln!(
                    "error: --write takes its profile names after '=': --write={names} \
                     (a bare --write unlocks the one profile of a single-profile run)"
                );
                std::process::exit(i32::from(exoset_core::exit::USAGE));
            }
            error.exit()
        }
    }
}

/// The word after a bare `--write` when it is no subcommand and no option:
/// profile names meant for `--write=`.
fn write_without_equals(args: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    let command = Cli::command();
    let known = |word: &str| {
        command
            .get_subcommands()
            .any(|sub| sub.get_name() == word || sub.get_all_aliases().any(|a| a == word))
    };
    args.windows(2).find_map(|pair| {
        let next = pair[1].to_str()?;
        (pair[0] == "--write" && !next.starts_with('-') && !known(next)).then(|| next.to_string())
    })
}

#[cfg(test)]
#[test]
fn a_space_after_write_is_named_with_its_fix() {
    let args = |line: &str| -> Vec<std::ffi::OsString> {
        line.split(' ').map(std::ffi::OsString::from).collect()
    };
    assert_eq!(
        write_without_equals(&args("exoset --write prod,stage set a=b")),
        Some("prod,stage".to_string())
    );
    for fine in [
        "exoset --write set a=b",
        "exoset --write=prod set a=b",
        "exoset --write -p prod set a=b",
        "exoset set --write",
    ] {
        assert_eq!(write_without_equals(&args(fine)), None, "{fine}");
    }
}
