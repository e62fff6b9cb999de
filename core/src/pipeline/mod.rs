//! A pipeline: one bounded queue and everything that empties it, namely a
//! dispatcher task that forms batches, send tasks that apply the retry
//! policy, and the reports of what was given up. A `Client` has one; a
//! webhook sender has one per endpoint, so a failing endpoint never holds
//! back others.
//!
//! A pipeline belongs to one process: after `fork()` the child builds a new
//! one (see `lane`), so nothing here worries about forks.
//!
//! This file holds the state and the calls callers make (enqueue, flush,
//! shutdown). The rest, one job per file:
//! - `schedule.rs`: when to send, a pure function of the state and the clock;
//! - `send.rs`: the dispatcher and the send task of each batch;
//! - `request.rs`: the request a batch becomes;
//! - `attempt.rs`: what one attempt's result means;
//! - `deliver.rs`: `deliver`, one request sent at once, outside the queue;
//! - `report.rs`: handing what was given up to `on_error` and the log;
//! - `registry.rs`: every live pipeline of the process, for exit hooks.

mod attempt;
mod deliver;
mod health;
mod registry;
mod report;
mod request;
mod schedule;
mod send;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::backoff::{Backoff, Schedule};
use crate::error::{DeliveryError, DropReason, Error, FlushResult, Stats};
use crate::logger::Logger;
use crate::options::{OnError, OnFull};
use crate::queue::{Payload, Queue, WhenFull};
use crate::runtime;
use crate::spool::{Spool, SpoolSync, SYNC_INTERVAL};
use crate::time;
use crate::transport::Transport;

pub use deliver::DeliverOutcome;
pub use health::Health;
pub use registry::shutdown_all;
pub use request::{BodyShape, Target};

use report::DropWarnings;

/// Batching and retry policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub flush_at: usize,
    pub flush_interval: Duration,
    pub max_batch_size: usize,
    pub max_batch_bytes: usize,
    pub max_queue_size: usize,
    pub max_queue_bytes: usize,
    pub on_full: OnFull,
    pub max_retries: Option<u32>,
    pub backoff: Schedule,
    pub max_concurrent: usize,
    pub shutdown_timeout: Duration,
}

/// When a pipeline sends: the part of its policy a client and a webhook
/// endpoint do not share.
pub(crate) struct Batching {
    pub flush_at: usize,
    pub flush_interval: Duration,
    pub max_batch_size: usize,
    pub max_batch_bytes: usize,
}

impl Policy {
    /// The policy of shared delivery options with `batching` (a client
    /// batches; a webhook endpoint sends one message per request).
    pub(crate) fn new(delivery: &crate::options::DeliveryOptions, batching: Batching) -> Policy {
        Policy {
            flush_at: batching.flush_at,
            flush_interval: batching.flush_interval,
            max_batch_size: batching.max_batch_size,
            max_batch_bytes: batching.max_batch_bytes,
            max_queue_size: delivery.max_queue_size,
            max_queue_bytes: delivery.max_queue_bytes,
            on_full: delivery.on_full,
            max_retries: delivery.max_retries,
            backoff: Schedule {
                initial: delivery.retry_initial_backoff,
                max: delivery.retry_max_backoff,
                max_retry_after: crate::options::MAX_RETRY_AFTER,
            },
            max_concurrent: delivery.max_concurrent_requests,
            shutdown_timeout: delivery.shutdown_timeout,
        }
    }
}

/// Everything a pipeline needs that does not change.
pub struct Spec {
    pub target: Target,
    pub policy: Policy,
    pub on_error: Option<OnError>,
    pub log: Logger,
}

