//! Keyword options: read, type-checked and range-checked at construction,
//! with errors that name the option (and suggest one for a typo).

use std::sync::Arc;
use std::time::Duration;

use outbox_core::options::MAX_DURATION;
use outbox_core::{DeliveryError as CoreDeliveryError, OnError, OnFull};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::errors;
use crate::gil;
use crate::results::DeliveryError;

/// Longest duration argument accepted, in seconds (about 31 years): keeps
/// deadline arithmetic far from overflow. Options are bounded tighter, by
/// the engine's `MAX_DURATION` (one day).
const MAX_SECONDS: f64 = 1e9;

/// The keyword arguments of one constructor, consumed option by option.
pub struct Kwargs<'py> {
    py: Python<'py>,
    what: &'static str,
    known: &'static [&'static str],
    dict: Bound<'py, PyDict>,
}

impl<'py> Kwargs<'py> {
    pub fn new(py: Python<'py>, what: &'static str, known: &'static [&'static str], given: Option<&Bound<'py, PyDict>>) -> PyResult<Kwargs<'py>> {
        let dict = match given {
            Some(d) => d.copy()?,
            None => PyDict::new(py),
        };
        Ok(Kwargs { py, what, known, dict })
    }

    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// Puts a named argument in, as if it had been given as a keyword.
    pub fn put(&self, name: &str, value: Option<&Bound<'py, PyAny>>) -> PyResult<()> {
        if let Some(v) = value {
            self.dict.set_item(name, v)?;
        }
        Ok(())
    }

    /// The value of `name`, if given and not None.
    pub fn take(&self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let value = self.dict.get_item(name)?;
        if value.is_some() {
            self.dict.del_item(name)?;
        }
        Ok(value.filter(|v| !v.is_none()))
    }

