//! Where the keyring entry lives, and read-modify-write of it.
//!
//! Commands see [`TokenStore`]: load the entry for the configured domain, or change it under the
//! store's lock. The JSON keyring file is the store today; the OS keyring and read-only entries
//! from the settings plug in behind the same two calls.

pub mod file;
pub mod token_info;

use crate::error::{Error, Result};
use crate::settings::Settings;
pub use file::{Change, FileStore};
pub use token_info::{RepoToken, SERVICE, TokenInfo};

#[derive(Debug, Clone)]
pub struct TokenStore {
    file: FileStore,
    domain: String,
}

impl TokenStore {
    pub fn from_settings(settings: &Settings) -> Self {
        TokenStore {
            file: FileStore::new(&settings.keyring_path),
            domain: settings.domain.clone(),
        }
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The entry for the domain, if there is one.
    pub fn load(&self) -> Result<Option<TokenInfo>> {
        self.file
            .get(SERVICE, &self.domain)?
            .map(|secret| self.decode(&secret))
            .transpose()
    }

    /// Changes the entry (a new one is created for the domain when there is none) under the
    /// store's lock; writes only when `change` changed something.
    pub fn modify<T>(&self, change: impl FnOnce(&mut TokenInfo) -> Result<T>) -> Result<T> {
        self.file.update(SERVICE, &self.domain, |current| {
            let before = current.map(|s| self.decode(s)).transpose()?;
            let mut info = before
                .clone()
                .unwrap_or_else(|| TokenInfo::new(&self.domain));
            let result = change(&mut info)?;
            if before.as_ref() == Some(&info)
                || (before.is_none() && info == TokenInfo::new(&self.domain))
            {
                return Ok((Change::Unchanged, result));
            }
            Ok((Change::Set(info.encode()), result))
        })
    }

    /// Where entries are stored, said once under `list`.
    pub fn describe(&self) -> String {
        self.file.describe()
    }

    fn decode(&self, secret: &str) -> Result<TokenInfo> {
        TokenInfo::decode(secret).map_err(|detail| Error::InvalidFile {
            path: self.file.path().to_path_buf(),
            what: "keyring file",
            detail: format!("the entry for {} cannot be read: {detail}", self.domain),
            hint: Some(
                "It was left unchanged. Remove that entry (or log in again with the Python tool) \
                 and try again."
                    .into(),
            ),
        })
    }
}
