//! Small result objects: `FlushResult`, `Stats`, `DeliveryError`, `DeliverOutcome`.

use outbox_engine::{
    DeliverOutcome as CoreOutcome, DeliveryError as CoreDeliveryError, DropReason, FlushResult as CoreFlush, Health,
    Stats as CoreStats,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What `flush()` or `shutdown()` achieved for the events queued before the call.
///
/// ``delivered`` and ``failed`` count events settled while the call waited;
/// ``pending`` counts events queued before the call that were still neither
/// delivered nor given up when it returned (for ``shutdown`` these were
/// dropped with reason ``"shutdown"``). ``complete`` is ``pending == 0``, and
/// the object is truthy when complete.
#[pyclass(module = "outbox", name = "FlushResult", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq, Eq)]
pub struct FlushResult {
    /// Events delivered while the call waited.
    #[pyo3(get)]
    pub delivered: u64,
    /// Events given up (any reason) while the call waited.
    #[pyo3(get)]
    pub failed: u64,
    /// Events queued before the call and still unsettled when it returned.
    #[pyo3(get)]
    pub pending: u64,
}

impl From<CoreFlush> for FlushResult {
    fn from(r: CoreFlush) -> FlushResult {
        FlushResult { delivered: r.delivered, failed: r.failed, pending: r.pending }
    }
}

#[pymethods]
impl FlushResult {
    #[new]
    #[pyo3(signature = (delivered=0, failed=0, pending=0))]
    fn new(delivered: u64, failed: u64, pending: u64) -> FlushResult {
        FlushResult { delivered, failed, pending }
    }

    /// True when nothing queued before the call is still pending.
    #[getter]
    fn complete(&self) -> bool {
        self.pending == 0
    }

    fn __bool__(&self) -> bool {
        self.pending == 0
    }

    fn __repr__(&self) -> String {
        format!("FlushResult(delivered={}, failed={}, pending={})", self.delivered, self.failed, self.pending)
    }
}

/// A client's counters. ``enqueued == delivered + dropped + pending`` always holds.
#[pyclass(module = "outbox", name = "Stats", frozen)]
pub struct Stats {
    /// Events accepted by capture calls.
    #[pyo3(get)]
    pub enqueued: u64,
    /// Events the receiver acknowledged.
    #[pyo3(get)]
    pub delivered: u64,
    /// Events queued or in flight.
    #[pyo3(get)]
    pub pending: u64,
    /// HTTP requests sent, retries included.
    #[pyo3(get)]
    pub requests: u64,
    /// Attempts that failed transiently and were retried.
    #[pyo3(get)]
    pub retries: u64,
    /// Requests (counted in ``requests`` too) that were halves of a batch
    /// split to isolate events the receiver refused.
    #[pyo3(get)]
    pub split_requests: u64,
    /// Spool operations that failed (disk full, I/O error): events accepted
    /// meanwhile are kept in memory only; the spool retries after a pause.
    #[pyo3(get)]
    pub spool_errors: u64,
    /// The last failed attempt (``"HTTP 503"``, ``"connection refused"``...),
    /// or None: what to look at when events are not arriving.
    #[pyo3(get)]
    pub last_error: Option<String>,
    /// Transient failures in a row, since the receiver last answered.
    #[pyo3(get)]
    pub consecutive_failures: u32,
    last_success: Option<f64>,
    by_reason: [u64; 6],
}

impl Stats {
    /// The counters and the health of one client (or endpoint).
    pub fn new(s: CoreStats, h: Health) -> Stats {
        Stats {
            last_success: h.last_success_unix_ms().map(|ms| ms as f64 / 1000.0),
            last_error: h.last_error,
            consecutive_failures: h.consecutive_failures,
            enqueued: s.enqueued,
            delivered: s.delivered,
            pending: s.pending,
            requests: s.requests,
            retries: s.retries,
            split_requests: s.split_requests,
            spool_errors: s.spool_errors,
            by_reason: DropReason::ALL.map(|r| s.dropped(r)),
        }
    }
}

#[pymethods]
impl Stats {
    /// Events given up, all reasons together.
    #[getter]
    fn dropped(&self) -> u64 {
        self.by_reason.iter().sum()
    }

    /// Events given up, by reason: ``queue_full``, ``rejected``, ``too_large``,
    /// ``retries_exhausted``, ``shutdown``, ``endpoint_gone`` (every key present).
    #[getter]
    fn dropped_by_reason<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (reason, n) in DropReason::ALL.iter().zip(self.by_reason) {
            d.set_item(reason.as_str(), n)?;
        }
        Ok(d)
    }

    /// When the receiver last acknowledged a request (an aware UTC
    /// ``datetime``), or None.
    #[getter]
    fn last_success<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(seconds) = self.last_success else { return Ok(None) };
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        Ok(Some(datetime.getattr("datetime")?.call_method1("fromtimestamp", (seconds, utc))?))
    }

    /// Every counter in a plain dict (handy for metrics and logs).
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("enqueued", self.enqueued)?;
        d.set_item("delivered", self.delivered)?;
        d.set_item("dropped", self.dropped())?;
        d.set_item("dropped_by_reason", self.dropped_by_reason(py)?)?;
        d.set_item("pending", self.pending)?;
        d.set_item("requests", self.requests)?;
        d.set_item("retries", self.retries)?;
        d.set_item("split_requests", self.split_requests)?;
        d.set_item("spool_errors", self.spool_errors)?;
        d.set_item("last_error", &self.last_error)?;
        d.set_item("last_success", self.last_success(py)?)?;
        d.set_item("consecutive_failures", self.consecutive_failures)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Stats(enqueued={}, delivered={}, dropped={}, pending={}, requests={}, retries={})",
            self.enqueued,
            self.delivered,
            self.dropped(),
            self.pending,
            self.requests,
            self.retries
        )
    }
}

