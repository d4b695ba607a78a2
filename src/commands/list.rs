//! `anaconda token list`: the tokens in the keyring entry, then conda's token files.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::api::orgs::parse_expiry;
use crate::cli::ListArgs;
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};

/// One row, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    org_name: Option<String>,
    channel_url: String,
    token: String,
    expires_at: Option<String>,
    source: &'static str,
    storage: String,
}

pub fn run(ctx: &mut Context, args: &ListArgs) -> Result<()> {
    if args.check {
        return Err(Error::with_hint(
            "`anaconda token list --check` is not implemented yet in this version.",
            "Run `anaconda token list` without --check.",
        ));
    }
    let rows = collect(ctx)?;
    if args.json {
        let json = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
        ctx.printer.line(&json);
        return Ok(());
    }
    if rows.is_empty() {
        return Err(Error::msg(
            "No repo tokens are installed. Run anaconda token install.",
        ));
    }
    print_table(ctx, &rows);
    Ok(())
}

fn collect(ctx: &Context) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let storage = ctx.store.describe();
    if let Some(info) = ctx.store.load()? {
        for token in &info.repo_tokens {
            rows.push(Row {
                org_name: token.org_name.clone(),
                channel_url: format!("{}{}/*", ctx.settings.repo_url, token.org()),
                token: token.token.expose().to_string(),
                expires_at: token
                    .expires_at
                    .as_deref()
                    .and_then(parse_expiry)
                    .map(|dt| dt.to_rfc3339()),
                source: "keyring",
                storage: storage.clone(),
            });
        }
    }
    let settings = &ctx.settings;
    let mut dirs = vec![settings.binstar_dir.as_path()];
    dirs.extend(settings.legacy_binstar_dir.as_deref());
    for file in token_files::list(&dirs)? {
        rows.push(Row {
            org_name: None,
            channel_url: file.url,
            token: file.token.expose().to_string(),
            expires_at: None,
            source: "conda-token-file",
            storage: file.path.display().to_string(),
        });
    }
    Ok(rows)
}

fn print_table(ctx: &Context, rows: &[Row]) {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["Organization", "Channel URL", "Token", "Expires"]);
    for row in rows {
        let expires = row
            .expires_at
            .as_deref()
            .map(|e| e.chars().take(10).collect::<String>())
            .unwrap_or_else(|| "-".into());
        table.add_row([
            row.org_name.clone().unwrap_or_default(),
            row.channel_url.clone(),
            row.token.clone(),
            expires,
        ]);
    }
    ctx.printer.good("Anaconda Repository Tokens");
    ctx.printer.line(&table.to_string());
    if rows.iter().any(|r| r.source == "keyring") {
        ctx.printer
            .line(&format!("Stored in {}", ctx.store.describe()));
    }
    if rows.iter().any(|r| r.source == "conda-token-file") {
        ctx.printer.line(&format!(
            "conda token files in {}",
            ctx.settings.binstar_dir.display()
        ));
    }
}
