//! Taking over dead processes' spools: their unacknowledged events are
//! written again to this process's spool and handed to its queue, a budget
//! at a time.

use std::io::{self, Write};

use super::layout::{self, DeadSpool};
use super::records::{self, AckSet};
use super::Spool;

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

impl Spool {
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
    fn adopt_one(
        &self,
        mut dead: DeadSpool,
        budget: &mut Budget,
        queue: &mut impl FnMut(Recovered) -> bool,
        found: &mut Recovery,
    ) -> bool {
        let acks = AckSet::read(&dead.segments, &mut found.damage, &dead.dir);
        let taken = records::take_live(&dead.segments, &acks, *budget, &mut found.damage);
        let old_sids: Vec<u64> = taken.events.iter().map(|e| e.sid).collect();
        // 1. Into our own spool, synced: from here a crash delivers these
        //    events twice (same ids), never zero times.
        let mut events = taken.events;
        if let Err(why) = self.rewrite(&mut events) {
            found.damage.push(format!(
                "{}: left for later: this process's spool cannot take its events ({why})",
                dead.dir.display()
            ));
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
