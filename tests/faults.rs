//! Fault injection: every endpoint `install` uses answers 500, 502, 503, 429 with
//! `Retry-After`, hangs past the timeout, cuts its body short, sends an endless body, sends
//! invalid JSON, or redirects to another host. Each run ends with exit 1, a clear message, and
//! the HOME tree exactly as it was, except that a token issued before the fault is kept.

mod common;

use common::raw_http::{Answer, RawServer};
use common::*;
use serde_json::json;

const TOKEN: &str = "tok-fault-1";
const ORGS: &str = "/api/organizations/my";
const ACCOUNT: &str = "/api/account";
const CURRENT: &str = "/api/organizations/acme/ce/current-token";
const HEAD_PATH: &str = "/t/tok-fault-1/repo/main/noarch/repodata.json";

/// (method, path) of each request `install -y` makes, in order.
const ENDPOINTS: [(&str, &str); 5] = [
    ("GET", ORGS),
    ("GET", ACCOUNT),
    ("GET", CURRENT),
    ("PUT", CURRENT),
    ("HEAD", HEAD_PATH),
];

/// A server that answers `install -y` as the service does, and another host to redirect to,
/// which refuses anyone without a key.
fn servers() -> (RawServer, RawServer) {
    let api = RawServer::start();
    api.route(
        "GET",
        ORGS,
        Answer::json(
            200,
            json!([{"id": ACME_ID, "name": "acme", "title": "Acme"}]),
        ),
    );
    api.route(
        "GET",
        ACCOUNT,
        Answer::json(
            200,
            json!({"user": {"id": "u-1"}, "subscriptions": [
                {"org_id": ACME_ID, "product_code": "commercial_subscription"}]}),
        ),
    );
    api.route("GET", CURRENT, Answer::status(404));
    api.route(
        "PUT",
        CURRENT,
        Answer::json(
            200,
            json!({"token": TOKEN, "expires_at": "2027-01-31T00:00:00"}),
        ),
    );
    api.route(
        "HEAD",
        HEAD_PATH,
        Answer::Plain(200, Vec::new(), Vec::new()),
    );
    let elsewhere = RawServer::start();
    elsewhere.fallback(Answer::json(
        401,
        json!({"error": {"code": "auth_required", "message": "who are you?"}}),
    ));
    (api, elsewhere)
}

