//! `NativeClient`: the engine's `Client` for JavaScript. `index.js` wraps it
//! in the public `Client` class (argument order, errors, exit hooks).

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{sys, Env, JsValue, Task};
use napi_derive::napi;

use outbox_bind::iso_date;
use outbox_engine::{Client, Event, Kind, Library};

use crate::convert::{to_json, Limit};
use crate::js::{core_error, invalid_event, ty, Fail, Js, Raw, R};
use crate::lifecycle::{route_for, timeout_arg, NativeLifecycle, OnErrorFn, Shared};
use crate::logging::LogFn;
use crate::options::{client_options, Reader};

/// The outcome of `deliver`, or the reason it was refused.
#[napi(object)]
pub struct DeliverOutput {
    pub delivered: bool,
    pub status: Option<u32>,
    pub attempts: u32,
    pub error: Option<String>,
    /// Set when the call was refused (`OutboxError` code and message).
    pub fail_code: Option<String>,
    pub fail_message: Option<String>,
}

pub struct DeliverTask {
    shared: Arc<Shared<Client>>,
    events: Vec<Event>,
    timeout: Duration,
}

impl Task for DeliverTask {
    type Output = DeliverOutput;
    type JsValue = DeliverOutput;

    fn compute(&mut self) -> napi::Result<DeliverOutput> {
        let outcome = catch_unwind(AssertUnwindSafe(|| self.shared.engine.deliver(&self.events, self.timeout)));
        let refused = |code: &str, message: String| DeliverOutput {
            delivered: false,
            status: None,
            attempts: 0,
            error: None,
            fail_code: Some(code.to_owned()),
            fail_message: Some(message),
        };
        Ok(match outcome {
            Ok(Ok(o)) => DeliverOutput {
                delivered: o.delivered,
                status: o.status.map(u32::from),
                attempts: o.attempts,
                error: o.error,
                fail_code: None,
                fail_message: None,
            },
            Ok(Err(e)) => match core_error(&e) {
                Fail::Outbox(code, message) => refused(code, message),
                _ => refused("internal", e.to_string()),
            },
            Err(_) => refused("internal", "internal error while delivering".into()),
        })
    }

    fn resolve(&mut self, _env: Env, output: DeliverOutput) -> napi::Result<DeliverOutput> {
        Ok(output)
    }
}

#[napi]
pub struct NativeClient {
    shared: Arc<Shared<Client>>,
}

const KINDS: [Kind; 6] = [Kind::Track, Kind::Identify, Kind::Group, Kind::Alias, Kind::Page, Kind::Screen];

