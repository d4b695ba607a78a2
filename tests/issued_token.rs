//! An issued token is never lost: issuing (the PUT of `install` and `reissue`) revokes the
//! previous token at once, so whatever fails after it must leave the new token stored or, as
//! a last resort, printed. And whatever can be known before it must stop the command before it.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const TOKEN: &str = "tok-new-123";
const EXPIRES: &str = "2027-01-31T00:00:00";
const PUT_PATH: &str = "/api/organizations/acme/ce/current-token";

/// `setup()`, with acme the one organization, which has no token yet.
fn acme_without_token() -> (Home, Api) {
    let (home, api) = setup();
    home.filter(TOKEN, "TOKEN");
    api.acme();
    api.current_token("acme", None);
    (home, api)
}

fn stored_token(home: &Home, api: &Api) -> Option<String> {
    let entry = home.entry(&api.domain())?;
    entry["repo_tokens"]
        .as_array()?
        .iter()
        .find(|t| t["org_name"] == "acme")
        .and_then(|t| t["token"].as_str().map(str::to_string))
}

/// The PUT issues `TOKEN` and runs `effect` the moment it does.
fn issue_then(api: &Api, effect: impl Fn() + Send + Sync + 'static) {
    api.mount(
        Mock::given(method("PUT"))
            .and(path(PUT_PATH))
            .respond_with(AndThen {
                response: ResponseTemplate::new(200)
                    .set_body_json(json!({"token": TOKEN, "expires_at": EXPIRES})),
                effect,
            }),
    );
}

