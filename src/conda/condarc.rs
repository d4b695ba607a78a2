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
//! line splicing below is short and keeps every byte we do not mean to change.

use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use crate::error::{Error, Result};
use crate::fs::{Locks, Mode, write_like};

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
        let bytes = crate::fs::read_optional(path).map_err(Error::io("read", path))?;
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
        match self.text.find(['\n', '\r']) {
            Some(i) if self.text[i..].starts_with("\r\n") => "\r\n",
            Some(i) if self.text[i..].starts_with('\r') => "\r",
            _ => "\n",
        }
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

/// Read-modify-write of the `.condarc` at `path` under the lock of [`Locks::update`]
/// (`Mode::Public`: a new file is 0644 less umask, an existing one keeps its mode and owner).
///
/// Parses the file (invalid: the error is returned and the file left untouched), calls
/// `change`, and if the text changed, saves the old content as `<file>.bak` and writes the new
/// content atomically. A missing file is created (no `.bak`). An error from `change` writes
/// nothing.
pub fn edit<T>(
    locks: &Locks,
    path: &Path,
    change: impl FnOnce(&mut Condarc) -> Result<T>,
) -> Result<T> {
    let outcome = locks.update(path, Mode::Public, |old: Option<&[u8]>| {
        let text = decode(path, old.unwrap_or_default())?;
        let mut doc = Condarc::parse(path, &text)?;
        let result = change(&mut doc)?;
        if let Some(detail) = &doc.broken {
            return Err(EditError::Other(Error::msg(format!(
                "Could not edit {}: the change would not leave valid YAML ({detail}); the file \
                 was left unchanged.",
                path.display()
            ))));
        }
        if !doc.is_changed() {
            return Ok((None, result));
        }
        let new = doc.render();
        if let Some(old) = old {
            write_backup(path, old)?;
        }
        Ok((Some(new.into_bytes()), result))
    });
    outcome.map_err(|e| match e {
        EditError::Io(source) => Error::Io {
            action: "update",
            path: path.to_path_buf(),
            source,
        },
        EditError::Other(e) => e,
    })
}

/// `Locks::update` needs an error type that I/O errors convert into; `Error` has no such
/// conversion (its I/O errors name their action and file), so this carries both kinds through.
enum EditError {
    Io(std::io::Error),
    Other(Error),
}

impl From<std::io::Error> for EditError {
    fn from(e: std::io::Error) -> Self {
        EditError::Io(e)
    }
}

impl From<Error> for EditError {
    fn from(e: Error) -> Self {
        EditError::Other(e)
    }
}

/// `<file>.bak` beside the file.
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Saves the previous content as `<file>.bak`, with the file's own permissions (and, when
/// allowed, owner) from its first byte: a `.condarc` may hold proxy passwords, and a 0600 file
/// must not leave a 0644 copy behind. The backup is written beside it and renamed into place,
/// so a `.bak` that is a link (planted by whoever can write the folder) is replaced, never
/// followed, and a failed write never leaves an empty or half `.bak`.
fn write_backup(path: &Path, old: &[u8]) -> Result<()> {
    let bak = backup_path(path);
    // Every writer of the backup holds the file's lock, as we do now: any temp file of it is
    // left from a killed run.
    crate::fs::remove_stale_temps(&bak, std::time::SystemTime::now());
    let meta = std::fs::metadata(path).map_err(Error::io("read", path))?;
    write_like(&bak, old, &meta).map_err(Error::io("write", &bak))
}

/// The file's bytes as text; not UTF-8 is an invalid file (with the place of the first bad byte).
fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    let at = |valid: &str| {
        let line = valid.matches('\n').count();
        let col = valid
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count();
        Pos { line, col }
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let good = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
            return Err(invalid(
                path,
                &YamlError {
                    at: at(&good),
                    reason: "the file is not UTF-8 text".into(),
                },
            ));
        }
    };
    // YAML allows only printable characters (as conda's parser enforces): a NUL or another
    // control character is an invalid file, not something to parse around.
    if let Some((i, c)) = text.char_indices().find(|(_, c)| !is_yaml_printable(*c)) {
        return Err(invalid(
            path,
            &YamlError {
                at: at(&text[..i]),
                reason: format!(
                    "unacceptable character {:#06x}: special characters are not allowed",
                    u32::from(c)
                ),
            },
        ));
    }
    Ok(text.to_string())
}

/// YAML 1.1/1.2's printable set (`c-printable`), as ruamel.yaml checks it.
fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn invalid(path: &Path, e: &YamlError) -> Error {
    Error::InvalidFile {
        path: path.to_path_buf(),
        what: "YAML file",
        detail: e.to_string(),
        hint: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering new values.

enum Body<'a> {
    Scalar(&'a str),
    List(&'a [String]),
}

/// A key's lines in conda's style: `key: value`, or `key:` and `  - item` lines (an empty list
/// is `key: []`). `indent` is that of the top-level mapping (0 in practice).
fn render_entry(key: &str, body: &Body, comment: Option<&str>, indent: usize, eol: &str) -> String {
    let pad = " ".repeat(indent);
    let comment = comment.unwrap_or_default();
    match body {
        Body::Scalar(value) => format!("{pad}{key}: {}{comment}{eol}", render_scalar(value)),
        Body::List([]) => format!("{pad}{key}: []{comment}{eol}"),
        Body::List(items) => {
            let mut out = format!("{pad}{key}:{comment}{eol}");
            for item in *items {
                out.push_str(&format!("{pad}  - {}{eol}", render_scalar(item)));
            }
            out
        }
    }
}

/// The value as a plain scalar when YAML reads it back as the same text, else double-quoted.
fn render_scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_string()
    } else {
        double_quote(value)
    }
}

/// Whether `value` can be written as a plain scalar (in block context) and read back as the
/// same text. Errs on the side of quoting.
fn is_plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    let second = value.chars().nth(1);
    let starts_indicator = "&*!|>'\"%@`#,[]{}".contains(first)
        || ("-?:".contains(first) && second.is_none_or(char::is_whitespace));
    !starts_indicator
        && !value.starts_with(char::is_whitespace)
        && !value.ends_with(char::is_whitespace)
        && !value.ends_with(':')
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.contains(['\t', '\u{85}', '\u{feff}', '\u{2028}', '\u{2029}'])
        && !value.chars().any(char::is_control)
}

