//! Network settings as conda and the Python tool have them: proxies (environment and conda's
//! `proxy_servers`), conda's `ssl_verify` from anywhere on its search path, `--no-ssl-verify`,
//! timeouts against a server that never answers.

mod common;

#[path = "common/proxy.rs"]
mod proxy;
#[path = "common/tls.rs"]
mod tls;

use std::time::{Duration, Instant};

use common::*;
use predicates::prelude::*;
use proxy::{Proxy, dead_port};

#[test]
fn repository_check_goes_through_http_proxy_from_the_environment() {
    let proxy = Proxy::start(200, "");
    let mut home = Home::new();
    let dead = dead_port(); // only the proxy can answer
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    )
    .set("HTTP_PROXY", proxy.url());
    home.install_given("tok-proxy", "acme").assert().success();
    assert_eq!(
        proxy.seen(),
        [format!(
            "HEAD http://localhost:{dead}/t/tok-proxy/repo/main/noarch/repodata.json HTTP/1.1"
        )]
    );
}

#[test]
fn repository_check_uses_conda_proxy_servers() {
    let proxy = Proxy::start(200, "");
    let home = Home::new();
    let dead = dead_port();
    let mut home = home;
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    );
    std::fs::write(
        home.condarc_path(),
        format!("proxy_servers:\n  http: {}\n", proxy.url()),
    )
    .unwrap();
    home.install_given("tok-proxy", "acme").assert().success();
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
}

#[test]
fn api_requests_use_the_proxy_unless_no_proxy() {
    let proxy = Proxy::start(200, "[]");
    let dead = dead_port();
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_DOMAIN", format!("http://localhost:{dead}"))
        .set("HTTP_PROXY", proxy.url())
        .with_env_key();
    home.cmd(&["token", "install", "-y"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("No organizations found."));
    assert!(
        proxy.seen()[0].starts_with(&format!("GET http://localhost:{dead}/api/organizations/my"))
    );

    let before = proxy.seen().len();
    home.set("NO_PROXY", "localhost");
    home.cmd(&["token", "install", "-y"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "Could not reach localhost:{dead}"
        )));
    assert_eq!(proxy.seen().len(), before, "NO_PROXY was not honoured");
}

#[test]
fn ssl_verify_from_a_condarc_d_file_is_used_for_the_repository_check() {
    let server = tls::start(200, "");
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", server.repo_url());
    let ca = server.ca_in(home.path());
    let dir = home.path().join(".conda/condarc.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("10-tls.yml"),
        format!("ssl_verify: {}\n", ca.display()),
    )
    .unwrap();
    // Another file that is not YAML: conda skips it with a warning, and so do we.
    std::fs::write(dir.join("20-broken.yaml"), "ssl_verify: [\n").unwrap();
    home.install_given("tok-1", "acme")
        .assert()
        .success()
        .stderr(predicate::str::contains("20-broken.yaml"));
}

#[test]
fn conda_token_no_ssl_verify_skips_verification_for_the_check() {
    let server = tls::start(200, "");
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", server.repo_url());
    home.conda_token(&["set", "tok-1", "--force-config-condarc"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ssl_verify"));
    home.conda_token(&["set", "tok-1", "--no-ssl-verify", "--force-config-condarc"])
        .assert()
        .success();
    let text = std::fs::read_to_string(home.condarc_path()).unwrap();
    assert!(text.contains("ssl_verify: false\n"), "{text}");
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(20) {
            held.push(stream);
        }
    });
    let mut home = Home::new();
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://127.0.0.1:{port}/repo/"),
    )
    .set("ANACONDA_TOKEN_TIMEOUT", "0.5");
    let started = Instant::now();
    home.install_given("tok-1", "acme")
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("timed out"));
    // Three attempts of 0.5 s and the backoff between them.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(!home.keyring_path().exists());
}

#[test]
fn verification_off_is_warned_about_once() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api)
        .with_env_key()
        .set("ANACONDA_AUTH_SSL_VERIFY", "false")
        .set("CONDA_SSL_VERIFY", "0");
    api.acme();
    api.will_issue("acme", "tok-1", "2027-01-01T00:00:00Z");
    let out = home
        .cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("verification is disabled").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn conda_client_certificate_is_presented_to_the_repository() {
    let server = tls::start_mutual(200, "");
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", server.repo_url());
    let ca = server.ca_in(home.path());
    let client = home.path().join("client.pem");
    std::fs::write(&client, &server.client_pem).unwrap();
    std::fs::write(
        home.condarc_path(),
        format!("ssl_verify: {}\n", ca.display()),
    )
    .unwrap();
    // Without the certificate the server refuses the handshake.
    home.install_given("tok-1", "acme").assert().code(1);
    assert!(!home.keyring_path().exists());
    std::fs::write(
        home.condarc_path(),
        format!(
            "ssl_verify: {}\nclient_ssl_cert: {}\n",
            ca.display(),
            client.display()
        ),
    )
    .unwrap();
    home.install_given("tok-1", "acme").assert().success();
    // A certificate file that is not one is a clear error naming it.
    std::fs::write(&client, "nope").unwrap();
    home.install_given("tok-1", "acme").assert().code(1).stderr(
        predicate::str::contains("client certificate").and(predicate::str::contains("client.pem")),
    );
}

