//! On a real pseudo-terminal: the organization picker (arrow keys) and the reissue and
//! `.condarc` confirmations, `token list` at 80 and 60 columns, and the spinner of slow waits.
#![cfg(unix)]

mod common;

use common::*;

/// An xterm, signed in, with two business organizations to pick from: acme and beta.
fn two_orgs_on_a_terminal() -> (Home, Api) {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).with_env_key().set("TERM", "xterm");
    api.organizations(&[
        (ACME_ID, "acme", "Acme Inc.", "commercial_subscription"),
        (BETA_ID, "beta", "Beta Corp", "commercial_subscription"),
    ]);
    (home, api)
}

#[test]
fn picker_and_confirmations_on_a_terminal() {
    let (home, api) = two_orgs_on_a_terminal();
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
    // The whole list is drawn: the key is typed now. Should it arrive before the list has
    // switched the terminal to raw mode, the terminal keeps it until the list reads.
    session.exp_string("Beta Corp (beta)").unwrap();
    session.send("\x1b[B").unwrap(); // arrow down to the second organization
    session.flush().unwrap();
    // The list is drawn again with the second organization marked: the key was read.
    session.exp_string("> Beta Corp (beta)").unwrap();
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
    let (home, api) = two_orgs_on_a_terminal();
    for (args, shown) in [
        (&["token", "install"][..], "Beta Corp (beta)"),
        (&["token", "install", "-", "-o", "acme"][..], "Token"),
    ] {
        let cmd = home.std_cmd(args);
        let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        // The prompt is shown, so the Ctrl-C handler is in place (it is installed before the
        // prompt is drawn); raw mode or not, Ctrl-C ends the prompt the same way.
        session.exp_string(shown).unwrap();
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
    home.write_conda_token("https://repo.anaconda.cloud/repo/", LONG_TOKENS[0]);
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

/// `/api/account` answers after 1.5 s: three times the wait before the spinner shows.
fn slow_account(api: &Api) {
    use wiremock::matchers::{method, path};
    api.mount(
        wiremock::Mock::given(method("GET"))
            .and(path("/api/account"))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"user": {"id": "u-1"}, "subscriptions": []}))
                    .set_delay(std::time::Duration::from_millis(1500)),
            ),
    );
}

fn slow_whoami_home(api: &Api) -> Home {
    let mut home = Home::new();
    home.with_api(api).with_env_key().set("TERM", "xterm");
    slow_account(api);
    home
}

/// Everything the command wrote to the terminal (stdout and stderr share it). rexpect reads
/// bytes as Latin-1: a braille frame (U+28xx, E2 A0..A3 xx in UTF-8) shows as "\u{e2}\u{a0}…".
fn terminal_output(cmd: std::process::Command) -> String {
    let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    session.exp_eof().unwrap()
}

fn has_spinner(text: &str) -> bool {
    let braille = |c: char| ('\u{2800}'..='\u{28ff}').contains(&c);
    let latin1_braille = text
        .chars()
        .zip(text.chars().skip(1))
        .any(|(a, b)| a == '\u{e2}' && ('\u{a0}'..='\u{a3}').contains(&b));
    text.contains("Waiting for") || text.chars().any(braille) || latin1_braille
}

#[test]
fn a_slow_request_shows_a_spinner_on_a_terminal() {
    let api = Api::start();
    let home = slow_whoami_home(&api);
    let cmd = home.std_cmd(&["whoami"]);
    let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    // What it waits for, with a spinner frame before it.
    let (_, shown) = session
        .exp_regex(r"\x{e2}[\x{a0}-\x{a3}]. Waiting for 127\.0\.0\.1:\d+")
        .unwrap();
    assert!(shown.contains(&api.domain()), "{shown}");
    let rest = plain(&session.exp_eof().unwrap());
    // The answer comes after, on stdout, the spinner's line cleared.
    assert!(rest.contains("\"u-1\""), "{rest}");
}

#[test]
fn no_spinner_with_no_color_or_verbose() {
    let api = Api::start();
    let mut home = slow_whoami_home(&api);
    let verbose = terminal_output(home.std_cmd(&["-v", "whoami"]));
    assert!(verbose.contains("\"u-1\""), "{verbose}");
    assert!(!has_spinner(&verbose), "{verbose}");
    home.set("NO_COLOR", "1");
    let no_color = terminal_output(home.std_cmd(&["whoami"]));
    assert!(no_color.contains("\"u-1\""), "{no_color}");
    assert!(!has_spinner(&no_color), "{no_color}");
}

#[test]
fn no_spinner_on_a_pipe() {
    let api = Api::start();
    let home = slow_whoami_home(&api);
    let output = home.cmd(&["whoami"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("\"u-1\""));
    assert!(!has_spinner(&stderr(&output)), "{}", stderr(&output));
    assert!(!has_spinner(&stdout(&output)));
}

/// The device flow of `login`, with one "pending" answer before the access token: the poll
/// interval (1 s) is waited with a spinner.
fn pending_login(api: &Api) {
    use serde_json::json;
    let base = api.uri();
    api.answer(
        "GET",
        "/.well-known/openid-configuration",
        200,
        &json!({"token_endpoint": format!("{base}/token"),
               "device_authorization_endpoint": format!("{base}/device")}),
    );
    api.answer(
        "POST",
        "/device",
        200,
        &json!({"device_code": "dev-1", "user_code": "ABCD-EFGH",
               "verification_uri": "https://example.test/activate",
               "expires_in": 60, "interval": 1}),
    );
    api.mount(
        json_answer(
            "POST",
            "/token",
            400,
            &json!({"error": "authorization_pending"}),
        )
        .up_to_n_times(1),
    );
    api.answer("POST", "/token", 200, &json!({"access_token": "access-1"}));
    api.answer(
        "POST",
        "/api/auth/api-keys",
        201,
        &json!({"api_key": "new-key"}),
    );
}

#[test]
fn login_polling_shows_what_it_waits_for() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api).set("TERM", "xterm");
    pending_login(&api);
    let mut session =
        rexpect::session::spawn_command(home.std_cmd(&["login"]), Some(20_000)).unwrap();
    session.exp_string("ABCD-EFGH").unwrap();
    session
        .exp_regex(r"\x{e2}[\x{a0}-\x{a3}]. Waiting for the login to be approved in the browser")
        .unwrap();
    session.exp_eof().unwrap();
    assert_eq!(home.entry(&api.domain()).unwrap()["api_key"], "new-key");
}

#[test]
fn a_slow_conda_clean_shows_a_spinner() {
    use std::os::unix::fs::PermissionsExt;
    let mut home = Home::new();
    home.set("TERM", "xterm");
    let record = home.fake_conda();
    let conda = record.parent().unwrap().join("fake-bin/conda");
    std::fs::write(&conda, "#!/bin/sh\nsleep 1.5\n").unwrap();
    std::fs::set_permissions(&conda, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut session =
        rexpect::session::spawn_command(home.std_cmd(&["token", "remove"]), Some(20_000)).unwrap();
    session
        .exp_regex(r"\x{e2}[\x{a0}-\x{a3}]. Cleaning conda's index cache \(conda clean\)")
        .unwrap();
    session.exp_eof().unwrap();
}
