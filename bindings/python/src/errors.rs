//! Core errors as Python exceptions. The exception classes are defined in
//! Python (`outbox/_errors.py`, with docstrings and multiple inheritance,
//! e.g. `InvalidEventError` is also a `ValueError`) and looked up here.

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
    raise(py, "InvalidEventError", (message,))
}

pub fn invalid_option(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidOptionError", (message,))
}

/// Maps an engine error to its exception.
pub fn from_core(py: Python<'_>, e: outbox_core::Error) -> PyErr {
    use outbox_core::Error;
    let message = e.to_string();
    match e {
        Error::InvalidEvent(_) | Error::InvalidJson(_) => invalid_event(py, message),
        Error::EventTooLarge { size, limit } => raise(py, "EventTooLargeError", (message, size, limit)),
        Error::InvalidOption(_) => invalid_option(py, message),
        Error::Closed => match class(py, "ClosedError") {
            Some(ty) => PyErr::from_type(ty, (message,)),
            None => PyRuntimeError::new_err(message),
        },
    }
}
