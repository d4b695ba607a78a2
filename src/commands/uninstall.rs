//! `anaconda token uninstall`: remove tokens from this machine (not from the server).

use crate::cli::UninstallArgs;
use crate::commands::tools;
use crate::conda::token_files::{self, Replaced};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::RepoToken;

pub fn run(ctx: &mut Context, args: &UninstallArgs) -> Result<()> {
    let org = match args.org.name() {
        _ if args.all => None,
        Some(org) => {
            crate::api::orgs::check_org_name(org)?;
            Some(org)
        }
        None => return Err(Error::msg("Must explicitly provide an --org option")),
    };
    // pixi's and mamba's stores are changed last: a store that would fail must stop us before
    // the token leaves the keyring entry (tokens are found in them by the entry's values).
    check_tool_stores(ctx, org)?;
    let Some((removed, remaining)) = remove_from_entry(ctx, org)? else {
        return Ok(());
    };
    let replaced = update_conda_token_file(ctx, &removed, remaining.as_ref())?;
    if args.all {
        ctx.printer.line(&format!(
            "Successfully deleted {} repo tokens.",
            ctx.printer.accent("all")
        ));
    } else if let Some(org) = args.org.name() {
        ctx.printer.line(&format!(
            "Successfully deleted token for organization: {}",
            ctx.printer.accent(org)
        ));
    }
    // pixi's and mamba's stores: wherever they hold a removed token (found by its value).
    let tokens: Vec<_> = removed.iter().map(|t| &t.token).collect();
    tools::remove(ctx, &tokens)?;
    if let (Replaced::Rewritten, Some(kept)) = (replaced, &remaining) {
        let whose = match kept.org_name.as_deref() {
            Some(org) => format!("the token of {}", ctx.printer.accent(org)),
            None => "another installed token".into(),
        };
        ctx.printer.line(&format!("conda now uses {whose}."));
    }
    if !removed.is_empty() {
        ctx.printer.line(
            "The token was removed from this machine only: it still works on the server until it \
             expires or is reissued.",
        );
    }
    Ok(())
}

/// Before anything changes: every tool store holding a token that will be removed (ORG's, or
/// all when `org` is `None`) can be written.
fn check_tool_stores(ctx: &Context, org: Option<&str>) -> Result<()> {
    let installed = ctx.store.load()?.map(|info| info.repo_tokens);
    let leaving: Vec<_> = installed
        .iter()
        .flatten()
        .filter(|t| org.is_none_or(|org| t.is_for(org)))
        .map(|t| &t.token)
        .collect();
    tools::check_removable(ctx, &leaving)
}

/// Takes ORG's tokens (all when `org` is `None`) out of the keyring entry: the tokens removed,
/// and the most recently installed one still there (for conda's file). `None`, said, when ORG
/// has none.
fn remove_from_entry(
    ctx: &Context,
    org: Option<&str>,
) -> Result<Option<(Vec<RepoToken>, Option<RepoToken>)>> {
    let Some(org) = org else {
        let removed = ctx
            .store
            .modify(|info| Ok(std::mem::take(&mut info.repo_tokens)))?;
        return Ok(Some((removed, None)));
    };
    let (removed, remaining) = ctx.store.modify(|info| {
        let removed = info.remove_token(org);
        Ok((removed, info.repo_tokens.last().cloned()))
    })?;
    if removed.is_empty() {
        ctx.printer
            .line(&format!("No token is installed for organization: {org}"));
        return Ok(None);
    }
    Ok(Some((removed, remaining)))
}

/// conda's token file for the repository, when it holds a token being removed: it gets the
/// token of an organization still installed (the most recent), or goes.
fn update_conda_token_file(
    ctx: &Context,
    removed: &[RepoToken],
    remaining: Option<&RepoToken>,
) -> Result<Replaced> {
    let tokens: Vec<_> = removed.iter().map(|t| &t.token).collect();
    token_files::replace_holding(
        &ctx.locks,
        &ctx.settings.paths.binstar_dir,
        &ctx.settings.site.repo_url,
        &tokens,
        remaining.map(|t| &t.token),
    )
}
