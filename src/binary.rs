//! What the two binaries (`anaconda`, `conda-token`) share: the context built from the process's
//! environment, and the one way they end: an error printed once, exit code 1, or 2 for usage.

use std::process::ExitCode;

use crate::context::Context;
use crate::error::Result;
use crate::output::Printer;
use crate::prompt::StdPrompter;
use crate::settings::{Env, Overrides, Settings};

/// Resolves the settings from the process's environment and builds the context a command runs
/// in.
pub fn context(printer: &Printer, overrides: &Overrides) -> Result<Context> {
    let settings = Settings::resolve(&Env::from_process(), overrides)?;
    let prompter = Box::new(StdPrompter::new(printer.clone(), settings.stdin_timeout));
    Ok(Context::new(settings, printer.clone(), prompter))
}

/// The process's exit code for `outcome`; an error is printed first.
pub fn exit(printer: &Printer, outcome: Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            printer.error(&error);
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
