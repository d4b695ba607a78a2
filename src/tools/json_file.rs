//! A tool's credentials file: one JSON object from a key (a host) to an entry. Read whole,
//! changed under its lock, written back in one atomic write, as each tool writes it.
//!
//! Entries we do not change keep their JSON value (parsed with `preserve_order`, so that even
//! their keys stay in order). The top level is written sorted by key, as both tools write it
//! (rattler serializes a `BTreeMap`, mamba an `nlohmann::json` object, a `std::map`): a file
//! either of them wrote comes back byte for byte but for our entry.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::fs::{self, Locks, Mode};

/// How the tool itself writes the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `serde_json::to_writer`: no spaces (rattler).
    Compact,
    /// `nlohmann::json::dump(4)`: four-space indents, `": "` (micromamba's `auth login`).
    Indented,
}

#[derive(Debug, Clone)]
pub(super) struct JsonMapFile {
    path: PathBuf,
    locks: Locks,
    /// What the file is, for errors: "pixi credentials file".
    what: &'static str,
    style: Style,
}

impl JsonMapFile {
    pub fn new(path: &Path, locks: Locks, what: &'static str, style: Style) -> Self {
        JsonMapFile {
            path: path.to_path_buf(),
            locks,
            what,
            style,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries; a missing (or empty) file has none.
    pub fn read(&self) -> Result<Map<String, Value>> {
        let bytes = fs::read_optional(&self.path)?;
        parse(&self.path, self.what, bytes.as_deref())
    }

    /// Lets `change` change the entries under the file's lock, and writes them when it says
    /// it changed something (a missing file is created, 0600, its new folders 0700). An error
    /// from `change`, or a file that does not parse, leaves the file as it is. Whether it
    /// changed.
    pub fn change(
        &self,
        change: impl FnOnce(&mut Map<String, Value>) -> Result<bool>,
    ) -> Result<bool> {
        let (path, what, style) = (&self.path, self.what, self.style);
        self.locks.update(path, Mode::Secret, |bytes| {
            let mut entries = parse(path, what, bytes)?;
            if !change(&mut entries)? {
                return Ok((None, false));
            }
            entries.sort_keys();
            Ok((Some(render(&entries, style)), true))
        })
    }

    /// Whether a change would go through: the file parses, and it (or its folder) can be
    /// written. Writes nothing.
    pub fn check_writable(&self) -> Result<()> {
        self.read()?;
        self.locks.check_writable(&self.path)
    }
}

/// A missing or blank file is an empty store; anything else must be a JSON object.
fn parse(path: &Path, what: &'static str, bytes: Option<&[u8]>) -> Result<Map<String, Value>> {
    crate::store::file::json_object(bytes).map_err(|detail| Error::InvalidFile {
        path: path.to_path_buf(),
        what,
        detail,
        hint: None,
    })
}

fn render(entries: &Map<String, Value>, style: Style) -> Vec<u8> {
    // Writing a `Value` into a Vec cannot fail.
    match style {
        Style::Compact => serde_json::to_vec(entries).unwrap_or_default(),
        Style::Indented => {
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            let _ = entries.serialize(&mut serializer);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_in(dir: &tempfile::TempDir, style: Style) -> JsonMapFile {
        JsonMapFile::new(
            &dir.path().join("sub").join("creds.json"),
            Locks::new(dir.path().join("locks")),
            "test credentials file",
            style,
        )
    }

    #[test]
    fn renders_as_each_tool_writes() {
        let entries: Map<String, Value> =
            serde_json::from_str(r#"{"a": {"type": "CondaToken", "token": "t"}, "b": []}"#)
                .unwrap();
        assert_eq!(
            String::from_utf8(render(&entries, Style::Compact)).unwrap(),
            r#"{"a":{"type":"CondaToken","token":"t"},"b":[]}"#
        );
        // nlohmann's dump(4): an empty array or object stays on its line, as here.
        assert_eq!(
            String::from_utf8(render(&entries, Style::Indented)).unwrap(),
            "{\n    \"a\": {\n        \"type\": \"CondaToken\",\n        \"token\": \"t\"\n    },\n    \"b\": []\n}"
        );
        assert_eq!(render(&Map::new(), Style::Indented), b"{}");
        assert_eq!(render(&Map::new(), Style::Compact), b"{}");
    }

    #[test]
    fn an_unchanged_store_is_not_written_or_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir, Style::Compact);
        assert!(!file.change(|_| Ok(false)).unwrap());
        assert!(!file.path().exists());
        assert!(!file.path().parent().unwrap().exists());
        file.check_writable().unwrap();
        assert!(!file.path().parent().unwrap().exists());
    }

    #[test]
    fn bad_files_are_errors_that_change_nothing_and_never_quote_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_in(&dir, Style::Compact);
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        for content in ["{\"h\": s3cret", "[1]", "\"s3cret\""] {
            std::fs::write(file.path(), content).unwrap();
            for err in [
                file.change(|_| Ok(true)).unwrap_err(),
                file.read().unwrap_err(),
                file.check_writable().unwrap_err(),
            ] {
                let text = format!("{err} {:?}", err.hint());
                assert!(text.contains("test credentials file"), "{text}");
                assert!(text.contains(&file.path().display().to_string()), "{text}");
                assert!(!text.contains("s3cret"), "{text}");
            }
            assert_eq!(std::fs::read_to_string(file.path()).unwrap(), content);
        }
        // A blank file is an empty store, and the first change replaces it.
        std::fs::write(file.path(), " \n").unwrap();
        assert!(file.read().unwrap().is_empty());
    }
}
