//! Which API key requests go with: the configured one, else the one `login` stored. A key we
//! know is dead is an error, never sent.

use base64::Engine;
use chrono::{DateTime, Utc};

use super::TokenStore;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::Settings;

/// `ANACONDA_AUTH_API_KEY` / `[plugin.auth] api_key`, else the key in the entry in effect; an
/// expired key is an error.
pub fn choose(settings: &Settings, store: &TokenStore) -> Result<Secret> {
    let key = match &settings.site.api_key {
        Some(key) => key.clone(),
        None => {
            store
                .load()?
                .and_then(|info| info.api_key)
                .ok_or_else(|| Error::LoginRequired {
                    how: settings.login_help(),
                })?
        }
    };
    match jwt_expired_at(&key, Utc::now()) {
        Some(expired) => Err(Error::ExpiredApiKey {
            expired,
            how: settings.login_help(),
        }),
        None => Ok(key),
    }
}

/// When the API key is a JWT whose `exp` is before `now`, that moment (the signature is not
/// checked: the server does that; we only avoid sending a key we know is dead).
fn jwt_expired_at(key: &Secret, now: DateTime<Utc>) -> Option<String> {
    let payload = key.expose().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()? as i64;
    let at = DateTime::from_timestamp(exp, 0)?;
    (at < now).then(|| at.format("%Y-%m-%d %H:%M UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let now = Utc::now();
        assert_eq!(
            jwt_expired_at(&jwt(1_000_000_000), now).unwrap(),
            "2001-09-09 01:46 UTC"
        );
        assert!(jwt_expired_at(&jwt(4_000_000_000), now).is_none());
        assert!(jwt_expired_at(&Secret::new("not-a-jwt"), now).is_none());
    }
}
