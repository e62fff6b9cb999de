//! The error callback: what C receives, and the gate that guarantees no
//! callback runs (or is running) once its client or sender is freed.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use outbox_engine::{DeliveryError, DropReason, OnError};

use crate::cstr::c_string_lossy;
use crate::status::keeping_last_error;
use sync::{AtomicU64, Ordering};

/// std in the library; loom's models of it in the gate's model test
/// (`RUSTFLAGS="--cfg outbox_loom"`, see `loom_model` below; not plain
/// `--cfg loom`, which changes tokio and breaks the crates built on it).
#[cfg(not(all(test, outbox_loom)))]
mod sync {
    pub use std::sync::atomic::{AtomicU64, Ordering};
    pub use std::thread_local;

    /// Between two looks at the callbacks still running.
    pub fn pause() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
#[cfg(all(test, outbox_loom))]
mod sync {
    pub use loom::sync::atomic::{AtomicU64, Ordering};
    pub use loom::thread_local;

    pub fn pause() {
        loom::thread::yield_now();
    }
}

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
/// on the thread calling `outbox_shutdown` / `outbox_client_free` for events
/// that shutdown gives up. It may run on several threads, even at the same
/// time, so `user_data` must be safe to use from them. It never runs while
/// Outbox holds a lock, and it must not unwind (no C++ exception or
/// `longjmp` may leave it).
///
/// What it may call: the capture functions (`outbox_track`, ...), and
/// `outbox_flush`, `outbox_shutdown` and `outbox_deliver`, which complete
/// (a flush from inside the client's own callback waits for deliveries,
/// not for the reports queued behind the callback itself). It may free its
/// own client (or sender): see `outbox_client_free`. Calls it makes do not
/// change the caller's `outbox_last_error()`.
///
/// Once `outbox_client_free` (or `outbox_webhook_sender_free`) returns, the
/// callback is never called again and no call is still running (except the
/// one that called the free, if any), so `user_data` can be released then.
/// The exit hook (see `outbox_client_new`) never calls it: after `main`
/// returns, `user_data` may point into a stack frame or an object already
/// destroyed. Events given up at exit are not reported.
pub type outbox_on_error_fn =
    Option<unsafe extern "C" fn(error: *const outbox_delivery_error_t, user_data: *mut c_void)>;

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
            let Some(_inside) = Inside::callback(&g) else { return };
            // A call the callback makes (a failing outbox_track, say) must not
            // become the last error of the outbox_shutdown or free running it.
            keeping_last_error(|| self.call(report));
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
        // SAFETY: the caller promised a valid function; everything `error`
        // points to lives until the end of this function.
        unsafe { (self.function)(&error, self.user_data as *mut c_void) };
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

/// Lets callbacks start until it is closed, and counts those running, so a
/// free can stop new ones and then wait for the rest.
///
/// One atomic word holds both the closed flag and the count. `enter` and
/// `close` are read-modify-writes of that one word, so whichever comes
/// second sees the other: a callback either sees the gate closed, or is
/// counted before the free looks. (A separate flag and counter is the
/// store-buffering pattern: under acquire/release each side can miss the
/// other's write, and a callback could start after the free returned. The
/// loom model below checks this.) No lock: a child process forked while
/// another thread held one would hang on it.
///
/// Bits 63-32: the fork generation (truncated); 31: closed; 30: being
/// freed; 29-0: callbacks running. A child process inherits the count of
/// parent threads that do not exist in it, so a count from another
/// generation is void.
#[derive(Default)]
pub(crate) struct Gate {
    state: AtomicU64,
}

const CLOSED: u64 = 1 << 31;
const FREEING: u64 = 1 << 30;
const RUNNING: u64 = FREEING - 1;
const FLAGS: u64 = CLOSED | FREEING;

fn generation() -> u64 {
    outbox_engine::bindings::generation() & 0xFFFF_FFFF
}

impl Gate {
    /// Counts a callback in, unless the gate is closed.
    fn enter(&self) -> bool {
        let current = generation();
        self.state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |seen| {
                if seen & CLOSED != 0 {
                    return None;
                }
                Some(if seen >> 32 == current { seen + 1 } else { (current << 32) | (seen & FLAGS) | 1 })
            })
            .is_ok()
    }

