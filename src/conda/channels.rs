//! The channels `config` writes into `default_channels`: the repository's `main`, `r` and
//! `msys2`, plus archive channels when asked for (`conda.md`).

/// The channels every configuration has, in order.
pub const ACTIVE: [&str; 3] = ["main", "r", "msys2"];
/// Archive channels `conda-token set --include-archive-channels` may add.
pub const ARCHIVE: [&str; 3] = ["free", "mro-archive", "pro"];

/// `<repo>/main`, `<repo>/r`, `<repo>/msys2`, then the archive channels, joined without
/// doubling `/`.
pub fn default_channels(repo_url: &str, archive: &[String]) -> Vec<String> {
    let base = repo_url.trim_end_matches('/');
    ACTIVE
        .iter()
        .map(|c| c.to_string())
        .chain(archive.iter().cloned())
        .map(|c| format!("{base}/{c}"))
        .collect()
}

/// conda's default `channel_alias`.
pub const DEFAULT_CHANNEL_ALIAS: &str = "https://conda.anaconda.org";

/// The settings conda resolves channel names and URLs with (`conda/models/channel.py`): where
/// a short name such as `main` points, and where in a URL the `/t/<token>/` goes.
#[derive(Debug, Clone, Copy)]
pub struct ChannelRules<'a> {
    /// `None`: conda's default, [`DEFAULT_CHANNEL_ALIAS`].
    pub channel_alias: Option<&'a str>,
    pub custom_channels: &'a [(String, String)],
}

/// A URL as conda splits it: the scheme, the `user:password@` part, and the rest without a
/// token segment or trailing `/` (`host[:port]/path`, conda's "test URL").
#[derive(Debug, Clone, PartialEq, Eq)]
struct SplitUrl<'u> {
    scheme: Option<&'u str>,
    auth: Option<&'u str>,
    rest: String,
}

fn split_url(url: &str) -> SplitUrl<'_> {
    let url = url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (auth, rest) = match rest[..authority_end].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    SplitUrl {
        scheme,
        auth,
        rest: strip_token(rest).trim_end_matches('/').to_string(),
    }
}

/// `rest` without its first `/t/<token>` segment (conda's `split_anaconda_token`).
fn strip_token(rest: &str) -> String {
    let mut segments: Vec<&str> = rest.split('/').collect();
    if let Some(i) = (1..segments.len().saturating_sub(1)).find(|&i| {
        segments[i] == "t"
            && segments[i + 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    }) {
        segments.drain(i..i + 2);
    }
    segments.join("/")
}

/// conda's `tokenized_startswith`: segment by segment over the shorter of the two (conda zips
/// them, so a shorter URL "starts with" a longer prefix too).
fn tokenized_startswith(test: &str, prefix: &str) -> bool {
    test.split('/').zip(prefix.split('/')).all(|(t, p)| t == p)
}

impl ChannelRules<'_> {
    fn alias(&self) -> SplitUrl<'_> {
        split_url(self.channel_alias.unwrap_or(DEFAULT_CHANNEL_ALIAS))
    }

    /// The custom channels as (name, location), longest name first (conda's order).
    fn customs(&self) -> Vec<(&str, String)> {
        let mut customs: Vec<(&str, String)> = self
            .custom_channels
            .iter()
            .map(|(name, url)| {
                let split = split_url(url);
                // A URL without a scheme is a path under the channel alias.
                let location = match split.scheme {
                    Some(_) => split.rest,
                    None => self.alias().rest,
                };
                (name.trim_matches('/'), location)
            })
            .collect();
        customs.sort_by_key(|c| std::cmp::Reverse(c.0.len()));
        customs
    }

    /// conda's `Channel.location` for a scheme-less channel URL `test`: a custom channel's
    /// location, the channel alias, or the host (with a first `conda` segment, for Anaconda
    /// Enterprise).
    fn location(&self, test: &str) -> String {
        let Some((host, path)) = test.split_once('/').filter(|(_, p)| !p.is_empty()) else {
            return test.to_string();
        };
        for (name, location) in self.customs() {
            if tokenized_startswith(test, &format!("{location}/{name}")) {
                return location;
            }
        }
        let alias = self.alias().rest;
        if !alias.is_empty() && tokenized_startswith(test, &alias) {
            return alias;
        }
        match path.split('/').next() {
            Some("conda") => format!("{host}/conda"),
            _ => host.to_string(),
        }
    }

    /// `url` with `/t/<token>` where conda puts it: right after the channel's location.
    pub fn with_token(&self, url: &str, token: &str) -> String {
        let split = split_url(url);
        let location = self.location(&split.rest);
        let name = split.rest[location.len().min(split.rest.len())..].trim_start_matches('/');
        let scheme = split.scheme.unwrap_or("https");
        let auth = split.auth.map(|a| format!("{a}@")).unwrap_or_default();
        let tail = if url.ends_with('/') && !name.is_empty() {
            "/"
        } else {
            ""
        };
        format!("{scheme}://{auth}{location}/t/{token}/{name}{tail}")
    }

    /// A `default_channels` entry as conda resolves it, scheme-less (`host/path`): a URL as it
    /// is; a name through `custom_channels` (its longest matching prefix) or the channel alias.
    fn resolve(&self, entry: &str) -> String {
        let entry = entry.trim();
        if entry.contains("://") {
            return split_url(entry).rest;
        }
        let name = entry.trim_matches('/');
        let custom = self
            .customs()
            .into_iter()
            .find(|(custom, _)| name == *custom || name.starts_with(&format!("{custom}/")));
        let location = match custom {
            Some((_, location)) => location,
            None => self.alias().rest,
        };
        format!("{location}/{name}")
    }

    /// Whether `existing` resolves to exactly the repository's `main`, `r` and `msys2` (in any
    /// order). A short name counts only when conda would send it to the repository.
    pub fn is_configured(&self, existing: &[String], repo_url: &str) -> bool {
        let repo = split_url(repo_url).rest;
        let mut resolved: Vec<String> = existing
            .iter()
            .map(|e| self.resolve(e))
            .map(|r| same_host_case(&r))
            .collect();
        resolved.sort_unstable();
        resolved.dedup();
        let mut wanted: Vec<String> = ACTIVE
            .iter()
            .map(|c| same_host_case(&format!("{repo}/{c}")))
            .collect();
        wanted.sort_unstable();
        resolved == wanted
    }
}

