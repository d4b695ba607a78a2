//! Everything configurable, resolved once into [`Settings`]: the config file's `[plugin.auth]`,
//! the `ANACONDA_AUTH_*` variables, `CONDA_TOKEN_REPO_URL`, conda's `ssl_verify`, and the
//! locations of the files we touch. Nothing else in the crate reads environment variables.
//!
//! Values come from an ordered list of sources, first wins (`files.md`, precedence): the
//! environment, then the config file. Later sources (secret files, sites, conda's settings)
//! slot into the same list.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;

pub const DEFAULT_DOMAIN: &str = "anaconda.com";
pub const DEFAULT_REPO_URL: &str = "https://repo.anaconda.cloud/repo/";
const ENV_PREFIX: &str = "ANACONDA_AUTH_";

/// A snapshot of the process environment (tests build one by hand).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A variable's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// An `ANACONDA_AUTH_<KEY>` variable; the name is matched case-insensitively, as the
    /// Python tool's settings library does. When several spellings are set, the upper-case
    /// one wins, then the first in sorted order, so the choice never depends on hash order.
    fn auth_var(&self, key: &str) -> Option<(&str, &str)> {
        let wanted = format!("{ENV_PREFIX}{key}").to_ascii_uppercase();
        if let Some(value) = self.get(&wanted) {
            return Some((
                self.vars.get_key_value(&wanted).map(|(k, _)| k.as_str())?,
                value,
            ));
        }
        self.vars
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case(&wanted) && !v.is_empty())
            .min_by(|a, b| a.0.cmp(b.0))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// How to verify TLS certificates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SslVerify {
    /// Verify against the platform's trust store.
    #[default]
    Yes,
    /// Do not verify (a warning is printed).
    No,
    /// Verify against the PEM CA bundle at this path instead.
    CaBundle(PathBuf),
    /// `truststore`: the OS trust store (the same as `Yes` for us: rustls-platform-verifier).
    Truststore,
}

impl SslVerify {
    /// `false/true/0/1/no/yes` are booleans (the Python tool takes `false` for a path: we do
    /// what its documentation says); `truststore` is the OS store; anything else is a path.
    pub fn parse(text: &str) -> SslVerify {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => SslVerify::Yes,
            "false" | "0" | "no" | "off" => SslVerify::No,
            "truststore" => SslVerify::Truststore,
            _ => SslVerify::CaBundle(PathBuf::from(text.trim())),
        }
    }

    /// With `~` and `$VARS` expanded in a CA bundle path.
    pub fn expanded(self, env: &Env) -> SslVerify {
        match self {
            SslVerify::CaBundle(path) => {
                SslVerify::CaBundle(expand_path(env, &path.to_string_lossy()))
            }
            other => other,
        }
    }
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Origin {
    Env(String),
    File { path: PathBuf, table: &'static str },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::File { path, table } => write!(f, "[{table}] in {}", path.display()),
        }
    }
}

#[derive(Debug, Clone)]
struct Raw {
    value: toml::Value,
    origin: Origin,
}

/// The resolved settings a command runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API host as `host[:port]`; also the keyring entry's user name.
    pub domain: String,
    /// `https://{domain}` (or `http://` for loopback hosts).
    pub api_base: String,
    /// An API key from the environment or config (read-only source).
    pub api_key: Option<Secret>,
    pub keyring_path: PathBuf,
    /// TLS for API requests; `None` means "as conda's" (see [`Settings::conda_ssl_verify`]).
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
    pub legacy_binstar_dir: Option<PathBuf>,
    /// A `conda` executable to clean the index cache with: `$CONDA_EXE` then `PATH`.
    pub conda_exe: Option<PathBuf>,
    /// The active environment (`CONDA_PREFIX`).
    pub conda_prefix: Option<PathBuf>,
    /// conda's root prefix: `CONDA_ROOT`, else derived from `CONDA_EXE`.
    pub conda_root: Option<PathBuf>,
    /// The environment snapshot, for conda's own settings (read only when a request needs them).
    pub env: Env,
    pub timeout: Duration,
}

/// Flags that change settings.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub at: Option<String>,
}

