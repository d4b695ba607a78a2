//! conda's index cache: after the token or channels change, cached repodata may hold answers
//! given to the old token, so run `conda clean --index-cache --yes --quiet` as the original does.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::output::Printer;

/// conda can wait on its own lock or on a slow plugin; past this we stop waiting for it.
const CLEAN_TIMEOUT: Duration = Duration::from_secs(60);

/// Cleans the cache with `conda` when one was found; a failure is a warning, never an error.
pub fn clean_index_cache(conda: Option<&Path>, printer: &Printer) {
    let Some(conda) = conda else {
        printer.debug("conda not found: the index cache was not cleaned");
        return;
    };
    printer.debug(&format!(
        "running {} clean --index-cache --yes --quiet",
        conda.display()
    ));
    let wait = printer.wait("Cleaning conda's index cache (conda clean)");
    let outcome = run_with_timeout(conda, CLEAN_TIMEOUT);
    drop(wait);
    match outcome {
        Ok(()) => {}
        Err(reason) => printer.warn(&format!(
            "Could not clean conda's index cache ({reason}); run `conda clean --index-cache` \
             yourself if conda shows old packages."
        )),
    }
}

fn run_with_timeout(conda: &Path, timeout: Duration) -> Result<(), String> {
    let mut child = Command::new(conda)
        .args(["clean", "--index-cache", "--yes", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", conda.display()))?;
    // Read stderr on the side so a chatty conda cannot fill the pipe and stall.
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("conda did not finish in {} s", timeout.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    if status.success() {
        return Ok(());
    }
    let last_line = stderr
        .and_then(|reader| reader.join().ok())
        .and_then(|text| {
            text.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::to_string)
        });
    Err(match last_line {
        Some(line) => format!("conda clean failed, {status}: {}", line.trim()),
        None => format!("conda clean failed, {status}"),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fake conda. Written by `cp`, not by this process: a test thread forking meanwhile
    /// would inherit our open file, and exec would fail with "Text file busy" (ETXTBSY).
    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        let path = dir.join("conda");
        let source = dir.join("conda.txt");
        std::fs::write(&source, format!("#!/bin/sh\n{body}\n")).unwrap();
        let copied = std::process::Command::new("cp")
            .arg(&source)
            .arg(&path)
            .status()
            .unwrap();
        assert!(copied.success());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_hanging_conda_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let conda = script(dir.path(), "exec sleep 30");
        let started = Instant::now();
        let err = run_with_timeout(&conda, Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("did not finish"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn failure_names_conda_s_last_words() {
        let dir = tempfile::tempdir().unwrap();
        let conda = script(
            dir.path(),
            "echo 'first' >&2; echo 'LockError: busy' >&2; exit 2",
        );
        let err = run_with_timeout(&conda, Duration::from_secs(10)).unwrap_err();
        assert!(err.contains("LockError: busy"), "{err}");
        let ok = script(dir.path(), "exit 0");
        assert!(run_with_timeout(&ok, Duration::from_secs(10)).is_ok());
    }
}
