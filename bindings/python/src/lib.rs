//! The native half of the Python package `outbox` (imported as
//! `outbox._outbox`; users import `outbox`). Thin by design: argument
//! conversion, Python idioms, exit and fork hooks. Every decision about
//! delivery, retries, batching and signing is made by `outbox-engine`.

use std::time::Duration;

use pyo3::prelude::*;

mod client;
mod convert;
mod errors;
mod event;
mod gil;
mod lifecycle;
mod logging;
mod options;
mod results;
mod signing;
mod wait;
mod webhook;

/// The exit hook (registered with `atexit` by `outbox/_lifecycle.py`, and
/// run by multiprocessing's exit in forked children): shuts down every open
/// client and webhook sender of this process at once, each within its own
/// `shutdown_timeout` (0 skips it), with the GIL released so `on_error` and
/// logging can still run. Then closes the door on Outbox threads entering
/// Python. Safe to call more than once.
#[pyfunction]
fn _at_exit(py: Python<'_>) {
    py.detach(|| {
        outbox_engine::shutdown_all();
    });
    logging::drain_now(py);
    py.detach(|| gil::close_and_wait(Duration::from_secs(2)));
}

/// Called in a forked child (`os.register_at_fork`).
#[pyfunction]
fn _after_fork_in_child() {
    gil::reset_after_fork();
}

/// Converts `value` exactly as event properties are converted and returns
/// the JSON text (for tests and for checking values ahead of time).
#[pyfunction]
fn _to_json(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(convert::to_json(py, value, "value")?.as_str().to_owned())
}

#[pymodule]
fn _outbox(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add_class::<client::Client>()?;
    m.add_class::<webhook::WebhookSender>()?;
    m.add_class::<webhook::Endpoint>()?;
    m.add_class::<results::FlushResult>()?;
    m.add_class::<results::Stats>()?;
    m.add_class::<results::DeliveryError>()?;
    m.add_class::<results::DeliverOutcome>()?;
    m.add_function(wrap_pyfunction!(signing::sign, m)?)?;
    m.add_function(wrap_pyfunction!(signing::verify, m)?)?;
    m.add_function(wrap_pyfunction!(signing::user_hash, m)?)?;
    m.add_function(wrap_pyfunction!(signing::verify_user_hash, m)?)?;
    m.add_function(wrap_pyfunction!(_at_exit, m)?)?;
    m.add_function(wrap_pyfunction!(_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(_to_json, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CORE_VERSION", outbox_engine::VERSION)?;
    m.add("ERROR_CODES", pyo3::types::PyTuple::new(m.py(), errors::codes())?)?;
    Ok(())
}
