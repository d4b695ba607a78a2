//! The ordered list of stores, and every rule about which entry is in effect and where a change
//! goes (see the module doc of [`crate::store`]).

use std::cell::Cell;

use super::environment::EnvironmentBackend;
use super::system::{SystemBackend, Timeouts};
use super::{Backend, FileStore, Guard, StoreError, StoreResult, StoredEntry, TokenInfo};
use crate::error::{Error, Result};
use crate::fs::Locks;
use crate::output::Printer;
use crate::settings::{Settings, Storage, same_domain};

/// The user names older versions stored `anaconda.com`'s entry under.
const LEGACY_DOMAINS: [&str; 2] = ["id.anaconda.cloud", "anaconda.cloud"];
/// The domain legacy entries are moved to (in whichever case it is configured).
const MIGRATED_DOMAIN: &str = "anaconda.com";

/// Says that a store was passed over: the message, then a note (the hint).
pub type Warn = Box<dyn Fn(&str, &str)>;

pub struct TokenStore {
    domain: String,
    /// First to last: the first entry found is in effect, the first writable store takes
    /// changes.
    backends: Vec<Box<dyn Backend>>,
    /// Per store: it was checked for a legacy entry (once per run).
    migrated: Vec<Cell<bool>>,
    /// A store could not be reached and the next was read (said once).
    warned: Cell<bool>,
    warn: Warn,
}

impl TokenStore {
    /// `ANACONDA_AUTH_KEYRING`'s entry, then the configured store, then (behind the OS keyring)
    /// the keyring file. The OS keyring guards its changes with the keyring file's lock.
    pub fn from_settings(settings: &Settings, locks: &Locks, printer: Printer) -> Self {
        let mut backends: Vec<Box<dyn Backend>> = Vec::new();
        if let Some(secret) = settings
            .storage
            .keyring_entry(super::SERVICE, &settings.site.domain)
        {
            backends.push(Box::new(EnvironmentBackend::new(
                &settings.site.domain,
                secret,
            )));
        }
        if settings.storage.kind == Storage::System {
            let timeouts = Timeouts::from_settings(&settings.storage);
            let system =
                SystemBackend::new(&settings.storage.keyring_path, locks.clone(), timeouts);
            backends.push(Box::new(system));
        }
        backends.push(Box::new(FileStore::new(
            &settings.storage.keyring_path,
            locks.clone(),
        )));
        let warn: Warn = Box::new(move |message, hint| {
            printer.warn(message);
            printer.note(hint);
        });
        TokenStore::new(&settings.site.domain, backends, warn)
    }

    pub fn new(domain: &str, backends: Vec<Box<dyn Backend>>, warn: Warn) -> Self {
        TokenStore {
            domain: domain.to_string(),
            migrated: backends.iter().map(|_| Cell::new(false)).collect(),
            backends,
            warned: Cell::new(false),
            warn,
        }
    }

    /// The entry in effect: the first store's that has one.
    pub fn load(&self) -> Result<Option<TokenInfo>> {
        Ok(self.first_entry(0)?.map(|(_, info)| info))
    }

    /// The entries for the domain with where each is: the read-only stores' (they shadow the
    /// stores without hiding them), then the first store's that has one (as with the Python
    /// tool, a file entry behind an OS-keyring entry is not in effect, so it is not shown).
    pub fn entries(&self) -> Result<Vec<StoredEntry>> {
        let mut entries = Vec::new();
        let mut from = 0;
        while let Some((at, info)) = self.first_entry(from)? {
            let backend = &self.backends[at];
            entries.push(StoredEntry {
                info,
                source: backend.source(),
                storage: backend.describe(),
            });
            if !backend.read_only() {
                break;
            }
            from = at + 1;
        }
        Ok(entries)
    }

    /// Reads what [`modify`](Self::modify) will read, so that a command can find an unreadable
    /// entry before it changes anything elsewhere (before a token is issued); the read-only
    /// entries in front are decoded too.
    pub fn check(&self) -> Result<()> {
        let target = self.target()?;
        for at in 0..target {
            self.read(at)?;
        }
        if self.read(target)?.is_none() {
            self.first_entry(target + 1)?;
        }
        Ok(())
    }