fn double_quote(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Indents the continuation lines of a multi-line entry by two spaces (flow content may be
/// indented more freely than less).
fn indent_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['\n', '\r']) {
        let len = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        out.push_str(&rest[..i + len]);
        out.push_str("  ");
        rest = &rest[i + len..];
    }
    out.push_str(rest);
    out
}

/// Byte offset of the comment (`#`) in one line of YAML, if any: a `#` after whitespace (or
/// first), outside quoted scalars.
///
/// A quote opens a quoted scalar only where a scalar may start (at the start, after `: `, `- `,
/// `[`, `{` or `,`): inside a plain scalar (`a "b`, `it's`) it is a plain character. In a
/// single-quoted scalar `''` is an escaped quote, not its end.
fn find_comment(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut escaped = false;
    let mut prev: Option<char> = None;
    // Whether a scalar may start here (nothing but indicators and spaces since the last one).
    let mut may_start = true;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some('\'') if c == '\'' && next == Some('\'') => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => {
                let after_space = prev.is_none_or(char::is_whitespace);
                if c == '#' && after_space {
                    return Some(i);
                }
                let indicator_then_space = next.is_none_or(char::is_whitespace);
                if (c == '"' || c == '\'') && may_start {
                    quote = Some(c);
                    may_start = false;
                } else if "[{,".contains(c)
                    || (":-?".contains(c) && indicator_then_space && (c == ':' || may_start))
                {
                    may_start = true;
                } else if !c.is_whitespace() {
                    may_start = false;
                }
            }
        }
        prev = Some(c);
    }
    None
}

/// Byte offset of character column `col` in `line` (its end when past it).
fn byte_in_line(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
}

/// The line a node ends on: an end at the start of a line is the line break of the line before.
fn last_line(end: Pos, first: usize) -> usize {
    if end.col == 0 && end.line > first {
        end.line - 1
    } else {
        end.line
    }
}

fn strip_line_ending(s: &mut String) {
    if s.ends_with("\r\n") {
        s.truncate(s.len() - 2);
    } else if s.ends_with(['\n', '\r']) {
        s.truncate(s.len() - 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Lines of text. YAML breaks lines at `\r\n`, `\n` and a lone `\r`; so does the parser, and so
// must these, for the parser's line numbers to match.

struct LineSpan {
    /// Byte offset of the line's first character.
    start: usize,
    /// Byte offset of its line break (or of the end of the text).
    content_end: usize,
    /// Byte offset of the next line.
    end: usize,
}

fn line_spans(text: &str) -> Vec<LineSpan> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let rest = &text[start..];
        let line = match rest.find(['\n', '\r']) {
            Some(i) => {
                let len = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                LineSpan {
                    start,
                    content_end: start + i,
                    end: start + i + len,
                }
            }
            None => LineSpan {
                start,
                content_end: text.len(),
                end: text.len(),
            },
        };
        start = line.end;
        lines.push(line);
    }
    lines
}

/// The text of `pos`'s line before it.
fn before_on_line<'t>(text: &'t str, lines: &[LineSpan], pos: Pos) -> &'t str {
    let start = lines.get(pos.line).map_or(text.len(), |l| l.start);
    &text[start..byte_at(text, lines, pos)]
}

/// The text of `pos`'s line from it on, without the line break.
fn after_on_line<'t>(text: &'t str, lines: &[LineSpan], pos: Pos) -> &'t str {
    let end = lines.get(pos.line).map_or(text.len(), |l| l.content_end);
    &text[byte_at(text, lines, pos)..end]
}

/// Byte offset of `pos` (past the end of a line or of the text: the end of it).
fn byte_at(text: &str, lines: &[LineSpan], pos: Pos) -> usize {
    let Some(line) = lines.get(pos.line) else {
        return text.len();
    };
    line.start + byte_in_line(&text[line.start..line.content_end], pos.col)
}

// ---------------------------------------------------------------------------------------------
// The index: the parser's view of the top level.

/// A place in the text: 0-based line, 0-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    line: usize,
    col: usize,
}

impl From<&Marker> for Pos {
    fn from(m: &Marker) -> Self {
        // The parser counts lines from 1 and columns from 0.
        Pos {
            line: m.line().saturating_sub(1),
            col: m.col(),
        }
    }
}

/// Why a text is not a `.condarc` we can read, and where.
#[derive(Debug)]
struct YamlError {
    at: Pos,
    reason: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // People count lines and columns from 1, as PyYAML's messages do.
        write!(
            f,
            "line {}, column {}: {}",
            self.at.line + 1,
            self.at.col + 1,
            self.reason
        )
    }
}

