//! Every byte exoset did not write is hostile, and every script is a
//! first-class citizen: the real binary against a simulator whose answers
//! hold every control character, Devanagari, and state shared by parallel
//! runs.

use crate::support::sim_env;

use exoset_core::settings::Settings;
use exoset_core::text::is_hostile;
use exoset_sim::Fault;
use serde_json::{Value, json};
use sim_env::{Env, Run, ok};
use std::time::Duration;

/// Every C0, DEL, C1 and bidi control, between printable text.
fn every_control() -> String {
    let mut s = String::from("<");
    for c in (0u32..0x20).chain(0x7f..0xa0) {
        s.push(char::from_u32(c).unwrap());
    }
    for c in [
        0x61c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
    ]
    .into_iter()
    .chain(0x2066..=0x2069)
    {
        s.push(char::from_u32(c).unwrap());
    }
    s.push('>');
    s
}

/// The bidi controls the test names itself, so a set that forgets one in
/// `is_hostile` (U+061C, the Arabic letter mark, was) cannot pass here.
const BIDI: [char; 12] = [
    '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Nothing hostile on stdout or stderr, line breaks (ours) aside.
fn assert_clean(what: &str, run: &Run) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let raw: Vec<String> = text
            .chars()
            .filter(|c| (is_hostile(*c) || BIDI.contains(c)) && *c != '\n')
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        assert!(
            raw.is_empty(),
            "{what}: {name} carries {raw:?} raw:\n{text}"
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
    }
    // --json stays JSON that holds the very same text.
    let run = env.exoset(&["get", "--json", "common.aparty_tag"], None);
    let value: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(value["common"]["aparty_tag"], json!(evil));

    // A diff and a send of a hostile value, and its history.
    let file = env.home.path().join("desired.json");
    std::fs::write(&file, json!({"common": {"bparty_tag": evil}}).to_string()).unwrap();
    let file = file.to_string_lossy().into_owned();
    let run = env.exoset(&["diff", "-f", &file], None);
    assert_clean("diff", &run);
    let run = env.exoset(&["apply", "-f", &file, "--dry-run"], None);
    assert_clean("apply --dry-run", &run);

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

    // An HTML page from something in between.
    fault_on_put(
        &env,
        Fault::Raw {
            status: 400,
            body: format!("<html><title>{evil}</title></html>"),
        },
    );
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    assert_clean("an HTML page", &run);

    // A successful answer with a hostile request id, then history.
    env.sim.inject(Fault::Delay(Duration::ZERO), 2);
    let run = env.exoset(&["set", "common.timezone=UTC", "--yes"], None);
    ok(&run);
    assert_clean("set", &run);
    for args in [&["history"][..], &["history", "--json"]] {
        let run = env.exoset(args, None);
        ok(&run);
        assert_clean(&format!("{args:?}"), &run);
    }
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
    }
    let run = run_in(&["-p", "odd", "auth", "logout", "--forget"], None);
    assert_clean("auth logout --forget", &run);
    assert!(run.stderr.contains("Removed profile"), "{}", run.stderr);
}