    /// Whether [`modify`](Self::modify) would go through: the entry is readable (see
    /// [`check`](Self::check)) and the store it writes takes a write.
    pub fn check_writable(&self) -> Result<()> {
        self.check()?;
        Ok(self.backends[self.target()?].check_writable()?)
    }

    /// Takes the lock of the store changes go to, and keeps it until the guard is dropped: a
    /// command that issues a token holds it from before the request until the token is stored,
    /// so that no other process can take it in between and make the store fail after the old
    /// token is revoked.
    pub fn hold(&self) -> Result<Guard> {
        Ok(self.backends[self.target()?].lock()?)
    }

    /// Changes the entry in the first writable store, under its lock. The entry changed is that
    /// store's, else a copy of the first one found behind it (so that, as with the Python tool,
    /// the first write with `system` carries the file's entry over), else a new one. Writes
    /// only when `change` changed something, and nowhere else.
    pub fn modify<T>(&self, change: impl FnOnce(&mut TokenInfo) -> Result<T>) -> Result<T> {
        let target = self.target()?;
        let backend = &self.backends[target];
        let _guard = backend.lock()?;
        self.migrate(target)?;
        self.adopt_case(target)?;
        let current = backend.get(&self.domain)?;
        let mut info = match current {
            Some(secret) => decode(&secret, &self.domain, backend.as_ref())?,
            None => match self.first_entry(target + 1)? {
                Some((_, info)) => info,
                None => TokenInfo::new(&self.domain),
            },
        };
        let untouched = info.clone();
        let result = change(&mut info)?;
        if info == untouched {
            return Ok(result);
        }
        // An entry with nothing left goes, as the Python tool's logout removes it; but not when
        // a store is behind this one: its entry would show through again.
        if info.is_empty() && target + 1 == self.backends.len() {
            backend.delete(&self.domain)?;
        } else {
            backend.set(&self.domain, &info.encode())?;
        }
        Ok(result)
    }

    /// Where changes go: the first store that is not only read.
    fn target(&self) -> Result<usize> {
        self.backends
            .iter()
            .position(|b| !b.read_only())
            .ok_or_else(|| Error::msg("No store of keyring entries takes changes."))
    }

