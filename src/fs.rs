//! The one way user data is written: an exclusive lock for the whole read-modify-write, a
//! temporary file in the same folder, fsync, rename over the target.
//!
//! A reader therefore sees either the old or the new content, never a half-written file, and two
//! processes changing the same file one after the other both keep their changes.
//!
//! Lock files live in one folder of ours ([`Locks`]), never beside the user's files: a lock file
//! beside `~/.condarc` is litter, and one in a folder another user can write could be planted as
//! a link to a file of ours. Files the user linked on purpose (a `.condarc` kept in a dotfiles
//! repository) are written through; links we did not choose (a `.bak`, a lock file) are never
//! followed.
//!
//! Every I/O failure here comes back as the typed `Error::Io { action, path, source }` ("Could
//! not write ~/.condarc: …"): the one way an I/O error gets its action and file. (What the
//! change of [`Locks::update`] returns is passed on as it is.)

use std::cell::RefCell;
use std::fs::{self, File, Metadata, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, Result};

/// How a file created by [`Locks::update`] or [`write_atomic`] gets its permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Holds a secret: created 0600 (and the temp file is 0600 from its first byte).
    Secret,
    /// Ordinary user file: a new file gets 0644 less the umask; an existing one keeps its mode.
    Public,
}

/// The largest file we read: configuration files are a few KB, and a multi-megabyte
/// `.condarc` or keyring file is a mistake or an attack, not something to parse.
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// How long to wait for another process's lock: holders keep it for milliseconds (or for one
/// request, while a token is issued), so a lock held longer belongs to a stopped or stuck
/// process, and waiting on would hang.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How long a rename over, or a removal of, a file another process has open is retried. Windows
/// refuses both while the file is open without delete sharing (conda and the Python tool reading
/// it, an indexer, a virus scanner), which lasts a moment; Unix never refuses them.
const IN_USE_WAIT: Duration = Duration::from_secs(2);

/// Whether `e` is Windows saying that another process has the file open: ERROR_ACCESS_DENIED,
/// ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION. (A file denied for good is retried for
/// [`IN_USE_WAIT`] too, then reported with the same error.)
fn in_use(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33))
}

