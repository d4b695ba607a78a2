//! The HTTP client shared by the API and the repository check: reqwest (blocking) over rustls
//! with the ring provider, the configured TLS verification, proxies, timeouts, bounded answers,
//! retries for GET/HEAD only, redirects followed by hand, and a debug log with secrets redacted.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::{Secret, redact};
use crate::settings::{Network, ProxyRule, SslVerify};

const USER_AGENT: &str = concat!("anaconda-token/", env!("CARGO_PKG_VERSION"));
/// Pauses before the first and second retry of a GET or HEAD (unless the server says).
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(600)];
/// The longest `Retry-After` we wait for; a server asking for more is not retried.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;
/// The largest answer we read: the API's answers are a few KB. Read while streaming, so an
/// endless body costs at most this much memory.
const MAX_BODY: u64 = 1024 * 1024;
/// The most of an error answer we keep (for its message).
const MAX_ERROR_BODY: u64 = 64 * 1024;

#[derive(Debug)]
pub struct Http {
    client: Client,
    extra_headers: Vec<(String, String)>,
}

/// A finished HTTP exchange.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// Where a redirect pointed, for a request that does not follow them (redacted).
    pub location: Option<String>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The one step from a JSON API's answer to a value: a success is decoded as `T` (see
    /// [`json`](Self::json)), any other answer is [`error`](Self::error).
    pub fn json_or_error<T: DeserializeOwned>(
        &self,
        method: &Method,
        url: &str,
        endpoint: &str,
        message_at: &[&str],
    ) -> Result<T> {
        self.check(method, url, message_at, None)?;
        self.json(endpoint)
    }

    /// A success is `Ok`; any other answer is [`error`](Self::error).
    pub fn check(
        &self,
        method: &Method,
        url: &str,
        message_at: &[&str],
        hint: Option<String>,
    ) -> Result<()> {
        if self.is_success() {
            Ok(())
        } else {
            Err(self.error(method, url, message_at, hint))
        }
    }

    /// The body as the JSON of `T`; anything else is `BadAnswer` naming `endpoint` (shown as
    /// given: the caller redacts it).
    pub fn json<T: DeserializeOwned>(&self, endpoint: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::BadAnswer {
            endpoint: endpoint.to_string(),
            detail: format!(
                "the answer is not the expected JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        })
    }

    /// A failed answer as an error: the method, the URL and the server's own words (both
    /// redacted), the status, and what to do.
    pub fn error(
        &self,
        method: &Method,
        url: &str,
        message_at: &[&str],
        hint: Option<String>,
    ) -> Error {
        Error::Http {
            method: method.to_string(),
            url: redact(url),
            status: self.status,
            message: self.message(message_at),
            hint,
        }
    }

    /// The server's own words in an error answer: the first of the JSON pointers `message_at`
    /// that holds text, shortened to 200 characters and redacted.
    pub fn message(&self, message_at: &[&str]) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        let text = message_at
            .iter()
            .find_map(|p| value.pointer(p).and_then(|v| v.as_str()))?;
        Some(redact(&text.chars().take(200).collect::<String>()))
    }
}

/// What to send.
pub struct Request<'a> {
    pub method: Method,
    pub url: String,
    pub bearer: Option<&'a Secret>,
    pub json: Option<serde_json::Value>,
    /// An `application/x-www-form-urlencoded` body (OAuth).
    pub form: Option<Vec<(&'static str, String)>>,
    /// `false`: a 3xx is the answer (conda's repository check does not follow redirects).
    pub follow_redirects: bool,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            bearer: None,
            json: None,
            form: None,
            follow_redirects: true,
        }
    }
}

/// Why one attempt failed: only a connection that could not be made is worth another try.
enum Failure {
    Connect(Error),
    Final(Error),
}

