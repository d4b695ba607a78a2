//! conda's effective settings that concern us: the network (`ssl_verify`, `proxy_servers`,
//! `client_ssl_cert`, `client_ssl_cert_key`) and the channels (`channel_alias`,
//! `custom_channels`, whether `channels` is set), read as conda reads them: every configuration file of its search path
//! in order, later files winning key by key, then `CONDA_*` environment variables (`conda.md`).
//!
//! The search path follows conda's own (`conda/base/constants.py`, `SEARCH_PATH`, and
//! `Configuration._expand_search_path`): each entry that is a file counts when it is named
//! `.condarc`/`condarc` or ends in `.yml`/`.yaml`; each entry that is a folder contributes its
//! `*.yml`/`*.yaml` files in name order; a file reached twice is read once, at its first place.

use std::path::{Path, PathBuf};

use crate::conda::channels::ChannelRules;
use crate::conda::condarc::Condarc;
use crate::error::{Error, Result};
use crate::settings::{Connection, Env, SslVerify, conda_root, expand_path};

/// conda's settings, merged over its search path (later wins), then `CONDA_*` variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CondaSettings {
    /// `ssl_verify` (`None`: not set anywhere); `proxy_servers`, merged key by key over the
    /// files as conda merges maps, `$VARS` in the URLs expanded as conda does;
    /// `client_ssl_cert` (a PEM file with the certificate, and its key too when
    /// `client_ssl_cert_key` is not set) and `client_ssl_cert_key`.
    pub connection: Connection,
    /// `channel_alias`, when set (conda's default is `https://conda.anaconda.org`).
    pub channel_alias: Option<String>,
    /// `custom_channels`: name to URL, merged key by key.
    pub custom_channels: Vec<(String, String)>,
    /// Where a non-empty `channels` list is set (a file, or `CONDA_CHANNELS`); `None` when
    /// nowhere, which conda 26 reads as no channels at all.
    pub channels_set_in: Option<String>,
    /// Files that are not valid YAML, skipped with a warning as conda itself does ("Ignoring
    /// configuration file … due to error"): one message each.
    pub skipped: Vec<String>,
}

impl CondaSettings {
    /// How conda resolves channel names and places tokens, with these settings.
    pub fn channel_rules(&self) -> ChannelRules<'_> {
        ChannelRules {
            channel_alias: self.channel_alias.as_deref(),
            custom_channels: &self.custom_channels,
        }
    }
}

/// Each setting with conda's alias for it (`verify_ssl`, `client_cert`, …), which conda reads in
/// files and as `CONDA_<ALIAS>` variables alike. The name itself is looked at first.
const SSL_VERIFY: [&str; 2] = ["ssl_verify", "verify_ssl"];
const CLIENT_CERT: [&str; 2] = ["client_ssl_cert", "client_cert"];
const CLIENT_CERT_KEY: [&str; 2] = ["client_ssl_cert_key", "client_cert_key"];
const PROXY_SERVERS: &str = "proxy_servers";
const CHANNEL_ALIAS: [&str; 1] = ["channel_alias"];
const CUSTOM_CHANNELS: &str = "custom_channels";
const CHANNELS: &str = "channels";

/// The folders conda reads system-wide configuration from, first in its search path.
pub fn system_dirs() -> Vec<PathBuf> {
    if cfg!(windows) {
        vec![PathBuf::from("C:/ProgramData/conda")]
    } else {
        vec![PathBuf::from("/etc/conda"), PathBuf::from("/var/lib/conda")]
    }
}

