//! The queue as a state machine: the input is a program of operations on
//! `outbox_engine::queue::Queue`, in the ways the pipeline uses it.
//!
//! Operations: push (drop-oldest or drop-newest, spooled or not), an event
//! dropped on arrival, take a batch, and for any request in flight: deliver,
//! split (at any point, not only the middle), give up, fail transiently (the
//! failed part, or any subset of it, charged an attempt, the rest and the
//! parts of its split not yet sent going back uncharged), 410 Gone, abandon (its task panicked); and drop-all
//! (shutdown deadline), after which late answers must change nothing.
//!
//! After every step: `stats()` balances; `pending` is exactly the queued
//! events plus those still in flight by this model's count, and never above
//! the queue's bound; `unsettled_before` agrees; every batch comes out in
//! sequence order; the counts reported to `on_error` add up to the drops;
//! every spool id handed to `push_spooled` is acknowledged at most once.
//! At the end, once everything is delivered: nothing is pending and, unless
//! a shutdown gave events up (those stay in the spool on purpose), every
//! spool id was acknowledged exactly once.

use std::collections::HashSet;

use outbox_engine::queue::{Item, Payload, Queue, WhenFull};
use outbox_engine::DropReason;

use crate::input::Input;

/// A batch being sent: its parts still to send, the next one last (the
/// pipeline's stack), each marked when it came from a split.
struct Request {
    batch: u64,
    parts: Vec<(Vec<Item>, bool)>,
    /// False once `drop_all` or `abandon` settled it behind its back.
    live: bool,
}

struct Machine {
    queue: Queue,
    max_items: usize,
    requests: Vec<Request>,
    pushed: u64,
    next_sid: u64,
    spooled: HashSet<u64>,
    acked: HashSet<u64>,
    reported: u64,
    shutdown_drops: bool,
}

pub fn queue_machine(data: &[u8]) {
    let mut input = Input::new(data);
    let max_items = 1 + input.up_to(40);
    let max_bytes = 1 + usize::from(input.u16() % 4096);
    let mut machine = Machine::new(max_items, max_bytes);
    while !input.is_empty() {
        machine.step(&mut input);
        machine.check();
    }
    machine.finish();
}

impl Machine {
    fn new(max_items: usize, max_bytes: usize) -> Machine {
        Machine {
            queue: Queue::new(max_items, max_bytes),
            max_items,
            requests: Vec::new(),
            pushed: 0,
            next_sid: 1,
            spooled: HashSet::new(),
            acked: HashSet::new(),
            reported: 0,
            shutdown_drops: false,
        }
    }

    fn step(&mut self, input: &mut Input) {
        match input.u8() % 10 {
            0..=2 => self.push(input),
            3 => {
                let id = self.new_id();
                self.queue.push_dropped(&id, DropReason::Rejected, None, "lane disabled");
            }
            4 | 5 => self.take(input),
            6..=8 => {
                if !self.requests.is_empty() {
                    let which = input.up_to(self.requests.len() - 1);
                    self.answer(which, input);
                }
            }
            _ => match input.u8() % 3 {
                0 => self.drop_all(DropReason::Shutdown),
                1 => self.drop_all(DropReason::EndpointGone),
                _ => {
                    if !self.requests.is_empty() {
                        let which = input.up_to(self.requests.len() - 1);
                        let request = self.requests.swap_remove(which);
                        self.queue.abandon(request.batch, DropReason::Rejected, None, "sending panicked");
                    }
                }
            },
        }
    }

    fn new_id(&mut self) -> String {
        self.pushed += 1;
        format!("e{}", self.pushed)
    }

    fn push(&mut self, input: &mut Input) {
        let payload = Payload::new(&self.new_id(), vec![b'x'; 1 + input.up_to(200)]);
        let when_full = if input.bool() { WhenFull::DropOldest } else { WhenFull::DropNewest };
        if input.bool() {
            let sid = self.next_sid;
            self.next_sid += 1;
            self.spooled.insert(sid);
            self.queue.push_spooled(payload, sid, when_full);
        } else {
            self.queue.push(payload, when_full);
        }
    }

    fn take(&mut self, input: &mut Input) {
        let (max_items, max_bytes) = (1 + input.up_to(20), 1 + usize::from(input.u16() % 4096));
        let Some(batch) = self.queue.take_batch(max_items, max_bytes) else { return };
        assert!(!batch.items.is_empty() && batch.items.len() <= max_items);
        assert!(batch.items.windows(2).all(|w| w[0].seq < w[1].seq), "a batch out of sequence order");
        assert!(self.requests.iter().all(|r| r.batch != batch.id), "batch id reused");
        self.requests.push(Request { batch: batch.id, parts: vec![(batch.items, false)], live: true });
    }

