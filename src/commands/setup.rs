//! `anaconda token setup TOOL…`: give the token already installed for an organization to more
//! package managers (pixi, mamba, or conda again), issuing nothing: for a user who starts
//! using pixi after `install`, or whose tool store was reset.

use crate::cli::SetupArgs;
use crate::commands::tools::{self, Targets};
use crate::commands::{install, organization};
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &mut Context, args: &SetupArgs) -> Result<()> {
    let org = organization::choose_installed(ctx, args.org.name())?;
    let token = ctx
        .store
        .load()?
        .and_then(|info| info.repo_tokens.into_iter().find(|t| t.is_for(&org)))
        .map(|t| t.token)
        .ok_or_else(|| {
            Error::with_hint(
                format!("No token is installed for organization: {org}"),
                format!("Run `anaconda token install -o {org}` first."),
            )
        })?;
    let targets = Targets::chosen(ctx, &args.tools);
    tools::check_writable(ctx, &targets)?;
    if targets.conda() {
        token_files::check_token(&token)?;
    }
    let missing = tools::deliver(ctx, &targets, &token);
    if targets.conda() {
        install::configure_conda(ctx, &org, true, args.yes, &missing)?;
    }
    if !missing.is_empty() {
        return Err(tools::unfinished(&org, &missing));
    }
    if targets.conda() {
        ctx.printer.line(&format!(
            "{} will use the token of {}: it is in conda's token folder {}.",
            ctx.printer.accent("conda"),
            ctx.printer.accent(&org),
            ctx.settings.paths.binstar_dir.display()
        ));
    }
    Ok(())
}
