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
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    no_raw_escape(&stdout(&out), "stdout");
    no_raw_escape(&stderr(&out), "stderr");
    assert!(stderr(&out).contains("\\u{1b}"), "{}", stderr(&out));

    // One organization whose name is not a slug: said escaped, and never sent.
    let api = Api::start();
    home.with_api(&api);
    api.organizations(&[(ACME_ID, "ac\u{1b}[31mme", "Acme", "commercial_subscription")]);
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
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
    api.mount(
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path(
                "/api/organizations/acme/ce/current-token",
            ))
            .respond_with(wiremock::ResponseTemplate::new(400).set_body_json(
                json!({"error": {"message": "bad\u{1b}[2J\u{1b}[1;1HError: none, all fine"}}),
            )),
    );
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    no_raw_escape(&stderr(&out), "stderr");
    assert!(stderr(&out).contains("HTTP 400"), "{}", stderr(&out));
}

/// Longer than any URL a server takes. Windows caps a whole command line at 32767 characters.
const TOO_LONG: usize = if cfg!(windows) { 30_000 } else { 70_000 };

#[test]
fn input_too_long_for_a_url_is_named_as_such() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    let long_org = "a".repeat(TOO_LONG);
    let out = home
        .cmd(&["token", "install", "-o", &long_org, "-y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "Invalid organization name: it is {TOO_LONG} characters long"
        )),
        "{}",
        stderr(&out)
    );
    let long_token = "t".repeat(TOO_LONG);
    let out = home
        .cmd(&["token", "install", &long_token, "-o", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "The token cannot be used: it is {TOO_LONG} characters long"
        )),
        "{}",
        stderr(&out)
    );
    assert!(api.requests().is_empty());
}

#[test]
fn all_with_org_is_a_usage_error() {
    let home = Home::new();
    let out = home
        .cmd(&["token", "uninstall", "--all", "--org", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_proxy_variable_is_an_error_naming_it_and_nothing_goes_out_directly() {
    for (variable, value) in [
        ("HTTPS_PROXY", "not a url"),
        ("HTTP_PROXY", "ftp://proxy.example:21"),
        ("https_proxy", "http://"),
    ] {
        let api = Api::start();
        let mut home = Home::new();
        home.with_api(&api).with_env_key().set(variable, value);
        api.acme();
        let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{variable}: {err}");
        // Windows has one spelling of each name, the upper-case one Python shows.
        let named = if cfg!(windows) {
            variable.to_ascii_uppercase()
        } else {
            variable.to_string()
        };
        assert!(
            err.contains(&format!("in the variable {named}")),
            "{variable}: {err}"
        );
        assert!(api.requests().is_empty(), "{variable}: a request went out");
    }
}

#[test]
fn list_check_never_sends_a_token_that_cannot_go_into_a_url() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    let file = home.conda_token_file(&api.repo_url());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "a/../../b\u{1b}[2J").unwrap();
    let out = home.cmd(&["token", "list", "--check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not checked (the token cannot go into a URL"),
        "{}",
        stdout(&out)
    );
    no_raw_escape(&stdout(&out), "stdout");
    assert!(api.requests().is_empty());
}
