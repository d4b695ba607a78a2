//! Everything configurable, resolved once into [`Settings`]: the config file (`[plugin.auth]`,
//! `[sites.NAME]`), the `ANACONDA_AUTH_*` variables, secret files, `CONDA_TOKEN_REPO_URL`, and
//! the locations of the files we touch. Nothing else in the crate reads environment variables
//! (conda's own settings are read from the same [`Env`] snapshot, when a request needs them).

mod env;
pub mod network;
mod paths;
mod site;
mod sources;
mod storage;
mod values;

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::tools::Tool;
pub use env::Env;
pub use network::{Connection, Network, NetworkSettings, ProxyRule};
pub use paths::Paths;
pub(crate) use paths::conda_root;
pub use site::SiteSettings;
use sources::Sources;
pub use storage::{Storage, StorageSettings};
pub use values::{
    SslVerify, expand_path, home_dir, is_loopback, normalize_domain, normalize_repo_url,
    same_domain,
};

pub const DEFAULT_DOMAIN: &str = "anaconda.com";
pub const DEFAULT_REPO_URL: &str = "https://repo.anaconda.cloud/repo/";
/// The Python tool's OAuth client, so that logins look the same to the service.
pub const DEFAULT_CLIENT_ID: &str = "b4ad7f1d-c784-46b5-a9fe-106e50441f5a";

/// The resolved settings a command runs with, in groups that each resolve themselves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The domain, sign-in and repository.
    pub site: SiteSettings,
    /// TLS, proxies, headers and the request timeout for API requests.
    pub network: NetworkSettings,
    /// The files and folders we touch.
    pub paths: Paths,
    /// Where the keyring entry is kept.
    pub storage: StorageSettings,
    /// The environment snapshot, for conda's own settings (read only when a request needs them).
    pub env: Env,
    /// How long a silent stdin is waited for (`ANACONDA_TOKEN_STDIN_TIMEOUT`, default 30 s).
    pub stdin_timeout: Duration,
    /// The package managers `install`, `reissue` and `set` configure when no `--tool` is given
    /// (`ANACONDA_TOKEN_TOOLS`, default conda alone).
    pub tools: Vec<Tool>,
    /// Things to tell the user about the configuration (a deprecated table).
    pub warnings: Vec<String>,
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
        let requested_site = overrides
            .at
            .as_deref()
            .or_else(|| env.get("ANACONDA_DEFAULT_SITE"));
        let paths = Paths::resolve(env, home);
        let sources = Sources::load(env, &paths.config_path, requested_site)?;
        Ok(Settings {
            site: SiteSettings::resolve(&sources, env)?,
            network: NetworkSettings::resolve(&sources, env)?,
            storage: StorageSettings::resolve(&sources, env, &paths.home)?,
            paths,
            env: env.clone(),
            stdin_timeout: seconds(env, "ANACONDA_TOKEN_STDIN_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
            tools: tools(env)?,
            warnings: sources.warnings,
        })
    }

    /// A `conda` executable to clean the index cache with: `$CONDA_EXE` then `PATH`. Looked up
    /// only by the commands that clean it, not at every start.
    pub fn conda_exe(&self) -> Option<PathBuf> {
        paths::find_conda(&self.env)
    }

    /// How to log in, for "login required" errors.
    pub fn login_help(&self) -> String {
        format!(
            "Run `anaconda login --at {}`, or set ANACONDA_AUTH_API_KEY, or set api_key under \
             [plugin.auth] in {}.",
            self.site.at(),
            self.paths.config_path.display()
        )
    }
}

