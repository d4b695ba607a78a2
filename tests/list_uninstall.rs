//! `anaconda token list` and `anaconda token uninstall`, offline, on files written the way the
//! Python tool writes them.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::{Value, json};

const DOMAIN: &str = "anaconda.com";
const REPO: &str = "https://repo.anaconda.cloud/repo/";

/// An entry as the Python tool leaves it after installing two organizations (no expiry), plus
/// one of ours with an expiry.
fn two_tokens(home: &Home) {
    home.write_entry(
        DOMAIN,
        &json!({"domain": DOMAIN, "api_key": "k", "repo_tokens": [
            {"token": "tok-a", "org_name": "acme"},
            {"token": "tok-b", "org_name": "beta", "expires_at": "2027-01-31T00:00:00+00:00"}
        ], "version": 2}),
    );
}

#[test]
fn list_shows_keyring_rows_then_conda_token_files() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.conda_token_file(REPO);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "tok-b").unwrap();
    let out = home.cmd(&["token", "list"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Anaconda Repository Tokens\n"), "{text}");
    for column in ["Organization", "Channel URL", "Token", "Expires"] {
        assert!(text.contains(column), "{text}");
    }
    let acme = text
        .lines()
        .position(|l| {
            l.contains("acme") && l.contains(&format!("{REPO}acme/*")) && l.contains("tok-a")
        })
        .expect(&text);
    let beta = text
        .lines()
        .position(|l| l.contains("beta") && l.contains("tok-b") && l.contains("2027-01-31"))
        .expect(&text);
    let conda = text
        .lines()
        .position(|l| l.contains(REPO) && !l.contains("/*") && l.contains("tok-b"))
        .expect(&text);
    assert!(acme < beta && beta < conda, "{text}");
    assert!(
        text.lines().nth(acme).unwrap().contains(" - "),
        "no expiry shows '-': {text}"
    );
    let keyring = home.keyring_path();
    assert!(
        text.contains(&format!("Stored in {}", keyring.display())),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn list_names_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    two_tokens(&home);
    std::fs::set_permissions(home.keyring_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    home.cmd(&["token", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("(plain text file, mode 0600)"));
}

#[test]
fn list_json() {
    let home = Home::new();
    two_tokens(&home);
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["org_name"], "acme");
    assert_eq!(rows[0]["channel_url"], format!("{REPO}acme/*"));
    assert_eq!(rows[0]["token"], "tok-a");
    assert_eq!(rows[0]["expires_at"], Value::Null);
    assert_eq!(rows[0]["source"], "keyring");
    assert_eq!(rows[1]["expires_at"], "2027-01-31T00:00:00+00:00");
    assert!(rows[1]["storage"].as_str().unwrap().contains("keyring"));
}

#[test]
fn list_nothing_installed() {
    let home = Home::new();
    home.cmd(&["token", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "No repo tokens are installed. Run anaconda token install.",
        ));
    home.cmd(&["token", "list", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn list_reads_legacy_conda_token_folder() {
    let home = Home::new();
    let legacy = home.path().join(".local/share/binstar");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::write(
        legacy.join("https%3A%2F%2Fold.example%2F.token"),
        "old-tok\n",
    )
    .unwrap();
    if cfg!(target_os = "linux") {
        home.cmd(&["token", "list"]).assert().success().stdout(
            predicate::str::contains("https://old.example/")
                .and(predicate::str::contains("old-tok")),
        );
    }
}

#[test]
fn uninstall_one_org_keeps_the_others_and_removes_its_conda_file() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.conda_token_file(REPO);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "tok-b").unwrap();

    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Successfully deleted token for organization: acme",
        ))
        .stdout(predicate::str::contains("removed from this machine only"));
    let entry = home.entry(DOMAIN).unwrap();
    assert_eq!(entry["repo_tokens"].as_array().unwrap().len(), 1);
    assert_eq!(entry["api_key"], "k", "the login is kept");
    assert!(
        file.exists(),
        "the conda file holds beta's token, not acme's"
    );

    home.cmd(&["token", "uninstall", "--org", "beta"])
        .assert()
        .success();
    assert!(!file.exists(), "the conda file held beta's token");
    assert_eq!(home.entry(DOMAIN).unwrap()["repo_tokens"], json!([]));
}

/// conda's file held the token being uninstalled while another organization stays installed:
/// conda keeps working with that one instead of losing the repository.
#[test]
fn uninstall_one_org_hands_conda_s_file_to_the_one_still_installed() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.conda_token_file(REPO);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "tok-b").unwrap();

    home.cmd(&["token", "uninstall", "-o", "beta"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Successfully deleted token for organization: beta\nconda now uses the token of acme.\n",
        ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "tok-a");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("conda now uses").not());
    assert!(!file.exists(), "nothing is left to hand it to");
}

#[test]
fn uninstall_all() {
    let home = Home::new();
    two_tokens(&home);
    home.cmd(&["token", "uninstall", "--all"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Successfully deleted all repo tokens.",
        ));
    assert_eq!(home.entry(DOMAIN).unwrap()["repo_tokens"], json!([]));
}

#[test]
fn uninstall_unknown_org_says_so() {
    let home = Home::new();
    two_tokens(&home);
    let before = std::fs::read(home.keyring_path()).unwrap();
    home.cmd(&["token", "uninstall", "-o", "nope"])
        .assert()
        .success()
        .stdout("No token is installed for organization: nope\n");
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}

