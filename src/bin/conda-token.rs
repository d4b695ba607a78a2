//! The legacy `conda-token` binary (conda-token 0.6's interface): `list`, `set`, `remove`.
//! Without arguments it prints its help and exits 0, as conda-token did.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use anaconda_token::cli::CondaTokenCli;
use anaconda_token::context::Context;
use anaconda_token::output::Printer;
use anaconda_token::prompt::StdPrompter;
use anaconda_token::settings::{Env, Overrides, Settings};
use anaconda_token::{commands, error::Result};

fn main() -> ExitCode {
    anaconda_token::secret::disable_core_dumps();
    let cli = CondaTokenCli::parse();
    let Some(command) = &cli.command else {
        let _ = CondaTokenCli::command().print_help();
        return ExitCode::SUCCESS;
    };
    let printer = Printer::new(cli.verbose);
    match run(command, &printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            printer.error(&error);
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

fn run(command: &anaconda_token::cli::CondaTokenCommand, printer: &Printer) -> Result<()> {
    let settings = Settings::resolve(&Env::from_process(), &Overrides::default())?;
    let prompter = Box::new(StdPrompter::new(printer.clone(), settings.stdin_timeout));
    let mut ctx = Context::new(settings, printer.clone(), prompter);
    commands::run_conda_token(&mut ctx, command)
}
