//! `anaconda token list`: the tokens in the keyring entry, then conda's token files.

use chrono::{DateTime, Utc};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::api::repo::Validation;
use crate::cli::ListArgs;
use crate::commands::tools;
use crate::conda::token_files;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::secret::{Secret, redact};
use crate::store::{self, token_info};
use crate::tools::Tool;

/// Where a token is, as `--json` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Source {
    /// The keyring entry, in one of the stores.
    Keyring,
    /// The keyring entry `ANACONDA_AUTH_KEYRING` gives.
    Environment,
    /// One of conda's token files.
    CondaTokenFile,
    /// pixi's (rattler's) credential store.
    Pixi,
    /// mamba's authentication file.
    Mamba,
}

impl Source {
    /// The package manager whose store this is, for the tool stores.
    fn tool(self) -> Option<&'static str> {
        match self {
            Source::Pixi => Some("pixi"),
            Source::Mamba => Some("mamba"),
            _ => None,
        }
    }
}

impl From<Tool> for Source {
    fn from(tool: Tool) -> Self {
        match tool {
            Tool::Pixi => Source::Pixi,
            Tool::Mamba => Source::Mamba,
            Tool::Conda => Source::CondaTokenFile,
        }
    }
}

impl From<store::Source> for Source {
    fn from(source: store::Source) -> Self {
        match source {
            store::Source::Keyring => Source::Keyring,
            store::Source::Environment => Source::Environment,
        }
    }
}

/// One row, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    org_name: Option<String>,
    channel_url: String,
    token: String,
    #[serde(serialize_with = "token_info::serialize_expiry")]
    expires_at: Option<DateTime<Utc>>,
    source: Source,
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

/// A conda token file for another URL (anaconda.org, a mirror) is not ours to judge: it is
/// `not checked`, and sending its token to a URL we know nothing about would be a leak.
const NOT_CHECKED: &str = "not checked (not the repository)";

/// Validates one token as `install` does; the outcome as a status word.
fn check(ctx: &Context, row: &Row) -> String {
    let is_repository = crate::settings::normalize_repo_url(&row.repo_url)
        .is_ok_and(|url| url == ctx.settings.site.repo_url);
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
                // Shown only: a password in the URL is not (the token is, to be copied).
                channel_url: redact(&format!("{}{}/*", ctx.settings.site.repo_url, token.org())),
                token: token.token.expose().to_string(),
                expires_at: token.expires_at(),
                source: entry.source.into(),
                storage: entry.storage.clone(),
                status: None,
                repo_url: ctx.settings.site.repo_url.clone(),
            });
        }
    }
    for file in token_files::list(&ctx.settings.paths.token_dirs())? {
        rows.push(Row {
            org_name: None,
            repo_url: file.url.clone(),
            status: None,
            channel_url: redact(&file.url),
            token: file.token.expose().to_string(),
            expires_at: None,
            source: Source::CondaTokenFile,
            storage: file.path.display().to_string(),
        });
    }
    for (tool, storage, credential) in tools::credentials(ctx)? {
        // The organization is the one whose installed token this is (found by value).
        let org_name = rows
            .iter()
            .find(|r| r.token == credential.token.expose() && r.org_name.is_some())
            .and_then(|r| r.org_name.clone());
        rows.push(Row {
            org_name,
            channel_url: redact(&ctx.settings.site.repo_url),
            token: credential.token.expose().to_string(),
            expires_at: None,
            source: tool.into(),
            storage,
            status: None,
            repo_url: ctx.settings.site.repo_url.clone(),
        });
    }
    Ok(rows)
}

fn print_table(ctx: &Context, rows: &[Row], with_status: bool) {
    ctx.printer.good("Anaconda Repository Tokens");
    for line in render(rows, with_status, crate::output::stdout_width()) {
        ctx.printer.line(&line);
    }
}

/// How the tokens are shown: a table, or, when the table is wider than the terminal, one field
/// per line (as `gh auth status` does). Tokens are never cut or wrapped: users copy them.
#[derive(Debug, PartialEq)]
enum Layout {
    Table,
    Fields,
}

/// The table when stdout is not a terminal (scripts and snapshots see one layout) or when it
/// fits the terminal's `width`.
fn choose_layout(table: &str, width: Option<usize>) -> Layout {
    match width {
        Some(width) if widest(table) > width => Layout::Fields,
        _ => Layout::Table,
    }
}

