//! Where the keyring entry lives, and read-modify-write of it (`files.md`).
//!
//! Commands see [`TokenStore`]: the effective entry for the configured domain, the entries in
//! effect with where they are stored (for `list`), and a locked change of the entry. Behind it:
//! - the preferred store, where writes go: the JSON keyring file (default) or the OS keyring
//!   (`preferred_token_storage = "system"`), both [`Backend`]s;
//! - with the OS keyring, the file as a read-only fallback, as the Python tool reads both;
//! - entries from `ANACONDA_AUTH_KEYRING`, read first and never written.
//!
//! Entries under the legacy user names `id.anaconda.cloud` / `anaconda.cloud` are moved to
//! `anaconda.com` the first time that domain is read, in whichever store holds them.
//!
//! The entry's user name is the domain as configured, case kept (`Anaconda.com`), as the Python
//! tool names it. Domains are compared without case: an entry under another case of the domain
//! is read, and moved to the configured case when it is next written.

pub mod file;
pub mod system;
pub mod token_info;

use std::cell::{Cell, OnceCell};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{Lock, Locks};
use crate::output::Printer;
use crate::settings::{Settings, Storage, same_domain};
pub use file::{Change, FileStore};
pub use token_info::{RepoToken, SERVICE, TokenInfo};

/// One store of keyring entries (service `Anaconda Cloud`, one entry per user name = domain).
pub trait Backend {
    fn get(&self, user: &str) -> Result<Option<String>>;
    /// The entry of `user`, else of a user name that differs only in case: the name and the
    /// secret. Stores that cannot list their entries try the name as given, then in lower case
    /// (what versions before 0.3 wrote).
    fn find(&self, user: &str) -> Result<Option<(String, String)>> {
        if let Some(secret) = self.get(user)? {
            return Ok(Some((user.to_string(), secret)));
        }
        let lower = user.to_ascii_lowercase();
        if lower == user {
            return Ok(None);
        }
        Ok(self.get(&lower)?.map(|secret| (lower, secret)))
    }
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
    /// Whether a write would go through, found out without writing (before a token is issued).
    fn check_writable(&self) -> Result<()>;
}

impl Backend for FileStore {
    fn get(&self, user: &str) -> Result<Option<String>> {
        FileStore::get(self, SERVICE, user)
    }

    fn find(&self, user: &str) -> Result<Option<(String, String)>> {
        FileStore::find(self, SERVICE, user)
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

    fn check_writable(&self) -> Result<()> {
        self.locks()
            .check_writable(self.path())
            .map_err(Error::from)
    }
}

/// The OS keyring, opened on first use: a command that never touches the entry never waits on
/// D-Bus. A failed open is remembered, so an unreachable keyring costs one timeout per run.
struct LazySystemStore {
    store: OnceCell<std::result::Result<system::SystemStore, (String, String)>>,
    /// The keyring file's lock, held for our read-modify-writes of the OS keyring too: it has no
    /// lock of its own, and two installs at once must not lose a token.
    lock: PathBuf,
    locks: Locks,
}

impl LazySystemStore {
    fn new(keyring_path: &Path, locks: Locks) -> Self {
        LazySystemStore {
            store: OnceCell::new(),
            lock: keyring_path.to_path_buf(),
            locks,
        }
    }

    fn open(&self) -> Result<&system::SystemStore> {
        let opened = self.store.get_or_init(|| {
            system::SystemStore::open().map_err(|e| (e.to_string(), e.hint().unwrap_or_default()))
        });
        match opened {
            Ok(store) => Ok(store),
            Err((message, hint)) => Err(Error::Unreachable {
                message: message.clone(),
                hint: hint.clone(),
            }),
        }
    }

    fn locked(&self) -> Result<Lock> {
        self.locks
            .lock(&self.lock)
            .map_err(|e| crate::fs::context("lock", &self.lock)(e).into())
    }
}

impl Backend for LazySystemStore {
    fn get(&self, user: &str) -> Result<Option<String>> {
        self.open()?.get(SERVICE, user)
    }

