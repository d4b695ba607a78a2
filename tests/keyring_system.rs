//! The OS keyring store against a real one: Secret Service on Linux (`.ci/run` runs the tests in a
//! private D-Bus session with an unlocked gnome-keyring), the native stores on macOS and Windows.
//!
//! When no store can be reached, each test says why on stderr and passes, so that a plain
//! `cargo test` works anywhere; `ANACONDA_TOKEN_TEST_REQUIRE_KEYRING=1` (set by CI) makes that a
//! failure instead, so that a broken keyring set-up cannot pass unnoticed.
//!
//! Items use their own service name and unique user names, so that a developer's real entries
//! are never touched (on Windows, a second user under "Anaconda Cloud" would move the real one).

use std::process::Command;
#[cfg(target_os = "linux")]
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use anaconda_token::store::system::SystemStore;
#[cfg(target_os = "linux")]
use anaconda_token::store::system::Timeouts;

const SERVICE: &str = "anaconda-token test";

/// Held by each test that uses the store. On Windows the credential of a service is shared by its
/// users (the target is the service name, see `python_winvault`), so two tests changing users of
/// `SERVICE` at once would move each other's credentials mid-way.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The store, and the turn to use it (keep it until the test ends).
fn open() -> Option<(SystemStore, std::sync::MutexGuard<'static, ()>)> {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let reason =
        if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            "DBUS_SESSION_BUS_ADDRESS is not set".to_string()
        } else {
            match SystemStore::open() {
                Ok(store) => return Some((store, turn)),
                Err(e) => format!("{e} {}", e.hint().unwrap_or_default()),
            }
        };
    assert!(
        std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_KEYRING").is_none(),
        "no system keyring, and ANACONDA_TOKEN_TEST_REQUIRE_KEYRING is set: {reason}"
    );
    eprintln!("skipped: no system keyring: {reason}");
    None
}

/// A user name no other test run uses, deleted when dropped (also when the test fails).
struct TestUser<'a> {
    store: &'a SystemStore,
    name: String,
}

impl<'a> TestUser<'a> {
    fn new(store: &'a SystemStore, tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("{tag}-{}-{nanos}.example", std::process::id());
        TestUser { store, name }
    }
}

impl Drop for TestUser<'_> {
    fn drop(&mut self) {
        let _ = self.store.delete(SERVICE, &self.name);
    }
}

#[test]
fn set_get_delete_round_trip() {
    let Some((store, _turn)) = open() else {
        return;
    };
    let user = TestUser::new(&store, "round-trip");
    let user = user.name.as_str();
    assert_eq!(store.get(SERVICE, user).unwrap(), None);
    assert!(!store.delete(SERVICE, user).unwrap());

    store.set(SERVICE, user, "first").unwrap();
    assert_eq!(store.get(SERVICE, user).unwrap().as_deref(), Some("first"));
    // A second set replaces the value, it does not add a second item. The Credential Manager
    // holds at most 2560 bytes of secret, 1280 characters of UTF-16; the other stores more.
    let long = format!(
        "eyJ{}=",
        "x".repeat(if cfg!(windows) { 1200 } else { 4000 })
    );
    store.set(SERVICE, user, &long).unwrap();
    assert_eq!(store.get(SERVICE, user).unwrap(), Some(long.clone()));
    if cfg!(windows) {
        // Too long for it: an error that says how to use the keyring file, and the value kept.
        let err = store.set(SERVICE, user, &"x".repeat(1281)).unwrap_err();
        assert!(
            err.hint().unwrap_or_default().contains("anaconda-keyring"),
            "{err}"
        );
        assert_eq!(store.get(SERVICE, user).unwrap(), Some(long));
    }

    assert!(store.delete(SERVICE, user).unwrap());
    assert_eq!(store.get(SERVICE, user).unwrap(), None);
    assert!(!store.delete(SERVICE, user).unwrap());
    assert!(store.describe().starts_with("the system keyring ("));
}

/// Two users of one service (on Windows, one of them lives under the compound target).
#[test]
fn users_of_one_service_are_kept_apart() {
    let Some((store, _turn)) = open() else {
        return;
    };
    let one = TestUser::new(&store, "one");
    let two = TestUser::new(&store, "two");
    store.set(SERVICE, &one.name, "1").unwrap();
    store.set(SERVICE, &two.name, "2").unwrap();
    store.set(SERVICE, &one.name, "1b").unwrap();
    assert_eq!(
        store.get(SERVICE, &one.name).unwrap().as_deref(),
        Some("1b")
    );
    assert_eq!(store.get(SERVICE, &two.name).unwrap().as_deref(), Some("2"));
    assert!(store.delete(SERVICE, &one.name).unwrap());
    assert_eq!(store.get(SERVICE, &one.name).unwrap(), None);
    assert_eq!(store.get(SERVICE, &two.name).unwrap().as_deref(), Some("2"));
}

