//! The keyring entry against the real Python tool (anaconda-auth 0.15.3), both ways:
//! - after each of our commands that writes the entry, the Python `anaconda whoami`,
//!   `anaconda auth api-key` and a `TokenInfo.load` of the entry must work (no `AssertionError`,
//!   no traceback) and see the API key and repository tokens we stored;
//! - our commands must work on every entry shape the Python tool writes, including after its
//!   `logout`, and leave an entry it can still use.
//!
//! Both tools talk to one wiremock `Api` through an HTTPS relay (the Python tool only builds
//! `https://{domain}` URLs), so the entry's user name, `localhost:<port>`, is the same for both,
//! and the requests show which key the Python tool sent. The Python tool keeps its entries in
//! the keyring file (`PYTHON_KEYRING_BACKEND`), as `tests/interop.rs` does.
//!
//! Needs `ANACONDA_TOKEN_TEST_PYTHON` (a Python with anaconda-auth; `.ci/run` makes one, and
//! its `anaconda` script beside it). Without it the tests say so on stderr and pass, as in
//! `tests/interop.rs`; `.ci/run` always sets it.

mod common;
#[path = "common/proxy.rs"]
mod proxy;
#[path = "common/tls.rs"]
mod tls;

use std::path::PathBuf;
use std::process::{Command, Output};

use anaconda_token::store::token_info::SIGNED_OUT_API_KEY;
use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

/// An API key as the service issues them: a JWT (the Python tool decodes it to check its
/// expiry), valid until 2100.
const KEY: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln";
const EMAIL: &str = "alice@example.com";

struct Python {
    python: PathBuf,
    anaconda: PathBuf,
}

fn python() -> Option<Python> {
    let python = python::test_python()?;
    let anaconda = python.with_file_name("anaconda");
    assert!(
        anaconda.is_file(),
        "no `anaconda` script beside {}",
        python.display()
    );
    Some(Python { python, anaconda })
}

/// A HOME, the service, and the HTTPS relay both tools reach it through.
struct World {
    py: Python,
    home: Home,
    api: Api,
    _relay: tls::TlsServer,
    /// `localhost:<relay port>`: the domain and the entry's user name.
    domain: String,
    ca: PathBuf,
}

impl World {
    fn new(py: Python) -> World {
        let api = Api::start();
        let relay = tls::relay(*api.server.address());
        let mut home = Home::new();
        let ca = relay.ca_in(home.path());
        let domain = format!("localhost:{}", relay.port);
        home.set("ANACONDA_AUTH_DOMAIN", &domain)
            .set("ANACONDA_AUTH_SSL_VERIFY", ca.to_str().unwrap())
            .set("CONDA_TOKEN_REPO_URL", api.repo_url());
        service(&api, &format!("https://{domain}"));
        World {
            py,
            home,
            api,
            _relay: relay,
            domain,
            ca,
        }
    }

    /// The Python environment: the same HOME, domain and CA, never our API key variable (a
    /// user's other shell).
    fn python_cmd(&self, program: &std::path::Path) -> Command {
        let mut cmd = python::python_tool(program, self.home.path());
        cmd.env("COLUMNS", "200")
            .env("ANACONDA_AUTH_DOMAIN", &self.domain)
            .env("ANACONDA_AUTH_SSL_VERIFY", &self.ca);
        cmd
    }

    fn anaconda(&self, args: &[&str]) -> Output {
        self.python_cmd(&self.py.anaconda)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the Python anaconda runs")
    }

    /// Runs Python code with the anaconda-auth API; its stdout.
    fn run_python(&self, code: &str) -> String {
        let out = self
            .python_cmd(&self.py.python)
            .args(["-c", code])
            .output()
            .expect("python runs");
        assert!(out.status.success(), "python failed: {}", stderr(&out));
        stdout(&out)
    }

