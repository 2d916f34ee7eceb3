//! The keyrings: the session bus, the Secret Service, the kernel keyring, the token's store.

use super::{Check, KEYRING_LIMIT, Report, Status, Unanswered, bounded, env, quoted, secs};
use crate::auth::Selected;
use crate::keystore::{STORE_ENV, StoreKind, TokenStore};
use crate::text::safe;
use std::time::Instant;

pub(super) fn keyring_checks(report: &mut Report, selected: Option<&Selected>) {
    if cfg!(target_os = "linux") {
        report.add(secret_service_check());
        report.add(kernel_keyring_check());
    }
    // A missing keyring only matters when the token must come from one.
    let token_elsewhere = if env("EXOSET_API_TOKEN").is_some() {
        Some("EXOSET_API_TOKEN is set")
    } else if selected.is_some_and(|s| s.token_command.is_some()) {
        Some("the profile has a token_command")
    } else {
        None
    };
    report.add(store_check(token_elsewhere));
}

/// Where the session bus is and whether something listens there.
pub(super) fn session_bus() -> Result<String, Check> {
    let title = "Secret Service";
    let Some(address) = env("DBUS_SESSION_BUS_ADDRESS") else {
        return Err(Check::new(
            "keyring.secret-service",
            title,
            Status::Skip,
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), as is usual over SSH",
        )
        .hint("tokens go to the kernel keyring below; a Secret Service needs a session bus (e.g. `dbus-run-session -- bash` with gnome-keyring unlocked in it)"));
    };
    let shown = safe(&address).into_owned();
    #[cfg(unix)]
    if let Some(path) = address
        .split(',')
        .find_map(|part| part.strip_prefix("unix:path="))
        .and_then(|rest| rest.split(',').next())
        && let Err(e) = std::os::unix::net::UnixStream::connect(path)
    {
        return Err(Check::new(
            "keyring.secret-service",
            title,
            Status::Warn,
            format!("DBUS_SESSION_BUS_ADDRESS={shown}, but nothing answers there ({e}): a value left over from another login?"),
        )
        .hint("unset DBUS_SESSION_BUS_ADDRESS (exoset then uses the kernel keyring), or start a bus with `dbus-run-session -- bash`"));
    }
    Ok(shown)
}

use crate::keystore::SecretServiceCollection as Collection;

pub(super) fn display() -> Option<String> {
    env("WAYLAND_DISPLAY")
        .map(|d| format!("WAYLAND_DISPLAY={}", safe(&d)))
        .or_else(|| env("DISPLAY").map(|d| format!("DISPLAY={}", safe(&d))))
}

pub(super) fn secret_service_check() -> Check {
    let id = "keyring.secret-service";
    let title = "Secret Service";
    let bus = match session_bus() {
        Ok(bus) => bus,
        Err(check) => return check,
    };
    let start = Instant::now();
    let answer = bounded(KEYRING_LIMIT, crate::keystore::probe_secret_service);
    let took = start.elapsed();
    match answer {
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Warn,
            format!(
                "the session bus ({bus}) is up, but the Secret Service did not answer within {}",
                secs(KEYRING_LIMIT)
            ),
        )
        .timed_out()
        .took(took)
        .hint(format!("exoset gives up on it after {} and uses the kernel keyring; {STORE_ENV}=keyutils skips it at once", secs(crate::keystore::SECRET_SERVICE_TIMEOUT))),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
        Ok(Err(e)) if e.contains("ServiceUnknown") || e.contains("NameHasNoOwner") => Check::new(
            id,
            title,
            Status::Skip,
            format!("the session bus ({bus}) is up, but nothing on it provides the Secret Service (no gnome-keyring, KeePassXC, ...)"),
        )
        .took(took),
        Ok(Err(e)) => Check::new(
            id,
            title,
            Status::Warn,
            format!("the session bus ({bus}) is up, but asking the Secret Service failed: {}", safe(&e)),
        )
        .took(took)
        .hint(format!("{STORE_ENV}=keyutils makes exoset use the kernel keyring")),
        Ok(Ok(Collection::Unlocked(label))) => Check::new(
            id,
            title,
            Status::Ok,
            format!("answers on the session bus; default collection {} is unlocked", quoted(&label)),
        )
        .took(took),
        Ok(Ok(Collection::Locked(label))) => {
            let summary = format!(
                "answers on the session bus, but its default collection {} is locked",
                quoted(&label)
            );
            match display() {
                Some(display) => Check::new(id, title, Status::Warn, summary)
                    .took(took)
                    .hint(format!(
                        "reading the token will ask to unlock it on {display} and wait up to {}; if nobody sees that screen (ssh -X), unlock it first or set {STORE_ENV}=keyutils",
                        secs(crate::keystore::SECRET_SERVICE_PROMPT_TIMEOUT)
                    )),
                None => Check::new(id, title, Status::Warn, format!("{summary}, and there is no display to unlock it on: exoset skips it"))
                    .took(took)
                    .hint("unlock it (`gnome-keyring-daemon --replace --unlock` reads the password on stdin), or use the kernel keyring below"),
            }
        }
        Ok(Ok(Collection::Missing)) => Check::new(
            id,
            title,
            Status::Warn,
            "answers on the session bus, but has no default collection to keep tokens in",
        )
        .took(took)
        .hint("create one with your keyring's manager (seahorse, KeePassXC), or use the kernel keyring below"),
    }
}

