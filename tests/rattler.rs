//! A real consumer of rattler's authentication store: py-rattler (the library pixi and
//! rattler-build are built on) fetches an organization's channel from the mock server, which
//! serves it only under `/t/<token>/`. The channel URL carries no token, so rattler can only reach
//! the channel through a `CondaToken` credential in its authentication storage.
//!
//! What these tests show about rattler (rattler_networking's `authentication_storage/storage.rs`
//! and `authentication_middleware.rs`, py-rattler 0.28.0):
//! - The credential is looked up by the URL's host alone, `Url::host_str()`: `127.0.0.1`, never
//!   `127.0.0.1:PORT` (then `*.domain` wildcards, which an IP address has none of).
//! - The default storage reads, in order: the file `$RATTLER_AUTH_FILE` (when set), the OS
//!   keyring (service `rattler`, user the host, secret `{"CondaToken": "…"}`),
//!   `~/.rattler/credentials.json`, `~/.netrc`. The first that knows the host wins;
//!   `RATTLER_AUTH_FILE` does not hide the default file.
//!
//! Needs a Python with py-rattler, named by `ANACONDA_TOKEN_TEST_PYTHON` (`.ci/run` installs it
//! in its venv). Without one the tests say so on stderr and pass vacuously; CI sets
//! `ANACONDA_TOKEN_TEST_REQUIRE_RATTLER`, which makes that a failure.

mod common;

use std::path::PathBuf;

use common::rattler::{
    PACKAGE, channel_requests, channel_url, fetch, rattler_python, serve_channel, write_auth_file,
};
use common::*;
use serde_json::json;

const TOKEN: &str = "tok-rattler-123";
const EXPIRES: &str = "2027-01-31T00:00:00";

/// What rattler parses from the channel: the package in `noarch`, nothing in `linux-64`.
fn the_channel() -> serde_json::Value {
    json!({"noarch": [PACKAGE], "linux-64": []})
}

/// rattler asked for the channel (`asked`: the paths the server saw), and each request carried
/// `/t/<token>/`.
fn assert_asked_with_token(asked: &[String], token: &str) {
    let expected = format!("/t/{token}/repo/acme/noarch/repodata.json");
    assert!(asked.contains(&expected), "{asked:?}");
    let prefix = format!("/t/{token}/");
    assert!(asked.iter().all(|p| p.starts_with(&prefix)), "{asked:?}");
}

/// rattler asked for the channel (`asked`: the paths the server saw) without any token. (Which
/// subdirectory it asked for last is a race: it gives up on all of them at the first refusal.)
fn assert_asked_without_token(asked: &[String]) {
    assert!(
        asked.iter().any(|p| p.ends_with("/repodata.json")),
        "{asked:?}"
    );
    assert!(asked.iter().all(|p| !p.starts_with("/t/")), "{asked:?}");
}

/// A mock server with the channel behind `TOKEN`, and a HOME whose `RATTLER_AUTH_FILE` is a file
/// that does not exist yet.
fn channel_and_home() -> (Api, Home, PathBuf) {
    let api = Api::start();
    serve_channel(&api, TOKEN);
    let mut home = Home::new();
    let auth_file = home.path().join("rattler-auth").join("credentials.json");
    home.set("RATTLER_AUTH_FILE", auth_file.to_str().unwrap());
    (api, home, auth_file)
}

#[test]
fn a_conda_token_for_the_host_in_rattler_auth_file_opens_the_channel() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (api, home, auth_file) = channel_and_home();
    write_auth_file(
        &auth_file,
        &json!({
            "127.0.0.1": {"CondaToken": TOKEN},
            "prefix.dev": {"BearerToken": "someone-else"},
        }),
    );

    let parsed = fetch(&python, &home, &channel_url(&api)).parsed();
    assert_eq!(parsed, the_channel());
    assert_asked_with_token(&channel_requests(&api), TOKEN);
}

#[test]
fn the_default_credentials_file_in_home_opens_the_channel() {
    let Some(python) = rattler_python() else {
        return;
    };
    let api = Api::start();
    serve_channel(&api, TOKEN);
    let home = Home::new();
    write_auth_file(
        &home.path().join(".rattler").join("credentials.json"),
        &json!({"127.0.0.1": {"CondaToken": TOKEN}}),
    );

    let parsed = fetch(&python, &home, &channel_url(&api)).parsed();
    assert_eq!(parsed, the_channel());
    assert_asked_with_token(&channel_requests(&api), TOKEN);
}

#[test]
fn without_a_credential_rattler_is_refused() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (api, home, auth_file) = channel_and_home();

    // No file at all, then a file that knows other hosts only.
    let error = fetch(&python, &home, &channel_url(&api)).refused();
    assert!(error.contains("404"), "{error}");
    assert_asked_without_token(&channel_requests(&api));

    write_auth_file(
        &auth_file,
        &json!({"prefix.dev": {"BearerToken": "someone-else"}}),
    );
    fetch(&python, &home, &channel_url(&api)).refused();
    assert_asked_without_token(&channel_requests(&api));
}

#[test]
fn a_host_key_with_the_port_is_never_looked_up() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (api, home, auth_file) = channel_and_home();
    write_auth_file(&auth_file, &json!({ api.domain(): {"CondaToken": TOKEN} }));

    fetch(&python, &home, &channel_url(&api)).refused();
    assert_asked_without_token(&channel_requests(&api));
}

