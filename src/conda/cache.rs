//! conda's index cache: after the token or channels change, cached repodata may hold answers
//! given to the old token, so run `conda clean --index-cache --yes --quiet` as the original does.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::output::Printer;

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
    let status = Command::new(conda)
        .args(["clean", "--index-cache", "--yes", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match status {
        Ok(out) if out.status.success() => {}
        Ok(out) => printer.warn(&format!(
            "`conda clean --index-cache` failed ({}); run it yourself if conda shows old packages.",
            out.status
        )),
        Err(e) => printer.warn(&format!(
            "Could not run {} to clean conda's index cache: {e}",
            conda.display()
        )),
    }
}
