//! The Windows Credential Manager, through `windows-native-keyring-store`.

use std::sync::Arc;

use keyring_core::CredentialStore;
use secrecy::SecretString;

use super::{Backend, StoreError, StoreKind, entry};

const KIND: StoreKind = StoreKind::WindowsCredentialManager;

pub(super) struct CredentialManager {
    store: Arc<CredentialStore>,
}

impl CredentialManager {
    pub(super) fn open() -> Result<CredentialManager, String> {
        windows_native_keyring_store::Store::new()
            .map(|s| CredentialManager {
                store: s as Arc<CredentialStore>,
            })
            .map_err(|e| entry::reason(&e))
    }
}

impl Backend for CredentialManager {
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
