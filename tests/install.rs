//! `anaconda token install` end to end: the binary in a temporary HOME against a mock API.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::json;

const TOKEN: &str = "tok-abc-123";
const EXPIRES: &str = "2027-01-31T00:00:00";

fn setup() -> (Home, Api) {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key();
    (home, api)
}

fn assert_installed(home: &Home, api: &Api, org: &str, token: &str) {
    let entry = home.entry(&api.domain()).expect("keyring entry written");
    let tokens = entry["repo_tokens"].as_array().unwrap();
    assert!(
        tokens
            .iter()
            .any(|t| t["org_name"] == org && t["token"] == token),
        "{entry}"
    );
    let file = home.conda_token_file(&api.repo_url());
    assert_eq!(std::fs::read_to_string(file).unwrap(), token);
}

fn assert_nothing_stored(home: &Home) {
    assert!(!home.keyring_path().exists(), "keyring file written");
    assert!(!home.condarc_path().exists(), ".condarc written");
    assert!(!home.binstar_dir().exists(), "conda token written");
}

#[test]
fn one_business_org_is_selected_issued_validated_stored_and_configured() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);

    let out = home.cmd(&["token", "install", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Only one organization found, automatically selecting: acme"),
        "{text}"
    );
    assert!(
        text.contains("Your conda token has been installed and expires 2027-01-31 00:00:00+00:00"),
        "{text}"
    );
    assert!(
        text.contains(
            "Success! Your token has been installed and validated, and conda has been configured."
        ),
        "{text}"
    );
    // The token is never printed by install.
    assert!(!text.contains(TOKEN) && !stderr(&out).contains(TOKEN));

    assert_installed(&home, &api, "acme", TOKEN);
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(
        entry["repo_tokens"][0]["expires_at"],
        "2027-01-31T00:00:00+00:00"
    );
    assert_eq!(entry["version"], 2);
    let condarc = std::fs::read_to_string(home.condarc_path()).unwrap();
    let repo = api.repo_url();
    // No file sets `channels`, and conda 26 configures none: `defaults` is added.
    assert_eq!(
        condarc,
        format!(
            "default_channels:\n  - {repo}main\n  - {repo}r\n  - {repo}msys2\nchannels:\n  - defaults\n"
        )
    );
    // The API key came from the environment and is not copied into the keyring entry, which
    // holds the signed-out key instead (the Python tool cannot load an entry without one).
    assert_eq!(
        entry["api_key"],
        anaconda_token::store::token_info::SIGNED_OUT_API_KEY
    );
}

#[test]
fn several_orgs_without_terminal_ask_for_org() {
    let (home, api) = setup();
    api.organizations(&[
        (ACME_ID, "acme", "Acme", "commercial_subscription"),
        (BETA_ID, "beta", "Beta", "security_subscription"),
    ]);
    home.cmd(&["token", "install", "--yes"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("acme, beta").and(predicate::str::contains("--org")));
    assert_nothing_stored(&home);
}

#[test]
fn several_orgs_with_org_flag() {
    let (home, api) = setup();
    api.organizations(&[
        (ACME_ID, "acme", "Acme", "commercial_subscription"),
        (BETA_ID, "beta", "Beta", "security_subscription"),
    ]);
    api.will_issue("beta", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-o", "beta", "-y"])
        .assert()
        .success();
    assert_installed(&home, &api, "beta", TOKEN);
    // --org given: the organization list is not fetched.
    assert!(
        !api.requests()
            .iter()
            .any(|(_, p)| p == "/api/organizations/my")
    );
}

#[test]
fn no_business_org_and_starter_only() {
    for orgs in [
        vec![],
        vec![(FREE_ID, "hobby", "Hobby", "starter_subscription")],
    ] {
        let (home, api) = setup();
        api.organizations(&orgs);
        home.cmd(&["token", "install", "-y"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("No organizations found."));
        assert_nothing_stored(&home);
    }
}

#[test]
fn existing_token_with_yes_is_reissued_without_asking() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("Proceed?") && !stderr(&out).contains("Proceed?"));
    assert_installed(&home, &api, "acme", TOKEN);
}

#[test]
fn existing_token_answered_no_changes_nothing() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", TOKEN, EXPIRES);
    let out = home
        .cmd(&["token", "install"])
        .write_stdin("n\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("An existing token already exists for the organization acme."),
        "{text}"
    );
    assert!(text.contains("Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone."));
    assert!(stderr(&out).contains("Proceed? [y/n] (n): "));
    assert!(stderr(&out).contains("Aborted."));
    assert!(
        !api.requests().iter().any(|(m, _)| m == "PUT"),
        "a token was issued"
    );
    assert_nothing_stored(&home);
}

#[test]
fn existing_token_at_end_of_input_aborts_naming_yes() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install"])
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--yes"));
    assert!(!api.requests().iter().any(|(m, _)| m == "PUT"));
    assert_nothing_stored(&home);
}

