//! Where setting values come from, in anaconda-auth 0.15.3's order of precedence (first wins;
//! `AnacondaAuthConfig.settings_customise_sources`): `ANACONDA_AUTH_*` variables, their secret
//! files, the selected site's table, then the deprecated `AnacondaCloudConfig` as a whole
//! (`ANACONDA_CLOUD_*` variables, their secret files, `[plugin.cloud]`), and only then
//! `[plugin.auth]`. (`files.md` puts `[plugin.auth]` above `[plugin.cloud]`; the Python tool
//! does not.) Tables (`extra_headers`, `proxy_servers`) are merged key by key across all of
//! them, as pydantic-settings merges its sources. Command-line flags are applied by the caller
//! before these, and conda's settings and the defaults after.

use std::path::{Path, PathBuf};

use super::env::{CLOUD_ENV_PREFIX, ENV_PREFIX, Env};
use super::values::{SslVerify, normalize_domain, same_domain};
use crate::error::{Error, Result};

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Origin {
    Env(String),
    SecretFile(PathBuf),
    Table { path: PathBuf, table: String },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::SecretFile(path) => write!(f, "secret file {}", path.display()),
            Origin::Table { path, table } => write!(f, "[{table}] in {}", path.display()),
        }
    }
}

/// One value and where it came from.
#[derive(Debug, Clone)]
struct Raw {
    key: String,
    value: toml::Value,
    origin: Origin,
}

/// A configured site: its name and its table.
#[derive(Debug, Clone)]
struct Site {
    name: String,
    table: toml::Table,
}

/// All value sources, in order, plus what the config file says about sites.
pub(super) struct Sources {
    values: Vec<Raw>,
    /// The site selected, by name (`None`: the implicit site).
    pub site: Option<String>,
    /// Things to warn about (a deprecated table).
    pub warnings: Vec<String>,
}

impl Sources {
    /// Reads the environment, the secret files and the config file; selects the site
    /// (`requested_site`: `--at` or `ANACONDA_DEFAULT_SITE`).
    pub fn load(env: &Env, config_path: &Path, requested_site: Option<&str>) -> Result<Sources> {
        let mut values = env_values(env, ENV_PREFIX);
        values.extend(secret_file_values(env, ENV_PREFIX));
        let mut config = read_config(config_path)?.unwrap_or_default();
        let sites = take_sites(&mut config, config_path)?;
        let default_site = take_default_site(&mut config, config_path)?;
        let (plugin_values, warnings) = plugin_values(env, &mut config, config_path);
        let domain_above_sites = values
            .iter()
            .find(|r| r.key == "domain")
            .and_then(|r| r.value.as_str().map(str::to_string));
        let site = select_site(
            &sites,
            default_site.as_deref(),
            requested_site,
            domain_above_sites.as_deref(),
            config_path,
        )?;
        if let Some(site) = &site {
            let table = format!("sites.{}", site.name);
            values.extend(table_values(&site.table, config_path, &table));
        }
        values.extend(plugin_values);
        let sources = Sources {
            values,
            site: site.map(|s| s.name),
            warnings,
        };
        if sites.is_empty()
            && let Some(requested) = requested_site
        {
            sources.check_implicit_site(requested, config_path)?;
        }
        Ok(sources)
    }

    /// Without sites, the one site is the implicit one of the configured domain: `--at` must
    /// name it.
    fn check_implicit_site(&self, requested: &str, config_path: &Path) -> Result<()> {
        let domain = self
            .string("domain")?
            .map(|d| normalize_domain(&d).unwrap_or(d))
            .unwrap_or_else(|| super::DEFAULT_DOMAIN.to_string());
        if normalize_domain(requested).is_ok_and(|r| same_domain(&r, &domain)) {
            Ok(())
        } else {
            Err(unknown_site(requested, &[domain], config_path))
        }
    }

    fn raw(&self, key: &str) -> Option<&Raw> {
        self.values.iter().find(|r| r.key == key)
    }

    /// Every value given for `key`, the winning one first.
    fn all(&self, key: &str) -> impl Iterator<Item = &Raw> {
        self.values.iter().filter(move |r| r.key == key)
    }

