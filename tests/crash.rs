//! SIGKILL at random moments: `install` (for conda, pixi and mamba), `uninstall` and
//! `config --force` killed about 100 times mid-run. Every file must still parse and hold the old or the new content, and no lock
//! may block the next run. (On Windows `kill` is TerminateProcess, as sudden.)

mod common;

use std::time::Duration;

use anaconda_token::conda::condarc::Condarc;
use common::*;

const TOKEN: &str = "tok-crash-1";

/// A small deterministic generator, so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn check_files(home: &Home, api: &Api, round: usize) {
    if let Ok(text) = std::fs::read_to_string(home.keyring_path())
        && !text.trim().is_empty()
    {
        let file: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("round {round}: {e}: {text}"));
        assert_eq!(
            file["other"]["u"], "keep",
            "round {round}: other entries kept"
        );
        if let Some(secret) = file["Anaconda Cloud"][api.domain()].as_str() {
            let entry = decode_entry(secret);
            for token in entry["repo_tokens"].as_array().unwrap() {
                assert_eq!(token["token"], TOKEN, "round {round}");
            }
        }
    }
    let condarc = std::fs::read_to_string(home.condarc_path()).unwrap();
    let doc = Condarc::parse(&home.condarc_path(), &condarc)
        .unwrap_or_else(|e| panic!("round {round}: {e}: {condarc}"));
    assert_eq!(
        doc.get_list("channels").unwrap(),
        ["defaults"],
        "round {round}"
    );
    if let Some(channels) = doc.get_list("default_channels") {
        assert_eq!(channels.len(), 3, "round {round}: {condarc}");
    }
    if let Ok(bak) = std::fs::read_to_string(home.path().join(".condarc.bak")) {
        Condarc::parse(&home.condarc_path(), &bak)
            .unwrap_or_else(|e| panic!("round {round}: .bak: {e}: {bak}"));
    }
    for path in tool_files(home) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let file: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("round {round}: {}: {e}: {text}", path.display()));
        let file = file.as_object().unwrap();
        if path.starts_with(home.path().join(".rattler")) {
            let other: serde_json::Value = serde_json::from_str(OTHER).unwrap();
            assert_eq!(
                file["other.example"], other,
                "round {round}: other entries kept"
            );
        }
        for (key, value) in file.iter().filter(|(k, _)| *k != "other.example") {
            let token = value.get("CondaToken").or(value.get("token"));
            assert_eq!(
                token.unwrap(),
                TOKEN,
                "round {round}: {key} in {}",
                path.display()
            );
        }
    }
    let token_file = home.conda_token_file(&api.repo_url());
    if let Ok(token) = std::fs::read_to_string(&token_file) {
        assert_eq!(token, TOKEN, "round {round}: conda's token file");
    }
}

/// rattler's and mamba's credentials files.
fn tool_files(home: &Home) -> [std::path::PathBuf; 2] {
    [
        home.path().join(".rattler/credentials.json"),
        home.path().join(".mamba/auth/authentication.json"),
    ]
}

/// Another host's entry in rattler's file, which must survive every round.
const OTHER: &str = r#"{"BearerToken":"keep"}"#;

/// Every `.partial` temp file anywhere under `dir`.
fn temp_files(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(temp_files(&entry.path()));
        } else if name.ends_with(".partial") {
            found.push(entry.path().display().to_string());
        }
    }
    found
}

#[test]
fn files_survive_sigkill_at_any_moment() {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts(TOKEN);
    std::fs::write(home.condarc_path(), "channels:\n  - defaults  # mine\n").unwrap();
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    std::fs::write(home.keyring_path(), r#"{"other": {"u": "keep"}}"#).unwrap();

    let [rattler, _] = tool_files(&home);
    std::fs::create_dir_all(rattler.parent().unwrap()).unwrap();
    std::fs::write(&rattler, format!(r#"{{"other.example":{OTHER}}}"#)).unwrap();

    let commands: [&[&str]; 3] = [
        &[
            "token", "install", TOKEN, "-o", "acme", "--yes", "--tool", "conda", "--tool", "pixi",
            "--tool", "mamba",
        ],
        &["token", "uninstall", "--all"],
        &["token", "config", "--force"],
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut killed = 0;
    for round in 0..100 {
        let args = commands[(rng.next() % 3) as usize];
        if rng.next().is_multiple_of(3) {
            // Now and then a user without mamba's folder: its checks and writes must leave no
            // temp file in the nearest folder that exists (HOME), where no later write looks.
            let _ = std::fs::remove_dir_all(home.path().join(".mamba"));
        }
        let mut child = home
            .std_cmd(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % 25_000));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL (TerminateProcess on Windows)
        let _ = child.wait();
        check_files(&home, &api, round);
    }
    assert!(killed >= 30, "only {killed} runs were killed mid-way");
    // No lock is left held, and no temp file is left after the next writes.
    for args in commands {
        home.cmd(args)
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
        check_files(&home, &api, 100);
    }
    let leftovers = temp_files(home.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
