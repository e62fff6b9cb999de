//! Crash-durable storage under the queue: with `spool_dir` set, every
//! queued event is also appended to a segment file and acknowledged there
//! once it is delivered (or given up), so the next process to open the spool
//! delivers what a crashed one could not.
//!
//! Layout: `spool_dir/<owner>/` per process, holding a `lock` file (an
//! exclusive `flock` held for the owner's life) and `NNNNNNNNNNNNNNNN.seg`
//! segment files. A record is `[len u32][crc32 u32][payload]`, little endian;
//! the payload is an event (`1, sid u64, id_len u32, id, json`) or an
//! acknowledgement (`2, (first_sid u64, count u32)*`). A torn or corrupt
//! record ends the readable part of its segment: recovery keeps everything
//! before it and reports the rest.
//!
//! A directory whose lock can be taken belongs to a dead process: it is
//! adopted — its unacknowledged events are re-appended to the adopter's own
//! spool (same message ids and JSON), then the directory is removed. The lock
//! makes the adopter unique.
//!
//! Writes go straight to the file with `write(2)` on the caller's thread, so
//! a process crash loses nothing that `track` accepted. `SpoolSync::Batch`
//! calls `fdatasync` at most every `SYNC_INTERVAL` (a power loss or kernel
//! crash can lose that window); `SpoolSync::Event` syncs before `track`
//! returns, with concurrent callers sharing one `fdatasync` (group commit).

mod inherited;

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use inherited::LockFile;

pub(crate) use inherited::close_inherited_locks;

/// When the spool calls `fdatasync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpoolSync {
    /// Every `SYNC_INTERVAL` (default): a process crash loses nothing; a
    /// power loss can lose up to that much.
    #[default]
    Batch,
    /// Before `track` returns: nothing accepted is ever lost; each call waits
    /// for the disk (concurrent callers share a sync).
    Event,
}

impl SpoolSync {
    pub fn parse(name: &str) -> Option<SpoolSync> {
        match name.to_ascii_lowercase().as_str() {
            "batch" => Some(SpoolSync::Batch),
            "event" => Some(SpoolSync::Event),
            _ => None,
        }
    }
}

pub const SYNC_INTERVAL: Duration = Duration::from_millis(100);
const SEGMENT_BYTES: u64 = 8 << 20;
const KIND_EVENT: u8 = 1;
const KIND_ACK: u8 = 2;
const LOCK_FILE: &str = "lock";

/// An event read back from a dead process's spool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub id: String,
    pub json: Vec<u8>,
    /// Its id in the adopting spool, where it was written again.
    pub sid: u64,
}

/// What opening a spool found.
#[derive(Debug, Default)]
pub struct Recovery {
    pub events: Vec<Recovered>,
    /// Directories of dead processes that were adopted.
    pub adopted: usize,
    /// Damaged parts that could not be read (torn or corrupt records).
    pub damage: Vec<String>,
}

struct Segment {
    path: PathBuf,
    first_sid: u64,
    /// Events appended and not yet acknowledged.
    live: u64,
}

struct Writer {
    dir: PathBuf,
    file: File,
    file_bytes: u64,
    segments: VecDeque<Segment>,
    next_segment: u64,
    next_sid: u64,
    /// Bytes written since the spool opened (group-commit positions).
    written: u64,
}

pub struct Spool {
    writer: Mutex<Writer>,
    /// Bytes known to be on disk; taken while calling fdatasync.
    synced: Mutex<u64>,
    sync: SpoolSync,
    failed: AtomicBool,
    _lock: LockFile,
}

