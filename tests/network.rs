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
use proxy::{Proxy, dead_port};

/// A HOME whose snapshots show the dead port as `:[DEAD]` and each proxy as `[PROXY]`.
fn home_with(dead: u16, proxies: &[&Proxy]) -> Home {
    let home = Home::new();
    home.filter_pattern(&format!(r":{dead}\b"), ":[DEAD]");
    for proxy in proxies {
        home.filter(&proxy.url(), "PROXY");
    }
    home
}

/// A HOME whose repository is the TLS server, and whose snapshots show its port as `:[PORT]`.
fn home_for_tls(server: &tls::TlsServer) -> Home {
    let mut home = Home::new();
    home.filter_pattern(&format!(r":{}\b", server.port), ":[PORT]")
        // The platform's verifier gives its own reasons.
        .filter_pattern(r"(invalid peer certificate): [^\n]*", "$1: [REASON]");
    home.set("CONDA_TOKEN_REPO_URL", server.repo_url());
    home
}

#[test]
fn repository_check_goes_through_http_proxy_from_the_environment() {
    let proxy = Proxy::start(200, "");
    let dead = dead_port(); // only the proxy can answer
    let mut home = home_with(dead, &[&proxy]);
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    )
    .set("HTTP_PROXY", proxy.url());
    cmd_snapshot!(home, home.install_given("tok-proxy", "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
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
    let dead = dead_port();
    let mut home = home_with(dead, &[&proxy]);
    home.set(
        "CONDA_TOKEN_REPO_URL",
        format!("http://localhost:{dead}/repo/"),
    );
    std::fs::write(
        home.condarc_path(),
        format!("proxy_servers:\n  http: {}\n", proxy.url()),
    )
    .unwrap();
    cmd_snapshot!(home, home.install_given("tok-proxy", "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
}

#[test]
fn api_requests_use_the_proxy_unless_no_proxy() {
    let proxy = Proxy::start(200, "[]");
    let dead = dead_port();
    let mut home = home_with(dead, &[&proxy]);
    home.filter_connect_errors();
    home.set("ANACONDA_AUTH_DOMAIN", format!("http://localhost:{dead}"))
        .set("HTTP_PROXY", proxy.url())
        .with_env_key();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: No organizations found.
    Your account has no organization with a business subscription. Ask your administrator to add you, or pass --org with the organization's name.
    ");
    assert!(
        proxy.seen()[0].starts_with(&format!("GET http://localhost:{dead}/api/organizations/my"))
    );

    let before = proxy.seen().len();
    home.set("NO_PROXY", "localhost");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach localhost:[DEAD]: tcp connect error: [CONNECT ERROR]
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
    assert_eq!(proxy.seen().len(), before, "NO_PROXY was not honoured");
}

#[test]
fn ssl_verify_from_a_condarc_d_file_is_used_for_the_repository_check() {
    let server = tls::start(200, "");
    let home = home_for_tls(&server);
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
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Warning: Ignoring a conda configuration file: [HOME]/.conda/condarc.d/20-broken.yaml is not a valid YAML file: line 2, column 1: while parsing a node, did not find expected node content
    ");
}

#[test]
fn conda_token_no_ssl_verify_skips_verification_for_the_check() {
    let server = tls::start(200, "");
    let home = home_for_tls(&server);
    cmd_snapshot!(home, home.conda_token(&["set", "tok-1", "--force-config-condarc"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach localhost:[PORT]: invalid peer certificate: [REASON]
    Check the ssl_verify setting (ANACONDA_AUTH_SSL_VERIFY, [plugin.auth] in the config file, or ssl_verify in ~/.condarc).
    ");
    cmd_snapshot!(
        home,
        home.conda_token(&["set", "tok-1", "--no-ssl-verify", "--force-config-condarc"]),
        @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token was validated and Conda has been configured.

    ----- stderr -----
    Warning: TLS certificate verification is disabled (ssl_verify is false).
    "
    );
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
    home.filter_pattern(&format!(r":{port}\b"), ":[PORT]");
    let started = Instant::now();
    cmd_snapshot!(home, home.install_given("tok-1", "acme").timeout(Duration::from_secs(30)), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach 127.0.0.1:[PORT]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
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
    // Said once, on stderr.
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Warning: TLS certificate verification is disabled (ssl_verify is false).
    ");
}

#[test]
fn conda_client_certificate_is_presented_to_the_repository() {
    let server = tls::start_mutual(200, "");
    let home = home_for_tls(&server);
    let ca = server.ca_in(home.path());
    let client = home.path().join("client.pem");
    std::fs::write(&client, &server.client_pem).unwrap();
    std::fs::write(
        home.condarc_path(),
        format!("ssl_verify: {}\n", ca.display()),
    )
    .unwrap();
    // Without the certificate the server refuses the handshake.
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach localhost:[PORT]: connection error: received fatal alert: CertificateRequired
    Check the ssl_verify setting (ANACONDA_AUTH_SSL_VERIFY, [plugin.auth] in the config file, or ssl_verify in ~/.condarc).
    ");
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
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    // A certificate file that is not one is a clear error naming it.
    std::fs::write(&client, "nope").unwrap();
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Cannot use the client certificate [HOME]/client.pem: it holds no PEM certificate
    Check client_ssl_cert / client_ssl_cert_key (conda) or client_cert / client_cert_key ([plugin.auth]).
    ");
}

#[test]
fn conda_proxies_merge_with_the_environment_and_honour_no_proxy() {
    let env_proxy = Proxy::start(200, "");
    let conda_proxy = Proxy::start(200, "");
    let dead = dead_port();
    let mut home = home_with(dead, &[&env_proxy, &conda_proxy]);
    home.filter_connect_errors();
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
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_eq!(env_proxy.seen().len(), 1, "{:?}", env_proxy.seen());

    // A configured http proxy, and NO_PROXY naming the repository's host: no proxy is used.
    std::fs::write(
        home.condarc_path(),
        format!("proxy_servers:\n  http: {}\n", conda_proxy.url()),
    )
    .unwrap();
    home.set("NO_PROXY", "localhost");
    cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach localhost:[DEAD]: tcp connect error: [CONNECT ERROR]
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
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
    let out = cmd_snapshot!(home, home.cmd(&["whoami"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: refused a redirect to plain HTTP
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
    // The token in the redirect's URL is never printed.
    assert!(!stderr(&out).contains("tok-1"), "{}", stderr(&out));
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
    let out = cmd_snapshot!(home, home.install_given("tok-1", "acme"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token could not be validated. Please check that you have typed it correctly.
    The repository [API]/repo/ answered HTTP 302 (a redirect to [API]/login?next=/t/<redacted>/repo/).
    ");
    assert!(!stderr(&out).contains("tok-1"), "{}", stderr(&out));
    assert!(!home.keyring_path().exists() && !home.binstar_dir().exists());
    let asked: Vec<_> = api.requests();
    assert_eq!(asked.len(), 1, "the redirect was followed: {asked:?}");
}

/// A proxy's password never reaches the terminal, whatever fails (`-v` log included).
#[test]
fn proxy_passwords_are_never_printed() {
    let dead = dead_port();
    let mut all = String::new();
    for proxy in [
        format!("http://alice:s3cret-pw@127.0.0.1:{dead}"),
        "ftp://alice:s3cret-pw@proxy.example:21".to_string(),
    ] {
        let mut home = home_with(dead, &[]);
        home.filter_connect_errors();
        home.set("CONDA_TOKEN_REPO_URL", "https://repo.example.invalid/repo/")
            .set("HTTPS_PROXY", proxy.as_str());
        let mut cmd = home.install_given("tok-1", "acme");
        cmd.arg("-v");
        let (text, out) = snapshot::run(&home.filters(), cmd);
        // The unusable proxy is named, without its password.
        all.push_str(&format!("=== {}\n{text}\n", home.filters().apply(&proxy)));
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(!err.contains("s3cret") && !text.contains("s3cret"), "{err}");
    }
    insta::assert_snapshot!(all, @r#"
    === http://alice:s3cret-pw@127.0.0.1:[DEAD]
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    debug: HEAD https://repo.example.invalid/t/<redacted>/repo/main/noarch/repodata.json -> Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR] ([TIME])
    debug: retrying after a connection error: Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR]
    debug: HEAD https://repo.example.invalid/t/<redacted>/repo/main/noarch/repodata.json -> Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR] ([TIME])
    debug: retrying after a connection error: Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR]
    debug: HEAD https://repo.example.invalid/t/<redacted>/repo/main/noarch/repodata.json -> Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR] ([TIME])
    Error: Could not reach repo.example.invalid: tunnel error: failed to create underlying connection: tcp connect error: [CONNECT ERROR]
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ftp://alice:s3cret-pw@proxy.example:21
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Invalid proxy "https" (ftp://alice:<redacted>@proxy.example:21) in the variable HTTPS_PROXY: not an http:// or https:// URL
    Use a URL such as http://proxy.example:8080, or unset it.
    "#);
}
