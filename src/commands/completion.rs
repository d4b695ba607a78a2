//! `anaconda completion SHELL` and the man page: both generated from the clap definitions, so
//! they never drift from the real command line.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionArgs};
use crate::context::Context;
use crate::error::{Error, Result};

pub fn completion(_ctx: &mut Context, args: &CompletionArgs) -> Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "anaconda", &mut std::io::stdout());
    Ok(())
}

pub fn man(_ctx: &mut Context) -> Result<()> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(|e| Error::msg(format!("Could not write the man page: {e}")))
}
