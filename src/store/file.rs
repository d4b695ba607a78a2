//! The keyring file (`preferred_token_storage = "anaconda-keyring"`, the default):
//! `{"<service>": {"<user>": "<secret>"}}`, written as Python's `json.dump` writes it so that
//! the file stays byte-compatible with the Python tool (`files.md`).
//!
//! Unlike the Python tool, a file we cannot parse is an error and is never overwritten, and every
//! write goes through `crate::fs::Locks::update` (lock, temp file 0600, fsync, rename).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Backend, Guard, SERVICE, StoreResult};
use crate::error::{Error, Result};
use crate::fs::{self, Locks, Mode};

#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    locks: Locks,
}

impl FileStore {
    pub fn new(path: impl Into<PathBuf>, locks: Locks) -> Self {
        FileStore {
            path: path.into(),
            locks,
        }
    }

    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<Map<String, Value>> {
        let bytes = fs::read_optional(&self.path)?;
        parse(&self.path, bytes.as_deref())
    }

    /// Changes entries of `service` in one write under the file's lock; writes nothing when
    /// no entry changes. Whether one did.
    fn change(&self, service: &str, changes: &[(&str, Change)]) -> Result<bool> {
        let path = &self.path;
        self.locks.update(path, Mode::Secret, |bytes| {
            let mut data = parse(path, bytes)?;
            let mut changed = false;
            for (user, change) in changes {
                changed |= apply(&mut data, path, service, user, change)?;
            }
            Ok((changed.then(|| to_python_json(&data)), changed))
        })
    }

    /// "plain text file, mode 0600" for `list`.
    pub fn describe(&self) -> String {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(&self.path) {
                return format!(
                    "{} (plain text file, mode {:04o})",
                    self.path.display(),
                    meta.permissions().mode() & 0o7777
                );
            }
        }
        format!("{} (plain text file)", self.path.display())
    }
}

impl Backend for FileStore {
    fn get(&self, user: &str) -> StoreResult<Option<String>> {
        Ok(secret_of(&self.read()?, SERVICE, user))
    }

    /// The entry of `user`, else of a user name that differs only in case (user names are
    /// domains, and host names are case-insensitive): the name found and its secret.
    fn find(&self, user: &str) -> StoreResult<Option<(String, String)>> {
        let data = self.read()?;
        if let Some(secret) = secret_of(&data, SERVICE, user) {
            return Ok(Some((user.to_string(), secret)));
        }
        let Some(users) = data.get(SERVICE).and_then(Value::as_object) else {
            return Ok(None);
        };
        Ok(users.iter().find_map(|(name, secret)| {
            let secret = secret.as_str()?;
            name.eq_ignore_ascii_case(user)
                .then(|| (name.clone(), secret.to_string()))
        }))
    }

    fn set(&self, user: &str, secret: &str) -> StoreResult<()> {
        self.change(SERVICE, &[(user, Change::Set(secret))])?;
        Ok(())
    }

    fn delete(&self, user: &str) -> StoreResult<bool> {
        Ok(self.change(SERVICE, &[(user, Change::Delete)])?)
    }

    /// One write: a crash cannot leave the entry under both names.
    fn move_entry(&self, from: &str, to: &str, secret: &str) -> StoreResult<()> {
        self.change(
            SERVICE,
            &[(to, Change::Set(secret)), (from, Change::Delete)],
        )?;
        Ok(())
    }

    fn describe(&self) -> String {
        FileStore::describe(self)
    }

    fn name(&self) -> String {
        "the keyring file".into()
    }

    fn lock(&self) -> StoreResult<Guard> {
        lock_file(&self.locks, &self.path)
    }

    fn check_writable(&self) -> StoreResult<()> {
        Ok(self.locks.check_writable(&self.path)?)
    }
}

fn secret_of(data: &Map<String, Value>, service: &str, user: &str) -> Option<String> {
    data.get(service)?.get(user)?.as_str().map(str::to_string)
}

/// The lock of the keyring file (also the OS keyring's, which has none of its own).
pub(super) fn lock_file(locks: &Locks, path: &Path) -> StoreResult<Guard> {
    Ok(locks.lock(path)?.into())
}

/// Applies one change to the file's data; whether it changed anything.
fn apply(
    data: &mut Map<String, Value>,
    path: &Path,
    service: &str,
    user: &str,
    change: &Change,
) -> Result<bool> {
    match change {
        Change::Set(secret) => {
            let users = data
                .entry(service)
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(users) = users.as_object_mut() else {
                return Err(not_a_store(path, &format!("{service:?} is not an object")));
            };
            users.insert(user.to_string(), Value::String(secret.to_string()));
            Ok(true)
        }
        Change::Delete => Ok(data
            .get_mut(service)
            .and_then(Value::as_object_mut)
            .and_then(|users| users.shift_remove(user))
            .is_some()),
    }
}

/// What a write does to one entry.
enum Change<'a> {
    Set(&'a str),
    Delete,
}

fn not_a_store(path: &Path, detail: &str) -> Error {
    Error::InvalidFile {
        path: path.to_path_buf(),
        what: "keyring file",
        detail: detail.to_string(),
        hint: Some(
            "It was left unchanged. Fix or move it (the Python tool would have overwritten it), \
             then try again."
                .into(),
        ),
    }
}

/// A missing or empty file is an empty store; anything else must be a JSON object.
fn parse(path: &Path, bytes: Option<&[u8]>) -> Result<Map<String, Value>> {
    json_object(bytes).map_err(|detail| not_a_store(path, &detail))
}

