//! Where the keyring entry is kept: the store (`preferred_token_storage`), the keyring file,
//! and whole entries given in the settings (`keyring` / `ANACONDA_AUTH_KEYRING`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Env;
use super::sources::Sources;
use super::values::{expand_path, same_domain};
use crate::error::Result;

/// `preferred_token_storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Storage {
    /// `anaconda-keyring`: the JSON keyring file.
    #[default]
    File,
    /// `system`: the OS keyring, falling back to the file for reading.
    System,
}

#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub kind: Storage,
    pub keyring_path: PathBuf,
    /// `keyring` / `ANACONDA_AUTH_KEYRING`: whole entries, `{"service": {"user": "secret"}}`,
    /// read before the stores and never written.
    pub keyring_entries: Option<serde_json::Map<String, serde_json::Value>>,
    /// How long the OS keyring is waited for to connect (`ANACONDA_TOKEN_KEYRING_TIMEOUT`;
    /// `None`: the store's default, 1.5 s).
    pub keyring_timeout: Option<Duration>,
}

impl StorageSettings {
    pub(super) fn resolve(sources: &Sources, env: &Env, home: &Path) -> Result<StorageSettings> {
        let keyring_path = sources
            .string("keyring_path")?
            .map(|p| expand_path(env, &p))
            .unwrap_or_else(|| home.join(".anaconda").join("keyring"));
        let kind = match sources.string("preferred_token_storage")?.as_deref() {
            None | Some("anaconda-keyring") => Storage::File,
            Some("system") => Storage::System,
            Some(other) => {
                return Err(sources.invalid(
                    "preferred_token_storage",
                    &format!("{other:?} is not one of \"anaconda-keyring\", \"system\""),
                ));
            }
        };
        let keyring_entries = match sources.string("keyring")? {
            None => None,
            Some(json) => {
                Some(parse_keyring_entries(&json).map_err(|e| sources.invalid("keyring", &e))?)
            }
        };
        Ok(StorageSettings {
            kind,
            keyring_path,
            keyring_entries,
            keyring_timeout: super::seconds(env, "ANACONDA_TOKEN_KEYRING_TIMEOUT")?,
        })
    }

    /// A secret from `ANACONDA_AUTH_KEYRING` / `keyring`, if it has one for this entry: the user
    /// name as given, else one that differs only in case (user names are domains).
    pub fn keyring_entry(&self, service: &str, user: &str) -> Option<&str> {
        let users = self.keyring_entries.as_ref()?.get(service)?.as_object()?;
        users
            .get(user)
            .or_else(|| {
                users
                    .iter()
                    .find(|(name, _)| same_domain(name, user))
                    .map(|(_, secret)| secret)
            })?
            .as_str()
    }
}

/// Checks the shape of `ANACONDA_AUTH_KEYRING`: a JSON object of services, each an object of
/// user names to secrets. The message never quotes the value (it holds secrets).
fn parse_keyring_entries(
    json: &str,
) -> std::result::Result<serde_json::Map<String, serde_json::Value>, String> {
    const SHAPE: &str = "expected a JSON object {\"service\": {\"user\": \"secret\"}}";
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| format!("not JSON (line {}, column {})", e.line(), e.column()))?;
    let serde_json::Value::Object(services) = value else {
        return Err(SHAPE.into());
    };
    let well_formed = services.values().all(|users| {
        users
            .as_object()
            .is_some_and(|users| users.values().all(serde_json::Value::is_string))
    });
    if !well_formed {
        return Err(SHAPE.into());
    }
    Ok(services)
}
