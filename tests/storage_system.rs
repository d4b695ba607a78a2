//! `preferred_token_storage = "system"` end to end: the binary keeps the entry in the real OS
//! keyring (Secret Service in CI's private D-Bus session), falls back to the keyring file for
//! reading, migrates legacy entries there too, interoperates with the Python tool, and fails fast
//! when the keyring is not there.
//!
//! The entries use the mock API's `127.0.0.1:PORT` domain, never a real one; the migration test,
//! which must use `anaconda.com`, runs only in CI's throwaway keyring.
#![cfg(target_os = "linux")]

mod common;

use std::process::Command;
use std::time::Duration;

use anaconda_token::store::system::SystemStore;
use common::*;
use predicates::prelude::*;
use serde_json::json;

const SERVICE: &str = "Anaconda Cloud";

/// A HOME whose binary uses the session's Secret Service, and a mock API and repository.
fn setup() -> Option<(Home, Api, SystemStore)> {
    let api = Api::start();
    let mut home = Home::new();
    if !home.with_system_keyring() {
        return None;
    }
    home.with_api(&api);
    let store = SystemStore::open().expect("the Secret Service of the test session");
    Some((home, api, store))
}

/// Removes the test's entry from the OS keyring when the test ends, pass or fail.
struct Cleanup<'a>(&'a SystemStore, String);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.delete(SERVICE, &self.1);
    }
}

#[test]
fn install_list_uninstall_in_the_os_keyring() {
    let Some((home, api, store)) = setup() else {
        return;
    };
    let _cleanup = Cleanup(&store, api.domain());
    api.repo_accepts("tok-sys");
    home.install_given("tok-sys", "acme").assert().success();
    // In the OS keyring, in the Python tool's format; not in the file.
    let secret = store
        .get(SERVICE, &api.domain())
        .unwrap()
        .expect("stored in the OS keyring");
    assert_eq!(decode_entry(&secret)["repo_tokens"][0]["token"], "tok-sys");
    assert!(!home.keyring_path().exists());
    home.cmd(&["token", "list"]).assert().success().stdout(
        predicate::str::contains("tok-sys").and(predicate::str::contains(
            "Stored in the system keyring (Secret Service)",
        )),
    );
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    let secret = store.get(SERVICE, &api.domain()).unwrap().unwrap();
    assert_eq!(decode_entry(&secret)["repo_tokens"], json!([]));
}

#[test]
fn reading_falls_back_to_the_keyring_file() {
    let Some((home, api, store)) = setup() else {
        return;
    };
    let _cleanup = Cleanup(&store, api.domain());
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "api_key": "k", "repo_tokens": [{"token": "tok-file", "org_name": "old"}], "version": 2}),
    );
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["token"], "tok-file");
    assert!(
        rows[0]["storage"]
            .as_str()
            .unwrap()
            .contains("keyring (plain text file"),
        "{rows}"
    );
    // A write goes to the OS keyring and carries the file's entry over; the file is untouched.
    let before = std::fs::read(home.keyring_path()).unwrap();
    api.repo_accepts("tok-new");
    home.install_given("tok-new", "acme").assert().success();
    let entry = decode_entry(&store.get(SERVICE, &api.domain()).unwrap().unwrap());
    assert_eq!(entry["api_key"], "k");
    assert_eq!(entry["repo_tokens"].as_array().unwrap().len(), 2);
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}