impl Http {
    /// Builds a client. `extra_headers` go on every request to the request's own host.
    pub fn new(
        network: &Network,
        timeout: Duration,
        extra_headers: Vec<(String, String)>,
    ) -> Result<Http> {
        let tls = tls_config(network)?;
        // Redirects are followed by `send` (to drop headers on another host, and to log each
        // hop); proxies come from `Network` alone (the environment was read into it).
        let mut builder = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        for proxy in proxies(&network.proxies, network.no_proxy.as_deref())? {
            builder = builder.proxy(proxy);
        }
        let client = builder
            .tls_backend_preconfigured(tls)
            .user_agent(USER_AGENT)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|e| {
                Error::msg(format!(
                    "Could not set up the HTTP client: {}",
                    error_chain(&e)
                ))
            })?;
        Ok(Http {
            client,
            extra_headers,
        })
    }

    /// Sends the request. A GET or HEAD is tried again, twice at most, when no connection could
    /// be made or the answer is 429, 502, 503 or 504 (after `Retry-After`, up to a cap); never
    /// after a timeout (a hung server would cost the timeout three times) and never a PUT,
    /// POST or PATCH.
    pub fn send(&self, request: &Request, printer: &Printer) -> Result<Response> {
        // The host only: the path may hold a token.
        let host = reqwest::Url::parse(&request.url)
            .map(|url| host_of(&url))
            .unwrap_or_else(|_| "the server".into());
        let _wait = printer.wait(&format!("Waiting for {host}"));
        let retryable = request.method == Method::GET || request.method == Method::HEAD;
        let mut attempt = 0;
        loop {
            let (response, url) = match self.follow(request, printer) {
                Ok(done) => done,
                Err(Failure::Connect(error)) if retryable && attempt < BACKOFF.len() => {
                    printer.debug(&format!("retrying after a connection error: {error}"));
                    std::thread::sleep(BACKOFF[attempt]);
                    attempt += 1;
                    continue;
                }
                Err(Failure::Connect(error) | Failure::Final(error)) => return Err(error),
            };
            let status = response.status().as_u16();
            if retryable
                && matches!(status, 429 | 502 | 503 | 504)
                && attempt < BACKOFF.len()
                && let Some(wait) = retry_wait(&response, BACKOFF[attempt])
            {
                printer.debug(&format!(
                    "retrying in {} ms after HTTP {status}",
                    wait.as_millis()
                ));
                std::thread::sleep(wait);
                attempt += 1;
                continue;
            }
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(|l| redact(url.join(l).as_ref().map_or(l, |u| u.as_str())));
            let body = read_body(response, &url, status)?;
            return Ok(Response {
                status,
                body,
                location,
            });
        }
    }

    /// One attempt: the request and the redirects it leads to. Returns the final answer (its
    /// body not read yet) and its URL.
    fn follow(
        &self,
        request: &Request,
        printer: &Printer,
    ) -> std::result::Result<(reqwest::blocking::Response, reqwest::Url), Failure> {
        let mut url = reqwest::Url::parse(&request.url).map_err(|e| {
            Failure::Final(Error::msg(format!(
                "Invalid URL {}: {e}",
                redact(&request.url)
            )))
        })?;
        let origin = url.origin();
        let mut hop = Hop {
            method: request.method.clone(),
            with_body: true,
            same_origin: true,
        };
        for count in 0.. {
            let response = self.send_hop(request, &hop, &url, printer)?;
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok());
            let (true, Some(location)) = (response.status().is_redirection(), location) else {
                return Ok((response, url));
            };
            if !request.follow_redirects {
                return Ok((response, url));
            }
            let next = redirect_target(&url, location, count)?;
            printer.debug(&format!("redirected to {}", redact(next.as_str())));
            hop.redirected(response.status().as_u16());
            // Credentials and configured headers are for the host they were set for only.
            hop.same_origin &= next.origin() == origin;
            url = next;
        }
        unreachable!("the loop returns")
    }

    /// Sends one request of an attempt and logs it (method, redacted URL, status or error, time).
    fn send_hop(
        &self,
        request: &Request,
        hop: &Hop,
        url: &reqwest::Url,
        printer: &Printer,
    ) -> std::result::Result<reqwest::blocking::Response, Failure> {
        let started = Instant::now();
        let outcome = self.build(request, hop, url).send();
        let elapsed = started.elapsed().as_millis();
        let (method, shown) = (&hop.method, redact(url.as_str()));
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                printer.debug(&format!("{method} {shown} -> {status} ({elapsed} ms)"));
                Ok(response)
            }
            Err(e) => {
                let error = network_error(url, &e);
                printer.debug(&format!("{method} {shown} -> {error} ({elapsed} ms)"));
                let connect = e.is_connect() && !e.is_timeout() && !holds_rustls_error(&e);
                Err(if connect {
                    Failure::Connect(error)
                } else {
                    Failure::Final(error)
                })
            }
        }
    }

    fn build(&self, request: &Request, hop: &Hop, url: &reqwest::Url) -> RequestBuilder {
        let mut builder = self
            .client
            .request(hop.method.clone(), url.clone())
            .header(reqwest::header::ACCEPT, "application/json");
        if hop.same_origin {
            for (name, value) in &self.extra_headers {
                builder = builder.header(name, value);
            }
            if let Some(key) = request.bearer {
                builder = builder.bearer_auth(key.expose());
            }
        }
        if hop.with_body {
            if let Some(json) = &request.json {
                builder = builder.json(json);
            }
            if let Some(form) = &request.form {
                builder = builder.form(form);
            }
        }
        // Headers are never logged, so the bearer value cannot reach the log.
        builder
    }
}

/// How the next request of an attempt is sent, as redirects change it.
struct Hop {
    method: Method,
    with_body: bool,
    /// Still on the first request's origin: credentials and configured headers go along.
    same_origin: bool,
}