/// The files conda reads, in order, that exist: for each of `system_dirs`, `conda_root`,
/// `$XDG_CONFIG_HOME/conda`, `~/.config/conda` and `~/.conda` its `.condarc`, `condarc` and
/// `condarc.d`; then `~/.condarc`; the same three of `$CONDA_PREFIX`; then `$CONDARC`. Unset
/// variables are skipped (conda would look for a literal `$XDG_CONFIG_HOME` folder instead).
pub fn search_path(env: &Env, home: &Path, system_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = system_dirs.to_vec();
    dirs.extend(conda_root(env));
    dirs.extend(
        env.get("XDG_CONFIG_HOME")
            .map(|x| Path::new(x).join("conda")),
    );
    dirs.push(home.join(".config").join("conda"));
    dirs.push(home.join(".conda"));
    let three = |dir: &Path| [".condarc", "condarc", "condarc.d"].map(|n| dir.join(n));
    let mut entries: Vec<PathBuf> = dirs.iter().flat_map(|d| three(d)).collect();
    entries.push(home.join(".condarc"));
    if let Some(prefix) = env.get("CONDA_PREFIX") {
        entries.extend(three(Path::new(prefix)));
    }
    if let Some(condarc) = env.get("CONDARC") {
        entries.push(tilde(condarc, home));
    }

    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries {
        for file in expand_entry(&entry) {
            // Paths compare by component, so `/h/.config/` and `/h//.config` are one place.
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

/// Reads every file of the search path and merges; then `CONDA_SSL_VERIFY`,
/// `CONDA_CLIENT_SSL_CERT` and `CONDA_CLIENT_SSL_CERT_KEY` (or their aliases) win.
///
/// A file that is not valid YAML is skipped and named in `skipped`, as conda skips it; one of
/// these keys with a value of the wrong shape (a list for `ssl_verify`) is an
/// `Error::InvalidFile` naming the file.
pub fn load(env: &Env, home: &Path, system_dirs: &[PathBuf]) -> Result<CondaSettings> {
    let mut net = CondaSettings::default();
    for path in search_path(env, home, system_dirs) {
        match Condarc::load(&path) {
            Ok(rc) => merge_file(&mut net, &rc, env)?,
            Err(e) => net
                .skipped
                .push(format!("Ignoring a conda configuration file: {e}")),
        }
    }
    if let Some(value) = env_var(env, &SSL_VERIFY) {
        net.connection.ssl_verify = Some(ssl_verify(env, value));
    }
    if let Some(value) = env_var(env, &CLIENT_CERT) {
        net.connection.client_cert = Some(expand_path(env, value));
    }
    if let Some(value) = env_var(env, &CLIENT_CERT_KEY) {
        net.connection.client_cert_key = Some(expand_path(env, value));
    }
    if let Some(value) = env_var(env, &CHANNEL_ALIAS) {
        net.channel_alias = Some(value.to_string());
    }
    // conda splits the variable on commas; any non-blank entry configures a channel.
    if env
        .get("CONDA_CHANNELS")
        .is_some_and(|v| v.split(',').any(|c| !c.trim().is_empty()))
    {
        net.channels_set_in = Some("CONDA_CHANNELS".into());
    }
    Ok(net)
}

/// The files one search-path entry stands for (none when it does not exist).
fn expand_entry(entry: &Path) -> Vec<PathBuf> {
    if entry.is_file() {
        let named = entry
            .file_name()
            .is_some_and(|n| n == ".condarc" || n == "condarc");
        return if named || is_yaml(entry) {
            vec![entry.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    // Not a folder, or one we may not list: conda skips it too.
    let Ok(children) = std::fs::read_dir(entry) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = children
        .filter_map(|c| c.ok().map(|c| c.path()))
        .filter(|p| is_yaml(p) && p.is_file())
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files
}

/// Ends in `.yml` or `.yaml` (a file named just `.yml` has no extension, for conda as here).
fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yml" || e == "yaml")
}

/// `~` at the start of `$CONDARC`, as conda's `expanduser` does.
fn tilde(value: &str, home: &Path) -> PathBuf {
    match value.strip_prefix('~') {
        Some("") => home.to_path_buf(),
        Some(rest) if rest.starts_with(['/', '\\']) => home.join(&rest[1..]),
        _ => PathBuf::from(value),
    }
}

/// An empty value or YAML's null (`key:`, `key: ~`): the file does not set the key. (Quoting
/// is not visible here; a path or URL spelled `null` is not worth telling apart.)
fn is_unset(value: &str) -> bool {
    matches!(value.trim(), "" | "~" | "null" | "Null" | "NULL")
}

/// Lays one file's settings over `net`: only the keys it sets, with a non-empty value.
fn merge_file(net: &mut CondaSettings, rc: &Condarc, env: &Env) -> Result<()> {
    if let Some(value) = scalar(rc, &CHANNEL_ALIAS)? {
        net.channel_alias = Some(expand_path(env, &value).to_string_lossy().into_owned());
    }
    if let Some(map) = rc.get_map(CUSTOM_CHANNELS) {
        for (name, url) in map.into_iter().filter(|(_, url)| !is_unset(url)) {
            match net.custom_channels.iter_mut().find(|(k, _)| *k == name) {
                Some(entry) => entry.1 = url,
                None => net.custom_channels.push((name, url)),
            }
        }
    }
    if rc
        .get_list(CHANNELS)
        .is_some_and(|list| list.iter().any(|c| !is_unset(c)))
    {
        net.channels_set_in = Some(rc.path().display().to_string());
    }
    if let Some(value) = scalar(rc, &SSL_VERIFY)? {
        net.connection.ssl_verify = Some(ssl_verify(env, &value));
    }
    if let Some(value) = scalar(rc, &CLIENT_CERT)? {
        net.connection.client_cert = Some(expand_path(env, &value));
    }
    if let Some(value) = scalar(rc, &CLIENT_CERT_KEY)? {
        net.connection.client_cert_key = Some(expand_path(env, &value));
    }
    if rc.contains(PROXY_SERVERS) && !rc.get_scalar(PROXY_SERVERS).is_some_and(|v| is_unset(&v)) {
        let map = rc
            .get_map(PROXY_SERVERS)
            .ok_or_else(|| wrong_shape(rc, PROXY_SERVERS, "a mapping of schemes to proxy URLs"))?;
        for (key, url) in map {
            if is_unset(&url) {
                continue;
            }
            // `~` means nothing in a URL; only the `$VARS` part of expand_path applies.
            let url = expand_path(env, &url).to_string_lossy().into_owned();
            match net
                .connection
                .proxy_servers
                .iter_mut()
                .find(|(k, _)| *k == key)
            {
                Some(entry) => entry.1 = url,
                None => net.connection.proxy_servers.push((key, url)),
            }
        }
    }
    Ok(())
}

/// The first of `names` the file has, as a non-empty scalar; `None` when absent or empty.
fn scalar(rc: &Condarc, names: &[&str]) -> Result<Option<String>> {
    let Some(name) = names.iter().find(|n| rc.contains(n)) else {
        return Ok(None);
    };
    match rc.get_scalar(name) {
        Some(value) if is_unset(&value) => Ok(None),
        Some(value) => Ok(Some(value)),
        None => Err(wrong_shape(rc, name, "a single value")),
    }
}

/// The first of `names` set as `CONDA_<NAME>`.
fn env_var<'e>(env: &'e Env, names: &[&str]) -> Option<&'e str> {
    names
        .iter()
        .find_map(|n| env.get(&format!("CONDA_{}", n.to_ascii_uppercase())))
}

fn ssl_verify(env: &Env, value: &str) -> SslVerify {
    SslVerify::parse(value).expanded(env)
}

fn wrong_shape(rc: &Condarc, key: &str, expected: &str) -> Error {
    Error::InvalidFile {
        path: rc.path().to_path_buf(),
        what: "conda configuration",
        detail: format!("{key} must be {expected}"),
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary machine: `etc` and `var` as the system folders, `home`, and whatever
    /// variables a test sets.
    struct Machine {
        dir: tempfile::TempDir,
        vars: Vec<(String, String)>,
    }

    impl Machine {
        fn new() -> Machine {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("home")).unwrap();
            let home = dir.path().join("home").to_string_lossy().into_owned();
            Machine {
                dir,
                vars: vec![("HOME".into(), home)],
            }
        }

        /// `rel` is written with `/`; joined part by part, so that the path is spelled as
        /// the code under test spells it (a backslash between the parts on Windows).
        fn p(&self, rel: &str) -> PathBuf {
            rel.split('/')
                .fold(self.dir.path().to_path_buf(), |p, c| p.join(c))
        }

        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.p(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        }

        fn var(&mut self, name: &str, value: &str) {
            self.vars.push((name.into(), value.into()));
        }

        /// A variable naming a place in the temporary machine.
        fn var_path(&mut self, name: &str, rel: &str) {
            let value = self.p(rel).to_string_lossy().into_owned();
            self.var(name, &value);
        }

        fn var_paths(&mut self, pairs: &[(&str, &str)]) {
            for (name, rel) in pairs {
                self.var_path(name, rel);
            }
        }

        fn env(&self) -> Env {
            Env::from_pairs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }

        fn search_path(&self) -> Vec<PathBuf> {
            search_path(
                &self.env(),
                &self.p("home"),
                &[self.p("etc"), self.p("var")],
            )
        }

        fn load(&self) -> Result<CondaSettings> {
            load(
                &self.env(),
                &self.p("home"),
                &[self.p("etc"), self.p("var")],
            )
        }
    }

    fn ca(path: &str) -> Option<SslVerify> {
        Some(SslVerify::CaBundle(path.into()))
    }

    #[test]
    fn files_in_order_later_wins_then_variables() {
        let mut m = Machine::new();
        m.var_paths(&[
            ("CONDA_ROOT", "root"),
            ("XDG_CONFIG_HOME", "xdg"),
            ("CONDA_PREFIX", "env"),
            ("CONDARC", "custom.yml"),
        ]);
        let files = [
            "etc/.condarc",
            "etc/condarc",
            "etc/condarc.d/a.yml",
            "var/condarc",
            "root/.condarc",
            "xdg/conda/condarc",
            "home/.config/conda/.condarc",
            "home/.conda/condarc.d/x.yaml",
            "home/.condarc",
            "env/condarc",
            "custom.yml",
        ];
        for (i, rel) in files.iter().enumerate() {
            m.write(rel, &format!("ssl_verify: /ca{i}.pem\n"));
        }
        let want: Vec<PathBuf> = files.iter().map(|f| m.p(f)).collect();
        assert_eq!(m.search_path(), want);
        assert_eq!(m.load().unwrap().connection.ssl_verify, ca("/ca10.pem"));

        // A key set only early is kept; a later file without it changes nothing.
        m.write(
            "etc/.condarc",
            "client_ssl_cert: /etc/cert.pem\nssl_verify: false\n",
        );
        let net = m.load().unwrap();
        assert_eq!(net.connection.client_cert, Some("/etc/cert.pem".into()));
        assert_eq!(net.connection.ssl_verify, ca("/ca10.pem"));

        m.var("CONDA_SSL_VERIFY", "truststore");
        m.var("CONDA_CLIENT_SSL_CERT", "/env/cert.pem");
        let net = m.load().unwrap();
        assert_eq!(net.connection.ssl_verify, Some(SslVerify::Truststore));
        assert_eq!(net.connection.client_cert, Some("/env/cert.pem".into()));
    }

    #[test]
    fn condarc_d_yaml_files_in_name_order() {
        let m = Machine::new();
        m.write("etc/condarc.d/b.yaml", "ssl_verify: /b\n");
        m.write("etc/condarc.d/a.yml", "ssl_verify: /a\n");
        m.write("etc/condarc.d/c.txt", "ssl_verify: /c\n");
        m.write("etc/condarc.d/.yml", "ssl_verify: /dot\n");
        m.write("etc/condarc.d/d.yml/inner.yml", "ssl_verify: /d\n");
        assert_eq!(
            m.search_path(),
            vec![m.p("etc/condarc.d/a.yml"), m.p("etc/condarc.d/b.yaml")]
        );
        assert_eq!(m.load().unwrap().connection.ssl_verify, ca("/b"));
    }

    #[test]
    fn proxy_servers_merge_key_by_key() {
        let mut m = Machine::new();
        m.var("PROXY_PASS", "s3cret");
        m.write(
            "etc/.condarc",
            "proxy_servers:\n  http: http://sys:1\n  https: http://sys:2\n",
        );
        m.write(
            "home/.condarc",
            "proxy_servers: {https: 'http://u:$PROXY_PASS@user:3', http://h: http://h:4, http:}\n",
        );
        assert_eq!(
            m.load().unwrap().connection.proxy_servers,
            vec![
                ("http".into(), "http://sys:1".into()),
                ("https".into(), "http://u:s3cret@user:3".into()),
                ("http://h".into(), "http://h:4".into()),
            ]
        );
    }

    #[test]
    fn invalid_yaml_is_skipped_and_named_bad_values_are_errors() {
        let m = Machine::new();
        m.write("home/.condarc", "ssl_verify: false\n");
        let bad = m.write("home/.conda/condarc", "a: [b\n");
        let net = m.load().unwrap();
        assert_eq!(
            net.connection.ssl_verify,
            Some(SslVerify::No),
            "the other files still count"
        );
        assert_eq!(net.skipped.len(), 1);
        assert!(
            net.skipped[0].contains(&bad.display().to_string()),
            "{:?}",
            net.skipped
        );
        assert!(net.skipped[0].contains("line "), "{:?}", net.skipped);

        m.write("home/.conda/condarc", "ssl_verify: [a]\n");
        let err = m.load().unwrap_err().to_string();
        assert!(err.contains("ssl_verify must be"), "{err}");
        m.write("home/.conda/condarc", "proxy_servers: [a]\n");
        let err = m.load().unwrap_err().to_string();
        assert!(err.contains("proxy_servers must be"), "{err}");
    }

    #[test]
    fn nothing_set_anywhere() {
        let mut m = Machine::new();
        m.var_path("CONDA_PREFIX", "missing-env");
        m.var_path("CONDARC", "missing.yml");
        m.var_path("XDG_CONFIG_HOME", "missing-xdg");
        assert!(m.search_path().is_empty());
        assert_eq!(m.load().unwrap(), CondaSettings::default());
        // Empty values set nothing either.
        m.write(
            "home/.condarc",
            "ssl_verify:\nclient_ssl_cert: ''\nclient_ssl_cert_key: ~\nproxy_servers:\n",
        );
        assert_eq!(m.load().unwrap(), CondaSettings::default());
        m.write(
            "home/.condarc",
            "ssl_verify: null\nproxy_servers: {http: ~, https: }\n",
        );
        assert_eq!(m.load().unwrap(), CondaSettings::default());
    }

    #[test]
    fn a_file_reached_twice_is_read_at_its_first_place() {
        let mut m = Machine::new();
        // ~/.config/conda via XDG_CONFIG_HOME and again as itself; ~/.condarc via $CONDARC.
        m.var_paths(&[
            ("XDG_CONFIG_HOME", "home/.config/"),
            ("CONDA_PREFIX", "env"),
            ("CONDARC", "home/.condarc"),
        ]);
        m.write("home/.config/conda/condarc", "ssl_verify: /xdg\n");
        m.write("home/.condarc", "ssl_verify: /user\n");
        m.write("env/.condarc", "ssl_verify: /env\n");
        assert_eq!(
            m.search_path(),
            vec![
                m.p("home/.config/conda/condarc"),
                m.p("home/.condarc"),
                m.p("env/.condarc"),
            ]
        );
        assert_eq!(m.load().unwrap().connection.ssl_verify, ca("/env"));
    }

    #[test]
    fn condarc_variable_is_a_file_or_a_folder() {
        let mut m = Machine::new();
        m.var("CONDARC", "~/rc");
        // A file must be named like a condarc or end in .yml/.yaml, as for conda.
        m.write("home/rc", "ssl_verify: /ignored\n");
        assert!(m.search_path().is_empty());
        std::fs::remove_file(m.p("home/rc")).unwrap();
        m.write("home/rc/b.yaml", "ssl_verify: /b\n");
        m.write("home/rc/.condarc", "ssl_verify: /dot\n");
        assert_eq!(m.search_path(), vec![m.p("home/rc/b.yaml")]);
    }

    #[test]
    fn values_paths_and_aliases() {
        let mut m = Machine::new();
        m.write(
            "home/.condarc",
            concat!(
                "verify_ssl: ~/ca.pem\n",
                "client_cert: $CERTS/me.pem\n",
                "client_cert_key: '${CERTS}/me.key'\n",
            ),
        );
        // Variables in values are expanded when the files are read.
        m.var("CERTS", "/certs");
        let net = m.load().unwrap();
        assert_eq!(
            net.connection.ssl_verify,
            Some(SslVerify::CaBundle(m.p("home/ca.pem")))
        );
        assert_eq!(net.connection.client_cert, Some("/certs/me.pem".into()));
        assert_eq!(net.connection.client_cert_key, Some("/certs/me.key".into()));
        // ~/.conda comes before ~/.condarc in the search path: it does not win.
        m.write("home/.conda/condarc", "ssl_verify: False\n");
        let net = m.load().unwrap();
        assert_eq!(
            net.connection.ssl_verify,
            Some(SslVerify::CaBundle(m.p("home/ca.pem")))
        );
        // The environment's spellings, aliases included, win over every file.
        for (name, value) in [
            ("CONDA_VERIFY_SSL", "no"),
            ("CONDA_CLIENT_CERT_KEY", "$CERTS/env.key"),
        ] {
            m.var(name, value);
        }
        let net = m.load().unwrap();
        assert_eq!(
            (net.connection.ssl_verify, net.connection.client_cert_key),
            (Some(SslVerify::No), Some("/certs/env.key".into()))
        );
    }

    #[test]
    fn conda_root_from_conda_exe() {
        let root = |pairs: &[(&str, &str)]| conda_root(&Env::from_pairs(pairs.iter().copied()));
        assert_eq!(
            root(&[("CONDA_EXE", "/opt/c/bin/conda")]),
            Some("/opt/c".into())
        );
        assert_eq!(
            root(&[("CONDA_EXE", "/opt/c/condabin/conda")]),
            Some("/opt/c".into())
        );
        assert_eq!(
            root(&[("CONDA_ROOT", "/r"), ("CONDA_EXE", "/opt/c/bin/conda")]),
            Some("/r".into())
        );
        assert_eq!(root(&[("CONDA_EXE", "/usr/local/conda")]), None);
        assert_eq!(root(&[]), None);
    }
}