    /// Our command; it must succeed.
    fn ours(&self, args: &[&str]) -> Output {
        let out = self.home.cmd(args).write_stdin("").output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            stdout(&out),
            stderr(&out)
        );
        out
    }

    /// Stores an entry the way the Python tool does (`TokenInfo.save()`), from Python code
    /// that sets up `t`.
    fn python_saves(&self, code: &str) {
        self.run_python(&format!(
            "from anaconda_auth.token import TokenInfo\n\
             t = TokenInfo.load('{}', create=True)\n{code}\nt.save()",
            self.domain
        ));
    }

    /// The `Authorization` of the last `/api/account` request (whoami's).
    fn last_account_authorization(&self) -> Option<String> {
        self.api
            .received()
            .iter()
            .rev()
            .find(|r| r.url.path() == "/api/account")
            .expect("an /api/account request")
            .headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// What the Python tool must see now: `key` (None: not logged in) and `tokens`
    /// (org → token, in order). `entry`: whether there is an entry at all.
    fn python_sees(&self, key: Option<&str>, tokens: &[(&str, &str)], what: &str) {
        let entry = self.home.entry(&self.domain);
        let entry_exists = entry.is_some();

        // `anaconda whoami`: the account with our key, the anonymous one without.
        let out = self.anaconda(&["whoami"]);
        let text = no_crash(&out, "whoami", what);
        assert!(out.status.success(), "{what}: whoami failed: {text}");
        match key {
            Some(key) => {
                assert!(text.contains(EMAIL), "{what}: whoami: {text}");
                assert_eq!(
                    self.last_account_authorization(),
                    Some(format!("Bearer {key}")),
                    "{what}: whoami's key"
                );
            }
            None => {
                assert!(text.contains("\"email\": null"), "{what}: whoami: {text}");
                assert_eq!(
                    self.last_account_authorization(),
                    None,
                    "{what}: whoami sent a key"
                );
            }
        }

        // `anaconda auth api-key`: our key, or its own "not logged in" message.
        let out = self.anaconda(&["auth", "api-key"]);
        let text = no_crash(&out, "auth api-key", what);
        match key {
            Some(key) => {
                assert!(out.status.success(), "{what}: api-key: {text}");
                assert_eq!(stdout(&out).trim(), key, "{what}: api-key");
            }
            None => {
                assert_eq!(out.status.code(), Some(1), "{what}: api-key: {text}");
                let expected = if entry_exists {
                    "TokenExpiredError: Your login token has expired"
                } else {
                    "TokenNotFoundError: Login is required"
                };
                assert!(text.contains(expected), "{what}: api-key: {text}");
            }
        }

        // TokenInfo.load: the entry, its tokens in order, and no usable key when we have none.
        let seen = self.run_python(&format!(
            "import json\n\
             from anaconda_auth.token import TokenInfo, TokenNotFoundError\n\
             try:\n    t = TokenInfo.load('{}')\n\
             except TokenNotFoundError:\n    print('null')\n\
             else:\n    print(json.dumps({{'api_key': None if t.expired else t.api_key,\n\
             \x20       'tokens': [[r.org_name, r.token] for r in t.repo_tokens]}}))",
            self.domain
        ));
        let seen: Value = serde_json::from_str(seen.trim()).unwrap();
        if entry_exists {
            let want_tokens: Vec<Value> = tokens.iter().map(|(o, t)| json!([o, t])).collect();
            assert_eq!(
                seen,
                json!({"api_key": key, "tokens": want_tokens}),
                "{what}: TokenInfo.load"
            );
        } else {
            assert!(
                key.is_none() && tokens.is_empty(),
                "{what}: the entry is gone"
            );
            assert_eq!(seen, Value::Null, "{what}: TokenInfo.load");
        }
    }

    /// What we must see now, read back through our own commands.
    fn we_see(&self, key: Option<&str>, tokens: &[(&str, &str)], what: &str) {
        let out = self.home.cmd(&["auth", "api-key"]).output().unwrap();
        match key {
            Some(key) => assert_eq!(stdout(&out).trim(), key, "{what}: our api-key"),
            None => assert_eq!(out.status.code(), Some(1), "{what}: our api-key"),
        }
        let out = self
            .home
            .cmd(&["token", "list", "--json"])
            .output()
            .unwrap();
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or(json!([]));
        let seen: Vec<(String, String)> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["source"] == "keyring")
            .map(|r| {
                (
                    r["org_name"].as_str().unwrap().to_string(),
                    r["token"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut want: Vec<(String, String)> = tokens
            .iter()
            .map(|(o, t)| (o.to_string(), t.to_string()))
            .collect();
        let mut seen_sorted = seen.clone();
        seen_sorted.sort();
        want.sort();
        assert_eq!(seen_sorted, want, "{what}: our list");
    }
}

/// The Python tool's output: no traceback, no `AssertionError`. Returns stdout and stderr.
fn no_crash(out: &Output, command: &str, what: &str) -> String {
    let text = format!("{}{}", stdout(out), stderr(out));
    assert!(
        !text.contains("Traceback") && !text.contains("AssertionError"),
        "{what}: the Python `anaconda {command}` crashed:\n{text}"
    );
    text
}

/// The service, as both tools use it: the account and organizations for [`KEY`] only (401
/// `auth_required` otherwise, as the real one answers), acme's token, sync, and the device
/// login handing out [`KEY`].
fn service(api: &Api, base: &str) {
    let bearer = format!("Bearer {KEY}");
    api.mount(
        Mock::given(method("GET"))
            .and(path("/api/account"))
            .and(header("authorization", bearer.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "user": {"id": "u-1", "email": EMAIL, "username": "alice",
                         "first_name": "Alice", "last_name": ""},
                "profile": {},
                "subscriptions": [{"org_id": ACME_ID, "product_code": "commercial_subscription"}],
            }))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/api/organizations/my"))
            .and(header("authorization", bearer.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"id": ACME_ID, "name": "acme", "title": "Acme Inc."}
            ]))),
    );
    // Lowest priority: whatever else, without the key.
    api.mount(
        Mock::given(wiremock::matchers::path_regex(
            "^/api/(account|organizations/my)$",
        ))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "auth_required"}})),
        )
        .with_priority(10),
    );
    api.current_token("acme", Some("2027-06-30T00:00:00Z"));
    api.issue("acme", "tok-issued", "2027-06-30T00:00:00Z");
    for token in ["tok-issued", "tok-given", "tok-beta", "tok-py", "tok-set"] {
        api.repo_accepts(token);
    }
    let sync = format!("/api/v1/organizations/{ACME_ID}/users/u-1/token");
    api.answer("PATCH", &sync, 200, &json!({}));
    // The device login.
    api.device_flow(base, 0, json!(60), json!(1));
    api.answer("POST", "/api/auth/api-keys", 201, &json!({"api_key": KEY}));
}

