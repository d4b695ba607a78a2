//! Shared test fixtures: a temporary HOME with an isolated environment, a wiremock server that
//! speaks the API of `../shared/spec/api.md`, and the binary run as a user runs it.
#![allow(dead_code)]

pub mod python;
pub mod rattler;
pub mod raw_http;
pub mod snapshot;

#[allow(unused_imports)]
pub(crate) use snapshot::{Filters, cmd_snapshot};

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API_KEY: &str = "test-api-key";
pub const ACME_ID: &str = "11111111-1111-1111-1111-111111111111";
pub const BETA_ID: &str = "22222222-2222-2222-2222-222222222222";
pub const FREE_ID: &str = "33333333-3333-3333-3333-333333333333";
/// The access token the mock device login (`Api::device_flow`) hands out.
pub const DEVICE_ACCESS_TOKEN: &str = "access-token-1";

/// A temporary HOME and the environment the binary runs with (nothing from the developer's).
pub struct Home {
    pub dir: tempfile::TempDir,
    /// `XDG_RUNTIME_DIR`: where the binary keeps its lock files, outside HOME.
    pub run: tempfile::TempDir,
    env: Vec<(String, String)>,
    /// What snapshots of this HOME's runs hide (see `snapshot`).
    filters: RefCell<Filters>,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().to_str().unwrap().to_string();
        let run = tempfile::tempdir().expect("temp dir");
        let mut env: Vec<(String, String)> = vec![
            (
                "XDG_RUNTIME_DIR".into(),
                run.path().to_str().unwrap().into(),
            ),
            ("HOME".into(), home.clone()),
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("XDG_CONFIG_HOME".into(), format!("{home}/.config")),
            ("ANACONDA_TOKEN_TIMEOUT".into(), "5".into()),
            ("LOCALAPPDATA".into(), format!("{home}/AppData/Local")),
        ];
        if cfg!(windows) {
            // Where Windows programs (and Python) find the home folder.
            env.push(("USERPROFILE".into(), home.clone()));
            env.push(("APPDATA".into(), format!("{home}/AppData/Roaming")));
            // Without SystemRoot, Winsock cannot load its providers and every connection
            // fails (WSAEPROVIDERFAILEDINIT): not something a user's environment lacks.
            for name in ["SYSTEMROOT", "WINDIR"] {
                if let Ok(value) = std::env::var(name) {
                    env.push((name.into(), value));
                }
            }
        }
        let mut filters = Filters::default();
        // conda's token folder first (it is under HOME, and elsewhere on each system).
        if let Ok(canonical) = dir.path().canonicalize() {
            filters.add(binstar_dir(&canonical).to_string_lossy(), "BINSTAR");
        }
        filters.add(binstar_dir(dir.path()).to_string_lossy(), "BINSTAR");
        for (folder, name) in [(dir.path(), "HOME"), (run.path(), "RUN")] {
            // The canonical form first: on macOS it is the longer one (/private/var/…).
            if let Ok(canonical) = folder.canonicalize() {
                filters.add(canonical.to_string_lossy(), name);
            }
            filters.add(folder.to_string_lossy(), name);
        }
        // How long each request took, in the `-v` log.
        filters.pattern(r"\(\d+ ms\)", "([TIME])");
        // The random part of a temporary file's name, and the hash of the path a lock guards.
        filters.pattern(
            r"(\.tmp-[^\s/\\]+-)[A-Za-z0-9]{6}\.partial",
            "${1}[RANDOM].partial",
        );
        filters.pattern(r"-[0-9a-f]{16}\.lock", "-[HASH].lock");
        // A keyring file's mode depends on the umask, and Windows has none to show.
        filters.pattern(
            r"\(plain text file(, mode [0-7]{4})?\)",
            "(plain text file[, MODE])",
        );
        Home {
            env,
            dir,
            run,
            filters: RefCell::new(filters),
        }
    }

    /// What a snapshot of a run in this HOME hides: the folders, the mock API's address and the
    /// keys and tokens the test named.
    pub fn filters(&self) -> Filters {
        self.filters.borrow().clone()
    }

    /// Shows `value` (a token the test made up) as `[name]` in snapshots.
    pub fn filter(&self, value: &str, name: &str) -> &Self {
        self.filters.borrow_mut().add(value, name);
        self
    }

    /// Shows what matches `pattern` as `replacement` in snapshots.
    pub fn filter_pattern(&self, pattern: &str, replacement: &str) -> &Self {
        self.filters.borrow_mut().pattern(pattern, replacement);
        self
    }

    /// Shows the system's words for a refused connection as `[CONNECT ERROR]`.
    pub fn filter_connect_errors(&self) -> &Self {
        self.filters.borrow_mut().connect_errors();
        self
    }

    /// Shows the mock API's URL as `[API]` (also where it is part of a conda token file's name)
    /// and its host:port (the keyring domain) as `[DOMAIN]`.
    pub fn filter_api(&self, api: &Api) -> &Self {
        self.filter(&api.uri(), "API")
            .filter(&percent_encoded(&api.uri()), "API")
            .filter(&api.domain(), "DOMAIN")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Our lock folder for this HOME.
    pub fn lock_dir(&self) -> PathBuf {
        self.run.path().join("anaconda-token")
    }

    /// The lock file the binary takes for `path`.
    pub fn lock_file(&self, path: &Path) -> PathBuf {
        anaconda_token::fs::Locks::new(self.lock_dir()).lock_file(path)
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value));
        self
    }

    /// Points the binary at the mock API (as domain) and repository, authenticated by env.
    pub fn with_api(&mut self, api: &Api) -> &mut Self {
        self.filter_api(api);
        self.set("ANACONDA_AUTH_DOMAIN", api.uri())
            .set("CONDA_TOKEN_REPO_URL", api.repo_url())
    }

    pub fn with_env_key(&mut self) -> &mut Self {
        self.filter(API_KEY, "API_KEY");
        self.set("ANACONDA_AUTH_API_KEY", API_KEY)
    }

    /// The binary, in this HOME, with only this environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_cmd(args))
    }

    /// Passes this test process's D-Bus session (the Secret Service) on to the binary, and keeps
    /// tokens in the OS keyring. `false` (and a note on stderr) when there is no session bus to
    /// pass; with `ANACONDA_TOKEN_TEST_REQUIRE_KEYRING` set (CI) that is a failure instead.
    pub fn with_system_keyring(&mut self) -> bool {
        let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") else {
            assert!(
                std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_KEYRING").is_none(),
                "no D-Bus session bus, and ANACONDA_TOKEN_TEST_REQUIRE_KEYRING is set"
            );
            eprintln!("skipped: DBUS_SESSION_BUS_ADDRESS is not set (bash .ci/run sets up one)");
            return false;
        };
        self.set("DBUS_SESSION_BUS_ADDRESS", bus)
            .set("ANACONDA_AUTH_PREFERRED_TOKEN_STORAGE", "system");
        true
    }

    /// The environment the binary gets, for running other programs (the Python tool) alike.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The legacy `conda-token` binary, in this HOME.
    pub fn conda_token(&self, args: &[&str]) -> Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("conda-token"));
        cmd.env_clear().current_dir(self.path()).args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Command::from_std(cmd)
    }

    /// Puts a fake `conda` first on PATH that records its arguments; returns the record file.
    #[cfg(unix)]
    pub fn fake_conda(&mut self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.path().join("fake-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let record = self.path().join("conda-calls");
        let conda = bin.join("conda");
        std::fs::write(
            &conda,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", record.display()),
        )
        .unwrap();
        std::fs::set_permissions(&conda, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
        record
    }

    /// The same as a plain `std::process::Command` (to spawn several at once, or in a pty).
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("anaconda"));
        cmd.env_clear().current_dir(self.path()).args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `anaconda token install TOKEN -o ORG --no-set-default-channels`: a given (site) token,
    /// `.condarc` left alone.
    pub fn install_given(&self, token: &str, org: &str) -> Command {
        Command::from_std(self.install_given_std(token, org))
    }

    pub fn install_given_std(&self, token: &str, org: &str) -> std::process::Command {
        self.std_cmd(&install_given_args(token, org))
    }

    /// `anaconda token reissue -o ORG -y --no-set-default-channels`: no question, `.condarc`
    /// left alone.
    pub fn reissue_yes(&self, org: &str) -> Command {
        self.cmd(&[
            "token",
            "reissue",
            "-o",
            org,
            "-y",
            "--no-set-default-channels",
        ])
    }

    /// The `source` of each row of `anaconda token list --json`.
    pub fn listed_sources(&self) -> Vec<String> {
        let out = self.cmd(&["token", "list", "--json"]).output().unwrap();
        let rows: Value = serde_json::from_slice(&out.stdout).expect("list --json prints JSON");
        rows.as_array()
            .expect("a list")
            .iter()
            .map(|row| row["source"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn keyring_path(&self) -> PathBuf {
        self.path().join(".anaconda").join("keyring")
    }

    pub fn condarc_path(&self) -> PathBuf {
        self.path().join(".condarc")
    }

    /// conda's token folder for this HOME (`XDG_CONFIG_HOME` is set, so macOS uses it too).
    pub fn binstar_dir(&self) -> PathBuf {
        binstar_dir(self.path())
    }

    /// The token file conda reads for `repo_url`.
    pub fn conda_token_file(&self, repo_url: &str) -> PathBuf {
        self.binstar_dir()
            .join(format!("{}.token", percent_encoded(repo_url)))
    }

    /// Writes conda's token file for `repo_url`, as conda-token does; returns its path.
    pub fn write_conda_token(&self, repo_url: &str, token: &str) -> PathBuf {
        let file = self.conda_token_file(repo_url);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, token).unwrap();
        file
    }

    /// The decoded keyring entry for `domain`, if any.
    pub fn entry(&self, domain: &str) -> Option<Value> {
        let text = std::fs::read_to_string(self.keyring_path()).ok()?;
        if text.trim().is_empty() {
            return None;
        }
        let file: Value = serde_json::from_str(&text).expect("keyring file is JSON");
        let secret = file["Anaconda Cloud"][domain].as_str()?;
        Some(decode_entry(secret))
    }

    /// Stores an entry the way the Python tool writes the keyring file.
    /// `token` installed for acme in the keyring file, with an old expiry (2026-12-31).
    pub fn installed(&self, api: &Api, token: &str) {
        self.write_entry(
            &api.domain(),
            &json!({"domain": api.domain(), "repo_tokens": [
                {"token": token, "org_name": "acme", "expires_at": "2026-12-31T00:00:00+00:00"}
            ], "version": 2}),
        );
    }

    pub fn write_entry(&self, domain: &str, entry: &Value) {
        let secret = encode_entry(entry);
        let file = json!({"Anaconda Cloud": {domain: secret}});
        std::fs::create_dir_all(self.keyring_path().parent().unwrap()).unwrap();
        std::fs::write(self.keyring_path(), python_json(&file)).unwrap();
    }
}

/// `text` as conda percent-encodes a URL into a token file's name.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// conda's token folder for HOME `home`.
fn binstar_dir(home: &Path) -> PathBuf {
    if cfg!(windows) {
        home.join("AppData/Local/ContinuumIO/binstar")
    } else {
        home.join(".config").join("binstar")
    }
}

/// The arguments of `Home::install_given`, for running them another way.
pub fn install_given_args<'a>(token: &'a str, org: &'a str) -> [&'a str; 6] {
    [
        "token",
        "install",
        token,
        "-o",
        org,
        "--no-set-default-channels",
    ]
}

/// The usual start: a mock API, and a HOME pointed at it (as domain and repository) and
/// authenticated by `ANACONDA_AUTH_API_KEY`.
pub fn setup() -> (Home, Api) {
    let (mut home, api) = setup_without_key();
    home.with_env_key();
    (home, api)
}

/// A mock API and a HOME pointed at it, with no API key (the legacy commands need none).
pub fn setup_without_key() -> (Home, Api) {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    (home, api)
}

pub fn decode_entry(secret: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .expect("entry is base64");
    serde_json::from_slice(&bytes).expect("entry is JSON")
}

pub fn encode_entry(entry: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_string(entry).unwrap())
}

