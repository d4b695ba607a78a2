//! `install`, `reissue`, `sync`, `list` and `whoami` against replayed service answers
//! (`tests/replay/`): the shapes anaconda-auth's own fixtures use, and every variant its
//! pydantic models accept. None of them may fail a command, least of all after a token was
//! issued.

mod common;

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

/// The organization's id; fixtures spell it as `{ID}`, `{ID_UPPER}`, `{ID_BRACED}` or
/// `{ID_SIMPLE}`.
const ID: &str = "7b3cb1c9-d6f5-4a6a-9f0e-1f1a2b3c4d5e";
const ISSUED: &str = "test-token";

fn fixture(name: &str) -> serde_json::Map<String, Value> {
    let file = format!("{}/tests/replay/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let text = text
        .replace("{ID_UPPER}", &ID.to_uppercase())
        .replace("{ID_BRACED}", &format!("{{{ID}}}"))
        .replace("{ID_SIMPLE}", &ID.replace('-', ""))
        .replace("{ID}", ID);
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("{file}: not a JSON object: {other:?}"),
    }
}

const CURRENT: &str = "/api/organizations/acme/ce/current-token";

/// A HOME with the API key in the environment, against an API answering `organizations` and
/// `account` as given; the repository accepts the token the service issues.
fn answering(organizations: &Value, account: &Value) -> (Home, Api) {
    let (home, api) = setup();
    api.answer("GET", "/api/organizations/my", 200, organizations);
    api.answer("GET", "/api/account", 200, account);
    api.repo_accepts(ISSUED);
    (home, api)
}

fn original_setup() -> (Home, Api) {
    let orgs = fixture("organizations");
    let accounts = fixture("account");
    answering(
        &orgs["original_one_org"],
        &accounts["original_business_no_user"]["body"],
    )
}

/// The PUT's answer as the service sends it, with `expires_at` as given (absent for `None`).
fn issued_answer(expires_at: Option<&Value>) -> Value {
    let mut body = json!({
        "token": ISSUED,
        "id": "0b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e",
        "created_at": "2026-12-01T09:30:00.000001Z",
        "scopes": ["repo:read"],
    });
    if let Some(value) = expires_at {
        body["expires_at"] = value.clone();
    }
    body
}

/// How an instant in the fixtures (UTC, RFC 3339) is shown: `2027-01-31 00:00:00+00:00`.
fn shown(at: &str) -> String {
    format!("{}+00:00", at[..19].replace('T', " "))
}

/// Each `expires_at` variant, plus an answer without one: (name, value, instant, warn).
fn expiry_variants() -> Vec<(String, Option<Value>, Option<String>, bool)> {
    let mut variants: Vec<_> = fixture("expires_at")
        .into_iter()
        .map(|(name, v)| {
            (
                name,
                Some(v["value"].clone()),
                v["at"].as_str().map(str::to_string),
                v["warn"].as_bool().unwrap(),
            )
        })
        .collect();
    variants.push(("absent".into(), None, None, false));
    variants
}

fn stored_expiry(home: &Home, api: &Api) -> Value {
    let entry = home.entry(&api.domain()).expect("entry stored");
    entry["repo_tokens"][0]
        .get("expires_at")
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn install_and_list_take_every_expiry_shape_of_the_issued_token() {
    for (name, value, at, warn) in expiry_variants() {
        let (home, api) = original_setup();
        api.current_token("acme", None);
        api.answer("PUT", CURRENT, 200, &issued_answer(value.as_ref()));
        let out = home
            .cmd(&["token", "install", "-y", "--no-set-default-channels"])
            .output()
            .unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{name}: {err}");
        let expected = match &at {
            Some(at) => format!("installed and expires {}.", shown(at)),
            None => "installed and expires at an unknown date.".into(),
        };
        assert!(text.contains(&expected), "{name}: {text}");
        assert_eq!(
            err.contains("Warning: The service gave an expiry date that could not be read"),
            warn,
            "{name}: {err}"
        );
        assert_eq!(stored_expiry(&home, &api), json!(at), "{name}");

        let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows[0]["token"], ISSUED, "{name}");
        assert_eq!(rows[0]["expires_at"], json!(at), "{name}");
        let out = home.cmd(&["token", "list"]).output().unwrap();
        let table = stdout(&out);
        let date = at.as_deref().map_or("-", |at| &at[..10]);
        assert!(
            table
                .lines()
                .any(|l| l.contains(ISSUED) && l.contains(date)),
            "{name}: {table}"
        );
    }
}

#[test]
fn reissue_and_sync_take_every_expiry_shape_of_the_current_token() {
    let accounts = fixture("account");
    let orgs = fixture("organizations");
    for (name, value, at, warn) in expiry_variants() {
        let current = match &value {
            Some(v) => json!({"id": "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c", "expires_at": v}),
            None => json!({"id": "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"}),
        };
        // reissue: the current token's answer is only looked at, never a reason to fail.
        let (home, api) = original_setup();
        home.installed(&api, "tok-old");
        api.answer("GET", CURRENT, 200, &current);
        api.answer(
            "PUT",
            CURRENT,
            200,
            &issued_answer(Some(&json!("2027-03-01"))),
        );
        let out = home.reissue_yes("acme").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(stored_expiry(&home, &api), "2027-03-01T00:00:00+00:00");

        // sync: the new expiry is read from the current token, in whatever shape.
        let (home, api) = answering(
            &orgs["original_one_org"],
            &accounts["full_with_braced_org_id"]["body"],
        );
        home.installed(&api, "tok-old");
        api.answer("GET", CURRENT, 200, &current);
        api.mount(
            Mock::given(method("PATCH"))
                .and(path(format!(
                    "/api/v1/organizations/{ID}/users/9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b/token"
                )))
                .and(body_json(json!({"is_renewal": true})))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true}))),
        );
        let out = home.cmd(&["token", "sync", "-o", "acme"]).output().unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{name}: {err}");
        match &at {
            Some(at) => {
                assert!(
                    text.contains(&format!("now expires {}.", shown(at))),
                    "{name}: {text}"
                );
                assert_eq!(stored_expiry(&home, &api), json!(at), "{name}");
            }
            None => {
                assert!(
                    text.contains("did not say when it expires"),
                    "{name}: {text}"
                );
                // What we knew is kept.
                assert_eq!(stored_expiry(&home, &api), "2026-12-31T00:00:00+00:00");
            }
        }
        assert_eq!(err.contains("could not be read"), warn, "{name}: {err}");
    }
}

