//! Everything configurable, resolved once into [`Settings`]: the config file (`[plugin.auth]`,
//! `[sites.NAME]`), the `ANACONDA_AUTH_*` variables, secret files, `CONDA_TOKEN_REPO_URL`, and
//! the locations of the files we touch. Nothing else in the crate reads environment variables
//! (conda's own settings are read from the same [`Env`] snapshot, when a request needs them).

mod env;
mod sources;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;
pub use env::Env;
use sources::Sources;
pub use values::{
    SslVerify, expand_path, home_dir, is_loopback, normalize_domain, normalize_repo_url,
    same_domain,
};

pub const DEFAULT_DOMAIN: &str = "anaconda.com";
pub const DEFAULT_REPO_URL: &str = "https://repo.anaconda.cloud/repo/";
/// The Python tool's OAuth client, so that logins look the same to the service.
pub const DEFAULT_CLIENT_ID: &str = "b4ad7f1d-c784-46b5-a9fe-106e50441f5a";

/// The resolved settings a command runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API host as `host[:port]`; also the keyring entry's user name.
    pub domain: String,
    /// `https://{domain}` (or `http://` for loopback hosts).
    pub api_base: String,
    /// Where OAuth discovery and API-key exchange happen (`auth_domain_override`, else the
    /// domain), as a base URL.
    pub auth_base: String,
    /// The OAuth client of `login`.
    pub client_id: String,
    /// `use_device_flow`: `login` supports only the device flow.
    pub use_device_flow: bool,
    /// An API key from the environment or config (read-only source).
    pub api_key: Option<Secret>,
    pub keyring_path: PathBuf,
    /// TLS for API requests; `None` means "as conda's".
    pub ssl_verify: Option<SslVerify>,
    pub extra_headers: Vec<(String, String)>,
    /// Proxies for API requests (scheme or `scheme://host` → proxy URL); empty: as conda's.
    pub proxy_servers: Vec<(String, String)>,
    /// Client certificate (PEM) and its key for API requests; `None`: as conda's.
    pub client_cert: Option<PathBuf>,
    pub client_cert_key: Option<PathBuf>,
    /// The repository, always ending in `/`.
    pub repo_url: String,
    pub config_path: PathBuf,
    pub home: PathBuf,
    /// The user's `.condarc`.
    pub user_condarc: PathBuf,
    /// conda's token folder we write, and the legacy one we also read.
    pub binstar_dir: PathBuf,
    /// Our lock files' folder: `$XDG_RUNTIME_DIR/anaconda-token`, else the user's cache folder's.
    pub lock_dir: PathBuf,
    pub legacy_binstar_dir: Option<PathBuf>,
    /// The active environment (`CONDA_PREFIX`).
    pub conda_prefix: Option<PathBuf>,
    /// conda's root prefix: `CONDA_ROOT`, else derived from `CONDA_EXE`.
    pub conda_root: Option<PathBuf>,
    /// The environment snapshot, for conda's own settings (read only when a request needs them).
    pub env: Env,
    pub timeout: Duration,
    /// How long a silent stdin is waited for (`ANACONDA_TOKEN_STDIN_TIMEOUT`, default 30 s).
    pub stdin_timeout: Duration,
    /// How long the OS keyring is waited for to connect (`ANACONDA_TOKEN_KEYRING_TIMEOUT`;
    /// `None`: the store's default, 1.5 s).
    pub keyring_timeout: Option<Duration>,
    /// The selected `[sites.NAME]`, if any (`None`: the implicit site of `domain`).
    pub site: Option<String>,
    /// Where the keyring entry is kept (`preferred_token_storage`).
    pub storage: Storage,
    /// `keyring` / `ANACONDA_AUTH_KEYRING`: whole entries, `{"service": {"user": "secret"}}`,
    /// read before the stores and never written.
    pub keyring_entries: Option<serde_json::Map<String, serde_json::Value>>,
    /// Things to tell the user about the configuration (a deprecated table).
    pub warnings: Vec<String>,
}

/// `preferred_token_storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Storage {
    /// `anaconda-keyring`: the JSON keyring file.
    #[default]
    File,
    /// `system`: the OS keyring, falling back to the file for reading.
    System,
}

/// Flags that change settings.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub at: Option<String>,
}

