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
use std::time::Duration;

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod entry;
pub mod helper;
#[cfg(target_os = "linux")]
mod kernel;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "linux")]
mod secret_service;
#[cfg(target_os = "windows")]
mod windows;

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
    #[error("no OS keyring is usable here: {tried}")]
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

/// The Secret Service's default collection, as found by
/// [`probe_secret_service`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretServiceCollection {
    /// There and unlocked, with its label.
    Unlocked(String),
    /// There but locked, with its label.
    Locked(String),
    /// The service has no default collection.
    Missing,
}

/// Asks the Secret Service (on a plain session: no secret travels) whether
/// its default collection is there and locked, the way [`TokenStore::open`]
/// asks before choosing it. Not bounded in time: the caller bounds it. The
/// error is the D-Bus library's text, for a person.
pub fn probe_secret_service() -> Result<SecretServiceCollection, String> {
    #[cfg(target_os = "linux")]
    {
        secret_service::probe()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err("not available on this operating system".to_owned())
    }
}

/// The OS keyring holding API tokens, one per profile. Cheap to share across
/// threads (`Send + Sync`).
pub struct TokenStore {
    backend: Box<dyn Backend>,
    skipped: Vec<(StoreKind, String)>,
}

/// One kind of store. Each lives in its own file; [`TokenStore`] checks the
/// arguments and hands every call to one of these.
trait Backend: Send + Sync {
    fn kind(&self) -> StoreKind;

    /// A name for people, a little more precise than the kind's.
    fn describe(&self) -> String {
        self.kind().describe().to_owned()
    }

    fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError>;

    fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError>;

    fn delete(&self, profile: &str) -> Result<bool, StoreError>;

    /// Reads a faster path of this store failed and handed to a slower one.
    fn fallbacks(&self) -> usize {
        0
    }
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
        self.backend.kind()
    }

    /// Says which store this is, a little more precisely than
    /// [`StoreKind::describe`] (e.g. which kernel keyring).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// The stores [`TokenStore::open`] passed over before this one, with the
    /// reason for each (empty when the first choice answered, or when the store
    /// was forced).
    pub fn skipped(&self) -> &[(StoreKind, String)] {
        &self.skipped
    }

    /// How many reads so far the Secret Service's direct path failed and
    /// handed to the keyring store (which then still answered); 0 for the
    /// other stores. The keyring tests require 0.
    pub fn fallbacks(&self) -> usize {
        self.backend.fallbacks()
    }

    /// The token stored for `profile`, if any.
    pub fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
        check_profile(profile)?;
        self.backend.get(profile)
    }

    /// Stores `token` for `profile`, replacing any token stored before.
    pub fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
        check_profile(profile)?;
        if token.expose_secret().is_empty() {
            return Err(StoreError::Invalid("the token is empty".to_owned()));
        }
        self.backend.set(profile, token)
    }

    /// Deletes the token of `profile`; `true` if there was one.
    pub fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        check_profile(profile)?;
        self.backend.delete(profile)
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
fn open_backend(kind: StoreKind) -> Result<Box<dyn Backend>, String> {
    match kind {
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => {
            secret_service::SecretService::open().map(|b| Box::new(b) as Box<dyn Backend>)
        }
        #[cfg(target_os = "linux")]
        StoreKind::Keyutils => {
            kernel::KernelKeyring::open().map(|b| Box::new(b) as Box<dyn Backend>)
        }
        #[cfg(target_os = "macos")]
        StoreKind::MacosKeychain => {
            macos::Keychain::open().map(|b| Box::new(b) as Box<dyn Backend>)
        }
        #[cfg(target_os = "windows")]
        StoreKind::WindowsCredentialManager => {
            windows::CredentialManager::open().map(|b| Box::new(b) as Box<dyn Backend>)
        }
        #[allow(unreachable_patterns)]
        _ => Err("not available on this operating system".to_owned()),
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
        let calls = secret_service::Bounded::new(Duration::from_millis(50));
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
