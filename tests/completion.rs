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
