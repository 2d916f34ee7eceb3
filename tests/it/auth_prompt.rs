//! `exoset auth login` at a real terminal: the token is never echoed, and
//! the terminal's echo comes back however the prompt ends.

use crate::support::pty;

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
    let screen = pty.wait_for("Send these changes? [y/N]", WAIT);
    assert!(screen.contains("1 change; 1 key will be sent."), "{screen}");
    pty.type_str("n\r");
    let code = pty.wait_exit(WAIT);
    assert_eq!(code, 0, "declining is not an error");
    assert!(pty.screen().contains("Nothing sent."), "{}", pty.screen());
    assert_eq!(sim.put_count(), 0);
}
