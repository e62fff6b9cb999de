//! `outbox_client_t`: the capture calls, flush, shutdown, stats.

use std::ffi::c_char;
use std::sync::Arc;

use outbox_engine::{Client, DropReason, Event, FlushResult, Json, Stats};
use serde_json::Value;

use crate::callback::Gate;
use crate::config::{millis, outbox_config_t};
use crate::owner::{self, owner_ref, Owner};
use crate::status::{guard, outbox_status_t, Failure, OUTBOX_ERR_NOT_DELIVERED};
use crate::strings::{arg_opt_str, arg_str, check_len, clear_out, put_string};

/// A client: queues events and delivers them in the background. Create it
/// with `outbox_client_new`, free it with `outbox_client_free`.
///
/// Thread-safe: every function taking a client may be called from any
/// number of threads at once, except `outbox_client_free`, which must be
/// the last call (no other call on the same client may be running or start
/// after it). Create one per process and destination.
///
/// fork(): a client created before `fork()` may be used in both processes.
/// The child starts with an empty queue and its own background thread; the
/// parent's queued events stay the parent's, and both deliver.
pub struct outbox_client_t {
    client: Client,
    gate: Option<Arc<Gate>>,
    max_event_bytes: usize,
    max_queue_bytes: usize,
}

/// The outcome of `outbox_flush` or `outbox_shutdown`, for the events
/// queued before the call.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct outbox_flush_result_t {
    /// Events delivered while the call waited.
    pub delivered: u64,
    /// Events given up while the call waited (any reason; each reported to
    /// the error callback).
    pub failed: u64,
    /// Events neither delivered nor given up when the call returned (the
    /// timeout passed). After `outbox_shutdown` these are dropped with
    /// reason `"shutdown"`. Zero means everything was settled.
    pub pending: u64,
}

impl From<FlushResult> for outbox_flush_result_t {
    fn from(r: FlushResult) -> Self {
        outbox_flush_result_t { delivered: r.delivered, failed: r.failed, pending: r.pending }
    }
}

/// The counters of a client (or webhook sender). They always balance:
/// `enqueued == delivered + dropped + pending`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct outbox_stats_t {
    /// Events accepted by capture calls.
    pub enqueued: u64,
    /// Events the receiver acknowledged.
    pub delivered: u64,
    /// Events given up, all reasons (the sum of the `dropped_*` fields).
    pub dropped: u64,
    /// Events queued or in flight.
    pub pending: u64,
    /// Requests sent, retries included.
    pub requests: u64,
    /// Attempts that failed transiently and were retried.
    pub retries: u64,
    /// Dropped because the queue was full (`on_full`).
    pub dropped_queue_full: u64,
    /// Dropped because the receiver answered a permanent 4xx.
    pub dropped_rejected: u64,
    /// Dropped because a single event got a 413.
    pub dropped_too_large: u64,
    /// Dropped after `max_retries` transient failures.
    pub dropped_retries_exhausted: u64,
    /// Dropped because shutdown reached its deadline first.
    pub dropped_shutdown: u64,
    /// Dropped because a webhook endpoint answered 410 Gone.
    pub dropped_endpoint_gone: u64,
    /// Requests (counted in `requests` too) that were halves of a batch
    /// split to isolate events the receiver refused.
    pub split_requests: u64,
    /// Spool operations that failed (disk full, I/O error): events accepted
    /// meanwhile are kept in memory only; the spool retries after a pause.
    pub spool_errors: u64,
}

impl From<Stats> for outbox_stats_t {
    fn from(s: Stats) -> Self {
        outbox_stats_t {
            enqueued: s.enqueued,
            delivered: s.delivered,
            dropped: s.dropped_total(),
            pending: s.pending,
            requests: s.requests,
            retries: s.retries,
            dropped_queue_full: s.dropped(DropReason::QueueFull),
            dropped_rejected: s.dropped(DropReason::Rejected),
            dropped_too_large: s.dropped(DropReason::TooLarge),
            dropped_retries_exhausted: s.dropped(DropReason::RetriesExhausted),
            dropped_shutdown: s.dropped(DropReason::Shutdown),
            dropped_endpoint_gone: s.dropped(DropReason::EndpointGone),
            split_requests: s.split_requests,
            spool_errors: s.spool_errors,
        }
    }
}

