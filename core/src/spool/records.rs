//! The record format, and reading segments back with bounded work.
//!
//! A record is `[len u32][crc32 u32][payload]`, little endian; the payload is
//! an event (`1, sid u64, id_len u32, id, json`) or an acknowledgement
//! (`2, (first_sid u64, count u32)*`). Reading streams one record at a time:
//! memory per record is at most `MAX_RECORD_BYTES`, and no segment is read
//! past `MAX_SEGMENT_READ` (more than Outbox ever writes to one), so a huge
//! or hostile file costs bounded memory and time. A torn or corrupt record
//! ends the readable part of its segment; the rest is reported.

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use super::layout;
use super::{Budget, Recovered, SEGMENT_BYTES};

const KIND_EVENT: u8 = 1;
const KIND_ACK: u8 = 2;
/// The largest record Outbox writes or reads back (an event of more is kept
/// in memory only).
pub(super) const MAX_RECORD_BYTES: usize = 16 << 20;
/// A segment rolls once it reaches `SEGMENT_BYTES`, so it never holds more
/// than that plus one record.
pub(super) const MAX_SEGMENT_READ: u64 = SEGMENT_BYTES + 8 + MAX_RECORD_BYTES as u64;
/// Ranges per acknowledgement record, so ack records stay small.
const ACK_RANGES_PER_RECORD: usize = 4096;
/// Distinct acknowledged ranges remembered while reading one dead spool
/// (about 40 MB at most). A legitimate spool has about one per event still
/// pending; past this, later acknowledgements are ignored, which can only
/// deliver events twice.
const MAX_ACK_RANGES: usize = 1 << 20;

/// `[len][crc][payload]`, written with one `write(2)`.
pub(super) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(8 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

pub(super) fn event_payload(sid: u64, id: &str, json: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(13 + id.len() + json.len());
    payload.push(KIND_EVENT);
    payload.extend_from_slice(&sid.to_le_bytes());
    payload.extend_from_slice(&(id.len() as u32).to_le_bytes());
    payload.extend_from_slice(id.as_bytes());
    payload.extend_from_slice(json);
    payload
}

/// Acknowledgement payloads for `sids` (sorted), runs of consecutive ids
/// written as ranges.
pub(super) fn ack_payloads(sids: &[u64]) -> Vec<Vec<u8>> {
    let mut ranges: Vec<(u64, u32)> = Vec::new();
    for &sid in sids {
        match ranges.last_mut() {
            Some((first, count)) if *first + u64::from(*count) == sid && *count < u32::MAX => *count += 1,
            Some((first, count)) if sid < *first + u64::from(*count) => {} // repeated id
            _ => ranges.push((sid, 1)),
        }
    }
    ranges
        .chunks(ACK_RANGES_PER_RECORD)
        .map(|chunk| {
            let mut payload = Vec::with_capacity(1 + 12 * chunk.len());
            payload.push(KIND_ACK);
            for (first, count) in chunk {
                payload.extend_from_slice(&first.to_le_bytes());
                payload.extend_from_slice(&count.to_le_bytes());
            }
            payload
        })
        .collect()
}

enum Record<'a> {
    Event { sid: u64, id: &'a str, json: &'a [u8] },
    Ack(&'a [u8]),
}

fn parse(p: &[u8]) -> Result<Record<'_>, &'static str> {
    let u64_at = |i: usize| p.get(i..i + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
    let u32_at = |i: usize| p.get(i..i + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])));
    match p.first() {
        Some(&KIND_EVENT) => {
            let sid = u64_at(1).ok_or("short event record")?;
            let id_len = u32_at(9).ok_or("short event record")? as usize;
            let id = p.get(13..13 + id_len).ok_or("short event record")?;
            let id = std::str::from_utf8(id).map_err(|_| "message id is not UTF-8")?;
            Ok(Record::Event { sid, id, json: &p[13 + id_len..] })
        }
        Some(&KIND_ACK) if (p.len() - 1) % 12 == 0 => Ok(Record::Ack(&p[1..])),
        Some(&KIND_ACK) => Err("malformed acknowledgement"),
        _ => Err("unknown record kind"),
    }
}

fn ack_ranges(body: &[u8]) -> impl Iterator<Item = (u64, u32)> + '_ {
    body.chunks_exact(12).map(|c| {
        (
            u64::from_le_bytes(c[..8].try_into().unwrap_or([0; 8])),
            u32::from_le_bytes(c[8..].try_into().unwrap_or([0; 4])),
        )
    })
}

/// Calls `each` for every readable record of the segment at `path`, in
/// order. `Err` is the damage line when part of it could not be read.
fn for_each_record(path: &Path, mut each: impl FnMut(Record<'_>)) -> Result<(), String> {
    let file = layout::open_nofollow(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::new(file.take(MAX_SEGMENT_READ));
    let mut payload = Vec::new();
    let mut at = 0u64;
    loop {
        let problem = match read_record(&mut reader, &mut payload) {
            Ok(None) if size > at => "longer than any segment Outbox writes",
            Ok(None) => return Ok(()),
            Ok(Some(len)) => match parse(&payload) {
                Ok(record) => {
                    each(record);
                    at += len;
                    continue;
                }
                Err(why) => why,
            },
            Err(why) => why,
        };
        return Err(format!(
            "{}: {} byte(s) from offset {at} unreadable ({problem}); events before it were recovered",
            path.display(),
            size.saturating_sub(at)
        ));
    }
}

/// Reads one record into `payload`. `Ok(None)` at a clean end of input;
/// otherwise the record's size on disk.
fn read_record(reader: &mut impl Read, payload: &mut Vec<u8>) -> Result<Option<u64>, &'static str> {
    let mut header = [0u8; 8];
    match read_full(reader, &mut header) {
        0 => return Ok(None),
        8 => {}
        _ => return Err("torn record header"),
    }
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len > MAX_RECORD_BYTES {
        return Err("record longer than Outbox writes");
    }
    payload.clear();
    // Grows with the bytes actually there, never by the length claimed.
    match reader.take(len as u64).read_to_end(payload) {
        Ok(n) if n == len => {}
        _ => return Err("torn record"),
    }
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch");
    }
    Ok(Some(8 + len as u64))
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    filled
}

