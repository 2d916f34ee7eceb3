//! The freedesktop Secret Service over D-Bus, with every call bounded in
//! time.
//!
//! Reading, the one thing every start of the program does, is spoken to the
//! service directly over one D-Bus connection (see [`Session`]): opening the
//! store costs the connection, one `ReadAlias`, one `OpenSession` and one
//! property read, the last two sent together; a read costs one `SearchItems`
//! and one `GetSecret`. Anything unusual on the way (a locked item that needs
//! the unlock prompt, several matching items, an error) is handed to
//! `zbus-secret-service-keyring-store`, which also does every write, so those
//! cases behave and read exactly as they always did.
//!
//! The secret still travels encrypted (`dh-ietf1024-sha256-aes128-cbc-pkcs7`,
//! as the keyring store asks for); only the Diffie-Hellman arithmetic is ours,
//! using `num-bigint`'s Montgomery `modpow` instead of the `secret-service`
//! crate's schoolbook loop, which was most of the old cost.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use keyring_core::CredentialStore;
use num_bigint::BigUint;
use secrecy::SecretString;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use super::{
    Backend, OP_DELETE, OP_GET, OP_SET, SECRET_SERVICE_PROMPT_TIMEOUT, SECRET_SERVICE_TIMEOUT,
    StoreError, StoreKind, Zeroizing, entry, secret_from_bytes,
};

const KIND: StoreKind = StoreKind::SecretService;

const BUS_NAME: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_IFACE: &str = "org.freedesktop.Secret.Collection";
const ITEM_IFACE: &str = "org.freedesktop.Secret.Item";
const PROPERTIES_IFACE: &str = "org.freedesktop.DBus.Properties";
const ALGORITHM_DH: &str = "dh-ietf1024-sha256-aes128-cbc-pkcs7";

/// The 1024-bit MODP group of RFC 2409 (second Oakley group), generator 2:
/// the group the Secret Service specification names for this algorithm.
const DH_PRIME: [u8; 128] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68, 0xC2, 0x34,
    0xC4, 0xC6, 0x62, 0x8B, 0x80, 0xDC, 0x1C, 0xD1, 0x29, 0x02, 0x4E, 0x08, 0x8A, 0x67, 0xCC, 0x74,
    0x02, 0x0B, 0xBE, 0xA6, 0x3B, 0x13, 0x9B, 0x22, 0x51, 0x4A, 0x08, 0x79, 0x8E, 0x34, 0x04, 0xDD,
    0xEF, 0x95, 0x19, 0xB3, 0xCD, 0x3A, 0x43, 0x1B, 0x30, 0x2B, 0x0A, 0x6D, 0xF2, 0x5F, 0x14, 0x37,
    0x4F, 0xE1, 0x35, 0x6D, 0x6D, 0x51, 0xC2, 0x45, 0xE4, 0x85, 0xB5, 0x76, 0x62, 0x5E, 0x7E, 0xC6,
    0xF4, 0x4C, 0x42, 0xE9, 0xA6, 0x37, 0xED, 0x6B, 0x0B, 0xFF, 0x5C, 0xB6, 0xF4, 0x06, 0xB7, 0xED,
    0xEE, 0x38, 0x6B, 0xFB, 0x5A, 0x89, 0x9F, 0xA5, 0xAE, 0x9F, 0x24, 0x11, 0x7C, 0x4B, 0x1F, 0xE6,
    0x49, 0x28, 0x66, 0x51, 0xEC, 0xE6, 0x53, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
];

/// Prints how long each step took to stderr when `EXOSET_KEYSTORE_TRACE=1`
/// (for `bench/keyring.sh`); the names of steps only, never data.
fn trace(step: &str, since: Instant) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("EXOSET_KEYSTORE_TRACE").is_some_and(|v| v == "1")) {
        eprintln!(
            "exoset-keystore-trace {step} {:.3} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
    }
}

pub(super) struct SecretService {
    session: Arc<Session>,
    /// The keyring-core store, made on first need: writes, and the reads the
    /// direct path leaves to it.
    store: Arc<OnceLock<Result<Arc<CredentialStore>, String>>>,
    calls: Bounded,
}

/// One D-Bus connection to the service with an encrypted session open on it.
pub(super) struct Session {
    connection: zbus::Connection,
    path: OwnedObjectPath,
    key: Zeroizing<[u8; 16]>,
}

/// What opening found.
struct Opened {
    session: Session,
    default: DefaultCollection,
}

fn dbus_reason(e: &zbus::Error) -> String {
    match e {
        zbus::Error::MethodError(name, text, _) => match text {
            Some(text) => format!("{name}: {text}"),
            None => name.to_string(),
        },
        other => other.to_string(),
    }
}