/// What a client found in its spool directory when it was created
/// (`outbox_spool_recovery`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct outbox_spool_recovery_t {
    /// Spool directories of dead processes that were adopted.
    pub adopted: usize,
    /// Undelivered events they held, queued again with their original
    /// message ids.
    pub events: usize,
    /// Parts that could not be read (torn or corrupt records), skipped.
    pub damaged: usize,
}

/// The outcome of `outbox_deliver`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct outbox_deliver_result_t {
    /// True when the receiver acknowledged the request.
    pub delivered: bool,
    /// The last HTTP status received, or 0 when none was.
    pub http_status: u16,
    /// Requests made (1 + retries).
    pub attempts: u32,
}

impl Owner for outbox_client_t {
    type Engine = Client;
    const NAME: &'static str = "client";
    fn parts(&self) -> (&Client, Option<&Arc<Gate>>) {
        (&self.client, self.gate.as_ref())
    }
}

/// Creates a client from `config` (which is only read: free it whenever you
/// like). `*client_out` receives the client, owned by the caller: free it
/// with `outbox_client_free`. No thread starts and no connection opens
/// until the first event.
///
/// The first client or webhook sender of the process also registers an
/// exit hook (`atexit`) that delivers what is still queued in every open
/// client and sender, waiting at most each one's shutdown timeout, so a
/// program that returns from `main` or calls `exit()` without freeing its
/// client loses nothing that could be delivered in time. (`_exit()`, a
/// signal or a crash skip it.) The hook calls no error callback: by then
/// `user_data` may point into `main`'s finished stack frame.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`
/// (the message names the option: no endpoint, `max_batch_bytes` smaller
/// than `max_event_bytes`, an invalid signing secret, a bad proxy URL, ...).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_client_new(
    config: *const outbox_config_t,
    client_out: *mut *mut outbox_client_t,
) -> outbox_status_t {
    guard(|| {
        let out = unsafe { owner::out_slot(client_out, "client_out") }?;
        let config = unsafe { config.as_ref() }.ok_or_else(|| Failure::null("config"))?;
        let mut options = config.options.clone();
        let (on_error, gate) = owner::on_error(config.on_error);
        options.delivery.on_error = on_error;
        let max_event_bytes = options.max_event_bytes;
        let max_queue_bytes = options.delivery.max_queue_bytes;
        let client = Client::new(options)?;
        *out = owner::hand_out(outbox_client_t { client, gate, max_event_bytes, max_queue_bytes });
        Ok(())
    })
}

/// Shuts the client down and frees it: delivers what is queued, waiting at
/// most the shutdown timeout (`outbox_config_set_shutdown_timeout_ms`,
/// default 5 s; events still pending then are reported with reason
/// `"shutdown"`), then releases everything. Returns once no error callback
/// of this client is running or will run. NULL is a no-op.
///
/// Call it once, after every other call on this client has returned.
///
/// From inside the client's own error callback it cannot free the client
/// at once (the callback is still running on it), so it stops further
/// callbacks, waits for the client's callbacks running on other threads,
/// and returns; the client is then shut down and freed on this thread as
/// soon as the callback returns (events that shutdown gives up are counted,
/// not reported). Only the callback that called it is still running when
/// it returns. A second free of the same client from a callback that its
/// first free runs is ignored.
#[no_mangle]
pub unsafe extern "C" fn outbox_client_free(client: *mut outbox_client_t) {
    unsafe { owner::free(client) }
}

/// Parses optional JSON text (properties, traits) without building a tree.
fn json_arg(text: Option<&str>, name: &str, limit: usize) -> Result<Option<Json>, Failure> {
    let Some(text) = text else { return Ok(None) };
    check_len(text, limit, name, "max_event_bytes")?;
    Json::parse(text).map(Some).map_err(|e| Failure::from(prefixed(e, name)))
}

fn prefixed(e: outbox_engine::Error, name: &str) -> outbox_engine::Error {
    match e {
        outbox_engine::Error::InvalidJson(m) => outbox_engine::Error::InvalidJson(format!("{name}: {m}")),
        other => other,
    }
}

fn capture(client: &outbox_client_t, event: Event, message_id_out: *mut *mut c_char) -> Result<(), Failure> {
    let id = client.client.capture(event)?;
    unsafe { put_string(message_id_out, &id) };
    Ok(())
}

