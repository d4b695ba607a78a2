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
    cmd_snapshot!(home, home.cmd(&["upload", "my file.conda", "", "--label", "a  b", "-v"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [upload]
    [my file.conda]
    []
    [--label]
    [a  b]
    [-v]

    ----- stderr -----
    fake anaconda on stderr
    ");
}

#[test]
fn global_options_before_the_command_are_passed_on_too() {
    let home = home_with_fake();
    cmd_snapshot!(home, home.cmd(&["-t", "TOKEN", "--site", "x", "copy", "a/b/1"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [-t]
    [TOKEN]
    [--site]
    [x]
    [copy]
    [a/b/1]

    ----- stderr -----
    fake anaconda on stderr
    ");
}

#[test]
fn stdin_is_passed_through() {
    let home = home_with_fake();
    cmd_snapshot!(home, home.cmd(&["cat"]).write_stdin("line one\nline two\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [cat]
    line one
    line two

    ----- stderr -----
    fake anaconda on stderr
    ");
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
    cmd_snapshot!(home, home.cmd(&["token", "list", "--json"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    []

    ----- stderr -----
    ");
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
    cmd_snapshot!(home, home.cmd(&["upload", "x"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Error: `anaconda upload` is a command of anaconda-client, and no other `anaconda` on PATH provides it.
    Install anaconda-client (`conda install anaconda-client` or `pip install anaconda-client`), then run it again.
    ");
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
    // Each says the same but for its name.
    for command in [
        "upload", "copy", "move", "label", "package", "channel", "groups", "show", "search",
        "config", "org",
    ] {
        let mut filters = home.filters();
        filters.pattern(&format!("`anaconda {command}`"), "`anaconda [COMMAND]`");
        let (text, _) = snapshot::run(&filters, home.cmd(&[command, "arg"]));
        insta::allow_duplicates! {
            insta::assert_snapshot!(text, @"
            success: false
            exit_code: 2
            ----- stdout -----

            ----- stderr -----
            Error: `anaconda [COMMAND]` is a command of anaconda-client, and no other `anaconda` on PATH provides it.
            Install anaconda-client (`conda install anaconda-client` or `pip install anaconda-client`), then run it again.
            ");
        }
    }
    cmd_snapshot!(home, home.cmd(&["frobnicate"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    Error: `frobnicate` is not a command of this tool, and no other `anaconda` on PATH provides it.
    Run `anaconda --help` for this tool's commands; others come from anaconda-client (`conda install anaconda-client`) and anaconda-cli-base plugins.
    ");
}

#[test]
fn help_says_other_commands_are_passed_on() {
    let home = Home::new();
    let output = home.cmd(&["--help"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // The help's last paragraph (the whole help is in list_uninstall's snapshot of `anaconda`).
    let help = stdout(&output);
    let last = help.trim_end().rsplit("\n\n").next().unwrap();
    insta::assert_snapshot!(last, @"
    Other commands (anaconda-client's `upload`, `copy`, ... and anaconda-cli-base plugins') are passed
    on, with all their arguments, to the next `anaconda` on PATH.
    ");
}

#[test]
fn conda_token_does_not_pass_on() {
    let home = home_with_fake();
    cmd_snapshot!(home, home.conda_token(&["upload", "x"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unrecognized subcommand 'upload'

    Usage: conda-token [COMMAND]

    For more information, try '--help'.
    ");
}
