//! Configured sites (`[sites.NAME]`, `default_site`, `--at`, `ANACONDA_DEFAULT_SITE`) and the
//! configuration file's other sources, as a user sets them up.

mod common;

use common::*;

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
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url())
        .filter_api(&api);
    config(&home, &two_sites(&api));
    api.acme();
    api.will_issue("acme", "tok-site", "2027-01-01T00:00:00Z");
    cmd_snapshot!(home, home.cmd(&[
        "--at",
        "local",
        "token",
        "install",
        "-y",
        "--no-set-default-channels",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    // Stored under the site's domain, with the site's API key used for the requests.
    assert_eq!(
        home.entry(&api.domain()).unwrap()["repo_tokens"][0]["token"],
        "tok-site"
    );
    assert!(home.entry("anaconda.com").is_none());
    // The same site by its domain, and through ANACONDA_DEFAULT_SITE.
    let out = cmd_snapshot!(home, home.cmd(&["token", "list", "--at", &api.domain()]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬────────────────────────────────────┬──────────┬────────────┐
    │ Organization ┆ Channel URL                        ┆ Token    ┆ Expires    │
    ╞══════════════╪════════════════════════════════════╪══════════╪════════════╡
    │ acme         ┆ [API]/repo/acme/* ┆ tok-site ┆ 2027-01-01 │
    │              ┆ [API]/repo/       ┆ tok-site ┆ -          │
    └──────────────┴────────────────────────────────────┴──────────┴────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])
    conda token files in [BINSTAR]

    ----- stderr -----
    ");
    home.set("ANACONDA_DEFAULT_SITE", "local");
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(stdout(&out));
}

#[test]
fn default_site_is_used_without_at() {
    let api = Api::start();
    let home = Home::new();
    config(&home, &two_sites(&api));
    // default_site = main (anaconda.com): nothing installed there.
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: No repo tokens are installed. Run anaconda token install.
    ");
}

#[test]
fn unknown_site_lists_the_configured_ones() {
    let api = Api::start();
    let home = Home::new();
    home.filter_api(&api);
    config(&home, &two_sites(&api));
    cmd_snapshot!(home, home.cmd(&["--at", "elsewhere", "token", "list"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unknown site "elsewhere". The configured sites are: main (anaconda.com), local ([DOMAIN])
    Pass --at with one of them (a name or a domain), or add a [sites.NAME] table to [HOME]/.anaconda/config.toml.
    "#);
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
        .set("CONDA_TOKEN_REPO_URL", api.repo_url())
        .filter_api(&api);
    config(
        &home,
        &format!("[plugin.cloud]\ndomain = \"{}\"\n", api.uri()),
    );
    api.acme();
    api.will_issue("acme", "tok-s", "2027-01-01T00:00:00Z");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Warning: [plugin.cloud] in [HOME]/.anaconda/config.toml is deprecated: rename it [plugin.auth]. Until then its values win over [plugin.auth]'s, as with the Python tool.
    ");
    assert!(home.entry(&api.domain()).is_some());
}

#[test]
fn bad_config_file_is_reported_with_line_and_column() {
    let home = Home::new();
    config(&home, "[plugin.auth]\ndomain = \"x\"\nssl_verify = \n");
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.anaconda/config.toml is not a valid TOML file: line 3, column 14: string values must be quoted, expected literal string
    Fix the file, then try again.
    ");
    config(
        &home,
        "[plugin.auth]\npreferred_token_storage = \"vault\"\n",
    );
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Invalid value for preferred_token_storage ([plugin.auth] in [HOME]/.anaconda/config.toml): "vault" is not one of "anaconda-keyring", "system"
    "#);
}