#[test]
fn legacy_entries_are_migrated_in_the_os_keyring() {
    if std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_KEYRING").is_none() {
        eprintln!("skipped: touches anaconda.com entries: runs only in CI's throwaway keyring");
        return;
    }
    let mut home = Home::new();
    assert!(home.with_system_keyring());
    let store = SystemStore::open().unwrap();
    let _new = Cleanup(&store, "anaconda.com".into());
    let _old = Cleanup(&store, "id.anaconda.cloud".into());
    let _ = store.delete(SERVICE, "anaconda.com");
    let old = encode_entry(
        &json!({"domain": "id.anaconda.cloud", "repo_tokens": [{"token": "tok-legacy", "org_name": "acme"}]}),
    );
    store.set(SERVICE, "id.anaconda.cloud", &old).unwrap();
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tok-legacy"));
    assert_eq!(store.get(SERVICE, "id.anaconda.cloud").unwrap(), None);
    let entry = decode_entry(&store.get(SERVICE, "anaconda.com").unwrap().unwrap());
    assert_eq!(entry["domain"], "anaconda.com");
    assert_eq!(entry["version"], 2);
}

/// What the binary says when the OS keyring cannot be reached, for `list` (which reads the file
/// instead) and `install` (which must not write the file instead): exit 1, the switch hint, and
/// no keyring file. `wrap` runs the binary (inside a D-Bus session of its own, or not).
fn assert_unreachable_and_nothing_written(
    home: &Home,
    wrap: impl Fn(&[&str]) -> Command,
) -> String {
    let mut said = String::new();
    for args in [
        &["token", "list"][..],
        &["token", "install", "tok", "-o", "acme"][..],
    ] {
        // A hang-guard only: the keyring's own timeout is what must end the wait.
        let out = assert_cmd::Command::from_std(wrap(args))
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("preferred_token_storage"), "{err}");
        assert!(err.contains("Secret Service"), "{err}");
        assert!(
            !home.keyring_path().exists(),
            "fell back to writing the file"
        );
        said.push_str(&err);
    }
    said
}

/// No bus at all: the keyring fails at once, by itself (no timeout is waited for).
#[test]
fn an_unreachable_keyring_fails_fast_and_writes_nothing() {
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system")
        .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        // Longer than the hang-guard: only failing by itself passes.
        .set("ANACONDA_TOKEN_KEYRING_TIMEOUT", "60");
    let said = assert_unreachable_and_nothing_written(&home, |args| home.std_cmd(args));
    assert!(said.contains("is not available"), "{said}");
    assert!(!said.contains("did not answer"), "{said}");
}

