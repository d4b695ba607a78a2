//! Lossless editing of conda's `.condarc`.
//!
//! Users hand-edit this file, so an edit changes only the top-level key it is about: every other
//! byte (comments, blank lines, order, flow style, quoting, CRLF line endings, a missing final
//! newline) stays as it was.
//!
//! How: a strict YAML parser (`saphyr-parser`) validates the file and reports, for each top-level
//! key, where its key and value are in the text. Edits then splice whole lines of the original
//! text: the lines of the key being changed are replaced, everything else is copied verbatim.
//! After each edit the new text is parsed again, so the index is always that of the current text
//! and an edit that would produce invalid YAML is caught before anything is written.
//!
//! Why not `yaml-edit` (the lossless editor): tried first, it quotes `true`/`false` given as
//! text (`ssl_verify: 'false'`), appends sequences without conda's two-space indent, refuses a
//! comment-only file, and accepts invalid YAML such as `key: value\n  bad: indent: x` without an
//! error. The last one alone requires a strict parser; with the strict parser's positions the
//! line splicing (`lines.rs`) is short and keeps every byte we do not mean to change.

mod file;
mod index;
mod lines;
mod render;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use file::edit;
use file::{decode, invalid};
use index::{Doc, Entry, Kind, ScalarInfo, Top, index};
use lines::{
    after_on_line, before_on_line, byte_at, byte_in_line, last_line, line_spans, strip_line_ending,
};
pub use lines::{find_comment, line_ending};
pub use render::double_quote;
use render::{Body, indent_continuations, render_entry, render_scalar};

use crate::error::Result;

/// A parsed `.condarc`: its text and where each top-level key is in it.
#[derive(Debug, Clone)]
pub struct Condarc {
    path: PathBuf,
    /// The text as parsed (with its byte-order mark, if any), to tell whether anything changed.
    original: String,
    /// A UTF-8 byte-order mark the file starts with: kept, but not shown to the parser (which
    /// would make it part of the first key).
    bom: bool,
    /// The current text, without the byte-order mark.
    text: String,
    doc: Doc,
    /// Set when an edit would have produced text that does not parse (a bug, or a construct this
    /// module cannot edit, such as an anchor used elsewhere); the edit was not applied and
    /// [`edit`] refuses to write.
    broken: Option<String>,
}

impl Condarc {
    /// Parses `text` (the content of `path`; path only used for error messages).
    ///
    /// Not valid YAML, or top level not a mapping (an empty or comment-only file is an empty
    /// mapping): `Error::InvalidFile` with "line L, column C: reason".
    pub fn parse(path: &Path, text: &str) -> Result<Condarc> {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let doc = index(body).map_err(|e| invalid(path, &e))?;
        Ok(Condarc {
            path: path.to_path_buf(),
            original: text.to_string(),
            bom,
            text: body.to_string(),
            doc,
            broken: None,
        })
    }

    /// Reads and parses `path`; a missing file is an empty document.
    pub fn load(path: &Path) -> Result<Condarc> {
        let bytes = crate::fs::read_optional(path)?;
        let text = decode(path, bytes.as_deref().unwrap_or_default())?;
        Condarc::parse(path, &text)
    }

    /// The file this document was read from (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A top-level key's value as a list of strings (block or flow sequence; items unquoted).
    /// `None` if absent, not a sequence, or an item is not a scalar (a mapping, a list).
    pub fn get_list(&self, key: &str) -> Option<Vec<String>> {
        match &self.doc.entry(key)?.value.kind {
            Kind::Seq(Some(items)) => Some(items.iter().map(|i| i.text.clone()).collect()),
            _ => None,
        }
    }

