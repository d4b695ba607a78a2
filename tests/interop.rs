//! Interoperability with the real Python tool (anaconda-auth 0.15.3) on the keyring file: each
//! reads what the other wrote, and a token installed by one is uninstalled by the other.
//!
//! Needs a Python with `anaconda-auth` installed, named by `ANACONDA_TOKEN_TEST_PYTHON`
//! (`.ci/run` creates one). Without it the tests say so on stderr and pass vacuously, so that a
//! plain `cargo test` works with the Rust toolchain alone; CI always sets it.

mod common;

use std::path::Path;

use common::*;

/// Runs Python code with the anaconda-auth API in `home`; returns its stdout.
fn run_python(python: &Path, home: &Home, code: &str) -> String {
    let out = python::python_tool(python, home.path())
        .args(["-c", code])
        .output()
        .expect("python runs");
    assert!(out.status.success(), "python failed: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn python_reads_what_we_install_and_uninstalls_it() {
    let Some(python) = python::test_python() else {
        return;
    };
    let api = Api::start();
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url());
    api.repo_accepts("tok-ours");
    home.install_given("tok-ours", "acme").assert().success();

    let seen = run_python(
        &python,
        &home,
        "from anaconda_auth.token import TokenInfo\n\
         t = TokenInfo.load('anaconda.com')\n\
         print(t.get_repo_token('acme'))\n\
         t.delete_repo_token('acme'); t.save()",
    );
    assert_eq!(seen.trim(), "tok-ours");
    let sources = home.listed_sources();
    assert!(sources.iter().all(|s| s != "keyring"), "{sources:?}");
}

#[test]
fn we_read_what_python_stores_and_uninstall_it() {
    let Some(python) = python::test_python() else {
        return;
    };
    let home = Home::new();
    run_python(
        &python,
        &home,
        "from anaconda_auth.token import TokenInfo\n\
         t = TokenInfo.load('anaconda.com', create=True)\n\
         t.api_key = 'py-key'\n\
         t.set_repo_token('beta', 'tok-py'); t.save()",
    );
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["org_name"], "beta");
    assert_eq!(rows[0]["token"], "tok-py");

    home.cmd(&["token", "uninstall", "-o", "beta"])
        .assert()
        .success();
    let left = run_python(
        &python,
        &home,
        "from anaconda_auth.token import TokenInfo\n\
         t = TokenInfo.load('anaconda.com')\n\
         print(len(t.repo_tokens), t.api_key)",
    );
    assert_eq!(left.trim(), "0 py-key");
}
