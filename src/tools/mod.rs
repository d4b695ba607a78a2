//! The package managers we give the repository token to: conda (`crate::conda`, today's
//! behaviour), and the ones that keep credentials of their own, read here from their sources:
//! pixi and rattler-build (rattler's store, [`pixi`]) and mamba / micromamba ([`mamba`]).
//!
//! Each of those stores holds a `CondaToken` per repository host, in its own format; a
//! [`ToolStore`] sets, lists and removes ours and keeps every other entry as it was. Files are
//! changed through `crate::fs::Locks::update` (one locked, atomic write; 0600, in a 0700
//! folder when we create it), and a file we cannot parse is an error that changes nothing.

mod credential_file;
mod json_file;
pub mod mamba;
pub mod pixi;
mod rattler_keyring;

use crate::error::Result;
use crate::fs::Locks;
use crate::secret::Secret;
use crate::settings::Settings;

/// A package manager we configure: conda (today's behaviour), pixi/rattler, mamba.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Tool {
    Conda,
    Pixi,
    Mamba,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Conda, Tool::Pixi, Tool::Mamba];

    /// "conda", "pixi", "mamba".
    pub fn name(self) -> &'static str {
        match self {
            Tool::Conda => "conda",
            Tool::Pixi => "pixi",
            Tool::Mamba => "mamba",
        }
    }

    /// Parses ANACONDA_TOKEN_TOOLS ("pixi, conda"): names, comma-separated, spaces allowed,
    /// duplicates folded, order kept; an unknown name is Err naming it and the choices.
    /// (Names are matched as `--tool` matches them: exactly. Empty items, as in a trailing
    /// comma, are skipped; a list of none is an error, since it would configure nothing.)
    pub fn parse_list(text: &str) -> std::result::Result<Vec<Tool>, String> {
        let choices = || {
            Tool::ALL
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut tools = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let tool = Tool::ALL
                .into_iter()
                .find(|t| t.name() == name)
                .ok_or_else(|| format!("unknown tool {name:?} (choose from {})", choices()))?;
            if !tools.contains(&tool) {
                tools.push(tool);
            }
        }
        if tools.is_empty() {
            return Err(format!("names no tool (choose from {})", choices()));
        }
        Ok(tools)
    }
}

/// One credential a tool store holds for a host (its `Debug` shows no token).
#[derive(Debug, Clone)]
pub struct ToolCredential {
    /// The key it is stored under: `repo.anaconda.cloud` (rattler; or a wildcard such as
    /// `*.anaconda.cloud`), `repo.anaconda.cloud/repo` (mamba).
    pub host: String,
    pub token: Secret,
}

/// Another tool's credential store (pixi's, mamba's): a CondaToken per repository host.
pub trait ToolStore {
    fn tool(&self) -> Tool;
    /// Where it is, for `list` and messages: the file's path, or "the system keyring (service rattler)".
    fn describe(&self) -> String;
    /// Sets the CondaToken of the repository's host (`repo_url` as in Settings, e.g.
    /// "https://repo.anaconda.cloud/repo/") to `token`, keeping every other entry as it was.
    fn set(&self, repo_url: &str, token: &Secret) -> Result<()>;
    /// The CondaToken credentials it holds for the repository's host (none, or one).
    fn list(&self, repo_url: &str) -> Result<Vec<ToolCredential>>;
    /// Removes every CondaToken entry whose token equals `token` (found by value, any host);
    /// whether one was removed.
    fn remove_token(&self, token: &Secret) -> Result<bool>;
    /// Whether some CondaToken entry (any host) holds `token`; reads only.
    fn holds(&self, token: &Secret) -> Result<bool>;
    /// Whether `set` would go through, found out without writing (called before a token is
    /// issued, since issuing revokes the old one): the file parses, its folder can be written.
    fn check_writable(&self) -> Result<()>;
}

/// Every store `tool` reads a credential from, the one written first: what `list` shows and
/// `uninstall` cleans. For pixi, besides the store [`store`] writes: `~/.rattler/credentials.json`
/// behind `$RATTLER_AUTH_FILE` (rattler reads both), and the file behind the OS keyring.
pub fn every_store(tool: Tool, settings: &Settings, locks: &Locks) -> Vec<Box<dyn ToolStore>> {
    let mut stores: Vec<Box<dyn ToolStore>> = store(tool, settings, locks).into_iter().collect();
    if tool == Tool::Pixi {
        let default = settings
            .paths
            .home
            .join(".rattler")
            .join("credentials.json");
        let written = &settings.paths.rattler_auth_file;
        let file_written = stores
            .first()
            .is_some_and(|s| s.describe() == written.display().to_string());
        if !file_written || *written != default {
            stores.push(Box::new(pixi::RattlerFile::new(&default, locks.clone())));
        }
    }
    stores
}

