//! Credentials end to end: the real binary logs in to a profile under a
//! temporary EXOSET_HOME, keeps the token in the real OS keyring, and uses it
//! against the simulator; the token never shows anywhere it should not.

use exoset_keyring::{StoreKind, TokenStore};
use exoset_sim::{SimConfig, Simulator};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The store a test runs against, or `None` (with a printed reason) when it
/// is absent here; in CI (`EXOSET_REQUIRE_KEYRING=1`) absence fails the test.
fn store_or_skip(kind: &str) -> Option<&'static str> {
    let forced = match kind {
        "secret-service" => StoreKind::SecretService,
        _ => StoreKind::Keyutils,
    };
    match TokenStore::open_kind(forced) {
        Ok(_) => Some(if kind == "secret-service" {
            "secret-service"
        } else {
            "keyutils"
        }),
        Err(e) if std::env::var("EXOSET_REQUIRE_KEYRING").as_deref() == Ok("1") => {
            panic!("the {kind} store is required in CI but absent: {e}")
        }
        Err(e) => {
            crate::support::skipped(&format!("the {kind} store is not available here: {e}"));
            None
        }
    }
}

struct Account {
    sim: Simulator,
    home: tempfile::TempDir,
    store: &'static str,
    profile: String,
}

impl Account {
    fn new(store: &'static str) -> Account {
        Account::with_token(store, &SimConfig::demo().api_token)
    }

    fn with_token(store: &'static str, token: &str) -> Account {
        let mut config = SimConfig::demo();
        config.api_token = token.to_string();
        let unique = format!(
            "t{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        Account {
            sim: Simulator::start_background(config).unwrap(),
            home: tempfile::tempdir().unwrap(),
            store,
            profile: format!("test-{unique}"),
        }
    }

    fn exoset(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_exoset"));
        cmd.args(args)
            .env("EXOSET_HOME", self.home.path())
            .env("EXOSET_KEYSTORE", self.store)
            .env("EXOSET_PROFILE", &self.profile)
            .env_remove("EXOSET_BASE_URL")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.store == "keyutils" {
            // The headless path: no session bus at all.
            cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
        }
        let mut child = cmd.spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            // The program may exit before reading; that is its answer.
            let _ = pipe.write_all(text.as_bytes());
        }
        drop(pipe);
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn login(&self, token: &str) -> Run {
        let base = self.sim.base_url();
        self.exoset(
            &[
                "auth",
                "login",
                "--sid",
                self.sim.sid(),
                "--api-key",
                &SimConfig::demo().api_key,
                "--base-url",
                &base,
                "--token-stdin",
            ],
            Some(&format!("{token}\n")),
        )
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        // Leave no token behind in the real keyring.
        let _ = self.exoset(&["auth", "logout"], None);
    }
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
}

fn login_then_get_then_logout(store: &'static str) {
    let account = Account::new(store);
    let token = SimConfig::demo().api_token;
    let login = account.login(&token);
    ok(&login);
    assert!(login.stderr.contains("Verified"), "{}", login.stderr);

    let get = account.exoset(&["get", "--json", "common.timezone"], None);
    ok(&get);
    assert!(get.stdout.contains("timezone"), "{}", get.stdout);

    let status = account.exoset(&["auth", "status"], None);
    ok(&status);
    let expected = if store == "keyutils" {
        "kernel keyring"
    } else {
        "Secret Service"
    };
    assert!(status.stdout.contains(expected), "{}", status.stdout);
    assert!(
        status.stdout.contains(account.sim.sid()),
        "{}",
        status.stdout
    );

    ok(&account.exoset(&["auth", "logout"], None));
    let after = account.exoset(&["get"], None);
    assert_eq!(after.code, 3, "{}", after.stderr);
    assert!(
        after.stderr.contains("exoset auth login"),
        "{}",
        after.stderr
    );
    let status = account.exoset(&["auth", "status"], None);
    assert_eq!(status.code, 3);
}

#[test]
fn login_with_token_stdin_then_get_then_logout_via_secret_service() {
    if let Some(store) = store_or_skip("secret-service") {
        login_then_get_then_logout(store);
    }
}

#[test]
fn login_with_token_stdin_then_get_then_logout_via_keyutils_without_a_session_bus() {
    if let Some(store) = store_or_skip("keyutils") {
        login_then_get_then_logout(store);
    }
}

