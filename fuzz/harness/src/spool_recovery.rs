//! Spool recovery: a dead process's segments, well formed or hostile, read
//! back by the next process to open the spool.
//!
//! The input builds a dead spool directory in one of two ways:
//! - raw: up to three segments of arbitrary bytes;
//! - structured: a program of event and acknowledgement records written in
//!   the documented format (see `core/src/spool.rs`) over up to three
//!   segments, then at most one byte flipped or one segment torn.
//!
//! Adoption runs in rounds of a budget read from the input, as the pipeline
//! runs it while its queue has room.
//!
//! Checks: opening a spool next to it never fails or panics and finishes
//! (libFuzzer's timeout catches a loop that does not consume input); every
//! event recovered is one of the event records in the files, and there are
//! no more of them than records; in the structured case, exactly the events
//! of the intact records minus the acknowledged ones come back (when every
//! acknowledgement is of an event already written, as Outbox writes them); and a
//! second adopter, after the first one died without delivering, recovers
//! the same events again. Rounds take no more than their budget, always
//! make progress, and report exactly what they handed over.

use std::collections::HashSet;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use outbox_engine::spool::{Budget, Spool, SpoolSync};

use crate::input::Input;

/// Name of the dead process's directory: the shape Outbox gives its own.
const DEAD_OWNER: &str = "1-0123456789abcdef";
/// First line of an Outbox lock file (a spool only adopts marked directories).
const LOCK_MARKER: &[u8] = b"outbox spool 1\n";
const KIND_EVENT: u8 = 1;
const KIND_ACK: u8 = 2;

/// One recovered event: message id and JSON bytes.
type Event = (String, Vec<u8>);

pub fn spool_recovery(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let structured = mode & 1 == 1;
    // Adoption rounds as the pipeline sizes them (a quarter of the queue),
    // from one event per round to everything at once.
    let budget = Budget {
        events: match (mode >> 1) & 0x3f {
            0 => usize::MAX,
            n => usize::from(n),
        },
        bytes: if mode & 0x80 != 0 { 64 } else { usize::MAX },
    };
    let (segments, expected, intact) = if structured { written(&mut input) } else { (raw(&mut input), None, false) };

    let root = scratch_root();
    write_dead_spool(&root.join(DEAD_OWNER), &segments);
    let recovered = adopt(&root, budget, intact);
    let in_files = event_records(&segments);
    assert!(recovered.len() <= in_files.len(), "{} events recovered from {} records", recovered.len(), in_files.len());
    let holds: HashSet<&Event> = in_files.iter().collect();
    for event in &recovered {
        assert!(holds.contains(event), "recovered an event no record holds: {event:?}");
    }
    if let Some(expected) = expected {
        assert_eq!(sorted(recovered.clone()), sorted(expected), "recovered events differ from the intact records");
    }
    // The adopter dies before delivering: the next one finds the same events.
    let again = adopt(&root, budget, true);
    assert_eq!(sorted(again), sorted(recovered), "a second adoption lost or invented events");
    let _ = fs::remove_dir_all(&root);
}

/// Opens a spool in `root` and returns what it adopted from dead ones, in
/// as many rounds of `budget` as it takes. The only place that knows the
/// spool's API; the spool is dropped at once, like a crash. `intact`: the
/// files are undamaged, so no damage may be reported.
fn adopt(root: &Path, budget: Budget, intact: bool) -> Vec<Event> {
    let spool = match Spool::open(root, SpoolSync::Batch, Default::default()) {
        Ok(spool) => spool,
        Err(e) => panic!("opening a spool failed next to a damaged dead one: {e}"),
    };
    let mut events = Vec::new();
    loop {
        let before = events.len();
        let recovery = spool.adopt(budget, |e| {
            events.push((e.id, e.json));
            true
        });
        let taken = events.len() - before;
        assert_eq!(recovery.events, taken, "the recovery report miscounts");
        assert!(taken <= budget.events.max(1), "{taken} events taken on a budget of {}", budget.events);
        assert!(!intact || recovery.damage.is_empty(), "damage reported in intact files: {:?}", recovery.damage);
        if !recovery.more_left {
            return events;
        }
        assert!(taken > 0, "a round left events behind and took none: adoption would never end");
    }
}

fn raw(input: &mut Input) -> Vec<Vec<u8>> {
    let count = 1 + input.up_to(2);
    let mut segments: Vec<Vec<u8>> = (1..count).map(|_| input.bytes(2048).to_vec()).collect();
    segments.push(input.rest().to_vec());
    segments
}