impl Spool {
    /// Creates this process's directory under `root`, adopts the spools of
    /// dead processes, and returns what they left undelivered.
    pub fn open(root: &Path, sync: SpoolSync) -> io::Result<(Spool, Recovery)> {
        fs::create_dir_all(root)?;
        let (dir, lock) = create_owner_dir(root)?;
        let first = segment_path(&dir, 0);
        let file = open_append(&first)?;
        let spool = Spool {
            writer: Mutex::new(Writer {
                dir: dir.clone(),
                file,
                file_bytes: 0,
                segments: VecDeque::from([Segment { path: first, first_sid: 1, live: 0 }]),
                next_segment: 1,
                next_sid: 1,
                written: 0,
            }),
            synced: Mutex::new(0),
            sync,
            failed: AtomicBool::new(false),
            _lock: lock,
        };
        let mut recovery = Recovery::default();
        for entry in fs::read_dir(root)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path == dir || name.starts_with('.') || !path.is_dir() {
                continue;
            }
            if let Some(lock) = try_adopt(&path) {
                let before = recovery.events.len();
                read_spool_dir(&path, &mut recovery);
                // Into our own spool first, synced, then the old one goes:
                // a crash in between delivers twice (same ids), never zero times.
                for event in &mut recovery.events[before..] {
                    event.sid = spool.append_unsynced(&event.id, &event.json)?;
                }
                spool.sync_now()?;
                remove_spool_dir(&path)?;
                drop(lock);
                recovery.adopted += 1;
            }
        }
        Ok((spool, recovery))
    }

    /// Appends an event; returns its spool id. With `SpoolSync::Event` the
    /// record is on disk when this returns.
    pub fn append(&self, id: &str, json: &[u8]) -> io::Result<u64> {
        let (sid, end) = self.append_unsynced_at(id, json)?;
        if self.sync == SpoolSync::Event {
            self.sync_to(end)?;
        }
        Ok(sid)
    }

    fn append_unsynced(&self, id: &str, json: &[u8]) -> io::Result<u64> {
        self.append_unsynced_at(id, json).map(|(sid, _)| sid)
    }

    fn append_unsynced_at(&self, id: &str, json: &[u8]) -> io::Result<(u64, u64)> {
        let mut w = self.writer.lock();
        let sid = w.next_sid;
        let mut payload = Vec::with_capacity(13 + id.len() + json.len());
        payload.push(KIND_EVENT);
        payload.extend_from_slice(&sid.to_le_bytes());
        payload.extend_from_slice(&(id.len() as u32).to_le_bytes());
        payload.extend_from_slice(id.as_bytes());
        payload.extend_from_slice(json);
        w.write_record(&payload)?;
        w.next_sid += 1;
        if let Some(last) = w.segments.back_mut() {
            last.live += 1;
        }
        let end = w.written;
        w.roll_if_full()?;
        Ok((sid, end))
    }

    /// Records that these events left the queue for good (delivered or
    /// given up) and removes segments with nothing left in them.
    pub fn ack(&self, sids: &[u64]) -> io::Result<()> {
        if sids.is_empty() {
            return Ok(());
        }
        let mut sorted = sids.to_vec();
        sorted.sort_unstable();
        let mut payload = Vec::with_capacity(1 + 12 * 4);
        payload.push(KIND_ACK);
        let mut i = 0;
        while i < sorted.len() {
            let first = sorted[i];
            let mut count = 1u32;
            while i + (count as usize) < sorted.len() && sorted[i + count as usize] == first + u64::from(count) {
                count += 1;
            }
            payload.extend_from_slice(&first.to_le_bytes());
            payload.extend_from_slice(&count.to_le_bytes());
            i += count as usize;
        }
        let mut w = self.writer.lock();
        w.write_record(&payload)?;
        for sid in sorted {
            // Segments are ordered by first sid; find the one holding `sid`.
            let pos = w.segments.partition_point(|s| s.first_sid <= sid);
            if pos > 0 {
                let seg = &mut w.segments[pos - 1];
                seg.live = seg.live.saturating_sub(1);
            }
        }
        w.remove_settled_segments();
        Ok(())
    }

    /// `fdatasync` whatever was written and not yet synced.
    pub fn sync_now(&self) -> io::Result<()> {
        let end = self.writer.lock().written;
        self.sync_to(end)
    }

    fn sync_to(&self, end: u64) -> io::Result<()> {
        let mut synced = self.synced.lock();
        if *synced >= end {
            return Ok(()); // another caller's sync covered us
        }
        let (fd_file, now) = {
            let w = self.writer.lock();
            (w.file.try_clone()?, w.written)
        };
        fd_file.sync_data()?;
        *synced = now;
        Ok(())
    }

    /// Marks the spool unusable after a write error: the client carries on in memory.
    pub fn fail(&self) -> bool {
        !self.failed.swap(true, Ordering::SeqCst)
    }

    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    pub fn sync_mode(&self) -> SpoolSync {
        self.sync
    }

    /// This process's spool directory.
    pub fn dir(&self) -> PathBuf {
        self.writer.lock().dir.clone()
    }
}

