//! The error callback: what C receives, and the gate that guarantees no
//! callback runs (or is running) once its client or sender is freed.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use outbox_core::{DeliveryError, DropReason, OnError};

use crate::strings::c_string_lossy;

/// A group of events that will never be delivered, as the error callback
/// receives it. Every pointer in it, and the struct itself, is valid only
/// during the callback: copy what you need to keep.
#[repr(C)]
pub struct outbox_delivery_error_t {
    /// Why they were given up, a static snake_case string: `"queue_full"`
    /// (the queue was full and `on_full` chose them), `"rejected"` (a
    /// permanent 4xx), `"too_large"` (a 413 for a single event),
    /// `"retries_exhausted"` (`max_retries` transient failures),
    /// `"shutdown"` (still pending when shutdown reached its deadline) or
    /// `"endpoint_gone"` (a webhook endpoint answered 410 and was disabled).
    pub reason: *const c_char,
    /// The HTTP status that caused it, or 0 when there was none.
    pub status: u16,
    /// Exactly how many events were lost (may exceed `message_ids_len`).
    pub count: u64,
    /// Their message ids, `message_ids_len` of them (at most 1000 per
    /// report, so a storm of drops stays bounded in memory).
    pub message_ids: *const *const c_char,
    /// How many entries `message_ids` has (NULL when 0).
    pub message_ids_len: usize,
    /// A human-readable explanation (never NULL, may be empty).
    pub message: *const c_char,
    /// For webhook senders, the endpoint URL concerned; NULL for clients.
    pub endpoint: *const c_char,
}

/// The error callback: called with every group of events that will never be
/// delivered, with the `user_data` given when it was set.
///
/// Where it runs: on an Outbox background thread for events dropped while
/// delivering (rejected, retries exhausted, queue full, endpoint gone), or
/// on the thread calling `outbox_shutdown` / `outbox_client_free` (or the
/// exit hook) for events that shutdown gives up. It may run on several
/// threads, even at the same time, so `user_data` must be safe to use from
/// them. It never runs while Outbox holds a lock, so it may call the capture
/// functions (`outbox_track`, ...), but it must not call `outbox_flush`,
/// `outbox_shutdown`, `outbox_deliver` or free the client or sender (they
/// would wait on the very thread that is running the callback), and it must
/// not unwind (no C++ exception or `longjmp` may leave it). Once
/// `outbox_client_free` (or `outbox_webhook_sender_free`) returns, the
/// callback is never called again and no call is still running, so
/// `user_data` can be released then.
pub type outbox_on_error_fn = Option<unsafe extern "C" fn(error: *const outbox_delivery_error_t, user_data: *mut c_void)>;

/// A C callback and its user data, as a config stores it.
#[derive(Clone, Copy)]
pub(crate) struct CCallback {
    function: unsafe extern "C" fn(*const outbox_delivery_error_t, *mut c_void),
    user_data: usize,
}

impl CCallback {
    pub fn new(function: outbox_on_error_fn, user_data: *mut c_void) -> Option<CCallback> {
        function.map(|function| CCallback { function, user_data: user_data as usize })
    }

    /// The core callback, and the gate the owner closes before freeing.
    pub fn install(self) -> (OnError, Arc<Gate>) {
        let gate = Arc::new(Gate::default());
        let g = gate.clone();
        let on_error: OnError = Arc::new(move |report: &DeliveryError| {
            if !g.enter() {
                return;
            }
            let _leave = Leave(&g);
            self.call(report);
        });
        (on_error, gate)
    }

    fn call(&self, report: &DeliveryError) {
        let message = c_string_lossy(&report.message);
        let endpoint = report.endpoint.as_deref().map(c_string_lossy);
        let ids: Vec<CString> = report.message_ids.iter().map(|id| c_string_lossy(id)).collect();
        let id_ptrs: Vec<*const c_char> = ids.iter().map(|id| id.as_ptr()).collect();
        let error = outbox_delivery_error_t {
            reason: reason_name(report.reason).as_ptr(),
            status: report.status.unwrap_or(0),
            count: report.count,
            message_ids: if id_ptrs.is_empty() { std::ptr::null() } else { id_ptrs.as_ptr() },
            message_ids_len: id_ptrs.len(),
            message: message.as_ptr(),
            endpoint: endpoint.as_ref().map_or(std::ptr::null(), |e| e.as_ptr()),
        };
        IN_CALLBACK.with(|depth| depth.set(depth.get() + 1));
        // SAFETY: the caller promised a valid function; everything `error`
        // points to lives until the end of this function.
        unsafe { (self.function)(&error, self.user_data as *mut c_void) };
        IN_CALLBACK.with(|depth| depth.set(depth.get() - 1));
    }
}

fn reason_name(reason: DropReason) -> &'static CStr {
    match reason {
        DropReason::QueueFull => c"queue_full",
        DropReason::Rejected => c"rejected",
        DropReason::TooLarge => c"too_large",
        DropReason::RetriesExhausted => c"retries_exhausted",
        DropReason::Shutdown => c"shutdown",
        DropReason::EndpointGone => c"endpoint_gone",
    }
}

thread_local! {
    /// How many callbacks this thread is inside (so freeing from inside one
    /// does not wait for itself).
    static IN_CALLBACK: Cell<usize> = const { Cell::new(0) };
}

/// Counts callbacks in progress, per fork generation: a child process
/// inherits the count of parent threads that do not exist in it, so a count
/// from another generation is void.
#[derive(Default)]
pub(crate) struct Gate {
    /// High 32 bits: fork generation (truncated); low 32 bits: callbacks running.
    state: AtomicU64,
    closed: AtomicBool,
}

fn generation() -> u64 {
    outbox_core::fork::generation() & 0xFFFF_FFFF
}

impl Gate {
    fn enter(&self) -> bool {
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        let current = generation();
        let mut seen = self.state.load(Ordering::Acquire);
        loop {
            let next = if seen >> 32 == current { seen + 1 } else { (current << 32) | 1 };
            match self.state.compare_exchange_weak(seen, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => seen = now,
            }
        }
        if self.closed.load(Ordering::Acquire) {
            self.leave();
            return false;
        }
        true
    }

    fn leave(&self) {
        let current = generation();
        let _ = self.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, |seen| {
            (seen >> 32 == current && seen & 0xFFFF_FFFF > 0).then(|| seen - 1)
        });
    }

    /// Stops new callbacks and waits for running ones (unless called from
    /// inside one, which would wait for itself).
    pub fn close_and_wait(&self) {
        self.closed.store(true, Ordering::Release);
        if IN_CALLBACK.try_with(Cell::get).unwrap_or(0) > 0 {
            return;
        }
        loop {
            let seen = self.state.load(Ordering::Acquire);
            if seen >> 32 != generation() || seen & 0xFFFF_FFFF == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

struct Leave<'a>(&'a Gate);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}
