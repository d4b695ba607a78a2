//! conda's token files ("binstar" tokens): one file per URL in conda's token folder, named by the
//! percent-encoded URL plus `.token`, holding the token alone (`conda.md`). conda adds
//! `/t/<token>/` to every channel URL under that URL.

use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};
use crate::fs::{self, Locks, Mode};
use crate::secret::Secret;

/// One token file found on disk.
#[derive(Debug, Clone)]
pub struct TokenFile {
    pub url: String,
    pub token: Secret,
    pub path: PathBuf,
}

/// `https://repo.anaconda.cloud/repo/` → `https%3A%2F%2Frepo.anaconda.cloud%2Frepo%2F.token`.
pub fn file_name(url: &str) -> String {
    let encoded: String = url
        .split(' ')
        // Python's `quote_plus(url, safe="")`: a space is `+`, the rest as `crate::percent`.
        .map(|part| crate::percent::encode(part).to_string())
        .collect::<Vec<_>>()
        .join("+");
    format!("{encoded}.token")
}

/// The URL a token file is for, from its name.
pub fn url_from_file_name(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".token")?;
    let plus_decoded = stem.replace('+', " ");
    percent_decode_str(&plus_decoded)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// conda only puts tokens made of `A-Z a-z 0-9 -` into URLs.
pub fn check_token(token: &Secret) -> Result<()> {
    let t = token.expose();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(Error::with_hint(
            "The token contains characters conda cannot use (only letters, digits and '-' are allowed).",
            "Check that you copied the whole token and nothing else.",
        ))
    }
}

/// Writes the token for `url` into `dir` (created 0700 if missing; the file 0600 from birth).
pub fn write(locks: &Locks, dir: &Path, url: &str, token: &Secret) -> Result<PathBuf> {
    let path = dir.join(file_name(url));
    locks.update(&path, Mode::Secret, |_| {
        Ok::<_, Error>((Some(token.expose().as_bytes().to_vec()), ()))
    })?;
    Ok(path)
}

/// Whether the token file for `url` in `dir` could be written now (before a token is issued).
pub fn check_writable(locks: &Locks, dir: &Path, url: &str) -> Result<()> {
    locks.check_writable(&dir.join(file_name(url)))
}

/// Removes the token file for `url` from `dir`; returns whether there was one.
pub fn remove(locks: &Locks, dir: &Path, url: &str) -> Result<bool> {
    remove_if(locks, dir, url, |_| true)
}

/// Removes the token file for `url` from `dir` when it holds one of `tokens`, reading it under
/// the lock under which it is removed (a parallel install's new token is never removed).
pub fn remove_holding(locks: &Locks, dir: &Path, url: &str, tokens: &[&Secret]) -> Result<bool> {
    remove_if(locks, dir, url, |current| tokens.contains(&current))
}

/// What became of conda's token file in [`replace_holding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// It held another token (or none): left alone.
    Untouched,
    /// It held one of the tokens and now holds the replacement.
    Rewritten,
    /// It held one of the tokens and there is no replacement: removed.
    Removed,
}

/// When the token file for `url` holds one of `tokens`: writes `replacement` into it, or removes
/// it when there is none. Read and written under one lock.
pub fn replace_holding(
    locks: &Locks,
    dir: &Path,
    url: &str,
    tokens: &[&Secret],
    replacement: Option<&Secret>,
) -> Result<Replaced> {
    let Some(replacement) = replacement.filter(|r| check_token(r).is_ok()) else {
        return Ok(match remove_holding(locks, dir, url, tokens)? {
            true => Replaced::Removed,
            false => Replaced::Untouched,
        });
    };
    let path = dir.join(file_name(url));
    locks.update(&path, Mode::Secret, |current| {
        let holds = current.is_some_and(|bytes| tokens.contains(&&secret_of(bytes)));
        Ok::<_, Error>(match holds {
            true => (
                Some(replacement.expose().as_bytes().to_vec()),
                Replaced::Rewritten,
            ),
            false => (None, Replaced::Untouched),
        })
    })
}

