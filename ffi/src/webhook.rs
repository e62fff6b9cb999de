//! `outbox_webhook_sender_t`: signed webhooks to one or more endpoints.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use outbox_engine::options::check_backoff;
use outbox_engine::options::schema::{Naming, Value, ENDPOINT_OPTIONS, WEBHOOK_OPTIONS};
use outbox_engine::sign::Signer;
use outbox_engine::webhook::{Endpoint, WebhookOptions, WebhookSender};
use outbox_engine::Json;

use crate::callback::{outbox_on_error_fn, CCallback, Gate};
use crate::client::{outbox_flush_result_t, outbox_health_t, outbox_stats_t};
use crate::config::{
    block_ms_value, count, ms_value, outbox_on_full_t, retries, set_on_full, set_option, set_option_json,
};
use crate::owner::{self, owner_ref, Owner};
use crate::sign::{outbox_scheme_t, scheme_from};
use crate::status::{guard, guard_void, outbox_status_t, Failure};
use crate::strings::{arg_opt_str, arg_str, arg_str_array, check_len, clear_out, put_string};

/// Options of a webhook sender: its endpoints, and queue and retry settings
/// that apply to each endpoint separately. Built like `outbox_config_t`
/// (`outbox_webhook_config_new`, setters, `outbox_webhook_config_free`);
/// not thread-safe.
pub struct outbox_webhook_config_t {
    options: WebhookOptions,
    on_error: Option<CCallback>,
}

/// Sends each message, signed, to every endpoint of its config. Each
/// endpoint has its own queue and retries, so a failing endpoint never
/// holds back the others; one that answers 410 Gone is disabled. Same
/// thread-safety, fork and exit behaviour as `outbox_client_t`.
pub struct outbox_webhook_sender_t {
    sender: WebhookSender,
    gate: Option<Arc<Gate>>,
    max_message_bytes: usize,
}

unsafe fn wconfig_mut<'a>(config: *mut outbox_webhook_config_t) -> Result<&'a mut outbox_webhook_config_t, Failure> {
    unsafe { config.as_mut() }.ok_or_else(|| Failure::null("config"))
}

impl Owner for outbox_webhook_sender_t {
    type Engine = WebhookSender;
    const NAME: &'static str = "sender";
    fn parts(&self) -> (&WebhookSender, Option<&Arc<Gate>>) {
        (&self.sender, self.gate.as_ref())
    }
}

fn set_sender(config: &mut outbox_webhook_config_t, name: &str, value: Value) -> Result<(), Failure> {
    set_option(&WEBHOOK_OPTIONS, &mut config.options, name, value)
}

/// As `outbox_config_set_option`, for a webhook sender's options (not its
/// endpoints'): e.g. `outbox_webhook_config_set_option(config, "max_retries", "5")`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_option(
    config: *mut outbox_webhook_config_t,
    name: *const c_char,
    value_json: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let json = unsafe { arg_str(value_json, "value_json") }?;
        set_option_json(&WEBHOOK_OPTIONS, &mut c.options, name, json)
    })
}

fn endpoint_mut(c: &mut outbox_webhook_config_t, index: usize) -> Result<&mut Endpoint, Failure> {
    let count = c.options.endpoints.len();
    c.options
        .endpoints
        .get_mut(index)
        .ok_or_else(|| Failure::argument(format!("no endpoint {index}: the config has {count}")))
}

/// Creates a webhook config holding every default and no endpoint.
/// `*config_out` receives it (free it with `outbox_webhook_config_free`).
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_new(config_out: *mut *mut outbox_webhook_config_t) -> outbox_status_t {
    guard(|| {
        let out = unsafe { config_out.as_mut() }.ok_or_else(|| Failure::null("config_out"))?;
        *out = Box::into_raw(Box::new(outbox_webhook_config_t { options: WebhookOptions::default(), on_error: None }));
        Ok(())
    })
}

/// Frees a webhook config. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn outbox_webhook_config_free(config: *mut outbox_webhook_config_t) {
    if config.is_null() {
        return;
    }
    guard_void(|| drop(unsafe { Box::from_raw(config) }));
}

