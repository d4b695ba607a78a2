//! `--tool`, `ANACONDA_TOKEN_TOOLS` and `anaconda token setup`: the token in pixi's (rattler's)
//! and mamba's credential stores as well as, or instead of, conda's files; `list` and
//! `uninstall` over them. (py-rattler reading what we write: tests/rattler.rs.)

mod common;

use common::*;
use serde_json::{Value, json};

const TOKEN: &str = "tok-abc-123";
const EXPIRES: &str = "2027-01-31T00:00:00";

fn rattler_file(home: &Home) -> std::path::PathBuf {
    home.path().join(".rattler").join("credentials.json")
}

fn mamba_file(home: &Home) -> std::path::PathBuf {
    home.path()
        .join(".mamba")
        .join("auth")
        .join("authentication.json")
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The key mamba files the mock repository under: its URL without scheme or trailing slash.
fn mamba_key(api: &Api) -> String {
    api.repo_url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn tool_pixi_alone_writes_rattlers_store_and_leaves_condas_files_alone() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--tool", "pixi"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.
    Success! Your token has been installed and validated.

    ----- stderr -----
    ");
    assert_eq!(
        read_json(&rattler_file(&home)),
        json!({"127.0.0.1": {"CondaToken": TOKEN}})
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&rattler_file(&home)), 0o600);
        assert_eq!(mode(rattler_file(&home).parent().unwrap()), 0o700);
    }
    let entry = home.entry(&api.domain()).expect("keyring entry written");
    assert_eq!(entry["repo_tokens"][0]["token"], TOKEN);
    assert!(!home.condarc_path().exists(), ".condarc written");
    assert!(!home.binstar_dir().exists(), "conda's token file written");
    assert!(!mamba_file(&home).exists(), "mamba's file written");
}