/// Runs `op` until it succeeds, fails otherwise than with [`in_use`], or [`IN_USE_WAIT`] ends.
fn retry_in_use<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    let deadline = Instant::now() + IN_USE_WAIT;
    loop {
        match op() {
            Err(e) if in_use(&e) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// The folder our lock files live in, and the locks this process holds in it.
///
/// Locks are re-entrant within one `Locks` (and its clones): a command can take the keyring's
/// lock before a token is issued and keep it until the token is stored, and the store's own
/// read-modify-write under it goes ahead.
#[derive(Debug, Clone)]
pub struct Locks {
    dir: PathBuf,
    held: Held,
}

/// Lock files held by a [`Lock`] of this process, with when each was taken.
type Held = Rc<RefCell<Vec<(PathBuf, SystemTime)>>>;

/// A held exclusive lock; released when the outermost guard for its file is dropped.
#[derive(Debug)]
pub struct Lock {
    /// `None` for a nested guard of a lock an outer guard holds.
    owner: Option<(File, PathBuf, Held)>,
    /// When the lock was taken: temp files older than that belong to a writer that died.
    acquired: SystemTime,
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some((_, path, held)) = &self.owner {
            held.borrow_mut().retain(|(p, _)| p != path);
        }
    }
}

impl Locks {
    /// Locks kept in `dir` (created 0700 on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Locks {
            dir: dir.into(),
            held: Rc::default(),
        }
    }

    /// The lock file guarding `path`: named by a hash of the canonical path of the file really
    /// written (a link's target; the canonical parent folder plus the file name, so that a file
    /// not yet created has one too), with the file name in front for people reading the folder.
    pub fn lock_file(&self, path: &Path) -> PathBuf {
        let key = canonical_key(&write_target(path));
        let readable: String = key
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(40)
            .collect();
        let hash = fnv1a(key.as_os_str().as_encoded_bytes());
        self.dir.join(format!(
            "{}-{hash:016x}.lock",
            readable.trim_start_matches('.')
        ))
    }

    /// Takes the exclusive lock for `path`, waiting at most [`LOCK_WAIT`] for another holder.
    pub fn lock(&self, path: &Path) -> Result<Lock> {
        self.lock_within(path, LOCK_WAIT)
            .map_err(Error::io("lock", path))
    }

    fn lock_within(&self, path: &Path, wait: Duration) -> io::Result<Lock> {
        let lock_file = self.lock_file(path);
        if let Some((_, acquired)) = self.held.borrow().iter().find(|(p, _)| *p == lock_file) {
            return Ok(Lock {
                owner: None,
                acquired: *acquired,
            });
        }
        self.ensure_dir()?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        no_follow(&mut options);
        set_create_mode(&mut options, 0o600);
        let file = options.open(&lock_file).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open the lock file {}: {e}", lock_file.display()),
            )
        })?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "another process has held the lock {} for over {} seconds (a \
                             stopped or stuck `anaconda`?)",
                            lock_file.display(),
                            wait.as_secs_f32()
                        ),
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        let acquired = SystemTime::now();
        self.held.borrow_mut().push((lock_file.clone(), acquired));
        Ok(Lock {
            owner: Some((file, lock_file, Rc::clone(&self.held))),
            acquired,
        })
    }

    /// Our folder, created 0700; a link or a file in its place is refused (we never follow a
    /// link we did not choose).
    fn ensure_dir(&self) -> io::Result<()> {
        create_dir_private(&self.dir)?;
        let meta = fs::symlink_metadata(&self.dir)?;
        if meta.is_dir() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "the lock folder {} is not a folder (a link?): remove it",
                    self.dir.display()
                ),
            ))
        }
    }

    /// Under the lock of `path`: reads the current content (`None` when missing), lets `change`
    /// decide the new content, and writes it atomically. `change` returning `Ok(None)` leaves
    /// the file as it is; an error from `change` also leaves it as it is and is passed on.
    pub fn update<T>(
        &self,
        path: &Path,
        mode: Mode,
        change: impl FnOnce(Option<&[u8]>) -> Result<(Option<Vec<u8>>, T)>,
    ) -> Result<T> {
        let path = &write_target(path);
        let lock = self.lock(path)?;
        let current = read_optional(path)?;
        let (new, result) = change(current.as_deref())?;
        if let Some(bytes) = new {
            remove_stale_temps(path, lock.acquired);
            write_atomic(path, &bytes, mode)?;
        }
        Ok(result)
    }

    /// Under the lock of `path`, removes the file when `remove` says so of its content (read
    /// under the same lock, so a writer cannot slip in between). Returns whether it was removed.
    pub fn remove_if(&self, path: &Path, remove: impl FnOnce(&[u8]) -> bool) -> Result<bool> {
        if fs::symlink_metadata(path).is_err() {
            return Ok(false);
        }
        let _lock = self.lock(path)?;
        let Some(content) = read_optional(path)? else {
            return Ok(false);
        };
        if !remove(&content) {
            return Ok(false);
        }
        match retry_in_use(|| fs::remove_file(path)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io("remove", path)(e)),
        }
    }

    /// Whether a write of `path` would go through, found out without changing anything the
    /// user sees: its lock can be taken, an existing file is a regular file that is not
    /// immutable, and its folder (or the nearest existing parent) takes a new file as large as
    /// the file plus room to grow (a full disk fails here, not after a token was issued).
    pub fn check_writable(&self, path: &Path) -> Result<()> {
        let target = write_target(path);
        let _lock = self.lock(&target)?;
        let cannot_write = Error::io("write", &target);
        let size = match fs::metadata(&target) {
            Ok(meta) => {
                check_regular(&meta)
                    .and_then(|()| check_not_immutable(&target))
                    .map_err(cannot_write)?;
                meta.len()
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(cannot_write(e)),
        };
        let dir = nearest_existing_dir(&target).map_err(Error::io("write", &target))?;
        let probe = || -> io::Result<()> {
            // A file without a name (O_TMPFILE on Linux, delete-on-close on Windows, unlinked
            // at once elsewhere): a probe killed mid-way leaves nothing behind, even in a
            // folder (the nearest existing one) that no later write of `path` cleans up.
            let mut temp = tempfile::tempfile_in(&dir)?;
            temp.write_all(&vec![0; (size + 4096) as usize])?;
            temp.flush()
        };
        probe().map_err(|e| {
            let why = format!("the folder {} takes no new file: {e}", dir.display());
            Error::io("write", &target)(io::Error::new(e.kind(), why))
        })
    }
}