    /// The first entry in the stores from `from` on, and which store has it. A store that
    /// cannot be reached at all (no D-Bus) is passed over with a warning when another is behind
    /// it, as the Python tool's keyring chain does; any other error (an entry that cannot be
    /// decoded) stops.
    fn first_entry(&self, from: usize) -> Result<Option<(usize, TokenInfo)>> {
        for at in from..self.backends.len() {
            match self.read(at) {
                Ok(Some(info)) => return Ok(Some((at, info))),
                Ok(None) => {}
                Err(StoreError::Unreachable { message, hint }) if at + 1 < self.backends.len() => {
                    if !self.warned.replace(true) {
                        let next = self.backends[at + 1].name();
                        (self.warn)(&format!("{message} Reading {next} instead."), &hint);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    /// The entry of one store, after moving a legacy one in it.
    fn read(&self, at: usize) -> StoreResult<Option<TokenInfo>> {
        self.migrate(at)?;
        let backend = self.backends[at].as_ref();
        match backend.find(&self.domain)? {
            Some((user, secret)) => Ok(Some(decode(&secret, &user, backend)?)),
            None => Ok(None),
        }
    }

    /// Moves a legacy entry to `anaconda.com` (as configured, case kept) when that has none
    /// (`files.md`); looked for once per writable store and run.
    fn migrate(&self, at: usize) -> StoreResult<()> {
        let backend = self.backends[at].as_ref();
        if backend.read_only()
            || !same_domain(&self.domain, MIGRATED_DOMAIN)
            || self.migrated[at].replace(true)
            || backend.find(&self.domain)?.is_some()
        {
            return Ok(());
        }
        for legacy in LEGACY_DOMAINS {
            let rewrite = |secret: &str| -> Result<String> {
                let mut info = decode(secret, legacy, backend)?;
                info.domain = self.domain.clone();
                Ok(info.encode())
            };
            if self.rename(backend, legacy, &rewrite)? {
                break;
            }
        }
        Ok(())
    }

    /// Before a write: an entry found under another case of the domain (`anaconda.com` when
    /// `Anaconda.com` is configured) is moved to the configured name, so that the write
    /// changes it rather than adding a second entry, and the Python tool finds it there.
    fn adopt_case(&self, at: usize) -> StoreResult<()> {
        let backend = self.backends[at].as_ref();
        let Some((user, _)) = backend.find(&self.domain)? else {
            return Ok(());
        };
        if user == self.domain {
            return Ok(());
        }
        let rewrite = |secret: &str| -> Result<String> {
            let mut info = decode(secret, &user, backend)?;
            if same_domain(&info.domain, &self.domain) {
                info.domain = self.domain.clone();
            }
            Ok(info.encode())
        };
        self.rename(backend, &user, &rewrite)?;
        Ok(())
    }

    /// Moves the entry of `from` to the configured domain after `rewrite`, under the store's
    /// lock, unless the domain has an entry there (never overwritten); whether it moved.
    fn rename(
        &self,
        backend: &dyn Backend,
        from: &str,
        rewrite: &dyn Fn(&str) -> Result<String>,
    ) -> StoreResult<bool> {
        let _guard = backend.lock()?;
        let Some(old) = backend.get(from)? else {
            return Ok(false);
        };
        if backend.get(&self.domain)?.is_some() {
            return Ok(false);
        }
        backend.move_entry(from, &self.domain, &rewrite(&old)?)?;
        Ok(true)
    }
}

/// The entry stored for `domain`; an entry that cannot be decoded is an error naming the store.
fn decode(secret: &str, domain: &str, store: &dyn Backend) -> Result<TokenInfo> {
    TokenInfo::decode(secret).map_err(|detail| {
        Error::with_hint(
            format!(
                "The keyring entry for {domain} in {} cannot be read: {detail}.",
                store.describe()
            ),
            "It was left unchanged. Remove that entry (or log in again with the Python tool), \
             then try again.",
        )
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::secret::Secret;
    use crate::store::memory::MemoryBackend;
    use crate::store::{RepoToken, Source};

    /// An entry for `domain` holding one token of `acme`.
    fn entry(domain: &str, token: &str) -> String {
        let mut info = TokenInfo::new(domain);
        info.set_token(RepoToken::new("acme", Secret::new(token), None));
        info.encode()
    }

    fn token_of(info: &TokenInfo) -> &str {
        info.token_for("acme")
            .expect("a token of acme")
            .token
            .expose()
    }

    fn stored_token(store: &MemoryBackend, user: &str) -> Option<String> {
        let info = TokenInfo::decode(&store.get_now(user)?).unwrap();
        Some(token_of(&info).to_string())
    }

    /// The chain of `backends` (clones share their entries with the test's) for `domain`, and
    /// the warnings it gives.
    fn chain(domain: &str, backends: &[&MemoryBackend]) -> (TokenStore, Rc<RefCell<Vec<String>>>) {
        let warnings = Rc::new(RefCell::new(Vec::new()));
        let said = Rc::clone(&warnings);
        let warn: Warn = Box::new(move |message, hint| {
            said.borrow_mut().push(format!("{message} / {hint}"));
        });
        let backends = backends
            .iter()
            .map(|b| Box::new((*b).clone()) as Box<dyn Backend>)
            .collect();
        (TokenStore::new(domain, backends, warn), warnings)
    }

    fn add_token(store: &TokenStore, token: &str) -> Result<()> {
        store.modify(|info| {
            info.set_token(RepoToken::new("acme", Secret::new(token), None));
            Ok(())
        })
    }

    #[test]
    fn the_first_entry_found_is_in_effect() {
        const D: &str = "example.com";
        let env = MemoryBackend::read_only("env").with(D, &entry(D, "from-env"));
        let first = MemoryBackend::new("first").with(D, &entry(D, "from-first"));
        let second = MemoryBackend::new("second").with(D, &entry(D, "from-second"));
        let (store, _) = chain(D, &[&env, &first, &second]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "from-env");
        // `list` shows the read-only entry and the first stored one, not the one behind it.
        let shown: Vec<_> = store
            .entries()
            .unwrap()
            .into_iter()
            .map(|e| (token_of(&e.info).to_string(), e.source, e.storage))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "from-env".into(),
                    Source::Environment,
                    "env (in memory)".into()
                ),
                (
                    "from-first".into(),
                    Source::Keyring,
                    "first (in memory)".into()
                ),
            ]
        );
        let (store, _) = chain(D, &[&first, &second]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "from-first");
        first.entries.borrow_mut().clear();
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "from-second");
        assert_eq!(store.entries().unwrap().len(), 1);
        second.entries.borrow_mut().clear();
        assert!(store.load().unwrap().is_none());
        assert!(store.entries().unwrap().is_empty());
    }

    #[test]
    fn an_unreachable_store_is_passed_over_with_one_warning_but_never_written_past() {
        const D: &str = "example.com";
        let system = MemoryBackend::new("the system keyring");
        system.unreachable.set(true);
        let file = MemoryBackend::new("the keyring file").with(D, &entry(D, "from-file"));
        let (store, warnings) = chain(D, &[&system, &file]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "from-file");
        assert_eq!(store.entries().unwrap().len(), 1);
        assert_eq!(
            *warnings.borrow(),
            ["the system keyring is not there. Reading the keyring file instead. / Start it."]
        );
        // A change cannot go to the store behind: it fails, and nothing is written anywhere.
        for result in [
            add_token(&store, "new"),
            store.check_writable(),
            store.check(),
        ] {
            let err = result.unwrap_err();
            assert!(matches!(err, Error::Unreachable { .. }), "{err}");
        }
        assert_eq!(stored_token(&file, D).as_deref(), Some("from-file"));
        // The last store unreachable: nothing to fall back to.
        let (store, _) = chain(D, &[&system]);
        assert!(matches!(store.load(), Err(Error::Unreachable { .. })));
    }

    #[test]
    fn other_errors_stop_the_chain() {
        const D: &str = "example.com";
        let broken = MemoryBackend::new("first").with(D, "not an entry!");
        let file = MemoryBackend::new("second").with(D, &entry(D, "from-second"));
        let (store, warnings) = chain(D, &[&broken, &file]);
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("example.com in first (in memory)"), "{err}");
        assert!(add_token(&store, "new").is_err());
        assert!(warnings.borrow().is_empty());
        assert_eq!(broken.get_now(D).as_deref(), Some("not an entry!"));
    }

    #[test]
    fn a_change_goes_to_the_first_writable_store_only_carrying_the_entry_behind_it() {
        const D: &str = "example.com";
        let env = MemoryBackend::read_only("env").with(D, &entry(D, "from-env"));
        let first = MemoryBackend::new("first");
        let second = MemoryBackend::new("second").with(D, &entry(D, "from-second"));
        let (store, _) = chain(D, &[&env, &first, &second]);
        // Unchanged: nothing is written.
        store.modify(|_| Ok(())).unwrap();
        assert!(first.users().is_empty());
        // The entry behind is carried over (not the read-only one in front), then changed.
        store
            .modify(|info| {
                assert_eq!(token_of(info), "from-second");
                info.username = Some("someone".into());
                Ok(())
            })
            .unwrap();
        let written = TokenInfo::decode(&first.get_now(D).unwrap()).unwrap();
        assert_eq!(token_of(&written), "from-second");
        assert_eq!(written.username.as_deref(), Some("someone"));
        assert_eq!(stored_token(&second, D).as_deref(), Some("from-second"));
        assert_eq!(stored_token(&env, D).as_deref(), Some("from-env"));
        store.check_writable().unwrap();
    }

    #[test]
    fn read_only_stores_refuse_writes() {
        const D: &str = "example.com";
        let env = MemoryBackend::read_only("env").with(D, &entry(D, "from-env"));
        let (store, _) = chain(D, &[&env]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "from-env");
        assert!(add_token(&store, "new").is_err());
        assert!(store.check_writable().is_err());
        assert!(store.hold().is_err());
        assert!(matches!(env.set(D, "x"), Err(StoreError::ReadOnly { .. })));
        assert!(matches!(env.delete(D), Err(StoreError::ReadOnly { .. })));
        assert_eq!(stored_token(&env, D).as_deref(), Some("from-env"));
    }

    #[test]
    fn an_emptied_entry_is_deleted_unless_a_store_is_behind() {
        const D: &str = "example.com";
        let with_key = || {
            let mut info = TokenInfo::new(D);
            info.api_key = Some(Secret::new("key"));
            info.encode()
        };
        let logout = |store: &TokenStore| store.modify(|info| Ok(info.api_key.take())).unwrap();
        let last = MemoryBackend::new("last").with(D, &with_key());
        let (store, _) = chain(D, &[&last]);
        assert!(logout(&store).is_some());
        assert!(last.users().is_empty());
        // With a store behind, the empty entry stays, so that the one behind does not show.
        let first = MemoryBackend::new("first").with(D, &with_key());
        let behind = MemoryBackend::new("behind").with(D, &with_key());
        let (store, _) = chain(D, &[&first, &behind]);
        assert!(logout(&store).is_some());
        let kept = TokenInfo::decode(&first.get_now(D).unwrap()).unwrap();
        assert!(kept.is_empty());
        assert!(store.load().unwrap().unwrap().api_key.is_none());
    }

    #[test]
    fn legacy_entries_move_to_the_domain_as_configured_never_over_an_entry() {
        let legacy = MemoryBackend::new("first")
            .with("anaconda.cloud", &entry("anaconda.cloud", "older"))
            .with("id.anaconda.cloud", &entry("id.anaconda.cloud", "old"));
        let (store, _) = chain("Anaconda.com", &[&legacy]);
        let info = store.load().unwrap().unwrap();
        assert_eq!(
            (info.domain.as_str(), token_of(&info)),
            ("Anaconda.com", "old")
        );
        assert_eq!(legacy.users(), ["Anaconda.com", "anaconda.cloud"]);
        // An entry for the domain (in any case) is never overwritten: nothing moves.
        let both = MemoryBackend::new("first")
            .with("anaconda.com", &entry("anaconda.com", "current"))
            .with("id.anaconda.cloud", &entry("id.anaconda.cloud", "old"));
        let (store, _) = chain("Anaconda.com", &[&both]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "current");
        assert_eq!(both.users(), ["anaconda.com", "id.anaconda.cloud"]);
        // Other domains have no legacy names.
        let other = MemoryBackend::new("first").with("id.anaconda.cloud", &entry("x", "old"));
        let (store, _) = chain("example.com", &[&other]);
        assert!(store.load().unwrap().is_none());
        assert_eq!(other.users(), ["id.anaconda.cloud"]);
    }

    #[test]
    fn legacy_entries_move_in_any_writable_store_but_not_in_a_read_only_one() {
        let old = entry("id.anaconda.cloud", "old");
        let env = MemoryBackend::read_only("env").with("id.anaconda.cloud", &old);
        let first = MemoryBackend::new("first");
        let behind = MemoryBackend::new("behind").with("id.anaconda.cloud", &old);
        let (store, _) = chain("anaconda.com", &[&env, &first, &behind]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "old");
        assert_eq!(env.users(), ["id.anaconda.cloud"]);
        assert_eq!(behind.users(), ["anaconda.com"]);
        assert!(first.users().is_empty());
    }

    #[test]
    fn an_entry_in_another_case_is_read_and_moved_to_the_configured_case_when_written() {
        let first = MemoryBackend::new("first").with("example.com", &entry("example.com", "a"));
        let (store, _) = chain("Example.COM", &[&first]);
        assert_eq!(token_of(&store.load().unwrap().unwrap()), "a");
        assert_eq!(first.users(), ["example.com"]);
        add_token(&store, "b").unwrap();
        assert_eq!(first.users(), ["Example.COM"]);
        let written = TokenInfo::decode(&first.get_now("Example.COM").unwrap()).unwrap();
        assert_eq!(
            (written.domain.as_str(), token_of(&written)),
            ("Example.COM", "b")
        );
    }
}
