//! The API-token store: one token per profile in the OS keyring.
//!
//! Every token lives under service `exoset`, user = the profile name. Tokens go
//! in and out as [`SecretString`]; they never appear in an error, in `Debug`,
//! or in anything this module prints.
//!
//! # Which store
//!
//! [`TokenStore::open`] picks, at every start of the program:
//!
//! - **Linux**: the **Secret Service** (gnome-keyring, KeePassXC, KWallet's
//!   bridge, ...) when the D-Bus session bus offers it *and* it answers within
//!   [`SECRET_SERVICE_TIMEOUT`]. A default collection that is locked (or
//!   missing) while there is no display (`DISPLAY`/`WAYLAND_DISPLAY` unset)
//!   counts as absent, since nobody could answer the unlock prompt. With no
//!   session bus at all the attempt fails at once, so falling back is cheap.
//!   Otherwise the **kernel keyring** (keyutils): the token is a `user` key
//!   named `keyring:<profile>@exoset`, added straight into the user's
//!   *persistent* keyring (`persistent-keyring(7)`), which this process
//!   reaches through its own process keyring. Where the kernel has no
//!   persistent keyrings, the *user* keyring (`@u`) is used instead. The kernel
//!   keyring lives in memory only: see [`StoreKind::caveat`].
//! - **macOS**: the login Keychain. **Windows**: the Credential Manager.
//!
//! Every Secret Service call runs on a helper thread and is abandoned after
//! [`SECRET_SERVICE_TIMEOUT`] (or [`SECRET_SERVICE_PROMPT_TIMEOUT`] when the
//! collection was locked at open and a display exists to show the unlock
//! prompt): a locked keyring on a headless host can otherwise wait forever for
//! a prompt that never comes. A call abandoned this way makes later calls on
//! the same store fail at once with [`StoreError::TimedOut`] until it ends.
//!
//! # Forcing a store
//!
//! The environment variable `EXOSET_KEYSTORE` overrides the choice of
//! [`TokenStore::open`]: `secret-service`, `keyutils`, `keychain` or
//! `windows` force that store (an error if it is not usable); `auto` or an
//! empty value mean the rules above. Tests and CI use it; users may too, e.g.
//! `EXOSET_KEYSTORE=keyutils` on a host whose Secret Service misbehaves.
//!
//! # Why keyutils is done by hand
//!
//! `linux-keyutils-keyring-store` 1.0 adds the key to the *session* keyring
//! and then links it into the persistent keyring. In a process that has no
//! session keyring of its own (CI runners, containers, services: anything not
//! started through `pam_keyinit`), asking for the persistent keyring with the
//! session keyring as its anchor makes the kernel install a fresh anonymous
//! session keyring, so the key just added is no longer possessed and the link
//! is refused (`EACCES`, seen as `NoStorageAccess(AccessDenied)`). Adding the
//! key directly into the persistent keyring, anchored to the process keyring,
//! needs no link and works in both cases.

use std::fmt;
#[cfg(any(target_os = "macos", target_os = "windows"))]
use std::sync::Arc;
use std::time::Duration;

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

/// The keyring service name every token is stored under.
pub const SERVICE: &str = "exoset";

/// The environment variable that forces a store (see the module docs).
pub const STORE_ENV: &str = "EXOSET_KEYSTORE";

/// How long a Secret Service call may take before it is given up.
pub const SECRET_SERVICE_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long a Secret Service call may take when the collection was locked at
/// open and a display exists: long enough for a person to type the keyring
/// password into the unlock prompt.
pub const SECRET_SERVICE_PROMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The kinds of OS keyring a [`TokenStore`] can be backed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// The freedesktop Secret Service over D-Bus (Linux).
    SecretService,
    /// The Linux kernel keyring (keyutils).
    Keyutils,
    /// The macOS login Keychain.
    MacosKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
}

impl StoreKind {
    /// Every kind, in the order [`TokenStore::open`] considers them.
    pub const ALL: [StoreKind; 4] = [
        StoreKind::SecretService,
        StoreKind::Keyutils,
        StoreKind::MacosKeychain,
        StoreKind::WindowsCredentialManager,
    ];