/// Queues a `track` event: `user_id` did `event` (e.g. "Order Completed").
///
/// - `properties`: JSON object text, or NULL for none.
/// - `message_id_out`: optional (NULL to ignore); on success receives the
///   event's message id, a new string owned by the caller (free it with
///   `outbox_string_free`); on failure it is set to NULL.
///
/// Never waits for the network: the event is validated and serialized here,
/// then queued. Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8`,
/// `OUTBOX_ERR_JSON`, `OUTBOX_ERR_INVALID_EVENT` (empty `user_id` or
/// `event`, properties not an object), `OUTBOX_ERR_TOO_LARGE` (over
/// `max_event_bytes`) or `OUTBOX_ERR_CLOSED`. A full queue is not an
/// error: the `on_full` policy applies and the drop is reported.
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_track(
    client: *const outbox_client_t,
    user_id: *const c_char,
    event: *const c_char,
    properties: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let mut e = Event::track(unsafe { arg_str(user_id, "user_id") }?, unsafe { arg_str(event, "event") }?);
        e.properties = json_arg(unsafe { arg_opt_str(properties, "properties") }?, "properties", c.max_event_bytes)?;
        capture(c, e, message_id_out)
    })
}

/// Queues an `identify` event: who `user_id` is. `traits`: JSON object
/// text or NULL. Otherwise as `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_identify(
    client: *const outbox_client_t,
    user_id: *const c_char,
    traits: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let mut e = Event::identify(unsafe { arg_str(user_id, "user_id") }?);
        e.traits = json_arg(unsafe { arg_opt_str(traits, "traits") }?, "traits", c.max_event_bytes)?;
        capture(c, e, message_id_out)
    })
}

/// Queues a `group` event: `user_id` belongs to `group_id` (a company, an
/// account). `traits`: the group's traits as JSON object text, or NULL.
/// Otherwise as `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_group(
    client: *const outbox_client_t,
    user_id: *const c_char,
    group_id: *const c_char,
    traits: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let mut e = Event::group(unsafe { arg_str(user_id, "user_id") }?, unsafe { arg_str(group_id, "group_id") }?);
        e.traits = json_arg(unsafe { arg_opt_str(traits, "traits") }?, "traits", c.max_event_bytes)?;
        capture(c, e, message_id_out)
    })
}

/// Queues an `alias` event: `previous_id` (e.g. an anonymous id) and
/// `user_id` are the same person. Otherwise as `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_alias(
    client: *const outbox_client_t,
    previous_id: *const c_char,
    user_id: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let e = Event::alias(unsafe { arg_str(previous_id, "previous_id") }?, unsafe { arg_str(user_id, "user_id") }?);
        capture(c, e, message_id_out)
    })
}

/// Queues a `page` event: `user_id` viewed a web page. `name` (the page's
/// name) and `properties` (JSON object text) may be NULL. Otherwise as
/// `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_page(
    client: *const outbox_client_t,
    user_id: *const c_char,
    name: *const c_char,
    properties: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let name = unsafe { arg_opt_str(name, "name") }?.map(str::to_owned);
        let mut e = Event::page(unsafe { arg_str(user_id, "user_id") }?, name);
        e.properties = json_arg(unsafe { arg_opt_str(properties, "properties") }?, "properties", c.max_event_bytes)?;
        capture(c, e, message_id_out)
    })
}

/// Queues a `screen` event: `user_id` viewed an app screen. `name` and
/// `properties` may be NULL. Otherwise as `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_screen(
    client: *const outbox_client_t,
    user_id: *const c_char,
    name: *const c_char,
    properties: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let name = unsafe { arg_opt_str(name, "name") }?.map(str::to_owned);
        let mut e = Event::screen(unsafe { arg_str(user_id, "user_id") }?, name);
        e.properties = json_arg(unsafe { arg_opt_str(properties, "properties") }?, "properties", c.max_event_bytes)?;
        capture(c, e, message_id_out)
    })
}

/// One event object or an array of them, read as the caller wrote them
/// (nested objects keep their key order and every digit).
fn parse_events(text: &str, name: &str, limit: usize, limit_name: &str) -> Result<Vec<Event>, Failure> {
    check_len(text, limit, name, limit_name)?;
    if !text.trim_start().starts_with(['[', '{']) {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Failure::from(outbox_engine::Error::InvalidJson(e.to_string())))?;
        return Err(Failure::from(outbox_engine::Error::InvalidEvent(
            "events must be a JSON array of event objects".into(),
        )));
    }
    Event::many_from_json_text(text).map_err(Failure::from)
}