impl Settings {
    pub fn resolve(env: &Env, overrides: &Overrides) -> Result<Settings> {
        let home = env
            .get("HOME")
            .map(PathBuf::from)
            .or_else(dirs::home_dir)
            .ok_or_else(|| Error::msg("Cannot find your home folder: set HOME."))?;
        let config_path = env
            .get("ANACONDA_CONFIG_TOML")
            .map(|p| expand_path(env, p))
            .unwrap_or_else(|| home.join(".anaconda").join("config.toml"));
        let sources = Sources::load(env, &config_path)?;

        let domain = match sources.string("domain")? {
            Some(d) => normalize_domain(&d).map_err(|e| sources.invalid("domain", &e))?,
            None => DEFAULT_DOMAIN.to_string(),
        };
        let api_base = base_url_for(&domain, sources.string("domain")?.as_deref());
        let site = overrides
            .at
            .as_deref()
            .or_else(|| env.get("ANACONDA_DEFAULT_SITE"));
        check_site(site, &domain)?;
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

        let repo_url = match env.get("CONDA_TOKEN_REPO_URL") {
            Some(url) => normalize_repo_url(url).map_err(|e| {
                Error::with_hint(
                    format!("CONDA_TOKEN_REPO_URL is not a valid repository URL: {e}"),
                    "Set it to a URL like https://repo.anaconda.cloud/repo/ or unset it.",
                )
            })?,
            None => DEFAULT_REPO_URL.to_string(),
        };
        let timeout = match env.get("ANACONDA_TOKEN_TIMEOUT") {
            // At least 0.1 s (a zero timeout would fail every request), and a number of seconds
            // a Duration can hold.
            Some(t) => t
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.1)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| {
                    Error::msg(format!(
                        "ANACONDA_TOKEN_TIMEOUT must be a number of seconds, not {t:?}."
                    ))
                })?,
            None => Duration::from_secs(30),
        };

        let (binstar_dir, legacy_binstar_dir) = binstar_dirs(env, &home);
        Ok(Settings {
            domain,
            api_base,
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
            legacy_binstar_dir,
            conda_exe: find_conda(env),
            conda_prefix: env.get("CONDA_PREFIX").map(PathBuf::from),
            conda_root: conda_root(env),
            env: env.clone(),
            home,
            timeout,
        })
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
            self.domain,
            self.config_path.display()
        )
    }
}

/// The ordered value sources, first wins.
struct Sources {
    env: Vec<(String, String)>,
    plugin_auth: Option<(PathBuf, toml::Table)>,
}

impl Sources {
    fn load(env: &Env, config_path: &Path) -> Result<Sources> {
        let env_values = [
            "domain",
            "api_key",
            "keyring_path",
            "ssl_verify",
            "extra_headers",
            "proxy_servers",
            "client_cert",
            "client_cert_key",
        ]
        .iter()
        .filter_map(|key| {
            env.auth_var(key)
                .map(|(name, value)| (name.to_string(), value.to_string()))
        })
        .collect();
        let plugin_auth = read_config(config_path)?.and_then(|mut table| {
            let plugin = table.remove("plugin")?;
            match plugin {
                toml::Value::Table(mut t) => match t.remove("auth") {
                    Some(toml::Value::Table(auth)) => Some((config_path.to_path_buf(), auth)),
                    _ => None,
                },
                _ => None,
            }
        });
        Ok(Sources {
            env: env_values,
            plugin_auth,
        })
    }

