//! The printer: results and success lines on stdout, errors, warnings, prompts and the debug log
//! on stderr. Colour only on a terminal and never with `NO_COLOR` (anstream strips it otherwise).

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::error::Error;
use crate::secret::redact;

pub mod spinner;

#[derive(Debug, Clone)]
pub struct Printer {
    verbose: bool,
    /// Waits show a spinner: stderr is a terminal, `NO_COLOR` is not set and there is no
    /// debug log (whose lines it would garble).
    spinners: bool,
}

const ACCENT: Style = AnsiColor::Cyan.on_default();
const GOOD: Style = AnsiColor::Green.on_default();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();

/// `text` with control characters (C0 but tab and newline, DEL, C1) written as `\u{1b}`
/// escapes: text from a server or a file we did not write (an organization's title, an error
/// message) must not move the cursor, clear the screen or fake a line of ours.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if unsafe_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The terminal's width when stdout is one (`COLUMNS` when set, else the terminal's own);
/// `None` for a pipe or a file, which get the same layout whatever the width.
pub fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    columns.or_else(|| {
        console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| cols as usize)
    })
}

impl Printer {
    pub fn new(verbose: bool) -> Self {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            verbose,
            spinners: !verbose && !no_color && std::io::stderr().is_terminal(),
        }
    }

    /// A wait for `what` ("Waiting for api.anaconda.com"): on a terminal, a spinner on stderr
    /// once it has lasted half a second, cleared when the guard is dropped.
    pub fn wait(&self, what: &str) -> spinner::Wait {
        if self.spinners {
            spinner::Wait::start(clean(what).into_owned())
        } else {
            spinner::Wait::none()
        }
    }

    /// A line on stdout.
    pub fn line(&self, text: &str) {
        spinner::suspended(|| {
            let mut out = anstream::stdout().lock();
            let _ = writeln!(out, "{text}");
        });
    }

    /// A line on stdout, in green on a terminal (titles, success).
    pub fn good(&self, text: &str) {
        self.line(&format!("{GOOD}{text}{GOOD:#}"));
    }

    /// `text` in the accent colour, for names and commands inside a line.
    pub fn accent(&self, text: &str) -> String {
        format!("{ACCENT}{text}{ACCENT:#}")
    }

    /// A line on stderr that is not an error (progress, notes).
    pub fn note(&self, text: &str) {
        spinner::suspended(|| {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(err, "{text}");
        });
    }

    pub fn warn(&self, text: &str) {
        spinner::suspended(|| {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(err, "{WARN}Warning:{WARN:#} {}", clean(&redact(text)));
        });
    }

    /// The error and its hint, printed once by `main`. A declined question is not an error
    /// to report: it prints `Aborted.` alone, as the original does.
    pub fn error(&self, error: &Error) {
        let mut err = anstream::stderr().lock();
        // Errors may quote URLs and server words: whatever a secret looks like goes.
        let message = redact(&error.to_string());
        if let Error::Aborted | Error::Plain(_) = error {
            let _ = writeln!(err, "{}", clean(&message));
            return;
        }
        let _ = writeln!(err, "{BAD}Error:{BAD:#} {}", clean(&message));
        if let Some(hint) = error.hint() {
            let _ = writeln!(err, "{}", clean(&redact(&hint)));
        }
    }

    /// The `-v` debug log. Callers pass text that is already redacted.
    pub fn debug(&self, text: &str) {
        if self.verbose {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(err, "debug: {}", clean(&redact(text)));
        }
    }

    /// Prompt text on stderr without a newline.
    pub fn ask(&self, text: &str) {
        let mut err = anstream::stderr().lock();
        let _ = write!(err, "{text}");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("Acme\u{1b}[2J\rFake"), "Acme\\u{1b}[2J\\u{d}Fake");
        assert_eq!(clean("a\u{9b}b\u{7f}"), "a\\u{9b}b\\u{7f}");
        assert_eq!(clean("two\nlines\tand é"), "two\nlines\tand é");
    }
}
