//! The keyring entry: one per domain, under the service `Anaconda Cloud`, whose secret is the
//! standard (padded) base64 of a compact JSON object (`files.md`). The Python tool reads what we
//! write and we read what it writes; it ignores the per-token `expires_at` we add.
//!
//! anaconda-auth 0.15.3 cannot use an entry without an `api_key`: every request it makes
//! (`whoami`, `token install`, `login`'s checks) loads the entry and asserts that it has one,
//! failing with a bare `AssertionError`. It handles an expired key ("Your login token has
//! expired", then a new login that keeps the repository tokens). So an entry we write with no
//! key gets [`SIGNED_OUT_API_KEY`], an unsigned token that expired in 2000, and that key reads
//! back as no key; an entry left with nothing at all is deleted instead (see [`TokenInfo::is_empty`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::expiry::parse_expiry;
use crate::secret::Secret;

/// The keyring service name shared with the Python tool.
pub const SERVICE: &str = "Anaconda Cloud";
const VERSION: u32 = 2;

/// What an entry without an API key stores as its key: an unsigned JWT (`alg: none`) whose
/// `exp` is 2000-01-01, `{"sub":"signed-out","exp":946684800}`. The Python tool decodes it
/// without checking the signature, finds it expired and says so; it never sends it to the
/// API. (Its conda plugin sends it to repo.anaconda.cloud, is refused, and retries with the
/// repository token, as it does with any expired key.)
pub const SIGNED_OUT_API_KEY: &str =
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJzaWduZWQtb3V0IiwiZXhwIjo5NDY2ODQ4MDB9.";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenInfo {
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default)]
    pub repo_tokens: Vec<RepoToken>,
    #[serde(default)]
    pub version: Option<u32>,
    /// Fields a newer tool added: kept as they were.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(from = "StoredRepoToken", into = "StoredRepoToken")]
pub struct RepoToken {
    pub token: Secret,
    /// The Python model allows a token without an organization; such a record is kept as is.
    pub org_name: Option<String>,
    /// Ours only (the Python tool ignores and drops it); `None` also for a stored text that is
    /// not a date.
    expires_at: Option<DateTime<Utc>>,
    /// The stored `expires_at` text when writing `expires_at` would not give it back (not a
    /// date, or a date spelled otherwise by hand): written back as it was until the expiry is
    /// set.
    stored_expiry: Option<String>,
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A repository token record as stored: the expiry as text.
#[derive(Serialize, Deserialize)]
struct StoredRepoToken {
    token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

impl From<StoredRepoToken> for RepoToken {
    fn from(stored: StoredRepoToken) -> Self {
        let expires_at = stored.expires_at.as_deref().and_then(parse_expiry);
        let stored_expiry = stored
            .expires_at
            .filter(|text| expires_at.map(|at| format_expiry(&at)).as_ref() != Some(text));
        RepoToken {
            token: stored.token,
            org_name: stored.org_name,
            expires_at,
            stored_expiry,
            other: stored.other,
        }
    }
}

impl From<RepoToken> for StoredRepoToken {
    fn from(token: RepoToken) -> Self {
        StoredRepoToken {
            expires_at: token
                .stored_expiry
                .or_else(|| token.expires_at.as_ref().map(format_expiry)),
            token: token.token,
            org_name: token.org_name,
            other: token.other,
        }
    }
}

/// How an expiry is written: RFC 3339 with `+00:00` (`2027-01-31T00:00:00+00:00`), in the
/// entry and in `list --json`.
pub fn format_expiry(at: &DateTime<Utc>) -> String {
    at.to_rfc3339()
}

/// [`format_expiry`] for serde (`list --json`).
pub fn serialize_expiry<S: serde::Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    at.as_ref().map(format_expiry).serialize(serializer)
}

impl RepoToken {
    pub fn new(org_name: &str, token: Secret, expires_at: Option<DateTime<Utc>>) -> Self {
        RepoToken {
            token,
            org_name: Some(org_name.to_string()),
            expires_at,
            stored_expiry: None,
            other: Default::default(),
        }
    }

    pub fn is_for(&self, org: &str) -> bool {
        self.org_name.as_deref() == Some(org)
    }

