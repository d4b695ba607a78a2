//! Configured sites (`[sites.NAME]`, `default_site`, `--at`, `ANACONDA_DEFAULT_SITE`) and the
//! configuration file's other sources, as a user sets them up.

mod common;

use common::*;
use predicates::prelude::*;

fn config(home: &Home, text: &str) {
    std::fs::create_dir_all(home.path().join(".anaconda")).unwrap();
    std::fs::write(home.path().join(".anaconda/config.toml"), text).unwrap();
}

fn two_sites(api: &Api) -> String {
    format!(
        "default_site = \"main\"\n[sites.main]\ndomain = \"anaconda.com\"\n[sites.local]\ndomain = \"{}\"\napi_key = \"{API_KEY}\"\n",
        api.uri()
    )
}

#[test]
fn at_selects_the_site_by_name_or_domain() {
    let api = Api::start();
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url());
    config(&home, &two_sites(&api));
    api.acme();
    api.will_issue("acme", "tok-site", "2027-01-01T00:00:00Z");
    home.cmd(&[
        "--at",
        "local",
        "token",
        "install",
        "-y",
        "--no-set-default-channels",
    ])
    .assert()
    .success();
    // Stored under the site's domain, with the site's API key used for the requests.
    assert_eq!(
        home.entry(&api.domain()).unwrap()["repo_tokens"][0]["token"],
        "tok-site"
    );
    assert!(home.entry("anaconda.com").is_none());
    // The same site by its domain, and through ANACONDA_DEFAULT_SITE.
    home.cmd(&["token", "list", "--at", &api.domain()])
        .assert()
        .success()
        .stdout(predicate::str::contains("tok-site"));
    home.set("ANACONDA_DEFAULT_SITE", "local");
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tok-site"));
}

#[test]
fn default_site_is_used_without_at() {
    let api = Api::start();
    let home = Home::new();
    config(&home, &two_sites(&api));
    // default_site = main (anaconda.com): nothing installed there.
    home.cmd(&["token", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("No repo tokens are installed"));
}

#[test]
fn unknown_site_lists_the_configured_ones() {
    let api = Api::start();
    let home = Home::new();
    config(&home, &two_sites(&api));
    home.cmd(&["--at", "elsewhere", "token", "list"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("Unknown site \"elsewhere\"")
                .and(predicate::str::contains("main (anaconda.com)"))
                .and(predicate::str::contains(format!(
                    "local ({})",
                    api.domain()
                ))),
        );
}

#[test]
fn secret_files_and_deprecated_table() {
    let api = Api::start();
    let mut home = Home::new();
    let secrets = home.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(
        secrets.join("anaconda_auth_api_key"),
        format!("{API_KEY}\n"),
    )
    .unwrap();
    home.set("ANACONDA_SECRETS_DIR", secrets.to_str().unwrap())
        .set("CONDA_TOKEN_REPO_URL", api.repo_url());
    config(
        &home,
        &format!("[plugin.cloud]\ndomain = \"{}\"\n", api.uri()),
    );
    api.acme();
    api.will_issue("acme", "tok-s", "2027-01-01T00:00:00Z");
    home.cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("[plugin.cloud]").and(predicate::str::contains("deprecated")),
        );
    assert!(home.entry(&api.domain()).is_some());
}

#[test]
fn bad_config_file_is_reported_with_line_and_column() {
    let home = Home::new();
    config(&home, "[plugin.auth]\ndomain = \"x\"\nssl_verify = \n");
    home.cmd(&["token", "list"]).assert().code(1).stderr(
        predicate::str::contains("config.toml").and(predicate::str::contains("line 3, column")),
    );
    config(
        &home,
        "[plugin.auth]\npreferred_token_storage = \"vault\"\n",
    );
    home.cmd(&["token", "list"]).assert().code(1).stderr(
        predicate::str::contains("preferred_token_storage")
            .and(predicate::str::contains("[plugin.auth]")),
    );
}