    fn raw(&self, key: &str) -> Option<Raw> {
        let wanted = format!("{ENV_PREFIX}{key}");
        if let Some((name, value)) = self
            .env
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&wanted))
        {
            return Some(Raw {
                value: toml::Value::String(value.clone()),
                origin: Origin::Env(name.clone()),
            });
        }
        let (path, table) = self.plugin_auth.as_ref()?;
        table.get(key).map(|value| Raw {
            value: value.clone(),
            origin: Origin::File {
                path: path.clone(),
                table: "plugin.auth",
            },
        })
    }

    fn invalid(&self, key: &str, detail: &str) -> Error {
        let origin = self
            .raw(key)
            .map(|r| r.origin.to_string())
            .unwrap_or_default();
        Error::msg(format!("Invalid value for {key} ({origin}): {detail}"))
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Raw {
                value: toml::Value::String(s),
                ..
            }) => Ok(Some(s).filter(|s| !s.is_empty())),
            Some(_) => Err(self.invalid(key, "expected a string")),
        }
    }

    fn ssl_verify(&self, key: &str) -> Result<Option<SslVerify>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Raw {
                value: toml::Value::Boolean(b),
                ..
            }) => Ok(Some(if b { SslVerify::Yes } else { SslVerify::No })),
            Some(Raw {
                value: toml::Value::String(s),
                ..
            }) => Ok(Some(SslVerify::parse(&s))),
            Some(_) => Err(self.invalid(key, "expected true, false or a CA bundle path")),
        }
    }

    /// Header names and values, checked.
    fn headers(&self, key: &str) -> Result<Vec<(String, String)>> {
        let pairs = self.map(key)?;
        for (name, value) in &pairs {
            // The API key goes in Authorization; a second one would be sent beside it.
            if name.eq_ignore_ascii_case("authorization") {
                return Err(self.invalid(
                    key,
                    "Authorization cannot be set here: use api_key (ANACONDA_AUTH_API_KEY)",
                ));
            }
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                || reqwest::header::HeaderValue::from_str(value).is_err()
            {
                return Err(self.invalid(key, &format!("{name:?} is not a valid HTTP header")));
            }
        }
        Ok(pairs)
    }

    /// A TOML table, or a JSON object in a string (the only way to pass a map in a variable).
    fn map(&self, key: &str) -> Result<Vec<(String, String)>> {
        let raw = match self.raw(key) {
            None => return Ok(Vec::new()),
            Some(raw) => raw,
        };
        let pairs: Vec<(String, String)> = match raw.value {
            toml::Value::Table(t) => t
                .into_iter()
                .map(|(k, v)| match v {
                    toml::Value::String(s) => Ok((k, s)),
                    _ => Err(self.invalid(key, &format!("the value of {k:?} must be a string"))),
                })
                .collect::<Result<_>>()?,
            toml::Value::String(s) => {
                let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&s)
                    .map_err(|e| self.invalid(key, &format!("expected a JSON object ({e})")))?;
                map.into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect()
            }
            _ => return Err(self.invalid(key, "expected a table of names to values")),
        };
        Ok(pairs)
    }
}

/// `--at` / `ANACONDA_DEFAULT_SITE`. Until `[sites.*]` tables are read, the one site is the
/// implicit one of the configured domain: naming it is fine, naming another is an error rather
/// than being silently ignored.
fn check_site(site: Option<&str>, domain: &str) -> Result<()> {
    match site {
        None => Ok(()),
        Some(name) if normalize_domain(name).is_ok_and(|d| d == domain) => Ok(()),
        Some(name) => Err(Error::with_hint(
            format!("Unknown site {name:?}. The configured sites are: {domain}"),
            "Pass --at with one of them, or configure the domain with ANACONDA_AUTH_DOMAIN.",
        )),
    }
}

/// Reads the config file; a missing file is no configuration.
fn read_config(path: &Path) -> Result<Option<toml::Table>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path)(e)),
    };
    text.parse::<toml::Table>()
        .map(Some)
        .map_err(|e| Error::InvalidFile {
            path: path.to_path_buf(),
            what: "TOML file",
            detail: toml_error_detail(&text, &e),
            hint: Some("Fix the file, then try again.".into()),
        })
}

/// "line L, column C: message" for a TOML error.
fn toml_error_detail(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Reduces a domain or URL to `host[:port]` (`https://Anaconda.com/` → `anaconda.com`).
pub fn normalize_domain(value: &str) -> std::result::Result<String, String> {
    let value = value.trim();
    let without_scheme = value.split_once("://").map_or(value, |(_, rest)| rest);
    let host_port = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = host_port.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty()
        || host_port
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-.:[]_".contains(c)))
    {
        return Err(format!("{value:?} is not a host name or URL"));
    }
    Ok(host_port.to_ascii_lowercase())
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

/// Whether `host[:port]` names this machine.
pub fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the repository URL and gives it its trailing slash.
pub fn normalize_repo_url(url: &str) -> std::result::Result<String, String> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        other => return Err(format!("the scheme must be https, not {other}")),
    }
    if host.is_empty() {
        return Err("it has no host".into());
    }
    let mut url = url.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
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

/// Expands `~` and `$VAR` / `${VAR}` in a configured path, as the Python tool does.
pub fn expand_path(env: &Env, value: &str) -> PathBuf {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if braced && chars.peek() == Some(&'}') {
            chars.next();
        }
        match env.get(&name) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ if braced => out.push_str(&format!("${{{name}}}")),
            _ => {
                out.push('$');
                out.push_str(&name);
            }
        }
    }
    if (out == "~" || out.starts_with("~/"))
        && let Some(home) = env.get("HOME").map(PathBuf::from).or_else(dirs::home_dir)
    {
        return home.join(out.trim_start_matches('~').trim_start_matches('/'));
    }
    PathBuf::from(out)
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
            "anaconda.com"
        );
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
    }

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
    fn at_names_the_configured_site_only() {
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
}
