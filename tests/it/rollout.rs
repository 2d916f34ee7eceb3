//! A fleet change that cannot spread too far, through the real binary on a
//! multi-tenant simulator: the canary, `--max-fail`, the typed ceiling, and
//! 409 and 429 on a PUT as the vendor documents them. Nothing here waits on
//! a fixed sleep: requests are counted on the simulator, screens waited on.

use crate::support::profiles::{Profiles, Run};
use crate::support::pty::Pty;
use exoset_sim::{Fault, SimConfig};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn report(run: &Run) -> Vec<Value> {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr))
}

fn line<'a>(report: &'a [Value], profile: &str) -> &'a Value {
    report
        .iter()
        .find(|o| o["profile"] == profile)
        .unwrap_or_else(|| panic!("no {profile} in {report:?}"))
}

/// The PUT to tenant `n` (after its first read and the re-read before the
/// PUT) gets `fault`.
fn on_put(p: &Profiles, n: usize, fault: Fault) {
    p.sim.inject_for(&p.sid(n), Fault::Delay(Duration::ZERO), 2);
    p.sim.inject_for(&p.sid(n), fault, 1);
}

fn server_error() -> Fault {
    Fault::error(500, Some(0), "internal error")
}

#[test]
fn a_canary_that_fails_stops_the_rest_with_its_exit_code() {
    let p = Profiles::start(&["", "", ""]);
    on_put(&p, 1, server_error());
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--canary",
        "1",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = report(&run);
    assert_eq!(line(&report, "p1")["outcome"], "failed");
    for rest in ["p2", "p3"] {
        let l = line(&report, rest);
        assert_eq!(l["outcome"], "cancelled", "{l}");
        assert!(l["message"].as_str().unwrap().contains("canary"), "{l}");
    }
    // Nothing was sent to the rest.
    assert_eq!((p.puts(1), p.puts(2), p.puts(3)), (1, 0, 0));
    assert!(run.stderr.contains("Canary:"), "{}", run.stderr);
}

#[test]
fn a_good_canary_with_yes_goes_on_to_the_rest() {
    let p = Profiles::start(&["", "", ""]);
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--canary-profiles",
        "p3",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = report(&run);
    for n in ["p1", "p2", "p3"] {
        assert_eq!(line(&report, n)["outcome"], "sent");
    }
    assert_eq!((p.applied(1), p.applied(2), p.applied(3)), (1, 1, 1));
}

#[test]
fn a_good_canary_asks_again_before_the_rest_and_protected_ones_are_typed_again() {
    let p = Profiles::start(&["", "", "mode = \"protected\""]);
    let home = p.home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &[
            "--all-profiles",
            "set",
            "--canary",
            "1",
            "common.aparty_tag=Rider",
        ],
        &[("EXOSET_HOME", home.as_str())],
        160,
        50,
    );
    pty.wait_for("Send to 1 tenant? [y/N]", WAIT);
    pty.type_str("y\r");
    let screen = pty.wait_for("Send to 2 tenants? [y/N]", WAIT);
    assert!(screen.contains("Canary:"), "{screen}");
    // The canary went out; the rest did not yet.
    assert_eq!((p.applied(1), p.applied(2), p.applied(3)), (1, 0, 0));
    pty.type_str("y\r");
    pty.wait_for("Type their number (1)", WAIT);
    pty.type_str("1\r");
    let code = pty.wait_exit(WAIT);
    assert_eq!(code, 0, "{}", pty.screen());
    assert_eq!((p.applied(1), p.applied(2), p.applied(3)), (1, 1, 1));
}

