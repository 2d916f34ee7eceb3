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
//! as the keyring store asks for); only the Diffie-Hellman exchange is put
//! together here, from `crypto-bigint`'s constant-time Montgomery
//! exponentiation (a 256-bit private exponent) instead of the `secret-service`
//! crate's schoolbook loop with a 1024-bit one, which was most of the old
//! cost. It saves 3–5 ms a read (BENCHMARKS.md, "The Secret Service session
//! (issue #24)"), so it stays, held to these rules:
//!
//! - the service's public key must be in 2..=p−2 (0, 1 and p−1 would give a
//!   shared secret an onlooker can guess), at most 128 bytes;
//! - the private exponent, the shared secret (as a number, in Montgomery form
//!   and as bytes), the AES key and its key schedule live in types wiped when
//!   dropped (`Zeroizing`, `aes`/`cbc` with `zeroize`), as do the HMAC and
//!   hash states of the key derivation (`hmac`/`sha2` with `zeroize`);
//! - the unit tests below check key derivation and decryption against known
//!   answers computed independently (Python integers, RFC 5869 HKDF, OpenSSL),
//!   and refuse bad padding, a wrong key and out-of-range public keys;
//! - a read the direct path hands to the keyring store because it *failed*
//!   (not the locked or duplicate items it leaves to it by design) is
//!   counted ([`super::TokenStore::fallbacks`]), so that the keyring tests
//!   under `EXOSET_REQUIRE_KEYRING=1` fail instead of passing on the
//!   fallback.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crypto_bigint::modular::{MontyForm, MontyParams};
use crypto_bigint::{Odd, U256, U1024};
use keyring_core::CredentialStore;
use secrecy::SecretString;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use super::{
    Backend, OP_DELETE, OP_GET, OP_SET, SECRET_SERVICE_PROMPT_TIMEOUT, SECRET_SERVICE_TIMEOUT,
    SecretServiceCollection, StoreError, StoreKind, Zeroizing, entry, secret_from_bytes,
};
use crate::helper::{spawn, wait};

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
    /// Reads the direct path failed and handed to the keyring store.
    fallbacks: Arc<AtomicUsize>,
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

/// The group's modulus, checked odd once.
fn dh_prime() -> Result<Odd<U1024>, String> {
    Option::from(Odd::new(U1024::from_be_slice(&DH_PRIME)))
        .ok_or_else(|| "the Diffie-Hellman modulus is not odd".to_owned())
}

/// `base` to the power `exponent` modulo the group's prime, in constant time.
/// The result is wiped when dropped; so are the Montgomery forms on the way.
fn dh_pow(base: &U1024, exponent: &U256) -> Result<Zeroizing<U1024>, String> {
    let params = MontyParams::new(dh_prime()?);
    let base = Zeroizing::new(MontyForm::new(base, params));
    let power = Zeroizing::new(base.pow(exponent));
    Ok(Zeroizing::new(power.retrieve()))
}

/// Reads the service's public key: big-endian, at most 128 bytes once
/// leading zeros are dropped, and in 2..=p−2. 0 and 1 are degenerate, and
/// p−1 has order 2, so the shared secret would be 1 or p−1: one of two keys
/// anyone can compute. Values ≥ p are not reduced but refused.
fn peer_public(bytes: &[u8]) -> Result<U1024, String> {
    let significant = &bytes[bytes.iter().take_while(|b| **b == 0).count()..];
    if significant.len() > DH_PRIME.len() {
        return Err("the service sent a public key longer than 1024 bits".to_owned());
    }
    let mut padded = [0u8; 128];
    padded[128 - significant.len()..].copy_from_slice(significant);
    let y = U1024::from_be_slice(&padded);
    let p = U1024::from_be_slice(&DH_PRIME);
    let two = U1024::from_u8(2);
    if y < two || y > p.wrapping_sub(&two) {
        return Err("the service sent a public key outside 2..p-2".to_owned());
    }
    Ok(y)
}

