//! `anaconda token install` end to end: the binary in a temporary HOME against a mock API.

mod common;

use common::*;
use serde_json::json;

const TOKEN: &str = "tok-abc-123";
const EXPIRES: &str = "2027-01-31T00:00:00";

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

    home.filter(TOKEN, "TOKEN");
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "--yes"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    ");
    // The token is never printed by install.
    assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));

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
    cmd_snapshot!(home, home.cmd(&["token", "install", "--yes"]).write_stdin(""), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Several organizations found (acme, beta) and no terminal to choose on.
    Pass --org to answer it.
    ");
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
    cmd_snapshot!(home, home.cmd(&["token", "install", "-o", "beta", "-y"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    ");
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
    // Both say the same.
    insta::allow_duplicates! {
        for orgs in [
            vec![],
            vec![(FREE_ID, "hobby", "Hobby", "starter_subscription")],
        ] {
            let (home, api) = setup();
            api.organizations(&orgs);
            cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
            success: false
            exit_code: 1
            ----- stdout -----

            ----- stderr -----
            Error: No organizations found.
            Your account has no organization with a business subscription. Ask your administrator to add you, or pass --org with the organization's name.
            ");
            assert_nothing_stored(&home);
        }
    }
}

#[test]
fn existing_token_with_yes_is_reissued_without_asking() {
    let (home, api) = setup();
    api.acme();
    api.will_reissue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    ");
    assert_installed(&home, &api, "acme", TOKEN);
}

#[test]
fn existing_token_answered_no_changes_nothing() {
    let (home, api) = setup();
    api.acme();
    api.will_reissue("acme", TOKEN, EXPIRES);
    cmd_snapshot!(home, home.cmd(&["token", "install"]).write_stdin("n\n"), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    An existing token already exists for the organization acme.
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.

    ----- stderr -----
    Proceed? [y/n] (n): Aborted.
    ");
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
    api.will_reissue("acme", TOKEN, EXPIRES);
    cmd_snapshot!(
        home,
        home.cmd(&["token", "install"])
            .write_stdin("")
            .timeout(std::time::Duration::from_secs(20)),
        @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    An existing token already exists for the organization acme.
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.

    ----- stderr -----
    Proceed? [y/n] (n): 
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --yes to answer it.
    "#
    );
    assert!(!api.requests().iter().any(|(m, _)| m == "PUT"));
    assert_nothing_stored(&home);
}

#[test]
fn existing_token_answered_yes_on_stdin() {
    let (home, api) = setup();
    api.acme();
    api.will_reissue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    // First answer re-asks, then yes for the token, then yes for .condarc.
    cmd_snapshot!(home, home.cmd(&["token", "install"]).write_stdin("maybe\ny\nY\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    An existing token already exists for the organization acme.
    Reissuing a new token will revoke and deactivate any existing token access. This action can't be undone.
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    Proceed? [y/n] (n): Please enter Y or N
    Proceed? [y/n] (n): Proceed? [y/n] (n):
    ");
    assert!(home.condarc_path().exists());
}

#[test]
fn given_token_with_org_makes_no_api_request_before_validation() {
    let (home, api) = setup_without_key(); // no API key at all: a site token needs none
    api.repo_accepts(TOKEN);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&[
        "token",
        "install",
        TOKEN,
        "--org",
        "acme",
        "--no-set-default-channels",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_eq!(api.requests().len(), 1);
    assert_eq!(api.requests()[0].0, "HEAD");
    assert_installed(&home, &api, "acme", TOKEN);
    assert!(!home.condarc_path().exists());
    let entry = home.entry(&api.domain()).unwrap();
    assert!(entry["repo_tokens"][0].get("expires_at").is_none());
}

#[test]
fn token_from_stdin() {
    let (home, api) = setup_without_key();
    api.repo_accepts(TOKEN);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.install_given("-", "acme").write_stdin(format!("  {TOKEN}\n")), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_installed(&home, &api, "acme", TOKEN);
}

#[test]
fn invalid_token_stores_nothing() {
    let (home, api) = setup_without_key();
    api.repo_answers("wrong-token", 403);
    home.filter("wrong-token", "TOKEN");
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "wrong-token", "-o", "acme", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token could not be validated. Please check that you have typed it correctly.
    The repository [API]/repo/ answered HTTP 403.
    ");
    assert!(!stderr(&out).contains("wrong-token"), "{}", stderr(&out));
    assert_nothing_stored(&home);
}

#[test]
fn token_with_characters_conda_cannot_use_is_refused_before_any_request() {
    let (home, api) = setup_without_key();
    cmd_snapshot!(home, home.cmd(&["token", "install", "bad/token", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token cannot be used: it contains a '/'.
    Check that you copied the whole token and nothing else.
    ");
    assert!(api.requests().is_empty());
    cmd_snapshot!(home, home.cmd(&["token", "install", "bad_token", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token contains characters conda cannot use (only letters, digits and '-' are allowed).
    Check that you copied the whole token and nothing else.
    ");
    assert!(api.requests().is_empty());
}

#[test]
fn issued_token_rejected_by_repository_says_previous_is_revoked() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", None);
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_answers(TOKEN, 401);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: The repository refused the token just issued for acme: it answered HTTP 401.
    The previous token of acme is already revoked: `anaconda token reissue -o acme` issues a fresh one.
    ");
    assert_nothing_stored(&home);
}

#[test]
fn no_api_key_asks_for_login() {
    let (home, api) = setup_without_key();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Login is required to complete this action.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
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
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your provided API Key or login token is invalid.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
    assert!(!stderr(&out).contains(API_KEY), "{}", stderr(&out));
}

#[test]
fn api_key_stored_by_login_is_used_and_kept() {
    let (home, api) = setup_without_key();
    home.write_entry(
        &api.domain(),
        &json!({"domain": api.domain(), "api_key": API_KEY, "repo_tokens": [], "version": 2}),
    );
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.filter(API_KEY, "API_KEY");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    ");
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
    let (mut home, api) = setup_without_key();
    home.set("ANACONDA_AUTH_API_KEY", &jwt)
        .filter(&jwt, "API_KEY");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Your API key expired on 1970-01-01 00:16 UTC.
    Run `anaconda login --at [DOMAIN]`, or set ANACONDA_AUTH_API_KEY, or set api_key under [plugin.auth] in [HOME]/.anaconda/config.toml.
    ");
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
    let mut all = String::new();
    for (verb, failing) in cases {
        let (home, api) = setup();
        api.fail(verb, failing, 500);
        api.acme();
        api.will_issue("acme", TOKEN, EXPIRES);
        home.filter(TOKEN, "TOKEN");
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
        all.push_str(&format!("=== {verb} {failing} fails\n{text}\n"));
        if verb == "PUT" {
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
    insta::assert_snapshot!(all, @"
    === GET /api/organizations/my fails
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/organizations/my failed: HTTP 500 (server trouble)

    === GET /api/account fails
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: GET [API]/api/account failed: HTTP 500 (server trouble)

    === GET /api/organizations/acme/ce/current-token fails
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: GET [API]/api/organizations/acme/ce/current-token failed: HTTP 500 (server trouble)

    === PUT /api/organizations/acme/ce/current-token fails
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: PUT [API]/api/organizations/acme/ce/current-token failed: HTTP 500 (server trouble)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.
    ");
}

#[test]
fn repository_500_is_not_valid() {
    let (home, api) = setup();
    api.repo_answers(TOKEN, 500);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "install", TOKEN, "-o", "acme", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The repository [API]/repo/ could not check the token: it answered HTTP 500.
    Nothing was stored. Try again later.
    ");
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
    home.filter(&format!("127.0.0.1:{port}"), "DOMAIN")
        .filter(TOKEN, "TOKEN")
        .filter_connect_errors();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: tcp connect error: [CONNECT ERROR]
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
    let out = cmd_snapshot!(home, home.cmd(&["token", "install", TOKEN, "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not reach [DOMAIN]: tcp connect error: [CONNECT ERROR]
    Check your network connection and proxy settings (HTTPS_PROXY, NO_PROXY).
    ");
    assert!(!stderr(&out).contains(TOKEN), "{}", stderr(&out));
    assert_nothing_stored(&home);
}

#[test]
fn verbose_log_redacts_token_and_key() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.filter(TOKEN, "TOKEN");
    let out = cmd_snapshot!(home, home.cmd(&["-v", "token", "install", "-y", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    debug: GET [API]/api/organizations/my -> 200 ([TIME])
    debug: GET [API]/api/account -> 200 ([TIME])
    debug: GET [API]/api/organizations/acme/ce/current-token -> 404 ([TIME])
    debug: PUT [API]/api/organizations/acme/ce/current-token -> 200 ([TIME])
    debug: HEAD [API]/t/<redacted>/repo/main/noarch/repodata.json -> 200 ([TIME])
    debug: conda not found: the index cache was not cleaned
    ");
    let err = stderr(&out);
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
    let mut all = String::new();
    for (file, content) in [(".anaconda/keyring", "{not json"), (".condarc", "a: [b\n")] {
        let (home, api) = setup();
        api.acme();
        api.will_issue("acme", TOKEN, EXPIRES);
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
        all.push_str(&format!("=== {file} is invalid\n{text}\n"));
        assert!(
            !api.requests().iter().any(|(m, _)| m == "PUT"),
            "{file}: a token was issued"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }
    insta::assert_snapshot!(all, @"
    === .anaconda/keyring is invalid
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: [HOME]/.anaconda/keyring is not a valid keyring file: not JSON (line 1, column 2)
    It was left unchanged. Fix or move it (the Python tool would have overwritten it), then try again.

    === .condarc is invalid
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Warning: Ignoring a conda configuration file: [HOME]/.condarc is not a valid YAML file: line 2, column 1: while parsing a flow sequence, expected ',' or ']'
    Error: [HOME]/.condarc is not a valid YAML file: line 2, column 1: while parsing a flow sequence, expected ',' or ']'
    Fix or move the file, then try again; it was left unchanged.
    ");
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
    let (home, api) = setup_without_key();
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
    let (home, api) = setup_without_key();
    api.repo_accepts(TOKEN);
    cmd_snapshot!(home, home.cmd(&["token", "install", "-", "-o", "acme"]).write_stdin(format!("{TOKEN}\ny\n")), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert!(home.condarc_path().exists());
}