/// Adds an endpoint: its `url` (http or https), the secrets that sign each
/// message for it (`secrets_len` 0 sends unsigned; several sign at once
/// during rotation), and the scheme (`hmac_header` as in
/// `outbox_config_set_signature_scheme`). `index_out` (optional) receives
/// its index, for the `outbox_webhook_config_*_endpoint_*` functions.
/// Defaults per endpoint: a 5000 ms timeout per attempt, no extra header.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (bad URL, or a secret the scheme cannot use:
/// the code is then the signing code, e.g. `invalid_secret`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_add_endpoint(
    config: *mut outbox_webhook_config_t,
    url: *const c_char,
    secrets: *const *const c_char,
    secrets_len: usize,
    scheme: outbox_scheme_t,
    hmac_header: *const c_char,
    index_out: *mut usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        let url = unsafe { arg_str(url, "url") }?;
        let trimmed = url.trim();
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(Failure::option(format!("url must start with http:// or https://, got {url:?}")));
        }
        let secrets = unsafe { arg_str_array(secrets, secrets_len, "secrets") }?;
        let header = unsafe { arg_opt_str(hmac_header, "hmac_header") }?;
        let scheme = scheme_from(scheme, header, true)?;
        if !secrets.is_empty() {
            Signer::new(scheme.clone(), &secrets).map_err(|e| Failure::sign(e, true))?;
        }
        let mut endpoint = Endpoint::new(url).scheme(scheme);
        endpoint.secrets = secrets.into_iter().map(str::to_owned).collect();
        c.options.endpoints.push(endpoint);
        if let Some(out) = unsafe { index_out.as_mut() } {
            *out = c.options.endpoints.len() - 1;
        }
        Ok(())
    })
}

/// Deadline of one delivery attempt to endpoint `index`, in milliseconds.
/// Default 5000: webhook receivers are expected to answer fast.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_INVALID_ARGUMENT` (no
/// such endpoint) or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_endpoint_timeout_ms(
    config: *mut outbox_webhook_config_t,
    index: usize,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_option(&ENDPOINT_OPTIONS, endpoint_mut(c, index)?, "timeout", ms_value(timeout_ms))
    })
}

/// Adds a header sent with every message to endpoint `index`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8`,
/// `OUTBOX_ERR_INVALID_ARGUMENT` (no such endpoint) or
/// `OUTBOX_ERR_INVALID_OPTION` (bad header).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_add_endpoint_header(
    config: *mut outbox_webhook_config_t,
    index: usize,
    name: *const c_char,
    value: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let value = unsafe { arg_str(value, "value") }?;
        let endpoint = endpoint_mut(c, index)?;
        let mut headers = endpoint.headers.clone();
        headers.push((name.to_owned(), value.to_owned()));
        set_option(&ENDPOINT_OPTIONS, endpoint, "headers", Value::Headers(headers))
    })
}

/// Largest message body accepted by `outbox_webhook_send`. Default 256000.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_max_message_bytes(
    config: *mut outbox_webhook_config_t,
    max_bytes: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "max_message_bytes", count(max_bytes))
    })
}

/// Messages held per endpoint. Default 10000.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_max_queue_size(
    config: *mut outbox_webhook_config_t,
    max_queue_size: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "max_queue_size", count(max_queue_size))
    })
}

/// Bytes held per endpoint. Default 64 MiB.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_max_queue_bytes(
    config: *mut outbox_webhook_config_t,
    max_queue_bytes: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "max_queue_bytes", count(max_queue_bytes))
    })
}

/// As `outbox_config_set_on_full`, per endpoint. Default drop the oldest.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_on_full(
    config: *mut outbox_webhook_config_t,
    policy: outbox_on_full_t,
    block_timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_on_full(&WEBHOOK_OPTIONS, &mut c.options, policy, block_timeout_ms)
    })
}

/// As `outbox_config_set_max_retries`. Default `OUTBOX_RETRY_FOREVER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_max_retries(
    config: *mut outbox_webhook_config_t,
    max_retries: u32,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "max_retries", retries(max_retries))
    })
}

/// As `outbox_config_set_retry_backoff_ms`. Defaults 500 and 60000.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_retry_backoff_ms(
    config: *mut outbox_webhook_config_t,
    initial_ms: u64,
    max_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        check_backoff(Duration::from_millis(initial_ms), Duration::from_millis(max_ms))
            .map_err(|m| Failure::option(Naming::Snake.render(&m)))?;
        set_sender(c, "retry_max_backoff", ms_value(max_ms))?;
        set_sender(c, "retry_initial_backoff", ms_value(initial_ms))
    })
}