impl Writer {
    fn write_record(&mut self, payload: &[u8]) -> io::Result<()> {
        let mut frame = Vec::with_capacity(8 + payload.len());
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        frame.extend_from_slice(payload);
        // One write per record: a crash leaves a whole record or a torn tail.
        self.file.write_all(&frame)?;
        self.file_bytes += frame.len() as u64;
        self.written += frame.len() as u64;
        Ok(())
    }

    fn roll_if_full(&mut self) -> io::Result<()> {
        if self.file_bytes < SEGMENT_BYTES {
            return Ok(());
        }
        let path = segment_path(&self.dir, self.next_segment);
        let file = open_append(&path)?;
        // The finished segment must be durable before we stop syncing it.
        self.file.sync_data()?;
        self.file = file;
        self.file_bytes = 0;
        self.next_segment += 1;
        self.segments.push_back(Segment { path, first_sid: self.next_sid, live: 0 });
        Ok(())
    }

    /// Deletes the oldest segments while they hold nothing live. Only from
    /// the front: a newer segment may hold acks for events of older ones.
    fn remove_settled_segments(&mut self) {
        while self.segments.len() > 1 && self.segments.front().is_some_and(|s| s.live == 0) {
            if let Some(seg) = self.segments.pop_front() {
                let _ = fs::remove_file(&seg.path);
            }
        }
    }
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:016}.seg"))
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).custom_flags(libc::O_CLOEXEC).open(path)
}

/// Creates `<root>/<pid>-<random>` holding a locked `lock` file. Built under
/// a dot-name and renamed, so other processes never see it unlocked.
fn create_owner_dir(root: &Path) -> io::Result<(PathBuf, LockFile)> {
    let name = format!("{}-{:016x}", std::process::id(), crate::ids::random_u64());
    let tmp = root.join(format!(".{name}"));
    fs::create_dir(&tmp)?;
    let lock = LockFile::register(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_CLOEXEC)
            .open(tmp.join(LOCK_FILE))?,
    )?;
    flock(lock.file(), libc::LOCK_EX | libc::LOCK_NB)?;
    let dir = root.join(name);
    fs::rename(&tmp, &dir)?;
    Ok((dir, lock))
}

fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    // SAFETY: a valid open descriptor.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Takes the lock of a spool directory whose owner is gone. `None` when its
/// owner lives, or another process adopted it first.
fn try_adopt(dir: &Path) -> Option<LockFile> {
    let path = dir.join(LOCK_FILE);
    let lock = OpenOptions::new().read(true).write(true).custom_flags(libc::O_CLOEXEC).open(&path).ok()?;
    let lock = LockFile::register(lock).ok()?;
    flock(lock.file(), libc::LOCK_EX | libc::LOCK_NB).ok()?;
    // The previous adopter may have removed the directory between our open
    // and our lock: the lock must still be on the file at that path.
    let held = lock.file().metadata().ok()?;
    let at_path = fs::metadata(&path).ok()?;
    (held.ino() == at_path.ino() && held.dev() == at_path.dev()).then_some(lock)
}

fn remove_spool_dir(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.file_name().and_then(|n| n.to_str()) != Some(LOCK_FILE) {
            fs::remove_file(&path)?;
        }
    }
    // The lock file last: while it exists, the directory is claimed.
    fs::remove_file(dir.join(LOCK_FILE))?;
    fs::remove_dir(dir)
}