    fn type_error(&self, name: &str, wanted: &str, got: &Bound<'py, PyAny>) -> PyErr {
        let got = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!("{}: {name} must be {wanted}, not {got}", self.what))
    }

    fn invalid(&self, message: String) -> PyErr {
        errors::invalid_option(self.py, format!("{}: {message}", self.what))
    }

    pub fn string(&self, name: &str) -> PyResult<Option<String>> {
        match self.take(name)? {
            None => Ok(None),
            Some(v) => match v.cast::<PyString>() {
                Ok(s) => Ok(Some(s.to_str_lossless(self, name)?)),
                Err(_) => Err(self.type_error(name, "a str", &v)),
            },
        }
    }

    /// A filesystem path: str or any `os.PathLike`.
    pub fn path(&self, name: &str) -> PyResult<Option<std::path::PathBuf>> {
        let Some(v) = self.take(name)? else { return Ok(None) };
        let fspath = self.py.import("os")?.call_method1("fspath", (&v,)).map_err(|_| self.type_error(name, "a str or os.PathLike", &v))?;
        match fspath.cast::<PyString>() {
            Ok(s) => Ok(Some(s.to_str_lossless(self, name)?.into())),
            Err(_) => Err(self.type_error(name, "a str path (bytes paths are not supported)", &fspath)),
        }
    }

    pub fn boolean(&self, name: &str, default: bool) -> PyResult<bool> {
        match self.take(name)? {
            None => Ok(default),
            Some(v) if v.is_instance_of::<PyBool>() => v.is_truthy(),
            Some(v) => Err(self.type_error(name, "True or False", &v)),
        }
    }

    /// A positive integer (counts and sizes).
    pub fn count(&self, name: &str, default: usize) -> PyResult<usize> {
        match self.take(name)? {
            None => Ok(default),
            Some(v) if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() => match v.extract::<i64>() {
                Ok(n) if n >= 1 => usize::try_from(n).map_err(|_| self.invalid(format!("{name} is too large"))),
                Ok(n) => Err(self.invalid(format!("{name} must be at least 1, got {n}"))),
                Err(_) => Err(self.invalid(format!("{name} is too large"))),
            },
            Some(v) => Err(self.type_error(name, "an int", &v)),
        }
    }

    /// A non-negative integer or None.
    pub fn optional_count(&self, name: &str) -> PyResult<Option<u32>> {
        match self.take(name)? {
            None => Ok(None),
            Some(v) if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() => match v.extract::<i64>() {
                Ok(n) if n >= 0 => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
                Ok(n) => Err(self.invalid(format!("{name} must be 0 or more (or None for no limit), got {n}"))),
                Err(_) => Ok(Some(u32::MAX)),
            },
            Some(v) => Err(self.type_error(name, "an int or None", &v)),
        }
    }

    /// Seconds as int, float or `datetime.timedelta`, at most one day.
    pub fn seconds(&self, name: &str, default: Duration) -> PyResult<Duration> {
        match self.take(name)? {
            None => Ok(default),
            Some(v) => self.option_seconds(&v, name, false),
        }
    }

    /// Like `seconds`, and `float("inf")` means no limit.
    pub fn seconds_or_forever(&self, name: &str, default: Duration) -> PyResult<Duration> {
        match self.take(name)? {
            None => Ok(default),
            Some(v) => self.option_seconds(&v, name, true),
        }
    }

    /// An option's duration: at most the engine's `MAX_DURATION`.
    fn option_seconds(&self, v: &Bound<'py, PyAny>, name: &str, allow_forever: bool) -> PyResult<Duration> {
        let most = format!("{} seconds (one day)", MAX_DURATION.as_secs());
        seconds_at_most(self.py, v, name, allow_forever, MAX_DURATION.as_secs_f64(), &most).map_err(|e| self.prefixed(e))
    }

    fn prefixed(&self, e: PyErr) -> PyErr {
        let message = format!("{}: {}", self.what, e.value(self.py));
        if e.is_instance_of::<PyTypeError>(self.py) {
            PyTypeError::new_err(message)
        } else {
            errors::invalid_option(self.py, message)
        }
    }

    /// `name=value` pairs from a dict (or any mapping), or a list of pairs.
    pub fn pairs(&self, name: &str) -> PyResult<Vec<(String, String)>> {
        let Some(v) = self.take(name)? else { return Ok(Vec::new()) };
        pairs(&v).map_err(|_| self.type_error(name, "a dict of str to str (or a list of (str, str) pairs)", &v))
    }

    /// One str, or a list/tuple of str.
    pub fn strings(&self, name: &str) -> PyResult<Vec<String>> {
        let Some(v) = self.take(name)? else { return Ok(Vec::new()) };
        strings(&v).map_err(|_| self.type_error(name, "a str or a list of str", &v))
    }

    pub fn on_full(&self) -> PyResult<(OnFull, bool)> {
        let block_timeout = self.seconds_or_forever("block_timeout", Duration::from_secs(1))?;
        match self.string("on_full")? {
            None => Ok((OnFull::DropOldest, false)),
            Some(name) => {
                let policy = OnFull::parse(&name, block_timeout).map_err(|e| self.invalid(e.to_string().replace("invalid option: ", "")))?;
                Ok((policy, matches!(policy, OnFull::Block(_))))
            }
        }
    }

    pub fn on_error(&self) -> PyResult<Option<OnError>> {
        match self.take("on_error")? {
            None => Ok(None),
            Some(cb) if cb.is_callable() => Ok(Some(on_error_callback(cb.unbind()))),
            Some(v) => Err(self.type_error("on_error", "a callable taking one outbox.DeliveryError", &v)),
        }
    }

    /// Every option was used; anything left is a typo or an unknown option.
    pub fn finish(self) -> PyResult<()> {
        let Some((key, _)) = self.dict.iter().next() else { return Ok(()) };
        let key = key.str().map(|s| s.to_string()).unwrap_or_default();
        let mut message = format!("{} got an unexpected keyword argument {key:?}", self.what);
        if let Some(close) = closest(&key, self.known) {
            message.push_str(&format!("; did you mean {close:?}?"));
        }
        Err(PyTypeError::new_err(message))
    }
}

trait Lossless {
    fn to_str_lossless(&self, kw: &Kwargs<'_>, name: &str) -> PyResult<String>;
}

impl Lossless for Bound<'_, PyString> {
    fn to_str_lossless(&self, kw: &Kwargs<'_>, name: &str) -> PyResult<String> {
        crate::convert::utf8(self)
            .map(str::to_owned)
            .map_err(|_| kw.invalid(format!("{name} contains a lone surrogate and is not valid text")))
    }
}

