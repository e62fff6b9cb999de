//! What a `NativeClient` and a `NativeWebhookSender` share, written once
//! over `outbox_engine::Sender`: the engine object with what the exit hooks
//! need ([`Shared`]), flush and shutdown on Node's thread pool, the
//! counters, and a drop that never blocks Node's thread.

use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Function, Unknown};
use napi::{Env, JsValue, Task};
use napi_derive::napi;

use outbox_engine::{DropReason, FlushResult, Health, Sender, Stats};

use crate::convert::Limit;
use crate::js::{Fail, Js, Raw, R};
use crate::options::millis_value;
use crate::report::{next_key, register, Closeable, ErrorReport, Route};

/// An engine client or webhook sender, and what the exit hooks need to
/// know about it.
pub struct Shared<S: Sender> {
    pub engine: ManuallyDrop<S>,
    pub key: u32,
    pub route: Arc<Route>,
    pub shutdown_timeout: Duration,
    /// `maxEventBytes` / `maxMessageBytes`: conversion stops there (see convert.rs).
    pub limit: Limit,
}

impl<S: Sender> Shared<S> {
    /// Wraps `engine` and registers it with this environment's exit hooks.
    pub fn register(engine: S, route: Arc<Route>, shutdown_timeout: Duration, limit: Limit) -> Arc<Shared<S>> {
        let shared =
            Arc::new(Shared { engine: ManuallyDrop::new(engine), key: next_key(), route, shutdown_timeout, limit });
        let weak: Weak<dyn Closeable> = Arc::downgrade(&(shared.clone() as Arc<dyn Closeable>));
        register(weak);
        shared
    }

    /// The lifecycle half of the native object, for `index.js`.
    pub fn lifecycle(self: &Arc<Self>) -> NativeLifecycle {
        NativeLifecycle { target: self.clone() }
    }
}

impl<S: Sender> Closeable for Shared<S> {
    fn key(&self) -> u32 {
        self.key
    }
    fn route(&self) -> &Arc<Route> {
        &self.route
    }
    fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
    fn shutdown(&self, timeout: Duration) -> FlushResult {
        self.engine.shutdown(timeout)
    }
    fn flush(&self, timeout: Duration) -> FlushResult {
        self.engine.flush(timeout)
    }
    fn stats(&self) -> Stats {
        self.engine.stats()
    }
    fn health(&self) -> Health {
        self.engine.health()
    }
}

/// Flush, shutdown, the counters and what the exit hooks read, for a client
/// and a webhook sender alike: `index.js`'s `Lane` (the base of `Client`
/// and `WebhookSender`) drives both through it.
#[napi]
pub struct NativeLifecycle {
    target: Arc<dyn Closeable>,
}

#[napi]
impl NativeLifecycle {
    /// `flush(timeoutMs)`: a Promise of the outcome (default 30 s).
    #[napi]
    pub fn flush(&self, env: Env, timeout_ms: Unknown<'_>) -> napi::Result<AsyncTask<FlushTask>> {
        self.task(env, timeout_ms, Op::Flush, Duration::from_secs(30), "flush(timeoutMs)")
    }

    /// `shutdown(timeoutMs)`: a Promise of the outcome (default `shutdownTimeoutMs`).
    #[napi]
    pub fn shutdown(&self, env: Env, timeout_ms: Unknown<'_>) -> napi::Result<AsyncTask<FlushTask>> {
        self.task(env, timeout_ms, Op::Shutdown, self.target.shutdown_timeout(), "shutdown(timeoutMs)")
    }

    /// Shuts down on this thread (exit hooks: at most `timeoutMs`).
    #[napi]
    pub fn shutdown_sync(&self, timeout_ms: f64) -> FlushOutput {
        let timeout = Duration::try_from_secs_f64(timeout_ms.max(0.0) / 1000.0).unwrap_or(Duration::ZERO);
        run_flush(self.target.as_ref(), Op::Shutdown, timeout)
    }

    #[napi]
    pub fn stats(&self) -> StatsOutput {
        StatsOutput::new(self.target.stats(), self.target.health())
    }

    /// Events queued or in flight (cheaper than `stats()` for exit hooks).
    #[napi]
    pub fn pending(&self) -> f64 {
        self.target.stats().pending as f64
    }

    #[napi(getter)]
    pub fn key(&self) -> u32 {
        self.target.key()
    }

    #[napi(getter)]
    pub fn shutdown_timeout_ms(&self) -> f64 {
        self.target.shutdown_timeout().as_secs_f64() * 1000.0
    }
}

impl NativeLifecycle {
    fn task(
        &self,
        env: Env,
        timeout_ms: Unknown<'_>,
        op: Op,
        default: Duration,
        call: &str,
    ) -> napi::Result<AsyncTask<FlushTask>> {
        let js = Js::new(env.raw());
        let timeout = timeout_arg(js, timeout_ms.raw(), default, call).map_err(|f| js.throw(f))?;
        Ok(AsyncTask::new(FlushTask { target: self.target.clone(), op, timeout }))
    }
}

