//! `anaconda whoami`, `anaconda auth api-key`, `anaconda logout`.

mod common;

use common::*;
use serde_json::json;

fn logged_in(home: &Home, domain: &str) {
    home.write_entry(
        domain,
        &json!({"domain": domain, "api_key": API_KEY, "repo_tokens": [{"token": "tok-a", "org_name": "acme"}], "version": 2}),
    );
}

#[test]
fn whoami_prints_the_account() {
    let (home, api) = setup_without_key();
    logged_in(&home, &api.domain());
    api.acme();
    // Pretty-printed JSON.
    let out = cmd_snapshot!(home, home.cmd(&["whoami"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "domain": "[DOMAIN]",
      "profile": {},
      "subscriptions": [
        {
          "org_id": "11111111-1111-1111-1111-111111111111",
          "product_code": "commercial_subscription"
        }
      ],
      "user": {
        "email": "a@b.c",
        "id": "u-1",
        "username": "alice"
      }
    }

    ----- stderr -----
    "#);
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(account["user"]["username"], "alice");
    home.cmd(&["auth", "whoami"])
        .assert()
        .success()
        .stdout(stdout(&out));
}

#[test]
fn whoami_without_a_login() {
    let (home, api) = setup_without_key();
    cmd_snapshot!(home, home.cmd(&["whoami"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Login is required to complete this action.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
    assert!(api.requests().is_empty());
}

#[test]
fn api_key_for_scripts() {
    let home = Home::new();
    home.filter(API_KEY, "API_KEY");
    cmd_snapshot!(home, home.cmd(&["auth", "api-key"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Login is required to complete this action.
    Run `anaconda login --at anaconda.com`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
    logged_in(&home, "anaconda.com");
    // The key itself, for scripts.
    cmd_snapshot!(home, home.cmd(&["auth", "api-key"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [API_KEY]

    ----- stderr -----
    ");
    let mut home = home;
    home.set("ANACONDA_AUTH_API_KEY", "from-env");
    cmd_snapshot!(home, home.cmd(&["auth", "api-key"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    from-env

    ----- stderr -----
    ");
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
    home.set("ANACONDA_AUTH_API_KEY", &jwt)
        .filter(&jwt, "API_KEY");
    cmd_snapshot!(home, home.cmd(&["auth", "api-key"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your API key expired on 1970-01-01 00:16 UTC.
    Run `anaconda login --at anaconda.com`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
}

#[test]
fn logout_keeps_the_repository_tokens() {
    let home = Home::new();
    logged_in(&home, "anaconda.com");
    cmd_snapshot!(home, home.cmd(&["logout"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Logged out of anaconda.com. Installed repository tokens are kept.

    ----- stderr -----
    ");
    let entry = home.entry("anaconda.com").unwrap();
    // No key, in the one shape the Python tool can load (see tests/interop_matrix.rs).
    assert_eq!(
        entry["api_key"],
        anaconda_token::store::token_info::SIGNED_OUT_API_KEY
    );
    assert_eq!(entry["repo_tokens"][0]["token"], "tok-a");
    cmd_snapshot!(home, home.cmd(&["auth", "logout"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Not logged in to anaconda.com.

    ----- stderr -----
    ");
}