fn login_with_a_wrong_token_saves_nothing(store: &'static str) {
    let account = Account::new(store);
    let run = account.login("not-the-token");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("nothing was saved"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--no-verify"),
        "says how to save anyway: {}",
        run.stderr
    );
    assert!(!account.home.path().join("config.toml").exists());
    // Nor in the keyring the login used, read before Drop's logout could
    // hide a leak.
    let kind = StoreKind::from_name(store).expect("a store name");
    let kept = TokenStore::open_kind(kind)
        .expect("the store the login used")
        .get(&account.profile)
        .expect("read the keyring");
    assert!(
        kept.is_none(),
        "the refused token was kept in the {kind} keyring"
    );
    // The profile was never created, so naming it is now a usage error.
    let status = account.exoset(&["auth", "status"], None);
    assert_eq!(status.code, 2, "{}", status.stderr);
}

#[test]
fn login_with_a_wrong_token_saves_nothing_in_the_kernel_keyring_and_exits_3() {
    if let Some(store) = store_or_skip("keyutils") {
        login_with_a_wrong_token_saves_nothing(store);
    }
}

#[test]
fn login_with_a_wrong_token_saves_nothing_in_the_secret_service_and_exits_3() {
    if let Some(store) = store_or_skip("secret-service") {
        login_with_a_wrong_token_saves_nothing(store);
    }
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn the_token_appears_in_no_output_and_no_file() {
    let store = store_or_skip("secret-service").or_else(|| store_or_skip("keyutils"));
    let Some(store) = store else { return };
    let canary = format!("canary-{}-XyZ", std::process::id());
    let account = Account::with_token(store, &canary);
    let mut runs = vec![account.login(&canary)];
    ok(&runs[0]);
    runs.push(account.exoset(&["auth", "status"], None));
    runs.push(account.exoset(&["get"], None));
    runs.push(account.exoset(&["get", "--json"], None));
    runs.push(account.exoset(&["set", "common.aparty_tag=Canary", "--yes"], None));
    runs.push(account.exoset(&["set", "common.aparty_tag=Other", "--dry-run"], None));
    runs.push(account.exoset(&["set", "common.deletion_time=99999", "--yes"], None));
    runs.push(account.exoset(&["profiles"], None));
    // A failing call: the tenant is refused.
    runs.push(account.exoset(&["get", "--tenant-sid", "someone-else"], None));
    assert_eq!(runs.last().map(|r| r.code), Some(3));
    assert_eq!(account.sim.put_count(), 1);
    for run in &runs {
        assert!(!run.stdout.contains(&canary), "stdout: {}", run.stdout);
        assert!(!run.stderr.contains(&canary), "stderr: {}", run.stderr);
    }
    let files = files_under(account.home.path());
    assert!(!files.is_empty(), "config.toml at least");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&canary), "token in {}", file.display());
    }
}

#[test]
fn a_malformed_config_exits_2_and_is_left_as_it_was() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    let broken = "[profiles.prod]\ntenant_sid = \"t\"\napi_key = unquoted\n";
    std::fs::write(&path, broken).unwrap();
    for args in [
        &["get"][..],
        &["auth", "status"],
        &["profiles"],
        &[
            "auth",
            "login",
            "--sid",
            "s",
            "--api-key",
            "k",
            "--token-stdin",
            "--no-verify",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", home.path())
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_API_TOKEN")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("config.toml:3:"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    }
}

#[test]
fn an_unknown_profile_exits_2_and_names_the_known_ones() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    let text = "[profiles.prod]\ntenant_sid = \"t\"\napi_key = \"k\"\n";
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
        .args(["-p", "staging", "get"])
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("\"staging\"") && stderr.contains("known: prod"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_token_command_supplies_the_token() {
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let demo = SimConfig::demo();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "default_profile = \"cmd\"\n[profiles.cmd]\ntenant_sid = \"{}\"\napi_key = \"{}\"\n\
             base_url = \"{}\"\ntoken_command = \"printf '%s\\\\n' {}\"\n",
            sim.sid(),
            demo.api_key,
            sim.base_url(),
            demo.api_token
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", home.path())
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_API_TOKEN")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_BASE_URL")
            .output()
            .unwrap()
    };
    let get = run(&["get", "common.timezone"]);
    assert_eq!(
        get.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    let status = run(&["auth", "status"]);
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("token_command"), "{stdout}");
}

