//! Where the tenant options (`-p`, `--base-url`, `--tenant-sid`, `--api-key`,
//! `--timeout`, `--connect-timeout`) and the fleet options (`--all-profiles`,
//! `--profiles-matching`, `--jobs`) are listed and taken: on the top level
//! and on the subcommands they apply to, nowhere else; given before and after
//! the subcommand, they are one set of values.

use std::process::{Command, Stdio};

use crate::support::sim_env;
use sim_env::{Env, ok};

const TENANT: [&str; 7] = [
    "--profile",
    "--base-url",
    "--tenant-sid",
    "--sid",
    "--api-key",
    "--timeout",
    "--connect-timeout",
];
const FLEET: [&str; 3] = ["--all-profiles", "--profiles-matching", "--jobs"];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `exoset ARGS` with a private, empty EXOSET_HOME and none of exoset's
/// variables set, bar `vars`.
fn exoset(args: &[&str], vars: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_exoset"));
    command
        .args(args)
        .env("EXOSET_HOME", home.path())
        .stdin(Stdio::null());
    for var in [
        "EXOSET_PROFILE",
        "EXOSET_BASE_URL",
        "EXOSET_TENANT_SID",
        "EXOSET_API_KEY",
        "EXOSET_API_TOKEN",
        "EXOSET_TIMEOUT",
        "EXOSET_CONNECT_TIMEOUT",
    ] {
        command.env_remove(var);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The whole words of a help text: `--sim-api-key` is not `--api-key`.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The flags a help text lists (its option column, not its prose: `sim`'s
/// `--tenants` mentions `--all-profiles`).
fn listed(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .flat_map(|l| words(l.split("  ").next().unwrap_or_default()))
        .collect()
}

fn help(args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.push("--help");
    let run = exoset(&args, &[]);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

/// Whether `exoset ARGS --help` lists `flags`: the tenant options are
/// looked for as whole words anywhere, the fleet ones in the option column.
fn assert_lists(args: &[&str], flags: &[&str], wanted: bool) {
    let text = help(args);
    let words = if flags == FLEET {
        listed(&text)
    } else {
        words(&text)
    };
    for flag in flags {
        assert_eq!(
            words.contains(flag),
            wanted,
            "exoset {} --help: {flag} listed should be {wanted}:\n{text}",
            args.join(" ")
        );
    }
    if flags.contains(&"--profile") {
        assert_eq!(
            text.contains("-p, --profile"),
            wanted,
            "exoset {} --help: -p:\n{text}",
            args.join(" ")
        );
    }
}

#[test]
fn commands_that_use_no_tenant_list_none_of_the_client_options() {
    for args in [
        &["sim"][..],
        &["fields"],
        &["completions"],
        &["profiles"],
        &["man"],
        &["auth"],
    ] {
        assert_lists(args, &TENANT, false);
        assert_lists(args, &FLEET, false);
    }
}

#[test]
fn the_top_level_and_the_fleet_commands_list_all_of_them() {
    for args in [
        &[][..],
        &["get"],
        &["set"],
        &["diff"],
        &["apply"],
        &["export"],
        &["history"],
        &["doctor"],
    ] {
        assert_lists(args, &TENANT, true);
        assert_lists(args, &FLEET, true);
    }
}

#[test]
fn one_tenant_commands_list_the_tenant_options_but_not_the_fleet_ones() {
    for args in [
        &["rollback"][..],
        &["auth", "login"],
        &["auth", "status"],
        &["auth", "logout"],
    ] {
        assert_lists(args, &TENANT, true);
        assert_lists(args, &FLEET, false);
    }
}

#[test]
fn the_timeouts_keep_their_variables_and_defaults_in_the_help() {
    for args in [&[][..], &["get"], &["doctor"]] {
        let text = help(args);
        assert!(text.contains("EXOSET_TIMEOUT"), "{text}");
        assert!(text.contains("[default: 20]"), "{text}");
        assert!(text.contains("EXOSET_CONNECT_TIMEOUT"), "{text}");
        assert!(text.contains("[default: 5]"), "{text}");
    }
}

#[test]
fn a_profile_before_or_after_the_subcommand_is_the_same_choice() {
    let before = exoset(&["-p", "x", "get"], &[]);
    let after = exoset(&["get", "-p", "x"], &[]);
    assert_eq!(before.code, 2, "{}", before.stderr);
    assert!(
        before.stderr.contains("no profile \"x\""),
        "{}",
        before.stderr
    );
    assert_eq!(before.code, after.code);
    // The message names the temporary config file, which differs per run.
    let tail = |s: &str| s.split(" in ").next().unwrap_or_default().to_owned();
    assert_eq!(tail(&before.stderr), tail(&after.stderr));

    for args in [
        &["-p", "x", "auth", "status"][..],
        &["auth", "status", "-p", "x"],
        &["rollback", "-p", "x"],
        &["-p", "x", "rollback"],
    ] {
        let run = exoset(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("no profile \"x\""),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn profiles_given_before_and_after_the_subcommand_add_up() {
    let run = exoset(&["-p", "x", "get", "-p", "y,z"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("\"x\", \"y\", \"z\""),
        "all three asked for: {}",
        run.stderr
    );
}

#[test]
fn a_client_option_after_a_command_it_does_not_apply_to_is_unknown() {
    for args in [
        &["sim", "--base-url", "x"][..],
        &["sim", "-p", "x"],
        &["fields", "--timeout", "3"],
        &["completions", "bash", "--tenant-sid", "x"],
        &["profiles", "--profile", "x"],
        &["rollback", "--jobs", "2"],
        &["auth", "status", "--profiles-matching", "a*"],
    ] {
        let run = exoset(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("unexpected argument"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn a_client_option_before_a_command_it_does_not_apply_to_is_refused() {
    for (args, flag) in [
        (&["--base-url", "x", "sim"][..], "--base-url"),
        (&["-p", "x", "fields"], "--profile"),
        (&["--timeout", "3", "completions", "bash"], "--timeout"),
        (&["--jobs", "2", "rollback"], "--jobs"),
        (&["--all-profiles", "doctor"], "--all-profiles"),
    ] {
        let run = exoset(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // What comes from the environment is not refused: it is not aimed at
    // the simulator.
    let run = exoset(&["fields"], &[("EXOSET_TIMEOUT", "3")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_subcommands_value_wins_over_the_top_levels() {
    let env = Env::demo();
    let dead = "http://127.0.0.1:1";
    let real = env.sim.base_url();
    ok(&env.exoset(&["--base-url", dead, "get", "--base-url", &real], None));
    let run = env.exoset(&["--base-url", &real, "get", "--base-url", dead], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    ok(&env.exoset(&["--base-url", &real, "get"], None));
    ok(&env.exoset(&["get", "--base-url", &real], None));
}

#[test]
fn a_timeout_on_the_line_wins_over_the_variable_and_the_subcommands_over_the_top_levels() {
    // A zero timeout is refused before any request: which value was used
    // shows in the exit code.
    let env = Env::demo();
    let with_zero = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_exoset"));
        let out = command
            .args(args)
            .env("EXOSET_HOME", env.home.path())
            .env("EXOSET_BASE_URL", env.sim.base_url())
            .env("EXOSET_TENANT_SID", env.sim.sid())
            .env("EXOSET_API_KEY", exoset_sim::DEMO_API_KEY)
            .env("EXOSET_API_TOKEN", exoset_sim::DEMO_API_TOKEN)
            .env("EXOSET_TIMEOUT", "0")
            .env("EXOSET_CONNECT_TIMEOUT", "0")
            .env_remove("EXOSET_PROFILE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = with_zero(&["get"]);
    assert_eq!(code, 2, "the variables still count: {stderr}");
    for args in [
        &["--timeout", "5", "--connect-timeout", "5", "get"][..],
        &["get", "--timeout", "5", "--connect-timeout", "5"],
        &["--timeout", "5", "get", "--connect-timeout", "5"],
        &[
            "--timeout",
            "0",
            "--connect-timeout",
            "0",
            "get",
            "--timeout",
            "5",
            "--connect-timeout",
            "5",
        ],
    ] {
        let (code, stderr) = with_zero(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (code, stderr) = with_zero(&[
        "--timeout",
        "5",
        "--connect-timeout",
        "5",
        "get",
        "--timeout",
        "0",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--timeout must be"), "{stderr}");
}

#[test]
fn jobs_before_and_after_a_fleet_command_are_taken() {
    for args in [&["--jobs", "0", "get"][..], &["get", "--jobs", "0"]] {
        let run = exoset(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        // The range check answered, not clap's "unexpected argument": the
        // flag was taken in both places.
        assert!(
            run.stderr.contains("'--jobs <N>': 0 is not in 1..=1000"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("unexpected"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn completions_offer_the_client_options_only_where_they_apply() {
    let run = exoset(&["completions", "bash"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let opts_of = |case: &str| -> Vec<String> {
        let at = run
            .stdout
            .find(&format!("{case})\n"))
            .unwrap_or_else(|| panic!("{case} in the script"));
        let line = run.stdout[at..]
            .lines()
            .find(|l| l.trim_start().starts_with("opts="))
            .unwrap();
        words(line).into_iter().map(str::to_owned).collect()
    };
    let sim = opts_of("exoset__subcmd__sim");
    let get = opts_of("exoset__subcmd__get");
    let rollback = opts_of("exoset__subcmd__rollback");
    for flag in TENANT {
        assert!(!sim.iter().any(|w| w == flag), "sim: {flag}");
        assert!(get.iter().any(|w| w == flag), "get: {flag}");
        assert!(rollback.iter().any(|w| w == flag), "rollback: {flag}");
    }
    for flag in FLEET {
        assert!(get.iter().any(|w| w == flag), "get: {flag}");
        assert!(!rollback.iter().any(|w| w == flag), "rollback: {flag}");
    }
}