#[derive(Debug, Clone)]
struct Doc {
    top: Top,
    entries: Vec<Entry>,
    /// The line of an explicit document end (`...`): keys are appended before it.
    doc_end_line: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
enum Top {
    /// No keys: an empty or comment-only file, a null document (`---`, `~`) or `{}`. The span of
    /// `{}` or of an explicit null is replaced by the first key set.
    Empty { placeholder: Option<(Pos, Pos)> },
    /// A block mapping whose keys start at column `indent`.
    Block { indent: usize },
    /// A non-empty flow mapping `{a: 1}`, from `{` to after `}`.
    Flow { start: Pos, end: Pos },
}

#[derive(Debug, Clone)]
struct Entry {
    /// The key's text; `None` for a key that is not a scalar.
    name: Option<String>,
    key: Node,
    value: Node,
    /// The lines of this key and its value, `first_line..end_line` (block mappings only): from
    /// the key's line to its value's last line, including comments and blank lines inside the
    /// value, but not the blank lines and comments at the mapping's own indentation that follow
    /// it (they are about the next key, or the file's).
    first_line: usize,
    end_line: usize,
}

#[derive(Debug, Clone)]
struct Node {
    /// Start of its first and end of its last character (`None`: no characters, as an empty
    /// value).
    start: Option<Pos>,
    end: Option<Pos>,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Scalar(ScalarInfo),
    /// A sequence; its items when they are all scalars.
    Seq(Option<Vec<ScalarInfo>>),
    /// A mapping; its keys and values when they are all scalars.
    Map(Option<Vec<(ScalarInfo, ScalarInfo)>>),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
struct ScalarInfo {
    text: String,
    /// Written plain, without a tag: then YAML may read it as a bool or number (`true`),
    /// which a quoted scalar never is.
    plain: bool,
}

impl ScalarInfo {
    /// How [`render_scalar`] writes `value`, to tell whether a value is already as we would set
    /// it (then nothing is rewritten).
    fn rendered(value: &str) -> ScalarInfo {
        ScalarInfo {
            text: value.to_string(),
            plain: is_plain_safe(value),
        }
    }

    /// Whether both read as the same value: the same text, and either both plain or both
    /// quoted, or plain text that YAML reads as a string anyway (a URL, not `true` or `1`).
    fn same_as(&self, other: &ScalarInfo) -> bool {
        self.text == other.text && (self.plain == other.plain || plain_reads_as_string(&self.text))
    }
}

/// Whether a plain scalar with this text is a string for YAML (1.1, as conda's parser reads it,
/// or 1.2). Errs on the side of "not a string": anything number-like, booleans, nulls.
fn plain_reads_as_string(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y",
        "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    !WORDS.contains(&text) && !text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
}

impl Doc {
    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name.as_deref() == Some(key))
    }

    fn indent(&self) -> usize {
        match self.top {
            Top::Block { indent } => indent,
            _ => 0,
        }
    }
}

/// Parses `text` strictly and indexes its top-level mapping.
fn index(text: &str) -> std::result::Result<Doc, YamlError> {
    let mut events = Vec::new();
    for event in Parser::new_from_str(text) {
        match event {
            Ok(event) => events.push(event),
            Err(e) => {
                return Err(YamlError {
                    at: e.marker().into(),
                    reason: e.info().to_string(),
                });
            }
        }
    }
    let mut reader = Reader {
        events: &events,
        next: 0,
    };
    let mut doc = Doc {
        top: Top::Empty { placeholder: None },
        entries: Vec::new(),
        doc_end_line: None,
    };
    let mut documents = 0;
    let mut mapping_end = None;
    while let Some((event, span)) = reader.peek() {
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        at: (&span.start).into(),
                        reason: "a second document; a .condarc holds a single one".into(),
                    });
                }
                reader.next += 1;
                (doc.top, mapping_end) = read_top(&mut reader, &mut doc.entries)?;
            }
            Event::DocumentEnd => {
                if !is_empty(span) {
                    doc.doc_end_line = Some(Pos::from(&span.start).line);
                }
                reader.next += 1;
            }
            _ => reader.next += 1,
        }
    }
    check_duplicates(&doc.entries)?;
    if let Top::Block { indent } = doc.top {
        let bound = match mapping_end {
            Some(Pos { line, col: 0 }) => line,
            Some(Pos { line, .. }) => line + 1,
            None => usize::MAX,
        };
        set_line_ranges(text, &mut doc.entries, indent, bound);
    }
    Ok(doc)
}

/// Reads the document's root node; returns the layout and where the root mapping ends.
fn read_top(
    reader: &mut Reader<'_, '_>,
    entries: &mut Vec<Entry>,
) -> std::result::Result<(Top, Option<Pos>), YamlError> {
    let Some((event, span)) = reader.peek() else {
        return Ok((Top::Empty { placeholder: None }, None));
    };
    let start: Pos = (&span.start).into();
    match event {
        Event::MappingStart(..) => {
            let flow = !is_empty(span);
            reader.next += 1;
            loop {
                let Some((event, span)) = reader.peek() else {
                    return Err(reader.unexpected_end());
                };
                if let Event::MappingEnd = event {
                    // The span of a flow mapping's end runs on over a comment after the `}`:
                    // the end is right after the `}` where the span starts.
                    let mut end: Pos = (&span.start).into();
                    if flow {
                        end.col += 1;
                    }
                    reader.next += 1;
                    let top = match (flow, entries.is_empty()) {
                        (true, true) => Top::Empty {
                            placeholder: Some((start, end)),
                        },
                        (true, false) => Top::Flow { start, end },
                        (false, _) => Top::Block { indent: start.col },
                    };
                    return Ok((top, Some(end)));
                }
                let key = reader.node()?;
                let value = reader.node()?;
                let name = match &key.kind {
                    Kind::Scalar(s) => Some(s.text.clone()),
                    _ => None,
                };
                entries.push(Entry {
                    name,
                    key,
                    value,
                    first_line: 0,
                    end_line: 0,
                });
            }
        }
        Event::Scalar(value, ScalarStyle::Plain, _, None)
            if matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL") =>
        {
            // A null document is how YAML spells "no settings" (conda reads it as empty).
            reader.next += 1;
            let placeholder = (!is_empty(span)).then(|| (start, (&span.end).into()));
            Ok((Top::Empty { placeholder }, None))
        }
        Event::SequenceStart(..) => Err(YamlError {
            at: start,
            reason: "the top level is a list; expected a mapping of settings (key: value)".into(),
        }),
        _ => Err(YamlError {
            at: start,
            reason: "the top level is a single value; expected a mapping of settings (key: value)"
                .into(),
        }),
    }
}