/// A bus that never answers: `ANACONDA_TOKEN_KEYRING_TIMEOUT` ends the wait, and says so.
#[test]
fn a_keyring_that_never_answers_is_given_up_after_the_keyring_timeout() {
    if !installed("dbus-run-session") {
        assert!(
            std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_KEYRING").is_none(),
            "dbus-run-session is not installed, and ANACONDA_TOKEN_TEST_REQUIRE_KEYRING is set"
        );
        eprintln!("skipped: dbus-run-session is not installed");
        return;
    }
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system")
        .set("ANACONDA_TOKEN_KEYRING_TIMEOUT", "0.3");
    // Nothing may be received on this bus: the connection never completes.
    let config = home.path().join("deaf-bus.conf");
    std::fs::write(
        &config,
        "<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>\
         <policy context=\"default\"><allow send_destination=\"*\"/><allow own=\"*\"/>\
         </policy></busconfig>",
    )
    .unwrap();
    let said = assert_unreachable_and_nothing_written(&home, |args| {
        let binary = home.std_cmd(args);
        let mut command = Command::new("dbus-run-session");
        command
            .arg(format!("--config-file={}", config.display()))
            .arg("--")
            .arg(binary.get_program())
            .args(binary.get_args())
            .env_clear()
            .envs(home.env().iter().map(|(k, v)| (k, v)))
            .current_dir(home.path());
        command
    });
    assert!(said.contains("did not answer within 0.3 seconds"), "{said}");
    // `list` read the keyring file instead, and said so once.
    assert_eq!(
        said.matches("Reading the keyring file instead").count(),
        1,
        "{said}"
    );
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs Python with the anaconda-auth API against the same Secret Service.
fn python(home: &Home, code: &str) -> Option<String> {
    let python = std::env::var("ANACONDA_TOKEN_TEST_PYTHON").ok()?;
    let mut cmd = Command::new(python);
    cmd.env_clear();
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    let out = cmd.args(["-c", code]).output().expect("python runs");
    assert!(out.status.success(), "python failed: {}", stderr(&out));
    Some(stdout(&out))
}

#[test]
fn the_python_tool_and_ours_share_the_os_keyring_entry() {
    let Some((home, api, store)) = setup() else {
        return;
    };
    let _cleanup = Cleanup(&store, api.domain());
    if std::env::var_os("ANACONDA_TOKEN_TEST_PYTHON").is_none() {
        eprintln!("skipped: ANACONDA_TOKEN_TEST_PYTHON is not set (bash .ci/run sets it)");
        return;
    }
    let domain = api.domain();
    // Ours installs; Python reads it, then uninstalls it.
    api.repo_accepts("tok-ours");
    home.install_given("tok-ours", "acme").assert().success();
    let seen = python(
        &home,
        &format!(
            "from anaconda_auth.token import TokenInfo\n\
             t = TokenInfo.load('{domain}')\n\
             print(t.get_repo_token('acme'))\n\
             t.delete_repo_token('acme'); t.save()"
        ),
    )
    .unwrap();
    assert_eq!(seen.trim(), "tok-ours");
    // (The Python tool leaves conda's token file alone: only the entry's tokens are gone.)
    let sources = home.listed_sources();
    assert!(sources.iter().all(|s| s != "keyring"), "{sources:?}");

    // Python installs; ours reads it, then uninstalls it; Python sees that.
    python(
        &home,
        &format!(
            "from anaconda_auth.token import TokenInfo\n\
             t = TokenInfo.load('{domain}', create=True)\n\
             t.set_repo_token('beta', 'tok-py'); t.save()"
        ),
    );
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tok-py"));
    home.cmd(&["token", "uninstall", "-o", "beta"])
        .assert()
        .success();
    let left = python(
        &home,
        &format!("from anaconda_auth.token import TokenInfo\nprint(len(TokenInfo.load('{domain}').repo_tokens))"),
    )
    .unwrap();
    assert_eq!(left.trim(), "0");
    // Python's file backend creates an empty keyring file when it checks it can write there;
    // no entry went into it.
    assert!(home.entry(&domain).is_none(), "an entry went to the file");
}

#[test]
fn a_file_entry_behind_an_os_keyring_entry_is_not_in_effect() {
    let Some((home, api, store)) = setup() else {
        return;
    };
    let _cleanup = Cleanup(&store, api.domain());
    let entry = |token: &str| json!({"domain": api.domain(), "repo_tokens": [{"token": token, "org_name": "acme"}], "version": 2});
    store
        .set(SERVICE, &api.domain(), &encode_entry(&entry("tok-sys")))
        .unwrap();
    home.write_entry(&api.domain(), &entry("tok-file"));
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tokens: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "keyring")
        .map(|r| r["token"].as_str().unwrap())
        .collect();
    assert_eq!(tokens, ["tok-sys"]);
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No token is installed"));
    // A corrupt file behind an OS-keyring entry is not read, so it does not stop an install.
    std::fs::write(home.keyring_path(), "{corrupt").unwrap();
    api.repo_accepts("tok-2");
    home.install_given("tok-2", "acme").assert().success();
    assert_eq!(
        std::fs::read_to_string(home.keyring_path()).unwrap(),
        "{corrupt"
    );
}

#[test]
fn reading_uses_the_file_when_the_os_keyring_is_unreachable() {
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system")
        .set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    home.write_entry("anaconda.com", &json!({"domain": "anaconda.com", "repo_tokens": [{"token": "tok-file", "org_name": "acme"}], "version": 2}));
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tok-file"))
        .stderr(predicate::str::contains("Reading the keyring file instead"));
    // Writing is not silently redirected to the file.
    let before = std::fs::read(home.keyring_path()).unwrap();
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .code(1);
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}