/// Queues one event given as JSON in Segment's shape, with every field
/// available: `{"type": "track", "userId": "u1", "event": "Clicked",
/// "anonymousId": ..., "timestamp": "2024-05-01T12:00:00Z", "context":
/// {...}, "messageId": ..., "properties": {...}}` (also `identify`,
/// `group`, `alias`, `page`, `screen`). Unknown fields are refused.
/// Otherwise as `outbox_track`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_capture(
    client: *const outbox_client_t,
    event_json: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let c = unsafe { owner_ref(client) }?;
        let text = unsafe { arg_str(event_json, "event_json") }?;
        let mut events = parse_events(text, "event_json", c.max_event_bytes, "max_event_bytes")?;
        if events.len() != 1 || !text.trim_start().starts_with('{') {
            return Err(Failure::from(outbox_engine::Error::InvalidEvent("event_json must be one JSON object".into())));
        }
        capture(c, events.remove(0), message_id_out)
    })
}

/// Queues many events at once: `events_json` is a JSON array of events in
/// the shape `outbox_capture` takes, of any types. All are validated first:
/// if one is invalid, none is queued and the message names its position.
///
/// `message_ids_out`: optional; on success receives a new string (free it
/// with `outbox_string_free`) holding the JSON array of the events' message
/// ids, in order.
///
/// Returns as `outbox_track`; `OUTBOX_ERR_TOO_LARGE` also when
/// `events_json` is longer than `max_queue_bytes`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_batch(
    client: *const outbox_client_t,
    events_json: *const c_char,
    message_ids_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_ids_out) };
        let c = unsafe { owner_ref(client) }?;
        let text = unsafe { arg_str(events_json, "events_json") }?;
        if !text.trim_start().starts_with('[') {
            check_len(text, c.max_queue_bytes, "events_json", "max_queue_bytes")?;
            serde_json::from_str::<Value>(text)
                .map_err(|e| Failure::from(outbox_engine::Error::InvalidJson(e.to_string())))?;
            return Err(Failure::from(outbox_engine::Error::InvalidEvent(
                "events_json must be a JSON array of events".into(),
            )));
        }
        let events = parse_events(text, "events_json", c.max_queue_bytes, "max_queue_bytes")?;
        let ids = c.client.batch(&events)?;
        let ids_json =
            serde_json::to_string(&ids).map_err(|e| Failure::from(outbox_engine::Error::InvalidJson(e.to_string())))?;
        unsafe { put_string(message_ids_out, &ids_json) };
        Ok(())
    })
}

/// Waits until every event queued before this call is delivered or given
/// up, or `timeout_ms` passes (`OUTBOX_TIMEOUT_FOREVER`: no deadline).
/// Blocks the calling thread. `result_out` (optional) receives the outcome;
/// `result_out->pending == 0` means everything was settled.
///
/// Returns `OUTBOX_OK` (also when the timeout passed: see the result) or
/// `OUTBOX_ERR_NULL`. Thread-safe. May be called from an error callback:
/// there it waits for deliveries, not for the reports queued behind the
/// callback that is running.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_flush(
    client: *const outbox_client_t,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    unsafe { owner::flush(client, timeout_ms, result_out) }
}

/// Flushes for up to `timeout_ms`, then gives up what is left (reported with
/// reason `"shutdown"`, counted in `result_out->pending`) and stops the
/// client: later capture calls return `OUTBOX_ERR_CLOSED`. Idempotent: later
/// calls return the first result. The client must still be freed with
/// `outbox_client_free` (which is then quick).
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe; may be called
/// from an error callback.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_shutdown(
    client: *const outbox_client_t,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    unsafe { owner::shutdown(client, timeout_ms, result_out) }
}

/// What to look at when events are not arriving: when the receiver last
/// acknowledged a request and how many attempts failed in a row since it
/// last answered (`outbox_health`, `outbox_webhook_health`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct outbox_health_t {
    /// Unix milliseconds of the last acknowledged request; 0: none yet.
    pub last_success_unix_ms: i64,
    /// Unix milliseconds of the last failed attempt; 0: none.
    pub last_error_unix_ms: i64,
    /// Transient failures in a row, since the receiver last answered.
    pub consecutive_failures: u32,
}

