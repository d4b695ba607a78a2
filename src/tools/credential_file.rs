//! A tool's credentials file as a [`ToolStore`], written once for both tools: what differs
//! between rattler's and mamba's files (the key, how a conda token is spelled, which entry is
//! in effect for a URL, how the file is laid out) is their [`Format`].

use std::marker::PhantomData;
use std::path::Path;

use serde_json::{Map, Value};

use super::json_file::{JsonMapFile, Style};
use super::{Tool, ToolCredential, ToolStore};
use crate::error::Result;
use crate::fs::Locks;
use crate::secret::Secret;

/// How one tool keys and spells a conda token in its credentials file.
pub trait Format {
    const TOOL: Tool;
    /// What the file is, for errors: "pixi credentials file".
    const WHAT: &'static str;
    const STYLE: Style;
    /// The key the tool's own login stores the repository's credential under.
    fn key(repo_url: &str) -> Result<String>;
    /// Our entry for `token`.
    fn entry(token: &Secret) -> Value;
    /// The token of a conda-token entry; `None` for any other kind.
    fn token_of(entry: &Value) -> Option<&str>;
    /// The keys the tool tries for `repo_url`, first to last (the first present is in effect).
    fn lookup_keys(repo_url: &str) -> Result<Vec<String>>;
}

pub struct CredentialFile<F> {
    file: JsonMapFile,
    format: PhantomData<F>,
}

impl<F: Format> CredentialFile<F> {
    pub fn new(path: &Path, locks: Locks) -> Self {
        CredentialFile {
            file: JsonMapFile::new(path, locks, F::WHAT, F::STYLE),
            format: PhantomData,
        }
    }
}

/// The credential in effect for `repo_url` (`entry` reads one key), if it is a conda token.
pub fn in_effect<F: Format>(
    repo_url: &str,
    mut entry: impl FnMut(&str) -> Result<Option<Value>>,
) -> Result<Vec<ToolCredential>> {
    for key in F::lookup_keys(repo_url)? {
        if let Some(value) = entry(&key)? {
            return Ok(F::token_of(&value)
                .map(|token| ToolCredential {
                    host: key,
                    token: Secret::new(token),
                })
                .into_iter()
                .collect());
        }
    }
    Ok(Vec::new())
}

impl<F: Format> ToolStore for CredentialFile<F> {
    fn tool(&self) -> Tool {
        F::TOOL
    }

    fn describe(&self) -> String {
        self.file.path().display().to_string()
    }

    fn set(&self, repo_url: &str, token: &Secret) -> Result<()> {
        let key = F::key(repo_url)?;
        self.file.change(|entries| {
            entries.insert(key, F::entry(token));
            Ok(true)
        })?;
        Ok(())
    }

    fn list(&self, repo_url: &str) -> Result<Vec<ToolCredential>> {
        let entries: Map<String, Value> = self.file.read()?;
        in_effect::<F>(repo_url, |key| Ok(entries.get(key).cloned()))
    }

    fn remove_token(&self, token: &Secret) -> Result<bool> {
        self.file.change(|entries| {
            let before = entries.len();
            entries.retain(|_, value| F::token_of(value) != Some(token.expose()));
            Ok(entries.len() != before)
        })
    }

    fn holds(&self, token: &Secret) -> Result<bool> {
        let entries = self.file.read()?;
        Ok(entries
            .values()
            .any(|value| F::token_of(value) == Some(token.expose())))
    }

    fn check_writable(&self) -> Result<()> {
        self.file.check_writable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::mamba::Mamba;
    use crate::tools::pixi::Rattler;
    use crate::tools::testing::{Dir, read, tokens, write};

    const REPO: &str = "https://repo.anaconda.cloud/repo/";

    /// A new file is 0600 in new 0700 folders, `check_writable` writes nothing, and what was
    /// set is listed under the tool's key.
    fn creates_the_file_private<F: Format>(relative: &str) {
        let dir = Dir::new();
        let path = dir.join(relative);
        let store = CredentialFile::<F>::new(&path, dir.locks.clone());
        assert!(store.list(REPO).unwrap().is_empty());
        store.check_writable().unwrap();
        assert!(!path.exists(), "check_writable wrote");
        store.set(REPO, &Secret::new("tok")).unwrap();
        #[cfg(unix)]
        {
            use crate::tools::testing::mode_of;
            assert_eq!(mode_of(&path), 0o600);
            let mut folder = path.parent().unwrap();
            while folder != dir.dir.path() {
                assert_eq!(mode_of(folder), 0o700, "{}", folder.display());
                folder = folder.parent().unwrap();
            }
        }
        let key = F::key(REPO).unwrap();
        assert_eq!(tokens(store.list(REPO).unwrap()), [(key, "tok".into())]);
        assert_eq!(store.describe(), path.display().to_string());
        assert_eq!(store.tool(), F::TOOL);
    }

    /// A file that does not parse is an error naming it (never quoting it), and stays as it is.
    fn leaves_a_corrupt_file_unchanged<F: Format>(relative: &str) {
        let dir = Dir::new();
        let path = dir.join(relative);
        let store = CredentialFile::<F>::new(&path, dir.locks.clone());
        let corrupt = r#"{"repo.anaconda.cloud": {"token": "old""#;
        write(&path, corrupt);
        let token = Secret::new("new");
        for err in [
            store.set(REPO, &token).unwrap_err(),
            store.list(REPO).unwrap_err(),
            store.remove_token(&token).unwrap_err(),
            store.check_writable().unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(F::WHAT), "{text}");
            assert!(!text.contains("old"), "{text}");
        }
        assert_eq!(read(&path), corrupt);
    }

    #[test]
    fn rattlers_file_is_created_private_and_a_corrupt_one_left_unchanged() {
        creates_the_file_private::<Rattler>(".rattler/credentials.json");
        leaves_a_corrupt_file_unchanged::<Rattler>(".rattler/credentials.json");
    }

    #[test]
    fn mambas_file_is_created_private_and_a_corrupt_one_left_unchanged() {
        creates_the_file_private::<Mamba>(".mamba/auth/authentication.json");
        leaves_a_corrupt_file_unchanged::<Mamba>(".mamba/auth/authentication.json");
    }
}
