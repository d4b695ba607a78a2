//! One file per command; each has `run(ctx, args) -> Result<()>` that reads like the spec's steps.

pub mod auth;
pub mod completion;
pub mod config;
pub mod install;
pub mod legacy;
pub mod list;
pub mod login;
pub mod organization;
pub mod reissue;
pub mod setup;
pub mod sync;
#[cfg(test)]
mod testing;
pub mod tools;
pub mod uninstall;

use crate::cli::{AuthCommand, Command, CondaTokenCommand, TokenCommand};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, command: &Command) -> Result<()> {
    match command {
        Command::Token(token) => match token {
            TokenCommand::List(args) => list::run(ctx, args),
            TokenCommand::Install(args) => install::run(ctx, args),
            TokenCommand::Config(args) => config::run(ctx, args),
            TokenCommand::Uninstall(args) => uninstall::run(ctx, args),
            TokenCommand::Reissue(args) => reissue::run(ctx, args),
            TokenCommand::Sync(args) => sync::run(ctx, args),
            TokenCommand::Set(args) => legacy::set(ctx, args),
            TokenCommand::Remove(args) => legacy::remove(ctx, args),
            TokenCommand::Setup(args) => setup::run(ctx, args),
        },
        Command::Completion(args) => completion::completion(args),
        Command::Man => completion::man(),
        Command::Login(args) | Command::Auth(AuthCommand::Login(args)) => login::run(ctx, args),
        Command::Logout | Command::Auth(AuthCommand::Logout) => auth::logout(ctx),
        Command::Whoami | Command::Auth(AuthCommand::Whoami) => auth::whoami(ctx),
        Command::Auth(AuthCommand::ApiKey) => auth::api_key(ctx),
    }
}

/// The `conda-token` binary's commands.
pub fn run_conda_token(ctx: &mut Context, command: &CondaTokenCommand) -> Result<()> {
    match command {
        CondaTokenCommand::List => legacy::conda_token_list(ctx),
        CondaTokenCommand::Set(args) => legacy::conda_token_set(ctx, args),
        CondaTokenCommand::Remove(location) => legacy::conda_token_remove(ctx, location),
    }
}
