//! Where the spool lives on disk, and which directories under `spool_dir`
//! are Outbox's.
//!
//! Outbox only ever touches what it recognises as its own: directories named
//! `<pid>-<16 hex digits>` (or that name with a leading dot while being
//! created), owned by this user, holding a `lock` file that starts with
//! `MARKER`, and nothing but that lock and `NNNNNNNNNNNNNNNN.seg` segments.
//! It never follows a symbolic link inside `spool_dir`. Anything else is
//! either ignored (names it never writes) or reported and left alone.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::inherited::LockFile;

pub(super) const LOCK_FILE: &str = "lock";
/// The lock file's content: says "this directory is an Outbox spool, format 1".
pub(super) const MARKER: &[u8] = b"outbox spool 1\n";
const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// Makes sure `root` exists and is safe to keep events in: created 0700 if
/// missing; an existing one must be a directory owned by this user that no
/// other user can write to (world-writable is accepted only with the sticky
/// bit, as for /tmp, where others cannot rename or remove our entries).
pub(super) fn prepare_root(root: &Path) -> io::Result<()> {
    if let Err(e) = fs::metadata(root) {
        if e.kind() != io::ErrorKind::NotFound {
            return Err(e);
        }
        DirBuilder::new().recursive(true).mode(DIR_MODE).create(root)?;
        // Exactly 0700, whatever the umask.
        fs::set_permissions(root, fs::Permissions::from_mode(DIR_MODE))?;
    }
    let meta = fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "is not a directory"));
    }
    let me = euid();
    if meta.uid() != me {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "is owned by uid {}, not by this process's user (uid {me}): that user could read or plant events",
                meta.uid()
            ),
        ));
    }
    let mode = meta.mode();
    if mode & 0o002 != 0 && mode & 0o1000 == 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "is writable by every user and has no sticky bit: any user could plant or remove spools there (use a private directory, mode 0700)",
        ));
    }
    Ok(())
}

pub(super) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates `<root>/<pid>-<random>` (0700) holding its locked `lock` file
/// (0600) with the marker. Built under a dot-name and renamed, so other
/// processes never see it unlocked; every step is synced before the rename
/// and the rename before returning, so after a power loss the directory is
/// either complete under its name or absent.
pub(super) fn create_owner_dir(root: &Path) -> io::Result<(PathBuf, LockFile)> {
    let name = format!("{}-{:016x}", std::process::id(), crate::ids::random_u64());
    let tmp = root.join(format!(".{name}"));
    create_private_dir(&tmp)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(tmp.join(LOCK_FILE))?;
    let lock = LockFile::register(file)?;
    // Blocking: an adopter may hold it for a moment to see it has no marker yet.
    flock(lock.file(), libc::LOCK_EX)?;
    lock.file().set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    lock.file().write_all(MARKER)?;
    lock.file().sync_data()?;
    sync_dir(&tmp)?;
    let dir = root.join(name);
    fs::rename(&tmp, &dir)?;
    sync_dir(root)?;
    Ok((dir, lock))
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    DirBuilder::new().mode(DIR_MODE).create(path)?;
    // Exactly 0700, whatever the umask.
    fs::set_permissions(path, fs::Permissions::from_mode(DIR_MODE))
}

/// Creates a new segment file (0600) and syncs its directory entry, so the
/// file survives a power loss once its records are synced.
pub(super) fn create_segment(dir: &Path, path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    sync_dir(dir)?;
    Ok(file)
}

/// Opens a file for reading without following a symbolic link.
pub(super) fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW).open(path)
}

/// `fsync` on a directory: makes the entries created or renamed in it durable.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    OpenOptions::new().read(true).custom_flags(libc::O_CLOEXEC | libc::O_DIRECTORY).open(dir)?.sync_all()
}

pub(super) fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: a valid open descriptor.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// `<pid>-<16 lowercase hex digits>`, the name Outbox gives an owner directory.
pub(super) fn is_owner_name(name: &str) -> bool {
    let Some((pid, random)) = name.split_once('-') else { return false };
    (1..=10).contains(&pid.len())
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(super) fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:016}.seg"))
}

/// The number of a segment file name (`NNNNNNNNNNNNNNNN.seg`).
pub(super) fn segment_number(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Directories under `root` that may be other processes' spools, sorted by
/// name. Entries that do not look like Outbox's are skipped silently; ones
/// that look like it but are not plain directories of this user are reported.
pub(super) fn candidates(root: &Path, own: &Path, damage: &mut Vec<String>) -> Vec<PathBuf> {
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) => {
            damage.push(format!("{}: cannot list: {e}", root.display()));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if path == own || !is_owner_name(name.strip_prefix('.').unwrap_or(&name)) {
            continue;
        }
        // Not followed: lstat.
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                damage.push(format!("{}: not adopted: a symbolic link", path.display()))
            }
            Ok(meta) if !meta.is_dir() => damage.push(format!("{}: not adopted: not a directory", path.display())),
            Ok(meta) if meta.uid() != euid() => {
                damage.push(format!("{}: not adopted: owned by uid {}", path.display(), meta.uid()))
            }
            Ok(_) => found.push(path),
            Err(_) => {} // removed meanwhile
        }
    }
    found.sort();
    found
}

/// The spool of a dead process, locked by us, checked to hold only Outbox's files.
pub(super) struct DeadSpool {
    pub dir: PathBuf,
    /// Its segments in order (number, path).
    pub segments: Vec<(u64, PathBuf)>,
    /// Held until the directory is dealt with; keeps other adopters out.
    _lock: LockFile,
}

