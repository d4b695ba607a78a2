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
    // One colon: dialoguer adds its own after the prompt.
    let (_, prompt) = session
        .exp_regex("Please select an organization:+")
        .unwrap();
    assert_eq!(prompt, "Please select an organization:");
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

/// `cmd` run on a terminal `cols` wide: `stty` sizes the pseudo-terminal before the binary
/// starts, so the size it reads is the one set.
fn on_terminal_of(cmd: std::process::Command, cols: usize) -> std::process::Command {
    let mut sized = std::process::Command::new("/bin/sh");
    sized
        .arg("-c")
        .arg(format!("stty cols {cols} rows 60 && exec \"$0\" \"$@\""))
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            sized.env(key, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        sized.current_dir(dir);
    }
    sized
}

/// The text without colour escapes and carriage returns.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-letter.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

const LONG_TOKENS: [&str; 2] = [
    "9f3a1c0de8b54b7a8c2e6f1d0b9a7e5c4d3b2a1f0e9d8c7b",
    "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
];

/// Two organizations' tokens as long as the service's, and a conda token file.
fn long_tokens(home: &Home) {
    home.write_entry(
        "anaconda.com",
        &serde_json::json!({"domain": "anaconda.com", "api_key": "k", "repo_tokens": [
            {"token": LONG_TOKENS[0], "org_name": "acme"},
            {"token": LONG_TOKENS[1], "org_name": "beta-corporation",
             "expires_at": "2027-01-31T00:00:00+00:00"}
        ], "version": 2}),
    );
    let file = home.conda_token_file("https://repo.anaconda.cloud/repo/");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, LONG_TOKENS[0]).unwrap();
}

fn list_on_terminal(home: &Home, cols: usize) -> String {
    let cmd = on_terminal_of(home.std_cmd(&["token", "list"]), cols);
    let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    plain(&session.exp_eof().unwrap())
}

#[test]
fn token_list_fits_80_and_60_columns_with_every_token_whole() {
    let mut home = Home::new();
    home.set("TERM", "xterm");
    long_tokens(&home);
    for cols in [80, 60] {
        let text = list_on_terminal(&home, cols);
        assert!(text.contains("Anaconda Repository Tokens"), "{text}");
        for line in text.lines() {
            assert!(
                line.chars().count() <= cols,
                "{cols} columns, line of {}: {line:?}\n{text}",
                line.chars().count()
            );
        }
        for token in LONG_TOKENS {
            assert!(
                text.lines().any(|l| {
                    let l = l.trim();
                    l == token || l.strip_prefix("Token: ") == Some(token)
                }),
                "{cols} columns: {token} is not whole on a line\n{text}"
            );
        }
        // One field per line: the table did not fit.
        assert!(text.contains("\nacme\n"), "{text}");
        assert!(!text.contains("Organization"), "{text}");
    }
}

#[test]
fn token_list_keeps_the_table_on_a_wide_terminal() {
    let mut home = Home::new();
    home.set("TERM", "xterm");
    long_tokens(&home);
    let text = list_on_terminal(&home, 200);
    assert!(text.contains("Organization"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("acme") && l.contains(LONG_TOKENS[0])),
        "{text}"
    );
}
