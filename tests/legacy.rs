//! The legacy commands: `anaconda token set` / `remove` and the `conda-token` binary, on
//! temporary `.condarc` files for each location flag.

mod common;

use common::*;
use predicates::prelude::*;

const TOKEN: &str = "tok-legacy-1";

fn setup() -> (Home, Api) {
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts(TOKEN);
    (home, api)
}

fn channels(api: &Api) -> String {
    let repo = api.repo_url();
    format!("default_channels:\n  - {repo}main\n  - {repo}r\n  - {repo}msys2\n")
}

/// Added where no file sets `channels` (conda 26 configures none of its own).
const DEFAULTS: &str = "channels:\n  - defaults\n";

#[test]
fn set_writes_token_file_and_user_condarc() {
    let (home, api) = setup();
    home.cmd(&["token", "set", TOKEN])
        .write_stdin("y\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Success! Your token was validated and Conda has been configured.",
        ));
    assert_eq!(
        std::fs::read_to_string(home.conda_token_file(&api.repo_url())).unwrap(),
        TOKEN
    );
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        format!("add_anaconda_token: true\n{}{DEFAULTS}", channels(&api))
    );
    assert!(
        !home.keyring_path().exists(),
        "without --org the keyring entry is not touched"
    );
}

#[test]
fn set_with_org_also_installs_into_the_keyring_and_honours_file() {
    let (home, api) = setup();
    let file = home.path().join("custom.condarc");
    std::fs::write(&file, "# mine\nchannels: [defaults]\n").unwrap();
    home.cmd(&[
        "token",
        "set",
        TOKEN,
        "-o",
        "acme",
        "-f",
        file.to_str().unwrap(),
    ])
    .write_stdin("y\n")
    .assert()
    .success();
    let entry = home.entry(&api.domain()).unwrap();
    assert_eq!(entry["repo_tokens"][0]["token"], TOKEN);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "# mine\nchannels: [defaults]\nadd_anaconda_token: true\n{}",
            channels(&api)
        )
    );
    assert!(
        !home.condarc_path().exists(),
        "the user file is not the chosen one"
    );
}

