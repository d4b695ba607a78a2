//! The file behind a [`Condarc`]: decoding its bytes, and the locked read-modify-write with
//! a backup.

use std::path::{Path, PathBuf};

use super::Condarc;
use super::index::{Pos, YamlError};
use crate::error::{Error, Result};
use crate::fs::{Locks, Mode, write_like};

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
    locks.update(path, Mode::Public, |old: Option<&[u8]>| {
        let text = decode(path, old.unwrap_or_default())?;
        let mut doc = Condarc::parse(path, &text)?;
        let result = change(&mut doc)?;
        if let Some(detail) = &doc.broken {
            return Err(Error::msg(format!(
                "Could not edit {}: the change would not leave valid YAML ({detail}); the file \
                 was left unchanged.",
                path.display()
            )));
        }
        if !doc.is_changed() {
            return Ok((None, result));
        }
        let new = doc.render();
        if let Some(old) = old {
            write_backup(path, old)?;
        }
        Ok((Some(new.into_bytes()), result))
    })
}

/// `<file>.bak` beside the file.
pub(super) fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Saves the previous content as `<file>.bak`, with the file's own permissions (and, when
/// allowed, owner) from its first byte: a `.condarc` may hold proxy passwords, and a 0600 file
/// must not leave a 0644 copy behind. The backup is written beside it and renamed into place,
/// so a `.bak` that is a link (planted by whoever can write the folder) is replaced, never
/// followed, and a failed write never leaves an empty or half `.bak`.
pub(super) fn write_backup(path: &Path, old: &[u8]) -> Result<()> {
    let bak = backup_path(path);
    // Every writer of the backup holds the file's lock, as we do now: any temp file of it is
    // left from a killed run.
    crate::fs::remove_stale_temps(&bak, std::time::SystemTime::now());
    let meta = std::fs::metadata(path).map_err(Error::io("read", path))?;
    write_like(&bak, old, &meta)
}

/// The file's bytes as text; not UTF-8 is an invalid file (with the place of the first bad byte).
pub(super) fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
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
pub(super) fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

pub(super) fn invalid(path: &Path, e: &YamlError) -> Error {
    Error::InvalidFile {
        path: path.to_path_buf(),
        what: "YAML file",
        detail: e.to_string(),
        hint: None,
    }
}
