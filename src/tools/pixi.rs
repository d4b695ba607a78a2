//! pixi's and rattler-build's credentials: rattler's authentication store
//! (`rattler_networking/src/authentication_storage/`, conda/rattler at 92dc774, 2026-08).
//!
//! What rattler does, and so what we write:
//! - The key is the URL's host alone, no port: `get_by_url_with_host` looks up
//!   `url.host_str()` first (`storage.rs` 282, 287), then `*.{domain}` for the domain and each
//!   parent (`format!("*.{domain}")`, 323-347). We write the exact host, which wins over any
//!   wildcard entry.
//! - The value is the externally tagged `Authentication` enum (`authentication.rs` 9-21),
//!   `{"CondaToken": "<token>"}`; the middleware puts it in the path: `/t/{token}` before the
//!   URL's path (`authentication_middleware.rs` 95-104).
//! - `AuthenticationStorage::from_env_and_defaults` (`storage.rs` 86-115) reads, in order: the
//!   file `$RATTLER_AUTH_FILE` when set, the OS keyring (service `rattler`, 103 and
//!   `backends/keyring.rs` 151), `~/.rattler/credentials.json` (`backends/file.rs` 80), netrc.
//!   `store` writes to the first of them that takes it (140-164). So with
//!   `preferred_token_storage = "system"` and no `RATTLER_AUTH_FILE` we write the keyring entry
//!   ([`RattlerKeyring`]), else the file rattler reads first ([`RattlerFile`]).
//! - The file is a JSON map host → `Authentication`, read whole (`FileStorageCache::from_path`,
//!   `backends/file.rs` 46-58: one unparsable file makes the whole storage fail), written with
//!   `serde_json::to_writer` of a `BTreeMap` (121): compact, hosts sorted. Its `delete` writes
//!   the remaining map (164-171), so removing the last entry leaves `{}`, as here.

use serde_json::{Map, Value};

use super::credential_file::{CredentialFile, Format};
use super::json_file::Style;
use super::{Tool, ToolStore, host_and_port};
use crate::error::Result;
use crate::fs::Locks;
use crate::secret::Secret;
use crate::settings::{Settings, Storage};

pub use super::rattler_keyring::RattlerKeyring;

/// The tag of a conda token in rattler's `Authentication`.
const CONDA_TOKEN: &str = "CondaToken";

/// The store pixi reads first among those we can write (see the module's notes).
pub fn store(settings: &Settings, locks: &Locks) -> Box<dyn ToolStore> {
    let paths = &settings.paths;
    if settings.storage.kind == Storage::System && !paths.rattler_auth_file_set {
        Box::new(RattlerKeyring::from_settings(settings, locks))
    } else {
        Box::new(RattlerFile::new(&paths.rattler_auth_file, locks.clone()))
    }
}

/// How rattler spells a conda token in its file.
pub struct Rattler;

impl Format for Rattler {
    const TOOL: Tool = Tool::Pixi;
    const WHAT: &'static str = "pixi credentials file";
    const STYLE: Style = Style::Compact;

    /// The key rattler looks `repo_url` up under first: its host, without the port.
    fn key(repo_url: &str) -> Result<String> {
        Ok(host_and_port(repo_url)?.1)
    }

    /// Our entry: `{"CondaToken": "<token>"}`.
    fn entry(token: &Secret) -> Value {
        let mut tagged = Map::new();
        tagged.insert(
            CONDA_TOKEN.into(),
            Value::String(token.expose().to_string()),
        );
        Value::Object(tagged)
    }

    /// The token of a `CondaToken` entry; `None` for any other kind (or a value rattler would not
    /// parse). An externally tagged enum is an object of exactly one key.
    fn token_of(entry: &Value) -> Option<&str> {
        let tagged = entry.as_object().filter(|o| o.len() == 1)?;
        tagged.get(CONDA_TOKEN)?.as_str()
    }

