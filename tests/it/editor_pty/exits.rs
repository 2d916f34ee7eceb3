//! The editor's exit codes 3 and 4.

use super::*;

/// Credentials the server refuses: the load fails, and quitting exits 3.
#[test]
fn refused_credentials_exit_3() {
    let env = Env::new();
    let config = SimConfig::demo();
    let base_url = env.sim.base_url();
    let home = env.home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &[],
        &[
            ("EXOSET_HOME", home.as_str()),
            ("EXOSET_BASE_URL", base_url.as_str()),
            ("EXOSET_TENANT_SID", env.sim.sid()),
            ("EXOSET_API_KEY", config.api_key.as_str()),
            ("EXOSET_API_TOKEN", "not-the-token"),
        ],
        80,
        24,
    );
    pty.wait_for("refused the credentials", WAIT);
    pty.type_str("q");
    assert_eq!(pty.wait_exit(WAIT), 3);
    pty.assert_restored();
}

/// A change made on the server since loading, to the key being sent: the
/// send stops at the conflict, and quitting (the edit kept as a draft)
/// exits 4.
#[test]
fn a_conflict_then_quitting_exits_4() {
    let env = Env::new();
    let mut pty = env.editor(&[]);
    go_to(&mut pty, '3', "aparty_tag");
    pty.type_str(ENTER);
    pty.type_str("\x15Mine");
    pty.type_str(ENTER);
    pty.wait_for("3 Common *1", WAIT);
    clear_filter(&mut pty);
    env.sim
        .modify(|s| s.set(lookup_path("common.aparty_tag").unwrap(), "Theirs"));
    pty.type_str("s");
    pty.wait_for("Send these changes?", WAIT);
    pty.type_str("y");
    pty.wait_for("Changed here and on the server", WAIT);
    assert_eq!(env.sim.put_count(), 0);
    esc_closing(&mut pty, "Changed here and on the server");
    pty.type_str("q");
    pty.wait_for("Quit", WAIT);
    pty.type_str("y");
    assert_eq!(pty.wait_exit(WAIT), 4, "{}", pty.after_restore());
    pty.assert_restored();
}
