//! How requests reach a server: what we and conda configure for TLS, proxies and client
//! certificates, resolved into one [`Network`] for the API's requests and one for the
//! repository check. Pure functions of the settings and the environment snapshot, so that every
//! precedence rule is tested here, table-style, without a request.

use std::path::PathBuf;
use std::time::Duration;

use super::Env;
use super::sources::Sources;
use super::values::{SslVerify, expand_path};
use crate::error::Result;

/// How to reach a server: TLS verification, proxies, client certificate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub ssl_verify: SslVerify,
    /// Proxies: conda-style `proxy_servers` and the environment's `HTTPS_PROXY` & co.
    pub proxies: Vec<ProxyRule>,
    /// `NO_PROXY`, applied to every proxy.
    pub no_proxy: Option<String>,
    /// A PEM client certificate, and its key when not in the same file.
    pub client_cert: Option<PathBuf>,
    pub client_cert_key: Option<PathBuf>,
}

/// One proxy: `key` is `http`, `https`, `all`, or `scheme://host[:port]`; `from` says where it
/// was set, for the error when it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyRule {
    pub key: String,
    pub url: String,
    pub from: String,
}

/// The network settings one configuration gives (ours under `[plugin.auth]`, or conda's):
/// whatever it leaves unset is `None` or empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connection {
    pub ssl_verify: Option<SslVerify>,
    /// Key (a scheme, or `scheme://host`) to proxy URL.
    pub proxy_servers: Vec<(String, String)>,
    pub client_cert: Option<PathBuf>,
    pub client_cert_key: Option<PathBuf>,
}

impl Connection {
    /// Whether something is left for conda's settings to fill in.
    fn has_gaps(&self) -> bool {
        self.ssl_verify.is_none() || self.proxy_servers.is_empty() || self.client_cert.is_none()
    }
}

/// Our network group: `[plugin.auth]` / `ANACONDA_AUTH_*` for the API's requests, and the
/// request timeout (`ANACONDA_TOKEN_TIMEOUT`).
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    pub connection: Connection,
    /// Extra headers for API requests (never `Authorization`).
    pub extra_headers: Vec<(String, String)>,
    pub timeout: Duration,
}

