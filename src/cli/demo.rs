//! `exoset --demo` (the editor on an in-process simulator) and `exoset sim`.

use super::Cli;
use crate::tui::{EditorOptions, EditorState};

use exoset_core::exit::{self, Failure};

/// `exoset --demo`: the editor on an in-process simulator with demo settings.
/// The demo keeps state of its own (the simulator's settings, drafts,
/// history) in a `demo` folder under the data folder, so drafts, history and
/// rollback can be tried without an account; deleting the folder starts
/// afresh.
pub(super) fn run_demo(cli: &Cli) -> Result<(), Failure> {
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
    options.show_secrets = cli.show_secrets;
    options.secrets = config.secrets.rules();
    options.max_tenants_per_send = config.max_tenants_per_send;
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
    let sid = demo_member_sid(profile);
    let credentials = crate::api::Credentials {
        base_url: base_url.to_string(),
        tenant_sid: sid.clone(),
        api_key: sim::DEMO_API_KEY.to_string(),
        api_token: sim::DEMO_API_TOKEN.to_string().into(),
    };
    let session = crate::api::Client::new(&credentials, options.clone())
        .map(|client| {
            crate::session::Session::for_profile(client, paths, profile, &sid, history_keep)
        })
        .map_err(crate::exit::Failure::from);
    crate::fleet::Member {
        profile: profile.to_string(),
        tenant: Some(sid),
        session,
    }
}

/// `exoset sim`: the token comes from EXOSET_SIM_TOKEN, else the demo token.
pub(super) fn run_sim(mut config: exoset_sim::SimConfig, port: u16) -> Result<(), Failure> {
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
