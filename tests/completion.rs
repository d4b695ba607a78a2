//! Shell completions and the man page, generated from the command line definitions.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn completion_scripts_for_each_shell() {
    let home = Home::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef anaconda"),
        ("fish", "complete -c anaconda"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        home.cmd(&["completion", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker).and(predicate::str::contains("install")));
    }
    home.cmd(&["completion", "tcsh"]).assert().code(2);
}

#[test]
fn man_page() {
    let home = Home::new();
    home.cmd(&["man"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie").or(predicate::str::contains(".TH anaconda")));
}

#[test]
fn work_whatever_the_configuration_says() {
    let mut home = Home::new();
    std::fs::create_dir_all(home.path().join(".anaconda")).unwrap();
    std::fs::write(home.path().join(".anaconda/config.toml"), "not = [toml").unwrap();
    home.set("ANACONDA_DEFAULT_SITE", "nowhere");
    home.cmd(&["completion", "bash"]).assert().success();
    home.cmd(&["man"]).assert().success();
    home.cmd(&["token", "list"]).assert().code(1);
}

/// On Unix the write fails with EPIPE; on Windows with ERROR_NO_DATA: both are BrokenPipe.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let home = Home::new();
    let mut child = home
        .std_cmd(&["man"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then close the pipe
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