/// Runs Python's `keyring` (`op` is get, set or delete); returns what `get` found.
fn python_keyring(python: &str, op: &str, user: &str, secret: &str) -> Option<String> {
    const CODE: &str = "
import sys, keyring
op, service, user, secret = sys.argv[1:]
if op == 'set':
    keyring.set_password(service, user, secret)
elif op == 'delete':
    keyring.delete_password(service, user)
else:
    value = keyring.get_password(service, user)
    print('none' if value is None else 'value:' + value, end='')
";
    let mut command = Command::new(python);
    command.args(["-c", CODE, op, SERVICE, user, secret]);
    if cfg!(target_os = "linux") {
        // The backend Python's tool picks on a Linux desktop; never the keyring file.
        command.env(
            "PYTHON_KEYRING_BACKEND",
            "keyring.backends.SecretService.Keyring",
        );
    }
    let out = command.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python keyring {op} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.strip_prefix("value:").map(str::to_string)
}

/// The Python named by ANACONDA_TOKEN_TEST_PYTHON, if it has `keyring` (and, on Linux,
/// `secretstorage`).
fn python() -> Option<String> {
    let python = std::env::var("ANACONDA_TOKEN_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    let Some(python) = python else {
        eprintln!("skipped: ANACONDA_TOKEN_TEST_PYTHON is not set (bash .ci/run sets it)");
        return None;
    };
    let modules = if cfg!(target_os = "linux") {
        "import keyring, secretstorage"
    } else {
        "import keyring"
    };
    let ok = Command::new(&python)
        .args(["-c", modules])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "{python} cannot `{modules}`");
    Some(python)
}

#[test]
fn python_keyring_reads_ours_and_we_read_theirs() {
    let Some((store, _turn)) = open() else {
        return;
    };
    let Some(python) = python() else { return };

    // Theirs, read, replaced and deleted by us; the replacement is seen by them.
    let user = TestUser::new(&store, "python-first");
    let user = user.name.as_str();
    python_keyring(&python, "set", user, "from-python");
    assert_eq!(
        store.get(SERVICE, user).unwrap().as_deref(),
        Some("from-python")
    );
    store.set(SERVICE, user, "from-rust").unwrap();
    assert_eq!(
        python_keyring(&python, "get", user, "").as_deref(),
        Some("from-rust")
    );
    assert!(store.delete(SERVICE, user).unwrap());
    assert_eq!(python_keyring(&python, "get", user, ""), None);

    // Ours, read, replaced and deleted by them; the replacement is seen by us.
    let user = TestUser::new(&store, "rust-first");
    let user = user.name.as_str();
    store.set(SERVICE, user, "from-rust").unwrap();
    assert_eq!(
        python_keyring(&python, "get", user, "").as_deref(),
        Some("from-rust")
    );
    python_keyring(&python, "set", user, "from-python");
    assert_eq!(
        store.get(SERVICE, user).unwrap().as_deref(),
        Some("from-python")
    );
    python_keyring(&python, "delete", user, "");
    assert_eq!(store.get(SERVICE, user).unwrap(), None);
}

/// Set in the child processes of `unavailable_store_fails_fast_with_the_switch_hint`.
#[cfg(target_os = "linux")]
const CHILD: &str = "ANACONDA_TOKEN_TEST_UNAVAILABLE_CHILD";

/// Runs in a child process whose environment points at no usable Secret Service (libdbus reads
/// the process environment, which a test must not change for the other tests).
#[cfg(target_os = "linux")]
#[test]
fn unavailable_child() {
    let Some(case) = std::env::var_os(CHILD) else {
        return;
    };
    if case == "locked" {
        lock_default_collection();
    }
    // Only the bus that never answers needs the timeout to end the wait, so it gets a short
    // one and must say it gave up; the others get a long one and must fail by themselves.
    let never_answers = case == "no answer";
    let open = if never_answers {
        Duration::from_millis(300)
    } else {
        Duration::from_secs(20)
    };
    let timeouts = Timeouts {
        open,
        ..Timeouts::default()
    };
    let err = SystemStore::open_within(timeouts).expect_err("open fails");
    let hint = err.hint().unwrap_or_default();
    eprintln!("open failed: {err}\n{hint}");
    assert_eq!(
        err.to_string()
            .contains("did not answer within 0.3 seconds"),
        never_answers,
        "{err}"
    );
    assert!(err.to_string().contains("Secret Service"), "{err}");
    if case == "locked" {
        assert!(err.to_string().contains("locked"), "{err}");
    }
    assert!(
        hint.contains("preferred_token_storage = \"anaconda-keyring\"")
            && hint.contains("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE=anaconda-keyring"),
        "{hint}"
    );
}