/// Seconds (int, float or timedelta) as a Duration.
pub fn seconds(py: Python<'_>, v: &Bound<'_, PyAny>, name: &str, allow_forever: bool) -> PyResult<Duration> {
    seconds_at_most(py, v, name, allow_forever, MAX_SECONDS, &format!("{MAX_SECONDS:e} seconds"))
}

/// `seconds`, refusing more than `max` (described as `most`).
fn seconds_at_most(py: Python<'_>, v: &Bound<'_, PyAny>, name: &str, allow_forever: bool, max: f64, most: &str) -> PyResult<Duration> {
    let secs: f64 = if v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be a number of seconds, not bool")));
    } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        v.extract()?
    } else if v.hasattr("total_seconds")? && v.get_type().name().is_ok_and(|n| n == "timedelta") {
        v.call_method0("total_seconds")?.extract()?
    } else {
        let got = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        return Err(PyTypeError::new_err(format!("{name} must be a number of seconds (int, float or timedelta), not {got}")));
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(errors::invalid_option(py, format!("{name} must be 0 or more seconds, got {secs}")));
    }
    if secs.is_infinite() && allow_forever {
        return Ok(Duration::MAX);
    }
    if secs > max {
        let hint = if allow_forever { " (use float('inf') for no limit)" } else { "" };
        return Err(errors::invalid_option(py, format!("{name} must be at most {most}{hint}, got {secs}")));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// An optional timeout argument: None gives `default`.
pub fn timeout_arg(py: Python<'_>, v: Option<&Bound<'_, PyAny>>, default: Duration) -> PyResult<Duration> {
    match v {
        Some(v) if !v.is_none() => seconds(py, v, "timeout", true),
        _ => Ok(default),
    }
}

pub fn strings(v: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(vec![crate::convert::utf8(s)?.to_owned()]);
    }
    if v.is_instance_of::<pyo3::types::PyList>() || v.is_instance_of::<pyo3::types::PyTuple>() {
        let mut out = Vec::new();
        for item in v.try_iter()? {
            let item = item?;
            let s = item.cast::<PyString>()?;
            out.push(crate::convert::utf8(s)?.to_owned());
        }
        return Ok(out);
    }
    Err(PyTypeError::new_err("expected a str or a list of str"))
}

pub fn pairs(v: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if v.hasattr("items")? { v.call_method0("items")? } else { v.clone() };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let (k, val): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        out.push((header_text(&k)?, header_text(&val)?));
    }
    Ok(out)
}

/// Header names and values: str, or bytes (ASGI) read as Latin-1.
fn header_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(crate::convert::utf8(s)?.to_owned());
    }
    if let Ok(b) = v.cast::<pyo3::types::PyBytes>() {
        return Ok(b.as_bytes().iter().map(|&c| c as char).collect());
    }
    Err(PyTypeError::new_err("header names and values must be str or bytes"))
}

/// The option name nearest to a typo (edit distance at most 3).
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Wraps a Python callable as the engine's `on_error`. It runs on an Outbox
/// thread (or the one calling shutdown) and takes the GIL there; an
/// exception it raises is logged on logger `outbox` and delivery goes on.
pub fn on_error_callback(callback: Py<PyAny>) -> OnError {
    Arc::new(move |report: &CoreDeliveryError| {
        let entered = gil::enter(|py| {
            let arg = DeliveryError::from(report);
            if let Err(err) = callback.bind(py).call1((arg,)) {
                log_callback_error(py, err);
            }
        });
        if entered.is_none() {
            eprintln!("outbox: {report} (on_error not called: the interpreter is exiting)");
        }
    })
}

fn log_callback_error(py: Python<'_>, err: PyErr) {
    let logged = py
        .import("logging")
        .and_then(|l| l.call_method1("getLogger", ("outbox",)))
        .and_then(|logger| {
            let kwargs = PyDict::new(py);
            kwargs.set_item("exc_info", err.value(py))?;
            logger.call_method("error", ("the on_error callback raised an exception; delivery continues",), Some(&kwargs))
        });
    if logged.is_err() {
        err.print(py);
    }
}
