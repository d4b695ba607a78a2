//! The legacy `conda-token` binary (conda-token 0.6's interface): `list`, `set`, `remove`.
//! Without arguments it prints its help and exits 0, as conda-token did.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use anaconda_token::cli::CondaTokenCli;
use anaconda_token::output::Printer;
use anaconda_token::settings::Overrides;
use anaconda_token::{binary, commands};

fn main() -> ExitCode {
    anaconda_token::secret::disable_core_dumps();
    let cli = CondaTokenCli::parse();
    let Some(command) = &cli.command else {
        let _ = CondaTokenCli::command().print_help();
        return ExitCode::SUCCESS;
    };
    let printer = Printer::new(cli.verbose);
    let outcome = binary::context(&printer, &Overrides::default())
        .and_then(|mut ctx| commands::run_conda_token(&mut ctx, command));
    binary::exit(&printer, outcome)
}
