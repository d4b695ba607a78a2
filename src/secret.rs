//! Secrets (repository tokens, API keys) and redaction of text that may hold them.
//!
//! `Secret` has no `Display` and a redacted `Debug`, so a secret can only reach output through an
//! explicit `expose()` call: grep for it to audit every place a secret leaves the program.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Every caller is a place where the secret deliberately leaves us.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Turns core dumps off for this process (`RLIMIT_CORE` 0): a core file would hold the API key
/// and tokens in memory. Called first thing by both binaries.
pub fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct it is given; lowering a limit cannot fail in a
        // way that matters here.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
    }
}

pub const REDACTED: &str = "<redacted>";

/// Redacts every `/t/<token>/` path segment, every `Bearer <key>` and every URL's password
/// (`scheme://user:<redacted>@host`; a user name alone, which may be a token, goes too) in
/// `text`.
///
/// Written by hand rather than with `regex`: two fixed patterns do not justify a regex engine
/// in a binary whose start-up time we measure.
pub fn redact(text: &str) -> String {
    redact_userinfo(&redact_bearer(&redact_token_paths(text)))
}

/// `scheme://user:password@host` → `scheme://user:<redacted>@host`; `scheme://secret@host` →
/// `scheme://<redacted>@host`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        out.push_str(&rest[..pos + 3]);
        let after = &rest[pos + 3..];
        let authority_end = after
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '(' | ')' | '`'
                ) || c.is_whitespace()
            })
            .unwrap_or(after.len());
        match after[..authority_end].rfind('@') {
            Some(at) => {
                let userinfo = &after[..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(REDACTED);
                    }
                    None => out.push_str(REDACTED),
                }
                rest = &after[at..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// `/t/<token>/` → `/t/<redacted>/`.
fn redact_token_paths(text: &str) -> String {
    redact_after(text, "/t/", |c| {
        c == '/' || c.is_whitespace() || c == '"' || c == '\''
    })
}

/// `Bearer <key>` → `Bearer <redacted>`.
fn redact_bearer(text: &str) -> String {
    redact_after(text, "Bearer ", |c| {
        c.is_whitespace() || c == '"' || c == '\'' || c == ','
    })
}

/// Replaces what follows each `marker`, up to the first character that `ends` it, with
/// [`REDACTED`]; nothing there stays nothing.
fn redact_after(text: &str, marker: &str, ends: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(marker) {
        out.push_str(&rest[..pos + marker.len()]);
        let after = &rest[pos + marker.len()..];
        let end = after.find(&ends).unwrap_or(after.len());
        if end > 0 {
            out.push_str(REDACTED);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_secret() {
        let s = Secret::new("abc123");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "abc123");
    }

    #[test]
    fn redacts_token_paths() {
        assert_eq!(
            redact("HEAD https://repo.anaconda.cloud/t/abc-123/repo/main/noarch/repodata.json"),
            "HEAD https://repo.anaconda.cloud/t/<redacted>/repo/main/noarch/repodata.json"
        );
        assert_eq!(
            redact("x/t/a/ and /t/b"),
            "x/t/<redacted>/ and /t/<redacted>"
        );
        assert_eq!(redact("/t//"), "/t//");
        assert_eq!(redact("no secrets here"), "no secrets here");
    }

    #[test]
    fn redacts_bearer_values() {
        assert_eq!(
            redact("Authorization: Bearer eyJabc.def, next"),
            "Authorization: Bearer <redacted>, next"
        );
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact("proxy http://alice:s3cret@proxy.example:8080 failed"),
            "proxy http://alice:<redacted>@proxy.example:8080 failed"
        );
        assert_eq!(
            redact("\"https://tok123@repo.example/x\" and https://host/a@b"),
            "\"https://<redacted>@repo.example/x\" and https://host/a@b"
        );
        assert_eq!(
            redact("http://u:p@ss@h/ and ftp://h"),
            "http://u:<redacted>@h/ and ftp://h"
        );
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = redact("/t/tok/ Bearer key https://u:p@h https://k@h");
        assert_eq!(redact(&once), once);
    }
}
