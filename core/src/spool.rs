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

mod inherited;
mod layout;
mod records;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use inherited::LockFile;
use layout::{segment_path, DeadSpool};
use records::{AckSet, MAX_RECORD_BYTES};

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

/// An event read back from a dead process's spool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub id: String,
    pub json: Vec<u8>,
    /// Its id in the adopting spool, where it was written again.
    pub sid: u64,
}

/// How much one adoption round may take: it is sized to the room in the
/// adopter's queue, so recovered events are never dropped for room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub events: usize,
    /// Bytes of event JSON (at least one event is always taken).
    pub bytes: usize,
}

impl Budget {
    fn is_spent(&self) -> bool {
        self.events == 0 || self.bytes == 0
    }

    fn spend(&mut self, events: usize, bytes: usize) {
        self.events = self.events.saturating_sub(events);
        self.bytes = self.bytes.saturating_sub(bytes);
    }
}

/// What an adoption round found.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Events taken from dead spools and handed to the caller.
    pub events: usize,
    /// Dead spool directories taken over completely (and removed).
    pub adopted: usize,
    /// What could not be read or adopted, one line each (torn or corrupt
    /// records, directories that are not Outbox's to touch).
    pub damage: Vec<String>,
    /// Dead spools may hold more than the budget allowed: another round is due.
    pub more_left: bool,
}

struct Segment {
    path: PathBuf,
    first_sid: u64,
    /// Events appended and not yet acknowledged.
    live: u64,
}

struct Writer {
    dir: PathBuf,
    /// The segment being appended to. `None` after a roll (the next write
    /// opens the next one) or an error (it opens after `retry_at`).
    file: Option<File>,
    retry_at: Option<Instant>,
    file_bytes: u64,
    segments: VecDeque<Segment>,
    next_segment: u64,
    next_sid: u64,
    /// Bytes written since the spool opened (group-commit positions).
    written: u64,
    /// Acknowledgements not on disk yet because the spool was failing.
    unwritten_acks: Vec<u64>,
    /// The directory was removed (clean shutdown): nothing is written any more.
    removed: bool,
}

