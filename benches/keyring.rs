//! Where the time of a token read goes, step by step (moved here from the
//! `timings` test of tests/keystore.rs, which asserted nothing).
//!
//!     scripts/with-keyring.sh cargo bench --bench keyring
//!
//! Times, as medians of RUNS (default 30) fresh runs, each step of the way
//! the Secret Service was read before (the `secret-service` crate and
//! `zbus-secret-service-keyring-store`), then the whole open + read of
//! `TokenStore` for the Secret Service and the kernel keyring. Needs a
//! Secret Service on the session bus (`scripts/with-keyring.sh` gives one);
//! prints what it cannot measure and goes on. Under `cargo test` (which runs
//! benches once as a smoke test) it does one run of each.

#![cfg_attr(not(target_os = "linux"), allow(unused))]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use exoset_keyring::{StoreKind, TokenStore};
use secrecy::SecretString;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn row(name: &str, samples: Vec<Duration>) {
    println!(
        "{name:<58} {:>8.3} ms",
        median(samples).as_secs_f64() * 1000.0
    );
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

#[cfg(not(target_os = "linux"))]
fn main() {}

#[cfg(target_os = "linux")]
fn main() {
    // `cargo bench` passes --bench; anything else is a smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs: usize = if smoke {
        1
    } else {
        std::env::var("RUNS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(30)
    };
    let profile = format!("exoset-bench-{}", std::process::id());
    let token = SecretString::from("bench-token-0123456789".to_owned());

    // The old path, step by step.
    use secret_service::{EncryptionType, blocking::SecretService};
    let mut plain = Vec::new();
    let mut dh = Vec::new();
    let mut default = Vec::new();
    let mut locked = Vec::new();
    let mut search = Vec::new();
    let mut secret = Vec::new();
    let mut store_new = Vec::new();
    let mut entry_get = Vec::new();
    match TokenStore::open_kind(StoreKind::SecretService) {
        Ok(store) => {
            if let Err(e) = store.set(&profile, &token) {
                println!("cannot store a token to read: {e}");
                return;
            }
        }
        Err(e) => {
            println!("no Secret Service here ({e}); run under scripts/with-keyring.sh");
            return;
        }
    }
    for _ in 0..runs {
        let (ss, d) = time(|| SecretService::connect(EncryptionType::Plain));
        plain.push(d);
        drop(ss);
        let (ss, d) = time(|| SecretService::connect(EncryptionType::Dh));
        dh.push(d);
        let Ok(ss) = ss else { continue };
        let (c, d) = time(|| ss.get_default_collection());
        default.push(d);
        if let Ok(c) = c {
            locked.push(time(|| c.is_locked()).1);
        }
        let attrs = HashMap::from([("service", "exoset"), ("username", profile.as_str())]);
        let (found, d) = time(|| ss.search_items(attrs));
        search.push(d);
        if let Ok(found) = found
            && let Some(item) = found.unlocked.first()
        {
            secret.push(time(|| item.get_secret()).1);
        }
        let (s, d) = time(zbus_secret_service_keyring_store::Store::new);
        store_new.push(d);
        if let Ok(s) = s {
            let s: std::sync::Arc<keyring_core::CredentialStore> = s;
            let e = keyring_core::Entry::new_in_store(&s, "exoset", &profile);
            if let Ok(e) = e {
                entry_get.push(time(|| e.get_secret()).1);
            }
        }
    }
    println!("Secret Service, the old path (secret-service 5 + keyring store):");
    row(
        "  connect, plain session (bus auth + Hello + OpenSession)",
        plain,
    );
    row("  connect, DH session (the same + key exchange)", dh);
    row("  get_default_collection (proxy + ReadAlias)", default);
    row("  collection.is_locked (property read)", locked);
    row("  search_items (service, username)", search);
    row("  item.get_secret (proxy + GetSecret + decrypt)", secret);
    row("  keyring store Store::new (its own DH session)", store_new);
    row(
        "  keyring store entry get_secret (search, unlock check, get)",
        entry_get,
    );

    for kind in [StoreKind::SecretService, StoreKind::Keyutils] {
        let mut open = Vec::new();
        let mut get = Vec::new();
        for _ in 0..runs {
            let (store, d) = time(|| TokenStore::open_kind(kind));
            open.push(d);
            match store {
                Ok(store) => get.push(time(|| store.get(&profile)).1),
                Err(e) => {
                    println!("{kind}: not available ({e})");
                    break;
                }
            }
        }
        println!("TokenStore, {kind}:");
        let total: Vec<Duration> = open.iter().zip(&get).map(|(a, b)| *a + *b).collect();
        row("  open", open);
        row("  get (token present for SS, absent for keyutils)", get);
        row("  open + get", total);
    }
    if let Ok(store) = TokenStore::open_kind(StoreKind::SecretService) {
        let _ = store.delete(&profile);
    }
}
