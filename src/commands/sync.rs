//! `anaconda token sync`: after the subscription was renewed, extend the organization's token to
//! the subscription's end (Organization Management API), then read and store the new expiry.

use chrono::{DateTime, Utc};

use crate::api::orgs::{Api, Expiry};
use crate::cli::OrgArgs;
use crate::commands::organization;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Printer;

pub fn run(ctx: &mut Context, args: &OrgArgs) -> Result<()> {
    let org = organization::choose_installed(ctx, args.name())?;
    let api = ctx.api()?;
    let (org_id, user_id) = ids(&api, &org)?;
    api.sync_token(&org, &org_id, &user_id, &ctx.settings.site.domain)?;
    let expires_at = new_expiry(&api, &org, &ctx.printer)?;
    let stored = store_expiry(ctx, &org, expires_at)?;
    report(ctx, &org, expires_at, stored);
    Ok(())
}

/// The organization's id and the user's, as the sync URL needs them.
fn ids(api: &Api, org: &str) -> Result<(String, String)> {
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
    Ok((org_id, user_id))
}

/// The token's expiry after the sync, as the service now gives it.
fn new_expiry(api: &Api, org: &str, printer: &Printer) -> Result<Option<DateTime<Utc>>> {
    let expiry = api
        .current_token(org)
        .map_err(|e| {
            e.with_note(
                "The sync itself went through; only the new expiry could not be read: run \
                 `anaconda token sync` again later to store it.",
            )
        })?
        .map(|t| t.expiry())
        .unwrap_or(Expiry::None);
    expiry.warn_if_unreadable(printer);
    Ok(expiry.at())
}

/// Stores the new expiry with the organization's token; returns whether one is installed.
fn store_expiry(ctx: &Context, org: &str, expires_at: Option<DateTime<Utc>>) -> Result<bool> {
    ctx.store.modify(|info| {
        let Some(token) = info.repo_tokens.iter_mut().find(|t| t.is_for(org)) else {
            return Ok(false);
        };
        // No answer about the expiry is no reason to forget the one we knew.
        if let Some(at) = expires_at {
            token.set_expires_at(at);
        }
        Ok(true)
    })
}

fn report(ctx: &Context, org: &str, expires_at: Option<DateTime<Utc>>, stored: bool) {
    match expires_at {
        Some(at) => ctx.printer.line(&format!(
            "The token of {} now expires {}.",
            ctx.printer.accent(org),
            ctx.printer
                .accent(&at.format("%Y-%m-%d %H:%M:%S%:z").to_string())
        )),
        None => ctx.printer.line(&format!(
            "The token of {} was synced; the service did not say when it expires.",
            ctx.printer.accent(org)
        )),
    }
    if !stored {
        ctx.printer.line(&format!(
            "No token of {org} is installed on this machine: run `anaconda token install -o {org}`."
        ));
    }
}
