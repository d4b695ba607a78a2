//! Lines of text. YAML breaks lines at `\r\n`, `\n` and a lone `\r`; so does the parser, and so
//! must these, for the parser's line numbers to match.

use super::index::Pos;

pub(super) struct LineSpan {
    /// Byte offset of the line's first character.
    pub(super) start: usize,
    /// Byte offset of its line break (or of the end of the text).
    pub(super) content_end: usize,
    /// Byte offset of the next line.
    pub(super) end: usize,
}

/// A text's own line ending: that of its first line; `\n` for a one-line or empty text.
pub fn line_ending(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text[i..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

pub(super) fn line_spans(text: &str) -> Vec<LineSpan> {
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
pub(super) fn before_on_line<'t>(text: &'t str, lines: &[LineSpan], pos: Pos) -> &'t str {
    let start = lines.get(pos.line).map_or(text.len(), |l| l.start);
    &text[start..byte_at(text, lines, pos)]
}

/// The text of `pos`'s line from it on, without the line break.
pub(super) fn after_on_line<'t>(text: &'t str, lines: &[LineSpan], pos: Pos) -> &'t str {
    let end = lines.get(pos.line).map_or(text.len(), |l| l.content_end);
    &text[byte_at(text, lines, pos)..end]
}

/// Byte offset of `pos` (past the end of a line or of the text: the end of it).
pub(super) fn byte_at(text: &str, lines: &[LineSpan], pos: Pos) -> usize {
    let Some(line) = lines.get(pos.line) else {
        return text.len();
    };
    line.start + byte_in_line(&text[line.start..line.content_end], pos.col)
}

/// Byte offset of the comment (`#`) in one line of YAML, if any: a `#` after whitespace (or
/// first), outside quoted scalars.
///
/// A quote opens a quoted scalar only where a scalar may start (at the start, after `: `, `- `,
/// `[`, `{` or `,`): inside a plain scalar (`a "b`, `it's`) it is a plain character. In a
/// single-quoted scalar `''` is an escaped quote, not its end.
pub fn find_comment(line: &str) -> Option<usize> {
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
pub(super) fn byte_in_line(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
}

/// The line a node ends on: an end at the start of a line is the line break of the line before.
pub(super) fn last_line(end: Pos, first: usize) -> usize {
    if end.col == 0 && end.line > first {
        end.line - 1
    } else {
        end.line
    }
}

pub(super) fn strip_line_ending(s: &mut String) {
    if s.ends_with("\r\n") {
        s.truncate(s.len() - 2);
    } else if s.ends_with(['\n', '\r']) {
        s.truncate(s.len() - 1);
    }
}
