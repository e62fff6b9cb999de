//! Core errors as Python exceptions, each with the engine's stable `code`
//! (the one place errors cross into Python). The exception classes are defined in
//! Python (`outbox/_errors.py`, with docstrings and multiple inheritance,
//! e.g. `InvalidEventError` is also a `ValueError`) and looked up here.

use outbox_engine::ErrorCode;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

fn class<'py>(py: Python<'py>, name: &str) -> Option<Bound<'py, PyType>> {
    py.import("outbox._errors").ok()?.getattr(name).ok()?.cast_into::<PyType>().ok()
}

/// An instance of `outbox.<name>(*args)`; `ValueError` if the package is broken.
pub fn raise<A>(py: Python<'_>, name: &str, args: A) -> PyErr
where
    A: pyo3::PyErrArguments + Send + Sync + 'static,
{
    match class(py, name) {
        Some(ty) => PyErr::from_type(ty, args),
        None => PyValueError::new_err(format!("outbox.{name} (the outbox package is not fully installed)")),
    }
}

pub fn invalid_event(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidEventError", (message, ErrorCode::InvalidEvent.as_str()))
}

pub fn invalid_option(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidOptionError", (message, ErrorCode::InvalidOption.as_str()))
}

/// Maps an engine error to its exception.
pub fn from_core(py: Python<'_>, e: outbox_engine::Error) -> PyErr {
    use outbox_engine::Error;
    let message = e.to_string();
    let code = e.code().as_str();
    match e {
        Error::InvalidEvent(_) | Error::InvalidJson(_) => raise(py, "InvalidEventError", (message, code)),
        Error::EventTooLarge { size, limit } => raise(py, "EventTooLargeError", (message, size, limit, code)),
        Error::InvalidOption(_) => raise(py, "InvalidOptionError", (message, code)),
        Error::Closed => match class(py, "ClosedError") {
            Some(ty) => PyErr::from_type(ty, (message, code)),
            None => PyRuntimeError::new_err(message),
        },
    }
}

/// A signing failure: `outbox.SigningError` with its code.
pub fn from_sign(py: Python<'_>, e: outbox_engine::sign::SignError) -> PyErr {
    raise(py, "SigningError", (e.to_string(), e.code()))
}

/// A verification failure: `outbox.WebhookVerificationError` with its code.
pub fn from_verify(py: Python<'_>, e: outbox_engine::sign::VerifyError) -> PyErr {
    raise(py, "WebhookVerificationError", (e.to_string(), e.code()))
}

/// Every stable error code, for `outbox.ERROR_CODES`.
pub fn codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}
