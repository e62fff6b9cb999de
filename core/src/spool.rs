//! Crash-durable storage under the queue: with `spool_dir` set, every
//! queued event is also appended to a segment file and acknowledged there
//! once it is delivered (or given up), so the next process to open the spool
//! delivers what a crashed one could not.
//!
//! Layout: `spool_dir/<pid>-<random>/` per process (0700), holding a `lock`
//! file (an exclusive `flock` held for the owner's life; its content is the
//! format marker) and `NNNNNNNNNNNNNNNN.seg` segment files (0600) of records
//! (see `records`). Only directories that are recognisably Outbox's are ever
//! touched (see `layout`).
//!
//! A directory whose lock can be taken belongs to a dead process: it is
//! adopted — its unacknowledged events are re-appended to the adopter's own
//! spool (same message ids and JSON) and queued, then the directory is
//! removed. At most a budget of events is taken at a time (the caller sizes
//! it to the room in its queue); what is left is acknowledged as taken in a
//! new segment of the dead directory, which stays for a later round. The
//! lock makes the adopter unique.
//!
//! Writes go straight to the file with `write(2)` on the caller's thread, so
//! a process crash loses nothing that `track` accepted. `SpoolSync::Batch`
//! calls `fdatasync` at most every `SYNC_INTERVAL` (a power loss or kernel
//! crash can lose that window); `SpoolSync::Event` syncs before `track`
//! returns, with concurrent callers sharing one `fdatasync` (group commit).
//! Directory entries are synced when created or renamed, so a synced record
//! is reachable after a power loss.
//!
//! A write error (disk full, I/O error) never stops the client: the failed
//! segment is abandoned, events stay in memory only, and after
//! `RETRY_PAUSE` the next write opens a new segment. Acknowledgements that
//! could not be written are kept and written then.

mod adopt;
mod inherited;
mod layout;
mod records;
mod writer;

pub use adopt::{Budget, Recovered, Recovery};
use writer::{Segment, Writer};

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::logger::Logger;
use inherited::LockFile;
use layout::segment_path;
use records::MAX_RECORD_BYTES;

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
/// After a write error, how long the spool rests before opening a new segment.
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);
const SEGMENT_BYTES: u64 = 8 << 20;

struct Inner {
    root: PathBuf,
    dir: PathBuf,
    sync: SpoolSync,
    log: Logger,
    writer: Mutex<Writer>,
    /// Bytes known to be on disk; taken while calling fdatasync.
    synced: Mutex<u64>,
    /// Failed spool operations since the spool opened.
    errors: AtomicU64,
    /// Between a write error and the next successful write (for the log).
    failing: AtomicBool,
    /// One adoption round at a time.
    adopting: Mutex<()>,
    _lock: LockFile,
}

/// This process's spool. Cloning shares it.
#[derive(Clone)]
pub struct Spool {
    inner: Arc<Inner>,
}

impl Spool {
    /// Checks (or creates) `root` and creates this process's directory in
    /// it. Dead processes' spools are taken over by `adopt`.
    pub fn open(root: &Path, sync: SpoolSync, log: Logger) -> io::Result<Spool> {
        layout::prepare_root(root)?;
        let (dir, lock) = layout::create_owner_dir(root)?;
        let first = segment_path(&dir, 0);
        let file = layout::create_segment(&dir, &first)?;
        let writer = Writer {
            dir: dir.clone(),
            file: Some(file),
            retry_at: None,
            file_bytes: 0,
            segments: VecDeque::from([Segment { path: first, first_sid: 1, live: 0 }]),
            next_segment: 1,
            next_sid: 1,
            written: 0,
            unwritten_acks: Vec::new(),
            removed: false,
        };
        Ok(Spool {
            inner: Arc::new(Inner {
                root: root.to_owned(),
                dir,
                sync,
                log,
                writer: Mutex::new(writer),
                synced: Mutex::new(0),
                errors: AtomicU64::new(0),
                failing: AtomicBool::new(false),
                adopting: Mutex::new(()),
                _lock: lock,
            }),
        })
    }

    /// Appends an event; returns its spool id, or 0 when it could not be
    /// written (the spool is failing: the event lives in memory only). With
    /// `SpoolSync::Event` the record is on disk when this returns.
    pub fn append(&self, id: &str, json: &[u8]) -> u64 {
        if 13 + id.len() + json.len() > MAX_RECORD_BYTES {
            self.inner.errors.fetch_add(1, Ordering::Relaxed);
            self.inner.log.warn(format_args!(
                "an event of {} bytes is over the spool's record limit: kept in memory only",
                json.len()
            ));
            return 0;
        }
        let (written, error) = self.write_event(id, json);
        if let Some(e) = error {
            self.count_error("write an event", &e);
        }
        let Some((sid, end)) = written else { return 0 };
        if self.inner.sync == SpoolSync::Event {
            if let Err(e) = self.sync_to(end) {
                self.count_error("sync", &e);
            }
        }
        sid
    }

