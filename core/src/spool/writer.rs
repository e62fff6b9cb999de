//! The append side of a spool: this process's segment files, written on the
//! caller's thread, rolled when full, abandoned on a write error.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use super::layout::{self, segment_path};
use super::records;
use super::{RETRY_PAUSE, SEGMENT_BYTES};

pub(super) struct Segment {
    pub(super) path: PathBuf,
    pub(super) first_sid: u64,
    /// Events appended and not yet acknowledged.
    pub(super) live: u64,
}

pub(super) struct Writer {
    pub(super) dir: PathBuf,
    /// The segment being appended to. `None` after a roll (the next write
    /// opens the next one) or an error (it opens after `retry_at`).
    pub(super) file: Option<File>,
    pub(super) retry_at: Option<Instant>,
    pub(super) file_bytes: u64,
    pub(super) segments: VecDeque<Segment>,
    pub(super) next_segment: u64,
    pub(super) next_sid: u64,
    /// Bytes written since the spool opened (group-commit positions).
    pub(super) written: u64,
    /// Acknowledgements not on disk yet because the spool was failing.
    pub(super) unwritten_acks: Vec<u64>,
    /// The directory was removed (clean shutdown): nothing is written any more.
    pub(super) removed: bool,
}

impl Writer {
    /// Appends one record. `Ok(false)`: not written, the spool rests after an
    /// error (or was removed).
    pub(super) fn write_record(&mut self, payload: &[u8]) -> io::Result<bool> {
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
    pub(super) fn ensure_segment(&mut self) -> io::Result<bool> {
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
    pub(super) fn abandon_segment(&mut self, torn_at: Option<u64>) {
        if let Some(file) = self.file.take() {
            if let Some(len) = torn_at {
                let _ = file.set_len(len);
            }
            // What it holds was accepted: make it durable if the disk lets us.
            let _ = file.sync_data();
        }
        self.retry_at = Some(Instant::now() + RETRY_PAUSE);
    }

    pub(super) fn roll_if_full(&mut self) -> io::Result<()> {
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

    pub(super) fn write_pending_acks(&mut self) -> io::Result<()> {
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
    pub(super) fn settle(&mut self, sids: &[u64]) {
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
