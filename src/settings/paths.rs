//! The files and folders we read and write, found as the platform and conda place them.

use std::path::{Path, PathBuf};

use super::Env;
use super::values::expand_path;

#[derive(Debug, Clone)]
pub struct Paths {
    pub home: PathBuf,
    /// `~/.anaconda/config.toml` (`ANACONDA_CONFIG_TOML`).
    pub config_path: PathBuf,
    /// The user's `.condarc`.
    pub user_condarc: PathBuf,
    /// conda's token folder we write, and the legacy one we also read.
    pub binstar_dir: PathBuf,
    pub legacy_binstar_dir: Option<PathBuf>,
    /// Our lock files' folder: `$XDG_RUNTIME_DIR/anaconda-token`, else the user's cache folder's.
    pub lock_dir: PathBuf,
    /// The active environment (`CONDA_PREFIX`).
    pub conda_prefix: Option<PathBuf>,
    /// conda's root prefix: `CONDA_ROOT`, else derived from `CONDA_EXE`.
    pub conda_root: Option<PathBuf>,
    /// rattler's (pixi's) credentials file: `$RATTLER_AUTH_FILE` as given, else
    /// `~/.rattler/credentials.json` (rattler_networking `storage.rs`, `backends/file.rs`).
    pub rattler_auth_file: PathBuf,
    /// Whether `RATTLER_AUTH_FILE` named it: rattler then reads and writes that file before
    /// the OS keyring (`src/tools/pixi.rs`).
    pub rattler_auth_file_set: bool,
    /// mamba's credentials file, `~/.mamba/auth/authentication.json`: a fixed place under the
    /// home folder, which no variable moves (mamba's `context.cpp`, `login.cpp`).
    pub mamba_auth_file: PathBuf,
}

impl Paths {
    pub(super) fn resolve(env: &Env, home: PathBuf) -> Paths {
        let (binstar_dir, legacy_binstar_dir) = binstar_dirs(env, &home);
        Paths {
            config_path: config_path(env, &home),
            user_condarc: home.join(".condarc"),
            binstar_dir,
            legacy_binstar_dir,
            lock_dir: lock_dir(env, &home),
            conda_prefix: env.get("CONDA_PREFIX").map(PathBuf::from),
            conda_root: conda_root(env),
            rattler_auth_file: rattler_auth_file(env, &home),
            rattler_auth_file_set: env.get("RATTLER_AUTH_FILE").is_some(),
            mamba_auth_file: home.join(".mamba").join("auth").join("authentication.json"),
            home,
        }
    }

    /// conda's token folders to read: the one we write, then the legacy one.
    pub fn token_dirs(&self) -> Vec<&Path> {
        std::iter::once(self.binstar_dir.as_path())
            .chain(self.legacy_binstar_dir.as_deref())
            .collect()
    }
}

/// `ANACONDA_CONFIG_TOML`, else `~/.anaconda/config.toml`.
fn config_path(env: &Env, home: &Path) -> PathBuf {
    env.get("ANACONDA_CONFIG_TOML")
        .map(|p| expand_path(env, p))
        .unwrap_or_else(|| home.join(".anaconda").join("config.toml"))
}

/// `$RATTLER_AUTH_FILE`, taken as it is (rattler expands neither `~` nor variables in it:
/// `std::path::Path::new(&auth_file)`, `storage.rs` line 95), else `~/.rattler/credentials.json`
/// (`home_dir.join(".rattler").join("credentials.json")`, `backends/file.rs` line 80).
fn rattler_auth_file(env: &Env, home: &Path) -> PathBuf {
    env.get("RATTLER_AUTH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".rattler").join("credentials.json"))
}

/// conda's token folders: the one we write (and read), and the pre-23.11 one we only read.
fn binstar_dirs(env: &Env, home: &Path) -> (PathBuf, Option<PathBuf>) {
    if let Some(dir) = env.get("BINSTAR_CONFIG_DIR") {
        return (PathBuf::from(dir).join("data"), None);
    }
    let xdg = env.get("XDG_CONFIG_HOME").map(PathBuf::from);
    if cfg!(windows) {
        return (
            local_app_data(env, home)
                .join("ContinuumIO")
                .join("binstar"),
            None,
        );
    }
    let dir = match xdg {
        Some(x) => x.join("binstar"),
        None if cfg!(target_os = "macos") => home
            .join("Library")
            .join("Application Support")
            .join("binstar"),
        None => home.join(".config").join("binstar"),
    };
    let legacy = cfg!(target_os = "linux").then(|| home.join(".local/share/binstar"));
    (dir, legacy)
}

/// Windows' `%LOCALAPPDATA%`.
fn local_app_data(env: &Env, home: &Path) -> PathBuf {
    env.get("LOCALAPPDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join("AppData").join("Local"))
}

/// Where our lock files go: the per-session runtime folder when there is one (cleared at
/// logout, never backed up), else the user's cache folder; never beside the user's files.
fn lock_dir(env: &Env, home: &Path) -> PathBuf {
    const NAME: &str = "anaconda-token";
    if let Some(run) = env.get("XDG_RUNTIME_DIR").map(PathBuf::from)
        && run.is_absolute()
    {
        return run.join(NAME);
    }
    let cache = if cfg!(windows) {
        local_app_data(env, home)
    } else if cfg!(target_os = "macos") {
        home.join("Library").join("Caches")
    } else {
        env.get("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".cache"))
    };
    cache.join(NAME)
}

/// `$CONDA_ROOT`, else the prefix `$CONDA_EXE` lives in (`<root>/bin/conda`,
/// `<root>/condabin/conda`, `<root>\Scripts\conda.exe`).
pub(crate) fn conda_root(env: &Env) -> Option<PathBuf> {
    if let Some(root) = env.get("CONDA_ROOT") {
        return Some(PathBuf::from(root));
    }
    let exe = PathBuf::from(env.get("CONDA_EXE")?);
    let dir = exe.parent()?;
    let dir_name = dir.file_name()?.to_string_lossy().to_ascii_lowercase();
    matches!(dir_name.as_str(), "bin" | "condabin" | "scripts")
        .then(|| dir.parent().map(Path::to_path_buf))
        .flatten()
}

/// `$CONDA_EXE`, else `conda` on `PATH`.
pub(super) fn find_conda(env: &Env) -> Option<PathBuf> {
    if let Some(exe) = env.get("CONDA_EXE").map(PathBuf::from)
        && exe.is_file()
    {
        return Some(exe);
    }
    let names: &[&str] = if cfg!(windows) {
        &["conda.exe", "conda.bat"]
    } else {
        &["conda"]
    };
    std::env::split_paths(env.get("PATH")?)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}