    /// The answer to the next part of request `which`, as the pipeline handles it.
    fn answer(&mut self, which: usize, input: &mut Input) {
        let request = &mut self.requests[which];
        let batch = request.batch;
        let Some((mut items, from_split)) = request.parts.pop() else { return };
        self.queue.count_request(from_split);
        match input.u8() % 7 {
            0 | 1 => self.queue.delivered(batch, &items),
            2 if items.len() > 1 => {
                let at = 1 + input.up_to(items.len() - 2);
                let second = items.split_off(at);
                request.parts.push((second, true));
                request.parts.push((items, true));
            }
            2 | 3 => {
                let reason = if input.bool() { DropReason::Rejected } else { DropReason::TooLarge };
                self.queue.give_up(batch, items, reason, Some(400), "refused");
            }
            4 | 5 => {
                let mut unsent: Vec<Item> = request.parts.drain(..).flat_map(|(rest, _)| rest).collect();
                if input.bool() {
                    // Any subset of the part failed, not only a run of it.
                    let mask = input.u64();
                    let mut failed = Vec::new();
                    for (i, item) in items.into_iter().enumerate() {
                        if mask >> (i % 64) & 1 == 1 {
                            failed.push(item);
                        } else {
                            unsent.push(item);
                        }
                    }
                    items = failed;
                }
                unsent.sort_by_key(|i| i.seq);
                let max_retries = match input.u8() % 4 {
                    0 => None,
                    n => Some(u32::from(n - 1)),
                };
                let offered = items.len() + unsent.len();
                let requeued =
                    self.queue.retry_later(batch, items, unsent, max_retries, Some(503), "HTTP 503; retries exhausted");
                assert!(requeued <= offered);
            }
            _ => {
                // 410 Gone: this part, the rest of the request, then everything.
                self.queue.give_up(batch, items, DropReason::EndpointGone, Some(410), "gone");
                for (rest, _) in request.parts.drain(..) {
                    self.queue.give_up(batch, rest, DropReason::EndpointGone, Some(410), "gone");
                }
                self.drop_all(DropReason::EndpointGone);
            }
        }
        self.requests.retain(|r| !r.parts.is_empty());
    }

    fn drop_all(&mut self, reason: DropReason) {
        let pending = self.queue.stats().pending;
        let dropped = self.queue.drop_all(reason, None, "dropped");
        assert_eq!(dropped, pending, "drop_all dropped {dropped} of {pending} pending");
        self.shutdown_drops |= reason == DropReason::Shutdown && dropped > 0;
        for request in &mut self.requests {
            request.live = false;
        }
    }

    fn in_flight(&self) -> u64 {
        let live = self.requests.iter().filter(|r| r.live);
        live.flat_map(|r| &r.parts).map(|(items, _)| items.len() as u64).sum()
    }

    fn check(&mut self) {
        let stats = self.queue.stats();
        assert!(stats.balances(), "stats do not balance: {stats:?}");
        let expected = self.queue.len() as u64 + self.in_flight();
        assert_eq!(stats.pending, expected, "pending {} != queued {} + in flight", stats.pending, self.queue.len());
        assert!(stats.pending <= self.max_items as u64, "pending {} over the bound {}", stats.pending, self.max_items);
        assert_eq!(self.queue.unsettled_before(u64::MAX), stats.pending);
        assert_eq!(self.queue.settled_before(self.queue.next_seq()), stats.pending == 0);
        for report in self.queue.take_reports() {
            assert!(report.message_ids.len() as u64 <= report.count);
            self.reported += report.count;
        }
        assert_eq!(self.reported, stats.dropped_total(), "reports do not add up to the drops");
        for sid in self.queue.take_acks() {
            assert!(self.spooled.contains(&sid), "acknowledged spool id {sid} was never pushed");
            assert!(self.acked.insert(sid), "spool id {sid} acknowledged twice");
        }
    }

    /// Every request answered with success, then the queue drained.
    fn finish(mut self) {
        for request in std::mem::take(&mut self.requests) {
            for (items, _) in request.parts {
                self.queue.delivered(request.batch, &items);
            }
        }
        self.check();
        while let Some(batch) = self.queue.take_batch(usize::MAX, usize::MAX) {
            self.queue.delivered(batch.id, &batch.items);
        }
        self.check();
        assert_eq!(self.queue.stats().pending, 0);
        if !self.shutdown_drops {
            assert_eq!(self.acked.len(), self.spooled.len(), "spool ids left unacknowledged");
        }
    }
}