#[test]
fn environment_overrides_the_profile_and_flags_override_the_environment() {
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let demo = SimConfig::demo();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[profiles.default]\ntenant_sid = \"wrong-tenant\"\napi_key = \"{}\"\nbase_url = \"{}\"\n",
            demo.api_key,
            sim.base_url()
        ),
    )
    .unwrap();
    let run = |args: &[&str], tenant_env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_exoset"));
        cmd.args(args)
            .env("EXOSET_HOME", home.path())
            .env("EXOSET_API_TOKEN", &demo.api_token)
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_BASE_URL");
        match tenant_env {
            Some(t) => cmd.env("EXOSET_TENANT_SID", t),
            None => cmd.env_remove("EXOSET_TENANT_SID"),
        };
        cmd.output().unwrap().status.code()
    };
    assert_eq!(run(&["get"], None), Some(3), "profile's tenant is refused");
    assert_eq!(
        run(&["get"], Some(sim.sid())),
        Some(0),
        "env wins over profile"
    );
    assert_eq!(
        run(&["get", "--tenant-sid", "wrong-again"], Some(sim.sid())),
        Some(3),
        "flag wins over env"
    );
}

/// Runs `exoset get` with a profile whose token comes from `command`.
fn with_token_command(
    command: &str,
    extra: &str,
    envs: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    with_token_command_running(&["get", "common.timezone"], command, extra, envs)
}