/// A private Diffie-Hellman key and its public half.
struct Keypair {
    private: Zeroizing<U256>,
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
        Keypair::from_private(&bytes)
    }

    fn from_private(bytes: &[u8; 32]) -> Result<Keypair, String> {
        let private = Zeroizing::new(U256::from_be_slice(bytes));
        if *private < U256::from_u8(2) {
            return Err("the random source gave a private key below 2".to_owned());
        }
        let public = dh_pow(&U1024::from_u8(2), &private)?.to_be_bytes();
        // Big-endian without leading zeros, as the services send theirs.
        let at = public.iter().take_while(|b| **b == 0).count();
        Ok(Keypair {
            private,
            public: public[at..].to_vec(),
        })
    }

    /// The AES key both sides derive: HKDF-SHA256 (no salt, no info) of the
    /// shared secret as 128 big-endian bytes.
    fn derive(&self, server_public: &[u8]) -> Result<Zeroizing<[u8; 16]>, String> {
        let theirs = peer_public(server_public)?;
        let shared = dh_pow(&theirs, &self.private)?;
        let padded = Zeroizing::new(shared.to_be_bytes());
        let mut key = Zeroizing::new([0u8; 16]);
        hkdf::Hkdf::<sha2::Sha256>::new(None, padded.as_ref())
            .expand(&[], key.as_mut())
            .map_err(|_| "key derivation failed".to_owned())?;
        Ok(key)
    }
}

