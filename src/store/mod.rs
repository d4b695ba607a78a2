//! Where the keyring entry lives, and read-modify-write of it (`files.md`).
//!
//! Commands see [`TokenStore`]: the effective entry for the configured domain, every entry with
//! where it is stored (for `list`), and a locked change of the entry. Behind it:
//! - the preferred store, where writes go: the JSON keyring file (default) or the OS keyring
//!   (`preferred_token_storage = "system"`), both [`Backend`]s;
//! - with the OS keyring, the file as a read-only fallback, as the Python tool reads both;
//! - entries from `ANACONDA_AUTH_KEYRING`, read first and never written.
//!
//! Entries under the legacy user names `id.anaconda.cloud` / `anaconda.cloud` are moved to
//! `anaconda.com` the first time that domain is read, in whichever store holds them.

pub mod file;
pub mod system;
pub mod token_info;

use std::cell::OnceCell;

use crate::error::{Error, Result};
use crate::settings::{Settings, Storage};
pub use file::{Change, FileStore};
pub use token_info::{RepoToken, SERVICE, TokenInfo};

/// One store of keyring entries (service `Anaconda Cloud`, one entry per user name = domain).
pub trait Backend {
    fn get(&self, user: &str) -> Result<Option<String>>;
    /// Read-modify-write of one entry, under the store's lock where it has one.
    fn update(
        &self,
        user: &str,
        change: &mut dyn FnMut(Option<&str>) -> Result<Change>,
    ) -> Result<()>;
    /// Moves an entry to another user name after `rewrite`; whether there was one.
    fn rename(
        &self,
        from: &str,
        to: &str,
        rewrite: &dyn Fn(&str) -> Result<String>,
    ) -> Result<bool>;
    /// Where the entries are, for `list` and messages.
    fn describe(&self) -> String;
}

impl Backend for FileStore {
    fn get(&self, user: &str) -> Result<Option<String>> {
        FileStore::get(self, SERVICE, user)
    }

    fn update(
        &self,
        user: &str,
        change: &mut dyn FnMut(Option<&str>) -> Result<Change>,
    ) -> Result<()> {
        FileStore::update(self, SERVICE, user, |current| Ok((change(current)?, ())))
    }

    fn rename(
        &self,
        from: &str,
        to: &str,
        rewrite: &dyn Fn(&str) -> Result<String>,
    ) -> Result<bool> {
        FileStore::rename(self, SERVICE, from, to, rewrite)
    }

    fn describe(&self) -> String {
        FileStore::describe(self)
    }
}

/// The OS keyring, opened on first use: a command that never touches the entry never waits on
/// D-Bus. A failed open is remembered, so an unreachable keyring costs one timeout per run.
#[derive(Default)]
struct LazySystemStore {
    store: OnceCell<std::result::Result<system::SystemStore, (String, Option<String>)>>,
}

impl LazySystemStore {
    fn open(&self) -> Result<&system::SystemStore> {
        let opened = self
            .store
            .get_or_init(|| system::SystemStore::open().map_err(|e| (e.to_string(), e.hint())));
        match opened {
            Ok(store) => Ok(store),
            Err((message, hint)) => Err(Error::Message {
                message: message.clone(),
                hint: hint.clone(),
            }),
        }
    }
}

impl Backend for LazySystemStore {
    fn get(&self, user: &str) -> Result<Option<String>> {
        self.open()?.get(SERVICE, user)
    }

    /// The OS keyring has no lock to hold: read, change, write.
    fn update(
        &self,
        user: &str,
        change: &mut dyn FnMut(Option<&str>) -> Result<Change>,
    ) -> Result<()> {
        let store = self.open()?;
        let current = store.get(SERVICE, user)?;
        match change(current.as_deref())? {
            Change::Unchanged => Ok(()),
            Change::Set(secret) => store.set(SERVICE, user, &secret),
            Change::Delete => store.delete(SERVICE, user).map(|_| ()),
        }
    }

    fn rename(
        &self,
        from: &str,
        to: &str,
        rewrite: &dyn Fn(&str) -> Result<String>,
    ) -> Result<bool> {
        let store = self.open()?;
        let Some(old) = store.get(SERVICE, from)? else {
            return Ok(false);
        };
        store.set(SERVICE, to, &rewrite(&old)?)?;
        store.delete(SERVICE, from)?;
        Ok(true)
    }

    fn describe(&self) -> String {
        match self.open() {
            Ok(store) => store.describe(),
            Err(_) => "the system keyring".into(),
        }
    }
}

/// The user names older versions stored `anaconda.com`'s entry under.
const LEGACY_DOMAINS: [&str; 2] = ["id.anaconda.cloud", "anaconda.cloud"];
const MIGRATED_DOMAIN: &str = "anaconda.com";

/// An entry and where it was found.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub info: TokenInfo,
    /// `keyring` for the stores, `environment` for `ANACONDA_AUTH_KEYRING`.
    pub source: &'static str,
    /// The store's description ("/home/u/.anaconda/keyring (plain text file, mode 0600)").
    pub storage: String,
}

