//! `anaconda token install`: choose the organization, issue (or take) a token, validate it
//! against the repository, store it, write conda's token file, configure `.condarc`.

use crate::api::orgs::parse_expiry;
use crate::api::repo::Validation;
use crate::cli::InstallArgs;
use crate::commands::{config, organization};
use crate::conda::condarc::Condarc;
use crate::conda::{cache, token_files};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::RepoToken;

/// Where the token being installed came from.
pub enum Origin {
    /// Issued just now by the server (the previous one is revoked).
    Issued { expires_at: Option<String> },
    /// Given on the command line or stdin (a site token).
    Given,
}

pub fn run(ctx: &mut Context, args: &InstallArgs) -> Result<()> {
    let given = args
        .token
        .as_deref()
        .map(|arg| read_token(ctx, arg))
        .transpose()?;
    if let Some(token) = &given {
        token_files::check_token(token)?;
    }
    let org = organization::choose(ctx, args.org.as_deref())?;
    preflight(ctx, args.channels.enabled())?;
    let (token, origin) = match given {
        Some(token) => (token, Origin::Given),
        None => issue(ctx, &org, args.yes, false)?,
    };
    install_token(ctx, &org, &token, &origin)?;
    finish(ctx, args.channels.enabled(), args.yes)
}

/// Everything that can fail after a token is issued, checked before: issuing revokes the
/// previous token at once, so nothing after it may fail on something knowable now (an
/// unreadable keyring file, a bad CA bundle, an invalid `.condarc`).
pub fn preflight(ctx: &Context, configure_condarc: bool) -> Result<()> {
    ctx.store.check()?;
    ctx.repo_client()?;
    if configure_condarc {
        Condarc::load(&ctx.settings.user_condarc)?;
    }
    Ok(())
}

/// Steps 5 and 6: configure conda (unless told not to), clean its index cache, say so.
pub fn finish(ctx: &mut Context, set_default_channels: bool, yes: bool) -> Result<()> {
    let configured = set_default_channels && {
        let path = ctx.settings.user_condarc.clone();
        config::configure(ctx, &path, yes, &[], "--yes")?
    };
    cache::clean_index_cache(ctx.settings.conda_exe().as_deref(), &ctx.printer);
    print_success(ctx, configured);
    Ok(())
}

/// Steps 3 and 4: validate, then store in the keyring entry and conda's token file.
pub fn install_token(ctx: &mut Context, org: &str, token: &Secret, origin: &Origin) -> Result<()> {
    let just_issued = matches!(origin, Origin::Issued { .. }).then_some(org);
    validate(ctx, token, just_issued)?;
    let expires_at = match origin {
        Origin::Issued { expires_at } => expires_at.clone(),
        Origin::Given => None,
    };
    let record = RepoToken::new(org, token.clone(), expires_at.clone());
    ctx.store.modify(|info| {
        info.set_token(record);
        Ok(())
    })?;
    // A token conda cannot put in a URL (only ever one the server issued: given ones are checked
    // first) is still kept in the keyring entry, where the conda plugin reads it.
    match token_files::check_token(token) {
        Ok(()) => {
            token_files::write(
                &ctx.locks,
                &ctx.settings.binstar_dir,
                &ctx.settings.repo_url,
                token,
            )?;
        }
        Err(_) => ctx.printer.warn(
            "The issued token has characters conda cannot put in a URL: it was stored in the \
             keyring entry only, not in conda's token file.",
        ),
    }
    if let Origin::Issued { .. } = origin {
        let date = expires_at
            .as_deref()
            .map(|e| {
                parse_expiry(e)
                    .map(|dt| dt.format("%Y-%m-%d %H:%M:%S%:z").to_string())
                    .unwrap_or_else(|| e.to_string())
            })
            .unwrap_or_else(|| "at an unknown date".into());
        ctx.printer.line(&format!(
            "Your conda token has been installed and expires {}. To view your token(s), you can \
             use {}",
            ctx.printer.accent(&date),
            ctx.printer.accent("anaconda token list")
        ));
    }
    Ok(())
}

/// Step 3: the repository must accept the token. `just_issued` names the organization when the
/// server issued it just now (its previous token is revoked already: say so).
pub fn validate(ctx: &Context, token: &Secret, just_issued: Option<&str>) -> Result<()> {
    match ctx.validate_token(token)? {
        Validation::Valid => Ok(()),
        Validation::Rejected { status } => Err(Error::TokenRejected {
            detail: format!(
                "The repository {} answered HTTP {status}.",
                ctx.settings.repo_url
            ),
            hint: just_issued.map(|org| {
                format!(
                    "The token was just issued, so the previous token of {org} is already \
                     revoked: `anaconda token reissue -o {org}` issues a fresh one."
                )
            }),
        }),
    }
}

/// Step 2: ask the service for a new token, confirming first when one exists (or always, for
/// `reissue`, since the old one is revoked either way).
pub fn issue(
    ctx: &mut Context,
    org: &str,
    yes: bool,
    always_warn: bool,
) -> Result<(Secret, Origin)> {
    let exists = ctx.api()?.current_token(org)?.is_some();
    if (exists || always_warn) && !yes {
        if exists {
            ctx.printer.line(&format!(
                "An existing token already exists for the organization {}.",
                ctx.printer.accent(org)
            ));
        }
        ctx.printer.line(
            "Reissuing a new token will revoke and deactivate any existing token access. This \
             action can't be undone.",
        );
        if !ctx.prompter.confirm("Proceed?", "--yes")? {
            return Err(Error::Aborted);
        }
    }
    let issued = ctx.api()?.issue_token(org)?;
    Ok((
        issued.token,
        Origin::Issued {
            expires_at: issued
                .expires_at
                .as_deref()
                .and_then(parse_expiry)
                .map(|d| d.to_rfc3339()),
        },
    ))
}

/// The TOKEN argument; `-` reads it from stdin (hidden on a terminal) so the token stays out of
/// the process list and the shell history.
fn read_token(ctx: &mut Context, arg: &str) -> Result<Secret> {
    let text = if arg == "-" {
        ctx.prompter.secret("Token")?
    } else {
        arg.trim().to_string()
    };
    if text.is_empty() {
        return Err(Error::Usage(
            "The token is empty: pass it as TOKEN, or '-' and one line on stdin.".into(),
        ));
    }
    Ok(Secret::new(text))
}

fn print_success(ctx: &Context, configured: bool) {
    if configured {
        ctx.printer.good(
            "Success! Your token has been installed and validated, and conda has been configured.",
        );
    } else {
        ctx.printer
            .good("Success! Your token has been installed and validated.");
        ctx.printer.line(&format!(
            "conda was not configured to use it: run {} to set its default channels.",
            ctx.printer.accent("anaconda token config")
        ));
    }
}