#[test]
fn every_tool_at_once_and_other_entries_kept() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    let others = json!({"*.prefix.dev": {"BearerToken": "pfx"}, "other.example": {"BasicHTTP": {"username": "u", "password": "p"}}});
    std::fs::create_dir_all(rattler_file(&home).parent().unwrap()).unwrap();
    std::fs::write(rattler_file(&home), others.to_string()).unwrap();
    home.filter(TOKEN, "TOKEN");
    home.filter(&mamba_key(&api), "MAMBA_KEY");
    cmd_snapshot!(home, home.cmd(&[
        "token", "install", "-y", "--tool", "conda", "--tool", "pixi", "--tool", "mamba",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.
    mamba will use the token: it is stored in [HOME]/.mamba/auth/authentication.json.
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token has been installed and validated, and conda has been configured.

    ----- stderr -----
    ");
    let mut expected = others.clone();
    expected["127.0.0.1"] = json!({"CondaToken": TOKEN});
    assert_eq!(read_json(&rattler_file(&home)), expected);
    assert_eq!(
        read_json(&mamba_file(&home)),
        json!({ mamba_key(&api): {"type": "CondaToken", "token": TOKEN} })
    );
    let file = home.conda_token_file(&api.repo_url());
    assert_eq!(std::fs::read_to_string(file).unwrap(), TOKEN);
}

#[test]
fn the_variable_chooses_the_tools_and_the_flag_wins() {
    let (mut home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.set("ANACONDA_TOKEN_TOOLS", "mamba, pixi");
    home.cmd(&["token", "install", "-y"]).assert().success();
    assert!(rattler_file(&home).exists() && mamba_file(&home).exists());
    assert!(!home.binstar_dir().exists(), "conda's token file written");

    home.set("ANACONDA_TOKEN_TOOLS", "pixi, cargo");
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: ANACONDA_TOKEN_TOOLS: unknown tool "cargo" (choose from conda, pixi, mamba)
    "#);
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--tool", "emacs"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value 'emacs' for '--tool <TOOL>'
      [possible values: conda, pixi, mamba]

    For more information, try '--help'.
    ");
}

#[test]
fn an_unreadable_tool_store_stops_install_before_a_token_is_issued() {
    let (home, api) = setup();
    api.acme();
    api.current_token("acme", Some("2026-12-31T00:00:00Z"));
    std::fs::create_dir_all(rattler_file(&home).parent().unwrap()).unwrap();
    std::fs::write(rattler_file(&home), "{not json").unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--tool", "pixi"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Only one organization found, automatically selecting: acme

    ----- stderr -----
    Error: [HOME]/.rattler/credentials.json is not a valid pixi credentials file: not JSON (line 1, column 2)
    Fix or move the file, then try again; it was left unchanged.
    ");
    assert_eq!(
        std::fs::read_to_string(rattler_file(&home)).unwrap(),
        "{not json"
    );
    assert_eq!(api.puts(), 0, "a token was issued");
    assert!(!home.keyring_path().exists(), "keyring file written");
}

#[test]
fn list_shows_the_tool_stores_and_uninstall_removes_the_token_from_all() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    let others = json!({"other.example": {"CondaToken": "not-ours"}});
    std::fs::create_dir_all(rattler_file(&home).parent().unwrap()).unwrap();
    std::fs::write(rattler_file(&home), others.to_string()).unwrap();
    home.cmd(&[
        "token", "install", "-y", "--tool", "conda", "--tool", "pixi", "--tool", "mamba",
    ])
    .assert()
    .success();
    home.filter(TOKEN, "TOKEN");
    home.filter(&mamba_key(&api), "MAMBA_KEY");
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬────────────────────────────────────┬─────────────┬────────────┐
    │ Organization ┆ Channel URL                        ┆ Token       ┆ Expires    │
    ╞══════════════╪════════════════════════════════════╪═════════════╪════════════╡
    │ acme         ┆ [API]/repo/acme/* ┆ [TOKEN] ┆ 2027-01-31 │
    │              ┆ [API]/repo/       ┆ [TOKEN] ┆ -          │
    │ acme (pixi)  ┆ [API]/repo/       ┆ [TOKEN] ┆ -          │
    │ acme (mamba) ┆ [API]/repo/       ┆ [TOKEN] ┆ -          │
    └──────────────┴────────────────────────────────────┴─────────────┴────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])
    conda token files in [BINSTAR]
    pixi's credentials in [HOME]/.rattler/credentials.json
    mamba's credentials in [HOME]/.mamba/auth/authentication.json

    ----- stderr -----
    ");
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["keyring", "conda-token-file", "pixi", "mamba"]);
    assert!(rows.as_array().unwrap().iter().all(|r| r["token"] == TOKEN));

    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "acme"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: acme
    Removed the token from pixi's store [HOME]/.rattler/credentials.json.
    Removed the token from mamba's store [HOME]/.mamba/auth/authentication.json.
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert_eq!(read_json(&rattler_file(&home)), others);
    assert_eq!(read_json(&mamba_file(&home)), json!({}));
    assert!(!home.conda_token_file(&api.repo_url()).exists());
}

#[test]
fn setup_gives_an_installed_token_to_more_tools_without_issuing() {
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .assert()
        .success();
    assert!(!rattler_file(&home).exists());
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "setup", "pixi"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.

    ----- stderr -----
    ");
    assert_eq!(
        read_json(&rattler_file(&home)),
        json!({"127.0.0.1": {"CondaToken": TOKEN}})
    );
    assert_eq!(api.puts(), 1, "setup issued a token");
    cmd_snapshot!(home, home.cmd(&["token", "setup", "mamba", "-o", "other"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: No token is installed for organization: other
    Run `anaconda token install -o other` first.
    ");
    cmd_snapshot!(home, home.cmd(&["token", "setup"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      <TOOL>...

    Usage: anaconda token setup <TOOL>...

    For more information, try '--help'.
    ");
}

#[test]
fn set_and_reissue_take_tool_too() {
    let (home, api) = setup();
    api.acme();
    api.repo_accepts("tok-given");
    home.filter("tok-given", "GIVEN");
    cmd_snapshot!(home, home.cmd(&["token", "set", "tok-given", "-o", "acme", "--tool", "mamba"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    mamba will use the token: it is stored in [HOME]/.mamba/auth/authentication.json.
    Success! Your token was validated and stored.

    ----- stderr -----
    ");
    assert_eq!(
        read_json(&mamba_file(&home)),
        json!({ mamba_key(&api): {"type": "CondaToken", "token": "tok-given"} })
    );
    assert!(!home.condarc_path().exists(), ".condarc written");
    assert!(!home.binstar_dir().exists(), "conda's token file written");

    api.will_reissue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    home.cmd(&[
        "token", "reissue", "-o", "acme", "-y", "--tool", "pixi", "--tool", "mamba",
    ])
    .assert()
    .success();
    assert_eq!(
        read_json(&rattler_file(&home)),
        json!({"127.0.0.1": {"CondaToken": TOKEN}})
    );
    assert_eq!(
        read_json(&mamba_file(&home)),
        json!({ mamba_key(&api): {"type": "CondaToken", "token": TOKEN} })
    );
}

#[test]
fn uninstall_cleans_every_file_rattler_reads() {
    let (mut home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y", "--tool", "pixi"])
        .assert()
        .success();
    // Later runs name another file: rattler reads it first, and ~/.rattler/credentials.json
    // after it, so the token in the default file still counts.
    let other = home.path().join("ci-credentials.json");
    home.set("RATTLER_AUTH_FILE", other.to_str().unwrap());
    home.cmd(&["token", "setup", "pixi"]).assert().success();
    assert_eq!(
        read_json(&other),
        json!({"127.0.0.1": {"CondaToken": TOKEN}})
    );
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "--all"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted all repo tokens.
    Removed the token from pixi's store [HOME]/ci-credentials.json.
    Removed the token from pixi's store [HOME]/.rattler/credentials.json.
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert_eq!(read_json(&other), json!({}));
    assert_eq!(read_json(&rattler_file(&home)), json!({}));
}

#[test]
fn reissue_gives_the_new_token_to_a_tool_that_had_the_revoked_one() {
    let (home, api) = setup();
    api.acme();
    api.repo_accepts("tok-old");
    home.cmd(&[
        "token", "install", "tok-old", "-o", "acme", "-y", "--tool", "conda", "--tool", "pixi",
        "--tool", "mamba",
    ])
    .assert()
    .success();
    // A store that cannot be read then is a warning naming the command that mends it.
    std::fs::write(mamba_file(&home), "[").unwrap();
    api.will_reissue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.reissue_yes("acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    pixi had the revoked token: it now has the new one, in [HOME]/.rattler/credentials.json.
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Warning: mamba's store was not looked at for the revoked token (run `anaconda token setup mamba -o acme` if it had it): [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    ");
    assert_eq!(
        read_json(&rattler_file(&home)),
        json!({"127.0.0.1": {"CondaToken": TOKEN}})
    );
}

#[test]
fn set_needs_org_for_other_tools_and_list_warns_about_an_unreadable_store() {
    let (home, api) = setup();
    cmd_snapshot!(home, home.cmd(&["token", "set", "tok-given", "--tool", "pixi"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Error: Giving the token to pixi or mamba needs --org ORG (so that `uninstall` can remove it later).
    ");
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    home.cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .assert()
        .success();
    std::fs::create_dir_all(mamba_file(&home).parent().unwrap()).unwrap();
    std::fs::write(mamba_file(&home), "[").unwrap();
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬────────────────────────────────────┬─────────────┬────────────┐
    │ Organization ┆ Channel URL                        ┆ Token       ┆ Expires    │
    ╞══════════════╪════════════════════════════════════╪═════════════╪════════════╡
    │ acme         ┆ [API]/repo/acme/* ┆ [TOKEN] ┆ 2027-01-31 │
    │              ┆ [API]/repo/       ┆ [TOKEN] ┆ -          │
    └──────────────┴────────────────────────────────────┴─────────────┴────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])
    conda token files in [BINSTAR]

    ----- stderr -----
    Warning: [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    ");
    // uninstall stops before anything changes, naming the file.
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "acme"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.mamba/auth/authentication.json is not a valid mamba authentication file: not JSON (line 1, column 1)
    Fix or move the file, then try again; it was left unchanged.
    ");
    assert!(home.entry(&api.domain()).unwrap()["repo_tokens"][0]["token"] == TOKEN);
}

/// Root only (CI runs as root): `~/.mamba` on a real file system turned read-only. uninstall
/// stops before it changes anything when that store holds the token, and passes over a store
/// that holds none of the tokens it removes (it has nothing to change there).
#[cfg(target_os = "linux")]
#[test]
fn uninstall_needs_to_write_only_the_stores_that_hold_the_token() {
    if !is_root() {
        eprintln!("skipped: needs root to mount a tmpfs (CI runs as root)");
        return;
    }
    let (home, api) = setup();
    api.acme();
    api.will_issue("acme", TOKEN, EXPIRES);
    let fs = Tmpfs::mount(&home.path().join(".mamba"), "256k");
    home.cmd(&[
        "token", "install", "-y", "--tool", "conda", "--tool", "mamba",
    ])
    .assert()
    .success();
    fs.remount_read_only();
    let (text, _) = snapshot::run(
        &home.filters(),
        home.cmd(&["token", "uninstall", "-o", "acme"]),
    );
    fs.remount_read_write();
    insta::assert_snapshot!(text, @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not write [HOME]/.mamba/auth/authentication.json: the folder [HOME]/.mamba/auth takes no new file: Read-only file system (os error 30)
    ");
    assert_eq!(
        home.entry(&api.domain()).unwrap()["repo_tokens"][0]["token"],
        TOKEN
    );
    assert!(home.conda_token_file(&api.repo_url()).exists());

    // The token leaves mamba's store by hand: the read-only store is no reason to stop.
    std::fs::write(mamba_file(&home), "{}").unwrap();
    fs.remount_read_only();
    let (text, _) = snapshot::run(
        &home.filters(),
        home.cmd(&["token", "uninstall", "-o", "acme"]),
    );
    fs.remount_read_write();
    insta::assert_snapshot!(text, @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: acme
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert!(home.entry(&api.domain()).is_none());
}

/// `reissue --tool pixi` revokes the token conda's token file holds too: that file gets the new
/// one, so conda keeps working, though conda was not chosen (`.condarc` is left alone).
#[test]
fn a_reissue_for_pixi_alone_updates_condas_token_file_that_had_the_revoked_token() {
    let (home, api) = setup();
    api.acme();
    api.repo_accepts("tok-old");
    home.cmd(&[
        "token",
        "install",
        "tok-old",
        "-o",
        "acme",
        "-y",
        "--no-set-default-channels",
    ])
    .assert()
    .success();
    api.will_reissue("acme", TOKEN, EXPIRES);
    api.repo_accepts(TOKEN);
    home.filter(TOKEN, "TOKEN");
    cmd_snapshot!(home, home.cmd(&["token", "reissue", "-o", "acme", "-y", "--tool", "pixi"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Your conda token has been installed and expires 2027-01-31 00:00:00+00:00. To view your token(s), you can use anaconda token list
    conda had the revoked token: it now has the new one, in its token folder [BINSTAR].
    pixi will use the token: it is stored in [HOME]/.rattler/credentials.json.
    Success! Your token has been installed and validated.

    ----- stderr -----
    ");
    assert_eq!(
        std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
        TOKEN
    );
    assert!(!home.condarc_path().exists(), ".condarc written");
}
