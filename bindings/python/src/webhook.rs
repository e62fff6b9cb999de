//! `outbox.WebhookSender` and `outbox.Endpoint`: signed webhooks to your
//! customers' endpoints, under the same delivery contract as the client.

use outbox_engine::options::schema::{ENDPOINT_OPTIONS, WEBHOOK_OPTIONS};
use outbox_engine::{Endpoint as CoreEndpoint, Json, OnFull, WebhookOptions, WebhookSender as CoreSender};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::convert::to_json;
use crate::errors;
use crate::lifecycle::{lifecycle_methods, Engine};
use crate::options::Kwargs;
use crate::results::{FlushResult, Stats};
use crate::signing;

/// One webhook destination: its URL, signing secret(s) and scheme.
///
/// ``Endpoint(url, secret=None, *, scheme="standard-webhooks", header=None,
/// timeout=5.0, headers=None)``. ``secret`` is one secret or a list (during
/// rotation every request carries one signature per secret); None sends
/// unsigned requests. ``timeout`` is the deadline of one attempt, in seconds.
#[pyclass(module = "outbox", name = "Endpoint", frozen, from_py_object)]
#[derive(Clone)]
pub struct Endpoint {
    inner: CoreEndpoint,
}

#[pymethods]
impl Endpoint {
    #[new]
    #[pyo3(signature = (url, secret=None, *, scheme="standard-webhooks", header=None, timeout=None, headers=None))]
    fn new(
        py: Python<'_>,
        url: String,
        secret: Option<&Bound<'_, PyAny>>,
        scheme: &str,
        header: Option<String>,
        timeout: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Endpoint> {
        let mut inner = CoreEndpoint::new(url);
        // `secret` (one or a list) is the schema's `secrets`.
        let kw = Kwargs::new(py, "Endpoint()", None)?;
        kw.put("secrets", secret)?;
        kw.put("timeout", timeout)?;
        kw.put("headers", headers)?;
        kw.apply(&ENDPOINT_OPTIONS, &mut inner)?;
        inner.scheme = signing::scheme(py, scheme, header)?;
        if !inner.secrets.is_empty() {
            // Checked now, so a bad secret fails where it is written.
            outbox_engine::Signer::new(inner.scheme.clone(), &inner.secrets).map_err(|e| signing::sign_error(py, e))?;
        }
        Ok(Endpoint { inner })
    }

    /// The URL messages are posted to.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    /// ``"standard-webhooks"`` or ``"hmac-sha256"``.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.scheme.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Endpoint({:?}, scheme={:?}, secrets=<{} redacted>)",
            self.inner.url,
            self.inner.scheme.name(),
            self.inner.secrets.len()
        )
    }
}