#[test]
fn existing_token_answered_yes_on_stdin() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    // First answer re-asks, then yes for the token, then yes for .condarc.
    let out = home
        .cmd(&["token", "install"])
        .write_stdin("maybe\ny\nY\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("and conda has been configured."));
    assert!(home.condarc_path().exists());
}

#[test]
fn given_token_with_org_makes_no_api_request_before_validation() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api); // no API key at all: a site token needs none
    api.repo_accepts(TOKEN);
    let out = home
        .cmd(&[
            "token",
            "install",
            TOKEN,
            "--org",
            "acme",
            "--no-set-default-channels",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Success! Your token has been installed and validated."),
        "{text}"
    );
    assert!(text.contains("anaconda token config"), "{text}");
    assert!(!text.contains("expires"), "{text}");
    assert_eq!(api.requests().len(), 1);
    assert_eq!(api.requests()[0].0, "HEAD");
    assert_installed(&home, &api, "acme", TOKEN);
    assert!(!home.condarc_path().exists());
    let entry = home.entry(&api.domain()).unwrap();
    assert!(entry["repo_tokens"][0].get("expires_at").is_none());
}

#[test]
fn token_from_stdin() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts(TOKEN);
    home.install_given("-", "acme")
        .write_stdin(format!("  {TOKEN}\n"))
        .assert()
        .success();
    assert_installed(&home, &api, "acme", TOKEN);
}

#[test]
fn invalid_token_stores_nothing() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_answers("wrong-token", 403);
    let out = home
        .cmd(&["token", "install", "wrong-token", "-o", "acme", "-y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "The token could not be validated. Please check that you have typed it correctly."
        ),
        "{err}"
    );
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(!err.contains("wrong-token"), "{err}");
    assert_nothing_stored(&home);
}

#[test]
fn token_with_characters_conda_cannot_use_is_refused_before_any_request() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.cmd(&["token", "install", "bad/token", "-o", "acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "The token cannot be used: it contains a '/'.",
        ));
    assert!(api.requests().is_empty());
    home.cmd(&["token", "install", "bad_token", "-o", "acme"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("characters conda cannot use"));
    assert!(api.requests().is_empty());
}

#[test]
fn issued_token_rejected_by_repository_says_previous_is_revoked() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", None);
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_answers(TOKEN, 401);
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("HTTP 401") && err.contains("already revoked"),
        "{err}"
    );
    assert!(err.contains("anaconda token reissue -o acme"), "{err}");
    assert_nothing_stored(&home);
}

#[test]
fn no_api_key_asks_for_login() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Login is required to complete this action."),
        "{err}"
    );
    assert!(
        err.contains("anaconda login --at") && err.contains("ANACONDA_AUTH_API_KEY"),
        "{err}"
    );
    assert!(err.contains("config.toml"), "{err}");
    assert!(api.requests().is_empty());
}

#[test]
fn invalid_api_key() {
    let (home, api) = setup();
    api.mount(
        wiremock::Mock::given(wiremock::matchers::any()).respond_with(
            wiremock::ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": "auth_required"}})),
        ),
    );
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Your provided API Key or login token is invalid"),
        "{err}"
    );
    assert!(!err.contains(API_KEY), "{err}");
}

#[test]
fn api_key_stored_by_login_is_used_and_kept() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "api_key": API_KEY, "repo_tokens": [], "version": 2}),
    );
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y"]).assert().success();
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["api_key"], API_KEY);
    assert_installed(&home, &api, "acme", TOKEN);
}

#[test]
fn expired_api_key_is_not_sent() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.sig",
        b64.encode(r#"{"alg":"RS256"}"#),
        b64.encode(r#"{"exp":1000}"#)
    );
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).set("ANACONDA_AUTH_API_KEY", jwt);
    home.cmd(&["token", "install", "-y"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
    assert!(api.requests().is_empty());
}

#[test]
fn server_errors_on_each_endpoint() {
    let cases = [
        ("GET", "/api/organizations/my"),
        ("GET", "/api/account"),
        ("GET", "/api/organizations/acme/ce/current-token"),
        ("PUT", "/api/organizations/acme/ce/current-token"),
    ];
    for (verb, failing) in cases {
        let (home, api) = setup();
        api.fail(verb, failing, 500);
        api.acme();
        api.will_issue("acme", TOKEN, EXPIRES);
        let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{verb} {failing}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{verb} ")) && err.contains(failing),
            "{err}"
        );
        assert!(
            err.contains("HTTP 500") && err.contains("server trouble"),
            "{err}"
        );
        if verb == "PUT" {
            assert!(err.contains("may already be revoked"), "{err}");
            let puts = api.requests().iter().filter(|(m, _)| m == "PUT").count();
            assert_eq!(puts, 1, "a PUT must never be retried");
        } else {
            let tries = api
                .requests()
                .iter()
                .filter(|(m, p)| m == verb && p == failing)
                .count();
            assert_eq!(tries, 1, "a 500 is not worth retrying");
        }
        assert_nothing_stored(&home);
    }
}

