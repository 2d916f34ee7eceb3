//! Entry operations through a keyring-core store: the Secret Service store
//! (for writing) on Linux, the native stores on macOS and Windows.

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
