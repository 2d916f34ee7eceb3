//! Child processes never inherit the token: `$EDITOR` (with its plugins and
//! language servers) is started without `EXOSET_API_TOKEN` or
//! `EXOSET_SIM_TOKEN` in its environment.

use crate::support::pty;

use exoset_sim::{SimConfig, Simulator};
use pty::Pty;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn the_external_editor_does_not_get_the_token() {
    let sim = Simulator::start_background(SimConfig::demo()).expect("simulator");
    let home = tempfile::tempdir().unwrap();
    let seen = home.path().join("editor-env.txt");
    // Written to a temporary file, then renamed: the file appears whole, so
    // the test never reads it half-written.
    let visual = format!(
        "env > '{0}.part' && mv '{0}.part' '{0}'; true",
        seen.display()
    );
    let config = SimConfig::demo();
    let base_url = sim.base_url();
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &[],
        &[
            ("EXOSET_HOME", home_text.as_str()),
            ("EXOSET_BASE_URL", base_url.as_str()),
            ("EXOSET_TENANT_SID", sim.sid()),
            ("EXOSET_API_KEY", config.api_key.as_str()),
            ("EXOSET_API_TOKEN", config.api_token.as_str()),
            ("EXOSET_SIM_TOKEN", "sim-secret-canary"),
            ("VISUAL", visual.as_str()),
        ],
        80,
        24,
    );
    pty.wait_for("Loaded ", WAIT);
    pty.type_str("3/sms_config\r");
    pty.wait_for("(Esc clears)", WAIT);
    pty.type_str("e");
    let deadline = std::time::Instant::now() + WAIT;
    while !seen.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the editor never ran; screen:\n{}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let env = std::fs::read_to_string(&seen).expect("the editor's output");
    assert!(env.contains("EXOSET_HOME="), "the environment was captured");
    assert!(!env.contains("EXOSET_API_TOKEN"), "{env}");
    assert!(!env.contains("EXOSET_SIM_TOKEN"), "{env}");
    assert!(!env.contains("demo-token"), "{env}");
    assert!(!env.contains("sim-secret-canary"), "{env}");
    pty.type_str("\x03");
    pty.wait_exit(WAIT);
}
