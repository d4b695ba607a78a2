//! `anaconda login`: the device flow against a mock auth server, and what is stored.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

const ACCESS: &str = DEVICE_ACCESS_TOKEN;
const NEW_KEY: &str = "new-api-key";

/// Discovery, device code, and a token endpoint that says "pending" `pending` times first.
fn auth_server(api: &Api, pending: u64) {
    api.device_flow(&api.uri(), pending, json!(60), json!(1));
}

fn api_key_endpoint(api: &Api, p: &str, status: u16) {
    let version = env!("CARGO_PKG_VERSION");
    api.mount(
        Mock::given(method("POST"))
            .and(path(p))
            .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
            .and(body_json(json!({
                "scopes": ["cloud:read", "cloud:write", "repo:read"],
                "tags": [format!("anaconda-token/v{version}")],
            })))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"api_key": NEW_KEY}))),
    );
}

#[test]
fn device_flow_stores_the_api_key_and_keeps_repo_tokens() {
    let (home, api) = setup_without_key();
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "repo_tokens": [{"token": "tok-a", "org_name": "acme"}], "version": 2}),
    );
    auth_server(&api, 1);
    api_key_endpoint(&api, "/api/auth/api-keys", 201);
    let out = cmd_snapshot!(home, home.cmd(&["login"]).write_stdin(""), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    ");
    assert!(!stderr(&out).contains(ACCESS) && !stdout(&out).contains(NEW_KEY));
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["api_key"], NEW_KEY);
    assert_eq!(entry["repo_tokens"][0]["token"], "tok-a");
    let polls = api.requests().iter().filter(|(_, p)| p == "/token").count();
    assert_eq!(polls, 2, "one pending answer, then the token");
}

#[test]
fn api_key_falls_back_to_the_api_domain_endpoint() {
    let (home, api) = setup_without_key();
    auth_server(&api, 0);
    api_key_endpoint(&api, "/api/auth/api-keys", 404);
    api_key_endpoint(&api, "/api/iam/api-keys", 201);
    cmd_snapshot!(home, home.cmd(&["auth", "login"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    ");
    assert_eq!(home.entry(&api.domain()).unwrap()["api_key"], NEW_KEY);
}

/// The replayed API-key answers (`tests/replay/api_keys.json`): as in the original, only 201
/// Created counts; a 200, even with a key, moves on to the next URL, and unknown fields are
/// ignored.
#[test]
fn api_key_exchange_takes_only_201_from_replayed_answers() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/replay/api_keys.json");
    let answers: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mount = |api: &Api, p: &str, which: &str| {
        let a = &answers[which];
        api.answer("POST", p, a["status"].as_u64().unwrap() as u16, &a["body"]);
    };
    let mut all = String::new();
    for (first, second, stored) in [
        ("ok_not_created", "created", Some("replayed-key-201")),
        ("created", "not_found", Some("replayed-key-201")),
        ("not_found", "ok_not_created", None),
    ] {
        let (home, api) = setup_without_key();
        auth_server(&api, 0);
        mount(&api, "/api/auth/api-keys", first);
        mount(&api, "/api/iam/api-keys", second);
        let case = format!("{first} then {second}");
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["login"]).write_stdin(""));
        all.push_str(&format!("=== {case}\n{text}\n"));
        match stored {
            Some(key) => {
                assert_eq!(home.entry(&api.domain()).unwrap()["api_key"], key, "{case}");
            }
            None => assert!(home.entry(&api.domain()).is_none(), "{case}"),
        }
    }
    insta::assert_snapshot!(all, @"
    === ok_not_created then created
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH

    === created then not_found
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH

    === not_found then ok_not_created
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    Error: POST [API]/api/iam/api-keys answered HTTP 200 instead of 201 Created: no API key was issued.
    ");
}

#[test]
fn denied_and_unsupported() {
    let (mut home, api) = setup_without_key();
    // No device endpoint announced.
    api.mount(
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token_endpoint": "x"}))),
    );
    cmd_snapshot!(home, home.cmd(&["login"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [API] does not support the device login flow.
    Log in with the Python tool (`anaconda login`), or set ANACONDA_AUTH_API_KEY.
    ");

    let api = Api::start();
    home.with_api(&api);
    auth_server(&api, 0);
    api.mount(
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(json!({"error": "access_denied"})),
            )
            .with_priority(1),
    );
    cmd_snapshot!(home, home.cmd(&["login"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    Error: The login was denied in the browser.
    ");
    assert!(home.entry(&api.domain()).is_none());
}

#[test]
fn already_logged_in_asks_first() {
    let (home, api) = setup_without_key();
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "api_key": "old-key", "repo_tokens": [], "version": 2}),
    );
    cmd_snapshot!(home, home.cmd(&["login"]).write_stdin("n\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Kept the current login.

    ----- stderr -----
    You are already logged in. Would you like to force a new login? [y/n] (n):
    ");
    assert!(api.requests().is_empty());
    cmd_snapshot!(home, home.cmd(&["login"]).write_stdin(""), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    You are already logged in. Would you like to force a new login? [y/n] (n): 
    Error: Aborted: no answer to "You are already logged in. Would you like to force a new login?" (end of input).
    Pass --force to answer it.
    "#);
    auth_server(&api, 0);
    api_key_endpoint(&api, "/api/auth/api-keys", 201);
    cmd_snapshot!(home, home.cmd(&["login", "--force"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    ");
    assert_eq!(home.entry(&api.domain()).unwrap()["api_key"], NEW_KEY);
}

#[test]
fn huge_expiry_and_interval_from_the_server_are_clamped() {
    let (home, api) = setup_without_key();
    api.device_flow(&api.uri(), 0, json!(u64::MAX), json!(u64::MAX));
    api_key_endpoint(&api, "/api/auth/api-keys", 201);
    cmd_snapshot!(home, home.cmd(&["login"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully logged in to [DOMAIN].

    ----- stderr -----
    To log in, open https://example.test/activate in a browser and enter the code ABCD-EFGH
    ");
}
