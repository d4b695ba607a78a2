//! What a command runs with: the resolved settings, the printer, the prompter, the token store,
//! and HTTP clients built on first use (a command that makes no request pays nothing for TLS).

use std::cell::OnceCell;

use crate::api::Http;
use crate::api::orgs::Api;
use crate::api::repo::{self, Validation};
use crate::conda::condarc::Condarc;
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::prompt::Prompter;
use crate::secret::Secret;
use crate::settings::{Settings, SslVerify};
use crate::store::TokenStore;

pub struct Context {
    pub settings: Settings,
    pub printer: Printer,
    pub prompter: Box<dyn Prompter>,
    pub store: TokenStore,
    api_http: OnceCell<Http>,
    repo_http: OnceCell<Http>,
    api_key: OnceCell<Secret>,
}

impl Context {
    pub fn new(settings: Settings, printer: Printer, prompter: Box<dyn Prompter>) -> Self {
        let store = TokenStore::from_settings(&settings);
        Context {
            settings,
            printer,
            prompter,
            store,
            api_http: OnceCell::new(),
            repo_http: OnceCell::new(),
            api_key: OnceCell::new(),
        }
    }

    /// The organization API, authenticated with the configured or stored API key.
    pub fn api(&self) -> Result<Api<'_>> {
        let key = self.api_key()?;
        let http = self.http(&self.api_http, || {
            let ssl = match &self.settings.ssl_verify {
                Some(ssl) => ssl.clone(),
                None => self.conda_ssl_verify()?,
            };
            Http::new(
                &ssl,
                self.settings.timeout,
                self.settings.extra_headers.clone(),
                &self.printer,
            )
        })?;
        Ok(Api {
            http,
            base: &self.settings.api_base,
            key,
            printer: &self.printer,
            login_help: self.settings.login_help(),
        })
    }

    /// Checks `token` against the repository with conda's TLS settings.
    pub fn validate_token(&self, token: &Secret) -> Result<Validation> {
        let http = self.http(&self.repo_http, || {
            Http::new(
                &self.conda_ssl_verify()?,
                self.settings.timeout,
                Vec::new(),
                &self.printer,
            )
        })?;
        repo::validate(http, &self.settings.repo_url, token, &self.printer)
    }

    fn http<'a>(
        &self,
        cell: &'a OnceCell<Http>,
        build: impl FnOnce() -> Result<Http>,
    ) -> Result<&'a Http> {
        if cell.get().is_none() {
            let _ = cell.set(build()?);
        }
        Ok(cell.get().expect("set above"))
    }

    /// `ANACONDA_AUTH_API_KEY` / `[plugin.auth] api_key`, else the key stored by `login`.
    fn api_key(&self) -> Result<&Secret> {
        if let Some(key) = self.api_key.get() {
            return Ok(key);
        }
        let key = match &self.settings.api_key {
            Some(key) => key.clone(),
            None => self
                .store
                .load()?
                .and_then(|info| info.api_key)
                .ok_or_else(|| Error::LoginRequired {
                    how: self.settings.login_help(),
                })?,
        };
        if let Some(expired) = jwt_expired_at(&key) {
            return Err(Error::ExpiredApiKey {
                expired,
                how: self.settings.login_help(),
            });
        }
        Ok(self.api_key.get_or_init(|| key))
    }

    /// conda's `ssl_verify`: `CONDA_SSL_VERIFY`, else the user's `.condarc`, else verify.
    fn conda_ssl_verify(&self) -> Result<SslVerify> {
        if let Some(ssl) = &self.settings.conda_ssl_verify_env {
            return Ok(ssl.clone());
        }
        let condarc = Condarc::load(&self.settings.user_condarc)?;
        Ok(condarc
            .get_scalar("ssl_verify")
            .filter(|v| !v.trim().is_empty())
            .map(|v| SslVerify::parse(&v))
            .unwrap_or(SslVerify::Yes))
    }
}

/// When the API key is a JWT whose `exp` is past, that moment (the signature is not checked:
/// the server does that; we only avoid sending a key we know is dead).
fn jwt_expired_at(key: &Secret) -> Option<String> {
    use base64::Engine;
    let payload = key.expose().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()? as i64;
    let at = chrono::DateTime::from_timestamp(exp, 0)?;
    (at < chrono::Utc::now()).then(|| at.format("%Y-%m-%d %H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn jwt(exp: i64) -> Secret {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Secret::new(format!(
            "{}.{}.sig",
            e.encode(r#"{"alg":"RS256"}"#),
            e.encode(format!(r#"{{"exp":{exp}}}"#))
        ))
    }

    #[test]
    fn expired_keys_are_detected() {
        assert_eq!(
            jwt_expired_at(&jwt(1_000_000_000)).unwrap(),
            "2001-09-09 01:46 UTC"
        );
        assert!(jwt_expired_at(&jwt(4_000_000_000)).is_none());
        assert!(jwt_expired_at(&Secret::new("not-a-jwt")).is_none());
    }
}
