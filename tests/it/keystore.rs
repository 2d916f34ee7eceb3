//! The token store against the real OS keyrings of this machine.
//!
//! A store that is absent here is skipped with a reason on stderr, unless
//! `EXOSET_REQUIRE_KEYRING=1` (CI sets it): then absence is a failure. CI runs
//! these under `scripts/with-keyring.sh`, which provides a throwaway unlocked
//! gnome-keyring on a private session bus.
//!
//! Every test uses its own profile names, so tests may run in parallel and
//! never touch a real profile's token.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use exoset_keyring::{StoreError, StoreKind, TokenStore};
use secrecy::{ExposeSecret, SecretString};

/// Set in the child process that the headless test starts.
const CHILD_ENV: &str = "EXOSET_KEYSTORE_TEST_CHILD";

/// The full name of a test of this module, as `--exact` wants it: the test
/// binary names tests by their path below the crate (`keystore::NAME`).
fn child_filter(name: &str) -> String {
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, below_crate)| below_crate);
    format!("{module}::{name}")
}

fn required() -> bool {
    std::env::var("EXOSET_REQUIRE_KEYRING").is_ok_and(|v| v == "1")
}

/// A profile name no other test (or earlier run) uses.
fn unique_profile(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "exoset-test-{test}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Deletes the named profiles' tokens when dropped, so that a failing test
/// leaves nothing behind in the keyring.
struct Cleanup<'a> {
    store: &'a TokenStore,
    profiles: Vec<String>,
}

