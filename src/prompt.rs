//! Questions to the user. Commands ask through [`Prompter`] and never look at the terminal.
//!
//! The rules (`commands.md`): on a terminal, ask. Without one, a yes/no question reads one line
//! from stdin (so `echo y | anaconda token install` works) and end of input aborts at once naming
//! `--yes`; a choice from a list is never asked and fails at once naming `--org`.
//!
//! Reading stdin never waits for ever: a line is at most [`MAX_LINE`] bytes, a pipe that stays
//! silent for the stdin timeout (30 s) is an error naming the flag, and three answers that are
//! neither yes nor no end the question. Ctrl-C at a prompt on a terminal puts the terminal back
//! (echo on, cursor shown) and exits 130.

use std::io::{BufRead, IsTerminal, Read};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::output::Printer;

#[cfg(test)]
mod scripted;
#[cfg(test)]
pub use scripted::{Answer, ScriptedPrompter};

/// The longest line read from stdin (an answer or a token).
pub const MAX_LINE: usize = 4096;
/// How many answers that are neither yes nor no a question takes before giving up.
const TRIES: usize = 3;

pub trait Prompter {
    /// `question [y/n] (n): ` — `y`/`yes` or `n`/`no` in any case, empty is no, others re-ask.
    /// At end of input, fails naming `flag`, the option that answers the question ahead.
    fn confirm(&mut self, question: &str, flag: &'static str) -> Result<bool>;
    /// Opens `url` in the user's browser when there is someone at a terminal to use it; a
    /// failure is not an error (the URL is printed anyway).
    fn open_url(&self, url: &str);
    /// A secret (a token): hidden input on a terminal, else one line from stdin. Trimmed.
    fn secret(&mut self, prompt: &str) -> Result<String>;
    /// An arrow-key list; returns the index chosen. Without a terminal, fails with `no_terminal`
    /// (which names the flag that answers the question).
    fn select(&mut self, prompt: &str, items: &[String], no_terminal: Error) -> Result<usize>;
}

/// Asks on the real terminal, or reads stdin when it is not one.
pub struct StdPrompter {
    printer: Printer,
    interactive: bool,
    /// How long a silent stdin is waited for.
    timeout: Duration,
    /// Lines from stdin, read on a thread of their own (started on first use) so that a wait
    /// can end.
    lines: Option<Receiver<Line>>,
}

/// What the stdin reader found.
enum Line {
    Text(String),
    TooLong,
    End,
    Failed(String),
}

impl StdPrompter {
    pub fn new(printer: Printer, timeout: Duration) -> Self {
        // The list is drawn on stderr and read from stdin: it needs both on a terminal.
        StdPrompter {
            printer,
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            timeout,
            lines: None,
        }
    }

    /// The next line of stdin, without its line ending. `what` names the awaited input in
    /// errors ("an answer to \"Proceed?\""), `flag` the option that makes it unneeded.
    fn read_line(&mut self, what: &str, flag: Option<&'static str>) -> Result<Option<String>> {
        let received = if self.interactive {
            // Someone is at the terminal: wait for them as long as they take, reading here (a
            // reader thread would go on reading the terminal and take keys meant for the list).
            interrupt::restore_on_ctrl_c();
            Ok(read_bounded(&mut std::io::stdin().lock()))
        } else {
            let timeout = self.timeout;
            self.lines
                .get_or_insert_with(spawn_stdin_reader)
                .recv_timeout(timeout)
        };
        let fail = |message: String| match flag {
            Some(flag) => Error::NeedsFlag { message, flag },
            None => Error::msg(message),
        };
        match received {
            Ok(Line::Text(text)) => Ok(Some(text)),
            Ok(Line::End) | Err(RecvTimeoutError::Disconnected) => Ok(None),
            Ok(Line::TooLong) => Err(fail(format!(
                "Aborted: {what} on stdin is longer than {MAX_LINE} bytes."
            ))),
            Ok(Line::Failed(e)) => Err(Error::msg(format!("Could not read stdin: {e}"))),
            Err(RecvTimeoutError::Timeout) => Err(fail(format!(
                "Aborted: no {what} on stdin after {} seconds.",
                self.timeout.as_secs_f32()
            ))),
        }
    }
}

/// Reads stdin line by line on a thread; stops at the end, an error, or a line too long. The
/// thread may stay blocked in a read when the program ends: that is fine.
fn spawn_stdin_reader() -> Receiver<Line> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let line = read_bounded(&mut stdin);
            let last = !matches!(line, Line::Text(_));
            if tx.send(line).is_err() || last {
                return;
            }
        }
    });
    rx
}

/// One line of at most [`MAX_LINE`] bytes, without its line ending.
fn read_bounded(input: &mut impl BufRead) -> Line {
    let mut line = Vec::new();
    match input.take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line) {
        Ok(0) => Line::End,
        Ok(_) if !line.ends_with(b"\n") && line.len() > MAX_LINE => Line::TooLong,
        Ok(_) => {
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            Line::Text(String::from_utf8_lossy(&line).into_owned())
        }
        Err(e) => Line::Failed(e.to_string()),
    }
}

