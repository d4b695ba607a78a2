//! `anaconda completion SHELL` and the man page: both generated from the clap definitions, so
//! they never drift from the real command line.

use clap::CommandFactory;

use std::io::{self, Write};

use crate::cli::{Cli, CompletionArgs};
use crate::error::{Error, Result};

pub fn completion(args: &CompletionArgs) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "anaconda", &mut script);
    write_stdout(&script)
}

pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::msg(format!("Could not render the man page: {e}")))?;
    write_stdout(&page)
}

/// A reader that stopped early (`anaconda man | head`) is not a failure.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    match io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::msg(format!("Could not write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
