//! One delivery lane: a bounded queue, a dispatcher task that forms batches,
//! and send tasks that apply the retry policy. A `Client` has one; a webhook
//! sender has one per endpoint, so a failing endpoint never holds back others.
//!
//! A pipeline belongs to one process: after `fork()` the child builds a new
//! one (see `fork`), so nothing here worries about forks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::batch;
use crate::error::{DeliveryError, DropReason, Error, FlushResult, Stats};
use crate::fork::PerProcess;
use crate::ids;
use crate::options::{OnError, OnFull};
use crate::queue::{Batch, Item, Queue, WhenFull};
use crate::retry::{self, Outcome};
use crate::runtime;
use crate::sign::Signer;
use crate::spool::{Spool, SpoolSync, SYNC_INTERVAL};
use crate::time;
use crate::transport::{HttpRequest, Transport};

/// How a batch of items becomes a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// `{"batch": [...], "sentAt": ...}` (the ingest API).
    Envelope,
    /// The single item's JSON as it is (webhooks: one message per request).
    Single,
}

/// Where and how requests are sent.
pub struct Target {
    pub url: String,
    /// Sent with every request (content type, authorization, user headers).
    pub headers: Vec<(String, String)>,
    pub signer: Option<Signer>,
    pub gzip: bool,
    pub request_timeout: Duration,
    pub shape: BodyShape,
    /// 410 disables this lane (webhook endpoints).
    pub gone_disables: bool,
}

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
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub max_retry_after: Duration,
    pub max_concurrent: usize,
    pub shutdown_timeout: Duration,
}

/// Everything a lane needs that does not change.
pub struct Spec {
    pub target: Target,
    pub policy: Policy,
    pub on_error: Option<OnError>,
    pub debug: bool,
}

/// The outcome of `deliver`: one request sent at once, outside the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverOutcome {
    pub delivered: bool,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    pub attempts: u32,
    /// Why it was not delivered.
    pub error: Option<String>,
}

struct State {
    queue: Queue,
    started: bool,
    /// No new events (shutdown began).
    closing: bool,
    /// The dispatcher has stopped; everything left was given up.
    stopped: bool,
    /// The endpoint answered 410 Gone.
    gone: bool,
    /// Send everything below this sequence number without waiting for `flush_at`.
    flush_upto: u64,
    backoff_until: Option<Instant>,
    consecutive_failures: u32,
    /// When the oldest unsent event was first seen by the dispatcher.
    waiting_since: Option<Instant>,
    requests: Vec<(u64, AbortHandle)>,
    shutdown_result: Option<FlushResult>,
    /// The counters when the last flush returned: a flush reports what was
    /// delivered and given up since then.
    flushed: Stats,
    /// Reports taken from the queue and not yet handed to `on_error`: flush
    /// waits for them, so a process exiting right after flush misses none.
    reporting: usize,
}

pub struct Pipeline {
    spec: Arc<Spec>,
    transport: Arc<dyn Transport>,
    spool: Option<Spool>,
    state: Mutex<State>,
    /// Signalled when events leave (room for blocked callers, progress for flush).
    settled: Condvar,
    /// Wakes the dispatcher.
    wake: Notify,
    warnings: Mutex<DropWarnings>,
}

const GONE: &str = "the endpoint answered 410 Gone and was disabled";

/// Rate limit of the drop warning in the log.
const WARN_EVERY: Duration = Duration::from_secs(10);

#[derive(Default)]
struct DropWarnings {
    last: Option<Instant>,
    unreported: u64,
}

static LIVE: PerProcess<Mutex<Vec<Weak<Pipeline>>>> = PerProcess::new(|| Mutex::new(Vec::new()));