#[test]
fn uninstall_needs_a_flag_and_no_login() {
    let home = Home::new();
    home.cmd(&["token", "uninstall"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "Must explicitly provide an --org option",
        ));
    // Without any keyring entry (never logged in) it still works.
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    assert!(!home.keyring_path().exists());
}

#[test]
fn keyring_entries_of_other_services_and_domains_are_preserved_byte_for_byte() {
    let home = Home::new();
    let ours = encode_entry(
        &json!({"domain": DOMAIN, "repo_tokens": [{"token": "tok-a", "org_name": "acme"}], "version": 2}),
    );
    let other = encode_entry(&json!({"domain": "other.example", "repo_tokens": [], "version": 2}));
    let original = format!(
        r#"{{"Other App": {{"me": "p\u00e4ss"}}, "Anaconda Cloud": {{"other.example": "{other}", "anaconda.com": "{ours}"}}}}"#
    );
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(home.keyring_path(), &original).unwrap();
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();
    let after = std::fs::read_to_string(home.keyring_path()).unwrap();
    // Nothing was left in our entry (no login, no token): it is removed, as the Python
    // tool's logout removes it; everything else is as it was.
    assert_eq!(
        after,
        original.replace(&format!(r#", "anaconda.com": "{ours}""#), "")
    );
}

#[test]
fn corrupt_keyring_file_is_an_error_and_left_unchanged() {
    let home = Home::new();
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    for content in [
        "{\"Anaconda Cloud\": ",
        "[]",
        "{\"Anaconda Cloud\": {\"anaconda.com\": \"%%%\"}}",
    ] {
        std::fs::write(home.keyring_path(), content).unwrap();
        for args in [&["token", "list"][..], &["token", "uninstall", "--all"][..]] {
            let out = home.cmd(args).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{args:?} {content}");
            let err = stderr(&out);
            assert!(
                err.contains(&home.keyring_path().display().to_string()),
                "{err}"
            );
            assert!(err.lines().count() <= 3, "{err}");
            assert_eq!(
                std::fs::read_to_string(home.keyring_path()).unwrap(),
                content
            );
        }
    }
}

#[test]
fn bare_commands_print_help_with_usage_exit_code() {
    let home = Home::new();
    home.cmd(&[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage"));
    home.cmd(&["token"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("install"));
    home.cmd(&["token", "install", "--bogus"]).assert().code(2);
    home.cmd(&["-V"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("anaconda "));
}

#[test]
fn uninstall_all_removes_our_conda_file_but_not_someone_elses() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.conda_token_file(REPO);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "tok-a").unwrap();
    home.cmd(&["token", "uninstall", "--all"])
        .assert()
        .success();
    assert!(!file.exists());

    two_tokens(&home);
    std::fs::write(&file, "someone-elses-token").unwrap();
    home.cmd(&["token", "uninstall", "--all"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "someone-elses-token"
    );
}

#[cfg(unix)]
#[test]
fn symlinked_files_are_written_through_the_link() {
    let home = Home::new();
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::write(dotfiles.join("condarc"), "channels: [defaults]\n").unwrap();
    std::os::unix::fs::symlink(dotfiles.join("condarc"), home.condarc_path()).unwrap();
    two_tokens(&home);
    std::fs::rename(home.keyring_path(), dotfiles.join("keyring")).unwrap();
    std::os::unix::fs::symlink(dotfiles.join("keyring"), home.keyring_path()).unwrap();

    home.cmd(&["token", "config", "--force"]).assert().success();
    home.cmd(&["token", "uninstall", "-o", "acme"])
        .assert()
        .success();

    for (link, target) in [
        (home.condarc_path(), "condarc"),
        (home.keyring_path(), "keyring"),
    ] {
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{target}"
        );
        assert_eq!(std::fs::read_link(&link).unwrap(), dotfiles.join(target));
    }
    assert!(
        std::fs::read_to_string(dotfiles.join("condarc"))
            .unwrap()
            .contains("default_channels:")
    );
    assert_eq!(
        home.entry(DOMAIN).unwrap()["repo_tokens"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The race a parallel `install` could lose: `uninstall` read conda's token file (the old
/// token), `install` wrote its new token, `uninstall` removed the file. The file is now read
/// under the lock under which it is removed, so the new token stays.
#[test]
fn uninstall_reads_the_token_file_under_the_lock_it_removes_it_under() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts("tok-old");
    home.install_given("tok-old", "acme").assert().success();
    let file = home.conda_token_file(&api.repo_url());
    // Hold the token file's lock, as an install about to write it would.
    let lock = std::fs::File::options()
        .read(true)
        .write(true)
        .open(home.lock_file(&file))
        .unwrap();
    lock.lock().unwrap();
    let child = home
        .std_cmd(&["token", "uninstall", "-o", "acme"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // The parallel install writes its new token, then lets go.
    std::fs::write(&file, "tok-new").unwrap();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "tok-new");
}

/// A conda token file for a URL with a password (a mirror's basic auth): `list` shows the token,
/// which is what it is for, but not the password in the URL. (The file's own path, shown as
/// where the token is stored, is conda's percent-encoded name for that URL.)
#[test]
fn list_does_not_show_passwords_in_urls() {
    let home = Home::new();
    let url = "https://alice:pw-s3cret@mirror.example/repo/";
    let file = home.conda_token_file(url);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "tok-m").unwrap();
    for args in [&["token", "list"][..], &["token", "list", "--json"][..]] {
        let out = home.cmd(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains("pw-s3cret@"), "{text}");
        assert!(
            text.contains("alice:<redacted>@mirror.example") && text.contains("tok-m"),
            "{text}"
        );
    }
}
