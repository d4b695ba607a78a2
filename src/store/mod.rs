//! Where the keyring entry lives, and read-modify-write of it (`files.md`).
//!
//! Commands see [`TokenStore`], an ordered list of [`Backend`]s (as rattler's
//! `AuthenticationStorage` is): the effective entry for the configured domain, the entries in
//! effect with where they are stored (for `list`), and a locked change of the entry. The list,
//! first to last (see [`TokenStore::from_settings`]):
//! - entries from `ANACONDA_AUTH_KEYRING` (`environment.rs`), read first and never written;
//! - the store writes go to: the JSON keyring file ([`file`], the default) or the OS keyring
//!   ([`system`], `preferred_token_storage = "system"`);
//! - with the OS keyring, the file, read when the OS keyring has no entry or cannot be reached
//!   (as the Python tool's keyring chain reads both), never written by a change of the entry.
//!
//! The rules live once, in the chain (`chain.rs`, [`TokenStore`]): the first entry found is in effect; a store
//! that cannot be reached ([`StoreError::Unreachable`]) is passed over with one warning when
//! another is behind it, any other error stops; a change is written to the first writable store
//! only, carrying over the entry found behind it; legacy entries (`id.anaconda.cloud`,
//! `anaconda.cloud`) are moved to `anaconda.com` in whichever writable store holds them, never
//! over an entry; an entry under another case of the domain is moved to the configured case
//! (`Anaconda.com`, as the Python tool names it) before it is written.
//!
//! Other tools' stores: pixi's and mamba's credential stores hold the same token in their own
//! format (a token per host, not our entry), so they are not in this list: they are
//! `crate::tools`, a sibling list of writers the commands update after the entry
//! (`commands::tools`), and the rules above stay about one entry. A store that kept our entry
//! format would be one more backend here.

pub mod api_key;
mod chain;
mod environment;
pub mod file;
#[cfg(test)]
mod memory;
pub mod system;
pub mod token_info;

use crate::error::Error;
use crate::fs::Lock;
pub use chain::TokenStore;
pub use file::FileStore;
pub use token_info::{RepoToken, SERVICE, TokenInfo};

/// Why a store could not do what was asked.
#[derive(Debug)]
pub enum StoreError {
    /// The store cannot be reached at all (no D-Bus session, no Secret Service): a read tries
    /// the next store, a write fails (as cargo-credential's `NotFound` / `UrlNotSupported` make
    /// cargo try the next provider).
    Unreachable { message: String, hint: String },
    /// A store that is only read (`ANACONDA_AUTH_KEYRING`) was asked to change.
    ReadOnly { store: String },
    /// Anything else: a store that can be reached but fails, an entry that cannot be read.
    /// The chain stops there.
    Failed(Error),
}

pub type StoreResult<T> = std::result::Result<T, StoreError>;

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        StoreError::Failed(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unreachable { message, hint } => Error::Unreachable { message, hint },
            StoreError::ReadOnly { store } => Error::msg(format!("{store} is only read.")),
            StoreError::Failed(e) => e,
        }
    }
}

/// Where an entry was found, as `list --json` names it (`source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One of the stores (the keyring file, the OS keyring).
    Keyring,
    /// `ANACONDA_AUTH_KEYRING`.
    Environment,
}

/// A store's lock, held for a read-modify-write of it; released when dropped.
#[derive(Debug)]
pub struct Guard {
    _lock: Option<Lock>,
}

impl Guard {
    /// For a store no other process writes (memory, the environment).
    pub fn none() -> Guard {
        Guard { _lock: None }
    }
}

impl From<Lock> for Guard {
    fn from(lock: Lock) -> Self {
        Guard { _lock: Some(lock) }
    }
}

/// One store of keyring entries (service `Anaconda Cloud`, one entry per user name = domain).
/// It stores secrets; what they mean, and which store is in effect, is the chain's business.
pub trait Backend {
    fn get(&self, user: &str) -> StoreResult<Option<String>>;
    fn set(&self, user: &str, secret: &str) -> StoreResult<()>;
    /// Whether there was an entry to delete.
    fn delete(&self, user: &str) -> StoreResult<bool>;
    /// Where the entries are, for `list` and messages ("/home/u/.anaconda/keyring (plain text
    /// file, mode 0600)").
    fn describe(&self) -> String;
    /// Keeps other processes from changing the store until the guard is dropped.
    fn lock(&self) -> StoreResult<Guard>;
    /// Whether a write would go through, found out without writing (before a token is issued).
    fn check_writable(&self) -> StoreResult<()>;

    /// The store in a few words, for the warning that it is read instead of another.
    fn name(&self) -> String {
        self.describe()
    }

    /// Only read: the chain never changes it, and it is not where a change goes.
    fn read_only(&self) -> bool {
        false
    }

    fn source(&self) -> Source {
        Source::Keyring
    }

    /// The entry of `user`, else of a user name that differs only in case: the name and the
    /// secret. Stores that cannot list their entries try the name as given, then in lower case
    /// (what versions before 0.3 wrote).
    fn find(&self, user: &str) -> StoreResult<Option<(String, String)>> {
        if let Some(secret) = self.get(user)? {
            return Ok(Some((user.to_string(), secret)));
        }
        let lower = user.to_ascii_lowercase();
        if lower == user {
            return Ok(None);
        }
        Ok(self.get(&lower)?.map(|secret| (lower, secret)))
    }

    /// Moves the entry of `from` to `to` with the new `secret`. A store that can do both in one
    /// write does (the keyring file: a crash cannot leave two entries).
    fn move_entry(&self, from: &str, to: &str, secret: &str) -> StoreResult<()> {
        self.set(to, secret)?;
        self.delete(from).map(drop)
    }
}

/// An entry and where it was found.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub info: TokenInfo,
    pub source: Source,
    /// The store's description ("/home/u/.anaconda/keyring (plain text file, mode 0600)").
    pub storage: String,
}