/// What the pipeline's lock guards.
struct State {
    queue: Queue,
    started: bool,
    /// No new events (shutdown began).
    closing: bool,
    /// The dispatcher has stopped; everything left was given up.
    stopped: bool,
    /// The endpoint answered 410 Gone.
    gone: bool,
    /// The last error and success, for `health()` and the warnings.
    health: health::Tracker,
    /// Send everything below this sequence number without waiting for `flush_at`.
    flush_upto: u64,
    backoff: Backoff,
    /// Deadlines of the flushes and shutdowns waiting now: none of them
    /// sits out a backoff past its deadline.
    deadlines: Vec<Instant>,
    /// When the oldest unsent event was first seen by the dispatcher.
    waiting_since: Option<Instant>,
    requests: Vec<(u64, AbortHandle)>,
    shutdown_result: Option<FlushResult>,
    /// The deadline of the first `finish_shutdown`.
    shutdown_deadline: Option<Instant>,
    /// The counters when the last flush returned: a flush reports what was
    /// delivered and given up since then.
    flushed: Stats,
    /// Groups of reports taken from the queue, and those handed to
    /// `on_error` since: a flush waits for the ones taken before its events
    /// settled (not for later ones, which a storm of drops could make
    /// endless), so a process exiting right after flush misses none.
    reports_taken: u64,
    reports_done: u64,
    /// Reports waiting for the reporter (see `hand_off`), oldest first.
    report_queue: VecDeque<Vec<DeliveryError>>,
    /// A blocking task is draining `report_queue`.
    reporter_running: bool,
}

impl State {
    /// A fresh pipeline's state around `queue`.
    fn new(queue: Queue) -> State {
        State {
            queue,
            started: false,
            closing: false,
            stopped: false,
            gone: false,
            health: Default::default(),
            flush_upto: 0,
            backoff: Backoff::default(),
            deadlines: Vec::new(),
            waiting_since: None,
            requests: Vec::new(),
            shutdown_result: None,
            shutdown_deadline: None,
            flushed: Stats::default(),
            reports_taken: 0,
            reports_done: 0,
            report_queue: VecDeque::new(),
            reporter_running: false,
        }
    }
}

/// One queue with its dispatcher, send tasks and reports (see the module doc).
pub struct Pipeline {
    spec: Arc<Spec>,
    /// The target URL as logs and reports show it (credentials and query redacted).
    shown_url: String,
    transport: Arc<dyn Transport>,
    spool: Option<Spool>,
    state: Mutex<State>,
    /// Signalled when events leave (room for blocked callers, progress for flush).
    settled: Condvar,
    /// Wakes the dispatcher.
    wake: Notify,
    warnings: Mutex<DropWarnings>,
}

/// Why events of a disabled webhook endpoint are given up.
const GONE: &str = "the endpoint answered 410 Gone and was disabled";

impl Pipeline {
    /// A pipeline sending through `transport`, keeping its queue in `spool`
    /// if given. Its dispatcher starts with the first event.
    pub fn new(spec: Arc<Spec>, transport: Arc<dyn Transport>, spool: Option<Spool>) -> Arc<Pipeline> {
        let mut queue = Queue::new(spec.policy.max_queue_size, spec.policy.max_queue_bytes);
        if spec.target.gone_disables {
            queue.set_endpoint(&crate::transport::redact_url(&spec.target.url));
        }
        let pipeline = Arc::new(Pipeline {
            shown_url: crate::transport::redact_url(&spec.target.url),
            spec,
            transport,
            spool,
            state: Mutex::new(State::new(queue)),
            settled: Condvar::new(),
            wake: Notify::new(),
            warnings: Mutex::new(DropWarnings::default()),
        });
        registry::register(&pipeline);
        pipeline
    }

    /// What this pipeline was built with.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Queues one serialized event. Never waits for the network; waits for
    /// room only under `OnFull::Block`.
    pub fn enqueue(self: &Arc<Self>, payload: Payload) -> Result<(), Error> {
        // Written to the spool first (outside the queue lock): once this
        // returns, a crash cannot lose the event.
        // 0 (kept in memory only) when the spool is failing: it counts and
        // logs the error itself.
        let sid = self.spool.as_ref().map_or(0, |spool| spool.append(payload.id(), payload.json()));
        self.enqueue_spooled(payload, sid)
    }