#[napi]
impl NativeClient {
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: Unknown<'_>,
        on_error: Option<OnErrorFn<'_>>,
        log: Option<LogFn<'_>>,
    ) -> napi::Result<NativeClient> {
        let js = Js::new(env.raw());
        let mut opts = client_options(js, options.raw()).map_err(|f| js.throw(f))?;
        crate::logging::init();
        opts.delivery.log_sink = crate::logging::sink_for(log)?;
        let route = route_for(on_error)?;
        opts.delivery.on_error = route.on_error();
        opts.library = Library { name: "outbox-node".into(), version: env!("CARGO_PKG_VERSION").into() };
        let shutdown_timeout = opts.delivery.shutdown_timeout;
        let limit = Limit { bytes: opts.max_event_bytes, option: "maxEventBytes" };
        let client = Client::new(opts).map_err(|e| js.throw(core_error(&e)))?;
        Ok(NativeClient { shared: Shared::register(client, route, shutdown_timeout, limit) })
    }

    /// Queues one event: `kind` indexes track, identify, group, alias, page,
    /// screen; `second` is the event name, group id, previous id or page name.
    #[napi]
    pub fn capture(
        &self,
        env: Env,
        kind: u32,
        user_id: Unknown<'_>,
        second: Unknown<'_>,
        payload: Unknown<'_>,
        options: Unknown<'_>,
    ) -> napi::Result<String> {
        let js = Js::new(env.raw());
        let event = build_event(js, kind, user_id.raw(), second.raw(), payload.raw(), options.raw(), self.shared.limit)
            .map_err(|f| js.throw(f))?;
        self.shared.engine.capture(event).map_err(|e| js.throw(core_error(&e)))
    }

    /// Queues one event given as a Segment-style message object
    /// (`{ userId, event, properties, ... }`); `kind` as for `capture`.
    #[napi]
    pub fn capture_message(&self, env: Env, kind: u32, message: Unknown<'_>) -> napi::Result<String> {
        let js = Js::new(env.raw());
        let event = read_message(js, kind, message.raw(), "message", self.shared.limit).map_err(|f| js.throw(f))?;
        self.shared.engine.capture(event).map_err(|e| js.throw(core_error(&e)))
    }

    /// The hot path: a plain function bound to this client,
    /// `capture(kind, userId, second, payload, options)`, the same as
    /// `capture` without the per-call cost of a class method. It holds the
    /// client until it is garbage-collected itself.
    #[napi]
    pub fn capture_fn(&self, env: Env) -> napi::Result<Unknown<'static>> {
        let raw_env = env.raw();
        let js = Js::new(raw_env);
        let data = Arc::into_raw(self.shared.clone()) as *mut c_void;
        let mut f = ptr::null_mut();
        let status =
            unsafe { sys::napi_create_function(raw_env, c"capture".as_ptr(), 7, Some(capture_callback), data, &mut f) };
        if let Err(fail) = js.check_named(status, "napi_create_function") {
            // SAFETY: the function was not created; the Arc is still ours.
            drop(unsafe { Arc::from_raw(data as *const Shared<Client>) });
            return Err(js.throw(fail));
        }
        let status = unsafe {
            sys::napi_add_finalizer(raw_env, f, data, Some(release_shared), ptr::null_mut(), ptr::null_mut())
        };
        // On failure the Arc leaks (the function may still use it): safe, and
        // only possible while the environment is being torn down.
        js.check_named(status, "napi_add_finalizer").map_err(|fail| js.throw(fail))?;
        // SAFETY: `f` is a live function of this environment.
        Ok(unsafe { Unknown::from_raw_unchecked(raw_env, f) })
    }

    #[napi]
    pub fn batch(&self, env: Env, events: Unknown<'_>) -> napi::Result<Vec<String>> {
        let js = Js::new(env.raw());
        let list = read_events(js, events.raw(), false, self.shared.limit).map_err(|f| js.throw(f))?;
        self.shared.engine.batch(&list).map_err(|e| js.throw(core_error(&e)))
    }

    /// Flush, shutdown and the counters (see lifecycle.rs).
    #[napi]
    pub fn lifecycle(&self) -> NativeLifecycle {
        self.shared.lifecycle()
    }

    #[napi]
    pub fn deliver(
        &self,
        env: Env,
        events: Unknown<'_>,
        timeout_ms: Unknown<'_>,
    ) -> napi::Result<AsyncTask<DeliverTask>> {
        let js = Js::new(env.raw());
        let list = read_events(js, events.raw(), true, self.shared.limit).map_err(|f| js.throw(f))?;
        let timeout = timeout_arg(js, timeout_ms.raw(), Duration::from_secs(10), "deliver(events, timeoutMs)")
            .map_err(|f| js.throw(f))?;
        Ok(AsyncTask::new(DeliverTask { shared: self.shared.clone(), events: list, timeout }))
    }

    /// In test mode: the events delivered so far, as a JSON array.
    #[napi]
    pub fn captured_json(&self) -> String {
        serde_json::to_string(&self.shared.engine.captured()).unwrap_or_else(|_| "[]".into())
    }

    #[napi]
    pub fn clear_captured(&self) {
        self.shared.engine.clear_captured();
    }
}

unsafe extern "C" fn release_shared(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Arc given to `napi_create_function` in `capture_fn`.
    drop(unsafe { Arc::from_raw(data as *const Shared<Client>) });
}