/// Python's-tool-independent, stable across builds and platforms (unlike `DefaultHasher`):
/// two versions of this program must name the same lock alike. A collision only makes two
/// files share a lock. No crate needed for eight lines.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The canonical form of `path` for naming its lock: the nearest existing ancestor made
/// canonical, plus the components that do not exist yet.
fn canonical_key(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut rest = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(canonical) = fs::canonicalize(existing) {
            return rest.iter().rev().fold(canonical, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// The nearest folder of `path` that exists: where a write (and a new folder) would go. A file
/// in the way (`HOME` below a file) is an error, since no folder can be made there.
fn nearest_existing_dir(path: &Path) -> io::Result<PathBuf> {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() {
            return Ok(PathBuf::from("."));
        }
        match fs::metadata(d) {
            Ok(meta) if meta.is_dir() => return Ok(d.to_path_buf()),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{} is not a folder", d.display()),
                ));
            }
            Err(_) => dir = d.parent(),
        }
    }
    Ok(PathBuf::from("."))
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
fn create_dir_private(dir: &Path) -> io::Result<()> {
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

/// Reads `path`; a missing file is `None`. Only a regular file of at most [`MAX_FILE_SIZE`] is
/// read: a FIFO, a device (`/dev/zero`) or a folder is an error at once, never a hang. Opened
/// without blocking, so that opening a FIFO with no writer returns.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    read_regular(path).map_err(Error::io("read", path))
}

fn read_regular(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    check_regular(&meta)?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the file is larger than {} MB, which no configuration file is",
            MAX_FILE_SIZE / (1024 * 1024)
        ),
    )
}

fn check_regular(meta: &Metadata) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let kind = if meta.is_dir() {
        "a folder"
    } else {
        file_kind(meta)
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file"),
    ))
}

fn file_kind(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = meta;
    "a special file"
}

/// An immutable or append-only file (`chattr +i`) cannot be replaced, even by root. Opening it
/// for writing tells (without changing it); a plain permission refusal does not matter, since
/// the file is replaced by a rename, not written in place.
fn check_not_immutable(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let opened = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path);
        if let Err(e) = opened
            && e.raw_os_error() == Some(libc::EPERM)
        {
            return Err(io::Error::new(
                e.kind(),
                "the file is immutable or append-only (chattr +i / +a)",
            ));
        }
    }
    let _ = path;
    Ok(())
}

/// Writes `contents` to `path` through a temporary file in the same folder, fsync and rename.
/// The caller holds the lock (see [`Locks::update`]). A symbolic link is written through.
pub fn write_atomic(path: &Path, contents: &[u8], mode: Mode) -> Result<()> {
    let path = &write_target(path);
    let existing = fs::metadata(path).ok();
    #[cfg(unix)]
    let (bits, owner) = {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        match (mode, &existing) {
            (Mode::Secret, _) => (0o600, None),
            (Mode::Public, Some(meta)) => (
                meta.permissions().mode() & 0o7777,
                Some((meta.uid(), meta.gid())),
            ),
            // Passed to open(2), so the umask still applies, as for any new file.
            (Mode::Public, None) => (0o644, None),
        }
    };
    #[cfg(not(unix))]
    let (bits, owner) = {
        let _ = (mode, &existing);
        (0, None)
    };
    replace(path, contents, bits, owner).map_err(Error::io("write", path))
}

/// Writes `contents` as `path`, like `original` (its mode and, when allowed, its owner),
/// replacing whatever `path` is, a symbolic link included, without following it: for backups,
/// whose name another user may have planted as a link to a file of ours.
pub fn write_like(path: &Path, contents: &[u8], original: &Metadata) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        replace(
            path,
            contents,
            original.permissions().mode() & 0o777,
            Some((original.uid(), original.gid())),
        )
        .map_err(Error::io("write", path))
    }
    #[cfg(not(unix))]
    {
        let _ = original;
        replace(path, contents, 0, None).map_err(Error::io("write", path))
    }
}

