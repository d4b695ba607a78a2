//! SIGKILL at random moments: `install`, `uninstall` and `config --force` killed about 100
//! times mid-run. Every file must still parse and hold the old or the new content, and no lock
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
    let token_file = home.conda_token_file(&api.repo_url());
    if let Ok(token) = std::fs::read_to_string(&token_file) {
        assert_eq!(token, TOKEN, "round {round}: conda's token file");
    }
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

    let commands: [&[&str]; 3] = [
        &["token", "install", TOKEN, "-o", "acme", "--yes"],
        &["token", "uninstall", "--all"],
        &["token", "config", "--force"],
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut killed = 0;
    for round in 0..100 {
        let args = commands[(rng.next() % 3) as usize];
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
    let leftovers: Vec<_> = [
        home.path().to_path_buf(),
        home.path().join(".anaconda"),
        home.binstar_dir(),
    ]
    .iter()
    .filter_map(|d| std::fs::read_dir(d).ok())
    .flatten()
    .flatten()
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .filter(|n| n.ends_with(".partial"))
    .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
