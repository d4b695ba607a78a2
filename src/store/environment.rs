//! The entry `ANACONDA_AUTH_KEYRING` (or `keyring` in the config) gives for the domain: first in
//! the chain, read and never written, as the Python tool's keyring backend for that setting is.

use super::{Backend, Guard, Source, StoreError, StoreResult};
use crate::settings::same_domain;

pub struct EnvironmentBackend {
    /// The configured domain: the entry was looked up under it (in any case).
    domain: String,
    secret: String,
}

impl EnvironmentBackend {
    pub fn new(domain: &str, secret: &str) -> Self {
        EnvironmentBackend {
            domain: domain.to_string(),
            secret: secret.to_string(),
        }
    }

    fn refuse<T>(&self) -> StoreResult<T> {
        Err(StoreError::ReadOnly {
            store: self.describe(),
        })
    }
}

impl Backend for EnvironmentBackend {
    fn get(&self, user: &str) -> StoreResult<Option<String>> {
        Ok(same_domain(user, &self.domain).then(|| self.secret.clone()))
    }

    fn set(&self, _: &str, _: &str) -> StoreResult<()> {
        self.refuse()
    }

    fn delete(&self, _: &str) -> StoreResult<bool> {
        self.refuse()
    }

    fn describe(&self) -> String {
        "the environment (ANACONDA_AUTH_KEYRING)".into()
    }

    fn name(&self) -> String {
        "ANACONDA_AUTH_KEYRING".into()
    }

    fn lock(&self) -> StoreResult<Guard> {
        Ok(Guard::none())
    }

    fn check_writable(&self) -> StoreResult<()> {
        self.refuse()
    }

    fn read_only(&self) -> bool {
        true
    }

    fn source(&self) -> Source {
        Source::Environment
    }
}