    /// The organization name, empty for the rare record without one.
    pub fn org(&self) -> &str {
        self.org_name.as_deref().unwrap_or_default()
    }

    /// When the token expires, if the entry says so in a form we read.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// Replaces the expiry (and a stored text we could not read).
    pub fn set_expires_at(&mut self, at: DateTime<Utc>) {
        self.expires_at = Some(at);
        self.stored_expiry = None;
    }
}

impl TokenInfo {
    pub fn new(domain: &str) -> Self {
        TokenInfo {
            domain: domain.to_string(),
            api_key: None,
            username: None,
            repo_tokens: Vec::new(),
            version: Some(VERSION),
            other: Default::default(),
        }
    }

    /// Decodes a stored secret. The error says what is wrong, without the secret.
    pub fn decode(secret: &str) -> Result<TokenInfo, String> {
        let bytes = STANDARD
            .decode(secret.trim())
            .map_err(|_| "the entry is not base64".to_string())?;
        let mut info: TokenInfo = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the entry is not a token record ({})", e.classify_name()))?;
        if info
            .api_key
            .as_ref()
            .is_some_and(|k| k.expose() == SIGNED_OUT_API_KEY)
        {
            info.api_key = None;
        }
        Ok(info)
    }

    /// Encodes for storage: compact JSON, fields in the Python tool's order, nulls left out,
    /// no API key stored as [`SIGNED_OUT_API_KEY`].
    pub fn encode(&self) -> String {
        let mut record = self.clone();
        record.version = Some(VERSION);
        record
            .api_key
            .get_or_insert_with(|| Secret::new(SIGNED_OUT_API_KEY));
        // Serializing plain data with string keys cannot fail.
        let json = serde_json::to_vec(&record).unwrap_or_default();
        STANDARD.encode(json)
    }

    /// Nothing worth keeping: no API key, no repository token, nothing we do not know. Such an
    /// entry is deleted rather than stored (as the Python tool's `logout` deletes it), so that
    /// the Python tool reports "not logged in" rather than an expired login.
    pub fn is_empty(&self) -> bool {
        self.api_key.is_none()
            && self.repo_tokens.is_empty()
            && self.username.is_none()
            && self.other.is_empty()
    }

    pub fn token_for(&self, org: &str) -> Option<&RepoToken> {
        self.repo_tokens.iter().find(|t| t.is_for(org))
    }

    /// Replaces the organization's token; the new one goes at the end, as the Python tool does.
    /// Installs `token` in place of the organization's; returns the tokens it replaced.
    pub fn set_token(&mut self, token: RepoToken) -> Vec<RepoToken> {
        let (replaced, kept) = std::mem::take(&mut self.repo_tokens)
            .into_iter()
            .partition(|t| t.org_name == token.org_name);
        self.repo_tokens = kept;
        self.repo_tokens.push(token);
        replaced
    }

    /// Removes every token of the organization (a hand-edited entry may hold two, and the
    /// Python tool removes them all); returns them.
    pub fn remove_token(&mut self, org: &str) -> Vec<RepoToken> {
        let (removed, kept) = std::mem::take(&mut self.repo_tokens)
            .into_iter()
            .partition(|t| t.is_for(org));
        self.repo_tokens = kept;
        removed
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    /// A serde error message may quote the input, which holds secrets: keep only its kind.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the Python tool (anaconda-auth 0.15.3) stores after `anaconda token install`:
    /// base64 of `{"domain":"anaconda.com","api_key":"eyJk","username":null,
    /// "repo_tokens":[{"token":"abc","org_name":"acme"}],"version":2}` with nulls dropped.
    const PYTHON_ENTRY: &str = "eyJkb21haW4iOiJhbmFjb25kYS5jb20iLCJhcGlfa2V5IjoiZXlKayIsInJlcG9fdG9rZW5zIjpbeyJ0b2tlbiI6ImFiYyIsIm9yZ19uYW1lIjoiYWNtZSJ9XSwidmVyc2lvbiI6Mn0=";

    #[test]
    fn reads_and_writes_the_python_format_byte_for_byte() {
        let info = TokenInfo::decode(PYTHON_ENTRY).unwrap();
        assert_eq!(info.domain, "anaconda.com");
        assert_eq!(info.api_key.as_ref().unwrap().expose(), "eyJk");
        assert_eq!(info.token_for("acme").unwrap().token.expose(), "abc");
        assert_eq!(info.encode(), PYTHON_ENTRY);
    }

    #[test]
    fn encodes_compact_json_in_field_order() {
        let mut info = TokenInfo::new("anaconda.com");
        let at = parse_expiry("2027-01-31T00:00:00+00:00");
        info.set_token(RepoToken::new("acme", Secret::new("t1"), at));
        info.api_key = Some(Secret::new("k"));
        let json = String::from_utf8(STANDARD.decode(info.encode()).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"domain":"anaconda.com","api_key":"k","repo_tokens":[{"token":"t1","org_name":"acme","expires_at":"2027-01-31T00:00:00+00:00"}],"version":2}"#
        );
    }

