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

use crate::backoff::{Backoff, Schedule};
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
    pub backoff: Schedule,
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
    report_queue: std::collections::VecDeque<Vec<DeliveryError>>,
    /// A blocking task is draining `report_queue`.
    reporter_running: bool,
}

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
            queue.set_endpoint(&crate::transport::redact_url(&spec.target.url));
        }
        let pipeline = Arc::new(Pipeline {
            shown_url: crate::transport::redact_url(&spec.target.url),
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
                backoff: Backoff::default(),
                deadlines: Vec::new(),
                waiting_since: None,
                requests: Vec::new(),
                shutdown_result: None,
                shutdown_deadline: None,
                flushed: Stats::default(),
                reports_taken: 0,
                reports_done: 0,
                report_queue: std::collections::VecDeque::new(),
                reporter_running: false,
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
        // 0 (kept in memory only) when the spool is failing: it counts and
        // logs the error itself.
        let sid = self.spool.as_ref().map_or(0, |spool| spool.append(&id, &json));
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
            runtime::handle().spawn(self.clone().supervise());
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
                let deadline = Some(time::later(Instant::now(), limit));
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
        loop {
            if st.queue.settled_before(target) {
                // Reports still in the queue leave as the next group taken.
                let needed = *reports_needed.get_or_insert(st.reports_taken + u64::from(st.queue.has_reports()));
                if !wait_for_reports || st.reports_done >= needed {
                    break;
                }
            }
            if self.settled.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
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

    pub fn shutdown(&self, timeout: Duration) -> FlushResult {
        let deadline = time::later(Instant::now(), timeout);
        self.begin_shutdown();
        self.finish_shutdown(deadline)
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().closing
    }

    fn is_stopped(&self) -> bool {
        self.state.lock().stopped
    }

    /// Runs the dispatcher, restarting it if it ever panics: a dead
    /// dispatcher would leave the client silently accepting events forever.
    async fn supervise(self: Arc<Self>) {
        loop {
            match tokio::spawn(self.clone().dispatch()).await {
                Err(e) if e.is_panic() => {
                    log::error!(target: "outbox", "the dispatcher panicked ({}); restarting it", panic_message(e.into_panic()));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => return,
            }
        }
    }

    async fn dispatch(self: Arc<Self>) {
        loop {
            let notified = self.wake.notified();
            let (next, reports) = {
                let mut st = self.state.lock();
                let next = self.next_step(&mut st);
                (next, self.take_reports(&mut st))
            };
            self.hand_off(reports);
            match next {
                Step::Stop => return,
                Step::Send(batch, round) => {
                    // Spawned under the lock so the task cannot finish (and
                    // forget its handle) before the handle is recorded.
                    let mut st = self.state.lock();
                    let id = batch.id;
                    let task = tokio::spawn(self.clone().send_guarded(batch, round));
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

    /// The scheduling decision: stop, send a batch now, or wait (until a
    /// time, or until woken).
    fn next_step(&self, st: &mut State) -> Step {
        if st.stopped {
            return Step::Stop;
        }
        let Some(front) = st.queue.front_seq() else {
            st.waiting_since = None;
            return Step::Wait(None);
        };
        let now = Instant::now();
        let policy = &self.spec.policy;
        let deadline = st.deadlines.iter().min().copied();
        if let Some(at) = st.backoff.ready_at(now, deadline, self.last_attempt_slack()) {
            return Step::Wait(Some(at));
        }
        // While failures are unresolved a single probe decides whether the
        // other requests follow.
        let concurrency = if st.backoff.probing() { 1 } else { policy.max_concurrent };
        if st.queue.in_flight_batches() >= concurrency {
            return Step::Wait(None);
        }
        let since = *st.waiting_since.get_or_insert(now);
        let interval_ends = time::later(since, policy.flush_interval);
        let due = st.queue.len() >= policy.flush_at || st.closing || front < st.flush_upto || now >= interval_ends;
        if !due {
            return Step::Wait(Some(interval_ends));
        }
        let max_bytes = policy.max_batch_bytes.saturating_sub(batch::ENVELOPE_OVERHEAD);
        let max_items = match self.spec.target.shape {
            BodyShape::Envelope => policy.max_batch_size,
            BodyShape::Single => 1,
        };
        match st.queue.take_batch(max_items, max_bytes) {
            Some(batch) => {
                st.waiting_since = (!st.queue.is_empty()).then_some(now);
                st.backoff.sending(now, deadline);
                Step::Send(batch, st.backoff.round())
            }
            None => Step::Wait(None),
        }
    }

    /// How long before a flush or shutdown deadline its last attempt starts.
    fn last_attempt_slack(&self) -> Duration {
        self.spec.target.request_timeout.min(Duration::from_secs(1))
    }

    /// `send`, and if it panics (a user's `Transport`, say), its events are
    /// given up and reported instead of staying in flight forever.
    async fn send_guarded(self: Arc<Self>, batch: Batch, round: u64) {
        let batch_id = batch.id;
        let task = tokio::spawn(self.clone().send(batch, round));
        // Shutdown aborts this task; the request goes with it.
        let _abort = AbortOnDrop(task.abort_handle());
        if let Err(e) = task.await {
            if !e.is_panic() {
                return;
            }
            let message = format!("internal error: sending panicked ({})", panic_message(e.into_panic()));
            log::error!(target: "outbox", "{message}");
            let mut st = self.state.lock();
            st.queue.abandon(batch_id, DropReason::Rejected, None, &message);
            self.finish_request(st, batch_id);
        }
    }

    /// Sends one batch until it is delivered, given up, or sent back to the
    /// queue after a transient failure. `round` is the backoff round it was
    /// taken in.
    async fn send(self: Arc<Self>, batch: Batch, mut round: u64) {
        let batch_id = batch.id;
        let mut split_budget = retry::split_budget(batch.items.len());
        // Parts still to send, each marked when it came from a split; a 413,
        // or a 4xx blaming an event, splits a part in two.
        let mut parts = vec![(batch.items, false)];
        while let Some((mut items, from_split)) = parts.pop() {
            let request = self.build_request(&items);
            self.state.lock().queue.count_request(from_split);
            let started = Instant::now();
            let result = self.transport.send(request).await;
            let (outcome, status, retry_after, detail) = match &result {
                Ok(r) => (
                    retry::classify(r.status, self.spec.target.gone_disables),
                    Some(r.status),
                    r.retry_after.as_deref().and_then(|v| retry::parse_retry_after(v, SystemTime::now())),
                    format!("HTTP {}", r.status),
                ),
                // A request that cannot even be built will never succeed.
                Err(e) if e.is_permanent() => (Outcome::Rejected, None, None, e.to_string()),
                Err(e) => (Outcome::Transient, None, None, e.to_string()),
            };
            if self.spec.debug {
                log::debug!(target: "outbox", "POST {} ({} events): {} in {:?}", self.shown_url, items.len(), detail, started.elapsed());
            }
            let splittable = items.len() > 1
                && split_budget >= 2
                && match outcome {
                    Outcome::TooLarge => true,
                    Outcome::Rejected => status.is_some_and(retry::blames_an_event),
                    _ => false,
                };
            let mut log_after = None;
            let mut st = self.state.lock();
            match outcome {
                Outcome::Delivered => {
                    st.backoff.succeeded();
                    st.queue.delivered(batch_id, &items);
                }
                _ if splittable => {
                    if outcome == Outcome::Rejected {
                        split_budget -= 2;
                    }
                    let second = items.split_off(items.len() / 2);
                    parts.push((second, true));
                    parts.push((items, true));
                }
                Outcome::TooLarge => {
                    let message = match items.len() {
                        1 => "the receiver refused this single event as too large (413)".to_owned(),
                        n => format!("the receiver refused {n} events as too large (413) after splitting"),
                    };
                    st.queue.give_up(batch_id, items, DropReason::TooLarge, status, &message);
                }
                Outcome::Rejected => {
                    let message = format!("the receiver rejected the request ({detail}); not retried");
                    st.queue.give_up(batch_id, items, DropReason::Rejected, status, &message);
                }
                Outcome::Gone => {
                    st.gone = true;
                    st.queue.give_up(batch_id, items, DropReason::EndpointGone, status, GONE);
                    for (rest, _) in parts.drain(..) {
                        st.queue.give_up(batch_id, rest, DropReason::EndpointGone, status, GONE);
                    }
                    st.queue.drop_all(DropReason::EndpointGone, status, GONE);
                    log_after = Some(format!("{} answered 410 Gone: endpoint disabled", self.shown_url));
                }
                Outcome::Transient => {
                    // This part is charged an attempt; the parts not yet sent
                    // go back with it, uncharged.
                    let mut unsent: Vec<Item> = parts.drain(..).flat_map(|(rest, _)| rest).collect();
                    unsent.sort_by_key(|i| i.seq);
                    let policy = &self.spec.policy;
                    let delay = st.backoff.failed(round, Instant::now(), retry_after, &policy.backoff, ids::random_unit());
                    let message = format!("{detail}; retries exhausted");
                    st.queue.retry_later(batch_id, items, unsent, policy.max_retries, status, &message);
                    if self.spec.debug {
                        log_after = Some(format!("{}: {detail}; retrying in {delay:?}", self.shown_url));
                    }
                }
            }
            round = st.backoff.round();
            drop(st);
            if let Some(line) = log_after {
                if outcome == Outcome::Gone {
                    log::warn!(target: "outbox", "{line}");
                } else {
                    log::debug!(target: "outbox", "{line}");
                }
            }
        }
        let st = self.state.lock();
        self.finish_request(st, batch_id);
    }

    /// Forgets a finished request and passes on what it settled.
    fn finish_request(self: &Arc<Self>, mut st: parking_lot::MutexGuard<'_, State>, batch_id: u64) {
        st.requests.retain(|(id, _)| *id != batch_id);
        let acks = st.queue.take_acks();
        let reports = self.take_reports(&mut st);
        drop(st);
        self.write_acks(acks);
        self.hand_off(reports);
        self.settled.notify_all();
        self.wake.notify_one();
    }

    /// Takes the queue's reports as one group, counted until `report` is done with it.
    fn take_reports(&self, st: &mut State) -> Vec<DeliveryError> {
        let reports = st.queue.take_reports();
        if !reports.is_empty() {
            st.reports_taken += 1;
        }
        reports
    }

    /// Passes reports to a blocking thread that runs `on_error`: a slow
    /// callback never holds up the runtime (and with it every client's
    /// deliveries). Each lane's reports run one at a time, in order.
    fn hand_off(self: &Arc<Self>, reports: Vec<DeliveryError>) {
        if reports.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        st.report_queue.push_back(reports);
        if std::mem::replace(&mut st.reporter_running, true) {
            return;
        }
        drop(st);
        let me = self.clone();
        runtime::handle().spawn_blocking(move || me.drain_reports());
    }

    fn drain_reports(&self) {
        loop {
            let next = {
                let mut st = self.state.lock();
                match st.report_queue.pop_front() {
                    Some(reports) => reports,
                    None => {
                        st.reporter_running = false;
                        return;
                    }
                }
            };
            self.report(next);
        }
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
        let deadline = time::later(Instant::now(), timeout);
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
                Err(e) if e.is_permanent() => (Outcome::Rejected, None, e.to_string()),
                Err(e) => (Outcome::Transient, None, e.to_string()),
            };
            match outcome {
                Outcome::Delivered => return DeliverOutcome { delivered: true, status: last_status, attempts, error: None },
                Outcome::Transient if policy.max_retries.is_none_or(|m| attempts <= m) => {
                    let b = &policy.backoff;
                    let jittered = retry::backoff(attempts, b.initial, b.max, ids::random_unit());
                    let delay = retry::next_delay(jittered, retry_after, b.max_retry_after);
                    if time::later(Instant::now(), delay) >= deadline {
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
            let _scope = runtime::CallbackScope::enter();
            for report in &reports {
                if catch_unwind(AssertUnwindSafe(|| callback(report))).is_err() {
                    log::error!(target: "outbox", "the on_error callback panicked; delivery continues");
                }
            }
        }
        let mut st = self.state.lock();
        st.reports_done += 1;
        drop(st);
        self.settled.notify_all();
    }

    fn warn_rate_limited(&self, reports: &[DeliveryError]) {
        let mut w = self.warnings.lock();
        w.unreported += reports.iter().map(|r| r.count).sum::<u64>();
        let now = Instant::now();
        if w.last.is_some_and(|t| now.duration_since(t) < WARN_EVERY) {
            return;
        }
        let dropped = std::mem::take(&mut w.unreported);
        w.last = Some(now);
        // Logged after the lock: a logger may call back into Outbox.
        drop(w);
        log::warn!(target: "outbox", "{dropped} event(s) dropped since the last warning; latest: {}", reports[0]);
    }
}

enum Step {
    Stop,
    /// Send this batch, taken in this backoff round.
    Send(Batch, u64),
    Wait(Option<Instant>),
}

/// Aborts a task when dropped.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
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
        // A pipeline another thread is shutting down is waited for too.
        .filter(|p| !p.is_stopped() && !p.spec.policy.shutdown_timeout.is_zero())
        .collect();
    for p in &open {
        p.begin_shutdown();
    }
    let mut total = FlushResult::default();
    for p in &open {
        let deadline = time::later(start, p.spec.policy.shutdown_timeout);
        total.add(p.finish_shutdown(deadline));
    }
    total
}
