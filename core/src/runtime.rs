//! The one background tokio runtime shared by every client in the process.
//!
//! Created on first use, never dropped: its worker threads are plain native
//! threads, which neither Node's event loop nor Python's interpreter waits
//! for, so Outbox never keeps a process alive. After `fork()` the child gets
//! a new runtime (see `fork`).

use tokio::runtime::{Builder, Handle, Runtime};

use crate::fork::PerProcess;

static RUNTIME: PerProcess<Runtime> = PerProcess::new(build);

fn build() -> Runtime {
    let workers = std::env::var("OUTBOX_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    Builder::new_multi_thread()
        .worker_threads(workers)
        // Blocking threads run on_error callbacks (each pipeline's one at a time),
        // spool syncs and DNS lookups; enough that none waits behind another.
        .max_blocking_threads(8)
        .thread_name("outbox-worker")
        .enable_time()
        .enable_io()
        .build()
        .unwrap_or_else(|e| {
            // Without threads Outbox cannot deliver at all; this only
            // happens when the OS refuses to start a thread.
            panic!("outbox: cannot start its background runtime: {e}")
        })
}

/// A handle to this process's runtime.
pub fn handle() -> Handle {
    RUNTIME.get().handle().clone()
}

thread_local! {
    /// How many user callbacks this thread is inside (they can nest).
    static IN_CALLBACK: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// True on a thread that is running a user callback (`on_error`): waiting
/// there for that callback's own report to finish would never end.
pub fn in_callback() -> bool {
    IN_CALLBACK.with(|n| n.get() > 0)
}

/// Marks this thread as inside a user callback until dropped.
pub struct CallbackScope(());

impl CallbackScope {
    pub fn enter() -> CallbackScope {
        IN_CALLBACK.with(|n| n.set(n.get() + 1));
        CallbackScope(())
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        IN_CALLBACK.with(|n| n.set(n.get().saturating_sub(1)));
    }
}
