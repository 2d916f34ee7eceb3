//! The macOS login Keychain, through `apple-native-keyring-store`.

use std::sync::Arc;

use keyring_core::CredentialStore;
use secrecy::SecretString;

use super::{Backend, StoreError, StoreKind, entry};

const KIND: StoreKind = StoreKind::MacosKeychain;

pub(super) struct Keychain {
    store: Arc<CredentialStore>,
}

impl Keychain {
    pub(super) fn open() -> Result<Keychain, String> {
        apple_native_keyring_store::keychain::Store::new()
            .map(|s| Keychain {
                store: s as Arc<CredentialStore>,
            })
            .map_err(|e| entry::reason(&e))
    }
}

impl Backend for Keychain {
    fn kind(&self) -> StoreKind {
        KIND
    }

    fn get(&self, profile: &str) -> Result<Option<SecretString>, StoreError> {
        entry::get(KIND, &self.store, profile)
    }

    fn set(&self, profile: &str, token: &SecretString) -> Result<(), StoreError> {
        entry::set(KIND, &self.store, profile, token)
    }

    fn delete(&self, profile: &str) -> Result<bool, StoreError> {
        entry::delete(KIND, &self.store, profile)
    }
}
