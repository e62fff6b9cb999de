//! `outbox.sign`, `outbox.verify`, `outbox.user_hash`, `outbox.verify_user_hash`:
//! thin wrappers over `outbox_engine::sign` (all the logic lives there).

use std::borrow::Cow;

use outbox_engine::sign::{self as core_sign, Scheme, SignError, UserHashAlgorithm, VerifyOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString};

use crate::convert;
use crate::errors;
use crate::options;

pub fn sign_error(py: Python<'_>, e: SignError) -> PyErr {
    errors::from_sign(py, e)
}

/// The scheme named `name`, with a custom signature header for hmac-sha256.
pub fn scheme(py: Python<'_>, name: &str, header: Option<String>) -> PyResult<Scheme> {
    let scheme = Scheme::parse(name).map_err(|e| sign_error(py, e))?;
    match (scheme, header) {
        (s, None) => Ok(s),
        (Scheme::HmacSha256 { .. }, Some(h)) => Ok(Scheme::hmac_sha256_with_header(h)),
        (Scheme::StandardWebhooks, Some(_)) => Err(PyValueError::new_err(
            "header= only applies to scheme=\"hmac-sha256\" (Standard Webhooks headers are fixed)",
        )),
    }
}

/// The raw body: bytes-like or str (UTF-8). A parsed dict is refused with
/// an explanation: signatures cover the exact bytes received.
pub fn raw_body<'a>(v: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = v.cast::<PyString>() {
        let text = convert::utf8(s).map_err(|_| {
            PyValueError::new_err(format!("{what}: the body str has a lone surrogate; pass the raw bytes"))
        })?;
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    if v.get_type().name().is_ok_and(|n| n == "memoryview") {
        let bytes = v.call_method0("tobytes")?;
        return Ok(Cow::Owned(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    let got = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    let mut message = format!("{what} needs the raw request body as bytes or str, not {got}.");
    if v.is_instance_of::<PyDict>() || v.is_instance_of::<pyo3::types::PyList>() {
        message.push_str(
            " A parsed JSON body cannot be verified: the signature covers the exact bytes that were sent, \
             and re-serializing changes them. Pass the body before parsing: request.get_data() in Flask, \
             await request.body() in FastAPI/Starlette, request.body in Django.",
        );
    }
    Err(PyTypeError::new_err(message))
}

/// Unix seconds: int, float, or datetime; None for now.
fn unix_seconds(py: Python<'_>, v: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<i64>> {
    let Some(v) = v.filter(|v| !v.is_none()) else { return Ok(None) };
    if v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!("{name} must be unix seconds (int) or a datetime, not bool")));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(Some(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        let f: f64 = v.extract()?;
        if !f.is_finite() {
            return Err(PyValueError::new_err(format!("{name} must be finite")));
        }
        return Ok(Some(f.floor() as i64));
    }
    if convert::is_datetime(py, v)? {
        // Naive datetimes are taken as UTC, as everywhere in Outbox.
        let aware = !v.call_method0("utcoffset")?.is_none();
        let ts = if aware {
            v.call_method0("timestamp")?
        } else {
            let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("tzinfo", utc)?;
            v.call_method("replace", (), Some(&kwargs))?.call_method0("timestamp")?
        };
        let f: f64 = ts.extract()?;
        return Ok(Some(f.floor() as i64));
    }
    let got = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(PyTypeError::new_err(format!("{name} must be unix seconds (int) or a datetime, not {got}")))
}

/// Signs one webhook body; returns the headers to send with it (a dict).
///
/// ``secret`` is one secret or a list (several signatures, for rotation).
/// Standard Webhooks (default): ``webhook-id`` (``msg_id``, generated if
/// None), ``webhook-timestamp`` (``timestamp``: unix seconds or datetime,
/// default now) and ``webhook-signature``. ``scheme="hmac-sha256"``: one
/// ``X-Hub-Signature-256: sha256=<hex>`` header (name set by ``header``).
/// Bad secrets raise ``outbox.SigningError`` (with ``.code``).
#[pyfunction]
#[pyo3(signature = (body, secret, *, msg_id=None, timestamp=None, scheme="standard-webhooks", header=None))]
pub fn sign<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    secret: &Bound<'py, PyAny>,
    msg_id: Option<String>,
    timestamp: Option<&Bound<'py, PyAny>>,
    scheme: &str,
    header: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let body = raw_body(body, "sign()")?;
    let secrets =
        options::strings(secret).map_err(|_| PyTypeError::new_err("secret must be a str or a list of str"))?;
    let scheme = self::scheme(py, scheme, header)?;
    let id = msg_id.unwrap_or_else(|| format!("msg_{}", outbox_engine::bindings::new_message_id().replace('-', "")));
    let ts = unix_seconds(py, timestamp, "timestamp")?.unwrap_or_else(outbox_engine::bindings::unix_now);
    let headers = core_sign::sign(&scheme, &secrets, &id, ts, &body).map_err(|e| sign_error(py, e))?;
    let out = PyDict::new(py);
    for (name, value) in headers {
        out.set_item(name, value)?;
    }
    Ok(out)
}