fn widest(text: &str) -> usize {
    text.lines()
        .map(console::measure_text_width)
        .max()
        .unwrap_or(0)
}

/// The lines under the title: the tokens, then where they are stored. `width` is the
/// terminal's, `None` when stdout is not one.
fn render(rows: &[Row], with_status: bool, width: Option<usize>) -> Vec<String> {
    let table = table(rows, with_status);
    let mut lines = match choose_layout(&table, width) {
        Layout::Table => vec![table],
        Layout::Fields => fields(rows, with_status, width),
    };
    let mut stores: Vec<&str> = rows
        .iter()
        .filter(|r| r.source.tool().is_none() && r.source != Source::CondaTokenFile)
        .map(|r| r.storage.as_str())
        .collect();
    stores.dedup();
    let mut folders: Vec<&str> = rows
        .iter()
        .filter(|r| r.source == Source::CondaTokenFile)
        .filter_map(|r| std::path::Path::new(&r.storage).parent()?.to_str())
        .collect();
    folders.dedup();
    let mut tool_stores: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            Some(format!(
                "{}'s credentials in {}",
                r.source.tool()?,
                r.storage
            ))
        })
        .collect();
    tool_stores.dedup();
    let footer = stores
        .into_iter()
        .map(|store| format!("Stored in {store}"))
        .chain(
            folders
                .into_iter()
                .map(|folder| format!("conda token files in {folder}")),
        )
        .chain(tool_stores);
    for line in footer {
        match width {
            Some(width) => lines.extend(wrap_words(&line, width, "  ")),
            None => lines.push(line),
        }
    }
    lines
}

/// Cells as shown: whatever wrote the store or the token files may have put control
/// characters there.
fn cells(row: &Row) -> Vec<String> {
    let expires = row
        .expires_at
        .map(|at| at.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into());
    let org = row.org_name.clone().unwrap_or_default();
    let org = match row.source.tool() {
        Some(tool) => format!("{org} ({tool})").trim_start().to_string(),
        None => org,
    };
    let mut cells = vec![org, row.channel_url.clone(), row.token.clone(), expires];
    cells.extend(row.status.clone());
    cells
        .iter()
        .map(|c| crate::output::clean(c).into_owned())
        .collect()
}

fn table(rows: &[Row], with_status: bool) -> String {
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
        table.add_row(cells(row));
    }
    table.to_string()
}

/// One block per token: a heading, then `  Field: value` lines. A value that does not fit
/// after its label goes on a line of its own.
fn fields(rows: &[Row], with_status: bool, width: Option<usize>) -> Vec<String> {
    let width = width.unwrap_or(usize::MAX);
    let mut lines = Vec::new();
    for row in rows {
        let cells = cells(row);
        let heading = match (&row.org_name, row.source) {
            (Some(_), _) => cells[0].clone(),
            (None, Source::CondaTokenFile) => "conda token file".to_string(),
            (None, _) => "(no organization)".to_string(),
        };
        lines.push(String::new());
        lines.extend(wrap_words(&heading, width, "  "));
        let mut labels = vec!["Channel URL", "Token", "Expires"];
        if with_status {
            labels.push("Status");
        }
        for (label, value) in labels.iter().zip(&cells[1..]) {
            lines.extend(wrap_words(&format!("  {label}: {value}"), width, "    "));
        }
    }
    lines.push(String::new());
    lines
}

