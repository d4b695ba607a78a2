//! The organization API on `https://{domain}`: organizations, account, the organization's
//! repository token. Typed answers; unknown fields ignored, missing ones an error naming the
//! endpoint.

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{Http, Request, Response};
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::{Secret, redact};

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
}

impl Organization {
    /// `Title (name)`, as the picker shows it.
    pub fn label(&self) -> String {
        use crate::output::clean;
        match self.title.as_deref().filter(|t| !t.is_empty()) {
            Some(title) => format!("{} ({})", clean(title), clean(&self.name)),
            None => clean(&self.name).into_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    /// Needed only by `sync`; organization selection works without it.
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    #[serde(default)]
    pub org_id: Option<String>,
    pub product_code: String,
}

/// `GET …/ce/current-token` when a token exists.
#[derive(Debug, Clone, Deserialize)]
pub struct CurrentToken {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// `PUT …/ce/current-token`: read as leniently as possible, since the old token is revoked once
/// the server answered. Only `token` is required.
#[derive(Debug, Deserialize)]
struct IssuedAnswer {
    token: Secret,
    #[serde(default)]
    expires_at: serde_json::Value,
}

/// A token the service issued.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: Secret,
    /// `None` when the answer had none, or one we cannot read.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The API as one user (API key) sees it.
pub struct Api<'a> {
    pub http: &'a Http,
    pub base: &'a str,
    pub key: &'a Secret,
    pub printer: &'a Printer,
    /// How to log in, for authentication errors.
    pub login_help: String,
}

impl Api<'_> {
    pub fn organizations(&self) -> Result<Vec<Organization>> {
        let path = "/api/organizations/my";
        let response = self.call(Method::GET, path, None)?;
        self.expect_ok(Method::GET, path, &response, None)?;
        parse(path, &response)
    }

    pub fn account(&self) -> Result<Account> {
        parse("/api/account", &self.account_response()?)
    }

    /// The account as the service describes it, every field kept (for `whoami`).
    pub fn account_json(&self) -> Result<serde_json::Value> {
        parse("/api/account", &self.account_response()?)
    }

    fn account_response(&self) -> Result<Response> {
        let path = "/api/account";
        let response = self.call(Method::GET, path, None)?;
        self.expect_ok(Method::GET, path, &response, None)?;
        Ok(response)
    }

    /// The organizations with a business subscription (a product code without `starter`).
    pub fn business_organizations(&self) -> Result<Vec<Organization>> {
        let organizations = self.organizations()?;
        let account = self.account()?;
        Ok(organizations
            .into_iter()
            .filter(|org| {
                account.subscriptions.iter().any(|s| {
                    // UUIDs: the same id may come in either case.
                    s.org_id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&org.id))
                        && !s.product_code.contains("starter")
                })
            })
            .collect())
    }

    /// The organization's current token, `None` when it has none (404).
    pub fn current_token(&self, org: &str) -> Result<Option<CurrentToken>> {
        let path = current_token_path(org)?;
        let response = self.call(Method::GET, &path, None)?;
        if response.status == 404 {
            return Ok(None);
        }
        self.expect_ok(Method::GET, &path, &response, None)?;
        parse(&path, &response).map(Some)
    }

    /// Issues a new token, revoking the current one at once. Never retried.
    ///
    /// Once the server answered with a token the old one is gone, so only `token` is required
    /// of the answer; it must be usable as it is (after one final newline is dropped).
    pub fn issue_token(&self, org: &str) -> Result<IssuedToken> {
        let path = current_token_path(org)?;
        let may_be_revoked = format!(
            "The previous token of {org} may already be revoked: run `anaconda token install -o \
             {org}` again, or check on anaconda.com."
        );
        let response = self
            .call(
                Method::PUT,
                &path,
                Some(serde_json::json!({"confirm": "yes"})),
            )
            .map_err(|e| e.with_note(&may_be_revoked))?;
        if response.status == 404 {
            return Err(Error::with_hint(
                format!(
                    "There is no organization {org} (HTTP 404), or this account is not a member \
                     of it. No token was issued."
                ),
                "Check the name given with --org: it is the organization's slug, as in its \
                 address on anaconda.com.",
            ));
        }
        // A refusal issued nothing; only a server failure may have revoked the old token.
        let hint = match response.status {
            403 => Some(format!(
                "This account may not issue tokens for {org}; no token was issued. Ask an \
                 administrator of the organization."
            )),
            500.. => Some(may_be_revoked.clone()),
            _ => None,
        };
        self.expect_ok(Method::PUT, &path, &response, hint)?;
        let issued: IssuedAnswer =
            parse(&path, &response).map_err(|e| e.with_note(&may_be_revoked))?;
        let token = Secret::new(
            issued
                .token
                .expose()
                .strip_suffix('\n')
                .map(|t| t.strip_suffix('\r').unwrap_or(t))
                .unwrap_or(issued.token.expose()),
        );
        if let Err(why) = super::repo::check_token_shape(&token) {
            return Err(Error::BadAnswer {
                endpoint: path,
                detail: format!("the issued token cannot be used: {why}"),
            }
            .with_note(&may_be_revoked));
        }
        Ok(IssuedToken {
            token,
            expires_at: expiry_of(&issued.expires_at),
        })
    }

    /// Extends the organization's token to the subscription's end (Organization Management
    /// API). `org_id` and `user_id` are the ids from `organizations()` and `account()`.
    pub fn sync_token(&self, org: &str, org_id: &str, user_id: &str, site: &str) -> Result<()> {
        let path = format!(
            "/api/v1/organizations/{}/users/{}/token",
            encode_segment(org_id),
            encode_segment(user_id)
        );
        let response = self.call(
            Method::PATCH,
            &path,
            Some(serde_json::json!({"is_renewal": true})),
        )?;
        let refused = response.status == 401 || response.status == 403;
        if refused && !is_auth_error(&response.body) {
            return Err(Error::with_hint(
                format!(
                    "The service refused to sync the token of {org} (HTTP {}): this account may \
                     not sync tokens from the command line.",
                    response.status
                ),
                format!(
                    "An administrator of the organization can do it on {site}: Org Management → \
                     Token Access → Sync token."
                ),
            ));
        }
        self.expect_ok(Method::PATCH, &path, &response, None)
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> Result<Response> {
        let request = Request {
            bearer: Some(self.key),
            json,
            ..Request::new(method, format!("{}{path}", self.base))
        };
        self.http.send(&request, self.printer)
    }

    fn expect_ok(
        &self,
        method: Method,
        path: &str,
        response: &Response,
        hint: Option<String>,
    ) -> Result<()> {
        if response.is_success() {
            return Ok(());
        }
        if response.status == 401 || (response.status == 403 && is_auth_error(&response.body)) {
            return Err(Error::InvalidApiKey {
                how: self.login_help.clone(),
            });
        }
        Err(Error::Http {
            method: method.to_string(),
            url: redact(&format!("{}{path}", self.base)),
            status: response.status,
            message: server_message(&response.body),
            hint,
        })
    }
}

