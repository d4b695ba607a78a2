//! Checking a token against the repository the way conda will use it:
//! `HEAD <repo with /t/<token> after the host>main/noarch/repodata.json`, no Authorization.

use reqwest::Method;

use super::client::{Http, Request};
use crate::conda::channels::ChannelRules;
use crate::error::{Error, Result};
use crate::output::Printer;
use crate::secret::Secret;

/// The repository's answer to a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    Valid,
    /// A definite refusal of the token: 401, 403 or 404, or a redirect (conda does not follow
    /// one for a channel with a token, so it fails there too).
    Rejected {
        status: u16,
        /// Where a redirect pointed (redacted).
        location: Option<String>,
    },
    /// Any other answer (5xx, 429, …): the repository could not say.
    Unavailable {
        status: u16,
    },
}

/// The longest token we put into a URL: real tokens are a few dozen characters, and a URL of
/// many kilobytes fails in the HTTP library with a message about the network, not the token.
pub const MAX_TOKEN_LEN: usize = 1024;

/// A token must go into the URL path as one segment, byte for byte: non-empty, at most
/// [`MAX_TOKEN_LEN`] long, and only the characters RFC 3986 allows in a segment without
/// escaping (letters, digits, `-._~!$&'()*+,;=:@`), no `..`. So no `/`, `%`, whitespace or
/// control character can change which URL is asked, or what the log shows of it.
pub fn check_token_shape(token: &Secret) -> std::result::Result<(), String> {
    let t = token.expose();
    if t.is_empty() {
        return Err("it is empty".into());
    }
    if t.len() > MAX_TOKEN_LEN {
        return Err(format!(
            "it is {} characters long, more than the {MAX_TOKEN_LEN} a token can have",
            t.chars().count()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c);
    if let Some(bad) = t.chars().find(|c| !allowed(*c)) {
        let what = match bad {
            '/' => "a '/'".to_string(),
            c if c.is_whitespace() => "whitespace".to_string(),
            c if c.is_control() => "a control character".to_string(),
            c if c.is_ascii() => format!("the character {c:?}"),
            _ => "a character outside ASCII".to_string(),
        };
        return Err(format!("it contains {what}"));
    }
    if t.contains("..") {
        return Err("it contains '..'".into());
    }
    Ok(())
}

/// The URL that proves a token: the repository's `main/noarch/repodata.json`, with
/// `/t/<token>` where conda puts it for that channel (after the host, or after a
/// `channel_alias` or custom channel the repository is under).
pub fn check_url(repo_url: &str, token: &Secret, rules: &ChannelRules) -> Result<String> {
    let url = reqwest::Url::parse(repo_url)
        .map_err(|e| Error::msg(format!("Invalid repository URL {repo_url}: {e}")))?;
    let channel = format!(
        "{}/main/noarch/repodata.json",
        url.as_str().trim_end_matches('/')
    );
    Ok(rules.with_token(&channel, token.expose()))
}

/// How the repository answered a rejected token: `HTTP 401`, or `HTTP 302 (a redirect to …)`.
pub fn rejection(status: u16, location: Option<&str>) -> String {
    match location {
        Some(to) => format!("HTTP {status} (a redirect to {to})"),
        None if (300..400).contains(&status) => format!("HTTP {status} (a redirect)"),
        None => format!("HTTP {status}"),
    }
}

/// Validates `token` with a HEAD that does not follow redirects, as conda asks; unreachable
/// repositories are errors, refusals and redirects are `Rejected`, other answers `Unavailable`.
pub fn validate(
    http: &Http,
    repo_url: &str,
    token: &Secret,
    rules: &ChannelRules,
    printer: &Printer,
) -> Result<Validation> {
    let request = Request {
        follow_redirects: false,
        ..Request::new(Method::HEAD, check_url(repo_url, token, rules)?)
    };
    let response = http.send(&request, printer)?;
    Ok(match response.status {
        200 => Validation::Valid,
        status @ (300..=399 | 401 | 403 | 404) => Validation::Rejected {
            status,
            location: response.location,
        },
        status => Validation::Unavailable { status },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_goes_right_after_the_host() {
        let token = Secret::new("abc-123");
        let rules = ChannelRules {
            channel_alias: None,
            custom_channels: &[],
        };
        assert_eq!(
            check_url("https://repo.anaconda.cloud/repo/", &token, &rules).unwrap(),
            "https://repo.anaconda.cloud/t/abc-123/repo/main/noarch/repodata.json"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080/", &token, &rules).unwrap(),
            "http://127.0.0.1:8080/t/abc-123/main/noarch/repodata.json"
        );
        let under_alias = ChannelRules {
            channel_alias: Some("https://mirror.example/anaconda"),
            custom_channels: &[],
        };
        assert_eq!(
            check_url(
                "https://mirror.example/anaconda/repo/",
                &token,
                &under_alias
            )
            .unwrap(),
            "https://mirror.example/anaconda/t/abc-123/repo/main/noarch/repodata.json"
        );
    }

    #[test]
    fn token_shapes() {
        for ok in ["abc-123", "a.b_c~d", "x:y@z", "A1!$&'()*+,;="] {
            assert!(check_token_shape(&Secret::new(ok)).is_ok(), "{ok}");
        }
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        for (bad, why) in [
            ("", "empty"),
            ("a/b", "'/'"),
            ("a b", "whitespace"),
            ("tok\n", "whitespace"),
            ("a\u{7}b", "control"),
            ("a%2Fb", "'%'"),
            ("..", "'..'"),
            ("a..b", "'..'"),
            ("é", "outside ASCII"),
            ("a?b", "'?'"),
            ("a#b", "'#'"),
            (long.as_str(), "more than"),
        ] {
            let err = check_token_shape(&Secret::new(bad)).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
