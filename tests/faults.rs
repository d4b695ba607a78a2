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

fn home_for(api: &RawServer) -> Home {
    let mut home = Home::new();
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

/// Runs `install -y` with `fault` on `endpoint`; checks exit 1, `message` on stderr, the
/// HOME tree, and the number of tries of the faulty request.
fn check(fault: &str, endpoint: (&str, &str), answer: Answer, message: &str, tries: usize) {
    let (api, elsewhere) = servers();
    let answer = match answer {
        Answer::Plain(302, _, _) => Answer::redirect(&format!("{}/moved", elsewhere.uri())),
        other => other,
    };
    api.route(endpoint.0, endpoint.1, answer);
    let home = home_for(&api);
    let before = tree(home.path());
    let out = home
        .cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .output()
        .unwrap();
    let (text, err) = (stdout(&out), stderr(&out));
    let case = format!("{fault} on {} {}", endpoint.0, endpoint.1);
    assert_eq!(out.status.code(), Some(1), "{case}: {err}");
    assert!(
        err.contains(message),
        "{case}: expected {message:?} in: {err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("Error:")).count(),
        1,
        "{case}: one error, said once: {err}"
    );
    assert!(!text.contains(TOKEN) && !err.contains(TOKEN), "{case}");
    assert!(!err.contains(API_KEY) && !text.contains(API_KEY), "{case}");
    assert!(!err.contains("panicked"), "{case}: {err}");

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
}

/// Retried GET and HEAD: three tries; everything else once.
fn retried(endpoint: (&str, &str)) -> usize {
    if endpoint.0 == "PUT" { 1 } else { 3 }
}

#[test]
fn http_500_is_reported_once_and_not_retried() {
    for endpoint in ENDPOINTS {
        let message = if endpoint.0 == "HEAD" {
            "HTTP 500"
        } else {
            "failed: HTTP 500 (fault)"
        };
        check("500", endpoint, Answer::status(500), message, 1);
    }
}

#[test]
fn http_502_and_503_are_retried_then_reported() {
    for status in [502, 503] {
        for endpoint in ENDPOINTS {
            check(
                &status.to_string(),
                endpoint,
                Answer::status(status),
                &format!("HTTP {status}"),
                retried(endpoint),
            );
        }
    }
}

#[test]
fn http_429_waits_for_retry_after_then_reports() {
    for endpoint in ENDPOINTS {
        let answer = Answer::Plain(
            429,
            vec![("Retry-After".into(), "1".into())],
            br#"{"error": {"message": "slow down"}}"#.to_vec(),
        );
        let started = std::time::Instant::now();
        check("429", endpoint, answer, "HTTP 429", retried(endpoint));
        if endpoint.0 != "PUT" {
            assert!(
                started.elapsed() >= std::time::Duration::from_secs(2),
                "Retry-After was not waited for"
            );
        }
    }
}

#[test]
fn a_server_that_hangs_is_tried_once() {
    for endpoint in ENDPOINTS {
        check("a hang", endpoint, Answer::Hang, "timed out", 1);
    }
}

#[test]
fn a_body_cut_short_is_a_network_error() {
    for endpoint in &ENDPOINTS[..4] {
        check(
            "a cut body",
            *endpoint,
            Answer::CutShort(200),
            "cut short",
            1,
        );
    }
}

#[test]
fn an_endless_body_is_cut_at_the_limit() {
    for endpoint in &ENDPOINTS[..4] {
        check(
            "an endless body",
            *endpoint,
            Answer::Endless,
            "larger than",
            1,
        );
    }
}

#[test]
fn invalid_json_names_the_endpoint() {
    for endpoint in &ENDPOINTS[..4] {
        let answer = Answer::Plain(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            b"{not json".to_vec(),
        );
        check(
            "invalid JSON",
            *endpoint,
            answer,
            &format!("Unexpected answer from {}", endpoint.1),
            1,
        );
    }
}

#[test]
fn a_redirect_to_another_host_carries_no_credentials() {
    for endpoint in ENDPOINTS {
        // conda does not follow a redirect of the repository check, so neither do we: it is a
        // refusal naming where it pointed.
        let message = if endpoint.0 == "HEAD" {
            "answered HTTP 302 (a redirect to http://127.0.0.1:"
        } else {
            "Your provided API Key or login token is invalid"
        };
        // `check` points the redirect at the other host.
        check(
            "a redirect",
            endpoint,
            Answer::Plain(302, Vec::new(), Vec::new()),
            message,
            1,
        );
    }
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
        ("500", Answer::status(500), "HTTP 500", false),
        ("503", Answer::status(503), "HTTP 503", true),
        ("a hang", Answer::Hang, "timed out", false),
        ("a cut body", Answer::CutShort(200), "cut short", false),
        ("an endless body", Answer::Endless, "larger than", false),
        (
            "invalid JSON",
            Answer::Plain(200, Vec::new(), b"{not json".to_vec()),
            "Unexpected answer from",
            false,
        ),
    ];
    for (args, endpoints) in &runs {
        for &(method, path) in endpoints {
            for (fault, answer, message, retried) in &faults {
                if method == "PATCH"
                    && matches!(fault, &"a cut body" | &"an endless body" | &"invalid JSON")
                {
                    // The answer to the PATCH is not read: its status is all that counts.
                    continue;
                }
                let (api, _elsewhere) = servers();
                api.route("PATCH", &patch, Answer::json(200, json!({})));
                api.route(
                    "GET",
                    CURRENT,
                    Answer::json(200, json!({"id": "t", "expires_at": "2028-01-31T00:00:00"})),
                );
                api.route(method, path, answer.clone());
                let home = home_for(&api);
                let entry = json!({"domain": api.domain(), "version": 2, "repo_tokens": [
                    {"token": "tok-old", "org_name": "acme", "expires_at": "2027-01-31T00:00:00+00:00"}]});
                home.write_entry(&api.domain(), &entry);
                let before = tree(home.path());
                let out = home.cmd(args).output().unwrap();
                let err = stderr(&out);
                let case = format!("{args:?}: {fault} on {method} {path}");
                assert_eq!(out.status.code(), Some(1), "{case}: {err}");
                assert!(err.contains(message), "{case}: {err}");
                assert!(
                    !err.contains("panicked") && !err.contains(API_KEY),
                    "{case}: {err}"
                );
                assert_eq!(before, tree(home.path()), "{case}: HOME changed");
                let tries = if *retried && method == "GET" { 3 } else { 1 };
                assert_eq!(api.count(method, path), tries, "{case}");
            }
        }
    }
}

#[test]
fn the_verbose_log_shows_every_attempt_and_redirect() {
    let (api, elsewhere) = servers();
    api.route("GET", ORGS, Answer::redirect("/api/organizations/moved"));
    api.route("GET", "/api/organizations/moved", Answer::status(503));
    let home = home_for(&api);
    let out = home
        .cmd(&["-v", "token", "install", "-y"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.matches("/api/organizations/my -> 302").count(),
        3,
        "{err}"
    );
    assert_eq!(err.matches("redirected to ").count(), 3, "{err}");
    assert_eq!(
        err.matches("/api/organizations/moved -> 503").count(),
        3,
        "{err}"
    );
    assert_eq!(err.matches("retrying in ").count(), 2, "{err}");
    assert!(!err.contains(API_KEY), "{err}");
    assert!(elsewhere.seen().is_empty());
}
