//! py-rattler, the library under pixi and rattler-build, as a real consumer of the credentials
//! we write: a conda channel on the mock server that answers only under `/t/<token>/`, and a
//! Python script (`rattler_fetch.py`) that fetches it with rattler's default authentication.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{Api, Home, python, stderr, stdout};

/// The channel the mock serves (under the repository URL, as the organization's channels are).
pub const CHANNEL: &str = "acme";
/// The one package in the channel's `noarch/repodata.json`, as rattler_fetch.py prints it.
pub const PACKAGE: &str = "acme-widget 1.0 py_0";
/// The subdirectories rattler_fetch.py asks for: `noarch` holds the package, `linux-64` is empty
/// (pixi always asks for both; any machine can fetch any platform's repodata).
pub const SUBDIRS: [&str; 2] = ["noarch", "linux-64"];

/// The script, next to this file.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/rattler_fetch.py")
}

/// The test Python (`ANACONDA_TOKEN_TEST_PYTHON`) when it has py-rattler. `None`, with a note on
/// stderr, when there is no test Python or it lacks py-rattler; with
/// `ANACONDA_TOKEN_TEST_REQUIRE_RATTLER` set (CI, whose venv .ci/run gives py-rattler) a missing
/// py-rattler is a failure instead.
pub fn rattler_python() -> Option<PathBuf> {
    let python = python::test_python()?;
    let probe = std::process::Command::new(&python)
        .args(["-c", "import rattler"])
        .output()
        .expect("python runs");
    if probe.status.success() {
        return Some(python);
    }
    assert!(
        std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_RATTLER").is_none(),
        "{} cannot import rattler, and ANACONDA_TOKEN_TEST_REQUIRE_RATTLER is set: {}",
        python.display(),
        stderr(&probe)
    );
    eprintln!(
        "skipped: {} has no py-rattler (bash .ci/run installs it)",
        python.display()
    );
    None
}

/// The channel's URL, as a pixi manifest names it: no token in it.
pub fn channel_url(api: &Api) -> String {
    format!("{}{CHANNEL}", api.repo_url())
}

/// Serves the channel under `/t/<token>/repo/acme/` only: `noarch` with [`PACKAGE`], `linux-64`
/// empty. Everything else (the channel without the token, the compressed variants rattler tries
/// first) is wiremock's 404.
pub fn serve_channel(api: &Api, token: &str) {
    let package = json!({
        "name": "acme-widget", "version": "1.0", "build": "py_0", "build_number": 0,
        "depends": [], "license": "BSD-3-Clause", "subdir": "noarch", "noarch": "python",
        "md5": "d41d8cd98f00b204e9800998ecf8427e", "size": 1,
    });
    for subdir in SUBDIRS {
        let packages = if subdir == "noarch" {
            json!({"acme-widget-1.0-py_0.tar.bz2": package})
        } else {
            json!({})
        };
        let repodata = json!({
            "info": {"subdir": subdir},
            "packages": packages,
            "packages.conda": {},
            "repodata_version": 1,
        });
        api.mount(
            Mock::given(method("GET"))
                .and(path(format!(
                    "/t/{token}/repo/{CHANNEL}/{subdir}/repodata.json"
                )))
                .respond_with(ResponseTemplate::new(200).set_body_json(repodata)),
        );
    }
}

/// What rattler made of the channel.
#[derive(Debug)]
pub enum Fetched {
    /// It fetched and parsed every subdirectory: `{subdir: ["name version build", …]}`.
    Parsed(Value),
    /// It could not fetch the repodata (rattler's `FetchRepoDataError`, as it words it).
    Refused(String),
}

impl Fetched {
    /// The packages parsed, or a failure naming rattler's error.
    pub fn parsed(self) -> Value {
        match self {
            Fetched::Parsed(value) => value,
            Fetched::Refused(error) => panic!("rattler could not fetch the channel: {error}"),
        }
    }

    /// rattler's error, or a failure naming what it parsed.
    pub fn refused(self) -> String {
        match self {
            Fetched::Refused(error) => error,
            Fetched::Parsed(value) => panic!("rattler fetched the channel: {value}"),
        }
    }
}

/// Runs rattler_fetch.py on `url` with the environment the binary gets in `home` (so the
/// `RATTLER_AUTH_FILE` the test set, and `home` as `~`). Unless the test passed its D-Bus session
/// on (`Home::with_system_keyring`), the OS keyring, which rattler reads before
/// `~/.rattler/credentials.json`, is kept out of it: the session bus is a socket that does not
/// exist, so rattler's Secret Service lookup fails at once and it goes on to the files (and a
/// developer's real keyring cannot answer).
pub fn fetch(python: &Path, home: &Home, url: &str) -> Fetched {
    let mut cmd = std::process::Command::new(python);
    cmd.env_clear()
        .current_dir(home.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", home.path().join("no-session-bus").display()),
        )
        .envs(home.env().iter().map(|(k, v)| (k, v)))
        .arg(script())
        .arg(url)
        .args(SUBDIRS);
    let out = cmd.output().expect("python runs");
    match out.status.code() {
        Some(0) => Fetched::Parsed(serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
            panic!("rattler_fetch.py printed no JSON ({e}): {}", stdout(&out))
        })),
        Some(3) => Fetched::Refused(stderr(&out).trim().to_string()),
        _ => panic!("rattler_fetch.py failed ({}): {}", out.status, stderr(&out)),
    }
}

/// rattler's authentication file in rattler's format: host → externally tagged authentication.
pub fn write_auth_file(file: &Path, entries: &Value) {
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, serde_json::to_string_pretty(entries).unwrap()).unwrap();
}

/// The paths the server was asked for under the channel (with or without a token before it).
pub fn channel_requests(api: &Api) -> Vec<String> {
    api.requests()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.contains(&format!("/repo/{CHANNEL}/")))
        .collect()
}