/// A JSON object of entries, as a credentials file holds (ours, rattler's, mamba's): a missing
/// or blank file has none. What is wrong otherwise names line and column only: the message of
/// a JSON error may quote secrets.
pub(crate) fn json_object(bytes: Option<&[u8]>) -> std::result::Result<Map<String, Value>, String> {
    let bytes = match bytes {
        None => return Ok(Map::new()),
        Some(b) if b.iter().all(u8::is_ascii_whitespace) => return Ok(Map::new()),
        Some(b) => b,
    };
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the top level is not a JSON object".into()),
        Err(e) => Err(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

/// Serializes as Python's `json.dump(data, fp)` does: `", "` and `": "` separators, non-ASCII
/// escaped as `\uXXXX` (`ensure_ascii`), no trailing newline. No crate offers this formatter.
fn to_python_json(data: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing a `Value` into a Vec cannot fail.
    let _ = data.serialize(&mut serializer);
    out
}

struct PythonFormatter;

type IoResult = std::io::Result<()>;

/// `", "` before every item but the first, as `json.dump` separates them.
fn separator<W: ?Sized + Write>(w: &mut W, first: bool) -> IoResult {
    if first { Ok(()) } else { w.write_all(b", ") }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> IoResult {
        separator(w, first)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> IoResult {
        separator(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            // Python escapes everything outside printable ASCII, DEL included.
            if c.is_ascii() && c != '\x7f' {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_locks(dir: &tempfile::TempDir) -> Locks {
        Locks::new(dir.path().join("locks"))
    }

    #[test]
    fn writes_like_python_json_dump() {
        let data: Map<String, Value> = serde_json::from_str(
            r#"{"Anaconda Cloud": {"anaconda.com": "abc="}, "other": {"u": "é", "n": [1, 2]}}"#,
        )
        .unwrap();
        // python3 -c 'import json,sys; json.dump({"Anaconda Cloud": {"anaconda.com": "abc="}, "other": {"u": "é", "n": [1, 2]}}, sys.stdout)'
        assert_eq!(
            String::from_utf8(to_python_json(&data)).unwrap(),
            r#"{"Anaconda Cloud": {"anaconda.com": "abc="}, "other": {"u": "\u00e9", "n": [1, 2]}}"#
        );
    }

    /// A store in a temp dir whose keyring file holds `content`.
    fn store_with(dir: &tempfile::TempDir, content: &str) -> FileStore {
        let path = dir.path().join("keyring");
        std::fs::write(&path, content).unwrap();
        FileStore::new(&path, test_locks(dir))
    }

    fn content(store: &FileStore) -> String {
        std::fs::read_to_string(store.path()).unwrap()
    }

    #[test]
    fn set_keeps_other_services_users_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(
            &dir,
            r#"{"zzz": {"a": "1"}, "Anaconda Cloud": {"other.example": "x", "anaconda.com": "old"}}"#,
        );
        assert_eq!(store.get("anaconda.com").unwrap().as_deref(), Some("old"));
        store.set("anaconda.com", "new").unwrap();
        assert_eq!(
            content(&store),
            r#"{"zzz": {"a": "1"}, "Anaconda Cloud": {"other.example": "x", "anaconda.com": "new"}}"#
        );
        assert!(store.delete("anaconda.com").unwrap());
        assert_eq!(
            content(&store),
            r#"{"zzz": {"a": "1"}, "Anaconda Cloud": {"other.example": "x"}}"#
        );
        assert_eq!(store.get("anaconda.com").unwrap(), None);
        assert!(!store.delete("anaconda.com").unwrap());
    }

    #[test]
    fn move_entry_is_one_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(&dir, r#"{"Anaconda Cloud": {"old": "a", "other": "b"}}"#);
        store.move_entry("old", "new", "a!").unwrap();
        assert_eq!(
            content(&store),
            r#"{"Anaconda Cloud": {"other": "b", "new": "a!"}}"#
        );
    }

    #[test]
    fn find_matches_the_user_name_in_any_case_the_exact_one_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(&dir, r#"{"Anaconda Cloud": {"anaconda.com": "a"}}"#);
        assert_eq!(
            store.find("Anaconda.COM").unwrap(),
            Some(("anaconda.com".into(), "a".into()))
        );
        let store = store_with(
            &dir,
            r#"{"Anaconda Cloud": {"anaconda.com": "a", "Anaconda.com": "b"}}"#,
        );
        assert_eq!(
            store.find("Anaconda.com").unwrap(),
            Some(("Anaconda.com".into(), "b".into()))
        );
        assert_eq!(store.find("anaconda.cloud").unwrap(), None);
    }

    #[test]
    fn empty_and_missing_files_are_empty_stores() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring");
        let store = FileStore::new(&path, test_locks(&dir));
        assert_eq!(store.get("u").unwrap(), None);
        std::fs::write(&path, "").unwrap();
        assert_eq!(store.get("u").unwrap(), None);
    }

    #[test]
    fn corrupt_file_is_an_error_and_left_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring");
        for content in ["{not json", "[1, 2]", r#"{"Anaconda Cloud": "flat"}"#] {
            std::fs::write(&path, content).unwrap();
            let store = FileStore::new(&path, test_locks(&dir));
            let err = Error::from(store.set("anaconda.com", "x").unwrap_err());
            assert!(err.to_string().contains("keyring"), "{err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
        }
    }
}
