//! mamba's and micromamba's credentials: `~/.mamba/auth/authentication.json`, in the form
//! `micromamba auth login <repo_url> --token <token>` writes (mamba-org/mamba at 03564bf,
//! 2026-07). micromamba cannot be installed here, so the tests hold fixtures written from
//! these lines:
//! - The file: `user_home_dir() / ".mamba" / "auth"` and `"authentication.json"`
//!   (`micromamba/src/login.cpp` 162-168; read from the same place, `libmamba/src/core/
//!   context.cpp` 235). `user_home_dir()` is `$HOME` (USERPROFILE on Windows,
//!   `libmamba/src/util/environment.cpp` 151-171, 279-293); no variable moves the file.
//! - The key, `get_token_base` (`login.cpp` 36-52): `url.host()` (lower-cased by
//!   `URL::set_host`), `":" + url.port()` when the URL gives a port, and
//!   `rstrip(url.pretty_path(), '/')`; no scheme. For `https://repo.anaconda.cloud/repo/` that
//!   is `repo.anaconda.cloud/repo`.
//! - The value: `auth_object["type"] = "CondaToken"; auth_object["token"] = strip(token);`
//!   (`login.cpp` 203-204), put under the key (212), and the file written with
//!   `auth_info.dump(4)` (222): four-space indents, keys sorted (an `nlohmann::json` object is
//!   a `std::map`), so `{"token": …, "type": "CondaToken"}`.
//! - Matching: a channel URL without its scheme and credentials
//!   (`url.pretty_str(StripScheme::yes, '/', Credentials::Remove)`,
//!   `libmamba/src/specs/channel.cpp` 295-300) is looked up with `find_weaken`, which adds a
//!   final `/` and then drops the last path element or the final `/` in turn
//!   (`URLWeakener`, `libmamba/src/specs/authentication_info.cpp` 51-78):
//!   `repo.anaconda.cloud/repo/acme/` > `…/repo/acme` > `…/repo/` > `…/repo` >
//!   `repo.anaconda.cloud/` > `repo.anaconda.cloud`. So our key covers every channel under the
//!   repository, and nothing else on the host; an entry for a longer key wins over it.
//! - Reading (`context.cpp` 243-281): each entry's `type` picks `CondaToken` (`token`),
//!   `BasicHTTPAuthentication` (`user`, base64 `password`) or `BearerToken` (`token`).
//! - `auth logout <host>` erases the key and writes what is left (`login.cpp` 88-108), so
//!   removing the last entry leaves `{}`, as here (`logout --all` deletes the file).

use serde_json::{Map, Value};

use super::credential_file::{CredentialFile, Format};
use super::json_file::Style;
use super::{Tool, host_and_port};
use crate::error::Result;
use crate::secret::Secret;

/// The `type` of a conda token entry.
const CONDA_TOKEN: &str = "CondaToken";

/// The keys mamba tries for a channel at `key`, in its order (`URLWeakener`).
pub fn weakened_keys(key: &str) -> Vec<String> {
    let mut key = if key.ends_with('/') {
        key.to_string()
    } else {
        format!("{key}/")
    };
    let mut keys = vec![key.clone()];
    while let Some(pos) = key.rfind('/') {
        key.truncate(if pos + 1 == key.len() { pos } else { pos + 1 });
        keys.push(key.clone());
    }
    keys
}

/// How micromamba spells a conda token in its file.
pub struct Mamba;

impl Format for Mamba {
    const TOOL: Tool = Tool::Mamba;
    const WHAT: &'static str = "mamba authentication file";
    const STYLE: Style = Style::Indented;

    /// The key `micromamba auth login <repo_url>` stores under: host, `:port` when not the
    /// scheme's default, the path without its trailing `/`.
    fn key(repo_url: &str) -> Result<String> {
        let (url, host, port) = host_and_port(repo_url)?;
        let path = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy();
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Ok(format!("{host}{port}{}", path.trim_end_matches('/')))
    }

    /// Our entry: `{"token": "<token>", "type": "CondaToken"}`, keys in `dump`'s order.
    fn entry(token: &Secret) -> Value {
        let mut entry = Map::new();
        entry.insert("token".into(), Value::String(token.expose().to_string()));
        entry.insert("type".into(), Value::String(CONDA_TOKEN.into()));
        Value::Object(entry)
    }

    /// The token of a `CondaToken` entry; `None` for any other.
    fn token_of(entry: &Value) -> Option<&str> {
        if entry.get("type")?.as_str()? != CONDA_TOKEN {
            return None;
        }
        entry.get("token")?.as_str()
    }

    /// The entry mamba uses for the repository's own URL: its key, weakened.
    fn lookup_keys(repo_url: &str) -> Result<Vec<String>> {
        Ok(weakened_keys(&Mamba::key(repo_url)?))
    }
}