impl Pipeline {
    pub fn new(spec: Arc<Spec>, transport: Arc<dyn Transport>, spool: Option<Spool>) -> Arc<Pipeline> {
        let mut queue = Queue::new(spec.policy.max_queue_size, spec.policy.max_queue_bytes);
        if spec.target.gone_disables {
            queue.set_endpoint(&spec.target.url);
        }
        let pipeline = Arc::new(Pipeline {
            spec,
            transport,
            spool,
            state: Mutex::new(State {
                queue,
                started: false,
                closing: false,
                stopped: false,
                gone: false,
                flush_upto: 0,
                backoff_until: None,
                consecutive_failures: 0,
                waiting_since: None,
                requests: Vec::new(),
                shutdown_result: None,
                flushed: Stats::default(),
                reporting: 0,
            }),
            settled: Condvar::new(),
            wake: Notify::new(),
            warnings: Mutex::new(DropWarnings::default()),
        });
        let mut live = LIVE.get().lock();
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&pipeline));
        pipeline
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Queues one serialized event. Never waits for the network; waits for
    /// room only under `OnFull::Block`.
    pub fn enqueue(self: &Arc<Self>, id: Box<str>, json: Box<[u8]>) -> Result<(), Error> {
        // Written to the spool first (outside the queue lock): once this
        // returns, a crash cannot lose the event.
        let sid = match &self.spool {
            Some(spool) if !spool.has_failed() => spool.append(&id, &json).unwrap_or_else(|e| {
                self.spool_failed(&e);
                0
            }),
            _ => 0,
        };
        self.enqueue_spooled(id, json, sid)
    }

    /// Queues an event already in the spool as `sid` (0: not spooled).
    pub fn enqueue_spooled(self: &Arc<Self>, id: Box<str>, json: Box<[u8]>, sid: u64) -> Result<(), Error> {
        let mut st = self.state.lock();
        if st.closing {
            drop(st);
            self.write_acks(vec![sid]);
            return Err(Error::Closed);
        }
        if !st.started {
            st.started = true;
            runtime::handle().spawn(self.clone().dispatch());
            if self.spool.as_ref().is_some_and(|s| s.sync_mode() == SpoolSync::Batch) {
                runtime::handle().spawn(self.clone().sync_spool_periodically());
            }
        }
        if st.gone {
            let had_reports = st.queue.has_reports();
            st.queue.push_dropped(&id, DropReason::EndpointGone, Some(410), GONE);
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
                let deadline = Instant::now().checked_add(limit);
                while !st.queue.has_room(json.len()) && !st.closing {
                    let timed_out = match deadline {
                        Some(d) => self.settled.wait_until(&mut st, d).timed_out(),
                        None => {
                            self.settled.wait(&mut st);
                            false
                        }
                    };
                    if timed_out {
                        break;
                    }
                }
                if st.closing {
                    drop(st);
                    self.write_acks(vec![sid]);
                    return Err(Error::Closed);
                }
                WhenFull::DropNewest
            }
        };
        st.queue.push_spooled(id, json, sid, when_full);
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

    /// Marks events settled in the spool. Never called under the state lock.
    fn write_acks(&self, sids: Vec<u64>) {
        let Some(spool) = &self.spool else { return };
        let sids: Vec<u64> = sids.into_iter().filter(|s| *s != 0).collect();
        if sids.is_empty() || spool.has_failed() {
            return;
        }
        if let Err(e) = spool.ack(&sids) {
            self.spool_failed(&e);
        }
    }

    fn spool_failed(&self, error: &std::io::Error) {
        if let Some(spool) = &self.spool {
            if spool.fail() {
                log::error!(target: "outbox", "the spool failed ({error}); continuing in memory: events accepted from now on do not survive a crash");
            }
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

    fn sync_spool(&self) {
        if let Some(spool) = self.spool.as_ref().filter(|s| !s.has_failed()) {
            if let Err(e) = spool.sync_now() {
                self.spool_failed(&e);
            }
        }
    }

    pub fn stats(&self) -> Stats {
        self.state.lock().queue.stats()
    }

    /// Waits until every event enqueued before the call is delivered or given
    /// up, or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> FlushResult {
        let deadline = Instant::now().checked_add(timeout);
        let mut st = self.state.lock();
        let target = st.queue.next_seq();
        st.flush_upto = st.flush_upto.max(target);
        self.wake.notify_one();
        while !st.queue.settled_before(target) || st.reporting > 0 {
            let timed_out = match deadline {
                Some(d) => self.settled.wait_until(&mut st, d).timed_out(),
                None => {
                    self.settled.wait(&mut st);
                    false
                }
            };
            if timed_out {
                break;
            }
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
    pub fn finish_shutdown(&self, deadline: Instant) -> FlushResult {
        if let Some(done) = self.state.lock().shutdown_result {
            return done;
        }
        let mut result = self.flush(deadline.saturating_duration_since(Instant::now()));
        let mut st = self.state.lock();
        if let Some(done) = st.shutdown_result {
            return done;
        }
        st.stopped = true;
        let given_up = st.queue.drop_all(DropReason::Shutdown, None, "still pending when shutdown reached its deadline");
        result.pending = given_up;
        for (_, request) in st.requests.drain(..) {
            request.abort();
        }
        st.shutdown_result = Some(result);
        let reports = self.take_reports(&mut st);
        let acks = st.queue.take_acks();
        drop(st);
        self.write_acks(acks);
        // What shutdown gave up stays in the spool for the next process.
        self.sync_spool();
        self.settled.notify_all();
        self.wake.notify_one();
        // Reported here, synchronously: a process about to exit would not
        // wait for the background thread to do it.
        self.report(reports);
        result
    }

    pub fn shutdown(&self, timeout: Duration) -> FlushResult {
        let deadline = Instant::now().checked_add(timeout).unwrap_or_else(far_future);
        self.begin_shutdown();
        self.finish_shutdown(deadline)
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().closing
    }

    async fn dispatch(self: Arc<Self>) {
        loop {
            let notified = self.wake.notified();
            let (next, reports) = {
                let mut st = self.state.lock();
                let next = self.next_step(&mut st);
                (next, self.take_reports(&mut st))
            };
            self.report(reports);
            match next {
                Step::Stop => return,
                Step::Send(batch) => {
                    // Spawned under the lock so the task cannot finish (and
                    // forget its handle) before the handle is recorded.
                    let mut st = self.state.lock();
                    let id = batch.id;
                    let task = tokio::spawn(self.clone().send(batch));
                    st.requests.push((id, task.abort_handle()));
                }
                Step::Wait(None) => notified.await,
                Step::Wait(Some(until)) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(until.into()) => {}
                    }
                }
            }
        }
    }

    fn next_step(&self, st: &mut State) -> Step {
        if st.stopped {
            return Step::Stop;
        }
        let Some(front) = st.queue.front_seq() else {
            st.waiting_since = None;
            return Step::Wait(None);
        };
        let now = Instant::now();
        if let Some(until) = st.backoff_until {
            if now < until {
                return Step::Wait(Some(until));
            }
            st.backoff_until = None;
        }
        let policy = &self.spec.policy;
        if st.queue.in_flight_batches() >= policy.max_concurrent {
            return Step::Wait(None);
        }
        let since = *st.waiting_since.get_or_insert(now);
        let due = st.queue.len() >= policy.flush_at
            || st.closing
            || front < st.flush_upto
            || now >= since + policy.flush_interval;
        if !due {
            return Step::Wait(Some(since + policy.flush_interval));
        }
        let max_bytes = policy.max_batch_bytes.saturating_sub(batch::ENVELOPE_OVERHEAD);
        let max_items = match self.spec.target.shape {
            BodyShape::Envelope => policy.max_batch_size,
            BodyShape::Single => 1,
        };
        match st.queue.take_batch(max_items, max_bytes) {
            Some(batch) => {
                st.waiting_since = (!st.queue.is_empty()).then_some(now);
                Step::Send(batch)
            }
            None => Step::Wait(None),
        }
    }

    /// Sends one batch until it is delivered, given up, or sent back to the
    /// queue after a transient failure.
    async fn send(self: Arc<Self>, batch: Batch) {
        let batch_id = batch.id;
        // Parts still to send; a 413 splits a part in two.
        let mut parts = vec![batch.items];
        while let Some(mut items) = parts.pop() {
            let request = self.build_request(&items);
            self.state.lock().queue.count_request();
            let started = Instant::now();
            let result = self.transport.send(request).await;
            let (outcome, status, retry_after, detail) = match &result {
                Ok(r) => (
                    retry::classify(r.status, self.spec.target.gone_disables),
                    Some(r.status),
                    r.retry_after.as_deref().and_then(|v| retry::parse_retry_after(v, SystemTime::now())),
                    format!("HTTP {}", r.status),
                ),
                Err(e) => (Outcome::Transient, None, None, e.to_string()),
            };
            if self.spec.debug {
                log::debug!(target: "outbox", "POST {} ({} events): {} in {:?}", self.spec.target.url, items.len(), detail, started.elapsed());
            }
            let mut st = self.state.lock();
            match outcome {
                Outcome::Delivered => {
                    st.consecutive_failures = 0;
                    st.queue.delivered(batch_id, &items);
                }
                Outcome::TooLarge if items.len() > 1 => {
                    let second = items.split_off(items.len() / 2);
                    parts.push(second);
                    parts.push(items);
                }
                Outcome::TooLarge => {
                    st.queue.give_up(batch_id, items, DropReason::TooLarge, status, "the receiver refused this single event as too large (413)");
                }
                Outcome::Rejected => {
                    let message = format!("the receiver rejected the request ({detail}); not retried");
                    st.queue.give_up(batch_id, items, DropReason::Rejected, status, &message);
                }
                Outcome::Gone => {
                    st.gone = true;
                    st.queue.give_up(batch_id, items, DropReason::EndpointGone, status, GONE);
                    st.queue.drop_all(DropReason::EndpointGone, status, GONE);
                    log::warn!(target: "outbox", "{} answered 410 Gone: endpoint disabled", self.spec.target.url);
                }
                Outcome::Transient => {
                    // This part and every part not yet sent go back to the queue together.
                    for rest in parts.drain(..) {
                        items.extend(rest);
                    }
                    items.sort_by_key(|i| i.seq);
                    st.consecutive_failures = st.consecutive_failures.saturating_add(1);
                    let policy = &self.spec.policy;
                    let jittered = retry::backoff(st.consecutive_failures, policy.initial_backoff, policy.max_backoff, ids::random_unit());
                    let delay = retry::next_delay(jittered, retry_after, policy.max_retry_after);
                    st.backoff_until = Some(Instant::now() + delay);
                    let message = format!("{detail}; retries exhausted");
                    st.queue.retry_later_with_status(batch_id, items, policy.max_retries, status, &message);
                    if self.spec.debug {
                        log::debug!(target: "outbox", "{}: {detail}; retrying in {delay:?}", self.spec.target.url);
                    }
                }
            }
        }
        let mut st = self.state.lock();
        st.requests.retain(|(id, _)| *id != batch_id);
        let acks = st.queue.take_acks();
        let reports = self.take_reports(&mut st);
        drop(st);
        self.write_acks(acks);
        self.report(reports);
        self.settled.notify_all();
        self.wake.notify_one();
    }

    /// Takes the queue's reports, counting them as in progress until `report` is done.
    fn take_reports(&self, st: &mut State) -> Vec<DeliveryError> {
        let reports = st.queue.take_reports();
        if !reports.is_empty() {
            st.reporting += 1;
        }
        reports
    }

    fn build_request(&self, items: &[Item]) -> HttpRequest {
        let target = &self.spec.target;
        let (body, id) = match target.shape {
            BodyShape::Envelope => (
                batch::envelope(items, &time::rfc3339_millis(SystemTime::now())),
                ids::idempotency_key(items.iter().map(|i| &*i.id)),
            ),
            BodyShape::Single => (items.first().map(|i| i.json.to_vec()).unwrap_or_default(), items.first().map(|i| i.id.to_string()).unwrap_or_default()),
        };
        let mut headers = target.headers.clone();
        headers.push(("Idempotency-Key".into(), id.clone()));
        if let Some(signer) = &target.signer {
            // Signed per attempt: a fresh timestamp, the same id.
            headers.extend(signer.headers(&id, time::unix_now(), &body));
        }
        let body = if target.gzip && body.len() >= batch::GZIP_MIN_BYTES {
            headers.push(("Content-Encoding".into(), "gzip".into()));
            batch::gzip(&body)
        } else {
            body
        };
        HttpRequest { url: target.url.clone(), headers, body, timeout: target.request_timeout }
    }

    /// Sends `items` in one request now, retrying transient failures until
    /// `timeout`. Outside the queue and its accounting.
    pub async fn deliver_now(self: Arc<Self>, items: Vec<Item>, timeout: Duration) -> DeliverOutcome {
        let deadline = Instant::now().checked_add(timeout).unwrap_or_else(far_future);
        let policy = &self.spec.policy;
        let mut attempts = 0u32;
        let mut last_status = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return DeliverOutcome { delivered: false, status: last_status, attempts, error: Some("timed out before delivery".into()) };
            }
            let mut request = self.build_request(&items);
            request.timeout = request.timeout.min(remaining);
            attempts += 1;
            let result = self.transport.send(request).await;
            let (outcome, retry_after, detail) = match &result {
                Ok(r) => {
                    last_status = Some(r.status);
                    (
                        retry::classify(r.status, self.spec.target.gone_disables),
                        r.retry_after.as_deref().and_then(|v| retry::parse_retry_after(v, SystemTime::now())),
                        format!("HTTP {}", r.status),
                    )
                }
                Err(e) => (Outcome::Transient, None, e.to_string()),
            };
            match outcome {
                Outcome::Delivered => return DeliverOutcome { delivered: true, status: last_status, attempts, error: None },
                Outcome::Transient if policy.max_retries.is_none_or(|m| attempts <= m) => {
                    let jittered = retry::backoff(attempts, policy.initial_backoff, policy.max_backoff, ids::random_unit());
                    let delay = retry::next_delay(jittered, retry_after, policy.max_retry_after);
                    if Instant::now() + delay >= deadline {
                        return DeliverOutcome { delivered: false, status: last_status, attempts, error: Some(format!("{detail}; no time left to retry")) };
                    }
                    tokio::time::sleep(delay).await;
                }
                _ => return DeliverOutcome { delivered: false, status: last_status, attempts, error: Some(detail) },
            }
        }
    }

    /// Hands reports to `on_error` and the log. Never called under a lock.
    fn report(&self, reports: Vec<DeliveryError>) {
        if reports.is_empty() {
            return;
        }
        self.warn_rate_limited(&reports);
        if let Some(callback) = &self.spec.on_error {
            for report in &reports {
                if catch_unwind(AssertUnwindSafe(|| callback(report))).is_err() {
                    log::error!(target: "outbox", "the on_error callback panicked; delivery continues");
                }
            }
        }
        let mut st = self.state.lock();
        st.reporting = st.reporting.saturating_sub(1);
        drop(st);
        self.settled.notify_all();
    }

    fn warn_rate_limited(&self, reports: &[DeliveryError]) {
        let mut w = self.warnings.lock();
        w.unreported += reports.iter().map(|r| r.count).sum::<u64>();
        let now = Instant::now();
        if w.last.is_none_or(|t| now.duration_since(t) >= WARN_EVERY) {
            let first = &reports[0];
            log::warn!(target: "outbox", "{} event(s) dropped since the last warning; latest: {first}", w.unreported);
            w.last = Some(now);
            w.unreported = 0;
        }
    }
}

enum Step {
    Stop,
    Send(Batch),
    Wait(Option<Instant>),
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86_400)
}

/// Every live pipeline of this process (for exit hooks).
pub fn live_pipelines() -> Vec<Arc<Pipeline>> {
    LIVE.get().lock().iter().filter_map(Weak::upgrade).collect()
}

/// Shuts down every open pipeline of the process at once, each with its own
/// `shutdown_timeout` (zero skips it), all counted from now. Returns the sum.
pub fn shutdown_all() -> FlushResult {
    let start = Instant::now();
    let open: Vec<Arc<Pipeline>> = live_pipelines()
        .into_iter()
        .filter(|p| !p.is_closed() && !p.spec.policy.shutdown_timeout.is_zero())
        .collect();
    for p in &open {
        p.begin_shutdown();
    }
    let mut total = FlushResult::default();
    for p in &open {
        let deadline = start.checked_add(p.spec.policy.shutdown_timeout).unwrap_or_else(far_future);
        total.add(p.finish_shutdown(deadline));
    }
    total
}
