//! rattler's entries in the OS keyring, for `preferred_token_storage = "system"`.
//!
//! rattler's `KeyringAuthenticationStorage` (`backends/keyring.rs`, conda/rattler at 92dc774)
//! keeps one entry per host: `Entry::new(&self.store_key, host)` (109) with the store key
//! `"rattler"` (151), holding `serde_json::to_string(authentication)` (184), e.g.
//! `{"CondaToken":"<token>"}`. `Entry::new` names it as `keyring-core`'s platform store does by
//! default, so we use the same crates the same way (`Entry::new_in_store`, no modifiers): a
//! Secret Service item with the attributes `service` and `username`, a Keychain generic
//! password, a Credential Manager target `<host>.rattler` (`keyring.rs` 52-55). Not Python's
//! naming, which `crate::store::system` uses for our own entry.
//!
//! rattler reads the keyring before `~/.rattler/credentials.json` (`storage.rs` 102-105), so an
//! entry for the same host in that file is shadowed while the keyring can be reached, and read
//! when it cannot; we leave the file as it is.
//!
//! Every call goes through `crate::store::system::SystemStore` (a worker thread, the same
//! timeouts and errors), under the lock of the rattler file: the keyring has no lock of its own.

use std::path::PathBuf;

use keyring_core::Entry;

use super::credential_file::Format;
use super::credential_file::in_effect;
use super::pixi::Rattler;
use super::{Tool, ToolCredential, ToolStore};
use crate::error::{Error, Result};
use crate::fs::Locks;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::system::{LazySystemStore, SystemStore, Timeouts, Unreachable, every_match};

/// rattler's `store_key`: the keyring service of its entries.
pub const SERVICE: &str = "rattler";

/// The keyring operations rattler's entries need (a map in tests).
pub(super) trait Keyring {
    fn get(&self, host: &str) -> Result<Option<String>>;
    fn set(&self, host: &str, secret: &str) -> Result<()>;
    fn delete(&self, host: &str) -> Result<bool>;
    /// Whether it can be reached at all.
    fn reachable(&self) -> Result<()>;
}

/// rattler's entries in the OS keyring, for one repository.
pub struct RattlerKeyring {
    /// The repository whose host's entries `remove_token` looks at: a keyring cannot be listed
    /// without reading every entry (which on macOS asks the user once per entry).
    repo_url: String,
    keyring: Box<dyn Keyring>,
    lock_path: PathBuf,
    locks: Locks,
}

impl RattlerKeyring {
    pub fn from_settings(settings: &Settings, locks: &Locks) -> Self {
        let timeouts = Timeouts::from_settings(&settings.storage);
        RattlerKeyring::new(
            &settings.site.repo_url,
            Box::new(OsKeyring(LazySystemStore::new(timeouts))),
            settings.paths.rattler_auth_file.clone(),
            locks.clone(),
        )
    }

    pub(super) fn new(
        repo_url: &str,
        keyring: Box<dyn Keyring>,
        lock_path: PathBuf,
        locks: Locks,
    ) -> Self {
        RattlerKeyring {
            repo_url: repo_url.to_string(),
            keyring,
            lock_path,
            locks,
        }
    }

    /// The entry under `key`; one rattler cannot parse is `Null`, a credential but none of
    /// ours (rattler reports it and reads on in its next store).
    fn entry(&self, key: &str) -> Result<Option<serde_json::Value>> {
        Ok(self
            .keyring
            .get(key)?
            .map(|text| serde_json::from_str(&text).unwrap_or_default()))
    }

    /// Whether the entry under `key` is a conda token equal to `token`.
    fn holds_under(&self, key: &str, token: &Secret) -> Result<bool> {
        Ok(self
            .entry(key)?
            .is_some_and(|value| Rattler::token_of(&value) == Some(token.expose())))
    }
}

impl ToolStore for RattlerKeyring {
    fn tool(&self) -> Tool {
        Tool::Pixi
    }

    fn describe(&self) -> String {
        format!("the system keyring (service {SERVICE})")
    }

    fn set(&self, repo_url: &str, token: &Secret) -> Result<()> {
        let host = Rattler::key(repo_url)?;
        let _lock = self.locks.lock(&self.lock_path)?;
        // Compact, as `serde_json::to_string` writes it; a `Value` always serializes.
        let secret = serde_json::to_string(&Rattler::entry(token)).unwrap_or_default();
        self.keyring.set(&host, &secret)
    }

    fn list(&self, repo_url: &str) -> Result<Vec<ToolCredential>> {
        in_effect::<Rattler>(repo_url, |key| self.entry(key))
    }

    fn remove_token(&self, token: &Secret) -> Result<bool> {
        let _lock = self.locks.lock(&self.lock_path)?;
        let mut removed = false;
        for key in Rattler::lookup_keys(&self.repo_url)? {
            if self.holds_under(&key, token)? {
                removed |= self.keyring.delete(&key)?;
            }
        }
        Ok(removed)
    }