impl<'a> Cleanup<'a> {
    fn new(store: &'a TokenStore, profiles: &[&str]) -> Self {
        let profiles = profiles.iter().map(|p| (*p).to_owned()).collect();
        Cleanup { store, profiles }
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for profile in &self.profiles {
            let _ = self.store.delete(profile);
        }
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Opens `kind`, or says why not and returns `None` (a failure when the
/// keyring is required).
fn open_or_skip(kind: StoreKind, test: &str) -> Option<TokenStore> {
    match TokenStore::open_kind(kind) {
        Ok(store) => {
            assert_eq!(store.kind(), kind);
            Some(store)
        }
        Err(e) if required() => {
            panic!("{test}: {kind} is required (EXOSET_REQUIRE_KEYRING=1) but absent: {e}")
        }
        Err(e) => {
            crate::support::skipped(&format!("{test}: {kind} is not available here: {e}"));
            None
        }
    }
}

/// A read the Secret Service's direct path failed and handed to the
/// keyring store still answers, so only this count shows it: with the
/// keyring required, any is a failure.
fn no_fallbacks(store: &TokenStore, test: &str) {
    let n = store.fallbacks();
    if n > 0 && required() {
        panic!("{test}: the direct Secret Service read failed {n} time(s) and fell back");
    } else if n > 0 {
        eprintln!("{test}: the direct Secret Service read failed {n} time(s) and fell back");
    }
}

fn round_trip(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    let profile = unique_profile(test);
    let _cleanup = Cleanup::new(&store, &[&profile]);

    assert!(store.get(&profile).expect("get before set").is_none());

    let token = secret("tok_1234567890abcdef");
    store.set(&profile, &token).expect("set");
    let got = store.get(&profile).expect("get").expect("a token");
    assert_eq!(got.expose_secret(), token.expose_secret());

    // Overwriting replaces, and does not leave the old value reachable.
    let newer = secret("tok_second_and_longer_than_the_first_one");
    store.set(&profile, &newer).expect("overwrite");
    let got = store.get(&profile).expect("get").expect("a token");
    assert_eq!(got.expose_secret(), newer.expose_secret());
    let shorter = secret("t3");
    store.set(&profile, &shorter).expect("overwrite shorter");
    let got = store.get(&profile).expect("get").expect("a token");
    assert_eq!(got.expose_secret(), "t3");

    assert!(
        store.delete(&profile).expect("delete"),
        "delete said nothing was there"
    );
    assert!(store.get(&profile).expect("get after delete").is_none());
    assert!(!store.delete(&profile).expect("delete again"));
    no_fallbacks(&store, test);
}

fn missing_entry(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    let profile = unique_profile(test);
    assert!(store.get(&profile).expect("get").is_none());
    assert!(!store.delete(&profile).expect("delete of a missing entry"));
    no_fallbacks(&store, test);
}

fn unicode_token(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    // The profile name is unicode too.
    let profile = format!("{}-ünï-😀", unique_profile(test));
    let _cleanup = Cleanup::new(&store, &[&profile]);
    let token = secret("tök€n-🔑-ключ-鍵-\u{200d}-end");
    store.set(&profile, &token).expect("set");
    let got = store.get(&profile).expect("get").expect("a token");
    assert_eq!(got.expose_secret(), token.expose_secret());
    assert!(store.delete(&profile).expect("delete"));
    no_fallbacks(&store, test);
}

fn profiles_are_separate(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    let a = unique_profile(test);
    let b = unique_profile(test);
    let _cleanup = Cleanup::new(&store, &[&a, &b]);
    store.set(&a, &secret("token-a")).expect("set a");
    store.set(&b, &secret("token-b")).expect("set b");
    assert_eq!(store.get(&a).unwrap().unwrap().expose_secret(), "token-a");
    assert_eq!(store.get(&b).unwrap().unwrap().expose_secret(), "token-b");
    assert!(store.delete(&a).unwrap());
    assert!(store.get(&a).unwrap().is_none());
    assert_eq!(store.get(&b).unwrap().unwrap().expose_secret(), "token-b");
    assert!(store.delete(&b).unwrap());
    no_fallbacks(&store, test);
}

fn refusals_of_bad_arguments_never_show_the_token(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    let token = secret("tok_MUST_NOT_LEAK_42");
    for bad in ["", "bad\0name", "bad\nname"] {
        let err = store
            .set(bad, &token)
            .expect_err("a bad profile name is refused");
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("MUST_NOT_LEAK"), "{text}");
        }
    }
    let err = store
        .set(&unique_profile(test), &secret(""))
        .expect_err("an empty token is refused");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(!format!("{store:?}").contains("MUST_NOT_LEAK"));
}

// --- Secret Service -------------------------------------------------------

#[test]
fn secret_service_round_trip() {
    round_trip(StoreKind::SecretService, "ss-round-trip");
}

#[test]
fn secret_service_missing_entry() {
    missing_entry(StoreKind::SecretService, "ss-missing");
}

#[test]
fn secret_service_unicode_token() {
    unicode_token(StoreKind::SecretService, "ss-unicode");
}

#[test]
fn secret_service_profiles_are_separate() {
    profiles_are_separate(StoreKind::SecretService, "ss-separate");
}

#[test]
fn secret_service_refuses_bad_arguments_without_showing_the_token() {
    refusals_of_bad_arguments_never_show_the_token(StoreKind::SecretService, "ss-errors");
}

/// With a session bus whose Secret Service answers, `open` picks it. When
/// `EXOSET_KEYSTORE` forces a store here, the check runs in a child process
/// without it, so it is never skipped for that reason.
#[test]
fn open_prefers_the_secret_service_when_it_answers() {
    const NAME: &str = "open_prefers_the_secret_service_when_it_answers";
    let test = "open-prefers-ss";
    if open_or_skip(StoreKind::SecretService, test).is_none() {
        return;
    }
    if std::env::var_os("EXOSET_KEYSTORE").is_some() {
        let exe = std::env::current_exe().expect("test binary");
        let out = Command::new(exe)
            .args([
                &child_filter(NAME),
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env_remove("EXOSET_KEYSTORE")
            .output()
            .expect("run the child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
        // The child ran this very test (and not zero tests).
        assert!(stdout.contains("1 passed"), "{stdout}");
        return;
    }
    let store = TokenStore::open().expect("open");
    assert_eq!(store.kind(), StoreKind::SecretService, "{store:?}");
    assert!(store.skipped().is_empty(), "{store:?}");
}

/// Set in the child that runs on a Secret Service of its own.
const PRIVATE_SS_ENV: &str = "EXOSET_KEYSTORE_TEST_PRIVATE_SS";

/// Every text an error shows: `Display` and `Debug`.
fn assert_no_token(err: &StoreError, token: &str) {
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(token), "the token leaked: {text}");
        assert!(!text.contains("MUST_NOT_LEAK"), "the token leaked: {text}");
    }
}

fn dbus_send(args: &[&str]) -> String {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply"])
        .args(args)
        .output()
        .expect("run dbus-send");
    assert!(
        out.status.success(),
        "dbus-send {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The process id of whatever owns `org.freedesktop.secrets` on this bus.
fn secret_service_pid() -> i32 {
    let reply = dbus_send(&[
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.GetConnectionUnixProcessID",
        "string:org.freedesktop.secrets",
    ]);
    reply
        .split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {reply}"))
}

fn signal(pid: i32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} {pid}");
}

/// The Secret Service's own failures, provoked for real, never show the
/// token: a daemon that is stopped (SIGSTOP: every call times out) and a
/// collection locked under the store's feet (the write needs an unlock
/// prompt nobody can answer). Both would disturb every other test on the
/// shared daemon, so the test runs itself again under
/// `scripts/with-keyring.sh`, on a private bus with a daemon of its own.
#[test]
fn secret_service_backend_errors_never_show_the_token() {
    const NAME: &str = "secret_service_backend_errors_never_show_the_token";
    let test = "ss-backend-errors";
    let token = "tok_MUST_NOT_LEAK_backend_7f3a";
    if std::env::var_os(PRIVATE_SS_ENV).is_some() {
        // The child: this bus and this daemon are ours alone.
        let first = TokenStore::open_kind(StoreKind::SecretService).expect("open the private SS");
        let second = TokenStore::open_kind(StoreKind::SecretService).expect("open it again");
        let profile = unique_profile(test);
        first
            .set(&profile, &secret("tok_before"))
            .expect("a set that works");

        // 1. The daemon stops answering.
        let pid = secret_service_pid();
        signal(pid, "-STOP");
        let started = Instant::now();
        let stopped = second.set(&profile, &secret(token));
        signal(pid, "-CONT");
        let err = stopped.expect_err("a stopped daemon cannot store");
        let stopped_text = err.to_string();
        assert!(matches!(err, StoreError::TimedOut { .. }), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert_no_token(&err, token);
        // While that call is still abandoned, the next fails at once, and says so.
        if let Err(err) = second.set(&profile, &secret(token)) {
            assert_no_token(&err, token);
        }

        // 2. The collection is locked after the store was opened.
        dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/aliases/default",
        ]);
        let err = first
            .set(&profile, &secret(token))
            .expect_err("a locked collection cannot take a new token unprompted");
        assert_no_token(&err, token);
        if let Err(err) = first.get(&profile) {
            assert_no_token(&err, token);
        }
        println!("CHILD-OK stopped: {stopped_text}; locked: {err}");
        return;
    }

    if open_or_skip(StoreKind::SecretService, test).is_none() {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/with-keyring.sh");
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("bash")
        .arg(script)
        .arg(exe)
        .args([
            &child_filter(NAME),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PRIVATE_SS_ENV, "1")
        .env_remove("EXOSET_KEYSTORE")
        // No display: the unlock prompt must fail, not wait for a person.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run the child under scripts/with-keyring.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(125) && !required() {
        crate::support::skipped(&format!(
            "{test}: no private keyring could be started: {stderr}"
        ));
        return;
    }
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let Some(line) = stdout
        .lines()
        .find_map(|l| l.find("CHILD-OK").map(|at| &l[at..]))
    else {
        panic!("the child did not run the test:\n{stdout}\n{stderr}");
    };
    eprintln!("{test}: {line}");
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "{stdout}\n{stderr}"
    );
}

// --- kernel keyring ---------------------------------------------------------

#[test]
fn keyutils_round_trip() {
    round_trip(StoreKind::Keyutils, "ku-round-trip");
}

#[test]
fn keyutils_missing_entry() {
    missing_entry(StoreKind::Keyutils, "ku-missing");
}

#[test]
fn keyutils_unicode_token() {
    unicode_token(StoreKind::Keyutils, "ku-unicode");
}

#[test]
fn keyutils_profiles_are_separate() {
    profiles_are_separate(StoreKind::Keyutils, "ku-separate");
}

#[test]
fn keyutils_refuses_bad_arguments_without_showing_the_token() {
    refusals_of_bad_arguments_never_show_the_token(StoreKind::Keyutils, "ku-errors");
}

/// A real refusal by the kernel: a `user` key holds at most 32,767 bytes,
/// so a 40,000-byte token is refused by `add_key` itself (EINVAL), after
/// every check of ours has passed. The error must not carry the token.
#[test]
fn keyutils_backend_errors_never_show_the_token() {
    let Some(store) = open_or_skip(StoreKind::Keyutils, "ku-backend-errors") else {
        return;
    };
    let profile = unique_profile("ku-backend-errors");
    let _cleanup = Cleanup::new(&store, &[&profile]);
    let marker = "MUST_NOT_LEAK";
    let token = format!("{marker}{}", "k".repeat(40_000));
    let err = store
        .set(&profile, &secret(&token))
        .expect_err("the kernel refuses a payload over 32,767 bytes");
    assert!(matches!(err, StoreError::Other { .. }), "{err:?}");
    assert!(err.to_string().contains("storing the token"), "{err}");
    assert_no_token(&err, &token);
    // Nothing was stored by the refused call.
    assert!(store.get(&profile).expect("get").is_none());
}

#[test]
fn keyutils_says_what_it_forgets() {
    let caveat = StoreKind::Keyutils.caveat().expect("a caveat");
    assert!(caveat.contains("reboot"), "{caveat}");
    if let Some(store) = open_or_skip(StoreKind::Keyutils, "ku-caveat") {
        assert!(store.describe().contains("keyring"), "{}", store.describe());
    }
}

/// The headless path: with no session bus at all, `open` must fall back to
/// the kernel keyring (fast), and a token stored there by one process must be
/// readable by the next. The test runs itself again as a child process with
/// the bus variables removed, since a test must not change its own
/// environment.
#[test]
fn headless_open_falls_back_to_keyutils() {
    const NAME: &str = "headless_open_falls_back_to_keyutils";
    let token = "tok_headless_ü_42";

    if let Ok(profile) = std::env::var(CHILD_ENV) {
        // The child: no bus. Open, check the choice, store a token.
        let t = Instant::now();
        let store = match TokenStore::open() {
            Ok(store) => store,
            Err(e) => {
                println!("CHILD-ABSENT {e}");
                return;
            }
        };
        let opened = t.elapsed();
        assert_eq!(store.kind(), StoreKind::Keyutils, "{store:?}");
        let skipped = store.skipped();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].0, StoreKind::SecretService);
        assert!(
            skipped[0].1.contains("DBUS_SESSION_BUS_ADDRESS"),
            "{}",
            skipped[0].1
        );
        assert!(store.get(&profile).expect("get").is_none());
        store.set(&profile, &secret(token)).expect("set");
        println!("CHILD-OK open took {opened:?}: {}", store.describe());
        return;
    }

