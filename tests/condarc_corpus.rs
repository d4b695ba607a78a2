//! The `.condarc` editor on real files: `../shared/condarc-corpus/NNN.condarc` (where each came
//! from: `SOURCES.md` there). For a copy of each, `anaconda token config --force` and
//! `anaconda token remove` run as a user runs them, and the result must differ from the original
//! only in the keys the command is about: every other line byte for byte (CRLF, a missing final
//! newline, comments, flow style, quoting), every other key with the same value, a `.bak` with
//! the original bytes. Files whose top level is not a mapping are refused, untouched. Any other
//! refusal fails the test with the file's name.
//!
//! The text is checked without the editor's own line ranges: this file finds the top-level keys
//! with the YAML parser (their names and key lines only), and the lines of a changed key are the
//! key's line plus the value lines after it (indented, or items of a sequence at the key's
//! column, or blank or comment lines inside), never ending on a blank line or a comment at the
//! mapping's indentation (those are about what follows).

mod common;

use std::path::{Path, PathBuf};

use anaconda_token::conda::channels::ChannelRules;
use anaconda_token::conda::condarc::{Condarc, find_comment, line_ending};
use common::*;
use saphyr_parser::{Event, Parser};

const DEFAULT_REPO_URL: &str = "https://repo.anaconda.cloud/repo/";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/condarc-corpus")
}

/// The repository URL the binary uses (`CONDA_TOKEN_REPO_URL` is passed on when set), with its
/// trailing slash.
fn repo_url() -> (Option<String>, String) {
    match std::env::var("CONDA_TOKEN_REPO_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let mut normalized = url.trim().to_string();
            if !normalized.ends_with('/') {
                normalized.push('/');
            }
            (Some(url), normalized)
        }
        _ => (None, DEFAULT_REPO_URL.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// The top level, as the YAML parser sees it.

#[derive(Debug, Clone)]
struct TopKey {
    name: Option<String>,
    /// 0-based line and character column of the key's first character.
    line: usize,
    col: usize,
}

#[derive(Debug)]
enum Top {
    /// Not a mapping (a list, a single value).
    NotMapping,
    /// No keys (empty, comments only, a null document, `{}`): the line of a `{}`, if any.
    Empty {
        braces_line: Option<usize>,
    },
    Block(Vec<TopKey>),
    Flow(Vec<TopKey>),
}

fn top_level(body: &str) -> Result<Top, String> {
    let mut events = Vec::new();
    for event in Parser::new_from_str(body) {
        events.push(event.map_err(|e| format!("{e:?}"))?);
    }
    let mut i = 0;
    while i < events.len() && !matches!(events[i].0, Event::DocumentStart(_)) {
        i += 1;
    }
    i += 1;
    let Some((first, span)) = events.get(i) else {
        return Ok(Top::Empty { braces_line: None });
    };
    match first {
        Event::MappingStart(..) => {}
        Event::Scalar(v, saphyr_parser::ScalarStyle::Plain, _, None)
            if matches!(v.as_ref(), "" | "~" | "null" | "Null" | "NULL") =>
        {
            return Ok(Top::Empty { braces_line: None });
        }
        Event::SequenceStart(..) => return Ok(Top::NotMapping),
        _ => return Ok(Top::NotMapping),
    }
    let flow = span.start.index() != span.end.index();
    let start_line = span.start.line() - 1;
    i += 1;
    let mut keys = Vec::new();
    loop {
        let (event, span) = &events[i];
        if let Event::MappingEnd = event {
            break;
        }
        let name = match event {
            Event::Scalar(v, ..) => Some(v.to_string()),
            _ => None,
        };
        keys.push(TopKey {
            name,
            line: span.start.line() - 1,
            col: span.start.col(),
        });
        i = skip_node(&events, i);
        i = skip_node(&events, i);
    }
    Ok(match (flow, keys.is_empty()) {
        (true, true) => Top::Empty {
            braces_line: Some(start_line),
        },
        (true, false) => Top::Flow(keys),
        (false, _) => Top::Block(keys),
    })
}

/// The index of the event after the node starting at `i`.
fn skip_node(events: &[(Event, saphyr_parser::Span)], mut i: usize) -> usize {
    let mut depth = 0usize;
    loop {
        match events[i].0 {
            Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
            Event::SequenceEnd | Event::MappingEnd => depth -= 1,
            _ => {}
        }
        i += 1;
        if depth == 0 {
            return i;
        }
    }
}

fn keys_of(top: &Top) -> &[TopKey] {
    match top {
        Top::Block(keys) | Top::Flow(keys) => keys,
        _ => &[],
    }
}

/// The line of the top-level key after `key`, or `end` if it is the last.
fn next_key_line(top: &Top, key: &TopKey, end: usize) -> usize {
    keys_of(top)
        .iter()
        .map(|o| o.line)
        .filter(|l| *l > key.line)
        .min()
        .unwrap_or(end)
}

fn key<'t>(top: &'t Top, name: &str) -> Option<&'t TopKey> {
    keys_of(top)
        .iter()
        .find(|k| k.name.as_deref() == Some(name))
}

