//! A small HTTP/1.1 server on loopback written on plain sockets, for answers a mock server
//! cannot give: a body cut short, an endless body, a server that never answers. Each route is
//! `METHOD path` → a [`Fault`] or a normal answer; every request is recorded with its headers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a route does.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Status, extra headers, body.
    Plain(u16, Vec<(String, String)>, Vec<u8>),
    /// Never answers (until the client gives up, or 30 s).
    Hang,
    /// Promises a body of 1000 bytes, sends 10, closes.
    CutShort(u16),
    /// A 200 JSON body that never ends (until the client stops reading, or 64 MiB).
    Endless,
}

impl Answer {
    pub fn json(status: u16, body: serde_json::Value) -> Answer {
        Answer::Plain(
            status,
            vec![("Content-Type".into(), "application/json".into())],
            body.to_string().into_bytes(),
        )
    }

    pub fn status(status: u16) -> Answer {
        Answer::json(status, serde_json::json!({"error": {"message": "fault"}}))
    }

    pub fn redirect(to: &str) -> Answer {
        Answer::Plain(302, vec![("Location".into(), to.into())], Vec::new())
    }
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct RawServer {
    pub port: u16,
    routes: Arc<Mutex<HashMap<String, Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The answer for any route not set (default 404).
    fallback: Arc<Mutex<Answer>>,
}

impl RawServer {
    pub fn start() -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = RawServer {
            port,
            routes: Arc::default(),
            seen: Arc::default(),
            fallback: Arc::new(Mutex::new(Answer::status(404))),
        };
        let (routes, seen, fallback) = (
            Arc::clone(&server.routes),
            Arc::clone(&server.seen),
            Arc::clone(&server.fallback),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, seen, fallback) = (
                    Arc::clone(&routes),
                    Arc::clone(&seen),
                    Arc::clone(&fallback),
                );
                std::thread::spawn(move || serve(stream, &routes, &seen, &fallback));
            }
        });
        server
    }

    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The host:port a keyring entry is stored under.
    pub fn domain(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn route(&self, method: &str, path: &str, answer: Answer) {
        self.routes
            .lock()
            .unwrap()
            .insert(format!("{method} {path}"), answer);
    }

    pub fn fallback(&self, answer: Answer) {
        *self.fallback.lock().unwrap() = answer;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .count()
    }
}

fn serve(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Answer>>,
    seen: &Mutex<Vec<Seen>>,
    fallback: &Mutex<Answer>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let key = format!("{method} {path}");
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path,
        headers,
    });
    let answer = routes
        .lock()
        .unwrap()
        .get(&key)
        .cloned()
        .unwrap_or_else(|| fallback.lock().unwrap().clone());
    let mut stream = stream;
    let head_only = method == "HEAD";
    match answer {
        Answer::Plain(status, extra, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            if !head_only {
                let _ = stream.write_all(&body);
            }
        }
        Answer::Hang => {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut buf = [0u8; 64];
            // Returns when the client closes the connection (read gives 0) or at the deadline.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            while Instant::now() < deadline {
                match stream.read(&mut buf) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        }
        Answer::CutShort(status) => {
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: \
                     1000\r\nConnection: close\r\n\r\n{{\"token\": "
                )
                .as_bytes(),
            );
            let _ = stream.flush();
        }
        Answer::Endless => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[",
            );
            let chunk = "\"x\", ".repeat(1024);
            let mut sent = 0usize;
            while sent < 64 * 1024 * 1024 {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
                sent += chunk.len();
            }
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