/// `--confirm-tenant` speaks of the whole run, canary or not: a script
/// confirms a protected tenant after the canary by its SID or by `all:N`
/// (N the run's protected tenants); `--yes` alone, or a wrong N, is
/// refused before the canary goes out, not after it.
#[test]
fn a_canary_run_takes_the_whole_runs_confirmations_and_refuses_before_the_canary() {
    let p = Profiles::start(&["", "", "mode = \"protected\""]);
    let sid3 = p.sid(3);
    for (confirm, value) in [
        (vec!["--confirm-tenant", "all:1"], "common.aparty_tag=Rider"),
        (
            vec!["--confirm-tenant", sid3.as_str()],
            "common.aparty_tag=Courier",
        ),
    ] {
        let mut args = vec!["--all-profiles", "set", "--canary", "1", "--yes", "--json"];
        args.extend(confirm.iter().copied());
        args.push(value);
        let run = p.exoset(&args);
        assert_eq!(run.code, 0, "{confirm:?}: {}", run.stderr);
        let report = report(&run);
        for profile in ["p1", "p2", "p3"] {
            assert_eq!(line(&report, profile)["outcome"], "sent", "{confirm:?}");
        }
    }
    assert_eq!((p.puts(1), p.puts(2), p.puts(3)), (2, 2, 2));
    for (confirm, says) in [
        (vec![], "--yes alone does not send to a protected profile"),
        (
            vec!["--confirm-tenant", "all:2"],
            "2 was confirmed, but 1 protected tenant would change",
        ),
    ] {
        let mut args = vec!["--all-profiles", "set", "--canary", "1", "--yes"];
        args.extend(confirm.iter().copied());
        args.push("common.aparty_tag=Third");
        let run = p.exoset(&args);
        assert_eq!(run.code, 2, "{confirm:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{confirm:?}: {}", run.stderr);
        assert_eq!(
            (p.puts(1), p.puts(2), p.puts(3)),
            (2, 2, 2),
            "{confirm:?}: the canary went out"
        );
    }
}

#[test]
fn max_fail_starts_no_new_tenant_and_lets_those_in_flight_finish() {
    let p = Profiles::start(&["", "", "", ""]);
    // p1 fails at once; p2's PUT is in flight (slow) when it does.
    on_put(&p, 1, server_error());
    on_put(&p, 2, Fault::Delay(Duration::from_secs(2)));
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--jobs",
        "2",
        "--max-fail",
        "1",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    // The failure's code, not 130.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = report(&run);
    assert_eq!(line(&report, "p1")["outcome"], "failed");
    assert_eq!(line(&report, "p2")["outcome"], "sent");
    for later in ["p3", "p4"] {
        let l = line(&report, later);
        assert_eq!(l["outcome"], "cancelled", "{l}");
        assert_eq!(l["message"], "not sent: stopped after 1 failure", "{l}");
        assert_eq!(l["exit_code"], 0, "{l}");
    }
    assert_eq!((p.puts(3), p.puts(4)), (0, 0));
    assert_eq!(p.applied(2), 1);
}

