//! The printer: results and success lines on stdout, errors, warnings, prompts and the debug log
//! on stderr. Colour only on a terminal and never with `NO_COLOR` (anstream strips it otherwise).

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Printer {
    verbose: bool,
}

const ACCENT: Style = AnsiColor::Cyan.on_default();
const GOOD: Style = AnsiColor::Green.on_default();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();

impl Printer {
    pub fn new(verbose: bool) -> Self {
        Printer { verbose }
    }

    /// A line on stdout.
    pub fn line(&self, text: &str) {
        let mut out = anstream::stdout().lock();
        let _ = writeln!(out, "{text}");
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
        let mut err = anstream::stderr().lock();
        let _ = writeln!(err, "{text}");
    }

    pub fn warn(&self, text: &str) {
        let mut err = anstream::stderr().lock();
        let _ = writeln!(err, "{WARN}Warning:{WARN:#} {text}");
    }

    /// The error and its hint, printed once by `main`. A declined question is not an error
    /// to report: it prints `Aborted.` alone, as the original does.
    pub fn error(&self, error: &Error) {
        let mut err = anstream::stderr().lock();
        if let Error::Aborted | Error::Plain(_) = error {
            let _ = writeln!(err, "{error}");
            return;
        }
        let _ = writeln!(err, "{BAD}Error:{BAD:#} {error}");
        if let Some(hint) = error.hint() {
            let _ = writeln!(err, "{hint}");
        }
    }

    /// The `-v` debug log. Callers pass text that is already redacted.
    pub fn debug(&self, text: &str) {
        if self.verbose {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(err, "debug: {}", crate::secret::redact(text));
        }
    }

    /// Prompt text on stderr without a newline.
    pub fn ask(&self, text: &str) {
        let mut err = anstream::stderr().lock();
        let _ = write!(err, "{text}");
        let _ = err.flush();
    }
}
