//! Which `.condarc` a command edits (`conda.md`, locations): the user's by default, the active
//! environment's with `--env`, the root prefix's with `--system`, or a given file.

use std::path::PathBuf;

use crate::cli::{CondaTokenLocation, CondarcLocation};
use crate::error::{Error, Result};
use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    User,
    Env,
    System,
    File(PathBuf),
}

impl Location {
    /// From the three mutually exclusive flags the legacy commands take.
    fn from_flags(file: Option<&PathBuf>, env: bool, system: bool) -> Location {
        match (file, env, system) {
            (Some(f), _, _) => Location::File(f.clone()),
            (None, true, _) => Location::Env,
            (None, false, true) => Location::System,
            _ => Location::User,
        }
    }

    /// The file this location means.
    pub fn path(&self, settings: &Settings) -> Result<PathBuf> {
        match self {
            Location::User => Ok(settings.paths.user_condarc.clone()),
            Location::Env => Ok(settings
                .paths
                .conda_prefix
                .as_ref()
                .map(|p| p.join(".condarc"))
                .unwrap_or_else(|| settings.paths.user_condarc.clone())),
            Location::System => settings
                .paths
                .conda_root
                .as_ref()
                .map(|root| root.join(".condarc"))
                .ok_or_else(|| {
                    Error::with_hint(
                        "Cannot find conda's root prefix for --system: neither CONDA_ROOT nor \
                         CONDA_EXE is set.",
                        "Activate conda first, or name the file with --file.",
                    )
                }),
            Location::File(path) => Ok(path.clone()),
        }
    }
}

impl From<&CondarcLocation> for Location {
    fn from(flags: &CondarcLocation) -> Location {
        Location::from_flags(flags.file.as_ref(), flags.env, flags.system)
    }
}

impl From<&CondaTokenLocation> for Location {
    fn from(flags: &CondaTokenLocation) -> Location {
        Location::from_flags(flags.file.as_ref(), flags.env, flags.system)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Env, Overrides};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut all = vec![("HOME", "/h")];
        all.extend_from_slice(pairs);
        Settings::resolve(&Env::from_pairs(all), &Overrides::default()).unwrap()
    }

    #[test]
    fn locations() {
        let s = settings(&[("CONDA_PREFIX", "/envs/x"), ("CONDA_ROOT", "/opt/conda")]);
        assert_eq!(
            Location::User.path(&s).unwrap(),
            PathBuf::from("/h/.condarc")
        );
        assert_eq!(
            Location::Env.path(&s).unwrap(),
            PathBuf::from("/envs/x/.condarc")
        );
        assert_eq!(
            Location::System.path(&s).unwrap(),
            PathBuf::from("/opt/conda/.condarc")
        );
        let f = PathBuf::from("/tmp/rc");
        assert_eq!(Location::File(f.clone()).path(&s).unwrap(), f);
    }

    #[test]
    fn env_without_prefix_is_the_user_file_and_system_needs_a_root() {
        let s = settings(&[]);
        assert_eq!(
            Location::Env.path(&s).unwrap(),
            PathBuf::from("/h/.condarc")
        );
        let err = Location::System.path(&s).unwrap_err();
        assert!(err.hint().unwrap().contains("--file"));
    }

    #[test]
    fn root_from_conda_exe() {
        for exe in ["/opt/c/bin/conda", "/opt/c/condabin/conda"] {
            let s = settings(&[("CONDA_EXE", exe)]);
            assert_eq!(
                Location::System.path(&s).unwrap(),
                PathBuf::from("/opt/c/.condarc")
            );
        }
    }
}
