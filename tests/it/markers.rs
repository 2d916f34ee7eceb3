//! One marker per meaning in both faces: `*` a key that changes, `=` a key
//! sent unchanged with its endpoint, `~` kept for "not taken" and "changed
//! on the server" (as in the editor). Through the real binary.

use exoset_sim::{SimConfig, Simulator};
use std::process::{Command, Stdio};

#[test]
fn the_cli_diff_marks_changes_with_star_and_companions_with_equals() {
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("change.json");
    std::fs::write(
        &file,
        r#"{"greenvn": {"greencall_complete_event_endpoint": "https://hooks.example.com/v2"}}"#,
    )
    .unwrap();
    let config = SimConfig::demo();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["diff", "-f"])
        .arg(&file)
        .env("EXOSET_HOME", home.path())
        .env("EXOSET_BASE_URL", sim.base_url())
        .env("EXOSET_TENANT_SID", sim.sid())
        .env("EXOSET_API_KEY", &config.api_key)
        .env("EXOSET_API_TOKEN", &config.api_token)
        .env_remove("EXOSET_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("* greenvn.greencall_complete_event_endpoint ")),
        "{stdout}"
    );
    for companion in ["method", "headers"] {
        let head = format!("= greenvn.greencall_complete_event_{companion} ");
        assert!(lines.iter().any(|l| l.starts_with(&head)), "{stdout}");
    }
    assert!(!lines.iter().any(|l| l.starts_with("~ ")), "{stdout}");
}