/// `/api/organizations/{org}/ce/current-token`, for a valid slug only.
fn current_token_path(org: &str) -> Result<String> {
    check_org_name(org)?;
    Ok(format!(
        "/api/organizations/{}/ce/current-token",
        encode_segment(org)
    ))
}

/// A path segment: everything but the unreserved characters `A-Z a-z 0-9 - . _ ~` escaped.
fn encode_segment(segment: &str) -> percent_encoding::PercentEncode<'_> {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SEGMENT)
}

/// The longest organization name we put into a URL.
const MAX_ORG_LEN: usize = 255;

/// Organization names are slugs: letters, digits, `-`, `_`, `.` (not `.` or `..` alone), at
/// most [`MAX_ORG_LEN`] long.
pub fn check_org_name(org: &str) -> Result<()> {
    if org.len() > MAX_ORG_LEN {
        return Err(Error::Usage(format!(
            "Invalid organization name: it is {} characters long, and a name has at most \
             {MAX_ORG_LEN}. Use the organization's slug.",
            org.chars().count()
        )));
    }
    let valid = !org.is_empty()
        && org != "."
        && org != ".."
        && org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "Invalid organization name {org:?}: use the organization's slug (letters, digits, '-', '_', '.')."
        )))
    }
}

fn is_auth_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/code")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .is_some_and(|code| code == "auth_required")
}

/// The server's own words from an error body, shortened and redacted.
fn server_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = [
        "/error/message",
        "/message",
        "/detail",
        "/error/code",
        "/error",
    ]
    .iter()
    .find_map(|p| {
        value
            .pointer(p)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    })?;
    let text: String = text.chars().take(200).collect();
    Some(redact(&text))
}

fn parse<T: DeserializeOwned>(path: &str, response: &Response) -> Result<T> {
    serde_json::from_slice(&response.body).map_err(|e| Error::BadAnswer {
        endpoint: path.to_string(),
        detail: format!(
            "the answer is not the expected JSON (line {}, column {})",
            e.line(),
            e.column()
        ),
    })
}

/// An `expires_at` value of any shape the service may send: text (see [`parse_expiry`]),
/// epoch seconds as a number or as digits; anything else is unknown.
pub fn expiry_of(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    match value {
        serde_json::Value::String(text) => parse_expiry(text.trim()),
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
        _ => None,
    }
}

/// Parses the API's `expires_at` (with or without a time zone; none means UTC; a date alone is
/// midnight UTC; digits alone are epoch seconds).
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::from_timestamp(text.parse().ok()?, 0);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_with_and_without_zone() {
        let utc = parse_expiry("2027-01-31T00:00:00").unwrap();
        assert_eq!(utc.to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert_eq!(parse_expiry("2027-01-31T00:00:00Z").unwrap(), utc);
        assert_eq!(parse_expiry("2027-01-31T01:00:00+01:00").unwrap(), utc);
        assert_eq!(
            parse_expiry("2027-01-31T00:00:00.123456")
                .unwrap()
                .timestamp(),
            utc.timestamp()
        );
        assert!(parse_expiry("soon").is_none());
        assert_eq!(parse_expiry("2027-01-31").unwrap(), utc);
        assert_eq!(parse_expiry(&utc.timestamp().to_string()).unwrap(), utc);
        assert_eq!(expiry_of(&serde_json::json!(utc.timestamp())).unwrap(), utc);
        assert_eq!(
            expiry_of(&serde_json::json!("2027-01-31T00:00:00Z")).unwrap(),
            utc
        );
        assert!(expiry_of(&serde_json::json!(null)).is_none());
        assert!(expiry_of(&serde_json::json!({"a": 1})).is_none());
    }

    #[test]
    fn path_segments_keep_unreserved_characters() {
        assert_eq!(encode_segment("a-b_c.d~e").to_string(), "a-b_c.d~e");
        assert_eq!(encode_segment("a/b c").to_string(), "a%2Fb%20c");
    }

    #[test]
    fn org_names_are_slugs() {
        for ok in ["acme", "my-org_1.x"] {
            assert!(check_org_name(ok).is_ok());
        }
        for bad in ["", "a/b", "..", "a b", "a%2f", "ü"] {
            assert!(check_org_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_messages_are_redacted() {
        let body = br#"{"error": {"code": "x", "message": "bad /t/abc/ Bearer k"}}"#;
        assert_eq!(
            server_message(body).unwrap(),
            "bad /t/<redacted>/ Bearer <redacted>"
        );
    }
}
