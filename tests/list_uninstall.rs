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
    home.write_conda_token(REPO, "tok-b");
    // Keyring rows first, in the entry's order, then conda's token files; no expiry shows '-'.
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────────────┬───────┬────────────┐
    │ Organization ┆ Channel URL                             ┆ Token ┆ Expires    │
    ╞══════════════╪═════════════════════════════════════════╪═══════╪════════════╡
    │ acme         ┆ https://repo.anaconda.cloud/repo/acme/* ┆ tok-a ┆ -          │
    │ beta         ┆ https://repo.anaconda.cloud/repo/beta/* ┆ tok-b ┆ 2027-01-31 │
    │              ┆ https://repo.anaconda.cloud/repo/       ┆ tok-b ┆ -          │
    └──────────────┴─────────────────────────────────────────┴───────┴────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])
    conda token files in [BINSTAR]

    ----- stderr -----
    ");
}

#[cfg(unix)]
#[test]
fn list_names_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    two_tokens(&home);
    std::fs::set_permissions(home.keyring_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────────────┬───────┬────────────┐
    │ Organization ┆ Channel URL                             ┆ Token ┆ Expires    │
    ╞══════════════╪═════════════════════════════════════════╪═══════╪════════════╡
    │ acme         ┆ https://repo.anaconda.cloud/repo/acme/* ┆ tok-a ┆ -          │
    │ beta         ┆ https://repo.anaconda.cloud/repo/beta/* ┆ tok-b ┆ 2027-01-31 │
    └──────────────┴─────────────────────────────────────────┴───────┴────────────┘
    Stored in [HOME]/.anaconda/keyring (plain text file[, MODE])

    ----- stderr -----
    ");
    // The snapshots hide the mode (it follows the umask): this one is set.
    assert!(stdout(&out).contains("(plain text file, mode 0600)"));
}

#[test]
fn list_json() {
    let home = Home::new();
    two_tokens(&home);
    let out = cmd_snapshot!(home, home.cmd(&["token", "list", "--json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    [
      {
        "org_name": "acme",
        "channel_url": "https://repo.anaconda.cloud/repo/acme/*",
        "token": "tok-a",
        "expires_at": null,
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])"
      },
      {
        "org_name": "beta",
        "channel_url": "https://repo.anaconda.cloud/repo/beta/*",
        "token": "tok-b",
        "expires_at": "2027-01-31T00:00:00+00:00",
        "source": "keyring",
        "storage": "[HOME]/.anaconda/keyring (plain text file[, MODE])"
      }
    ]

    ----- stderr -----
    "#);
    let rows: Value = serde_json::from_slice(&out.stdout).expect("list --json prints JSON");
    assert_eq!(rows.as_array().unwrap().len(), 2);
}

#[test]
fn list_nothing_installed() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: No repo tokens are installed. Run anaconda token install.
    ");
    cmd_snapshot!(home, home.cmd(&["token", "list", "--json"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    []

    ----- stderr -----
    ");
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
        cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
        success: true
        exit_code: 0
        ----- stdout -----
        Anaconda Repository Tokens
        ┌──────────────┬──────────────────────┬─────────┬─────────┐
        │ Organization ┆ Channel URL          ┆ Token   ┆ Expires │
        ╞══════════════╪══════════════════════╪═════════╪═════════╡
        │              ┆ https://old.example/ ┆ old-tok ┆ -       │
        └──────────────┴──────────────────────┴─────────┴─────────┘
        conda token files in [HOME]/.local/share/binstar

        ----- stderr -----
        ");
    }
}

#[test]
fn uninstall_one_org_keeps_the_others_and_removes_its_conda_file() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.write_conda_token(REPO, "tok-b");

    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "acme"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: acme
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    let entry = home.entry(DOMAIN).unwrap();
    assert_eq!(entry["repo_tokens"].as_array().unwrap().len(), 1);
    assert_eq!(entry["api_key"], "k", "the login is kept");
    assert!(
        file.exists(),
        "the conda file holds beta's token, not acme's"
    );

    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "--org", "beta"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: beta
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert!(!file.exists(), "the conda file held beta's token");
    assert_eq!(home.entry(DOMAIN).unwrap()["repo_tokens"], json!([]));
}

