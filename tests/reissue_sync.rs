//! `anaconda token reissue`, `anaconda token sync` and `anaconda token list --check`.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

const NEW: &str = "tok-new-1";
const EXPIRES: &str = "2027-03-01T00:00:00Z";

/// `setup()`, with acme the one organization.
fn with_acme() -> (Home, Api) {
    let (home, api) = setup();
    api.acme();
    (home, api)
}

#[test]
fn reissue_with_yes_revokes_and_installs() {
    let (home, api) = with_acme();
    api.will_reissue("acme", NEW, EXPIRES);
    api.repo_accepts(NEW);
    home.filter(NEW, "TOKEN");
    cmd_snapshot!(home, home.reissue_yes("acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Your conda token has been installed and expires 2027-03-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_eq!(api.puts(), 1);
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["repo_tokens"][0]["token"], NEW);
}

#[test]
fn reissue_always_asks_even_without_a_current_token() {
    let (home, api) = with_acme();
    api.current_token("acme", None);
    api.issue("acme", NEW, EXPIRES);
    cmd_snapshot!(home, home.cmd(&["token", "reissue", "-o", "acme"]).write_stdin("n\n"), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.

    ----- stderr -----
    Proceed? [y/n] (n): Aborted.
    ");
    assert_eq!(api.puts(), 0);
    assert!(!home.keyring_path().exists());
}

#[test]
fn reissue_at_end_of_input_changes_nothing() {
    let (home, api) = with_acme();
    api.will_reissue("acme", NEW, EXPIRES);
    cmd_snapshot!(home, home.cmd(&["token", "reissue", "-o", "acme"]).write_stdin(""), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    An existing token already exists for the organization acme.
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.

    ----- stderr -----
    Proceed? [y/n] (n): 
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --yes to answer it.
    "#);
    assert_eq!(api.puts(), 0);
    assert!(!home.keyring_path().exists());
}

#[test]
fn reissue_answered_yes() {
    let (home, api) = with_acme();
    api.will_reissue("acme", NEW, EXPIRES);
    api.repo_accepts(NEW);
    home.filter(NEW, "TOKEN");
    cmd_snapshot!(home, home.cmd(&[
        "token",
        "reissue",
        "-o",
        "acme",
        "--no-set-default-channels",
    ]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    An existing token already exists for the organization acme.
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.
    Your conda token has been installed and expires 2027-03-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert_eq!(api.puts(), 1);
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
    let (home, api) = with_acme();
    home.installed(&api, "tok-a");
    sync_mock(&api, 200);
    api.current_token("acme", Some("2027-06-30T00:00:00"));
    // The only installed organization is chosen without --org.
    cmd_snapshot!(home, home.cmd(&["token", "sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    The token of acme now expires 2027-06-30 00:00:00+00:00.

    ----- stderr -----
    ");
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
    let (home, api) = with_acme();
    home.installed(&api, "tok-a");
    sync_mock(&api, 403);
    let before = std::fs::read(home.keyring_path()).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "sync", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The service refused to sync the token of acme (HTTP 403): this account may not sync tokens from the command line.
    An administrator of the organization can do it on [DOMAIN]: Org Management → Token Access → Sync token.
    ");
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}

#[test]
fn sync_invalid_request() {
    let (home, api) = with_acme();
    home.installed(&api, "tok-a");
    sync_mock(&api, 422);
    cmd_snapshot!(home, home.cmd(&["token", "sync", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: PATCH [API]/api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token failed: HTTP 422 (not allowed here)
    ");
}

#[test]
fn sync_without_installed_tokens_or_org() {
    let (home, _api) = with_acme();
    cmd_snapshot!(home, home.cmd(&["token", "sync"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: No repo tokens are installed.
    Run anaconda token install, or name the organization with --org.
    ");
}

#[test]
fn list_check_reports_each_token() {
    let (mut home, api) = setup_without_key();
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

    cmd_snapshot!(home, home.cmd(&["token", "list", "--check"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬────────────────────────────────────┬───────────┬─────────┬──────────────────────────────────┐
    │ Organization ┆ Channel URL                        ┆ Token     ┆ Expires ┆ Status                           │
    ╞══════════════╪════════════════════════════════════╪═══════════╪═════════╪══════════════════════════════════╡
    │ acme         ┆ [API]/repo/acme/* ┆ tok-good  ┆ -       ┆ valid                            │
    │ beta         ┆ [API]/repo/beta/* ┆ tok-bad   ┆ -       ┆ rejected (HTTP 403)              │
    │              ┆ [API]/repo/       ┆ tok-good  ┆ -       ┆ valid                            │
    │              ┆ https://api.anaconda.org           ┆ tok-other ┆ -       ┆ not checked (not the repository) │
    └──────────────┴────────────────────────────────────┴───────────┴─────────┴──────────────────────────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])
    conda token files in [BINSTAR]

    ----- stderr -----
    Error: 1 of 4 tokens are not valid.
    Reinstall a rejected token with `anaconda token install -o ORG` (or `reissue`).
    ");
    cmd_snapshot!(home, home.cmd(&["token", "list", "--check", "--json"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    [
      {
        "org_name": "acme",
        "channel_url": "[API]/repo/acme/*",
        "token": "tok-good",
        "expires_at": null,
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])",
        "status": "valid"
      },
      {
        "org_name": "beta",
        "channel_url": "[API]/repo/beta/*",
        "token": "tok-bad",
        "expires_at": null,
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])",
        "status": "rejected (HTTP 403)"
      },
      {
        "org_name": null,
        "channel_url": "[API]/repo/",
        "token": "tok-good",
        "expires_at": null,
        "source": "conda-token-file",
        "storage": "[BINSTAR]/[API]%2Frepo%2F.token",
        "status": "valid"
      },
      {
        "org_name": null,
        "channel_url": "https://api.anaconda.org",
        "token": "tok-other",
        "expires_at": null,
        "source": "conda-token-file",
        "storage": "[BINSTAR]/https%3A%2F%2Fapi.anaconda.org.token",
        "status": "not checked (not the repository)"
      }
    ]

    ----- stderr -----
    Error: 1 of 4 tokens are not valid.
    Reinstall a rejected token with `anaconda token install -o ORG` (or `reissue`).
    "#);
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
    let (home, api) = setup_without_key();
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "repo_tokens": [{"token": "tok-good", "org_name": "acme"}], "version": 2}),
    );
    api.repo_accepts("tok-good");
    cmd_snapshot!(home, home.cmd(&["token", "list", "--check"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬────────────────────────────────────┬──────────┬─────────┬────────┐
    │ Organization ┆ Channel URL                        ┆ Token    ┆ Expires ┆ Status │
    ╞══════════════╪════════════════════════════════════╪══════════╪═════════╪════════╡
    │ acme         ┆ [API]/repo/acme/* ┆ tok-good ┆ -       ┆ valid  │
    └──────────────┴────────────────────────────────────┴──────────┴─────────┴────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
}

#[test]
fn sync_with_an_invalid_key_says_so() {
    let (home, api) = with_acme();
    home.installed(&api, "tok-a");
    api.mount(Mock::given(method("PATCH")).respond_with(
        ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "auth_required"}})),
    ));
    cmd_snapshot!(home, home.cmd(&["token", "sync", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
}
