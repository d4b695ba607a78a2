//! The keyring file on a real file system: modes, locking across processes, Python's format.

mod common;

use common::*;
use serde_json::json;

#[test]
fn eight_processes_installing_eight_orgs_all_end_up_stored() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    let orgs: Vec<String> = (0..8).map(|i| format!("org{i}")).collect();
    for org in &orgs {
        api.repo_accepts(&format!("tok-{org}"));
    }
    let children: Vec<_> = orgs
        .iter()
        .map(|org| {
            let token = format!("tok-{org}");
            home.install_given_std(&token, org)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let entry = home.entry(&api.domain()).unwrap();
    let mut stored: Vec<String> = entry["repo_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}={}",
                t["org_name"].as_str().unwrap(),
                t["token"].as_str().unwrap()
            )
        })
        .collect();
    stored.sort();
    let expected: Vec<String> = orgs.iter().map(|o| format!("{o}=tok-{o}")).collect();
    assert_eq!(stored, expected);
    // No temporary files are left behind, and the lock file is in our own folder.
    let names: Vec<String> = std::fs::read_dir(home.keyring_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["keyring"]);
    assert!(home.lock_file(&home.keyring_path()).exists());
}

#[cfg(unix)]
#[test]
fn created_private_and_existing_modes_respected() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts("tok-1");
    home.install_given("tok-1", "acme").assert().success();
    assert_eq!(mode(&home.keyring_path()), 0o600);
    assert_eq!(mode(home.keyring_path().parent().unwrap()), 0o700);
    let token_file = home.conda_token_file(&api.repo_url());
    assert_eq!(mode(&token_file), 0o600);
    assert_eq!(mode(token_file.parent().unwrap()), 0o700);

    // A file the Python tool created with the umask's 0644 is replaced by a 0600 one.
    std::fs::set_permissions(home.keyring_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    assert_eq!(mode(&home.keyring_path()), 0o600);
}

/// What anaconda-auth 0.15.3 writes after `anaconda login` + `anaconda token install` for
/// `acme` (produced with its `TokenInfo.save()` and `json.dump`): we read it and write back
/// exactly the same bytes when nothing changes in the entry.
#[test]
fn python_written_file_is_read_and_rewritten_identically() {
    const PYTHON_FILE: &str = r#"{"Anaconda Cloud": {"anaconda.com": "eyJkb21haW4iOiJhbmFjb25kYS5jb20iLCJhcGlfa2V5IjoiZXlKayIsInJlcG9fdG9rZW5zIjpbeyJ0b2tlbiI6ImFiYyIsIm9yZ19uYW1lIjoiYWNtZSJ9XSwidmVyc2lvbiI6Mn0="}}"#;
    let home = Home::new();
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(home.keyring_path(), PYTHON_FILE).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "list", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    [
      {
        "org_name": "acme",
        "channel_url": "https://repo.anaconda.cloud/repo/acme/*",
        "token": "abc",
        "expires_at": null,
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])"
      }
    ]

    ----- stderr -----
    "#);

    // Uninstall then install the same token again: the entry is the same, byte for byte, but
    // for our expiry field, which a given token does not have.
    let api = Api::start();
    let mut home2 = Home::new();
    home2.set("CONDA_TOKEN_REPO_URL", api.repo_url());
    std::fs::create_dir_all(home2.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(home2.keyring_path(), PYTHON_FILE).unwrap();
    api.repo_accepts("abc");
    home2
        .cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    home2.install_given("abc", "acme").assert().success();
    assert_eq!(
        std::fs::read_to_string(home2.keyring_path()).unwrap(),
        PYTHON_FILE
    );
}

