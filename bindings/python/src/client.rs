//! `outbox.Client`: the engine's client with Python manners.

use std::time::Duration;

use outbox_engine::options::schema::CLIENT_OPTIONS;
use outbox_engine::options::SpoolSync;
use outbox_engine::{Client as CoreClient, Event, Kind, Library, OnFull, Options};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::value_to_py;
use crate::errors;
use crate::event::{self, Common};
use crate::lifecycle::{lifecycle_methods, Engine};
use crate::options::{timeout_arg, Kwargs};
use crate::results::{DeliverOutcome, FlushResult, Stats};
use crate::wait;

/// Default timeout of ``deliver()``.
const DELIVER_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends analytics events (track, identify, group, alias, page, screen) to a
/// Segment-compatible collector, in the background.
///
/// ``Client(endpoint, api_key=None, **options)``; every option is a keyword
/// argument (see ``docs/python.md``), checked here: a wrong type raises
/// ``TypeError``, a bad value ``outbox.InvalidOptionError``. Durations are
/// seconds (int, float or ``timedelta``).
///
/// Capture calls validate and serialize the event at once (bad input raises
/// right there) and return its message id without waiting for the network.
/// ``flush()`` waits for delivery; ``shutdown()`` (or leaving a ``with``
/// block) flushes and stops. At interpreter exit every open client is shut
/// down within its ``shutdown_timeout`` (default 5 s).
#[pyclass(module = "outbox", name = "Client", frozen, subclass, weakref)]
pub struct Client {
    inner: Engine<CoreClient>,
    /// `on_full="block"` or `spool_sync="event"`: capture calls may wait,
    /// so they release the GIL.
    block: bool,
    endpoint: String,
}

/// Reads the options (checked by the engine's schema). The flag says
/// whether capture calls may wait (`on_full="block"`, or `spool_sync="event"`
/// waiting for the disk), so they release the GIL.
fn build_options(kw: Kwargs<'_>) -> PyResult<(Options, bool)> {
    let library = Library { name: "outbox-python".into(), version: env!("CARGO_PKG_VERSION").into() };
    let mut o = Options { library, ..Options::default() };
    kw.apply(&CLIENT_OPTIONS, &mut o)?;
    let may_wait = matches!(o.delivery.on_full, OnFull::Block(_)) || o.spool_sync == SpoolSync::Event;
    Ok((o, may_wait))
}

/// Turns on debug output: engine debug records, and Python's logger
/// `outbox` at DEBUG with a stderr handler unless logging is configured.
pub fn enable_debug(py: Python<'_>) -> PyResult<()> {
    crate::logging::set_verbose();
    py.import("outbox._lifecycle")?.call_method0("enable_debug_logging")?;
    Ok(())
}

impl Client {
    fn capture(&self, py: Python<'_>, e: Event) -> PyResult<String> {
        let result = if self.block { py.detach(|| self.inner.capture(e)) } else { self.inner.capture(e) };
        result.map_err(|err| errors::from_core(py, err))
    }
}

/// The six capture calls, from one table: each differs from the others only
/// in its leading arguments (named as in Python, each read by `id`, `text`
/// or `json` of `event::arg` into the event field of the same name)
/// and its kind; all take the keyword-only arguments of `Common`.
macro_rules! capture_calls {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $read:ident $(= $default:tt)?),*) -> $kind:ident;
    )*) => {
        #[pymethods]
        impl Client {
            $(
                $(#[$doc])*
                #[pyo3(signature = (
                    $($arg $(= $default)?,)*
                    *, anonymous_id=None, timestamp=None, context=None, message_id=None, integrations=None
                ))]
                #[allow(clippy::too_many_arguments)]
                fn $name(
                    &self,
                    py: Python<'_>,
                    $($arg: Option<&Bound<'_, PyAny>>,)*
                    anonymous_id: Option<&Bound<'_, PyAny>>,
                    timestamp: Option<&Bound<'_, PyAny>>,
                    context: Option<&Bound<'_, PyAny>>,
                    message_id: Option<&Bound<'_, PyAny>>,
                    integrations: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<String> {
                    let mut e = Event::new(Kind::$kind);
                    $(e.$arg = event::arg::$read(py, $arg, stringify!($arg))?;)*
                    Common { anonymous_id, timestamp, context, message_id, integrations }.apply(py, &mut e)?;
                    self.capture(py, e)
                }
            )*
        }
    };
}

capture_calls! {
    /// Queues a ``track`` event (a user did something); returns its message id.
    ///
    /// ``user_id`` may be None when ``anonymous_id`` is given. ``properties``
    /// is a dict (or dataclass, or mapping) converted to JSON right here.
    fn track(user_id: id, event: text, properties: json = None) -> Track;

    /// Queues an ``identify`` event (who the user is); returns its message id.
    fn identify(user_id: id, traits: json = None) -> Identify;

    /// Queues a ``group`` event (the user belongs to a group); returns its message id.
    fn group(user_id: id, group_id: id, traits: json = None) -> Group;

    /// Queues an ``alias`` event (``previous_id`` is now ``user_id``); returns its message id.
    fn alias(previous_id: id, user_id: id) -> Alias;

    /// Queues a ``page`` event (a web page view); returns its message id.
    fn page(user_id: id, name: text = None, properties: json = None) -> Page;

    /// Queues a ``screen`` event (a mobile screen view); returns its message id.
    fn screen(user_id: id, name: text = None, properties: json = None) -> Screen;
}