/// `endpoints`: one `Endpoint` (or URL, or dict of `Endpoint` arguments) or
/// a list of them.
fn endpoints_from(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<Vec<CoreEndpoint>> {
    if v.is_instance_of::<PyList>() || v.is_instance_of::<pyo3::types::PyTuple>() {
        return v.try_iter()?.map(|e| endpoint_from(py, &e?)).collect();
    }
    Ok(vec![endpoint_from(py, v)?])
}

fn endpoint_from(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<CoreEndpoint> {
    if let Ok(e) = v.cast::<Endpoint>() {
        return Ok(e.get().inner.clone());
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(CoreEndpoint::new(crate::convert::utf8(s)?.to_owned()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let cls = py.import("outbox")?.getattr("Endpoint")?;
        let e = cls.call((), Some(d))?;
        return Ok(e.cast::<Endpoint>()?.get().inner.clone());
    }
    let got = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(PyTypeError::new_err(format!(
        "endpoints must be outbox.Endpoint, a URL str or a dict of Endpoint arguments, not {got}"
    )))
}

/// Sends signed webhooks (Standard Webhooks by default) to one or more
/// endpoints, in the background: each endpoint has its own queue and retries,
/// so one that fails never holds back the others; a 410 Gone disables it.
///
/// ``WebhookSender(endpoints, **options)``: ``endpoints`` is an ``Endpoint``,
/// a URL, or a list of them. ``send(type, data)`` queues one message to every
/// endpoint and returns its id (the ``webhook-id``).
#[pyclass(module = "outbox", name = "WebhookSender", frozen, subclass, weakref)]
pub struct WebhookSender {
    inner: Engine<CoreSender>,
    block: bool,
    urls: Vec<String>,
}

lifecycle_methods! {
    WebhookSender,
    /// Waits (up to ``timeout`` seconds in all; None: no deadline) until every
    /// message queued before the call is delivered or given up at every endpoint.
    flush,
    /// Flushes every endpoint for up to ``timeout`` seconds (None: the
    /// sender's ``shutdown_timeout``), then stops. Idempotent.
    shutdown,
    /// ``await sender.aflush(timeout)``: ``flush`` without blocking the event loop.
    aflush,
    /// ``await sender.ashutdown(timeout)``: ``shutdown`` without blocking the event loop.
    ashutdown,
    /// Counters summed over endpoints (a message to three endpoints counts three times).
    stats,
}

#[pymethods]
impl WebhookSender {
    #[new]
    #[pyo3(signature = (endpoints, **options))]
    fn new(
        py: Python<'_>,
        endpoints: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<WebhookSender> {
        let mut kw = Kwargs::new(py, "WebhookSender()", options)?;
        kw.put_endpoints(endpoints_from(py, endpoints)?);
        let mut o = WebhookOptions::default();
        kw.apply(&WEBHOOK_OPTIONS, &mut o)?;
        if o.delivery.debug {
            crate::client::enable_debug(py)?;
        }
        let block = matches!(o.delivery.on_full, OnFull::Block(_));
        let urls = o.endpoints.iter().map(|e| e.url.clone()).collect();
        let shutdown_timeout = o.delivery.shutdown_timeout;
        let inner = CoreSender::new(o).map_err(|e| errors::from_core(py, e))?;
        Ok(WebhookSender { inner: Engine::new(inner, shutdown_timeout), block, urls })
    }

    /// Queues ``{"type": type, "timestamp": now, "data": data}`` to every
    /// endpoint; returns the message id. ``data`` is converted like event
    /// properties.
    fn send(&self, py: Python<'_>, r#type: &str, data: &Bound<'_, PyAny>) -> PyResult<String> {
        let data = to_json(py, data, "data")?;
        let result =
            if self.block { py.detach(|| self.inner.send(r#type, data)) } else { self.inner.send(r#type, data) };
        result.map_err(|e| errors::from_core(py, e))
    }

    /// Queues a body you built yourself (JSON text as str or bytes), as is.
    fn send_raw(&self, py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<String> {
        let raw = signing::raw_body(body, "send_raw()")?;
        let text = std::str::from_utf8(&raw)
            .map_err(|_| errors::invalid_event(py, "send_raw(): the body is not UTF-8 text".into()))?;
        let json = Json::parse(text).map_err(|e| errors::from_core(py, e))?;
        let result = if self.block { py.detach(|| self.inner.send_raw(&json)) } else { self.inner.send_raw(&json) };
        result.map_err(|e| errors::from_core(py, e))
    }

    /// A dict of endpoint URL to its ``Stats``.
    fn endpoint_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let health = self.inner.endpoint_health();
        for ((url, stats), health) in self.urls.iter().zip(self.inner.endpoint_stats()).zip(health) {
            d.set_item(url, Stats::new(stats, health))?;
        }
        Ok(d)
    }

    /// In ``test_mode``: the requests that would have been sent, as dicts
    /// ``{"url": str, "headers": dict, "body": bytes}``, in order.
    fn captured<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in self.inner.captured() {
            let d = PyDict::new(py);
            d.set_item("url", &r.url)?;
            let headers = PyDict::new(py);
            for (k, v) in &r.headers {
                headers.set_item(k, v)?;
            }
            d.set_item("headers", headers)?;
            d.set_item("body", PyBytes::new(py, &r.body))?;
            list.append(d)?;
        }
        Ok(list)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Leaving a ``with`` block shuts the sender down.
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.shutdown(py, None)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("<outbox.WebhookSender endpoints={:?}>", self.urls)
    }
}