#[test]
fn install_picks_the_organization_from_every_answer_shape() {
    let orgs = fixture("organizations");
    let accounts = fixture("account");
    let business = &accounts["original_business_no_user"]["body"];
    let mut cases: Vec<(String, &Value, &Value, bool)> = orgs
        .iter()
        .filter(|(name, _)| *name != "original_multiple_orgs")
        .map(|(name, o)| (format!("organizations {name}"), o, business, true))
        .collect();
    cases.extend(accounts.iter().map(|(name, a)| {
        (
            format!("account {name}"),
            &orgs["original_one_org"],
            &a["body"],
            a["business"].as_bool().unwrap(),
        )
    }));
    // Of the original's two organizations, only the one with a business subscription counts.
    cases.push((
        "organizations original_multiple_orgs".into(),
        &orgs["original_multiple_orgs"],
        business,
        true,
    ));
    for (name, organizations, account, is_business) in cases {
        let (home, api) = answering(organizations, account);
        api.current_token("acme", None);
        api.answer(
            "PUT",
            CURRENT,
            200,
            &issued_answer(Some(&json!("2027-01-31T00:00:00"))),
        );
        let out = home
            .cmd(&["token", "install", "-y", "--no-set-default-channels"])
            .output()
            .unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        if is_business {
            assert_eq!(out.status.code(), Some(0), "{name}: {err}");
            assert!(
                text.contains("Only one organization found, automatically selecting: acme"),
                "{name}: {text}"
            );
            let entry = home.entry(&api.domain()).unwrap();
            assert_eq!(entry["repo_tokens"][0]["token"], ISSUED, "{name}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{name}: {err}");
            assert!(
                err.contains("no organization with a business subscription"),
                "{name}: {err}"
            );
            assert!(!home.keyring_path().exists(), "{name}");
            assert!(!api.requests().iter().any(|(m, _)| m == "PUT"), "{name}");
        }
    }
}

#[test]
fn sync_uses_any_user_id_and_says_what_is_missing() {
    let orgs = fixture("organizations");
    for (name, account) in fixture("account") {
        if !account["business"].as_bool().unwrap() {
            continue;
        }
        let (home, api) = answering(&orgs["braced_id"], &account["body"]);
        home.installed(&api, "tok-old");
        api.answer("GET", CURRENT, 200, &json!({"expires_at": "2027-06-30"}));
        let user = account["user_id"].as_str().unwrap_or("none");
        // The organization's id goes into the URL in its canonical spelling.
        api.mount(
            Mock::given(method("PATCH"))
                .and(path(format!(
                    "/api/v1/organizations/{ID}/users/{user}/token"
                )))
                .respond_with(ResponseTemplate::new(200)),
        );
        let out = home.cmd(&["token", "sync", "-o", "acme"]).output().unwrap();
        let err = stderr(&out);
        match account["missing"].as_str() {
            None => {
                assert_eq!(out.status.code(), Some(0), "{name}: {err}");
                assert_eq!(stored_expiry(&home, &api), "2027-06-30T00:00:00+00:00");
            }
            Some(missing) => {
                assert_eq!(out.status.code(), Some(1), "{name}");
                assert!(
                    err.contains(&format!(
                        "Unexpected answer from /api/account: {missing}, and `sync` needs the \
                         user's id. Nothing was changed"
                    )),
                    "{name}: {err}"
                );
                assert!(!api.requests().iter().any(|(m, _)| m == "PATCH"), "{name}");
                assert_eq!(stored_expiry(&home, &api), "2026-12-31T00:00:00+00:00");
            }
        }
    }
}

/// Every object's keys in order, at every depth.
fn keys_sorted(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            let keys: Vec<&String> = map.keys().collect();
            keys.windows(2).all(|w| w[0] < w[1]) && map.values().all(keys_sorted)
        }
        Value::Array(items) => items.iter().all(keys_sorted),
        _ => true,
    }
}

/// `whoami` prints what the Python tool prints: the account as the service sent it, with the
/// `domain` added, keys sorted, indented by two.
#[test]
fn whoami_prints_every_account_shape_sorted_with_the_domain() {
    let orgs = fixture("organizations");
    for (name, account) in fixture("account") {
        let (home, api) = answering(&orgs["original_one_org"], &account["body"]);
        let out = home.cmd(&["whoami"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut expected = account["body"].clone();
        expected["domain"] = json!(api.domain());
        assert_eq!(printed, expected, "{name}");
        assert!(keys_sorted(&printed), "{name}: {}", stdout(&out));
        let text = stdout(&out);
        assert!(text.starts_with("{\n  \""), "{name}: {text}");
    }
}
