//! The command line: arguments, dispatch, exit codes. Each subcommand is a thin
//! face over the engine.

mod auth;
mod doctor;
mod fields;
mod fleet;
mod man;
pub mod remote;

use crate::api::ClientOptions;
use crate::tui::{EditorOptions, EditorState};
use clap::{Parser, Subcommand};
use remote::SendMode;
use std::path::PathBuf;
use std::time::Duration;

pub use exoset_core::exit::{self, Failure};

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
        used: each profile brings its own. EXOSET_HOME roots config and state in one folder.\n\n\
        Exit codes: 0 done; 1 network or server failure; 2 bad usage or an invalid value \
        (ours or the server's); 3 no credentials, or they were refused; 4 conflict (the \
        settings changed on the server since they were read); 5 outcome unknown (a PUT may \
        have been applied: its answer was lost after it went out, or the editor was stopped \
        while it was in flight; run `exoset get`); 130 interrupted (Ctrl-C) before a PUT \
        went out."
)]
struct Line {
    /// Open the editor on the built-in simulator: no account or keyring needed.
    #[arg(long)]
    demo: bool,

    /// Let the editor take the mouse (click tabs and rows, scroll). Off by
    /// default: it takes the terminal's own drag-to-select away.
    #[arg(long)]
    mouse: bool,

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
        Line::command()
    }

    fn command_for_update() -> clap::Command {
        Line::command_for_update()
    }
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
            | Command::Export { target, fleet, .. } => (Some(target), Some(fleet)),
            Command::Rollback { target, .. }
            | Command::Doctor { target, .. }
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
}

