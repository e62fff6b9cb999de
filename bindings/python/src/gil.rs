//! Entering Python from Outbox's own threads, safely around interpreter exit.
//!
//! Outbox's background threads call into Python for two things only: the
//! `on_error` callback and log records. Both must stop before the
//! interpreter finalizes: a native thread that takes the GIL after
//! finalization began hangs or is torn down by CPython.
//!
//! So the exit hook (registered with `atexit`, which runs before
//! finalization) first delivers what it can, then raises `FINALIZING` and
//! waits, with the GIL released, for every thread already inside Python to
//! leave. After that, no Outbox thread enters Python again; the callback is
//! skipped and warnings go to stderr instead.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::Python;

static FINALIZING: AtomicBool = AtomicBool::new(false);
static INSIDE: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` attached to the interpreter, unless the interpreter is exiting
/// (then returns `None` without touching Python).
pub fn enter<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> Option<R> {
    INSIDE.fetch_add(1, Ordering::SeqCst);
    let result = if FINALIZING.load(Ordering::SeqCst) { None } else { Python::try_attach(f) };
    INSIDE.fetch_sub(1, Ordering::SeqCst);
    result
}

/// True once the exit hook has closed the door.
pub fn finalizing() -> bool {
    FINALIZING.load(Ordering::SeqCst)
}

/// Closes the door, then waits up to `limit` for threads already inside
/// Python to leave. Call with the GIL released.
pub fn close_and_wait(limit: Duration) {
    FINALIZING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + limit;
    while INSIDE.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// In a forked child: threads that were inside Python in the parent do not
/// exist here, and the child is not exiting.
pub fn reset_after_fork() {
    INSIDE.store(0, Ordering::SeqCst);
    FINALIZING.store(false, Ordering::SeqCst);
}