/// `json.dump` layout for simple objects of strings.
pub fn python_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap()
        .replace("\":\"", "\": \"")
        .replace("\":{", "\": {")
        .replace("\",\"", "\", \"")
        .replace("},\"", "}, \"")
}

/// A wiremock server on loopback, owned with the runtime it runs on.
pub struct Api {
    pub server: MockServer,
    rt: tokio::runtime::Runtime,
}

impl Api {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        Api { server, rt }
    }

    /// The same on `listener` (an address of the test's choosing, say another loopback address).
    pub fn start_on(listener: std::net::TcpListener) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::builder().listener(listener).start());
        Api { server, rt }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The host:port the keyring entry is stored under.
    pub fn domain(&self) -> String {
        self.server.address().to_string()
    }

    pub fn repo_url(&self) -> String {
        format!("{}/repo/", self.server.uri())
    }

    pub fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// Requests received so far, as (method, path).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .iter()
            .map(|r| (r.method.to_string(), r.url.path().to_string()))
            .collect()
    }

    /// How many tokens were issued (PUT requests) so far.
    pub fn puts(&self) -> usize {
        self.requests().iter().filter(|(m, _)| m == "PUT").count()
    }

    pub fn received(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// `/api/organizations/my` and `/api/account` for the given (id, name, title, product).
    pub fn organizations(&self, orgs: &[(&str, &str, &str, &str)]) {
        let list: Vec<Value> = orgs
            .iter()
            .map(|(id, name, title, _)| json!({"id": id, "name": name, "title": title}))
            .collect();
        let subs: Vec<Value> = orgs
            .iter()
            .map(|(id, _, _, product)| json!({"org_id": id, "product_code": product}))
            .collect();
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/organizations/my"))
                .and(header(
                    "authorization",
                    format!("Bearer {API_KEY}").as_str(),
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(list)),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/account"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "user": {"id": "u-1", "email": "a@b.c", "username": "alice"},
                    "profile": {},
                    "subscriptions": subs,
                }))),
        );
    }

    /// One business organization, `acme`.
    pub fn acme(&self) {
        self.organizations(&[(ACME_ID, "acme", "Acme Inc.", "commercial_subscription")]);
    }

    /// `GET …/current-token`: `Some(expiry)` → 200, `None` → 404.
    pub fn current_token(&self, org: &str, expires: Option<&str>) {
        let (status, body) = match expires {
            Some(e) => (200, json!({"id": "t-1", "expires_at": e})),
            None => (404, json!({"error": {"code": "not_found"}})),
        };
        let p = format!("/api/organizations/{org}/ce/current-token");
        self.answer("GET", &p, status, &body);
    }

    /// `PUT …/current-token` issues `token`.
    pub fn issue(&self, org: &str, token: &str, expires: &str) {
        self.mount(
            Mock::given(method("PUT"))
                .and(path(format!("/api/organizations/{org}/ce/current-token")))
                .and(body_json(json!({"confirm": "yes"})))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"token": token, "expires_at": expires})),
                ),
        );
    }

    /// The organization has no token yet; the service issues `token`, which the repository
    /// accepts: the happy path of `install`.
    pub fn will_issue(&self, org: &str, token: &str, expires: &str) {
        self.current_token(org, None);
        self.issue(org, token, expires);
        self.repo_accepts(token);
    }

    /// The organization has a token (expiring 2026-12-31); the service issues `token` in its
    /// place: `reissue`, or `install` over an existing token.
    pub fn will_reissue(&self, org: &str, token: &str, expires: &str) {
        self.current_token(org, Some("2026-12-31T00:00:00Z"));
        self.issue(org, token, expires);
    }

    /// The repository accepts `token` (HEAD …/t/<token>/repo/main/noarch/repodata.json).
    pub fn repo_accepts(&self, token: &str) {
        self.repo_answers(token, 200);
    }

    pub fn repo_answers(&self, token: &str, status: u16) {
        self.mount(
            Mock::given(method("HEAD"))
                .and(path(format!("/t/{token}/repo/main/noarch/repodata.json")))
                .respond_with(ResponseTemplate::new(status)),
        );
    }

    /// The device login: discovery (announcing endpoints under `base`, the URL clients reach
    /// this server by), the device code `ABCD-EFGH` (valid `expires_in`, polled every
    /// `interval`), and a token endpoint that answers "pending" `pending` times, then hands out
    /// [`DEVICE_ACCESS_TOKEN`]. The requests must be the ones anaconda-auth makes.
    pub fn device_flow(&self, base: &str, pending: u64, expires_in: Value, interval: Value) {
        self.mount(
            Mock::given(method("GET"))
                .and(path("/.well-known/openid-configuration"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}/token"),
                    "device_authorization_endpoint": format!("{base}/device"),
                }))),
        );
        self.mount(
            Mock::given(method("POST"))
                .and(path("/device"))
                .and(body_string_contains(
                    "client_id=b4ad7f1d-c784-46b5-a9fe-106e50441f5a",
                ))
                .and(body_string_contains("scope=openid"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "device_code": "dev-code-1", "user_code": "ABCD-EFGH",
                    "verification_uri": "https://example.test/activate",
                    "verification_uri_complete": "https://example.test/activate?code=ABCD-EFGH",
                    "expires_in": expires_in, "interval": interval,
                }))),
        );
        if pending > 0 {
            self.mount(
                Mock::given(method("POST"))
                    .and(path("/token"))
                    .respond_with(
                        ResponseTemplate::new(400)
                            .set_body_json(json!({"error": "authorization_pending"})),
                    )
                    .up_to_n_times(pending),
            );
        }
        self.mount(
            Mock::given(method("POST"))
                .and(path("/token"))
                .and(body_string_contains("device_code=dev-code-1"))
                .and(body_string_contains(
                    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
                ))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"access_token": DEVICE_ACCESS_TOKEN})),
                ),
        );
    }

    /// Answers `verb p` with `status` and the JSON `body`.
    pub fn answer(&self, verb: &str, p: &str, status: u16, body: &Value) {
        self.mount(json_answer(verb, p, status, body));
    }

    /// Answers `verb p` with `status` and an error the service might send.
    pub fn fail(&self, verb: &str, p: &str, status: u16) {
        self.answer(
            verb,
            p,
            status,
            &json!({"error": {"code": "oops", "message": "server trouble"}}),
        );
    }
}

