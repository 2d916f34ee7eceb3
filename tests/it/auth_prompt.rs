//! `exoset auth login` at a real terminal: the token is never echoed, and
//! the terminal's echo comes back however the prompt ends.

use crate::support::{self, pty};

use pty::Pty;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn login(home: &std::path::Path, extra: &[&str]) -> Pty {
    let home = home.to_string_lossy().into_owned();
    let mut args = vec![
        "-p",
        "prompted",
        "--tenant-sid",
        "acme1",
        "--api-key",
        "key1",
        "auth",
        "login",
        "--no-verify",
    ];
    args.extend_from_slice(extra);
    // No keyring needed to reach the prompt; the kernel keyring is forced so
    // a desktop's Secret Service is never touched.
    Pty::spawn(
        &args,
        &[
            ("EXOSET_HOME", home.as_str()),
            ("EXOSET_KEYSTORE", "keyutils"),
        ],
        80,
        24,
    )
}

#[test]
fn ctrl_c_at_the_hidden_token_prompt_restores_echo_and_saves_nothing() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = login(home.path(), &[]);
    pty.wait_for("API token (hidden)", WAIT);
    pty.type_str("half-typed-secret");
    pty.type_str("\x03");
    let code = pty.wait_exit(WAIT);
    assert_eq!(code, 130, "cancelled, as a shell reports Ctrl-C");
    assert!(pty.is_cooked(), "echo and line mode are back");
    let screen = pty.screen();
    assert!(!screen.contains("half-typed-secret"), "{screen}");
    assert!(screen.contains("cancelled; nothing was saved"), "{screen}");
    assert!(!home.path().join("config.toml").exists());
}

#[test]
fn token_stdin_on_a_terminal_asks_hidden_instead_of_echoing() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = login(home.path(), &["--token-stdin"]);
    pty.wait_for("API token (hidden)", WAIT);
    pty.type_str("typed-secret-1234\r");
    pty.wait_exit(WAIT);
    assert!(pty.is_cooked());
    let screen = pty.screen();
    assert!(!screen.contains("typed-secret-1234"), "echoed:\n{screen}");
}

/// `exoset set` at a terminal asks before sending; "no" is not an error:
/// nothing is sent and the exit code is 0.
#[test]
fn declining_the_send_question_sends_nothing_and_exits_0() {
    use exoset_sim::{SimConfig, Simulator};
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = tempfile::tempdir().unwrap();
    let home_text = home.path().to_string_lossy().into_owned();
    let base_url = sim.base_url();
    let config = SimConfig::demo();
    let mut pty = Pty::spawn(
        &["set", "common.timezone=UTC"],
        &[
            ("EXOSET_HOME", home_text.as_str()),
            ("EXOSET_BASE_URL", base_url.as_str()),
            ("EXOSET_TENANT_SID", sim.sid()),
            ("EXOSET_API_KEY", config.api_key.as_str()),
            ("EXOSET_API_TOKEN", config.api_token.as_str()),
        ],
        80,
        24,
    );
    let screen = pty.wait_for("? [y/N]", WAIT);
    assert!(screen.contains("1 change; 1 key will be sent."), "{screen}");
    // The question names the tenant it would change: profile, SID, host.
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    let question = format!(
        "Send these changes to profile default (tenant {} on 127.0.0.1)? [y/N]",
        sim.sid()
    );
    assert!(words.contains(&question), "{words}");
    pty.type_str("n\r");
    let code = pty.wait_exit(WAIT);
    assert_eq!(code, 0, "declining is not an error");
    assert!(pty.screen().contains("Nothing sent."), "{}", pty.screen());
    assert_eq!(sim.put_count(), 0);
}

// ----- a token_command that asks on the terminal -----

/// A config whose default profile `cmd` takes its token from `command`, for
/// the simulator `sim`.
fn token_command_home(sim: &exoset_sim::Simulator, command: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let demo = exoset_sim::SimConfig::demo();
    let command = command.replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "default_profile = \"cmd\"\n[profiles.cmd]\ntenant_sid = \"{}\"\napi_key = \"{}\"\n\
             base_url = \"{}\"\ntoken_command = \"{command}\"\ntoken_command_timeout = \"60s\"\n",
            sim.sid(),
            demo.api_key,
            sim.base_url(),
        ),
    )
    .unwrap();
    home
}