/// Decrypts a secret: AES-128-CBC, PKCS#7 padding. The key schedule is
/// wiped when the decryptor is dropped (`aes`'s `zeroize`).
fn decrypt(key: &[u8; 16], iv: &[u8], value: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    use aes::cipher::block_padding::Pkcs7;
    use aes::cipher::{BlockModeDecrypt, KeyIvInit};
    let iv: [u8; 16] = iv
        .try_into()
        .map_err(|_| "the secret's parameters are not a 16-byte IV".to_owned())?;
    cbc::Decryptor::<aes::Aes128>::new(&(*key).into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(value)
        .map(Zeroizing::new)
        .map_err(|_| "the secret could not be decrypted".to_owned())
}

impl Session {
    /// Connects, opens an encrypted session and looks at the default
    /// collection. The key pair is made while the connection is set up.
    fn open() -> Result<Opened, String> {
        let t = Instant::now();
        let keypair = spawn("exoset-keyring", Keypair::generate)?;
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

    /// The token of `profile` when the direct path can read it (`None` when
    /// no item matches); locked items and duplicates are left to the keyring
    /// store by design; `Err` when the direct path failed.
    fn read(&self, profile: &str) -> Result<Direct, String> {
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
            ([], true) => return Ok(Direct::Read(None)),
            ([item], true) => item,
            _ => return Ok(Direct::LeftToStore),
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
        let plain = decrypt(&self.key, &iv, &value)?;
        trace("decrypt", t);
        secret_from_bytes(KIND, plain)
            .map(|token| Direct::Read(Some(token)))
            .map_err(|e| e.to_string())
    }
}

/// What the direct read found.
enum Direct {
    Read(Option<SecretString>),
    /// Locked or several items: the keyring store's way (unlock prompt,
    /// its message about duplicates).
    LeftToStore,
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
        let rx = spawn("exoset-keyring", move || {
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

/// Whether the default collection is there and locked, with its label, as
/// `doctor` reports it: one plain D-Bus connection, no session and no secret.
pub(super) fn probe() -> Result<SecretServiceCollection, String> {
    let connection = zbus::block_on(zbus::Connection::session()).map_err(|e| e.to_string())?;
    let call = |path: &str, iface: &str, method: &str, body: &(&str, &str)| {
        zbus::block_on(connection.call_method(Some(BUS_NAME), path, Some(iface), method, body))
            .and_then(|m| m.body().deserialize::<OwnedValue>())
            .map_err(|e| dbus_reason(&e))
    };
    let alias: OwnedObjectPath = zbus::block_on(connection.call_method(
        Some(BUS_NAME),
        SERVICE_PATH,
        Some(SERVICE_IFACE),
        "ReadAlias",
        &("default",),
    ))
    .and_then(|m| m.body().deserialize())
    .map_err(|e| dbus_reason(&e))?;
    if alias.as_str() == "/" {
        return Ok(SecretServiceCollection::Missing);
    }
    let label = call(
        alias.as_str(),
        PROPERTIES_IFACE,
        "Get",
        &(COLLECTION_IFACE, "Label"),
    )
    .ok()
    .and_then(|v| String::try_from(v).ok())
    .unwrap_or_default();
    let locked = call(
        alias.as_str(),
        PROPERTIES_IFACE,
        "Get",
        &(COLLECTION_IFACE, "Locked"),
    )
    .and_then(|v| bool::try_from(v).map_err(|e| e.to_string()))?;
    Ok(if locked {
        SecretServiceCollection::Locked(label)
    } else {
        SecretServiceCollection::Unlocked(label)
    })
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
        let opened = match wait(&spawn("exoset-keyring", Session::open)?, deadline) {
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
            fallbacks: Arc::new(AtomicUsize::new(0)),
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
        let fallbacks = Arc::clone(&self.fallbacks);
        self.calls
            .run(OP_GET, move || match session.read(&profile) {
                Ok(Direct::Read(found)) => Ok(found),
                // Unlock prompts and duplicates: the keyring store's way, with
                // its messages.
                Ok(Direct::LeftToStore) => {
                    entry::get(KIND, &keyring_store(&store, OP_GET)?, &profile)
                }
                // The direct path failed: the keyring store still reads the
                // token, but the failure is counted (and traced), never silent.
                Err(_) => {
                    fallbacks.fetch_add(1, Ordering::Relaxed);
                    trace("direct-read-failed-handed-over", Instant::now());
                    entry::get(KIND, &keyring_store(&store, OP_GET)?, &profile)
                }
            })
    }

    fn fallbacks(&self) -> usize {
        self.fallbacks.load(Ordering::Relaxed)
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

#[cfg(test)]
mod tests {
    //! Known answers computed outside this code: Python's integers for the
    //! exponentiations, RFC 5869 HKDF-SHA256 from `hmac`/`hashlib`, and
    //! `openssl enc -aes-128-cbc` for the ciphertexts (see BENCHMARKS.md,
    //! "The Secret Service session (issue #24)", for the script).
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Our private exponent 01 02 … 20.
    fn ours() -> Keypair {
        let private: [u8; 32] = std::array::from_fn(|i| u8::try_from(i + 1).unwrap());
        Keypair::from_private(&private).unwrap()
    }

    /// 2^(01 02 … 20) mod p.
    const OUR_PUBLIC: &str = "457120764f3a1e6fd58103e41a4093a6c8bc1d97cb8759de41c21afdd2d3048a\
        5ef3d88ce24aa6ba4fe30bcfb0b0f75abf1a8aeaff3723f1bf53740c902005e1199fabad7c538e94a7034fd5\
        85339a02f3634893f748929d2a7257643e398130541ae64124c17d4507a97f1cbebeb7b933642b8df479eb59\
        e36cfeffbf1671dd";
    /// The service's public key, 2^(a0 a1 … bf) mod p.
    const THEIR_PUBLIC: &str = "1856d7d75da15c1401b60b018933a8dad2cce6110ac91ead86e91981e823343d\
        b3b41dbcaaab910cf8c181c3ead43f70fa0b02e04749d3ca202114858c9763e12db454cf03ad0b0d57d34b22\
        dab200fea35f920132a4c38d1ead0f6de629c38425e2487ec1767043bc7991d799cac0fc9787db04bf2cb004\
        3f9e2fe4a803915f";
    /// HKDF-SHA256(no salt, no info, 16 bytes) of their^ours mod p as 128 bytes.
    const KEY: &str = "5d53ada2f914d19b401a6dffe3b2b114";
    const IV: &str = "101112131415161718191a1b1c1d1e1f";
    /// "kat-tøken-12345" (16 bytes: a whole block of padding follows).
    const CIPHERTEXT: &str = "18b98f5833df9b75bdd90c137cbfb2f9592b52aabbd45e51d5bde2fcd65afc1d";

    #[test]
    fn the_modulus_is_the_second_oakley_group() {
        // RFC 2409, 6.2, as printed there.
        let rfc = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74\
            020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245\
            E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE6\
            49286651ECE65381FFFFFFFFFFFFFFFF";
        assert_eq!(hex(&rfc.to_lowercase()), DH_PRIME.to_vec());
    }

    #[test]
    fn key_derivation_gives_the_known_answer() {
        let pair = ours();
        assert_eq!(pair.public, hex(OUR_PUBLIC));
        let key = pair.derive(&hex(THEIR_PUBLIC)).unwrap();
        assert_eq!(key.to_vec(), hex(KEY));
        // Leading zeros in the service's key change nothing.
        let mut padded = vec![0u8; 3];
        padded.extend(hex(THEIR_PUBLIC));
        assert_eq!(pair.derive(&padded).unwrap().to_vec(), hex(KEY));
    }

    #[test]
    fn decryption_gives_the_known_answer() {
        let key: [u8; 16] = hex(KEY).try_into().unwrap();
        let plain = decrypt(&key, &hex(IV), &hex(CIPHERTEXT)).unwrap();
        assert_eq!(std::str::from_utf8(&plain).unwrap(), "kat-tøken-12345");
    }

    #[test]
    fn bad_padding_a_wrong_key_and_a_bad_iv_are_refused() {
        let key: [u8; 16] = hex(KEY).try_into().unwrap();
        // One block encrypted without padding whose last byte is 0x00, and
        // one ending 02 03 (a count the bytes before do not repeat).
        for bad in [
            "1b01ef8f4b6df92d024fc7885a3b06b8",
            "ad957f290f711b2eec9ec1a37fc37bcd",
        ] {
            assert!(decrypt(&key, &hex(IV), &hex(bad)).is_err(), "{bad}");
        }
        let mut wrong = key;
        wrong[0] ^= 1;
        assert!(decrypt(&wrong, &hex(IV), &hex(CIPHERTEXT)).is_err());
        // Not a whole number of blocks, empty, or a short IV.
        let ct = hex(CIPHERTEXT);
        assert!(decrypt(&key, &hex(IV), &ct[..31]).is_err());
        assert!(decrypt(&key, &hex(IV), &[]).is_err());
        assert!(decrypt(&key, &hex(IV)[..15], &ct).is_err());
    }

    #[test]
    fn public_keys_outside_2_to_p_minus_2_are_refused() {
        let pair = ours();
        let p = DH_PRIME.to_vec();
        let minus = |n: u8| {
            let mut v = p.clone();
            let last = v.len() - 1;
            v[last] -= n;
            v
        };
        let refused: Vec<(&str, Vec<u8>)> = vec![
            ("empty (0)", vec![]),
            ("0", vec![0]),
            ("1", vec![1]),
            ("1 with leading zeros", vec![0, 0, 1]),
            ("p-1", minus(1)),
            ("p", p.clone()),
            ("all ones (> p)", vec![0xFF; 128]),
            ("129 bytes", {
                let mut v = vec![1];
                v.extend(vec![0; 128]);
                v
            }),
        ];
        for (name, key) in refused {
            let err = pair.derive(&key).map(|_| ()).unwrap_err();
            assert!(err.contains("public key"), "{name}: {err}");
        }
        // The ends of the range are taken.
        assert!(pair.derive(&[2]).is_ok());
        assert!(pair.derive(&minus(2)).is_ok());
    }

    #[test]
    fn a_private_key_below_2_is_refused() {
        assert!(Keypair::from_private(&[0; 32]).is_err());
        let mut one = [0; 32];
        one[31] = 1;
        assert!(Keypair::from_private(&one).is_err());
        assert!(Keypair::generate().is_ok());
    }
}
