//! The printer: results and success lines on stdout, errors, warnings, prompts and the debug log
//! on stderr. Colour only on a terminal and never with `NO_COLOR` (anstream strips it otherwise).

use std::io::Write;
use std::sync::{Arc, Mutex};

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
    /// Where the text goes instead of stdout and stderr (unit tests: `Printer::buffered`).
    buffer: Option<Captured>,
}

/// What a buffered printer printed, colour removed: one text for stdout, one for stderr.
#[derive(Debug, Clone, Default)]
pub struct Captured(Arc<Mutex<(String, String)>>);

impl Captured {
    pub fn stdout(&self) -> String {
        self.0.lock().unwrap().0.clone()
    }

    pub fn stderr(&self) -> String {
        self.0.lock().unwrap().1.clone()
    }
}

/// Which of the two streams a line is for.
#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
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
            buffer: None,
        }
    }

    /// A printer that writes into memory instead of stdout and stderr (no spinners, no
    /// colour), for unit tests of command logic; the handle reads back what it printed.
    #[cfg(test)]
    pub fn buffered(verbose: bool) -> (Printer, Captured) {
        let captured = Captured::default();
        let printer = Printer {
            verbose,
            spinners: false,
            buffer: Some(captured.clone()),
        };
        (printer, captured)
    }

    /// Writes `text` to `stream` (or the buffer), with the colour stripped where the stream
    /// is not a terminal.
    fn write(&self, stream: Stream, text: std::fmt::Arguments) {
        if let Some(buffer) = &self.buffer {
            let text = anstream::adapter::strip_str(&text.to_string()).to_string();
            let mut streams = buffer.0.lock().unwrap();
            match stream {
                Stream::Out => streams.0.push_str(&text),
                Stream::Err => streams.1.push_str(&text),
            }
            return;
        }
        match stream {
            Stream::Out => {
                let mut out = anstream::stdout().lock();
                let _ = out.write_fmt(text);
                let _ = out.flush();
            }
            Stream::Err => {
                let mut err = anstream::stderr().lock();
                let _ = err.write_fmt(text);
                let _ = err.flush();
            }
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
        spinner::suspended(|| self.write(Stream::Out, format_args!("{text}\n")));
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
        spinner::suspended(|| self.write(Stream::Err, format_args!("{text}\n")));
    }

    pub fn warn(&self, text: &str) {
        spinner::suspended(|| {
            self.write(
                Stream::Err,
                format_args!("{WARN}Warning:{WARN:#} {}\n", clean(&redact(text))),
            )
        });
    }

    /// The error and its hint, printed once, by `binary::exit`. A declined question is not an error
    /// to report: it prints `Aborted.` alone, as the original does.
    pub fn error(&self, error: &Error) {
        // Errors may quote URLs and server words: whatever a secret looks like goes.
        let message = redact(&error.to_string());
        if let Error::Aborted | Error::Plain(_) = error {
            self.write(Stream::Err, format_args!("{}\n", clean(&message)));
            return;
        }
        self.write(
            Stream::Err,
            format_args!("{BAD}Error:{BAD:#} {}\n", clean(&message)),
        );
        if let Some(hint) = error.hint() {
            self.write(Stream::Err, format_args!("{}\n", clean(&redact(&hint))));
        }
    }

    /// The `-v` debug log. Callers pass text that is already redacted.
    pub fn debug(&self, text: &str) {
        if self.verbose {
            self.write(
                Stream::Err,
                format_args!("debug: {}\n", clean(&redact(text))),
            );
        }
    }

    /// Prompt text on stderr without a newline.
    pub fn ask(&self, text: &str) {
        self.write(Stream::Err, format_args!("{text}"));
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

    #[test]
    fn a_buffered_printer_keeps_each_stream_without_colour() {
        let (printer, captured) = Printer::buffered(true);
        printer.good("Success!");
        printer.line(&format!("run {}", printer.accent("anaconda token list")));
        printer.ask("Proceed? ");
        printer.warn("careful");
        printer.debug("GET /x");
        printer.error(&Error::with_hint("Broken.", "Fix it."));
        assert_eq!(captured.stdout(), "Success!\nrun anaconda token list\n");
        assert_eq!(
            captured.stderr(),
            "Proceed? Warning: careful\ndebug: GET /x\nError: Broken.\nFix it.\n"
        );
    }
}