/// Reads every segment of a dead spool: events minus acknowledgements, in
/// the order they were written.
fn read_spool_dir(dir: &Path, recovery: &mut Recovery) {
    let mut segments: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("seg"))
            .collect(),
        Err(e) => {
            recovery.damage.push(format!("{}: cannot list: {e}", dir.display()));
            return;
        }
    };
    segments.sort();
    let mut events: BTreeMap<u64, Recovered> = BTreeMap::new();
    let mut acked: Vec<(u64, u32)> = Vec::new();
    for path in segments {
        match fs::read(&path) {
            Ok(bytes) => parse_segment(&path, &bytes, &mut events, &mut acked, &mut recovery.damage),
            Err(e) => recovery.damage.push(format!("{}: cannot read: {e}", path.display())),
        }
    }
    for (first, count) in acked {
        for sid in first..first.saturating_add(u64::from(count)) {
            events.remove(&sid);
        }
    }
    recovery.events.extend(events.into_values());
}

fn parse_segment(path: &Path, bytes: &[u8], events: &mut BTreeMap<u64, Recovered>, acked: &mut Vec<(u64, u32)>, damage: &mut Vec<String>) {
    let mut at = 0usize;
    while at < bytes.len() {
        let problem = match read_frame(&bytes[at..]) {
            Ok((payload, size)) => match parse_payload(payload, events, acked) {
                Ok(()) => {
                    at += size;
                    continue;
                }
                Err(why) => why,
            },
            Err(why) => why,
        };
        damage.push(format!(
            "{}: {} byte(s) from offset {at} unreadable ({problem}); events before it were recovered",
            path.display(),
            bytes.len() - at
        ));
        return;
    }
}

fn read_frame(bytes: &[u8]) -> Result<(&[u8], usize), &'static str> {
    if bytes.len() < 8 {
        return Err("torn record header");
    }
    let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let crc = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    let payload = bytes.get(8..8 + len).ok_or("torn record")?;
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch");
    }
    Ok((payload, 8 + len))
}