const INSTALL: [&str; 6] = [
    "token",
    "install",
    "-o",
    "acme",
    "-y",
    "--no-set-default-channels",
];
const GIVEN: [&str; 5] = ["token", "install", "tok-given", "-o", "acme"];

fn given(world: &World, token: &str, org: &str) {
    world.ours(&install_given_args(token, org));
}

// ---------------------------------------------------------------------------------------------
// Our writes, then the Python tool.

#[test]
fn install_with_a_stored_login() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    w.ours(&INSTALL);
    w.python_sees(Some(KEY), &[("acme", "tok-issued")], "install, logged in");
}

#[test]
fn install_of_a_given_token_without_a_login() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    let mut args = GIVEN.to_vec();
    args.push("--no-set-default-channels");
    w.ours(&args);
    w.python_sees(None, &[("acme", "tok-given")], "install TOKEN, no login");
    w.we_see(None, &[("acme", "tok-given")], "install TOKEN, no login");
}

#[test]
fn install_with_the_api_key_variable_and_no_stored_login() {
    let Some(py) = python() else { return };
    let mut w = World::new(py);
    w.home.set("ANACONDA_AUTH_API_KEY", KEY);
    w.ours(&INSTALL);
    // The variable's key is ours alone: the Python tool, without it, is not logged in.
    w.python_sees(None, &[("acme", "tok-issued")], "install with the variable");
}

#[test]
fn install_with_the_api_key_variable_keeps_the_stored_login() {
    let Some(py) = python() else { return };
    let mut w = World::new(py);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    w.home.set("ANACONDA_AUTH_API_KEY", KEY);
    w.ours(&INSTALL);
    w.python_sees(
        Some(KEY),
        &[("acme", "tok-issued")],
        "install with the variable, logged in",
    );
}