    /// Read, change, write, under the keyring file's lock.
    fn update(
        &self,
        user: &str,
        change: &mut dyn FnMut(Option<&str>) -> Result<Change>,
    ) -> Result<()> {
        let store = self.open()?;
        let _lock = self.locked()?;
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
        let _lock = self.locked()?;
        let Some(old) = store.get(SERVICE, from)? else {
            return Ok(false);
        };
        if store.get(SERVICE, to)?.is_some() {
            return Ok(false);
        }
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

    /// The OS keyring cannot tell whether a write would go through without writing: it must at
    /// least be reachable, and the lock must be free.
    fn check_writable(&self) -> Result<()> {
        self.open()?;
        self.locked().map(drop)
    }
}

/// The user names older versions stored `anaconda.com`'s entry under.
const LEGACY_DOMAINS: [&str; 2] = ["id.anaconda.cloud", "anaconda.cloud"];
/// The domain legacy entries are moved to (in whichever case it is configured).
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
    /// The keyring file: its lock guards the entry in either store.
    keyring_path: PathBuf,
    locks: Locks,
    preferred: Box<dyn Backend>,
    fallback: Option<Box<dyn Backend>>,
    /// The secret `ANACONDA_AUTH_KEYRING` gives for this domain.
    from_environment: Option<String>,
    printer: Printer,
    /// The preferred and the fallback store were checked for a legacy entry (once per run).
    migrated: [Cell<bool>; 2],
    /// The preferred store could not be read and the fallback was used (said once).
    warned: Cell<bool>,
}

/// Which of the two stores.
#[derive(Clone, Copy)]
enum Which {
    Preferred = 0,
    Fallback = 1,
}

impl TokenStore {
    pub fn from_settings(settings: &Settings, locks: &Locks, printer: Printer) -> Self {
        let file = Box::new(FileStore::new(&settings.keyring_path, locks.clone()));
        let (preferred, fallback): (Box<dyn Backend>, Option<Box<dyn Backend>>) =
            match settings.storage {
                Storage::File => (file, None),
                Storage::System => (
                    Box::new(LazySystemStore::new(&settings.keyring_path, locks.clone())),
                    Some(file),
                ),
            };
        TokenStore {
            domain: settings.domain.clone(),
            keyring_path: settings.keyring_path.clone(),
            locks: locks.clone(),
            preferred,
            fallback,
            from_environment: settings
                .keyring_entry(SERVICE, &settings.domain)
                .map(str::to_string),
            printer,
            migrated: Default::default(),
            warned: Cell::new(false),
        }
    }

    /// The entry in effect: `ANACONDA_AUTH_KEYRING`'s, else the preferred store's, else the
    /// fallback's.
    pub fn load(&self) -> Result<Option<TokenInfo>> {
        if let Some(secret) = &self.from_environment {
            return decode_from_environment(secret, &self.domain).map(Some);
        }
        Ok(self.stored()?.map(|entry| entry.info))
    }

    /// The entries for the domain with where each is: `ANACONDA_AUTH_KEYRING`'s, then the one
    /// the stores give (the preferred store's, else the fallback's: as with the Python tool, a
    /// file entry behind an OS-keyring entry is not in effect, so it is not shown).
    pub fn entries(&self) -> Result<Vec<StoredEntry>> {
        let mut entries = Vec::new();
        if let Some(secret) = &self.from_environment {
            entries.push(StoredEntry {
                info: decode_from_environment(secret, &self.domain)?,
                source: "environment",
                storage: "the environment (ANACONDA_AUTH_KEYRING)".into(),
            });
        }
        entries.extend(self.stored()?);
        Ok(entries)
    }

    /// Reads what [`modify`](Self::modify) will read, so that a command can find an unreadable
    /// entry before it changes anything elsewhere (before a token is issued).
    pub fn check(&self) -> Result<()> {
        if let Some(secret) = &self.from_environment {
            decode_from_environment(secret, &self.domain)?;
        }
        if self.read(Which::Preferred)?.is_none() && self.fallback.is_some() {
            self.read(Which::Fallback)?;
        }
        Ok(())
    }

    /// Whether [`modify`](Self::modify) would go through: the entry is readable (see
    /// [`check`](Self::check)) and the preferred store takes a write.
    pub fn check_writable(&self) -> Result<()> {
        self.check()?;
        self.preferred.check_writable()
    }

    /// Takes the entry's lock and keeps it until the guard is dropped: a command that issues a
    /// token holds it from before the request until the token is stored, so that no other
    /// process can take it in between and make the store fail after the old token is revoked.
    pub fn hold(&self) -> Result<Lock> {
        self.locks
            .lock(&self.keyring_path)
            .map_err(|e| crate::fs::context("lock", &self.keyring_path)(e).into())
    }