fn parse_payload(p: &[u8], events: &mut BTreeMap<u64, Recovered>, acked: &mut Vec<(u64, u32)>) -> Result<(), &'static str> {
    let u64_at = |i: usize| p.get(i..i + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
    let u32_at = |i: usize| p.get(i..i + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])));
    match p.first() {
        Some(&KIND_EVENT) => {
            let sid = u64_at(1).ok_or("short event record")?;
            let id_len = u32_at(9).ok_or("short event record")? as usize;
            let id = p.get(13..13 + id_len).ok_or("short event record")?;
            let id = std::str::from_utf8(id).map_err(|_| "message id is not UTF-8")?;
            events.insert(sid, Recovered { id: id.to_owned(), json: p[13 + id_len..].to_vec(), sid });
            Ok(())
        }
        Some(&KIND_ACK) => {
            let body = &p[1..];
            if body.len() % 12 != 0 {
                return Err("malformed acknowledgement");
            }
            for chunk in body.chunks_exact(12) {
                let first = u64::from_le_bytes(chunk[..8].try_into().unwrap_or([0; 8]));
                let count = u32::from_le_bytes(chunk[8..].try_into().unwrap_or([0; 4]));
                acked.push((first, count));
            }
            Ok(())
        }
        _ => Err("unknown record kind"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("outbox-spool-{name}-{}-{:x}", std::process::id(), crate::ids::random_u64()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn owner_dirs(root: &Path) -> Vec<PathBuf> {
        fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect()
    }

    /// Simulates a dead owner: a spool whose lock is released without cleanup.
    fn write_dead_spool(root: &Path, events: &[(&str, &str)], ack_first: usize) -> PathBuf {
        let (spool, _) = Spool::open(root, SpoolSync::Batch).unwrap();
        let sids: Vec<u64> = events.iter().map(|(id, json)| spool.append(id, json.as_bytes()).unwrap()).collect();
        spool.ack(&sids[..ack_first]).unwrap();
        spool.sync_now().unwrap();
        let dir = spool.dir();
        drop(spool); // releases the lock, leaves the files: like a crash
        dir
    }

    #[test]
    fn unacknowledged_events_are_recovered_in_order_once() {
        let root = tempdir("recover");
        write_dead_spool(&root, &[("a", "{\"n\":1}"), ("b", "{\"n\":2}"), ("c", "{\"n\":3}")], 1);
        let (_spool, recovery) = Spool::open(&root, SpoolSync::Batch).unwrap();
        let ids: Vec<&str> = recovery.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(recovery.events[1].json, b"{\"n\":3}");
        assert_eq!(recovery.adopted, 1);
        assert!(recovery.damage.is_empty());
        // The dead directory is gone; only ours remains, holding the two events.
        assert_eq!(owner_dirs(&root).len(), 1);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_live_spool_is_never_adopted() {
        let root = tempdir("live");
        let (alive, _) = Spool::open(&root, SpoolSync::Batch).unwrap();
        alive.append("x", b"{}").unwrap();
        let (_other, recovery) = Spool::open(&root, SpoolSync::Batch).unwrap();
        assert!(recovery.events.is_empty());
        assert_eq!(owner_dirs(&root).len(), 2);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn recovered_events_survive_a_second_crash() {
        let root = tempdir("twice");
        write_dead_spool(&root, &[("a", "{}"), ("b", "{}")], 0);
        let (spool, first) = Spool::open(&root, SpoolSync::Batch).unwrap();
        assert_eq!(first.events.len(), 2);
        drop(spool); // crashed before delivering anything
        let (_spool, second) = Spool::open(&root, SpoolSync::Batch).unwrap();
        let ids: Vec<&str> = second.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn torn_and_corrupt_records_keep_what_came_before() {
        let root = tempdir("damage");
        let events: Vec<(String, String)> = (0..5).map(|i| (format!("e{i}"), format!("{{\"i\":{i}}}"))).collect();
        let refs: Vec<(&str, &str)> = events.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let dir = write_dead_spool(&root, &refs, 0);
        let seg = segment_path(&dir, 0);
        let mut bytes = fs::read(&seg).unwrap();
        let record = bytes.len() / 5;
        // Flip a byte inside the fourth record, and tear the last one.
        bytes[3 * record + 12] ^= 0xff;
        bytes.truncate(bytes.len() - 3);
        fs::write(&seg, &bytes).unwrap();
        let (_spool, recovery) = Spool::open(&root, SpoolSync::Batch).unwrap();
        let ids: Vec<&str> = recovery.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["e0", "e1", "e2"]);
        assert_eq!(recovery.damage.len(), 1);
        assert!(recovery.damage[0].contains("checksum mismatch"), "{:?}", recovery.damage);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn settled_segments_are_removed() {
        let root = tempdir("segments");
        let (spool, _) = Spool::open(&root, SpoolSync::Batch).unwrap();
        let big = vec![b'x'; 64 * 1024];
        let sids: Vec<u64> = (0..300).map(|i| spool.append(&format!("m{i}"), &big).unwrap()).collect();
        let dir = spool.dir();
        let count = || fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some()).count();
        assert!(count() >= 3, "64 KB x 300 rolls over 8 MB segments");
        spool.ack(&sids).unwrap();
        assert_eq!(count(), 1, "only the active segment remains");
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn event_sync_mode_appends_durably() {
        let root = tempdir("sync");
        let (spool, _) = Spool::open(&root, SpoolSync::Event).unwrap();
        spool.append("a", b"{}").unwrap();
        assert_eq!(*spool.synced.lock(), spool.writer.lock().written);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn an_unwritable_root_is_a_clear_error() {
        let err = Spool::open(Path::new("/proc/outbox-cannot-exist"), SpoolSync::Batch).err().unwrap();
        assert!(matches!(err.kind(), io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied | io::ErrorKind::Other), "{err}");
    }
}