/// A key written twice: YAML forbids it and conda refuses the file, and which one to edit would
/// be a guess.
fn check_duplicates(entries: &[Entry]) -> std::result::Result<(), YamlError> {
    // A set, not a scan of the entries before each one: a file of many keys stays linear.
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    for entry in entries {
        if let Some(name) = &entry.name
            && !seen.insert(name.as_str())
        {
            return Err(YamlError {
                at: entry.key.start.unwrap_or(Pos { line: 0, col: 0 }),
                reason: format!("duplicate key \"{name}\""),
            });
        }
    }
    Ok(())
}

/// Sets each block entry's line range: from its key's line up to the next key's line (the last:
/// up to `bound`, where the mapping ends), less the trailing blank lines and comments at the
/// mapping's indentation or less, but never less than the value's own last line.
fn set_line_ranges(text: &str, entries: &mut [Entry], indent: usize, bound: usize) {
    let lines = line_spans(text);
    let bound = bound.min(lines.len());
    let starts: Vec<usize> = entries
        .iter()
        .map(|e| e.key.start.map_or(0, |p| p.line))
        .collect();
    for (i, entry) in entries.iter_mut().enumerate() {
        let first = starts[i];
        let next = starts.get(i + 1).copied().unwrap_or(bound).max(first + 1);
        let last_content = [entry.key.end, entry.value.end]
            .into_iter()
            .flatten()
            .map(|end| last_line(end, first))
            .max()
            .unwrap_or(first);
        let mut end = next;
        while end > first + 1 && end > last_content + 1 {
            let line = &lines[end - 1];
            let content = &text[line.start..line.content_end];
            let trimmed = content.trim_start();
            let depth = content.len() - trimmed.len();
            if trimmed.is_empty() || (trimmed.starts_with('#') && depth <= indent) {
                end -= 1;
            } else {
                break;
            }
        }
        entry.first_line = first;
        entry.end_line = end;
    }
}

fn is_empty(span: &Span) -> bool {
    span.start.index() == span.end.index()
}

/// A cursor over the parser's events. It borrows them (rather than owning them) so that what
/// `peek` returns stays usable while the cursor moves on.
struct Reader<'r, 'a> {
    events: &'r [(Event<'a>, Span)],
    next: usize,
}

impl<'r, 'a> Reader<'r, 'a> {
    fn peek(&self) -> Option<(&'r Event<'a>, &'r Span)> {
        self.events.get(self.next).map(|(e, s)| (e, s))
    }

    fn unexpected_end(&self) -> YamlError {
        let at = self
            .events
            .last()
            .map_or(Pos { line: 0, col: 0 }, |(_, s)| (&s.end).into());
        YamlError {
            at,
            reason: "unexpected end of the document".into(),
        }
    }

    /// Reads one whole node (a collection with everything in it), iteratively so that deep
    /// nesting cannot exhaust the stack.
    fn node(&mut self) -> std::result::Result<Node, YamlError> {
        let Some((event, span)) = self.peek() else {
            return Err(self.unexpected_end());
        };
        let mut node = Node {
            start: None,
            end: None,
            kind: Kind::Other,
        };
        node.cover(span);
        self.next += 1;
        let is_seq = match event {
            Event::Scalar(value, style, _, tag) => {
                node.kind = Kind::Scalar(scalar_info(value, *style, tag.is_some(), span));
                return Ok(node);
            }
            Event::SequenceStart(..) => true,
            Event::MappingStart(..) => false,
            _ => return Ok(node),
        };
        // The scalars directly inside: a sequence's items, or a mapping's keys and values in
        // turn. `None` once anything else is found there.
        let mut items = Some(Vec::new());
        let mut depth = 1usize;
        while depth > 0 {
            let Some((event, span)) = self.peek() else {
                return Err(self.unexpected_end());
            };
            node.cover(span);
            self.next += 1;
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    if depth == 1 {
                        items = None;
                    }
                    depth += 1;
                }
                Event::SequenceEnd | Event::MappingEnd => depth -= 1,
                Event::Scalar(value, style, _, tag) => {
                    if depth == 1
                        && let Some(items) = &mut items
                    {
                        items.push(scalar_info(value, *style, tag.is_some(), span));
                    }
                }
                _ => {
                    if depth == 1 {
                        items = None;
                    }
                }
            }
        }
        node.kind = if is_seq {
            Kind::Seq(items)
        } else {
            Kind::Map(items.map(|items| {
                let mut scalars = items.into_iter();
                std::iter::from_fn(|| Some((scalars.next()?, scalars.next()?))).collect()
            }))
        };
        Ok(node)
    }
}

impl Node {
    /// Widens the node to include `span`. Spans without characters (the ends of block
    /// collections, empty values) point at the next token and say nothing about this node.
    fn cover(&mut self, span: &Span) {
        if is_empty(span) {
            return;
        }
        let (start, end) = (Pos::from(&span.start), Pos::from(&span.end));
        self.start = Some(self.start.map_or(start, |s| s.min(start)));
        self.end = Some(self.end.map_or(end, |e| e.max(end)));
    }
}

