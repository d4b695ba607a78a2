//! `anaconda login`: the OAuth device flow against the auth domain, then the exchange of the
//! access token for an API key (`api.md`, Login).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;

use super::client::{Http, Request, Response};
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::{Secret, redact};

const SCOPES: [&str; 3] = ["cloud:read", "cloud:write", "repo:read"];
/// The longest wait between polls a `slow_down` can lead to.
const MAX_INTERVAL: Duration = Duration::from_secs(30);
/// The longest a device code is waited for (seconds): an hour is far more than a login takes.
const MAX_CODE_LIFETIME: u64 = 3600;

/// The endpoints the auth domain announces.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub device_authorization: String,
    pub token: String,
}

/// What the user is shown, and what we poll with.
#[derive(Debug, Deserialize)]
pub struct DeviceCode {
    device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
}

pub struct DeviceFlow<'a> {
    pub http: &'a Http,
    pub printer: &'a Printer,
    pub client_id: &'a str,
}

impl DeviceFlow<'_> {
    /// `GET <auth>/.well-known/openid-configuration`.
    pub fn discover(&self, auth_base: &str) -> Result<Endpoints> {
        let url = format!("{auth_base}/.well-known/openid-configuration");
        let response = self.send(Request::new(Method::GET, &url))?;
        #[derive(Deserialize)]
        struct Discovery {
            device_authorization_endpoint: Option<String>,
            token_endpoint: Option<String>,
        }
        let discovery: Discovery =
            response.json_or_error(&Method::GET, &url, &redact(&url), MESSAGE_AT)?;
        match (
            discovery.device_authorization_endpoint,
            discovery.token_endpoint,
        ) {
            (Some(device_authorization), Some(token)) => Ok(Endpoints {
                device_authorization: checked_endpoint(device_authorization)?,
                token: checked_endpoint(token)?,
            }),
            _ => Err(Error::with_hint(
                format!("{auth_base} does not support the device login flow."),
                "Log in with the Python tool (`anaconda login`), or set ANACONDA_AUTH_API_KEY.",
            )),
        }
    }

    /// Asks for a device code and the code the user types.
    pub fn start(&self, endpoints: &Endpoints) -> Result<DeviceCode> {
        let url = &endpoints.device_authorization;
        let request = Request {
            form: Some(vec![
                ("client_id", self.client_id.to_string()),
                ("scope", "openid".to_string()),
            ]),
            ..Request::new(Method::POST, url)
        };
        let response = self.send(request)?;
        response.json_or_error(&Method::POST, url, &redact(url), MESSAGE_AT)
    }

    /// Polls until the user approved (the access token), refused, or the code expired.
    pub fn wait_for_approval(&self, endpoints: &Endpoints, code: &DeviceCode) -> Result<Secret> {
        // The server's numbers are clamped: a huge one must neither overflow nor make us wait
        // for ever.
        let mut interval = Duration::from_secs(code.interval.unwrap_or(5).clamp(1, 30));
        let lifetime = code.expires_in.unwrap_or(900).clamp(1, MAX_CODE_LIFETIME);
        let deadline = Instant::now() + Duration::from_secs(lifetime);
        let _wait = self
            .printer
            .wait("Waiting for the login to be approved in the browser");
        loop {
            let request = Request {
                form: Some(vec![
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:device_code".to_string(),
                    ),
                    ("device_code", code.device_code.expose().to_string()),
                    ("client_id", self.client_id.to_string()),
                ]),
                ..Request::new(Method::POST, &endpoints.token)
            };
            let response = self.send(request)?;
            if response.is_success() {
                #[derive(Deserialize)]
                struct Token {
                    access_token: Secret,
                }
                return response
                    .json::<Token>(&redact(&endpoints.token))
                    .map(|t| t.access_token);
            }
            match oauth_error(&response).as_deref() {
                Some("authorization_pending") => {}
                Some("slow_down") => {
                    interval = (interval + Duration::from_secs(5)).min(MAX_INTERVAL)
                }
                Some("access_denied") => {
                    return Err(Error::msg("The login was denied in the browser."));
                }
                Some("expired_token") => return Err(expired()),
                _ => {
                    return Err(response.error(&Method::POST, &endpoints.token, MESSAGE_AT, None));
                }
            }
            if Instant::now() + interval > deadline {
                return Err(expired());
            }
            std::thread::sleep(interval);
        }
    }

    /// Exchanges the access token for an API key: the auth domain's endpoint, else the API's.
    pub fn api_key(
        &self,
        auth_base: &str,
        api_base: &str,
        access_token: &Secret,
    ) -> Result<Secret> {
        let body = serde_json::json!({
            "scopes": SCOPES,
            "tags": [concat!("anaconda-token/v", env!("CARGO_PKG_VERSION"))],
        });
        let urls = [
            format!("{auth_base}/api/auth/api-keys"),
            format!("{api_base}/api/iam/api-keys"),
        ];
        let mut failure = None;
        for url in &urls {
            let request = Request {
                bearer: Some(access_token),
                json: Some(body.clone()),
                ..Request::new(Method::POST, url)
            };
            let response = self.send(request)?;
            // Only 201 Created, as the Python tool: any other answer moves on to the next URL.
            if response.status == 201 {
                #[derive(Deserialize)]
                struct ApiKey {
                    api_key: Secret,
                }
                return response.json::<ApiKey>(&redact(url)).map(|k| k.api_key);
            }
            self.printer.debug(&format!(
                "{url} gave HTTP {}: trying the next",
                response.status
            ));
            failure = Some(if response.is_success() {
                Error::msg(format!(
                    "POST {} answered HTTP {} instead of 201 Created: no API key was issued.",
                    redact(url),
                    response.status
                ))
            } else {
                response.error(&Method::POST, url, MESSAGE_AT, None)
            });
        }
        Err(failure.unwrap_or_else(|| Error::msg("No API key endpoint answered.")))
    }

    fn send(&self, request: Request) -> Result<Response> {
        self.http.send(&request, self.printer)
    }
}

/// Endpoints come from the server: hold them to the rule that only loopback may be plain HTTP.
fn checked_endpoint(url: String) -> Result<String> {
    let parsed = reqwest::Url::parse(&url)
        .map_err(|e| Error::msg(format!("The login server announced an invalid URL: {e}")))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = crate::settings::is_loopback(host.trim_matches(['[', ']']));
    if parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback) {
        Ok(url)
    } else {
        Err(Error::msg(format!(
            "The login server announced {}, which is not HTTPS; refusing to send credentials there.",
            redact(&url)
        )))
    }
}

fn expired() -> Error {
    Error::with_hint(
        "The login code expired before it was used.",
        "Run `anaconda login` again and finish in the browser sooner.",
    )
}

/// The OAuth `error` field of a failed token answer.
fn oauth_error(response: &Response) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    value.get("error")?.as_str().map(str::to_string)
}

/// Where the auth server puts its own words in an error answer (OAuth's `error_description`
/// first), most specific first.
const MESSAGE_AT: &[&str] = &["/error_description", "/error", "/message", "/detail"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_endpoints_must_be_https_unless_loopback() {
        assert!(checked_endpoint("https://auth.example/token".into()).is_ok());
        assert!(checked_endpoint("http://127.0.0.1:9/token".into()).is_ok());
        assert!(checked_endpoint("http://localhost/token".into()).is_ok());
        assert!(checked_endpoint("http://auth.example/token".into()).is_err());
        assert!(checked_endpoint("ftp://auth.example/".into()).is_err());
        assert!(checked_endpoint("not a url".into()).is_err());
    }
}