#[test]
fn conda_proxies_merge_with_the_environment_and_honour_no_proxy() {
    let env_proxy = Proxy::start(200, "");
    let dead = dead_port();
    let mut home = Home::new();
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    )
    .set("HTTP_PROXY", env_proxy.url());
    // conda configures only https: http requests still use the environment's proxy.
    std::fs::write(
        home.condarc_path(),
        "proxy_servers:\n  https: http://127.0.0.1:9\n",
    )
    .unwrap();
    home.install_given("tok-1", "acme").assert().success();
    assert_eq!(env_proxy.seen().len(), 1, "{:?}", env_proxy.seen());

    // A configured http proxy, and NO_PROXY naming the repository's host: no proxy is used.
    let conda_proxy = Proxy::start(200, "");
    std::fs::write(
        home.condarc_path(),
        format!("proxy_servers:\n  http: {}\n", conda_proxy.url()),
    )
    .unwrap();
    home.set("NO_PROXY", "localhost");
    home.install_given("tok-1", "acme").assert().code(1);
    assert!(conda_proxy.seen().is_empty(), "{:?}", conda_proxy.seen());
    assert_eq!(env_proxy.seen().len(), 1);
}

#[test]
fn a_redirect_to_plain_http_elsewhere_is_refused() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    api.mount(
        wiremock::Mock::given(wiremock::matchers::method("GET")).respond_with(
            wiremock::ResponseTemplate::new(302)
                .insert_header("location", "http://repo.example.invalid/t/tok-1/x"),
        ),
    );
    let out = home.cmd(&["whoami"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("refused a redirect to plain HTTP"), "{err}");
    assert!(!err.contains("tok-1"), "{err}");
}

/// conda's repository check follows no redirect: a repository that sends the token to a
/// sign-in page (which answers 200) refused it, and the message says where it pointed.
#[test]
fn a_redirected_repository_check_is_a_refusal_naming_where_it_pointed() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.mount(
        wiremock::Mock::given(wiremock::matchers::method("HEAD"))
            .and(wiremock::matchers::path("/login"))
            .respond_with(wiremock::ResponseTemplate::new(200)),
    );
    api.mount(
        wiremock::Mock::given(wiremock::matchers::method("HEAD")).respond_with(
            wiremock::ResponseTemplate::new(302)
                .insert_header("location", "/login?next=/t/tok-1/repo/"),
        ),
    );
    let out = home.install_given("tok-1", "acme").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out).replace(&api.uri(), "<api>");
    assert!(
        err.contains("answered HTTP 302 (a redirect to <api>/login?next=/t/<redacted>/repo/)"),
        "{err}"
    );
    assert!(!err.contains("tok-1"), "{err}");
    assert!(!home.keyring_path().exists() && !home.binstar_dir().exists());
    let asked: Vec<_> = api.requests();
    assert_eq!(asked.len(), 1, "the redirect was followed: {asked:?}");
}

/// A proxy's password never reaches the terminal, whatever fails (`-v` log included).
#[test]
fn proxy_passwords_are_never_printed() {
    let dead = dead_port();
    for proxy in [
        format!("http://alice:s3cret-pw@127.0.0.1:{dead}"),
        "ftp://alice:s3cret-pw@proxy.example:21".to_string(),
    ] {
        let mut home = Home::new();
        home.set("CONDA_TOKEN_REPO_URL", "https://repo.example.invalid/repo/")
            .set("HTTPS_PROXY", proxy.as_str());
        let mut cmd = home.install_given_std("tok-1", "acme");
        cmd.arg("-v");
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{proxy}");
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(!err.contains("s3cret") && !text.contains("s3cret"), "{err}");
        if proxy.starts_with("ftp") {
            // The unusable proxy is named, without its password.
            assert!(
                err.contains(
                    "(ftp://alice:<redacted>@proxy.example:21) in the variable HTTPS_PROXY"
                ),
                "{err}"
            );
        } else {
            assert!(
                err.contains("Could not reach repo.example.invalid"),
                "{err}"
            );
        }
    }
}