/// As `outbox_config_set_block_timeout_ms`, per endpoint.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_block_timeout_ms(
    config: *mut outbox_webhook_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "block_timeout", block_ms_value(timeout_ms))
    })
}

/// As `outbox_config_set_retry_initial_backoff_ms`. Default 500.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_retry_initial_backoff_ms(
    config: *mut outbox_webhook_config_t,
    backoff_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "retry_initial_backoff", ms_value(backoff_ms))
    })
}

/// As `outbox_config_set_retry_max_backoff_ms`. Default 60000.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_retry_max_backoff_ms(
    config: *mut outbox_webhook_config_t,
    backoff_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "retry_max_backoff", ms_value(backoff_ms))
    })
}

/// Requests in flight per endpoint. Default 4.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_max_concurrent_requests(
    config: *mut outbox_webhook_config_t,
    max_concurrent: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "max_concurrent_requests", count(max_concurrent))
    })
}

/// Deadline of opening a connection, in milliseconds. Default 5000.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_connect_timeout_ms(
    config: *mut outbox_webhook_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "connect_timeout", ms_value(timeout_ms))
    })
}

/// As `outbox_config_set_proxy`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_proxy(
    config: *mut outbox_webhook_config_t,
    proxy: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        match unsafe { arg_opt_str(proxy, "proxy") }? {
            Some(proxy) => set_sender(c, "proxy", Value::Text(proxy.to_owned())),
            None => {
                c.options.delivery.proxy = None;
                Ok(())
            }
        }
    })
}

/// As `outbox_config_set_on_error`; reports carry the endpoint URL in
/// `outbox_delivery_error_t.endpoint`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_on_error(
    config: *mut outbox_webhook_config_t,
    callback: outbox_on_error_fn,
    user_data: *mut c_void,
) -> outbox_status_t {
    guard(|| {
        unsafe { wconfig_mut(config) }?.on_error = CCallback::new(callback, user_data);
        Ok(())
    })
}

/// As `outbox_config_set_shutdown_timeout_ms`. Default 5000.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_shutdown_timeout_ms(
    config: *mut outbox_webhook_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "shutdown_timeout", ms_value(timeout_ms))
    })
}

/// As `outbox_config_set_debug`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_debug(
    config: *mut outbox_webhook_config_t,
    debug: bool,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "debug", Value::Flag(debug))
    })
}

/// When true, messages are kept in memory instead of sent;
/// `outbox_webhook_captured` reads them back. Default false.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_config_set_test_mode(
    config: *mut outbox_webhook_config_t,
    test_mode: bool,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { wconfig_mut(config) }?;
        set_sender(c, "test_mode", Value::Flag(test_mode))
    })
}

/// Creates a webhook sender (`config` is only read). `*sender_out` receives
/// it, owned by the caller: free it with `outbox_webhook_sender_free`.
/// Registers the exit hook as `outbox_client_new` does.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`
/// (no endpoint, bad sizes, ...).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_sender_new(
    config: *const outbox_webhook_config_t,
    sender_out: *mut *mut outbox_webhook_sender_t,
) -> outbox_status_t {
    guard(|| {
        let out = unsafe { owner::out_slot(sender_out, "sender_out") }?;
        let config = unsafe { config.as_ref() }.ok_or_else(|| Failure::null("config"))?;
        let mut options = config.options.clone();
        let (on_error, gate) = owner::on_error(config.on_error);
        options.delivery.on_error = on_error;
        let max_message_bytes = options.max_message_bytes;
        let sender = WebhookSender::new(options)?;
        *out = owner::hand_out(outbox_webhook_sender_t { sender, gate, max_message_bytes });
        Ok(())
    })
}

/// Shuts the sender down (bounded by its shutdown timeout) and frees it, as
/// `outbox_client_free` does (also from inside its own error callback).
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn outbox_webhook_sender_free(sender: *mut outbox_webhook_sender_t) {
    unsafe { owner::free(sender) }
}