/// Like [`with_token_command`], running `exoset ARGS`.
fn with_token_command_running(
    args: &[&str],
    command: &str,
    extra: &str,
    envs: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    let sim = Simulator::start_background(SimConfig::demo()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let demo = SimConfig::demo();
    let command = command.replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "default_profile = \"cmd\"\n[profiles.cmd]\ntenant_sid = \"{}\"\napi_key = \"{}\"\n\
             base_url = \"{}\"\ntoken_command = \"{command}\"\n{extra}",
            sim.sid(),
            demo.api_key,
            sim.base_url(),
        ),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exoset"));
    cmd.args(args)
        .env("EXOSET_HOME", home.path())
        .env_remove("EXOSET_PROFILE")
        .env_remove("EXOSET_API_TOKEN")
        .env_remove("EXOSET_TENANT_SID")
        .env_remove("EXOSET_API_KEY")
        .env_remove("EXOSET_BASE_URL")
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_token_command_that_prints_a_bad_token_is_refused_with_exit_3_and_its_output_unshown() {
    let cases = [
        ("printf ''", "printed no token"),
        ("printf '\\n'", "printed no token"),
        (
            "head -c 5000 /dev/zero | tr '\\0' L; printf CANARY",
            "at most 4 KiB",
        ),
        ("printf 'CANARY\\tx'", "control characters"),
        ("printf 'CANARY\\n\\n'", "control characters"),
        ("printf 'CAN\\033[2JARY'", "control characters"),
        (
            "head -c 100000 /dev/zero | tr '\\0' C; printf CANARY",
            "more than 64 KiB",
        ),
    ];
    for (command, expected) in cases {
        let (code, stdout, stderr) = with_token_command(command, "", &[]);
        assert_eq!(code, Some(3), "{command}: {stderr}");
        assert!(stderr.contains(expected), "{command}: {stderr}");
        assert!(
            !stderr.contains("CANARY") && !stdout.contains("CANARY"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn a_token_command_that_hangs_is_stopped_after_its_timeout_with_its_children() {
    let marker = tempfile::tempdir().unwrap();
    let late = marker.path().join("still-running");
    let pid_file = marker.path().join("grandchild.pid");
    // A grandchild that would write the marker if the group were not
    // killed; it says who it is first.
    let command = format!(
        "(sleep 2; touch '{}') & echo $! > '{}'; sleep 30",
        late.display(),
        pid_file.display()
    );
    let started = std::time::Instant::now();
    let (code, _, stderr) =
        with_token_command(&command, "token_command_timeout = \"300ms\"\n", &[]);
    let took = started.elapsed();
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("did not finish within 300ms"), "{stderr}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("the command never started its grandchild")
        .trim()
        .parse()
        .unwrap();
    // SIGKILL went to the group before exoset exited; its delivery is the
    // kernel's: wait for it rather than for the marker's time.
    let start = std::time::Instant::now();
    while !crate::support::gone(pid) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the command's process group was not killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(!late.exists(), "the grandchild wrote before it was killed");
}

#[test]
fn a_token_command_sees_no_token_variables() {
    let demo = SimConfig::demo();
    let command = format!(
        "if [ -n \"$EXOSET_SIM_TOKEN\" ]; then exit 9; fi; printf '%s\\n' {}",
        demo.api_token
    );
    let (code, _, stderr) =
        with_token_command(&command, "", &[("EXOSET_SIM_TOKEN", "leaked-sim-token")]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_bad_token_command_timeout_is_a_config_error() {
    let (code, _, stderr) =
        with_token_command("printf x", "token_command_timeout = \"soon\"\n", &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("token_command_timeout") || stderr.contains("soon"),
        "{stderr}"
    );
}

/// A Secret Service that cannot be reached is named in the missing-token
/// message and in `auth status`, not skipped silently.
#[test]
fn a_skipped_secret_service_is_named_with_its_reason() {
    if store_or_skip("keyutils").is_none() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[profiles.nobody-here]\ntenant_sid = \"t\"\napi_key = \"k\"\nbase_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", home.path())
            .env("EXOSET_PROFILE", "nobody-here")
            .env_remove("EXOSET_KEYSTORE")
            .env_remove("EXOSET_API_TOKEN")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/exoset-bus",
            )
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, stderr) = run(&["get"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("kernel keyring") && stderr.contains("Secret Service (D-Bus) was skipped"),
        "{stderr}"
    );
    let (code, stdout, _) = run(&["auth", "status"]);
    assert_eq!(code, Some(3));
    assert!(
        stdout.contains("Secret Service (D-Bus) was skipped"),
        "{stdout}"
    );
}

/// People do write the token into the command (`printf '%s\n' TOKEN`): the
/// command is never shown, so neither is the token, by `auth status`, `auth
/// status --check`, `profiles` or `doctor`.
#[test]
fn an_inline_token_in_a_token_command_is_never_shown() {
    const SECRET: &str = "tok-Inline-9fQ2-never-shown";
    let config = SimConfig {
        api_token: SECRET.to_owned(),
        ..SimConfig::demo()
    };
    let sim = Simulator::start_background(config).unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "default_profile = \"inline\"\n[profiles.inline]\ntenant_sid = \"{}\"\n\
             api_key = \"{}\"\nbase_url = \"{}\"\ntoken_command = \"printf '%s\\\\n' {SECRET}\"\n",
            sim.sid(),
            SimConfig::demo().api_key,
            sim.base_url(),
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_exoset"))
            .args(args)
            .env("EXOSET_HOME", home.path())
            .env_remove("EXOSET_PROFILE")
            .env_remove("EXOSET_API_TOKEN")
            .env_remove("EXOSET_TENANT_SID")
            .env_remove("EXOSET_API_KEY")
            .env_remove("EXOSET_BASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    for args in [
        &["auth", "status"][..],
        &["auth", "status", "--check"],
        &["profiles"],
        &["doctor"],
        &["doctor", "--json"],
    ] {
        let out = run(args);
        assert!(
            !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
            "{args:?} showed the token:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
    let status = run(&["auth", "status"]);
    ok(&status);
    assert!(
        status
            .stdout
            .contains("token       found in the profile's token_command\n"),
        "{}",
        status.stdout
    );
    let check = run(&["auth", "status", "--check"]);
    ok(&check);
    assert!(
        check.stdout.contains("took the credentials"),
        "{}",
        check.stdout
    );
}

#[test]
fn an_absurd_token_command_timeout_is_a_config_error_naming_it() {
    // Parses as a duration, but no clock can wait that long: it used to
    // overflow `Instant + timeout` on the token thread.
    let (code, _, stderr) = with_token_command(
        "printf x",
        "token_command_timeout = \"500000000000y\"\n",
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("500000000000y"), "{stderr}");
}

#[test]
fn a_token_command_whose_background_job_keeps_its_output_open_still_gives_its_token() {
    // The shell exits at once; `sleep` inherits its stdout. Waiting for the
    // end of the output (not of the command) ran into the timeout.
    let demo = SimConfig::demo();
    let command = format!("sleep 60 & printf '%s\\n' {}", demo.api_token);
    let (code, stdout, stderr) =
        with_token_command(&command, "token_command_timeout = \"20s\"\n", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("common.timezone"), "{stdout}");
}

#[test]
fn auth_status_check_runs_the_token_command_once() {
    let demo = SimConfig::demo();
    let runs = tempfile::tempdir().unwrap();
    let log = runs.path().join("runs");
    let command = format!(
        "echo run >> '{}'; printf '%s\\n' {}",
        log.display(),
        demo.api_token
    );
    let (code, stdout, stderr) =
        with_token_command_running(&["auth", "status", "--check"], &command, "", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("took the credentials"), "{stdout}");
    let count = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(count, 1, "the token_command ran {count} times");
}
