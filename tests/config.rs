//! `anaconda token config` on real `.condarc` files.

mod common;

use common::*;

const REPO: &str = "https://repo.anaconda.cloud/repo";

fn channels_block() -> String {
    format!("default_channels:\n  - {REPO}/main\n  - {REPO}/r\n  - {REPO}/msys2\n")
}

#[test]
fn sets_channels_in_a_new_condarc_after_confirmation() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    // conda 26 configures no channels of its own: without `channels`, `conda install x` fails.
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        format!("{}channels:\n  - defaults\n", channels_block())
    );
}

#[test]
fn default_channels_right_but_no_channels_asks_and_adds_only_channels() {
    let home = Home::new();
    let text = format!("default_channels: [{REPO}/msys2, {REPO}/main, {REPO}/r]\n");
    std::fs::write(home.condarc_path(), &text).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Default channels already configured.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        format!("{text}channels:\n  - defaults\n")
    );
}

/// `channels` set anywhere conda looks (another file of its search path, or `CONDA_CHANNELS`)
/// is left to that place: only `default_channels` is written.
#[test]
fn channels_set_elsewhere_are_not_added() {
    let mut home = Home::new();
    let other = home.path().join(".config/conda/condarc.d/site.yml");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    std::fs::write(&other, "channels:\n  - conda-forge\n").unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    ");
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        channels_block()
    );

    std::fs::remove_file(&other).unwrap();
    std::fs::remove_file(home.condarc_path()).unwrap();
    home.set("CONDA_CHANNELS", "defaults,conda-forge");
    home.cmd(&["token", "config", "--force"]).assert().success();
    assert_eq!(
        std::fs::read_to_string(home.condarc_path()).unwrap(),
        channels_block()
    );
}

/// The Python tool's bug: short names counted as configured wherever they point. Here `main`
/// goes to a mirror, so conda is not using the repository and `config` must say so.
#[test]
fn short_names_sent_to_a_mirror_are_not_configured() {
    let home = Home::new();
    let text = "channels: [defaults]\ndefault_channels: [main, r, msys2]\ncustom_channels:\n  main: https://mirror.example/pkgs\n";
    std::fs::write(home.condarc_path(), text).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    ");
    let after = std::fs::read_to_string(home.condarc_path()).unwrap();
    assert!(after.contains(&channels_block()), "{after}");

    // Resolved through the channel alias to the repository, the same names are right.
    let text = format!(
        "channels: [defaults]\ndefault_channels: [main, r, msys2]\nchannel_alias: {REPO}\n"
    );
    std::fs::write(home.condarc_path(), &text).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin(""), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Default channels already configured, nothing to do.

    ----- stderr -----
    ");
    assert_eq!(std::fs::read_to_string(home.condarc_path()).unwrap(), text);
}

#[test]
fn declining_writes_nothing_and_exits_zero() {
    let home = Home::new();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin("n\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    assert!(!home.condarc_path().exists());
    // End of input is not a yes either: it aborts at once, naming the flag that answers it.
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin(""), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file
    Prepared to set default channels in .condarc.
    No conda configuration file sets channels, and conda 26 and later configure none of their own: channels: [defaults] will be added too, so that conda uses the default channels.

    ----- stderr -----
    Proceed? [y/n] (n): 
    Error: Aborted: no answer to "Proceed?" (end of input).
    Pass --force to answer it.
    "#);
    assert!(!home.condarc_path().exists());
}

#[test]
fn existing_channels_are_listed_and_replaced_in_place_keeping_everything_else() {
    let home = Home::new();
    let before = "# my settings\r\nchannels: [defaults]  # flow\r\ndefault_channels:\r\n  - https://example.com/a\r\n  - https://example.com/b\r\nssl_verify: \"true\"\r\nenvs_dirs:\r\n  - ~/envs\r\n";
    std::fs::write(home.condarc_path(), before).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin("y\n"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Existing default channels found:
    - https://example.com/a
    - https://example.com/b
    This action will override the existing default_channels setting.

    ----- stderr -----
    Proceed? [y/n] (n):
    ");
    let after = std::fs::read_to_string(home.condarc_path()).unwrap();
    let block = channels_block().replace('\n', "\r\n");
    assert_eq!(
        after,
        format!(
            "# my settings\r\nchannels: [defaults]  # flow\r\n{block}ssl_verify: \"true\"\r\nenvs_dirs:\r\n  - ~/envs\r\n"
        )
    );
    let backup = home.path().join(".condarc.bak");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), before);
}

#[test]
fn force_skips_the_question_and_restore_free_channel_is_turned_off() {
    let home = Home::new();
    std::fs::write(
        home.condarc_path(),
        "restore_free_channel: true\nchannels:\n  - defaults",
    )
    .unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]).write_stdin(""), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    ");
    let after = std::fs::read_to_string(home.condarc_path()).unwrap();
    assert!(
        after.starts_with("restore_free_channel: false\nchannels:\n  - defaults"),
        "{after}"
    );
    assert!(after.contains(&format!("  - {REPO}/msys2")), "{after}");
}

#[test]
fn already_configured_in_any_order_is_left_alone() {
    let home = Home::new();
    let text =
        format!("channels: [defaults]\ndefault_channels: [{REPO}/msys2, {REPO}/main, {REPO}/r]\n");
    std::fs::write(home.condarc_path(), &text).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config"]).write_stdin(""), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Configuring your .condarc file
    Default channels already configured, nothing to do.

    ----- stderr -----
    ");
    assert_eq!(std::fs::read_to_string(home.condarc_path()).unwrap(), text);
    assert!(!home.path().join(".condarc.bak").exists());
}

