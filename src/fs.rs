//! The one way user data is written: an exclusive lock on a sibling lock file for the whole
//! read-modify-write, a temporary file in the same folder, fsync, rename over the target.
//!
//! A reader therefore sees either the old or the new content, never a half-written file, and two
//! processes changing the same file one after the other both keep their changes.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a file created by [`update`] or [`write_atomic`] gets its permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Holds a secret: created 0600 (and the temp file is 0600 from its first byte).
    Secret,
    /// Ordinary user file: a new file gets 0644 less the umask; an existing one keeps its mode.
    Public,
}

/// A held exclusive lock; released when dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// The sibling lock file of `path`: `keyring` → `keyring.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// How long to wait for another process's lock: holders keep it for milliseconds, so a lock
/// held longer belongs to a stopped or stuck process, and waiting on would hang.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Takes the exclusive lock for `path`, creating the folder (0700) and lock file if needed.
/// Waits at most [`LOCK_WAIT`] for another holder to release it.
pub fn lock(path: &Path) -> io::Result<Lock> {
    lock_within(path, LOCK_WAIT)
}

fn lock_within(path: &Path, wait: Duration) -> io::Result<Lock> {
    if let Some(dir) = path.parent() {
        create_dir_private(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    set_create_mode(&mut options, 0o600);
    let lock_file = lock_path(path);
    let file = options.open(&lock_file)?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock { _file: file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "another process has held the lock {} for over {} seconds (a stopped \
                         `anaconda` or Python tool?)",
                        lock_file.display(),
                        wait.as_secs_f32()
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The file a write to `path` really goes to: the target of a symbolic link (users keep
/// `.condarc` in a dotfiles repository), so that the link survives the rename.
pub fn write_target(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_path_buf();
    }
    match fs::canonicalize(path) {
        Ok(target) => target,
        // A dangling link: follow it one step, relative to the link's folder.
        Err(_) => match fs::read_link(path) {
            Ok(target) => path
                .parent()
                .map_or(target.clone(), |dir| dir.join(&target)),
            Err(_) => path.to_path_buf(),
        },
    }
}

/// Creates `dir` and its missing parents; the ones created here get mode 0700.
pub fn create_dir_private(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Reads `path`; a missing file is `None`.
pub fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Under the lock of `path`: reads the current content (`None` when missing), lets `change`
/// decide the new content, and writes it atomically. `change` returning `Ok(None)` leaves the
/// file as it is; an error from `change` also leaves it as it is and is passed on.
pub fn update<T, E>(
    path: &Path,
    mode: Mode,
    change: impl FnOnce(Option<&[u8]>) -> Result<(Option<Vec<u8>>, T), E>,
) -> Result<T, E>
where
    E: From<io::Error>,
{
    let path = &write_target(path);
    let _lock = lock(path).map_err(context("lock", path))?;
    let current = read_optional(path).map_err(context("read", path))?;
    let (new, result) = change(current.as_deref())?;
    if let Some(bytes) = new {
        write_atomic(path, &bytes, mode).map_err(context("write", path))?;
    }
    Ok(result)
}

/// Puts the action and the path into an I/O error's message, keeping its kind, so that the
/// error can travel as a plain `io::Error` and still say which file it was about.
pub fn context(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> io::Error {
    let path = path.to_path_buf();
    move |e| {
        io::Error::new(
            e.kind(),
            format!("Could not {action} {}: {e}", path.display()),
        )
    }
}

/// Under the lock of `path`, removes the file if it exists. Returns whether it existed.
pub fn remove_locked(path: &Path) -> io::Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let _lock = lock(path)?;
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `contents` to `path` through a temporary file in the same folder, fsync and rename.
/// The caller holds the lock (see [`update`]). A symbolic link is written through.
pub fn write_atomic(path: &Path, contents: &[u8], mode: Mode) -> io::Result<()> {
    let path = &write_target(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dir_private(&dir)?;
    let existing = fs::metadata(path).ok();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-").suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let new_mode = match (mode, &existing) {
            (Mode::Secret, _) => 0o600,
            (Mode::Public, Some(meta)) => meta.permissions().mode() & 0o7777,
            // Passed to open(2), so the umask still applies, as for any new file.
            (Mode::Public, None) => 0o644,
        };
        builder.permissions(fs::Permissions::from_mode(new_mode));
    }
    let mut temp = builder.tempfile_in(&dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    #[cfg(unix)]
    if let (Mode::Public, Some(meta)) = (mode, &existing) {
        // Keep the owner of an existing file when we are allowed to (running as root).
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(temp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(&dir);
    Ok(())
}

/// Makes a rename durable. Best effort: not every platform or file system can open a folder.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn set_create_mode(options: &mut OpenOptions, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = (options, mode);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn update_creates_private_folder_and_secret_file() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("new").join("keyring");
        update::<_, io::Error>(&path, Mode::Secret, |old| {
            assert!(old.is_none());
            Ok((Some(b"x".to_vec()), ()))
        })
        .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
        #[cfg(unix)]
        {
            assert_eq!(mode_of(&path), 0o600);
            assert_eq!(mode_of(path.parent().unwrap()), 0o700);
        }
        // Only the target and its lock file are left behind.
        let mut names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["keyring", "keyring.lock"]);
    }

    #[cfg(unix)]
    #[test]
    fn public_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".condarc");
        fs::write(&path, "a: 1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"a: 2\n", Mode::Public).unwrap();
        assert_eq!(mode_of(&path), 0o640);
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 2\n");
    }

    #[cfg(unix)]
    #[test]
    fn writes_go_through_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dotfiles").join("condarc");
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(&target, "a: 1\n").unwrap();
        let link = dir.path().join(".condarc");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        update::<_, io::Error>(&link, Mode::Public, |old| {
            assert_eq!(old, Some(&b"a: 1\n"[..]));
            Ok((Some(b"a: 2\n".to_vec()), ()))
        })
        .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "a: 2\n");
    }

    #[test]
    fn a_held_lock_is_waited_for_then_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring");
        let held = lock(&path).unwrap();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || lock(&path).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(100));
        drop(held);
        assert!(waiter.join().unwrap().is_ok());

        let _held = lock(&path).unwrap();
        let err = lock_within(&path, Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("keyring.lock"), "{err}");
    }

    #[test]
    fn failed_change_leaves_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "keep").unwrap();
        let r = update::<(), io::Error>(&path, Mode::Secret, |_| {
            Err(io::Error::other("cannot parse"))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "keep");
    }
}