    fn holds(&self, token: &Secret) -> Result<bool> {
        for key in Rattler::lookup_keys(&self.repo_url)? {
            if self.holds_under(&key, token)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn check_writable(&self) -> Result<()> {
        self.keyring.reachable()?;
        self.locks.lock(&self.lock_path).map(drop)
    }
}

/// The OS keyring, opened on first use ([`LazySystemStore`]).
struct OsKeyring(LazySystemStore);

impl OsKeyring {
    fn open(&self) -> Result<&SystemStore> {
        self.0
            .open()
            .map_err(|Unreachable { message, hint }| Error::Unreachable { message, hint })
    }
}

// Entries are named as `keyring-core`'s platform store names them by default, as rattler's are;
// several items matching one are handled as for our own entry ([`every_match`]).
impl Keyring for OsKeyring {
    fn get(&self, host: &str) -> Result<Option<String>> {
        self.open()?
            .call("read", SERVICE, host, |store, service, user| {
                every_match::get(&Entry::new_in_store(store, service, user)?)
            })
    }

    fn set(&self, host: &str, secret: &str) -> Result<()> {
        let secret = secret.to_string();
        self.open()?
            .call("store", SERVICE, host, move |store, service, user| {
                every_match::set(&Entry::new_in_store(store, service, user)?, &secret)
            })
    }

    fn delete(&self, host: &str) -> Result<bool> {
        self.open()?
            .call("delete", SERVICE, host, |store, service, user| {
                every_match::delete(&Entry::new_in_store(store, service, user)?)
            })
    }

    fn reachable(&self) -> Result<()> {
        self.open().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;

    use super::*;
    use crate::tools::testing::Dir;

    const REPO: &str = "https://repo.anaconda.cloud/repo/";

    type Entries = Rc<RefCell<BTreeMap<String, String>>>;

    /// rattler's entries of a keyring: host → secret.
    #[derive(Default)]
    struct MemoryKeyring {
        entries: Entries,
        unreachable: bool,
    }

    impl Keyring for MemoryKeyring {
        fn get(&self, host: &str) -> Result<Option<String>> {
            self.reachable()?;
            Ok(self.entries.borrow().get(host).cloned())
        }
        fn set(&self, host: &str, secret: &str) -> Result<()> {
            self.reachable()?;
            self.entries
                .borrow_mut()
                .insert(host.to_string(), secret.to_string());
            Ok(())
        }
        fn delete(&self, host: &str) -> Result<bool> {
            self.reachable()?;
            Ok(self.entries.borrow_mut().remove(host).is_some())
        }
        fn reachable(&self) -> Result<()> {
            if self.unreachable {
                return Err(Error::Unreachable {
                    message: "no D-Bus".into(),
                    hint: String::new(),
                });
            }
            Ok(())
        }
    }

    fn keyring_with(dir: &Dir, entries: &[(&str, &str)]) -> (RattlerKeyring, Entries) {
        let memory = MemoryKeyring::default();
        let shared = memory.entries.clone();
        for (host, secret) in entries {
            shared
                .borrow_mut()
                .insert(host.to_string(), secret.to_string());
        }
        let store = RattlerKeyring::new(
            REPO,
            Box::new(memory),
            dir.join(".rattler/credentials.json"),
            dir.locks.clone(),
        );
        (store, shared)
    }

    fn contents(entries: &Entries) -> Vec<(String, String)> {
        entries
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn row(host: &str, secret: &str) -> (String, String) {
        (host.into(), secret.into())
    }

    #[test]
    fn set_writes_the_json_rattler_reads_under_the_host() {
        let dir = Dir::new();
        let (store, entries) = keyring_with(&dir, &[("other.example", r#"{"BearerToken":"b"}"#)]);
        assert_eq!(store.describe(), "the system keyring (service rattler)");
        store.check_writable().unwrap();
        store.set(REPO, &Secret::new("tok-1")).unwrap();
        store.set(REPO, &Secret::new("tok-2")).unwrap();
        assert_eq!(
            contents(&entries),
            [
                row("other.example", r#"{"BearerToken":"b"}"#),
                row("repo.anaconda.cloud", r#"{"CondaToken":"tok-2"}"#)
            ]
        );
        let listed = store.list(REPO).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].host, "repo.anaconda.cloud");
        assert_eq!(listed[0].token.expose(), "tok-2");
        // The keyring is not the file: nothing is written there.
        assert!(!dir.join(".rattler").exists());
    }

    #[test]
    fn list_and_remove_look_where_rattler_looks() {
        let dir = Dir::new();
        let (store, entries) = keyring_with(
            &dir,
            &[
                ("*.anaconda.cloud", r#"{"CondaToken":"ours"}"#),
                ("b.example", r#"{"CondaToken":"ours"}"#),
                ("repo.anaconda.cloud", "not json"),
            ],
        );
        // The exact host's entry wins, and rattler cannot parse it: no conda token in effect.
        assert!(store.list(REPO).unwrap().is_empty());
        entries.borrow_mut().remove("repo.anaconda.cloud");
        let listed = store.list(REPO).unwrap();
        assert_eq!(listed[0].host, "*.anaconda.cloud");
        assert!(store.remove_token(&Secret::new("ours")).unwrap());
        // Only the repository's keys are looked at: a keyring is not listed.
        assert_eq!(
            contents(&entries),
            [row("b.example", r#"{"CondaToken":"ours"}"#)]
        );
        assert!(!store.remove_token(&Secret::new("ours")).unwrap());
        store.set(REPO, &Secret::new("ours")).unwrap();
        assert!(!store.remove_token(&Secret::new("other")).unwrap());
        assert!(store.remove_token(&Secret::new("ours")).unwrap());
    }

    #[test]
    fn an_unreachable_keyring_fails_the_check() {
        let dir = Dir::new();
        let store = RattlerKeyring::new(
            REPO,
            Box::new(MemoryKeyring {
                unreachable: true,
                ..MemoryKeyring::default()
            }),
            dir.join(".rattler/credentials.json"),
            dir.locks.clone(),
        );
        assert!(
            store
                .check_writable()
                .unwrap_err()
                .to_string()
                .contains("D-Bus")
        );
        assert!(store.set(REPO, &Secret::new("t")).is_err());
    }
}
