//! `exoset doctor` through the real binary: against the simulator, against
//! ports that refuse or never answer, with and without a session bus, with a
//! locked Secret Service collection, under `LANG=C`, and in a pseudo-terminal
//! that does or does not list clipboard access, where doctor never asks for
//! the clipboard itself.

use crate::support::pty;

use exoset_sim::{SimConfig, Simulator};
use pty::Pty;
use serde_json::Value;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A token that must never appear in anything doctor prints.
const TOKEN: &str = "tok-Sekr1t-doctor-7Qx";

fn sim() -> Simulator {
    let config = SimConfig {
        api_token: TOKEN.to_owned(),
        ..SimConfig::demo()
    };
    Simulator::start_background(config).unwrap()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Out {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("--json did not parse ({e}):\n{}", self.stdout))
    }
}

/// A doctor command with a private home and the environment cleared of
/// anything that would make the result depend on the machine.
fn doctor(home: &Path, base_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exoset"));
    cmd.arg("doctor")
        .args(args)
        .env("EXOSET_HOME", home)
        .env("EXOSET_BASE_URL", base_url)
        .env("EXOSET_TENANT_SID", exoset_sim::DEMO_SID)
        .env("EXOSET_API_KEY", exoset_sim::DEMO_API_KEY)
        .env("EXOSET_API_TOKEN", TOKEN)
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm-256color");
    for name in [
        "EXOSET_PROFILE",
        "EXOSET_KEYSTORE",
        "LC_ALL",
        "LC_CTYPE",
        "NO_COLOR",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "DISPLAY",
        "WAYLAND_DISPLAY",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

fn run(mut cmd: Command) -> Out {
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {json:#}"))
}

fn status(json: &Value, id: &str) -> String {
    check(json, id)["status"].as_str().unwrap().to_owned()
}

fn summary(json: &Value, id: &str) -> String {
    check(json, id)["summary"].as_str().unwrap().to_owned()
}

fn assert_secret_free(out: &Out) {
    let all = out.all();
    assert!(!all.contains(TOKEN), "the token was printed:\n{all}");
    assert!(
        !all.contains("Basic "),
        "an Authorization value was printed:\n{all}"
    );
    assert!(!all.to_ascii_lowercase().contains("authorization"), "{all}");
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn against_the_simulator_every_check_passes_and_the_token_never_shows() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let out = run(doctor(home.path(), &sim.base_url(), &[]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert_secret_free(&out);
    for line in [
        "ok    credentials:",
        "ok    proxy:",
        "ok    TCP:",
        "ok    HTTP:",
        "ok    settings GET:",
        "ok    clock:",
        "ok    locale:",
        "skip  OSC 52 copy:    not asked: stdin or stdout is not a terminal",
    ] {
        assert!(
            out.stdout.contains(line),
            "{line:?} missing:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains("token from EXOSET_API_TOKEN"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
    assert!(
        out.stdout.trim_end().ends_with("exoset should work here.")
            || out.stdout.contains("should work here; the fixes above"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.is_ascii(),
        "doctor's own words are ASCII:\n{}",
        out.stdout
    );
    assert_eq!(sim.get_count(), 1, "exactly one authenticated GET");
}

#[test]
fn json_parses_and_has_every_check() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let out = run(doctor(home.path(), &sim.base_url(), &["--json"]));
    assert_eq!(out.code, 0, "{}", out.all());
    assert_secret_free(&out);
    let json = out.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["counts"]["fail"], 0);
    for id in [
        "config.file",
        "config.state",
        "keyring.store",
        "account.credentials",
        "network.proxy",
        "network.dns",
        "network.tcp",
        "network.tls",
        "server.get",
        "server.clock",
        "terminal.locale",
        "terminal.term",
        "terminal.osc52",
    ] {
        let c = check(&json, id);
        assert!(
            ["ok", "warn", "fail", "skip"].contains(&c["status"].as_str().unwrap()),
            "{c}"
        );
        assert!(c["title"].is_string() && c["summary"].is_string(), "{c}");
        assert!(c["timed_out"].is_boolean(), "{c}");
    }
    assert_eq!(status(&json, "server.get"), "ok");
    assert!(
        summary(&json, "server.get").contains("request_id"),
        "{json:#}"
    );
    assert_eq!(
        status(&json, "network.dns"),
        "skip",
        "an address needs no lookup"
    );
}

#[test]
fn a_refused_port_fails_the_tcp_check_and_exits_1() {
    let home = tempfile::tempdir().unwrap();
    let url = format!("https://127.0.0.1:{}", closed_port());
    let out = run(doctor(home.path(), &url, &[]));
    assert_eq!(out.code, 1, "{}", out.all());
    assert_secret_free(&out);
    assert!(out.stdout.contains("FAIL  TCP:"), "{}", out.stdout);
    assert!(out.stdout.contains("refused"), "{}", out.stdout);
    assert!(out.stdout.contains("skip  TLS:"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("skip  settings GET:   not tried: the server cannot be reached"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("doctor: 1 check failed"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_blackhole_times_out_in_time_and_names_the_probe() {
    // Accepts connections in the kernel, then never says anything.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let home = tempfile::tempdir().unwrap();
    let out = run(doctor(home.path(), &url, &["--json"]));
    drop(listener);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.took < Duration::from_secs(20), "took {:?}", out.took);
    let json = out.json();
    assert_eq!(status(&json, "network.tcp"), "ok");
    let tls = check(&json, "network.tls");
    assert_eq!(tls["status"], "fail", "{tls}");
    assert_eq!(tls["timed_out"], true, "{tls}");
    // The probe's own clock: it waited its 5 s, and gave up right then (a
    // probe that waited for something else, or twice, is out of the range).
    // The run's wall time above only guards against a hang.
    let ms = tls["elapsed_ms"].as_u64().expect("elapsed_ms");
    assert!(
        (5_000..6_500).contains(&ms),
        "the 5 s TLS probe took {ms} ms"
    );
    assert!(
        tls["summary"]
            .as_str()
            .unwrap()
            .contains("TLS probe timed out"),
        "{tls}"
    );
    assert_eq!(status(&json, "server.get"), "skip");
}

#[test]
fn a_bad_config_file_fails_with_its_line() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), "default_profile = \n").unwrap();
    let out = run(doctor(home.path(), &sim.base_url(), &[]));
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("FAIL  config file:"), "{}", out.stdout);
    assert!(out.stdout.contains("fix line 1 of"), "{}", out.stdout);
}

#[test]
fn lang_c_warns_that_indic_text_will_not_show() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = doctor(home.path(), &sim.base_url(), &[]);
    cmd.env("LANG", "C");
    let out = run(cmd);
    assert_eq!(out.code, 0, "a warning is not a failure: {}", out.all());
    assert!(out.stdout.contains("warn  locale:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("LANG=C is not a UTF-8 locale"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("fix: export LANG=C.UTF-8"),
        "{}",
        out.stdout
    );
}

#[test]
fn proxy_passwords_are_masked_and_loopback_bypasses_the_proxy() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = doctor(home.path(), &sim.base_url(), &["--json"]);
    cmd.env("HTTPS_PROXY", "http://alice:pr0xy-pa55@127.0.0.1:9");
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.all().contains("pr0xy-pa55"), "{}", out.all());
    let json = out.json();
    let proxy = summary(&json, "network.proxy");
    assert!(
        proxy.contains("HTTPS_PROXY=http://alice:***@127.0.0.1:9"),
        "{proxy}"
    );
    assert!(proxy.contains("reached directly"), "{proxy}");
}

#[test]
fn without_a_session_bus_the_secret_service_is_skipped_and_said_why() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = doctor(home.path(), &sim.base_url(), &["--json"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}", out.all());
    let json = out.json();
    assert_eq!(status(&json, "keyring.secret-service"), "skip");
    assert!(
        summary(&json, "keyring.secret-service").contains("no D-Bus session bus"),
        "{json:#}"
    );
    // The store chosen says what it passed over, and why.
    if status(&json, "keyring.store") == "ok" {
        let store = summary(&json, "keyring.store");
        assert!(store.contains("kernel keyring"), "{store}");
        assert!(store.contains("skipped Secret Service"), "{store}");
    }
}

fn keyring_tools() -> bool {
    let found = ["dbus-run-session", "dbus-send", "gnome-keyring-daemon"]
        .iter()
        .all(|tool| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    if !found && std::env::var("EXOSET_REQUIRE_KEYRING").is_ok_and(|v| v == "1") {
        panic!("gnome-keyring and D-Bus are required (EXOSET_REQUIRE_KEYRING=1) but missing");
    }
    found
}

/// On a private session bus with a fresh unlocked gnome-keyring (its own,
/// so locking it disturbs no other test): doctor while unlocked, then after a
/// D-Bus Lock call, with no display to unlock it on.
#[test]
fn a_locked_collection_is_reported_and_passed_over() {
    if !keyring_tools() {
        crate::support::skipped("no dbus-run-session / gnome-keyring-daemon here");
        return;
    }
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let unlocked = home.path().join("unlocked.json");
    let locked = home.path().join("locked.json");
    let script = r#"
        set -eu
        "$EXO" doctor --json > "$1" || true
        dbus-send --session --dest=org.freedesktop.secrets --type=method_call --print-reply \
            /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
            array:objpath:/org/freedesktop/secrets/collection/login > /dev/null
        "$EXO" doctor --json > "$2" || true
    "#;
    let mut cmd = Command::new("bash");
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/with-keyring.sh"
    ))
    .args(["bash", "-c", script, "doctor-in-keyring"])
    .arg(&unlocked)
    .arg(&locked)
    .env("EXO", env!("CARGO_BIN_EXE_exoset"))
    .stdin(Stdio::null());
    // The same environment as every doctor run here.
    for (k, v) in doctor(home.path(), &sim.base_url(), &[]).get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "with-keyring.sh failed: {status}");
    let read = |path: &Path| -> Value {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains(TOKEN));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let before = read(&unlocked);
    assert_eq!(
        status_of(&before, "keyring.secret-service"),
        "ok",
        "{before:#}"
    );
    assert!(summary(&before, "keyring.secret-service").contains("is unlocked"));
    assert!(
        summary(&before, "keyring.store").contains("Secret Service"),
        "{before:#}"
    );

    let after = read(&locked);
    let ss = check(&after, "keyring.secret-service");
    assert_eq!(ss["status"], "warn", "{after:#}");
    assert!(
        ss["summary"].as_str().unwrap().contains("is locked"),
        "{ss}"
    );
    assert!(
        ss["summary"].as_str().unwrap().contains("no display"),
        "{ss}"
    );
    let store = summary(&after, "keyring.store");
    assert!(store.contains("kernel keyring"), "{store}");
    assert!(store.contains("skipped Secret Service"), "{store}");
    assert!(store.contains("locked"), "{store}");
    assert_eq!(
        after["ok"], true,
        "a locked keyring is a warning: {after:#}"
    );
}

fn status_of(json: &Value, id: &str) -> String {
    status(json, id)
}

fn pty_env(home: &Path, base_url: &str) -> Vec<(String, String)> {
    vec![
        ("EXOSET_HOME".into(), home.display().to_string()),
        ("EXOSET_BASE_URL".into(), base_url.into()),
        ("EXOSET_TENANT_SID".into(), exoset_sim::DEMO_SID.into()),
        ("EXOSET_API_KEY".into(), exoset_sim::DEMO_API_KEY.into()),
        ("EXOSET_API_TOKEN".into(), TOKEN.into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("NO_COLOR".into(), "1".into()),
    ]
}

fn spawn_in_pty(home: &Path, base_url: &str) -> Pty {
    let env = pty_env(home, base_url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Pty::spawn(&["doctor"], &env, 200, 80)
}

fn wait_for_raw(pty: &Pty, needle: &[u8], timeout: Duration) {
    let start = Instant::now();
    while !pty.raw_output().windows(needle.len()).any(|w| w == needle) {
        assert!(
            start.elapsed() < timeout,
            "{needle:?} never written:\n{}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `ESC ] 52 ; c ; ?` asks the terminal for the clipboard's contents: a
/// terminal that first asks the person answers after doctor has gone, into
/// the shell. Doctor never writes it.
const CLIPBOARD_QUERY: &[u8] = b"\x1b]52;c;?";

fn assert_never_asked_for_the_clipboard(pty: &Pty) {
    let raw = pty.raw_output();
    assert!(
        !raw.windows(CLIPBOARD_QUERY.len())
            .any(|w| w == CLIPBOARD_QUERY),
        "doctor asked the terminal for the clipboard:\n{}",
        String::from_utf8_lossy(&raw)
    );
}

#[test]
fn in_a_terminal_that_lists_clipboard_access_the_copy_check_passes() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut pty = spawn_in_pty(home.path(), &sim.base_url());
    wait_for_raw(&pty, b"\x1b[c", Duration::from_secs(30));
    // A DA1 answer that lists 52 (clipboard access), as newer xterms give.
    pty.send(b"\x1b[?65;1;9;52c");
    let code = pty.wait_exit(Duration::from_secs(30));
    assert_never_asked_for_the_clipboard(&pty);
    assert_eq!(code, 0, "{}", pty.screen());
    let screen = pty.screen();
    assert!(screen.contains("ok    OSC 52 copy:"), "{screen}");
    assert!(pty.is_cooked(), "raw mode left on");
    assert!(!String::from_utf8_lossy(&pty.raw_output()).contains(TOKEN));
}

#[test]
fn in_a_terminal_that_stays_silent_the_copy_check_times_out_and_says_so() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut pty = spawn_in_pty(home.path(), &sim.base_url());
    let code = pty.wait_exit(Duration::from_secs(30));
    assert_never_asked_for_the_clipboard(&pty);
    assert_eq!(code, 0, "a warning is not a failure: {}", pty.screen());
    let screen = pty.screen();
    assert!(screen.contains("warn  OSC 52 copy:"), "{screen}");
    assert!(screen.contains("query timed out"), "{screen}");
    assert!(screen.contains("ok    settings GET:"), "{screen}");
    assert!(
        screen.contains("TERM=xterm-256color: 256 colours"),
        "{screen}"
    );
    assert!(pty.is_cooked(), "raw mode left on");
}

#[test]
fn in_a_terminal_that_does_not_list_clipboard_access_the_copy_check_warns_at_once() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let mut pty = spawn_in_pty(home.path(), &sim.base_url());
    wait_for_raw(&pty, b"\x1b[c", Duration::from_secs(30));
    pty.send(b"\x1b[?62;22c");
    let code = pty.wait_exit(Duration::from_secs(30));
    assert_never_asked_for_the_clipboard(&pty);
    assert_eq!(code, 0, "{}", pty.screen());
    let screen = pty.screen();
    assert!(screen.contains("warn  OSC 52 copy:"), "{screen}");
    assert!(
        screen.contains("does not list clipboard access"),
        "{screen}"
    );
    assert!(pty.is_cooked(), "raw mode left on");
}

/// The proxy report is what the HTTP client will do, and shows no password:
/// not one holding `/ ? #` (which end a URL's authority), not one in the
/// base URL; a NO_PROXY CIDR range exempts the addresses in it.
#[test]
fn the_proxy_report_is_the_clients_and_shows_no_password() {
    let home = tempfile::tempdir().unwrap();
    // TEST-NET-1: nothing answers there; the TCP probe gives up quickly.
    let mut cmd = doctor(
        home.path(),
        "https://192.0.2.1",
        &["--json", "--connect-timeout", "0.3"],
    );
    cmd.env("HTTPS_PROXY", "http://alice:pa/ss?w#rd@proxy.invalid:3128")
        .env("NO_PROXY", "localhost,192.0.2.0/24");
    let out = run(cmd);
    assert!(!out.all().contains("pa/ss"), "{}", out.all());
    assert!(!out.all().contains("w#rd"), "{}", out.all());
    let json = out.json();
    let proxy = summary(&json, "network.proxy");
    assert!(
        proxy.contains("HTTPS_PROXY=http://alice:***@proxy.invalid:3128"),
        "{proxy}"
    );
    assert!(
        proxy.contains("reached directly (NO_PROXY exempts it)"),
        "{proxy}"
    );
    // Outside the range the proxy is used. With the `/` unencoded the
    // client cannot read the login (it would take `alice:pa` for the
    // proxy's address): said, and no piece of the password shown.
    let mut cmd = doctor(
        home.path(),
        "https://192.0.2.1",
        &["--json", "--connect-timeout", "0.3"],
    );
    cmd.env("HTTPS_PROXY", "http://alice:pa/ss?w#rd@127.0.0.1:9")
        .env("NO_PROXY", "10.0.0.0/8");
    let out = run(cmd);
    assert!(
        !out.all().contains("pa/") && !out.all().contains(":pa"),
        "{}",
        out.all()
    );
    let json = out.json();
    assert_eq!(status(&json, "network.proxy"), "fail", "{json:#}");
    assert!(
        summary(&json, "network.proxy").contains("cannot read the user name and password"),
        "{json:#}"
    );
    // Encoded, it is read, used, and its login not shown.
    let mut cmd = doctor(
        home.path(),
        "https://192.0.2.1",
        &["--json", "--connect-timeout", "0.3"],
    );
    cmd.env("HTTPS_PROXY", "http://alice:pa%2Fss@127.0.0.1:9")
        .env("NO_PROXY", "10.0.0.0/8");
    let out = run(cmd);
    assert!(!out.all().contains("pa%2Fss"), "{}", out.all());
    let proxy = summary(&out.json(), "network.proxy");
    assert!(
        proxy.contains("reached through http://127.0.0.1:9/ (with the user name"),
        "{proxy}"
    );
    // A base URL's user:pass@ is never shown either.
    let cmd = doctor(home.path(), "https://me:hunter2/x@192.0.2.1", &[]);
    let out = run(cmd);
    assert!(!out.all().contains("hunter2"), "{}", out.all());
}

// ----- a resolver that never answers -----

/// Runs `cmd`, killing it if it is still running after `limit`: a test of a
/// bound must not hang when the bound is broken.
fn run_at_most(mut cmd: Command, limit: Duration) -> Out {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let took = start.elapsed();
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    }
}

/// Generous for a loaded two-core machine: doctor's own limits here add up
/// to well under it (the DNS probe's 3 s, the keyring's 3 s, the
/// credentials' 10 s at most), and before the fix it never finished at all —
/// dropping the runtime waited for the lookup's blocking thread.
const BOUND: Duration = Duration::from_secs(60);

#[test]
fn a_resolver_that_never_answers_does_not_hold_doctor_past_its_limits() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = doctor(home.path(), "https://stuck.invalid", &["--json"]);
    // Debug builds only: every name lookup hangs on a blocking thread.
    cmd.env("EXOSET_TEST_RESOLVER", "stuck");
    let out = run_at_most(cmd, BOUND);
    assert_eq!(out.code, 1, "{}", out.all());
    let json = out.json();
    assert_eq!(status(&json, "network.dns"), "fail");
    assert_eq!(check(&json, "network.dns")["timed_out"], true, "{json:#}");
}

#[test]
fn a_resolver_that_never_answers_does_not_hold_a_subcommand_past_its_timeout() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exoset"));
    cmd.args(["--timeout", "1", "get", "common.timezone"])
        .env("EXOSET_HOME", home.path())
        .env("EXOSET_BASE_URL", "https://stuck.invalid")
        .env("EXOSET_TENANT_SID", exoset_sim::DEMO_SID)
        .env("EXOSET_API_KEY", exoset_sim::DEMO_API_KEY)
        .env("EXOSET_API_TOKEN", TOKEN)
        .env("EXOSET_TEST_RESOLVER", "stuck")
        .env_remove("EXOSET_PROFILE")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    let out = run_at_most(cmd, BOUND);
    assert_eq!(out.code, 1, "{}", out.all());
}

/// Ctrl-C at a token_command's prompt (doctor resolves the credentials like
/// every command) reaches the command, kills its group and ends doctor with
/// 130 instead of going on to the network checks.
#[test]
fn ctrl_c_at_a_token_command_prompt_ends_doctor_with_130() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let command = "printf 'Token for doctor: ' >&2; read -r t; printf '%s\\\\n' \"$t\"";
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "default_profile = \"cmd\"\n[profiles.cmd]\ntenant_sid = \"{}\"\napi_key = \"{}\"\n\
             base_url = \"{}\"\ntoken_command = \"{}\"\n",
            exoset_sim::DEMO_SID,
            exoset_sim::DEMO_API_KEY,
            sim.base_url(),
            command.replace('"', "\\\"")
        ),
    )
    .unwrap();
    let home_text = home.path().to_string_lossy().into_owned();
    let mut pty = Pty::spawn(
        &["doctor"],
        &[
            ("EXOSET_HOME", home_text.as_str()),
            ("EXOSET_KEYSTORE", "keyutils"),
            ("LANG", "C.UTF-8"),
        ],
        100,
        30,
    );
    pty.wait_for("Token for doctor: ", Duration::from_secs(30));
    pty.type_str("\x03");
    let code = pty.wait_exit(Duration::from_secs(30));
    let screen = pty.screen();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    assert!(
        !screen.contains("TCP"),
        "no network check after Ctrl-C:\n{screen}"
    );
    assert!(pty.is_cooked());
}