pub(super) fn kernel_keyring_expiry() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/kernel/keys/persistent_keyring_expiry")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

pub(super) fn days(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        crate::text::count(usize::try_from(secs / 86_400).unwrap_or(usize::MAX), "day")
    } else {
        format!("{:.1} hours", secs as f64 / 3600.0)
    }
}

/// Stores, reads back and deletes a throwaway key: opening a keyring is not
/// proof that it takes keys (a container's seccomp profile may refuse).
pub(super) fn kernel_keyring_probe() -> Result<String, String> {
    use secrecy::{ExposeSecret, SecretString};
    let store = TokenStore::open_kind(StoreKind::Keyutils).map_err(|e| e.to_string())?;
    let name = format!("exoset-doctor-probe-{}", std::process::id());
    let marker = SecretString::from("doctor-probe".to_owned());
    store
        .set(&name, &marker)
        .map_err(|e| format!("it opens, but storing a test key failed: {e}"))?;
    let read = store.get(&name);
    let _ = store.delete(&name);
    match read {
        Ok(Some(back)) if back.expose_secret() == "doctor-probe" => Ok(store.describe()),
        Ok(_) => Err("it opens, but a test key stored in it could not be read back".to_owned()),
        Err(e) => Err(format!("it opens, but reading a test key failed: {e}")),
    }
}

pub(super) fn kernel_keyring_check() -> Check {
    let id = "keyring.kernel";
    let title = "kernel keyring";
    let start = Instant::now();
    let answer = bounded(KEYRING_LIMIT, kernel_keyring_probe);
    let took = start.elapsed();
    match answer {
        Ok(Ok(describe)) => {
            let forgets = if describe.contains("persistent") {
                match kernel_keyring_expiry() {
                    Some(s) => format!(
                        "forgets at reboot and after {} unused (/proc/sys/kernel/keys/persistent_keyring_expiry)",
                        days(s)
                    ),
                    None => "forgets at reboot and after some days unused".to_owned(),
                }
            } else {
                "forgets at reboot and when your last login session on this host ends".to_owned()
            };
            Check::new(
                id,
                title,
                Status::Ok,
                format!("usable ({}; a test key was stored, read and deleted); {forgets}", safe(&describe)),
            )
            .took(took)
        }
        Ok(Err(e)) => Check::new(id, title, Status::Warn, format!("not usable: {}", safe(&e)))
            .took(took)
            .hint("in a container, allow the keyctl system calls; or keep the token in EXOSET_API_TOKEN or a profile's token_command"),
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Warn,
            format!("did not answer within {}", secs(KEYRING_LIMIT)),
        )
        .timed_out()
        .took(took),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
    }
}

pub(super) fn store_check(token_elsewhere: Option<&str>) -> Check {
    let id = "keyring.store";
    let title = "token store";
    let forced = env(STORE_ENV)
        .filter(|v| !v.trim().eq_ignore_ascii_case("auto"))
        .map(|v| format!(" (forced by {STORE_ENV}={})", safe(&v)))
        .unwrap_or_default();
    let start = Instant::now();
    // The store's own calls are bounded; this bounds the whole choice too.
    let answer = bounded(KEYRING_LIMIT + KEYRING_LIMIT, || {
        TokenStore::open().map(|store| (store.kind(), store.describe(), store.skipped().to_vec()))
    });
    let took = start.elapsed();
    match answer {
        Ok(Ok((kind, describe, skipped))) => {
            let mut summary = format!("tokens are kept in the {}{forced}", safe(&describe));
            for (kind, why) in &skipped {
                summary.push_str(&format!("; skipped {kind}: {}", safe(why)));
            }
            let check = Check::new(id, title, Status::Ok, summary).took(took);
            match kind.caveat() {
                Some(caveat) => check.hint(caveat),
                None => check,
            }
        }
        Ok(Err(e)) => {
            let status = if token_elsewhere.is_some() {
                Status::Warn
            } else {
                Status::Fail
            };
            let mut summary = format!(
                "no keyring can hold a token here{forced}: {}",
                safe(&e.to_string())
            );
            if let Some(why) = token_elsewhere {
                summary.push_str(&format!(" (not needed now: {why})"));
            }
            Check::new(id, title, status, summary)
                .took(took)
                .hint("keep the token out of files: set EXOSET_API_TOKEN for the session, or give the profile a token_command (e.g. `pass show exotel/acme`) in config.toml")
        }
        Err(Unanswered::TimedOut) => Check::new(
            id,
            title,
            Status::Fail,
            format!(
                "choosing a store did not finish within {}{forced}",
                secs(KEYRING_LIMIT + KEYRING_LIMIT)
            ),
        )
        .timed_out()
        .took(took)
        .hint(format!("{STORE_ENV}=keyutils skips the Secret Service")),
        Err(Unanswered::NoThread(e)) => {
            Check::new(id, title, Status::Warn, format!("could not be probed: {e}"))
        }
    }
}
