//! `anaconda` is shared: anaconda-client adds `upload`, `copy` and more, anaconda-cli-base
//! plugins add others. A command we don't have is run by the next `anaconda` on PATH that is
//! not this binary, with the same arguments, stdin, stdout, stderr and exit code.
//!
//! Which command a command line names is decided before clap parses it: leading options are
//! skipped (ours, `--at SITE` and `-v`, and anaconda-cli-base's global ones such as
//! `-t TOKEN`, `-s SITE`, `--show-traceback`), and the first word after them decides. When it
//! is ours, clap parses the line (and rejects options we don't know); otherwise the whole
//! command line is passed on unchanged.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The commands of anaconda-client, for the error when no other `anaconda` is found.
const ANACONDA_CLIENT_COMMANDS: [&str; 11] = [
    "upload", "copy", "move", "label", "package", "channel", "groups", "show", "search", "config",
    "org",
];

/// Options before the command that take a value in the next word: ours (`--at`) and
/// anaconda-cli-base's (`-t/--token`, `-s/--site`).
const OPTIONS_WITH_VALUE: [&str; 5] = ["--at", "-t", "--token", "-s", "--site"];

/// Programs already passed to in this chain (a wrapper script that runs us again must not make
/// us run it again): paths joined as PATH joins them.
const PASSED_ON_VAR: &str = "ANACONDA_TOKEN_PASSED_ON";

/// The command a command line names, when it is not one of `ours` (`args` without argv[0]).
/// `None`: ours, or no command at all (clap prints the help or the error).
pub fn foreign_command(args: &[OsString], ours: &[String]) -> Option<OsString> {
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let text = word.to_string_lossy();
        if text == "--" {
            return words
                .next()
                .filter(|w| !ours.iter().any(|o| OsStr::new(o) == w.as_os_str()))
                .cloned();
        }
        if text.starts_with('-') && text.len() > 1 {
            if OPTIONS_WITH_VALUE.contains(&text.as_ref()) {
                words.next();
            }
            continue;
        }
        return (!ours.iter().any(|o| *o == text)).then(|| word.clone());
    }
    None
}

/// The first `anaconda` on `path` that is not `me` nor one of `skip` (compared as canonical
/// paths, so a symlink to us is us).
pub fn find_next(path: &OsStr, me: &Path, skip: &[PathBuf]) -> Option<PathBuf> {
    let me = std::fs::canonicalize(me).unwrap_or_else(|_| me.to_path_buf());
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| program_names().map(move |name| dir.join(name)))
        .filter(|candidate| is_executable(candidate))
        .find(|candidate| {
            let canonical = std::fs::canonicalize(candidate).unwrap_or_else(|_| candidate.clone());
            canonical != me && !skip.contains(&canonical)
        })
}

#[cfg(unix)]
fn program_names() -> impl Iterator<Item = String> {
    std::iter::once("anaconda".to_string())
}

/// `anaconda.exe`, `anaconda.cmd` & co, in PATHEXT's order (pip makes `.exe` launchers).
#[cfg(not(unix))]
fn program_names() -> impl Iterator<Item = String> {
    let exts = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".into());
    exts.split(';')
        .filter(|e| !e.is_empty())
        .map(|e| format!("anaconda{}", e.to_ascii_lowercase()))
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The error when no other `anaconda` has `command`: exit 2, naming the package that has it.
pub fn not_found(command: &OsStr) -> Error {
    let name = command.to_string_lossy();
    let shown = crate::output::clean(&name);
    if ANACONDA_CLIENT_COMMANDS.contains(&name.as_ref()) {
        Error::Usage(format!(
            "`anaconda {shown}` is a command of anaconda-client, and no other `anaconda` on \
             PATH provides it.\nInstall anaconda-client (`conda install anaconda-client` or \
             `pip install anaconda-client`), then run it again."
        ))
    } else {
        Error::Usage(format!(
            "`{shown}` is not a command of this tool, and no other `anaconda` on PATH provides \
             it.\nRun `anaconda --help` for this tool's commands; others come from \
             anaconda-client (`conda install anaconda-client`) and anaconda-cli-base plugins."
        ))
    }
}

/// Runs the command line with the next `anaconda` when it names a command we don't have;
/// `None` when it is ours. Returns only on failure or (on Windows) with the program's exit code.
pub fn pass_on_if_foreign(ours: &[String]) -> Option<Result<i32, Error>> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = foreign_command(&args, ours)?;
    let me = std::env::current_exe().unwrap_or_default();
    let passed_on = std::env::var_os(PASSED_ON_VAR).unwrap_or_default();
    let skip: Vec<PathBuf> = std::env::split_paths(&passed_on).collect();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(program) = find_next(&path, &me, &skip) else {
        return Some(Err(not_found(&command)));
    };
    let canonical = std::fs::canonicalize(&program).unwrap_or_else(|_| program.clone());
    let chain =
        std::env::join_paths(skip.iter().chain(std::iter::once(&canonical))).unwrap_or_default();
    let mut child = std::process::Command::new(&program);
    child.args(&args).env(PASSED_ON_VAR, chain);
    Some(run(child, &program))
}

