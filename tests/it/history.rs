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
fn a_retry_after_a_refused_expect_unchanged_is_refused_again() {
    let env = Env::demo();
    ok(&env.exoset(&["get"], None));
    env.set_behind_our_back("common.timezone", "UTC");
    let args = ["set", "common.timezone=IST", "--yes", "--expect-unchanged"];
    // Refused, and the refused run's own reads leave the last read alone:
    // the same command again is refused again; nobody has looked yet.
    for _ in 0..2 {
        let run = env.exoset(&args, None);
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert!(run.stderr.contains("common.timezone"), "{}", run.stderr);
    }
    assert_eq!(env.sim.put_count(), 0);
    // Once somebody reads (`get`), the same command goes through, and a
    // successful send moves the last read to what it left on the server.
    ok(&env.exoset(&["get"], None));
    ok(&env.exoset(&args, None));
    assert_eq!(env.value("common.timezone").as_deref(), Some("IST"));
    assert_eq!(env.sim.put_count(), 1);
    ok(&env.exoset(&args, None));
    assert_eq!(env.sim.put_count(), 1, "nothing left to send");
}

#[test]
fn expect_unchanged_with_its_file_after_a_space_says_to_join_them() {
    let env = Env::demo();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("snap.json");
    ok(&env.exoset(&["export", "-o", export.to_str().unwrap()], None));
    let run = env.exoset(
        &[
            "set",
            "common.timezone=UTC",
            "--yes",
            "--expect-unchanged",
            export.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--expect-unchanged=FILE"),
        "{}",
        run.stderr
    );
    assert_eq!(env.sim.put_count(), 0);
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

/// Queues `fault` for the PUT of the next `set`: its two reads are served
/// as usual first.
fn fault_on_put(env: &Env, fault: exoset_sim::Fault) {
    env.sim
        .inject(exoset_sim::Fault::Delay(std::time::Duration::ZERO), 2);
    env.sim.inject(fault, 1);
}

fn entries(env: &Env) -> Vec<Value> {
    let run = env.exoset(&["history", "--json"], None);
    ok(&run);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn a_put_whose_answer_is_lost_is_recorded_unknown_settled_by_the_next_get_and_rolled_back() {
    let env = Env::demo();
    let old = env.value("common.timezone").unwrap();
    assert_ne!(old, "UTC");
    fault_on_put(&env, exoset_sim::Fault::DropAfterApply);
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("outcome unknown"), "{}", run.stderr);
    // The server applied it.
    assert_eq!(env.sim.put_count(), 1);
    assert_eq!(env.value("common.timezone").as_deref(), Some("UTC"));

    // In the history as unknown: the body sent, the values read before it.
    let list = entries(&env);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["outcome"], "unknown");
    assert_eq!(
        list[0]["sent"],
        serde_json::json!({"common": {"timezone": "UTC"}})
    );
    assert_eq!(list[0]["before"]["common"]["timezone"], old.as_str());
    assert_eq!(list[0]["after"], Value::Null);
    let text = env.exoset(&["history"], None);
    ok(&text);
    assert!(text.stdout.contains("outcome unknown"), "{}", text.stdout);
    assert!(text.stdout.contains("common.timezone"), "{}", text.stdout);
    // Not rolled back while unknown: nothing is known to undo.
    let refused = env.exoset(&["rollback", "--yes"], None);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("outcome unknown"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.sim.put_count(), 1);

    // The next get settles it, and says so once.
    let get = env.exoset(&["get"], None);
    ok(&get);
    assert!(get.stderr.contains("recorded as applied"), "{}", get.stderr);
    let again = env.exoset(&["get"], None);
    ok(&again);
    assert!(!again.stderr.contains("history entry"), "{}", again.stderr);
    let list = entries(&env);
    assert_eq!(list[0]["outcome"], "applied");
    assert_eq!(list[0]["after"]["common"]["timezone"], "UTC");
    let text = env.exoset(&["history"], None);
    assert!(
        text.stdout.contains("applied: its answer was lost"),
        "{}",
        text.stdout
    );

    // Rolled back as a confirmed one would be.
    let back = env.exoset(&["rollback", "1", "--yes"], None);
    ok(&back);
    assert_eq!(env.value("common.timezone"), Some(old.clone()));
    assert_eq!(
        env.sim.last_put_body(),
        Some(serde_json::json!({"common": {"timezone": old}}))
    );
    let list = entries(&env);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["rollback_of"], 1);
    assert!(list[0].get("outcome").is_none(), "answered: {}", list[0]);
}

