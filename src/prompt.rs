//! Questions to the user. Commands ask through [`Prompter`] and never look at the terminal.
//!
//! The rules (`commands.md`): on a terminal, ask. Without one, a yes/no question reads one line
//! from stdin (so `echo y | anaconda token install` works) and end of input aborts at once naming
//! `--yes`; a choice from a list is never asked and fails at once naming `--org`.

use std::io::{BufRead, IsTerminal};

use crate::error::{Error, Result};
use crate::output::Printer;

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
}

impl StdPrompter {
    pub fn new(printer: Printer) -> Self {
        // The list is drawn on stderr and read from stdin: it needs both on a terminal.
        StdPrompter {
            printer,
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }
}

impl Prompter for StdPrompter {
    fn confirm(&mut self, question: &str, flag: &'static str) -> Result<bool> {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock();
        loop {
            self.printer.ask(&format!("{question} [y/n] (n): "));
            let mut answer = String::new();
            let read = lines
                .read_line(&mut answer)
                .map_err(|e| Error::msg(format!("Could not read the answer from stdin: {e}")))?;
            if read == 0 {
                self.printer.note("");
                return Err(Error::NeedsFlag {
                    message: format!("Aborted: no answer to {question:?} (end of input)."),
                    flag,
                });
            }
            match answer.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" | "" => return Ok(false),
                _ => self.printer.note("Please enter Y or N"),
            }
        }
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
            return dialoguer::Password::new()
                .with_prompt(prompt)
                .allow_empty_password(true)
                .interact()
                .map(|s| s.trim().to_string())
                .map_err(|e| Error::msg(format!("Could not read the token: {e}")));
        }
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::msg(format!("Could not read the token from stdin: {e}")))?;
        Ok(line.trim().to_string())
    }

    fn select(&mut self, prompt: &str, items: &[String], no_terminal: Error) -> Result<usize> {
        if !self.interactive {
            return Err(no_terminal);
        }
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_opt()
            .map_err(|e| Error::msg(format!("Could not show the list: {e}")))?
            .ok_or(Error::Aborted)
    }
}
