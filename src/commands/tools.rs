//! Which package managers a command configures (`--tool`, `ANACONDA_TOKEN_TOOLS`, else conda),
//! and the steps every command takes with the other tools' credential stores (`crate::tools`):
//! check before a token is issued, write it, list it, remove it.

use crate::conda::token_files::{self, Replaced};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::tools::{self, Tool, ToolCredential, ToolStore};

/// The package managers this run configures, in a fixed order, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets(Vec<Tool>);

impl Targets {
    /// `--tool` flags when given, else `ANACONDA_TOKEN_TOOLS`, else conda alone (today's
    /// behaviour).
    pub fn chosen(ctx: &Context, flags: &[Tool]) -> Targets {
        let mut tools = if flags.is_empty() {
            ctx.settings.tools.clone()
        } else {
            flags.to_vec()
        };
        tools.sort();
        tools.dedup();
        Targets(tools)
    }

    /// Whether conda's own files (token file, `.condarc`, index cache) are configured.
    pub fn conda(&self) -> bool {
        self.0.contains(&Tool::Conda)
    }

    /// Whether a tool besides conda is chosen.
    pub fn others(&self) -> bool {
        self.0.iter().any(|tool| *tool != Tool::Conda)
    }

    /// The stores of the other tools chosen.
    fn stores(&self, ctx: &Context) -> Vec<Box<dyn ToolStore>> {
        self.0
            .iter()
            .filter_map(|tool| tools::store(*tool, &ctx.settings, &ctx.locks))
            .collect()
    }
}

/// Before a token is issued: every chosen tool store must take the write.
pub fn check_writable(ctx: &Context, targets: &Targets) -> Result<()> {
    for store in targets.stores(ctx) {
        store.check_writable()?;
    }
    Ok(())
}

/// Gives `token`, already in the organization's keyring entry, to every chosen tool: conda's
/// token file, then the other tools' stores. A failure does not stop the rest: the token is
/// installed by now (and after an issue the old one is revoked), so every tool that can take
/// it gets it. Each failure is a warning; the tools that did not get the token are returned,
/// for [`unfinished`].
pub fn deliver(ctx: &Context, targets: &Targets, token: &Secret) -> Vec<Tool> {
    let mut missing = Vec::new();
    if targets.conda()
        && let Err(e) = give_conda(ctx, token)
    {
        warn_missing(ctx, Tool::Conda, &e);
        missing.push(Tool::Conda);
    }
    missing.extend(write(ctx, targets, token));
    missing
}

/// conda's token file for the repository. A token conda cannot put in a URL (only ever one the
/// server issued: given ones are checked first) stays in the keyring entry alone, where the
/// conda plugin reads it.
fn give_conda(ctx: &Context, token: &Secret) -> Result<()> {
    if token_files::check_token(token).is_err() {
        ctx.printer.warn(
            "The issued token has characters conda cannot put in a URL: it was stored in the \
             keyring entry only, not in conda's token file.",
        );
        return Ok(());
    }
    token_files::write(
        &ctx.locks,
        &ctx.settings.paths.binstar_dir,
        &ctx.settings.site.repo_url,
        token,
    )
    .map(drop)
}

/// Writes `token` into the chosen tools' stores (not conda's files), saying where; the tools
/// whose store failed (a warning each).
pub fn write(ctx: &Context, targets: &Targets, token: &Secret) -> Vec<Tool> {
    let stores = targets.stores(ctx);
    if !stores.is_empty() && token_files::check_token(token).is_err() {
        // rattler and mamba put it in the URL's path, as conda does.
        ctx.printer.warn(
            "The token has characters that cannot go into a URL: it was not given to pixi or \
             mamba.",
        );
        return Vec::new();
    }
    let mut missing = Vec::new();
    for store in stores {
        match store.set(&ctx.settings.site.repo_url, token) {
            Ok(()) => ctx.printer.line(&format!(
                "{} will use the token: it is stored in {}.",
                ctx.printer.accent(store.tool().name()),
                store.describe()
            )),
            Err(e) => {
                warn_missing(ctx, store.tool(), &e);
                missing.push(store.tool());
            }
        }
    }
    missing
}

fn warn_missing(ctx: &Context, tool: Tool, error: &Error) {
    ctx.printer
        .warn(&format!("{} was not given the token: {error}", tool.name()));
}

/// The error a command ends with when `missing` tools did not get the token of `org` (each
/// said why in a warning): the token is installed, and `setup` finishes the job.
pub fn unfinished(org: &str, missing: &[Tool]) -> Error {
    let names: Vec<&str> = missing.iter().map(|tool| tool.name()).collect();
    Error::with_hint(
        format!(
            "The token of {org} is installed (see `anaconda token list`), but {} could not be \
             given it.",
            names.join(" and ")
        ),
        format!(
            "Once this is fixed, run `anaconda token setup {} -o {org}`.",
            names.join(" ")
        ),
    )
}

/// Says [`unfinished`] as a warning, for a command that ends with another error first (its
/// `.condarc` could not be configured), so that the way to finish the tools is not lost.
pub fn warn_unfinished(ctx: &Context, org: &str, missing: &[Tool]) {
    if missing.is_empty() {
        return;
    }
    let unfinished = unfinished(org, missing);
    let hint = unfinished.hint().unwrap_or_default();
    ctx.printer.warn(&format!("{unfinished} {hint}"));
}

