//! `anaconda token list`: the tokens in the keyring entry, then conda's token files.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::api::orgs::parse_expiry;
use crate::api::repo::Validation;
use crate::cli::ListArgs;
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// One row, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    org_name: Option<String>,
    channel_url: String,
    token: String,
    expires_at: Option<String>,
    source: &'static str,
    storage: String,
    /// With `--check`: `valid`, `rejected (HTTP 403)` or `unreachable (<reason>)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    /// The repository the token is for (the keyring's repository, or the token file's URL).
    #[serde(skip)]
    repo_url: String,
}

pub fn run(ctx: &mut Context, args: &ListArgs) -> Result<()> {
    let mut rows = collect(ctx)?;
    if args.check {
        for row in &mut rows {
            row.status = Some(check(ctx, row));
        }
    }
    if args.json {
        let json = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
        ctx.printer.line(&json);
    } else if rows.is_empty() {
        return Err(Error::msg(
            "No repo tokens are installed. Run anaconda token install.",
        ));
    } else {
        print_table(ctx, &rows, args.check);
    }
    let invalid = rows
        .iter()
        .filter(|r| {
            r.status
                .as_deref()
                .is_some_and(|s| s != "valid" && s != NOT_CHECKED)
        })
        .count();
    if invalid > 0 {
        return Err(Error::with_hint(
            format!("{invalid} of {} tokens are not valid.", rows.len()),
            "Reinstall a rejected token with `anaconda token install -o ORG` (or `reissue`).",
        ));
    }
    Ok(())
}

/// Validates one token as `install` does; the outcome as a status word.
/// A conda token file for another URL (anaconda.org, a mirror) is not ours to judge: it is
/// `not checked`, and sending its token to a URL we know nothing about would be a leak.
const NOT_CHECKED: &str = "not checked (not the repository)";

fn check(ctx: &Context, row: &Row) -> String {
    let is_repository = crate::settings::normalize_repo_url(&row.repo_url)
        .is_ok_and(|url| url == ctx.settings.repo_url);
    if !is_repository {
        return NOT_CHECKED.into();
    }
    let token = Secret::new(row.token.as_str());
    if let Err(why) = crate::api::repo::check_token_shape(&token) {
        return format!("not checked (the token cannot go into a URL: {why})");
    }
    match ctx.validate_token_at(&row.repo_url, &token) {
        Ok(Validation::Valid) => "valid".into(),
        Ok(Validation::Rejected { status, .. }) => format!("rejected (HTTP {status})"),
        Ok(Validation::Unavailable { status }) => format!("unreachable (HTTP {status})"),
        Err(Error::Network { reason, .. }) => format!("unreachable ({reason})"),
        Err(other) => format!("unreachable ({other})"),
    }
}

fn collect(ctx: &Context) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    // Every entry (the environment's, the preferred store's, the file behind the OS keyring),
    // each token once: where it is in effect first.
    for entry in ctx.store.entries()? {
        for token in &entry.info.repo_tokens {
            let shown = rows
                .iter()
                .any(|r| r.org_name == token.org_name && r.token == token.token.expose());
            if shown {
                continue;
            }
            rows.push(Row {
                org_name: token.org_name.clone(),
                channel_url: format!("{}{}/*", ctx.settings.repo_url, token.org()),
                token: token.token.expose().to_string(),
                expires_at: token
                    .expires_at
                    .as_deref()
                    .and_then(parse_expiry)
                    .map(|dt| dt.to_rfc3339()),
                source: entry.source,
                storage: entry.storage.clone(),
                status: None,
                repo_url: ctx.settings.repo_url.clone(),
            });
        }
    }
    for file in token_files::list(&ctx.settings.token_dirs())? {
        rows.push(Row {
            org_name: None,
            repo_url: file.url.clone(),
            status: None,
            channel_url: file.url,
            token: file.token.expose().to_string(),
            expires_at: None,
            source: "conda-token-file",
            storage: file.path.display().to_string(),
        });
    }
    Ok(rows)
}

fn print_table(ctx: &Context, rows: &[Row], with_status: bool) {
    let mut table = Table::new();
    let mut header = vec!["Organization", "Channel URL", "Token", "Expires"];
    if with_status {
        header.push("Status");
    }
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for row in rows {
        let expires = row
            .expires_at
            .as_deref()
            .map(|e| e.chars().take(10).collect::<String>())
            .unwrap_or_else(|| "-".into());
        let mut cells = vec![
            row.org_name.clone().unwrap_or_default(),
            row.channel_url.clone(),
            row.token.clone(),
            expires,
        ];
        cells.extend(row.status.clone());
        // Whatever wrote the store or the token files may have put control characters there.
        table.add_row(
            cells
                .iter()
                .map(|c| crate::output::clean(c).into_owned())
                .collect::<Vec<_>>(),
        );
    }
    ctx.printer.good("Anaconda Repository Tokens");
    ctx.printer.line(&table.to_string());
    let mut stores: Vec<&str> = rows
        .iter()
        .filter(|r| r.source != "conda-token-file")
        .map(|r| r.storage.as_str())
        .collect();
    stores.dedup();
    for store in stores {
        ctx.printer.line(&format!("Stored in {store}"));
    }
    let mut folders: Vec<&str> = rows
        .iter()
        .filter(|r| r.source == "conda-token-file")
        .filter_map(|r| std::path::Path::new(&r.storage).parent()?.to_str())
        .collect();
    folders.dedup();
    for folder in folders {
        ctx.printer.line(&format!("conda token files in {folder}"));
    }
}