/// A mock answering `verb p` with `status` and the JSON `body`, to refine before mounting
/// (`.up_to_n_times(1)`); `Api::answer` mounts it as it is.
pub fn json_answer(verb: &str, p: &str, status: u16, body: &Value) -> Mock {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether this test runs as root (mounting file systems, `chattr`): CI does.
#[cfg(unix)]
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A small tmpfs mounted at a folder (root only, Linux's mount(8)), unmounted when dropped: a
/// real file system to fill up or make read-only.
#[cfg(target_os = "linux")]
pub struct Tmpfs {
    pub path: PathBuf,
}

#[cfg(target_os = "linux")]
impl Tmpfs {
    /// Mounts a tmpfs of `size` (as mount(8) takes it: `256k`) at `path` (created).
    pub fn mount(path: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        run_ok(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
                path.to_str().unwrap(),
            ],
        );
        Tmpfs {
            path: path.to_path_buf(),
        }
    }

    /// Fills the file system up (a file `filler` that takes all the space left).
    pub fn fill(&self) {
        use std::io::Write;
        let mut file = std::fs::File::create(self.path.join("filler")).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
    }

    pub fn unfill(&self) {
        let _ = std::fs::remove_file(self.path.join("filler"));
    }

    pub fn remount_read_only(&self) {
        run_ok("mount", &["-o", "remount,ro", self.path.to_str().unwrap()]);
    }

    pub fn remount_read_write(&self) {
        run_ok("mount", &["-o", "remount,rw", self.path.to_str().unwrap()]);
    }
}

#[cfg(target_os = "linux")]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

/// Runs a program that must succeed (test set-up).
pub fn run_ok(program: &str, args: &[&str]) {
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// An answer that also does something when the request arrives (fills the disk the moment the
/// token is issued, say).
pub struct AndThen<F> {
    pub response: ResponseTemplate,
    pub effect: F,
}

impl<F: Fn() + Send + Sync + 'static> wiremock::Respond for AndThen<F> {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        (self.effect)();
        self.response.clone()
    }
}

/// The whole tree under `root` as (relative path, kind and content): two snapshots are equal
/// exactly when nothing was created, removed or changed.
pub fn tree(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // With `/` between the parts on every system, so that tests can name them alike.
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else if meta.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&path).unwrap().display())
            } else {
                format!(
                    "file {}",
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default())
                )
            };
            out.push((rel, what));
        }
    }
    out.sort();
    out
}
