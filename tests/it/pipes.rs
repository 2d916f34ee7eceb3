//! `exoset … | head`: every command treats a closed stdout as a quiet end —
//! no panic, no backtrace, no error message about the pipe.

use crate::support::sim_env;

use exoset_sim::SimConfig;
use sim_env::Env;
use std::process::{Command, Stdio};

#[test]
fn every_command_ends_quietly_when_stdout_is_closed() {
    let env = Env::demo();
    let demo = SimConfig::demo();
    // A history to print.
    sim_env::ok(&env.exoset(&["set", "common.aparty_tag=Piped", "--yes"], None));
    let file = env.home.path().join("desired.json");
    std::fs::write(&file, r#"{"common": {"timezone": "UTC"}}"#).unwrap();
    let file = file.to_string_lossy().into_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["--version"],
        vec!["get"],
        vec!["get", "--json"],
        vec!["export"],
        vec!["diff", "-f", &file],
        vec!["set", "common.timezone=UTC", "--dry-run"],
        vec!["apply", "-f", &file, "--dry-run"],
        vec!["history"],
        vec!["history", "--json"],
        vec!["fields"],
        vec!["fields", "--json"],
        vec!["fields", "--openapi"],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["completions", "elvish"],
        vec!["completions", "powershell"],
        vec!["sim", "--help"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader is gone before the program writes a byte.
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(&args)
            .env("EXOSET_HOME", env.home.path())
            .env("EXOSET_BASE_URL", env.sim.base_url())
            .env("EXOSET_TENANT_SID", env.sim.sid())
            .env("EXOSET_API_KEY", &demo.api_key)
            .env("EXOSET_API_TOKEN", &demo.api_token)
            .env_remove("EXOSET_PROFILE")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A quiet end: exit 0, and not a word on stderr (no panic, no
        // "Broken pipe", no error line) — but the plan a dry run writes
        // there for the person, which it writes before stdout is touched.
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        if args.contains(&"--dry-run") {
            assert!(
                stderr.ends_with(
                    "1 change; 1 key would be sent.\nDry run: this PUT body would be sent to \
                                  {}/v1/tenants/exoset-demo/settings:\n"
                        .replace("{}", &env.sim.base_url())
                        .as_str()
                ),
                "{args:?}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 3, "{args:?}: {stderr}");
        } else {
            assert_eq!(stderr, "", "{args:?}");
        }
    }
}
