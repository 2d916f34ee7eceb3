//! What a fleet run reports, as README promises it: dry-run bodies, keys
//! not taken and unconfirmed in `--json`, the highest exit code and the
//! report's shape, flags and variables that name one tenant.

use super::*;

/// `--dry-run` prints `{profile: PUT body}` and sends nothing.
#[test]
fn a_dry_run_prints_each_tenants_put_body_and_sends_nothing() {
    let fleet = Fleet::start(2);
    fleet
        .sim
        .modify_of(&fleet.sid(2), |s| s.set(lookup_path(TAG).unwrap(), "Rider"));
    let run = fleet.exoset(&[
        "set",
        "--all-profiles",
        "common.aparty_tag=Rider",
        "common.timezone=UTC",
        "--dry-run",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(
        doc,
        json!({
            "unit-1": {"common": {"aparty_tag": "Rider", "timezone": "UTC"}},
            "unit-2": {"common": {"timezone": "UTC"}},
        })
    );
    assert_eq!(fleet.sim.put_count(), 0);
}

/// A success envelope of tenant `n`'s settings with `path` set to `value`,
/// or left out when `value` is `None`.
fn answer_of(fleet: &Fleet, n: usize, path: &str, value: Option<&str>) -> String {
    let (section, key) = path.split_once('.').unwrap();
    let mut data = fleet.sim.settings_of(&fleet.sid(n)).unwrap().to_json();
    match value {
        Some(value) => data[section][key] = json!(value),
        None => {
            data[section].as_object_mut().unwrap().remove(key);
        }
    }
    json!({
        "request_id": format!("req-{n}"), "success": true, "status": 200,
        "code": null, "message": null, "method": "PUT", "data": data,
    })
    .to_string()
}

/// `--json` gives each key's status: one tenant's answer reports another
/// value (`not_taken`, exit 1), the other's leaves the key out
/// (`unconfirmed`).
#[test]
fn json_reports_keys_not_taken_and_unconfirmed() {
    let fleet = Fleet::start(2);
    for (n, value) in [(1, Some("Customer")), (2, None)] {
        let body = answer_of(&fleet, n, TAG, value);
        fleet
            .sim
            .inject_for(&fleet.sid(n), Fault::Delay(Duration::ZERO), 2);
        fleet
            .sim
            .inject_for(&fleet.sid(n), Fault::Raw { status: 200, body }, 1);
    }
    let run = fleet.exoset(&[
        "set",
        "--all-profiles",
        "common.aparty_tag=Rider",
        "--yes",
        "--json",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let status_of = |profile: &str| outcome_of(&report, profile)["changes"][0]["status"].clone();
    assert_eq!(status_of("unit-1"), "not_taken", "{report:?}");
    assert_eq!(outcome_of(&report, "unit-1")["exit_code"], 1, "{report:?}");
    assert_eq!(status_of("unit-2"), "unconfirmed", "{report:?}");
    assert_eq!(outcome_of(&report, "unit-2")["exit_code"], 0, "{report:?}");
    assert_eq!(fleet.sim.put_count(), 2);
}

/// A refused credential (3) and a conflict (4): the run exits with the
/// highest, 4; the text report has its header, a row per tenant and the
/// counts.
#[test]
fn a_refusal_and_a_conflict_exit_with_the_highest_and_the_report_has_its_shape() {
    let fleet = Fleet::with(SimConfig::fleet(2), &[1]);
    // Tenant 2: its first read as usual, then someone else's change
    // lands before the re-read.
    fleet
        .sim
        .inject_for(&fleet.sid(2), Fault::Delay(Duration::ZERO), 1);
    fleet.sim.inject_for(
        &fleet.sid(2),
        Fault::ChangeBehind {
            id: lookup_path(TAG).unwrap(),
            value: "Someone".into(),
        },
        1,
    );
    let run = fleet.exoset(&["set", "--all-profiles", "common.aparty_tag=Rider", "--yes"]);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "PROFILE",
            "TENANT",
            "OUTCOME",
            "KEYS",
            "REQUEST_ID",
            "DETAIL"
        ],
        "{}",
        run.stdout
    );
    let row = |profile: &str| -> Vec<&str> { line_of(&run, profile).split_whitespace().collect() };
    assert_eq!(
        &row("unit-1")[..3],
        ["unit-1", fleet.sid(1).as_str(), "failed"]
    );
    assert_eq!(
        &row("unit-2")[..3],
        ["unit-2", fleet.sid(2).as_str(), "conflict"]
    );
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(
        lines[3], "2 tenants: 1 conflict, 1 failed.",
        "{}",
        run.stdout
    );
    assert_eq!(fleet.sim.put_count(), 0);
}

/// Across several profiles `--tenant-sid` and `--api-key` are refused, and
/// `EXOSET_TENANT_SID` and `EXOSET_API_KEY` are not used: each profile's
/// own SID and key reach the server (the simulator serves every tenant for
/// `demo-key` only).
#[test]
fn tenant_and_key_flags_are_refused_and_their_variables_unused_across_profiles() {
    let fleet = Fleet::start(2);
    for (flag, value) in [("--tenant-sid", "exoset-demo-1"), ("--api-key", "demo-key")] {
        let run = fleet.exoset(&[flag, value, "get", "--all-profiles", TAG]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{flag} names one")) || run.stderr.contains(flag),
            "{flag}: {}",
            run.stderr
        );
    }
    assert_eq!(fleet.sim.get_count(), 0);
    let out = fleet
        .command(&["set", "--all-profiles", "common.aparty_tag=Rider", "--yes"])
        .env("EXOSET_TENANT_SID", fleet.sid(1))
        .env("EXOSET_API_KEY", "key-of-nobody")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("note: ")
            && l.contains("EXOSET_TENANT_SID")
            && l.contains("EXOSET_API_KEY")),
        "{stderr}"
    );
    for n in 1..=2 {
        assert_eq!(fleet.value(n, TAG).as_deref(), Some("Rider"));
        assert_eq!(fleet.sim.put_count_of(&fleet.sid(n)), 1);
    }
}