    fn leave(&self) {
        let current = generation();
        let _ = self.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, |seen| {
            (seen >> 32 == current && seen & RUNNING > 0).then(|| seen - 1)
        });
    }

    /// Callbacks running now, in this process.
    fn running(&self) -> u64 {
        let seen = self.state.load(Ordering::Acquire);
        if seen >> 32 == generation() {
            seen & RUNNING
        } else {
            0
        }
    }

    /// Marks the owner as being freed. False if it already is: a second
    /// free, from a callback that the first free's shutdown runs.
    fn begin_free(&self) -> bool {
        self.state.fetch_or(FREEING, Ordering::AcqRel) & FREEING == 0
    }

    /// Stops new callbacks and waits for the running ones, except those
    /// this thread is inside (waiting for them would never end).
    fn close_and_wait(&self) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let mine = callbacks_entered_here(self);
        while self.running() > mine {
            sync::pause();
        }
    }
}

/// Frees a client or sender as `*_free` promises: when it returns, none of
/// its callbacks is running or will start, except one this thread is inside.
///
/// `free` drops the owner, which shuts it down (its shutdown may run
/// callbacks on this thread). From inside one of the owner's own callbacks
/// (or inside its `outbox_shutdown`), the owner cannot be dropped yet: the
/// code running the callback still uses it. Then the gate closes and the
/// other threads' callbacks are waited for now, and `free` runs on this
/// thread once the outermost of those calls returns.
pub(crate) fn free_owner(gate: Option<Arc<Gate>>, free: Box<dyn FnOnce()>) {
    let Some(gate) = gate else { return free() };
    if !gate.begin_free() {
        // Freed again by a callback its first free runs: that free goes on.
        return;
    }
    if is_inside(&gate) {
        gate.close_and_wait();
        defer_to_outermost(&gate, free);
    } else {
        free();
        gate.close_and_wait();
    }
}

/// Something this thread is inside: a callback of a gate's owner, or a call
/// on that owner that may run its callbacks on this thread.
struct Scope {
    gate: *const Gate,
    callback: bool,
    /// A free of the owner, waiting for this (outermost) scope to end.
    deferred_free: Option<Box<dyn FnOnce()>>,
}

sync::thread_local! {
    /// Innermost last. (Not a `const` initializer: loom's macro takes none.)
    #[allow(clippy::missing_const_for_thread_local)]
    static SCOPES: RefCell<Vec<Scope>> = RefCell::new(Vec::new());
}

fn callbacks_entered_here(gate: &Gate) -> u64 {
    SCOPES
        .try_with(|scopes| scopes.borrow().iter().filter(|s| s.callback && std::ptr::eq(s.gate, gate)).count() as u64)
        .unwrap_or(0)
}

fn is_inside(gate: &Gate) -> bool {
    SCOPES.try_with(|scopes| scopes.borrow().iter().any(|s| std::ptr::eq(s.gate, gate))).unwrap_or(false)
}

fn defer_to_outermost(gate: &Gate, free: Box<dyn FnOnce()>) {
    let _ = SCOPES.try_with(|scopes| {
        if let Some(outermost) = scopes.borrow_mut().iter_mut().find(|s| std::ptr::eq(s.gate, gate)) {
            outermost.deferred_free = Some(free);
        }
    });
}

/// This thread is inside a callback (or call) of a gate's owner until
/// dropped; runs a free deferred to it.
pub(crate) struct Inside {
    gate: Arc<Gate>,
    callback: bool,
}

impl Inside {
    /// A callback about to run; `None` when it must not (the gate is closed,
    /// or the process is exiting).
    fn callback(gate: &Arc<Gate>) -> Option<Inside> {
        if crate::exit::exiting() || !gate.enter() {
            return None;
        }
        Some(Inside::push(gate, true))
    }

    /// A call that may run the owner's callbacks on this thread
    /// (`outbox_shutdown`): a free from one of them waits for its end.
    pub fn call(gate: Option<&Arc<Gate>>) -> Option<Inside> {
        gate.map(|gate| Inside::push(gate, false))
    }

    fn push(gate: &Arc<Gate>, callback: bool) -> Inside {
        let scope = Scope { gate: Arc::as_ptr(gate), callback, deferred_free: None };
        let _ = SCOPES.try_with(|scopes| scopes.borrow_mut().push(scope));
        Inside { gate: gate.clone(), callback }
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let scope = SCOPES.try_with(|scopes| scopes.borrow_mut().pop()).ok().flatten();
        if self.callback {
            self.gate.leave();
        }
        if let Some(free) = scope.and_then(|s| s.deferred_free) {
            // A panic must not unwind out of a drop (or across C).
            let _ = catch_unwind(AssertUnwindSafe(free));
        }
    }
}

