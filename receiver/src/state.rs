//! Everything the receiver remembers, behind one mutex.
//!
//! The lock is taken once per request (never per event), and id extraction
//! and record building happen before it is taken, so the worker threads
//! rarely wait on each other even at a million events per second.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;

use crate::faults::{Fault, FaultKind, FaultList};
use crate::http::Head;
use crate::Hooks;

/// Counters over ingest requests (control requests are never counted).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Ingest requests handled, faulted and rejected ones included (a client
    /// that vanishes before sending its whole body is not counted).
    pub requests: u64,
    /// Stored events, duplicates included.
    pub events: u64,
    /// Distinct stored message ids.
    pub unique_events: u64,
    /// Stored events whose id had been stored before.
    pub duplicate_events: u64,
    /// Requests answered 400 because the body was not JSON (or not gzip).
    pub bad_requests: u64,
    /// Decoded body bytes of requests whose events were stored.
    pub bytes: u64,
}

/// One ingest request as the receiver saw it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The request target as sent (path plus any query string).
    pub path: String,
    /// Header names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// Decoded body (raw when it claimed gzip but was not).
    pub body: Vec<u8>,
    /// Whether the request carried `Content-Encoding: gzip`.
    pub gzip: bool,
    /// Short name of the applied fault (`FaultKind::name`), if any.
    pub fault: Option<String>,
    /// Status answered; `None` for resets and hangs.
    pub status: Option<u16>,
    /// Milliseconds since the receiver started when the request head arrived.
    pub at_ms: u64,
    /// Event ids found in the body, whether or not they were stored.
    pub ids: Vec<String>,
}

impl RecordedRequest {
    /// Header value by case-insensitive name (the last one when repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    stats: Stats,
    /// Every distinct stored id. `Arc<str>` so the arrival-order list below
    /// shares the allocation instead of holding a second copy.
    seen: HashSet<Arc<str>, BuildHasherDefault<IdHasher>>,
    /// Every stored id in arrival order, duplicates included.
    ids: Vec<Arc<str>>,
    /// Recorded requests with their arrival sequence number: a delayed
    /// request is recorded when it completes, so order is restored on read.
    requests: Vec<(u64, RecordedRequest)>,
    faults: FaultList,
    /// Batches containing this text are refused with this status, as a
    /// receiver's validation refuses a bad event (see `Receiver::refuse_events_containing`).
    refusal: Option<(String, u16)>,
}

/// Identifies one request while it is being handled.
pub(crate) struct RequestCtx<'a> {
    pub seq: u64,
    pub at_ms: u64,
    pub head: &'a Head,
    pub fault: Option<&'static str>,
}

/// How a request ended.
pub(crate) struct Outcome<'a> {
    /// Decoded body (or raw, when decoding failed).
    pub body: &'a [u8],
    pub ids: &'a [Cow<'a, str>],
    pub status: Option<u16>,
    /// Whether the ids count as received.
    pub store: bool,
    /// Whether this was a bad request (unparseable body).
    pub bad: bool,
}

pub(crate) struct Shared {
    pub record_bodies: bool,
    hooks: Hooks,
    started: Instant,
    seq: AtomicU64,
    inner: Mutex<Inner>,
    /// Wakes `Receiver::wait_for_unique` (plain threads).
    stored_cond: Condvar,
    /// Wakes `/_control/wait` (async tasks).
    stored_notify: Notify,
}