/// Host names compare without case; paths keep theirs.
fn same_host_case(test: &str) -> String {
    match test.split_once('/') {
        Some((host, path)) => format!("{}/{path}", host.to_ascii_lowercase()),
        None => test.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "https://repo.anaconda.cloud/repo/";

    #[test]
    fn builds_channel_urls() {
        assert_eq!(
            default_channels(REPO, &["free".into()]),
            [
                "https://repo.anaconda.cloud/repo/main",
                "https://repo.anaconda.cloud/repo/r",
                "https://repo.anaconda.cloud/repo/msys2",
                "https://repo.anaconda.cloud/repo/free"
            ]
        );
    }

    const PLAIN: ChannelRules = ChannelRules {
        channel_alias: None,
        custom_channels: &[],
    };

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn configured_in_any_order() {
        let mut chans = default_channels(REPO, &[]);
        assert!(PLAIN.is_configured(&chans, REPO));
        chans.reverse();
        assert!(PLAIN.is_configured(&chans, REPO));
        chans.pop();
        assert!(!PLAIN.is_configured(&chans, REPO));
        assert!(!PLAIN.is_configured(&[], REPO));
        let other = default_channels("https://other.example/repo/", &[]);
        assert!(!PLAIN.is_configured(&other, REPO));
        let with_slash = names(&[
            "https://REPO.anaconda.cloud/repo/main/",
            "https://repo.anaconda.cloud/t/tk-1/repo/r",
            "http://repo.anaconda.cloud/repo/msys2",
        ]);
        assert!(PLAIN.is_configured(&with_slash, REPO));
    }

    /// The Python tool's bug: short names counted as the repository's whatever they resolve to.
    #[test]
    fn short_names_resolve_as_conda_resolves_them() {
        let short = names(&["main", "r", "msys2"]);
        assert!(!PLAIN.is_configured(&short, REPO));
        let mirror = [(
            "main".to_string(),
            "https://mirror.example/pkgs".to_string(),
        )];
        let alias_to_repo = ChannelRules {
            channel_alias: Some("https://repo.anaconda.cloud/repo"),
            custom_channels: &mirror,
        };
        assert!(!alias_to_repo.is_configured(&short, REPO));
        let alias_only = ChannelRules {
            custom_channels: &[],
            ..alias_to_repo
        };
        assert!(alias_only.is_configured(&short, REPO));
        let custom_to_repo = [
            (
                "main".to_string(),
                "https://repo.anaconda.cloud/repo".to_string(),
            ),
            (
                "r".to_string(),
                "https://repo.anaconda.cloud/repo/".to_string(),
            ),
            (
                "msys2".to_string(),
                "https://repo.anaconda.cloud/repo".to_string(),
            ),
        ];
        let customs = ChannelRules {
            channel_alias: None,
            custom_channels: &custom_to_repo,
        };
        assert!(customs.is_configured(&short, REPO));
    }

    #[test]
    fn token_goes_after_the_channel_location() {
        assert_eq!(
            PLAIN.with_token(
                "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
                "tk"
            ),
            "https://repo.anaconda.cloud/t/tk/repo/main/noarch/repodata.json"
        );
        assert_eq!(
            PLAIN.with_token("http://127.0.0.1:8080/main/", "tk"),
            "http://127.0.0.1:8080/t/tk/main/"
        );
        let alias = ChannelRules {
            channel_alias: Some("https://mirror.example/anaconda/"),
            custom_channels: &[],
        };
        assert_eq!(
            alias.with_token(
                "https://mirror.example/anaconda/repo/main/noarch/repodata.json",
                "tk"
            ),
            "https://mirror.example/anaconda/t/tk/repo/main/noarch/repodata.json"
        );
        assert_eq!(
            alias.with_token("https://other.example/anaconda/repo/main", "tk"),
            "https://other.example/t/tk/anaconda/repo/main"
        );
        assert_eq!(
            PLAIN.with_token("https://ae.example/conda/repo/main", "tk"),
            "https://ae.example/conda/t/tk/repo/main"
        );
        let custom = [(
            "repo".to_string(),
            "https://u:p@mirror.example/a/b".to_string(),
        )];
        let custom = ChannelRules {
            channel_alias: None,
            custom_channels: &custom,
        };
        assert_eq!(
            custom.with_token("https://u:p@mirror.example/a/b/repo/main", "tk"),
            "https://u:p@mirror.example/a/b/t/tk/repo/main"
        );
    }
}