fn home_for(api: &RawServer, elsewhere: &RawServer) -> Home {
    let mut home = Home::new();
    home.filter(&api.uri(), "API")
        .filter(&api.domain(), "DOMAIN")
        .filter(&elsewhere.uri(), "ELSEWHERE")
        .filter(&elsewhere.domain(), "ELSEWHERE_DOMAIN");
    home.set("ANACONDA_AUTH_DOMAIN", api.uri())
        .set("CONDA_TOKEN_REPO_URL", format!("{}/repo/", api.uri()))
        .set("ANACONDA_TOKEN_TIMEOUT", "1")
        .set("ANACONDA_AUTH_EXTRA_HEADERS", r#"{"X-Site": "ours"}"#)
        .with_env_key();
    // Something of the user's to keep: a .condarc and another service's keyring entry.
    std::fs::write(home.condarc_path(), "channels: [defaults]  # mine\n").unwrap();
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(home.keyring_path(), r#"{"other": {"u": "s"}}"#).unwrap();
    home
}

/// What a fault on an endpoint must leave behind.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Nothing changed in HOME.
    Unchanged,
    /// The token issued before the fault was stored (and nothing else changed).
    TokenKept,
}

/// Runs `install -y` with `fault` on `endpoint`; checks the HOME tree and the number of tries
/// of the faulty request, and returns the run, titled, for the test's snapshot.
fn check(fault: &str, endpoint: (&str, &str), answer: Answer, tries: usize) -> String {
    let (api, elsewhere) = servers();
    let answer = match answer {
        Answer::Plain(302, _, _) => Answer::redirect(&format!("{}/moved", elsewhere.uri())),
        other => other,
    };
    api.route(endpoint.0, endpoint.1, answer);
    let home = home_for(&api, &elsewhere);
    let before = tree(home.path());
    let (run, out) = snapshot::run(
        &home.filters(),
        home.cmd(&["token", "install", "-y", "--no-set-default-channels"]),
    );
    let (text, err) = (stdout(&out), stderr(&out));
    let case = format!("{fault} on {} {}", endpoint.0, endpoint.1);
    assert!(!text.contains(TOKEN) && !err.contains(TOKEN), "{case}");
    assert!(!err.contains(API_KEY) && !text.contains(API_KEY), "{case}");

    let issued_before_fault = endpoint == ("HEAD", HEAD_PATH) && fault != "a redirect";
    let outcome = if issued_before_fault {
        Outcome::TokenKept
    } else {
        Outcome::Unchanged
    };
    let after = tree(home.path());
    match outcome {
        Outcome::Unchanged => assert_eq!(before, after, "{case}: HOME changed"),
        Outcome::TokenKept => {
            let stored = home.entry(&api.domain()).expect("entry stored");
            assert_eq!(stored["repo_tokens"][0]["token"], TOKEN, "{case}");
            let changed: Vec<_> = after
                .iter()
                .filter(|entry| !before.contains(entry))
                .map(|(path, _)| path.as_str())
                .collect();
            let token_file = home.conda_token_file(&format!("{}/repo/", api.uri()));
            let token_file = token_file.strip_prefix(home.path()).unwrap();
            assert!(
                changed
                    .iter()
                    .all(|p| *p == ".anaconda/keyring" || token_file.starts_with(p)),
                "{case}: {changed:?}"
            );
        }
    }
    assert_eq!(
        api.count(endpoint.0, endpoint.1),
        tries,
        "{case}: tries ({:?})",
        api.seen()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect::<Vec<_>>()
    );
    if endpoint.0 != "PUT" && endpoint != ("HEAD", HEAD_PATH) {
        assert_eq!(api.count("PUT", CURRENT), 0, "{case}: a token was issued");
    }
    // Nothing meant for our host reached the other one.
    for seen in elsewhere.seen() {
        assert!(seen.header("authorization").is_none(), "{case}: {seen:?}");
        assert!(seen.header("x-site").is_none(), "{case}: {seen:?}");
    }
    format!("=== {case}\n{run}\n")
}

/// Retried GET and HEAD: three tries; everything else once.
fn retried(endpoint: (&str, &str)) -> usize {
    if endpoint.0 == "PUT" { 1 } else { 3 }
}

#[test]
fn http_500_is_reported_once_and_not_retried() {
    let all: String = ENDPOINTS
        .into_iter()
        .map(|endpoint| check("500", endpoint, Answer::status(500), 1))
        .collect();
    insta::assert_snapshot!(all, @"
    === 500 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 500 (fault)

    === 500 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 500 (fault)

    === 500 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 500 (fault)

    === 500 on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: PUT [API]/api/organizations/acme/ce/current-token failed: HTTP 500 (fault)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === 500 on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 500); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 500.
    Run `anaconda token list --check` later to check that the repository accepts it.
    ");
}

#[test]
fn http_502_and_503_are_retried_then_reported() {
    let mut all = String::new();
    for status in [502, 503] {
        for endpoint in ENDPOINTS {
            all.push_str(&check(
                &status.to_string(),
                endpoint,
                Answer::status(status),
                retried(endpoint),
            ));
        }
    }
    insta::assert_snapshot!(all, @"
    === 502 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 502 (fault)

    === 502 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 502 (fault)

    === 502 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 502 (fault)

    === 502 on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: PUT [API]/api/organizations/acme/ce/current-token failed: HTTP 502 (fault)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === 502 on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 502); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 502.
    Run `anaconda token list --check` later to check that the repository accepts it.

    === 503 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 503 (fault)

    === 503 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 503 (fault)

    === 503 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 503 (fault)

    === 503 on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: PUT [API]/api/organizations/acme/ce/current-token failed: HTTP 503 (fault)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === 503 on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 503); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 503.
    Run `anaconda token list --check` later to check that the repository accepts it.
    ");
}

#[test]
fn http_429_waits_for_retry_after_then_reports() {
    let mut all = String::new();
    for endpoint in ENDPOINTS {
        let answer = Answer::Plain(
            429,
            vec![("Retry-After".into(), "1".into())],
            br#"{"error": {"message": "slow down"}}"#.to_vec(),
        );
        let started = std::time::Instant::now();
        all.push_str(&check("429", endpoint, answer, retried(endpoint)));
        if endpoint.0 != "PUT" {
            assert!(
                started.elapsed() >= std::time::Duration::from_secs(2),
                "Retry-After was not waited for"
            );
        }
    }
    insta::assert_snapshot!(all, @"
    === 429 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 429 (slow down)

    === 429 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 429 (slow down)

    === 429 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 429 (slow down)

    === 429 on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: PUT [API]/api/organizations/acme/ce/current-token failed: HTTP 429 (slow down)

    === 429 on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 429); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 429.
    Run `anaconda token list --check` later to check that the repository accepts it.
    ");
}