impl Shared {
    pub fn with_hooks(record_bodies: bool, hooks: Hooks) -> Shared {
        Shared {
            record_bodies,
            hooks,
            started: Instant::now(),
            seq: AtomicU64::new(0),
            inner: Mutex::new(Inner::default()),
            stored_cond: Condvar::new(),
            stored_notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock, but if a test thread ever
        // did, the data is still consistent enough for a test receiver.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether requests are turned into [`RecordedRequest`]s, to keep or to
    /// hand to the `on_request` hook.
    pub fn builds_records(&self) -> bool {
        self.record_bodies || self.hooks.on_request.is_some()
    }

    /// The status answered when no fault rule matches (200 by default).
    pub fn answer_status(&self) -> u16 {
        self.hooks.status.unwrap_or(200)
    }

    /// Stamps a request whose head just arrived.
    pub fn arrival(&self) -> (u64, u64) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        (seq, self.started.elapsed().as_millis() as u64)
    }

    pub fn push_fault(&self, f: Fault) {
        self.lock().faults.push(f);
    }

    pub fn push_faults(&self, fs: Vec<Fault>) {
        let mut inner = self.lock();
        for f in fs {
            inner.faults.push(f);
        }
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub fn set_refusal(&self, refusal: Option<(String, u16)>) {
        self.lock().refusal = refusal;
    }

    /// The refusal status if `body` contains the refused text.
    pub fn refuses(&self, body: &[u8]) -> Option<u16> {
        let inner = self.lock();
        let (needle, status) = inner.refusal.as_ref()?;
        body.windows(needle.len().max(1)).any(|w| w == needle.as_bytes()).then_some(*status)
    }

    pub fn take_fault(&self, path: &str) -> Option<FaultKind> {
        self.lock().faults.take(path)
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        let mut reqs = self.lock().requests.clone();
        reqs.sort_by_key(|(seq, _)| *seq);
        reqs.into_iter().map(|(_, r)| r).collect()
    }

    pub fn message_ids(&self) -> Vec<String> {
        self.lock().ids.iter().map(|id| id.to_string()).collect()
    }

    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    /// Counts (and, when recording, records) a finished ingest request, and
    /// stores its ids when `outcome.store`.
    pub fn finish(&self, ctx: &RequestCtx<'_>, outcome: Outcome<'_>) {
        // Build the record outside the lock: it copies the body and headers.
        let record = self.builds_records().then(|| RecordedRequest {
            method: ctx.head.method.clone(),
            path: ctx.head.target.clone(),
            headers: ctx.head.headers.clone(),
            body: outcome.body.to_vec(),
            gzip: ctx.head.is_gzip(),
            fault: ctx.fault.map(str::to_string),
            status: outcome.status,
            at_ms: ctx.at_ms,
            ids: outcome.ids.iter().map(|id| id.to_string()).collect(),
        });
        // The hook gets its own copy only when the record is also kept.
        let (kept, observed) = match (record, &self.hooks.on_request) {
            (Some(r), Some(hook)) if self.record_bodies => (Some(r.clone()), Some((hook, r))),
            (Some(r), Some(hook)) => (None, Some((hook, r))),
            (r, None) => (r, None),
            (None, Some(_)) => (None, None),
        };

        let mut inner = self.lock();
        inner.stats.requests += 1;
        if outcome.bad {
            inner.stats.bad_requests += 1;
        }
        if outcome.store {
            inner.stats.bytes += outcome.body.len() as u64;
            inner.stats.events += outcome.ids.len() as u64;
            inner.ids.reserve(outcome.ids.len());
            for id in outcome.ids {
                let id: &str = id;
                // Insert first: new ids (the common case) are hashed once.
                let fresh: Arc<str> = Arc::from(id);
                if inner.seen.insert(fresh.clone()) {
                    inner.stats.unique_events += 1;
                    inner.ids.push(fresh);
                } else {
                    inner.stats.duplicate_events += 1;
                    // Share the stored allocation rather than keep a copy.
                    let known = inner.seen.get(id).cloned().unwrap_or(fresh);
                    inner.ids.push(known);
                }
            }
        }
        if let Some(r) = kept {
            inner.requests.push((ctx.seq, r));
        }
        let stored = outcome.store && !outcome.ids.is_empty();
        drop(inner);
        if let Some((hook, r)) = observed {
            // Outside the lock; a panicking hook must not take the
            // connection (or the receiver) down with it.
            let _ = catch_unwind(AssertUnwindSafe(|| hook(&r)));
        }
        if stored {
            self.stored_cond.notify_all();
            self.stored_notify.notify_waiters();
        }
    }

    /// Blocks the calling thread until `unique_events >= n` or the timeout.
    pub fn wait_for_unique(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut inner = self.lock();
        loop {
            if inner.stats.unique_events >= n {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            inner = self.stored_cond.wait_timeout(inner, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// The async twin of `wait_for_unique`, for the control API.
    pub async fn wait_for_unique_async(&self, n: u64, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before checking, so a store between the
            // check and the await is not missed.
            let notified = self.stored_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().stats.unique_events >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.lock().stats.unique_events >= n;
            }
        }
    }
}

/// Hasher for the id set. Ids come from our own tests, not an adversary, so
/// SipHash's flooding resistance buys nothing, and it was the largest cost in
/// the throughput profile. FxHash-style word mixing with a murmur3 finalizer
/// (so hashbrown's low and high bits are both well spread).
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.add(bytes.len() as u64);
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.add(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}
