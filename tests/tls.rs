//! TLS for the repository check and the API: a CA bundle, an untrusted certificate, and
//! `ssl_verify` false, against a real HTTPS server on loopback.

mod common;

use common::*;
use predicates::prelude::*;

#[path = "common/tls.rs"]
mod tls;

const TOKEN: &str = "tok-tls-1";

fn home_for(server: &tls::TlsServer) -> Home {
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", server.repo_url());
    home
}

#[test]
fn repository_check_with_a_ca_bundle_from_conda_ssl_verify() {
    let server = tls::start(200, "");
    let mut home = home_for(&server);
    let ca = server.ca_in(home.path());
    home.set("CONDA_SSL_VERIFY", ca.to_str().unwrap());
    let out = home.install_given(TOKEN, "acme").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.keyring_path().exists());
}

#[test]
fn repository_check_with_a_ca_bundle_from_condarc() {
    let server = tls::start(200, "");
    let home = home_for(&server);
    let ca = server.ca_in(home.path());
    std::fs::write(
        home.condarc_path(),
        format!("ssl_verify: {}\n", ca.display()),
    )
    .unwrap();
    home.install_given(TOKEN, "acme").assert().success();
}

#[test]
fn untrusted_certificate_is_refused_with_a_hint() {
    let server = tls::start(200, "");
    let home = home_for(&server);
    let out = home.install_given(TOKEN, "acme").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("Could not reach localhost:{}", server.port)),
        "{err}"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(err.contains("ssl_verify"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    assert!(!home.keyring_path().exists());
}

#[test]
fn ssl_verify_false_skips_verification_with_a_warning() {
    let server = tls::start(200, "");
    let mut home = home_for(&server);
    home.set("CONDA_SSL_VERIFY", "false");
    home.install_given(TOKEN, "acme")
        .assert()
        .success()
        .stderr(predicate::str::contains("verification is disabled"));
}

#[test]
fn api_requests_follow_anaconda_auth_ssl_verify() {
    let server = tls::start(200, r#"[{"id": "x", "name": "acme", "title": "Acme"}]"#);
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_DOMAIN", format!("localhost:{}", server.port))
        .with_env_key();
    // Untrusted: the organizations request fails on TLS.
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ssl_verify"), "{}", stderr(&out));
    // Trusted through a CA bundle: the requests go through (the canned answer has no business
    // organization, so the command then stops there).
    let ca = server.ca_in(home.path());
    home.set("ANACONDA_AUTH_SSL_VERIFY", ca.to_str().unwrap());
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("No organizations found.") && !err.contains("ssl_verify"),
        "{err}"
    );
}

#[test]
fn missing_ca_bundle_is_a_clear_error() {
    let server = tls::start(200, "");
    let mut home = home_for(&server);
    home.set("CONDA_SSL_VERIFY", "/nonexistent/ca.pem");
    home.cmd(&["token", "install", TOKEN, "-o", "acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/ca.pem"));
}
