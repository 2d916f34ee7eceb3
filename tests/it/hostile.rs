//! Every byte exoset did not write is hostile, and every script is a
//! first-class citizen: the real binary against a simulator whose answers
//! hold every control character, Devanagari, and state shared by parallel
//! runs.

use crate::support::{controls, sim_env};

use exoset_core::settings::Settings;
use exoset_sim::Fault;
use serde_json::{Value, json};
use sim_env::{Env, Run, ok};
use std::time::Duration;

/// Every character the tests' own list names, between `<` and `>`.
fn every_control() -> String {
    controls::every_control()
}

/// Nothing on the tests' own list (`support::controls`, not the printers'
/// `is_hostile`) on stdout or stderr, line breaks (ours) aside.
fn assert_clean(what: &str, run: &Run) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let raw = controls::raw_in(text);
        assert!(
            raw.is_empty(),
            "{what}: {name} carries {raw:?} raw:\n{text}"
        );
    }
}

/// What `text::safe` writes for a few of the listed characters (ESC, DEL,
/// CSI, the Arabic letter mark, RLO, PDI), and what JSON output writes.
const ESCAPED: [(&str, &str); 6] = [
    ("\\u{1b}", "\\u001b"),
    ("\\u{7f}", "\\u007f"),
    ("\\u{9b}", "\\u009b"),
    ("\\u{61c}", "\\u061c"),
    ("\\u{202e}", "\\u202e"),
    ("\\u{2069}", "\\u2069"),
];

/// The hostile text is there, escaped: an output that dropped it (or a
/// run that ended before printing it) does not pass for a clean one.
fn assert_escaped(what: &str, text: &str) {
    for (plain, json) in ESCAPED {
        assert!(
            text.contains(plain) || text.contains(json),
            "{what}: {plain} (or {json}) missing from:\n{text}"
        );
    }
}

/// The read and the re-read before a PUT answered as usual; `fault` on the PUT.
fn fault_on_put(env: &Env, fault: Fault) {
    env.sim.inject(Fault::Delay(Duration::ZERO), 2);
    env.sim.inject(fault, 1);
}

#[test]
fn no_printer_lets_a_control_character_reach_the_terminal() {
    let env = Env::demo();
    let evil = every_control();
    // A value, and the name of a key exoset does not know, both hostile.
    let mut doc = env.sim.settings().to_json();
    doc["common"]["aparty_tag"] = json!(evil);
    doc["common"][format!("x{evil}")] = json!(evil);
    env.sim
        .set_settings(Settings::from_json(&doc).expect("settings"));

    for args in [
        &["get"][..],
        &["get", "--json"],
        &["get", "common.aparty_tag"],
        &["export"],
    ] {
        let run = env.exoset(args, None);
        ok(&run);
        assert_clean(&format!("{args:?}"), &run);
        assert_escaped(&format!("{args:?}"), &run.stdout);
    }
    // --json stays JSON that holds the very same text.
    let run = env.exoset(&["get", "--json", "common.aparty_tag"], None);
    let value: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(value["common"]["aparty_tag"], json!(evil));

    // A diff and a send of a hostile value, and its history.
    let file = env.home.path().join("desired.json");
    std::fs::write(&file, json!({"common": {"bparty_tag": evil}}).to_string()).unwrap();
    let file = file.to_string_lossy().into_owned();
    // The value is invalid here (control characters): diff shows it,
    // escaped, and says it cannot be sent (exit 2); so does apply.
    let run = env.exoset(&["diff", "-f", &file], None);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_clean("diff", &run);
    assert_escaped("diff", &run.stdout);
    let run = env.exoset(&["apply", "-f", &file, "--dry-run"], None);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_clean("apply --dry-run", &run);
    assert!(
        run.stderr
            .contains("common.bparty_tag: must not hold control characters"),
        "{}",
        run.stderr
    );

    // A server whose error message, code and request id are hostile.
    let body = json!({
        "request_id": format!("r-1{evil}"),
        "success": false,
        "status": 400,
        "code": evil,
        "message": format!("refused {evil}"),
    });
    fault_on_put(
        &env,
        Fault::Raw {
            status: 400,
            body: body.to_string(),
        },
    );
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("refused <"), "{}", run.stderr);
    assert_clean("a hostile refusal", &run);
    // The server's words are cut to a line's length: the escape is there.
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);

    // An HTML page from something in between.
    fault_on_put(
        &env,
        Fault::Raw {
            status: 400,
            body: format!("<html><title>Gateway {evil}</title></html>"),
        },
    );
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_clean("an HTML page", &run);
    // Described by its title, which ends at the `<` the hostile text opens with.
    assert!(
        run.stderr.contains("an HTML page, not JSON: Gateway"),
        "{}",
        run.stderr
    );

    // A successful answer with a hostile request id, then history.
    let mut data = env.sim.settings().to_json();
    data["common"]["timezone"] = json!("UTC");
    let answer = json!({
        "request_id": format!("r-2{evil}"),
        "success": true,
        "status": 200,
        "code": null,
        "message": null,
        "method": "PUT",
        "data": data,
    });
    fault_on_put(
        &env,
        Fault::Raw {
            status: 200,
            body: answer.to_string(),
        },
    );
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    ok(&run);
    assert_clean("set", &run);
    // The request id, cut to its first characters, escaped.
    assert!(
        run.stderr.contains("(request_id r-2<\\u{0}\\u{1}"),
        "{}",
        run.stderr
    );
    let run = env.exoset(&["history"], None);
    ok(&run);
    assert_clean("history", &run);
    assert!(run.stdout.contains("r-2<\\u{0}\\u{1}"), "{}", run.stdout);
    // The history keeps the id as it was shown: escaped and cut.
    let run = env.exoset(&["history", "--json"], None);
    ok(&run);
    assert_clean("history --json", &run);
    let entries: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let id = entries[0]["request_id"].as_str().unwrap();
    assert!(id.starts_with("r-2<\\u{0}\\u{1}\\u{2}"), "{id}");
}