impl Settings {
    pub fn resolve(env: &Env, overrides: &Overrides) -> Result<Settings> {
        let home = home_dir(env).ok_or_else(|| {
            Error::msg(if cfg!(windows) {
                "Cannot find your home folder: set USERPROFILE."
            } else {
                "Cannot find your home folder: set HOME."
            })
        })?;
        let config_path = env
            .get("ANACONDA_CONFIG_TOML")
            .map(|p| expand_path(env, p))
            .unwrap_or_else(|| home.join(".anaconda").join("config.toml"));
        let requested_site = overrides
            .at
            .as_deref()
            .or_else(|| env.get("ANACONDA_DEFAULT_SITE"));
        let sources = Sources::load(env, &config_path, requested_site)?;

        let domain = match sources.string("domain")? {
            Some(d) => normalize_domain(&d).map_err(|e| sources.invalid("domain", &e))?,
            None => DEFAULT_DOMAIN.to_string(),
        };
        let api_base = base_url_for(&domain, sources.string("domain")?.as_deref());
        let auth_base = match sources.string("auth_domain_override")? {
            Some(d) => base_url_for(
                &normalize_domain(&d).map_err(|e| sources.invalid("auth_domain_override", &e))?,
                Some(&d),
            ),
            None => api_base.clone(),
        };
        let client_id = sources
            .string("client_id")?
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
        let use_device_flow = sources.boolean("use_device_flow")?.unwrap_or(true);
        let api_key = sources.string("api_key")?.map(Secret::new);
        let keyring_path = sources
            .string("keyring_path")?
            .map(|p| expand_path(env, &p))
            .unwrap_or_else(|| home.join(".anaconda").join("keyring"));
        let ssl_verify = sources.ssl_verify("ssl_verify")?.map(|s| s.expanded(env));
        let extra_headers = sources.headers("extra_headers")?;
        let proxy_servers = sources.map("proxy_servers")?;
        let client_cert = sources.string("client_cert")?.map(|p| expand_path(env, &p));
        let client_cert_key = sources
            .string("client_cert_key")?
            .map(|p| expand_path(env, &p));
        let storage = match sources.string("preferred_token_storage")?.as_deref() {
            None | Some("anaconda-keyring") => Storage::File,
            Some("system") => Storage::System,
            Some(other) => {
                return Err(sources.invalid(
                    "preferred_token_storage",
                    &format!("{other:?} is not one of \"anaconda-keyring\", \"system\""),
                ));
            }
        };
        let keyring_entries = match sources.string("keyring")? {
            None => None,
            Some(json) => {
                Some(parse_keyring_entries(&json).map_err(|e| sources.invalid("keyring", &e))?)
            }
        };

        let repo_url = match env.get("CONDA_TOKEN_REPO_URL") {
            Some(url) => normalize_repo_url(url).map_err(|e| {
                Error::with_hint(
                    format!("CONDA_TOKEN_REPO_URL is not a valid repository URL: {e}"),
                    "Set it to a URL like https://repo.anaconda.cloud/repo/ or unset it.",
                )
            })?,
            None => DEFAULT_REPO_URL.to_string(),
        };
        let timeout = seconds(env, "ANACONDA_TOKEN_TIMEOUT")?.unwrap_or(Duration::from_secs(30));
        let stdin_timeout =
            seconds(env, "ANACONDA_TOKEN_STDIN_TIMEOUT")?.unwrap_or(Duration::from_secs(30));
        let keyring_timeout = seconds(env, "ANACONDA_TOKEN_KEYRING_TIMEOUT")?;

        let (binstar_dir, legacy_binstar_dir) = binstar_dirs(env, &home);
        Ok(Settings {
            domain,
            api_base,
            auth_base,
            client_id,
            use_device_flow,
            api_key,
            keyring_path,
            ssl_verify,
            extra_headers,
            proxy_servers,
            client_cert,
            client_cert_key,
            repo_url,
            config_path,
            user_condarc: home.join(".condarc"),
            binstar_dir,
            lock_dir: lock_dir(env, &home),
            legacy_binstar_dir,
            conda_prefix: env.get("CONDA_PREFIX").map(PathBuf::from),
            conda_root: conda_root(env),
            env: env.clone(),
            home,
            timeout,
            stdin_timeout,
            keyring_timeout,
            site: sources.site.clone(),
            storage,
            keyring_entries,
            warnings: sources.warnings,
        })
    }

    /// A secret from `ANACONDA_AUTH_KEYRING` / `keyring`, if it has one for this entry: the user
    /// name as given, else one that differs only in case (user names are domains).
    pub fn keyring_entry(&self, service: &str, user: &str) -> Option<&str> {
        let users = self.keyring_entries.as_ref()?.get(service)?.as_object()?;
        users
            .get(user)
            .or_else(|| {
                users
                    .iter()
                    .find(|(name, _)| same_domain(name, user))
                    .map(|(_, secret)| secret)
            })?
            .as_str()
    }

