//! `anaconda token config`: point conda's `default_channels` at the repository.

use std::path::Path;

use crate::cli::ConfigArgs;
use crate::conda::{channels, condarc};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, args: &ConfigArgs) -> Result<()> {
    let path = ctx.settings.user_condarc.clone();
    configure(ctx, &path, args.force, &[], "--force")?;
    Ok(())
}

/// The `config` flow on the `.condarc` at `path`. Returns whether conda is configured now
/// (`false` when the user declined). `flag` is the option that answers the question ahead.
pub fn configure(
    ctx: &mut Context,
    path: &Path,
    force: bool,
    archive: &[String],
    flag: &'static str,
) -> Result<bool> {
    ctx.printer.line(&format!(
        "Configuring your {} file",
        ctx.printer.accent(".condarc")
    ));
    let repo = ctx.settings.repo_url.clone();
    let existing = condarc::Condarc::load(path)?
        .get_list("default_channels")
        .unwrap_or_default();
    if archive.is_empty() && channels::is_configured(&existing, &repo) {
        ctx.printer
            .line("Default channels already configured, nothing to do.");
        return Ok(true);
    }
    if !force {
        if existing.is_empty() {
            ctx.printer
                .line("Prepared to set default channels in .condarc.");
        } else {
            ctx.printer.line("Existing default channels found:");
            for channel in &existing {
                ctx.printer.line(&format!("- {channel}"));
            }
            ctx.printer
                .line("This action will override the existing default_channels setting.");
        }
        if !ctx.prompter.confirm("Proceed?", flag)? {
            return Ok(false);
        }
    }
    let wanted = channels::default_channels(&repo, archive);
    condarc::edit(&ctx.locks, path, |rc| {
        rc.set_list("default_channels", &wanted);
        // conda older than 25.9 needs this off for the new channels to take effect; newer
        // conda rejects the key, so it is only ever turned off, never added.
        if rc
            .get_scalar("restore_free_channel")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            rc.set_scalar("restore_free_channel", "false");
        }
        Ok(())
    })?;
    Ok(true)
}
