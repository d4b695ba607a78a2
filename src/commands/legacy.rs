//! The legacy commands: `anaconda token set` / `remove` and the `conda-token` binary
//! (`list`, `set`, `remove`), with conda-token 0.6's effects on conda's files (`conda.md`).

use std::path::Path;

use crate::cli::{CondaTokenLocation, CondaTokenSetArgs, RemoveArgs, SetArgs};
use crate::commands::tools::{self, Targets};
use crate::commands::{config, install};
use crate::conda::locations::Location;
use crate::conda::{cache, condarc, token_files};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::SslVerify;

/// What `set` does to the chosen `.condarc`, beyond the default channels.
#[derive(Debug, Default)]
struct SetOptions {
    archive: Vec<String>,
    no_ssl_verify: bool,
    signature_verification: bool,
    force: bool,
    set_default_channels: bool,
    /// The option that answers the `.condarc` question ahead.
    answer_flag: &'static str,
}

/// `anaconda token set TOKEN [-o ORG] [-f F | -e | -s]`.
pub fn set(ctx: &mut Context, args: &SetArgs) -> Result<()> {
    let token = Secret::new(args.token.trim());
    install::check_given_token(&token)?;
    let targets = Targets::chosen(ctx, &args.target.tools.tools);
    if args.target.org.name().is_none() && targets.others() {
        // The keyring entry is where `uninstall` finds a token to remove from those stores.
        return Err(Error::Usage(
            "Giving the token to pixi or mamba needs --org ORG (so that `uninstall` can remove it \
             later)."
                .into(),
        ));
    }
    let org = args.target.org.name();
    if let Some(org) = org {
        crate::api::orgs::check_org_name(org)?;
        tools::check_writable(ctx, &targets)?;
    }
    install::validate(ctx, &token)?;
    // With an organization, the keyring entry and the other tools' stores (conda's token file
    // is `apply_set`'s); without one, conda alone.
    let missing = match org {
        Some(org) => {
            install::store(ctx, org, &token, None)?;
            tools::write(ctx, &targets, &token)
        }
        None => Vec::new(),
    };
    let configured = if targets.conda() {
        let location = Location::from(&args.location);
        let options = SetOptions {
            set_default_channels: args.target.channels.enabled(),
            answer_flag: "--no-set-default-channels",
            ..Default::default()
        };
        let path = location.path(&ctx.settings)?;
        let configured = apply_set(ctx, &token, &path, &options).inspect_err(|_| {
            if let Some(org) = org {
                tools::warn_unfinished(ctx, org, &missing);
            }
        })?;
        Some(configured)
    } else {
        None
    };
    if let Some(org) = org
        && !missing.is_empty()
    {
        return Err(tools::unfinished(org, &missing));
    }
    match configured {
        Some(configured) => print_set_success(ctx, configured),
        None => ctx
            .printer
            .good("Success! Your token was validated and stored."),
    }
    Ok(())
}

/// `anaconda token remove [-f F | -e | -s]`.
pub fn remove(ctx: &mut Context, args: &RemoveArgs) -> Result<()> {
    let location = Location::from(&args.location);
    apply_remove(ctx, &location.path(&ctx.settings)?)
}

/// `conda-token list`: the repository's token file only, as `URL TOKEN`.
pub fn conda_token_list(ctx: &mut Context) -> Result<()> {
    let repo = &ctx.settings.site.repo_url;
    let files = token_files::list(&ctx.settings.paths.token_dirs())?;
    let Some(file) = files.iter().find(|f| &f.url == repo) else {
        return Err(Error::Plain(format!(
            "No tokens have been configured for {repo}"
        )));
    };
    ctx.printer
        .line(&format!("{} {}", file.url, file.token.expose()));
    Ok(())
}

/// `conda-token set TOKEN [...]`.
pub fn conda_token_set(ctx: &mut Context, args: &CondaTokenSetArgs) -> Result<()> {
    let token = Secret::new(args.token.trim());
    install::check_given_token(&token)?;
    if args.no_ssl_verify {
        ctx.force_repo_ssl_verify(SslVerify::No);
    }
    install::validate(ctx, &token)?;
    let options = SetOptions {
        archive: args.include_archive_channels.clone(),
        no_ssl_verify: args.no_ssl_verify,
        signature_verification: args.enable_signature_verification,
        force: args.force_config_condarc,
        set_default_channels: true,
        answer_flag: "--force-config-condarc",
    };
    let path = Location::from(&args.location).path(&ctx.settings)?;
    let configured = apply_set(ctx, &token, &path, &options)?;
    print_set_success(ctx, configured);
    Ok(())
}

/// conda-token's words when the channels were set; otherwise it says what was not done.
fn print_set_success(ctx: &Context, configured: bool) {
    if configured {
        ctx.printer
            .good("Success! Your token was validated and Conda has been configured.");
    } else {
        ctx.printer.good(
            "Success! Your token was validated and stored for conda; its default_channels were \
             not changed.",
        );
    }
}

/// `conda-token remove [--system | --env | --file F]`.
pub fn conda_token_remove(ctx: &mut Context, location: &CondaTokenLocation) -> Result<()> {
    let path = Location::from(location).path(&ctx.settings)?;
    apply_remove(ctx, &path)
}

/// conda-token's `set`: the token file for the repository, then the `.condarc` keys, then the
/// default channels (the `config` flow), then the index cache.
/// Returns whether the default channels are configured now.
fn apply_set(ctx: &mut Context, token: &Secret, path: &Path, options: &SetOptions) -> Result<bool> {
    token_files::write(
        &ctx.locks,
        &ctx.settings.paths.binstar_dir,
        &ctx.settings.site.repo_url,
        token,
    )?;
    let signing_base = ctx.settings.site.repo_url_trimmed().to_string();
    condarc::edit(&ctx.locks, path, |rc| {
        rc.set_scalar("add_anaconda_token", "true");
        if options.no_ssl_verify {
            rc.set_scalar("ssl_verify", "false");
        }
        if options.signature_verification {
            rc.set_scalar("extra_safety_checks", "true");
            rc.set_scalar("signing_metadata_url_base", &signing_base);
        }
        Ok(())
    })?;
    let ask = config::Ask {
        force: options.force,
        archive: &options.archive,
        answer_flag: options.answer_flag,
    };
    config::configure_and_clean(ctx, path, options.set_default_channels.then_some(&ask))
}

/// conda-token's `remove`: the token file, `default_channels`, and signature verification where
/// `set --enable-signature-verification` turned it on (its `signing_metadata_url_base` is our
/// repository); keys that are absent stay absent.
fn apply_remove(ctx: &mut Context, path: &Path) -> Result<()> {
    let repo = ctx.settings.site.repo_url.clone();
    if token_files::remove(&ctx.locks, &ctx.settings.paths.binstar_dir, &repo)? {
        ctx.printer
            .line(&format!("Removed conda's token for {repo}"));
    }
    let signing_base = ctx.settings.site.repo_url_trimmed().to_string();
    let removed_channels = condarc::edit(&ctx.locks, path, |rc| {
        let removed = rc.remove("default_channels");
        if rc.get_scalar("signing_metadata_url_base").as_deref() == Some(signing_base.as_str()) {
            rc.remove("signing_metadata_url_base");
            if rc.contains("extra_safety_checks") {
                rc.set_scalar("extra_safety_checks", "false");
            }
        }
        Ok(removed)
    })?;
    if removed_channels {
        ctx.printer
            .line(&format!("Removed default_channels from {}", path.display()));
    }
    cache::clean_index_cache(ctx.settings.conda_exe().as_deref(), &ctx.printer);
    Ok(())
}