lifecycle_methods! {
    Client,
    /// Waits until every event queued before the call is delivered or given
    /// up, or ``timeout`` seconds pass (None: no deadline; Ctrl-C still
    /// interrupts). Releases the GIL while it waits. Returns a ``FlushResult``.
    flush,
    /// Flushes for up to ``timeout`` seconds (None: the client's
    /// ``shutdown_timeout``), then gives up what is left (reported to
    /// ``on_error`` with reason ``"shutdown"``) and stops. Idempotent;
    /// capture calls afterwards raise ``outbox.ClosedError``.
    shutdown,
    /// ``await client.aflush(timeout)``: ``flush`` on asyncio's default
    /// executor, so the event loop keeps running while it waits.
    aflush,
    /// ``await client.ashutdown(timeout)``: ``shutdown`` without blocking the event loop.
    ashutdown,
    /// The client's counters (a ``Stats``); they always balance:
    /// ``enqueued == delivered + dropped + pending``.
    stats,
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (endpoint=None, api_key=None, **options))]
    fn new(
        py: Python<'_>,
        endpoint: Option<&Bound<'_, PyAny>>,
        api_key: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Client> {
        let kw = Kwargs::new(py, "Client()", options)?;
        kw.put("endpoint", endpoint)?;
        kw.put("api_key", api_key)?;
        let (options, block) = build_options(kw)?;
        if options.delivery.debug {
            enable_debug(py)?;
        }
        let endpoint = options.endpoint.clone();
        let shutdown_timeout = options.delivery.shutdown_timeout;
        // Opening a spool reads what dead processes left: other Python
        // threads run meanwhile.
        let inner = py.detach(|| CoreClient::new(options)).map_err(|e| errors::from_core(py, e))?;
        Ok(Client { inner: Engine::new(inner, shutdown_timeout), block, endpoint })
    }

    /// Queues many events of any type; returns their message ids, in order.
    ///
    /// Each event is a dict in Segment's shape, e.g.
    /// ``{"type": "track", "userId": "u1", "event": "Signed Up", "properties": {...}}``
    /// (snake_case keys such as ``user_id`` and ``message_id`` work too).
    /// All are validated first: if one is invalid, none is queued and the
    /// error names its position (``event 3: ...``).
    fn batch(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let events = event::many(py, events)?;
        let result = if self.block { py.detach(|| self.inner.batch(&events)) } else { self.inner.batch(&events) };
        result.map_err(|err| errors::from_core(py, err))
    }

    /// Sends one event (a dict as in ``batch``) or a list of them in one
    /// request now, bypassing the queue; retries transient failures within
    /// ``timeout`` seconds (default 10) and returns a ``DeliverOutcome``
    /// (delivered, HTTP status, attempts). For serverless handlers and
    /// events whose sender must know. Releases the GIL while it waits.
    #[pyo3(signature = (events, timeout=None))]
    fn deliver(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<DeliverOutcome> {
        let events = event::one_or_many(py, events)?;
        let timeout = timeout_arg(py, timeout, DELIVER_TIMEOUT)?;
        let inner = self.inner.shared();
        wait::interruptible(py, move || inner.deliver(&events, timeout))?
            .map(DeliverOutcome::from)
            .map_err(|e| errors::from_core(py, e))
    }

    /// ``await client.adeliver(events, timeout)``: ``deliver`` without blocking the event loop.
    #[pyo3(signature = (events, timeout=None))]
    fn adeliver<'py>(
        slf: &Bound<'py, Self>,
        events: Bound<'py, PyAny>,
        timeout: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let functools = py.import("functools")?;
        let call = functools.call_method1("partial", (slf.getattr("deliver")?, events, timeout))?;
        wait::in_executor(py, call, None)
    }

    /// In ``test_mode``: every event "sent" so far, as dicts, in order.
    fn captured<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for event in self.inner.captured() {
            list.append(value_to_py(py, &event)?)?;
        }
        Ok(list)
    }

    /// In ``test_mode``: forget what was captured.
    fn clear_captured(&self) {
        self.inner.clear_captured();
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Leaving a ``with`` block shuts the client down (``shutdown()``).
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.shutdown(py, None)?;
        Ok(false)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        wait::ready(slf.py(), slf.clone().into_any())
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(slf: &Bound<'py, Self>, _exc: &Bound<'py, pyo3::types::PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        wait::in_executor(slf.py(), slf.getattr("_shutdown_for_exit")?, None)
    }

    /// `shutdown()` returning None (an `__aexit__` result must be falsy).
    fn _shutdown_for_exit(&self, py: Python<'_>) -> PyResult<()> {
        self.shutdown(py, None).map(|_| ())
    }

    fn __repr__(&self) -> String {
        let s = CoreClient::stats(&self.inner);
        format!("<outbox.Client endpoint={:?} pending={} delivered={}>", self.endpoint, s.pending, s.delivered)
    }
}