#[test]
fn a_server_that_hangs_is_tried_once() {
    let all: String = ENDPOINTS
        .into_iter()
        .map(|endpoint| check("a hang", endpoint, Answer::Hang, 1))
        .collect();
    insta::assert_snapshot!(all, @"
    === a hang on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a hang on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a hang on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a hang on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === a hang on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (Could not reach [DOMAIN]: the request timed out); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: Could not reach [DOMAIN]: the request timed out.
    Run `anaconda token list --check` later to check that the repository accepts it.
    ");
}

#[test]
fn a_body_cut_short_is_a_network_error() {
    let all: String = ENDPOINTS[..4]
        .iter()
        .map(|endpoint| check("a cut body", *endpoint, Answer::CutShort(200), 1))
        .collect();
    insta::assert_snapshot!(all, @"
    === a cut body on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a cut body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a cut body on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === a cut body on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.
    ");
}

#[test]
fn an_endless_body_is_cut_at_the_limit() {
    let all: String = ENDPOINTS[..4]
        .iter()
        .map(|endpoint| check("an endless body", *endpoint, Answer::Endless, 1))
        .collect();
    insta::assert_snapshot!(all, @"
    === an endless body on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/organizations/my: the answer is larger than 1024 KiB

    === an endless body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/account: the answer is larger than 1024 KiB

    === an endless body on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from [API]/api/organizations/acme/ce/current-token: the answer is larger than 1024 KiB

    === an endless body on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from [API]/api/organizations/acme/ce/current-token: the answer is larger than 1024 KiB
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.
    ");
}

#[test]
fn invalid_json_names_the_endpoint() {
    let mut all = String::new();
    for endpoint in &ENDPOINTS[..4] {
        let answer = Answer::Plain(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            b"{not json".to_vec(),
        );
        all.push_str(&check("invalid JSON", *endpoint, answer, 1));
    }
    insta::assert_snapshot!(all, @"
    === invalid JSON on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/my: the answer is not the expected JSON (line 1, column 0)

    === invalid JSON on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/account: the answer is not the expected JSON (line 1, column 2)

    === invalid JSON on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the answer is not the expected JSON (line 1, column 2)

    === invalid JSON on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the answer is not the expected JSON (line 1, column 2)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.
    ");
}

#[test]
fn a_redirect_to_another_host_carries_no_credentials() {
    // conda does not follow a redirect of the repository check, so neither do we: it is a
    // refusal naming where it pointed. `check` points the redirect at the other host.
    let all: String = ENDPOINTS
        .into_iter()
        .map(|endpoint| {
            check(
                "a redirect",
                endpoint,
                Answer::Plain(302, Vec::new(), Vec::new()),
                1,
            )
        })
        .collect();
    insta::assert_snapshot!(all, @"
    === a redirect on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.

    === a redirect on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.

    === a redirect on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.

    === a redirect on PUT /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.

    === a redirect on HEAD /t/tok-fault-1/repo/main/noarch/repodata.json
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: The repository refused the token just issued for acme: it answered HTTP 302 (a redirect to [ELSEWHERE]/moved).
    The previous token of acme is already revoked: `anaconda token reissue -o acme` issues a fresh one.
    ");
}

/// `sync` and `whoami`: the same faults on each of their endpoints end in exit 1, a clear
/// message, HOME unchanged, and retries only where a retry is safe.
#[test]
fn sync_and_whoami_fail_cleanly_on_every_endpoint() {
    let patch = format!("/api/v1/organizations/{ACME_ID}/users/u-1/token");
    type Run<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>);
    let runs: [Run; 2] = [
        (
            &["token", "sync", "-o", "acme"],
            vec![
                ("GET", ORGS),
                ("GET", ACCOUNT),
                ("PATCH", &patch),
                ("GET", CURRENT),
            ],
        ),
        (&["whoami"], vec![("GET", ACCOUNT)]),
    ];
    let faults = [
        ("500", Answer::status(500), false),
        ("503", Answer::status(503), true),
        ("a hang", Answer::Hang, false),
        ("a cut body", Answer::CutShort(200), false),
        ("an endless body", Answer::Endless, false),
        (
            "invalid JSON",
            Answer::Plain(200, Vec::new(), b"{not json".to_vec()),
            false,
        ),
    ];
    let mut all = String::new();
    for (args, endpoints) in &runs {
        for &(method, path) in endpoints {
            for (fault, answer, retried) in &faults {
                if method == "PATCH"
                    && matches!(fault, &"a cut body" | &"an endless body" | &"invalid JSON")
                {
                    // The answer to the PATCH is not read: its status is all that counts.
                    continue;
                }
                let (api, elsewhere) = servers();
                api.route("PATCH", &patch, Answer::json(200, json!({})));
                api.route(
                    "GET",
                    CURRENT,
                    Answer::json(200, json!({"id": "t", "expires_at": "2028-01-31T00:00:00"})),
                );
                api.route(method, path, answer.clone());
                let home = home_for(&api, &elsewhere);
                let entry = json!({"domain": api.domain(), "version": 2, "repo_tokens": [
                    {"token": "tok-old", "org_name": "acme", "expires_at": "2027-01-31T00:00:00+00:00"}]});
                home.write_entry(&api.domain(), &entry);
                let before = tree(home.path());
                let (run, out) = snapshot::run(&home.filters(), home.cmd(args));
                let case = format!("{args:?}: {fault} on {method} {path}");
                all.push_str(&format!("=== {case}\n{run}\n"));
                assert!(!stderr(&out).contains(API_KEY), "{case}");
                assert_eq!(before, tree(home.path()), "{case}: HOME changed");
                let tries = if *retried && method == "GET" { 3 } else { 1 };
                assert_eq!(api.count(method, path), tries, "{case}");
            }
        }
    }
    insta::assert_snapshot!(all, @r#"
    === ["token", "sync", "-o", "acme"]: 500 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 500 (fault)

    === ["token", "sync", "-o", "acme"]: 503 on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 503 (fault)

    === ["token", "sync", "-o", "acme"]: a hang on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["token", "sync", "-o", "acme"]: a cut body on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["token", "sync", "-o", "acme"]: an endless body on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/organizations/my: the answer is larger than 1024 KiB

    === ["token", "sync", "-o", "acme"]: invalid JSON on GET /api/organizations/my
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/my: the answer is not the expected JSON (line 1, column 0)

    === ["token", "sync", "-o", "acme"]: 500 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 500 (fault)

    === ["token", "sync", "-o", "acme"]: 503 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 503 (fault)

    === ["token", "sync", "-o", "acme"]: a hang on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["token", "sync", "-o", "acme"]: a cut body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["token", "sync", "-o", "acme"]: an endless body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/account: the answer is larger than 1024 KiB

    === ["token", "sync", "-o", "acme"]: invalid JSON on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/account: the answer is not the expected JSON (line 1, column 2)

    === ["token", "sync", "-o", "acme"]: 500 on PATCH /api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: PATCH [API]/api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token failed: HTTP 500 (fault)

    === ["token", "sync", "-o", "acme"]: 503 on PATCH /api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: PATCH [API]/api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token failed: HTTP 503 (fault)

    === ["token", "sync", "-o", "acme"]: a hang on PATCH /api/v1/organizations/11111111-1111-1111-1111-111111111111/users/u-1/token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["token", "sync", "-o", "acme"]: 500 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 500 (fault)
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["token", "sync", "-o", "acme"]: 503 on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 503 (fault)
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["token", "sync", "-o", "acme"]: a hang on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["token", "sync", "-o", "acme"]: a cut body on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["token", "sync", "-o", "acme"]: an endless body on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/organizations/acme/ce/current-token: the answer is larger than 1024 KiB
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["token", "sync", "-o", "acme"]: invalid JSON on GET /api/organizations/acme/ce/current-token
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the answer is not the expected JSON (line 1, column 2)
    The sync itself went through; only the new expiry could not be read: run `anaconda token sync` again later to store it.

    === ["whoami"]: 500 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 500 (fault)

    === ["whoami"]: 503 on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 503 (fault)

    === ["whoami"]: a hang on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the request timed out
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["whoami"]: a cut body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: the answer was cut short (request or response body error)
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).

    === ["whoami"]: an endless body on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from [API]/api/account: the answer is larger than 1024 KiB

    === ["whoami"]: invalid JSON on GET /api/account
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Unexpected answer from /api/account: the answer is not the expected JSON (line 1, column 2)
    "#);
}

#[test]
fn the_verbose_log_shows_every_attempt_and_redirect() {
    let (api, elsewhere) = servers();
    api.route("GET", ORGS, Answer::redirect("/api/organizations/moved"));
    api.route("GET", "/api/organizations/moved", Answer::status(503));
    let home = home_for(&api, &elsewhere);
    let out = cmd_snapshot!(home, home.cmd(&["-v", "token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    debug: GET [API]/api/organizations/my -> 302 ([TIME])
    debug: redirected to [API]/api/organizations/moved
    debug: GET [API]/api/organizations/moved -> 503 ([TIME])
    debug: retrying in 200 ms after HTTP 503
    debug: GET [API]/api/organizations/my -> 302 ([TIME])
    debug: redirected to [API]/api/organizations/moved
    debug: GET [API]/api/organizations/moved -> 503 ([TIME])
    debug: retrying in 600 ms after HTTP 503
    debug: GET [API]/api/organizations/my -> 302 ([TIME])
    debug: redirected to [API]/api/organizations/moved
    debug: GET [API]/api/organizations/moved -> 503 ([TIME])
    Error: GET [API]/api/organizations/my failed: HTTP 503 (fault)
    ");
    assert!(!stderr(&out).contains(API_KEY), "{}", stderr(&out));
    assert!(elsewhere.seen().is_empty());
}