struct Inner {
    root: PathBuf,
    dir: PathBuf,
    sync: SpoolSync,
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
    pub fn open(root: &Path, sync: SpoolSync) -> io::Result<Spool> {
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
            log::warn!(target: "outbox", "an event of {} bytes is over the spool's record limit: kept in memory only", json.len());
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
            log::warn!(target: "outbox", "could not remove the spool directory {}: {e}", self.inner.dir.display());
        }
        result.is_ok()
    }

    /// Takes over dead processes' spools, at most `budget` events this round:
    /// each event is written to this spool (synced), then handed to `queue`,
    /// then given up by the dead spool. `queue` returns false to stop: the
    /// event it refused (which it must acknowledge here, as a closed
    /// pipeline does) and the rest stay in the dead spool. Never fails: what
    /// cannot be adopted is reported in `damage` and left alone.
    pub fn adopt(&self, budget: Budget, mut queue: impl FnMut(Recovered) -> bool) -> Recovery {
        let _one_round = self.inner.adopting.lock();
        let mut found = Recovery::default();
        let mut left = budget;
        for dir in layout::candidates(&self.inner.root, &self.inner.dir, &mut found.damage) {
            if left.is_spent() {
                found.more_left = true;
                break;
            }
            match layout::lock_dead(&dir) {
                Ok(None) => {}
                Err(why) => found.damage.push(why),
                Ok(Some(dead)) => {
                    if !self.adopt_one(dead, &mut left, &mut queue, &mut found) {
                        break;
                    }
                }
            }
        }
        found
    }

    /// Adopts what `budget` allows from one dead spool. False: stop the round.
    fn adopt_one(&self, mut dead: DeadSpool, budget: &mut Budget, queue: &mut impl FnMut(Recovered) -> bool, found: &mut Recovery) -> bool {
        let acks = AckSet::read(&dead.segments, &mut found.damage, &dead.dir);
        let taken = records::take_live(&dead.segments, &acks, *budget, &mut found.damage);
        let old_sids: Vec<u64> = taken.events.iter().map(|e| e.sid).collect();
        // 1. Into our own spool, synced: from here a crash delivers these
        //    events twice (same ids), never zero times.
        let mut events = taken.events;
        if let Err(why) = self.rewrite(&mut events) {
            found.damage.push(format!("{}: left for later: this process's spool cannot take its events ({why})", dead.dir.display()));
            return false;
        }
        // 2. Queued. Should the queue refuse (it closed), the rest is
        //    released here and stays in the dead spool.
        let count = events.len();
        let mut events = events.into_iter();
        while let Some(event) = events.next() {
            if !queue(event) {
                self.ack(&events.map(|e| e.sid).collect::<Vec<_>>());
                return false;
            }
        }
        found.events += count;
        budget.spend(count, taken.bytes);
        // 3. The dead spool gives them up.
        if taken.left == 0 {
            match dead.remove() {
                Ok(()) => found.adopted += 1,
                Err(why) => {
                    // Acknowledged there instead, so they are not taken twice.
                    let _ = acknowledge_in(&mut dead, &old_sids);
                    found.damage.push(why);
                }
            }
        } else {
            found.more_left = true;
            let settled = acknowledge_in(&mut dead, &old_sids)
                .map_err(|e| format!("{}: cannot record what was adopted: {e}", dead.dir.display()))
                .and_then(|()| dead.remove_first_segments(taken.spent_segments));
            if let Err(why) = settled {
                found.damage.push(why);
            }
        }
        true
    }

    /// Writes `events` into this spool and syncs; on success their `sid`
    /// is their id here. On failure nothing of them stays live here.
    fn rewrite(&self, events: &mut [Recovered]) -> Result<(), String> {
        let mut written = Vec::with_capacity(events.len());
        for event in events.iter_mut() {
            let (on_file, error) = self.write_event(&event.id, &event.json);
            if let Some(e) = &error {
                self.count_error("write an event", e);
            }
            match on_file {
                Some((sid, _)) => {
                    event.sid = sid;
                    written.push(sid);
                }
                None => {
                    self.ack(&written);
                    return Err(error.map_or_else(|| "it is failing".to_owned(), |e| e.to_string()));
                }
            }
        }
        if let Err(e) = self.try_sync_now() {
            self.count_error("sync", &e);
            self.ack(&written);
            return Err(e.to_string());
        }
        Ok(())
    }

    fn count_error(&self, what: &str, error: &io::Error) {
        self.inner.errors.fetch_add(1, Ordering::Relaxed);
        let dir = self.inner.dir.display();
        if !self.inner.failing.swap(true, Ordering::Relaxed) {
            log::error!(
                target: "outbox",
                "the spool in {dir} could not {what} ({error}); events accepted meanwhile stay in memory only; retrying with a new segment in {RETRY_PAUSE:?}"
            );
        } else {
            log::debug!(target: "outbox", "the spool in {dir} could not {what} ({error})");
        }
    }

    fn note_success(&self) {
        if self.inner.failing.load(Ordering::Relaxed) && self.inner.failing.swap(false, Ordering::Relaxed) {
            log::info!(target: "outbox", "the spool in {} writes again", self.inner.dir.display());
        }
    }
}

impl Writer {
    /// Appends one record. `Ok(false)`: not written, the spool rests after an
    /// error (or was removed).
    fn write_record(&mut self, payload: &[u8]) -> io::Result<bool> {
        if self.removed || !self.ensure_segment()? {
            return Ok(false);
        }
        let Some(file) = self.file.as_mut() else { return Ok(false) };
        let frame = records::frame(payload);
        // One write per record: a crash leaves a whole record or a torn tail.
        if let Err(e) = file.write_all(&frame) {
            let torn_at = self.file_bytes;
            self.abandon_segment(Some(torn_at));
            return Err(e);
        }
        self.file_bytes += frame.len() as u64;
        self.written += frame.len() as u64;
        Ok(true)
    }

