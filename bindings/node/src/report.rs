//! Where `on_error` reports go, and the per-environment registry the exit
//! hooks use.
//!
//! The engine calls `on_error` on one of its threads. Normally the report
//! crosses to JavaScript through a *weak* threadsafe function (it never keeps
//! the event loop alive). While JavaScript waits on a synchronous or awaited
//! shutdown, reports are captured instead and handed back with the result, so
//! that `onError` has seen every loss before `shutdown()` resolves or the
//! process exits.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use outbox_engine::{DeliveryError, FlushResult, Health, Stats};

/// What JavaScript's `onError` dispatcher receives.
#[napi(object)]
#[derive(Clone)]
pub struct ErrorReport {
    pub reason: String,
    pub status: Option<u32>,
    pub message: String,
    pub count: f64,
    pub message_ids: Vec<String>,
    pub endpoint: Option<String>,
}

impl From<&DeliveryError> for ErrorReport {
    fn from(e: &DeliveryError) -> ErrorReport {
        ErrorReport {
            reason: e.reason.as_str().to_owned(),
            status: e.status.map(u32::from),
            message: e.message.clone(),
            count: e.count as f64,
            message_ids: e.message_ids.clone(),
            endpoint: e.endpoint.clone(),
        }
    }
}

/// A weak (unref'd) threadsafe function taking one report, not callee-handled.
pub type ReportFn = ThreadsafeFunction<ErrorReport, (), ErrorReport, Status, false, true>;

pub struct Route {
    tsfn: Option<ReportFn>,
    captured: Mutex<Option<Vec<ErrorReport>>>,
}

impl Route {
    pub fn new(tsfn: Option<ReportFn>) -> Arc<Route> {
        Arc::new(Route { tsfn, captured: Mutex::new(None) })
    }

    pub fn report(&self, e: &DeliveryError) {
        if self.tsfn.is_none() {
            return;
        }
        if let Ok(mut slot) = self.captured.lock() {
            if let Some(list) = slot.as_mut() {
                list.push(e.into());
                return;
            }
        }
        if let Some(tsfn) = &self.tsfn {
            // Fails only while the environment is shutting down: nobody is left to tell.
            let _ = tsfn.call(e.into(), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    /// From now until `end_capture`, reports are kept rather than sent.
    pub fn begin_capture(&self) {
        if let Ok(mut slot) = self.captured.lock() {
            slot.get_or_insert_with(Vec::new);
        }
    }

    pub fn end_capture(&self) -> Vec<ErrorReport> {
        self.captured.lock().ok().and_then(|mut slot| slot.take()).unwrap_or_default()
    }

    /// The `on_error` option for the engine.
    pub fn on_error(self: &Arc<Route>) -> Option<outbox_engine::OnError> {
        self.tsfn.as_ref()?;
        let route = self.clone();
        Some(Arc::new(move |e: &DeliveryError| route.report(e)))
    }
}

/// A client or webhook sender as the exit hooks see it.
pub trait Closeable: Send + Sync {
    fn key(&self) -> u32;
    fn route(&self) -> &Arc<Route>;
    fn shutdown_timeout(&self) -> Duration;
    fn shutdown(&self, timeout: Duration) -> FlushResult;
    fn flush(&self, timeout: Duration) -> FlushResult;
    fn stats(&self) -> Stats;
    fn health(&self) -> Health;
}

static NEXT_KEY: AtomicU32 = AtomicU32::new(1);

pub fn next_key() -> u32 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

thread_local! {
    /// The clients and senders created by the JavaScript environment running
    /// on this thread (the main thread, or one worker's thread).
    static ENV: RefCell<Vec<Weak<dyn Closeable>>> = const { RefCell::new(Vec::new()) };
}

pub fn register(item: Weak<dyn Closeable>) {
    ENV.with(|env| {
        let mut env = env.borrow_mut();
        env.retain(|w| w.strong_count() > 0);
        env.push(item);
    });
}

fn live() -> Vec<Arc<dyn Closeable>> {
    ENV.with(|env| env.borrow().iter().filter_map(Weak::upgrade).collect())
}

/// Reports captured during an exit shutdown, for one client.
#[napi(object)]
pub struct CapturedReports {
    pub key: u32,
    pub errors: Vec<ErrorReport>,
}

/// Shuts down at exit. On the main thread every open client and sender of
/// the process goes (`outbox_engine::shutdown_all`: each with its own
/// `shutdownTimeoutMs`, all at once); in a worker, those this worker made.
/// Reports of this environment's clients are returned for `onError`.
pub fn shutdown_at_exit(main_thread: bool) -> Vec<CapturedReports> {
    let items = live();
    for item in &items {
        item.route().begin_capture();
    }
    if main_thread {
        outbox_engine::shutdown_all();
    } else {
        let open: Vec<&Arc<dyn Closeable>> = items.iter().filter(|i| !i.shutdown_timeout().is_zero()).collect();
        std::thread::scope(|scope| {
            for &item in &open {
                let spawned = std::thread::Builder::new()
                    .name("outbox-exit".into())
                    .spawn_scoped(scope, move || item.shutdown(item.shutdown_timeout()));
                if spawned.is_err() {
                    item.shutdown(item.shutdown_timeout());
                }
            }
        });
    }
    items
        .iter()
        .map(|item| CapturedReports { key: item.key(), errors: item.route().end_capture() })
        .filter(|c| !c.errors.is_empty())
        .collect()
}
