//! The fleet through the real binary: one change across several profiles'
//! tenants on a multi-tenant simulator, with a private EXOSET_HOME whose
//! config.toml holds one profile per tenant (tokens from token_command).

use exoset_core::schema::lookup_path;
use exoset_sim::{Fault, SimConfig, Simulator};
use serde_json::{Value, json};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod reads;
mod reports;

struct Fleet {
    sim: Simulator,
    /// config.toml names the profiles `unit-1` … `unit-N`, in tenant order.
    home: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Fleet {
    fn start(n: usize) -> Fleet {
        Fleet::with(SimConfig::fleet(n), &[])
    }

    /// `refused`: profiles (by number, from 1) whose token is wrong.
    fn with(config: SimConfig, refused: &[usize]) -> Fleet {
        let sim = Simulator::start_background(config).unwrap();
        let home = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for (i, sid) in sim.sids().iter().enumerate() {
            let name = format!("unit-{}", i + 1);
            let token = if refused.contains(&(i + 1)) {
                "wrong-token"
            } else {
                "demo-token"
            };
            text.push_str(&format!(
                "[profiles.{name}]\ntenant_sid = \"{sid}\"\napi_key = \"demo-key\"\n\
                 base_url = \"{}\"\ntoken_command = \"echo {token}\"\n\n",
                sim.base_url()
            ));
        }
        std::fs::write(home.path().join("config.toml"), text).unwrap();
        Fleet { sim, home }
    }

    /// `n` tenants, each answering every request after `latency`.
    fn slow(n: usize, latency: Duration) -> Fleet {
        Fleet::with(
            SimConfig {
                latency,
                ..SimConfig::fleet(n)
            },
            &[],
        )
    }

    /// `set --all-profiles --jobs 2 common.aparty_tag=Rider --yes --json`,
    /// started.
    fn spawn_rider_everywhere(&self) -> Child {
        self.command(&[
            "set",
            "--all-profiles",
            "--jobs",
            "2",
            "common.aparty_tag=Rider",
            "--yes",
            "--json",
        ])
        .spawn()
        .unwrap()
    }

    fn add_profile(&self, toml: &str) {
        let path = self.home.path().join("config.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(toml);
        std::fs::write(path, text).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_exoset"));
        command
            .args(args)
            .env("EXOSET_HOME", self.home.path())
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_BASE_URL")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn exoset(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn sid(&self, n: usize) -> String {
        self.sim.sids()[n - 1].clone()
    }

    fn value(&self, n: usize, path: &str) -> Option<String> {
        self.sim
            .settings_of(&self.sid(n))
            .unwrap()
            .get(lookup_path(path).unwrap())
            .map(str::to_string)
    }
}

fn json(run: &Run) -> Vec<Value> {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr))
}

fn outcome_of<'a>(report: &'a [Value], profile: &str) -> &'a Value {
    report
        .iter()
        .find(|o| o["profile"] == profile)
        .unwrap_or_else(|| panic!("no {profile} in {report:?}"))
}

/// The report line of `profile` in the text report.
fn line_of<'a>(run: &'a Run, profile: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.starts_with(&format!("{profile} ")))
        .unwrap_or_else(|| panic!("no line for {profile}:\n{}", run.stdout))
}

const TAG: &str = "common.aparty_tag";

