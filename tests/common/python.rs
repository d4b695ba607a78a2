//! The real Python tool (anaconda-auth), for the interoperability tests: where it is, and how
//! it runs for a user of a test HOME.

use std::path::{Path, PathBuf};

/// The Python named by `ANACONDA_TOKEN_TEST_PYTHON` (one with anaconda-auth installed). `None`,
/// with a note on stderr, when it is not set; with `ANACONDA_TOKEN_TEST_REQUIRE_PYTHON` set (CI)
/// that is a failure instead.
pub fn test_python() -> Option<PathBuf> {
    let python = std::env::var("ANACONDA_TOKEN_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    if python.is_none() {
        // CI must run these: .ci/run sets both variables.
        assert!(
            std::env::var_os("ANACONDA_TOKEN_TEST_REQUIRE_PYTHON").is_none(),
            "ANACONDA_TOKEN_TEST_PYTHON is not set, and ANACONDA_TOKEN_TEST_REQUIRE_PYTHON is"
        );
        eprintln!("skipped: ANACONDA_TOKEN_TEST_PYTHON is not set (bash .ci/run sets it)");
    }
    python.map(PathBuf::from)
}

/// `program` (the Python, or its `anaconda` script) as a user with HOME `home` runs it: nothing
/// from this process's environment, and the Python keyring kept in the keyring file, where ours
/// reads it.
pub fn python_tool(program: &Path, home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env_clear()
        .current_dir(home)
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env(
            "PYTHON_KEYRING_BACKEND",
            "anaconda_auth.token.AnacondaKeyring",
        );
    cmd
}