#[test]
fn a_repository_that_cannot_answer_does_not_stop_the_token_being_stored() {
    let mut all = String::new();
    for (what, answer) in [
        ("503", ResponseTemplate::new(503)),
        ("500", ResponseTemplate::new(500)),
        (
            "429",
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        ),
        (
            "a timeout",
            ResponseTemplate::new(200).set_delay(Duration::from_secs(4)),
        ),
    ] {
        let (mut home, api) = acme_without_token();
        home.set("ANACONDA_TOKEN_TIMEOUT", "1");
        api.issue("acme", TOKEN, EXPIRES);
        api.mount(
            Mock::given(method("HEAD"))
                .and(path(format!("/t/{TOKEN}/repo/main/noarch/repodata.json")))
                .respond_with(answer),
        );
        let (text, out) = snapshot::run(
            &home.filters(),
            home.cmd(&["token", "install", "-y", "--no-set-default-channels"]),
        );
        all.push_str(&format!("=== {what}\n{text}\n"));
        assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN), "{what}");
        assert_eq!(
            std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
            TOKEN,
            "{what}"
        );
        // The token is never printed when it is stored.
        assert!(
            !stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN),
            "{what}"
        );
        assert_eq!(api.puts(), 1, "{what}");
    }
    insta::assert_snapshot!(all, @"
    === 503
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 503); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 503.
    Run `anaconda token list --check` later to check that the repository accepts it.

    === 500
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 500); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 500.
    Run `anaconda token list --check` later to check that the repository accepts it.

    === 429
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 429); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 429.
    Run `anaconda token list --check` later to check that the repository accepts it.

    === a timeout
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
fn a_definite_rejection_of_an_issued_token_says_it_was_issued_not_typed() {
    let mut all = String::new();
    for status in [401, 403, 404] {
        let (home, api) = acme_without_token();
        api.issue("acme", TOKEN, EXPIRES);
        api.repo_answers(TOKEN, status);
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
        all.push_str(&format!("=== HTTP {status}\n{text}\n"));
        assert!(stored_token(&home, &api).is_none());
    }
    insta::assert_snapshot!(all, @"
    === HTTP 401
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: The repository refused the token just issued for acme: it answered HTTP 401.
    The previous token of acme is already revoked: `anaconda token reissue -o acme` issues a fresh one.

    === HTTP 403
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: The repository refused the token just issued for acme: it answered HTTP 403.
    The previous token of acme is already revoked: `anaconda token reissue -o acme` issues a fresh one.

    === HTTP 404
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: The repository refused the token just issued for acme: it answered HTTP 404.
    The previous token of acme is already revoked: `anaconda token reissue -o acme` issues a fresh one.
    ");
}

#[test]
fn an_empty_or_unusable_token_from_the_service_is_an_error() {
    let mut all = String::new();
    for bad in [
        json!(""),
        json!("\n"),
        json!("a/b"),
        json!("tok en"),
        json!(null),
    ] {
        let (home, api) = acme_without_token();
        api.answer(
            "PUT",
            PUT_PATH,
            200,
            &json!({"token": bad, "expires_at": EXPIRES}),
        );
        let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
        all.push_str(&format!("=== {bad}\n{text}\n"));
        assert!(
            !api.requests().iter().any(|(m, _)| m == "HEAD"),
            "{bad}: validated"
        );
    }
    insta::assert_snapshot!(all, @r#"
    === ""
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the issued token cannot be used: it is empty
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === "\n"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the issued token cannot be used: it is empty
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === "a/b"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the issued token cannot be used: it contains a '/'
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === "tok en"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the issued token cannot be used: it contains whitespace
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.

    === null
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Unexpected answer from /api/organizations/acme/ce/current-token: the answer is not the expected JSON (line 1, column 13)
    The previous token of acme may already be revoked: run `anaconda token install -o acme` again, or check on anaconda.com.
    "#);
}

#[test]
fn a_final_newline_is_dropped_so_the_same_bytes_are_validated_and_stored() {
    let (home, api) = acme_without_token();
    api.answer(
        "PUT",
        PUT_PATH,
        200,
        &json!({"token": format!("{TOKEN}\r\n"), "expires_at": 1801353600}),
    );
    api.repo_accepts(TOKEN);
    // An integer expiry (epoch seconds) is read, not an error after the PUT.
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
}

#[test]
fn an_unknown_organization_does_not_say_the_token_may_be_revoked() {
    let (home, api) = acme_without_token();
    api.current_token("nope", None);
    api.fail("PUT", "/api/organizations/nope/ce/current-token", 404);
    cmd_snapshot!(home, home.cmd(&["token", "install", "-o", "nope", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: There is no organization nope (HTTP 404), or this account is not a member of it. No token was issued.
    Check the name given with --org: it is the organization's slug, as in its address on anaconda.com.
    ");
}

#[test]
fn a_keyring_lock_held_too_long_stops_install_before_the_token_is_issued() {
    let (home, api) = acme_without_token();
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    let lock_dir = home.lock_dir();
    std::fs::create_dir_all(&lock_dir).unwrap();
    let lock = std::fs::File::create(home.lock_file(&home.keyring_path())).unwrap();
    lock.lock().unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not lock [HOME]/.anaconda/keyring: another process has held the lock [RUN]/anaconda-token/keyring-[HASH].lock for over 10 seconds (a stopped or stuck `anaconda`?)
    ");
    assert_eq!(
        api.puts(),
        0,
        "a token was issued while the store was locked"
    );
    drop(lock);
}

#[test]
fn a_home_below_a_file_stops_install_before_the_token_is_issued() {
    let (mut home, api) = acme_without_token();
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    let file = home.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let bad_home = file.join("home");
    let config = home.path().join("config.toml");
    home.set("HOME", bad_home.to_str().unwrap())
        .set(
            "XDG_CONFIG_HOME",
            bad_home.join(".config").to_str().unwrap(),
        )
        .set("ANACONDA_CONFIG_TOML", config.to_str().unwrap());
    if cfg!(windows) {
        home.set("USERPROFILE", bad_home.to_str().unwrap());
    }
    // The system's words for "not a folder" differ.
    home.filter_pattern(r"keyring: [^\n]*\(os error \d+\)", "keyring: [OS ERROR]");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not read [HOME]/a-file/home/.anaconda/keyring: [OS ERROR]
    ");
    assert_eq!(api.puts(), 0);
}

/// Root only (CI runs as root): a real, small file system under `~/.anaconda`.
#[cfg(target_os = "linux")]
fn anaconda_tmpfs(home: &Home) -> Option<Tmpfs> {
    if !is_root() {
        eprintln!("skipped: needs root to mount a tmpfs (CI runs as root)");
        return None;
    }
    Some(Tmpfs::mount(&home.path().join(".anaconda"), "256k"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_found_before_the_token_is_issued() {
    let (home, api) = acme_without_token();
    let Some(fs) = anaconda_tmpfs(&home) else {
        return;
    };
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    fs.fill();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not write [HOME]/.anaconda/keyring: the folder [HOME]/.anaconda takes no new file: No space left on device (os error 28)
    ");
    assert_eq!(api.puts(), 0);
}

#[cfg(target_os = "linux")]
#[test]
fn an_immutable_keyring_file_is_found_before_the_token_is_issued() {
    let (home, api) = acme_without_token();
    let Some(_fs) = anaconda_tmpfs(&home) else {
        return;
    };
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    std::fs::write(home.keyring_path(), "").unwrap();
    run_ok("chattr", &["+i", home.keyring_path().to_str().unwrap()]);
    let (text, _) = snapshot::run(&home.filters(), home.cmd(&["token", "install", "-y"]));
    run_ok("chattr", &["-i", home.keyring_path().to_str().unwrap()]);
    insta::assert_snapshot!(text, @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: Could not write [HOME]/.anaconda/keyring: the file is immutable or append-only (chattr +i / +a)
    ");
    assert_eq!(api.puts(), 0);
}

/// The disk fills, or the folder turns read-only, the moment the token is issued: the token
/// is printed once, and installs from there with `install -`.
#[cfg(target_os = "linux")]
#[test]
fn a_token_that_cannot_be_stored_is_printed_once_and_installs_later() {
    type Break = fn(&Tmpfs);
    type Mend = fn(&Tmpfs);
    let cases: [(&str, Break, Mend); 2] = [
        ("full disk", Tmpfs::fill, Tmpfs::unfill),
        (
            "read-only folder",
            Tmpfs::remount_read_only,
            Tmpfs::remount_read_write,
        ),
    ];
    let mut all = String::new();
    for (what, break_it, mend) in cases {
        let (home, api) = acme_without_token();
        let Some(fs) = anaconda_tmpfs(&home) else {
            return;
        };
        let fs = std::sync::Arc::new(fs);
        let broken = std::sync::Arc::clone(&fs);
        issue_then(&api, move || break_it(&broken));
        api.repo_accepts(TOKEN);
        let (text, out) = snapshot::run(
            &home.filters(),
            home.cmd(&["token", "install", "-y", "--no-set-default-channels"]),
        );
        all.push_str(&format!("=== {what}\n{text}\n"));
        // Printed once, on stdout only.
        assert_eq!(stdout(&out).matches(TOKEN).count(), 1, "{what}: {text}");
        assert!(!stderr(&out).contains(TOKEN), "{what}: {text}");

        mend(&fs);
        let out = home
            .cmd(&[
                "token",
                "install",
                "-",
                "--org",
                "acme",
                "--no-set-default-channels",
            ])
            .write_stdin(format!("{TOKEN}\n"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN), "{what}");
        assert_eq!(api.puts(), 1, "{what}");
    }
    insta::assert_snapshot!(all, @r#"
    === full disk
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    The new token for acme could not be stored. Here it is, shown this once: copy it now.
    New repository token for acme: [TOKEN]

    ----- stderr -----
    Error: The token was issued but could not be stored: Could not write [HOME]/.anaconda/keyring: No space left on device (os error 28) at path "[HOME]/.anaconda/.tmp-keyring-[RANDOM].partial"
    The previous token is already revoked. Once the problem is fixed, install the token printed above with `anaconda token install - --org acme` (paste it when asked).

    === read-only folder
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    The new token for acme could not be stored. Here it is, shown this once: copy it now.
    New repository token for acme: [TOKEN]

    ----- stderr -----
    Error: The token was issued but could not be stored: Could not write [HOME]/.anaconda/keyring: Read-only file system (os error 30) at path "[HOME]/.anaconda/.tmp-keyring-[RANDOM].partial"
    The previous token is already revoked. Once the problem is fixed, install the token printed above with `anaconda token install - --org acme` (paste it when asked).
    "#);
}

#[test]
fn reissue_keeps_the_token_when_the_repository_cannot_answer() {
    let (home, api) = acme_without_token();
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_answers(TOKEN, 502);
    cmd_snapshot!(home, home.reissue_yes("acme"), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list

    ----- stderr -----
    Warning: The new token could not be validated (the repository answered HTTP 502); it is stored anyway, since the previous token is already revoked.
    Error: The token was installed, but it could not be validated: the repository answered HTTP 502.
    Run `anaconda token list --check` later to check that the repository accepts it.
    ");
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
}

/// mamba's store, valid (and empty); its path.
fn mamba_store(home: &Home) -> std::path::PathBuf {
    let mamba = home.path().join(".mamba/auth/authentication.json");
    std::fs::create_dir_all(mamba.parent().unwrap()).unwrap();
    std::fs::write(&mamba, "{}").unwrap();
    mamba
}

/// mamba's store, valid until the PUT issues `TOKEN`, which makes it unreadable; its path.
fn mamba_breaking_at_the_issue(home: &Home, api: &Api) -> std::path::PathBuf {
    let mamba = mamba_store(home);
    let broken = mamba.clone();
    issue_then(api, move || std::fs::write(&broken, "[").unwrap());
    mamba
}

/// A tool store breaks the moment the token is issued (mamba's file turns unreadable): the
/// token still goes everywhere else (the keyring entry, conda's token file and `.condarc`,
/// pixi's store), a warning says what mamba lacks, and the run ends with exit 1 naming the
/// command that finishes the job, which then does.
#[test]
fn a_tool_store_that_breaks_after_the_issue_does_not_stop_the_others() {
    let (home, api) = acme_without_token();
    api.repo_accepts(TOKEN);
    let mamba = mamba_breaking_at_the_issue(&home, &api);
    let rattler = home.path().join(".rattler/credentials.json");
    let install = home.cmd(&[
        "token", "install", "-y", "--tool", "conda", "--tool", "pixi", "--tool", "mamba",
    ]);
    cmd_snapshot!(home, install, @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Warning: mamba was not given the token: [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    Error: The token of acme is installed (see `anaconda token list`), but mamba could not be given it.
    Once this is fixed, run `anaconda token setup mamba -o acme`.
    ");
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
    assert_eq!(
        std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
        TOKEN
    );
    assert!(std::fs::read_to_string(&rattler).unwrap().contains(TOKEN));
    assert!(
        std::fs::read_to_string(home.condarc_path())
            .unwrap()
            .contains("default_channels")
    );
    assert_eq!(
        std::fs::read_to_string(&mamba).unwrap(),
        "[",
        "left as it was"
    );
    assert_eq!(api.puts(), 1);

    std::fs::write(&mamba, "{}").unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "setup", "mamba", "-o", "acme"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    mamba will use the token: it is stored in [HOME]/.mamba/auth/authentication.json.

    ----- stderr -----
    ");
    assert!(std::fs::read_to_string(&mamba).unwrap().contains(TOKEN));
    assert_eq!(api.puts(), 1);
}

/// When the command then ends with another error (here: the `.condarc` question meets the end of
/// input), the way to finish the tool that missed the token is still said.
#[test]
fn a_tool_that_missed_the_token_is_named_when_condarc_then_fails() {
    let (home, api) = acme_without_token();
    api.repo_accepts(TOKEN);
    let mamba = mamba_breaking_at_the_issue(&home, &api);
    let mut install = home.cmd(&["token", "install", "--tool", "conda", "--tool", "mamba"]);
    install.write_stdin("");
    cmd_snapshot!(home, install, @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Warning: mamba was not given the token: [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    Proceed? [y/n] (n): 
    Warning: The token of acme is installed (see `anaconda token list`), but mamba could not be given it. Once this is fixed, run `anaconda token setup mamba -o acme`.
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --yes to answer it.
    "#);
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
    assert_eq!(
        std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
        TOKEN
    );
    assert_eq!(std::fs::read_to_string(&mamba).unwrap(), "[");
    assert!(!home.condarc_path().exists());
}

/// A reissue for pixi alone follows the revoked token into conda's token file; when that file
/// breaks after the issue, the new token is still stored and given to pixi, and a warning names
/// the command that mends conda.
#[test]
fn condas_token_file_that_cannot_follow_a_reissue_is_a_warning() {
    let (home, api) = acme_without_token();
    home.installed(&api, "tok-old");
    let conda = home.write_conda_token(&api.repo_url(), "tok-old");
    api.repo_accepts(TOKEN);
    let broken = conda.clone();
    issue_then(&api, move || {
        std::fs::remove_file(&broken).unwrap();
        std::fs::create_dir(&broken).unwrap();
    });
    let mut reissue = home.reissue_yes("acme");
    reissue.args(["--tool", "pixi"]);
    cmd_snapshot!(home, reissue, @"
    success: true
    exit_code: 0
    ----- stdout -----
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.
    Success! Your token has been installed and validated.

    ----- stderr -----
    Warning: conda still has the revoked token (run `anaconda token setup conda -o acme` once this is fixed): Could not read [BINSTAR]/[API]%2Frepo%2F.token: it is a folder, not a regular file
    ");
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
    let rattler = home.path().join(".rattler/credentials.json");
    assert!(std::fs::read_to_string(rattler).unwrap().contains(TOKEN));
    assert!(conda.is_dir(), "left as it was");
}

/// `set` too: a tool store that breaks while the token is validated (after the checks) is named
/// with the command that finishes it, also when the `.condarc` question then meets the end of
/// input.
#[test]
fn set_names_a_tool_that_missed_the_token_when_condarc_then_fails() {
    let (home, api) = acme_without_token();
    let mamba = mamba_store(&home);
    let broken = mamba.clone();
    api.mount(
        Mock::given(method("HEAD"))
            .and(path(format!("/t/{TOKEN}/repo/main/noarch/repodata.json")))
            .respond_with(AndThen {
                response: ResponseTemplate::new(200),
                effect: move || std::fs::write(&broken, "[").unwrap(),
            }),
    );
    let mut set = home.cmd(&[
        "token", "set", TOKEN, "-o", "acme", "--tool", "conda", "--tool", "mamba",
    ]);
    set.write_stdin("");
    cmd_snapshot!(home, set, @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Warning: mamba was not given the token: [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    Proceed? [y/n] (n): 
    Warning: The token of acme is installed (see `anaconda token list`), but mamba could not be given it. Once this is fixed, run `anaconda token setup mamba -o acme`.
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --no-set-default-channels to answer it.
    "#);
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
    assert_eq!(std::fs::read_to_string(&mamba).unwrap(), "[");
}