#[test]
fn invalid_yaml_is_one_clear_error_and_the_file_is_untouched() {
    let home = Home::new();
    let text = "channels: [defaults\nssl_verify: true\n";
    std::fs::write(home.condarc_path(), text).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: [HOME]/.condarc is not a valid YAML file: line 2, column 11: illegal placement of ':' indicator
    Fix or move the file, then try again; it was left unchanged.
    ");
    assert_eq!(std::fs::read_to_string(home.condarc_path()).unwrap(), text);
    assert!(!home.path().join(".condarc.bak").exists());
}

#[test]
fn repo_url_setting_is_used_for_channels() {
    let mut home = Home::new();
    home.set("CONDA_TOKEN_REPO_URL", "https://mirror.example/repo");
    home.cmd(&["token", "config", "--force"]).assert().success();
    let after = std::fs::read_to_string(home.condarc_path()).unwrap();
    assert!(
        after.contains("  - https://mirror.example/repo/main\n"),
        "{after}"
    );
}

#[cfg(unix)]
#[test]
fn existing_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    std::fs::write(home.condarc_path(), "channels: [defaults]\n").unwrap();
    std::fs::set_permissions(home.condarc_path(), std::fs::Permissions::from_mode(0o640)).unwrap();
    home.cmd(&["token", "config", "--force"]).assert().success();
    let mode = std::fs::metadata(home.condarc_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn files_that_are_not_configuration_are_refused_and_left_alone() {
    let home = Home::new();
    let path = home.condarc_path();
    // A NUL byte, as conda's parser refuses it.
    std::fs::write(&path, b"channels: [a]\nx: b\0c\n").unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: [HOME]/.condarc is not a valid YAML file: line 2, column 5: unacceptable character 0x0000: special characters are not allowed
    Fix or move the file, then try again; it was left unchanged.
    ");
    assert_eq!(std::fs::read(&path).unwrap(), b"channels: [a]\nx: b\0c\n");

    // Over 10 MB: a clear error, at once.
    let big = format!("a: {}\n", "x".repeat(11 * 1024 * 1024));
    std::fs::write(&path, &big).unwrap();
    cmd_snapshot!(home, home.cmd(&["token", "config", "--force"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: Could not read [HOME]/.condarc: the file is larger than 10 MB, which no configuration file is
    ");

    // A FIFO, a device behind a link, a folder: errors naming the file, never a hang.
    #[cfg(unix)]
    let mut all = String::new();
    #[cfg(unix)]
    for make in ["fifo", "device", "folder"] {
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_dir(&path);
        match make {
            "fifo" => run_ok("mkfifo", &[path.to_str().unwrap()]),
            "device" => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
            _ => std::fs::create_dir(&path).unwrap(),
        }
        let (text, _) = snapshot::run(
            &home.filters(),
            home.cmd(&["token", "config", "--force"])
                .timeout(std::time::Duration::from_secs(10)),
        );
        all.push_str(&format!("=== .condarc is a {make}\n{text}\n"));
    }
    #[cfg(unix)]
    insta::assert_snapshot!(all, @"
    === .condarc is a fifo
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: Could not read [HOME]/.condarc: it is a FIFO (named pipe), not a regular file

    === .condarc is a device
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: Could not read [HOME]/.condarc: it is a device, not a regular file

    === .condarc is a folder
    success: false
    exit_code: 1
    ----- stdout -----
    Configuring your .condarc file

    ----- stderr -----
    Error: Could not read [HOME]/.condarc: it is a folder, not a regular file
    ");
}

#[test]
fn a_condarc_of_many_keys_is_edited() {
    // 100,000 keys: a quadratic parser takes minutes here; ours a fraction of a second.
    let home = Home::new();
    let text: String = (0..100_000)
        .map(|i| format!("key{i}: value{i}\n"))
        .collect();
    std::fs::write(home.condarc_path(), &text).unwrap();
    home.cmd(&["token", "config", "--force"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let after = std::fs::read_to_string(home.condarc_path()).unwrap();
    assert!(after.starts_with(&text));
}

#[cfg(unix)]
#[test]
fn a_config_file_that_is_a_fifo_or_device_is_an_error_not_a_hang() {
    let mut all = String::new();
    for make in ["fifo", "device"] {
        let mut home = Home::new();
        let config = home.path().join("config.toml");
        match make {
            "fifo" => run_ok("mkfifo", &[config.to_str().unwrap()]),
            _ => std::os::unix::fs::symlink("/dev/zero", &config).unwrap(),
        }
        home.set("ANACONDA_CONFIG_TOML", config.to_str().unwrap());
        let (text, _) = snapshot::run(
            &home.filters(),
            home.cmd(&["token", "list"])
                .timeout(std::time::Duration::from_secs(10)),
        );
        all.push_str(&format!("=== config.toml is a {make}\n{text}\n"));
    }
    insta::assert_snapshot!(all, @"
    === config.toml is a fifo
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not read [HOME]/config.toml: it is a FIFO (named pipe), not a regular file

    === config.toml is a device
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not read [HOME]/config.toml: it is a device, not a regular file
    ");
}

#[cfg(unix)]
#[test]
fn a_keyring_file_that_is_a_fifo_is_an_error_not_a_hang() {
    let home = Home::new();
    std::fs::create_dir_all(home.keyring_path().parent().unwrap()).unwrap();
    run_ok("mkfifo", &[home.keyring_path().to_str().unwrap()]);
    cmd_snapshot!(
        home,
        home.cmd(&["token", "list"])
            .timeout(std::time::Duration::from_secs(10)),
        @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Error: Could not read [HOME]/.anaconda/keyring: it is a FIFO (named pipe), not a regular file
    "
    );
}