    pub fn invalid(&self, key: &str, detail: &str) -> Error {
        let origin = self
            .raw(key)
            .map(|r| r.origin.to_string())
            .unwrap_or_default();
        Error::msg(format!("Invalid value for {key} ({origin}): {detail}"))
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.raw(key).map(|r| &r.value) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            Some(_) => Err(self.invalid(key, "expected a string")),
        }
    }

    /// A TOML boolean, or `true/false/1/0/yes/no` in a variable or secret file.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.raw(key).map(|r| &r.value) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(toml::Value::String(s)) => match SslVerify::parse(s) {
                SslVerify::Yes => Ok(Some(true)),
                SslVerify::No => Ok(Some(false)),
                _ => Err(self.invalid(key, "expected true or false")),
            },
            Some(_) => Err(self.invalid(key, "expected true or false")),
        }
    }

    pub fn ssl_verify(&self, key: &str) -> Result<Option<SslVerify>> {
        match self.raw(key).map(|r| &r.value) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => {
                Ok(Some(if *b { SslVerify::Yes } else { SslVerify::No }))
            }
            Some(toml::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(SslVerify::parse(s))),
            Some(_) => Err(self.invalid(key, "expected true, false or a CA bundle path")),
        }
    }

    /// Header names and values, checked.
    pub fn headers(&self, key: &str) -> Result<Vec<(String, String)>> {
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
    /// The tables of every source are merged, a name given in a higher one winning, as
    /// pydantic-settings merges them; the order is that of the lowest source naming each key.
    pub fn map(&self, key: &str) -> Result<Vec<(String, String)>> {
        let raws: Vec<&Raw> = self.all(key).collect();
        let mut merged: Vec<(String, String)> = Vec::new();
        for raw in raws.into_iter().rev() {
            for (name, value) in self.map_of(key, raw)? {
                match merged.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = value,
                    None => merged.push((name, value)),
                }
            }
        }
        Ok(merged)
    }

    fn map_of(&self, key: &str, raw: &Raw) -> Result<Vec<(String, String)>> {
        let invalid = |detail: &str| {
            Error::msg(format!(
                "Invalid value for {key} ({}): {detail}",
                raw.origin
            ))
        };
        match &raw.value {
            toml::Value::Table(t) => t
                .iter()
                .map(|(k, v)| match v {
                    toml::Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(invalid(&format!("the value of {k:?} must be a string"))),
                })
                .collect(),
            toml::Value::String(s) => {
                let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(s)
                    .map_err(|e| invalid(&format!("expected a JSON object ({e})")))?;
                Ok(map
                    .into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect())
            }
            _ => Err(invalid("expected a table of names to values")),
        }
    }
}

/// `default_site`: the name (or domain) of a `[sites.NAME]` table.
fn take_default_site(config: &mut toml::Table, config_path: &Path) -> Result<Option<String>> {
    match config.remove("default_site") {
        None => Ok(None),
        Some(toml::Value::String(name)) => Ok(Some(name)),
        Some(_) => Err(Error::msg(format!(
            "Invalid value for default_site in {}: expected the name of a [sites.NAME] table",
            config_path.display()
        ))),
    }
}

