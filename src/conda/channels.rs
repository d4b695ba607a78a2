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

/// Whether `existing`, with the repository prefix removed, is exactly {main, r, msys2}.
pub fn is_configured(existing: &[String], repo_url: &str) -> bool {
    let prefix = format!("{}/", repo_url.trim_end_matches('/'));
    let mut short: Vec<&str> = existing
        .iter()
        .map(|c| c.strip_prefix(&prefix).unwrap_or(c).trim_end_matches('/'))
        .collect();
    short.sort_unstable();
    short.dedup();
    let mut wanted = ACTIVE.to_vec();
    wanted.sort_unstable();
    short == wanted
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

    #[test]
    fn configured_in_any_order() {
        let mut chans = default_channels(REPO, &[]);
        assert!(is_configured(&chans, REPO));
        chans.reverse();
        assert!(is_configured(&chans, REPO));
        chans.pop();
        assert!(!is_configured(&chans, REPO));
        assert!(!is_configured(&[], REPO));
        let other = default_channels("https://other.example/repo/", &[]);
        assert!(!is_configured(&other, REPO));
    }
}
