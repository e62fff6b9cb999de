//! What `on_error` receives, the counters of a client, and the outcome of
//! `flush` / `shutdown`.

use std::fmt;

/// Why events were given up. Every dropped event is counted under one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The queue was full (`max_queue_size` / `max_queue_bytes`) and `on_full` chose this event.
    QueueFull,
    /// The receiver answered with a permanent 4xx (or a 3xx, which is never followed).
    Rejected,
    /// A 413 for a single event: it can never be sent.
    TooLarge,
    /// Transient failures exhausted `max_retries`.
    RetriesExhausted,
    /// Still pending when `shutdown` reached its deadline.
    Shutdown,
    /// The webhook endpoint answered 410 Gone and was disabled.
    EndpointGone,
}

impl DropReason {
    /// Every reason, in the order of `Stats::dropped_by_reason`.
    pub const ALL: [DropReason; 6] = [
        DropReason::QueueFull,
        DropReason::Rejected,
        DropReason::TooLarge,
        DropReason::RetriesExhausted,
        DropReason::Shutdown,
        DropReason::EndpointGone,
    ];

    /// Stable snake_case name used by every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Rejected => "rejected",
            DropReason::TooLarge => "too_large",
            DropReason::RetriesExhausted => "retries_exhausted",
            DropReason::Shutdown => "shutdown",
            DropReason::EndpointGone => "endpoint_gone",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `on_error` receives: a group of events lost for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// Why they were given up.
    pub reason: DropReason,
    /// The HTTP status that caused it, when there was one.
    pub status: Option<u16>,
    /// A human-readable explanation.
    pub message: String,
    /// Exact number of events lost.
    pub count: u64,
    /// Their message ids (at most `MAX_REPORTED_IDS`; `count` is always exact).
    pub message_ids: Vec<String>,
    /// For webhook senders: the endpoint URL concerned.
    pub endpoint: Option<String>,
}

/// Reports list at most this many ids, so a storm of drops stays bounded in memory.
pub const MAX_REPORTED_IDS: usize = 1000;

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} event(s) dropped ({})", self.count, self.reason)?;
        if let Some(s) = self.status {
            write!(f, ", HTTP {s}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Counters of one client. `enqueued == delivered + dropped_total() + pending` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events accepted by capture calls.
    pub enqueued: u64,
    /// Events the receiver acknowledged.
    pub delivered: u64,
    /// Events given up, by `DropReason` (index with `dropped(reason)`).
    pub dropped_by_reason: [u64; 6],
    /// Queued or in flight.
    pub pending: u64,
    /// Requests sent, including retries.
    pub requests: u64,
    /// Attempts that failed transiently and were retried.
    pub retries: u64,
    /// Requests (counted in `requests` too) that were parts of a batch split
    /// to isolate events the receiver refused (413, or a 4xx blaming an event).
    pub split_requests: u64,
    /// Spool operations that failed (disk full, I/O error). Events accepted
    /// while the spool fails are kept in memory only; it retries with a new
    /// segment after a pause. Not part of the accounting identity.
    pub spool_errors: u64,
}

impl Stats {
    /// Events given up for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped_by_reason[reason.index()]
    }

    /// Events given up, all reasons together.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_by_reason.iter().sum()
    }

    /// The accounting identity every client maintains.
    pub fn balances(&self) -> bool {
        self.enqueued == self.delivered + self.dropped_total() + self.pending
    }

    pub(crate) fn add(&mut self, other: &Stats) {
        self.enqueued += other.enqueued;
        self.delivered += other.delivered;
        self.pending += other.pending;
        self.requests += other.requests;
        self.retries += other.retries;
        self.split_requests += other.split_requests;
        self.spool_errors += other.spool_errors;
        for (a, b) in self.dropped_by_reason.iter_mut().zip(other.dropped_by_reason) {
            *a += b;
        }
    }
}

/// The outcome of `flush` or `shutdown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushResult {
    /// Events delivered since the previous flush returned (or since the
    /// client started): "track 1,000 then flush" reports 1,000 even when
    /// most left before the flush began.
    pub delivered: u64,
    /// Events given up (any reason) over the same span.
    pub failed: u64,
    /// Events enqueued before the call that were neither delivered nor given
    /// up when it returned. For `shutdown` these are dropped with reason `shutdown`.
    pub pending: u64,
}

impl FlushResult {
    /// True when nothing enqueued before the call is still pending.
    pub fn is_complete(&self) -> bool {
        self.pending == 0
    }

    pub(crate) fn add(&mut self, other: FlushResult) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.pending += other.pending;
    }
}
