//! Standard input never makes a command wait for ever or loop: a line is at most 4 KiB, a pipe
//! that stays silent is an error after the stdin timeout, three answers that are neither yes nor
//! no end the question, and each error names the flag that answers it.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// How long a run may take before the test fails (it waits for ever).
const LIMIT: Duration = Duration::from_secs(10);

/// Runs `args` with `feed` on stdin, keeping stdin open afterwards; fails if it takes longer
/// than `LIMIT`.
fn run_with_open_stdin(home: &Home, args: &[&str], feed: &[u8]) -> std::process::Output {
    let mut child = home
        .std_cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(feed);
    let _ = stdin.flush();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{args:?} still waits after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn an_endless_stream_of_wrong_answers_stops_after_three() {
    let home = Home::new();
    // What `yes x | anaconda token config` sends.
    let feed = "x\n".repeat(10_000);
    let out = run_with_open_stdin(&home, &["token", "config"], feed.as_bytes());
    insta::assert_snapshot!(snapshot::render(&home.filters(), &out), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): Please enter Y or N
    Proceed? [y/n] (n): Please enter Y or N
    Proceed? [y/n] (n): Please enter Y or N
    Error: Aborted: 3 answers to "Proceed?" were neither y nor n.
    Pass --force to answer it.
    "#);
    assert!(!home.condarc_path().exists());
}

#[test]
fn a_silent_pipe_is_an_error_after_the_timeout() {
    let mut home = Home::new();
    home.set("ANACONDA_TOKEN_STDIN_TIMEOUT", "1");
    // An answer with no newline, and the pipe stays open.
    let out = run_with_open_stdin(&home, &["token", "config"], b"y");
    insta::assert_snapshot!(snapshot::render(&home.filters(), &out), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): Error: Aborted: no answer to "Proceed?" on stdin after 1 seconds.
    Pass --force to answer it.
    "#);
    assert!(!home.condarc_path().exists());
}

#[test]
fn a_line_longer_than_4_kib_is_refused() {
    let home = Home::new();
    let feed = format!("{}\n", "y".repeat(5000));
    let out = run_with_open_stdin(&home, &["token", "config"], feed.as_bytes());
    insta::assert_snapshot!(snapshot::render(&home.filters(), &out), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): Error: Aborted: answer to "Proceed?" on stdin is longer than 4096 bytes.
    Pass --force to answer it.
    "#);
    assert!(!home.condarc_path().exists());
}

#[test]
fn a_token_awaited_on_a_silent_pipe_times_out_and_says_how_to_give_it() {
    let mut home = Home::new();
    home.set("ANACONDA_TOKEN_STDIN_TIMEOUT", "1");
    let out = run_with_open_stdin(
        &home,
        &["token", "install", "-", "-o", "acme", "--yes"],
        b"",
    );
    insta::assert_snapshot!(snapshot::render(&home.filters(), &out), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Aborted: no token on stdin after 1 seconds.
    Give the token as one line on stdin: printf '%s\n' "$TOKEN" | anaconda token install - --org ORG --yes
    "#);
}

/// Linux only: the limit is read from `/proc/PID/limits` (macOS has no `/proc`, Windows no core
/// limit).
#[cfg(target_os = "linux")]
#[test]
fn core_dumps_are_off_while_secrets_are_in_memory() {
    let mut home = Home::new();
    home.set("ANACONDA_TOKEN_STDIN_TIMEOUT", "5");
    let mut child = home
        .std_cmd(&["token", "install", "-", "-o", "acme", "--yes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}