/// `capture(kind, userId, second, payload, options)` of the function made by `capture_fn`.
unsafe extern "C" fn capture_callback(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let js = Js::new(env);
    let mut argc = 5usize;
    // Arguments not passed read as `undefined`.
    let mut argv = [ptr::null_mut(); 5];
    let mut data = ptr::null_mut();
    let status = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    if js.check_named(status, "napi_get_cb_info").is_err() || data.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `data` is the Arc<Shared> this function owns until it is finalized.
    let shared = unsafe { &*(data as *const Shared<Client>) };
    let run = catch_unwind(AssertUnwindSafe(|| -> R<Raw> {
        let mut kind = 0u32;
        js.check_named(unsafe { sys::napi_get_value_uint32(env, argv[0], &mut kind) }, "napi_get_value_uint32")?;
        let event = build_event(js, kind, argv[1], argv[2], argv[3], argv[4], shared.limit)?;
        let id = shared.engine.capture(event).map_err(|e| core_error(&e))?;
        js.str_value(&id)
    }));
    match run {
        Ok(Ok(id)) => id,
        Ok(Err(fail)) => {
            js.throw(fail);
            ptr::null_mut()
        }
        Err(_) => {
            js.throw(Fail::Outbox("internal", "internal error while queuing the event".into()));
            ptr::null_mut()
        }
    }
}

/// A user, group or previous id: a string, or a number sent as a string.
fn id_arg(js: Js, v: Raw, what: &str) -> R<Option<String>> {
    match js.type_of(v)? {
        ty::napi_undefined | ty::napi_null => Ok(None),
        ty::napi_string => Ok(Some(js.string(v)?)),
        ty::napi_number if js.f64(v)?.is_finite() => Ok(Some(js.coerce_string(v)?)),
        _ => Err(Fail::Type(format!("{what} must be a string (or a number), not {}", js.describe(v)))),
    }
}

fn string_arg(js: Js, v: Raw, what: &str) -> R<Option<String>> {
    match js.type_of(v)? {
        ty::napi_undefined | ty::napi_null => Ok(None),
        ty::napi_string => Ok(Some(js.string(v)?)),
        _ => Err(Fail::Type(format!("{what} must be a string, not {}", js.describe(v)))),
    }
}

/// A timestamp: a Date, or an RFC 3339 / ISO 8601 string (checked by the engine).
fn timestamp_arg(js: Js, v: Raw, what: &str) -> R<Option<String>> {
    match js.type_of(v)? {
        ty::napi_undefined | ty::napi_null => Ok(None),
        ty::napi_string => Ok(Some(js.string(v)?)),
        ty::napi_object if js.is_date(v)? => {
            let ms = js.date_value(v)?;
            if !ms.is_finite() {
                return Err(invalid_event(format!("{what} is an invalid Date")));
            }
            Ok(Some(iso_date(ms)))
        }
        _ => Err(Fail::Type(format!("{what} must be a Date or an ISO 8601 string, not {}", js.describe(v)))),
    }
}

const CALL_OPTIONS: &[&str] = &["anonymousId", "timestamp", "context", "messageId", "integrations"];

fn build_event(js: Js, kind: u32, user: Raw, second: Raw, payload: Raw, options: Raw, limit: Limit) -> R<Event> {
    let kind = *KINDS.get(kind as usize).ok_or_else(|| Fail::Type(format!("unknown event kind {kind}")))?;
    let mut e = Event::new(kind);
    e.user_id = id_arg(js, user, "userId")?;
    match kind {
        Kind::Track => e.event = string_arg(js, second, "event")?,
        Kind::Group => e.group_id = id_arg(js, second, "groupId")?,
        Kind::Alias => e.previous_id = id_arg(js, second, "previousId")?,
        Kind::Page | Kind::Screen => e.name = string_arg(js, second, "name")?,
        Kind::Identify => {}
    }
    match kind {
        Kind::Track | Kind::Page | Kind::Screen => e.properties = to_json(js, payload, "properties", limit)?,
        Kind::Identify | Kind::Group => e.traits = to_json(js, payload, "traits", limit)?,
        Kind::Alias => {}
    }
    if let Some(r) = Reader::new(js, options, "options", CALL_OPTIONS)? {
        if let Some(v) = r.get("anonymousId")? {
            e.anonymous_id = id_arg(js, v, "options.anonymousId")?;
        }
        if let Some(v) = r.get("messageId")? {
            e.message_id = string_arg(js, v, "options.messageId")?;
        }
        if let Some(v) = r.get("timestamp")? {
            e.timestamp = timestamp_arg(js, v, "options.timestamp")?;
        }
        if let Some(v) = r.get("context")? {
            e.context = to_json(js, v, "options.context", limit)?;
        }
        if let Some(v) = r.get("integrations")? {
            e.integrations = to_json(js, v, "options.integrations", limit)?;
        }
    }
    Ok(e)
}

