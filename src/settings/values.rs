//! Parsing and normalizing single setting values: TLS verification, domains, URLs, paths.

use std::path::PathBuf;

use super::env::Env;

/// How to verify TLS certificates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SslVerify {
    /// Verify against the platform's trust store.
    #[default]
    Yes,
    /// Do not verify (a warning is printed).
    No,
    /// Verify against the PEM CA bundle at this path instead.
    CaBundle(PathBuf),
    /// `truststore`: the OS trust store (the same as `Yes` for us: rustls-platform-verifier).
    Truststore,
}

impl SslVerify {
    /// `false/true/0/1/no/yes` are booleans (the Python tool takes `false` for a path: we do
    /// what its documentation says); `truststore` is the OS store; anything else is a path.
    pub fn parse(text: &str) -> SslVerify {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => SslVerify::Yes,
            "false" | "0" | "no" | "off" => SslVerify::No,
            "truststore" => SslVerify::Truststore,
            _ => SslVerify::CaBundle(PathBuf::from(text.trim())),
        }
    }

    /// With `~` and `$VARS` expanded in a CA bundle path.
    pub fn expanded(self, env: &Env) -> SslVerify {
        match self {
            SslVerify::CaBundle(path) => {
                SslVerify::CaBundle(expand_path(env, &path.to_string_lossy()))
            }
            other => other,
        }
    }
}

/// Reduces a domain or URL to `host[:port]` (`https://Anaconda.com/` → `Anaconda.com`). The
/// case is kept, as the Python tool keeps it (it names the keyring entry); domains are compared
/// with [`same_domain`].
pub fn normalize_domain(value: &str) -> std::result::Result<String, String> {
    let value = value.trim();
    let without_scheme = value.split_once("://").map_or(value, |(_, rest)| rest);
    let host_port = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = host_port.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty()
        || host_port
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-.:[]_".contains(c)))
    {
        return Err(format!("{value:?} is not a host name or URL"));
    }
    Ok(host_port.to_string())
}

/// Whether two `host[:port]` are the same domain: host names are case-insensitive.
pub fn same_domain(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether `host[:port]` names this machine.
pub fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks the repository URL and gives it its trailing slash.
pub fn normalize_repo_url(url: &str) -> std::result::Result<String, String> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        other => return Err(format!("the scheme must be https, not {other}")),
    }
    if host.is_empty() {
        return Err("it has no host".into());
    }
    let mut url = url.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// The user's home folder, where Python's `Path.home()` finds it: `HOME` on Unix; on Windows
/// `USERPROFILE` (Python ignores `HOME` there, which Git Bash and MSYS2 set), then `HOME`,
/// then the profile folder Windows knows.
pub fn home_dir(env: &Env) -> Option<PathBuf> {
    let from_env = if cfg!(windows) {
        env.get("USERPROFILE").or_else(|| env.get("HOME"))
    } else {
        env.get("HOME")
    };
    from_env.map(PathBuf::from).or_else(dirs::home_dir)
}

/// Expands `~` and `$VAR` / `${VAR}` in a configured path, as the Python tool does.
pub fn expand_path(env: &Env, value: &str) -> PathBuf {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if braced && chars.peek() == Some(&'}') {
            chars.next();
        }
        match env.get(&name) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ if braced => out.push_str(&format!("${{{name}}}")),
            _ => {
                out.push('$');
                out.push_str(&name);
            }
        }
    }
    // Windows takes either slash after the `~`, as Python's `expanduser` does there.
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    if let Some(rest) = out.strip_prefix('~')
        && (rest.is_empty() || rest.starts_with(separators))
        && let Some(home) = home_dir(env)
    {
        return home.join(rest.trim_start_matches(separators));
    }
    PathBuf::from(out)
}