impl From<&outbox_engine::Health> for outbox_health_t {
    fn from(h: &outbox_engine::Health) -> outbox_health_t {
        outbox_health_t {
            last_success_unix_ms: h.last_success_unix_ms().unwrap_or(0),
            last_error_unix_ms: h.last_error_unix_ms().unwrap_or(0),
            consecutive_failures: h.consecutive_failures,
        }
    }
}

/// Copies the client's health to `*health_out`; `*last_error_out`
/// (optional) receives the last failed attempt as text (`"HTTP 503"`,
/// `"connection refused"`, ...), a new string to free with
/// `outbox_string_free`, or NULL when nothing failed yet.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_health(
    client: *const outbox_client_t,
    health_out: *mut outbox_health_t,
    last_error_out: *mut *mut c_char,
) -> outbox_status_t {
    unsafe { owner::health(client, health_out, last_error_out) }
}

/// Copies the client's counters to `*stats_out`.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_stats(
    client: *const outbox_client_t,
    stats_out: *mut outbox_stats_t,
) -> outbox_status_t {
    unsafe { owner::stats(client, stats_out) }
}

/// Sends events now, in one request, bypassing the queue, and waits for the
/// outcome (retrying transient failures within `timeout_ms`): for
/// transactional events whose sender must know. `events_json` is one event
/// object or an array of them, as `outbox_capture` / `outbox_batch` take.
/// `result_out` (optional) receives the outcome.
///
/// Returns `OUTBOX_OK` when delivered; `OUTBOX_ERR_NOT_DELIVERED` when not
/// (refused, or out of time; the message says why); or the input errors of
/// `outbox_batch`, `OUTBOX_ERR_CLOSED`. Blocks the calling thread;
/// thread-safe; may be called from an error callback.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_deliver(
    client: *const outbox_client_t,
    events_json: *const c_char,
    timeout_ms: u64,
    result_out: *mut outbox_deliver_result_t,
) -> outbox_status_t {
    guard(|| {
        if let Some(out) = unsafe { result_out.as_mut() } {
            *out = outbox_deliver_result_t::default();
        }
        let c = unsafe { owner_ref(client) }?;
        let text = unsafe { arg_str(events_json, "events_json") }?;
        let events = parse_events(text, "events_json", c.max_queue_bytes, "max_queue_bytes")?;
        let outcome = c.client.deliver(&events, millis(timeout_ms))?;
        if let Some(out) = unsafe { result_out.as_mut() } {
            *out = outbox_deliver_result_t {
                delivered: outcome.delivered,
                http_status: outcome.status.unwrap_or(0),
                attempts: outcome.attempts,
            };
        }
        if outcome.delivered {
            Ok(())
        } else {
            Err(Failure::new(
                OUTBOX_ERR_NOT_DELIVERED,
                format!("not delivered: {}", outcome.error.as_deref().unwrap_or("unknown reason")),
            ))
        }
    })
}

/// In test mode (`outbox_config_set_test_mode`): every event "sent" so far,
/// in order, as a JSON array (a new string; free it with
/// `outbox_string_free`). `"[]"` outside test mode.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_captured(
    client: *const outbox_client_t,
    json_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(json_out) };
        if json_out.is_null() {
            return Err(Failure::null("json_out"));
        }
        let c = unsafe { owner_ref(client) }?;
        let text = serde_json::to_string(&c.client.captured())
            .map_err(|e| Failure::from(outbox_engine::Error::InvalidJson(e.to_string())))?;
        unsafe { put_string(json_out, &text) };
        Ok(())
    })
}

/// Copies to `*recovery_out` what the client found in its spool directory
/// when it was created: the spools of dead processes it adopted and the
/// events it queued again from them. All zero without a spool.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_spool_recovery(
    client: *const outbox_client_t,
    recovery_out: *mut outbox_spool_recovery_t,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { owner_ref(client) }?;
        let out = unsafe { recovery_out.as_mut() }.ok_or_else(|| Failure::null("recovery_out"))?;
        let r = c.client.recovery();
        *out = outbox_spool_recovery_t { adopted: r.adopted, events: r.events, damaged: r.damage.len() };
        Ok(())
    })
}

/// In test mode: forgets what was captured.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_clear_captured(client: *const outbox_client_t) -> outbox_status_t {
    guard(|| {
        unsafe { owner_ref(client) }?.client.clear_captured();
        Ok(())
    })
}
