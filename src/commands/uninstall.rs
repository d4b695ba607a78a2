//! `anaconda token uninstall`: remove tokens from this machine (not from the server).

use crate::cli::UninstallArgs;
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::RepoToken;

pub fn run(ctx: &mut Context, args: &UninstallArgs) -> Result<()> {
    let removed: Vec<RepoToken> = if args.all {
        ctx.store
            .modify(|info| Ok(std::mem::take(&mut info.repo_tokens)))?
    } else {
        let org = args
            .org
            .as_deref()
            .ok_or_else(|| Error::msg("Must explicitly provide an --org option"))?;
        crate::api::orgs::check_org_name(org)?;
        let removed = ctx.store.modify(|info| Ok(info.remove_token(org)))?;
        if removed.is_empty() {
            ctx.printer
                .line(&format!("No token is installed for organization: {org}"));
            return Ok(());
        }
        removed
    };
    remove_conda_token_file(ctx, &removed)?;
    if args.all {
        ctx.printer.line(&format!(
            "Successfully deleted {} repo tokens.",
            ctx.printer.accent("all")
        ));
    } else if let Some(org) = &args.org {
        ctx.printer.line(&format!(
            "Successfully deleted token for organization: {}",
            ctx.printer.accent(org)
        ));
    }
    if !removed.is_empty() {
        ctx.printer.line(
            "The token was removed from this machine only: it still works on the server until it \
             expires or is reissued.",
        );
    }
    Ok(())
}

/// conda's token file for the repository goes too when it holds a token being removed.
fn remove_conda_token_file(ctx: &Context, removed: &[RepoToken]) -> Result<()> {
    let tokens: Vec<_> = removed.iter().map(|t| &t.token).collect();
    token_files::remove_holding(
        &ctx.locks,
        &ctx.settings.binstar_dir,
        &ctx.settings.repo_url,
        &tokens,
    )?;
    Ok(())
}
