//! What left the queue and why: the counters behind `stats()`, the drop
//! reports waiting for `on_error`, and the spool records to acknowledge.

use super::Item;
use crate::error::{DeliveryError, DropReason, Stats, MAX_REPORTED_IDS};

#[derive(Debug, Default)]
pub(super) struct Ledger {
    stats: Stats,
    reports: Vec<DeliveryError>,
    /// Named in drop reports (webhook senders).
    endpoint: Option<String>,
    /// Spool ids of events that left for good, to acknowledge in the spool.
    acks: Vec<u64>,
}

impl Ledger {
    pub(super) fn set_endpoint(&mut self, url: &str) {
        self.endpoint = Some(url.to_owned());
    }

    pub(super) fn enqueued(&mut self) {
        self.stats.enqueued += 1;
    }

    pub(super) fn delivered(&mut self, count: usize) {
        self.stats.delivered += count as u64;
    }

    pub(super) fn retried(&mut self) {
        self.stats.retries += 1;
    }

    pub(super) fn request(&mut self, from_split: bool) {
        self.stats.requests += 1;
        if from_split {
            self.stats.split_requests += 1;
        }
    }

    /// The counters, with `pending` read off the queue itself.
    pub(super) fn stats(&self, pending: u64) -> Stats {
        Stats { pending, ..self.stats }
    }

    pub(super) fn take_reports(&mut self) -> Vec<DeliveryError> {
        std::mem::take(&mut self.reports)
    }

    pub(super) fn has_reports(&self) -> bool {
        !self.reports.is_empty()
    }

    pub(super) fn take_acks(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.acks)
    }

    /// Marks a spool record for acknowledgement (0: the event was not spooled).
    pub(super) fn ack(&mut self, sid: u64) {
        if sid != 0 {
            self.acks.push(sid);
        }
    }

    /// Counts and reports `items` as dropped for `reason`.
    pub(super) fn drop_items(
        &mut self,
        items: impl Iterator<Item = Item>,
        reason: DropReason,
        status: Option<u16>,
        message: &str,
    ) {
        let items: Vec<Item> = items.collect();
        // Given up at shutdown is not given up for good: with a spool, the
        // next process delivers them.
        if reason != DropReason::Shutdown {
            for item in &items {
                self.ack(item.sid);
            }
        }
        let n = items.len() as u64;
        self.drop_ids(items.iter().map(Item::id), n, reason, status, message);
    }

    /// Counts `count` events as dropped for `reason`; the report names the
    /// first of `ids`, up to `MAX_REPORTED_IDS`, and merges with the previous
    /// report when it says the same thing.
    pub(super) fn drop_ids<'a>(
        &mut self,
        ids: impl Iterator<Item = &'a str>,
        count: u64,
        reason: DropReason,
        status: Option<u16>,
        message: &str,
    ) {
        if count == 0 {
            return;
        }
        self.stats.dropped_by_reason[reason.index()] += count;
        let report = match self.reports.last_mut() {
            Some(r) if r.reason == reason && r.status == status && r.message == message => r,
            _ => {
                self.reports.push(DeliveryError {
                    reason,
                    status,
                    message: message.to_owned(),
                    count: 0,
                    message_ids: Vec::new(),
                    endpoint: self.endpoint.clone(),
                });
                self.reports.last_mut().expect("just pushed")
            }
        };
        report.count += count;
        let room = MAX_REPORTED_IDS.saturating_sub(report.message_ids.len());
        report.message_ids.extend(ids.take(room).map(str::to_owned));
    }
}
