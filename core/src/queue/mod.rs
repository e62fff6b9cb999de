//! The bounded buffer between callers and the sender, and its accounting.
//!
//! Pure state, no I/O and no locking: the pipeline wraps it in a mutex.
//! Events in flight still count against the bounds (memory stays bounded
//! while the endpoint is down) and return to the front of the queue when a
//! transient failure sends them back, so the drop policy can push out the
//! oldest of them. Every event leaves exactly once: delivered, or dropped
//! under one reason; `Stats::pending` is read off the structure itself, so
//! the accounting identity is checked, not assumed.

use std::collections::VecDeque;

mod ledger;
mod payload;

use crate::error::{DeliveryError, DropReason, Stats};
use ledger::Ledger;
pub use payload::Payload;

/// One serialized event waiting for delivery.
#[derive(Debug, Clone)]
pub struct Item {
    pub seq: u64,
    pub payload: Payload,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Its record in the spool (0: not spooled).
    pub sid: u64,
}

impl Item {
    /// The event's JSON.
    pub fn json(&self) -> &[u8] {
        self.payload.json()
    }

    /// The event's message id.
    pub fn id(&self) -> &str {
        self.payload.id()
    }
}

/// What to do with a new event when the queue is full (the blocking policy
/// waits in the pipeline, then falls back to dropping the newest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    DropOldest,
    DropNewest,
}

#[derive(Debug)]
struct InFlight {
    batch: u64,
    /// (sequence number, spool id) of the events still unsettled, ascending.
    seqs: Vec<(u64, u64)>,
    bytes: usize,
}

/// A batch taken for sending.
#[derive(Debug)]
pub struct Batch {
    pub id: u64,
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub struct Queue {
    items: VecDeque<Item>,
    queued_bytes: usize,
    in_flight: Vec<InFlight>,
    in_flight_items: usize,
    in_flight_bytes: usize,
    max_items: usize,
    max_bytes: usize,
    next_seq: u64,
    next_batch: u64,
    ledger: Ledger,
}

impl Queue {
    pub fn new(max_items: usize, max_bytes: usize) -> Queue {
        Queue {
            items: VecDeque::new(),
            queued_bytes: 0,
            in_flight: Vec::new(),
            in_flight_items: 0,
            in_flight_bytes: 0,
            max_items: max_items.max(1),
            max_bytes: max_bytes.max(1),
            next_seq: 0,
            next_batch: 0,
            ledger: Ledger::default(),
        }
    }

