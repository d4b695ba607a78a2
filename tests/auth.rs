//! `anaconda whoami`, `anaconda auth api-key`, `anaconda logout`.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::json;

fn logged_in(home: &Home, domain: &str) {
    home.write_entry(
        domain,
        &json!({"domain": domain, "api_key": API_KEY, "repo_tokens": [{"token": "tok-a", "org_name": "acme"}], "version": 2}),
    );
}

#[test]
fn whoami_prints_the_account() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    logged_in(&home, &api.domain());
    api.acme();
    let out = home.cmd(&["whoami"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(account["user"]["username"], "alice");
    assert!(stdout(&out).contains("\n  \"user\""), "pretty-printed");
    home.cmd(&["auth", "whoami"]).assert().success();
}

#[test]
fn whoami_without_a_login() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.cmd(&["whoami"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("Login is required"));
    assert!(api.requests().is_empty());
}

#[test]
fn api_key_for_scripts() {
    let home = Home::new();
    home.cmd(&["auth", "api-key"]).assert().code(1).stdout("");
    logged_in(&home, "anaconda.com");
    home.cmd(&["auth", "api-key"])
        .assert()
        .success()
        .stdout(format!("{API_KEY}\n"));
    let mut home = home;
    home.set("ANACONDA_AUTH_API_KEY", "from-env");
    home.cmd(&["auth", "api-key"])
        .assert()
        .success()
        .stdout("from-env\n");
}

#[test]
fn expired_api_key_is_not_printed() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.sig",
        b64.encode(r#"{"alg":"RS256"}"#),
        b64.encode(r#"{"exp":1000}"#)
    );
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_API_KEY", jwt);
    home.cmd(&["auth", "api-key"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("expired"));
}

#[test]
fn logout_keeps_the_repository_tokens() {
    let home = Home::new();
    logged_in(&home, "anaconda.com");
    home.cmd(&["logout"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Logged out of anaconda.com"));
    let entry = home.entry("anaconda.com").unwrap();
    // No key, in the one shape the Python tool can load (see tests/interop_matrix.rs).
    assert_eq!(
        entry["api_key"],
        anaconda_token::store::token_info::SIGNED_OUT_API_KEY
    );
    assert_eq!(entry["repo_tokens"][0]["token"], "tok-a");
    home.cmd(&["auth", "logout"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Not logged in"));
}