    /// A `conda` executable to clean the index cache with: `$CONDA_EXE` then `PATH`. Looked up
    /// only by the commands that clean it, not at every start.
    pub fn conda_exe(&self) -> Option<PathBuf> {
        find_conda(&self.env)
    }

    /// conda's token folders to read: the one we write, then the legacy one.
    pub fn token_dirs(&self) -> Vec<&Path> {
        std::iter::once(self.binstar_dir.as_path())
            .chain(self.legacy_binstar_dir.as_deref())
            .collect()
    }

    /// The repository URL without its trailing slash, as conda channel URLs are written.
    pub fn repo_url_trimmed(&self) -> &str {
        self.repo_url.trim_end_matches('/')
    }

    /// How to log in, for "login required" errors.
    pub fn login_help(&self) -> String {
        format!(
            "Run `anaconda login --at {}`, or set ANACONDA_AUTH_API_KEY, or set api_key under \
             [plugin.auth] in {}.",
            self.site.as_deref().unwrap_or(&self.domain),
            self.config_path.display()
        )
    }
}

/// A number of seconds from `name`: at least 0.1 s (a zero timeout would fail every wait), and
/// one a Duration can hold.
fn seconds(env: &Env, name: &str) -> Result<Option<Duration>> {
    let Some(text) = env.get(name) else {
        return Ok(None);
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.1)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .map(Some)
        .ok_or_else(|| Error::msg(format!("{name} must be a number of seconds, not {text:?}.")))
}

/// Checks the shape of `ANACONDA_AUTH_KEYRING`: a JSON object of services, each an object of
/// user names to secrets. The message never quotes the value (it holds secrets).
fn parse_keyring_entries(
    json: &str,
) -> std::result::Result<serde_json::Map<String, serde_json::Value>, String> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| format!("not JSON (line {}, column {})", e.line(), e.column()))?;
    let serde_json::Value::Object(services) = value else {
        return Err("expected a JSON object {\"service\": {\"user\": \"secret\"}}".into());
    };
    let well_formed = services.values().all(|users| {
        users
            .as_object()
            .is_some_and(|users| users.values().all(serde_json::Value::is_string))
    });
    if !well_formed {
        return Err("expected a JSON object {\"service\": {\"user\": \"secret\"}}".into());
    }
    Ok(services)
}

/// `https://{domain}`; a URL given with `http://` keeps it only for a loopback host, so tests can
/// run a plain-HTTP server while no real traffic ever goes out unencrypted.
fn base_url_for(domain: &str, configured: Option<&str>) -> String {
    let http = configured.is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("http://"));
    if http && is_loopback(domain) {
        format!("http://{domain}")
    } else {
        format!("https://{domain}")
    }
}

