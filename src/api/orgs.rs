//! The organization API on `https://{domain}`: organizations, account, the organization's
//! repository token. Typed answers; unknown fields ignored, missing ones an error naming the
//! endpoint.

use chrono::{DateTime, Utc};

use crate::expiry::expiry_of;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{Http, Request, Response};
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// `null` or absent: the picker shows the name.
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
    /// Needed only by `sync`, and read only there ([`Account::user_id`]): whatever shape it
    /// has, organization selection works.
    #[serde(default)]
    user: serde_json::Value,
    /// `null` reads as none, as a missing list does.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub subscriptions: Vec<Subscription>,
}

impl Account {
    /// `user.id` as the sync URL needs it (a number is used as its digits), or what is missing.
    pub fn user_id(&self) -> std::result::Result<String, &'static str> {
        let user = match &self.user {
            serde_json::Value::Null => return Err("it names no user"),
            user @ serde_json::Value::Object(_) => user,
            _ => return Err("its user is not an object"),
        };
        match user.get("id") {
            Some(serde_json::Value::String(id)) if !id.trim().is_empty() => Ok(id.clone()),
            Some(serde_json::Value::Number(id)) => Ok(id.to_string()),
            None | Some(serde_json::Value::Null) => Err("its user has no id"),
            Some(_) => Err("its user id is neither text nor a number"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    #[serde(default)]
    pub org_id: Option<String>,
    /// The Python tool requires it; a subscription without one is simply not a business one.
    #[serde(default)]
    pub product_code: Option<String>,
}

impl Subscription {
    /// A business subscription of `org_id`: the same UUID, a product code without `starter`.
    fn is_business_of(&self, org_id: &str) -> bool {
        self.org_id.as_deref().is_some_and(|id| same_id(id, org_id))
            && self
                .product_code
                .as_deref()
                .is_some_and(|code| !code.contains("starter"))
    }
}

/// Whether two ids name the same organization: compared as UUIDs, as pydantic reads them (case,
/// hyphens, braces and a `urn:uuid:` prefix don't matter); ids that are not UUIDs must match
/// exactly.
pub fn same_id(a: &str, b: &str) -> bool {
    match (
        uuid::Uuid::try_parse(a.trim()),
        uuid::Uuid::try_parse(b.trim()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// An id as it goes into a URL: a UUID in its canonical spelling (lowercase, hyphens, no
/// braces), anything else as it is.
pub fn canonical_id(id: &str) -> String {
    match uuid::Uuid::try_parse(id.trim()) {
        Ok(uuid) => uuid.hyphenated().to_string(),
        Err(_) => id.to_string(),
    }
}

fn null_as_empty<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// `GET …/ce/current-token` when a token exists. Only its expiry is used, in any shape.
#[derive(Debug, Clone, Deserialize)]
pub struct CurrentToken {
    #[serde(default)]
    pub expires_at: serde_json::Value,
}

impl CurrentToken {
    pub fn expiry(&self) -> Expiry {
        Expiry::of(&self.expires_at)
    }
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
    pub expires_at: Expiry,
}

/// An `expires_at` from the service, read as pydantic reads a `datetime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    At(DateTime<Utc>),
    /// Absent or `null`.
    None,
    /// Something we could not read, kept (shortened) for the warning.
    Unreadable(String),
}

impl Expiry {
    pub fn of(value: &serde_json::Value) -> Expiry {
        if value.is_null() {
            return Expiry::None;
        }
        match expiry_of(value) {
            Some(at) => Expiry::At(at),
            None => {
                let shown: String = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Expiry::Unreadable(
                    crate::output::clean(&shown.chars().take(60).collect::<String>()).into_owned(),
                )
            }
        }
    }

    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Expiry::At(at) => Some(*at),
            _ => None,
        }
    }

    /// Warns about an expiry we could not read; it is stored as unknown.
    pub fn warn_if_unreadable(&self, printer: &Printer) {
        if let Expiry::Unreadable(text) = self {
            printer.warn(&format!(
                "The service gave an expiry date that could not be read ({text:?}); it is \
                 stored as unknown."
            ));
        }
    }
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
        self.get("/api/organizations/my")
    }

    pub fn account(&self) -> Result<Account> {
        self.get("/api/account")
    }

    /// The account as the service describes it, every field kept (for `whoami`).
    pub fn account_json(&self) -> Result<serde_json::Value> {
        self.get("/api/account")
    }

    /// The organizations with a business subscription (a product code without `starter`).
    pub fn business_organizations(&self) -> Result<Vec<Organization>> {
        let organizations = self.organizations()?;
        let account = self.account()?;
        Ok(organizations
            .into_iter()
            .filter(|org| {
                account
                    .subscriptions
                    .iter()
                    .any(|s| s.is_business_of(&org.id))
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
        self.check_key(&response)?;
        response
            .json_or_error(&Method::GET, &self.url(&path), &path, MESSAGE_AT)
            .map(Some)
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
        let issued: IssuedAnswer = response
            .json(&path)
            .map_err(|e| e.with_note(&may_be_revoked))?;
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
            expires_at: Expiry::of(&issued.expires_at),
        })
    }

    /// Extends the organization's token to the subscription's end (Organization Management
    /// API). `org_id` and `user_id` are the ids from `organizations()` and `account()`.
    pub fn sync_token(&self, org: &str, org_id: &str, user_id: &str, site: &str) -> Result<()> {
        let (org_id, user_id) = (canonical_id(org_id), canonical_id(user_id));
        let path = format!(
            "/api/v1/organizations/{}/users/{}/token",
            crate::percent::encode(&org_id),
            crate::percent::encode(&user_id)
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

    /// `GET path`, decoded as `T`.
    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = self.call(Method::GET, path, None)?;
        self.check_key(&response)?;
        response.json_or_error(&Method::GET, &self.url(path), path, MESSAGE_AT)
    }

    fn expect_ok(
        &self,
        method: Method,
        path: &str,
        response: &Response,
        hint: Option<String>,
    ) -> Result<()> {
        self.check_key(response)?;
        response.check(&method, &self.url(path), MESSAGE_AT, hint)
    }

    /// A refusal of the API key itself (401, or 403 saying `auth_required`) is an invalid key.
    fn check_key(&self, response: &Response) -> Result<()> {
        if response.status == 401 || (response.status == 403 && is_auth_error(&response.body)) {
            return Err(Error::InvalidApiKey {
                how: self.login_help.clone(),
            });
        }
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Where the API puts its own words in an error answer, most specific first.
const MESSAGE_AT: &[&str] = &[
    "/error/message",
    "/message",
    "/detail",
    "/error/code",
    "/error",
];

/// `/api/organizations/{org}/ce/current-token`, for a valid slug only.
fn current_token_path(org: &str) -> Result<String> {
    check_org_name(org)?;
    Ok(format!(
        "/api/organizations/{}/ce/current-token",
        crate::percent::encode(org)
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_uuids() {
        let id = "7b3cb1c9-d6f5-4a6a-9f0e-1f1a2b3c4d5e";
        for same in [
            "7B3CB1C9-D6F5-4A6A-9F0E-1F1A2B3C4D5E",
            "7b3cb1c9d6f54a6a9f0e1f1a2b3c4d5e",
            "{7b3cb1c9-d6f5-4a6a-9f0e-1f1a2b3c4d5e}",
            "urn:uuid:7b3cb1c9-d6f5-4a6a-9f0e-1f1a2b3c4d5e",
        ] {
            assert!(same_id(same, id), "{same}");
        }
        assert!(!same_id("8b3cb1c9-d6f5-4a6a-9f0e-1f1a2b3c4d5e", id));
        assert!(same_id("not-a-uuid", "not-a-uuid"));
        assert!(!same_id("NOT-a-uuid", "not-a-uuid"));
    }

    #[test]
    fn account_user_id_in_every_shape() {
        let id = |v: serde_json::Value| serde_json::from_value::<Account>(v).unwrap().user_id();
        assert_eq!(
            id(serde_json::json!({"user": {"id": "u-1"}})),
            Ok("u-1".into())
        );
        assert_eq!(id(serde_json::json!({"user": {"id": 42}})), Ok("42".into()));
        assert!(id(serde_json::json!({})).unwrap_err().contains("no user"));
        assert!(
            id(serde_json::json!({"user": null}))
                .unwrap_err()
                .contains("no user")
        );
        assert!(
            id(serde_json::json!({"user": {}}))
                .unwrap_err()
                .contains("no id")
        );
        let account: Account =
            serde_json::from_value(serde_json::json!({"subscriptions": null})).unwrap();
        assert!(account.subscriptions.is_empty());
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
            Response {
                status: 500,
                body: body.to_vec(),
                location: None,
            }
            .message(MESSAGE_AT)
            .unwrap(),
            "bad /t/<redacted>/ Bearer <redacted>"
        );
    }
}