#[test]
fn a_wrong_token_for_the_host_is_refused() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (api, home, auth_file) = channel_and_home();
    write_auth_file(&auth_file, &json!({"127.0.0.1": {"CondaToken": "revoked"}}));

    fetch(&python, &home, &channel_url(&api)).refused();
    let asked = channel_requests(&api);
    assert!(
        asked.iter().all(|p| p.starts_with("/t/revoked/")),
        "{asked:?}"
    );
}

#[test]
fn rattler_auth_file_comes_first_but_does_not_hide_the_default_file() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (api, home, auth_file) = channel_and_home();
    let default_file = home.path().join(".rattler").join("credentials.json");
    write_auth_file(&default_file, &json!({"127.0.0.1": {"CondaToken": TOKEN}}));

    // A `RATTLER_AUTH_FILE` without the host: rattler goes on to the default file.
    write_auth_file(
        &auth_file,
        &json!({"prefix.dev": {"BearerToken": "someone-else"}}),
    );
    assert_eq!(
        fetch(&python, &home, &channel_url(&api)).parsed(),
        the_channel()
    );

    // With the host in both, `RATTLER_AUTH_FILE`'s credential is the one sent.
    write_auth_file(&auth_file, &json!({"127.0.0.1": {"CondaToken": "revoked"}}));
    fetch(&python, &home, &channel_url(&api)).refused();
    let asked = channel_requests(&api);
    assert!(
        asked.last().unwrap().starts_with("/t/revoked/"),
        "{asked:?}"
    );
}

/// rattler's OS keyring entry (its `KeyringAuthenticationStorage`, the second place it looks):
/// on Linux a Secret Service item with `service` = `rattler` and `username` = the host, whose
/// secret is the authentication as JSON, `{"CondaToken": "…"}`. Written here with our own
/// `SystemStore`, as `preferred_token_storage = "system"` would.
///
/// The server listens on a loopback address of its own (Linux routes all of 127.0.0.0/8 to the
/// loopback interface), so the item's host is this run's alone: neither another test in CI's
/// shared gnome-keyring nor a developer's real `rattler` entries can meet it.
#[cfg(target_os = "linux")]
#[test]
fn a_conda_token_in_the_secret_service_opens_the_channel() {
    use anaconda_token::store::system::SystemStore;

    /// Deletes the item when dropped, also when the test fails.
    struct Item<'a>(&'a SystemStore, String);
    impl Drop for Item<'_> {
        fn drop(&mut self) {
            let _ = self.0.delete("rattler", &self.1);
        }
    }

    let Some(python) = rattler_python() else {
        return;
    };
    let mut home = Home::new();
    if !home.with_system_keyring() {
        return;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let host = format!(
        "127.{}.{}.{}",
        std::process::id() % 250 + 1,
        nanos % 250 + 1,
        nanos / 250 % 250 + 1
    );
    let api = Api::start_on(std::net::TcpListener::bind((host.as_str(), 0)).unwrap());
    serve_channel(&api, TOKEN);
    let url = channel_url(&api);
    assert!(url.starts_with(&format!("http://{host}:")), "{url}");
    let store = SystemStore::open().expect("the Secret Service opens");

    fetch(&python, &home, &url).refused();
    assert_asked_without_token(&channel_requests(&api));

    let before = channel_requests(&api).len();
    let secret = json!({"CondaToken": TOKEN}).to_string();
    let item = Item(&store, host.clone());
    store.set("rattler", &host, &secret).unwrap();
    assert_eq!(fetch(&python, &home, &url).parsed(), the_channel());
    assert_asked_with_token(&channel_requests(&api)[before..], TOKEN);
    drop(item);
}

/// The issue's "Done means": one `install` with `--tool conda --tool pixi` leaves both conda and
/// rattler (pixi) able to use the organization's channel, and `uninstall` undoes both, keeping
/// the other hosts' credentials in rattler's file.
#[test]
fn install_with_tool_pixi_lets_rattler_fetch_the_channel() {
    let Some(python) = rattler_python() else {
        return;
    };
    let (mut home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    serve_channel(&api, TOKEN);
    let auth_file = home.path().join("rattler-auth").join("credentials.json");
    home.set("RATTLER_AUTH_FILE", auth_file.to_str().unwrap());
    let someone_else = json!({"BearerToken": "someone-else"});
    write_auth_file(&auth_file, &json!({"prefix.dev": someone_else}));

    // Before: rattler cannot reach the channel.
    fetch(&python, &home, &channel_url(&api)).refused();
    assert_asked_without_token(&channel_requests(&api));

    home.cmd(&[
        "token", "install", "--org", "acme", "--tool", "conda", "--tool", "pixi", "-y",
    ])
    .assert()
    .success();

    // conda can use it…
    assert_eq!(
        std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
        TOKEN
    );
    // …and so can rattler, through the file we wrote.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&auth_file).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({"127.0.0.1": {"CondaToken": TOKEN}, "prefix.dev": someone_else})
    );
    let before = channel_requests(&api).len();
    assert_eq!(
        fetch(&python, &home, &channel_url(&api)).parsed(),
        the_channel()
    );
    assert_asked_with_token(&channel_requests(&api)[before..], TOKEN);

    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();

    assert!(!home.conda_token_file(&api.repo_url()).exists());
    let left = std::fs::read_to_string(&auth_file).unwrap();
    assert!(!left.contains(TOKEN), "{left}");
    let left: serde_json::Value = serde_json::from_str(&left).unwrap();
    assert_eq!(left, json!({"prefix.dev": someone_else}));
    let before = channel_requests(&api).len();
    fetch(&python, &home, &channel_url(&api)).refused();
    assert_asked_without_token(&channel_requests(&api)[before..]);
}