/// Acknowledged spool ids, as disjoint ranges `start -> end` (exclusive).
#[derive(Default)]
pub(super) struct AckSet {
    ranges: BTreeMap<u64, u64>,
    overflowed: bool,
}

impl AckSet {
    /// Every acknowledgement in `segments` (damage is reported by `take_live`).
    pub fn read(segments: &[(u64, PathBuf)], damage: &mut Vec<String>, dir: &Path) -> AckSet {
        let mut acks = AckSet::default();
        for (_, path) in segments {
            let _ = for_each_record(path, |record| {
                if let Record::Ack(body) = record {
                    for (first, count) in ack_ranges(body) {
                        acks.insert(first, count);
                    }
                }
            });
        }
        if acks.overflowed {
            damage.push(format!("{}: more than {MAX_ACK_RANGES} acknowledgement ranges; later ones ignored (some events may be delivered twice)", dir.display()));
        }
        acks
    }

    fn insert(&mut self, first: u64, count: u32) {
        let (mut start, mut end) = (first, first.saturating_add(u64::from(count)));
        if start >= end {
            return;
        }
        // Merge with every range that overlaps or touches [start, end).
        let mut merged = false;
        while let Some((&s, &e)) = self.ranges.range(..=end).next_back() {
            if e < start {
                break;
            }
            start = start.min(s);
            end = end.max(e);
            self.ranges.remove(&s);
            merged = true;
        }
        if !merged && self.ranges.len() >= MAX_ACK_RANGES {
            self.overflowed = true;
            return;
        }
        self.ranges.insert(start, end);
    }

    pub fn contains(&self, sid: u64) -> bool {
        self.ranges.range(..=sid).next_back().is_some_and(|(_, &end)| sid < end)
    }
}

/// What `take_live` took from a dead spool.
#[derive(Default)]
pub(super) struct Taken {
    /// The first unacknowledged events in order, within the budget (`sid`:
    /// their id in the dead spool).
    pub events: Vec<Recovered>,
    /// Bytes of JSON in `events`.
    pub bytes: usize,
    /// Unacknowledged events left behind (over the budget).
    pub left: u64,
    /// Leading segments with nothing left behind in them.
    pub spent_segments: usize,
}

/// Streams the events of `segments`, skipping acknowledged ones, taking the
/// first ones that fit `budget` (always at least one) and counting the rest.
pub(super) fn take_live(segments: &[(u64, PathBuf)], acks: &AckSet, budget: Budget, damage: &mut Vec<String>) -> Taken {
    let mut taken = Taken { spent_segments: segments.len(), ..Taken::default() };
    for (index, (_, path)) in segments.iter().enumerate() {
        let result = for_each_record(path, |record| {
            let Record::Event { sid, id, json } = record else { return };
            if acks.contains(sid) {
                return;
            }
            let fits = taken.left == 0
                && taken.events.len() < budget.events
                && (taken.events.is_empty() || taken.bytes + json.len() <= budget.bytes);
            if fits {
                taken.bytes += json.len();
                taken.events.push(Recovered { id: id.to_owned(), json: json.to_vec(), sid });
            } else {
                taken.left += 1;
                taken.spent_segments = taken.spent_segments.min(index);
            }
        });
        if let Err(line) = result {
            damage.push(line);
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledged_ranges_merge_and_a_huge_count_costs_nothing() {
        let mut acks = AckSet::default();
        acks.insert(10, 5); // 10..15
        acks.insert(20, 5); // 20..25
        acks.insert(15, 5); // joins both
        assert_eq!(acks.ranges.len(), 1);
        assert!(acks.contains(10) && acks.contains(24) && !acks.contains(25) && !acks.contains(9));
        acks.insert(1, u32::MAX);
        assert_eq!(acks.ranges.len(), 1);
        assert!(acks.contains(4_000_000_000));
    }

    #[test]
    fn ack_payloads_write_runs_as_ranges() {
        let payloads = ack_payloads(&[1, 2, 3, 7, 8, 8, 20]);
        assert_eq!(payloads.len(), 1);
        let ranges: Vec<(u64, u32)> = ack_ranges(&payloads[0][1..]).collect();
        assert_eq!(ranges, [(1, 3), (7, 2), (20, 1)]);
    }

    #[test]
    fn a_record_claiming_more_than_outbox_writes_is_damage_without_allocating_it() {
        let mut bytes = frame(&event_payload(1, "a", b"{}"));
        bytes.extend_from_slice(&(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(&[0; 4]);
        let mut payload = Vec::new();
        let mut reader = &bytes[..];
        assert!(read_record(&mut reader, &mut payload).unwrap().is_some());
        assert_eq!(read_record(&mut reader, &mut payload).err(), Some("record longer than Outbox writes"));
        assert!(payload.capacity() < 1024);
    }
}