    /// A name for people, e.g. in `auth status`.
    pub fn describe(&self) -> &'static str {
        match self {
            StoreKind::SecretService => "Secret Service (D-Bus)",
            StoreKind::Keyutils => "kernel keyring (keyutils)",
            StoreKind::MacosKeychain => "macOS Keychain",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
        }
    }

    /// The short name `EXOSET_KEYSTORE` accepts for this kind.
    pub fn as_str(&self) -> &'static str {
        match self {
            StoreKind::SecretService => "secret-service",
            StoreKind::Keyutils => "keyutils",
            StoreKind::MacosKeychain => "keychain",
            StoreKind::WindowsCredentialManager => "windows",
        }
    }

    /// Parses a name as `EXOSET_KEYSTORE` takes it (case-insensitive).
    pub fn from_name(name: &str) -> Option<StoreKind> {
        let name = name.trim();
        StoreKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }

    /// What a user should know about keeping a token in this store, if
    /// anything.
    pub fn caveat(&self) -> Option<&'static str> {
        match self {
            StoreKind::Keyutils => Some(
                "the kernel keyring keeps the token in memory only: it is forgotten at \
                 reboot and after a few days without use (3 by default), and may be \
                 forgotten when your last login session ends; run `exoset auth login` \
                 again then, or use a `token_command`",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// What went wrong with a keyring. Messages are for people and never contain
/// a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No store could be opened; `tried` says which and why, e.g.
    /// "Secret Service (D-Bus): no D-Bus session bus ...; kernel keyring
    /// (keyutils): ...".
    #[error("no OS keyring is usable here ({tried})")]
    NoStore { tried: String },
    /// The store did not answer in time.
    #[error(
        "{store} did not answer within {:.1} s while {op}{}",
        .after.as_secs_f32(),
        timeout_hint(*.store)
    )]
    TimedOut {
        store: StoreKind,
        op: &'static str,
        after: Duration,
    },
    /// The store refused: locked, prompt dismissed, permissions.
    #[error("{store} refused access while {op}: {reason}")]
    AccessDenied {
        store: StoreKind,
        op: &'static str,
        reason: String,
    },
    /// A profile name or token the stores cannot take.
    #[error("{0}")]
    Invalid(String),
    /// Anything else the store reported.
    #[error("{store} failed while {op}: {reason}")]
    Other {
        store: StoreKind,
        op: &'static str,
        reason: String,
    },
}

fn timeout_hint(store: StoreKind) -> &'static str {
    match store {
        StoreKind::SecretService => {
            " (a locked keyring may be waiting for an unlock prompt; \
             EXOSET_KEYSTORE=keyutils uses the kernel keyring instead)"
        }
        _ => "",
    }
}

// What an error says the store was doing (unused where no store exists).
#[cfg_attr(
    not(any(target_os = "linux", target_os = "macos", target_os = "windows")),
    allow(dead_code)
)]
const OP_GET: &str = "reading the token";
#[cfg_attr(
    not(any(target_os = "linux", target_os = "macos", target_os = "windows")),
    allow(dead_code)
)]
const OP_SET: &str = "storing the token";
#[cfg_attr(
    not(any(target_os = "linux", target_os = "macos", target_os = "windows")),
    allow(dead_code)
)]
const OP_DELETE: &str = "deleting the token";

/// The OS keyring holding API tokens, one per profile. Cheap to share across
/// threads (`Send + Sync`).
pub struct TokenStore {
    backend: Backend,
    skipped: Vec<(StoreKind, String)>,
}