/// The store a token for `tool` is written to (None for Tool::Conda, whose files are
/// src/conda/).
pub fn store(tool: Tool, settings: &Settings, locks: &Locks) -> Option<Box<dyn ToolStore>> {
    match tool {
        Tool::Conda => None,
        Tool::Pixi => Some(pixi::store(settings, locks)),
        Tool::Mamba => Some(Box::new(mamba::MambaFile::new(
            &settings.paths.mamba_auth_file,
            locks.clone(),
        ))),
    }
}

/// The host of `repo_url` as a URL parser gives it (lower case, IDNA), with the port when it
/// is not the scheme's default; an error when `repo_url` has none.
fn host_and_port(repo_url: &str) -> Result<(reqwest::Url, String, Option<u16>)> {
    let url = reqwest::Url::parse(repo_url).map_err(|e| {
        crate::error::Error::msg(format!(
            "The repository URL {repo_url:?} is not a URL: {e}."
        ))
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            crate::error::Error::msg(format!("The repository URL {repo_url:?} names no host."))
        })?
        .to_string();
    let port = url.port();
    Ok((url, host, port))
}

/// What the stores' tests share: a temporary folder with our lock folder in it.
#[cfg(test)]
mod testing {
    use std::path::{Path, PathBuf};

    use crate::fs::Locks;

    pub struct Dir {
        pub dir: tempfile::TempDir,
        pub locks: Locks,
    }

    impl Dir {
        pub fn new() -> Dir {
            let dir = tempfile::tempdir().unwrap();
            let locks = Locks::new(dir.path().join("locks"));
            Dir { dir, locks }
        }

        pub fn join(&self, path: &str) -> PathBuf {
            self.dir.path().join(path)
        }
    }

    /// `path` written with `content`, its folders created.
    pub fn write(path: &Path, content: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    pub fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    /// Credentials as (key, token) pairs, to compare.
    pub fn tokens(credentials: Vec<super::ToolCredential>) -> Vec<(String, String)> {
        credentials
            .into_iter()
            .map(|c| (c.host, c.token.expose().to_string()))
            .collect()
    }

    #[cfg(unix)]
    pub fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_lists_parse_with_spaces_duplicates_and_order() {
        assert_eq!(
            Tool::parse_list("pixi, conda"),
            Ok(vec![Tool::Pixi, Tool::Conda])
        );
        assert_eq!(
            Tool::parse_list(" mamba ,pixi,mamba, "),
            Ok(vec![Tool::Mamba, Tool::Pixi])
        );
        assert_eq!(Tool::parse_list("conda"), Ok(vec![Tool::Conda]));
        let err = Tool::parse_list("pixi, pip").unwrap_err();
        assert_eq!(err, "unknown tool \"pip\" (choose from conda, pixi, mamba)");
        assert!(
            Tool::parse_list(" , ")
                .unwrap_err()
                .contains("names no tool")
        );
        assert!(Tool::parse_list("Pixi").is_err());
    }

    #[test]
    fn names_match_the_value_enum() {
        use clap::ValueEnum;
        for tool in Tool::ALL {
            assert_eq!(Tool::from_str(tool.name(), false), Ok(tool));
        }
    }

    #[test]
    fn only_conda_has_no_tool_store() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let settings = Settings::resolve(
            &crate::settings::Env::from_pairs([("HOME", home)]),
            &crate::settings::Overrides::default(),
        )
        .unwrap();
        let locks = Locks::new(dir.path().join("locks"));
        assert!(store(Tool::Conda, &settings, &locks).is_none());
        let pixi = store(Tool::Pixi, &settings, &locks).unwrap();
        assert_eq!(pixi.tool(), Tool::Pixi);
        assert_eq!(
            pixi.describe(),
            dir.path()
                .join(".rattler/credentials.json")
                .display()
                .to_string()
        );
        let mamba = store(Tool::Mamba, &settings, &locks).unwrap();
        assert_eq!(mamba.tool(), Tool::Mamba);
        assert_eq!(
            mamba.describe(),
            dir.path()
                .join(".mamba/auth/authentication.json")
                .display()
                .to_string()
        );
    }
}
