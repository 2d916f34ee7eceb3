//! The Linux kernel keyring (keyutils), spoken to directly: see the parent
//! module's docs for why not through `linux-keyutils-keyring-store`.

use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};
use secrecy::{ExposeSecret, SecretString};

use super::{
    Backend, OP_DELETE, OP_GET, OP_SET, SERVICE, StoreError, StoreKind, Zeroizing,
    secret_from_bytes,
};

const KIND: StoreKind = StoreKind::Keyutils;

pub(super) struct KernelKeyring {
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
            "access denied (a container's seccomp profile may block the keyctl calls)".to_owned()
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

impl KernelKeyring {
    pub(super) fn open() -> Result<KernelKeyring, String> {
        // Anchoring the persistent keyring to our own process keyring makes
        // us possess it (so we may write into it) without leaving a link
        // behind, and resets its expiry timer.
        match KeyRing::get_persistent(KeyRingIdentifier::Process) {
            Ok(ring) => Ok(KernelKeyring {
                ring,
                persistent: true,
            }),
            Err(pe) => match KeyRing::from_special_id(KeyRingIdentifier::User, true) {
                Ok(ring) => Ok(KernelKeyring {
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

    fn ring_name(&self) -> &'static str {
        if self.persistent {
            "persistent keyring"
        } else {
            "user keyring"
        }
    }
}

impl Backend for KernelKeyring {
    fn kind(&self) -> StoreKind {
        KIND
    }

    fn describe(&self) -> String {
        format!("{KIND} in the {}", self.ring_name())
    }

    fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
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

    fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
        // add_key updates a key of the same name in this keyring in place.
        self.ring
            .add_key(&description(profile), token.expose_secret().as_bytes())
            .map(|_| ())
            .map_err(|e| map_error(OP_SET, e))
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
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