    /// Queues an event already in the spool as `sid` (0: not spooled).
    pub fn enqueue_spooled(self: &Arc<Self>, payload: Payload, sid: u64) -> Result<(), Error> {
        let mut st = self.state.lock();
        if st.closing {
            drop(st);
            self.write_acks(vec![sid]);
            return Err(Error::Closed);
        }
        if !st.started {
            st.started = true;
            runtime::handle().spawn(self.clone().supervise());
            if self.spool.as_ref().is_some_and(|s| s.sync_mode() == SpoolSync::Batch) {
                runtime::handle().spawn(self.clone().sync_spool_periodically());
            }
        }
        if st.gone {
            let had_reports = st.queue.has_reports();
            st.queue.push_dropped(payload.id(), DropReason::EndpointGone, Some(410), GONE);
            drop(st);
            if !had_reports {
                self.wake.notify_one();
            }
            return Ok(());
        }
        let had_reports = st.queue.has_reports();
        let when_full = match self.spec.policy.on_full {
            OnFull::DropOldest => WhenFull::DropOldest,
            OnFull::DropNewest => WhenFull::DropNewest,
            OnFull::Block(limit) => {
                let deadline = time::later(Instant::now(), limit);
                self.wait_until(&mut st, deadline, |st| st.queue.has_room(payload.json().len()) || st.closing);
                if st.closing {
                    drop(st);
                    self.write_acks(vec![sid]);
                    return Err(Error::Closed);
                }
                // Still full after the wait: the new event is the one dropped.
                WhenFull::DropNewest
            }
        };
        st.queue.push_spooled(payload, sid, when_full);
        let len = st.queue.len();
        let wake = len == 1 || len == self.spec.policy.flush_at || (!had_reports && st.queue.has_reports());
        let acks = st.queue.take_acks();
        drop(st);
        if wake {
            self.wake.notify_one();
        }
        self.write_acks(acks);
        Ok(())
    }

    /// Waits on `settled` until `done` holds or `deadline` passes; returns
    /// whether `done` held. The lock is released while waiting.
    fn wait_until(
        &self,
        st: &mut MutexGuard<'_, State>,
        deadline: Instant,
        mut done: impl FnMut(&mut State) -> bool,
    ) -> bool {
        while !done(st) {
            if self.settled.wait_until(st, deadline).timed_out() {
                return false;
            }
        }
        true
    }

    /// Marks events settled in the spool (even after a spool write error:
    /// they are on disk). Never called under the state lock.
    fn write_acks(&self, sids: Vec<u64>) {
        if let Some(spool) = &self.spool {
            spool.ack(&sids);
        }
    }

    async fn sync_spool_periodically(self: Arc<Self>) {
        loop {
            tokio::time::sleep(SYNC_INTERVAL).await;
            if self.state.lock().stopped {
                return;
            }
            let me = self.clone();
            let _ = tokio::task::spawn_blocking(move || me.sync_spool()).await;
        }
    }

    /// Syncs the spool; while it is failing, this is also where it retries.
    fn sync_spool(&self) {
        if let Some(spool) = &self.spool {
            spool.sync_now();
        }
    }

    /// The last error and success of this pipeline's endpoint.
    pub fn health(&self) -> Health {
        self.state.lock().health.health()
    }

    /// The counters, with the spool's write errors.
    pub fn stats(&self) -> Stats {
        let stats = self.state.lock().queue.stats();
        Stats { spool_errors: self.spool.as_ref().map_or(0, Spool::errors), ..stats }
    }

    /// True when an event of `bytes` would be queued without waiting or dropping.
    pub fn has_room(&self, bytes: usize) -> bool {
        self.state.lock().queue.has_room(bytes)
    }