impl NetworkSettings {
    pub(super) fn resolve(sources: &Sources, env: &Env) -> Result<NetworkSettings> {
        let path = |p: String| expand_path(env, &p);
        // Checked in the order they always were, so that of two bad values the same is named.
        let ssl_verify = sources.ssl_verify("ssl_verify")?.map(|s| s.expanded(env));
        let extra_headers = sources.headers("extra_headers")?;
        Ok(NetworkSettings {
            connection: Connection {
                ssl_verify,
                proxy_servers: sources.map("proxy_servers")?,
                client_cert: sources.string("client_cert")?.map(path),
                client_cert_key: sources.string("client_cert_key")?.map(path),
            },
            extra_headers,
            timeout: super::seconds(env, "ANACONDA_TOKEN_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
        })
    }

    /// The API's requests: our settings, with conda's for whatever they leave unset. `conda`
    /// is called only when something is unset (it reads conda's files).
    pub fn for_api(
        &self,
        conda: impl FnOnce() -> Result<Connection>,
        env: &Env,
    ) -> Result<Network> {
        let ours = &self.connection;
        let conda = if ours.has_gaps() {
            conda()?
        } else {
            Connection::default()
        };
        let (client_cert, client_cert_key) = match &ours.client_cert {
            Some(cert) => (Some(cert.clone()), ours.client_cert_key.clone()),
            None => (conda.client_cert, conda.client_cert_key),
        };
        let proxies = if ours.proxy_servers.is_empty() {
            proxy_rules(&conda.proxy_servers, CONDA_PROXIES, env)
        } else {
            proxy_rules(&ours.proxy_servers, "proxy_servers", env)
        };
        Ok(Network {
            ssl_verify: ours
                .ssl_verify
                .clone()
                .or(conda.ssl_verify)
                .unwrap_or_default(),
            proxies,
            no_proxy: no_proxy(env),
            client_cert,
            client_cert_key,
        })
    }
}

/// Where conda's proxies are said to come from, in errors.
const CONDA_PROXIES: &str = "proxy_servers (conda's settings)";

/// The repository check stands for what conda will do: conda's settings alone, but for a
/// verification override (`conda-token set --no-ssl-verify`).
pub fn for_repo(conda: &Connection, ssl_override: Option<&SslVerify>, env: &Env) -> Network {
    Network {
        ssl_verify: ssl_override
            .or(conda.ssl_verify.as_ref())
            .cloned()
            .unwrap_or_default(),
        proxies: proxy_rules(&conda.proxy_servers, CONDA_PROXIES, env),
        no_proxy: no_proxy(env),
        client_cert: conda.client_cert.clone(),
        client_cert_key: conda.client_cert_key.clone(),
    }
}

/// Configured proxies (`from` says where they were set) plus the environment's for the schemes
/// they leave out, as Python's requests merges them. The environment is read here, not by the
/// HTTP library, so that a proxy variable it cannot use is an error naming the variable rather
/// than skipped in silence (the request would then go out directly).
fn proxy_rules(configured: &[(String, String)], from: &str, env: &Env) -> Vec<ProxyRule> {
    let mut rules: Vec<ProxyRule> = configured
        .iter()
        .map(|(key, url)| ProxyRule {
            key: key.clone(),
            url: url.clone(),
            from: from.to_string(),
        })
        .collect();
    for (scheme, names) in [
        ("https", ["HTTPS_PROXY", "https_proxy"]),
        ("http", ["HTTP_PROXY", "http_proxy"]),
        ("all", ["ALL_PROXY", "all_proxy"]),
    ] {
        let covered = rules.iter().any(|r| r.key == scheme || r.key == "all");
        if let Some((name, url)) = names.iter().find_map(|n| env.get(n).map(|url| (n, url)))
            && !covered
        {
            rules.push(ProxyRule {
                key: scheme.to_string(),
                url: url.to_string(),
                from: format!("the variable {name}"),
            });
        }
    }
    rules
}

fn no_proxy(env: &Env) -> Option<String> {
    env.get("NO_PROXY")
        .or_else(|| env.get("no_proxy"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    /// A connection with these settings.
    fn connection(
        ssl_verify: Option<SslVerify>,
        proxies: &[(&str, &str)],
        cert: Option<&str>,
        key: Option<&str>,
    ) -> Connection {
        Connection {
            ssl_verify,
            proxy_servers: proxies
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            client_cert: cert.map(PathBuf::from),
            client_cert_key: key.map(PathBuf::from),
        }
    }

    fn condas() -> Connection {
        let proxy = [("https", "http://conda-proxy:1")];
        connection(
            Some(SslVerify::No),
            &proxy,
            Some("/conda.pem"),
            Some("/conda.key"),
        )
    }

    /// The API's network for our `connection` and `variables`, with conda's from [`condas`].
    fn api(connection: Connection, variables: &[(&str, &str)]) -> String {
        let ours = NetworkSettings {
            connection,
            extra_headers: Vec::new(),
            timeout: Duration::from_secs(30),
        };
        summary(&ours.for_api(|| Ok(condas()), &env(variables)).unwrap())
    }

    /// A summary of a resolved network: verification, proxies as `key=url (from)`, certificate.
    fn summary(network: &Network) -> String {
        let proxies: Vec<String> = network
            .proxies
            .iter()
            .map(|r| format!("{}={} ({})", r.key, r.url, r.from))
            .collect();
        format!(
            "verify={:?} proxies=[{}] no_proxy={:?} cert={:?} key={:?}",
            network.ssl_verify,
            proxies.join(", "),
            network.no_proxy,
            network.client_cert,
            network.client_cert_key,
        )
    }

    const CONDAS_REST: &str = "cert=Some(\"/conda.pem\") key=Some(\"/conda.key\")";

    #[test]
    fn api_requests_take_condas_settings_for_what_ours_leave_unset() {
        assert_eq!(
            api(Connection::default(), &[]),
            format!(
                "verify=No proxies=[https=http://conda-proxy:1 (proxy_servers (conda's \
                 settings))] no_proxy=None {CONDAS_REST}"
            )
        );
        let ours = connection(
            Some(SslVerify::Yes),
            &[("http", "http://ours:2")],
            Some("/o"),
            None,
        );
        assert_eq!(
            api(ours, &[]),
            "verify=Yes proxies=[http=http://ours:2 (proxy_servers)] no_proxy=None \
             cert=Some(\"/o\") key=None"
        );
    }

    #[test]
    fn the_environments_proxies_fill_the_schemes_configured_ones_leave_out() {
        let http = connection(None, &[("http", "http://ours:2")], None, None);
        let variables = [
            ("HTTPS_PROXY", "http://env:3"),
            ("http_proxy", "http://env:4"),
            ("no_proxy", "localhost"),
        ];
        assert_eq!(
            api(http, &variables),
            format!(
                "verify=No proxies=[http=http://ours:2 (proxy_servers), https=http://env:3 \
                 (the variable HTTPS_PROXY)] no_proxy=Some(\"localhost\") {CONDAS_REST}"
            )
        );
        // An `all` proxy covers every scheme.
        let all = connection(None, &[("all", "http://all:5")], None, None);
        let variables = [
            ("HTTPS_PROXY", "http://env:3"),
            ("ALL_PROXY", "http://env:6"),
        ];
        assert_eq!(
            api(all, &variables),
            format!(
                "verify=No proxies=[all=http://all:5 (proxy_servers)] no_proxy=None {CONDAS_REST}"
            )
        );
        // Upper case wins over lower case.
        let variables = [
            ("ALL_PROXY", "http://upper:7"),
            ("all_proxy", "http://lower:8"),
            ("NO_PROXY", "a"),
            ("no_proxy", "b"),
        ];
        assert_eq!(
            api(Connection::default(), &variables),
            format!(
                "verify=No proxies=[https=http://conda-proxy:1 (proxy_servers (conda's \
                 settings)), all=http://upper:7 (the variable ALL_PROXY)] no_proxy=Some(\"a\") \
                 {CONDAS_REST}"
            )
        );
    }

    #[test]
    fn condas_files_are_not_read_when_ours_set_everything() {
        let ours = |connection| NetworkSettings {
            connection,
            extra_headers: Vec::new(),
            timeout: Duration::from_secs(30),
        };
        let proxy = [("https", "http://ours:2")];
        let complete = ours(connection(Some(SslVerify::Yes), &proxy, Some("/o"), None));
        let network = complete
            .for_api(|| panic!("conda's settings were read"), &env(&[]))
            .unwrap();
        assert_eq!(network.ssl_verify, SslVerify::Yes);
        let err = ours(Connection::default())
            .for_api(|| Err(crate::error::Error::msg("bad .condarc")), &env(&[]))
            .unwrap_err();
        assert_eq!(err.to_string(), "bad .condarc");
    }

    #[test]
    fn the_repository_check_takes_condas_settings_and_the_override() {
        let proxy = [("https", "http://conda-proxy:1")];
        let conda = connection(Some(SslVerify::Yes), &proxy, Some("/conda.pem"), None);
        let variables = env(&[("HTTP_PROXY", "http://env:4"), ("NO_PROXY", "x")]);
        assert_eq!(
            summary(&for_repo(&conda, None, &variables)),
            "verify=Yes proxies=[https=http://conda-proxy:1 (proxy_servers (conda's settings)), \
             http=http://env:4 (the variable HTTP_PROXY)] no_proxy=Some(\"x\") \
             cert=Some(\"/conda.pem\") key=None"
        );
        let off = for_repo(&conda, Some(&SslVerify::No), &variables);
        assert_eq!(off.ssl_verify, SslVerify::No);
        let unset = for_repo(&Connection::default(), None, &env(&[]));
        assert_eq!(
            summary(&unset),
            "verify=Yes proxies=[] no_proxy=None cert=None key=None"
        );
    }
}
