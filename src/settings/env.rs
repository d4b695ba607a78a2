//! A snapshot of the process environment: the only place the program reads it, so that tests
//! can build one by hand and nothing depends on the developer's environment.

use std::collections::HashMap;

/// The prefix of the Python tool's settings variables (`ANACONDA_AUTH_DOMAIN`, …).
pub const ENV_PREFIX: &str = "ANACONDA_AUTH_";
/// The deprecated prefix it still reads, below `ANACONDA_AUTH_` (`ANACONDA_CLOUD_DOMAIN`, …).
pub const CLOUD_ENV_PREFIX: &str = "ANACONDA_CLOUD_";

/// A snapshot of the process environment (tests build one by hand).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

/// A variable's name as the map keeps it. Windows names are case-insensitive (`Path` is
/// `PATH`) and Python's `os.environ` upper-cases them there; elsewhere case counts.
fn key(name: &str) -> String {
    if cfg!(windows) {
        name.to_ascii_uppercase()
    } else {
        name.to_string()
    }
}

impl Env {
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((key(k.to_str()?), v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (key(k), v.to_string()))
                .collect(),
        }
    }

    /// The names of all variables (for prefix scans).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// A variable's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(&key(name))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// An `ANACONDA_AUTH_<KEY>` variable; the name is matched case-insensitively, as the
    /// Python tool's settings library does. When several spellings are set, the upper-case
    /// one wins, then the first in sorted order, so the choice never depends on hash order.
    pub fn auth_var(&self, key: &str) -> Option<(&str, &str)> {
        self.prefixed_var(ENV_PREFIX, key)
    }

    /// `<prefix><KEY>`, matched as [`auth_var`](Self::auth_var) matches.
    pub fn prefixed_var(&self, prefix: &str, key: &str) -> Option<(&str, &str)> {
        let wanted = format!("{prefix}{key}").to_ascii_uppercase();
        if let Some(value) = self.get(&wanted) {
            return Some((
                self.vars.get_key_value(&wanted).map(|(k, _)| k.as_str())?,
                value,
            ));
        }
        self.vars
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case(&wanted) && !v.is_empty())
            .min_by(|a, b| a.0.cmp(b.0))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_on_windows_only() {
        let env = Env::from_pairs([("Path", "C:/bin")]);
        assert_eq!(env.get("PATH"), cfg!(windows).then_some("C:/bin"));
        assert_eq!(env.get("Path"), Some("C:/bin"));
    }
}
