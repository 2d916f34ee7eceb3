//! Profiles that reach the same tenant (same base URL and SID): the fleet
//! sends the change once, through the first, and reports the others
//! `unchanged — same tenant as FIRST`. Through the real binary, against the
//! simulator over real HTTP.

use exoset_core::schema::lookup_path;
use exoset_sim::{SimConfig, Simulator};
use std::process::{Command, Stdio};

const TAG: &str = "common.aparty_tag";

/// Profiles `a` and `b` on one tenant (b's base URL written differently:
/// `localhost` is not folded, so the host is the same text with a trailing
/// slash), `c` on another.
fn setup() -> (Simulator, tempfile::TempDir) {
    let sim = Simulator::start_background(SimConfig::fleet(2)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let sids = sim.sids();
    let base = sim.base_url();
    let profile = |name: &str, sid: &str, base: &str| {
        format!(
            "[profiles.{name}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
             base_url = \"{base}\"\ntoken_command = \"echo demo-token\"\n\n"
        )
    };
    let text = [
        profile("a", &sids[0], &base),
        profile("b", &sids[0], &format!("{base}/")),
        profile("c", &sids[1], &base),
    ]
    .concat();
    std::fs::write(home.path().join("config.toml"), text).unwrap();
    (sim, home)
}

fn exoset(home: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(args)
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .env_remove("EXOSET_BASE_URL")
        .env_remove("EXOSET_TENANT_SID")
        .env_remove("EXOSET_API_KEY")
        .env_remove("EXOSET_API_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn two_profiles_on_one_tenant_get_one_put_and_the_second_is_reported_same_tenant() {
    let (sim, home) = setup();
    let sids = sim.sids();
    let set = format!("{TAG}=Aliased");
    let (code, stdout, stderr) = exoset(&home, &["-p", "a,b,c", "set", &set, "--yes"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(
        sim.put_count_of(&sids[0]),
        1,
        "one PUT to the shared tenant"
    );
    assert_eq!(sim.put_count_of(&sids[1]), 1);
    // The plan says so before anything is sent …
    assert!(
        stderr.contains("Same tenant as a: sent once, through that profile."),
        "{stderr}"
    );
    // … and the report.
    let line_b = stdout
        .lines()
        .find(|l| l.starts_with("b "))
        .unwrap_or_else(|| panic!("no line for b:\n{stdout}"));
    let words: Vec<&str> = line_b.split_whitespace().collect();
    assert_eq!(words.get(2), Some(&"unchanged"), "{line_b}");
    assert!(line_b.contains("same tenant as a"), "{line_b}");
    assert!(
        stdout.contains("3 tenants: 2 sent, 1 unchanged."),
        "{stdout}"
    );
    let held = sim.settings_of(&sids[0]).unwrap();
    assert_eq!(held.get(lookup_path(TAG).unwrap()), Some("Aliased"));
    // One history entry: b's history has none of it.
    let (_, history_b, _) = exoset(&home, &["-p", "b", "history", "--json"]);
    assert!(!history_b.contains("Aliased"), "{history_b}");
    let (_, history_a, _) = exoset(&home, &["-p", "a", "history", "--json"]);
    assert!(history_a.contains("Aliased"), "{history_a}");
}

#[test]
fn the_json_report_and_a_dry_run_name_the_profile_that_sends() {
    let (sim, home) = setup();
    let set = format!("{TAG}=Json");
    let (code, stdout, stderr) = exoset(&home, &["-p", "b,a", "set", &set, "--yes", "--json"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let a = report
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["profile"] == "a")
        .unwrap();
    assert_eq!(a["outcome"], "unchanged");
    assert!(
        a["message"]
            .as_str()
            .unwrap()
            .starts_with("same tenant as b"),
        "{a}"
    );
    assert_eq!(sim.put_count(), 1);
    let (code, stdout, _) = exoset(
        &home,
        &["-p", "a,b", "set", "common.aparty_tag=Dry", "--dry-run"],
    );
    assert_eq!(code, 0);
    let bodies: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        bodies.get("a").is_some() && bodies.get("b").is_none(),
        "{bodies}"
    );
}