    /// Changes the entry in the preferred store, under its lock. The entry changed is the
    /// preferred store's, else a copy of the fallback's (so that, as with the Python tool, the
    /// first write with `system` carries the file's entry over), else a new one. Writes only
    /// when `change` changed something. Writes never go anywhere else.
    pub fn modify<T>(&self, change: impl FnOnce(&mut TokenInfo) -> Result<T>) -> Result<T> {
        self.migrate(Which::Preferred)?;
        self.adopt_case(Which::Preferred)?;
        let mut change = Some(change);
        let mut result = None;
        let describe = self.preferred.describe();
        self.preferred.update(&self.domain, &mut |current| {
            let before = current
                .map(|s| decode(s, &self.domain, &describe))
                .transpose()?;
            let mut info = match before {
                Some(info) => info,
                None if self.fallback.is_some() => self
                    .read(Which::Fallback)?
                    .unwrap_or_else(|| TokenInfo::new(&self.domain)),
                None => TokenInfo::new(&self.domain),
            };
            let untouched = info.clone();
            let change = change.take().expect("update calls its closure once");
            result = Some(change(&mut info)?);
            if info == untouched {
                return Ok(Change::Unchanged);
            }
            // An entry with nothing left goes, as the Python tool's logout removes it; but not
            // when a fallback store is behind this one: its entry would show through again.
            if info.is_empty() && self.fallback.is_none() {
                return Ok(Change::Delete);
            }
            Ok(Change::Set(info.encode()))
        })?;
        Ok(result.expect("set by the closure"))
    }

    /// The preferred store's entry, else the fallback's. A preferred store that cannot be
    /// reached at all (no D-Bus) is passed over with a warning when there is a fallback, as the
    /// Python tool's keyring chain does; an entry that cannot be decoded is always an error.
    fn stored(&self) -> Result<Option<StoredEntry>> {
        let found = match self.read(Which::Preferred) {
            Ok(Some(info)) => Some((info, Which::Preferred)),
            Ok(None) => None,
            Err(Error::Unreachable { message, hint }) if self.fallback.is_some() => {
                if !self.warned.replace(true) {
                    self.printer
                        .warn(&format!("{message} Reading the keyring file instead."));
                    self.printer.note(&hint);
                }
                None
            }
            Err(e) => return Err(e),
        };
        let found = match found {
            Some(found) => Some(found),
            None if self.fallback.is_some() => self
                .read(Which::Fallback)?
                .map(|info| (info, Which::Fallback)),
            None => None,
        };
        Ok(found.map(|(info, which)| StoredEntry {
            info,
            source: "keyring",
            storage: self.backend(which).describe(),
        }))
    }

    fn backend(&self, which: Which) -> &dyn Backend {
        match which {
            Which::Preferred => self.preferred.as_ref(),
            Which::Fallback => self.fallback.as_deref().unwrap_or(self.preferred.as_ref()),
        }
    }

    fn read(&self, which: Which) -> Result<Option<TokenInfo>> {
        self.migrate(which)?;
        let store = self.backend(which);
        store
            .find(&self.domain)?
            .map(|(user, secret)| decode(&secret, &user, &store.describe()))
            .transpose()
    }

    /// Moves a legacy entry to `anaconda.com` (as configured, case kept) when that has none
    /// (`files.md`); looked for once per store and run.
    fn migrate(&self, which: Which) -> Result<()> {
        if !same_domain(&self.domain, MIGRATED_DOMAIN)
            || self.migrated[which as usize].replace(true)
        {
            return Ok(());
        }
        let store = self.backend(which);
        if store.find(&self.domain)?.is_some() {
            return Ok(());
        }
        let describe = store.describe();
        for legacy in LEGACY_DOMAINS {
            let rewrite = |secret: &str| -> Result<String> {
                let mut info = decode(secret, legacy, &describe)?;
                info.domain = self.domain.clone();
                Ok(info.encode())
            };
            if store.rename(legacy, &self.domain, &rewrite)? {
                break;
            }
        }
        Ok(())
    }

    /// Before a write: an entry found under another case of the domain (`anaconda.com` when
    /// `Anaconda.com` is configured) is moved to the configured name, so that the write
    /// changes it rather than adding a second entry, and the Python tool finds it there.
    fn adopt_case(&self, which: Which) -> Result<()> {
        let store = self.backend(which);
        let Some((user, _)) = store.find(&self.domain)? else {
            return Ok(());
        };
        if user == self.domain {
            return Ok(());
        }
        let describe = store.describe();
        let rewrite = |secret: &str| -> Result<String> {
            let mut info = decode(secret, &user, &describe)?;
            if same_domain(&info.domain, &self.domain) {
                info.domain = self.domain.clone();
            }
            Ok(info.encode())
        };
        store.rename(&user, &self.domain, &rewrite)?;
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