/// Model checks of the gate under every interleaving and memory ordering
/// loom can produce. Run by `make sanitize`:
/// `RUSTFLAGS="--cfg outbox_loom" cargo test -p outbox-ffi --release --lib loom`.
/// `user_data` is a loom cell: loom fails the test if a callback's read of
/// it is not ordered before the write that stands for releasing it.
#[cfg(all(test, outbox_loom))]
mod loom_model {
    // loom's cells stand for the user's memory, shared the way C shares it.
    #![allow(clippy::arc_with_non_send_sync)]

    use super::*;
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::AtomicUsize;

    /// A callback as `CCallback::install` runs it, with `body` for the C function.
    fn run_callback(gate: &Arc<Gate>, body: impl FnOnce()) {
        if let Some(_inside) = Inside::callback(gate) {
            body();
        }
    }

    fn counting_free(frees: &Arc<AtomicUsize>) -> Box<dyn FnOnce()> {
        let frees = frees.clone();
        Box::new(move || {
            frees.fetch_add(1, Ordering::SeqCst);
        })
    }

    #[test]
    fn loom_no_callback_runs_after_free_returns() {
        loom::model(|| {
            let gate = Arc::new(Gate::default());
            let user_data = Arc::new(UnsafeCell::new(0u32));
            let frees = Arc::new(AtomicUsize::new(0));
            let reporter = {
                let (gate, user_data) = (gate.clone(), user_data.clone());
                loom::thread::spawn(move || run_callback(&gate, || user_data.with(|p| assert_eq!(unsafe { *p }, 0))))
            };
            free_owner(Some(gate.clone()), counting_free(&frees));
            assert_eq!(frees.load(Ordering::SeqCst), 1);
            user_data.with_mut(|p| unsafe { *p = 1 });
            reporter.join().unwrap();
        });
    }

    #[test]
    fn loom_free_from_own_callback_waits_for_other_threads_then_frees_after_it() {
        loom::model(|| {
            let gate = Arc::new(Gate::default());
            let user_data = Arc::new(UnsafeCell::new(0u32));
            let frees = Arc::new(AtomicUsize::new(0));
            let other = {
                let (gate, user_data) = (gate.clone(), user_data.clone());
                loom::thread::spawn(move || run_callback(&gate, || user_data.with(|p| assert_eq!(unsafe { *p }, 0))))
            };
            run_callback(&gate, || {
                free_owner(Some(gate.clone()), counting_free(&frees));
                // Still inside the callback: not freed yet, and no other runs.
                assert_eq!(frees.load(Ordering::SeqCst), 0);
                user_data.with_mut(|p| unsafe { *p = 1 });
            });
            assert_eq!(frees.load(Ordering::SeqCst), 1);
            other.join().unwrap();
            assert_eq!(frees.load(Ordering::SeqCst), 1);
        });
    }

    #[test]
    fn loom_free_from_another_owners_callback_waits_for_that_owners_callbacks() {
        loom::model(|| {
            let a = Arc::new(Gate::default());
            let b = Arc::new(Gate::default());
            let b_data = Arc::new(UnsafeCell::new(0u32));
            let frees = Arc::new(AtomicUsize::new(0));
            let b_reporter = {
                let (b, b_data) = (b.clone(), b_data.clone());
                loom::thread::spawn(move || run_callback(&b, || b_data.with(|p| assert_eq!(unsafe { *p }, 0))))
            };
            run_callback(&a, || {
                free_owner(Some(b.clone()), counting_free(&frees));
                assert_eq!(frees.load(Ordering::SeqCst), 1);
                b_data.with_mut(|p| unsafe { *p = 1 });
            });
            b_reporter.join().unwrap();
        });
    }

    #[test]
    fn loom_a_second_free_from_a_callback_of_the_first_is_ignored() {
        loom::model(|| {
            let gate = Arc::new(Gate::default());
            let frees = Arc::new(AtomicUsize::new(0));
            let inner = {
                let (gate, frees) = (gate.clone(), frees.clone());
                // The owner's drop runs a shutdown report, which frees again.
                Box::new(move || {
                    run_callback(&gate, || free_owner(Some(gate.clone()), counting_free(&frees)));
                    frees.fetch_add(1, Ordering::SeqCst);
                })
            };
            free_owner(Some(gate), inner);
            assert_eq!(frees.load(Ordering::SeqCst), 1);
        });
    }
}
