//! `anaconda token install`: choose the organization, issue (or take) a token, validate it
//! against the repository, store it, and give it to the chosen tools (`--tool`): conda's token
//! file and `.condarc` (the default), pixi's and mamba's stores.
//!
//! Issuing a token revokes the previous one at once, so after the PUT nothing may throw the new
//! token away: everything that can be known is checked before it, the keyring's lock is held
//! from before it until the token is stored, a repository that cannot answer does not stop the
//! token from being stored, and a token that cannot be stored is printed once.

use chrono::{DateTime, Utc};

use crate::api::repo::{Validation, check_token_shape, rejection};
use crate::cli::{InstallArgs, IssueArgs};
use crate::commands::tools::{self, Targets};
use crate::commands::{config, organization};
use crate::conda::condarc::Condarc;
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::store::{Guard, RepoToken};
use crate::tools::Tool;

/// A token the server issued, with the keyring lock taken before it was asked for.
pub struct Issued {
    pub token: Secret,
    pub expires_at: Option<DateTime<Utc>>,
    _lock: Guard,
}

/// How an install ended, for the last lines (`finish`).
#[must_use]
pub struct Installed {
    /// Why the repository could not say whether it takes the token (stored anyway).
    pub not_validated: Option<String>,
    /// The tools that did not get the token (each said why in a warning).
    pub missing: Vec<Tool>,
}

pub fn run(ctx: &mut Context, args: &InstallArgs) -> Result<()> {
    let given = args
        .token
        .as_deref()
        .map(|arg| read_token(ctx, arg))
        .transpose()?;
    if let Some(token) = &given {
        check_given_token(token)?;
    }
    let args = &args.issue;
    let targets = Targets::chosen(ctx, &args.target.tools.tools);
    let org = organization::choose(ctx, args.target.org.name())?;
    preflight(ctx, &targets, args.target.channels.enabled())?;
    let installed = match given {
        Some(token) => install_given(ctx, &org, &token, &targets)?,
        None => {
            let ask = Revoke {
                yes: args.yes,
                always: false,
            };
            let issued = issue(ctx, &org, ask)?;
            install_issued(ctx, &org, issued, &targets)?
        }
    };
    finish(ctx, &org, args, &targets, installed)
}

/// Everything that can fail after a token is issued, checked before: issuing revokes the
/// previous token at once, so nothing after it may fail on something knowable now (an
/// unreadable or unwritable keyring, a held lock, a full disk, an unwritable token folder, a
/// bad CA bundle, an invalid or unwritable `.condarc` or tool store). Changes nothing.
pub fn preflight(ctx: &Context, targets: &Targets, configure_condarc: bool) -> Result<()> {
    ctx.store.check_writable()?;
    tools::check_writable(ctx, targets)?;
    ctx.repo_client()?;
    if !targets.conda() {
        return Ok(());
    }
    token_files::check_writable(
        &ctx.locks,
        &ctx.settings.paths.binstar_dir,
        &ctx.settings.site.repo_url,
    )?;
    if configure_condarc {
        let path = &ctx.settings.paths.user_condarc;
        Condarc::load(path)?;
        ctx.locks.check_writable(path)?;
    }
    Ok(())
}

/// Steps 5 and 6: configure conda (unless `--no-set-default-channels`, or conda is not one of
/// the tools), clean its index cache, say so. A tool that did not get the token, or a token
/// stored without validation, ends in an error (exit 1) after conda was configured, so that
/// scripts notice.
pub fn finish(
    ctx: &mut Context,
    org: &str,
    args: &IssueArgs,
    targets: &Targets,
    installed: Installed,
) -> Result<()> {
    let configured = targets.conda() && {
        let channels = args.target.channels.enabled();
        configure_conda(ctx, org, channels, args.yes, &installed.missing)?
    };
    if !installed.missing.is_empty() {
        return Err(tools::unfinished(org, &installed.missing));
    }
    if let Some(why) = installed.not_validated {
        return Err(not_validated(&why));
    }
    if targets.conda() {
        print_success(ctx, configured);
    } else {
        ctx.printer
            .good("Success! Your token has been installed and validated.");
    }
    Ok(())
}

/// conda's part once the token is delivered: `.condarc` configured when `channels` (asked unless
/// `yes`), then its index cache cleaned; whether `.condarc` was configured. When configuring
/// fails, the tools that `missing` the token are named first, so that the way to finish them is
/// not lost behind the error.
pub fn configure_conda(
    ctx: &mut Context,
    org: &str,
    channels: bool,
    yes: bool,
    missing: &[Tool],
) -> Result<bool> {
    let path = ctx.settings.paths.user_condarc.clone();
    let ask = config::Ask {
        force: yes,
        archive: &[],
        answer_flag: "--yes",
    };
    config::configure_and_clean(ctx, &path, channels.then_some(&ask))
        .inspect_err(|_| tools::warn_unfinished(ctx, org, missing))
}

fn not_validated(why: &str) -> Error {
    Error::with_hint(
        format!("The token was installed, but it could not be validated: {why}."),
        "Run `anaconda token list --check` later to check that the repository accepts it.",
    )
}