/// `line` cut at spaces into lines of at most `width` columns, the later ones indented by
/// `indent`. A word is never cut: one wider than `width` stands alone on its line, without
/// the indent (so that a token or a path can still be copied in one piece).
fn wrap_words(line: &str, width: usize, indent: &str) -> Vec<String> {
    let fits = |text: &str| console::measure_text_width(text) <= width;
    if fits(line) {
        return vec![line.to_string()];
    }
    let leading = &line[..line.len() - line.trim_start().len()];
    let mut lines = Vec::new();
    // The line being filled; it holds at least one word.
    let mut current: Option<String> = None;
    for word in line.split_whitespace() {
        if let Some(filled) = current.take() {
            let joined = format!("{filled} {word}");
            if fits(&joined) {
                current = Some(joined);
                continue;
            }
            lines.push(filled);
        }
        let prefix = if lines.is_empty() { leading } else { indent };
        let started = format!("{prefix}{word}");
        if fits(&started) {
            current = Some(started);
        } else {
            lines.push(word.to_string());
        }
    }
    lines.extend(current);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(org: Option<&str>, token: &str, source: Source, storage: &str) -> Row {
        Row {
            org_name: org.map(str::to_string),
            channel_url: format!("https://repo.anaconda.cloud/repo/{}/*", org.unwrap_or("x")),
            token: token.to_string(),
            expires_at: crate::expiry::parse_expiry("2027-01-31T00:00:00+00:00"),
            source,
            storage: storage.to_string(),
            status: None,
            repo_url: "https://repo.anaconda.cloud/repo/".into(),
        }
    }

    const LONG_TOKEN: &str = "9f3a1c0de8b54b7a8c2e6f1d0b9a7e5c4d3b2a1f0e9d8c7b";

    fn rows() -> Vec<Row> {
        vec![
            row(
                Some("acme"),
                LONG_TOKEN,
                Source::Keyring,
                "/home/someone/.anaconda/keyring (plain text file, mode 0600)",
            ),
            row(
                None,
                "tf-2",
                Source::CondaTokenFile,
                "/home/someone/.config/binstar/https%3A%2F%2Frepo.token",
            ),
        ]
    }

    #[test]
    fn sources_are_named_in_json_as_before() {
        let names = [Source::Keyring, Source::Environment, Source::CondaTokenFile]
            .map(|s| serde_json::to_string(&s).unwrap());
        assert_eq!(
            names,
            [r#""keyring""#, r#""environment""#, r#""conda-token-file""#]
        );
    }

    #[test]
    fn the_table_unless_it_is_wider_than_the_terminal() {
        let table = table(&rows(), false);
        let wide = widest(&table);
        assert_eq!(choose_layout(&table, None), Layout::Table);
        assert_eq!(choose_layout(&table, Some(wide)), Layout::Table);
        assert_eq!(choose_layout(&table, Some(wide - 1)), Layout::Fields);
    }

    #[test]
    fn no_terminal_keeps_the_table_and_the_footer_as_they_were() {
        let lines = render(&rows(), false, None);
        assert_eq!(lines[0], table(&rows(), false));
        assert_eq!(
            lines[1..],
            [
                "Stored in /home/someone/.anaconda/keyring (plain text file, mode 0600)",
                "conda token files in /home/someone/.config/binstar",
            ]
        );
    }

    #[test]
    fn narrow_terminals_get_one_field_per_line_with_tokens_whole() {
        let mut checked = rows();
        for row in &mut checked {
            row.status = Some("valid".into());
        }
        for width in [80, 60, 40] {
            let lines = render(&checked, true, Some(width));
            let text = lines.join("\n");
            for line in text.lines() {
                // Only a word longer than the terminal may pass it, alone on its line.
                assert!(
                    console::measure_text_width(line) <= width || !line.trim().contains(' '),
                    "{width}: {line:?}"
                );
            }
            assert!(
                text.lines().any(|l| l == format!("  Token: {LONG_TOKEN}")
                    || l == format!("    {LONG_TOKEN}")
                    || l == LONG_TOKEN),
                "{width}: {text}"
            );
            assert!(text.contains("\nacme\n  Channel URL:"), "{text}");
            assert!(text.contains("\nconda token file\n"), "{text}");
            assert!(text.contains("  Status: valid"), "{text}");
        }
        // At 80 columns the token fits after its label.
        let text = render(&rows(), false, Some(80)).join("\n");
        assert!(
            text.contains(&format!("\n  Token: {LONG_TOKEN}\n")),
            "{text}"
        );
    }

    #[test]
    fn words_are_wrapped_never_cut() {
        assert_eq!(wrap_words("short", 10, "  "), ["short"]);
        assert_eq!(
            wrap_words("Stored in /a/long/path (plain text)", 20, "  "),
            ["Stored in", "  /a/long/path", "  (plain text)"]
        );
        assert_eq!(
            wrap_words("  Token: abcdefghijklmnop", 16, "    "),
            ["  Token:", "abcdefghijklmnop"]
        );
        assert_eq!(
            wrap_words("  Token: abcdefghijkl", 16, "    "),
            ["  Token:", "    abcdefghijkl"]
        );
        assert_eq!(
            wrap_words("x averyveryverylongword y", 8, "  "),
            ["x", "averyveryverylongword", "  y"]
        );
    }
}
