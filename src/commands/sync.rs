//! `anaconda token sync`: after the subscription was renewed, extend the organization's token to
//! the subscription's end (Organization Management API), then read and store the new expiry.

use crate::api::orgs::Expiry;
use crate::cli::SyncArgs;
use crate::commands::organization;
use crate::context::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &mut Context, args: &SyncArgs) -> Result<()> {
    let org = organization::choose_installed(ctx, args.org.as_deref())?;
    let api = ctx.api()?;
    let org_id = api
        .organizations()?
        .into_iter()
        .find(|o| o.name == org)
        .map(|o| o.id)
        .ok_or_else(|| {
            Error::with_hint(
                format!("You are not a member of the organization {org}."),
                "Check the name with `anaconda token list`, or log in with the right account.",
            )
        })?;
    let user_id = api
        .account()?
        .user_id()
        .map_err(|missing| Error::BadAnswer {
            endpoint: "/api/account".into(),
            detail: format!("{missing}, and `sync` needs the user's id. Nothing was changed"),
        })?;
    api.sync_token(&org, &org_id, &user_id, &ctx.settings.site.domain)?;
    let expiry = api
        .current_token(&org)
        .map_err(|e| {
            e.with_note(
                "The sync itself went through; only the new expiry could not be read: run \
                 `anaconda token sync` again later to store it.",
            )
        })?
        .map(|t| t.expiry())
        .unwrap_or(Expiry::None);
    expiry.warn_if_unreadable(&ctx.printer);
    let expires_at = expiry.at();
    let stored = ctx.store.modify(|info| {
        let Some(token) = info.repo_tokens.iter_mut().find(|t| t.is_for(&org)) else {
            return Ok(false);
        };
        // No answer about the expiry is no reason to forget the one we knew.
        if let Some(at) = expires_at {
            token.set_expires_at(at);
        }
        Ok(true)
    })?;
    match expires_at {
        Some(at) => ctx.printer.line(&format!(
            "The token of {} now expires {}.",
            ctx.printer.accent(&org),
            ctx.printer
                .accent(&at.format("%Y-%m-%d %H:%M:%S%:z").to_string())
        )),
        None => ctx.printer.line(&format!(
            "The token of {} was synced; the service did not say when it expires.",
            ctx.printer.accent(&org)
        )),
    }
    if !stored {
        ctx.printer.line(&format!(
            "No token of {org} is installed on this machine: run `anaconda token install -o {org}`."
        ));
    }
    Ok(())
}