    /// Appends an event record: its (sid, end position) when it is on
    /// file, and the error of any step that failed.
    fn write_event(&self, id: &str, json: &[u8]) -> (Option<(u64, u64)>, Option<io::Error>) {
        let mut w = self.inner.writer.lock();
        let sid = w.next_sid;
        match w.write_record(&records::event_payload(sid, id, json)) {
            Ok(true) => {}
            Ok(false) => return (None, None),
            Err(e) => return (None, Some(e)),
        }
        w.next_sid += 1;
        if let Some(last) = w.segments.back_mut() {
            last.live += 1;
        }
        let end = w.written;
        // The record is on file whatever follows. Acknowledgements kept
        // while the spool was failing go out with the first write that works.
        let error = w.write_pending_acks().and_then(|()| w.roll_if_full()).err();
        drop(w);
        if error.is_none() {
            self.note_success();
        }
        (Some((sid, end)), error)
    }

    /// Records that these events left the queue for good (delivered or
    /// given up) and removes segments with nothing left in them. Ids 0 (not
    /// spooled) are ignored. Acknowledgements that cannot be written now are
    /// written with the next successful write.
    pub fn ack(&self, sids: &[u64]) {
        let mut sorted: Vec<u64> = sids.iter().copied().filter(|s| *s != 0).collect();
        if sorted.is_empty() {
            return;
        }
        sorted.sort_unstable();
        let mut w = self.inner.writer.lock();
        if w.removed {
            return;
        }
        w.settle(&sorted);
        w.unwritten_acks.extend(sorted);
        let result = w.write_pending_acks();
        drop(w);
        if let Err(e) = result {
            self.count_error("write acknowledgements", &e);
        }
    }

    /// `fdatasync` whatever was written and not yet synced (and, while the
    /// spool is failing, retries writing what waits once the pause is over).
    pub fn sync_now(&self) {
        if let Err(e) = self.try_sync_now() {
            self.count_error("sync", &e);
        }
    }

    fn try_sync_now(&self) -> io::Result<()> {
        let end = {
            let mut w = self.inner.writer.lock();
            if w.removed {
                return Ok(());
            }
            w.write_pending_acks()?;
            w.written
        };
        self.sync_to(end)
    }

    fn sync_to(&self, end: u64) -> io::Result<()> {
        let mut synced = self.inner.synced.lock();
        if *synced >= end {
            return Ok(()); // another caller's sync covered us
        }
        let (file, now) = {
            let w = self.inner.writer.lock();
            // No open segment: the last one was synced as it closed (a roll,
            // or an error: see `abandon_segment`).
            let file = w.file.as_ref().map(File::try_clone).transpose()?;
            (file, w.written)
        };
        if let Some(file) = file {
            if let Err(e) = file.sync_data() {
                // After a failed fsync the kernel may have dropped the dirty
                // pages: a later fsync of that file proves nothing. Never
                // trust it again; the next segment opens after the pause.
                self.inner.writer.lock().abandon_segment(None);
                return Err(e);
            }
        }
        *synced = now;
        Ok(())
    }

    /// Spool operations that failed since the spool opened.
    pub fn errors(&self) -> u64 {
        self.inner.errors.load(Ordering::Relaxed)
    }

    pub fn sync_mode(&self) -> SpoolSync {
        self.inner.sync
    }

    /// This process's spool directory.
    pub fn dir(&self) -> PathBuf {
        self.inner.dir.clone()
    }

    /// At a clean shutdown: when every event written was acknowledged, the
    /// directory is removed, so a process that exits cleanly leaves nothing
    /// behind. Returns whether it is gone.
    pub fn remove_if_settled(&self) -> bool {
        let mut w = self.inner.writer.lock();
        if w.removed {
            return true;
        }
        if w.segments.iter().any(|s| s.live > 0) {
            return false;
        }
        w.removed = true;
        w.file = None;
        // Our own directory: only our own file kinds in it.
        let result = layout::remove_own_dir(&self.inner.dir);
        drop(w);
        if let Err(e) = &result {
            self.inner.log.warn(format_args!("could not remove the spool directory {}: {e}", self.inner.dir.display()));
        }
        result.is_ok()
    }

    fn count_error(&self, what: &str, error: &io::Error) {
        self.inner.errors.fetch_add(1, Ordering::Relaxed);
        let dir = self.inner.dir.display();
        if !self.inner.failing.swap(true, Ordering::Relaxed) {
            self.inner.log.error(format_args!(
                "the spool in {dir} could not {what} ({error}); events accepted meanwhile stay in memory only; retrying with a new segment in {RETRY_PAUSE:?}"
            ));
        } else {
            self.inner.log.debug(format_args!("the spool in {dir} could not {what} ({error})"));
        }
    }

    fn note_success(&self) {
        if self.inner.failing.load(Ordering::Relaxed) && self.inner.failing.swap(false, Ordering::Relaxed) {
            self.inner.log.info(format_args!("the spool in {} writes again", self.inner.dir.display()));
        }
    }
}

#[cfg(test)]
mod tests;