/// Queues one message to every endpoint: the body sent is the Standard
/// Webhooks envelope `{"type": <event_type>, "timestamp": <now, RFC 3339>,
/// "data": <data_json>}`, signed per endpoint at each attempt (same
/// `webhook-id`, fresh timestamp). `data_json` is any JSON value as text.
/// `message_id_out` (optional) receives the message id (`webhook-id`), a new
/// string to free with `outbox_string_free`.
///
/// Never waits for the network. Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`,
/// `OUTBOX_ERR_UTF8`, `OUTBOX_ERR_JSON`, `OUTBOX_ERR_INVALID_EVENT` (empty
/// type), `OUTBOX_ERR_TOO_LARGE` (over `max_message_bytes`) or
/// `OUTBOX_ERR_CLOSED`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_send(
    sender: *const outbox_webhook_sender_t,
    event_type: *const c_char,
    data_json: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let s = unsafe { owner_ref(sender) }?;
        let event_type = unsafe { arg_str(event_type, "event_type") }?;
        let data = unsafe { arg_str(data_json, "data_json") }?;
        check_len(data, s.max_message_bytes, "data_json", "max_message_bytes")?;
        let data = Json::parse(data)?;
        let id = s.sender.send(event_type, data)?;
        unsafe { put_string(message_id_out, &id) };
        Ok(())
    })
}

/// Queues a body you built yourself to every endpoint, sent byte for byte as
/// given (no envelope) and signed per endpoint at each attempt, e.g. a
/// payload shaped for a receiver that expects its own format. `body_json`
/// must be one JSON value as UTF-8 text (checked, so a typo fails here, not
/// at the receiver). `message_id_out` (optional) receives the message id, a
/// new string to free with `outbox_string_free`.
///
/// Never waits for the network. Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`,
/// `OUTBOX_ERR_UTF8`, `OUTBOX_ERR_JSON`, `OUTBOX_ERR_TOO_LARGE` (over
/// `max_message_bytes`) or `OUTBOX_ERR_CLOSED`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_send_raw(
    sender: *const outbox_webhook_sender_t,
    body_json: *const c_char,
    message_id_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(message_id_out) };
        let s = unsafe { owner_ref(sender) }?;
        let body = unsafe { arg_str(body_json, "body_json") }?;
        check_len(body, s.max_message_bytes, "body_json", "max_message_bytes")?;
        let id = s.sender.send_raw(&Json::parse(body)?)?;
        unsafe { put_string(message_id_out, &id) };
        Ok(())
    })
}

/// As `outbox_flush`, for every endpoint (the timeout covers them all).
/// Counts are summed over endpoints.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_flush(
    sender: *const outbox_webhook_sender_t,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    unsafe { owner::flush(sender, timeout_ms, result_out) }
}

/// As `outbox_shutdown`, for every endpoint.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_shutdown(
    sender: *const outbox_webhook_sender_t,
    timeout_ms: u64,
    result_out: *mut outbox_flush_result_t,
) -> outbox_status_t {
    unsafe { owner::shutdown(sender, timeout_ms, result_out) }
}

/// As `outbox_health`, over every endpoint: the latest error and success.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_health(
    sender: *const outbox_webhook_sender_t,
    health_out: *mut outbox_health_t,
    last_error_out: *mut *mut c_char,
) -> outbox_status_t {
    unsafe { owner::health(sender, health_out, last_error_out) }
}

/// As `outbox_stats`, summed over endpoints (a message sent to three
/// endpoints counts three times).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_stats(
    sender: *const outbox_webhook_sender_t,
    stats_out: *mut outbox_stats_t,
) -> outbox_status_t {
    unsafe { owner::stats(sender, stats_out) }
}

/// In test mode: the requests that would have been sent, in order, as a
/// JSON array of `{"url": ..., "headers": {name: value}, "body": ...}` (a
/// new string; free it with `outbox_string_free`).
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`. Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_webhook_captured(
    sender: *const outbox_webhook_sender_t,
    json_out: *mut *mut c_char,
) -> outbox_status_t {
    guard(|| {
        unsafe { clear_out(json_out) };
        if json_out.is_null() {
            return Err(Failure::null("json_out"));
        }
        let s = unsafe { owner_ref(sender) }?;
        let requests: Vec<serde_json::Value> = s
            .sender
            .captured()
            .into_iter()
            .map(|r| {
                let headers: serde_json::Map<String, serde_json::Value> =
                    r.headers.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
                serde_json::json!({"url": r.url, "headers": headers, "body": String::from_utf8_lossy(&r.body)})
            })
            .collect();
        let text = serde_json::Value::Array(requests).to_string();
        unsafe { put_string(json_out, &text) };
        Ok(())
    })
}