enum Backend {
    #[cfg(target_os = "linux")]
    SecretService(ss::Backend),
    #[cfg(target_os = "linux")]
    Keyutils(keyutils::Backend),
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    Native(StoreKind, Arc<keyring_core::CredentialStore>),
    /// Elsewhere there is no store, so no `TokenStore` can exist.
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    #[allow(dead_code)]
    Unsupported(std::convert::Infallible),
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("kind", &self.kind())
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

impl TokenStore {
    /// Opens the store to use on this machine (see the module docs for the
    /// rules and for `EXOSET_KEYSTORE`).
    pub fn open() -> Result<TokenStore, StoreError> {
        match std::env::var(STORE_ENV) {
            Ok(v) if !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("auto") => {
                match StoreKind::from_name(&v) {
                    Some(kind) => TokenStore::open_kind(kind),
                    None => Err(StoreError::Invalid(format!(
                        "{STORE_ENV}={v:?} is not one of auto, secret-service, keyutils, \
                         keychain, windows"
                    ))),
                }
            }
            _ => TokenStore::open_auto(),
        }
    }

    /// Opens one particular store, with no fallback.
    pub fn open_kind(kind: StoreKind) -> Result<TokenStore, StoreError> {
        let backend = open_backend(kind).map_err(|reason| StoreError::NoStore {
            tried: format!("{kind}: {reason}"),
        })?;
        Ok(TokenStore {
            backend,
            skipped: Vec::new(),
        })
    }

    fn open_auto() -> Result<TokenStore, StoreError> {
        let mut skipped = Vec::new();
        for kind in platform_order() {
            match open_backend(*kind) {
                Ok(backend) => return Ok(TokenStore { backend, skipped }),
                Err(reason) => skipped.push((*kind, reason)),
            }
        }
        let tried = if skipped.is_empty() {
            "no keyring is supported on this platform".to_owned()
        } else {
            skipped
                .iter()
                .map(|(k, why)| format!("{k}: {why}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        Err(StoreError::NoStore { tried })
    }

    /// Which store this is.
    pub fn kind(&self) -> StoreKind {
        match &self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService(_) => StoreKind::SecretService,
            #[cfg(target_os = "linux")]
            Backend::Keyutils(_) => StoreKind::Keyutils,
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            Backend::Native(kind, _) => *kind,
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported(never) => match *never {},
        }
    }

    /// Says which store this is, a little more precisely than
    /// [`StoreKind::describe`] (e.g. which kernel keyring).
    pub fn describe(&self) -> String {
        match &self.backend {
            #[cfg(target_os = "linux")]
            Backend::Keyutils(k) => format!("{} in the {}", self.kind(), k.ring_name()),
            #[allow(unreachable_patterns)]
            _ => self.kind().describe().to_owned(),
        }
    }

    /// The stores [`TokenStore::open`] passed over before this one, with the
    /// reason for each (empty when the first choice answered, or when the store
    /// was forced).
    pub fn skipped(&self) -> &[(StoreKind, String)] {
        &self.skipped
    }

    /// The token stored for `profile`, if any.
    pub fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
        check_profile(profile)?;
        match &self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService(b) => b.get(profile),
            #[cfg(target_os = "linux")]
            Backend::Keyutils(b) => b.get(profile),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            Backend::Native(kind, store) => entry_ops::get(*kind, store, profile),
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported(never) => match *never {},
        }
    }

    /// Stores `token` for `profile`, replacing any token stored before.
    pub fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
        check_profile(profile)?;
        if token.expose_secret().is_empty() {
            return Err(StoreError::Invalid("the token is empty".to_owned()));
        }
        match &self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService(b) => b.set(profile, token),
            #[cfg(target_os = "linux")]
            Backend::Keyutils(b) => b.set(profile, token),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            Backend::Native(kind, store) => entry_ops::set(*kind, store, profile, token),
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported(never) => match *never {},
        }
    }

    /// Deletes the token of `profile`; `true` if there was one.
    pub fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        check_profile(profile)?;
        match &self.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService(b) => b.delete(profile),
            #[cfg(target_os = "linux")]
            Backend::Keyutils(b) => b.delete(profile),
            #[cfg(any(target_os = "macos", target_os = "windows"))]
            Backend::Native(kind, store) => entry_ops::delete(*kind, store, profile),
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported(never) => match *never {},
        }
    }
}

fn check_profile(profile: &str) -> Result<(), StoreError> {
    if profile.is_empty() {
        return Err(StoreError::Invalid("the profile name is empty".to_owned()));
    }
    if profile.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "the profile name {profile:?} contains a control character"
        )));
    }
    Ok(())
}