/// A group of events that will never be delivered, as passed to ``on_error``.
///
/// It is a report, not an exception: Outbox never raises it.
#[pyclass(module = "outbox", name = "DeliveryError", frozen)]
pub struct DeliveryError {
    /// Why: ``queue_full``, ``rejected``, ``too_large``, ``retries_exhausted``,
    /// ``shutdown`` or ``endpoint_gone``.
    #[pyo3(get)]
    pub reason: &'static str,
    /// The HTTP status that caused it, or None (network errors, queue, shutdown).
    #[pyo3(get)]
    pub status: Option<u16>,
    /// A human-readable explanation.
    #[pyo3(get)]
    pub message: String,
    /// Exact number of events lost.
    #[pyo3(get)]
    pub count: u64,
    /// Their message ids (at most 1,000; ``count`` is always exact).
    #[pyo3(get)]
    pub message_ids: Vec<String>,
    /// For webhook senders: the endpoint URL concerned; else None.
    #[pyo3(get)]
    pub endpoint: Option<String>,
    text: String,
}

impl From<&CoreDeliveryError> for DeliveryError {
    fn from(e: &CoreDeliveryError) -> DeliveryError {
        DeliveryError {
            reason: e.reason.as_str(),
            status: e.status,
            message: e.message.clone(),
            count: e.count,
            message_ids: e.message_ids.clone(),
            endpoint: e.endpoint.clone(),
            text: e.to_string(),
        }
    }
}

#[pymethods]
impl DeliveryError {
    fn __str__(&self) -> String {
        self.text.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "DeliveryError(reason={:?}, status={}, count={}, message={:?})",
            self.reason,
            self.status.map_or("None".to_owned(), |s| s.to_string()),
            self.count,
            self.message
        )
    }
}

/// The outcome of ``deliver()``: one request sent at once, outside the queue.
#[pyclass(module = "outbox", name = "DeliverOutcome", frozen)]
pub struct DeliverOutcome {
    /// True when the receiver acknowledged the request.
    #[pyo3(get)]
    pub delivered: bool,
    /// The last HTTP status received, or None.
    #[pyo3(get)]
    pub status: Option<u16>,
    /// Requests made (1 + retries).
    #[pyo3(get)]
    pub attempts: u32,
    /// Why it was not delivered, or None.
    #[pyo3(get)]
    pub error: Option<String>,
}

impl From<CoreOutcome> for DeliverOutcome {
    fn from(o: CoreOutcome) -> DeliverOutcome {
        DeliverOutcome { delivered: o.delivered, status: o.status, attempts: o.attempts, error: o.error }
    }
}

#[pymethods]
impl DeliverOutcome {
    fn __bool__(&self) -> bool {
        self.delivered
    }

    fn __repr__(&self) -> String {
        format!(
            "DeliverOutcome(delivered={}, status={}, attempts={}, error={:?})",
            if self.delivered { "True" } else { "False" },
            self.status.map_or("None".to_owned(), |s| s.to_string()),
            self.attempts,
            self.error
        )
    }
}