    /// Waits until every event enqueued before the call is delivered or given
    /// up, or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> FlushResult {
        let deadline = time::later(Instant::now(), timeout);
        // Inside on_error the reports behind this very callback cannot
        // finish before it returns: wait for delivery only.
        let wait_for_reports = !runtime::in_callback();
        let mut st = self.state.lock();
        let target = st.queue.next_seq();
        st.flush_upto = st.flush_upto.max(target);
        st.deadlines.push(deadline);
        self.wake.notify_one();
        // The reports taken by the time this flush's events had settled.
        let mut reports_needed = None;
        self.wait_until(&mut st, deadline, |st| {
            if !st.queue.settled_before(target) {
                return false;
            }
            // Reports still in the queue leave as the next group taken.
            let needed = *reports_needed.get_or_insert(st.reports_taken + u64::from(st.queue.has_reports()));
            !wait_for_reports || st.reports_done >= needed
        });
        if let Some(mine) = st.deadlines.iter().position(|x| *x == deadline) {
            st.deadlines.swap_remove(mine);
        }
        let after = st.queue.stats();
        let before = std::mem::replace(&mut st.flushed, after);
        FlushResult {
            delivered: after.delivered - before.delivered,
            failed: after.dropped_total() - before.dropped_total(),
            pending: st.queue.unsettled_before(target),
        }
    }

    /// Stops accepting events and asks the dispatcher to send everything now.
    pub fn begin_shutdown(&self) {
        let mut st = self.state.lock();
        st.closing = true;
        st.flush_upto = st.queue.next_seq();
        drop(st);
        self.settled.notify_all();
        self.wake.notify_one();
    }

    /// Flushes until `deadline`, then gives up what is left and stops.
    /// Idempotent: later calls return the first result.
    /// A shutdown already under way keeps its deadline: a second caller
    /// (an exit hook, say) waits for it, not longer.
    pub fn finish_shutdown(&self, deadline: Instant) -> FlushResult {
        let deadline = {
            let mut st = self.state.lock();
            if let Some(done) = st.shutdown_result {
                return done;
            }
            *st.shutdown_deadline.get_or_insert(deadline)
        };
        let mut result = self.flush(deadline.saturating_duration_since(Instant::now()));
        let mut st = self.state.lock();
        if let Some(done) = st.shutdown_result {
            return done;
        }
        st.stopped = true;
        // Say why they were still there: the endpoint was failing, or slow.
        let health = st.health.health();
        let why = match health {
            h if h.consecutive_failures > 0 => format!(
                "still pending when shutdown reached its deadline; the endpoint was failing ({} in a row, last: {})",
                h.consecutive_failures,
                h.last_error.as_deref().unwrap_or("unknown")
            ),
            _ => "still pending when shutdown reached its deadline".to_owned(),
        };
        let given_up = st.queue.drop_all(DropReason::Shutdown, None, &why);
        result.pending = given_up;
        for (_, request) in st.requests.drain(..) {
            request.abort();
        }
        st.shutdown_result = Some(result);
        let reports = self.take_reports(&mut st);
        let acks = st.queue.take_acks();
        drop(st);
        self.write_acks(acks);
        // What shutdown gave up stays in the spool for the next process;
        // with nothing left, the spool directory goes.
        self.sync_spool();
        if let Some(spool) = &self.spool {
            spool.remove_if_settled();
        }
        self.settled.notify_all();
        self.wake.notify_one();
        // Reported here, synchronously: a process about to exit would not
        // wait for the background thread to do it.
        self.report(reports);
        result
    }

    /// `begin_shutdown` then `finish_shutdown` with a deadline `timeout` from now.
    pub fn shutdown(&self, timeout: Duration) -> FlushResult {
        let deadline = time::later(Instant::now(), timeout);
        self.begin_shutdown();
        self.finish_shutdown(deadline)
    }

    /// True once shutdown began: new events are refused.
    pub fn is_closed(&self) -> bool {
        self.state.lock().closing
    }

    /// True once shutdown finished: the dispatcher has stopped.
    fn is_stopped(&self) -> bool {
        self.state.lock().stopped
    }
}