/// Temp file `.tmp-<name>-XXXXXX.partial` beside `path`, created with `bits` (and `owner` when
/// allowed), filled, fsynced, renamed over `path` (a rename replaces a link, never follows it).
fn replace(path: &Path, contents: &[u8], bits: u32, owner: Option<(u32, u32)>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dir_private(&dir)?;
    let mut builder = tempfile::Builder::new();
    let prefix = temp_prefix(path);
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(bits));
    }
    #[cfg(not(unix))]
    let _ = bits;
    let mut temp = builder.tempfile_in(&dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    #[cfg(unix)]
    if let Some((uid, gid)) = owner {
        // Keep the owner of an existing file when we are allowed to (running as root).
        let _ = std::os::unix::fs::fchown(temp.as_file(), Some(uid), Some(gid));
    }
    #[cfg(not(unix))]
    let _ = owner;
    let mut temp = Some(temp);
    retry_in_use(|| {
        let file = temp.take().expect("put back after each failed try");
        file.persist(path).map(drop).map_err(|e| {
            temp = Some(e.file);
            e.error
        })
    })?;
    sync_dir(&dir);
    Ok(())
}

fn temp_prefix(path: &Path) -> String {
    format!(
        ".tmp-{}-",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Removes the temp files a write of `path` left behind when its process was killed: those of
/// this file (by name) made before `lock_taken`, when we took the lock every writer of `path`
/// holds, so never a live writer's. Best effort.
pub fn remove_stale_temps(path: &Path, lock_taken: SystemTime) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(&prefix) || !name.ends_with(".partial") {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .is_some_and(|modified| modified < lock_taken);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
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

fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = options;
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

    /// `dir/name` written with `content`.
    fn file_in(dir: &Path, name: &str, content: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        path
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    struct Fixture {
        dir: tempfile::TempDir,
        locks: Locks,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let locks = Locks::new(dir.path().join("locks"));
        Fixture { dir, locks }
    }

    #[test]
    fn update_creates_private_folder_and_secret_file() {
        let f = fixture();
        let path = f.dir.path().join("new").join("keyring");
        f.locks
            .update(&path, Mode::Secret, |old| {
                assert!(old.is_none());
                Ok((Some(b"x".to_vec()), ()))
            })
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
        #[cfg(unix)]
        {
            assert_eq!(mode_of(&path), 0o600);
            assert_eq!(mode_of(path.parent().unwrap()), 0o700);
            assert_eq!(mode_of(&f.dir.path().join("locks")), 0o700);
        }
        // Only the target is left beside it: the lock file is in our folder.
        assert_eq!(names_in(path.parent().unwrap()), ["keyring"]);
        let locks = names_in(&f.dir.path().join("locks"));
        assert_eq!(locks.len(), 1);
        assert!(
            locks[0].starts_with("keyring-") && locks[0].ends_with(".lock"),
            "{locks:?}"
        );
    }

    #[test]
    fn lock_names_follow_the_canonical_path() {
        let f = fixture();
        let a = f.dir.path().join("a");
        fs::create_dir_all(&a).unwrap();
        let direct = f.locks.lock_file(&a.join("keyring"));
        assert_eq!(f.locks.lock_file(&a.join(".").join("keyring")), direct);
        assert_ne!(f.locks.lock_file(&a.join("other")), direct);
        // A file in a folder not yet created is named as it will be once the folder exists.
        let later = f.locks.lock_file(&a.join("sub").join("keyring"));
        fs::create_dir_all(a.join("sub")).unwrap();
        assert_eq!(f.locks.lock_file(&a.join("sub").join("keyring")), later);
        #[cfg(unix)]
        {
            // A link we follow shares its target's lock.
            let link = f.dir.path().join("link");
            std::os::unix::fs::symlink(a.join("keyring"), &link).unwrap();
            assert_eq!(f.locks.lock_file(&link), direct);
        }
    }

    #[cfg(unix)]
    #[test]
    fn public_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = file_in(dir.path(), ".condarc", "a: 1\n");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"a: 2\n", Mode::Public).unwrap();
        assert_eq!(mode_of(&path), 0o640);
        assert_eq!(fs::read_to_string(&path).unwrap(), "a: 2\n");
    }

    #[cfg(unix)]
    #[test]
    fn writes_go_through_symbolic_links() {
        let f = fixture();
        let target = f.dir.path().join("dotfiles").join("condarc");
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(&target, "a: 1\n").unwrap();
        let link = f.dir.path().join(".condarc");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        f.locks
            .update(&link, Mode::Public, |old| {
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

    #[cfg(unix)]
    #[test]
    fn write_like_replaces_a_link_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = file_in(dir.path(), "victim", "precious");
        let bak = dir.path().join(".condarc.bak");
        std::os::unix::fs::symlink(&victim, &bak).unwrap();
        let original = file_in(dir.path(), ".condarc", "a: 1\n");
        let meta = fs::metadata(&original).unwrap();
        write_like(&bak, b"a: 1\n", &meta).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(fs::symlink_metadata(&bak).unwrap().is_file());
        assert_eq!(fs::read_to_string(&bak).unwrap(), "a: 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_lock_link_is_not_followed() {
        let f = fixture();
        let path = f.dir.path().join("keyring");
        let victim = file_in(f.dir.path(), "victim", "precious");
        fs::create_dir_all(f.dir.path().join("locks")).unwrap();
        std::os::unix::fs::symlink(&victim, f.locks.lock_file(&path)).unwrap();
        let err = f.locks.lock(&path).unwrap_err();
        assert!(err.to_string().contains("lock file"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        // A lock folder that is a link is refused too.
        let other = Locks::new(f.dir.path().join("linked-locks"));
        std::os::unix::fs::symlink(f.dir.path(), f.dir.path().join("linked-locks")).unwrap();
        assert!(other.lock(&path).is_err());
    }

    #[test]
    fn a_held_lock_is_waited_for_then_reported() {
        let f = fixture();
        let path = f.dir.path().join("keyring");
        let held = f.locks.lock(&path).unwrap();
        let waiter = {
            let path = path.clone();
            let dir = f.dir.path().join("locks");
            std::thread::spawn(move || Locks::new(dir).lock(&path).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(100));
        drop(held);
        assert!(waiter.join().unwrap().is_ok());

        let _held = f.locks.lock(&path).unwrap();
        let other = Locks::new(f.dir.path().join("locks"));
        let err = other
            .lock_within(&path, Duration::from_millis(100))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("keyring-"), "{err}");
    }

    #[test]
    fn locks_are_reentrant_within_one_process() {
        let f = fixture();
        let path = f.dir.path().join("keyring");
        let outer = f.locks.lock(&path).unwrap();
        // The store's own update under a lock the command holds goes ahead.
        f.locks
            .clone()
            .update(&path, Mode::Secret, |_| Ok((Some(b"x".to_vec()), ())))
            .unwrap();
        // Another process (another `Locks`) still waits for it.
        let other = Locks::new(f.dir.path().join("locks"));
        assert!(other.lock_within(&path, Duration::from_millis(50)).is_err());
        drop(outer);
        assert!(other.lock_within(&path, Duration::from_millis(50)).is_ok());
    }

    #[test]
    fn failed_change_leaves_file_alone() {
        let f = fixture();
        let path = file_in(f.dir.path(), "f", "keep");
        let r = f
            .locks
            .update::<()>(&path, Mode::Secret, |_| Err(Error::msg("cannot parse")));
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "keep");
    }

    #[test]
    fn stale_temp_files_are_removed_by_the_next_write() {
        let f = fixture();
        let path = f.dir.path().join("keyring");
        let stale = f.dir.path().join(".tmp-keyring-abc123.partial");
        let other = f.dir.path().join(".tmp-other-abc123.partial");
        fs::write(&stale, "half").unwrap();
        fs::write(&other, "someone else's").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        f.locks
            .update(&path, Mode::Secret, |_| Ok((Some(b"x".to_vec()), ())))
            .unwrap();
        assert!(!stale.exists());
        assert!(other.exists(), "a temp file of another file is not ours");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let err = read_optional(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let err = read_optional(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("device"), "{err}");
        let err = read_optional(dir.path()).unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
    }

    #[test]
    fn check_writable_changes_nothing() {
        let f = fixture();
        let path = f.dir.path().join("missing").join("keyring");
        f.locks.check_writable(&path).unwrap();
        assert!(!path.parent().unwrap().exists());
        let names = names_in(f.dir.path());
        assert_eq!(names, ["locks"]);
    }
}