    #[test]
    fn keeps_unknown_fields_and_orders_replacements_last() {
        let json = r#"{"domain":"d","repo_tokens":[{"token":"a","org_name":"x","note":1},{"token":"b","org_name":"y"}],"version":2,"future":true}"#;
        let mut info = TokenInfo::decode(&STANDARD.encode(json)).unwrap();
        info.set_token(RepoToken::new("x", Secret::new("c"), None));
        info.api_key = Some(Secret::new("k"));
        let out = String::from_utf8(STANDARD.decode(info.encode()).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"{"domain":"d","api_key":"k","repo_tokens":[{"token":"b","org_name":"y"},{"token":"c","org_name":"x"}],"version":2,"future":true}"#
        );
    }

    /// An expiry is read once: a date we read is written back in our spelling only when it
    /// was set; one we cannot read is written back as it was (and is no date).
    #[test]
    fn stored_expiries_are_read_once_and_written_back_as_they_were() {
        let record = |expiry: &str| {
            STANDARD.encode(format!(
                r#"{{"domain":"d","api_key":"k","repo_tokens":[{{"token":"t","org_name":"o","expires_at":"{expiry}"}}],"version":2}}"#
            ))
        };
        let at = parse_expiry("2027-01-31T00:00:00Z").unwrap();
        for (text, read) in [
            ("2027-01-31T00:00:00+00:00", Some(at)),
            ("2027-01-31", Some(at)),
            ("soon", None),
        ] {
            let mut info = TokenInfo::decode(&record(text)).unwrap();
            assert_eq!(info.repo_tokens[0].expires_at(), read, "{text}");
            assert_eq!(info.encode(), record(text), "{text}");
            let later = parse_expiry("2028-01-31").unwrap();
            info.repo_tokens[0].set_expires_at(later);
            assert_eq!(info.encode(), record("2028-01-31T00:00:00+00:00"), "{text}");
        }
    }

    #[test]
    fn bad_entries_are_errors_without_the_secret() {
        assert!(TokenInfo::decode("not base64!").is_err());
        let err = TokenInfo::decode(&STANDARD.encode(r#"{"token":"s3cret"}"#)).unwrap_err();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(TokenInfo::decode(&STANDARD.encode("[1]")).is_err());
    }

    #[test]
    fn no_api_key_is_stored_as_the_signed_out_key_and_read_back_as_none() {
        let mut info = TokenInfo::new("anaconda.com");
        info.set_token(RepoToken::new("acme", Secret::new("t1"), None));
        let json: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(info.encode()).unwrap()).unwrap();
        assert_eq!(json["api_key"], SIGNED_OUT_API_KEY);
        assert_eq!(TokenInfo::decode(&info.encode()).unwrap().api_key, None);
        // The key is a JWT that expired on 2000-01-01 (what the Python tool checks).
        let payload = SIGNED_OUT_API_KEY.split('.').nth(1).unwrap();
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        assert_eq!(claims, br#"{"sub":"signed-out","exp":946684800}"#);
        assert!(!info.is_empty());
        info.remove_token("acme");
        assert!(info.is_empty());
    }

    #[test]
    fn missing_repo_tokens_and_version_are_accepted() {
        let info = TokenInfo::decode(&STANDARD.encode(r#"{"domain":"d","api_key":"k"}"#)).unwrap();
        assert!(info.repo_tokens.is_empty());
        assert!(info.encode().len() > 10);
    }
}