fn scalar_info(value: &str, style: ScalarStyle, tagged: bool, span: &Span) -> ScalarInfo {
    // An empty value (`key:`) is reported as "~"; it is written as nothing.
    let text = if is_empty(span) { "" } else { value };
    ScalarInfo {
        text: text.to_string(),
        plain: style == ScalarStyle::Plain && !tagged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Condarc {
        Condarc::parse(Path::new("/home/u/.condarc"), text).unwrap()
    }

    fn channels() -> Vec<String> {
        ["https://x/main", "https://x/r", "https://x/msys2"]
            .map(String::from)
            .to_vec()
    }

    const CHANNELS_BLOCK: &str =
        "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n";

    fn set_channels(text: &str) -> String {
        let mut d = doc(text);
        d.set_list("default_channels", &channels());
        d.render()
    }

    #[test]
    fn set_list_cases() {
        let cases: &[(&str, &str, &str)] = &[
            ("empty file", "", CHANNELS_BLOCK),
            (
                "comment-only file",
                "# my settings\n\n",
                "# my settings\n\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n",
            ),
            (
                "absent: appended at the end, after trailing comments",
                "channels: [defaults]  # flow\nssl_verify: \"true\"\n# the end\n",
                "channels: [defaults]  # flow\nssl_verify: \"true\"\n# the end\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n",
            ),
            (
                "present block list in the middle: replaced in place",
                "# top\nchannels:\n  - defaults  # after item\n\n# about dc\ndefault_channels:\n  - https://old/main\n  # inner\n  - https://old/r\n\n# about ssl\nssl_verify: false\n",
                "# top\nchannels:\n  - defaults  # after item\n\n# about dc\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n\n# about ssl\nssl_verify: false\n",
            ),
            (
                "present flow list: becomes block, key-line comment kept",
                "a: 1\ndefault_channels: [a, 'b']  # mine\nb: 2\n",
                "a: 1\ndefault_channels:  # mine\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nb: 2\n",
            ),
            (
                "present, items at column 0, last key",
                "a: 1\ndefault_channels:\n- a\n- b\n",
                "a: 1\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n",
            ),
            (
                "quoted key keeps its quotes",
                "\"default_channels\": [a]\nz: 'q'\n",
                "\"default_channels\":\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nz: 'q'\n",
            ),
            (
                "CRLF file",
                "# top\r\nchannels:\r\n  - defaults # x\r\nssl_verify: false\r\n",
                "# top\r\nchannels:\r\n  - defaults # x\r\nssl_verify: false\r\ndefault_channels:\r\n  - https://x/main\r\n  - https://x/r\r\n  - https://x/msys2\r\n",
            ),
            (
                "CRLF replace",
                "default_channels:\r\n  - a\r\nb: 1\r\n",
                "default_channels:\r\n  - https://x/main\r\n  - https://x/r\r\n  - https://x/msys2\r\nb: 1\r\n",
            ),
            (
                "no final newline, append",
                "channels: [defaults]\nssl_verify: false",
                "channels: [defaults]\nssl_verify: false\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2",
            ),
            (
                "no final newline, replace the last key",
                "a: 1\ndefault_channels: [a]",
                "a: 1\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2",
            ),
            (
                "no final newline, other key last",
                "default_channels: [a]\nchannels: [defaults]",
                "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nchannels: [defaults]",
            ),
            ("conda's empty file", "{}\n", CHANNELS_BLOCK),
            (
                "null document after a comment",
                "# c\n--- ~  # nothing\n",
                "# c\n---\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n# nothing\n",
            ),
            (
                "explicit document end",
                "a: 1\n...\n# after\n",
                "a: 1\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n...\n# after\n",
            ),
            (
                "channel_settings survives",
                "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\ndefault_channels:\n  - a\nchannels:\n  - defaults\n",
                "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nchannels:\n  - defaults\n",
            ),
            (
                "a column-0 comment between items stays inside, the one after stays outside",
                "default_channels:\n  - a\n# between\n  - b\n# after\nb: 1\n",
                "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n# after\nb: 1\n",
            ),
            (
                "byte-order mark kept",
                "\u{feff}a: 1\n",
                "\u{feff}a: 1\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n",
            ),
            (
                "top-level flow mapping becomes block",
                "{a: 1, default_channels: [q], b: \"x y\"}  # c\n",
                "a: 1\ndefault_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nb: \"x y\"\n# c\n",
            ),
            (
                "indented top-level mapping keeps its indentation",
                "  a: 1\n  b: 2\n",
                "  a: 1\n  b: 2\n  default_channels:\n    - https://x/main\n    - https://x/r\n    - https://x/msys2\n",
            ),
        ];
        for (name, before, after) in cases {
            assert_eq!(set_channels(before), *after, "{name}");
        }
    }

    /// Files with every construct we could think of. Each edit of each key (and of a new key)
    /// must leave valid YAML in which every other key reads as before.
    const CORPUS: &[&str] = &[
        "",
        "# only\n\n# comments\n",
        "{}\n",
        "--- ~\n",
        "%YAML 1.1\n---\na: 1\n...\n# after the end\n",
        "channels: [defaults]  # flow\nssl_verify: \"true\"\n# the end\n",
        "# top\r\nchannels:\r\n  - defaults # x\r\n\r\nssl_verify: false",
        "a: 1\rb: [x]\r# c\r",
        "default_channels:  # mine\n- a\n# between\n- b\n# about z\nz: 'it''s'\n",
        "text: |+\n  kept\n\n# c\nplain: one\n  two\n  three\nq: \"multi\n  line\"\n",
        "? explicit\n: value\nanchored: &x [1, 2]\nalias: *x\nk: v\n",
        "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n\n\"quoted key\": {a: [1, {b: c}]}\nempty:\nlast: x",
        "  indented: 1\n  # c\n  second: [a]\n",
        "{a: 1, b: [x, y], c: 'q'}  # c\n",
        "\u{feff}bom: true\n",
        "nulls:\n-\n-\nafter: 1\n",
    ];

    /// Every key's value as text, to compare.
    fn values(d: &Condarc) -> Vec<(String, Option<Vec<String>>, Option<String>)> {
        d.doc
            .entries
            .iter()
            .filter_map(|e| e.name.clone())
            .map(|k| (k.clone(), d.get_list(&k), d.get_scalar(&k)))
            .collect()
    }

    #[test]
    fn edits_keep_other_keys() {
        let new_items = channels();
        for text in CORPUS {
            let original = doc(text);
            let before = values(&original);
            let mut keys: Vec<String> = before.iter().map(|(k, _, _)| k.clone()).collect();
            keys.push("default_channels".into());
            keys.push("new_key".into());
            for key in &keys {
                for op in 0..3 {
                    let mut d = original.clone();
                    match op {
                        0 => d.set_list(key, &new_items),
                        1 => d.set_scalar(key, "false"),
                        _ => {
                            d.remove(key);
                        }
                    }
                    let what = format!("op {op} on {key} in {text:?}");
                    if key == "anchored" {
                        // Its anchor is used by `alias`: the edit is refused, nothing changes.
                        assert!(d.broken.is_some() && !d.is_changed(), "{what}");
                        continue;
                    }
                    assert!(d.broken.is_none(), "{what}: {:?}", d.broken);
                    let again = Condarc::parse(Path::new("x"), &d.render())
                        .unwrap_or_else(|e| panic!("{what}: {e}\n{}", d.render()));
                    let after = values(&again);
                    for (k, list, scalar) in &before {
                        if k != key {
                            let now = after.iter().find(|(n, _, _)| n == k);
                            assert_eq!(
                                now,
                                Some(&(k.clone(), list.clone(), scalar.clone())),
                                "{what}"
                            );
                        }
                    }
                    match op {
                        0 => assert_eq!(again.get_list(key).as_ref(), Some(&new_items), "{what}"),
                        1 => assert_eq!(again.get_scalar(key).as_deref(), Some("false"), "{what}"),
                        _ => assert!(!again.contains(key), "{what}"),
                    }
                    // Comments are never lost, except inside the value that changed.
                    let edited_has = |c: &str| {
                        original.doc.entry(key).is_some_and(|e| {
                            let lines = line_spans(&original.text);
                            let from = lines[e.first_line].start;
                            let to = lines
                                .get(e.end_line)
                                .map_or(original.text.len(), |l| l.start);
                            original.text[from..to].contains(c)
                        })
                    };
                    for comment in ["# c", "# the end", "# about z", "# after the end", "# only"] {
                        if text.contains(comment) && !edited_has(comment) && !text.starts_with('{')
                        {
                            assert!(d.render().contains(comment), "{what}: lost {comment}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn more_layouts() {
        let cases: &[(&str, &str)] = &[
            (
                "default_channels:  # ours\n  - a\nz: 1\n",
                "default_channels:  # ours\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nz: 1\n",
            ),
            (
                "a: 1\rdefault_channels: [q]\rz: 2\r",
                "a: 1\rdefault_channels:\r  - https://x/main\r  - https://x/r\r  - https://x/msys2\rz: 2\r",
            ),
            (
                "a: 1\r\ndefault_channels: x",
                "a: 1\r\ndefault_channels:\r\n  - https://x/main\r\n  - https://x/r\r\n  - https://x/msys2",
            ),
            (
                "? default_channels\n: [a]\nz: 1\n",
                "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\nz: 1\n",
            ),
            (
                "default_channels: a\n  b\n  c\n\n# z\nz: 1\n",
                "default_channels:\n  - https://x/main\n  - https://x/r\n  - https://x/msys2\n\n# z\nz: 1\n",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(set_channels(before), *after, "{before:?}");
        }
    }

    #[test]
    fn already_right_is_unchanged() {
        for text in [
            CHANNELS_BLOCK,
            "# c\ndefault_channels: [https://x/main, https://x/r, 'https://x/msys2']  # flow\n",
            "default_channels:\n- https://x/main\n- https://x/r\n- https://x/msys2",
        ] {
            let mut d = doc(text);
            d.set_list("default_channels", &channels());
            assert!(!d.is_changed(), "{text:?}");
            assert_eq!(d.render(), text);
        }
        // Same items in another order is a change.
        let mut d = doc("default_channels: [https://x/r, https://x/main, https://x/msys2]\n");
        d.set_list("default_channels", &channels());
        assert!(d.is_changed());
    }

    #[test]
    fn set_scalar_cases() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("ssl_verify", "false", "a: 1\n", "a: 1\nssl_verify: false\n"),
            (
                "ssl_verify",
                "false",
                "a: 1\nssl_verify: 'x'  # why\nb: 2\n",
                "a: 1\nssl_verify: false  # why\nb: 2\n",
            ),
            (
                "add_anaconda_token",
                "true",
                "add_anaconda_token: \"true\"\n",
                "add_anaconda_token: true\n",
            ),
            (
                "add_anaconda_token",
                "true",
                "add_anaconda_token:\nb: 1\n",
                "add_anaconda_token: true\nb: 1\n",
            ),
            (
                "signing_metadata_url_base",
                "https://repo.anaconda.cloud/repo",
                "channels: [defaults]\r\n",
                "channels: [defaults]\r\nsigning_metadata_url_base: https://repo.anaconda.cloud/repo\r\n",
            ),
            (
                "restore_free_channel",
                "false",
                "restore_free_channel: true\nz: 1",
                "restore_free_channel: false\nz: 1",
            ),
            (
                "ssl_verify",
                "/my certs/ca.pem: x",
                "",
                "ssl_verify: \"/my certs/ca.pem: x\"\n",
            ),
            (
                "ssl_verify",
                "false",
                "ssl_verify:\n  true\nz: 1\n",
                "ssl_verify: false\nz: 1\n",
            ),
        ];
        for (key, value, before, after) in cases {
            let mut d = doc(before);
            d.set_scalar(key, value);
            assert_eq!(d.render(), *after, "{key}={value} in {before:?}");
            assert_eq!(d.get_scalar(key).as_deref(), Some(*value));
        }
        let mut d = doc("ssl_verify: false  # keep\n");
        d.set_scalar("ssl_verify", "false");
        assert!(!d.is_changed());
    }

    #[test]
    fn remove_cases() {
        let cases: &[(&str, &str)] = &[
            (
                "a: 1\n# about dc\ndefault_channels:\n  - a\n  # inner\n  - b\n  # trailing inner\n\n# about b\nb: 2\n",
                "a: 1\n# about dc\n\n# about b\nb: 2\n",
            ),
            ("a: 1\ndefault_channels: [x]\n# end\n", "a: 1\n# end\n"),
            ("a: 1\ndefault_channels:\n  - x", "a: 1"),
            ("a: 1\r\ndefault_channels:\r\n  - x\r\n", "a: 1\r\n"),
            ("default_channels:\n  - a\n", "{}\n"),
            (
                "# mine\ndefault_channels: [a]  # x\n# end\n",
                "# mine\n{}\n# end\n",
            ),
            ("{a: 1, default_channels: [x]}\n", "a: 1\n"),
        ];
        for (before, after) in cases {
            let mut d = doc(before);
            assert!(d.remove("default_channels"), "{before:?}");
            assert_eq!(d.render(), *after, "{before:?}");
            assert!(!d.contains("default_channels"));
        }
        for text in ["", "# c\n", "{}\n", "a: 1\nb: [x]"] {
            let mut d = doc(text);
            assert!(!d.remove("default_channels"));
            assert!(!d.is_changed());
            assert_eq!(d.render(), text);
        }
    }

    #[test]
    fn set_then_remove_then_set() {
        let mut d = doc("");
        d.set_scalar("add_anaconda_token", "true");
        d.set_list("default_channels", &channels());
        assert!(d.remove("add_anaconda_token"));
        assert_eq!(d.render(), CHANNELS_BLOCK);
        assert!(d.remove("default_channels"));
        assert_eq!(d.render(), "{}\n");
        d.set_scalar("ssl_verify", "false");
        assert_eq!(d.render(), "ssl_verify: false\n");
    }

    #[test]
    fn get_values() {
        let d = doc(concat!(
            "block:\n  - a  # c\n  - 'b c'\n  - \"d\\te\"\n",
            "flow: [x, \"y\", 'z']\n",
            "\"quoted key\": 'it''s'\n",
            "plain: /path/ca.pem\n",
            "boolean: true\n",
            "empty:\n",
            "empty_list: []\n",
            "nested: [[a]]\n",
            "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n",
            "map: {a: 1}\n",
        ));
        assert_eq!(
            d.get_list("block"),
            Some(vec!["a".into(), "b c".into(), "d\te".into()])
        );
        assert_eq!(
            d.get_list("flow"),
            Some(vec!["x".into(), "y".into(), "z".into()])
        );
        assert_eq!(d.get_list("empty_list"), Some(vec![]));
        assert_eq!(d.get_list("nested"), None);
        assert_eq!(d.get_list("channel_settings"), None);
        assert_eq!(d.get_list("plain"), None);
        assert_eq!(d.get_list("absent"), None);
        assert_eq!(d.get_scalar("quoted key").as_deref(), Some("it's"));
        assert_eq!(d.get_scalar("plain").as_deref(), Some("/path/ca.pem"));
        assert_eq!(d.get_scalar("boolean").as_deref(), Some("true"));
        assert_eq!(d.get_scalar("empty").as_deref(), Some(""));
        assert_eq!(d.get_scalar("flow"), None);
        assert_eq!(d.get_scalar("map"), None);
        assert_eq!(d.get_scalar("absent"), None);
        assert!(d.contains("channel_settings"));
        assert!(!d.contains("absent"));
    }

    #[test]
    fn get_map_values() {
        fn pairs(items: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
            Some(
                items
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        }
        let d = doc(concat!(
            "proxy_servers:\n  # corporate\n  https: http://p:8080  # c\n  'http': \"http://u:p@q:3128\"\n",
            "flow: {b: 2, a: 1, c: 'x y'}\n",
            "empty_map: {}\n",
            "empty_value:\n  http:\n  https: h\n",
            "nested: {a: {b: c}}\n",
            "list_value:\n  a: [1]\n",
            "complex_key: {[a]: b}\n",
            "anchored: &x {a: b}\n",
            "aliased: {a: *x}\n",
            "list: [a, b]\n",
            "scalar: s\n",
        ));
        assert_eq!(
            d.get_map("proxy_servers"),
            pairs(&[("https", "http://p:8080"), ("http", "http://u:p@q:3128")])
        );
        assert_eq!(
            d.get_map("flow"),
            pairs(&[("b", "2"), ("a", "1"), ("c", "x y")])
        );
        assert_eq!(d.get_map("empty_map"), pairs(&[]));
        assert_eq!(
            d.get_map("empty_value"),
            pairs(&[("http", ""), ("https", "h")])
        );
        assert_eq!(d.get_map("anchored"), pairs(&[("a", "b")]));
        for key in [
            "nested",
            "list_value",
            "complex_key",
            "aliased",
            "list",
            "scalar",
            "absent",
        ] {
            assert_eq!(d.get_map(key), None, "{key}");
        }
        assert_eq!(d.get_list("flow"), None);
        assert_eq!(d.get_scalar("flow"), None);
    }

    #[test]
    fn mapping_values_are_edited_as_before() {
        let mut d = doc("proxy_servers:  # ours\n  http: a\n  https: b\nother: 1\n");
        d.set_scalar("proxy_servers", "x");
        assert_eq!(d.render(), "proxy_servers: x  # ours\nother: 1\n");
        let mut d = doc("proxy_servers: {http: a}\nother: 1\n");
        d.set_list("proxy_servers", &["a".to_string()]);
        assert_eq!(d.render(), "proxy_servers:\n  - a\nother: 1\n");
        assert!(d.remove("proxy_servers"));
        assert_eq!(d.render(), "other: 1\n");
    }

    #[test]
    fn empty_documents_are_empty_mappings() {
        for text in [
            "",
            "\n",
            "# only a comment\n",
            "---\n",
            "~\n",
            "{}\n",
            "--- {}\n...",
        ] {
            let d = doc(text);
            assert!(!d.contains("a"), "{text:?}");
            assert!(!d.is_changed());
        }
    }

    #[test]
    fn invalid_yaml_names_line_and_column() {
        let cases: &[(&str, &str)] = &[
            ("a: [1, 2\n", "line 2, column 1: "),
            ("key: value\n  bad: indent: x\n", "line 2, column 6: "),
            ("- a\n", "line 1, column 1: the top level is a list"),
            (
                "just text\n",
                "line 1, column 1: the top level is a single value",
            ),
            ("a: 1\n---\nb: 2\n", "line 2, column 1: a second document"),
            (
                "a: 1\nb: 2\n'a': 3\n",
                "line 3, column 1: duplicate key \"a\"",
            ),
            ("a:\n\tb: 1\n", "line 2, column "),
        ];
        for (text, want) in cases {
            match Condarc::parse(Path::new("/h/.condarc"), text) {
                Err(Error::InvalidFile {
                    path,
                    what,
                    detail,
                    hint,
                }) => {
                    assert_eq!(path, Path::new("/h/.condarc"));
                    assert_eq!(what, "YAML file");
                    assert!(detail.starts_with(want), "{text:?}: {detail}");
                    assert!(hint.is_none());
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn plain_or_quoted() {
        for plain in [
            "true",
            "https://x/main",
            "/p/ca.pem",
            "-1",
            "a:b",
            "a#b",
            "ünï",
        ] {
            assert_eq!(render_scalar(plain), plain);
        }
        for (value, quoted) in [
            ("", "\"\""),
            ("a: b", "\"a: b\""),
            (" x", "\" x\""),
            ("x #y", "\"x #y\""),
            ("- x", "\"- x\""),
            ("*x", "\"*x\""),
            ("a\"b\\\n", "\"a\\\"b\\\\\\n\""),
            ("x:", "\"x:\""),
        ] {
            assert_eq!(render_scalar(value), quoted);
            // Read back, it is the same text.
            let d = doc(&format!("k: {quoted}\n"));
            assert_eq!(d.get_scalar("k").as_deref(), Some(value));
        }
    }

    #[test]
    fn load_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let d = Condarc::load(&dir.path().join(".condarc")).unwrap();
        assert_eq!(d.render(), "");
        assert!(!d.contains("default_channels"));
    }

    #[test]
    fn nul_and_control_characters_are_invalid() {
        for (text, at) in [
            ("a: b\0c\n", "line 1, column 5"),
            ("a: 1\nb: \u{1b}[2J\n", "line 2"),
        ] {
            let err = decode(Path::new("rc"), text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(err.contains("special characters are not allowed"), "{err}");
            assert!(err.contains(at), "{err}");
        }
        assert!(decode(Path::new("rc"), "a: é\t\u{feff}\n".as_bytes()).is_ok());
    }

    #[test]
    fn load_rejects_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        std::fs::write(&path, b"a: 1\nb: \xff\n").unwrap();
        match Condarc::load(&path) {
            Err(Error::InvalidFile { detail, .. }) => {
                assert!(detail.starts_with("line 2, column 4: "), "{detail}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn locks(dir: &tempfile::TempDir) -> Locks {
        Locks::new(dir.path().join("locks"))
    }

    #[test]
    fn edit_writes_backup_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        let old = "# mine\r\nchannels: [defaults]\r\nssl_verify: false";
        std::fs::write(&path, old).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        let answer = edit(&locks(&dir), &path, |c| {
            c.set_scalar("add_anaconda_token", "true");
            Ok(c.get_list("channels"))
        })
        .unwrap();
        assert_eq!(answer, Some(vec!["defaults".to_string()]));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# mine\r\nchannels: [defaults]\r\nssl_verify: false\r\nadd_anaconda_token: true"
        );
        let bak = dir.path().join(".condarc.bak");
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), old);
        #[cfg(unix)]
        {
            assert_eq!(mode_of(&path), 0o640);
            assert_eq!(mode_of(&bak), 0o640);
        }
    }

    #[test]
    fn edit_without_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        std::fs::write(&path, "ssl_verify: false\n").unwrap();
        edit(&locks(&dir), &path, |c| {
            c.set_scalar("ssl_verify", "false");
            Ok(())
        })
        .unwrap();
        assert!(!dir.path().join(".condarc.bak").exists());
        // A missing file that stays empty is not created.
        let missing = dir.path().join("other");
        edit(&locks(&dir), &missing, |c| Ok(c.remove("x"))).unwrap();
        assert!(!missing.exists());
    }

    #[test]
    fn edit_creates_missing_file_without_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env").join(".condarc");
        edit(&locks(&dir), &path, |c| {
            c.set_list("default_channels", &channels());
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), CHANNELS_BLOCK);
        assert!(!dir.path().join("env").join(".condarc.bak").exists());
    }

    #[test]
    fn edit_leaves_invalid_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        let bad = b"key: value\n  bad: indent: x\n";
        std::fs::write(&path, bad).unwrap();
        let mut called = false;
        let r = edit(&locks(&dir), &path, |c| {
            called = true;
            c.set_scalar("a", "b");
            Ok(())
        });
        assert!(matches!(r, Err(Error::InvalidFile { .. })), "{r:?}");
        assert!(!called);
        assert_eq!(std::fs::read(&path).unwrap(), bad);
        assert!(!dir.path().join(".condarc.bak").exists());
    }

    #[test]
    fn edit_error_from_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        std::fs::write(&path, "a: 1\n").unwrap();
        let r: Result<()> = edit(&locks(&dir), &path, |c| {
            c.set_scalar("a", "2");
            Err(Error::msg("no"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a: 1\n");
    }

    #[test]
    fn edit_refuses_a_change_that_breaks_an_alias() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        let text = "default_channels: &ch [a]\nchannels: *ch\n";
        std::fs::write(&path, text).unwrap();
        let r = edit(&locks(&dir), &path, |c| {
            c.set_list("default_channels", &channels());
            Ok(())
        });
        assert!(matches!(r, Err(Error::Message { .. })), "{r:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[cfg(unix)]
    #[test]
    fn a_backup_that_is_a_link_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        std::fs::write(&path, "a: 1\n").unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "root-only content").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".condarc.bak")).unwrap();
        edit(&locks(&dir), &path, |c| {
            c.set_scalar("a", "2");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "root-only content"
        );
        let bak = dir.path().join(".condarc.bak");
        assert!(std::fs::symlink_metadata(&bak).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), "a: 1\n");
        // No lock file is left beside the user's file.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [".condarc", ".condarc.bak", "locks", "victim"]);
    }
}
