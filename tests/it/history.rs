//! History, rollback and `--expect-unchanged`, as the real binary against the
//! simulator.

use serde_json::Value;

use crate::support::sim_env;
use sim_env::{Env, ok};

#[test]
fn two_sets_then_rolling_back_the_first_restores_its_keys_only() {
    let env = Env::demo();
    let tag_before = env.value("common.aparty_tag").unwrap();
    ok(&env.exoset(&["set", "common.aparty_tag=First", "--yes"], None));
    ok(&env.exoset(&["set", "common.deletion_time=42", "--yes"], None));

    let listing = env.exoset(&["history"], None);
    ok(&listing);
    let lines: Vec<&str> = listing.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", listing.stdout);
    assert!(lines[0].trim_start().starts_with("2 ") && lines[0].contains("common.deletion_time"));
    assert!(lines[1].trim_start().starts_with("1 ") && lines[1].contains("common.aparty_tag"));

    let run = env.exoset(&["rollback", "1", "--yes"], None);
    ok(&run);
    assert_eq!(env.value("common.aparty_tag"), Some(tag_before.clone()));
    assert_eq!(env.value("common.deletion_time").as_deref(), Some("42"));
    assert_eq!(
        env.sim.last_put_body(),
        Some(serde_json::json!({"common": {"aparty_tag": tag_before}}))
    );

    // The rollback is itself recorded.
    let json = env.exoset(&["history", "--json"], None);
    ok(&json);
    let entries: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["id"], 3);
    assert_eq!(entries[0]["rollback_of"], 1);
    assert_eq!(
        entries[0]["sent"],
        serde_json::json!({"common": {"aparty_tag": tag_before}})
    );
    // The simulator's request ids are UUID-shaped; the entry keeps its own.
    let request_id = entries[0]["request_id"].as_str().unwrap();
    assert_eq!(request_id.len(), 36, "{request_id}");
    assert_ne!(entries[0]["request_id"], entries[1]["request_id"]);
    assert_eq!(
        entries[2]["sent"],
        serde_json::json!({"common": {"aparty_tag": "First"}})
    );
}

#[test]
fn rollback_dry_run_prints_the_body_and_sends_nothing() {
    let env = Env::demo();
    ok(&env.exoset(&["set", "greenpin.common_pin_length=7", "--yes"], None));
    let puts = env.sim.put_count();
    let run = env.exoset(&["rollback", "--dry-run"], None);
    ok(&run);
    let body: Value = serde_json::from_str(&run.stdout).unwrap();
    // The demo's value before the set, as the wire's int, and nothing else.
    assert_eq!(
        body,
        serde_json::json!({"greenpin": {"common_pin_length": 4}}),
        "{body}"
    );
    assert_eq!(env.sim.put_count(), puts);
    assert_eq!(
        env.value("greenpin.common_pin_length").as_deref(),
        Some("7")
    );
}

#[test]
fn rollback_refuses_when_the_key_changed_again_since() {
    let env = Env::demo();
    ok(&env.exoset(&["set", "common.aparty_tag=First", "--yes"], None));
    env.set_behind_our_back("common.aparty_tag", "SomeoneElse");
    let run = env.exoset(&["rollback", "--yes"], None);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("SomeoneElse"), "{}", run.stderr);
    assert_eq!(
        env.value("common.aparty_tag").as_deref(),
        Some("SomeoneElse")
    );
}

#[test]
fn rollback_of_an_unknown_entry_is_a_usage_error() {
    let env = Env::demo();
    let run = env.exoset(&["rollback", "99", "--yes"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no history entry 99"), "{}", run.stderr);
}

#[test]
fn expect_unchanged_refuses_when_a_touched_key_moved_since_the_last_read() {
    let env = Env::demo();
    ok(&env.exoset(&["get"], None));
    env.set_behind_our_back("common.timezone", "UTC");
    let run = env.exoset(
        &["set", "common.timezone=IST", "--yes", "--expect-unchanged"],
        None,
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("common.timezone"), "{}", run.stderr);
    assert_eq!(env.sim.put_count(), 0);
    // A key nobody else touched still goes through.
    ok(&env.exoset(
        &[
            "set",
            "common.aparty_tag=Mine",
            "--yes",
            "--expect-unchanged",
        ],
        None,
    ));
    assert_eq!(env.value("common.aparty_tag").as_deref(), Some("Mine"));
}

#[test]
fn expect_unchanged_against_an_export_file() {
    let env = Env::demo();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.json");
    ok(&env.exoset(&["export", "-o", export.to_str().unwrap()], None));
    env.set_behind_our_back("greenpin.aparty_pin_length", "8");
    let want = dir.path().join("want.json");
    std::fs::write(&want, r#"{"greenpin": {"aparty_pin_length": 6}}"#).unwrap();
    let flag = format!("--expect-unchanged={}", export.display());
    let run = env.exoset(
        &["apply", "-f", want.to_str().unwrap(), "--yes", &flag],
        None,
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(
        env.value("greenpin.aparty_pin_length").as_deref(),
        Some("8")
    );
}

#[test]
fn expect_unchanged_without_any_earlier_read_says_how_to_get_one() {
    let env = Env::demo();
    let run = env.exoset(
        &["set", "common.aparty_tag=X", "--yes", "--expect-unchanged"],
        None,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("exoset get"), "{}", run.stderr);
}

#[test]
fn a_corrupt_history_is_reported_and_kept_aside() {
    let env = Env::demo();
    ok(&env.exoset(&["set", "common.aparty_tag=One", "--yes"], None));
    let state = env
        .home
        .path()
        .join("data/state/default")
        .join(env.sim.sid());
    let file = state.join("history.json");
    assert!(file.exists(), "history at {}", file.display());
    std::fs::write(&file, "{ broken").unwrap();
    let run = env.exoset(&["history"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("corrupt"), "{}", run.stderr);
    let aside: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.json.unreadable")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).unwrap(),
        "{ broken"
    );
    // The next change starts a fresh history: one entry, numbered 1, that
    // records this change and nothing of the broken file.
    ok(&env.exoset(&["set", "common.aparty_tag=Two", "--yes"], None));
    let json = env.exoset(&["history", "--json"], None);
    ok(&json);
    let entries: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(entries.len(), 1, "{}", json.stdout);
    assert_eq!(entries[0]["id"], 1);
    assert_eq!(
        entries[0]["sent"],
        serde_json::json!({"common": {"aparty_tag": "Two"}})
    );
    assert_eq!(entries[0]["before"]["common"]["aparty_tag"], "One");
    assert_eq!(entries[0]["after"]["common"]["aparty_tag"], "Two");
    // The set-aside copy is untouched.
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).unwrap(),
        "{ broken"
    );
}