#[test]
fn set_env_and_system_locations() {
    let (mut home, api) = setup();
    let prefix = home.path().join("envs/work");
    let root = home.path().join("miniconda");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    home.set("CONDA_PREFIX", prefix.to_str().unwrap());
    home.cmd(&["token", "set", TOKEN, "--env", "--no-set-default-channels"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(prefix.join(".condarc")).unwrap(),
        "add_anaconda_token: true\n"
    );

    home.cmd(&["token", "set", TOKEN, "-s", "--no-set-default-channels"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--file"));
    home.set("CONDA_EXE", root.join("bin/conda").to_str().unwrap());
    home.cmd(&["token", "set", TOKEN, "--system"])
        .write_stdin("y\n")
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(root.join(".condarc"))
            .unwrap()
            .contains(&channels(&api))
    );
    assert!(!home.condarc_path().exists());
}

#[test]
fn set_rejects_conflicting_locations_and_invalid_tokens() {
    let (home, _api) = setup();
    home.cmd(&["token", "set", TOKEN, "--env", "--system"])
        .assert()
        .code(2);
    home.cmd(&["token", "set", "wrong-token"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("The token could not be validated"));
    assert!(!home.condarc_path().exists());
    assert!(!home.binstar_dir().exists());
}

#[test]
fn remove_takes_out_only_what_set_added() {
    let (home, api) = setup();
    let repo = api.repo_url();
    let file = home.path().join("rc.yml");
    let before = format!(
        "channels:\n  - defaults\n{}ssl_verify: true  # keep\nextra_safety_checks: true\nsigning_metadata_url_base: https://someone.else/\n",
        channels(&api)
    );
    std::fs::write(&file, &before).unwrap();
    let token_file = home.conda_token_file(&repo);
    std::fs::create_dir_all(token_file.parent().unwrap()).unwrap();
    std::fs::write(&token_file, TOKEN).unwrap();
    home.cmd(&["token", "remove", "--file", file.to_str().unwrap()])
        .assert()
        .success();
    assert!(!token_file.exists());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "channels:\n  - defaults\nssl_verify: true  # keep\nextra_safety_checks: true\nsigning_metadata_url_base: https://someone.else/\n"
    );
    // Nothing left to remove: nothing changes, no error.
    home.cmd(&["token", "remove", "-f", file.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn conda_token_set_with_every_option_writes_what_conda_would() {
    let (home, api) = setup();
    let repo = api.repo_url();
    let file = home.path().join("rc");
    home.conda_token(&[
        "set",
        TOKEN,
        "--include-archive-channels",
        "free",
        "pro",
        "--no-ssl-verify",
        "--enable-signature-verification",
        "--force-config-condarc",
        "--file",
        file.to_str().unwrap(),
    ])
    .write_stdin("")
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "Success! Your token was validated and Conda has been configured.",
    ));
    let trimmed = repo.trim_end_matches('/');
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "add_anaconda_token: true\nssl_verify: false\nextra_safety_checks: true\nsigning_metadata_url_base: {trimmed}\ndefault_channels:\n  - {repo}main\n  - {repo}r\n  - {repo}msys2\n  - {repo}free\n  - {repo}pro\n{DEFAULTS}"
        )
    );
    home.conda_token(&["list"])
        .assert()
        .success()
        .stdout(format!("{repo} {TOKEN}\n"));

    // remove turns off only the signature verification set added, and keeps ssl_verify (and
    // `channels`, which conda needs whatever the default channels are).
    home.conda_token(&["remove", "--file", file.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "add_anaconda_token: true\nssl_verify: false\nextra_safety_checks: false\n{DEFAULTS}"
        )
    );
    home.conda_token(&["list"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!("No tokens have been configured for {repo}\n"));
}

#[test]
fn conda_token_set_signature_verification_off_by_default() {
    let (home, _api) = setup();
    let file = home.path().join("rc");
    home.conda_token(&[
        "set",
        TOKEN,
        "--force-config-condarc",
        "--file",
        file.to_str().unwrap(),
    ])
    .assert()
    .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("extra_safety_checks") && !text.contains("ssl_verify"),
        "{text}"
    );
}

#[test]
fn end_of_input_names_each_command_s_own_flag() {
    let (home, _api) = setup();
    home.conda_token(&["set", TOKEN])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--force-config-condarc"));
    home.cmd(&["token", "set", TOKEN])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--no-set-default-channels"));
}

#[test]
fn conda_token_validation_failure() {
    let (home, _api) = setup();
    home.conda_token(&["set", "bad-token", "--force-config-condarc"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "The token could not be validated. Please check that you have typed it correctly.",
        ));
    assert!(!home.condarc_path().exists());
}

#[test]
fn conda_token_usage() {
    let home = Home::new();
    home.conda_token(&[])
        .assert()
        .success()
        .stdout(predicate::str::contains("list"));
    home.conda_token(&["-V"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("conda-token "));
    home.conda_token(&["set", TOKEN, "--include-archive-channels", "mro"])
        .assert()
        .code(2);
    home.conda_token(&["remove", "--env", "--system"])
        .assert()
        .code(2);
}

#[test]
fn conda_token_remove_env_location() {
    let (mut home, api) = setup();
    let prefix = home.path().join("envs/x");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::write(prefix.join(".condarc"), channels(&api)).unwrap();
    std::fs::write(home.condarc_path(), channels(&api)).unwrap();
    home.set("CONDA_PREFIX", prefix.to_str().unwrap());
    home.conda_token(&["remove", "--env"]).assert().success();
    assert_eq!(
        std::fs::read_to_string(prefix.join(".condarc")).unwrap(),
        "{}\n"
    );
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        channels(&api)
    );
}

#[cfg(unix)]
#[test]
fn index_cache_cleaned_after_install_set_and_remove() {
    let (mut home, api) = setup();
    let record = home.fake_conda();
    home.install_given(TOKEN, "acme").assert().success();
    home.cmd(&["token", "set", TOKEN, "--no-set-default-channels"])
        .assert()
        .success();
    home.cmd(&["token", "remove"]).assert().success();
    home.conda_token(&["set", TOKEN, "--force-config-condarc"])
        .assert()
        .success();
    home.conda_token(&["remove"]).assert().success();
    let calls = std::fs::read_to_string(&record).unwrap();
    assert_eq!(
        calls,
        "clean --index-cache --yes --quiet\n".repeat(5),
        "{calls}"
    );
    let _ = api;
}

#[cfg(unix)]
#[test]
fn a_failing_conda_clean_is_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let (mut home, _api) = setup();
    let record = home.fake_conda();
    let conda = record.parent().unwrap().join("fake-bin/conda");
    std::fs::write(&conda, "#!/bin/sh\necho 'CondaError: busy' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&conda, std::fs::Permissions::from_mode(0o755)).unwrap();
    home.install_given(TOKEN, "acme").assert().success().stderr(
        predicate::str::contains("Warning:").and(predicate::str::contains("CondaError: busy")),
    );
}

#[test]
fn declining_the_channels_is_not_called_configured() {
    let (home, _api) = setup();
    home.cmd(&["token", "set", TOKEN])
        .write_stdin("n\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "default_channels were not changed",
        ))
        .stdout(predicate::str::contains("Conda has been configured").not());
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        "add_anaconda_token: true\n"
    );
}
