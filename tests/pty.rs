//! Prompts on a real pseudo-terminal: the organization picker (arrow keys) and the reissue and
//! `.condarc` confirmations.
#![cfg(unix)]

mod common;

use common::*;

#[test]
fn picker_and_confirmations_on_a_terminal() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key().set("TERM", "xterm");
    api.organizations(&[
        (ACME_ID, "acme", "Acme Inc.", "commercial_subscription"),
        (BETA_ID, "beta", "Beta Corp", "commercial_subscription"),
    ]);
    api.current_token("beta", Some("2026-12-31T00:00:00Z"));
    api.issue("beta", "tok-beta", "2027-01-31T00:00:00Z");
    api.repo_accepts("tok-beta");

    let cmd = home.std_cmd(&["token", "install"]);
    let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    session
        .exp_string("Please select an organization:")
        .unwrap();
    session.exp_string("Beta Corp (beta)").unwrap();
    // Give the list a moment to switch the terminal to raw mode before typing.
    std::thread::sleep(std::time::Duration::from_millis(500));
    session.send("\x1b[B").unwrap(); // arrow down to the second organization
    session.flush().unwrap();
    // The list is drawn again with the second organization marked: the key was read.
    session.exp_string("> Beta Corp (beta)").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    session.send("\r").unwrap();
    session.flush().unwrap();
    session
        .exp_string("An existing token already exists for the organization")
        .unwrap();
    session.exp_string("Proceed? [y/n] (n): ").unwrap();
    session.send_line("y").unwrap();
    session
        .exp_string("Your conda token has been installed and expires")
        .unwrap();
    session
        .exp_string("Prepared to set default channels in .condarc.")
        .unwrap();
    session.exp_string("Proceed? [y/n] (n): ").unwrap();
    session.send_line("n").unwrap();
    session
        .exp_string("Success! Your token has been installed and validated.")
        .unwrap();
    session.exp_eof().unwrap();

    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["repo_tokens"][0]["org_name"], "beta");
    assert!(
        !home.condarc_path().exists(),
        "the user declined the .condarc change"
    );
}

/// Ctrl-C at the list (raw mode, cursor hidden) and at the hidden token prompt (echo off): the
/// terminal is put back and the exit code is 130.
#[test]
fn ctrl_c_at_a_prompt_restores_the_terminal_and_exits_130() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key().set("TERM", "xterm");
    api.organizations(&[
        (ACME_ID, "acme", "Acme Inc.", "commercial_subscription"),
        (BETA_ID, "beta", "Beta Corp", "commercial_subscription"),
    ]);
    for (args, shown) in [
        (&["token", "install"][..], "Beta Corp (beta)"),
        (&["token", "install", "-", "-o", "acme"][..], "Token"),
    ] {
        let cmd = home.std_cmd(args);
        let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        session.exp_string(shown).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        session.send_control('c').unwrap();
        session.flush().unwrap();
        // The cursor is shown again on the way out.
        session.exp_string("\x1b[?25h").unwrap();
        let status = session.process().wait().unwrap();
        assert!(
            matches!(status, rexpect::process::WaitStatus::Exited(_, 130)),
            "{args:?}: {status:?}"
        );
        assert!(home.entry(&api.domain()).is_none());
    }
}