/// conda's token folders: the one we write (and read), and the pre-23.11 one we only read.
fn binstar_dirs(env: &Env, home: &Path) -> (PathBuf, Option<PathBuf>) {
    if let Some(dir) = env.get("BINSTAR_CONFIG_DIR") {
        return (PathBuf::from(dir).join("data"), None);
    }
    let xdg = env.get("XDG_CONFIG_HOME").map(PathBuf::from);
    if cfg!(windows) {
        let local = env
            .get("LOCALAPPDATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join("AppData").join("Local"));
        return (local.join("ContinuumIO").join("binstar"), None);
    }
    let dir = match xdg {
        Some(x) => x.join("binstar"),
        None if cfg!(target_os = "macos") => home
            .join("Library")
            .join("Application Support")
            .join("binstar"),
        None => home.join(".config").join("binstar"),
    };
    let legacy = cfg!(target_os = "linux").then(|| home.join(".local/share/binstar"));
    (dir, legacy)
}

/// Where our lock files go: the per-session runtime folder when there is one (cleared at
/// logout, never backed up), else the user's cache folder; never beside the user's files.
fn lock_dir(env: &Env, home: &Path) -> PathBuf {
    const NAME: &str = "anaconda-token";
    if let Some(run) = env.get("XDG_RUNTIME_DIR").map(PathBuf::from)
        && run.is_absolute()
    {
        return run.join(NAME);
    }
    let cache = if cfg!(windows) {
        env.get("LOCALAPPDATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join("AppData").join("Local"))
    } else if cfg!(target_os = "macos") {
        home.join("Library").join("Caches")
    } else {
        env.get("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".cache"))
    };
    cache.join(NAME)
}

/// `$CONDA_ROOT`, else the prefix `$CONDA_EXE` lives in (`<root>/bin/conda`,
/// `<root>/condabin/conda`, `<root>\Scripts\conda.exe`).
pub(crate) fn conda_root(env: &Env) -> Option<PathBuf> {
    if let Some(root) = env.get("CONDA_ROOT") {
        return Some(PathBuf::from(root));
    }
    let exe = PathBuf::from(env.get("CONDA_EXE")?);
    let dir = exe.parent()?;
    let dir_name = dir.file_name()?.to_string_lossy().to_ascii_lowercase();
    matches!(dir_name.as_str(), "bin" | "condabin" | "scripts")
        .then(|| dir.parent().map(Path::to_path_buf))
        .flatten()
}

/// `$CONDA_EXE`, else `conda` on `PATH`.
fn find_conda(env: &Env) -> Option<PathBuf> {
    if let Some(exe) = env.get("CONDA_EXE").map(PathBuf::from)
        && exe.is_file()
    {
        return Some(exe);
    }
    let names: &[&str] = if cfg!(windows) {
        &["conda.exe", "conda.bat"]
    } else {
        &["conda"]
    };
    std::env::split_paths(env.get("PATH")?)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(pairs: &[(&str, &str)]) -> Result<Settings> {
        Settings::resolve(
            &Env::from_pairs(pairs.iter().copied()),
            &Overrides::default(),
        )
    }

    #[test]
    fn ssl_verify_words_are_booleans() {
        for word in ["false", "False", "0", "no"] {
            assert_eq!(SslVerify::parse(word), SslVerify::No);
        }
        for word in ["true", "1", "YES"] {
            assert_eq!(SslVerify::parse(word), SslVerify::Yes);
        }
        assert_eq!(SslVerify::parse("truststore"), SslVerify::Truststore);
        assert_eq!(
            SslVerify::parse("/etc/ca.pem"),
            SslVerify::CaBundle("/etc/ca.pem".into())
        );
    }

    #[test]
    fn domains_are_reduced_to_host_and_port() {
        assert_eq!(normalize_domain("anaconda.com").unwrap(), "anaconda.com");
        assert_eq!(
            normalize_domain("https://Anaconda.com/app/").unwrap(),
            "Anaconda.com",
            "the case is kept, as the Python tool keeps it"
        );
        assert!(same_domain("Anaconda.com", "anaconda.COM"));
        assert!(!same_domain("anaconda.com", "anaconda.cloud"));
        assert_eq!(
            normalize_domain("http://127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        assert!(normalize_domain("a b").is_err());
        assert!(normalize_domain("").is_err());
    }

    #[test]
    fn http_only_for_loopback() {
        assert_eq!(
            base_url_for("127.0.0.1:80", Some("http://127.0.0.1:80")),
            "http://127.0.0.1:80"
        );
        assert_eq!(
            base_url_for("example.com", Some("http://example.com")),
            "https://example.com"
        );
        assert!(normalize_repo_url("http://example.com/repo/").is_err());
        assert_eq!(
            normalize_repo_url("http://localhost:9/repo").unwrap(),
            "http://localhost:9/repo/"
        );
    }

    #[test]
    fn environment_wins_over_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            "[plugin.auth]\ndomain = \"file.example\"\nssl_verify = false\napi_key = \"k\"\n",
        )
        .unwrap();
        let home = dir.path().to_str().unwrap();
        let config = config.to_str().unwrap();
        let s = resolve(&[("HOME", home), ("ANACONDA_CONFIG_TOML", config)]).unwrap();
        assert_eq!(s.domain, "file.example");
        assert_eq!(s.ssl_verify, Some(SslVerify::No));
        assert_eq!(s.api_key.as_ref().unwrap().expose(), "k");
        let s = resolve(&[
            ("HOME", home),
            ("ANACONDA_CONFIG_TOML", config),
            ("anaconda_auth_domain", "env.example"),
        ])
        .unwrap();
        assert_eq!(s.domain, "env.example");
        assert_eq!(s.api_base, "https://env.example");
    }

    #[test]
    fn bad_toml_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "[plugin.auth]\ndomain = \n").unwrap();
        let err = resolve(&[
            ("HOME", dir.path().to_str().unwrap()),
            ("ANACONDA_CONFIG_TOML", config.to_str().unwrap()),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("config.toml"), "{err}");
        assert!(err.contains("line 2, column"), "{err}");
    }

    #[test]
    fn timeouts_are_checked() {
        for bad in ["0", "-1", "1e-12", "1e20", "soon", "NaN"] {
            let err = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_TIMEOUT", bad)]);
            assert!(err.is_err(), "{bad}");
        }
        let s = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_TIMEOUT", "2.5")]).unwrap();
        assert_eq!(s.timeout, Duration::from_millis(2500));
        assert_eq!(s.keyring_timeout, None);
        for bad in ["0", "soon"] {
            let err = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_KEYRING_TIMEOUT", bad)]);
            assert!(err.is_err(), "{bad}");
        }
        let s = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_KEYRING_TIMEOUT", "0.3")]).unwrap();
        assert_eq!(s.keyring_timeout, Some(Duration::from_millis(300)));
    }

    /// Where conda's token files and our locks are on the system the test runs on, as conda
    /// (platformdirs' `user_config_dir`) finds the former: the GitHub workflow runs this on
    /// macOS and Windows too.
    #[test]
    fn token_and_lock_folders_are_the_platforms_own() {
        let home = Path::new("/h");
        let at = |pairs: &[(&str, &str)]| {
            let env = Env::from_pairs(pairs.iter().copied());
            (binstar_dirs(&env, home), lock_dir(&env, home))
        };
        let ((dir, legacy), locks) = at(&[]);
        if cfg!(windows) {
            let local = home.join("AppData").join("Local");
            assert_eq!(dir, local.join("ContinuumIO").join("binstar"));
            assert_eq!(locks, local.join("anaconda-token"));
        } else if cfg!(target_os = "macos") {
            let library = home.join("Library");
            assert_eq!(dir, library.join("Application Support").join("binstar"));
            assert_eq!(locks, library.join("Caches").join("anaconda-token"));
        } else {
            assert_eq!(dir, home.join(".config").join("binstar"));
            assert_eq!(locks, home.join(".cache").join("anaconda-token"));
        }
        let linux_legacy = home.join(".local").join("share").join("binstar");
        assert_eq!(legacy, cfg!(target_os = "linux").then_some(linux_legacy));

        // XDG_CONFIG_HOME counts on macOS too (platformdirs reads it there), not on Windows.
        let ((dir, _), _) = at(&[("XDG_CONFIG_HOME", "/x"), ("LOCALAPPDATA", "/l")]);
        if cfg!(windows) {
            assert_eq!(dir, Path::new("/l").join("ContinuumIO").join("binstar"));
        } else {
            assert_eq!(dir, Path::new("/x").join("binstar"));
        }
        let ((dir, legacy), _) = at(&[("BINSTAR_CONFIG_DIR", "/b"), ("XDG_CONFIG_HOME", "/x")]);
        assert_eq!((dir, legacy), (Path::new("/b").join("data"), None));
    }

    /// Windows has one spelling of each name (see `env::key`).
    #[cfg(not(windows))]
    #[test]
    fn upper_case_variable_wins_over_other_spellings() {
        let s = resolve(&[
            ("HOME", "/h"),
            ("anaconda_auth_domain", "lower.example"),
            ("ANACONDA_AUTH_DOMAIN", "upper.example"),
            ("Anaconda_Auth_Domain", "mixed.example"),
        ])
        .unwrap();
        assert_eq!(s.domain, "upper.example");
    }

    #[test]
    fn authorization_is_not_an_extra_header() {
        let err = resolve(&[
            ("HOME", "/h"),
            (
                "ANACONDA_AUTH_EXTRA_HEADERS",
                r#"{"authorization": "Bearer x"}"#,
            ),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("api_key"), "{err}");
        assert!(!err.to_string().contains("Bearer x"), "{err}");
    }

    #[test]
    fn extra_headers_from_json_string() {
        let s = resolve(&[
            ("HOME", "/nonexistent"),
            ("ANACONDA_AUTH_EXTRA_HEADERS", r#"{"X-Test": "1"}"#),
        ])
        .unwrap();
        assert_eq!(s.extra_headers, vec![("X-Test".into(), "1".into())]);
        assert!(
            resolve(&[
                ("HOME", "/nonexistent"),
                ("ANACONDA_AUTH_EXTRA_HEADERS", "nope")
            ])
            .is_err()
        );
    }

    #[test]
    fn without_sites_at_names_the_configured_domain_only() {
        let s = Settings::resolve(
            &Env::from_pairs([("HOME", "/h")]),
            &Overrides {
                at: Some("https://anaconda.com".into()),
            },
        );
        assert!(s.is_ok());
        let err = Settings::resolve(
            &Env::from_pairs([("HOME", "/h"), ("ANACONDA_DEFAULT_SITE", "other")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("anaconda.com"), "{err}");
    }

    #[test]
    fn paths_expand_home_and_variables() {
        let env = Env::from_pairs([("HOME", "/h"), ("DIR", "/d")]);
        assert_eq!(expand_path(&env, "~/k"), PathBuf::from("/h/k"));
        assert_eq!(expand_path(&env, "$DIR/k"), PathBuf::from("/d/k"));
        assert_eq!(expand_path(&env, "${DIR}x"), PathBuf::from("/dx"));
        assert_eq!(expand_path(&env, "$NOPE/k"), PathBuf::from("$NOPE/k"));
        let s = resolve(&[("HOME", "/h"), ("ANACONDA_AUTH_SSL_VERIFY", "~/ca.pem")]).unwrap();
        assert_eq!(s.ssl_verify, Some(SslVerify::CaBundle("/h/ca.pem".into())));
    }

    #[test]
    fn repo_url_gets_trailing_slash() {
        let s = resolve(&[
            ("HOME", "/nonexistent"),
            ("CONDA_TOKEN_REPO_URL", "https://repo.example/repo"),
        ])
        .unwrap();
        assert_eq!(s.repo_url, "https://repo.example/repo/");
        assert_eq!(s.repo_url_trimmed(), "https://repo.example/repo");
    }

    /// A config file and a secrets folder in a temporary HOME; `pairs` extra variables.
    fn resolve_with(
        config: &str,
        secrets: &[(&str, &str)],
        pairs: &[(&str, &str)],
        at: Option<&str>,
    ) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        std::fs::create_dir_all(dir.path().join(".anaconda")).unwrap();
        std::fs::write(dir.path().join(".anaconda/config.toml"), config).unwrap();
        let secrets_dir = dir.path().join("secrets");
        std::fs::create_dir_all(&secrets_dir).unwrap();
        for (name, value) in secrets {
            std::fs::write(secrets_dir.join(name), value).unwrap();
        }
        let secrets_dir = secrets_dir.to_str().unwrap().to_string();
        let mut all = vec![
            ("HOME", home.as_str()),
            ("ANACONDA_SECRETS_DIR", secrets_dir.as_str()),
        ];
        all.extend_from_slice(pairs);
        Settings::resolve(
            &Env::from_pairs(all),
            &Overrides {
                at: at.map(str::to_string),
            },
        )
    }

    const LAYERS: &str = r#"
default_site = "second"
[plugin.cloud]
domain = "cloud.example"
keyring_path = "/from/cloud"
ssl_verify = false
client_cert = "/from/cloud.pem"
[plugin.auth]
domain = "auth.example"
keyring_path = "/from/auth"
ssl_verify = "/from/auth.pem"
[sites.first]
domain = "first.example"
[sites.second]
domain = "https://second.example/"
keyring_path = "/from/site"
"#;

    #[test]
    fn every_precedence_step() {
        // As anaconda-auth 0.15.3 ranks them: ANACONDA_AUTH_* > its secret file > site >
        // ANACONDA_CLOUD_* > its secret file > [plugin.cloud] > [plugin.auth] > default.
        let secrets = [
            ("anaconda_auth_keyring_path", "/from/secret\n"),
            ("anaconda_cloud_keyring_path", "/from/cloud-secret"),
        ];
        let env = [
            ("ANACONDA_AUTH_KEYRING_PATH", "/from/env"),
            ("ANACONDA_CLOUD_KEYRING_PATH", "/from/cloud-env"),
        ];
        let s = resolve_with(LAYERS, &secrets, &env, None).unwrap();
        assert_eq!(s.keyring_path, PathBuf::from("/from/env"));
        let s = resolve_with(LAYERS, &secrets, &env[1..], None).unwrap();
        assert_eq!(s.keyring_path, PathBuf::from("/from/secret"));
        let s = resolve_with(LAYERS, &[], &[], None).unwrap();
        assert_eq!(s.site.as_deref(), Some("second"));
        assert_eq!(s.domain, "second.example");
        assert_eq!(s.keyring_path, PathBuf::from("/from/site"));
        // [plugin.cloud] wins over [plugin.auth], whichever comes first in the file.
        assert_eq!(s.ssl_verify, Some(SslVerify::No));
        assert_eq!(s.client_cert, Some(PathBuf::from("/from/cloud.pem")));
        assert!(
            s.warnings.iter().any(|w| w.contains("[plugin.cloud]")),
            "{:?}",
            s.warnings
        );
        let no_site = LAYERS.replace("keyring_path = \"/from/site\"\n", "");
        let cloud_over_auth = |secrets: &[(&str, &str)], env: &[(&str, &str)]| {
            resolve_with(&no_site, secrets, env, None)
                .unwrap()
                .keyring_path
        };
        assert_eq!(
            cloud_over_auth(&secrets[1..], &env[1..]),
            PathBuf::from("/from/cloud-env")
        );
        assert_eq!(
            cloud_over_auth(&secrets[1..], &[]),
            PathBuf::from("/from/cloud-secret")
        );
        assert_eq!(cloud_over_auth(&[], &[]), PathBuf::from("/from/cloud"));
        let s = resolve_with(&no_site, &[], &env[1..], None).unwrap();
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("ANACONDA_CLOUD_KEYRING_PATH is deprecated")),
            "{:?}",
            s.warnings
        );
        let both =
            "[plugin.auth]\ndomain = \"auth.example\"\n[plugin.cloud]\ndomain = \"c.example\"\n";
        assert_eq!(
            resolve_with(both, &[], &[], None).unwrap().domain,
            "c.example"
        );
        let auth = "[plugin.auth]\ndomain = \"auth.example\"\n[plugin.cloud]\n";
        let s = resolve_with(auth, &[], &[], None).unwrap();
        assert_eq!(s.domain, "auth.example");
        assert!(
            s.warnings.is_empty(),
            "an empty [plugin.cloud] sets nothing"
        );
        assert_eq!(
            resolve_with(auth, &[], &[("ANACONDA_CLOUD_DOMAIN", "env.example")], None)
                .unwrap()
                .domain,
            "env.example"
        );
        let s = resolve_with("", &[], &[], None).unwrap();
        assert_eq!(s.domain, "anaconda.com");
        assert!(s.warnings.is_empty());
        // A domain from a secret file counts like one from a variable.
        let s = resolve_with(
            LAYERS,
            &[("anaconda_auth_domain", "first.example")],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(s.site.as_deref(), Some("first"));
        // ANACONDA_CLOUD_DOMAIN is below the sites: it does not pick one.
        let s = resolve_with(
            LAYERS,
            &[],
            &[("ANACONDA_CLOUD_DOMAIN", "first.example")],
            None,
        )
        .unwrap();
        assert_eq!(s.site.as_deref(), Some("second"));
    }

    #[test]
    fn tables_are_merged_across_sources() {
        // What the Python tool gives for this file and variable (AnacondaAuthConfig()):
        // extra_headers {'X-A': 'cloud', 'X-B': 'auth', 'X-C': 'env'},
        // proxy_servers {'http': 'http://auth:1', 'https': 'http://cloud:1'}.
        let config = r#"
[plugin.cloud]
extra_headers = {X-A = "cloud"}
proxy_servers = {https = "http://cloud:1"}
[plugin.auth]
extra_headers = {X-A = "auth", X-B = "auth"}
proxy_servers = {http = "http://auth:1"}
"#;
        let s = resolve_with(
            config,
            &[],
            &[("ANACONDA_AUTH_EXTRA_HEADERS", r#"{"X-C": "env"}"#)],
            None,
        )
        .unwrap();
        let mut headers = s.extra_headers.clone();
        headers.sort();
        assert_eq!(
            headers,
            [("X-A", "cloud"), ("X-B", "auth"), ("X-C", "env")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        let mut proxies = s.proxy_servers.clone();
        proxies.sort();
        assert_eq!(
            proxies,
            [("http", "http://auth:1"), ("https", "http://cloud:1")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn site_selection() {
        let by = |at: Option<&str>, pairs: &[(&str, &str)]| {
            resolve_with(LAYERS, &[], pairs, at).map(|s| (s.site, s.domain))
        };
        assert_eq!(
            by(Some("first"), &[]).unwrap(),
            (Some("first".into()), "first.example".into())
        );
        assert_eq!(
            by(Some("https://first.example"), &[]).unwrap().0.as_deref(),
            Some("first")
        );
        assert_eq!(
            by(None, &[("ANACONDA_DEFAULT_SITE", "first")])
                .unwrap()
                .0
                .as_deref(),
            Some("first")
        );
        // --at wins over the variable.
        assert_eq!(
            by(Some("second"), &[("ANACONDA_DEFAULT_SITE", "first")])
                .unwrap()
                .0
                .as_deref(),
            Some("second")
        );
        let err = by(Some("nope"), &[]).unwrap_err();
        assert!(
            err.to_string()
                .contains("first (first.example), second (second.example)"),
            "{err}"
        );
        // Without default_site, the first table.
        let first = LAYERS.replace("default_site = \"second\"", "");
        let s = resolve_with(&first, &[], &[], None).unwrap();
        assert_eq!(s.site.as_deref(), Some("first"));
        let bad_default = LAYERS.replace("\"second\"\n[plugin", "\"third\"\n[plugin");
        let err = resolve_with(&bad_default, &[], &[], None).unwrap_err();
        assert!(err.to_string().contains("third"), "{err}");
        // default_site may name a domain, as with the Python tool.
        let by_domain = LAYERS.replace("\"second\"\n[plugin", "\"first.example\"\n[plugin");
        let s = resolve_with(&by_domain, &[], &[], None).unwrap();
        assert_eq!(s.site.as_deref(), Some("first"));
    }

    #[test]
    fn a_domain_set_above_the_sites_picks_its_own_site_or_none() {
        let s = resolve_with(
            LAYERS,
            &[],
            &[("ANACONDA_AUTH_DOMAIN", "first.example")],
            None,
        )
        .unwrap();
        assert_eq!(s.site.as_deref(), Some("first"));
        // No site for that domain: none applies, so the default site's keyring_path does not
        // leak into another domain's settings.
        let s = resolve_with(
            LAYERS,
            &[],
            &[("ANACONDA_AUTH_DOMAIN", "elsewhere.example")],
            None,
        )
        .unwrap();
        assert_eq!(s.site, None);
        assert_eq!(s.keyring_path, PathBuf::from("/from/cloud"));
    }

    #[test]
    fn the_default_domain_is_always_a_site_and_shared_domains_are_ambiguous() {
        let s = resolve_with(LAYERS, &[], &[], Some("anaconda.com")).unwrap();
        assert_eq!(s.domain, "anaconda.com");
        let twins = "[sites.a]\ndomain = \"x.example\"\n[sites.b]\ndomain = \"x.example\"\n";
        let err = resolve_with(twins, &[], &[], Some("x.example")).unwrap_err();
        assert!(err.to_string().contains("both have the domain"), "{err}");
        assert_eq!(
            resolve_with(twins, &[], &[], Some("b"))
                .unwrap()
                .site
                .as_deref(),
            Some("b")
        );
    }

    #[test]
    fn storage_and_keyring_values_are_checked() {
        let s = resolve_with(
            "",
            &[],
            &[("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system")],
            None,
        )
        .unwrap();
        assert_eq!(s.storage, Storage::System);
        let s = resolve_with(
            "[plugin.auth]\npreferred_token_storage = \"anaconda-keyring\"\n",
            &[],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(s.storage, Storage::File);
        let err = resolve_with(
            "[plugin.auth]\npreferred_token_storage = \"vault\"\n",
            &[],
            &[],
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("preferred_token_storage")
                && err.to_string().contains("config.toml"),
            "{err}"
        );

        let entries = r#"{"Anaconda Cloud": {"anaconda.com": "c2VjcmV0"}}"#;
        let s = resolve_with("", &[], &[("ANACONDA_AUTH_KEYRING", entries)], None).unwrap();
        assert_eq!(
            s.keyring_entry("Anaconda Cloud", "anaconda.com"),
            Some("c2VjcmV0")
        );
        for bad in ["[1]", r#"{"a": "b"}"#, r#"{"a": {"b": 1}}"#, "{s3cret"] {
            let err = resolve_with("", &[], &[("ANACONDA_AUTH_KEYRING", bad)], None).unwrap_err();
            assert!(err.to_string().contains("ANACONDA_AUTH_KEYRING"), "{err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn bad_values_name_the_key_and_where_it_was_set() {
        let err = resolve_with("[sites.x]\ndomain = 3\n", &[], &[], None).unwrap_err();
        assert!(
            err.to_string().contains("domain") && err.to_string().contains("[sites.x]"),
            "{err}"
        );
        let err = resolve_with(
            "",
            &[("anaconda_auth_ssl_verify", "")],
            &[("ANACONDA_AUTH_EXTRA_HEADERS", "[]")],
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("ANACONDA_AUTH_EXTRA_HEADERS"),
            "{err}"
        );
    }
}
