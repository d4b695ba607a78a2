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
    fn confirm(&mut self, question: &str) -> Result<bool>;
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
        StdPrompter {
            printer,
            interactive: std::io::stdin().is_terminal(),
        }
    }
}

impl Prompter for StdPrompter {
    fn confirm(&mut self, question: &str) -> Result<bool> {
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
                    flag: "--yes",
                });
            }
            match answer.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" | "" => return Ok(false),
                _ => self.printer.note("Please enter Y or N"),
            }
        }
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
            .ok_or(Error::Aborted { hint: None })
    }
}
