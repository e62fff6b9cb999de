//! Keyword options, read at construction. Which options exist, their
//! ranges, messages and typo hints come from the engine's schema
//! (`outbox_engine::options::schema`); this file reads Python values of each
//! kind and raises `TypeError` for a value of the wrong type.

use std::sync::Arc;
use std::time::Duration;

use outbox_engine::options::schema::{self, Kind, Naming, OptionSpec, Source, Table, Value};
use outbox_engine::webhook::Endpoint;
use outbox_engine::{DeliveryError as CoreDeliveryError, OnError};
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

/// The keyword arguments of one constructor, read against a schema table.
pub struct Kwargs<'py> {
    py: Python<'py>,
    /// How the call is named in messages (`"Client()"`).
    what: &'static str,
    dict: Bound<'py, PyDict>,
    /// `WebhookSender()`'s endpoints, converted by its constructor before
    /// the schema runs (reading them needs `Endpoint()`, which reads options).
    endpoints: Option<Vec<Endpoint>>,
}

/// Why options were refused: a Python exception (a value of the wrong
/// type) or the engine's verdict on a value.
pub enum Refused {
    Py(PyErr),
    Core(outbox_engine::Error),
}

impl From<outbox_engine::Error> for Refused {
    fn from(e: outbox_engine::Error) -> Refused {
        Refused::Core(e)
    }
}

impl From<PyErr> for Refused {
    fn from(e: PyErr) -> Refused {
        Refused::Py(e)
    }
}