pub struct TokenStore {
    domain: String,
    preferred: Box<dyn Backend>,
    fallback: Option<Box<dyn Backend>>,
    /// The secret `ANACONDA_AUTH_KEYRING` gives for this domain.
    from_environment: Option<String>,
}

impl TokenStore {
    pub fn from_settings(settings: &Settings) -> Self {
        let file = Box::new(FileStore::new(&settings.keyring_path));
        let (preferred, fallback): (Box<dyn Backend>, Option<Box<dyn Backend>>) =
            match settings.storage {
                Storage::File => (file, None),
                Storage::System => (Box::new(LazySystemStore::default()), Some(file)),
            };
        TokenStore {
            domain: settings.domain.clone(),
            preferred,
            fallback,
            from_environment: settings
                .keyring_entry(SERVICE, &settings.domain)
                .map(str::to_string),
        }
    }

    /// The entry in effect: `ANACONDA_AUTH_KEYRING`'s, else the preferred store's, else the
    /// fallback's.
    pub fn load(&self) -> Result<Option<TokenInfo>> {
        if let Some(secret) = &self.from_environment {
            return decode_from_environment(secret, &self.domain).map(Some);
        }
        for store in self.stores() {
            if let Some(info) = self.read(store)? {
                return Ok(Some(info));
            }
        }
        Ok(None)
    }

    /// Every entry for the domain, each with where it is, in reading order.
    pub fn entries(&self) -> Result<Vec<StoredEntry>> {
        let mut entries = Vec::new();
        if let Some(secret) = &self.from_environment {
            entries.push(StoredEntry {
                info: decode_from_environment(secret, &self.domain)?,
                source: "environment",
                storage: "the environment (ANACONDA_AUTH_KEYRING)".into(),
            });
        }
        for store in self.stores() {
            if let Some(info) = self.read(store)? {
                entries.push(StoredEntry {
                    info,
                    source: "keyring",
                    storage: store.describe(),
                });
            }
        }
        Ok(entries)
    }

    /// Changes the entry in the preferred store, under its lock. The entry changed is the
    /// preferred store's, else a copy of the fallback's (so that, as with the Python tool, the
    /// first write with `system` carries the file's entry over), else a new one. Writes only
    /// when `change` changed something.
    pub fn modify<T>(&self, change: impl FnOnce(&mut TokenInfo) -> Result<T>) -> Result<T> {
        self.migrate(self.preferred.as_ref())?;
        let base_from_fallback = match &self.fallback {
            Some(fallback) => self.read(fallback.as_ref())?,
            None => None,
        };
        let mut change = Some(change);
        let mut result = None;
        let describe = self.preferred.describe();
        self.preferred.update(&self.domain, &mut |current| {
            let before = current
                .map(|s| decode(s, &self.domain, &describe))
                .transpose()?;
            let mut info = before
                .clone()
                .or_else(|| base_from_fallback.clone())
                .unwrap_or_else(|| TokenInfo::new(&self.domain));
            let untouched = info.clone();
            let change = change.take().expect("update calls its closure once");
            result = Some(change(&mut info)?);
            if info == untouched {
                return Ok(Change::Unchanged);
            }
            Ok(Change::Set(info.encode()))
        })?;
        Ok(result.expect("set by the closure"))
    }

    /// Where writes go, said under `list`.
    pub fn describe(&self) -> String {
        self.preferred.describe()
    }

    fn stores(&self) -> impl Iterator<Item = &dyn Backend> {
        std::iter::once(self.preferred.as_ref()).chain(self.fallback.as_deref())
    }

    fn read(&self, store: &dyn Backend) -> Result<Option<TokenInfo>> {
        self.migrate(store)?;
        store
            .get(&self.domain)?
            .map(|secret| decode(&secret, &self.domain, &store.describe()))
            .transpose()
    }

    /// Moves a legacy entry to `anaconda.com` when that has none (`files.md`).
    fn migrate(&self, store: &dyn Backend) -> Result<()> {
        if self.domain != MIGRATED_DOMAIN || store.get(&self.domain)?.is_some() {
            return Ok(());
        }
        let describe = store.describe();
        for legacy in LEGACY_DOMAINS {
            let rewrite = |secret: &str| -> Result<String> {
                let mut info = decode(secret, legacy, &describe)?;
                info.domain = MIGRATED_DOMAIN.to_string();
                Ok(info.encode())
            };
            if store.rename(legacy, MIGRATED_DOMAIN, &rewrite)? {
                break;
            }
        }
        Ok(())
    }
}

fn decode(secret: &str, domain: &str, store: &str) -> Result<TokenInfo> {
    TokenInfo::decode(secret).map_err(|detail| {
        Error::with_hint(
            format!("The keyring entry for {domain} in {store} cannot be read: {detail}."),
            "It was left unchanged. Remove that entry (or log in again with the Python tool), \
             then try again.",
        )
    })
}

fn decode_from_environment(secret: &str, domain: &str) -> Result<TokenInfo> {
    decode(secret, domain, "ANACONDA_AUTH_KEYRING")
}