/// The stores `open` tries, best first.
fn platform_order() -> &'static [StoreKind] {
    #[cfg(target_os = "linux")]
    {
        &[StoreKind::SecretService, StoreKind::Keyutils]
    }
    #[cfg(target_os = "macos")]
    {
        &[StoreKind::MacosKeychain]
    }
    #[cfg(target_os = "windows")]
    {
        &[StoreKind::WindowsCredentialManager]
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        &[]
    }
}

/// Opens one backend; the error is the reason, for a person.
fn open_backend(kind: StoreKind) -> Result<Backend, String> {
    match kind {
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => ss::Backend::open().map(Backend::SecretService),
        #[cfg(target_os = "linux")]
        StoreKind::Keyutils => keyutils::Backend::open().map(Backend::Keyutils),
        #[cfg(target_os = "macos")]
        StoreKind::MacosKeychain => apple_native_keyring_store::keychain::Store::new()
            .map(|s| Backend::Native(kind, s as Arc<keyring_core::CredentialStore>))
            .map_err(|e| entry_ops::reason(&e)),
        #[cfg(target_os = "windows")]
        StoreKind::WindowsCredentialManager => windows_native_keyring_store::Store::new()
            .map(|s| Backend::Native(kind, s as Arc<keyring_core::CredentialStore>))
            .map_err(|e| entry_ops::reason(&e)),
        #[allow(unreachable_patterns)]
        _ => Err("not available on this operating system".to_owned()),
    }
}

/// Entry operations through a keyring-core store (the Secret Service store on
/// Linux, the native stores on macOS and Windows).
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod entry_ops {
    use std::collections::HashMap;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry, Error};
    use secrecy::{ExposeSecret, SecretString};

    use super::{
        OP_DELETE, OP_GET, OP_SET, SERVICE, StoreError, StoreKind, Zeroizing, secret_from_bytes,
    };

    fn entry(
        kind: StoreKind,
        store: &Arc<CredentialStore>,
        profile: &str,
        op: &'static str,
    ) -> Result<Entry, StoreError> {
        let label = format!("exoset API token ({profile})");
        // Only the Secret Service knows the `label` modifier.
        let made = if kind == StoreKind::SecretService {
            let mods = HashMap::from([("label", label.as_str())]);
            Entry::new_in_store_with_modifiers(store, SERVICE, profile, &mods)
        } else {
            Entry::new_in_store(store, SERVICE, profile)
        };
        made.map_err(|e| map_error(kind, op, profile, e))
    }

    pub(super) fn get(
        kind: StoreKind,
        store: &Arc<CredentialStore>,
        profile: &str,
    ) -> Result<Option<SecretString>, StoreError> {
        match entry(kind, store, profile, OP_GET)?.get_secret() {
            Ok(bytes) => secret_from_bytes(kind, Zeroizing::new(bytes)).map(Some),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(kind, OP_GET, profile, e)),
        }
    }

    pub(super) fn set(
        kind: StoreKind,
        store: &Arc<CredentialStore>,
        profile: &str,
        token: &SecretString,
    ) -> Result<(), StoreError> {
        entry(kind, store, profile, OP_SET)?
            .set_secret(token.expose_secret().as_bytes())
            .map_err(|e| map_error(kind, OP_SET, profile, e))
    }

    pub(super) fn delete(
        kind: StoreKind,
        store: &Arc<CredentialStore>,
        profile: &str,
    ) -> Result<bool, StoreError> {
        match entry(kind, store, profile, OP_DELETE)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(kind, OP_DELETE, profile, e)),
        }
    }

    /// A person's reason for a keyring-core error, never showing secret data
    /// (`BadEncoding` and `BadDataFormat` carry the raw secret).
    pub(super) fn reason(e: &Error) -> String {
        match e {
            Error::PlatformFailure(inner) | Error::NoStorageAccess(inner) => inner.to_string(),
            Error::NoEntry => "no such entry".to_owned(),
            Error::BadEncoding(_) => "the stored token is not valid UTF-8".to_owned(),
            Error::BadDataFormat(_, _) => "the stored data is malformed".to_owned(),
            Error::BadStoreFormat(why) => format!("the store is malformed: {why}"),
            Error::TooLong(what, max) => format!("{what} is longer than the limit of {max}"),
            Error::Invalid(what, why) => format!("{what} is invalid: {why}"),
            Error::Ambiguous(items) => format!(
                "{} items match; remove all but one (e.g. with your keyring's manager)",
                items.len()
            ),
            Error::NoDefaultStore => "no store".to_owned(),
            Error::NotSupportedByStore(why) => format!("not supported: {why}"),
            _ => "unexpected keyring error".to_owned(),
        }
    }

    fn map_error(kind: StoreKind, op: &'static str, profile: &str, e: Error) -> StoreError {
        match e {
            Error::NoStorageAccess(_) => StoreError::AccessDenied {
                store: kind,
                op,
                reason: if kind == StoreKind::SecretService {
                    format!(
                        "the keyring is locked and was not unlocked ({})",
                        reason(&e)
                    )
                } else {
                    reason(&e)
                },
            },
            Error::Ambiguous(ref items) => StoreError::Other {
                store: kind,
                op,
                reason: format!(
                    "{} items match service {SERVICE:?}, user {profile:?}; remove all but one{}",
                    items.len(),
                    if kind == StoreKind::SecretService {
                        " (`secret-tool clear service exoset username PROFILE` removes all)"
                    } else {
                        ""
                    }
                ),
            },
            _ => StoreError::Other {
                store: kind,
                op,
                reason: reason(&e),
            },
        }
    }
}