    /// A top-level key's value as a mapping of scalars to scalars (block or flow; keys and values
    /// unquoted, in file order; an empty value is `""`). `None` if absent, not a mapping, or a key
    /// or value is not a scalar (a list, a mapping, an alias).
    pub fn get_map(&self, key: &str) -> Option<Vec<(String, String)>> {
        match &self.doc.entry(key)?.value.kind {
            Kind::Map(Some(pairs)) => Some(
                pairs
                    .iter()
                    .map(|(k, v)| (k.text.clone(), v.text.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A top-level key's scalar value, unquoted, as text (`true`, `/path/ca.pem`). `None` if
    /// absent or not a scalar; an empty value (`key:`) is `Some("")`.
    pub fn get_scalar(&self, key: &str) -> Option<String> {
        match &self.doc.entry(key)?.value.kind {
            Kind::Scalar(s) => Some(s.text.clone()),
            _ => None,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.doc.entry(key).is_some()
    }

    /// Sets `key` to a block list in conda's style (`key:` then `  - item` lines): replaces the
    /// key's whole value in place, or appends the key at the end. Nothing changes when the value
    /// already is exactly this list.
    pub fn set_list(&mut self, key: &str, items: &[String]) {
        let wanted: Vec<ScalarInfo> = items.iter().map(|i| ScalarInfo::rendered(i)).collect();
        let same = self.doc.entry(key).is_some_and(|e| match &e.value.kind {
            Kind::Seq(Some(have)) => {
                have.len() == wanted.len() && have.iter().zip(&wanted).all(|(h, w)| h.same_as(w))
            }
            _ => false,
        });
        if same {
            return;
        }
        self.set(key, &Body::List(items));
    }

    /// Sets `key` to a plain scalar (`add_anaconda_token: true`, `ssl_verify: false`, a URL),
    /// replacing its value in place or appending the key at the end. A value that cannot be
    /// written plain (`a: b`, leading spaces, …) is double-quoted.
    pub fn set_scalar(&mut self, key: &str, value: &str) {
        let wanted = ScalarInfo::rendered(value);
        let same = self.doc.entry(key).is_some_and(|e| match &e.value.kind {
            Kind::Scalar(have) => have.same_as(&wanted),
            _ => false,
        });
        if same {
            return;
        }
        self.set(key, &Body::Scalar(value));
    }

    /// Removes the key and its value lines (only those: comments above it and after it at the
    /// mapping's indentation stay). Returns whether it was present. A document left with no keys
    /// gets `{}` where the key was, as conda writes an empty configuration.
    pub fn remove(&mut self, key: &str) -> bool {
        if self.doc.entry(key).is_none() {
            return false;
        }
        if let Top::Flow { .. } = self.doc.top
            && !self.normalize_flow()
        {
            return false;
        }
        let Some(entry) = self.doc.entry(key) else {
            return false;
        };
        let replacement = if self.doc.entries.len() == 1 {
            format!("{{}}{}", self.eol())
        } else {
            String::new()
        };
        let new = self.splice_lines(entry.first_line, entry.end_line, &replacement);
        self.apply(new);
        true
    }

    /// The document text. Lines this module adds use the file's own line ending.
    pub fn render(&self) -> String {
        if self.bom {
            format!("\u{feff}{}", self.text)
        } else {
            self.text.clone()
        }
    }

    /// Whether [`render`](Self::render) differs from the text that was parsed.
    pub fn is_changed(&self) -> bool {
        self.render() != self.original
    }

    fn set(&mut self, key: &str, body: &Body) {
        if let Top::Flow { .. } = self.doc.top
            && !self.normalize_flow()
        {
            return;
        }
        let eol = self.eol();
        let new = match (&self.doc.top, self.doc.entry(key)) {
            (Top::Block { .. }, Some(entry)) => {
                let lines = render_entry(
                    &self.key_text(entry, key),
                    body,
                    self.key_line_comment(entry).as_deref(),
                    self.doc.indent(),
                    eol,
                );
                self.splice_lines(entry.first_line, entry.end_line, &lines)
            }
            (
                Top::Empty {
                    placeholder: Some((start, end)),
                },
                _,
            ) => {
                // `{}` or an explicit null (`~`) stands for the empty mapping: the new key takes
                // its place. Text before it on its line (`---`) and a comment after it are kept,
                // each on a line of its own.
                let lines = line_spans(&self.text);
                let mut replacement = String::new();
                let before = before_on_line(&self.text, &lines, *start);
                if !before.trim().is_empty() {
                    replacement.push_str(before.trim_end());
                    replacement.push_str(eol);
                }
                replacement.push_str(&render_entry(&render_scalar(key), body, None, 0, eol));
                let after = after_on_line(&self.text, &lines, *end);
                if !after.trim().is_empty() {
                    replacement.push_str(after.trim());
                    replacement.push_str(eol);
                }
                self.splice_lines(start.line, end.line + 1, &replacement)
            }
            _ => {
                let lines = render_entry(&render_scalar(key), body, None, self.doc.indent(), eol);
                self.append(&lines)
            }
        };
        self.apply(new);
    }

    /// Rewrites a non-empty top-level flow mapping (`{a: 1, b: [x]}`) one entry per line in
    /// block style, so that its keys can be edited like any other. Each entry's own text is kept;
    /// comments inside the braces between entries are lost (conda never writes this form).
    /// Returns false when that did not work (then nothing changed).
    fn normalize_flow(&mut self) -> bool {
        let Top::Flow { start, end } = self.doc.top else {
            return true;
        };
        let eol = self.eol();
        let lines = line_spans(&self.text);
        let mut replacement = String::new();
        let before = before_on_line(&self.text, &lines, start);
        if !before.trim().is_empty() {
            replacement.push_str(before.trim_end());
            replacement.push_str(eol);
        }
        for entry in &self.doc.entries {
            let from = byte_at(&self.text, &lines, entry.key.start.unwrap_or(start));
            let mut own = match (entry.key.end, entry.value.end) {
                (_, Some(value_end)) => {
                    self.text[from..byte_at(&self.text, &lines, value_end)].to_string()
                }
                (Some(key_end), None) => {
                    format!(
                        "{}:",
                        &self.text[from..byte_at(&self.text, &lines, key_end)]
                    )
                }
                (None, None) => return false,
            };
            // The parser's span of a value can run on over a comment after it: leave that out.
            let last_line_start = own.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            if let Some(hash) = find_comment(&own[last_line_start..]) {
                own.truncate(last_line_start + hash);
            }
            own.truncate(own.trim_end().len());
            // Continuation lines of a multi-line entry must be indented under the key.
            own = indent_continuations(&own);
            replacement.push_str(&own);
            replacement.push_str(eol);
        }
        let after = after_on_line(&self.text, &lines, end);
        if !after.trim().is_empty() {
            replacement.push_str(after.trim());
            replacement.push_str(eol);
        }
        let new = self.splice_lines(start.line, end.line + 1, &replacement);
        self.apply(new) && matches!(self.doc.top, Top::Block { .. })
    }

    /// The key as written in the file (keeps its quoting), when it is a one-line key alone at the
    /// start of its line; else the key written afresh.
    fn key_text(&self, entry: &Entry, key: &str) -> String {
        let lines = line_spans(&self.text);
        if let (Some(start), Some(end)) = (entry.key.start, entry.key.end)
            && start.line == end.line
        {
            let from = byte_at(&self.text, &lines, start);
            let to = byte_at(&self.text, &lines, end);
            if before_on_line(&self.text, &lines, start).trim().is_empty() && from < to {
                return self.text[from..to].to_string();
            }
        }
        render_scalar(key)
    }

    /// A comment at the end of the key's line (`default_channels:  # ours`, `ssl_verify: true  #
    /// proxy`), with the spaces before it: it describes the key and stays when the value
    /// changes. None when the value goes on to later lines after starting on the key's line (a
    /// comment there is inside the value).
    fn key_line_comment(&self, entry: &Entry) -> Option<String> {
        let key_end = entry.key.end?;
        let line_no = entry.key.start?.line;
        if key_end.line != line_no {
            return None;
        }
        if let (Some(start), Some(end)) = (entry.value.start, entry.value.end)
            && start.line == line_no
            && last_line(end, line_no) > line_no
        {
            return None;
        }
        let lines = line_spans(&self.text);
        let line = lines.get(line_no)?;
        let content = &self.text[line.start..line.content_end];
        let after_key = &content[byte_in_line(content, key_end.col)..];
        let rest = after_key.trim_start().strip_prefix(':')?;
        let hash = find_comment(rest)?;
        // The parser's spans end after trailing comments, so the comment is found in the text.
        let spaces = rest[..hash].len() - rest[..hash].trim_end().len();
        if spaces == 0 {
            Some(format!(" {}", &rest[hash..]))
        } else {
            Some(rest[hash - spaces..].to_string())
        }
    }

    /// The file's own line ending: that of its first line; `\n` for a one-line or empty file.
    fn eol(&self) -> &'static str {
        line_ending(&self.text)
    }

    /// The text with lines `first..end` replaced by `replacement` (whole lines, each ending with
    /// the file's line ending). When those lines end the file without a final newline, the file
    /// still ends without one.
    fn splice_lines(&self, first: usize, end: usize, replacement: &str) -> String {
        let lines = line_spans(&self.text);
        let from = lines.get(first).map_or(self.text.len(), |l| l.start);
        let to = if end < lines.len() {
            lines[end].start
        } else {
            self.text.len()
        };
        let no_final_newline = to == self.text.len()
            && end > first
            && lines.last().is_some_and(|l| l.content_end == l.end);
        let mut before = self.text[..from].to_string();
        let mut replacement = replacement.to_string();
        if no_final_newline {
            if replacement.is_empty() {
                strip_line_ending(&mut before);
            } else {
                strip_line_ending(&mut replacement);
            }
        }
        format!("{before}{replacement}{}", &self.text[to..])
    }

    /// The text with `lines` added at the end of the document: at the end of the file, or before
    /// an explicit document end (`...`). A file without a final newline keeps not having one.
    fn append(&self, new_lines: &str) -> String {
        let lines = line_spans(&self.text);
        match self.doc.doc_end_line {
            Some(line) if line < lines.len() => self.splice_lines(line, line, new_lines),
            _ => {
                let mut text = self.text.clone();
                let mut new_lines = new_lines.to_string();
                if !text.is_empty() && !text.ends_with(['\n', '\r']) {
                    text.push_str(self.eol());
                    strip_line_ending(&mut new_lines);
                }
                text + &new_lines
            }
        }
    }

    /// Makes `new` the current text if it parses; otherwise keeps the current text and records
    /// why (see `broken`). Returns whether it was applied.
    fn apply(&mut self, new: String) -> bool {
        match index(&new) {
            Ok(doc) => {
                self.text = new;
                self.doc = doc;
                true
            }
            Err(e) => {
                self.broken = Some(e.to_string());
                false
            }
        }
    }
}
