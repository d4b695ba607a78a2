//! Commands we don't have (anaconda-client's `upload` & co) go to the next `anaconda` on PATH,
//! with their arguments, stdin, stdout, stderr and exit code unchanged.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

/// An `anaconda` that prints each argument in brackets, copies stdin with `cat`, writes to
/// stderr, and exits with `$2` when called as `fail N`.
const FAKE: &str = r#"#!/bin/sh
for arg in "$@"; do printf '[%s]\n' "$arg"; done
echo "fake anaconda on stderr" >&2
case "$1" in
  cat) cat ;;
  fail) exit "$2" ;;
esac
exit 0
"#;

fn script(dir: &Path, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("anaconda");
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// PATH: a symlink to us, our own folder, then the fake `anaconda`, then the system.
fn home_with_fake() -> Home {
    let mut home = Home::new();
    let us = PathBuf::from(assert_cmd::cargo::cargo_bin!("anaconda"));
    let link_dir = home.path().join("link-bin");
    std::fs::create_dir_all(&link_dir).unwrap();
    std::os::unix::fs::symlink(&us, link_dir.join("anaconda")).unwrap();
    let fake_dir = home.path().join("fake-bin");
    script(&fake_dir, FAKE);
    home.set(
        "PATH",
        format!(
            "{}:{}:{}:/usr/bin:/bin",
            link_dir.display(),
            us.parent().unwrap().display(),
            fake_dir.display()
        ),
    );
    home
}

#[test]
fn arguments_with_spaces_reach_the_other_anaconda_intact() {
    let home = home_with_fake();
    let output = home
        .cmd(&["upload", "my file.conda", "", "--label", "a  b", "-v"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "[upload]\n[my file.conda]\n[]\n[--label]\n[a  b]\n[-v]\n"
    );
    assert_eq!(stderr(&output), "fake anaconda on stderr\n");
}

#[test]
fn global_options_before_the_command_are_passed_on_too() {
    let home = home_with_fake();
    let output = home
        .cmd(&["-t", "TOKEN", "--site", "x", "copy", "a/b/1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "[-t]\n[TOKEN]\n[--site]\n[x]\n[copy]\n[a/b/1]\n"
    );
}

#[test]
fn stdin_is_passed_through() {
    let home = home_with_fake();
    home.cmd(&["cat"])
        .write_stdin("line one\nline two\n")
        .assert()
        .success()
        .stdout("[cat]\nline one\nline two\n");
}

#[test]
fn the_exit_code_is_passed_through() {
    let home = home_with_fake();
    for code in [1, 3, 42] {
        let output = home.cmd(&["fail", &code.to_string()]).output().unwrap();
        assert_eq!(output.status.code(), Some(code));
    }
}

#[test]
fn our_own_commands_are_not_passed_on() {
    let home = home_with_fake();
    let output = home.cmd(&["token", "list", "--json"]).output().unwrap();
    assert_eq!(stdout(&output), "[]\n", "{}", stderr(&output));
    assert!(!stderr(&output).contains("fake anaconda"));
}

#[test]
fn a_wrapper_that_runs_us_again_is_not_run_twice() {
    let mut home = Home::new();
    let us = PathBuf::from(assert_cmd::cargo::cargo_bin!("anaconda"));
    let wrapper_dir = home.path().join("wrapper-bin");
    // A copy of us would not be recognised by its path: the chain variable stops the loop.
    script(
        &wrapper_dir,
        &format!("#!/bin/sh\nexec '{}' \"$@\"\n", us.display()),
    );
    home.set("PATH", format!("{}:/usr/bin:/bin", wrapper_dir.display()));
    let output = home.cmd(&["upload", "x"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("anaconda-client"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn none_found_exits_2_naming_the_package() {
    let mut home = Home::new();
    let us = PathBuf::from(assert_cmd::cargo::cargo_bin!("anaconda"));
    // Only ourselves on PATH.
    home.set(
        "PATH",
        format!("{}:/usr/bin:/bin", us.parent().unwrap().display()),
    );
    for command in [
        "upload", "copy", "move", "label", "package", "channel", "groups", "show", "search",
        "config", "org",
    ] {
        let output = home.cmd(&[command, "arg"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}");
        let err = stderr(&output);
        assert!(
            err.contains(&format!(
                "`anaconda {command}` is a command of anaconda-client"
            )),
            "{err}"
        );
        assert!(err.contains("conda install anaconda-client"), "{err}");
        assert!(err.contains("pip install anaconda-client"), "{err}");
        assert!(stdout(&output).is_empty());
    }
    let output = home.cmd(&["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`frobnicate` is not a command of this tool"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_says_other_commands_are_passed_on() {
    let home = Home::new();
    let output = home.cmd(&["--help"]).output().unwrap();
    assert!(output.status.success());
    // The help is wrapped: compare words.
    let words = stdout(&output)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("are passed on, with all their arguments, to the next `anaconda` on PATH"),
        "{words}"
    );
}

#[test]
fn conda_token_does_not_pass_on() {
    let home = home_with_fake();
    let output = home.conda_token(&["upload", "x"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!stdout(&output).contains("[upload]"));
}
