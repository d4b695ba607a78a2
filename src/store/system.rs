//! The OS keyring (`preferred_token_storage = "system"`), through `keyring-core`: Secret Service
//! on Linux, the Keychain on macOS, the Credential Manager on Windows. (The store crate's vendored
//! libdbus builds only for Linux, so other Unix systems get an error naming the file store.)
//!
//! Items are named as Python's `keyring` names them, so that each tool finds what the other wrote
//! (`files.md`):
//! - Secret Service: an item with the attributes `service` and `username` in the default
//!   collection. Python adds `application = "Python keyring library"`; searches ignore it.
//! - Keychain: a generic password with that service and account.
//! - Credential Manager: a generic credential whose target name is the service and whose user
//!   name is the user; a second user of the same service pushes the first one to the target
//!   `user@service` (Python's `WinVaultKeyring`). The store crate's own naming (`user.service`)
//!   would not be found by Python, so we name targets ourselves ([`python_winvault`]).
//!
//! Every call runs on a worker thread and is given up after a timeout: a D-Bus peer that never
//! answers, or an unlock prompt nobody sees, must not hang the command.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use keyring_core::{CredentialStore, Error as KeyringError};

use super::{Backend, Guard, SERVICE, StoreError, StoreResult};
use crate::error::{Error, Result};
use crate::fs::Locks;

/// How to get away from the OS keyring; part of every error of this module.
const SWITCH_HINT: &str = "To keep tokens in a file instead, set preferred_token_storage = \
     \"anaconda-keyring\" under [plugin.auth] in ~/.anaconda/config.toml, or set \
     ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE=anaconda-keyring.";

/// How long the OS keyring is waited for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    /// Connecting (`ANACONDA_TOKEN_KEYRING_TIMEOUT`).
    pub open: Duration,
    /// Each read or write once connected.
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            open: OPEN_TIMEOUT,
            call: CALL_TIMEOUT,
        }
    }
}

impl Timeouts {
    /// The defaults, but for a connect timeout the settings give.
    pub fn from_settings(storage: &crate::settings::StorageSettings) -> Self {
        Timeouts {
            open: storage.keyring_timeout.unwrap_or(OPEN_TIMEOUT),
            ..Timeouts::default()
        }
    }
}

/// Connecting needs no user interaction on any platform, so it must be quick.
/// (Under the 2 seconds the contract allows for failing, with room for starting the process.)
const OPEN_TIMEOUT: Duration = Duration::from_millis(1500);

/// The Keychain asks the user whether we may read an item that another program (Python) created,
/// and waits for the answer; elsewhere a call that needs the user is an error (see `open`).
#[cfg(target_os = "macos")]
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// A write is several D-Bus round trips and a session-key exchange: give a busy machine time.
/// Unlock prompts are ruled out when the store is opened, so nothing waits on a person here.
#[cfg(not(target_os = "macos"))]
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The OS keyring: Secret Service (Linux), Keychain (macOS), Credential Manager (Windows).
#[derive(Debug, Clone)]
pub struct SystemStore {
    store: Arc<CredentialStore>,
    call_timeout: Duration,
    /// Set once a call timed out: its worker may still hold the store's connection, so later calls
    /// would only wait again.
    stalled: Arc<AtomicBool>,
}

impl SystemStore {
    /// Connects to the platform store, waiting the default times.
    pub fn open() -> Result<SystemStore> {
        SystemStore::open_within(Timeouts::default())
    }

