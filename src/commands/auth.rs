//! `anaconda whoami`, `anaconda auth api-key` and `anaconda logout`: the account side that
//! `anaconda token` needs on a machine without the Python tools. (`anaconda login`, the OAuth
//! device flow, is not implemented yet.)

use crate::context::Context;
use crate::error::{Error, Result};

/// `anaconda whoami`: the account (`GET /api/account`), pretty-printed.
pub fn whoami(ctx: &mut Context) -> Result<()> {
    let account = ctx.api()?.account_json()?;
    let text = serde_json::to_string_pretty(&account)
        .map_err(|e| Error::msg(format!("Could not print the account: {e}")))?;
    ctx.printer.line(&text);
    Ok(())
}

/// `anaconda auth api-key`: the API key in effect, for scripts (`curl -H "Authorization: Bearer
/// $(anaconda auth api-key)"`). Exit 1 when there is none or it expired.
pub fn api_key(ctx: &mut Context) -> Result<()> {
    let key = ctx.api_key()?;
    ctx.printer.line(key.expose());
    Ok(())
}

/// `anaconda logout`: removes the stored API key and keeps the repository tokens (the Python
/// tool deletes the whole entry, tokens included).
pub fn logout(ctx: &mut Context) -> Result<()> {
    let removed = ctx.store.modify(|info| Ok(info.api_key.take().is_some()))?;
    if removed {
        ctx.printer.line(&format!(
            "Logged out of {}. Installed repository tokens are kept.",
            ctx.settings.domain
        ));
    } else {
        ctx.printer
            .line(&format!("Not logged in to {}.", ctx.settings.domain));
    }
    if ctx.settings.api_key.is_some() {
        ctx.printer.warn(
            "An API key is still set by ANACONDA_AUTH_API_KEY or api_key in the config file; \
             it is used until you remove it.",
        );
    }
    Ok(())
}