    /// Opens the next segment if there is none and the pause after an
    /// error is over. False: resting.
    fn ensure_segment(&mut self) -> io::Result<bool> {
        if self.file.is_some() {
            return Ok(true);
        }
        if self.retry_at.is_some_and(|t| Instant::now() < t) {
            return Ok(false);
        }
        let path = segment_path(&self.dir, self.next_segment);
        match layout::create_segment(&self.dir, &path) {
            Ok(file) => {
                self.file = Some(file);
                self.retry_at = None;
                self.file_bytes = 0;
                self.next_segment += 1;
                self.segments.push_back(Segment { path, first_sid: self.next_sid, live: 0 });
                Ok(true)
            }
            Err(e) => {
                let _ = layout::remove_if_present(&path);
                self.abandon_segment(None);
                Err(e)
            }
        }
    }

    /// After an error: the segment is never written again (a torn record
    /// is cut off when possible, so it stays readable to its end) and the
    /// next one opens after `RETRY_PAUSE`.
    fn abandon_segment(&mut self, torn_at: Option<u64>) {
        if let Some(file) = self.file.take() {
            if let Some(len) = torn_at {
                let _ = file.set_len(len);
            }
            // What it holds was accepted: make it durable if the disk lets us.
            let _ = file.sync_data();
        }
        self.retry_at = Some(Instant::now() + RETRY_PAUSE);
    }

    fn roll_if_full(&mut self) -> io::Result<()> {
        if self.file_bytes < SEGMENT_BYTES {
            return Ok(());
        }
        let Some(file) = self.file.take() else { return Ok(()) };
        // The finished segment must be durable before we stop syncing it.
        if let Err(e) = file.sync_data() {
            self.retry_at = Some(Instant::now() + RETRY_PAUSE);
            return Err(e);
        }
        Ok(())
    }

    fn write_pending_acks(&mut self) -> io::Result<()> {
        if self.unwritten_acks.is_empty() {
            return Ok(());
        }
        self.unwritten_acks.sort_unstable();
        self.unwritten_acks.dedup();
        for payload in records::ack_payloads(&self.unwritten_acks) {
            if !self.write_record(&payload)? {
                return Ok(()); // resting: kept for later
            }
        }
        self.unwritten_acks.clear();
        Ok(())
    }

    /// Counts `sids` (sorted) out of their segments and deletes the oldest
    /// segments left with nothing live.
    fn settle(&mut self, sids: &[u64]) {
        for &sid in sids {
            // Segments are ordered by first sid; find the one holding `sid`.
            let pos = self.segments.partition_point(|s| s.first_sid <= sid);
            if pos > 0 {
                let seg = &mut self.segments[pos - 1];
                seg.live = seg.live.saturating_sub(1);
            }
        }
        // Only from the front: a newer segment may hold acks for events of older ones.
        while self.segments.len() > 1 && self.segments.front().is_some_and(|s| s.live == 0) {
            if let Some(seg) = self.segments.pop_front() {
                let _ = std::fs::remove_file(&seg.path);
            }
        }
    }
}

/// Writes an acknowledgement of `sids` into a new segment of a dead spool.
fn acknowledge_in(dead: &mut DeadSpool, sids: &[u64]) -> io::Result<()> {
    let mut sorted = sids.to_vec();
    sorted.sort_unstable();
    let mut file = dead.create_next_segment()?;
    for payload in records::ack_payloads(&sorted) {
        file.write_all(&records::frame(&payload))?;
    }
    file.sync_data()?;
    layout::sync_dir(&dead.dir)
}

#[cfg(test)]
mod tests;