/// Replaces this process with the program: its exit code and signals are the user's.
#[cfg(unix)]
fn run(mut child: std::process::Command, program: &Path) -> Result<i32, Error> {
    use std::os::unix::process::CommandExt;
    let error = child.exec();
    Err(Error::msg(format!(
        "Could not run {}: {error}",
        program.display()
    )))
}

/// Windows has no exec: run it, wait, and hand its exit code back.
#[cfg(not(unix))]
fn run(mut child: std::process::Command, program: &Path) -> Result<i32, Error> {
    let status = child
        .status()
        .map_err(|e| Error::msg(format!("Could not run {}: {e}", program.display())))?;
    Ok(status.code().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> Vec<String> {
        ["token", "login", "help"].map(String::from).to_vec()
    }

    fn foreign(line: &[&str]) -> Option<String> {
        let args: Vec<OsString> = line.iter().map(OsString::from).collect();
        foreign_command(&args, &ours()).map(|c| c.to_string_lossy().into_owned())
    }

    #[test]
    fn the_first_word_after_the_options_decides() {
        assert_eq!(foreign(&["upload", "pkg.conda"]).as_deref(), Some("upload"));
        assert_eq!(foreign(&["token", "list"]), None);
        assert_eq!(foreign(&[]), None);
        assert_eq!(foreign(&["-v"]), None);
        assert_eq!(foreign(&["--help"]), None);
        assert_eq!(foreign(&["-v", "token", "list"]), None);
        assert_eq!(foreign(&["--at", "upload", "token"]), None);
        assert_eq!(foreign(&["--at=site", "upload"]).as_deref(), Some("upload"));
        assert_eq!(
            foreign(&["-t", "TOKEN", "upload"]).as_deref(),
            Some("upload")
        );
        assert_eq!(
            foreign(&["--site", "x", "--show-traceback", "copy"]).as_deref(),
            Some("copy")
        );
        assert_eq!(foreign(&["--", "upload"]).as_deref(), Some("upload"));
        assert_eq!(foreign(&["--", "token"]), None);
        // A stray "-" is a word, not an option.
        assert_eq!(foreign(&["-"]).as_deref(), Some("-"));
    }

    #[test]
    fn the_error_names_the_package() {
        let client = not_found(OsStr::new("upload")).to_string();
        assert!(client.contains("anaconda-client"), "{client}");
        assert!(client.contains("conda install anaconda-client"), "{client}");
        let other = not_found(OsStr::new("frobnicate")).to_string();
        assert!(other.contains("not a command of this tool"), "{other}");
        assert_eq!(not_found(OsStr::new("x")).exit_code(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn ourselves_and_links_to_us_are_skipped() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = (0..4).map(|i| root.path().join(format!("d{i}"))).collect();
        for dir in &dirs {
            std::fs::create_dir(dir).unwrap();
        }
        let exe = |p: &Path| {
            std::fs::write(p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        let me = dirs[0].join("anaconda");
        exe(&me);
        std::os::unix::fs::symlink(&me, dirs[1].join("anaconda")).unwrap();
        // Not executable: not a candidate.
        std::fs::write(dirs[2].join("anaconda"), "").unwrap();
        let other = dirs[3].join("anaconda");
        exe(&other);
        let path = std::env::join_paths(&dirs).unwrap();
        let found = find_next(&path, &me, &[]).unwrap();
        assert_eq!(found, other);
        let canonical = std::fs::canonicalize(&other).unwrap();
        assert_eq!(find_next(&path, &me, &[canonical]), None);
    }
}
