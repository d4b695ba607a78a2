//! `anaconda token config`: point conda's `default_channels` at the repository.

use std::path::Path;

use crate::cli::ConfigArgs;
use crate::conda::{cache, channels, condarc};
use crate::context::Context;
use crate::error::Result;

pub fn run(ctx: &mut Context, args: &ConfigArgs) -> Result<()> {
    let path = ctx.settings.paths.user_condarc.clone();
    let ask = Ask {
        force: args.force,
        archive: &[],
        answer_flag: "--force",
    };
    configure(ctx, &path, &ask)?;
    Ok(())
}

/// What [`configure`] sets, and whether it asks first.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// Change `default_channels` without asking.
    pub force: bool,
    /// Archive channels to add to the default channels (`conda-token set
    /// --include-archive-channels`).
    pub archive: &'a [String],
    /// The option that answers the question ahead (named when it cannot be asked).
    pub answer_flag: &'static str,
}

/// What the `.condarc` needs, found before anything is asked.
struct Plan {
    /// The `default_channels` it has now.
    existing: Vec<String>,
    /// They already are the repository's channels (and no archive channels are wanted).
    defaults_right: bool,
    /// No file conda reads names `channels`: `channels: [defaults]` is added.
    add_channels: bool,
}

/// The last step of every command that gives conda a token: [`configure`] when `ask` is given,
/// then conda's index cache cleaned (so that conda fetches the channels anew, with the token).
/// Returns whether conda is configured now.
pub fn configure_and_clean(ctx: &mut Context, path: &Path, ask: Option<&Ask>) -> Result<bool> {
    let configured = match ask {
        Some(ask) => configure(ctx, path, ask)?,
        None => false,
    };
    cache::clean_index_cache(ctx.settings.conda_exe().as_deref(), &ctx.printer);
    Ok(configured)
}

/// The `config` flow on the `.condarc` at `path`. Returns whether conda is configured now
/// (`false` when the user declined).
///
/// Besides `default_channels`, conda 26 and later need `channels` to name `defaults`: they
/// configure no channels of their own. When no file conda reads sets `channels` (and
/// `CONDA_CHANNELS` is unset), `channels: [defaults]` is added in the same edit.
pub fn configure(ctx: &mut Context, path: &Path, ask: &Ask) -> Result<bool> {
    ctx.printer.line(&format!(
        "Configuring your {} file",
        ctx.printer.accent(".condarc")
    ));
    let repo = ctx.settings.site.repo_url.clone();
    let plan = plan(ctx, path, &repo, ask.archive)?;
    if plan.defaults_right && !plan.add_channels {
        ctx.printer
            .line("Default channels already configured, nothing to do.");
        return Ok(true);
    }
    if !ask.force {
        if !confirm(ctx, &plan, ask.answer_flag)? {
            return Ok(false);
        }
    } else if plan.add_channels {
        ctx.printer.line(NO_CHANNELS);
    }
    let wanted = channels::default_channels(&repo, ask.archive);
    write(ctx, path, &plan, &wanted)?;
    Ok(true)
}

fn plan(ctx: &Context, path: &Path, repo: &str, archive: &[String]) -> Result<Plan> {
    let rc = condarc::Condarc::load(path)?;
    let existing = rc.get_list("default_channels").unwrap_or_default();
    let conda = ctx.conda_settings()?;
    let defaults_right = archive.is_empty() && conda.channel_rules().is_configured(&existing, repo);
    let add_channels = conda.channels_set_in.is_none()
        && !rc
            .get_list("channels")
            .is_some_and(|list| list.iter().any(|c| !c.trim().is_empty()));
    Ok(Plan {
        existing,
        defaults_right,
        add_channels,
    })
}

/// Says what is about to change and asks; `answer_flag` answers it ahead.
fn confirm(ctx: &mut Context, plan: &Plan, answer_flag: &'static str) -> Result<bool> {
    if plan.defaults_right {
        ctx.printer.line("Default channels already configured.");
    } else if plan.existing.is_empty() {
        ctx.printer
            .line("Prepared to set default channels in .condarc.");
    } else {
        ctx.printer.line("Existing default channels found:");
        for channel in &plan.existing {
            ctx.printer.line(&format!("- {channel}"));
        }
        ctx.printer
            .line("This action will override the existing default_channels setting.");
    }
    if plan.add_channels {
        ctx.printer.line(NO_CHANNELS);
    }
    ctx.prompter.confirm("Proceed?", answer_flag)
}

/// One edit of the `.condarc`: the default channels, `channels`, `restore_free_channel`.
fn write(ctx: &Context, path: &Path, plan: &Plan, wanted: &[String]) -> Result<()> {
    condarc::edit(&ctx.locks, path, |rc| {
        if !plan.defaults_right {
            rc.set_list("default_channels", wanted);
        }
        if plan.add_channels {
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
    })
}

/// Said when `channels: [defaults]` is added.
const NO_CHANNELS: &str = "No conda configuration file sets channels, and conda 26 and later \
    configure none of their own: channels: [defaults] will be added too, so that conda uses \
    the default channels.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::context;
    use crate::prompt::Answer;

    const ASKED: &str = "Configuring your .condarc file\n\
        Prepared to set default channels in .condarc.\n\
        No conda configuration file sets channels, and conda 26 and later configure none of \
        their own: channels: [defaults] will be added too, so that conda uses the default \
        channels.\n";

    fn args(force: bool) -> ConfigArgs {
        ConfigArgs {
            force,
            no_force: false,
        }
    }

    #[test]
    fn declined_writes_nothing() {
        let mut t = context(&[], vec![Answer::Confirm("Proceed?", Some(false))]);
        run(&mut t.ctx, &args(false)).unwrap();
        assert_eq!(t.printed.stdout(), ASKED);
        assert!(!t.home.path().join(".condarc").exists());
    }

    #[test]
    fn confirmed_writes_the_channels() {
        let mut t = context(&[], vec![Answer::Confirm("Proceed?", Some(true))]);
        run(&mut t.ctx, &args(false)).unwrap();
        assert_eq!(t.printed.stdout(), ASKED);
        let condarc = std::fs::read_to_string(t.home.path().join(".condarc")).unwrap();
        assert!(
            condarc.starts_with("default_channels:\n  - https://repo.anaconda.cloud/repo/main\n")
        );
        assert!(condarc.ends_with("channels:\n  - defaults\n"), "{condarc}");
    }

    #[test]
    fn end_of_input_names_the_flag() {
        let mut t = context(&[], vec![Answer::Confirm("Proceed?", None)]);
        let err = run(&mut t.ctx, &args(false)).unwrap_err();
        assert!(matches!(
            err,
            crate::error::Error::NeedsFlag {
                flag: "--force",
                ..
            }
        ));
        assert!(!t.home.path().join(".condarc").exists());
    }

    #[test]
    fn force_asks_nothing() {
        // The script is empty: a question would panic.
        let mut t = context(&[], vec![]);
        run(&mut t.ctx, &args(true)).unwrap();
        assert!(t.home.path().join(".condarc").exists());
    }
}
