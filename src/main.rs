//! The `anaconda` binary: parse, resolve settings, run the command, map the error to an exit
//! code (0 success, 1 failure or abort, 2 usage).

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use anaconda_token::cli::{Cli, Command};
use anaconda_token::output::Printer;
use anaconda_token::settings::Overrides;
use anaconda_token::{binary, commands, error::Result};

fn main() -> ExitCode {
    anaconda_token::secret::disable_core_dumps();
    if let Some(passed_on) = anaconda_token::passthrough::pass_on_if_foreign(&our_commands()) {
        return match passed_on {
            // Windows: the program's own code, whole (it may not fit a u8).
            Ok(code) => std::process::exit(code),
            Err(error) => binary::exit(&Printer::new(false), Err(error)),
        };
    }
    let cli = Cli::parse();
    let printer = Printer::new(cli.verbose);
    binary::exit(&printer, run(&cli, &printer))
}

/// The subcommands clap knows (with `help`): any other is passed on to the next `anaconda`.
fn our_commands() -> Vec<String> {
    let cli = Cli::command();
    let mut names: Vec<String> = vec!["help".into()];
    for command in cli.get_subcommands() {
        names.push(command.get_name().to_string());
        names.extend(command.get_all_aliases().map(str::to_string));
    }
    names
}

fn run(cli: &Cli, printer: &Printer) -> Result<()> {
    // Generated from the command line alone: they must work whatever the configuration says.
    match &cli.command {
        Command::Completion(args) => return commands::completion::completion(args),
        Command::Man => return commands::completion::man(),
        _ => {}
    }
    let overrides = Overrides { at: cli.at.clone() };
    let mut ctx = binary::context(printer, &overrides)?;
    commands::run(&mut ctx, &cli.command)
}