/// Turns bytes read from a store into a token, wiping every copy on the way.
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn secret_from_bytes(
    kind: StoreKind,
    bytes: Zeroizing<Vec<u8>>,
) -> Result<SecretString, StoreError> {
    match std::str::from_utf8(&bytes) {
        // Copy into an exactly-sized buffer so that making the boxed secret
        // does not reallocate and leave an unwiped copy behind.
        Ok(s) => {
            let mut exact = String::with_capacity(s.len());
            exact.push_str(s);
            Ok(SecretString::from(exact))
        }
        Err(_) => Err(StoreError::Other {
            store: kind,
            op: OP_GET,
            reason: "the stored token is not valid UTF-8".to_owned(),
        }),
    }
}

/// The Secret Service, through `zbus-secret-service-keyring-store`, with every
/// call bounded in time.
#[cfg(target_os = "linux")]
mod ss {
    use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
    use std::sync::{Arc, Mutex, Weak};
    use std::time::{Duration, Instant};

    use keyring_core::CredentialStore;
    use secrecy::SecretString;

    use super::{
        OP_DELETE, OP_GET, OP_SET, SECRET_SERVICE_PROMPT_TIMEOUT, SECRET_SERVICE_TIMEOUT,
        StoreError, StoreKind, entry_ops,
    };

    const KIND: StoreKind = StoreKind::SecretService;

    pub(super) struct Backend {
        store: Arc<CredentialStore>,
        calls: Bounded,
    }

    /// Runs store calls on helper threads, giving up after a timeout.
    ///
    /// A call given up on keeps the store's D-Bus connection busy, so while
    /// one is still running later calls fail at once instead of queueing
    /// behind it.
    pub(super) struct Bounded {
        timeout: Duration,
        /// Calls given up on that may still be running.
        abandoned: Mutex<Vec<Weak<()>>>,
    }

    impl Bounded {
        pub(super) fn new(timeout: Duration) -> Bounded {
            Bounded {
                timeout,
                abandoned: Mutex::new(Vec::new()),
            }
        }