    /// Every key rattler tries for `repo_url`, in its order: the host, then `*.{domain}` for the
    /// domain and each of its parents (none for an IP address, which has no domain).
    fn lookup_keys(repo_url: &str) -> Result<Vec<String>> {
        let (url, host, _) = host_and_port(repo_url)?;
        let mut keys = vec![host];
        let mut domain = url.domain();
        while let Some(d) = domain {
            keys.push(format!("*.{d}"));
            domain = d.split_once('.').map(|(_, rest)| rest);
        }
        Ok(keys)
    }
}

/// rattler's credentials file: `$RATTLER_AUTH_FILE`, else `~/.rattler/credentials.json`.
pub type RattlerFile = CredentialFile<Rattler>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::ToolStore;
    use crate::tools::testing::{Dir, read, tokens, write};

    const REPO: &str = "https://repo.anaconda.cloud/repo/";
    /// rattler's own format (`tests/fixtures/tools/README.md`).
    const FIXTURE: &str = include_str!("../../tests/fixtures/tools/rattler-credentials.json");

    fn file_store(dir: &Dir) -> (RattlerFile, std::path::PathBuf) {
        let path = dir.join(".rattler/credentials.json");
        (RattlerFile::new(&path, dir.locks.clone()), path)
    }

    #[test]
    fn the_key_is_the_host_alone_and_wildcards_follow() {
        assert_eq!(Rattler::key(REPO).unwrap(), "repo.anaconda.cloud");
        // `url.host_str()`: lower case, no port.
        assert_eq!(
            Rattler::key("https://Repo.Example.COM:8443/x/").unwrap(),
            "repo.example.com"
        );
        assert_eq!(Rattler::key("http://127.0.0.1:8080/").unwrap(), "127.0.0.1");
        assert_eq!(
            Rattler::lookup_keys(REPO).unwrap(),
            [
                "repo.anaconda.cloud",
                "*.repo.anaconda.cloud",
                "*.anaconda.cloud",
                "*.cloud"
            ]
        );
        // An IP address has no domain, so no wildcard.
        assert_eq!(
            Rattler::lookup_keys("http://[::1]:8080/").unwrap(),
            ["[::1]"]
        );
        assert!(Rattler::key("not a url").is_err());
        assert!(Rattler::key("file:///tmp/x").is_err());
    }

    #[test]
    fn entries_are_externally_tagged() {
        let token = Secret::new("tok");
        assert_eq!(
            serde_json::to_string(&Rattler::entry(&token)).unwrap(),
            r#"{"CondaToken":"tok"}"#
        );
        let value = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            Rattler::token_of(&value(r#"{"CondaToken":"t"}"#)),
            Some("t")
        );
        for other in [
            r#"{"BearerToken":"t"}"#,
            r#"{"CondaToken":"t","BearerToken":"u"}"#,
            r#"{"CondaToken":1}"#,
            r#""t""#,
        ] {
            assert_eq!(Rattler::token_of(&value(other)), None, "{other}");
        }
    }

    #[test]
    fn set_keeps_every_other_entry_byte_for_byte_and_replaces_its_own() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        write(&path, FIXTURE);
        store.set(REPO, &Secret::new("tok-1")).unwrap();
        // Hosts sorted, as rattler's BTreeMap writes them: ours lands between two others.
        let with = |token: &str| {
            FIXTURE.replace(
                r#","s3://my-bucket""#,
                &format!(r#","repo.anaconda.cloud":{{"CondaToken":"{token}"}},"s3://my-bucket""#),
            )
        };
        assert_eq!(read(&path), with("tok-1"));
        store.set(REPO, &Secret::new("tok-2")).unwrap();
        assert_eq!(read(&path), with("tok-2"));
        assert_eq!(
            tokens(store.list(REPO).unwrap()),
            [("repo.anaconda.cloud".into(), "tok-2".into())]
        );
        // Another host's conda token is not the repository's.
        assert!(store.list("https://elsewhere.example/").unwrap().is_empty());
        assert_eq!(
            tokens(store.list("https://private.example.org/").unwrap()),
            [("private.example.org".into(), "other-conda-token".into())]
        );
        // Removing ours gives back the fixture, byte for byte.
        assert!(store.remove_token(&Secret::new("tok-2")).unwrap());
        assert_eq!(read(&path), FIXTURE);
    }

    #[test]
    fn list_finds_what_rattler_would_use() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        write(&path, r#"{"*.anaconda.cloud":{"CondaToken":"wild"}}"#);
        assert_eq!(
            tokens(store.list(REPO).unwrap()),
            [("*.anaconda.cloud".into(), "wild".into())]
        );
        // The exact host wins, and it is not a conda token: rattler sends no /t/ token.
        write(
            &path,
            r#"{"*.anaconda.cloud":{"CondaToken":"wild"},"repo.anaconda.cloud":{"BearerToken":"b"}}"#,
        );
        assert!(store.list(REPO).unwrap().is_empty());
    }

    #[test]
    fn remove_token_goes_by_value_and_leaves_everything_else() {
        let dir = Dir::new();
        let (store, path) = file_store(&dir);
        let ours = Secret::new("ours");
        assert!(!store.remove_token(&ours).unwrap());
        assert!(!path.exists(), "a missing file is not created");
        let content = r#"{"*.anaconda.cloud":{"CondaToken":"ours"},"a.example":{"BearerToken":"ours"},"b.example":{"CondaToken":"theirs"},"repo.anaconda.cloud":{"CondaToken":"ours"}}"#;
        write(&path, content);
        assert!(store.remove_token(&ours).unwrap());
        // A bearer token of the same value is not ours to remove.
        assert_eq!(
            read(&path),
            r#"{"a.example":{"BearerToken":"ours"},"b.example":{"CondaToken":"theirs"}}"#
        );
        assert!(!store.remove_token(&ours).unwrap());
        // The last entry gone leaves `{}`, as rattler's own `delete` does.
        assert!(store.remove_token(&Secret::new("theirs")).unwrap());
        write(&path, r#"{"repo.anaconda.cloud":{"CondaToken":"ours"}}"#);
        assert!(store.remove_token(&ours).unwrap());
        assert_eq!(read(&path), "{}");
    }

    /// Settings for a HOME in `dir`, with `pairs`.
    fn settings(dir: &Dir, pairs: &[(&str, &str)]) -> Settings {
        let home = dir.dir.path().to_str().unwrap().to_string();
        let mut all = vec![("HOME", home.as_str())];
        all.extend_from_slice(pairs);
        Settings::resolve(
            &crate::settings::Env::from_pairs(all),
            &crate::settings::Overrides::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_store_is_the_one_rattler_reads_first() {
        let dir = Dir::new();
        let system = ("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system");
        let auth_file = dir.join("elsewhere/auth.json");
        let auth_file = ("RATTLER_AUTH_FILE", auth_file.to_str().unwrap());
        let describe =
            |pairs: &[(&str, &str)]| store(&settings(&dir, pairs), &dir.locks).describe();
        assert_eq!(
            describe(&[]),
            dir.join(".rattler/credentials.json").display().to_string()
        );
        assert_eq!(describe(&[system]), "the system keyring (service rattler)");
        // RATTLER_AUTH_FILE comes before the keyring in rattler's list, for reads and writes.
        assert_eq!(describe(&[auth_file]), auth_file.1);
        assert_eq!(describe(&[system, auth_file]), auth_file.1);
        // Setting it writes there, and nowhere else.
        let s = settings(&dir, &[auth_file]);
        store(&s, &dir.locks)
            .set(&s.site.repo_url, &Secret::new("tok"))
            .unwrap();
        assert_eq!(
            read(std::path::Path::new(auth_file.1)),
            r#"{"repo.anaconda.cloud":{"CondaToken":"tok"}}"#
        );
        assert!(!dir.join(".rattler").exists());
    }
}