    /// Connects to the platform store. Fails within `timeouts.open` when it is not available
    /// (no D-Bus session bus, no Secret Service provider, no default collection, a locked one
    /// that would need an unlock prompt), saying what is missing and how to use the file store.
    pub fn open_within(timeouts: Timeouts) -> Result<SystemStore> {
        let store = match with_timeout(timeouts.open, platform::open) {
            Ok(result) => result?,
            Err(waited) => return Err(waited.error("connect to", timeouts.open)),
        };
        Ok(SystemStore {
            store,
            call_timeout: timeouts.call,
            stalled: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn get(&self, service: &str, user: &str) -> Result<Option<String>> {
        self.call("read", service, user, platform::get)
    }

    pub fn set(&self, service: &str, user: &str, secret: &str) -> Result<()> {
        let secret = secret.to_string();
        self.call("store", service, user, move |store, service, user| {
            platform::set(store, service, user, &secret)
        })
    }

    /// Ok(false) when there was nothing to delete.
    pub fn delete(&self, service: &str, user: &str) -> Result<bool> {
        self.call("delete", service, user, platform::delete)
    }

    /// Where entries are stored, said once under `list`.
    pub fn describe(&self) -> String {
        long_name()
    }

    /// Runs one keyring operation on a worker thread, with the timeout. Also for entries that
    /// another program names its own way (rattler's, `crate::tools::rattler_keyring`).
    pub(crate) fn call<T: Send + 'static>(
        &self,
        action: &str,
        service: &str,
        user: &str,
        work: impl FnOnce(&Arc<CredentialStore>, &str, &str) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        let what = format!("{action} the entry for {user} in");
        let limit = self.call_timeout;
        if self.stalled.load(Ordering::Relaxed) {
            return Err(Waited::TimedOut.error(&what, limit));
        }
        let store = Arc::clone(&self.store);
        let (service, user) = (service.to_string(), user.to_string());
        match with_timeout(limit, move || work(&store, &service, &user)) {
            Ok(result) => result.map_err(|e| keyring_error(&what, e)),
            Err(waited) => {
                if waited == Waited::TimedOut {
                    self.stalled.store(true, Ordering::Relaxed);
                }
                Err(waited.error(&what, limit))
            }
        }
    }
}

/// The OS keyring, opened on first use: a command that never touches it never waits on D-Bus. A
/// failed open is remembered, so an unreachable keyring costs one timeout per run.
pub struct LazySystemStore {
    store: OnceCell<std::result::Result<SystemStore, Unreachable>>,
    timeouts: Timeouts,
}

/// Why the OS keyring could not be opened: the error's message and its hint.
#[derive(Debug, Clone)]
pub struct Unreachable {
    pub message: String,
    pub hint: String,
}

impl LazySystemStore {
    pub fn new(timeouts: Timeouts) -> Self {
        LazySystemStore {
            store: OnceCell::new(),
            timeouts,
        }
    }

    /// The store, opened now if this is its first use.
    pub fn open(&self) -> std::result::Result<&SystemStore, Unreachable> {
        let opened = self.store.get_or_init(|| {
            SystemStore::open_within(self.timeouts).map_err(|e| Unreachable {
                message: e.to_string(),
                hint: e.hint().unwrap_or_default(),
            })
        });
        opened.as_ref().map_err(Unreachable::clone)
    }
}

/// The OS keyring in the chain ([`LazySystemStore`]): every use of an unreachable one is
/// [`StoreError::Unreachable`].
pub struct SystemBackend {
    store: LazySystemStore,
    /// The keyring file, whose lock is held for our read-modify-writes of the OS keyring too: it
    /// has no lock of its own, and two installs at once must not lose a token.
    lock_path: PathBuf,
    locks: Locks,
}

impl SystemBackend {
    pub fn new(keyring_path: &Path, locks: Locks, timeouts: Timeouts) -> Self {
        SystemBackend {
            store: LazySystemStore::new(timeouts),
            lock_path: keyring_path.to_path_buf(),
            locks,
        }
    }

    fn open(&self) -> StoreResult<&SystemStore> {
        self.store
            .open()
            .map_err(|Unreachable { message, hint }| StoreError::Unreachable { message, hint })
    }
}

impl Backend for SystemBackend {
    fn get(&self, user: &str) -> StoreResult<Option<String>> {
        Ok(self.open()?.get(SERVICE, user)?)
    }

    fn set(&self, user: &str, secret: &str) -> StoreResult<()> {
        Ok(self.open()?.set(SERVICE, user, secret)?)
    }

    fn delete(&self, user: &str) -> StoreResult<bool> {
        Ok(self.open()?.delete(SERVICE, user)?)
    }

    fn describe(&self) -> String {
        match self.open() {
            Ok(store) => store.describe(),
            Err(_) => self.name(),
        }
    }

    fn name(&self) -> String {
        "the system keyring".into()
    }

    fn lock(&self) -> StoreResult<Guard> {
        super::file::lock_file(&self.locks, &self.lock_path)
    }

    /// The OS keyring cannot tell whether a write would go through without writing: it must at
    /// least be reachable, and the lock must be free.
    fn check_writable(&self) -> StoreResult<()> {
        self.open()?;
        self.lock().map(drop)
    }
}

fn long_name() -> String {
    format!("the system keyring ({})", platform::NAME)
}

/// Why [`with_timeout`] has no result.
#[derive(Debug, PartialEq)]
enum Waited {
    TimedOut,
    /// The worker could not be started, or died without answering.
    Lost,
}

impl Waited {
    fn error(&self, what: &str, limit: Duration) -> Error {
        match self {
            Waited::TimedOut => Error::with_hint(
                format!(
                    "Could not {what} {}: it did not answer within {} seconds.",
                    long_name(),
                    limit.as_secs_f32()
                ),
                format!("It may be busy, or waiting for a password prompt. {SWITCH_HINT}"),
            ),
            Waited::Lost => Error::with_hint(
                format!("Could not {what} {}: the call failed.", long_name()),
                SWITCH_HINT,
            ),
        }
    }
}

/// Runs `work` on its own thread and waits at most `limit` for it. A call that never returns is
/// left behind on its thread, which ends with the process.
fn with_timeout<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::result::Result<T, Waited> {
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("os-keyring".into())
        .spawn(move || {
            // The receiver is gone when we timed out; nobody wants the answer then.
            let _ = sender.send(work());
        })
        .map_err(|_| Waited::Lost)?;
    receiver.recv_timeout(limit).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => Waited::TimedOut,
        mpsc::RecvTimeoutError::Disconnected => Waited::Lost,
    })
}

