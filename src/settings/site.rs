//! The site and its sign-in: which domain the API is on, how `login` signs in, the API key
//! given in the settings, and the repository conda is configured for.

use super::sources::Sources;
use super::values::{is_loopback, normalize_domain, normalize_repo_url};
use super::{DEFAULT_CLIENT_ID, DEFAULT_DOMAIN, DEFAULT_REPO_URL, Env};
use crate::error::{Error, Result};
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// The selected `[sites.NAME]`, if any (`None`: the implicit site of `domain`).
    pub name: Option<String>,
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
    /// The repository (`CONDA_TOKEN_REPO_URL`), always ending in `/`.
    pub repo_url: String,
}

impl SiteSettings {
    pub(super) fn resolve(sources: &Sources, env: &Env) -> Result<SiteSettings> {
        let configured_domain = sources.string("domain")?;
        let domain = match &configured_domain {
            Some(d) => normalize_domain(d).map_err(|e| sources.invalid("domain", &e))?,
            None => DEFAULT_DOMAIN.to_string(),
        };
        let api_base = base_url_for(&domain, configured_domain.as_deref());
        let auth_base = match sources.string("auth_domain_override")? {
            Some(d) => base_url_for(
                &normalize_domain(&d).map_err(|e| sources.invalid("auth_domain_override", &e))?,
                Some(&d),
            ),
            None => api_base.clone(),
        };
        Ok(SiteSettings {
            name: sources.site.clone(),
            domain,
            api_base,
            auth_base,
            client_id: sources
                .string("client_id")?
                .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string()),
            use_device_flow: sources.boolean("use_device_flow")?.unwrap_or(true),
            api_key: sources.string("api_key")?.map(Secret::new),
            repo_url: repo_url(env)?,
        })
    }

    /// The repository URL without its trailing slash, as conda channel URLs are written.
    pub fn repo_url_trimmed(&self) -> &str {
        self.repo_url.trim_end_matches('/')
    }

    /// What `--at` takes to name this site.
    pub fn at(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.domain)
    }
}

fn repo_url(env: &Env) -> Result<String> {
    match env.get("CONDA_TOKEN_REPO_URL") {
        Some(url) => normalize_repo_url(url).map_err(|e| {
            Error::with_hint(
                format!("CONDA_TOKEN_REPO_URL is not a valid repository URL: {e}"),
                "Set it to a URL like https://repo.anaconda.cloud/repo/ or unset it.",
            )
        }),
        None => Ok(DEFAULT_REPO_URL.to_string()),
    }
}

/// `https://{domain}`; a URL given with `http://` keeps it only for a loopback host, so tests can
/// run a plain-HTTP server while no real traffic ever goes out unencrypted.
pub(super) fn base_url_for(domain: &str, configured: Option<&str>) -> String {
    let http = configured.is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("http://"));
    if http && is_loopback(domain) {
        format!("http://{domain}")
    } else {
        format!("https://{domain}")
    }
}