/// `~/.mamba/auth/authentication.json`.
pub type MambaFile = CredentialFile<Mamba>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::ToolStore;
    use crate::tools::testing::{Dir, read, tokens, write};

    const REPO: &str = "https://repo.anaconda.cloud/repo/";
    /// As `micromamba auth login` writes it (`tests/fixtures/tools/README.md`).
    const FIXTURE: &str = include_str!("../../tests/fixtures/tools/mamba-authentication.json");

    fn file_store(dir: &Dir) -> (MambaFile, std::path::PathBuf) {
        let path = dir.join(".mamba/auth/authentication.json");
        (MambaFile::new(&path, dir.locks.clone()), path)
    }

    /// Our entry as `dump(4)` writes it at the top level.
    fn ours(key: &str, token: &str) -> String {
        format!(
            "    \"{key}\": {{\n        \"token\": \"{token}\",\n        \"type\": \"CondaToken\"\n    }}"
        )
    }

    #[test]
    fn the_key_is_what_auth_login_makes_of_the_repository_url() {
        assert_eq!(Mamba::key(REPO).unwrap(), "repo.anaconda.cloud/repo");
        assert_eq!(
            Mamba::key("https://Repo.Example:8443/a/b/").unwrap(),
            "repo.example:8443/a/b"
        );
        assert_eq!(Mamba::key("https://repo.example/").unwrap(), "repo.example");
        assert_eq!(Mamba::key("http://h/a%20b/").unwrap(), "h/a b");
        assert!(Mamba::key("no url").is_err());
    }

    #[test]
    fn keys_weaken_as_mambas_url_weakener() {
        // libmamba/tests/src/specs/test_authentication_info.cpp, TEST_CASE("URLWeakener").
        assert_eq!(
            weakened_keys("mamba.org/private/chan"),
            [
                "mamba.org/private/chan/",
                "mamba.org/private/chan",
                "mamba.org/private/",
                "mamba.org/private",
                "mamba.org/",
                "mamba.org"
            ]
        );
        assert_eq!(weakened_keys("mamba.org/"), ["mamba.org/", "mamba.org"]);
    }

    #[test]
    fn entries_are_typed_objects() {
        let token = Secret::new("tok");
        assert_eq!(
            serde_json::to_string(&Mamba::entry(&token)).unwrap(),
            r#"{"token":"tok","type":"CondaToken"}"#
        );
        let value = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            Mamba::token_of(&value(r#"{"type":"CondaToken","token":"t"}"#)),
            Some("t")
        );
        for other in [
            r#"{"type":"BearerToken","token":"t"}"#,
            r#"{"token":"t"}"#,
            r#"{"type":"CondaToken"}"#,
            r#"["CondaToken","t"]"#,
        ] {
            assert_eq!(Mamba::token_of(&value(other)), None, "{other}");
        }
    }

    #[test]
    fn set_keeps_every_other_entry_byte_for_byte_and_replaces_its_own() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        write(&path, FIXTURE);
        let with = |token: &str| {
            let end = FIXTURE.rfind("\n}").unwrap();
            format!(
                "{},\n{}\n}}",
                &FIXTURE[..end],
                ours("repo.anaconda.cloud/repo", token)
            )
        };
        store.set(REPO, &Secret::new("tok-1")).unwrap();
        assert_eq!(read(&path), with("tok-1"));
        store.set(REPO, &Secret::new("tok-2")).unwrap();
        assert_eq!(read(&path), with("tok-2"));
        assert_eq!(
            tokens(store.list(REPO).unwrap()),
            [("repo.anaconda.cloud/repo".into(), "tok-2".into())]
        );
        assert!(store.remove_token(&Secret::new("tok-2")).unwrap());
        assert_eq!(read(&path), FIXTURE);
        // The fixture's conda token is for its own channel, found from below it.
        assert_eq!(
            tokens(
                store
                    .list("https://other.example.org:8443/channel/")
                    .unwrap()
            ),
            [(
                "other.example.org:8443/channel".into(),
                "other-conda-token".into()
            )]
        );
        assert!(store.list(REPO).unwrap().is_empty());
    }

    #[test]
    fn list_finds_what_mamba_would_use_for_the_repository() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        // `micromamba auth login repo.anaconda.cloud --token host-wide`.
        write(
            &path,
            r#"{"repo.anaconda.cloud": {"token": "host-wide", "type": "CondaToken"}}"#,
        );
        assert_eq!(
            tokens(store.list(REPO).unwrap()),
            [("repo.anaconda.cloud".into(), "host-wide".into())]
        );
        // A longer key wins; a bearer token there means no conda token in effect.
        write(
            &path,
            r#"{"repo.anaconda.cloud": {"token": "host-wide", "type": "CondaToken"}, "repo.anaconda.cloud/repo/": {"token": "b", "type": "BearerToken"}}"#,
        );
        assert!(store.list(REPO).unwrap().is_empty());
    }

    #[test]
    fn remove_token_goes_by_value_and_leaves_everything_else() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        let token = Secret::new("ours");
        assert!(!store.remove_token(&token).unwrap());
        assert!(
            !dir.join(".mamba").exists(),
            "a missing file is not created"
        );
        write(
            &path,
            r#"{"a.example": {"token": "ours", "type": "BearerToken"}, "b.example/x": {"token": "ours", "type": "CondaToken"}, "c.example": {"token": "theirs", "type": "CondaToken"}}"#,
        );
        assert!(store.remove_token(&token).unwrap());
        assert_eq!(
            read(&path),
            "{\n    \"a.example\": {\n        \"token\": \"ours\",\n        \"type\": \"BearerToken\"\n    },\n    \"c.example\": {\n        \"token\": \"theirs\",\n        \"type\": \"CondaToken\"\n    }\n}"
        );
        assert!(!store.remove_token(&token).unwrap());
        // The last entry gone leaves `{}`, as `micromamba auth logout <host>` does.
        write(
            &path,
            r#"{"repo.anaconda.cloud/repo": {"token": "ours", "type": "CondaToken"}}"#,
        );
        assert!(store.remove_token(&token).unwrap());
        assert_eq!(read(&path), "{}");
    }
}