/// The values below the sites: the deprecated `AnacondaCloudConfig` (`ANACONDA_CLOUD_*`, their
/// secret files, `[plugin.cloud]`), then `[plugin.auth]`; and the warnings about the
/// deprecated ones in use.
fn plugin_values(
    env: &Env,
    config: &mut toml::Table,
    config_path: &Path,
) -> (Vec<Raw>, Vec<String>) {
    let mut values = env_values(env, CLOUD_ENV_PREFIX);
    values.extend(secret_file_values(env, CLOUD_ENV_PREFIX));
    let (auth_table, cloud_table) = take_plugin_tables(config);
    let mut warnings = Vec::new();
    let cloud_variables: Vec<&str> = values
        .iter()
        .filter_map(|r| match &r.origin {
            Origin::Env(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    match cloud_variables.as_slice() {
        [] => {}
        [one] => warnings.push(format!("{one} is deprecated: rename to ANACONDA_AUTH_….")),
        many => warnings.push(format!(
            "{} are deprecated: rename to ANACONDA_AUTH_….",
            many.join(", ")
        )),
    }
    if !cloud_table.is_empty() {
        warnings.push(format!(
            "[plugin.cloud] in {} is deprecated: rename it [plugin.auth]. Until then its \
             values win over [plugin.auth]'s, as with the Python tool.",
            config_path.display()
        ));
    }
    values.extend(table_values(&cloud_table, config_path, "plugin.cloud"));
    values.extend(table_values(&auth_table, config_path, "plugin.auth"));
    (values, warnings)
}

/// Every `<prefix><KEY>` variable (`ANACONDA_AUTH_`, `ANACONDA_CLOUD_`), as key → value.
fn env_values(env: &Env, prefix: &str) -> Vec<Raw> {
    let mut keys: Vec<String> = env
        .names()
        .filter(|name| {
            name.len() > prefix.len()
                && name.is_char_boundary(prefix.len())
                && name[..prefix.len()].eq_ignore_ascii_case(prefix)
        })
        .map(|name| name[prefix.len()..].to_ascii_lowercase())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (name, value) = env.prefixed_var(prefix, &key)?;
            Some(Raw {
                value: toml::Value::String(value.to_string()),
                origin: Origin::Env(name.to_string()),
                key,
            })
        })
        .collect()
}

/// `anaconda_auth_<key>` (or `anaconda_cloud_<key>`) files in `$ANACONDA_SECRETS_DIR` (default
/// `/run/secrets`, used only when it is a folder), as Docker and Kubernetes mount secrets.
/// Unreadable files are skipped.
fn secret_file_values(env: &Env, prefix: &str) -> Vec<Raw> {
    let dir = PathBuf::from(env.get("ANACONDA_SECRETS_DIR").unwrap_or("/run/secrets"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let prefix = prefix.to_ascii_lowercase();
    let mut found: Vec<Raw> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_ascii_lowercase();
            let key = name.strip_prefix(&prefix)?.to_string();
            // Only plain files (or links to them): reading a FIFO would block forever.
            if !entry.path().is_file() {
                return None;
            }
            let path = entry.path();
            let value = String::from_utf8(crate::fs::read_optional(&path).ok()??).ok()?;
            Some(Raw {
                key,
                value: toml::Value::String(value.trim().to_string()),
                origin: Origin::SecretFile(path),
            })
        })
        .filter(|raw| !raw.key.is_empty())
        .collect();
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found
}

fn table_values(table: &toml::Table, path: &Path, name: &str) -> Vec<Raw> {
    table
        .iter()
        .map(|(key, value)| Raw {
            key: key.to_ascii_lowercase(),
            value: value.clone(),
            origin: Origin::Table {
                path: path.to_path_buf(),
                table: name.to_string(),
            },
        })
        .collect()
}

/// `[plugin.auth]` and the deprecated `[plugin.cloud]` (empty when absent).
fn take_plugin_tables(config: &mut toml::Table) -> (toml::Table, toml::Table) {
    let Some(toml::Value::Table(mut plugin)) = config.remove("plugin") else {
        return Default::default();
    };
    let mut take = |name: &str| match plugin.remove(name) {
        Some(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    };
    (take("auth"), take("cloud"))
}

/// The `[sites.NAME]` tables, in file order.
fn take_sites(config: &mut toml::Table, path: &Path) -> Result<Vec<Site>> {
    match config.remove("sites") {
        None => Ok(Vec::new()),
        Some(toml::Value::Table(sites)) => sites
            .into_iter()
            .map(|(name, value)| match value {
                toml::Value::Table(table) => Ok(Site { name, table }),
                _ => Err(Error::msg(format!(
                    "Invalid [sites] in {}: sites.{name} must be a table of settings",
                    path.display()
                ))),
            })
            .collect(),
        Some(_) => Err(Error::msg(format!(
            "Invalid [sites] in {}: expected [sites.NAME] tables",
            path.display()
        ))),
    }
}

/// A site's domain (its `domain` key, else the default), as `host[:port]`.
fn site_domain(site: &Site) -> String {
    match site.table.get("domain") {
        Some(toml::Value::String(d)) => normalize_domain(d).unwrap_or_else(|_| d.clone()),
        _ => super::DEFAULT_DOMAIN.to_string(),
    }
}

/// Which site applies, as the Python tool chooses it:
/// - `--at` (or `ANACONDA_DEFAULT_SITE`) matched as a site name, then as a domain; the default
///   domain with no site of its own is the implicit `anaconda.com` site; anything else is an
///   error listing the sites;
/// - else a domain set above the sites (a variable or a secret file) picks the site with that
///   domain, or none (its keys must not mix with another site's);
/// - else `default_site` (a name or a domain), else the first site.
///
/// A domain that two sites share is ambiguous when a site is looked up by it.
fn select_site(
    sites: &[Site],
    default_site: Option<&str>,
    requested: Option<&str>,
    domain_above_sites: Option<&str>,
    path: &Path,
) -> Result<Option<Site>> {
    if sites.is_empty() {
        return Ok(None);
    }
    if let Some(requested) = requested {
        return match find_site(sites, requested, path)? {
            Some(site) => Ok(Some(site)),
            None if normalize_domain(requested)
                .is_ok_and(|d| same_domain(&d, super::DEFAULT_DOMAIN)) =>
            {
                Ok(Some(implicit_site()))
            }
            None => Err(unknown_site(
                requested,
                &sites
                    .iter()
                    .map(|s| format!("{} ({})", s.name, site_domain(s)))
                    .collect::<Vec<_>>(),
                path,
            )),
        };
    }
    if let Some(domain) = domain_above_sites {
        let wanted = normalize_domain(domain).unwrap_or_else(|_| domain.to_string());
        return by_domain(sites, &wanted, path);
    }
    if let Some(name) = default_site {
        return match find_site(sites, name, path)? {
            Some(site) => Ok(Some(site)),
            None => Err(Error::with_hint(
                format!(
                    "default_site = {name:?} in {} names no site: no [sites.{name}] table, and \
                     no site with that domain.",
                    path.display()
                ),
                "Fix default_site, or add the table.",
            )),
        };
    }
    Ok(sites.first().cloned())
}

/// A site by name, else by domain.
fn find_site(sites: &[Site], wanted: &str, path: &Path) -> Result<Option<Site>> {
    if let Some(site) = sites.iter().find(|s| s.name == wanted) {
        return Ok(Some(site.clone()));
    }
    match normalize_domain(wanted) {
        Ok(domain) => by_domain(sites, &domain, path),
        Err(_) => Ok(None),
    }
}

/// The one site with this domain; two is an error.
fn by_domain(sites: &[Site], domain: &str, path: &Path) -> Result<Option<Site>> {
    let mut matching = sites
        .iter()
        .filter(|s| same_domain(&site_domain(s), domain));
    match (matching.next(), matching.next()) {
        (Some(site), None) => Ok(Some(site.clone())),
        (None, _) => Ok(None),
        (Some(first), Some(second)) => Err(Error::with_hint(
            format!(
                "The sites {} and {} in {} both have the domain {domain}.",
                first.name,
                second.name,
                path.display()
            ),
            "Choose one by its name with --at NAME.",
        )),
    }
}

/// `anaconda.com` when no configured site has it.
fn implicit_site() -> Site {
    let mut table = toml::Table::new();
    table.insert(
        "domain".into(),
        toml::Value::String(super::DEFAULT_DOMAIN.to_string()),
    );
    Site {
        name: super::DEFAULT_DOMAIN.to_string(),
        table,
    }
}

fn unknown_site(requested: &str, known: &[String], path: &Path) -> Error {
    Error::with_hint(
        format!(
            "Unknown site {requested:?}. The configured sites are: {}",
            known.join(", ")
        ),
        format!(
            "Pass --at with one of them (a name or a domain), or add a [sites.NAME] table to {}.",
            path.display()
        ),
    )
}

/// Reads the config file; a missing file is no configuration.
fn read_config(path: &Path) -> Result<Option<toml::Table>> {
    // Only a regular file of sane size: a FIFO or a device here must not hang every command.
    let Some(bytes) = crate::fs::read_optional(path)? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes).map_err(|_| Error::InvalidFile {
        path: path.to_path_buf(),
        what: "TOML file",
        detail: "it is not UTF-8 text".into(),
        hint: Some("Fix the file, then try again.".into()),
    })?;
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