/// Verifies a received webhook from its raw body and headers; returns None
/// or raises ``outbox.WebhookVerificationError`` (with a stable ``.code``
/// such as ``"no_matching_signature"`` or ``"timestamp_too_old"``).
///
/// ``body``: the raw body as received (bytes or str), never a parsed dict.
/// ``headers``: any mapping (Flask's ``request.headers``, Starlette's,
/// a dict) or a list of (name, value) pairs; names match case-insensitively.
/// ``secret``: one secret or a list (any may match, for rotation).
/// ``tolerance``: seconds of clock difference accepted (Standard Webhooks).
/// ``now``: the time to check against (unix seconds or datetime; default now).
#[pyfunction]
#[pyo3(signature = (body, headers, secret, *, scheme="standard-webhooks", header=None, tolerance=None, now=None))]
#[allow(clippy::too_many_arguments)]
pub fn verify(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    scheme: &str,
    header: Option<String>,
    tolerance: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let body = raw_body(body, "verify()")?;
    let pairs = options::pairs(headers).map_err(|_| {
        PyTypeError::new_err("headers must be a mapping of header names to values (or a list of (name, value) pairs)")
    })?;
    let secrets =
        options::strings(secret).map_err(|_| PyTypeError::new_err("secret must be a str or a list of str"))?;
    let scheme = self::scheme(py, scheme, header)?;
    let tolerance = match tolerance.filter(|t| !t.is_none()) {
        Some(t) => options::seconds(py, t, "tolerance", false)?.as_secs(),
        None => core_sign::DEFAULT_TOLERANCE_SECS,
    };
    let opts = VerifyOptions { tolerance_secs: tolerance, now: unix_seconds(py, now, "now")? };
    core_sign::verify(&scheme, &body, &pairs, &secrets, &opts).map_err(|e| errors::from_verify(py, e))
}

fn user_id_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    match crate::event::id(Some(v), "user_id")? {
        Some(s) => Ok(s),
        None => Err(PyTypeError::new_err("user_id must be a str (or an int), not None")),
    }
}

fn user_hash_algorithm(name: &str) -> PyResult<UserHashAlgorithm> {
    UserHashAlgorithm::parse(name).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The "user hash" a front end sends to prove who the user is: by default
/// the hex HMAC-SHA256 of ``user_id`` keyed with ``secret`` (Intercom-style
/// identity verification); ``algorithm="sha256"`` gives the plain hex
/// SHA-256 of ``user_id + secret`` (Notifizz's user token).
#[pyfunction]
#[pyo3(signature = (secret, user_id, *, algorithm = "hmac-sha256"))]
pub fn user_hash(secret: &str, user_id: &Bound<'_, PyAny>, algorithm: &str) -> PyResult<String> {
    Ok(core_sign::user_hash_with(user_hash_algorithm(algorithm)?, secret, &user_id_text(user_id)?))
}

/// Whether ``hash`` is ``user_hash(secret, user_id, algorithm=algorithm)``,
/// compared in constant time. An empty secret never verifies.
#[pyfunction]
#[pyo3(signature = (secret, user_id, hash, *, algorithm = "hmac-sha256"))]
pub fn verify_user_hash(secret: &str, user_id: &Bound<'_, PyAny>, hash: &str, algorithm: &str) -> PyResult<bool> {
    Ok(core_sign::verify_user_hash_with(user_hash_algorithm(algorithm)?, secret, &user_id_text(user_id)?, hash))
}
