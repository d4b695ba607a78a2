//! The domain's case: kept in the keyring entry's user name, as the Python tool keeps it
//! (`Anaconda.com` is stored as `Anaconda.com`), and ignored whenever domains are compared.
//! (With the Python tool itself: `tests/interop_matrix.rs`.)

mod common;

use common::*;
use serde_json::json;

fn home_at(api: &Api, domain: &str) -> Home {
    let mut home = Home::new();
    home.filter_api(api);
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url())
        .set("ANACONDA_AUTH_DOMAIN", domain);
    api.repo_accepts("tok-1");
    api.repo_accepts("tok-2");
    home
}

#[test]
fn the_entry_is_named_with_the_configured_case() {
    let api = Api::start();
    let home = home_at(&api, "https://Anaconda.com/");
    home.install_given("tok-1", "acme").assert().success();
    let entry = home
        .entry("Anaconda.com")
        .expect("stored under Anaconda.com");
    assert_eq!(entry["domain"], "Anaconda.com");
    assert_eq!(home.entry("anaconda.com"), None);
}

#[test]
fn an_entry_in_another_case_is_read_and_moved_when_written() {
    let api = Api::start();
    let home = home_at(&api, "Anaconda.com");
    home.write_entry(
        "anaconda.com",
        &json!({"domain": "anaconda.com", "api_key": "k",
                "repo_tokens": [{"token": "tok-old", "org_name": "old"}], "version": 2}),
    );
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬───────────────────────────────────┬─────────┬─────────┐
    │ Organization ┆ Channel URL                       ┆ Token   ┆ Expires │
    ╞══════════════╪═══════════════════════════════════╪═════════╪═════════╡
    │ old          ┆ [API]/repo/old/* ┆ tok-old ┆ -       │
    └──────────────┴───────────────────────────────────┴─────────┴─────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
    assert!(
        home.entry("anaconda.com").is_some(),
        "reading changes nothing"
    );

    home.install_given("tok-1", "acme").assert().success();
    assert_eq!(home.entry("anaconda.com"), None, "no second entry");
    let entry = home.entry("Anaconda.com").unwrap();
    assert_eq!(entry["domain"], "Anaconda.com");
    assert_eq!(entry["api_key"], "k");
    assert_eq!(entry["repo_tokens"][0]["token"], "tok-old");
    assert_eq!(entry["repo_tokens"][1]["token"], "tok-1");
}

#[test]
fn legacy_entries_move_to_the_configured_case() {
    let api = Api::start();
    let home = home_at(&api, "ANACONDA.com");
    home.write_entry(
        "anaconda.cloud",
        &json!({"domain": "anaconda.cloud", "repo_tokens": [{"token": "tok-old", "org_name": "old"}]}),
    );
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬───────────────────────────────────┬─────────┬─────────┐
    │ Organization ┆ Channel URL                       ┆ Token   ┆ Expires │
    ╞══════════════╪═══════════════════════════════════╪═════════╪═════════╡
    │ old          ┆ [API]/repo/old/* ┆ tok-old ┆ -       │
    └──────────────┴───────────────────────────────────┴─────────┴─────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
    assert_eq!(home.entry("anaconda.cloud"), None);
    assert_eq!(
        home.entry("ANACONDA.com").unwrap()["domain"],
        "ANACONDA.com"
    );
}

#[test]
fn sites_and_environment_entries_match_in_any_case() {
    let api = Api::start();
    let mut home = home_at(&api, "");
    std::fs::create_dir_all(home.path().join(".anaconda")).unwrap();
    std::fs::write(
        home.path().join(".anaconda/config.toml"),
        "[sites.work]\ndomain = \"Work.Example\"\n[sites.other]\ndomain = \"other.example\"\n",
    )
    .unwrap();
    home.write_entry(
        "Work.Example",
        &json!({"domain": "Work.Example", "repo_tokens": [{"token": "tok-w", "org_name": "w"}]}),
    );
    cmd_snapshot!(home, home.cmd(&["--at", "work.example", "token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────┬───────┬─────────┐
    │ Organization ┆ Channel URL                     ┆ Token ┆ Expires │
    ╞══════════════╪═════════════════════════════════╪═══════╪═════════╡
    │ w            ┆ [API]/repo/w/* ┆ tok-w ┆ -       │
    └──────────────┴─────────────────────────────────┴───────┴─────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
    // An entry given by ANACONDA_AUTH_KEYRING under another case of the domain.
    let secret = encode_entry(
        &json!({"domain": "other.example", "repo_tokens": [{"token": "tok-env", "org_name": "e"}]}),
    );
    home.set(
        "ANACONDA_AUTH_KEYRING",
        format!(r#"{{"Anaconda Cloud": {{"OTHER.example": "{secret}"}}}}"#),
    );
    cmd_snapshot!(home, home.cmd(&["--at", "other", "token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────┬─────────┬─────────┐
    │ Organization ┆ Channel URL                     ┆ Token   ┆ Expires │
    ╞══════════════╪═════════════════════════════════╪═════════╪═════════╡
    │ e            ┆ [API]/repo/e/* ┆ tok-env ┆ -       │
    └──────────────┴─────────────────────────────────┴─────────┴─────────┘
    Stored in the environment (ANACONDA_AUTH_KEYRING)

    ----- stderr -----
    ");
}