#[test]
fn devanagari_tamil_cjk_and_emoji_are_printed_as_themselves() {
    let env = Env::demo();
    for tag in ["ग्राहक", "வாடிக்கையாளர்", "顧客", "👍🏽"]
    {
        let run = env.exoset(&["set", &format!("common.aparty_tag={tag}"), "--yes"], None);
        ok(&run);
        let run = env.exoset(&["get", "common.aparty_tag"], None);
        ok(&run);
        assert_eq!(run.stdout.trim_end(), format!("common.aparty_tag  {tag}"));
        let run = env.exoset(&["get", "--json", "common.aparty_tag"], None);
        assert!(run.stdout.contains(tag), "{}", run.stdout);
    }
}

/// Sixteen runs on one tenant at once, each changing a key of its own: none
/// conflicts with another (their keys are taken in, not overwritten), so all
/// sixteen PUTs land, and the history, changed under the tenant's lock,
/// keeps all sixteen.
#[test]
fn sixteen_parallel_sets_leave_sixteen_history_entries() {
    let env = Env::demo();
    let assignments = [
        "common.aparty_tag=P1",
        "common.bparty_tag=P2",
        "common.country=SG",
        "common.intl_num_sup=true",
        "common.max_deallocation_time=3d",
        "common.timezone=UTC",
        "common.deletion_time=77",
        "common.tag_enabled=false",
        "common.sticky_agent_enabled=false",
        "common.lcr_enabled=false",
        "common.default_region=MH",
        "greenvn.default_flow_id=987654",
        "greenpin.aparty_pin_length=7",
        "greenpin.bparty_pin_length=8",
        "greenpin.common_pin_length=9",
        "greenpin.aparty_pin_enabled=true",
    ];
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = assignments
            .iter()
            .map(|assignment| {
                let env = &env;
                scope.spawn(move || env.exoset(&["set", assignment, "--yes"], None))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        ok(run);
    }
    assert_eq!(env.sim.put_count(), 16);
    let run = env.exoset(&["history", "-n", "100", "--json"], None);
    ok(&run);
    let entries: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(entries.len(), 16, "every PUT answered is recorded");
    let mut ids: Vec<u64> = entries.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=16).collect::<Vec<u64>>(), "ids are unique");
}

/// Whether a process is waiting for the `flock` on the file with inode
/// `ino` (a `->` line of /proc/locks names the waiter's pid).
fn waits_for_flock(pid: u32, ino: u64) -> bool {
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    locks.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.get(1) == Some(&"->")
            && words.get(2) == Some(&"FLOCK")
            && words.get(5) == Some(&pid.to_string().as_str())
            && words
                .get(6)
                .and_then(|dev_ino| dev_ino.rsplit(':').next())
                .is_some_and(|i| i == ino.to_string())
    })
}