const EVENT_FIELDS: &[&str] = &[
    "type",
    "userId",
    "anonymousId",
    "event",
    "name",
    "groupId",
    "previousId",
    "properties",
    "traits",
    "context",
    "integrations",
    "timestamp",
    "messageId",
];

/// Events in Segment's shape (`{type: "track", userId, event, ...}`): an
/// array, or (for `deliver`) a single event.
fn read_events(js: Js, v: Raw, single_ok: bool, limit: Limit) -> R<Vec<Event>> {
    if !js.is_array(v)? {
        if single_ok && js.type_of(v)? == ty::napi_object {
            return Ok(vec![read_event(js, v, "event", limit)?]);
        }
        let expected = if single_ok { "an event object or an array of events" } else { "an array of events" };
        return Err(Fail::Type(format!("expected {expected}, not {}", js.describe(v))));
    }
    let len = js.array_len(v)?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        out.push(read_event(js, js.element(v, i)?, &format!("events[{i}]"), limit)?);
    }
    Ok(out)
}

fn read_event(js: Js, v: Raw, what: &str, limit: Limit) -> R<Event> {
    let Some(r) = Reader::event(js, v, what, EVENT_FIELDS)? else {
        return Err(invalid_event(format!("{what} must be an event object, not {}", js.describe(v))));
    };
    let kind = match r.get("type")? {
        Some(t) if js.type_of(t)? == ty::napi_string => {
            Kind::parse(&js.string(t)?).map_err(|e| match core_error(&e) {
                Fail::Outbox(code, m) => Fail::Outbox(code, format!("{what}: {m}")),
                other => other,
            })?
        }
        Some(t) => return Err(r.bad("type", "a string (track, identify, group, alias, page or screen)", t)),
        None => {
            return Err(invalid_event(format!(
                "{what} needs a \"type\" (track, identify, group, alias, page or screen)"
            )))
        }
    };
    read_fields(js, &r, kind, what, limit)
}

/// The object form of a capture call, as @segment/analytics-node and
/// posthog-node take it: `track({ userId, event, properties, ... })`. The
/// call names the type, so `type` is not a field here.
fn read_message(js: Js, kind: u32, v: Raw, what: &str, limit: Limit) -> R<Event> {
    let kind = *KINDS.get(kind as usize).ok_or_else(|| Fail::Type(format!("unknown event kind {kind}")))?;
    let Some(r) = Reader::event(js, v, what, &EVENT_FIELDS[1..])? else {
        return Err(invalid_event(format!("{what} must be an object, not {}", js.describe(v))));
    };
    read_fields(js, &r, kind, what, limit)
}

fn read_fields(js: Js, r: &Reader<'_>, kind: Kind, what: &str, limit: Limit) -> R<Event> {
    let mut e = Event::new(kind);
    let field = |name: &str| format!("{what}.{name}");
    if let Some(x) = r.get("userId")? {
        e.user_id = id_arg(js, x, &field("userId"))?;
    }
    if let Some(x) = r.get("anonymousId")? {
        e.anonymous_id = id_arg(js, x, &field("anonymousId"))?;
    }
    if let Some(x) = r.get("groupId")? {
        e.group_id = id_arg(js, x, &field("groupId"))?;
    }
    if let Some(x) = r.get("previousId")? {
        e.previous_id = id_arg(js, x, &field("previousId"))?;
    }
    if let Some(x) = r.get("event")? {
        e.event = string_arg(js, x, &field("event"))?;
    }
    if let Some(x) = r.get("name")? {
        e.name = string_arg(js, x, &field("name"))?;
    }
    if let Some(x) = r.get("messageId")? {
        e.message_id = string_arg(js, x, &field("messageId"))?;
    }
    if let Some(x) = r.get("timestamp")? {
        e.timestamp = timestamp_arg(js, x, &field("timestamp"))?;
    }
    for (name, slot) in [
        ("properties", &mut e.properties),
        ("traits", &mut e.traits),
        ("context", &mut e.context),
        ("integrations", &mut e.integrations),
    ] {
        if let Some(x) = r.get(name)? {
            *slot = to_json(js, x, &field(name), limit)?;
        }
    }
    Ok(e)
}