/// Maps a store error to ours. The secret never appears: `BadEncoding` and `BadDataFormat` carry
/// the stored bytes, so they are described without their payload.
fn keyring_error(what: &str, e: KeyringError) -> Error {
    let name = long_name();
    let detail = match &e {
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
            return Error::with_hint(
                format!("Could not {what} {name}: the stored value is not text."),
                "It was left unchanged. Remove that entry with your keyring manager, or log in \
                 again.",
            );
        }
        KeyringError::NoStorageAccess(source) => format!("access was denied ({source})"),
        KeyringError::PlatformFailure(source) => source.to_string(),
        other => other.to_string(),
    };
    Error::with_hint(format!("Could not {what} {name}: {detail}"), SWITCH_HINT)
}

/// A read's answer, no entry being `None`.
fn found(read: keyring_core::Result<String>) -> keyring_core::Result<Option<String>> {
    match read {
        Ok(secret) => Ok(Some(secret)),
        Err(KeyringError::NoEntry) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Secret Service via D-Bus.
#[cfg(target_os = "linux")]
mod platform {
    use std::collections::HashMap;
    use std::sync::Arc;

    use dbus_secret_service::{EncryptionType, Error as SsError, SecretService};
    use keyring_core::{CredentialStore, Entry};

    use super::SWITCH_HINT;
    pub use super::by_service_and_user::{delete, get, set};
    use crate::error::{Error, Result};

    pub const NAME: &str = "Secret Service";

    /// The `application` attribute of the items Python's `keyring` writes.
    const PYTHON_APPLICATION: &str = "Python keyring library";

    pub fn open() -> Result<Arc<CredentialStore>> {
        probe()?;
        let store = dbus_secret_service_keyring_store::Store::new()
            .map_err(|e| unavailable(&e.to_string()))?;
        Ok(store)
    }

    /// The item's label as Python's `keyring` writes it, so that both look alike in Seahorse.
    pub fn entry(
        store: &Arc<CredentialStore>,
        service: &str,
        user: &str,
    ) -> keyring_core::Result<Entry> {
        let label = format!("Password for '{user}' on '{service}'");
        let modifiers = HashMap::from([("label", label.as_str())]);
        Entry::new_in_store_with_modifiers(store, service, user, &modifiers)
    }

    /// Python's `set_password` replaces only an item with exactly its attributes (service,
    /// username, application): without `application` on ours it would add a second item, and
    /// its `delete_password` would then leave ours behind, stale.
    pub fn after_set(entry: &Entry) -> keyring_core::Result<()> {
        match entry.get_attributes() {
            Ok(attributes) if !attributes.contains_key("application") => {
                entry.update_attributes(&HashMap::from([("application", PYTHON_APPLICATION)]))
            }
            // Several items (written elsewhere) are left as they are.
            Ok(_) | Err(keyring_core::Error::Ambiguous(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Checks, without ever showing a prompt, that there is a default collection and that it is
    /// unlocked: the store crate would otherwise ask the service to prompt the user, which on a
    /// headless machine never returns. Python's `keyring` uses the default collection too.
    fn probe() -> Result<()> {
        // Plain: this connection carries no secret, so the key exchange is not needed.
        let ss = SecretService::connect_with_max_prompt_timeout(EncryptionType::Plain, 0)
            .map_err(|e| unavailable(&e.to_string()))?;
        let default = match ss.get_default_collection() {
            Ok(collection) => collection,
            Err(SsError::NoResult) => {
                return Err(Error::with_hint(
                    format!(
                        "The system keyring ({NAME}) has no default collection (login keyring)."
                    ),
                    format!("Create one with your keyring manager (e.g. Seahorse). {SWITCH_HINT}"),
                ));
            }
            Err(e) => return Err(unavailable(&e.to_string())),
        };
        match default.is_locked() {
            Ok(false) => Ok(()),
            Ok(true) => Err(Error::with_hint(
                format!("The system keyring ({NAME}) is locked."),
                format!(
                    "Unlock its default collection (login keyring), e.g. by logging in to the \
                     desktop or with your keyring manager. {SWITCH_HINT}"
                ),
            )),
            Err(e) => Err(unavailable(&e.to_string())),
        }
    }

    fn unavailable(detail: &str) -> Error {
        Error::with_hint(
            format!("The system keyring ({NAME}) is not available: {detail}"),
            format!(
                "It needs a D-Bus session bus and a running Secret Service provider such as \
                 gnome-keyring or KeePassXC. {SWITCH_HINT}"
            ),
        )
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};

    pub use super::by_service_and_user::{delete, get, set};
    use crate::error::Result;

    pub const NAME: &str = "macOS Keychain";

    pub fn open() -> Result<Arc<CredentialStore>> {
        apple_native_keyring_store::keychain::Store::new()
            .map(|store| store as Arc<CredentialStore>)
            .map_err(|e| super::keyring_error("open", e))
    }

    pub fn entry(
        store: &Arc<CredentialStore>,
        service: &str,
        user: &str,
    ) -> keyring_core::Result<Entry> {
        Entry::new_in_store(store, service, user)
    }

    pub fn after_set(_: &Entry) -> keyring_core::Result<()> {
        Ok(())
    }
}

#[cfg(windows)]
mod platform {
    use std::sync::Arc;

    use keyring_core::CredentialStore;

    use crate::error::Result;

    pub const NAME: &str = "Windows Credential Manager";
    pub use super::python_winvault::{delete, get, set};

    pub fn open() -> Result<Arc<CredentialStore>> {
        windows_native_keyring_store::Store::new()
            .map(|store| store as Arc<CredentialStore>)
            .map_err(|e| super::keyring_error("open", e))
    }
}

/// Elsewhere `system` is an error, as it is for Python's `keyring` without a backend.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod platform {
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Error, Result};

    use super::SWITCH_HINT;

    pub const NAME: &str = "not supported on this system";

    pub fn open() -> crate::error::Result<Arc<CredentialStore>> {
        Err(crate::error::Error::with_hint(
            "There is no system keyring on this operating system.",
            SWITCH_HINT,
        ))
    }

    fn unsupported<T>() -> Result<T> {
        Err(Error::NotSupportedByStore(NAME.into()))
    }

    pub fn get(_: &Arc<CredentialStore>, _: &str, _: &str) -> Result<Option<String>> {
        unsupported()
    }

    pub fn set(_: &Arc<CredentialStore>, _: &str, _: &str, _: &str) -> Result<()> {
        unsupported()
    }

    pub fn delete(_: &Arc<CredentialStore>, _: &str, _: &str) -> Result<bool> {
        unsupported()
    }
}

/// Reading and writing one entry where the store crate names items as Python does (the
/// platform's `entry`).
#[cfg(any(target_os = "linux", target_os = "macos"))]
mod by_service_and_user {
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Result};

    use super::every_match;
    use super::platform::{after_set, entry};

    pub fn get(store: &Arc<CredentialStore>, service: &str, user: &str) -> Result<Option<String>> {
        every_match::get(&entry(store, service, user)?)
    }

    pub fn set(
        store: &Arc<CredentialStore>,
        service: &str,
        user: &str,
        secret: &str,
    ) -> Result<()> {
        let entry = entry(store, service, user)?;
        every_match::set(&entry, secret)?;
        after_set(&entry)
    }

    pub fn delete(store: &Arc<CredentialStore>, service: &str, user: &str) -> Result<bool> {
        every_match::delete(&entry(store, service, user)?)
    }
}

/// One entry's operations when several items match it (written by other programs, or in several
/// Secret Service collections). Python's `keyring` reads and deletes the first; we read the
/// first, and write and delete them all so that no stale copy is left for anyone to read.
pub(crate) mod every_match {
    use keyring_core::{Entry, Error, Result};

    pub fn get(entry: &Entry) -> Result<Option<String>> {
        match entry.get_password() {
            Err(Error::Ambiguous(entries)) => entries.first().map(Entry::get_password).transpose(),
            other => super::found(other),
        }
    }

    pub fn set(entry: &Entry, secret: &str) -> Result<()> {
        match entry.set_password(secret) {
            Err(Error::Ambiguous(entries)) => {
                entries.iter().try_for_each(|e| e.set_password(secret))
            }
            other => other,
        }
    }

    pub fn delete(entry: &Entry) -> Result<bool> {
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(Error::NoEntry) => Ok(false),
            Err(Error::Ambiguous(entries)) => {
                entries.iter().try_for_each(Entry::delete_credential)?;
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }
}

/// Python's `WinVaultKeyring` naming on the Credential Manager, where a credential is found by its
/// target name alone: the target is the service, holding one user; when another user of the same
/// service is stored, the current one moves to the target `user@service`. Written against
/// `keyring-core` only, so that it is unit-tested on every platform.
#[cfg(any(windows, test))]
mod python_winvault {
    use std::collections::HashMap;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry, Error, Result};

    fn at(store: &Arc<CredentialStore>, target: &str, user: &str) -> Result<Entry> {
        Entry::new_in_store_with_modifiers(
            store,
            target,
            user,
            &HashMap::from([("target", target)]),
        )
    }

    fn compound(service: &str, user: &str) -> String {
        format!("{user}@{service}")
    }

    /// The user name stored on the credential at `target`, if there is one.
    fn user_at(entry: &Entry) -> Result<Option<String>> {
        match entry.get_attributes() {
            Ok(attributes) => Ok(Some(
                attributes.get("username").cloned().unwrap_or_default(),
            )),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes `secret` (raw bytes: Python writes UTF-16 text, and a moved credential keeps its
    /// bytes) at `target` with `user` as its user name.
    fn write(entry: &Entry, user: &str, secret: &[u8]) -> Result<()> {
        entry.set_secret(secret)?;
        // A new credential made with an explicit target gets an empty user name, and an existing
        // one keeps its own: set it.
        entry.update_attributes(&HashMap::from([("username", user)]))
    }

    pub fn get(store: &Arc<CredentialStore>, service: &str, user: &str) -> Result<Option<String>> {
        let main = at(store, service, user)?;
        let entry = match user_at(&main)? {
            Some(found) if found == user => main,
            _ => at(store, &compound(service, user), user)?,
        };
        super::found(entry.get_password())
    }

    pub fn set(
        store: &Arc<CredentialStore>,
        service: &str,
        user: &str,
        secret: &str,
    ) -> Result<()> {
        let main = at(store, service, user)?;
        if let Some(other) = user_at(&main)?.filter(|found| found != user) {
            let moved = at(store, &compound(service, &other), &other)?;
            write(&moved, &other, &main.get_secret()?)?;
        }
        main.set_password(secret)?;
        main.update_attributes(&HashMap::from([("username", user)]))
    }

    pub fn delete(store: &Arc<CredentialStore>, service: &str, user: &str) -> Result<bool> {
        let mut deleted = false;
        for target in [service.to_string(), compound(service, user)] {
            let entry = at(store, &target, user)?;
            if user_at(&entry)?.as_deref() == Some(user) {
                entry.delete_credential()?;
                deleted = true;
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_timeout_returns_the_answer() {
        assert_eq!(with_timeout(Duration::from_secs(5), || 42), Ok(42));
    }

    #[test]
    fn with_timeout_gives_up_on_a_call_that_hangs() {
        let started = std::time::Instant::now();
        let result = with_timeout(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(3));
        });
        assert_eq!(result, Err(Waited::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn errors_never_show_the_secret_and_say_how_to_switch() {
        let secret = b"s3cr3t-value".to_vec();
        for e in [
            KeyringError::BadEncoding(secret.clone()),
            KeyringError::BadDataFormat(secret.clone(), "bad".into()),
            KeyringError::NoStorageAccess("org.freedesktop.Secret.Error.IsLocked".into()),
            KeyringError::PlatformFailure("broken pipe".into()),
        ] {
            let err = keyring_error("read the entry for anaconda.com in", e);
            let text = format!("{err} {:?} {:?}", err.hint(), err);
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(text.contains("anaconda.com"), "{text}");
            assert!(text.contains(&long_name()), "{text}");
        }
        let err = keyring_error("x", KeyringError::PlatformFailure("broken pipe".into()));
        assert!(err.to_string().contains("broken pipe"), "{err}");
        let hint = err.hint().unwrap_or_default();
        assert!(
            hint.contains("preferred_token_storage = \"anaconda-keyring\""),
            "{hint}"
        );
        assert!(hint.contains("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE=anaconda-keyring"));
        let hint = Waited::TimedOut
            .error("x", Timeouts::default().open)
            .hint()
            .unwrap_or_default();
        assert!(hint.contains("anaconda-keyring"), "{hint}");
    }

    /// Python's Windows naming, against a fake Credential Manager: a map from target name to
    /// (user name, secret), as `CredRead`/`CredWrite` see it.
    mod winvault {
        use std::any::Any;
        use std::collections::{BTreeMap, HashMap};
        use std::sync::{Arc, Mutex};

        use keyring_core::api::{CredentialApi, CredentialStoreApi};
        use keyring_core::{Credential, CredentialStore, Entry, Error, Result};

        use super::super::python_winvault::{delete, get, set};

        type Vault = Arc<Mutex<BTreeMap<String, (String, Vec<u8>)>>>;

        #[derive(Debug, Default)]
        struct FakeVault(Vault);

        #[derive(Debug)]
        struct Cred(Vault, String);

        impl CredentialStoreApi for FakeVault {
            fn vendor(&self) -> String {
                "fake".into()
            }
            fn id(&self) -> String {
                "fake".into()
            }
            fn build(&self, _: &str, _: &str, mods: Option<&HashMap<&str, &str>>) -> Result<Entry> {
                let target = mods.and_then(|m| m.get("target")).expect("a target");
                let cred: Arc<Credential> = Arc::new(Cred(self.0.clone(), target.to_string()));
                Ok(Entry::new_with_credential(cred))
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }

        impl CredentialApi for Cred {
            fn set_secret(&self, secret: &[u8]) -> Result<()> {
                let mut vault = self.0.lock().unwrap();
                let user = vault.get(&self.1).map(|c| c.0.clone()).unwrap_or_default();
                vault.insert(self.1.clone(), (user, secret.to_vec()));
                Ok(())
            }
            fn get_secret(&self) -> Result<Vec<u8>> {
                let vault = self.0.lock().unwrap();
                vault
                    .get(&self.1)
                    .map(|c| c.1.clone())
                    .ok_or(Error::NoEntry)
            }
            fn get_attributes(&self) -> Result<HashMap<String, String>> {
                let vault = self.0.lock().unwrap();
                let (user, _) = vault.get(&self.1).ok_or(Error::NoEntry)?;
                Ok(HashMap::from([("username".to_string(), user.clone())]))
            }
            fn update_attributes(&self, attributes: &HashMap<&str, &str>) -> Result<()> {
                let mut vault = self.0.lock().unwrap();
                let cred = vault.get_mut(&self.1).ok_or(Error::NoEntry)?;
                cred.0 = attributes["username"].to_string();
                Ok(())
            }
            fn delete_credential(&self) -> Result<()> {
                let mut vault = self.0.lock().unwrap();
                vault.remove(&self.1).map(drop).ok_or(Error::NoEntry)
            }
            fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
                Ok(None)
            }
            fn get_specifiers(&self) -> Option<(String, String)> {
                None
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }

        fn contents(vault: &Vault) -> Vec<(String, String, String)> {
            let vault = vault.lock().unwrap();
            vault
                .iter()
                .map(|(t, (u, s))| (t.clone(), u.clone(), String::from_utf8_lossy(s).into()))
                .collect()
        }

        fn row(target: &str, user: &str, secret: &str) -> (String, String, String) {
            (target.into(), user.into(), secret.into())
        }

        #[test]
        fn one_user_lives_at_the_service_target() {
            let fake = FakeVault::default();
            let vault = fake.0.clone();
            let store: Arc<CredentialStore> = Arc::new(fake);
            assert_eq!(get(&store, "Anaconda Cloud", "anaconda.com").unwrap(), None);
            set(&store, "Anaconda Cloud", "anaconda.com", "a1").unwrap();
            set(&store, "Anaconda Cloud", "anaconda.com", "a2").unwrap();
            assert_eq!(
                contents(&vault),
                [row("Anaconda Cloud", "anaconda.com", "a2")]
            );
            let found = get(&store, "Anaconda Cloud", "anaconda.com").unwrap();
            assert_eq!(found.as_deref(), Some("a2"));
            assert!(delete(&store, "Anaconda Cloud", "anaconda.com").unwrap());
            assert!(!delete(&store, "Anaconda Cloud", "anaconda.com").unwrap());
            assert!(contents(&vault).is_empty());
        }

        #[test]
        fn a_second_user_moves_the_first_to_a_compound_target() {
            let fake = FakeVault::default();
            let vault = fake.0.clone();
            let store: Arc<CredentialStore> = Arc::new(fake);
            set(&store, "S", "one", "1").unwrap();
            set(&store, "S", "two", "2").unwrap();
            assert_eq!(
                contents(&vault),
                [row("S", "two", "2"), row("one@S", "one", "1")]
            );
            assert_eq!(get(&store, "S", "one").unwrap().as_deref(), Some("1"));
            assert_eq!(get(&store, "S", "two").unwrap().as_deref(), Some("2"));
            assert_eq!(get(&store, "S", "three").unwrap(), None);
            // Deleting a user removes it wherever it is and leaves the other alone.
            assert!(delete(&store, "S", "one").unwrap());
            assert_eq!(contents(&vault), [row("S", "two", "2")]);
            assert!(!delete(&store, "S", "one").unwrap());
        }
    }
}