#[test]
fn repository_500_is_not_valid() {
    let (home, api) = setup();
    api.repo_answers(TOKEN, 500);
    home.cmd(&["token", "install", TOKEN, "-o", "acme", "-y"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("HTTP 500"));
    assert_nothing_stored(&home);
}

#[test]
fn unreachable_host() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut home = Home::new();
    home.set("ANACONDA_AUTH_DOMAIN", format!("http://127.0.0.1:{port}"))
        .set(
            "CONDA_TOKEN_REPO_URL",
            format!("http://127.0.0.1:{port}/repo/"),
        )
        .with_env_key();
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("Could not reach 127.0.0.1:{port}")),
        "{err}"
    );
    let out = home
        .cmd(&["token", "install", TOKEN, "-o", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains(TOKEN), "{}", stderr(&out));
    assert_nothing_stored(&home);
}

#[test]
fn verbose_log_redacts_token_and_key() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    let out = home
        .cmd(&["-v", "token", "install", "-y", "--no-set-default-channels"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("HEAD") && err.contains("/t/<redacted>/repo/main/noarch/repodata.json"),
        "{err}"
    );
    assert!(!err.contains(TOKEN) && !err.contains(API_KEY), "{err}");
}

#[test]
fn requests_carry_the_documented_headers() {
    let (mut home, api) = setup();
    home.set("ANACONDA_AUTH_EXTRA_HEADERS", r#"{"X-Site": "ours"}"#);
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .assert()
        .success();
    for request in api.received() {
        let h = |n: &str| {
            request
                .headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
        };
        if request.method.as_str() == "HEAD" {
            assert!(h("authorization").is_none(), "repository check sent a key");
            continue;
        }
        assert_eq!(h("authorization").as_deref(), Some("Bearer test-api-key"));
        assert!(h("user-agent").unwrap().starts_with("anaconda-token/"));
        assert_eq!(h("accept").as_deref(), Some("application/json"));
        assert_eq!(h("x-site").as_deref(), Some("ours"));
    }
}

#[test]
fn second_org_is_added_and_reinstall_replaces() {
    let (home, api) = setup();
    api.organizations(&[
        (ACME_ID, "acme", "Acme", "commercial_subscription"),
        (BETA_ID, "beta", "Beta", "commercial_subscription"),
    ]);
    for (org, token) in [("acme", "tok-a"), ("beta", "tok-b"), ("acme", "tok-a2")] {
        api.repo_accepts(token);
        home.install_given(token, org).assert().success();
    }
    let entry = home.entry(&api.domain()).unwrap();
    let tokens: Vec<(&str, &str)> = entry["repo_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["org_name"].as_str().unwrap(),
                t["token"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(tokens, [("beta", "tok-b"), ("acme", "tok-a2")]);
}

#[test]
fn nothing_is_issued_when_a_later_step_is_bound_to_fail() {
    // An unreadable keyring file, or an invalid .condarc that would be configured: issuing
    // first would revoke the old token and then fail, so neither may reach the PUT.
    for (file, content) in [(".anaconda/keyring", "{not json"), (".condarc", "a: [b\n")] {
        let (home, api) = setup();
        api.acme();
        api.will_issue("acme", TOKEN, EXPIRES);
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            stderr(&out).contains(file.trim_start_matches(".anaconda/")),
            "{}",
            stderr(&out)
        );
        assert!(
            !api.requests().iter().any(|(m, _)| m == "PUT"),
            "{file}: a token was issued"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
}

#[test]
fn organization_names_with_dashes_and_dots_are_sent_as_they_are() {
    let (home, api) = setup();
    api.will_issue("my-org.x", TOKEN, EXPIRES);
    home.cmd(&[
        "token",
        "install",
        "-o",
        "my-org.x",
        "-y",
        "--no-set-default-channels",
    ])
    .assert()
    .success();
    assert!(
        api.requests()
            .iter()
            .any(|(m, p)| m == "PUT" && p == "/api/organizations/my-org.x/ce/current-token"),
        "{:?}",
        api.requests()
    );
    home.cmd(&["token", "install", "-o", "../x", "-y"])
        .assert()
        .code(2);
}

#[test]
fn no_question_means_stdin_is_never_read() {
    use std::process::Stdio;
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts(TOKEN);
    // stdin stays open and silent: a read would hang, so the command must not read it.
    let mut child = home
        .install_given_std(TOKEN, "acme")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("install waited on stdin");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
}

#[test]
fn no_temporary_files_are_left_behind() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y"]).assert().success();
    home.cmd(&["token", "config", "--force"]).assert().success();
    home.cmd(&["token", "uninstall", "--all"])
        .assert()
        .success();
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !name.starts_with(".tmp-") && !name.ends_with(".partial"),
                "{}",
                path.display()
            );
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
}

#[test]
fn token_from_stdin_then_the_answer_on_the_next_line() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts(TOKEN);
    home.cmd(&["token", "install", "-", "-o", "acme"])
        .write_stdin(format!("{TOKEN}\ny\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("and conda has been configured."));
    assert!(home.condarc_path().exists());
}
