//! What `outbox.Client` and `outbox.WebhookSender` share, written once over
//! `outbox_engine::Sender`: the engine object they hold, flush and shutdown
//! with the GIL released (Ctrl-C still interrupts the wait), the counters,
//! a drop that never runs engine code during interpreter teardown, and
//! their Python methods (`lifecycle_methods!`).

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use outbox_engine::Sender;
use pyo3::prelude::*;

use crate::options::timeout_arg;
use crate::results::{FlushResult, Stats};
use crate::wait;

/// An engine client or webhook sender held by a Python object.
pub struct Engine<S: Sender> {
    inner: ManuallyDrop<Arc<S>>,
    /// The default of `shutdown()`.
    shutdown_timeout: Duration,
}

impl<S: Sender> Engine<S> {
    pub fn new(engine: S, shutdown_timeout: Duration) -> Engine<S> {
        Engine { inner: ManuallyDrop::new(Arc::new(engine)), shutdown_timeout }
    }

    /// The engine, for a call that runs on another thread.
    pub fn shared(&self) -> Arc<S> {
        Arc::clone(&self.inner)
    }

    /// `flush(timeout)`: seconds, or None for no deadline.
    pub fn flush(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<FlushResult> {
        let timeout = timeout_arg(py, timeout, Duration::MAX)?;
        let inner = self.shared();
        wait::interruptible(py, move || inner.flush(timeout)).map(FlushResult::from)
    }

    /// `shutdown(timeout)`: seconds, or None for the `shutdown_timeout` option.
    pub fn shutdown(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<FlushResult> {
        let timeout = timeout_arg(py, timeout, self.shutdown_timeout)?;
        let inner = self.shared();
        wait::interruptible(py, move || inner.shutdown(timeout)).map(FlushResult::from)
    }

    pub fn stats(&self) -> Stats {
        Stats::new(Sender::stats(&**self.inner), Sender::health(&**self.inner))
    }
}

impl<S: Sender> Deref for Engine<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.inner
    }
}

impl<S: Sender> Drop for Engine<S> {
    fn drop(&mut self) {
        // SAFETY: taken once, here; never used again.
        let inner = unsafe { ManuallyDrop::take(&mut self.inner) };
        // Dropping the last engine object shuts it down (blocking, up to
        // shutdown_timeout), and its on_error may need the GIL: release it.
        // Deallocation always runs with the GIL held.
        if crate::gil::finalizing() {
            // Collected during interpreter teardown, after the exit hook shut
            // every client down (or skipped it: shutdown_timeout=0 means
            // nothing more is sent). Leave the engine object be.
            std::mem::forget(inner);
            return;
        }
        let py = unsafe { Python::assume_attached() };
        py.detach(move || drop(inner));
    }
}

/// The lifecycle methods of a Python class that holds an `Engine` in
/// `inner`: `flush`, `shutdown`, their asyncio forms `aflush` and
/// `ashutdown`, and `stats`, each with the docstring written before its name.
macro_rules! lifecycle_methods {
    (
        $class:ident,
        $(#[$flush:meta])* flush,
        $(#[$shutdown:meta])* shutdown,
        $(#[$aflush:meta])* aflush,
        $(#[$ashutdown:meta])* ashutdown,
        $(#[$stats:meta])* stats $(,)?
    ) => {
        #[pymethods]
        impl $class {
            $(#[$flush])*
            #[pyo3(signature = (timeout=None))]
            fn flush(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<FlushResult> {
                self.inner.flush(py, timeout)
            }

            $(#[$shutdown])*
            #[pyo3(signature = (timeout=None))]
            fn shutdown(&self, py: Python<'_>, timeout: Option<&Bound<'_, PyAny>>) -> PyResult<FlushResult> {
                self.inner.shutdown(py, timeout)
            }

            $(#[$aflush])*
            #[pyo3(signature = (timeout=None))]
            fn aflush<'py>(slf: &Bound<'py, Self>, timeout: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                $crate::wait::in_executor(slf.py(), slf.getattr("flush")?, timeout)
            }

            $(#[$ashutdown])*
            #[pyo3(signature = (timeout=None))]
            fn ashutdown<'py>(slf: &Bound<'py, Self>, timeout: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
                $crate::wait::in_executor(slf.py(), slf.getattr("shutdown")?, timeout)
            }

            $(#[$stats])*
            fn stats(&self) -> Stats {
                self.inner.stats()
            }
        }
    };
}

pub(crate) use lifecycle_methods;