#[test]
fn keyring_path_setting_is_honoured() {
    let api = Api::start();
    let mut home = Home::new();
    let custom = home.path().join("elsewhere").join("kr.json");
    home.set("CONDA_TOKEN_REPO_URL", api.repo_url())
        .set("ANACONDA_AUTH_KEYRING_PATH", custom.to_str().unwrap());
    api.repo_accepts("tok-1");
    home.install_given("tok-1", "acme").assert().success();
    assert!(custom.exists());
    assert!(!home.keyring_path().exists());
    let text = std::fs::read_to_string(&custom).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = decode_entry(file["Anaconda Cloud"]["anaconda.com"].as_str().unwrap());
    assert_eq!(
        entry,
        json!({"domain": "anaconda.com",
               "api_key": anaconda_token::store::token_info::SIGNED_OUT_API_KEY,
               "repo_tokens": [{"token": "tok-1", "org_name": "acme"}], "version": 2})
    );
}

#[test]
fn legacy_domain_entries_are_migrated_on_first_read() {
    let home = Home::new();
    let old = encode_entry(
        &json!({"domain": "anaconda.cloud", "api_key": "k", "repo_tokens": [{"token": "tok-old", "org_name": "acme"}], "version": 1}),
    );
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(
        home.keyring_path(),
        format!(r#"{{"Anaconda Cloud": {{"anaconda.cloud": "{old}", "other.example": "x"}}}}"#),
    )
    .unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────────────┬─────────┬─────────┐
    │ Organization ┆ Channel URL                             ┆ Token   ┆ Expires │
    ╞══════════════╪═════════════════════════════════════════╪═════════╪═════════╡
    │ acme         ┆ https://repo.anaconda.cloud/repo/acme/* ┆ tok-old ┆ -       │
    └──────────────┴─────────────────────────────────────────┴─────────┴─────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.keyring_path()).unwrap()).unwrap();
    let users = file["Anaconda Cloud"].as_object().unwrap();
    assert!(!users.contains_key("anaconda.cloud"), "{file}");
    assert_eq!(users["other.example"], "x");
    let entry = home.entry("anaconda.com").unwrap();
    assert_eq!(entry["domain"], "anaconda.com");
    assert_eq!(entry["version"], 2);
    assert_eq!(entry["api_key"], "k");
}

#[test]
fn entries_from_the_environment_are_read_first_and_never_written() {
    let api = Api::start();
    let mut home = Home::new();
    let env_entry = encode_entry(
        &json!({"domain": api.domain(), "api_key": API_KEY, "repo_tokens": [{"token": "tok-env", "org_name": "ci"}], "version": 2}),
    );
    home.with_api(&api).set(
        "ANACONDA_AUTH_KEYRING",
        json!({"Anaconda Cloud": {api.domain(): env_entry}}).to_string(),
    );
    // The API key comes from the environment's entry.
    api.acme();
    api.will_issue("acme", "tok-new", "2027-01-01T00:00:00Z");
    cmd_snapshot!(home, home.cmd(&["token", "install", "-y", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Only one organization found, automatically selecting: acme
    Your conda token has been installed and expires 2027-01-01 00:00:00+00:00. To view your token(s), you can use anaconda token list
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    ");
    // The new token went to the keyring file; the environment's entry is still what is read
    // first, and both show in the list, each with its store.
    let stored = home.entry(&api.domain()).unwrap();
    assert_eq!(stored["repo_tokens"][0]["token"], "tok-new");
    cmd_snapshot!(home, home.cmd(&["token", "list", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    [
      {
        "org_name": "ci",
        "channel_url": "[API]/repo/ci/*",
        "token": "tok-env",
        "expires_at": null,
        "source": "environment",
        "storage": "the environment (ANACONDA_AUTH_KEYRING)"
      },
      {
        "org_name": "acme",
        "channel_url": "[API]/repo/acme/*",
        "token": "tok-new",
        "expires_at": "2027-01-01T00:00:00+00:00",
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])"
      },
      {
        "org_name": null,
        "channel_url": "[API]/repo/",
        "token": "tok-new",
        "expires_at": null,
        "source": "conda-token-file",
        "storage": "[BINSTAR]/[API]%2Frepo%2F.token"
      }
    ]

    ----- stderr -----
    "#);
}