/// Locks the default collection of the child's own gnome-keyring (locking needs no prompt).
#[cfg(target_os = "linux")]
fn lock_default_collection() {
    use dbus_secret_service::{EncryptionType, SecretService};
    let ss = SecretService::connect(EncryptionType::Plain).expect("the child's Secret Service");
    let collection = ss.get_default_collection().expect("a default collection");
    collection.lock().expect("lock");
    assert!(collection.is_locked().expect("is_locked"));
}

#[cfg(target_os = "linux")]
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(target_os = "linux")]
#[test]
fn unavailable_store_fails_fast_with_the_switch_hint() {
    use std::io::{Read, Seek, SeekFrom};

    let this = std::env::current_exe().expect("the test binary");
    let child = |case: &str| {
        let mut command = Command::new(&this);
        command.args(["--exact", "unavailable_child", "--nocapture"]);
        command.env(CHILD, case);
        command
    };
    let run = |mut command: Command, case: &str| {
        // No X11 autolaunch and no $XDG_RUNTIME_DIR/bus: only the address given here counts.
        command.env_remove("DISPLAY").env_remove("XDG_RUNTIME_DIR");
        // Output goes to a file, not a pipe: a daemon left behind by a child must not keep us
        // waiting for the end of its output.
        let mut log = tempfile::tempfile().expect("log file");
        let clone = || log.try_clone().expect("log file");
        command.stdout(clone()).stderr(clone());
        let status = command.status().expect("the test binary runs");
        let mut text = String::new();
        log.seek(SeekFrom::Start(0)).expect("log file");
        log.read_to_string(&mut text).expect("log file");
        assert!(status.success(), "{case}: {text}");
        assert!(text.contains("1 passed"), "{case}: {text}");
    };

    let mut no_socket = child("no socket");
    no_socket.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    run(no_socket, "a bus address with no socket");

    let mut no_address = child("no address");
    no_address.env_remove("DBUS_SESSION_BUS_ADDRESS");
    run(no_address, "no bus address");

    if !installed("dbus-run-session") {
        eprintln!("skipped the cases with a bus: dbus-run-session is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let bus = |case: &str, policy: &str| {
        let config = dir.path().join(format!("{case}.conf"));
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">{policy}</policy></busconfig>"
            ),
        )
        .expect("bus config");
        let mut command = Command::new("dbus-run-session");
        command
            .arg(format!("--config-file={}", config.display()))
            .arg("--")
            .arg(&this)
            .args(["--exact", "unavailable_child", "--nocapture"])
            .env(CHILD, case);
        command
    };
    // The configuration lists no service folder, so no Secret Service can be started.
    let open_policy = r#"<allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/>"#;
    run(
        bus("no provider", open_policy),
        "a bus without a Secret Service",
    );
    // Nothing may be received: the bus never answers, and only our timeout ends the wait.
    let deaf_policy = r#"<allow send_destination="*"/><allow own="*"/>"#;
    run(bus("no answer", deaf_policy), "a bus that never answers");

    if !installed("gnome-keyring-daemon") {
        eprintln!("skipped the gnome-keyring cases: gnome-keyring-daemon is not installed");
        return;
    }
    // Each on its own bus with its own keyrings (a fresh XDG_DATA_HOME), so that locking one
    // cannot disturb the other tests.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/common/secret_service.sh"
    );
    let with_keyring = |case: &str, options: &[&str]| {
        let data = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new("dbus-run-session");
        command
            .args(["--", "sh", script])
            .args(options)
            .arg(&this)
            .args(["--exact", "unavailable_child", "--nocapture"])
            .env("XDG_DATA_HOME", data.path())
            .env(CHILD, case);
        run(command, case);
    };
    with_keyring("locked", &[]);
    with_keyring("no collection", &["--no-login-keyring"]);
}