/// A private Diffie-Hellman key and its public half.
struct Keypair {
    private: BigUint,
    public: Vec<u8>,
}

impl Keypair {
    fn generate() -> Result<Keypair, String> {
        // 256 random bits: twice the strength a 1024-bit group offers (about
        // 80 bits), as NIST SP 800-56A asks of an exponent, and a quarter of
        // the work of a 1024-bit one.
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut())
            .map_err(|e| format!("the system random source failed: {e}"))?;
        let private = BigUint::from_bytes_be(bytes.as_ref());
        let prime = BigUint::from_bytes_be(&DH_PRIME);
        let public = BigUint::from(2u32).modpow(&private, &prime).to_bytes_be();
        Ok(Keypair { private, public })
    }

    /// The AES key both sides derive: HKDF-SHA256 (no salt, no info) of the
    /// shared secret, left-padded to 128 bytes.
    fn derive(&self, server_public: &[u8]) -> Result<Zeroizing<[u8; 16]>, String> {
        let prime = BigUint::from_bytes_be(&DH_PRIME);
        let theirs = BigUint::from_bytes_be(server_public);
        if theirs <= BigUint::from(1u32) || theirs >= prime {
            return Err("the service sent an invalid public key".to_owned());
        }
        let shared = Zeroizing::new(theirs.modpow(&self.private, &prime).to_bytes_be());
        let mut padded = Zeroizing::new([0u8; 128]);
        let at = 128usize.saturating_sub(shared.len());
        padded[at..].copy_from_slice(&shared[..shared.len().min(128)]);
        let mut key = Zeroizing::new([0u8; 16]);
        hkdf::Hkdf::<sha2::Sha256>::new(None, padded.as_ref())
            .expand(&[], key.as_mut())
            .map_err(|_| "key derivation failed".to_owned())?;
        Ok(key)
    }
}

impl Session {
    /// Connects, opens an encrypted session and looks at the default
    /// collection. The key pair is made while the connection is set up.
    fn open() -> Result<Opened, String> {
        let t = Instant::now();
        let keypair = spawn(Keypair::generate)?;
        let connection =
            zbus::block_on(zbus::Connection::session()).map_err(|e| why_unreachable(&e))?;
        trace("connect", t);
        let keypair = keypair
            .recv()
            .map_err(|_| "its helper thread failed".to_owned())??;
        trace("keypair", t);
        let input = Value::from(keypair.public.clone());
        let (alias, opened) = zbus::block_on(futures_util::future::join(
            connection.call_method(
                Some(BUS_NAME),
                SERVICE_PATH,
                Some(SERVICE_IFACE),
                "ReadAlias",
                &("default",),
            ),
            connection.call_method(
                Some(BUS_NAME),
                SERVICE_PATH,
                Some(SERVICE_IFACE),
                "OpenSession",
                &(ALGORITHM_DH, &input),
            ),
        ));
        trace("read-alias+open-session", t);
        let alias: OwnedObjectPath = alias
            .and_then(|m| m.body().deserialize::<OwnedObjectPath>())
            .map_err(|e| why_unreachable(&e))?;
        let (output, path): (OwnedValue, OwnedObjectPath) = opened
            .and_then(|m| m.body().deserialize())
            .map_err(|e| format!("could not open a session: {}", dbus_reason(&e)))?;
        let server_public: Vec<u8> = output
            .try_into()
            .map_err(|_| "the service sent no public key".to_owned())?;
        let key = keypair.derive(&server_public)?;
        trace("derive-key", t);
        let default = if alias.as_str() == "/" {
            DefaultCollection::Missing
        } else {
            let locked = zbus::block_on(connection.call_method(
                Some(BUS_NAME),
                alias.as_str(),
                Some(PROPERTIES_IFACE),
                "Get",
                &(COLLECTION_IFACE, "Locked"),
            ))
            .and_then(|m| m.body().deserialize::<OwnedValue>());
            match locked.map(bool::try_from) {
                Ok(Ok(true)) => DefaultCollection::Locked,
                Ok(Ok(false)) => DefaultCollection::Unlocked,
                Ok(Err(_)) => return Err("the default collection's Locked is not a boolean".into()),
                Err(e) => return Err(why_unreachable(&e)),
            }
        };
        trace("locked", t);
        Ok(Opened {
            session: Session {
                connection,
                path,
                key,
            },
            default,
        })
    }

