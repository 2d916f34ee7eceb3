//! The command line: arguments, dispatch, exit codes. Each subcommand is a thin
//! face over the engine.

mod args;
mod auth;
mod demo;
mod doctor;
mod fields;
mod fleet;
mod guard;
mod man;
pub mod remote;
mod show;

use crate::tui::{EditorOptions, EditorState};
use demo::{run_demo, run_sim};
use remote::SendMode;

pub use args::*;
pub use exoset_core::exit::{self, Failure};

/// Writes to stdout; a closed pipe (`exoset … | head`) is a quiet end, not
/// a failure worth a message.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    write_stdout_exact(&show::scrub(text))
}

/// [`write_stdout`] without masking secrets: `export` writes values whole.
pub fn write_stdout_exact(text: &str) -> Result<(), Failure> {
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
    show::init(cli.show_secrets);
    match dispatch(&cli) {
        Ok(()) => exit::OK,
        Err(failure) => {
            // A fleet's report has said it all already: no message then.
            // Messages quote servers, files and values: nothing of theirs
            // reaches the terminal raw (line breaks are ours and stay).
            if !failure.message.is_empty() {
                eprintln!(
                    "exoset: {}",
                    crate::text::safe_lines(&show::scrub(&failure.message))
                );
            }
            failure.code
        }
    }
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    if let Some(Command::Rerun {
        file,
        outcome,
        send,
        ..
    }) = &cli.command
    {
        return fleet::rerun(cli, file.as_deref(), outcome, send);
    }
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
            let mode = SendMode {
                locks: guard::locks(cli, false)?,
                ..send.into()
            };
            remote::set(&remote()?, pairs, mode)
        }
        Some(Command::Diff { file, .. }) => remote::diff(&remote()?, file),
        Some(Command::Apply { file, send, .. }) => {
            let mode = SendMode {
                locks: guard::locks(cli, false)?,
                ..send.into()
            };
            remote::apply(&remote()?, file, mode)
        }
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
        // Taken up before the selection (see the top of `dispatch`).
        Some(Command::Rerun { .. }) => Err(Failure::usage("rerun takes no profile")),
        Some(Command::History { count, json, .. }) => remote::history(&remote()?, *count, *json),
        Some(Command::Rollback { id, send, .. }) => remote::rollback(
            &remote()?,
            *id,
            SendMode {
                dry_run: send.dry_run,
                yes: send.yes,
                expect_unchanged: None,
                guard: send.guard.clone(),
                locks: guard::locks(cli, false)?,
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
            rate_limit,
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
            config.rate_limit = *rate_limit;
            run_sim(config, *port)
        }
        Some(Command::Doctor { json, .. }) => doctor::run(cli, *json),
        Some(Command::Man { out }) => man::run(out),
        None if cli.demo => run_demo(cli),
        None => {
            let locks = guard::locks(cli, false)?;
            let (remote, mouse) = connect(cli)?;
            let session = remote.session;
            let mut options =
                EditorOptions::new(format!("{} ({})", session.profile, session.tenant));
            options.mouse = cli.mouse || mouse;
            options.guard = session.guard.clone();
            options.locks = locks;
            options.show_secrets = cli.show_secrets;
            // The config as `connect` read it: read once more, once, for
            // what the editor needs of it; unreadable now, the editor does
            // not start (a ceiling is never dropped for want of reading it).
            let config = crate::auth::select(&cli.overrides())?.config;
            options.secrets = config.secrets.rules();
            options.max_tenants_per_send = config.max_tenants_per_send;
            options.guards = config
                .profiles
                .keys()
                .map(|name| (name.clone(), config.guard(name)))
                .collect();
            let own_profile = session.profile.clone();
            options.state = Some(EditorState {
                dir: remote.state,
                profile: session.profile,
                tenant: session.tenant,
                history_keep: session.history_keep,
            });
            // `P` and "also send to…" open the other profiles as the fleet
            // subcommands do.
            options.profiles = config.profiles.keys().cloned().collect();
            options.targets = crate::fleet_alias::targets(&config, cli.target.base_url.as_deref());
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
            return Err(e.clone());
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
        session: crate::session::Session::new(client, &selected.profile, &tenant)
            .with_state(state, selected.config.history.keep)
            .with_guard(selected.config.guard(&selected.profile)),
    };
    Ok((remote, selected.config.editor.mouse))
}
