//! `anaconda whoami`, `anaconda auth api-key` and `anaconda logout`: the account side that
//! `anaconda token` needs on a machine without the Python tools. `anaconda login` (the OAuth
//! device flow) is in `login.rs`.

use crate::context::Context;
use crate::error::{Error, Result};

/// `anaconda whoami`: the account (`GET /api/account`) with the `domain` added, keys sorted and
/// indented by two, as the Python tool prints it.
pub fn whoami(ctx: &mut Context) -> Result<()> {
    let mut account = ctx.api()?.account_json()?;
    if let serde_json::Value::Object(fields) = &mut account {
        fields.insert(
            "domain".into(),
            serde_json::Value::String(ctx.settings.site.domain.clone()),
        );
    }
    let text = serde_json::to_string_pretty(&sorted(account))
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
            ctx.settings.site.domain
        ));
    } else {
        ctx.printer
            .line(&format!("Not logged in to {}.", ctx.settings.site.domain));
    }
    if ctx.settings.site.api_key.is_some() {
        ctx.printer.warn(
            "An API key is still set by ANACONDA_AUTH_API_KEY or api_key in the config file; \
             it is used until you remove it.",
        );
    }
    Ok(())
}

/// `value` with every object's keys in order (serde_json keeps insertion order here).
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(fields) => {
            let mut fields: Vec<_> = fields.into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(fields.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}
