//! PLACEHOLDER until the OS keyring store lands.
use crate::error::{Error, Result};

pub struct SystemStore;

impl SystemStore {
    pub fn open() -> Result<SystemStore> {
        Err(Error::msg("The system keyring is not supported yet."))
    }
    pub fn get(&self, _service: &str, _user: &str) -> Result<Option<String>> {
        Ok(None)
    }
    pub fn set(&self, _service: &str, _user: &str, _secret: &str) -> Result<()> {
        Ok(())
    }
    pub fn delete(&self, _service: &str, _user: &str) -> Result<bool> {
        Ok(false)
    }
    pub fn describe(&self) -> String {
        "the system keyring".into()
    }
}