        pub(super) fn run<T: Send + 'static>(
            &self,
            op: &'static str,
            f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
        ) -> Result<T, StoreError> {
            let timed_out = || StoreError::TimedOut {
                store: KIND,
                op,
                after: self.timeout,
            };
            {
                let mut abandoned = self.abandoned.lock().unwrap_or_else(|p| p.into_inner());
                abandoned.retain(|running| running.strong_count() > 0);
                if !abandoned.is_empty() {
                    return Err(timed_out());
                }
            }
            let deadline = Instant::now() + self.timeout;
            let running = Arc::new(());
            let held = Arc::clone(&running);
            let rx = spawn(move || {
                let out = f();
                drop(held);
                out
            })
            .map_err(|reason| StoreError::Other {
                store: KIND,
                op,
                reason,
            })?;
            match wait(&rx, deadline) {
                Ok(out) => out,
                Err(RecvTimeoutError::Timeout) => {
                    self.abandoned
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Arc::downgrade(&running));
                    Err(timed_out())
                }
                Err(RecvTimeoutError::Disconnected) => Err(StoreError::Other {
                    store: KIND,
                    op,
                    reason: "its helper thread failed".to_owned(),
                }),
            }
        }
    }

    /// The state of the default collection, as found at open.
    enum DefaultCollection {
        Unlocked,
        Locked,
        Missing,
    }

    fn has_display() -> bool {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
    }

    /// Runs `f` on a helper thread; the receiver yields its result.
    fn spawn<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Receiver<T>, String> {
        let (tx, rx) = sync_channel(1);
        std::thread::Builder::new()
            .name("exoset-keyring".to_owned())
            .spawn(move || {
                // The receiver may be gone (timed out); nothing to do then.
                let _ = tx.send(f());
            })
            .map_err(|e| format!("could not start a helper thread: {e}"))?;
        Ok(rx)
    }

    fn wait<T>(rx: &Receiver<T>, deadline: Instant) -> Result<T, RecvTimeoutError> {
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    }

    fn why_unreachable(e: &secret_service::Error) -> String {
        let text = e.to_string();
        if text.contains("ServiceUnknown") || text.contains("NameHasNoOwner") {
            "nothing on the D-Bus session bus provides it (no gnome-keyring, KeePassXC, ...)"
                .to_owned()
        } else if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned()
        } else {
            format!("could not reach it on the D-Bus session bus: {text}")
        }
    }

    /// A plain (unencrypted) session is enough to look at the default
    /// collection, and much cheaper than the Diffie-Hellman one.
    fn probe() -> Result<DefaultCollection, secret_service::Error> {
        use secret_service::{EncryptionType, Error, blocking::SecretService};
        let ss = SecretService::connect(EncryptionType::Plain)?;
        match ss.get_default_collection() {
            Ok(c) => Ok(if c.is_locked()? {
                DefaultCollection::Locked
            } else {
                DefaultCollection::Unlocked
            }),
            Err(Error::NoResult) => Ok(DefaultCollection::Missing),
            Err(e) => Err(e),
        }
    }

    impl Backend {
        pub(super) fn open() -> Result<Backend, String> {
            let deadline = Instant::now() + SECRET_SERVICE_TIMEOUT;
            let too_slow = || {
                format!(
                    "did not answer within {:.1} s",
                    SECRET_SERVICE_TIMEOUT.as_secs_f32()
                )
            };
            // The probe and the store's own (encrypted) session are set up in
            // parallel: the Diffie-Hellman exchange costs ~15 ms.
            let store_rx = spawn(zbus_secret_service_keyring_store::Store::new)?;
            let probe_rx = spawn(probe)?;
            let state = match wait(&probe_rx, deadline) {
                Ok(Ok(state)) => state,
                Ok(Err(e)) => return Err(why_unreachable(&e)),
                Err(RecvTimeoutError::Timeout) => return Err(too_slow()),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("its helper thread failed".to_owned());
                }
            };
            let timeout = match state {
                DefaultCollection::Unlocked => SECRET_SERVICE_TIMEOUT,
                _ if has_display() => SECRET_SERVICE_PROMPT_TIMEOUT,
                DefaultCollection::Locked => {
                    return Err("its default collection is locked and there is no display \
                         to unlock it on"
                        .to_owned());
                }
                DefaultCollection::Missing => {
                    return Err("it has no default collection and there is no display \
                         to create one on"
                        .to_owned());
                }
            };
            let store = match wait(&store_rx, deadline) {
                Ok(Ok(store)) => store,
                Ok(Err(e)) => return Err(entry_ops::reason(&e)),
                Err(RecvTimeoutError::Timeout) => return Err(too_slow()),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("its helper thread failed".to_owned());
                }
            };
            Ok(Backend {
                store,
                calls: Bounded::new(timeout),
            })
        }

        pub(super) fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
            let profile = profile.to_owned();
            let store = Arc::clone(&self.store);
            self.calls
                .run(OP_GET, move || entry_ops::get(KIND, &store, &profile))
        }

        pub(super) fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
            let profile = profile.to_owned();
            let token = token.clone();
            let store = Arc::clone(&self.store);
            self.calls.run(OP_SET, move || {
                entry_ops::set(KIND, &store, &profile, &token)
            })
        }

        pub(super) fn delete(&self, profile: &str) -> Result<bool, StoreError> {
            let profile = profile.to_owned();
            let store = Arc::clone(&self.store);
            self.calls
                .run(OP_DELETE, move || entry_ops::delete(KIND, &store, &profile))
        }
    }
}