impl From<&SendArgs> for SendMode {
    fn from(args: &SendArgs) -> SendMode {
        SendMode {
            dry_run: args.dry_run,
            yes: args.yes,
            expect_unchanged: args.expect_unchanged.clone(),
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
    fn overrides(&self) -> crate::auth::Overrides {
        crate::auth::Overrides {
            profile: self.target.profile.first().cloned(),
            base_url: self.target.base_url.clone(),
            tenant_sid: self.target.tenant_sid.clone(),
            api_key: self.target.api_key.clone(),
            profile_only: false,
        }
    }

    fn selection(&self) -> crate::fleet::Selection {
        crate::fleet::Selection {
            names: self.target.profile.clone(),
            all: self.fleet.all_profiles,
            matching: self.fleet.profiles_matching.clone(),
        }
    }
}

/// Writes to stdout; a closed pipe (`exoset … | head`) is a quiet end, not
/// a failure worth a message.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(
            exit::NETWORK,
            format!("cannot write output: {e}"),
        )),
    }
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    // Once, before anything can read a token, on every path (the editor,
    // every subcommand, a fleet, doctor, auth status): no core file, and no
    // other process of this user may attach to read it.
    crate::auth::guard_process();
    match dispatch(&cli) {
        Ok(()) => exit::OK,
        Err(failure) => {
            // A fleet's report has said it all already: no message then.
            // Messages quote servers, files and values: nothing of theirs
            // reaches the terminal raw (line breaks are ours and stay).
            if !failure.message.is_empty() {
                eprintln!("exoset: {}", crate::text::safe_lines(&failure.message));
            }
            failure.code
        }
    }
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    let selection = cli.selection();
    if selection.is_fleet() {
        return fleet::run(cli, &selection);
    }
    if let Some(Command::Set { send, .. } | Command::Apply { send, .. }) = &cli.command
        && send.json
    {
        // One tenant, reported as a fleet of one.
        return fleet::run_one(cli, connect(cli)?.0.session);
    }
    let remote = || connect(cli).map(|(remote, _)| remote);
    match &cli.command {
        Some(Command::Fields { json, openapi }) => fields::run(*json, *openapi),
        Some(Command::Get { json, paths, .. }) => remote::get(&remote()?, *json, paths),
        Some(Command::Set {
            assignments, send, ..
        }) => {
            let pairs = remote::parse_assignments(assignments)?;
            remote::set(&remote()?, pairs, send.into())
        }
        Some(Command::Diff { file, .. }) => remote::diff(&remote()?, file),
        Some(Command::Apply { file, send, .. }) => remote::apply(&remote()?, file, send.into()),
        Some(Command::Export { output, .. }) => remote::export(&remote()?, output.as_deref()),
        Some(Command::Auth(AuthCommand::Login {
            token_stdin,
            no_verify,
            ..
        })) => auth::login(
            &cli.overrides(),
            &auth::LoginArgs {
                token_stdin: *token_stdin,
                no_verify: *no_verify,
            },
            cli.client_options()?,
        ),
        Some(Command::Auth(AuthCommand::Status { check, .. })) => {
            auth::status(&cli.overrides(), *check, cli.client_options()?)
        }
        Some(Command::Auth(AuthCommand::Logout { forget, .. })) => {
            auth::logout(&cli.overrides(), *forget)
        }
        Some(Command::Profiles) => auth::profiles(),
        Some(Command::History { count, json, .. }) => remote::history(&remote()?, *count, *json),
        Some(Command::Rollback { id, send, .. }) => remote::rollback(
            &remote()?,
            *id,
            SendMode {
                dry_run: send.dry_run,
                yes: send.yes,
                expect_unchanged: None,
            },
        ),
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "exoset", &mut script);
            write_stdout(&String::from_utf8_lossy(&script))
        }
        Some(Command::Sim {
            port,
            state,
            sid,
            api_key,
            seed_like,
            regions,
            tenants,
            latency,
        }) => {
            let mut quirks = if *seed_like {
                exoset_sim::Quirks::seed_like()
            } else {
                exoset_sim::Quirks::default()
            };
            quirks.regions = regions.clone();
            if *tenants > 1 && state.is_some() {
                return Err(Failure::usage(
                    "--state keeps one tenant's settings; it cannot be used with --tenants",
                ));
            }
            let mut config = exoset_sim::SimConfig::fleet_named(sid, usize::from(*tenants));
            config.api_key = api_key.clone();
            config.state_file = state.clone();
            config.quirks = quirks;
            config.latency = latency.unwrap_or_default();
            run_sim(config, *port)
        }
        Some(Command::Doctor { json, .. }) => doctor::run(cli, *json),
        Some(Command::Man { out }) => man::run(out),
        None if cli.demo => run_demo(cli),
        None => {
            let (remote, mouse) = connect(cli)?;
            let session = remote.session;
            let mut options =
                EditorOptions::new(format!("{} ({})", session.profile, session.tenant));
            options.mouse = cli.mouse || mouse;
            let own_profile = session.profile.clone();
            options.state = Some(EditorState {
                dir: remote.state,
                profile: session.profile,
                tenant: session.tenant,
                history_keep: session.history_keep,
            });
            // `P` and "also send to…" open the other profiles as the fleet
            // subcommands do.
            options.profiles = crate::auth::select(&cli.overrides())
                .map(|s| s.config.profiles.keys().cloned().collect())
                .unwrap_or_default();
            options.targets = crate::auth::select(&cli.overrides())
                .map(|s| crate::fleet_alias::targets(&s.config, cli.target.base_url.as_deref()))
                .unwrap_or_default();
            // Said before the alternate screen, so it is on the shell's
            // screen afterwards.
            if options.profiles.iter().any(|p| *p != own_profile)
                && let Some(note) = fleet::unused_variables_note(
                    "for the other profiles that `P` and \"also send to…\" reach",
                )
            {
                eprintln!("{note}");
            }
            let base_url = cli.target.base_url.clone();
            let client_options = cli.client_options()?;
            options.connector = Some(crate::tui::Connector(std::sync::Arc::new(
                move |names: &[String]| {
                    crate::fleet::connect(names, base_url.as_deref(), &client_options)
                },
            )));
            crate::tui::run(session.client, options)
        }
    }
}

