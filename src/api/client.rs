//! The HTTP client shared by the API and the repository check: reqwest (blocking) over rustls
//! with the ring provider, the configured TLS verification, proxies from the environment,
//! timeouts, retries for GET/HEAD only, and a debug log with secrets redacted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject};

use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::{Secret, redact};
use crate::settings::SslVerify;

const USER_AGENT: &str = concat!("anaconda-token/", env!("CARGO_PKG_VERSION"));
/// Pauses before the first and second retry of a GET or HEAD.
const BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(600)];

/// How to reach a server: TLS verification, proxies, client certificate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub ssl_verify: SslVerify,
    /// `http`, `https`, `all`, or `scheme://host` → proxy URL (conda's `proxy_servers`). When
    /// empty, `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` apply.
    pub proxies: Vec<(String, String)>,
    /// `NO_PROXY`, applied to the configured proxies too.
    pub no_proxy: Option<String>,
    /// A PEM client certificate, and its key when not in the same file.
    pub client_cert: Option<PathBuf>,
    pub client_cert_key: Option<PathBuf>,
}

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
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
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
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            bearer: None,
            json: None,
            form: None,
        }
    }
}

impl Http {
    /// Builds a client. `extra_headers` go on every request (the API's configured headers).
    pub fn new(
        network: &Network,
        timeout: Duration,
        extra_headers: Vec<(String, String)>,
    ) -> Result<Http> {
        let tls = tls_config(network)?;
        let mut builder = Client::builder().redirect(redirect_policy());
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

    /// Sends the request; GET and HEAD are retried twice on connection errors and 5xx answers.
    pub fn send(&self, request: &Request, printer: &Printer) -> Result<Response> {
        let retryable = request.method == Method::GET || request.method == Method::HEAD;
        let shown_url = redact(&request.url);
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let outcome = self.build(request).send();
            let elapsed = started.elapsed().as_millis();
            match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    printer.debug(&format!(
                        "{} {shown_url} -> {status} ({elapsed} ms)",
                        request.method
                    ));
                    if retryable && status >= 500 && attempt < BACKOFF.len() {
                        printer.debug(&format!("retrying after HTTP {status}"));
                        std::thread::sleep(BACKOFF[attempt]);
                        attempt += 1;
                        continue;
                    }
                    // A connection lost while reading the body is a network error, not an
                    // empty answer.
                    let body = response
                        .bytes()
                        .map_err(|e| network_error(&request.url, &e))?
                        .to_vec();
                    return Ok(Response { status, body });
                }
                Err(e) => {
                    let error = network_error(&request.url, &e);
                    printer.debug(&format!(
                        "{} {shown_url} -> {error} ({elapsed} ms)",
                        request.method
                    ));
                    if retryable && attempt < BACKOFF.len() && !holds_rustls_error(&e) {
                        printer.debug("retrying after a connection error");
                        std::thread::sleep(BACKOFF[attempt]);
                        attempt += 1;
                        continue;
                    }
                    return Err(error);
                }
            }
        }
    }

    fn build(&self, request: &Request) -> RequestBuilder {
        let mut builder = self
            .client
            .request(request.method.clone(), &request.url)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &self.extra_headers {
            builder = builder.header(name, value);
        }
        if let Some(key) = request.bearer {
            builder = builder.bearer_auth(key.expose());
        }
        if let Some(json) = &request.json {
            builder = builder.json(json);
        }
        if let Some(form) = &request.form {
            builder = builder.form(form);
        }
        // Headers are never logged, so the bearer value cannot reach the log.
        builder
    }
}

/// A connection or TLS failure as the user should see it: host, reason, no secrets.
fn network_error(url: &str, e: &reqwest::Error) -> Error {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_else(|| "the server".into());
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

/// Follows up to 5 redirects, never from HTTPS to plain HTTP off this machine: a redirect must
/// not undo the rule that only loopback may be reached without TLS.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let url = attempt.url();
        let plain_remote = url.scheme() == "http"
            && !url
                .host_str()
                .is_some_and(|h| crate::settings::is_loopback(h.trim_matches(['[', ']'])));
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else if plain_remote {
            attempt.error("refused a redirect to plain HTTP")
        } else {
            attempt.follow()
        }
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// reqwest proxies for conda-style `proxy_servers`; host-specific keys first, since the first
/// matching proxy wins.
fn proxies(servers: &[(String, String)], no_proxy: Option<&str>) -> Result<Vec<reqwest::Proxy>> {
    // Configured proxies switch off reqwest's reading of the environment, NO_PROXY included:
    // give each one the exclusions back.
    let exclusions = || no_proxy.and_then(reqwest::NoProxy::from_string);
    let mut specific = Vec::new();
    let mut general = Vec::new();
    for (key, url) in servers {
        let bad = |e: reqwest::Error| {
            Error::with_hint(
                format!(
                    "Invalid proxy {key:?} in proxy_servers: {}",
                    redact(&e.to_string())
                ),
                "Use a URL such as http://proxy.example:8080 for each scheme.",
            )
        };
        let proxy = match key.as_str() {
            "http" => reqwest::Proxy::http(url).map_err(bad)?,
            "https" => reqwest::Proxy::https(url).map_err(bad)?,
            "all" => reqwest::Proxy::all(url).map_err(bad)?,
            scoped => {
                let target = reqwest::Url::parse(url).map_err(|e| {
                    Error::msg(format!(
                        "Invalid proxy for {scoped:?} in proxy_servers: {e}"
                    ))
                })?;
                let scope = reqwest::Url::parse(scoped)
                    .ok()
                    .filter(|u| u.host_str().is_some());
                let Some(scope) = scope else {
                    return Err(Error::msg(format!(
                        "Invalid key {scoped:?} in proxy_servers: use http, https, all or \
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
        };
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
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
