//! What README promises about a send's outcome and its exit code, through
//! the real binary against the simulator: a key not taken, the server's own
//! refusals, answers lost or unreadable, the SID's length and the state
//! files' size cap. (The fleet's promises are in `fleet`, the editor's in
//! `editor_pty`.)

use crate::support::sim_env;

use exoset_sim::{Fault, SimConfig};
use serde_json::{Value, json};
use sim_env::{Env, ok};
use std::time::Duration;

/// The read and the re-read before a PUT answered as usual; `fault` on the PUT.
fn fault_on_put(env: &Env, fault: Fault) {
    env.sim.inject(Fault::Delay(Duration::ZERO), 2);
    env.sim.inject(fault, 1);
}

/// A success envelope whose data are the simulator's settings with `path`
/// set to `value`: a server that reports `value`, whatever was sent.
fn answer_reporting(env: &Env, path: &str, value: &str) -> String {
    let (section, key) = path.split_once('.').unwrap();
    let mut data = env.sim.settings().to_json();
    data[section][key] = json!(value);
    json!({
        "request_id": "req-other",
        "success": true,
        "status": 200,
        "code": null,
        "message": null,
        "method": "PUT",
        "data": data,
    })
    .to_string()
}

fn history(env: &Env) -> Vec<Value> {
    let run = env.exoset(&["history", "--json"], None);
    ok(&run);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn a_key_not_taken_exits_1_names_it_and_is_recorded_as_not_taken() {
    let env = Env::demo();
    assert_eq!(env.value("common.timezone").as_deref(), Some("IST"));
    let body = answer_reporting(&env, "common.timezone", "IST");
    fault_on_put(&env, Fault::Raw { status: 200, body });
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(r#"common.timezone: sent "UTC", server has "IST""#),
        "{}",
        run.stderr
    );
    assert_eq!(env.sim.put_count(), 1);
    let entries = history(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["outcomes"]["common.timezone"],
        json!({"status": "not_taken", "got": "IST"}),
        "{entries:?}"
    );
}

/// 400/3 and 422/50 are the server refusing a value: exit 2, in its words.
#[test]
fn the_servers_400_3_and_422_50_exit_2_with_its_words() {
    for (status, code, words) in [
        (400, 3, "timezone is not a valid value here"),
        (422, 50, "unprocessable: timezone"),
    ] {
        let env = Env::demo();
        fault_on_put(&env, Fault::error(status, Some(code), words));
        let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
        assert_eq!(run.code, 2, "{status}/{code}: {}", run.stderr);
        assert!(
            run.stderr.contains(words),
            "{status}/{code}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("HTTP {status}")),
            "{status}/{code}: {}",
            run.stderr
        );
        assert_eq!(env.value("common.timezone").as_deref(), Some("IST"));
    }
}

/// A PUT's answer that is not the server's own — a gateway's 503 page, a
/// 2xx that cannot be read — may hide an applied change: exit 5. A 502–504
/// in the server's envelope is the server saying it failed: exit 1.
#[test]
fn a_lost_or_unreadable_put_answer_exits_5_and_an_enveloped_gateway_error_1() {
    for (what, fault, code) in [
        (
            "a 503 page without the envelope",
            Fault::Raw {
                status: 503,
                body: "<html><body>Service Unavailable</body></html>".into(),
            },
            5,
        ),
        (
            "an unreadable 200",
            Fault::Raw {
                status: 200,
                body: r#"{"success": true, "data": {"#.into(),
            },
            5,
        ),
        (
            "a 502 envelope",
            Fault::error(502, Some(0), "upstream failed"),
            1,
        ),
        ("a 503 envelope", Fault::error(503, Some(0), "try later"), 1),
        (
            "a 504 envelope",
            Fault::error(504, Some(0), "upstream timed out"),
            1,
        ),
    ] {
        let env = Env::demo();
        fault_on_put(&env, fault);
        let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
        assert_eq!(run.code, code, "{what}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(env.sim.put_count(), 1, "{what}: sent once, never again");
        if code == 5 {
            assert!(
                run.stderr.contains("may have been applied"),
                "{what}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_64_character_sid_is_taken_and_65_refused() {
    let sid = "a".repeat(64);
    let env = Env::start(SimConfig {
        sid: sid.clone(),
        ..SimConfig::demo()
    });
    let run = env.exoset(&["get", "common.timezone"], None);
    ok(&run);
    assert_eq!(run.stdout.trim_end(), "common.timezone  IST");
    assert_eq!(env.sim.get_count(), 1);
    let long = "a".repeat(65);
    let run = env.exoset(&["--tenant-sid", &long, "get"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not valid: use 1 to 64 letters"),
        "{}",
        run.stderr
    );
    assert_eq!(env.sim.get_count(), 1, "nothing more was requested");
}

/// `data/state/<profile>/<tenant>` under an EXOSET_HOME.
fn state_dir(home: &std::path::Path) -> std::path::PathBuf {
    let mut dir = home.join("data").join("state");
    for _ in 0..2 {
        dir = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .find(|e| e.path().is_dir())
            .unwrap()
            .path();
    }
    dir
}

const CAP: usize = 16 * 1024 * 1024;

/// A history of exactly 16 MiB (a real one padded with spaces, still
/// valid JSON) is read; one byte more is set aside as unreadable.
#[test]
fn state_files_are_read_up_to_16_mib_and_no_further() {
    let env = Env::demo();
    ok(&env.exoset(&["set", "common.timezone=UTC", "--yes"], None));
    let path = state_dir(env.home.path()).join("history.json");
    let mut text = std::fs::read(&path).unwrap();
    assert!(text.len() < CAP);
    text.resize(CAP, b' ');
    std::fs::write(&path, &text).unwrap();
    assert_eq!(history(&env).len(), 1, "16 MiB exactly is read");

    text.push(b' ');
    std::fs::write(&path, &text).unwrap();
    let run = env.exoset(&["set", "common.timezone=IST", "--yes"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("history.json.unreadable-"),
        "{}",
        run.stderr
    );
    let entries = history(&env);
    assert_eq!(entries.len(), 1, "a new history, with the new entry only");
    assert_eq!(
        entries[0]["sent"]["common"]["timezone"], "IST",
        "{entries:?}"
    );
    let aside: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.json.unreadable-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].metadata().unwrap().len() as usize, CAP + 1);
}