impl<'py> Kwargs<'py> {
    pub fn new(py: Python<'py>, what: &'static str, given: Option<&Bound<'py, PyDict>>) -> PyResult<Kwargs<'py>> {
        let dict = match given {
            Some(d) => d.copy()?,
            None => PyDict::new(py),
        };
        Ok(Kwargs { py, what, dict, endpoints: None })
    }

    /// Puts a named argument in, as if it had been given as a keyword.
    pub fn put(&self, name: &str, value: Option<&Bound<'py, PyAny>>) -> PyResult<()> {
        if let Some(v) = value {
            self.dict.set_item(name, v)?;
        }
        Ok(())
    }

    /// Gives the already converted `endpoints` option.
    pub fn put_endpoints(&mut self, endpoints: Vec<Endpoint>) {
        self.endpoints = Some(endpoints);
    }

    /// Reads every option of `table` into `target` (each value checked by
    /// the engine), then refuses any keyword left over.
    pub fn apply<T>(mut self, table: &Table<T>, target: &mut T) -> PyResult<()> {
        let py = self.py;
        let prefix = format!("{}: ", self.what);
        table.apply(target, Naming::Snake, &prefix, &mut self).map_err(|refused| match refused {
            Refused::Py(e) => e,
            Refused::Core(outbox_engine::Error::InvalidOption(m)) => errors::invalid_option(py, m.to_string()),
            Refused::Core(e) => errors::from_core(py, e),
        })?;
        self.finish(table)
    }

    /// The value of `name`, if given and not None (None means the default).
    fn take(&self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
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

    fn text(&self, name: &str, v: &Bound<'py, PyAny>) -> PyResult<String> {
        match v.cast::<PyString>() {
            Ok(s) => s.to_str_lossless(self, name),
            Err(_) => Err(self.type_error(name, "a str", v)),
        }
    }

    /// A filesystem path: str or any `os.PathLike`.
    fn path(&self, name: &str, v: &Bound<'py, PyAny>) -> PyResult<std::path::PathBuf> {
        let fspath = self
            .py
            .import("os")?
            .call_method1("fspath", (v,))
            .map_err(|_| self.type_error(name, "a str or os.PathLike", v))?;
        match fspath.cast::<PyString>() {
            Ok(s) => Ok(s.to_str_lossless(self, name)?.into()),
            Err(_) => Err(self.type_error(name, "a str path (bytes paths are not supported)", &fspath)),
        }
    }

    fn boolean(&self, name: &str, v: &Bound<'py, PyAny>) -> PyResult<bool> {
        if v.is_instance_of::<PyBool>() {
            return v.is_truthy();
        }
        Err(self.type_error(name, "True or False", v))
    }

    /// An int (not a bool); one beyond 64 bits reads as the nearest end.
    fn int(&self, name: &str, v: &Bound<'py, PyAny>, wanted: &str) -> PyResult<i64> {
        if !v.is_instance_of::<PyInt>() || v.is_instance_of::<PyBool>() {
            return Err(self.type_error(name, wanted, v));
        }
        match v.extract::<i64>() {
            Ok(n) => Ok(n),
            Err(_) if v.lt(0)? => Ok(i64::MIN),
            Err(_) => Ok(i64::MAX),
        }
    }

    /// Every keyword was an option; anything left is a typo or unknown.
    fn finish<T>(self, table: &Table<T>) -> PyResult<()> {
        let Some((key, _)) = self.dict.iter().next() else { return Ok(()) };
        let key = key.str().map(|s| s.to_string()).unwrap_or_default();
        let mut message = format!("{} got an unexpected keyword argument {key:?}", self.what);
        let names = table.names(Naming::Snake);
        if let Some(close) = schema::suggest(&key, names.iter().map(|n| n.as_ref())) {
            message.push_str(&format!("; did you mean {close:?}?"));
        }
        Err(PyTypeError::new_err(message))
    }
}

impl<T> Source<T> for Kwargs<'_> {
    type Error = Refused;

    fn read(&mut self, spec: &OptionSpec<T>, name: &str) -> Result<Option<Value>, Refused> {
        if let Kind::Endpoints = spec.kind() {
            return Ok(self.endpoints.take().map(Value::Endpoints));
        }
        let Some(v) = self.take(name)? else { return Ok(None) };
        let value = match spec.kind() {
            Kind::Text | Kind::Choice(_) => Value::Text(self.text(name, &v)?),
            Kind::Path => Value::Path(self.path(name, &v)?),
            Kind::Count => Value::Count(self.int(name, &v, "an int")?),
            Kind::Retries => Value::Retries(Some(self.int(name, &v, "an int or None")?)),
            Kind::Duration { .. } | Kind::DurationOrForever => {
                Value::Seconds(number_of_seconds(&v).map_err(|wanted| self.type_error(name, wanted, &v))?)
            }
            Kind::Flag => Value::Flag(self.boolean(name, &v)?),
            Kind::Texts => Value::Texts(strings(&v).map_err(|_| self.type_error(name, "a str or a list of str", &v))?),
            Kind::Headers => Value::Headers(
                pairs(&v)
                    .map_err(|_| self.type_error(name, "a dict of str to str (or a list of (str, str) pairs)", &v))?,
            ),
            Kind::Callback if v.is_callable() => Value::Callback(on_error_callback(v.unbind())),
            Kind::Callback => {
                return Err(self.type_error(name, "a callable taking one outbox.DeliveryError", &v).into())
            }
            Kind::Endpoints => return Err(self.type_error(name, "given to WebhookSender() itself", &v).into()),
        };
        Ok(Some(value))
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

/// Seconds from an int, a float or a `datetime.timedelta`; `Err` says
/// what was wanted.
fn number_of_seconds(v: &Bound<'_, PyAny>) -> Result<f64, &'static str> {
    const WANTED: &str = "a number of seconds (int, float or timedelta)";
    if v.is_instance_of::<PyBool>() {
        return Err(WANTED);
    }
    if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return v.extract().map_err(|_| WANTED);
    }
    if v.get_type().name().is_ok_and(|n| n == "timedelta") {
        return v.call_method0("total_seconds").and_then(|s| s.extract()).map_err(|_| WANTED);
    }
    Err(WANTED)
}

/// `seconds`, refusing more than `max` (described as `most`).
fn seconds_at_most(
    py: Python<'_>,
    v: &Bound<'_, PyAny>,
    name: &str,
    allow_forever: bool,
    max: f64,
    most: &str,
) -> PyResult<Duration> {
    let secs = number_of_seconds(v).map_err(|wanted| {
        let got = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!("{name} must be {wanted}, not {got}"))
    })?;
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
    let logged = py.import("logging").and_then(|l| l.call_method1("getLogger", ("outbox",))).and_then(|logger| {
        let kwargs = PyDict::new(py);
        kwargs.set_item("exc_info", err.value(py))?;
        logger.call_method("error", ("the on_error callback raised an exception; delivery continues",), Some(&kwargs))
    });
    if logged.is_err() {
        err.print(py);
    }
}