/// End of input where a yes or no was wanted: aborted, naming the flag that answers it.
fn no_answer(question: &str, flag: &'static str) -> Error {
    Error::NeedsFlag {
        message: format!("Aborted: no answer to {question:?} (end of input)."),
        flag,
    }
}

impl Prompter for StdPrompter {
    fn confirm(&mut self, question: &str, flag: &'static str) -> Result<bool> {
        let what = format!("answer to {question:?}");
        for _ in 0..TRIES {
            self.printer.ask(&format!("{question} [y/n] (n): "));
            let Some(answer) = self.read_line(&what, Some(flag))? else {
                self.printer.note("");
                return Err(no_answer(question, flag));
            };
            match answer.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" | "" => return Ok(false),
                _ => self.printer.note("Please enter Y or N"),
            }
        }
        Err(Error::NeedsFlag {
            message: format!("Aborted: {TRIES} answers to {question:?} were neither y nor n."),
            flag,
        })
    }

    fn open_url(&self, url: &str) {
        if !self.interactive {
            return;
        }
        // The platforms' own openers; no crate needed for one detached spawn.
        let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
            ("open", vec![url])
        } else if cfg!(windows) {
            ("cmd", vec!["/C", "start", "", url])
        } else {
            ("xdg-open", vec![url])
        };
        let opened = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if opened.is_err() {
            self.printer
                .debug(&format!("could not start {program} to open the browser"));
        }
    }

    fn secret(&mut self, prompt: &str) -> Result<String> {
        if self.interactive {
            interrupt::restore_on_ctrl_c();
            return dialoguer::Password::new()
                .with_prompt(without_colon(prompt))
                .allow_empty_password(true)
                .interact()
                .map(|s| s.trim().to_string())
                .map_err(|e| {
                    interrupt::await_handler(&e);
                    Error::msg(format!("Could not read the token: {e}"))
                });
        }
        let line = self.read_line("token", None).map_err(|e| {
            Error::with_hint(
                e.to_string(),
                "Give the token as one line on stdin: printf '%s\\n' \"$TOKEN\" | anaconda token \
                 install - --org ORG --yes",
            )
        })?;
        Ok(line.unwrap_or_default().trim().to_string())
    }

    fn select(&mut self, prompt: &str, items: &[String], no_terminal: Error) -> Result<usize> {
        if !self.interactive {
            return Err(no_terminal);
        }
        interrupt::restore_on_ctrl_c();
        dialoguer::Select::new()
            .with_prompt(without_colon(prompt))
            .items(items)
            .default(0)
            .interact_opt()
            .map_err(|e| {
                interrupt::await_handler(&e);
                Error::msg(format!("Could not show the list: {e}"))
            })?
            .ok_or(Error::Aborted)
    }
}

/// dialoguer puts its own colon after the prompt: one of ours would make two.
fn without_colon(prompt: &str) -> &str {
    prompt.trim_end().trim_end_matches(':').trim_end()
}

/// Ctrl-C at a prompt: the prompt may have turned echo off (a hidden token) or hidden the cursor
/// (the list); the default end of the process would leave the terminal so. The handler puts the
/// terminal's settings back as they were before the first prompt, shows the cursor, and exits
/// 130 as shells do for an interrupted command.
mod interrupt {
    use std::sync::Once;

    static INSTALL: Once = Once::new();

    /// Ctrl-C also interrupts the prompt's read (EINTR): leave the exit to the handler, which
    /// is restoring the terminal and exits 130, instead of racing it with an error and exit 1.
    pub fn await_handler(error: &dialoguer::Error) {
        let dialoguer::Error::IO(io) = error;
        if io.kind() == std::io::ErrorKind::Interrupted && INSTALL.is_completed() {
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
    }

    pub fn restore_on_ctrl_c() {
        INSTALL.call_once(|| {
            let saved = terminal::save();
            let _ = ctrlc::set_handler(move || {
                terminal::restore(&saved);
                use std::io::Write;
                let mut err = std::io::stderr();
                let _ = err.write_all(b"\x1b[?25h\n");
                let _ = err.flush();
                std::process::exit(130);
            });
        });
    }

    #[cfg(unix)]
    mod terminal {
        pub type Saved = Option<libc::termios>;

        pub fn save() -> Saved {
            let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr writes a termios into the pointer it is given, or fails (then
            // the value is not read).
            let ok = unsafe { libc::tcgetattr(libc::STDIN_FILENO, termios.as_mut_ptr()) } == 0;
            // SAFETY: initialised by the successful call above.
            ok.then(|| unsafe { termios.assume_init() })
        }

        pub fn restore(saved: &Saved) {
            if let Some(termios) = saved {
                // SAFETY: a termios read by tcgetattr for the same descriptor.
                unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, termios) };
            }
        }
    }

    /// Elsewhere the console's modes are not changed by the prompts we use (they read key
    /// events), so there is nothing to put back.
    #[cfg(not(unix))]
    mod terminal {
        pub struct Saved;
        pub fn save() -> Saved {
            Saved
        }
        pub fn restore(_: &Saved) {}
    }
}
