//! A small HTTPS server on loopback for TLS tests (wiremock speaks plain HTTP only): a test CA
//! made with rcgen, a certificate for localhost/127.0.0.1, and one canned answer per request.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

pub struct TlsServer {
    pub port: u16,
    /// The CA certificate (PEM) that signed the server's certificate.
    pub ca_pem: String,
    /// With [`start_mutual`]: a client certificate and its key (PEM, one file) the server
    /// accepts.
    pub client_pem: String,
}

/// Answers every request with `status` and `body` (JSON), closing the connection after each.
pub fn start(status: u16, body: &'static str) -> TlsServer {
    start_with(status, body, false)
}

/// The same, but the server demands a client certificate signed by its CA.
pub fn start_mutual(status: u16, body: &'static str) -> TlsServer {
    start_with(status, body, true)
}

fn start_with(status: u16, body: &'static str, mutual: bool) -> TlsServer {
    serve(mutual, Some(200), move |tls| {
        // Bodies are small JSON we do not need.
        let Some((head, _)) = read_head(&mut BufReader::new(&mut *tls)) else {
            return;
        };
        let content = if head.starts_with("HEAD") { "" } else { body };
        let answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{content}",
            body.len()
        );
        reply(tls, answer.as_bytes());
    })
}

/// HTTPS in front of a plain-HTTP server (a wiremock `Api`): each request is read whole,
/// passed on with `Connection: close`, and the whole answer passed back. For clients that
/// speak only HTTPS (the Python tool builds `https://{domain}` URLs).
pub fn relay(to: std::net::SocketAddr) -> TlsServer {
    serve(false, None, move |tls| {
        let mut reader = BufReader::new(&mut *tls);
        let Some((head, length)) = read_head(&mut reader) else {
            return;
        };
        let mut body = vec![0u8; length];
        if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
            return;
        }
        drop(reader);
        let Ok(mut upstream) = std::net::TcpStream::connect(to) else {
            return;
        };
        let mut request = head.into_bytes();
        request.extend_from_slice(b"Connection: close\r\n\r\n");
        request.extend_from_slice(&body);
        let mut answer = Vec::new();
        if upstream.write_all(&request).is_err()
            || std::io::Read::read_to_end(&mut upstream, &mut answer).is_err()
        {
            return;
        }
        reply(tls, &answer);
    })
}

type Tls<'a> = rustls::Stream<'a, rustls::ServerConnection, std::net::TcpStream>;

/// A server on loopback with a fresh test CA (demanding a client certificate for `mutual`):
/// each connection (the first `limit`, or all) is handled by `handle` on a thread of its own.
fn serve(
    mutual: bool,
    limit: Option<usize>,
    handle: impl Fn(&mut Tls<'_>) + Clone + Send + 'static,
) -> TlsServer {
    let (config, ca_pem, client_pem) = server_config(mutual);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(limit.unwrap_or(usize::MAX)) {
            let Ok(mut tcp) = stream else { continue };
            let config = config.clone();
            let handle = handle.clone();
            std::thread::spawn(move || {
                let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                handle(&mut rustls::Stream::new(&mut conn, &mut tcp));
            });
        }
    });
    TlsServer {
        port,
        ca_pem,
        client_pem,
    }
}

/// The request head, without its `Connection` header (the relay sets its own), and the body's
/// length; `None` when the connection ends first. The body, if read, is read from `reader`
/// too (it may hold the body's start).
fn read_head(reader: &mut impl BufRead) -> Option<(String, usize)> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {
                let lower = line.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix("content-length:") {
                    length = n.trim().parse().unwrap_or(0);
                }
                if !lower.starts_with("connection:") {
                    head.push_str(&line);
                }
            }
        }
    }
    Some((head, length))
}

/// Sends `answer` and closes the TLS session.
fn reply(tls: &mut Tls<'_>, answer: &[u8]) {
    let _ = tls.write_all(answer);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

/// A test CA, a server certificate for localhost/127.0.0.1 it signed, and (for `mutual`) a
/// client certificate it signed that the server demands.
fn server_config(mutual: bool) -> (Arc<rustls::ServerConfig>, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "anaconda-token test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

    let client_key = rcgen::KeyPair::generate().unwrap();
    let client_cert = rcgen::CertificateParams::new(vec!["client".to_string()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    let client_pem = format!("{}{}", client_cert.pem(), client_key.serialize_pem());

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if mutual {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_cert.der().clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), ca_cert.pem(), client_pem)
}

impl TlsServer {
    pub fn write_ca(&self, path: &Path) {
        std::fs::write(path, &self.ca_pem).unwrap();
    }

    /// The repository URL on this server.
    pub fn repo_url(&self) -> String {
        format!("https://localhost:{}/repo/", self.port)
    }

    /// Writes the CA certificate into `home` as `ca.pem`; returns its path.
    pub fn ca_in(&self, home: &Path) -> std::path::PathBuf {
        let ca = home.join("ca.pem");
        self.write_ca(&ca);
        ca
    }
}
