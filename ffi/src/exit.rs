//! The process exit hook: a C program that returns from `main` (or calls
//! `exit()`) without freeing its clients still delivers what it queued,
//! within each client's `shutdown_timeout`.
//!
//! It calls no error callback: by then `main` has returned (or `exit()` was
//! called from deep inside it), so a `user_data` pointing into a stack frame
//! or a destroyed C++ object would be used after its end. Events given up
//! at exit are counted, not reported.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REGISTER: Once = Once::new();
static EXITING: AtomicBool = AtomicBool::new(false);

/// True once the exit hook has started: no callback may start after that.
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

extern "C" fn at_exit() {
    EXITING.store(true, Ordering::Release);
    // Clients already freed or shut down are skipped by `shutdown_all`; a
    // forked child sees only its own clients' queues.
    let _ = catch_unwind(AssertUnwindSafe(outbox_engine::shutdown_all));
}

/// Registers the hook once per process (on the first client or sender).
pub(crate) fn install() {
    REGISTER.call_once(|| {
        // SAFETY: `at_exit` is a plain function that lives as long as the
        // library; a non-zero return (no room) only loses the hook.
        let _ = unsafe { libc::atexit(at_exit) };
    });
}