/// Segments written as Outbox writes them (ids from 1, in order), then
/// damaged; and the events that must come back, when the acknowledgements
/// are ones Outbox could have written.
/// Also whether the files are intact (not damaged).
fn written(input: &mut Input) -> (Vec<Vec<u8>>, Option<Vec<Event>>, bool) {
    let mut segments: Vec<Vec<Record>> = vec![Vec::new()];
    let (mut current, mut next_sid) = (0, 1u64);
    // Outbox only acknowledges events already written (so never one in a
    // later segment); other acknowledgements are hostile input, where
    // delivering an event twice is fine and only the weaker checks apply.
    let mut outbox_like = true;
    while !input.is_empty() {
        match input.u8() % 8 {
            0..=3 => {
                let id = input.string(24);
                let json = input.bytes(64).to_vec();
                segments[current].push(Record::Event { sid: next_sid, id, json });
                next_sid += 1;
            }
            4..=5 => {
                let ranges: Vec<(u64, u32)> = (0..1 + input.up_to(3)).map(|_| ack_range(input, next_sid)).collect();
                outbox_like &= ranges
                    .iter()
                    .all(|(first, count)| *first > 0 && first.saturating_add(u64::from(*count)) <= next_sid);
                segments[current].push(Record::Ack(ranges));
            }
            6 if segments.len() < 3 => {
                segments.push(Vec::new());
                current += 1;
            }
            _ => break,
        }
    }
    let mut files: Vec<Vec<u8>> = segments.iter().map(|s| s.iter().flat_map(Record::frame).collect()).collect();
    // Records of each segment still intact after the damage.
    let mut kept: Vec<usize> = segments.iter().map(Vec::len).collect();
    let which = input.up_to(files.len() - 1);
    let at = input.up_to(files[which].len());
    let damage = input.u8() % 3;
    // A flip or a cut at the very end changes nothing.
    let intact = damage == 0 || at == files[which].len();
    match damage {
        0 => {}
        1 if at < files[which].len() => {
            files[which][at] ^= 1 << (at % 8);
            kept[which] = records_ending_by(&segments[which], at);
        }
        _ => {
            files[which].truncate(at);
            kept[which] = records_ending_by(&segments[which], at);
        }
    }
    let readable: Vec<&Record> = segments.iter().zip(&kept).flat_map(|(s, n)| &s[..*n]).collect();
    let acked = |sid: u64| {
        readable.iter().any(|r| matches!(r, Record::Ack(ranges) if ranges.iter().any(|(first, count)| sid >= *first && sid - first < u64::from(*count))))
    };
    let expected = readable
        .iter()
        .filter_map(|r| match r {
            Record::Event { sid, id, json } if !acked(*sid) => Some((id.clone(), json.clone())),
            _ => None,
        })
        .collect();
    (files, outbox_like.then_some(expected), intact)
}

/// Usually a few ids already written, sometimes anything (huge counts too).
fn ack_range(input: &mut Input, next_sid: u64) -> (u64, u32) {
    if input.bool() {
        return (input.u64(), input.u32());
    }
    let first = 1 + input.u64() % next_sid;
    let room = u32::try_from(next_sid - first).unwrap_or(u32::MAX).min(4);
    (first, u32::from(input.u8()) % (room + 1))
}

enum Record {
    Event { sid: u64, id: String, json: Vec<u8> },
    Ack(Vec<(u64, u32)>),
}

impl Record {
    fn payload(&self) -> Vec<u8> {
        let mut p = Vec::new();
        match self {
            Record::Event { sid, id, json } => {
                p.push(KIND_EVENT);
                p.extend_from_slice(&sid.to_le_bytes());
                p.extend_from_slice(&(id.len() as u32).to_le_bytes());
                p.extend_from_slice(id.as_bytes());
                p.extend_from_slice(json);
            }
            Record::Ack(ranges) => {
                p.push(KIND_ACK);
                for (first, count) in ranges {
                    p.extend_from_slice(&first.to_le_bytes());
                    p.extend_from_slice(&count.to_le_bytes());
                }
            }
        }
        p
    }

    /// `[len u32][crc32 u32][payload]`, little endian.
    fn frame(&self) -> Vec<u8> {
        let payload = self.payload();
        let mut frame = Vec::with_capacity(8 + payload.len());
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        frame
    }
}

/// How many of `records` end at or before byte `end` of their segment.
fn records_ending_by(records: &[Record], end: usize) -> usize {
    let mut offset = 0;
    records
        .iter()
        .take_while(|r| {
            offset += r.frame().len();
            offset <= end
        })
        .count()
}

/// The event records of `segments`, read up to each one's first bad record
/// (an independent reading of the documented format).
fn event_records(segments: &[Vec<u8>]) -> Vec<Event> {
    let mut events = Vec::new();
    for bytes in segments {
        let mut rest = &bytes[..];
        while let Some((payload, after)) = next_frame(rest) {
            rest = after;
            match payload.split_first() {
                Some((&KIND_EVENT, body)) if body.len() >= 12 => {
                    let id_len = u32::from_le_bytes([body[8], body[9], body[10], body[11]]) as usize;
                    let Some(id) = body[12..].get(..id_len).and_then(|id| std::str::from_utf8(id).ok()) else { break };
                    events.push((id.to_owned(), body[12 + id_len..].to_vec()));
                }
                Some((&KIND_ACK, body)) if body.len() % 12 == 0 => {}
                _ => break,
            }
        }
    }
    events
}

fn next_frame(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let payload = bytes.get(8..8usize.checked_add(len)?)?;
    (crc32fast::hash(payload) == crc).then(|| (payload, &bytes[8 + len..]))
}

fn write_dead_spool(dir: &Path, segments: &[Vec<u8>]) {
    DirBuilder::new().mode(0o700).recursive(true).create(dir).expect("create the dead spool directory");
    write_private(&dir.join("lock"), LOCK_MARKER);
    for (n, bytes) in segments.iter().enumerate() {
        write_private(&dir.join(format!("{n:016}.seg")), bytes);
    }
}

fn write_private(path: &Path, bytes: &[u8]) {
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).expect("create a spool file");
    file.write_all(bytes).expect("write a spool file");
}

/// A fresh spool root per run, in memory when the machine has /dev/shm
/// (adoption syncs, and a disk would make every run wait for it).
fn scratch_root() -> PathBuf {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() { base.to_path_buf() } else { std::env::temp_dir() };
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let root = base.join(format!("outbox-fuzz-spool-{}-{run}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    DirBuilder::new().mode(0o700).create(&root).expect("create the spool root");
    root
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort();
    events
}