fn remove_if(
    locks: &Locks,
    dir: &Path,
    url: &str,
    remove: impl FnOnce(&Secret) -> bool,
) -> Result<bool> {
    let path = dir.join(file_name(url));
    locks.remove_if(&path, |bytes| remove(&secret_of(bytes)))
}

/// A token file's content as conda reads it (surrounding whitespace trimmed).
fn secret_of(bytes: &[u8]) -> Secret {
    Secret::new(String::from_utf8_lossy(bytes).trim())
}

/// The token stored for exactly `url` in `dir`, if any.
pub fn read(dir: &Path, url: &str) -> Result<Option<Secret>> {
    let path = dir.join(file_name(url));
    Ok(fs::read_optional(&path)?.map(|bytes| secret_of(&bytes)))
}

/// Every `*.token` file in the given folders (missing folders are skipped), first folder first,
/// a URL found in an earlier folder hiding the same URL in a later one.
pub fn list(dirs: &[&Path]) -> Result<Vec<TokenFile>> {
    let mut found: Vec<TokenFile> = Vec::new();
    for dir in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("read", *dir)(e)),
        };
        let mut in_dir = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(url) = url_from_file_name(&name) else {
                continue;
            };
            if found.iter().any(|f| f.url == url) {
                continue;
            }
            let path = entry.path();
            let Some(content) = fs::read_optional(&path)? else {
                continue;
            };
            in_dir.push(TokenFile {
                url,
                token: secret_of(&content),
                path,
            });
        }
        in_dir.sort_by(|a, b| a.url.cmp(&b.url));
        found.extend(in_dir);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_match_conda() {
        assert_eq!(
            file_name("https://repo.anaconda.cloud/repo/"),
            "https%3A%2F%2Frepo.anaconda.cloud%2Frepo%2F.token"
        );
        assert_eq!(
            file_name("http://a b/~x_y.z-"),
            "http%3A%2F%2Fa+b%2F~x_y.z-.token"
        );
        assert_eq!(
            url_from_file_name("http%3A%2F%2Fa+b%2F~x_y.z-.token").unwrap(),
            "http://a b/~x_y.z-"
        );
        assert!(url_from_file_name("notes.txt").is_none());
    }

    #[test]
    fn tokens_conda_cannot_use_are_rejected() {
        assert!(check_token(&Secret::new("abc-DEF-123")).is_ok());
        for bad in ["", "a b", "a/b", "tok\n", "ü"] {
            assert!(check_token(&Secret::new(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn write_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("binstar");
        let legacy = dir.path().join("legacy");
        let url = "https://repo.anaconda.cloud/repo/";
        let locks = Locks::new(dir.path().join("locks"));
        let path = write(&locks, &data, url, &Secret::new("tok-1")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "tok-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::create_dir_all(&legacy).unwrap();
        std::fs::write(legacy.join(file_name(url)), "older\n").unwrap();
        std::fs::write(legacy.join(file_name("https://other/")), " t2 \n").unwrap();
        let all = list(&[&data, &legacy]).unwrap();
        let summary: Vec<_> = all
            .iter()
            .map(|f| (f.url.as_str(), f.token.expose()))
            .collect();
        assert_eq!(summary, [(url, "tok-1"), ("https://other/", "t2")]);
        assert_eq!(read(&data, url).unwrap().unwrap().expose(), "tok-1");
        assert!(!remove_holding(&locks, &data, url, &[&Secret::new("other")]).unwrap());
        assert!(remove_holding(&locks, &data, url, &[&Secret::new("tok-1")]).unwrap());
        write(&locks, &data, url, &Secret::new("tok-1")).unwrap();
        assert!(remove(&locks, &data, url).unwrap());
        assert!(!remove(&locks, &data, url).unwrap());
        assert!(read(&data, url).unwrap().is_none());
    }
}
