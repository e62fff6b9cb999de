//! Blocking engine calls from Python: the GIL is released while they wait,
//! and the waiting thread stays responsive to Ctrl-C.

use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Runs `job` on a helper thread and waits for it with the GIL released,
/// checking for signals (KeyboardInterrupt) every 50 ms. If a signal handler
/// raises, the exception propagates at once; the job finishes on its own
/// (it is always bounded or harmless: a flush or shutdown of the engine).
pub fn interruptible<T, F>(py: Python<'_>, job: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = sync_channel::<T>(1);
    // A Mutex makes the receiver shareable with the GIL-free closure below.
    let rx = std::sync::Mutex::new(rx);
    // Called from inside on_error, the job acts for that callback: a flush
    // must not wait for the report this very callback is handling.
    let in_callback = outbox_engine::bindings::in_callback();
    std::thread::Builder::new()
        .name("outbox-wait".into())
        .spawn(move || {
            let _scope = in_callback.then(outbox_engine::bindings::CallbackScope::enter);
            // The receiver may be gone (interrupted); nothing to do then.
            let _ = tx.send(job());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("outbox: cannot start a thread to wait on: {e}")))?;
    loop {
        let received = py.detach(|| match rx.lock() {
            Ok(rx) => rx.recv_timeout(Duration::from_millis(50)),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        });
        match received {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("outbox: the engine call stopped without a result"))
            }
        }
    }
}

/// `loop.run_in_executor(None, fn, *args)` on the running event loop: the
/// blocking call runs on asyncio's default thread pool, never on the loop.
pub fn in_executor<'py>(
    py: Python<'py>,
    func: Bound<'py, PyAny>,
    arg: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    match arg {
        Some(arg) => event_loop.call_method1("run_in_executor", (py.None(), func, arg)),
        None => event_loop.call_method1("run_in_executor", (py.None(), func)),
    }
}

/// An awaitable that is already resolved to `value` (for `__aenter__`).
pub fn ready<'py>(py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}