#[test]
fn a_change_reaches_every_tenant_with_a_single_tenant_runs_requests_each() {
    let fleet = Fleet::start(3);
    let run = fleet.exoset(&["set", "--all-profiles", "common.aparty_tag=Rider", "--yes"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for n in 1..=3 {
        assert_eq!(fleet.value(n, TAG).as_deref(), Some("Rider"));
        // The read, the re-read before the PUT, the PUT: as one tenant alone.
        assert_eq!(fleet.sim.get_count_of(&fleet.sid(n)), 2);
        assert_eq!(fleet.sim.put_count_of(&fleet.sid(n)), 1);
        let line = line_of(&run, &format!("unit-{n}"));
        assert!(
            line.contains(" sent ") && line.contains(&fleet.sid(n)),
            "{line}"
        );
        assert!(line.contains(TAG), "{line}");
    }
    assert!(run.stdout.contains("3 tenants: 3 sent."), "{}", run.stdout);
    // The plan: the diff once with the tenants it is for, then the table.
    assert!(
        run.stderr
            .contains("3 tenants: unit-1 (exoset-demo-1), unit-2 (exoset-demo-2),"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("TO CHANGE"), "{}", run.stderr);
    // Each tenant's history has the change.
    let history = fleet.exoset(&["history", "--all-profiles"]);
    assert_eq!(history.code, 0, "{}", history.stderr);
    for n in 1..=3 {
        assert!(
            history
                .stdout
                .contains(&format!("unit-{n} ({}):", fleet.sid(n))),
            "{}",
            history.stdout
        );
    }
    assert_eq!(history.stdout.matches(TAG).count(), 3, "{}", history.stdout);
}

#[test]
fn tenants_that_already_hold_the_value_are_sent_nothing() {
    let fleet = Fleet::start(3);
    let id = lookup_path(TAG).unwrap();
    fleet.sim.modify_of(&fleet.sid(2), |s| s.set(id, "Rider"));
    let run = fleet.exoset(&[
        "set",
        "-p",
        "unit-1,unit-2",
        "-p",
        "unit-3",
        "common.aparty_tag=Rider",
        "--yes",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report.len(), 3);
    assert_eq!(outcome_of(&report, "unit-1")["outcome"], "sent");
    assert_eq!(outcome_of(&report, "unit-2")["outcome"], "unchanged");
    assert_eq!(outcome_of(&report, "unit-3")["outcome"], "sent");
    let sent = outcome_of(&report, "unit-1");
    assert_eq!(sent["exit_code"], 0);
    assert!(sent["request_id"].is_string(), "{sent}");
    assert_eq!(sent["changes"][0]["key"], TAG);
    assert_eq!(sent["changes"][0]["old"], "Customer");
    assert_eq!(sent["changes"][0]["new"], "Rider");
    assert_eq!(sent["changes"][0]["status"], "confirmed");
    assert_eq!(fleet.sim.put_count_of(&fleet.sid(2)), 0);
    assert_eq!(fleet.sim.get_count_of(&fleet.sid(2)), 1);
}

#[test]
fn a_refused_credential_exits_3_and_the_others_are_still_sent() {
    let fleet = Fleet::with(SimConfig::fleet(3), &[2]);
    let run = fleet.exoset(&[
        "set",
        "--all-profiles",
        "common.aparty_tag=Rider",
        "--yes",
        "--json",
    ]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let refused = outcome_of(&report, "unit-2");
    assert_eq!(refused["outcome"], "failed");
    assert_eq!(refused["exit_code"], 3);
    assert_eq!(refused["tenant"], "exoset-demo-2");
    assert!(
        refused["message"].as_str().unwrap().contains("credentials"),
        "{refused}"
    );
    for p in ["unit-1", "unit-3"] {
        assert_eq!(outcome_of(&report, p)["outcome"], "sent", "{report:?}");
    }
    assert_eq!(fleet.value(1, TAG).as_deref(), Some("Rider"));
    assert_eq!(fleet.value(2, TAG).as_deref(), Some("Customer"));
    assert_eq!(fleet.value(3, TAG).as_deref(), Some("Rider"));
    // The text report names the tenant and why.
    let id = lookup_path(TAG).unwrap();
    fleet.sim.modify_of(&fleet.sid(1), |s| s.set(id, "Walker"));
    let text = fleet.exoset(&["set", "--all-profiles", "common.aparty_tag=Rider", "--yes"]);
    assert_eq!(text.code, 3);
    let line = line_of(&text, "unit-2");
    assert!(
        line.contains("failed") && line.contains("exoset-demo-2"),
        "{line}"
    );
    assert!(line.contains("refused the credentials"), "{line}");
}

#[test]
fn a_change_behind_the_clients_back_is_a_conflict_for_that_tenant_only() {
    let fleet = Fleet::start(3);
    let id = lookup_path(TAG).unwrap();
    // The first read is answered as usual; the re-read before the PUT finds
    // another user's value.
    fleet
        .sim
        .inject_for(&fleet.sid(2), Fault::Delay(Duration::ZERO), 1);
    fleet.sim.inject_for(
        &fleet.sid(2),
        Fault::ChangeBehind {
            id,
            value: "Walker".into(),
        },
        1,
    );
    let run = fleet.exoset(&[
        "set",
        "--all-profiles",
        "common.aparty_tag=Rider",
        "--yes",
        "--json",
    ]);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let conflict = outcome_of(&report, "unit-2");
    assert_eq!(conflict["outcome"], "conflict");
    assert_eq!(conflict["exit_code"], 4);
    assert!(
        conflict["message"].as_str().unwrap().contains("\"Walker\""),
        "{conflict}"
    );
    assert_eq!(conflict["changes"][0]["status"], "not_sent");
    assert_eq!(fleet.value(2, TAG).as_deref(), Some("Walker"));
    assert_eq!(fleet.sim.put_count_of(&fleet.sid(2)), 0);
    assert_eq!(outcome_of(&report, "unit-1")["outcome"], "sent");
    assert_eq!(outcome_of(&report, "unit-3")["outcome"], "sent");
}

#[test]
fn a_lost_answer_is_unknown_exit_5() {
    let fleet = Fleet::start(3);
    fleet
        .sim
        .inject_for(&fleet.sid(3), Fault::Delay(Duration::ZERO), 2);
    fleet
        .sim
        .inject_for(&fleet.sid(3), Fault::DropAfterApply, 1);
    let run = fleet.exoset(&[
        "set",
        "--all-profiles",
        "common.aparty_tag=Rider",
        "--yes",
        "--json",
    ]);
    assert_eq!(run.code, 5, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    let unknown = outcome_of(&report, "unit-3");
    assert_eq!(unknown["outcome"], "unknown");
    assert_eq!(unknown["exit_code"], 5);
    assert_eq!(unknown["changes"][0]["status"], "unknown");
    // It was applied: the simulator changed it before losing the answer.
    assert_eq!(fleet.value(3, TAG).as_deref(), Some("Rider"));
    assert_eq!(outcome_of(&report, "unit-1")["outcome"], "sent");
}

/// Waits until `done` holds, up to `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn finish(mut child: Child) -> Run {
    let stdout = std::io::read_to_string(child.stdout.take().unwrap()).unwrap();
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    let status = child.wait().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

#[test]
fn ctrl_c_mid_run_starts_nothing_new_and_says_what_was_sent_and_what_is_unknown() {
    let fleet = Fleet::slow(6, Duration::from_millis(400));
    let child = fleet.spawn_rider_everywhere();
    // Two tenants answered, and the third PUT is in flight.
    assert!(
        wait_for(Duration::from_secs(30), || fleet.sim.put_count() >= 3),
        "the run never got to its third PUT"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let run = finish(child);
    // A PUT may have gone out (a tenant is `unknown`): 5, not 130.
    assert_eq!(run.code, 5, "{}\n{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report.len(), 6);
    let kinds: Vec<&str> = report
        .iter()
        .map(|o| o["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..2], &["sent", "sent"], "{report:?}");
    assert!(kinds.contains(&"unknown"), "{report:?}");
    assert_eq!(&kinds[4..], &["cancelled", "cancelled"], "{report:?}");
    for (n, o) in report.iter().enumerate() {
        let sid = fleet.sid(n + 1);
        match o["outcome"].as_str().unwrap() {
            "sent" => assert_eq!(fleet.value(n + 1, TAG).as_deref(), Some("Rider")),
            "unknown" => {
                assert_eq!(o["exit_code"], 5);
                // The PUT was started: it may have reached the server or
                // not (under load, the interrupt can land between the
                // client's write and the server's read). Never twice, and
                // nothing changed if it never arrived.
                match fleet.sim.put_count_of(&sid) {
                    1 => {}
                    0 => assert_eq!(fleet.value(n + 1, TAG).as_deref(), Some("Customer")),
                    more => panic!("{more} PUTs for an unknown outcome: {o}"),
                }
                // The PUT whose answer was dropped is in the history, so
                // that the next read can say whether it landed.
                let name = format!("unit-{}", n + 1);
                let history = fleet.exoset(&["history", "-p", &name, "--json"]);
                assert_eq!(history.code, 0, "{}", history.stderr);
                let entries: Value = serde_json::from_str(&history.stdout).unwrap();
                let entries = entries.as_array().expect("a list of entries");
                assert_eq!(entries.len(), 1, "{entries:?}");
                assert_eq!(entries[0]["outcome"], "unknown", "{entries:?}");
            }
            "cancelled" => {
                assert_eq!(o["exit_code"], 130);
                assert_eq!(fleet.sim.put_count_of(&sid), 0, "{o}");
                assert_eq!(fleet.value(n + 1, TAG).as_deref(), Some("Customer"));
            }
            other => panic!("unexpected outcome {other}: {report:?}"),
        }
    }
    // Nothing is sent after the report: once the simulator has read
    // everything the exited process wrote (no connection of its left
    // open), the counts still match the report — the cancelled tenants
    // got nothing, an unknown one at most its one PUT.
    assert!(
        wait_for(Duration::from_secs(10), || fleet.sim.connections_open()
            == 0),
        "the simulator still holds {} connections",
        fleet.sim.connections_open()
    );
    let mut landed = 0;
    for (n, o) in report.iter().enumerate() {
        let puts = fleet.sim.put_count_of(&fleet.sid(n + 1));
        match o["outcome"].as_str().unwrap() {
            "sent" => assert_eq!(puts, 1, "{o}"),
            "unknown" => assert!(puts <= 1, "{puts} PUTs: {o}"),
            _ => assert_eq!(puts, 0, "{o}"),
        }
        landed += puts;
    }
    assert_eq!(fleet.sim.put_count(), landed);
}

/// The report is printed into a pipe nobody reads, so the run is stuck
/// printing it: the second Ctrl-C must still quit at once — 5, since PUTs
/// had gone out — and say so, without waiting for the report.
#[test]
fn a_second_ctrl_c_quits_at_once_without_the_report() {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::os::fd::AsRawFd;

    let fleet = Fleet::slow(24, Duration::from_millis(300));
    let mut child = fleet.spawn_rider_everywhere();
    let mut stdout = child.stdout.take().unwrap();
    // One page of pipe: the report for 24 tenants is several pages.
    let capacity = fcntl(stdout.as_raw_fd(), FcntlArg::F_SETPIPE_SZ(4096)).unwrap();
    assert!(capacity < 8192, "pipe capacity {capacity}");
    let pid = Pid::from_raw(child.id() as i32);
    assert!(
        wait_for(Duration::from_secs(30), || fleet.sim.put_count() >= 2),
        "the run never sent"
    );
    kill(pid, Signal::SIGINT).unwrap();
    // The report has begun: read its first bytes, then nothing more.
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(first[0], b'[', "{}", String::from_utf8_lossy(&first));
    assert!(child.try_wait().unwrap().is_none(), "the whole report fit");
    kill(pid, Signal::SIGINT).unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("a second Ctrl-C did not quit while the report was waiting");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert_eq!(status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("stopped before the report") && stderr.contains("exoset get"),
        "{stderr}"
    );
    // What did reach the pipe is a report cut short, never a whole one.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let printed = format!("{}{rest}", String::from_utf8_lossy(&first));
    assert!(
        serde_json::from_str::<Value>(&printed).is_err(),
        "the whole report was printed: {printed}"
    );
}

#[test]
fn bad_selections_are_named() {
    let fleet = Fleet::start(2);
    let run = fleet.exoset(&["get", "-p", "unit-1,nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("\"nope\"") && run.stderr.contains("known: unit-1, unit-2"),
        "{}",
        run.stderr
    );
    let run = fleet.exoset(&["get", "--profiles-matching", "prod-*"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("\"prod-*\" matches no profile"),
        "{}",
        run.stderr
    );
    let run = fleet.exoset(&["-p", "unit-1,unit-2"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("one profile at a time"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_profile_without_credentials_is_named_and_does_not_stop_the_others() {
    let fleet = Fleet::start(2);
    fleet.add_profile("[profiles.unit-x]\napi_key = \"demo-key\"\n");
    let run = fleet.exoset(&[
        "set",
        "--profiles-matching",
        "unit-?",
        "common.aparty_tag=Rider",
        "--yes",
    ]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let line = line_of(&run, "unit-x");
    assert!(
        line.contains("failed") && line.contains("no tenant SID for profile \"unit-x\""),
        "{line}"
    );
    assert!(line_of(&run, "unit-1").contains(" sent "), "{}", run.stdout);
    assert!(line_of(&run, "unit-2").contains(" sent "), "{}", run.stdout);
}

#[test]
fn diff_and_export_across_tenants() {
    let fleet = Fleet::start(3);
    let file = fleet.home.path().join("want.json");
    std::fs::write(&file, r#"{"common": {"timezone": "UTC"}}"#).unwrap();
    let run = fleet.exoset(&["diff", "--all-profiles", "-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "3 tenants: unit-1 (exoset-demo-1), unit-2 (exoset-demo-2),\n  unit-3 \
             (exoset-demo-3):\n* common.timezone  \"IST\" -> \"UTC\""
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("unit-3 (exoset-demo-3):\n* common.timezone"),
        "{}",
        run.stdout
    );
    assert_eq!(fleet.sim.put_count(), 0);

    let dir = fleet.home.path().join("exports");
    let run = fleet.exoset(&["export", "--all-profiles", "-o", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for n in 1..=3 {
        let path = dir.join(format!("unit-{n}.json"));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(doc["greenvn"]["default_flow_id"], (123_455 + n).to_string());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    let run = fleet.exoset(&["export", "-p", "unit-1,unit-2"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(doc["unit-1"]["common"].is_object() && doc["unit-2"]["common"].is_object());
}

/// The companion rule depends on what each tenant holds: sending an
/// event's endpoint sends its method too, so a tenant whose current method
/// is invalid cannot take the change, while the other can. The first is
/// `invalid` (said in the plan, exit 2, no PUT), the second `sent`.
#[test]
fn apply_across_tenants_validates_against_each_tenants_own_settings() {
    const ENDPOINT: &str = "greenvn.greencall_complete_event_endpoint";
    const METHOD: &str = "greenvn.greencall_complete_event_method";
    let fleet = Fleet::start(2);
    assert!(fleet.sim.modify_of(&fleet.sid(1), |s| {
        s.set(lookup_path(METHOD).unwrap(), "PATCH")
    }));
    let file = fleet.home.path().join("want.json");
    std::fs::write(
        &file,
        r#"{"greenvn": {"greencall_complete_event_endpoint": "https://hooks.example.com/v2"}}"#,
    )
    .unwrap();
    let run = fleet.exoset(&[
        "apply",
        "--all-profiles",
        "-f",
        file.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    // The plan (on stderr) says which tenant cannot take it, and why.
    let plan_line = |profile: &str| {
        run.stderr
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{profile} ")))
            .unwrap_or_else(|| panic!("no plan row for {profile}:\n{}", run.stderr))
    };
    assert!(
        plan_line("unit-1").ends_with("not sent: invalid here"),
        "{}",
        run.stderr
    );
    assert!(!plan_line("unit-2").contains("invalid"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "cannot send: {METHOD}: the greencall_complete endpoint is being sent, \
             so its method goes too, but the current method is invalid"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.ends_with("2 tenants: 1 sent, 1 invalid.\n"),
        "{}",
        run.stdout
    );
    assert!(
        line_of(&run, "unit-1").contains("invalid"),
        "{}",
        run.stdout
    );
    assert!(line_of(&run, "unit-2").contains("sent"), "{}", run.stdout);
    assert_eq!(fleet.sim.put_count_of(&fleet.sid(1)), 0);
    assert_eq!(fleet.sim.put_count_of(&fleet.sid(2)), 1);
    assert_eq!(
        fleet.value(2, ENDPOINT).as_deref(),
        Some("https://hooks.example.com/v2")
    );
    assert_ne!(
        fleet.value(1, ENDPOINT).as_deref(),
        Some("https://hooks.example.com/v2")
    );
    assert_eq!(fleet.value(1, METHOD).as_deref(), Some("PATCH"));
}

/// A port on this machine that accepts connections and answers nothing:
/// whatever connects to it stays in its queue, to be counted afterwards.
struct Decoy(std::net::TcpListener);

impl Decoy {
    fn listen() -> Decoy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Decoy(listener)
    }

    fn url(&self) -> String {
        format!("http://{}", self.0.local_addr().unwrap())
    }

    /// How many connections reached it (a closed one is still queued).
    fn connections(&self) -> usize {
        let mut n = 0;
        while self.0.accept().is_ok() {
            n += 1;
        }
        n
    }
}

/// The token in the environment: one tenant's, never another's. The
/// simulator takes only `demo-token`, so a request that carried this one
/// would be refused and the run would end with exit 3.
const ENV_TOKEN: &str = "env-token-of-one-tenant-only";

#[test]
fn the_environments_base_url_and_token_reach_no_profile_of_a_fleet() {
    let fleet = Fleet::start(2);
    let decoy = Decoy::listen();
    for args in [
        &["get", "--all-profiles", TAG][..],
        &["set", "--all-profiles", "common.aparty_tag=Rider", "--yes"],
    ] {
        let out = fleet
            .command(args)
            .env("EXOSET_BASE_URL", decoy.url())
            .env("EXOSET_API_TOKEN", ENV_TOKEN)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        // Each profile used its own base URL and token: the simulator took
        // them all (it refuses ENV_TOKEN), and the decoy saw nothing.
        assert_eq!(out.status.code(), Some(0), "{args:?}\n{stdout}\n{stderr}");
        assert_eq!(
            decoy.connections(),
            0,
            "{args:?} connected to EXOSET_BASE_URL"
        );
        assert_eq!(
            stderr
                .lines()
                .filter(|l| l.starts_with(
                    "note: EXOSET_BASE_URL and EXOSET_API_TOKEN are not \
                                           used with several profiles"
                ))
                .count(),
            1,
            "{stderr}"
        );
    }
    for n in 1..=2 {
        assert_eq!(fleet.value(n, TAG).as_deref(), Some("Rider"));
    }
    // The token alone, with each profile's own base URL: still not used.
    let out = fleet
        .command(&["get", "--all-profiles", TAG])
        .env("EXOSET_API_TOKEN", ENV_TOKEN)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_typed_plain_http_base_url_is_refused_across_profiles() {
    let fleet = Fleet::start(2);
    let decoy = Decoy::listen();
    let run = fleet.exoset(&["get", "--all-profiles", "--base-url", &decoy.url()]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("--base-url with http:// is not used with several profiles"),
        "{}",
        run.stderr
    );
    assert_eq!(decoy.connections(), 0);
    assert_eq!(fleet.sim.get_count(), 0);
}

/// Whether a running process is non-dumpable can be seen from outside: the
/// kernel makes a non-dumpable process's `/proc/PID` files owned by root
/// (`task_dump_owner`). For that to tell anything the process must not run
/// as root itself, and these tests often do (CI containers): then the child
/// runs as `nobody` (65534), with its EXOSET_HOME handed to that user. The
/// check is made while the fleet's requests are in flight (the simulator
/// holds each one), that is after every token was read.
#[test]
fn a_fleet_command_is_non_dumpable_while_it_runs() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    let fleet = Fleet::with(
        SimConfig {
            latency: Duration::from_secs(2),
            ..SimConfig::fleet(2)
        },
        &[],
    );
    let mut command = fleet.command(&["get", "--all-profiles", TAG]);
    let am_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if am_root {
        let nobody = 65534;
        for path in [
            fleet.home.path().to_path_buf(),
            fleet.home.path().join("config.toml"),
        ] {
            std::os::unix::fs::chown(&path, Some(nobody), Some(nobody)).unwrap();
        }
        command.uid(nobody).gid(nobody);
    }
    let child = command.spawn().unwrap();
    let pid = child.id();
    assert!(
        wait_for(Duration::from_secs(60), || fleet.sim.get_count() >= 1),
        "the fleet never sent a request"
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    let real_uid: u32 = uid_line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_ne!(real_uid, 0, "the check needs a process not run as root");
    let owner = std::fs::metadata(format!("/proc/{pid}/status"))
        .unwrap()
        .uid();
    let run = finish(child);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        owner, 0,
        "/proc/{pid} of a process running as uid {real_uid} is owned by it: it is dumpable"
    );
}
