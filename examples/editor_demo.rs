//! The editor on the built-in simulator, for trying it by hand before
//! `exoset --demo` is wired: `cargo run --example editor_demo [-- --mouse]`.
//! With `--slow`, every request waits two seconds (to try progress and Esc).

use exoset_engine::api::{Client, ClientOptions, Credentials};
use exoset_sim::{DEMO_API_KEY, DEMO_API_TOKEN, Fault, SimConfig, Simulator};
use exoset_tui::{EditorOptions, run};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sim = match Simulator::start_background(SimConfig::demo()) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("cannot start the simulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.iter().any(|a| a == "--slow") {
        sim.inject(Fault::Delay(Duration::from_secs(2)), 1000);
    }
    let credentials = Credentials {
        base_url: sim.base_url(),
        tenant_sid: sim.sid().to_string(),
        api_key: DEMO_API_KEY.to_string(),
        api_token: DEMO_API_TOKEN.to_string().into(),
    };
    let client = match Client::new(&credentials, ClientOptions::default()) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = EditorOptions::new("demo");
    options.mouse = args.iter().any(|a| a == "--mouse");
    match run(client, options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("exoset: {failure}");
            ExitCode::from(failure.code)
        }
    }
}
