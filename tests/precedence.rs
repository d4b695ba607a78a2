//! Which source of a setting wins, as anaconda-auth 0.15.3 ranks them (its
//! `AnacondaAuthConfig.settings_customise_sources`): `ANACONDA_AUTH_*`, its secret files, the
//! site, then `ANACONDA_CLOUD_*`, its secret files and `[plugin.cloud]`, and only then
//! `[plugin.auth]`.
//!
//! Each case gives `keyring_path` in several sources, each naming a keyring file that holds a
//! different token; `token list` shows which file we read. The expected winners are fixed here;
//! with `ANACONDA_TOKEN_TEST_PYTHON` set, each is also checked against the Python
//! `AnacondaAuthConfig().keyring_path` in the same HOME.

mod common;

use common::*;

/// Where a `keyring_path` value is given.
#[derive(Clone, Copy, Debug)]
enum Source {
    AuthEnv,
    AuthSecret,
    Site,
    CloudEnv,
    CloudSecret,
    CloudTable,
    AuthTable,
}

use Source::*;

impl Source {
    fn label(self) -> &'static str {
        match self {
            AuthEnv => "auth-env",
            AuthSecret => "auth-secret",
            Site => "site",
            CloudEnv => "cloud-env",
            CloudSecret => "cloud-secret",
            CloudTable => "cloud-table",
            AuthTable => "auth-table",
        }
    }
}

/// (sources that set keyring_path, the one that must win)
const CASES: &[(&[Source], Source)] = &[
    (&[AuthTable], AuthTable),
    (&[CloudTable, AuthTable], CloudTable),
    (&[CloudEnv, CloudTable, AuthTable], CloudEnv),
    (&[CloudSecret, CloudTable, AuthTable], CloudSecret),
    (&[CloudEnv, CloudSecret], CloudEnv),
    (&[AuthEnv, CloudEnv, CloudTable], AuthEnv),
    (&[AuthSecret, CloudEnv], AuthSecret),
    (&[Site, CloudEnv, CloudSecret, CloudTable, AuthTable], Site),
    (&[AuthEnv, AuthSecret, Site], AuthEnv),
];

/// A HOME with a keyring file per source, and `sources` setting keyring_path to theirs.
fn home_for(sources: &[Source]) -> Home {
    let mut home = Home::new();
    let secrets = home.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    home.set("ANACONDA_SECRETS_DIR", secrets.to_str().unwrap());
    let mut config = String::new();
    let mut tables: [Vec<String>; 3] = Default::default(); // site, cloud, auth
    for &source in sources {
        let label = source.label();
        let file = home.path().join(format!("k-{label}"));
        let entry = encode_entry(&serde_json::json!({
            "domain": "anaconda.com",
            "repo_tokens": [{"token": format!("tok-{label}"), "org_name": "acme"}],
        }));
        std::fs::write(
            &file,
            format!(r#"{{"Anaconda Cloud": {{"anaconda.com": "{entry}"}}}}"#),
        )
        .unwrap();
        let value = file.to_str().unwrap().to_string();
        let line = format!("keyring_path = {value:?}");
        match source {
            AuthEnv => {
                home.set("ANACONDA_AUTH_KEYRING_PATH", value);
            }
            CloudEnv => {
                home.set("ANACONDA_CLOUD_KEYRING_PATH", value);
            }
            AuthSecret => {
                std::fs::write(secrets.join("anaconda_auth_keyring_path"), value).unwrap()
            }
            CloudSecret => {
                std::fs::write(secrets.join("anaconda_cloud_keyring_path"), value).unwrap()
            }
            Site => tables[0].push(line),
            CloudTable => tables[1].push(line),
            AuthTable => tables[2].push(line),
        }
    }
    // [plugin.auth] first in the file: the order in the file does not matter.
    for (header, lines) in [
        ("[plugin.auth]", &tables[2]),
        ("[plugin.cloud]", &tables[1]),
    ] {
        if !lines.is_empty() {
            config.push_str(&format!("{header}\n{}\n", lines.join("\n")));
        }
    }
    if !tables[0].is_empty() {
        config.push_str(&format!(
            "[sites.main]\ndomain = \"anaconda.com\"\n{}\n",
            tables[0].join("\n")
        ));
    }
    std::fs::create_dir_all(home.path().join(".anaconda")).unwrap();
    std::fs::write(home.path().join(".anaconda/config.toml"), config).unwrap();
    home
}

/// The label of the keyring file we read.
fn ours(home: &Home) -> String {
    let out = home.cmd(&["token", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows[0]["token"]
        .as_str()
        .unwrap()
        .trim_start_matches("tok-")
        .to_string()
}

/// The label of the keyring file the Python tool reads.
fn pythons(python: &str, home: &Home) -> String {
    let out = std::process::Command::new(python)
        .env_clear()
        .envs(home.env().iter().map(|(k, v)| (k, v)))
        .current_dir(home.path())
        .args([
            "-c",
            "from anaconda_auth.config import AnacondaAuthConfig\n\
             print('RESULT', AnacondaAuthConfig().keyring_path.name)",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no result: {text}"));
    line.trim().trim_start_matches("k-").to_string()
}

#[test]
fn each_source_ranks_as_in_the_python_tool() {
    let python = std::env::var("ANACONDA_TOKEN_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    if python.is_none() {
        eprintln!("Python check skipped: ANACONDA_TOKEN_TEST_PYTHON is not set");
    }
    for (sources, winner) in CASES {
        let home = home_for(sources);
        assert_eq!(ours(&home), winner.label(), "{sources:?}");
        if let Some(python) = &python {
            assert_eq!(
                pythons(python, &home),
                winner.label(),
                "the Python tool, {sources:?}"
            );
        }
    }
}

#[test]
fn deprecated_sources_are_named_in_a_warning() {
    let home = home_for(&[CloudEnv, CloudTable]);
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────────────┬───────────────┬─────────┐
    │ Organization ┆ Channel URL                             ┆ Token         ┆ Expires │
    ╞══════════════╪═════════════════════════════════════════╪═══════════════╪═════════╡
    │ acme         ┆ https://repo.anaconda.cloud/repo/acme/* ┆ tok-cloud-env ┆ -       │
    └──────────────┴─────────────────────────────────────────┴───────────────┴─────────┘
    Stored in [HOME]/k-cloud-env (plain text file[, MODE])

    ----- stderr -----
    Warning: ANACONDA_CLOUD_KEYRING_PATH is deprecated: rename to ANACONDA_AUTH_….
    Warning: [plugin.cloud] in [HOME]/.anaconda/config.toml is deprecated: rename it [plugin.auth]. Until then its values win over [plugin.auth]'s, as with the Python tool.
    ");
    // Nothing to warn about.
    let home = home_for(&[AuthEnv, AuthTable]);
    cmd_snapshot!(home, home.cmd(&["token", "list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Anaconda Repository Tokens
    ┌──────────────┬─────────────────────────────────────────┬──────────────┬─────────┐
    │ Organization ┆ Channel URL                             ┆ Token        ┆ Expires │
    ╞══════════════╪═════════════════════════════════════════╪══════════════╪═════════╡
    │ acme         ┆ https://repo.anaconda.cloud/repo/acme/* ┆ tok-auth-env ┆ -       │
    └──────────────┴─────────────────────────────────────────┴──────────────┴─────────┘
    Stored in [HOME]/k-auth-env (plain text file[, MODE])

    ----- stderr -----
    ");
}
