//! `anaconda login`: sign in through the browser (OAuth device flow), then store an API key in
//! the keyring entry, keeping its repository tokens (the Python tool drops them).

use crate::api::oauth::DeviceFlow;
use crate::cli::LoginArgs;
use crate::context::Context;
use crate::error::{Error, Result};

pub fn run(ctx: &mut Context, args: &LoginArgs) -> Result<()> {
    if !ctx.settings.site.use_device_flow {
        return Err(Error::with_hint(
            "Only the device login flow is supported, and use_device_flow is false.",
            "Remove use_device_flow from the configuration, or log in with the Python tool.",
        ));
    }
    if !args.force && logged_in(ctx)? {
        let again = ctx.prompter.confirm(
            "You are already logged in. Would you like to force a new login?",
            "--force",
        )?;
        if !again {
            ctx.printer.line("Kept the current login.");
            return Ok(());
        }
    }
    let settings = &ctx.settings;
    let flow = DeviceFlow {
        http: ctx.api_http()?,
        printer: &ctx.printer,
        client_id: &settings.site.client_id,
    };
    let endpoints = flow.discover(&settings.site.auth_base)?;
    let code = flow.start(&endpoints)?;
    ctx.printer.note(&format!(
        "To log in, open {} in a browser and enter the code {}",
        code.verification_uri, code.user_code
    ));
    let open = code
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| code.verification_uri.clone());
    ctx.prompter.open_url(&open);
    let access_token = flow.wait_for_approval(&endpoints, &code)?;
    let api_key = flow.api_key(
        &settings.site.auth_base,
        &settings.site.api_base,
        &access_token,
    )?;
    ctx.store.modify(|info| {
        info.api_key = Some(api_key);
        Ok(())
    })?;
    ctx.printer.good(&format!(
        "Successfully logged in to {}.",
        ctx.settings.site.domain
    ));
    Ok(())
}

/// An unexpired API key is stored.
fn logged_in(ctx: &Context) -> Result<bool> {
    let stored = ctx.store.load()?.and_then(|info| info.api_key);
    Ok(stored.is_some() && ctx.settings.site.api_key.is_none() && ctx.api_key().is_ok())
}