// ---------------------------------------------------------------------------------------------
// Lines.

/// The lines of `text`, each with its line break (`\r\n`, `\n` or a lone `\r`).
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let len = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

fn content(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

fn indent_of(line: &str) -> usize {
    let c = content(line);
    c.len() - c.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    content(line).trim().is_empty()
}

fn is_comment(line: &str) -> bool {
    content(line).trim_start().starts_with('#')
}

/// The key as written at the start of its line: plain or quoted.
fn key_text<'l>(line: &'l str, key: &TopKey) -> &'l str {
    let name = key.name.as_deref().unwrap_or_default();
    let rest = &content(line)[key.col..];
    for written in [name.to_string(), format!("\"{name}\""), format!("'{name}'")] {
        if rest.starts_with(&written) {
            return &rest[..written.len()];
        }
    }
    panic!("key {name:?} not found at the start of {line:?}")
}

/// The comment the editor keeps on a changed key's line: the key line's comment (with the
/// spaces before it), unless the value starts on the key's line and goes on to later ones.
fn kept_comment(old_lines: &[&str], key: &TopKey, continues: bool) -> String {
    let line = content(old_lines[key.line]);
    let after_key = &line[key.col + key_text(old_lines[key.line], key).len()..];
    let Some(rest) = after_key.trim_start().strip_prefix(':') else {
        return String::new();
    };
    let Some(hash) = find_comment(rest) else {
        return String::new();
    };
    let value_on_key_line = !rest[..hash].trim().is_empty();
    if value_on_key_line && continues {
        return String::new();
    }
    let spaces = rest[..hash].len() - rest[..hash].trim_end().len();
    if spaces == 0 {
        format!(" {}", &rest[hash..])
    } else {
        rest[hash - spaces..].to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// What a command should change.

type Changes = Vec<(String, Change)>;

#[derive(Debug, Clone)]
enum Change {
    SetList(Vec<String>),
    SetScalar(String),
    Remove,
}

type Values = (
    bool,
    Option<Vec<String>>,
    Option<String>,
    Option<Vec<(String, String)>>,
);

fn values(doc: &Condarc, key: &str) -> Values {
    (
        doc.contains(key),
        doc.get_list(key),
        doc.get_scalar(key),
        doc.get_map(key),
    )
}

/// What `config` changes in a `.condarc` that is the only file conda reads: `default_channels`
/// unless they resolve (through this file's `channel_alias` and `custom_channels`) to the
/// repository, and `channels: [defaults]` unless the file sets channels.
fn config_changes(doc: &Condarc, repo: &str) -> Changes {
    let existing = doc.get_list("default_channels").unwrap_or_default();
    let alias = doc.get_scalar("channel_alias");
    let customs = doc.get_map("custom_channels").unwrap_or_default();
    let rules = ChannelRules {
        channel_alias: alias.as_deref().filter(|a| !a.trim().is_empty()),
        custom_channels: &customs,
    };
    let sets_channels = doc
        .get_list("channels")
        .is_some_and(|list| list.iter().any(|c| !c.trim().is_empty()));
    // In the order the editor appends new keys.
    let mut changes = Vec::new();
    if !rules.is_configured(&existing, repo) {
        let wanted = ["main", "r", "msys2"]
            .iter()
            .map(|c| format!("{repo}{c}"))
            .collect();
        changes.push(("default_channels".to_string(), Change::SetList(wanted)));
    }
    if !sets_channels {
        changes.push((
            "channels".to_string(),
            Change::SetList(vec!["defaults".into()]),
        ));
    }
    if changes.is_empty() {
        return changes;
    }
    if doc
        .get_scalar("restore_free_channel")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        changes.push((
            "restore_free_channel".into(),
            Change::SetScalar("false".into()),
        ));
    }
    changes
}

fn remove_changes(doc: &Condarc, repo: &str) -> Changes {
    let mut changes = Vec::new();
    if doc.contains("default_channels") {
        changes.push(("default_channels".to_string(), Change::Remove));
    }
    if doc.get_scalar("signing_metadata_url_base").as_deref() == Some(repo.trim_end_matches('/')) {
        changes.push(("signing_metadata_url_base".into(), Change::Remove));
        if doc.contains("extra_safety_checks") {
            changes.push((
                "extra_safety_checks".into(),
                Change::SetScalar("false".into()),
            ));
        }
    }
    changes
}

// ---------------------------------------------------------------------------------------------
// Checking a result.

/// How much of an edit could be checked.
#[derive(Debug, PartialEq)]
enum Checked {
    /// Values and text.
    All,
    /// Values only: the top level was a flow mapping (`{a: 1}`), which the editor rewrites in
    /// block style.
    Values,
}

/// Checks `new` against `old` given the changes; `Err` says what is wrong.
fn check_edit(old: &str, new: &str, changes: &[(String, Change)]) -> Result<Checked, String> {
    let path = Path::new("/home/u/.condarc");
    let old_doc = Condarc::parse(path, old).map_err(|e| format!("old text: {e}"))?;
    let new_doc =
        Condarc::parse(path, new).map_err(|e| format!("the result does not parse: {e}"))?;

    // The values.
    for (key, change) in changes {
        let got = values(&new_doc, key);
        let ok = match change {
            Change::SetList(items) => got.1.as_ref() == Some(items),
            Change::SetScalar(v) => got.2.as_ref() == Some(v),
            Change::Remove => !got.0,
        };
        if !ok {
            return Err(format!("{key}: {got:?}, expected {change:?}"));
        }
    }
    let (old_bom, old_body) = strip_bom(old);
    let (new_bom, new_body) = strip_bom(new);
    if old_bom != new_bom {
        return Err("the byte-order mark changed".into());
    }
    let old_top = top_level(old_body)?;
    let new_top = top_level(new_body)?;
    let changed = |name: &Option<String>| {
        changes
            .iter()
            .any(|(k, _)| name.as_deref() == Some(k.as_str()))
    };
    for k in keys_of(&old_top) {
        if let Some(name) = &k.name
            && !changed(&k.name)
            && values(&old_doc, name) != values(&new_doc, name)
        {
            return Err(format!(
                "{name} changed: {:?} -> {:?}",
                values(&old_doc, name),
                values(&new_doc, name)
            ));
        }
    }
    // The keys, in order: removed ones gone, new ones at the end.
    let old_names: Vec<_> = keys_of(&old_top).iter().map(|k| k.name.clone()).collect();
    let new_names: Vec<_> = keys_of(&new_top).iter().map(|k| k.name.clone()).collect();
    let mut want_names: Vec<_> = old_names
        .iter()
        .filter(|n| {
            !changes
                .iter()
                .any(|(k, c)| matches!(c, Change::Remove) && n.as_deref() == Some(k.as_str()))
        })
        .cloned()
        .collect();
    for (k, c) in changes {
        if !matches!(c, Change::Remove) && !want_names.contains(&Some(k.clone())) {
            want_names.push(Some(k.clone()));
        }
    }
    if new_names != want_names {
        return Err(format!("keys {old_names:?} became {new_names:?}"));
    }

    // The text.
    if let Top::Flow(_) = old_top {
        return Ok(Checked::Values);
    }
    if !old_body.is_empty() && ends_with_break(old_body) != ends_with_break(new_body) {
        return Err("the final newline changed".into());
    }
    let eol = line_ending(old_body);
    let norm = |t: &str| {
        let mut t = t.to_string();
        if !t.is_empty() && !ends_with_break(&t) {
            t.push_str(eol);
        }
        t
    };
    let (old_text, new_text) = (norm(old_body), norm(new_body));
    let old_lines = split_lines(&old_text);
    let new_lines = split_lines(&new_text);
    check_lines(&old_lines, &new_lines, &old_top, &new_top, changes, eol)?;
    Ok(Checked::All)
}

fn strip_bom(text: &str) -> (bool, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

fn ends_with_break(text: &str) -> bool {
    text.ends_with(['\n', '\r'])
}

/// A changed key's lines in the old text: from its key line, with every possible length.
struct OldHole {
    key: String,
    start: usize,
    lengths: Vec<usize>,
}

/// A changed key's lines in the new text (exact).
struct NewHole {
    key: String,
    start: usize,
    len: usize,
}

fn check_lines(
    old_lines: &[&str],
    new_lines: &[&str],
    old_top: &Top,
    new_top: &Top,
    changes: &[(String, Change)],
    eol: &str,
) -> Result<(), String> {
    let mut old_holes = Vec::new();
    let mut new_holes = Vec::new();
    for (name, change) in changes {
        if let Some(k) = key(old_top, name) {
            let next = next_key_line(old_top, k, old_lines.len());
            old_holes.push(OldHole {
                key: name.clone(),
                start: k.line,
                lengths: hole_lengths(old_lines, k, next),
            });
        }
        let Some(nk) = key(new_top, name) else {
            continue;
        };
        let len = match change {
            Change::SetList(items) if !items.is_empty() => 1 + items.len(),
            _ => 1,
        };
        if nk.line + len > new_lines.len() {
            return Err(format!("{name}: its new lines run past the end"));
        }
        check_new_entry(old_lines, old_top, new_lines, nk, change, eol)?;
        new_holes.push(NewHole {
            key: name.clone(),
            start: nk.line,
            len,
        });
    }
    // A document left without keys gets `{}` where the last key was.
    if let Top::Empty {
        braces_line: Some(line),
    } = new_top
    {
        if new_lines[*line] != format!("{{}}{eol}") {
            return Err(format!("the empty mapping is {:?}", new_lines[*line]));
        }
        let removed = changes
            .iter()
            .find(|(_, c)| matches!(c, Change::Remove))
            .map(|(k, _)| k.clone())
            .ok_or("`{}` without a removed key")?;
        new_holes.push(NewHole {
            key: removed,
            start: *line,
            len: 1,
        });
    }

    let (new_rest, new_pos) = without_holes(
        new_lines,
        &new_holes
            .iter()
            .map(|h| (h.start, h.len))
            .collect::<Vec<_>>(),
    );
    // Every combination of old hole lengths (few: the lines up to the next key).
    let mut choice = vec![0usize; old_holes.len()];
    loop {
        let spans: Vec<(usize, usize)> = old_holes
            .iter()
            .zip(&choice)
            .map(|(h, c)| (h.start, h.lengths[*c]))
            .collect();
        let (old_rest, old_pos) = without_holes(old_lines, &spans);
        if old_rest == new_rest
            && positions_agree(&old_holes, &old_pos, &new_holes, &new_pos, &new_rest)
        {
            return Ok(());
        }
        // Next combination.
        let mut i = 0;
        loop {
            if i == choice.len() {
                return Err(first_difference(old_lines, new_lines));
            }
            choice[i] += 1;
            if choice[i] < old_holes[i].lengths.len() {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

/// The possible line counts of the entry whose key is `k` (the next key is on line `next`).
fn hole_lengths(lines: &[&str], k: &TopKey, next: usize) -> Vec<usize> {
    let mut out = vec![1];
    for end in k.line + 2..=next {
        let line = lines[end - 1];
        let inside = is_blank(line)
            || is_comment(line)
            || indent_of(line) > k.col
            || (indent_of(line) == k.col && content(line)[k.col..].starts_with('-'));
        if !inside {
            break;
        }
        let trailing = is_blank(line) || (is_comment(line) && indent_of(line) <= k.col);
        if !trailing {
            out.push(end - k.line);
        }
    }
    out
}

/// The lines outside the given (start, len) spans, and for each span how many of those lines
/// come before it.
fn without_holes<'a>(lines: &[&'a str], spans: &[(usize, usize)]) -> (Vec<&'a str>, Vec<usize>) {
    let mut rest = Vec::new();
    let mut pos = vec![usize::MAX; spans.len()];
    for (i, line) in lines.iter().enumerate() {
        for (j, (start, _)) in spans.iter().enumerate() {
            if *start == i {
                pos[j] = rest.len();
            }
        }
        if !spans.iter().any(|(s, l)| i >= *s && i < s + l) {
            rest.push(*line);
        }
    }
    for (j, (start, _)) in spans.iter().enumerate() {
        if *start >= lines.len() {
            pos[j] = rest.len();
        }
    }
    (rest, pos)
}

/// A key set in place stays where it was; a new key goes at the end (or before `...`); the `{}`
/// of an emptied document is where the removed key was.
fn positions_agree(
    old_holes: &[OldHole],
    old_pos: &[usize],
    new_holes: &[NewHole],
    new_pos: &[usize],
    rest: &[&str],
) -> bool {
    new_holes.iter().zip(new_pos).all(|(n, np)| {
        match old_holes.iter().position(|o| o.key == n.key) {
            Some(i) => old_pos[i] == *np,
            None => *np == rest.len() || (*np < rest.len() && content(rest[*np]).trim() == "..."),
        }
    })
}

fn check_new_entry(
    old_lines: &[&str],
    old_top: &Top,
    new_lines: &[&str],
    nk: &TopKey,
    change: &Change,
    eol: &str,
) -> Result<(), String> {
    let name = nk.name.as_deref().unwrap_or_default();
    let pad = " ".repeat(nk.col);
    let written = key_text(new_lines[nk.line], nk);
    // The comment kept from the old key line (and the key as written there).
    let comment = match key(old_top, name) {
        Some(ok) => {
            let old_written = key_text(old_lines[ok.line], ok);
            if old_written != written {
                return Err(format!("key {old_written:?} rewritten as {written:?}"));
            }
            // A value that starts on the key line and goes on to later lines has the comment
            // inside it: then none is kept.
            let next = next_key_line(old_top, ok, old_lines.len());
            let last = *hole_lengths(old_lines, ok, next).last().unwrap_or(&1);
            let continues = old_lines[ok.line + 1..ok.line + last]
                .iter()
                .any(|l| !is_blank(l) && !is_comment(l));
            kept_comment(old_lines, ok, continues)
        }
        None => String::new(),
    };
    let want: Vec<String> = match change {
        Change::SetList(items) if items.is_empty() => {
            vec![format!("{pad}{written}: []{comment}{eol}")]
        }
        Change::SetList(items) => std::iter::once(format!("{pad}{written}:{comment}{eol}"))
            .chain(items.iter().map(|i| format!("{pad}  - {i}{eol}")))
            .collect(),
        Change::SetScalar(v) => vec![format!("{pad}{written}: {v}{comment}{eol}")],
        Change::Remove => unreachable!(),
    };
    let got = &new_lines[nk.line..nk.line + want.len()];
    if got != want.as_slice() {
        return Err(format!("{name} written as {got:?}, expected {want:?}"));
    }
    Ok(())
}

fn first_difference(old: &[&str], new: &[&str]) -> String {
    let same = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    format!(
        "the lines outside the edited keys differ; from line {}: old {:?} new {:?}",
        same + 1,
        &old[same..(same + 6).min(old.len())],
        &new[same..(same + 6).min(new.len())]
    )
}

// ---------------------------------------------------------------------------------------------
// The test.

#[derive(Default, Debug)]
struct Counts {
    files: usize,
    config_edited: usize,
    config_unchanged: usize,
    remove_edited: usize,
    remove_unchanged: usize,
    refused: Vec<String>,
    flow_top: Vec<String>,
}

#[test]
fn corpus_edits_change_only_their_keys() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "skipped: no condarc corpus at {} (it is in shared/, beside the repository)",
            dir.display()
        );
        return;
    }
    let (repo_env, repo) = repo_url();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".condarc"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no .condarc files in {}", dir.display());

    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for name in &names {
        counts.files += 1;
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let text = String::from_utf8(bytes.clone());
        let top = text
            .as_deref()
            .map_err(|e| e.to_string())
            .and_then(|t| top_level(strip_bom(t).1));
        let not_mapping = matches!(top, Ok(Top::NotMapping));
        let parsed = text
            .as_deref()
            .map_err(|e| e.to_string())
            .and_then(|t| Condarc::parse(Path::new(name), t).map_err(|e| e.to_string()));

        for command in ["config", "remove"] {
            let mut home = Home::new();
            if let Some(url) = &repo_env {
                home.set("CONDA_TOKEN_REPO_URL", url.as_str());
            }
            let path = home.condarc_path();
            std::fs::write(&path, &bytes).unwrap();
            let args: &[&str] = match command {
                "config" => &["token", "config", "--force"],
                _ => &["token", "remove"],
            };
            let out = home.cmd(args).write_stdin("").output().unwrap();
            let after = std::fs::read(&path).unwrap();
            let bak = home.path().join(".condarc.bak");
            let err = stderr(&out);
            let fail = |why: String| format!("{name} ({command}): {why}");

            if not_mapping {
                if parsed.is_ok() {
                    failures.push(fail(
                        "the library accepts a top level that is not a mapping".into(),
                    ));
                }
                if out.status.code() != Some(1) {
                    failures.push(fail(format!("exit {:?}, expected 1", out.status.code())));
                }
                if !err.contains(&path.display().to_string()) || !err.contains("top level") {
                    failures.push(fail(format!("unclear error: {err:?}")));
                }
                if after != bytes || bak.exists() {
                    failures.push(fail("a refused file was changed or backed up".into()));
                }
                if command == "config" {
                    counts.refused.push(name.clone());
                }
                continue;
            }
            let doc = match &parsed {
                Ok(doc) => doc,
                Err(e) => {
                    failures.push(fail(format!("refused: {e}")));
                    continue;
                }
            };
            if !out.status.success() {
                failures.push(fail(format!(
                    "exit {:?}: {}",
                    out.status.code(),
                    err.trim()
                )));
                continue;
            }
            let changes = match command {
                "config" => config_changes(doc, &repo),
                _ => remove_changes(doc, &repo),
            };
            if changes.is_empty() {
                if after != bytes || bak.exists() {
                    failures.push(fail("changed, though there was nothing to do".into()));
                }
                match command {
                    "config" => counts.config_unchanged += 1,
                    _ => counts.remove_unchanged += 1,
                }
                continue;
            }
            match std::fs::read(&bak) {
                Ok(b) if b == bytes => {}
                Ok(_) => failures.push(fail(".bak differs from the original".into())),
                Err(e) => failures.push(fail(format!("no .bak: {e}"))),
            }
            let Ok(new) = String::from_utf8(after) else {
                failures.push(fail("the result is not UTF-8".into()));
                continue;
            };
            match check_edit(text.as_deref().unwrap(), &new, &changes) {
                Ok(Checked::All) => {}
                Ok(Checked::Values) => {
                    if command == "config" {
                        counts.flow_top.push(name.clone());
                    }
                }
                Err(e) => failures.push(fail(e)),
            }
            match command {
                "config" => counts.config_edited += 1,
                _ => counts.remove_edited += 1,
            }
        }
    }
    eprintln!(
        "condarc corpus: {} files; config --force edited {}, left unchanged {}; remove edited {}, \
         left unchanged {}; refused (top level not a mapping) {}: {:?}; top-level flow mappings \
         (values checked, not lines) {:?}",
        counts.files,
        counts.config_edited,
        counts.config_unchanged,
        counts.remove_edited,
        counts.remove_unchanged,
        counts.refused.len(),
        counts.refused,
        counts.flow_top,
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The checker itself: it accepts the editor's documented results and catches each kind of
/// stray change (so that a passing corpus run means something).
#[test]
fn the_checker_catches_stray_changes() {
    const U: &str = "https://x/";
    let list = || {
        vec![(
            "default_channels".to_string(),
            Change::SetList(vec![
                format!("{U}main"),
                format!("{U}r"),
                format!("{U}msys2"),
            ]),
        )]
    };
    let remove = || vec![("default_channels".to_string(), Change::Remove)];
    let block = |eol: &str, comment: &str| {
        format!("default_channels:{comment}{eol}  - {U}main{eol}  - {U}r{eol}  - {U}msys2{eol}")
    };
    let b = block("\n", "");
    let good: Vec<(String, String, Changes)> = vec![
        (
            "# a\nchannels: [x]\n".into(),
            format!("# a\nchannels: [x]\n{b}"),
            list(),
        ),
        (
            "a: 1\r\n".into(),
            format!("a: 1\r\n{}", block("\r\n", "")),
            list(),
        ),
        ("a: 1".into(), format!("a: 1\n{}", b.trim_end()), list()),
        (
            "x: 1\ndefault_channels: [y]  # mine\n# about b\nb: 1\n".into(),
            format!("x: 1\n{}# about b\nb: 1\n", block("\n", "  # mine")),
            list(),
        ),
        (
            "a: 1\ndefault_channels:\n  - x\n  # inner\n\n# about b\nb: 2\n".into(),
            "a: 1\n\n# about b\nb: 2\n".into(),
            remove(),
        ),
        (
            "# c\ndefault_channels: [x]\n".into(),
            "# c\n{}\n".into(),
            remove(),
        ),
        (
            "restore_free_channel: True # old\nz: 1".into(),
            format!("restore_free_channel: false # old\nz: 1\n{}", b.trim_end()),
            vec![
                list().remove(0),
                (
                    "restore_free_channel".into(),
                    Change::SetScalar("false".into()),
                ),
            ],
        ),
    ];
    for (old, new, changes) in &good {
        assert_eq!(
            check_edit(old, new, changes),
            Ok(Checked::All),
            "{old:?} -> {new:?}"
        );
    }
    let bad: Vec<(&str, String, Changes)> = vec![
        // A comment elsewhere lost.
        (
            "# a\nchannels: [x]\n",
            format!("channels: [x]\n{b}"),
            list(),
        ),
        // CRLF not kept in the new lines, or elsewhere.
        ("a: 1\r\n", format!("a: 1\r\n{b}"), list()),
        ("a: 1\r\n", format!("a: 1\n{}", block("\r\n", "")), list()),
        // A final newline added, or lost.
        ("a: 1", format!("a: 1\n{b}"), list()),
        ("a: 1\n", format!("a: 1\n{}", b.trim_end()), list()),
        // Another key's value, flow style or quoting changed.
        ("a: 1\n", format!("a: 2\n{b}"), list()),
        ("channels: [x]\n", format!("channels:\n  - x\n{b}"), list()),
        ("ssl_verify: 'x'\n", format!("ssl_verify: x\n{b}"), list()),
        // The comment about the next key removed with the entry.
        (
            "default_channels: [x]\n# about b\nb: 1\n",
            format!("{b}b: 1\n"),
            list(),
        ),
        // The entry moved.
        (
            "default_channels: [x]\nb: 1\n",
            format!("b: 1\n{b}"),
            list(),
        ),
        // The key line's comment lost.
        ("default_channels: [x]  # mine\n", b.clone(), list()),
        // A blank line after the removed entry removed too; another key removed.
        (
            "a: 1\ndefault_channels:\n  - x\n\n# about b\nb: 2\n",
            "a: 1\n# about b\nb: 2\n".into(),
            remove(),
        ),
        (
            "a: 1\ndefault_channels: [x]\nb: 2\n",
            "a: 1\n".into(),
            remove(),
        ),
    ];
    for (old, new, changes) in &bad {
        assert!(
            check_edit(old, new, changes).is_err(),
            "not caught: {old:?} -> {new:?}"
        );
    }
}
