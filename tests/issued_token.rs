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
#[cfg(target_os = "linux")]
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
        let out = home
            .cmd(&["token", "install", "-y", "--no-set-default-channels"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN), "{what}");
        assert_eq!(
            std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
            TOKEN,
            "{what}"
        );
        assert!(err.contains("could not be validated"), "{what}: {err}");
        assert!(err.contains("anaconda token list --check"), "{what}: {err}");
        assert!(!stdout(&out).contains("Success!"), "{what}");
        assert!(
            !stdout(&out).contains(TOKEN) && !err.contains(TOKEN),
            "{what}"
        );
        assert_eq!(api.puts(), 1, "{what}");
    }
}

#[test]
fn a_definite_rejection_of_an_issued_token_says_it_was_issued_not_typed() {
    for status in [401, 403, 404] {
        let (home, api) = acme_without_token();
        api.issue("acme", TOKEN, EXPIRES);
        api.repo_answers(TOKEN, status);
        let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("refused the token just issued for acme"),
            "{err}"
        );
        assert!(err.contains(&format!("HTTP {status}")), "{err}");
        assert!(!err.contains("typed"), "{err}");
        assert!(stored_token(&home, &api).is_none());
    }
}

#[test]
fn an_empty_or_unusable_token_from_the_service_is_an_error() {
    for bad in [
        json!(""),
        json!("\n"),
        json!("a/b"),
        json!("tok en"),
        json!(null),
    ] {
        let (home, api) = acme_without_token();
        api.mount(Mock::given(method("PUT")).and(path(PUT_PATH)).respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"token": bad, "expires_at": EXPIRES})),
        ));
        let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert!(err.contains("Unexpected answer from"), "{bad}: {err}");
        assert!(err.contains("may already be revoked"), "{bad}: {err}");
        assert!(!stdout(&out).contains("installed"), "{bad}");
        assert!(
            !api.requests().iter().any(|(m, _)| m == "HEAD"),
            "{bad}: validated"
        );
    }
}

#[test]
fn a_final_newline_is_dropped_so_the_same_bytes_are_validated_and_stored() {
    let (home, api) = acme_without_token();
    api.mount(
        Mock::given(method("PUT")).and(path(PUT_PATH)).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": format!("{TOKEN}\r\n"), "expires_at": 1801353600})),
        ),
    );
    api.repo_accepts(TOKEN);
    let out = home
        .cmd(&["token", "install", "-y", "--no-set-default-channels"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
    // An integer expiry (epoch seconds) is read, not an error after the PUT.
    assert!(
        stdout(&out).contains("expires 2027-01-31 00:00:00+00:00"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_unknown_organization_does_not_say_the_token_may_be_revoked() {
    let (home, api) = acme_without_token();
    api.current_token("nope", None);
    api.fail("PUT", "/api/organizations/nope/ce/current-token", 404);
    let out = home
        .cmd(&["token", "install", "-o", "nope", "-y"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("There is no organization nope"), "{err}");
    assert!(!err.contains("revoked"), "{err}");
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
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("another process has held the lock"), "{err}");
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
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let below = std::path::Path::new("a-file").join("home");
    assert!(err.contains(&*below.to_string_lossy()), "{err}");
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
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
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
    let out = home.cmd(&["token", "install", "-y"]).output().unwrap();
    run_ok("chattr", &["-i", home.keyring_path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("immutable"), "{err}");
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
    for (what, break_it, mend) in cases {
        let (home, api) = acme_without_token();
        let Some(fs) = anaconda_tmpfs(&home) else {
            return;
        };
        let fs = std::sync::Arc::new(fs);
        let broken = std::sync::Arc::clone(&fs);
        issue_then(&api, move || break_it(&broken));
        api.repo_accepts(TOKEN);
        let out = home
            .cmd(&["token", "install", "-y", "--no-set-default-channels"])
            .output()
            .unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert_eq!(text.matches(TOKEN).count(), 1, "{what}: {text}");
        assert!(
            text.contains(&format!("New repository token for acme: {TOKEN}")),
            "{what}: {text}"
        );
        assert!(!err.contains(TOKEN), "{what}: {err}");
        assert!(
            err.contains("anaconda token install - --org acme"),
            "{what}: {err}"
        );
        assert!(!text.contains("Success!"), "{what}");

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
}

#[test]
fn reissue_keeps_the_token_when_the_repository_cannot_answer() {
    let (home, api) = acme_without_token();
    api.issue("acme", TOKEN, EXPIRES);
    api.repo_answers(TOKEN, 502);
    let out = home.reissue_yes("acme").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stored_token(&home, &api).as_deref(), Some(TOKEN));
}