/// The Linux kernel keyring, spoken to directly (see the module docs for why).
#[cfg(target_os = "linux")]
mod keyutils {
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};
    use secrecy::{ExposeSecret, SecretString};

    use super::{
        OP_DELETE, OP_GET, OP_SET, SERVICE, StoreError, StoreKind, Zeroizing, secret_from_bytes,
    };

    const KIND: StoreKind = StoreKind::Keyutils;

    pub(super) struct Backend {
        ring: KeyRing,
        persistent: bool,
    }

    /// The key's description, as `linux-keyutils-keyring-store` would name it,
    /// so keyring-rs tools see the same entry.
    fn description(profile: &str) -> String {
        format!("keyring:{profile}@{SERVICE}")
    }

    fn reason(e: KeyError) -> String {
        match e {
            KeyError::AccessDenied | KeyError::PermissionDenied => {
                "access denied (a container's seccomp profile may block the keyctl calls)"
                    .to_owned()
            }
            KeyError::QuotaExceeded => {
                "the kernel key quota is full (see /proc/sys/kernel/keys/maxbytes)".to_owned()
            }
            KeyError::OperationNotSupported => "not supported by this kernel".to_owned(),
            KeyError::KeyExpired => "the key has expired".to_owned(),
            KeyError::KeyRevoked => "the key was revoked".to_owned(),
            KeyError::KeyringDoesNotExist => "the keyring does not exist".to_owned(),
            KeyError::OutOfMemory => "out of memory".to_owned(),
            KeyError::InvalidDescription => "the key name is not valid".to_owned(),
            KeyError::Unknown(38) => "the kernel has no keyring support (ENOSYS)".to_owned(),
            KeyError::Unknown(errno) => format!("error {errno}"),
            other => format!("{other:?}"),
        }
    }

    fn map_error(op: &'static str, e: KeyError) -> StoreError {
        match e {
            KeyError::AccessDenied | KeyError::PermissionDenied => StoreError::AccessDenied {
                store: KIND,
                op,
                reason: reason(e),
            },
            _ => StoreError::Other {
                store: KIND,
                op,
                reason: reason(e),
            },
        }
    }

    /// Missing, expired and revoked keys all mean "no token".
    fn is_absent(e: KeyError) -> bool {
        matches!(
            e,
            KeyError::KeyDoesNotExist | KeyError::KeyExpired | KeyError::KeyRevoked
        )
    }

    impl Backend {
        pub(super) fn open() -> Result<Backend, String> {
            // Anchoring the persistent keyring to our own process keyring makes
            // us possess it (so we may write into it) without leaving a link
            // behind, and resets its expiry timer.
            match KeyRing::get_persistent(KeyRingIdentifier::Process) {
                Ok(ring) => Ok(Backend {
                    ring,
                    persistent: true,
                }),
                Err(pe) => match KeyRing::from_special_id(KeyRingIdentifier::User, true) {
                    Ok(ring) => Ok(Backend {
                        ring,
                        persistent: false,
                    }),
                    Err(ue) => Err(format!(
                        "persistent keyring: {}; user keyring: {}",
                        reason(pe),
                        reason(ue)
                    )),
                },
            }
        }

        pub(super) fn ring_name(&self) -> &'static str {
            if self.persistent {
                "persistent keyring"
            } else {
                "user keyring"
            }
        }

        pub(super) fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
            let key = match self.ring.search(&description(profile)) {
                Ok(key) => key,
                Err(e) if is_absent(e) => return Ok(None),
                Err(e) => return Err(map_error(OP_GET, e)),
            };
            match key.read_to_vec() {
                Ok(bytes) => secret_from_bytes(KIND, Zeroizing::new(bytes)).map(Some),
                Err(e) if is_absent(e) => Ok(None),
                Err(e) => Err(map_error(OP_GET, e)),
            }
        }

        pub(super) fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
            // add_key updates a key of the same name in this keyring in place.
            self.ring
                .add_key(&description(profile), token.expose_secret().as_bytes())
                .map(|_| ())
                .map_err(|e| map_error(OP_SET, e))
        }

        pub(super) fn delete(&self, profile: &str) -> Result<bool, StoreError> {
            let key = match self.ring.search(&description(profile)) {
                Ok(key) => key,
                Err(e) if is_absent(e) => return Ok(false),
                Err(e) => return Err(map_error(OP_DELETE, e)),
            };
            match key.invalidate() {
                Ok(()) => Ok(true),
                Err(e) if is_absent(e) => Ok(false),
                Err(e) => Err(map_error(OP_DELETE, e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in StoreKind::ALL {
            assert_eq!(StoreKind::from_name(kind.as_str()), Some(kind));
            assert_eq!(
                StoreKind::from_name(&kind.as_str().to_uppercase()),
                Some(kind)
            );
            assert!(!kind.describe().is_empty());
        }
        assert_eq!(StoreKind::from_name("gnome"), None);
        assert!(StoreKind::Keyutils.caveat().is_some());
        assert!(StoreKind::SecretService.caveat().is_none());
    }

    #[test]
    fn errors_read_well() {
        let e = StoreError::TimedOut {
            store: StoreKind::SecretService,
            op: OP_GET,
            after: SECRET_SERVICE_TIMEOUT,
        };
        let text = e.to_string();
        assert!(
            text.starts_with(
                "Secret Service (D-Bus) did not answer within 1.5 s while reading the token"
            ),
            "{text}"
        );
        assert!(text.contains("EXOSET_KEYSTORE=keyutils"), "{text}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn slow_secret_service_calls_are_given_up() {
        use std::time::Instant;
        let calls = ss::Bounded::new(Duration::from_millis(50));
        let t = Instant::now();
        let slow = calls.run(OP_GET, || {
            std::thread::sleep(Duration::from_millis(400));
            Ok(1)
        });
        assert!(matches!(slow, Err(StoreError::TimedOut { .. })), "{slow:?}");
        assert!(
            t.elapsed() < Duration::from_millis(300),
            "{:?}",
            t.elapsed()
        );
        // While the abandoned call runs, others fail at once.
        let t = Instant::now();
        let next = calls.run(OP_GET, || Ok(2));
        assert!(matches!(next, Err(StoreError::TimedOut { .. })), "{next:?}");
        assert!(t.elapsed() < Duration::from_millis(40), "{:?}", t.elapsed());
        // Once it has ended, calls go through again.
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(calls.run(OP_GET, || Ok(3)).ok(), Some(3));
        let failed = calls.run::<()>(OP_SET, || Err(StoreError::Invalid("x".to_owned())));
        assert!(matches!(failed, Err(StoreError::Invalid(_))), "{failed:?}");
    }

    #[test]
    fn bad_profile_names_are_refused() {
        assert!(matches!(check_profile(""), Err(StoreError::Invalid(_))));
        assert!(matches!(check_profile("a\0b"), Err(StoreError::Invalid(_))));
        assert!(matches!(check_profile("a\nb"), Err(StoreError::Invalid(_))));
        assert!(check_profile("staging").is_ok());
        assert!(check_profile("prod ü").is_ok());
    }
}