    /// Names the endpoint in drop reports (webhook senders).
    pub fn set_endpoint(&mut self, url: &str) {
        self.ledger.set_endpoint(url);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn in_flight_batches(&self) -> usize {
        self.in_flight.len()
    }

    /// The sequence number the next event will get: everything below it was enqueued before.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The next event to send has failed before (it came back for a retry).
    pub fn front_is_retry(&self) -> bool {
        self.items.front().is_some_and(|item| item.attempts > 0)
    }

    pub fn front_seq(&self) -> Option<u64> {
        self.items.front().map(|i| i.seq)
    }

    /// True when an event of `bytes` fits without dropping anything.
    pub fn has_room(&self, bytes: usize) -> bool {
        self.items.len() + self.in_flight_items < self.max_items
            && self.queued_bytes + self.in_flight_bytes + bytes <= self.max_bytes
    }

    /// Admits an event, applying `when_full`. Returns false when the new
    /// event itself was dropped. Either way the event counts as enqueued.
    pub fn push(&mut self, payload: Payload, when_full: WhenFull) -> bool {
        self.push_spooled(payload, 0, when_full)
    }

    /// `push` for an event already written to the spool as `sid`.
    pub fn push_spooled(&mut self, payload: Payload, sid: u64, when_full: WhenFull) -> bool {
        self.ledger.enqueued();
        let bytes = payload.json().len();
        while !self.has_room(bytes) {
            if when_full == WhenFull::DropOldest {
                if let Some(oldest) = self.items.pop_front() {
                    self.queued_bytes -= oldest.json().len();
                    self.ledger.drop_items(
                        std::iter::once(oldest),
                        DropReason::QueueFull,
                        None,
                        "the queue was full; dropped the oldest event",
                    );
                    continue;
                }
            }
            // Drop-newest, or nothing queued to push out (all in flight).
            self.ledger.ack(sid);
            self.ledger.drop_ids(
                std::iter::once(payload.id()),
                1,
                DropReason::QueueFull,
                None,
                "the queue was full; dropped the newest event",
            );
            return false;
        }
        self.queued_bytes += bytes;
        self.items.push_back(Item { seq: self.next_seq, payload, attempts: 0, sid });
        self.next_seq += 1;
        true
    }

    /// Counts an event as enqueued and at once dropped (its endpoint is disabled).
    pub fn push_dropped(&mut self, id: &str, reason: DropReason, status: Option<u16>, message: &str) {
        self.ledger.enqueued();
        self.ledger.drop_ids(std::iter::once(id), 1, reason, status, message);
    }

    /// Takes up to `max_items` events / `max_bytes` of event JSON from the
    /// front (always at least one), marking them in flight.
    pub fn take_batch(&mut self, max_items: usize, max_bytes: usize) -> Option<Batch> {
        let first = self.items.pop_front()?;
        let mut bytes = first.json().len();
        let mut items = vec![first];
        while items.len() < max_items {
            match self.items.front() {
                Some(next) if bytes + next.json().len() < max_bytes => {
                    bytes += next.json().len();
                    items.extend(self.items.pop_front());
                }
                _ => break,
            }
        }
        self.queued_bytes -= bytes;
        self.in_flight_items += items.len();
        self.in_flight_bytes += bytes;
        let id = self.next_batch;
        self.next_batch += 1;
        self.in_flight.push(InFlight { batch: id, seqs: items.iter().map(|i| (i.seq, i.sid)).collect(), bytes });
        Some(Batch { id, items })
    }

    /// Removes `items` (part or all of batch `batch`, in sequence order)
    /// from the in-flight set: exactly those, whatever lies between them.
    fn settle(&mut self, batch: u64, items: &[Item]) -> bool {
        let Some(pos) = self.in_flight.iter().position(|f| f.batch == batch) else {
            // Already settled (shutdown gave it up while the request ran).
            return false;
        };
        if items.is_empty() {
            return true;
        }
        debug_assert!(items.windows(2).all(|w| w[0].seq < w[1].seq), "settle takes items in sequence order");
        let bytes: usize = items.iter().map(|i| i.json().len()).sum();
        let entry = &mut self.in_flight[pos];
        let before = entry.seqs.len();
        // Both lists ascend: one merge walk.
        let mut settled = items.iter().map(|i| i.seq).peekable();
        entry.seqs.retain(|(s, _)| {
            while settled.next_if(|w| w < s).is_some() {}
            settled.next_if_eq(s).is_none()
        });
        let removed = before - entry.seqs.len();
        entry.bytes -= bytes.min(entry.bytes);
        if entry.seqs.is_empty() {
            self.in_flight.swap_remove(pos);
        }
        self.in_flight_items -= removed;
        self.in_flight_bytes -= bytes.min(self.in_flight_bytes);
        true
    }

    /// The receiver acknowledged these events.
    pub fn delivered(&mut self, batch: u64, items: &[Item]) {
        if self.settle(batch, items) {
            self.ledger.delivered(items.len());
            for item in items {
                self.ledger.ack(item.sid);
            }
        }
    }

    /// These events will never be delivered.
    pub fn give_up(&mut self, batch: u64, items: Vec<Item>, reason: DropReason, status: Option<u16>, message: &str) {
        if self.settle(batch, &items) {
            self.ledger.drop_items(items.into_iter(), reason, status, message);
        }
    }

    /// A transient failure: the `failed` events (charged an attempt) and the
    /// `unsent` ones (parts of a split never sent, not charged) go back to
    /// the front of the queue, except those that have used up `max_retries`;
    /// `status` is the failed attempt's, named in their report. Returns how
    /// many were requeued.
    pub fn retry_later(
        &mut self,
        batch: u64,
        failed: Vec<Item>,
        unsent: Vec<Item>,
        max_retries: Option<u32>,
        status: Option<u16>,
        message: &str,
    ) -> usize {
        if !self.settle(batch, &failed) {
            return 0;
        }
        self.settle(batch, &unsent);
        self.ledger.retried();
        let (mut keep, mut spent) = (Vec::with_capacity(failed.len() + unsent.len()), Vec::new());
        for mut item in failed {
            item.attempts = item.attempts.saturating_add(1);
            if max_retries.is_some_and(|max| item.attempts > max) {
                spent.push(item);
            } else {
                keep.push(item);
            }
        }
        if !spent.is_empty() {
            self.ledger.drop_items(spent.into_iter(), DropReason::RetriesExhausted, status, message);
        }
        keep.extend(unsent);
        keep.sort_by_key(|i| i.seq);
        let requeued = keep.len();
        self.requeue_front(keep);
        requeued
    }

    /// Gives up whatever of batch `batch` is still in flight, by count: its
    /// items were lost with the request (a task that panicked).
    pub fn abandon(&mut self, batch: u64, reason: DropReason, status: Option<u16>, message: &str) {
        let Some(pos) = self.in_flight.iter().position(|f| f.batch == batch) else { return };
        let entry = self.in_flight.swap_remove(pos);
        self.in_flight_items -= entry.seqs.len();
        self.in_flight_bytes -= entry.bytes.min(self.in_flight_bytes);
        for (_, sid) in &entry.seqs {
            self.ledger.ack(*sid);
        }
        self.ledger.drop_ids(std::iter::empty(), entry.seqs.len() as u64, reason, status, message);
    }

    /// Puts events back, keeping the queue ordered by sequence number.
    fn requeue_front(&mut self, items: Vec<Item>) {
        self.queued_bytes += items.iter().map(|i| i.json().len()).sum::<usize>();
        let fits_before = match (items.last(), self.items.front()) {
            (Some(last), Some(front)) => last.seq < front.seq,
            _ => true,
        };
        if fits_before {
            for item in items.into_iter().rev() {
                self.items.push_front(item);
            }
            return;
        }
        let mut merged = VecDeque::with_capacity(self.items.len() + items.len());
        let mut old = std::mem::take(&mut self.items).into_iter().peekable();
        let mut new = items.into_iter().peekable();
        loop {
            let take_new = match (old.peek(), new.peek()) {
                (Some(o), Some(n)) => n.seq < o.seq,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => break,
            };
            merged.extend(if take_new { new.next() } else { old.next() });
        }
        self.items = merged;
    }

    /// Drops everything queued and in flight (shutdown deadline, endpoint
    /// gone). Returns how many events that was.
    pub fn drop_all(&mut self, reason: DropReason, status: Option<u16>, message: &str) -> u64 {
        let queued: Vec<Item> = self.items.drain(..).collect();
        self.queued_bytes = 0;
        let mut count = queued.len() as u64;
        self.ledger.drop_items(queued.into_iter(), reason, status, message);
        let in_flight = std::mem::take(&mut self.in_flight);
        for batch in in_flight {
            count += batch.seqs.len() as u64;
            if reason != DropReason::Shutdown {
                for (_, sid) in &batch.seqs {
                    self.ledger.ack(*sid);
                }
            }
            // Ids of in-flight events live with their request; report the count.
            self.ledger.drop_ids(std::iter::empty(), batch.seqs.len() as u64, reason, status, message);
        }
        self.in_flight_items = 0;
        self.in_flight_bytes = 0;
        count
    }

    /// Counts one request sent; `from_split` when it is a part of a batch
    /// split to isolate events the receiver refused.
    pub fn count_request(&mut self, from_split: bool) {
        self.ledger.request(from_split);
    }

    /// The lowest sequence number not yet delivered or given up, if any.
    pub fn oldest_unsettled(&self) -> Option<u64> {
        let queued = self.items.front().map(|i| i.seq);
        let flying = self.in_flight.iter().filter_map(|f| f.seqs.first().map(|(seq, _)| *seq)).min();
        match (queued, flying) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// True when every event enqueued before `target` was delivered or given up.
    pub fn settled_before(&self, target: u64) -> bool {
        self.oldest_unsettled().is_none_or(|s| s >= target)
    }

    /// How many events enqueued before `target` are still pending.
    pub fn unsettled_before(&self, target: u64) -> u64 {
        let queued = self.items.partition_point(|i| i.seq < target) as u64;
        let flying: usize = self.in_flight.iter().map(|f| f.seqs.partition_point(|(s, _)| *s < target)).sum();
        queued + flying as u64
    }

    pub fn stats(&self) -> Stats {
        self.ledger.stats((self.items.len() + self.in_flight_items) as u64)
    }

    /// Reports waiting to be handed to `on_error`.
    pub fn take_reports(&mut self) -> Vec<DeliveryError> {
        self.ledger.take_reports()
    }

    pub fn has_reports(&self) -> bool {
        self.ledger.has_reports()
    }

    /// Spool ids to acknowledge since the last call.
    pub fn take_acks(&mut self) -> Vec<u64> {
        self.ledger.take_acks()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MAX_REPORTED_IDS;

    fn push(q: &mut Queue, id: &str, when_full: WhenFull) -> bool {
        q.push(Payload::new(id, vec![b'x'; 10]), when_full)
    }

    fn ids(items: &[Item]) -> Vec<&str> {
        items.iter().map(Item::id).collect()
    }

    #[test]
    fn drop_oldest_keeps_the_newest_and_counts_exactly() {
        let mut q = Queue::new(3, 1 << 20);
        for i in 0..10 {
            assert!(push(&mut q, &format!("e{i}"), WhenFull::DropOldest));
        }
        let s = q.stats();
        assert_eq!((s.enqueued, s.pending, s.dropped(DropReason::QueueFull)), (10, 3, 7));
        assert!(s.balances());
        let b = q.take_batch(10, 1 << 20).unwrap();
        assert_eq!(ids(&b.items), ["e7", "e8", "e9"]);
        let reports = q.take_reports();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].count, 7);
        assert_eq!(reports[0].message_ids[0], "e0");
    }

    #[test]
    fn drop_newest_keeps_the_oldest() {
        let mut q = Queue::new(2, 1 << 20);
        assert!(push(&mut q, "a", WhenFull::DropNewest));
        assert!(push(&mut q, "b", WhenFull::DropNewest));
        assert!(!push(&mut q, "c", WhenFull::DropNewest));
        assert_eq!(ids(&q.take_batch(10, 1 << 20).unwrap().items), ["a", "b"]);
        assert!(q.stats().balances());
    }

    #[test]
    fn byte_bound_applies() {
        let mut q = Queue::new(1000, 25);
        for i in 0..5 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        assert_eq!(q.stats().pending, 2);
        assert_eq!(q.stats().dropped(DropReason::QueueFull), 3);
    }

    #[test]
    fn in_flight_events_count_against_the_bound_and_come_back_first() {
        let mut q = Queue::new(3, 1 << 20);
        for id in ["a", "b", "c"] {
            push(&mut q, id, WhenFull::DropOldest);
        }
        let b = q.take_batch(2, 1 << 20).unwrap();
        push(&mut q, "d", WhenFull::DropOldest); // pushes out "c" (oldest queued)
        assert_eq!(q.stats().pending, 3);
        assert_eq!(q.retry_later(b.id, b.items, Vec::new(), None, None, "503"), 2);
        let again = q.take_batch(10, 1 << 20).unwrap();
        assert_eq!(ids(&again.items), ["a", "b", "d"]);
        assert!(again.items[0].attempts == 1 && again.items[2].attempts == 0);
        q.delivered(again.id, &again.items);
        let s = q.stats();
        assert_eq!((s.delivered, s.pending, s.dropped_total()), (3, 0, 1));
        assert!(s.balances());
    }

    #[test]
    fn settling_part_of_a_batch_leaves_the_rest_in_flight() {
        let mut q = Queue::new(100, 1 << 20);
        for i in 0..5 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        let mut b = q.take_batch(10, 1 << 20).unwrap();
        // Deliver e0 and e4 only (not a contiguous run): e1-e3 stay in flight.
        let last = b.items.pop().unwrap();
        let first = b.items.remove(0);
        q.delivered(b.id, &[first, last]);
        assert_eq!(q.stats().pending, 3);
        assert!(q.stats().balances());
        q.delivered(b.id, &b.items);
        assert_eq!((q.stats().pending, q.stats().delivered), (0, 5));
        assert!(q.stats().balances());
    }

    #[test]
    fn requeue_merges_out_of_order_batches() {
        let mut q = Queue::new(100, 1 << 20);
        for i in 0..6 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        let a = q.take_batch(2, 1 << 20).unwrap();
        let b = q.take_batch(2, 1 << 20).unwrap();
        q.retry_later(b.id, b.items, Vec::new(), None, None, "x");
        q.retry_later(a.id, a.items, Vec::new(), None, None, "x");
        let all = q.take_batch(100, 1 << 20).unwrap();
        assert_eq!(ids(&all.items), ["e0", "e1", "e2", "e3", "e4", "e5"]);
    }

    #[test]
    fn max_retries_gives_up_with_a_reason() {
        let mut q = Queue::new(10, 1 << 20);
        push(&mut q, "a", WhenFull::DropOldest);
        for _ in 0..3 {
            let b = q.take_batch(10, 1 << 20).unwrap();
            q.retry_later(b.id, b.items, Vec::new(), Some(2), None, "503");
        }
        assert!(q.is_empty());
        assert_eq!(q.stats().dropped(DropReason::RetriesExhausted), 1);
        assert!(q.stats().balances());
    }

    #[test]
    fn retries_exhausted_reports_the_last_status() {
        let mut q = Queue::new(10, 1 << 20);
        push(&mut q, "a", WhenFull::DropOldest);
        for _ in 0..2 {
            let b = q.take_batch(10, 1 << 20).unwrap();
            q.retry_later(b.id, b.items, Vec::new(), Some(1), Some(503), "HTTP 503; retries exhausted");
        }
        let reports = q.take_reports();
        assert_eq!(reports.len(), 1);
        assert_eq!(
            (reports[0].reason, reports[0].status, reports[0].count),
            (DropReason::RetriesExhausted, Some(503), 1)
        );
    }

    #[test]
    fn batches_respect_count_and_bytes() {
        let mut q = Queue::new(100, 1 << 20);
        for i in 0..10 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        assert_eq!(q.take_batch(4, 1 << 20).unwrap().items.len(), 4);
        // 10-byte events plus a comma each: 33 bytes hold three.
        assert_eq!(q.take_batch(100, 33).unwrap().items.len(), 3);
        // A single event larger than the byte limit still goes alone.
        assert_eq!(q.take_batch(100, 1).unwrap().items.len(), 1);
    }

    #[test]
    fn flush_watermarks_follow_partial_settlement() {
        let mut q = Queue::new(100, 1 << 20);
        for i in 0..4 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        let target = q.next_seq();
        let mut b = q.take_batch(4, 1 << 20).unwrap();
        assert_eq!(q.unsettled_before(target), 4);
        let second = b.items.split_off(2);
        q.delivered(b.id, &b.items);
        assert!(!q.settled_before(target));
        assert_eq!(q.unsettled_before(target), 2);
        q.give_up(b.id, second, DropReason::Rejected, Some(400), "bad");
        assert!(q.settled_before(target));
        let s = q.stats();
        assert_eq!((s.delivered, s.dropped(DropReason::Rejected)), (2, 2));
        assert!(s.balances());
    }

    #[test]
    fn drop_all_settles_queued_and_in_flight() {
        let mut q = Queue::new(100, 1 << 20);
        for i in 0..5 {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        let b = q.take_batch(2, 1 << 20).unwrap();
        assert_eq!(q.drop_all(DropReason::Shutdown, None, "deadline"), 5);
        // The request finishing afterwards changes nothing.
        q.delivered(b.id, &b.items);
        let s = q.stats();
        assert_eq!((s.delivered, s.pending, s.dropped(DropReason::Shutdown)), (0, 0, 5));
        assert!(s.balances());
    }

    #[test]
    fn reports_keep_exact_counts_but_bounded_ids() {
        let mut q = Queue::new(1, 1 << 20);
        for i in 0..(MAX_REPORTED_IDS + 50) {
            push(&mut q, &format!("e{i}"), WhenFull::DropOldest);
        }
        let r = q.take_reports();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].count as usize, MAX_REPORTED_IDS + 49);
        assert_eq!(r[0].message_ids.len(), MAX_REPORTED_IDS);
    }
}