/// Locks the spool in `dir` if its owner is gone. `Ok(None)`: it is alive,
/// being created, adopted by someone else, or an empty leftover (removed
/// here). `Err`: a reason it cannot be adopted, for the recovery report.
pub(super) fn lock_dead(dir: &Path) -> Result<Option<DeadSpool>, String> {
    let being_created = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
    let lock_path = dir.join(LOCK_FILE);
    // Never opened unless it is a plain file (a device or FIFO could block
    // or have side effects on open).
    if fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.is_file()) {
        return Err(report(dir, "its lock is not a regular file"));
    }
    let opened =
        OpenOptions::new().read(true).write(true).custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW).open(&lock_path);
    let file = match opened {
        Ok(file) => file,
        // A dot-name without lock is a creation in progress (or one that
        // died before its first step): never ours to touch.
        Err(e) if e.kind() == io::ErrorKind::NotFound && being_created => return Ok(None),
        // The last step of a removal that was interrupted leaves an empty
        // directory; rmdir only succeeds on an empty one.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return match fs::remove_dir(dir) {
                Ok(()) => Ok(None),
                Err(_) => Err(report(dir, "has no lock file")),
            }
        }
        Err(e) => return Err(report(dir, &format!("cannot open its lock file: {e}"))),
    };
    let lock = LockFile::register(file).map_err(|e| report(dir, &format!("cannot inspect its lock file: {e}")))?;
    if flock(lock.file(), libc::LOCK_EX | libc::LOCK_NB).is_err() {
        return Ok(None); // its owner lives (or another adopter is at work)
    }
    // The previous adopter may have removed the directory between our open
    // and our lock: the lock must still be the file at that path.
    let held = lock.file().metadata().map_err(|e| report(dir, &e.to_string()))?;
    match fs::symlink_metadata(&lock_path) {
        Ok(at_path) if at_path.ino() == held.ino() && at_path.dev() == held.dev() => {}
        _ => return Ok(None),
    }
    if !held.is_file() {
        return Err(report(dir, "its lock is not a regular file"));
    }
    let marker = read_marker(lock.file());
    if being_created && marker.as_deref() == Some(b"") {
        // Its creator has not written the marker yet (it waits for our
        // lock), or died before: either way it holds no events.
        return Ok(None);
    }
    if marker.as_deref() != Some(MARKER) {
        return Err(report(dir, "its lock file does not carry the Outbox marker; left alone"));
    }
    let segments = list_entries(dir)?;
    Ok(Some(DeadSpool { dir: dir.to_owned(), segments, _lock: lock }))
}

/// The segments of a spool directory; any entry Outbox never writes (or a
/// segment that is not a plain file) makes the whole directory foreign.
fn list_entries(dir: &Path) -> Result<Vec<(u64, PathBuf)>, String> {
    let entries = fs::read_dir(dir).map_err(|e| report(dir, &format!("cannot list: {e}")))?;
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| report(dir, &format!("cannot list: {e}")))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == LOCK_FILE {
            continue;
        }
        let plain_file = entry.file_type().is_ok_and(|t| t.is_file());
        match segment_number(&name) {
            Some(n) if plain_file => segments.push((n, entry.path())),
            _ => return Err(report(dir, &format!("holds {name:?}, which is not an Outbox segment; left alone"))),
        }
    }
    segments.sort();
    Ok(segments)
}

fn read_marker(lock: &File) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; MARKER.len() + 1];
    let n = lock.read_at(&mut buf, 0).ok()?;
    buf.truncate(n);
    Some(buf)
}

fn report(dir: &Path, why: &str) -> String {
    format!("{}: not adopted: {why}", dir.display())
}

impl DeadSpool {
    /// Removes the directory: its segments, then its lock (while the lock
    /// file exists the directory is claimed), then the directory itself.
    pub fn remove(&mut self) -> Result<(), String> {
        for (_, path) in &self.segments {
            remove_if_present(path)
                .map_err(|e| report(&self.dir, &format!("cannot remove {}: {e}", path.display())))?;
        }
        remove_if_present(&self.dir.join(LOCK_FILE))
            .map_err(|e| report(&self.dir, &format!("cannot remove its lock: {e}")))?;
        fs::remove_dir(&self.dir).map_err(|e| report(&self.dir, &format!("cannot remove: {e}")))
    }

    /// Removes the first `n` segments (their events were all taken).
    pub fn remove_first_segments(&mut self, n: usize) -> Result<(), String> {
        for (_, path) in self.segments.drain(..n.min(self.segments.len())) {
            remove_if_present(&path)
                .map_err(|e| report(&self.dir, &format!("cannot remove {}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// Creates the segment after the last one (for acknowledgements).
    pub fn create_next_segment(&mut self) -> io::Result<File> {
        let n = self.segments.last().map_or(0, |(n, _)| n + 1);
        let path = segment_path(&self.dir, n);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(FILE_MODE)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(&path)?;
        self.segments.push((n, path));
        Ok(file)
    }
}

/// `remove_file` never follows a symbolic link in the last component.
pub(super) fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes this process's own spool directory: its segments, its lock, then
/// the directory (which fails, leaving it, if anything else was put there).
pub(super) fn remove_own_dir(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_str().and_then(segment_number).is_some() {
            remove_if_present(&entry.path())?;
        }
    }
    remove_if_present(&dir.join(LOCK_FILE))?;
    fs::remove_dir(dir)
}