impl Hop {
    /// As browsers do: 303 (and 301/302 after a POST) turn into a GET without the body.
    fn redirected(&mut self, status: u16) {
        if status == 303 && self.method != Method::HEAD
            || matches!(status, 301 | 302) && self.method == Method::POST
        {
            self.method = Method::GET;
            self.with_body = false;
        }
    }
}

/// Where the redirect number `count` (from 0) from `url` to `location` goes, if we follow it:
/// at most [`MAX_REDIRECTS`], to a valid URL, never to plain HTTP off loopback.
fn redirect_target(
    url: &reqwest::Url,
    location: &str,
    count: usize,
) -> std::result::Result<reqwest::Url, Failure> {
    let refuse = |why: &str| {
        Failure::Final(Error::Network {
            host: host_of(url),
            reason: why.to_string(),
            tls: false,
        })
    };
    if count >= MAX_REDIRECTS {
        return Err(refuse("too many redirects"));
    }
    let next = url
        .join(location)
        .map_err(|_| refuse("the server redirected to an invalid URL"))?;
    let plain_remote = next.scheme() == "http"
        && !next
            .host_str()
            .is_some_and(|h| crate::settings::is_loopback(h.trim_matches(['[', ']'])));
    if plain_remote {
        return Err(refuse("refused a redirect to plain HTTP"));
    }
    Ok(next)
}

/// How long to wait before retrying `response`: its `Retry-After` (seconds or an HTTP date)
/// when it has one, else `backoff`; `None` when the server asks for longer than we wait.
fn retry_wait(response: &reqwest::blocking::Response, backoff: Duration) -> Option<Duration> {
    let Some(value) = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(backoff);
    };
    let wait = match value.trim().parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => match chrono::DateTime::parse_from_rfc2822(value.trim()) {
            Ok(at) => (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or_default(),
            Err(_) => backoff,
        },
    };
    (wait <= RETRY_AFTER_CAP).then_some(wait)
}

/// The answer's body, read while it streams: a success of more than [`MAX_BODY`] is an error;
/// an error answer is cut at [`MAX_ERROR_BODY`] (only its message is wanted).
fn read_body(
    response: reqwest::blocking::Response,
    url: &reqwest::Url,
    status: u16,
) -> Result<Vec<u8>> {
    let success = (200..300).contains(&status);
    let limit = if success { MAX_BODY } else { MAX_ERROR_BODY };
    let mut body = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            let reason = if e.kind() == std::io::ErrorKind::TimedOut
                || e.to_string().contains("timed out")
            {
                "the request timed out".to_string()
            } else {
                format!("the answer was cut short ({})", redact(&e.to_string()))
            };
            Error::Network {
                host: host_of(url),
                reason,
                tls: false,
            }
        })?;
    if body.len() as u64 > limit {
        if success {
            return Err(Error::BadAnswer {
                endpoint: redact(url.as_str()),
                detail: format!("the answer is larger than {} KiB", MAX_BODY / 1024),
            });
        }
        body.truncate(limit as usize);
    }
    Ok(body)
}

fn host_of(url: &reqwest::Url) -> String {
    url.host_str()
        .map(|h| url.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        .unwrap_or_else(|| "the server".into())
}

/// A connection or TLS failure as the user should see it: host, reason, no secrets.
fn network_error(url: &reqwest::Url, e: &reqwest::Error) -> Error {
    let host = host_of(url);
    let reason = if e.is_timeout() {
        "the request timed out".to_string()
    } else {
        error_chain(e)
    };
    Error::Network {
        host,
        reason: redact(&reason),
        tls: holds_rustls_error(e),
    }
}

/// The error's causes joined, without the URL reqwest puts in its own message.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        // reqwest's outer message is "error sending request for url (...)": the URL may hold
        // a token, and the causes below say what went wrong.
        let skip = text.starts_with("error sending request")
            || text.starts_with("builder error")
            || text.starts_with("client error");
        if !skip && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    if parts.is_empty() {
        "connection failed".into()
    } else {
        parts.join(": ")
    }
}

/// Whether a rustls error (a TLS failure) is among the causes. `io::Error` hides the error it
/// wraps from `source()` (and hyper-rustls nests one io::Error
/// in another), so look inside those too.
fn holds_rustls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    if err.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(inner) = err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        && holds_rustls_error(inner)
    {
        return true;
    }
    err.source().is_some_and(holds_rustls_error)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// reqwest proxies for the rules; host-specific keys first, since the first matching proxy
