//! `anaconda token config`: point conda's `default_channels` at the repository.

use std::path::Path;

use crate::cli::ConfigArgs;
use crate::conda::{channels, condarc};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, args: &ConfigArgs) -> Result<()> {
    let path = ctx.settings.paths.user_condarc.clone();
    configure(ctx, &path, args.force, &[], "--force")?;
    Ok(())
}

/// The `config` flow on the `.condarc` at `path`. Returns whether conda is configured now
/// (`false` when the user declined). `flag` is the option that answers the question ahead.
///
/// Besides `default_channels`, conda 26 and later need `channels` to name `defaults`: they
/// configure no channels of their own. When no file conda reads sets `channels` (and
/// `CONDA_CHANNELS` is unset), `channels: [defaults]` is added in the same edit.
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
    let repo = ctx.settings.site.repo_url.clone();
    let rc = condarc::Condarc::load(path)?;
    let existing = rc.get_list("default_channels").unwrap_or_default();
    let conda = ctx.conda_settings()?;
    let defaults_right =
        archive.is_empty() && conda.channel_rules().is_configured(&existing, &repo);
    let add_channels = conda.channels_set_in.is_none()
        && !rc
            .get_list("channels")
            .is_some_and(|list| list.iter().any(|c| !c.trim().is_empty()));
    if defaults_right && !add_channels {
        ctx.printer
            .line("Default channels already configured, nothing to do.");
        return Ok(true);
    }
    if !force {
        if defaults_right {
            ctx.printer.line("Default channels already configured.");
        } else if existing.is_empty() {
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
        if add_channels {
            ctx.printer.line(NO_CHANNELS);
        }
        if !ctx.prompter.confirm("Proceed?", flag)? {
            return Ok(false);
        }
    } else if add_channels {
        ctx.printer.line(NO_CHANNELS);
    }
    let wanted = channels::default_channels(&repo, archive);
    condarc::edit(&ctx.locks, path, |rc| {
        if !defaults_right {
            rc.set_list("default_channels", &wanted);
        }
        if add_channels {
            rc.set_list("channels", &["defaults".to_string()]);
        }
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

/// Said when `channels: [defaults]` is added.
const NO_CHANNELS: &str = "No conda configuration file sets channels, and conda 26 and later \
    configure none of their own: channels: [defaults] will be added too, so that conda uses \
    the default channels.";
