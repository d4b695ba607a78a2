//! Writing new values in conda's style.

pub(super) enum Body<'a> {
    Scalar(&'a str),
    List(&'a [String]),
}

/// A key's lines in conda's style: `key: value`, or `key:` and `  - item` lines (an empty list
/// is `key: []`). `indent` is that of the top-level mapping (0 in practice).
pub(super) fn render_entry(
    key: &str,
    body: &Body,
    comment: Option<&str>,
    indent: usize,
    eol: &str,
) -> String {
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
pub(super) fn render_scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_string()
    } else {
        double_quote(value)
    }
}

/// Whether `value` can be written as a plain scalar (in block context) and read back as the
/// same text. Errs on the side of quoting.
pub(super) fn is_plain_safe(value: &str) -> bool {
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

pub fn double_quote(value: &str) -> String {
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
pub(super) fn indent_continuations(text: &str) -> String {
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