#[test]
fn the_ceiling_refuses_unless_the_number_is_typed() {
    let p = Profiles::start(&["", "", ""]);
    p.config_top("max_tenants_per_send = 2");
    let set = |extra: &[&str]| {
        let mut args = vec!["--all-profiles", "set", "--yes", "common.aparty_tag=Rider"];
        args.extend_from_slice(extra);
        p.exoset(&args)
    };
    let refused = set(&[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("max_tenants_per_send = 2")
            && refused.stderr.contains("--max-tenants 3"),
        "{}",
        refused.stderr
    );
    let below = set(&["--max-tenants", "2"]);
    assert_eq!(below.code, 2, "{}", below.stderr);
    assert_eq!((p.puts(1), p.puts(2), p.puts(3)), (0, 0, 0));
    let typed = set(&["--max-tenants", "3"]);
    assert_eq!(typed.code, 0, "{}", typed.stderr);
    assert_eq!((p.applied(1), p.applied(2), p.applied(3)), (1, 1, 1));
}

#[test]
fn bad_rollout_input_exits_2_and_sends_nothing() {
    let p = Profiles::start(&["", "", ""]);
    for (args, said) in [
        (&["--canary", "0"][..], "--canary 0"),
        (&["--max-fail", "4"][..], "more than the 3 tenants"),
        (&["--max-fail", "0%"][..], "--max-fail"),
        (&["--canary-profiles", "nope"][..], "not in the selection"),
    ] {
        let mut all = vec!["--all-profiles", "set", "--yes", "common.aparty_tag=Rider"];
        all.extend_from_slice(args);
        let run = p.exoset(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
    }
    assert_eq!(p.sim.put_count(), 0);
}

#[test]
fn a_409_on_a_put_is_a_conflict_exit_4_alone_and_in_a_fleet() {
    let p = Profiles::start(&["", ""]);
    on_put(&p, 1, Fault::concurrent_update());
    let one = p.exoset(&["-p", "p1", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(one.code, 4, "{}\n{}", one.stdout, one.stderr);
    assert!(
        one.stderr.contains("read the settings again"),
        "{}",
        one.stderr
    );
    assert_eq!(p.applied(1), 0);

    on_put(&p, 2, Fault::concurrent_update());
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--json",
        "common.aparty_tag=Courier",
    ]);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let report = report(&run);
    assert_eq!(line(&report, "p2")["outcome"], "conflict");
    assert_eq!(line(&report, "p2")["exit_code"], 4);
    assert_eq!(line(&report, "p1")["outcome"], "sent");
}

#[test]
fn a_429_with_retry_after_is_waited_out_and_sent_once_more() {
    let p = Profiles::start(&["", "", ""]);
    for n in 1..=3 {
        on_put(&p, n, Fault::rate_limited(1));
    }
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = report(&run);
    for (n, name) in ["p1", "p2", "p3"].iter().enumerate() {
        let l = line(&report, name);
        assert_eq!(l["outcome"], "sent", "{l}");
        assert!(l["message"].as_str().unwrap().contains("waited 1 s"), "{l}");
        // Two PUTs received, exactly one applied.
        assert_eq!((p.puts(n + 1), p.applied(n + 1)), (2, 1));
    }
    assert!(run.stderr.contains("waiting 1 s for p1"), "{}", run.stderr);
}

#[test]
fn a_429_whose_wait_is_too_long_fails_naming_it_and_alone_exits_1() {
    let p = Profiles::start(&["", ""]);
    on_put(&p, 1, Fault::rate_limited(90));
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let l = report(&run);
    let l = line(&l, "p1");
    assert_eq!(l["outcome"], "failed");
    assert!(l["message"].as_str().unwrap().contains("90 s"), "{l}");
    assert_eq!((p.puts(1), p.applied(1)), (1, 0));

    on_put(&p, 2, Fault::rate_limited(7));
    let one = p.exoset(&["-p", "p2", "set", "--yes", "common.aparty_tag=Courier"]);
    assert_eq!(one.code, 1, "{}", one.stderr);
    assert!(one.stderr.contains("wait 7 s"), "{}", one.stderr);
    // Only the fleet run's PUT was applied to it; the 429'd one was not.
    assert_eq!((p.puts(2), p.applied(2)), (2, 1));
    assert_eq!(p.tag(2).as_deref(), Some("Rider"));
}

#[test]
fn a_rate_limited_simulator_gets_exactly_one_applied_put_per_tenant() {
    // Two requests a second, one tenant at a time: a GET's 429 is retried
    // by the client, a PUT's is waited out once by the fleet.
    let config = SimConfig {
        rate_limit: Some(2),
        ..SimConfig::fleet(4)
    };
    let p = Profiles::start_with(config, &["", "", "", ""]);
    let run = p.exoset(&[
        "--all-profiles",
        "set",
        "--jobs",
        "1",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for n in 1..=4 {
        assert_eq!(p.applied(n), 1, "tenant {n}");
        assert_eq!(p.tag(n).as_deref(), Some("Rider"));
    }
}

#[test]
fn ctrl_c_during_a_429_wait_makes_the_tenant_cancelled() {
    let p = Profiles::start(&["", ""]);
    on_put(&p, 1, Fault::rate_limited(50));
    let home = p.home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &[
            "--all-profiles",
            "set",
            "--yes",
            "--json",
            "common.aparty_tag=Rider",
        ],
        &[("EXOSET_HOME", home.as_str())],
        200,
        50,
    );
    pty.wait_for("waiting 50 s for p1", WAIT);
    pty.signal(nix::sys::signal::Signal::SIGINT);
    let code = pty.wait_exit(WAIT);
    let screen = pty.screen();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("\"cancelled\""), "{screen}");
    assert_eq!((p.puts(1), p.applied(1)), (1, 0));
}

#[test]
fn rerun_sends_again_only_to_the_failed_and_unknown_tenants() {
    let p = Profiles::start(&["", "", "", ""]);
    on_put(&p, 1, server_error());
    on_put(&p, 2, Fault::DropAfterApply);
    let first = p.exoset(&[
        "--all-profiles",
        "set",
        "--yes",
        "--json",
        "common.aparty_tag=Rider",
    ]);
    assert_eq!(first.code, 5, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stderr.contains("exoset rerun"), "{}", first.stderr);
    let before: Vec<usize> = (1..=4).map(|n| p.puts(n)).collect();
    assert_eq!(before, [1, 1, 1, 1]);
    // The report is kept, 0600, in the data folder's runs/.
    let runs: Vec<_> = std::fs::read_dir(p.home.path().join("data").join("runs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(runs.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = runs[0].metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(runs[0].path()).unwrap()).unwrap();
    assert_eq!(saved["format"], "exoset-run");
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["change"][0]["key"], "common.aparty_tag");
    assert_eq!(saved["actor"]["user"], "alice");
    assert_eq!(saved["report"].as_array().unwrap().len(), 4);

    let rerun = p.exoset(&["rerun", "--yes", "--json"]);
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    let report = report(&rerun);
    let profiles: Vec<&str> = report
        .iter()
        .map(|o| o["profile"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["p1", "p2"]);
    assert_eq!(line(&report, "p1")["outcome"], "sent");
    // The unknown PUT had landed: now unchanged, nothing sent.
    assert_eq!(line(&report, "p2")["outcome"], "unchanged");
    let after: Vec<usize> = (1..=4).map(|n| p.puts(n)).collect();
    assert_eq!(after, [2, 1, 1, 1]);
    assert_eq!(p.tag(1).as_deref(), Some("Rider"));

    // Nothing left to rerun in the newest run.
    let again = p.exoset(&["rerun", "--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("nothing to rerun"),
        "{}",
        again.stderr
    );
    assert_eq!(p.sim.put_count(), 5);
}

#[test]
fn rerun_refuses_a_report_that_is_missing_not_ours_or_of_another_version() {
    let p = Profiles::start(&["", ""]);
    let none = p.exoset(&["rerun", "--yes"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("no run report"), "{}", none.stderr);
    let file = p.home.path().join("r.json");
    let path = file.to_str().unwrap();
    let missing = p.exoset(&["rerun", path, "--yes"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no such run report"),
        "{}",
        missing.stderr
    );
    std::fs::write(&file, r#"{"profiles": []}"#).unwrap();
    let other = p.exoset(&["rerun", path, "--yes"]);
    assert_eq!(other.code, 2, "{}", other.stderr);
    assert!(
        other.stderr.contains("not an exoset run report"),
        "{}",
        other.stderr
    );
    std::fs::write(&file, r#"{"format": "exoset-run", "version": 2}"#).unwrap();
    let version = p.exoset(&["rerun", path, "--yes"]);
    assert_eq!(version.code, 2, "{}", version.stderr);
    assert!(version.stderr.contains("version 2"), "{}", version.stderr);
    let word = p.exoset(&["rerun", "--outcome", "broken", "--yes"]);
    assert_eq!(word.code, 2, "{}", word.stderr);
    assert_eq!(p.sim.put_count(), 0);
}

#[test]
fn a_409_reads_again_and_names_a_key_another_user_changed_meanwhile() {
    let p = Profiles::start(&[""]);
    on_put(&p, 1, Fault::concurrent_update());
    // The read again after the 409 finds someone else's value.
    p.sim.inject_for(
        &p.sid(1),
        Fault::ChangeBehind {
            id: exoset_core::schema::lookup_path("common.aparty_tag").unwrap(),
            value: "Walker".into(),
        },
        1,
    );
    let run = p.exoset(&["-p", "p1", "set", "--yes", "common.aparty_tag=Rider"]);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("\"Walker\""), "{}", run.stderr);
    assert_eq!((p.puts(1), p.applied(1)), (1, 0));
    assert_eq!(p.tag(1).as_deref(), Some("Walker"));
}
