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
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use exoset::keystore::{StoreError, StoreKind, TokenStore};
use secrecy::{ExposeSecret, SecretString};

/// Set in the child process that the headless test starts.
const CHILD_ENV: &str = "EXOSET_KEYSTORE_TEST_CHILD";

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
            eprintln!("{test}: skipped, {kind} is not available here: {e}");
            None
        }
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
}

fn missing_entry(kind: StoreKind, test: &str) {
    let Some(store) = open_or_skip(kind, test) else {
        return;
    };
    let profile = unique_profile(test);
    assert!(store.get(&profile).expect("get").is_none());
    assert!(!store.delete(&profile).expect("delete of a missing entry"));
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
}

fn errors_never_show_the_token(kind: StoreKind, test: &str) {
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
fn secret_service_errors_never_show_the_token() {
    errors_never_show_the_token(StoreKind::SecretService, "ss-errors");
}

/// With a session bus whose Secret Service answers, `open` picks it.
#[test]
fn open_prefers_the_secret_service_when_it_answers() {
    let test = "open-prefers-ss";
    if std::env::var_os("EXOSET_KEYSTORE").is_some() {
        eprintln!("{test}: skipped, EXOSET_KEYSTORE is set");
        return;
    }
    if open_or_skip(StoreKind::SecretService, test).is_none() {
        return;
    }
    let store = TokenStore::open().expect("open");
    assert_eq!(store.kind(), StoreKind::SecretService, "{store:?}");
    assert!(store.skipped().is_empty(), "{store:?}");
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
fn keyutils_errors_never_show_the_token() {
    errors_never_show_the_token(StoreKind::Keyutils, "ku-errors");
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
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
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
        eprintln!("headless: skipped, {line}");
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
