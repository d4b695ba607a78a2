//! `anaconda token reissue`, `anaconda token sync` and `anaconda token list --check`.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

const NEW: &str = "tok-new-1";
const EXPIRES: &str = "2027-03-01T00:00:00Z";

fn setup() -> (Home, Api) {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    api.acme();
    (home, api)
}

fn puts(api: &Api) -> usize {
    api.requests().iter().filter(|(m, _)| m == "PUT").count()
}

#[test]
fn reissue_with_yes_revokes_and_installs() {
    let (home, api) = setup();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", NEW, EXPIRES);
    api.repo_accepts(NEW);
    let out = home
        .cmd(&[
            "token",
            "reissue",
            "-o",
            "acme",
            "-y",
            "--no-set-default-channels",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("expires 2027-03-01 00:00:00+00:00"),
        "{}",
        stdout(&out)
    );
    assert_eq!(puts(&api), 1);
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["repo_tokens"][0]["token"], NEW);
}

#[test]
fn reissue_always_asks_even_without_a_current_token() {
    let (home, api) = setup();
    api.current_token("acme", None);
    api.issue("acme", NEW, EXPIRES);
    let out = home
        .cmd(&["token", "reissue", "-o", "acme"])
        .write_stdin("n\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("Reissuing a new token will revoke"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("Aborted."));
    assert_eq!(puts(&api), 0);
    assert!(!home.keyring_path().exists());
}

#[test]
fn reissue_at_end_of_input_changes_nothing() {
    let (home, api) = setup();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", NEW, EXPIRES);
    home.cmd(&["token", "reissue", "-o", "acme"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(puts(&api), 0);
    assert!(!home.keyring_path().exists());
}

#[test]
fn reissue_answered_yes() {
    let (home, api) = setup();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", NEW, EXPIRES);
    api.repo_accepts(NEW);
    home.cmd(&[
        "token",
        "reissue",
        "-o",
        "acme",
        "--no-set-default-channels",
    ])
    .write_stdin("y\n")
    .assert()
    .success();
    assert_eq!(puts(&api), 1);
}

/// An installed token for acme, with an old expiry.
fn installed(home: &Home, api: &Api) {
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "repo_tokens": [
            {"token": "tok-a", "org_name": "acme", "expires_at": "2026-12-31T00:00:00+00:00"}
        ], "version": 2}),
    );
}

fn sync_mock(api: &Api, status: u16) {
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!(
                "/api/v1/organizations/{ACME_ID}/users/u-1/token"
            )))
            .and(body_json(json!({"is_renewal": true})))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"error": {"code": "x", "message": "not allowed here"}})),
            ),
    );
}

#[test]
fn sync_extends_and_stores_the_new_expiry() {
    let (home, api) = setup();
    installed(&home, &api);
    sync_mock(&api, 200);
    api.current_token("acme", Some("2027-06-30T00:00:00"));
    // The only installed organization is chosen without --org.
    let out = home.cmd(&["token", "sync"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("now expires 2027-06-30 00:00:00+00:00"),
        "{}",
        stdout(&out)
    );
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(
        entry["repo_tokens"][0]["expires_at"],
        "2027-06-30T00:00:00+00:00"
    );
    assert_eq!(
        entry["repo_tokens"][0]["token"], "tok-a",
        "the token itself is unchanged"
    );
    assert!(api.requests().iter().any(|(m, _)| m == "PATCH"));
}

#[test]
fn sync_refused_says_who_can_do_it() {
    let (home, api) = setup();
    installed(&home, &api);
    sync_mock(&api, 403);
    let before = std::fs::read(home.keyring_path()).unwrap();
    let out = home.cmd(&["token", "sync", "-o", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("HTTP 403") && err.contains("Org Management → Token Access → Sync token"),
        "{err}"
    );
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}

#[test]
fn sync_invalid_request() {
    let (home, api) = setup();
    installed(&home, &api);
    sync_mock(&api, 422);
    let out = home.cmd(&["token", "sync", "-o", "acme"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("HTTP 422") && err.contains("not allowed here"),
        "{err}"
    );
}

#[test]
fn sync_without_installed_tokens_or_org() {
    let (home, _api) = setup();
    home.cmd(&["token", "sync"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--org"));
}

#[test]
fn list_check_reports_each_token() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "repo_tokens": [
            {"token": "tok-good", "org_name": "acme"},
            {"token": "tok-bad", "org_name": "beta"}
        ], "version": 2}),
    );
    api.repo_accepts("tok-good");
    api.repo_answers("tok-bad", 403);
    // conda's token file for the repository is checked; one for another service is not (its
    // token is not sent anywhere).
    let repo_file = home.conda_token_file(&api.repo_url());
    std::fs::create_dir_all(repo_file.parent().unwrap()).unwrap();
    std::fs::write(&repo_file, "tok-good").unwrap();
    std::fs::write(
        home.conda_token_file("https://api.anaconda.org"),
        "tok-other",
    )
    .unwrap();

    let out = home.cmd(&["token", "list", "--check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("Status"), "{text}");
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("tok-bad").contains("rejected (HTTP 403)"), "{text}");
    assert!(line("tok-other").contains("not checked"), "{text}");
    assert!(
        stderr(&out).contains("1 of 4 tokens are not valid"),
        "{}",
        stderr(&out)
    );

    let out = home
        .cmd(&["token", "list", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        [
            "valid",
            "rejected (HTTP 403)",
            "valid",
            "not checked (not the repository)"
        ]
    );
    let heads = api.requests().iter().filter(|(m, _)| m == "HEAD").count();
    assert!(!api.requests().iter().any(|(_, p)| p.contains("tok-other")));
    assert_eq!(heads, 6, "three tokens checked, twice");

    // Without --check there is no status and no request.
    let before = api.requests().len();
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows[0].get("status").is_none());
    assert_eq!(api.requests().len(), before);

    // A repository nobody answers for: unreachable.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://127.0.0.1:{dead}/repo/"),
    )
    .set("ANACONDA_TOKEN_TIMEOUT", "1");
    let out = home
        .cmd(&["token", "list", "--check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows[0]["status"]
            .as_str()
            .unwrap()
            .starts_with("unreachable ("),
        "{rows}"
    );
}

#[test]
fn list_check_all_valid_exits_zero() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "repo_tokens": [{"token": "tok-good", "org_name": "acme"}], "version": 2}),
    );
    api.repo_accepts("tok-good");
    home.cmd(&["token", "list", "--check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
}

#[test]
fn sync_with_an_invalid_key_says_so() {
    let (home, api) = setup();
    installed(&home, &api);
    api.mount(Mock::given(method("PATCH")).respond_with(
        ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "auth_required"}})),
    ));
    home.cmd(&["token", "sync", "-o", "acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "API Key or login token is invalid",
        ));
}