#[test]
fn uninstall_one_organization() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    given(&w, "tok-given", "acme");
    given(&w, "tok-beta", "beta");
    w.ours(&["token", "uninstall", "-o", "acme"]);
    w.python_sees(None, &[("beta", "tok-beta")], "uninstall -o, no login");

    w.python_saves(&format!("t.api_key = '{KEY}'"));
    w.ours(&["token", "uninstall", "-o", "beta"]);
    w.python_sees(Some(KEY), &[], "uninstall -o of the last token, logged in");
}

#[test]
fn uninstall_all() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    given(&w, "tok-given", "acme");
    given(&w, "tok-beta", "beta");
    w.ours(&["token", "uninstall", "--all"]);
    w.python_sees(Some(KEY), &[], "uninstall --all, logged in");

    // Without a login nothing is left: the entry goes, as the Python tool's logout does.
    w.ours(&["logout"]);
    given(&w, "tok-given", "acme");
    w.ours(&["token", "uninstall", "--all"]);
    assert_eq!(w.home.entry(&w.domain), None);
    w.python_sees(None, &[], "uninstall --all, no login");
}

#[test]
fn logout() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!(
        "t.api_key = '{KEY}'\nt.set_repo_token('acme', 'tok-py')"
    ));
    w.ours(&["logout"]);
    // The one issue-8 case: the entry keeps the token, and the Python tool is "not logged in"
    // (its own "expired" message), not crashed.
    w.python_sees(None, &[("acme", "tok-py")], "logout, with a token");
    w.we_see(None, &[("acme", "tok-py")], "logout, with a token");

    w.ours(&["token", "uninstall", "-o", "acme"]);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    w.ours(&["logout"]);
    assert_eq!(w.home.entry(&w.domain), None, "nothing left to keep");
    w.python_sees(None, &[], "logout, no token");
}

#[test]
fn login() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    given(&w, "tok-given", "acme");
    w.ours(&["login"]);
    w.python_sees(Some(KEY), &[("acme", "tok-given")], "login");
    w.we_see(Some(KEY), &[("acme", "tok-given")], "login");
}

#[test]
fn sync() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    given(&w, "tok-given", "acme");
    w.ours(&["token", "sync", "-o", "acme"]);
    w.python_sees(Some(KEY), &[("acme", "tok-given")], "sync");
}

#[test]
fn set_with_an_organization() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.ours(&[
        "token",
        "set",
        "tok-set",
        "-o",
        "acme",
        "--no-set-default-channels",
    ]);
    w.python_sees(None, &[("acme", "tok-set")], "set -o");
}

/// The legacy user names exist only for `anaconda.com`: no service here, so the Python
/// `whoami` goes to a local proxy that refuses the tunnel (nothing leaves the machine).
#[test]
fn legacy_domain_migration() {
    let Some(py) = python() else { return };
    let api = Api::start();
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url());
    home.write_entry(
        "id.anaconda.cloud",
        &json!({"domain": "id.anaconda.cloud",
                "repo_tokens": [{"token": "tok-old", "org_name": "acme"}]}),
    );
    home.cmd(&["token", "list"]).assert().success();
    let entry = home.entry("anaconda.com").expect("moved to anaconda.com");
    assert_eq!(entry["api_key"], SIGNED_OUT_API_KEY);
    assert_eq!(home.entry("id.anaconda.cloud"), None);

    let refusing = proxy::Proxy::start(502, "");
    let run = |program: &PathBuf, args: &[&str]| {
        python::python_tool(program, home.path())
            .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", refusing.port))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&py.anaconda, &["whoami"]);
    no_crash(&out, "whoami", "legacy migration");
    let out = run(&py.anaconda, &["auth", "api-key"]);
    let text = no_crash(&out, "auth api-key", "legacy migration");
    assert!(text.contains("TokenExpiredError"), "{text}");
    let out = run(
        &py.python,
        &[
            "-c",
            "from anaconda_auth.token import TokenInfo\n\
             t = TokenInfo.load('anaconda.com')\n\
             print(t.expired, t.get_repo_token('acme'))",
        ],
    );
    assert_eq!(stdout(&out).trim(), "True tok-old", "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// The Python tool's entries, then ours (and the Python tool again after our write).

#[test]
fn python_login_only() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!("t.api_key = '{KEY}'"));
    w.we_see(Some(KEY), &[], "python login");
    let out = w.ours(&["whoami"]);
    assert!(stdout(&out).contains(EMAIL));
    w.ours(&INSTALL);
    w.python_sees(
        Some(KEY),
        &[("acme", "tok-issued")],
        "python login, our install",
    );
}