/// conda's file held the token being uninstalled while another organization stays installed:
/// conda keeps working with that one instead of losing the repository.
#[test]
fn uninstall_one_org_hands_conda_s_file_to_the_one_still_installed() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.write_conda_token(REPO, "tok-b");

    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "beta"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: beta
    conda now uses the token of acme.
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "tok-a");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "acme"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted token for organization: acme
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert!(!file.exists(), "nothing is left to hand it to");
}

#[test]
fn uninstall_all() {
    let home = Home::new();
    two_tokens(&home);
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "--all"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Successfully deleted all repo tokens.
    The token was removed from this machine only: it still works on the server until it expires or is reissued.

    ----- stderr -----
    ");
    assert_eq!(home.entry(DOMAIN).unwrap()["repo_tokens"], json!([]));
}

#[test]
fn uninstall_unknown_org_says_so() {
    let home = Home::new();
    two_tokens(&home);
    let before = std::fs::read(home.keyring_path()).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "nope"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    No token is installed for organization: nope

    ----- stderr -----
    ");
    assert_eq!(std::fs::read(home.keyring_path()).unwrap(), before);
}

#[test]
fn uninstall_needs_a_flag_and_no_login() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&["token", "uninstall"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Must explicitly provide an --org option
    ");
    // Without any keyring entry (never logged in) it still works.
    cmd_snapshot!(home, home.cmd(&["token", "uninstall", "-o", "acme"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    No token is installed for organization: acme

    ----- stderr -----
    ");
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
    let mut all = String::new();
    for content in [
        "{\"Anaconda Cloud\": ",
        "[]",
        "{\"Anaconda Cloud\": {\"anaconda.com\": \"%%%\"}}",
    ] {
        std::fs::write(home.keyring_path(), content).unwrap();
        for args in [&["token", "list"][..], &["token", "uninstall", "--all"][..]] {
            let (text, out) = snapshot::run(&home.filters(), home.cmd(args));
            all.push_str(&format!("=== {args:?} on {content}\n{text}\n"));
            assert!(stderr(&out).lines().count() <= 3, "{}", stderr(&out));
            assert_eq!(
                std::fs::read_to_string(home.keyring_path()).unwrap(),
                content
            );
        }
    }
    insta::assert_snapshot!(all, @r#"
    === ["token", "list"] on {"Anaconda Cloud": 
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.anaconda/keyring is not a valid keyring file: not JSON (line 1, column 19)
    It was left unchanged. Fix or move it (the Python tool would have overwritten it), then try again.

    === ["token", "uninstall", "--all"] on {"Anaconda Cloud": 
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.anaconda/keyring is not a valid keyring file: not JSON (line 1, column 19)
    It was left unchanged. Fix or move it (the Python tool would have overwritten it), then try again.

    === ["token", "list"] on []
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.anaconda/keyring is not a valid keyring file: the top level is not a JSON object
    It was left unchanged. Fix or move it (the Python tool would have overwritten it), then try again.

    === ["token", "uninstall", "--all"] on []
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: [HOME]/.anaconda/keyring is not a valid keyring file: the top level is not a JSON object
    It was left unchanged. Fix or move it (the Python tool would have overwritten it), then try again.

    === ["token", "list"] on {"Anaconda Cloud": {"anaconda.com": "%%%"}}
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The keyring entry for anaconda.com in [HOME]/.anaconda/keyring (plain text file[, MODE]) cannot be read: the entry is not base64.
    It was left unchanged. Remove that entry (or log in again with the Python tool), then try again.

    === ["token", "uninstall", "--all"] on {"Anaconda Cloud": {"anaconda.com": "%%%"}}
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The keyring entry for anaconda.com in [HOME]/.anaconda/keyring (plain text file[, MODE]) cannot be read: the entry is not base64.
    It was left unchanged. Remove that entry (or log in again with the Python tool), then try again.
    "#);
}

#[test]
fn bare_commands_print_help_with_usage_exit_code() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&[]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Anaconda's command line: install and manage organization repository tokens for conda.

    Usage: anaconda [OPTIONS] <COMMAND>

    Commands:
      token       Manage your Anaconda repo tokens
      login       Log in to Anaconda and store an API key
      logout      Log out: remove the stored API key (repository tokens are kept)
      whoami      Show the account you are logged in as
      auth        Authentication commands
      completion  Print a shell completion script (bash, zsh, fish, powershell, elvish)
      help        Print this message or the help of the given subcommand(s)

    Options:
          --at <SITE>  Use the configured site with this name or domain
      -v, --verbose    Print a debug log on stderr (every HTTP request, secrets redacted)
      -V, --version    Print the version and exit
      -h, --help       Print help

    Other commands (anaconda-client's `upload`, `copy`, ... and anaconda-cli-base plugins') are passed
    on, with all their arguments, to the next `anaconda` on PATH.
    ");
    cmd_snapshot!(home, home.cmd(&["token"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Manage your Anaconda repo tokens

    Usage: anaconda token [OPTIONS] <COMMAND>

    Commands:
      list       List all installed repository tokens
      install    Create and install a new repository token
      reissue    Issue a new token for an organization, revoking the current one, and install it
      sync       Extend the organization's token to its renewed subscription
      config     Configure conda's default channels to access Anaconda's premium repository
      uninstall  Uninstall a repository token for a specific organization
      set        Install a new repository token
      remove     Remove binstar token and data from Keyring
      setup      Give an installed token to other package managers (pixi, mamba, conda), issuing nothing
      help       Print this message or the help of the given subcommand(s)

    Options:
          --at <SITE>  Use the configured site with this name or domain
      -v, --verbose    Print a debug log on stderr (every HTTP request, secrets redacted)
      -h, --help       Print help
    ");
    cmd_snapshot!(home, home.cmd(&["token", "install", "--bogus"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unexpected argument '--bogus' found

      tip: to pass '--bogus' as a value, use '-- --bogus'

    Usage: anaconda token install [OPTIONS] [TOKEN]

    For more information, try '--help'.
    ");
    home.cmd(&["-V"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("anaconda "));
}

#[test]
fn uninstall_all_removes_our_conda_file_but_not_someone_elses() {
    let home = Home::new();
    two_tokens(&home);
    let file = home.write_conda_token(REPO, "tok-a");
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
    let (home, api) = setup_without_key();
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
    home.write_conda_token(url, "tok-m");
    let mut all = String::new();
    for args in [&["token", "list"][..], &["token", "list", "--json"][..]] {
        let (text, out) = snapshot::run(&home.filters(), home.cmd(args));
        all.push_str(&format!("=== {args:?}\n{text}\n"));
        assert!(!stdout(&out).contains("pw-s3cret@"), "{}", stdout(&out));
    }
    insta::assert_snapshot!(all, @r#"
    === ["token", "list"]
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬───────────────────────────────────────────────┬───────┬─────────┐
    │ Organization ┆ Channel URL                                   ┆ Token ┆ Expires │
    ╞══════════════╪═══════════════════════════════════════════════╪═══════╪═════════╡
    │              ┆ https://alice:<redacted>@mirror.example/repo/ ┆ tok-m ┆ -       │
    └──────────────┴───────────────────────────────────────────────┴───────┴─────────┘
    conda token files in [BINSTAR]

    ----- stderr -----

    === ["token", "list", "--json"]
    success: true
    exit_code: 0
    ----- stdout -----
    [
      {
        "org_name": null,
        "channel_url": "https://alice:<redacted>@mirror.example/repo/",
        "token": "tok-m",
        "expires_at": null,
        "source": "conda-token-file",
        "storage": "[BINSTAR]/https%3A%2F%2Falice%3Apw-s3cret%40mirror.example%2Frepo%2F.token"
      }
    ]

    ----- stderr -----
    "#);
}