/// `read` on the terminal: before, the command ran in a background process
/// group and was stopped by SIGTTIN (or its read failed at once and exoset
/// said "printed no token"); now it holds the foreground while it runs.
#[test]
fn a_token_command_that_prompts_on_the_terminal_takes_the_typed_token() {
    use exoset_sim::{SimConfig, Simulator};
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = token_command_home(
        &sim,
        "printf 'Token for exoset: ' >&2; read -r t; printf '%s\\n' \"$t\"",
    );
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["get", "common.timezone"],
        &[("EXOSET_HOME", home_text.as_str())],
        80,
        24,
    );
    pty.wait_for("Token for exoset: ", WAIT);
    pty.type_str(&format!("{}\r", SimConfig::demo().api_token));
    let code = pty.wait_exit(WAIT);
    let screen = pty.screen();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("common.timezone"), "{screen}");
    assert!(pty.is_cooked(), "the terminal is exoset's again, as it was");
}

/// Ctrl-C while the command waits at its prompt reaches the command (it has
/// the foreground), and exoset kills what is left of its process group —
/// here a background `sleep`, which ignores SIGINT as a non-interactive
/// shell's background jobs do — then exits 130.
#[test]
fn ctrl_c_at_a_token_command_prompt_kills_its_group_and_exits_130() {
    use exoset_sim::{SimConfig, Simulator};
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let scratch = tempfile::tempdir().unwrap();
    let pid_file = scratch.path().join("sleep.pid");
    let home = token_command_home(
        &sim,
        &format!(
            "sleep 300 >/dev/null 2>&1 & echo $! > '{}'; printf 'Token for exoset: ' >&2; \
             read -r t; printf '%s\\n' \"$t\"",
            pid_file.display()
        ),
    );
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["get", "common.timezone"],
        &[("EXOSET_HOME", home_text.as_str())],
        80,
        24,
    );
    pty.wait_for("Token for exoset: ", WAIT);
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!support::gone(pid), "the command's background job runs");
    pty.type_str("half-typed\x03");
    let code = pty.wait_exit(WAIT);
    let screen = pty.screen();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    // SIGKILL was sent before exoset exited; its delivery is the kernel's.
    let start = std::time::Instant::now();
    while !support::gone(pid) && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(support::gone(pid), "the command's process group was killed");
    assert!(pty.is_cooked());
}

/// Across profiles (`get --all-profiles`), Ctrl-C at the first profile's
/// token_command prompt ends the run with 130: the next profile's command
/// is not started to ask again, and nothing is read.
#[test]
fn ctrl_c_at_one_profiles_token_command_starts_no_other_and_exits_130() {
    use exoset_sim::{SimConfig, Simulator};
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("runs");
    let demo = SimConfig::demo();
    let command = format!(
        "echo run >> '{}'; printf 'Token for exoset: ' >&2; read -r t; printf '%s\\\\n' \\\"$t\\\"",
        log.display()
    );
    let mut config = String::new();
    for name in ["one", "two"] {
        config.push_str(&format!(
            "[profiles.{name}]\ntenant_sid = \"{}\"\napi_key = \"{}\"\nbase_url = \"{}\"\n\
             token_command = \"{command}\"\n",
            sim.sid(),
            demo.api_key,
            sim.base_url()
        ));
    }
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["get", "--all-profiles", "common.timezone"],
        &[("EXOSET_HOME", home_text.as_str())],
        100,
        24,
    );
    pty.wait_for("Token for exoset: ", WAIT);
    pty.type_str("\x03");
    let code = pty.wait_exit(WAIT);
    let screen = pty.screen();
    assert_eq!(code, 130, "{screen}");
    let runs = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(runs, 1, "the second profile's command ran:\n{screen}");
    assert_eq!(sim.get_count(), 0, "{screen}");
    assert!(pty.is_cooked());
}