    /// The token of `profile` when the direct path can read it: `Ok(None)`
    /// when no item matches, `Err` when the keyring store should take over.
    fn read(&self, profile: &str) -> Result<Option<SecretString>, String> {
        let t = Instant::now();
        let attributes = HashMap::from([("service", super::SERVICE), ("username", profile)]);
        let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            zbus::block_on(self.connection.call_method(
                Some(BUS_NAME),
                SERVICE_PATH,
                Some(SERVICE_IFACE),
                "SearchItems",
                &(attributes,),
            ))
            .and_then(|m| m.body().deserialize())
            .map_err(|e| dbus_reason(&e))?;
        trace("search-items", t);
        let item = match (unlocked.as_slice(), locked.is_empty()) {
            ([], true) => return Ok(None),
            ([item], true) => item,
            _ => return Err("locked or several items".to_owned()),
        };
        let (_session, iv, value, _content_type): (OwnedObjectPath, Vec<u8>, Vec<u8>, String) =
            zbus::block_on(self.connection.call_method(
                Some(BUS_NAME),
                item.as_str(),
                Some(ITEM_IFACE),
                "GetSecret",
                &(&self.path,),
            ))
            .and_then(|m| m.body().deserialize())
            .map_err(|e| dbus_reason(&e))?;
        trace("get-secret", t);
        let plain = self.decrypt(&iv, &value)?;
        trace("decrypt", t);
        secret_from_bytes(KIND, plain)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn decrypt(&self, iv: &[u8], value: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        use aes::cipher::block_padding::Pkcs7;
        use aes::cipher::{BlockModeDecrypt, KeyIvInit};
        let iv: [u8; 16] = iv
            .try_into()
            .map_err(|_| "the secret's parameters are not a 16-byte IV".to_owned())?;
        cbc::Decryptor::<aes::Aes128>::new(&(*self.key).into(), &iv.into())
            .decrypt_padded_vec::<Pkcs7>(value)
            .map(Zeroizing::new)
            .map_err(|_| "the secret could not be decrypted".to_owned())
    }
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
fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<Receiver<T>, String> {
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

fn why_unreachable(e: &impl std::fmt::Display) -> String {
    let text = e.to_string();
    if text.contains("ServiceUnknown") || text.contains("NameHasNoOwner") {
        "nothing on the D-Bus session bus provides it (no gnome-keyring, KeePassXC, ...)".to_owned()
    } else if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned()
    } else {
        format!("could not reach it on the D-Bus session bus: {text}")
    }
}

impl SecretService {
    pub(super) fn open() -> Result<SecretService, String> {
        let deadline = Instant::now() + SECRET_SERVICE_TIMEOUT;
        let too_slow = || {
            format!(
                "did not answer within {:.1} s",
                SECRET_SERVICE_TIMEOUT.as_secs_f32()
            )
        };
        let opened = match wait(&spawn(Session::open)?, deadline) {
            Ok(Ok(opened)) => opened,
            Ok(Err(reason)) => return Err(reason),
            Err(RecvTimeoutError::Timeout) => return Err(too_slow()),
            Err(RecvTimeoutError::Disconnected) => {
                return Err("its helper thread failed".to_owned());
            }
        };
        let timeout = match opened.default {
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
        Ok(SecretService {
            session: Arc::new(opened.session),
            store: Arc::new(OnceLock::new()),
            calls: Bounded::new(timeout),
        })
    }
}

/// The keyring-core store, made on first use (its own connection and
/// session).
fn keyring_store(
    cell: &OnceLock<Result<Arc<CredentialStore>, String>>,
    op: &'static str,
) -> Result<Arc<CredentialStore>, StoreError> {
    cell.get_or_init(|| {
        zbus_secret_service_keyring_store::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| entry::reason(&e))
    })
    .clone()
    .map_err(|reason| StoreError::Other {
        store: KIND,
        op,
        reason,
    })
}

impl Backend for SecretService {
    fn kind(&self) -> StoreKind {
        KIND
    }

    fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
        let profile = profile.to_owned();
        let session = Arc::clone(&self.session);
        let store = Arc::clone(&self.store);
        self.calls
            .run(OP_GET, move || match session.read(&profile) {
                Ok(found) => Ok(found),
                // Unlock prompts, duplicates and errors: the keyring store's
                // way, with its messages.
                Err(_) => {
                    trace("direct-read-handed-over", Instant::now());
                    entry::get(KIND, &keyring_store(&store, OP_GET)?, &profile)
                }
            })
    }

    fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
        let profile = profile.to_owned();
        let token = token.clone();
        let store = Arc::clone(&self.store);
        self.calls.run(OP_SET, move || {
            entry::set(KIND, &keyring_store(&store, OP_SET)?, &profile, &token)
        })
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        let profile = profile.to_owned();
        let store = Arc::clone(&self.store);
        self.calls.run(OP_DELETE, move || {
            entry::delete(KIND, &keyring_store(&store, OP_DELETE)?, &profile)
        })
    }
}