/// wins. A proxy that cannot be used is an error naming where it was set.
fn proxies(rules: &[ProxyRule], no_proxy: Option<&str>) -> Result<Vec<reqwest::Proxy>> {
    // Our proxies replace reqwest's reading of the environment, NO_PROXY included: give each
    // one the exclusions back.
    let exclusions = || no_proxy.and_then(reqwest::NoProxy::from_string);
    let mut specific = Vec::new();
    let mut general = Vec::new();
    for ProxyRule { key, url, from } in rules {
        let bad = |detail: String| {
            Error::with_hint(
                format!(
                    "Invalid proxy {key:?} ({}) in {from}: {}",
                    redact(url),
                    redact(&detail)
                ),
                "Use a URL such as http://proxy.example:8080, or unset it.",
            )
        };
        let target = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| bad("not an http:// or https:// URL".into()))?;
        let proxy = match key.as_str() {
            "http" => reqwest::Proxy::http(target.as_str()),
            "https" => reqwest::Proxy::https(target.as_str()),
            "all" => reqwest::Proxy::all(target.as_str()),
            scoped => {
                let scope = reqwest::Url::parse(scoped)
                    .ok()
                    .filter(|u| u.host_str().is_some());
                let Some(scope) = scope else {
                    return Err(Error::msg(format!(
                        "Invalid key {scoped:?} in {from}: use http, https, all or \
                         scheme://host[:port]."
                    )));
                };
                // `scheme://host` matches that host on any port; `scheme://host:port` only there.
                let port = scope.port();
                let proxy = reqwest::Proxy::custom(move |u| {
                    let same = u.scheme() == scope.scheme()
                        && u.host_str() == scope.host_str()
                        && (port.is_none() || u.port_or_known_default() == port);
                    same.then(|| target.clone())
                });
                specific.push(proxy.no_proxy(exclusions()));
                continue;
            }
        }
        .map_err(|e| bad(e.to_string()))?;
        general.push(proxy.no_proxy(exclusions()));
    }
    specific.extend(general);
    Ok(specific)
}

/// The rustls configuration: certificate verification and the client certificate.
fn tls_config(network: &Network) -> Result<rustls::ClientConfig> {
    let config = verifier(&network.ssl_verify)?;
    match &network.client_cert {
        None => Ok(config.with_no_client_auth()),
        Some(cert_path) => {
            let certs = CertificateDer::pem_file_iter(cert_path)
                .and_then(|iter| iter.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| client_cert_error(cert_path, &e.to_string()))?;
            if certs.is_empty() {
                return Err(client_cert_error(cert_path, "it holds no PEM certificate"));
            }
            let key_path = network.client_cert_key.as_deref().unwrap_or(cert_path);
            let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
                client_cert_error(key_path, &format!("no usable private key ({e})"))
            })?;
            config
                .with_client_auth_cert(certs, key)
                .map_err(|e| client_cert_error(cert_path, &e.to_string()))
        }
    }
}

fn client_cert_error(path: &std::path::Path, detail: &str) -> Error {
    Error::with_hint(
        format!(
            "Cannot use the client certificate {}: {detail}",
            path.display()
        ),
        "Check client_ssl_cert / client_ssl_cert_key (conda) or client_cert / client_cert_key \
         ([plugin.auth]).",
    )
}

type WantsClientCert = rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>;

/// Certificate verification for a `ssl_verify` setting.
fn verifier(ssl_verify: &SslVerify) -> Result<WantsClientCert> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::msg(format!("TLS setup failed: {e}")))?;
    let config = match ssl_verify {
        SslVerify::Yes | SslVerify::Truststore => builder
            .with_platform_verifier()
            .map_err(|e| Error::msg(format!("Could not load the system's certificates: {e}")))?,
        SslVerify::CaBundle(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|iter| iter.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| ca_bundle_error(path, &e.to_string()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(ca_bundle_error(path, "it holds no usable PEM certificate"));
            }
            builder.with_root_certificates(roots)
        }
        SslVerify::No => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider()))),
    };
    Ok(config)
}

fn ca_bundle_error(path: &std::path::Path, detail: &str) -> Error {
    Error::with_hint(
        format!(
            "Cannot use the CA bundle {} (ssl_verify): {detail}",
            path.display()
        ),
        "Point ssl_verify at a PEM file of CA certificates, or set it to true.",
    )
}

/// `ssl_verify: false`: accept any certificate (the user asked for it; we warn).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

type HandshakeSignatureValid = rustls::client::danger::HandshakeSignatureValid;

/// rustls' check of a handshake signature (TLS 1.2 or 1.3).
type SignatureCheck = fn(
    &[u8],
    &CertificateDer<'_>,
    &rustls::DigitallySignedStruct,
    &rustls::crypto::WebPkiSupportedAlgorithms,
) -> std::result::Result<HandshakeSignatureValid, rustls::Error>;

impl NoVerification {
    /// Even without certificate verification the handshake signature is checked, with the
    /// provider's algorithms.
    fn check_signature(
        &self,
        check: SignatureCheck,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        check(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
}

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.check_signature(rustls::crypto::verify_tls12_signature, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.check_signature(rustls::crypto::verify_tls13_signature, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