    let profile = unique_profile("headless");
    // Opened first, so that whatever the child stores is removed even when an
    // assertion below fails.
    let parent_store = TokenStore::open_kind(StoreKind::Keyutils).ok();
    let _cleanup = parent_store
        .as_ref()
        .map(|store| Cleanup::new(store, &[&profile]));
    let runtime_dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([
            &child_filter(NAME),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &profile)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("EXOSET_KEYSTORE")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        // zbus would otherwise try $XDG_RUNTIME_DIR/bus (or /run/user/UID/bus).
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    // The harness may print its own text on the same line as the child's.
    let marked = |mark: &str| {
        stdout
            .lines()
            .find_map(|l| l.find(mark).map(|at| l[at..].to_owned()))
    };
    if let Some(line) = marked("CHILD-ABSENT") {
        assert!(!required(), "no keyring without a session bus: {line}");
        crate::support::skipped(&format!("headless: {line}"));
        return;
    }
    let line = marked("CHILD-OK")
        .unwrap_or_else(|| panic!("the child did not run the test:\n{stdout}\n{stderr}"));
    eprintln!("headless: {line}");

    // This process reads what the child stored.
    let store = parent_store
        .as_ref()
        .expect("the kernel keyring in this process");
    let got = store
        .get(&profile)
        .expect("get")
        .expect("the child's token");
    assert_eq!(got.expose_secret(), token);
    assert!(store.delete(&profile).expect("delete"));
}
