//! The index: the parser's view of the top level, where each top-level key and its value are
//! in the text.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span};

use super::lines::{last_line, line_spans};
use super::render::is_plain_safe;

/// A place in the text: 0-based line, 0-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) col: usize,
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
pub(super) struct YamlError {
    pub(super) at: Pos,
    pub(super) reason: String,
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
pub(super) struct Doc {
    pub(super) top: Top,
    pub(super) entries: Vec<Entry>,
    /// The line of an explicit document end (`...`): keys are appended before it.
    pub(super) doc_end_line: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Top {
    /// No keys: an empty or comment-only file, a null document (`---`, `~`) or `{}`. The span of
    /// `{}` or of an explicit null is replaced by the first key set.
    Empty { placeholder: Option<(Pos, Pos)> },
    /// A block mapping whose keys start at column `indent`.
    Block { indent: usize },
    /// A non-empty flow mapping `{a: 1}`, from `{` to after `}`.
    Flow { start: Pos, end: Pos },
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The key's text; `None` for a key that is not a scalar.
    pub(super) name: Option<String>,
    pub(super) key: Node,
    pub(super) value: Node,
    /// The lines of this key and its value, `first_line..end_line` (block mappings only): from
    /// the key's line to its value's last line, including comments and blank lines inside the
    /// value, but not the blank lines and comments at the mapping's own indentation that follow
    /// it (they are about the next key, or the file's).
    pub(super) first_line: usize,
    pub(super) end_line: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Node {
    /// Start of its first and end of its last character (`None`: no characters, as an empty
    /// value).
    pub(super) start: Option<Pos>,
    pub(super) end: Option<Pos>,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Scalar(ScalarInfo),
    /// A sequence; its items when they are all scalars.
    Seq(Option<Vec<ScalarInfo>>),
    /// A mapping; its keys and values when they are all scalars.
    Map(Option<Vec<(ScalarInfo, ScalarInfo)>>),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ScalarInfo {
    pub(super) text: String,
    /// Written plain, without a tag: then YAML may read it as a bool or number (`true`),
    /// which a quoted scalar never is.
    pub(super) plain: bool,
}

impl ScalarInfo {
    /// How [`render_scalar`] writes `value`, to tell whether a value is already as we would set
    /// it (then nothing is rewritten).
    pub(super) fn rendered(value: &str) -> ScalarInfo {
        ScalarInfo {
            text: value.to_string(),
            plain: is_plain_safe(value),
        }
    }

    /// Whether both read as the same value: the same text, and either both plain or both
    /// quoted, or plain text that YAML reads as a string anyway (a URL, not `true` or `1`).
    pub(super) fn same_as(&self, other: &ScalarInfo) -> bool {
        self.text == other.text && (self.plain == other.plain || plain_reads_as_string(&self.text))
    }
}

/// Whether a plain scalar with this text is a string for YAML (1.1, as conda's parser reads it,
/// or 1.2). Errs on the side of "not a string": anything number-like, booleans, nulls.
pub(super) fn plain_reads_as_string(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "y",
        "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    !WORDS.contains(&text) && !text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
}

impl Doc {
    pub(super) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name.as_deref() == Some(key))
    }

    pub(super) fn indent(&self) -> usize {
        match self.top {
            Top::Block { indent } => indent,
            _ => 0,
        }
    }
}

/// Parses `text` strictly and indexes its top-level mapping.
pub(super) fn index(text: &str) -> std::result::Result<Doc, YamlError> {
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
pub(super) fn read_top(
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
            read_mapping(reader, entries, start, flow)
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

/// Reads the entries of the root mapping, which started at `start`, up to its end; returns
/// the layout and where the mapping ends.
fn read_mapping(
    reader: &mut Reader<'_, '_>,
    entries: &mut Vec<Entry>,
    start: Pos,
    flow: bool,
) -> std::result::Result<(Top, Option<Pos>), YamlError> {
    loop {
        let Some((event, span)) = reader.peek() else {
            return Err(reader.unexpected_end());
        };
        if let Event::MappingEnd = event {
            // The span of a flow mapping's end runs on over a comment after the `}`: the end is
            // right after the `}` where the span starts.
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

/// A key written twice: YAML forbids it and conda refuses the file, and which one to edit would
/// be a guess.
pub(super) fn check_duplicates(entries: &[Entry]) -> std::result::Result<(), YamlError> {
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
pub(super) fn set_line_ranges(text: &str, entries: &mut [Entry], indent: usize, bound: usize) {
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

pub(super) fn is_empty(span: &Span) -> bool {
    span.start.index() == span.end.index()
}

/// A cursor over the parser's events. It borrows them (rather than owning them) so that what
/// `peek` returns stays usable while the cursor moves on.
pub(super) struct Reader<'r, 'a> {
    pub(super) events: &'r [(Event<'a>, Span)],
    pub(super) next: usize,
}

impl<'r, 'a> Reader<'r, 'a> {
    pub(super) fn peek(&self) -> Option<(&'r Event<'a>, &'r Span)> {
        self.events.get(self.next).map(|(e, s)| (e, s))
    }

    pub(super) fn unexpected_end(&self) -> YamlError {
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
    pub(super) fn node(&mut self) -> std::result::Result<Node, YamlError> {
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
        let items = self.collection_scalars(&mut node)?;
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

    /// Reads the rest of a collection (its start was read) into `node`; returns the scalars
    /// directly inside (a sequence's items, or a mapping's keys and values in turn), `None` once
    /// anything else is found there.
    fn collection_scalars(
        &mut self,
        node: &mut Node,
    ) -> std::result::Result<Option<Vec<ScalarInfo>>, YamlError> {
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
        Ok(items)
    }
}

impl Node {
    /// Widens the node to include `span`. Spans without characters (the ends of block
    /// collections, empty values) point at the next token and say nothing about this node.
    pub(super) fn cover(&mut self, span: &Span) {
        if is_empty(span) {
            return;
        }
        let (start, end) = (Pos::from(&span.start), Pos::from(&span.end));
        self.start = Some(self.start.map_or(start, |s| s.min(start)));
        self.end = Some(self.end.map_or(end, |e| e.max(end)));
    }
}

pub(super) fn scalar_info(
    value: &str,
    style: ScalarStyle,
    tagged: bool,
    span: &Span,
) -> ScalarInfo {
    // An empty value (`key:`) is reported as "~"; it is written as nothing.
    let text = if is_empty(span) { "" } else { value };
    ScalarInfo {
        text: text.to_string(),
        plain: style == ScalarStyle::Plain && !tagged,
    }
}
