//! The legacy commands: `anaconda token set` / `remove` and the `conda-token` binary, on
//! temporary `.condarc` files for each location flag.

mod common;

use common::*;
use predicates::prelude::*;

const TOKEN: &str = "tok-legacy-1";

/// No API key (the legacy commands need none); the repository accepts `TOKEN`.
fn accepting_token() -> (Home, Api) {
    let (home, api) = setup_without_key();
    api.repo_accepts(TOKEN);
    home.filter(TOKEN, "TOKEN");
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
    let (home, api) = accepting_token();
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token was validated and Conda has been configured.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
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
    let (home, api) = accepting_token();
    let file = home.path().join("custom.condarc");
    std::fs::write(&file, "# mine\nchannels: [defaults]\n").unwrap();
    cmd_snapshot!(home, home.cmd(&[
        "token",
        "set",
        TOKEN,
        "-o",
        "acme",
        "-f",
        file.to_str().unwrap(),
    ]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    Success! Your token was validated and Conda has been configured.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
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
    let (mut home, api) = accepting_token();
    let prefix = home.path().join("envs/work");
    let root = home.path().join("miniconda");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    home.set("CONDA_PREFIX", prefix.to_str().unwrap());
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN, "--env", "--no-set-default-channels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token was validated and stored for conda; its default_channels were not changed.

    ----- stderr -----
    ");
    assert_eq!(
        std::fs::read_to_string(prefix.join(".condarc")).unwrap(),
        "add_anaconda_token: true\n"
    );

    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN, "-s", "--no-set-default-channels"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Cannot find conda's root prefix for --system: neither CONDA_ROOT nor CONDA_EXE is set.
    Activate conda first, or name the file with --file.
    ");
    home.set("CONDA_EXE", root.join("bin/conda").to_str().unwrap());
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN, "--system"]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token was validated and Conda has been configured.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert!(
        std::fs::read_to_string(root.join(".condarc"))
            .unwrap()
            .contains(&channels(&api))
    );
    assert!(!home.condarc_path().exists());
}

#[test]
fn set_rejects_conflicting_locations_and_invalid_tokens() {
    let (home, _api) = accepting_token();
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN, "--env", "--system"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--env' cannot be used with '--system'

    Usage: anaconda token set --env <TOKEN>

    For more information, try '--help'.
    ");
    cmd_snapshot!(home, home.cmd(&["token", "set", "wrong-token"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token could not be validated. Please check that you have typed it correctly.
    The repository [API]/repo/ answered HTTP 404.
    ");
    assert!(!home.condarc_path().exists());
    assert!(!home.binstar_dir().exists());
}

#[test]
fn remove_takes_out_only_what_set_added() {
    let (home, api) = accepting_token();
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
    cmd_snapshot!(home, home.cmd(&["token", "remove", "--file", file.to_str().unwrap()]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Removed conda's token for [API]/repo/
    Removed default_channels from [HOME]/rc.yml

    ----- stderr -----
    ");
    assert!(!token_file.exists());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "channels:\n  - defaults\nssl_verify: true  # keep\nextra_safety_checks: true\nsigning_metadata_url_base: https://someone.else/\n"
    );
    // Nothing left to remove: nothing changes, no error.
    cmd_snapshot!(home, home.cmd(&["token", "remove", "-f", file.to_str().unwrap()]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    ");
}

#[test]
fn conda_token_set_with_every_option_writes_what_conda_would() {
    let (home, api) = accepting_token();
    let repo = api.repo_url();
    let file = home.path().join("rc");
    cmd_snapshot!(home, home.conda_token(&[
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
    ]).write_stdin(""), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token was validated and Conda has been configured.

    ----- stderr -----
    Warning: TLS certificate verification is disabled (ssl_verify is false).
    ");
    let trimmed = repo.trim_end_matches('/');
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "add_anaconda_token: true\nssl_verify: false\nextra_safety_checks: true\nsigning_metadata_url_base: {trimmed}\ndefault_channels:\n  - {repo}main\n  - {repo}r\n  - {repo}msys2\n  - {repo}free\n  - {repo}pro\n{DEFAULTS}"
        )
    );
    // conda-token list prints the token: what it is for.
    cmd_snapshot!(home, home.conda_token(&["list"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [API]/repo/ [TOKEN]

    ----- stderr -----
    ");

    // remove turns off only the signature verification set added, and keeps ssl_verify (and
    // `channels`, which conda needs whatever the default channels are).
    cmd_snapshot!(home, home.conda_token(&["remove", "--file", file.to_str().unwrap()]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Removed conda's token for [API]/repo/
    Removed default_channels from [HOME]/rc

    ----- stderr -----
    ");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!(
            "add_anaconda_token: true\nssl_verify: false\nextra_safety_checks: false\n{DEFAULTS}"
        )
    );
    cmd_snapshot!(home, home.conda_token(&["list"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    No tokens have been configured for [API]/repo/
    ");
}

#[test]
fn conda_token_set_signature_verification_off_by_default() {
    let (home, _api) = accepting_token();
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
    let (home, _api) = accepting_token();
    cmd_snapshot!(home, home.conda_token(&["set", TOKEN]).write_stdin(""), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): 
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --force-config-condarc to answer it.
    "#);
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN]).write_stdin(""), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): 
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --no-set-default-channels to answer it.
    "#);
}

#[test]
fn conda_token_validation_failure() {
    let (home, _api) = accepting_token();
    cmd_snapshot!(home, home.conda_token(&["set", "bad-token", "--force-config-condarc"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: The token could not be validated. Please check that you have typed it correctly.
    The repository [API]/repo/ answered HTTP 404.
    ");
    assert!(!home.condarc_path().exists());
}

#[test]
fn conda_token_usage() {
    let home = Home::new();
    cmd_snapshot!(home, home.conda_token(&[]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configure token access for Anaconda Commercial Edition

    Usage: conda-token [COMMAND]

    Commands:
      list    List token if configured
      set     Set your token and configure default_channels
      remove  Remove token and revert default_channels
      help    Print this message or the help of the given subcommand(s)

    Options:
      -V, --version  Show the conda-token version number and exit
      -h, --help     Print help

    ----- stderr -----
    ");
    home.conda_token(&["-V"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("conda-token "));
    cmd_snapshot!(home, home.conda_token(&["set", TOKEN, "--include-archive-channels", "mro"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: invalid value 'mro' for '--include-archive-channels <CHANNEL_NAME>...'
      [possible values: free, mro-archive, pro]

      tip: a similar value exists: 'pro'

    For more information, try '--help'.
    ");
    cmd_snapshot!(home, home.conda_token(&["remove", "--env", "--system"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--env' cannot be used with '--system'

    Usage: conda-token remove --env

    For more information, try '--help'.
    ");
}

#[test]
fn conda_token_remove_env_location() {
    let (mut home, api) = accepting_token();
    let prefix = home.path().join("envs/x");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::write(prefix.join(".condarc"), channels(&api)).unwrap();
    std::fs::write(home.condarc_path(), channels(&api)).unwrap();
    home.set("CONDA_PREFIX", prefix.to_str().unwrap());
    cmd_snapshot!(home, home.conda_token(&["remove", "--env"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Removed default_channels from [HOME]/envs/x/.condarc

    ----- stderr -----
    ");
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
    let (mut home, api) = accepting_token();
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
    let (mut home, _api) = accepting_token();
    let record = home.fake_conda();
    let conda = record.parent().unwrap().join("fake-bin/conda");
    std::fs::write(&conda, "#!/bin/sh\necho 'CondaError: busy' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&conda, std::fs::Permissions::from_mode(0o755)).unwrap();
    cmd_snapshot!(home, home.install_given(TOKEN, "acme"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Success! Your token has been installed and validated.
    conda was not configured to use it: run anaconda token config to set its default channels.

    ----- stderr -----
    Warning: Could not clean conda's index cache (conda clean failed, exit status: 3: CondaError: busy); run `conda clean --index-cache` yourself if conda shows old packages.
    ");
}

#[test]
fn declining_the_channels_is_not_called_configured() {
    let (home, _api) = accepting_token();
    cmd_snapshot!(home, home.cmd(&["token", "set", TOKEN]).write_stdin("n\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.
    Success! Your token was validated and stored for conda; its default_channels were not changed.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        "add_anaconda_token: true\n"
    );
}