/// The tenant's lock, held here: an `exoset set` sends its PUT but waits to
/// record it (the kernel lists it as waiting for the lock), the history is
/// unchanged while the lock is held, and the entry is there once it is
/// released. Every wait is on a condition, bounded by 10 s, so a lock that
/// is never taken (the run ends while held) or never let go fails instead
/// of passing by chance or hanging.
#[cfg(target_os = "linux")]
#[test]
fn a_set_waits_for_the_tenants_lock_to_record_its_history() {
    use std::os::unix::fs::MetadataExt;
    use std::time::Instant;
    const BOUND: Duration = Duration::from_secs(10);
    let env = Env::demo();
    ok(&env.exoset(&["set", "common.aparty_tag=First", "--yes"], None));
    let dir = find_state_dir(env.home.path());
    let history_path = dir.join("history.json");
    let before = std::fs::read(&history_path).unwrap();
    let lock = std::fs::File::options()
        .read(true)
        .write(true)
        .open(dir.join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    let ino = lock.metadata().unwrap().ino();

    let mut child = env
        .command(&["set", "common.timezone=UTC", "--yes"])
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    loop {
        if waits_for_flock(pid, ino) {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("exoset ended ({status}) while the tenant's lock was held elsewhere");
        }
        assert!(
            started.elapsed() < BOUND,
            "exoset never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(env.sim.put_count(), 2, "the PUT went out before the wait");
    assert_eq!(
        std::fs::read(&history_path).unwrap(),
        before,
        "the history changed while the lock was held"
    );

    lock.unlock().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            panic!("exoset did not finish within {BOUND:?} of the lock's release");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");
    let run = env.exoset(&["history", "--json"], None);
    ok(&run);
    let entries: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(entries.len(), 2, "{}", run.stdout);
    assert!(run.stdout.contains("UTC"), "{}", run.stdout);
}

#[test]
fn tenant_sids_that_could_change_the_path_are_refused() {
    let env = Env::demo();
    for sid in ["..", ".", "a/b", "a\tb", "a\nb", "acme 1", ""] {
        let run = env.exoset(&["--tenant-sid", sid, "get"], None);
        assert_eq!(run.code, 2, "{sid:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not valid: use 1 to 64 letters"),
            "{sid:?}: {}",
            run.stderr
        );
        assert_clean(sid, &run);
    }
    assert_eq!(env.sim.get_count(), 0, "nothing was requested");
}

#[test]
fn a_base_url_with_a_password_or_fragment_is_refused_without_showing_it() {
    let env = Env::demo();
    let url = env
        .sim
        .base_url()
        .replace("http://", "http://user:hunter2@");
    let run = env.exoset(&["--base-url", &url, "get"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("must not hold a user name or password"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    let run = env.exoset(
        &["--base-url", &format!("{}#x", env.sim.base_url()), "get"],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("#fragment"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn state_folders_are_private_and_exports_are_written_0600() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::demo();
    ok(&env.exoset(&["get"], None));
    let mut dir = env.home.path().join("data");
    let mut checked = 0;
    while let Some(next) = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
    {
        dir = next.path();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        checked += 1;
    }
    assert!(checked >= 2, "state/<profile>/<tenant> checked");
    let out = env.home.path().join("export.json");
    ok(&env.exoset(&["export", "-o", &out.to_string_lossy()], None));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[cfg(unix)]
#[test]
fn a_state_file_that_is_a_symlink_or_a_fifo_is_not_read() {
    let env = Env::demo();
    ok(&env.exoset(&["get"], None));
    let history = find_state_dir(env.home.path()).join("history.json");
    std::os::unix::fs::symlink("/dev/zero", &history).unwrap();
    let run = env.exoset(&["history"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert!(!run.stderr.contains("is cannot"), "{}", run.stderr);
    std::fs::remove_file(&history).unwrap();
    nix::unistd::mkfifo(&history, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let run = env.exoset(&["history"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// `data/state/<profile>/<tenant>` under an EXOSET_HOME.
fn find_state_dir(home: &std::path::Path) -> std::path::PathBuf {
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

#[test]
fn profiles_and_auth_status_escape_what_the_config_holds() {
    let env = Env::demo();
    let evil = every_control().replace(['"', '\\'], "");
    let toml_string = |s: &str| toml::Value::String(s.to_string()).to_string();
    std::fs::write(
        env.home.path().join("config.toml"),
        format!(
            "default_profile = \"odd\"\n[profiles.odd]\ntenant_sid = {}\napi_key = {}\n\
             base_url = \"https://user:hunter2@example.com\"\n",
            toml_string(&evil),
            toml_string(&format!("k{evil}")),
        ),
    )
    .unwrap();
    let run = env.exoset(&["profiles"], None);
    ok(&run);
    assert_clean("profiles", &run);
    assert_escaped("profiles", &run.stdout);
    assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
    let run = env.exoset(&["-p", "odd", "auth", "status"], None);
    assert_clean("auth status", &run);
    assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
    // A password holding `/` (a URL parser sees no password then).
    let text = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    std::fs::write(
        env.home.path().join("config.toml"),
        text.replace("user:hunter2@", "user:hun/ter2@"),
    )
    .unwrap();
    for args in [&["profiles"][..], &["-p", "odd", "auth", "status"]] {
        let run = env.exoset(args, None);
        assert!(
            !run.stdout.contains("ter2") && !run.stderr.contains("ter2"),
            "{args:?}: {}\n{}",
            run.stdout,
            run.stderr
        );
    }
}

/// A profile name and a folder path exoset did not write, and a failing
/// token_command: every way they are printed escapes them — `profiles`,
/// `auth status`, `auth logout`, a get that cannot find its token or its
/// profile, a fleet's report and its history. (A name in config.toml must
/// be plain — letters, digits, `-`, `_`, `.` — so a hostile one comes from
/// `-p` or EXOSET_PROFILE.)
#[test]
fn a_hostile_profile_name_path_and_token_command_failure_come_out_escaped() {
    let env = Env::demo();
    // A folder whose name holds an escape sequence and bidi marks.
    let home = env.home.path().join("home\u{1b}[31m\u{61c}\u{202e}");
    std::fs::create_dir(&home).unwrap();
    let home_str = home.to_str().unwrap().to_owned();
    let run_in = |args: &[&str], profile: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_exoset"));
        cmd.args(args)
            .env("EXOSET_HOME", &home_str)
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_BASE_URL")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(std::process::Stdio::null());
        if let Some(profile) = profile {
            cmd.env("EXOSET_PROFILE", profile);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let run = run_in(&["profiles"], None);
    ok(&run);
    assert!(run.stderr.contains("No profiles in"), "{}", run.stderr);
    assert_clean("profiles without a config, in a hostile folder", &run);

    std::fs::write(
        home.join("config.toml"),
        format!(
            "[profiles.odd]\ntenant_sid = \"{}\"\napi_key = \"demo-key\"\n\
             base_url = \"{}\"\ntoken_command = \"exit 3\"\n",
            env.sim.sid(),
            env.sim.base_url(),
        ),
    )
    .unwrap();
    let run = run_in(&["profiles"], None);
    ok(&run);
    assert_clean("profiles", &run);
    let run = run_in(&["-p", "odd", "auth", "status"], None);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("token       none:"), "{}", run.stdout);
    assert_clean("auth status with a failing token_command", &run);
    let run = run_in(&["-p", "odd", "get"], None);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("token_command"), "{}", run.stderr);
    assert_clean("get with a failing token_command", &run);
    let run = run_in(&["--all-profiles", "get"], None);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert_clean("a fleet get with a failing token_command", &run);
    let run = run_in(&["--all-profiles", "history"], None);
    assert_clean("a fleet history", &run);

    // A hostile name, asked for.
    let name = format!("odd{}", every_control().replace('\0', ""));
    for (what, args, profile) in [
        ("get -p", vec!["-p", name.as_str(), "get"], None),
        (
            "a fleet -p",
            vec!["-p", "odd", "-p", name.as_str(), "get"],
            None,
        ),
        (
            "EXOSET_PROFILE",
            vec!["auth", "status"],
            Some(name.as_str()),
        ),
        ("doctor", vec!["doctor"], Some(name.as_str())),
    ] {
        let run = run_in(&args, profile);
        assert_ne!(run.code, 0, "{what}: {}\n{}", run.stdout, run.stderr);
        assert_clean(what, &run);
        assert_escaped(what, &format!("{}{}", run.stdout, run.stderr));
    }
    let run = run_in(&["-p", "odd", "auth", "logout", "--forget"], None);
    assert_clean("auth logout --forget", &run);
    assert!(run.stderr.contains("Removed profile"), "{}", run.stderr);
}
