//! What reaches the terminal and the server is what we mean: text from the server is printed
//! with its control characters escaped, and input too long or malformed for a URL gets a
//! message about itself, not about the network.

mod common;

use common::*;
use serde_json::json;

fn no_raw_escape(text: &str, case: &str) {
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
        "{case}: raw control characters in {text:?}"
    );
}

#[test]
fn organization_names_and_titles_cannot_drive_the_terminal() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    api.organizations(&[
        (
            ACME_ID,
            "acme",
            "Acme\u{1b}[2J\u{1b}[HSuccess! All done.",
            "commercial_subscription",
        ),
        (
            BETA_ID,
            "be\u{1b}]0;pwned\u{7}ta",
            "Beta\r",
            "commercial_subscription",
        ),
    ]);
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Several organizations found (acme, be\u{1b}]0;pwned\u{7}ta) and no terminal to choose on.
    Pass --org to answer it.
    ");
    no_raw_escape(&stdout(&out), "stdout");
    no_raw_escape(&stderr(&out), "stderr");

    // One organization whose name is not a slug: said escaped, and never sent.
    let api = Api::start();
    home.with_api(&api);
    api.organizations(&[(ACME_ID, "ac\u{1b}[31mme", "Acme", "commercial_subscription")]);
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @r#"
    success: false
    exit_code: 2
    ----- stdout -----
    Only one organization found, automatically selecting: ac\u{1b}[31mme

    ----- stderr -----
    Error: Invalid organization name "ac\u{1b}[31mme": use the organization's slug (letters, digits, '-', '_', '.').
    "#);
    no_raw_escape(&stdout(&out), "stdout");
    no_raw_escape(&stderr(&out), "stderr");
    assert!(!api.requests().iter().any(|(m, _)| m == "PUT"));
}

#[test]
fn server_error_messages_are_escaped() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    api.acme();
    api.answer(
        "GET",
        "/api/organizations/acme/ce/current-token",
        400,
        &json!({"error": {"message": "bad\u{1b}[2J\u{1b}[1;1HError: none, all fine"}}),
    );
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 400 (bad\u{1b}[2J\u{1b}[1;1HError: none, all fine)
    ");
    no_raw_escape(&stderr(&out), "stderr");
}

/// Longer than any URL a server takes. Windows caps a whole command line at 32767 characters.
const TOO_LONG: usize = if cfg!(windows) { 30_000 } else { 70_000 };

#[test]
fn input_too_long_for_a_url_is_named_as_such() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    home.filter(&TOO_LONG.to_string(), "TOO_LONG");
    let long_org = "a".repeat(TOO_LONG);
    cmd_snapshot!(home, home.cmd(&["token", "install", "-o", &long_org, "-y"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Error: Invalid organization name: it is [TOO_LONG] characters long, and a name has at most 255. Use the organization's slug.
    ");
    let long_token = "t".repeat(TOO_LONG);
    cmd_snapshot!(home, home.cmd(&["token", "install", &long_token, "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token cannot be used: it is [TOO_LONG] characters long, more than the 1024 a token can have.
    Check that you copied the whole token and nothing else.
    ");
    assert!(api.requests().is_empty());
}

#[test]
fn all_with_org_is_a_usage_error() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "--all", "--org", "acme"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--all' cannot be used with '--org <ORG>'

    Usage: anaconda token uninstall --all

    For more information, try '--help'.
    ");
}

#[test]
fn a_bad_proxy_variable_is_an_error_naming_it_and_nothing_goes_out_directly() {
    let mut all = String::new();
    for (variable, value) in [
        ("HTTPS_PROXY", "not a url"),
        ("HTTP_PROXY", "ftp://proxy.example:21"),
        ("https_proxy", "http://"),
    ] {
        let api = Api::start();
        let mut home = Home::new();
        home.with_api(&api).with_env_key().set(variable, value);
        api.acme();
        // Windows has one spelling of each name, the upper-case one Python shows: the snapshot
        // says `[NAMED]` where the message names the variable so spelled.
        let named = if cfg!(windows) {
            variable.to_ascii_uppercase()
        } else {
            variable.to_string()
        };
        home.filter_pattern(
            &format!(r"in the variable {named}\b"),
            "in the variable [NAMED]",
        );
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
        all.push_str(&format!("=== {variable}={value}\n{text}\n"));
        assert!(api.requests().is_empty(), "{variable}: a request went out");
    }
    insta::assert_snapshot!(all, @r#"
    === HTTPS_PROXY=not a url
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Invalid proxy "https" (not a url) in the variable [NAMED]: not an http:// or https:// URL
    Use a URL such as http://proxy.example:8080, or unset it.

    === HTTP_PROXY=ftp://proxy.example:21
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Invalid proxy "http" (ftp://proxy.example:21) in the variable [NAMED]: not an http:// or https:// URL
    Use a URL such as http://proxy.example:8080, or unset it.

    === https_proxy=http://
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Invalid proxy "https" (http://) in the variable [NAMED]: not an http:// or https:// URL
    Use a URL such as http://proxy.example:8080, or unset it.
    "#);
}

#[test]
fn list_check_never_sends_a_token_that_cannot_go_into_a_url() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.write_conda_token(&api.repo_url(), "a/../../b\u{1b}[2J");
    let out = cmd_snapshot!(home, home.cmd(&["token", "list", "--check"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬──────────────────────────────┬────────────────────┬─────────┬─────────────────────────────────────────────────────────────────┐
    │ Organization ┆ Channel URL                  ┆ Token              ┆ Expires ┆ Status                                                          │
    ╞══════════════╪══════════════════════════════╪════════════════════╪═════════╪═════════════════════════════════════════════════════════════════╡
    │              ┆ [API]/repo/ ┆ a/../../b\u{1b}[2J ┆ -       ┆ not checked (the token cannot go into a URL: it contains a '/') │
    └──────────────┴──────────────────────────────┴────────────────────┴─────────┴─────────────────────────────────────────────────────────────────┘
    conda token files in [BINSTAR]

    ----- stderr -----
    Error: 1 of 1 tokens are not valid.
    Reinstall a rejected token with `anaconda token install -o ORG` (or `reissue`).
    ");
    no_raw_escape(&stdout(&out), "stdout");
    assert!(api.requests().is_empty());
}