#[test]
fn a_lost_put_the_server_did_not_keep_is_settled_not_applied() {
    let env = Env::demo();
    let old = env.value("common.timezone").unwrap();
    fault_on_put(&env, exoset_sim::Fault::DropAfterApply);
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 5, "{}", run.stderr);
    // Someone puts the old value back before anyone reads.
    env.set_behind_our_back("common.timezone", &old);
    let get = env.exoset(&["get"], None);
    ok(&get);
    assert!(
        get.stderr.contains("recorded as not applied"),
        "{}",
        get.stderr
    );
    assert_eq!(entries(&env)[0]["outcome"], "not applied");
    let refused = env.exoset(&["rollback", "--yes"], None);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("not applied"), "{}", refused.stderr);

    // A third value: neither sent nor before; stays unknown, said once.
    fault_on_put(&env, exoset_sim::Fault::DropAfterApply);
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 5, "{}", run.stderr);
    env.set_behind_our_back("common.timezone", "Asia/Tokyo");
    let get = env.exoset(&["get"], None);
    ok(&get);
    assert!(get.stderr.contains("stays unknown"), "{}", get.stderr);
    let again = env.exoset(&["get"], None);
    assert!(!again.stderr.contains("stays unknown"), "{}", again.stderr);
    assert_eq!(entries(&env)[0]["outcome"], "unknown");
}

/// A seeded fault soak: 6 fleet runs on 4 tenants, each tenant's PUT in a
/// run answered, refused (not applied), or applied with its answer lost.
/// Every PUT the server applied is in that tenant's history as answered or
/// (once read again) applied, and nothing else is.
#[test]
fn under_a_fault_soak_every_applied_put_is_in_the_history() {
    use exoset_sim::{Fault, SimConfig, Simulator};
    use std::time::Duration;
    let sim = Simulator::start_background(SimConfig::fleet(4)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (i, sid) in sim.sids().iter().enumerate() {
        config.push_str(&format!(
            "[profiles.unit-{}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
             base_url = \"{}\"\ntoken_command = \"echo demo-token\"\n\n",
            i + 1,
            sim.base_url()
        ));
    }
    std::fs::write(home.path().join("config.toml"), config).unwrap();
    let exoset = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", home.path())
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_BASE_URL")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sids = sim.sids();
    let mut seed: u64 = 24;
    let mut applied = [0usize; 4];
    let mut lost = [0usize; 4];
    let mut said = 0;
    for run in 0..6 {
        for (t, sid) in sids.iter().enumerate() {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // The fleet reads each tenant twice before its PUT.
            sim.inject_for(sid, Fault::Delay(Duration::ZERO), 2);
            match (seed >> 33) % 3 {
                0 => applied[t] += 1,
                1 => {
                    sim.inject_for(sid, Fault::DropAfterApply, 1);
                    applied[t] += 1;
                    lost[t] += 1;
                }
                _ => {
                    sim.inject_for(sid, Fault::error(500, None, "soak"), 1);
                }
            }
        }
        let value = format!("common.aparty_tag=Soak{run}");
        let (code, out, err) = exoset(&["set", "--all-profiles", &value, "--yes"]);
        assert!(matches!(code, 0 | 1 | 5), "{code}\n{out}\n{err}");
        // This run's reads settled the last run's lost answers, and said so.
        said += err.matches("recorded as applied").count();
        sim.clear_faults();
    }
    assert!(
        lost.iter().sum::<usize>() >= 3,
        "the seed loses answers: {lost:?}"
    );
    for (t, sid) in sids.iter().enumerate() {
        let profile = format!("unit-{}", t + 1);
        // The server received every PUT; the refused ones changed nothing.
        assert_eq!(sim.put_count_of(sid), 6, "{profile}");
        let (code, _, err) = exoset(&["-p", &profile, "get"]);
        assert_eq!(code, 0, "{err}");
        said += err.matches("recorded as applied").count();
        let (code, out, err) = exoset(&["-p", &profile, "history", "--json"]);
        assert_eq!(code, 0, "{err}");
        let list: Vec<Value> = serde_json::from_str(&out).unwrap();
        let landed = list
            .iter()
            .filter(|e| e.get("outcome").is_none() || e["outcome"] == "applied")
            .count();
        let settled = list.iter().filter(|e| e["outcome"] == "applied").count();
        assert_eq!(landed, applied[t], "{profile}: {out}");
        assert_eq!(settled, lost[t], "{profile}: {out}");
        assert_eq!(list.len(), applied[t], "{profile}: {out}");
    }
    // Each lost answer was said settled once: by the next fleet run's read,
    // or by the last get.
    assert_eq!(said, lost.iter().sum::<usize>());
}