impl<S: Sender> Drop for Shared<S> {
    fn drop(&mut self) {
        // SAFETY: taken once, here; the field is never used again.
        let engine = unsafe { ManuallyDrop::take(&mut self.engine) };
        let pending = engine.stats().pending;
        off_thread_drop(engine, pending, |e| {
            e.shutdown(Duration::ZERO);
        });
    }
}

/// Drops an engine object without blocking the calling thread, which may be
/// Node's main thread (a garbage-collected client): with events pending, the
/// drop (a shutdown of up to `shutdownTimeoutMs`) runs on its own thread.
fn off_thread_drop<T: Send + 'static>(value: T, pending: u64, give_up: fn(&T)) {
    if pending == 0 {
        // Nothing to wait for: the shutdown in its `Drop` returns at once.
        drop(value);
        return;
    }
    let slot = Arc::new(Mutex::new(Some(value)));
    let theirs = slot.clone();
    let spawned = std::thread::Builder::new().name("outbox-drop".into()).spawn(move || {
        let value = theirs.lock().ok().and_then(|mut s| s.take());
        drop(value);
    });
    if spawned.is_err() {
        // No thread to wait on: give the events up now rather than block.
        if let Some(value) = slot.lock().ok().and_then(|mut s| s.take()) {
            give_up(&value);
            drop(value);
        }
    }
}

pub type OnErrorFn<'f> = Function<'f, ErrorReport, ()>;

/// A weak threadsafe function over the JavaScript dispatcher, if any.
pub fn route_for(on_error: Option<OnErrorFn<'_>>) -> napi::Result<Arc<Route>> {
    let tsfn = match on_error {
        Some(f) => Some(f.build_threadsafe_function::<ErrorReport>().callee_handled::<false>().weak::<true>().build()?),
        None => None,
    };
    Ok(Route::new(tsfn))
}

/// A timeout argument in milliseconds: `undefined` gives `default`,
/// `Infinity` waits without limit.
pub fn timeout_arg(js: Js, v: Raw, default: Duration, call: &str) -> R<Duration> {
    if js.is_nullish(v)? {
        return Ok(default);
    }
    millis_value(js, v, true)?.ok_or_else(|| {
        Fail::Type(format!(
            "{call}: timeoutMs must be a number of milliseconds (0 or more, or Infinity), not {}",
            js.describe(v)
        ))
    })
}

/// Counters, as `index.js` receives them.
#[napi(object)]
pub struct StatsOutput {
    pub enqueued: f64,
    pub delivered: f64,
    pub pending: f64,
    pub requests: f64,
    pub retries: f64,
    pub split_requests: f64,
    pub spool_errors: f64,
    /// Indexed like `dropReasons()`.
    pub dropped_by_reason: Vec<f64>,
    pub last_error: Option<String>,
    /// Unix milliseconds.
    pub last_success_ms: Option<f64>,
    pub consecutive_failures: u32,
}

impl StatsOutput {
    pub fn new(s: Stats, h: Health) -> StatsOutput {
        StatsOutput {
            last_success_ms: h.last_success_unix_ms().map(|ms| ms as f64),
            last_error: h.last_error,
            consecutive_failures: h.consecutive_failures,
            enqueued: s.enqueued as f64,
            delivered: s.delivered as f64,
            pending: s.pending as f64,
            requests: s.requests as f64,
            retries: s.retries as f64,
            split_requests: s.split_requests as f64,
            spool_errors: s.spool_errors as f64,
            dropped_by_reason: DropReason::ALL.iter().map(|r| s.dropped(*r) as f64).collect(),
        }
    }
}

/// The names of drop reasons, in the order of `droppedByReason`.
#[napi]
pub fn drop_reasons() -> Vec<String> {
    DropReason::ALL.iter().map(|r| r.as_str().to_owned()).collect()
}

/// The outcome of `flush` / `shutdown`, with the reports captured meanwhile.
#[napi(object)]
pub struct FlushOutput {
    pub delivered: f64,
    pub failed: f64,
    pub pending: f64,
    pub errors: Vec<ErrorReport>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Flush,
    Shutdown,
}

/// Runs a blocking flush or shutdown on Node's thread pool.
pub struct FlushTask {
    target: Arc<dyn Closeable>,
    op: Op,
    timeout: Duration,
}

fn run_flush(target: &dyn Closeable, op: Op, timeout: Duration) -> FlushOutput {
    let route = target.route();
    route.begin_capture();
    let result = catch_unwind(AssertUnwindSafe(|| match op {
        Op::Flush => target.flush(timeout),
        Op::Shutdown => target.shutdown(timeout),
    }));
    let errors = route.end_capture();
    let r = result.unwrap_or_default();
    FlushOutput { delivered: r.delivered as f64, failed: r.failed as f64, pending: r.pending as f64, errors }
}

impl Task for FlushTask {
    type Output = FlushOutput;
    type JsValue = FlushOutput;

    fn compute(&mut self) -> napi::Result<FlushOutput> {
        Ok(run_flush(self.target.as_ref(), self.op, self.timeout))
    }

    fn resolve(&mut self, _env: Env, output: FlushOutput) -> napi::Result<FlushOutput> {
        Ok(output)
    }
}
