//! Reads and plans across tenants: the `get` matrix (whole in a pipe, the
//! differing part in view on a terminal, a column kept for a tenant not
//! read), `doctor` across profiles, one diff per group of tenants.

use super::*;

#[test]
fn get_across_tenants_is_a_matrix_marking_the_keys_that_differ() {
    let fleet = Fleet::start(4);
    let run = fleet.exoset(&[
        "get",
        "--all-profiles",
        "common.timezone",
        "common.lcr_enabled",
        "common.country",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("KEY") && lines[0].contains("unit-4"),
        "{}",
        run.stdout
    );
    let row = |key: &str| {
        *lines
            .iter()
            .find(|l| l.contains(key))
            .unwrap_or_else(|| panic!("no {key}: {}", run.stdout))
    };
    assert!(row("common.timezone").starts_with('*'), "{}", run.stdout);
    assert!(row("common.timezone").contains("UTC"), "{}", run.stdout);
    assert!(row("common.lcr_enabled").starts_with('*'), "{}", run.stdout);
    assert!(!row("common.country").starts_with('*'), "{}", run.stdout);

    let differ = fleet.exoset(&["get", "--all-profiles", "--differ"]);
    assert_eq!(differ.code, 0, "{}", differ.stderr);
    let keys: Vec<&str> = differ
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        keys,
        vec![
            "greenvn.default_flow_id",
            "common.timezone",
            "common.lcr_enabled"
        ],
        "{}",
        differ.stdout
    );

    let as_json = fleet.exoset(&["get", "--all-profiles", "--json", "common.timezone"]);
    assert_eq!(as_json.code, 0, "{}", as_json.stderr);
    let doc: Value = serde_json::from_str(&as_json.stdout).unwrap();
    // Each tenant in the shape `get --json` prints for one.
    assert_eq!(doc["unit-1"], json!({"common": {"timezone": "IST"}}));
    assert_eq!(doc["unit-4"], json!({"common": {"timezone": "UTC"}}));
    let one = fleet.exoset(&["-p", "unit-1", "get", "--json", "common.timezone"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let single: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(doc["unit-1"], single, "one shape for one and for several");
}

#[test]
fn a_single_key_across_many_tenants_is_shown_one_tenant_a_row() {
    let fleet = Fleet::start(12);
    let run = fleet.exoset(&["get", "--all-profiles", "greenvn.default_flow_id"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("PROFILE") && first.contains("greenvn.default_flow_id *"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().count(), 13, "{}", run.stdout);
}

const ENDPOINT: &str = "greenvn.greencall_complete_event_endpoint";

/// Tenants whose endpoints differ only in their last characters, past the
/// width of a matrix cell.
fn endpoints_differing_at_the_tail(fleet: &Fleet) {
    let id = lookup_path(ENDPOINT).unwrap();
    for (n, tail) in [(1, "alpha"), (2, "beta"), (3, "beta")] {
        fleet.sim.modify_of(&fleet.sid(n), |s| {
            s.set(
                id,
                format!("https://hooks.example.com/exobridge/greenvn/complete/{tail}"),
            )
        });
    }
}

#[test]
fn get_differ_in_a_pipe_prints_values_whole() {
    let fleet = Fleet::start(3);
    endpoints_differing_at_the_tail(&fleet);
    let run = fleet.exoset(&["get", "--all-profiles", "--differ", ENDPOINT]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for tail in ["alpha", "beta"] {
        assert!(
            run.stdout.contains(&format!(
                "https://hooks.example.com/exobridge/greenvn/complete/{tail}"
            )),
            "{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains('…'), "cut in a pipe:\n{}", run.stdout);
}

#[test]
fn get_differ_on_a_terminal_keeps_the_differing_part_in_view() {
    let fleet = Fleet::start(3);
    endpoints_differing_at_the_tail(&fleet);
    let home = fleet.home.path().to_str().unwrap().to_string();
    for cols in [80u16, 120] {
        let mut pty = crate::support::pty::Pty::spawn(
            &["get", "--all-profiles", "--differ", ENDPOINT],
            &[("EXOSET_HOME", home.as_str())],
            cols,
            24,
        );
        assert_eq!(pty.wait_exit(Duration::from_secs(20)), 0);
        let screen = pty.screen();
        for tail in ["alpha", "beta"] {
            assert!(screen.contains(tail), "{cols} columns:\n{screen}");
        }
        for line in screen.lines() {
            assert!(
                exoset_core::text::width(line) <= usize::from(cols),
                "{cols} columns, a line wraps:\n{screen}"
            );
        }
    }
}

#[test]
fn get_keeps_the_column_of_a_tenant_it_could_not_read_and_says_so() {
    let fleet = Fleet::with(SimConfig::fleet(3), &[2]);
    let run = fleet.exoset(&["get", "--all-profiles", "common.timezone"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    // A row or a column each (whichever layout is narrower), the unread
    // one holding "(not read)" where its value would be.
    for profile in ["unit-1", "unit-2", "unit-3"] {
        assert!(run.stdout.contains(profile), "{}", run.stdout);
    }
    assert_eq!(
        run.stdout.matches("(not read)").count(),
        1,
        "{}",
        run.stdout
    );
    let unread = run
        .stdout
        .lines()
        .find(|l| l.starts_with("unit-2"))
        .unwrap();
    assert!(unread.contains("(not read)"), "{}", run.stdout);
    assert!(run.stderr.contains("unit-2"), "{}", run.stderr);
}

#[test]
fn doctor_across_profiles_checks_each_profile_and_names_the_one_that_fails() {
    let fleet = Fleet::with(SimConfig::fleet(3), &[2]);
    let run = fleet.exoset(&["doctor", "--all-profiles"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    for n in 1..=3 {
        assert!(
            run.stdout.contains(&format!("Profile \"unit-{n}\"")),
            "{}",
            run.stdout
        );
    }
    let result = |profile: &str| {
        run.stdout
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{profile} ")))
            .unwrap_or_else(|| panic!("no line for {profile}:\n{}", run.stdout))
            .to_string()
    };
    assert!(result("unit-1").ends_with(" ok"), "{}", run.stdout);
    assert!(
        result("unit-2").contains("FAIL: settings GET"),
        "{}",
        run.stdout
    );
    assert!(result("unit-3").ends_with(" ok"), "{}", run.stdout);
    // The machine's own checks once, not once per profile.
    assert_eq!(run.stdout.matches("locale:").count(), 1, "{}", run.stdout);

    let json = fleet.exoset(&["doctor", "-p", "unit-1,unit-2", "--json"]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["profiles"][0]["profile"], "unit-1");
    assert_eq!(doc["profiles"][0]["ok"], true);
    assert_eq!(doc["profiles"][1]["ok"], false);
    assert!(doc["checks"].as_array().unwrap().len() >= 3, "{doc}");
}

#[test]
fn a_plan_prints_each_distinct_diff_once_naming_its_tenants() {
    let fleet = Fleet::start(30);
    let run = fleet.exoset(&["set", "--all-profiles", "--dry-run", "common.timezone=UTC"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    // Tenants already on UTC make a second group; the change shows once.
    assert_eq!(all.matches("\"IST\" -> \"UTC\"").count(), 1, "{all}");
    let changing: Vec<usize> = (1..=30)
        .filter(|n| fleet.value(*n, "common.timezone").as_deref() != Some("UTC"))
        .collect();
    assert!(changing.len() > 1, "{changing:?}");
    assert!(
        all.contains(&format!(
            "{} tenants: unit-{} (",
            changing.len(),
            changing[0]
        )),
        "{all}"
    );
    for n in changing {
        assert!(
            all.contains(&format!("unit-{n} ({})", fleet.sid(n))),
            "{all}"
        );
    }
    assert_eq!(fleet.sim.put_count(), 0);
}

// ---- README's promises about a fleet run ----
