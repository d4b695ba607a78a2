//! One file per command; each has `run(ctx, args) -> Result<()>` that reads like the spec's steps.

pub mod config;
pub mod install;
pub mod list;
pub mod organization;
pub mod uninstall;

use crate::cli::{AuthCommand, Command, TokenCommand};
use crate::context::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &mut Context, command: &Command) -> Result<()> {
    match command {
        Command::Token(token) => match token {
            TokenCommand::List(args) => list::run(ctx, args),
            TokenCommand::Install(args) => install::run(ctx, args),
            TokenCommand::Config(args) => config::run(ctx, args),
            TokenCommand::Uninstall(args) => uninstall::run(ctx, args),
            TokenCommand::Reissue(_) => not_yet("anaconda token reissue"),
            TokenCommand::Sync(_) => not_yet("anaconda token sync"),
            TokenCommand::Set(_) => not_yet("anaconda token set"),
            TokenCommand::Remove(_) => not_yet("anaconda token remove"),
        },
        Command::Login(_) | Command::Auth(AuthCommand::Login(_)) => not_yet("anaconda login"),
        Command::Logout | Command::Auth(AuthCommand::Logout) => not_yet("anaconda logout"),
        Command::Whoami | Command::Auth(AuthCommand::Whoami) => not_yet("anaconda whoami"),
        Command::Auth(AuthCommand::ApiKey) => not_yet("anaconda auth api-key"),
    }
}

fn not_yet(command: &str) -> Result<()> {
    Err(Error::with_hint(
        format!("`{command}` is not implemented yet in this version."),
        "Use the Python tool (pip install anaconda-auth) for it meanwhile; both share the same files.",
    ))
}