/// A token the server just issued: validate, then store it whatever the repository's state,
/// unless the repository definitely refused it. When it cannot be stored, it is printed.
pub fn install_issued(
    ctx: &mut Context,
    org: &str,
    issued: Issued,
    targets: &Targets,
) -> Result<Installed> {
    let Issued {
        token,
        expires_at,
        _lock,
    } = issued;
    let not_validated = match ctx.validate_token(&token) {
        Ok(Validation::Valid) => None,
        Ok(Validation::Rejected { status, location }) => {
            return Err(rejected(
                ctx,
                &rejection(status, location.as_deref()),
                Some(org),
            ));
        }
        Ok(Validation::Unavailable { status }) => {
            Some(format!("the repository answered HTTP {status}"))
        }
        Err(e) => Some(e.to_string()),
    };
    if let Some(why) = &not_validated {
        ctx.printer.warn(&format!(
            "The new token could not be validated ({why}); it is stored anyway, since the \
             previous token is already revoked."
        ));
    }
    let revoked =
        store(ctx, org, &token, expires_at).map_err(|e| print_unstored(ctx, org, &token, e))?;
    print_installed(ctx, expires_at);
    for old in &revoked {
        tools::follow_reissue(ctx, org, targets, old, &token);
    }
    let missing = tools::deliver(ctx, targets, &token);
    Ok(Installed {
        not_validated,
        missing,
    })
}

/// Steps 3 and 4 for a token the user gave: validate, then store it in the keyring entry and
/// give it to the chosen tools. Nothing was revoked, so a failure before it is stored simply
/// stops.
pub fn install_given(
    ctx: &mut Context,
    org: &str,
    token: &Secret,
    targets: &Targets,
) -> Result<Installed> {
    validate(ctx, token)?;
    store(ctx, org, token, None)?;
    Ok(Installed {
        not_validated: None,
        missing: tools::deliver(ctx, targets, token),
    })
}

/// Step 4: the organization's token in the keyring entry. Returns the organization's tokens
/// it replaced (other than `token`).
pub fn store(
    ctx: &Context,
    org: &str,
    token: &Secret,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Vec<Secret>> {
    let record = RepoToken::new(org, token.clone(), expires_at);
    Ok(ctx
        .store
        .modify(|info| Ok(info.set_token(record)))?
        .into_iter()
        .map(|t| t.token)
        .filter(|old| old.expose() != token.expose())
        .collect())
}

/// The last way not to lose an issued token that could not be stored: print it, once, on
/// stdout, and say how to install it later.
fn print_unstored(ctx: &Context, org: &str, token: &Secret, error: Error) -> Error {
    ctx.printer.line(&format!(
        "The new token for {org} could not be stored. Here it is, shown this once: copy it now."
    ));
    ctx.printer.line(&format!(
        "New repository token for {org}: {}",
        token.expose()
    ));
    let why = match error.hint() {
        Some(hint) => format!("{error}\n{hint}"),
        None => error.to_string(),
    };
    Error::with_hint(
        format!("The token was issued but could not be stored: {why}"),
        format!(
            "The previous token is already revoked. Once the problem is fixed, install the token \
             printed above with `anaconda token install - --org {org}` (paste it when asked)."
        ),
    )
}

fn print_installed(ctx: &Context, expires_at: Option<DateTime<Utc>>) {
    let date = expires_at
        .map(|at| at.format("%Y-%m-%d %H:%M:%S%:z").to_string())
        .unwrap_or_else(|| "at an unknown date".into());
    ctx.printer.line(&format!(
        "Your conda token has been installed and expires {}. To view your token(s), you can use \
         {}",
        ctx.printer.accent(&date),
        ctx.printer.accent("anaconda token list")
    ));
}

/// Step 3 for a token the user gave: the repository must accept it.
pub fn validate(ctx: &Context, token: &Secret) -> Result<()> {
    match ctx.validate_token(token)? {
        Validation::Valid => Ok(()),
        Validation::Rejected { status, location } => {
            Err(rejected(ctx, &rejection(status, location.as_deref()), None))
        }
        Validation::Unavailable { status } => Err(Error::with_hint(
            format!(
                "The repository {} could not check the token: it answered HTTP {status}.",
                ctx.settings.site.repo_url
            ),
            "Nothing was stored. Try again later.",
        )),
    }
}

/// The repository refused the token (401, 403, 404, a redirect); `answer` says how.
fn rejected(ctx: &Context, answer: &str, just_issued: Option<&str>) -> Error {
    let detail = format!(
        "The repository {} answered {answer}.",
        ctx.settings.site.repo_url
    );
    match just_issued {
        None => Error::TokenRejected { detail, hint: None },
        Some(org) => Error::with_hint(
            format!(
                "The repository refused the token just issued for {org}: it answered {answer}."
            ),
            format!(
                "The previous token of {org} is already revoked: `anaconda token reissue -o {org}` \
                 issues a fresh one."
            ),
        ),
    }
}

/// Whether [`issue`] asks before the current token is revoked.
#[derive(Debug, Clone, Copy)]
pub struct Revoke {
    /// `--yes`: never ask.
    pub yes: bool,
    /// Ask even when no token exists (`reissue`: the user asked for a new one on purpose).
    pub always: bool,
}

/// Step 2: ask the service for a new token, confirming first when one exists (or always, for
/// `reissue`, since the old one is revoked either way). The keyring's lock is taken before the
/// request and travels with the token until it is stored.
pub fn issue(ctx: &mut Context, org: &str, ask: Revoke) -> Result<Issued> {
    let exists = ctx.api()?.current_token(org)?.is_some();
    if (exists || ask.always) && !ask.yes {
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
    let lock = ctx.store.hold()?;
    // The prompt may have taken a while: look again right before the point of no return.
    ctx.store.check_writable()?;
    let issued = ctx.api()?.issue_token(org)?;
    issued.expires_at.warn_if_unreadable(&ctx.printer);
    Ok(Issued {
        token: issued.token,
        expires_at: issued.expires_at.at(),
        _lock: lock,
    })
}

/// A token from the user: it goes into a URL and into conda's token file as it is.
pub fn check_given_token(token: &Secret) -> Result<()> {
    check_token_shape(token).map_err(|why| {
        Error::with_hint(
            format!("The token cannot be used: {why}."),
            "Check that you copied the whole token and nothing else.",
        )
    })?;
    token_files::check_token(token)
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