/// `ANACONDA_TOKEN_TOOLS` ("pixi, conda"), else conda alone: today's behaviour.
fn tools(env: &Env) -> Result<Vec<Tool>> {
    match env.get("ANACONDA_TOKEN_TOOLS") {
        None => Ok(vec![Tool::Conda]),
        Some(text) => {
            Tool::parse_list(text).map_err(|e| Error::msg(format!("ANACONDA_TOKEN_TOOLS: {e}")))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
            site::base_url_for("127.0.0.1:80", Some("http://127.0.0.1:80")),
            "http://127.0.0.1:80"
        );
        assert_eq!(
            site::base_url_for("example.com", Some("http://example.com")),
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
        assert_eq!(s.site.domain, "file.example");
        assert_eq!(s.network.connection.ssl_verify, Some(SslVerify::No));
        assert_eq!(s.site.api_key.as_ref().unwrap().expose(), "k");
        let s = resolve(&[
            ("HOME", home),
            ("ANACONDA_CONFIG_TOML", config),
            ("anaconda_auth_domain", "env.example"),
        ])
        .unwrap();
        assert_eq!(s.site.domain, "env.example");
        assert_eq!(s.site.api_base, "https://env.example");
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
        assert_eq!(s.network.timeout, Duration::from_millis(2500));
        assert_eq!(s.storage.keyring_timeout, None);
        for bad in ["0", "soon"] {
            let err = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_KEYRING_TIMEOUT", bad)]);
            assert!(err.is_err(), "{bad}");
        }
        let s = resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_KEYRING_TIMEOUT", "0.3")]).unwrap();
        assert_eq!(s.storage.keyring_timeout, Some(Duration::from_millis(300)));
    }

    /// Where conda's token files and our locks are on the system the test runs on, as conda
    /// (platformdirs' `user_config_dir`) finds the former: the GitHub workflow runs this on
    /// macOS and Windows too.
    #[test]
    fn token_and_lock_folders_are_the_platforms_own() {
        let home = Path::new("/h");
        let at = |pairs: &[(&str, &str)]| {
            let env = Env::from_pairs(pairs.iter().copied());
            let paths = Paths::resolve(&env, home.to_path_buf());
            (
                (paths.binstar_dir, paths.legacy_binstar_dir),
                paths.lock_dir,
            )
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
        assert_eq!(s.site.domain, "upper.example");
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
        assert_eq!(s.network.extra_headers, vec![("X-Test".into(), "1".into())]);
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
        assert_eq!(
            s.network.connection.ssl_verify,
            Some(SslVerify::CaBundle("/h/ca.pem".into()))
        );
    }

    #[test]
    fn tool_stores_are_found_as_each_tool_finds_them() {
        let home = Path::new("/h");
        let s = resolve(&[("HOME", "/h"), ("MAMBA_ROOT_PREFIX", "/m")]).unwrap();
        assert_eq!(
            s.paths.rattler_auth_file,
            home.join(".rattler").join("credentials.json")
        );
        assert!(!s.paths.rattler_auth_file_set);
        // No variable moves mamba's file (MAMBA_ROOT_PREFIX is where environments go).
        assert_eq!(
            s.paths.mamba_auth_file,
            home.join(".mamba").join("auth").join("authentication.json")
        );
        // RATTLER_AUTH_FILE is taken as it is: rattler expands nothing in it.
        let s = resolve(&[("HOME", "/h"), ("RATTLER_AUTH_FILE", "~/$X/auth.json")]).unwrap();
        assert_eq!(s.paths.rattler_auth_file, PathBuf::from("~/$X/auth.json"));
        assert!(s.paths.rattler_auth_file_set);
        let s = resolve(&[("HOME", "/h"), ("RATTLER_AUTH_FILE", "")]).unwrap();
        assert!(!s.paths.rattler_auth_file_set);
    }

    #[test]
    fn tools_default_to_conda_and_come_from_anaconda_token_tools() {
        let tools = |value: &str| resolve(&[("HOME", "/h"), ("ANACONDA_TOKEN_TOOLS", value)]);
        assert_eq!(resolve(&[("HOME", "/h")]).unwrap().tools, [Tool::Conda]);
        assert_eq!(tools("").unwrap().tools, [Tool::Conda]);
        assert_eq!(
            tools("pixi, conda").unwrap().tools,
            [Tool::Pixi, Tool::Conda]
        );
        assert_eq!(
            tools("mamba,pixi,mamba").unwrap().tools,
            [Tool::Mamba, Tool::Pixi]
        );
        let err = tools("pixi, pip").unwrap_err().to_string();
        assert_eq!(
            err,
            "ANACONDA_TOKEN_TOOLS: unknown tool \"pip\" (choose from conda, pixi, mamba)"
        );
    }

    #[test]
    fn repo_url_gets_trailing_slash() {
        let s = resolve(&[
            ("HOME", "/nonexistent"),
            ("CONDA_TOKEN_REPO_URL", "https://repo.example/repo"),
        ])
        .unwrap();
        assert_eq!(s.site.repo_url, "https://repo.example/repo/");
        assert_eq!(s.site.repo_url_trimmed(), "https://repo.example/repo");
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

    // As anaconda-auth 0.15.3 ranks them: ANACONDA_AUTH_* > its secret file > site >
    // ANACONDA_CLOUD_* > its secret file > [plugin.cloud] > [plugin.auth] > default.
    const SECRETS: [(&str, &str); 2] = [
        ("anaconda_auth_keyring_path", "/from/secret\n"),
        ("anaconda_cloud_keyring_path", "/from/cloud-secret"),
    ];
    const VARIABLES: [(&str, &str); 2] = [
        ("ANACONDA_AUTH_KEYRING_PATH", "/from/env"),
        ("ANACONDA_CLOUD_KEYRING_PATH", "/from/cloud-env"),
    ];

    /// The site selected for this configuration.
    fn site_of(config: &str, secrets: &[(&str, &str)], pairs: &[(&str, &str)]) -> Option<String> {
        resolve_with(config, secrets, pairs, None)
            .unwrap()
            .site
            .name
    }

    #[test]
    fn variables_then_secret_files_then_the_site() {
        let s = resolve_with(LAYERS, &SECRETS, &VARIABLES, None).unwrap();
        assert_eq!(s.storage.keyring_path, PathBuf::from("/from/env"));
        let s = resolve_with(LAYERS, &SECRETS, &VARIABLES[1..], None).unwrap();
        assert_eq!(s.storage.keyring_path, PathBuf::from("/from/secret"));
        let s = resolve_with(LAYERS, &[], &[], None).unwrap();
        assert_eq!(s.site.name.as_deref(), Some("second"));
        assert_eq!(s.site.domain, "second.example");
        assert_eq!(s.storage.keyring_path, PathBuf::from("/from/site"));
        // [plugin.cloud] wins over [plugin.auth], whichever comes first in the file.
        assert_eq!(s.network.connection.ssl_verify, Some(SslVerify::No));
        assert_eq!(
            s.network.connection.client_cert,
            Some(PathBuf::from("/from/cloud.pem"))
        );
        assert!(
            s.warnings.iter().any(|w| w.contains("[plugin.cloud]")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn the_deprecated_cloud_sources_win_over_plugin_auth() {
        let no_site = LAYERS.replace("keyring_path = \"/from/site\"\n", "");
        let keyring_path = |secrets: &[(&str, &str)], env: &[(&str, &str)]| {
            resolve_with(&no_site, secrets, env, None)
                .unwrap()
                .storage
                .keyring_path
        };
        let cloud_env = PathBuf::from("/from/cloud-env");
        assert_eq!(keyring_path(&SECRETS[1..], &VARIABLES[1..]), cloud_env);
        let cloud_secret = PathBuf::from("/from/cloud-secret");
        assert_eq!(keyring_path(&SECRETS[1..], &[]), cloud_secret);
        assert_eq!(keyring_path(&[], &[]), PathBuf::from("/from/cloud"));
        let s = resolve_with(&no_site, &[], &VARIABLES[1..], None).unwrap();
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("ANACONDA_CLOUD_KEYRING_PATH is deprecated")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn plugin_cloud_wins_over_plugin_auth_in_one_file() {
        let domain = |config: &str, pairs: &[(&str, &str)]| {
            let s = resolve_with(config, &[], pairs, None).unwrap();
            (s.site.domain, s.warnings.is_empty())
        };
        let both =
            "[plugin.auth]\ndomain = \"auth.example\"\n[plugin.cloud]\ndomain = \"c.example\"\n";
        assert_eq!(domain(both, &[]).0, "c.example");
        // An empty [plugin.cloud] sets nothing and is not warned about.
        let auth = "[plugin.auth]\ndomain = \"auth.example\"\n[plugin.cloud]\n";
        assert_eq!(domain(auth, &[]), ("auth.example".into(), true));
        let cloud_variable = [("ANACONDA_CLOUD_DOMAIN", "env.example")];
        assert_eq!(domain(auth, &cloud_variable).0, "env.example");
        assert_eq!(domain("", &[]), ("anaconda.com".into(), true));
    }

    #[test]
    fn a_domain_from_a_secret_file_picks_a_site_and_a_cloud_variable_does_not() {
        let secret = [("anaconda_auth_domain", "first.example")];
        assert_eq!(site_of(LAYERS, &secret, &[]).as_deref(), Some("first"));
        // ANACONDA_CLOUD_DOMAIN is below the sites: it does not pick one.
        let cloud_variable = [("ANACONDA_CLOUD_DOMAIN", "first.example")];
        assert_eq!(
            site_of(LAYERS, &[], &cloud_variable).as_deref(),
            Some("second")
        );
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
        let mut headers = s.network.extra_headers.clone();
        headers.sort();
        assert_eq!(
            headers,
            [("X-A", "cloud"), ("X-B", "auth"), ("X-C", "env")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        let mut proxies = s.network.connection.proxy_servers.clone();
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
            resolve_with(LAYERS, &[], pairs, at).map(|s| (s.site.name, s.site.domain))
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
        assert_eq!(s.site.name.as_deref(), Some("first"));
        let bad_default = LAYERS.replace("\"second\"\n[plugin", "\"third\"\n[plugin");
        let err = resolve_with(&bad_default, &[], &[], None).unwrap_err();
        assert!(err.to_string().contains("third"), "{err}");
        // default_site may name a domain, as with the Python tool.
        let by_domain = LAYERS.replace("\"second\"\n[plugin", "\"first.example\"\n[plugin");
        let s = resolve_with(&by_domain, &[], &[], None).unwrap();
        assert_eq!(s.site.name.as_deref(), Some("first"));
    }

    #[test]
    fn a_domain_set_above_the_sites_picks_its_own_site_or_none() {
        let variable = [("ANACONDA_AUTH_DOMAIN", "first.example")];
        assert_eq!(site_of(LAYERS, &[], &variable).as_deref(), Some("first"));
        // No site for that domain: none applies, so the default site's keyring_path does not
        // leak into another domain's settings.
        let s = resolve_with(
            LAYERS,
            &[],
            &[("ANACONDA_AUTH_DOMAIN", "elsewhere.example")],
            None,
        )
        .unwrap();
        assert_eq!(s.site.name, None);
        assert_eq!(s.storage.keyring_path, PathBuf::from("/from/cloud"));
    }

    #[test]
    fn the_default_domain_is_always_a_site_and_shared_domains_are_ambiguous() {
        let s = resolve_with(LAYERS, &[], &[], Some("anaconda.com")).unwrap();
        assert_eq!(s.site.domain, "anaconda.com");
        let twins = "[sites.a]\ndomain = \"x.example\"\n[sites.b]\ndomain = \"x.example\"\n";
        let err = resolve_with(twins, &[], &[], Some("x.example")).unwrap_err();
        assert!(err.to_string().contains("both have the domain"), "{err}");
        assert_eq!(
            resolve_with(twins, &[], &[], Some("b"))
                .unwrap()
                .site
                .name
                .as_deref(),
            Some("b")
        );
    }

    #[test]
    fn storage_and_keyring_values_are_checked() {
        let storage = |config: &str, pairs: &[(&str, &str)]| {
            resolve_with(config, &[], pairs, None).map(|s| s.storage.kind)
        };
        let variable = [("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system")];
        assert_eq!(storage("", &variable).unwrap(), Storage::System);
        let file = "[plugin.auth]\npreferred_token_storage = \"anaconda-keyring\"\n";
        assert_eq!(storage(file, &[]).unwrap(), Storage::File);
        let err = storage("[plugin.auth]\npreferred_token_storage = \"vault\"\n", &[]).unwrap_err();
        assert!(
            err.to_string().contains("preferred_token_storage")
                && err.to_string().contains("config.toml"),
            "{err}"
        );

        let entries = r#"{"Anaconda Cloud": {"anaconda.com": "c2VjcmV0"}}"#;
        let s = resolve_with("", &[], &[("ANACONDA_AUTH_KEYRING", entries)], None).unwrap();
        assert_eq!(
            s.storage.keyring_entry("Anaconda Cloud", "anaconda.com"),
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