/// Resolves credentials and opens a client for the chosen profile's tenant;
/// also returns the profile's editor mouse preference.
///
/// The token is read on helper threads while the rest goes on (the keyring is
/// opened before the config is even read); only the first request waits for
/// it, and a token that cannot be had fails that request with the message
/// and exit code it always had. A profile's token_command is the exception:
/// it runs first, on this thread, since it may ask on the terminal.
fn connect(cli: &Cli) -> Result<(remote::Remote, bool), Failure> {
    let early = crate::auth::EarlyStore::start();
    let selected = crate::auth::select(&cli.overrides())?;
    let (tenant, api_key) = crate::auth::tenant_and_key(&selected)?;
    let token = if selected.token_command.is_some() {
        // A token_command runs now, before the editor can take the screen:
        // it may prompt on the terminal, and what it says must not land on
        // the editor's display. Ctrl-C there ends exoset at once.
        drop(early);
        let found = crate::auth::find_token_with(&selected, None);
        if let Err(e) = &found
            && e.code == exit::INTERRUPTED
        {
            return Err(e.clone().into());
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = tx.send(found);
        rx
    } else {
        crate::auth::find_token_in_background(selected.clone(), early)
    };
    let key = api_key.clone();
    let header = async move {
        match token.await {
            Ok(Ok(found)) => Ok(crate::api::client::basic_auth(&key, &found.token)),
            Ok(Err(e)) => Err(crate::api::ApiError::Credentials(e.message)),
            Err(_) => Err(crate::api::ApiError::Credentials(
                "the token could not be read (its helper thread failed)".to_owned(),
            )),
        }
    };
    let client = crate::api::Client::with_pending_token(
        &selected.base_url,
        &tenant,
        &api_key,
        cli.client_options()?,
        header,
    )?;
    let state = crate::store::StateDir::new(&selected.paths, &selected.profile, &tenant);
    let remote = remote::Remote {
        state: state.clone(),
        session: crate::session::Session {
            client,
            state: Some(state),
            profile: selected.profile.clone(),
            tenant,
            history_keep: selected.config.history.keep,
        },
    };
    Ok((remote, selected.config.editor.mouse))
}

/// `exoset --demo`: the editor on an in-process simulator with demo settings.
/// The demo keeps state of its own (the simulator's settings, drafts,
/// history) in a `demo` folder under the data folder, so drafts, history and
/// rollback can be tried without an account; deleting the folder starts
/// afresh.
fn run_demo(cli: &Cli) -> Result<(), Failure> {
    use crate::api::{Client, Credentials};
    use exoset_sim::{self as sim, SimConfig, Simulator};
    let paths = crate::config::Paths::from_env().map_err(|e| Failure::usage(e.to_string()))?;
    // A broken config file must not stop the demo; its editor preferences
    // are simply not used then.
    let config = crate::config::Config::load(&paths.config_file).unwrap_or_default();
    let state = crate::store::StateDir::new(&paths, "demo", sim::DEMO_SID);
    // The simulator saves its settings beside the demo's drafts and history.
    let _ = crate::config::create_private_dir(state.path());
    // Three demo tenants, so `P` and "also send to…" can be tried; each
    // keeps its settings across runs (beside simulator.json).
    let simulator = Simulator::start_background(SimConfig {
        state_file: Some(state.path().join("simulator.json")),
        more_tenants: (2..=DEMO_TENANTS)
            .map(|i| (sim::fleet_sid(sim::DEMO_SID, i), sim::fleet_settings(i)))
            .collect(),
        ..SimConfig::demo()
    })
    .map_err(|e| {
        Failure::new(
            exit::NETWORK,
            format!(
                "cannot start the built-in simulator: {e} (its settings are kept in {}; \
                 delete that folder to start afresh)",
                state.path().display()
            ),
        )
    })?;
    let credentials = Credentials {
        base_url: simulator.base_url(),
        tenant_sid: simulator.sid().to_string(),
        api_key: sim::DEMO_API_KEY.to_string(),
        api_token: sim::DEMO_API_TOKEN.to_string().into(),
    };
    let client = Client::new(&credentials, cli.client_options()?)?;
    // Titled as every tenant is after `P`: profile (tenant) · simulator.
    let mut options = EditorOptions::new(format!("demo ({})", sim::DEMO_SID));
    options.title_note = Some("simulator".into());
    options.mouse = cli.mouse || config.editor.mouse;
    options.state = Some(EditorState {
        dir: state,
        profile: "demo".into(),
        tenant: sim::DEMO_SID.into(),
        history_keep: config.history.keep,
    });
    options.profiles = std::iter::once("demo".to_string())
        .chain((2..=DEMO_TENANTS).map(|i| format!("demo-{i}")))
        .collect();
    let (base_url, client_options) = (simulator.base_url(), cli.client_options()?);
    options.targets = demo_targets(&options.profiles, &base_url);
    let history_keep = config.history.keep;
    options.connector = Some(crate::tui::Connector(std::sync::Arc::new(
        move |names: &[String]| {
            names
                .iter()
                .map(|profile| {
                    let paths = demo_paths(&paths, profile);
                    demo_member(profile, &base_url, &paths, &client_options, history_keep)
                })
                .collect()
        },
    )));
    let result = crate::tui::run(client, options);
    drop(simulator);
    result
}

/// Tenants of the demo: `demo` (exoset-demo), `demo-2`, `demo-3`.
const DEMO_TENANTS: usize = 3;

/// Where a demo profile keeps its drafts and history: `demo`'s as ever,
/// the others' under `state/demo/` too, so deleting that folder starts
/// every demo tenant afresh, settings and history alike.
fn demo_paths(paths: &crate::config::Paths, profile: &str) -> crate::config::Paths {
    if profile == "demo" {
        return paths.clone();
    }
    crate::config::Paths {
        config_file: paths.config_file.clone(),
        data_dir: paths.data_dir.join("state").join("demo"),
    }
}

/// Where each demo profile points, for the editor's picker.
fn demo_targets(
    profiles: &[String],
    base_url: &str,
) -> std::collections::BTreeMap<String, crate::fleet_alias::Target> {
    profiles
        .iter()
        .map(|p| {
            let sid = demo_member_sid(p);
            (
                p.clone(),
                crate::fleet_alias::Target::new(base_url, Some(&sid)),
            )
        })
        .collect()
}

/// The SID of a demo profile's tenant.
fn demo_member_sid(profile: &str) -> String {
    use exoset_sim as sim;
    match profile.strip_prefix("demo-") {
        Some(n) => sim::fleet_sid(sim::DEMO_SID, n.parse().unwrap_or(0)),
        None => sim::DEMO_SID.to_string(),
    }
}

/// A session on one of the demo's tenants, by its profile name.
fn demo_member(
    profile: &str,
    base_url: &str,
    paths: &crate::config::Paths,
    options: &crate::api::ClientOptions,
    history_keep: usize,
) -> crate::fleet::Member {
    use exoset_sim as sim;
    let sid = match profile.strip_prefix("demo-") {
        Some(n) => sim::fleet_sid(sim::DEMO_SID, n.parse().unwrap_or(0)),
        None => sim::DEMO_SID.to_string(),
    };
    let credentials = crate::api::Credentials {
        base_url: base_url.to_string(),
        tenant_sid: sid.clone(),
        api_key: sim::DEMO_API_KEY.to_string(),
        api_token: sim::DEMO_API_TOKEN.to_string().into(),
    };
    let session = crate::api::Client::new(&credentials, options.clone())
        .map(|client| crate::session::Session {
            client,
            state: Some(crate::store::StateDir::new(paths, profile, &sid)),
            profile: profile.to_string(),
            tenant: sid.clone(),
            history_keep,
        })
        .map_err(|e| crate::fleet::Refusal {
            code: e.exit_code(),
            message: e.to_string(),
            request_id: None,
        });
    crate::fleet::Member {
        profile: profile.to_string(),
        tenant: Some(sid),
        session,
    }
}

/// `exoset sim`: the token comes from EXOSET_SIM_TOKEN, else the demo token.
fn run_sim(mut config: exoset_sim::SimConfig, port: u16) -> Result<(), Failure> {
    use exoset_sim as sim;
    config.api_token = std::env::var("EXOSET_SIM_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| sim::DEMO_API_TOKEN.to_string());
    let runtime = crate::runtime()
        .map_err(|e| Failure::new(exit::NETWORK, format!("cannot start the runtime: {e}")))?;
    runtime
        .block_on(async move {
            let sim = sim::start_logged(config, port).await?;
            say_line(&sim::banner(&sim));
            stop_signal().await;
            sim.shutdown().await;
            Ok::<(), std::io::Error>(())
        })
        .map_err(|e| Failure::new(exit::NETWORK, format!("simulator: {e}")))
}

/// A line on standard output; a closed pipe is not worth a panic.
fn say_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// `exoset sim` stops on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