#[test]
fn python_login_and_token() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!(
        "t.api_key = '{KEY}'\nt.set_repo_token('acme', 'tok-py')"
    ));
    w.we_see(Some(KEY), &[("acme", "tok-py")], "python login and token");
    given(&w, "tok-beta", "beta");
    w.python_sees(
        Some(KEY),
        &[("acme", "tok-py"), ("beta", "tok-beta")],
        "python login and token, our install",
    );
    w.ours(&["logout"]);
    w.python_sees(
        None,
        &[("acme", "tok-py"), ("beta", "tok-beta")],
        "python login and token, our logout",
    );
}

/// The Python tool's own `token install TOKEN` without a login stores no key: an entry its own
/// requests then fail on. Ours reads it, and the first write makes it usable again.
#[test]
fn python_token_without_a_login() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves("t.set_repo_token('acme', 'tok-py')");
    let out = w.anaconda(&["whoami"]);
    assert!(
        format!("{}{}", stdout(&out), stderr(&out)).contains("AssertionError"),
        "the Python tool's own bug, which our writes repair"
    );
    w.we_see(None, &[("acme", "tok-py")], "python token, no login");
    given(&w, "tok-beta", "beta");
    w.python_sees(
        None,
        &[("acme", "tok-py"), ("beta", "tok-beta")],
        "python token, our install",
    );
}

#[test]
fn after_python_logout() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    w.python_saves(&format!(
        "t.api_key = '{KEY}'\nt.set_repo_token('acme', 'tok-py')"
    ));
    let out = w.anaconda(&["logout"]);
    no_crash(&out, "logout", "python logout");
    assert_eq!(
        w.home.entry(&w.domain),
        None,
        "its logout deletes the entry"
    );
    w.we_see(None, &[], "after python logout");
    w.ours(&["logout"]);
    given(&w, "tok-given", "acme");
    w.python_sees(None, &[("acme", "tok-given")], "python logout, our install");
    w.ours(&["login"]);
    w.python_sees(
        Some(KEY),
        &[("acme", "tok-given")],
        "python logout, our login",
    );
}

/// The Python tool loads our signed-out entry, changes it and saves it: still ours to read.
#[test]
fn python_rewrites_our_signed_out_entry() {
    let Some(py) = python() else { return };
    let w = World::new(py);
    given(&w, "tok-given", "acme");
    w.python_saves("t.set_repo_token('beta', 'tok-py')");
    w.we_see(
        None,
        &[("acme", "tok-given"), ("beta", "tok-py")],
        "python rewrote ours",
    );
    w.ours(&["login"]);
    w.python_sees(
        Some(KEY),
        &[("acme", "tok-given"), ("beta", "tok-py")],
        "python rewrote ours, our login",
    );
}

/// The entry's user name keeps the domain's case, as the Python tool names it.
#[test]
fn domain_case_is_kept_for_the_python_tool() {
    let Some(py) = python() else { return };
    let mut w = World::new(py);
    let upper = w.domain.replace("localhost", "LocalHost");
    w.home.set("ANACONDA_AUTH_DOMAIN", &upper);
    given(&w, "tok-given", "acme");
    assert!(w.home.entry(&upper).is_some(), "stored under {upper}");
    let seen = w.run_python(&format!(
        "from anaconda_auth.token import TokenInfo\n\
         t = TokenInfo.load('{upper}')\nprint(t.domain, t.get_repo_token('acme'))"
    ));
    assert_eq!(seen.trim(), format!("{upper} tok-given"));
}
