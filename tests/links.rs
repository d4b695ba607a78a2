//! Never follow a link we did not choose: a `.condarc.bak` planted as a link to another file is
//! replaced, not written through; no lock file is made beside the user's files (where one could
//! be planted); the links users make on purpose (`~/.condarc` into a dotfiles repository) are
//! still followed. Each case runs as a user without privileges (`nobody`, when the tests run as
//! root) and, where the tests run as root, as root too.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use common::*;

const NOBODY: u32 = 65534;

/// Who to run the binary as: ourselves, and `nobody` when we are root on Linux (setpriv(1) and
/// uid 65534 are Linux's).
fn users() -> Vec<Option<u32>> {
    if cfg!(target_os = "linux") && is_root() {
        vec![None, Some(NOBODY)]
    } else {
        vec![None]
    }
}

/// The binary with `args` in `home`, as `user` (through setpriv) or as ourselves.
fn run_as(user: Option<u32>, home: &Home, binary: &str, args: &[&str]) -> std::process::Output {
    let bin = match binary {
        "conda-token" => assert_cmd::cargo::cargo_bin!("conda-token"),
        _ => assert_cmd::cargo::cargo_bin!("anaconda"),
    };
    let mut cmd = match user {
        None => std::process::Command::new(bin),
        Some(uid) => {
            let mut c = std::process::Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg(bin);
            c
        }
    };
    cmd.env_clear().current_dir(home.path()).args(args);
    for (k, v) in home.env() {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null()).output().unwrap()
}

/// Gives the temporary HOME and runtime folder to `user`.
fn hand_over(home: &Home, user: Option<u32>) {
    if let Some(uid) = user {
        for dir in [home.path(), home.run.path()] {
            run_ok(
                "chown",
                &["-R", &format!("{uid}:{uid}"), dir.to_str().unwrap()],
            );
        }
    }
}

/// A file only root (or the test's user) can read, standing for `/etc/shadow`.
fn victim(dir: &Path) -> std::path::PathBuf {
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    victim
}

#[test]
fn a_backup_planted_as_a_link_is_replaced_not_followed() {
    for user in users() {
        let outside = tempfile::tempdir().unwrap();
        let victim = victim(outside.path());
        let home = Home::new();
        std::fs::write(home.condarc_path(), "channels: [defaults]\n").unwrap();
        symlink(&victim, home.path().join(".condarc.bak")).unwrap();
        hand_over(&home, user);
        let out = run_as(user, &home, "anaconda", &["token", "config", "--force"]);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious",
            "{user:?}"
        );
        let bak = home.path().join(".condarc.bak");
        assert!(
            std::fs::symlink_metadata(&bak).unwrap().is_file(),
            "{user:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&bak).unwrap(),
            "channels: [defaults]\n",
            "{user:?}"
        );
    }
}

#[test]
fn conda_token_set_system_in_a_prefix_others_can_write_follows_no_planted_link() {
    // Run as root by an administrator, in a conda prefix another user could write to.
    if !is_root() {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    let api = Api::start();
    let mut home = Home::new();
    home.with_api(&api);
    api.repo_accepts("tok-sys-1");
    let prefix = home.path().join("opt-conda");
    std::fs::create_dir_all(&prefix).unwrap();
    std::fs::set_permissions(&prefix, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(prefix.join(".condarc"), "channels: [defaults]\n").unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = victim(outside.path());
    // What the other user planted: the backup and the old lock file's name, both as links.
    symlink(&victim, prefix.join(".condarc.bak")).unwrap();
    symlink(&victim, prefix.join(".condarc.lock")).unwrap();
    home.set("CONDA_ROOT", prefix.to_str().unwrap());
    let out = run_as(
        None,
        &home,
        "conda-token",
        &["set", "tok-sys-1", "--system", "--force-config-condarc"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        std::fs::read_to_string(prefix.join(".condarc"))
            .unwrap()
            .contains("default_channels")
    );
}

#[test]
fn no_lock_file_is_left_beside_the_users_files() {
    for user in users() {
        let api = Api::start();
        let mut home = Home::new();
        home.with_api(&api);
        api.repo_accepts("tok-l-1");
        let planted = home.path().join(".condarc.lock");
        let outside = tempfile::tempdir().unwrap();
        let victim = victim(outside.path());
        symlink(&victim, &planted).unwrap();
        hand_over(&home, user);
        let out = run_as(
            user,
            &home,
            "anaconda",
            &["token", "install", "tok-l-1", "-o", "acme", "-y"],
        );
        assert_eq!(out.status.code(), Some(0), "{user:?}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let mut stack = vec![home.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                assert!(
                    !name.ends_with(".lock") || path == planted,
                    "{user:?}: {}",
                    path.display()
                );
                if path.is_dir() && !path.is_symlink() {
                    stack.push(path);
                }
            }
        }
        // Our lock folder is private.
        let mode = std::fs::metadata(home.lock_dir())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "{user:?}");
    }
}

#[test]
fn links_the_user_made_are_still_followed() {
    for user in users() {
        let home = Home::new();
        let dotfiles = home.path().join("dotfiles");
        std::fs::create_dir_all(&dotfiles).unwrap();
        std::fs::write(dotfiles.join("condarc"), "channels: [defaults]\n").unwrap();
        symlink(dotfiles.join("condarc"), home.condarc_path()).unwrap();
        hand_over(&home, user);
        let out = run_as(user, &home, "anaconda", &["token", "config", "--force"]);
        assert_eq!(out.status.code(), Some(0), "{user:?}: {}", stderr(&out));
        assert!(
            std::fs::symlink_metadata(home.condarc_path())
                .unwrap()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(dotfiles.join("condarc"))
                .unwrap()
                .contains("default_channels"),
            "{user:?}"
        );
    }
}