/// After a reissue: conda's token file and every tool store not chosen this time that still
/// hold the revoked `old` token get `new` in its place, so that the tool keeps working. Never
/// fails (the new token is stored by now): what cannot be done is a warning.
pub fn follow_reissue(ctx: &Context, org: &str, targets: &Targets, old: &Secret, new: &Secret) {
    if !targets.conda() {
        follow_reissue_in_condas_file(ctx, org, old, new);
    }
    let repo = &ctx.settings.site.repo_url;
    for store in all_stores(ctx) {
        if targets.0.contains(&store.tool()) {
            continue;
        }
        let holds_old = match reachable(ctx, store.as_ref(), store.list(repo), false) {
            Ok(found) => found
                .into_iter()
                .flatten()
                .any(|c| c.token.expose() == old.expose()),
            Err(e) => {
                let tool = store.tool().name();
                ctx.printer.warn(&format!(
                    "{tool}'s store was not looked at for the revoked token (run `anaconda \
                     token setup {tool} -o {org}` if it had it): {e}"
                ));
                false
            }
        };
        if !holds_old {
            continue;
        }
        match store.set(repo, new) {
            Ok(()) => ctx.printer.line(&format!(
                "{} had the revoked token: it now has the new one, in {}.",
                ctx.printer.accent(store.tool().name()),
                store.describe()
            )),
            Err(e) => {
                let tool = store.tool().name();
                ctx.printer.warn(&format!(
                    "{tool} still has the revoked token (run `anaconda token setup {tool} -o \
                     {org}` once this is fixed): {e}"
                ));
            }
        }
    }
}

fn follow_reissue_in_condas_file(ctx: &Context, org: &str, old: &Secret, new: &Secret) {
    let dir = &ctx.settings.paths.binstar_dir;
    let replaced = token_files::replace_holding(
        &ctx.locks,
        dir,
        &ctx.settings.site.repo_url,
        &[old],
        Some(new),
    );
    let conda = ctx.printer.accent("conda");
    match replaced {
        Ok(Replaced::Untouched) => {}
        Ok(Replaced::Rewritten) => ctx.printer.line(&format!(
            "{conda} had the revoked token: it now has the new one, in its token folder {}.",
            dir.display()
        )),
        Ok(Replaced::Removed) => ctx.printer.line(&format!(
            "{conda} had the revoked token: it was removed from its token folder {}.",
            dir.display()
        )),
        Err(e) => ctx.printer.warn(&format!(
            "conda still has the revoked token (run `anaconda token setup conda -o {org}` once \
             this is fixed): {e}"
        )),
    }
}

/// Removes each of `tokens` from every tool store that holds it (found by value), naming each
/// store changed. A store that cannot be reached at all (the OS keyring without D-Bus) holds
/// nothing we could remove: it is passed over with a warning.
pub fn remove(ctx: &Context, tokens: &[&Secret]) -> Result<()> {
    for store in all_stores(ctx) {
        let mut removed = false;
        for token in tokens {
            match reachable(ctx, store.as_ref(), store.remove_token(token), true)? {
                Some(changed) => removed |= changed,
                None => break,
            }
        }
        if removed {
            ctx.printer.line(&format!(
                "Removed the token from {}'s store {}.",
                store.tool().name(),
                store.describe()
            ));
        }
    }
    Ok(())
}

/// Before `uninstall` changes anything: every tool store that holds one of `tokens` can be
/// changed (a store that cannot be reached is passed over, as `remove` passes it over; one
/// that holds none of them is not written, so it need not be writable).
pub fn check_removable(ctx: &Context, tokens: &[&Secret]) -> Result<()> {
    for store in all_stores(ctx) {
        for token in tokens {
            match reachable(ctx, store.as_ref(), store.holds(token), false)? {
                Some(true) => {
                    reachable(ctx, store.as_ref(), store.check_writable(), false)?;
                    break;
                }
                Some(false) => {}
                None => break,
            }
        }
    }
    Ok(())
}

/// Every tool store's credentials for the repository, with the store they are in. A store
/// that cannot be reached is passed over in silence (it is the OS keyring, and the keyring
/// entry's own warning has said so already); one that cannot be read, with a warning: `list`
/// shows what it can.
pub fn credentials(ctx: &Context) -> Result<Vec<(Tool, String, ToolCredential)>> {
    let mut found = Vec::new();
    for store in all_stores(ctx) {
        let listed = match store.list(&ctx.settings.site.repo_url) {
            Err(e @ Error::InvalidFile { .. }) => {
                ctx.printer.warn(&e.to_string());
                continue;
            }
            listed => listed,
        };
        for credential in reachable(ctx, store.as_ref(), listed, false)?.unwrap_or_default() {
            found.push((store.tool(), store.describe(), credential));
        }
    }
    Ok(found)
}

/// `None` (with a warning, when `warn`) when the store cannot be reached at all; other
/// errors stand.
fn reachable<T>(
    ctx: &Context,
    store: &dyn ToolStore,
    result: Result<T>,
    warn: bool,
) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::Unreachable { .. }) if !warn => Ok(None),
        Err(Error::Unreachable { message, .. }) => {
            ctx.printer.warn(&format!(
                "{message} {}'s credentials there were not looked at.",
                store.tool().name()
            ));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Every store of every tool we know, chosen or not (for `list` and `uninstall`).
fn all_stores(ctx: &Context) -> Vec<Box<dyn ToolStore>> {
    [Tool::Pixi, Tool::Mamba]
        .into_iter()
        .flat_map(|tool| tools::every_store(tool, &ctx.settings, &ctx.locks))
        .collect()
}
