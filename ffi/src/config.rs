//! `outbox_config_t`: every client option, set one call at a time.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use outbox_engine::options::check_backoff;
use outbox_engine::options::schema::{self, Kind, Naming, OptionSpec, Table, Value, CLIENT_OPTIONS};
use outbox_engine::{Library, Options};

use crate::callback::{outbox_on_error_fn, CCallback};
use crate::sign::{outbox_scheme_t, scheme_from};
use crate::status::{guard, guard_void, outbox_status_t, Failure};
use crate::strings::{arg_opt_str, arg_str, arg_str_array};

/// Options for a client, built with the `outbox_config_set_*` functions and
/// read by `outbox_client_new`. Start from `outbox_config_new`, which holds
/// every default (documented on each setter), and free it with
/// `outbox_config_free` (any time after `outbox_client_new`: the client
/// keeps its own copy). Not thread-safe: use one config from one thread at
/// a time.
pub struct outbox_config_t {
    pub(crate) options: Options,
    pub(crate) on_error: Option<CCallback>,
}

/// How `api_key` is sent (`outbox_config_set_auth_scheme`).
pub type outbox_auth_scheme_t = u32;
/// `Authorization: Bearer <api_key>` (the default).
pub const OUTBOX_AUTH_BEARER: outbox_auth_scheme_t = 0;
/// `Authorization: Basic base64(<api_key>:)`, as Segment expects write keys.
pub const OUTBOX_AUTH_BASIC: outbox_auth_scheme_t = 1;

/// What a capture call does when the queue is full (`outbox_config_set_on_full`).
pub type outbox_on_full_t = u32;
/// Drop the oldest queued event (the default: recent events matter most).
pub const OUTBOX_ON_FULL_DROP_OLDEST: outbox_on_full_t = 0;
/// Drop the new event.
pub const OUTBOX_ON_FULL_DROP_NEWEST: outbox_on_full_t = 1;
/// Wait up to `block_timeout_ms` for room, then drop the new event.
pub const OUTBOX_ON_FULL_BLOCK: outbox_on_full_t = 2;

/// When the spool syncs to disk (`outbox_config_set_spool_sync`).
pub type outbox_spool_sync_t = u32;
/// `fdatasync` at most every 100 ms (the default): a process crash loses
/// nothing a capture call accepted; a power loss can lose up to 100 ms.
pub const OUTBOX_SPOOL_SYNC_BATCH: outbox_spool_sync_t = 0;
/// `fdatasync` before each capture call returns (concurrent callers share
/// one sync): nothing accepted is ever lost, at the cost of a disk wait per
/// call.
pub const OUTBOX_SPOOL_SYNC_EVENT: outbox_spool_sync_t = 1;

/// `max_retries` value meaning "retry transient failures until delivered,
/// shut down or pushed out by the queue bound" (the default).
pub const OUTBOX_RETRY_FOREVER: u32 = 0xFFFF_FFFF;

pub(crate) unsafe fn config_mut<'a>(config: *mut outbox_config_t) -> Result<&'a mut outbox_config_t, Failure> {
    unsafe { config.as_mut() }.ok_or_else(|| Failure::null("config"))
}

/// Sets one option through the engine's schema: the one place an option's
/// range is checked and its message written, for every face.
pub(crate) fn set_option<T>(table: &Table<T>, target: &mut T, name: &str, value: Value) -> Result<(), Failure> {
    set_spec(spec_named(table, name)?, target, value)
}

/// The option `name` of `table`, or an error with the closest name as a hint.
fn spec_named<'t, T>(table: &'t Table<T>, name: &str) -> Result<&'t OptionSpec<T>, Failure> {
    table.get(name).ok_or_else(|| {
        let names = table.names(Naming::Snake);
        let known: Vec<&str> = names.iter().map(|n| n.as_ref()).collect();
        Failure::option(schema::unknown_name("option", name, &known, "this config"))
    })
}

fn set_spec<T>(spec: &OptionSpec<T>, target: &mut T, value: Value) -> Result<(), Failure> {
    schema::set(spec, target, value).map_err(|m| Failure::option(Naming::Snake.render(&format!("{} {m}", spec.name))))
}

fn set_client(config: &mut outbox_config_t, name: &str, value: Value) -> Result<(), Failure> {
    set_option(&CLIENT_OPTIONS, &mut config.options, name, value)
}

/// A C count for the schema (which refuses 0).
pub(crate) fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// C milliseconds for the schema (which bounds them to one day).
pub(crate) fn ms_value(ms: u64) -> Value {
    Value::Seconds(ms as f64 / 1000.0)
}

/// `OUTBOX_RETRY_FOREVER` is no limit.
pub(crate) fn retries(max_retries: u32) -> Value {
    Value::Retries((max_retries != OUTBOX_RETRY_FOREVER).then_some(i64::from(max_retries)))
}

/// `on_full` and, for `OUTBOX_ON_FULL_BLOCK`, `block_timeout` (where
/// `OUTBOX_TIMEOUT_FOREVER` waits without limit).
pub(crate) fn set_on_full<T>(
    table: &Table<T>,
    target: &mut T,
    policy: outbox_on_full_t,
    block_timeout_ms: u64,
) -> Result<(), Failure> {
    let name = match policy {
        OUTBOX_ON_FULL_DROP_OLDEST => "drop_oldest",
        OUTBOX_ON_FULL_DROP_NEWEST => "drop_newest",
        OUTBOX_ON_FULL_BLOCK => "block",
        other => {
            return Err(Failure::option(format!(
                "on_full must be OUTBOX_ON_FULL_DROP_OLDEST, OUTBOX_ON_FULL_DROP_NEWEST or OUTBOX_ON_FULL_BLOCK, not {other}"
            )))
        }
    };
    set_option(table, target, "on_full", Value::Text(name.into()))?;
    if policy == OUTBOX_ON_FULL_BLOCK {
        set_option(table, target, "block_timeout", block_ms_value(block_timeout_ms))?;
    }
    Ok(())
}

/// A block timeout: `OUTBOX_TIMEOUT_FOREVER` waits without limit.
pub(crate) fn block_ms_value(ms: u64) -> Value {
    match ms {
        crate::OUTBOX_TIMEOUT_FOREVER => Value::Seconds(f64::INFINITY),
        ms => ms_value(ms),
    }
}

/// An option's value from JSON text, read as the option's kind wants it.
pub(crate) fn value_from_json(kind: Kind, name: &str, json: &str) -> Result<Value, Failure> {
    let parsed: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| Failure::option(format!("the value of {name} is not JSON ({e}): {json:?}")))?;
    let wrong = |wanted: &str| Failure::option(format!("{name} must be {wanted} (as JSON), not {json}"));
    let string = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    Ok(match kind {
        Kind::Text | Kind::Choice(_) => Value::Text(string(&parsed).ok_or_else(|| wrong("a string"))?),
        Kind::Path => Value::Path(string(&parsed).ok_or_else(|| wrong("a string"))?.into()),
        Kind::Count => Value::Count(parsed.as_i64().ok_or_else(|| wrong("a whole number"))?),
        Kind::Retries if parsed.is_null() => Value::Retries(None),
        Kind::Retries => Value::Retries(Some(parsed.as_i64().ok_or_else(|| wrong("a whole number or null"))?)),
        Kind::Duration { .. } | Kind::DurationOrForever => {
            Value::Seconds(parsed.as_f64().ok_or_else(|| wrong("a number of milliseconds"))? / 1000.0)
        }
        Kind::Flag => Value::Flag(parsed.as_bool().ok_or_else(|| wrong("true or false"))?),
        Kind::Texts => match &parsed {
            serde_json::Value::String(s) => Value::Texts(vec![s.clone()]),
            serde_json::Value::Array(items) => Value::Texts(
                items
                    .iter()
                    .map(string)
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("a string or an array of strings"))?,
            ),
            _ => return Err(wrong("a string or an array of strings")),
        },
        Kind::Headers => match &parsed {
            serde_json::Value::Object(map) => Value::Headers(
                map.iter()
                    .map(|(k, v)| string(v).map(|v| (k.clone(), v)))
                    .collect::<Option<_>>()
                    .ok_or_else(|| wrong("an object of header names to strings"))?,
            ),
            _ => return Err(wrong("an object of header names to strings")),
        },
        Kind::Callback | Kind::Endpoints => {
            return Err(Failure::option(format!("{name} cannot be given as JSON; use its own function")));
        }
    })
}

/// Sets the option `name` of `table` from JSON text, checked by the schema.
pub(crate) fn set_option_json<T>(table: &Table<T>, target: &mut T, name: &str, json: &str) -> Result<(), Failure> {
    let spec = spec_named(table, name)?;
    let value = value_from_json(spec.kind(), name, json)?;
    set_spec(spec, target, value)
}

/// Sets any option by its name in the option table (`docs/c-abi.md`), from
/// a JSON value: a number (durations in milliseconds), a string, `true` /
/// `false`, `null` (no limit, for `max_retries`), an array of strings, or an
/// object of header names to values. Every option is reachable this way,
/// checked exactly as its typed setter checks it; `on_error` has its own
/// setter. Example: `outbox_config_set_option(config, "flush_at", "50")`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (no such option, or an unusable value).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_option(
    config: *mut outbox_config_t,
    name: *const c_char,
    value_json: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let json = unsafe { arg_str(value_json, "value_json") }?;
        set_option_json(&CLIENT_OPTIONS, &mut c.options, name, json)
    })
}

/// Creates a config holding every default. `*config_out` receives it
/// (caller-owned: free it with `outbox_config_free`).
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL` (`config_out` is NULL).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_new(config_out: *mut *mut outbox_config_t) -> outbox_status_t {
    guard(|| {
        let out = unsafe { config_out.as_mut() }.ok_or_else(|| Failure::null("config_out"))?;
        *out = std::ptr::null_mut();
        let options = Options {
            library: Library { name: "outbox-c".into(), version: outbox_engine::VERSION.into() },
            ..Options::default()
        };
        *out = Box::into_raw(Box::new(outbox_config_t { options, on_error: None }));
        Ok(())
    })
}

/// Frees a config. NULL is a no-op. Clients created from it are unaffected.
#[no_mangle]
pub unsafe extern "C" fn outbox_config_free(config: *mut outbox_config_t) {
    if config.is_null() {
        return;
    }
    guard_void(|| drop(unsafe { Box::from_raw(config) }));
}

/// Base URL of the collector, e.g. `"https://collector.example.com"`
/// (required unless test mode or disabled). Checked by `outbox_client_new`:
/// it must be an `http://` or `https://` URL the HTTP client accepts.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_UTF8`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_endpoint(
    config: *mut outbox_config_t,
    endpoint: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        c.options.endpoint = unsafe { arg_str(endpoint, "endpoint") }?.to_owned();
        Ok(())
    })
}

/// Path of the batch API under the endpoint. Default `"/v1/batch"`
/// (Segment's). Must start with `/`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_path(config: *mut outbox_config_t, path: *const c_char) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "path", Value::Text(unsafe { arg_str(path, "path") }?.to_owned()))
    })
}

/// API key sent with every request (see `outbox_config_set_auth_scheme`).
/// Default: none. NULL removes it.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` (config), `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (empty, or has control characters).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_api_key(
    config: *mut outbox_config_t,
    api_key: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        match unsafe { arg_opt_str(api_key, "api_key") }? {
            Some(key) => set_client(c, "api_key", Value::Text(key.to_owned())),
            None => {
                c.options.api_key = None;
                Ok(())
            }
        }
    })
}

/// How the API key is sent: `OUTBOX_AUTH_BEARER` (default) or `OUTBOX_AUTH_BASIC`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_auth_scheme(
    config: *mut outbox_config_t,
    scheme: outbox_auth_scheme_t,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = match scheme {
            OUTBOX_AUTH_BEARER => "bearer",
            OUTBOX_AUTH_BASIC => "basic",
            other => {
                return Err(Failure::option(format!(
                    "auth scheme must be OUTBOX_AUTH_BEARER or OUTBOX_AUTH_BASIC, not {other}"
                )))
            }
        };
        set_client(c, "auth_scheme", Value::Text(name.into()))
    })
}

/// Secrets that sign every request, `secrets_len` of them (several at once
/// during rotation: each adds a signature). Replaces any set before;
/// `secrets_len` 0 sends unsigned (the default). The strings are copied.
/// Checked against the scheme by `outbox_client_new` (Standard Webhooks
/// secrets are base64, optionally prefixed `whsec_`).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` (config, or `secrets` or one of
/// its strings) or `OUTBOX_ERR_UTF8`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_signing_secrets(
    config: *mut outbox_config_t,
    secrets: *const *const c_char,
    secrets_len: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let secrets = unsafe { arg_str_array(secrets, secrets_len, "secrets") }?;
        set_client(c, "signing_secrets", Value::Texts(secrets.into_iter().map(str::to_owned).collect()))
    })
}

/// The signing scheme: `OUTBOX_SCHEME_STANDARD_WEBHOOKS` (default) or
/// `OUTBOX_SCHEME_HMAC_SHA256`. `hmac_header` names the signature header of
/// the HMAC scheme (NULL: `X-Hub-Signature-256`); it must be NULL for
/// Standard Webhooks.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_signature_scheme(
    config: *mut outbox_config_t,
    scheme: outbox_scheme_t,
    hmac_header: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let header = unsafe { arg_opt_str(hmac_header, "hmac_header") }?;
        c.options.signature_scheme = scheme_from(scheme, header, true)?;
        Ok(())
    })
}

/// The signature header of the `OUTBOX_SCHEME_HMAC_SHA256` scheme. Default
/// `X-Hub-Signature-256`. Set the scheme first: Standard Webhooks refuses it.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_signature_header(
    config: *mut outbox_config_t,
    header: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "signature_header", Value::Text(unsafe { arg_str(header, "header") }?.to_owned()))
    })
}

/// Send as soon as this many events are queued. Default 100: big enough to
/// amortise a request, small enough that a quiet service sends promptly.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_flush_at(config: *mut outbox_config_t, flush_at: usize) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "flush_at", count(flush_at))
    })
}

/// Send queued events at least this often, in milliseconds. Default 500: a
/// lone event leaves within half a second. 0 is no timer: events leave at
/// `flush_at`, on `outbox_flush` and at exit. At most 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`
/// (over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_flush_interval_ms(
    config: *mut outbox_config_t,
    interval_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "flush_interval", ms_value(interval_ms))
    })
}

/// Most events per request. Default 1000: under load batches grow to this.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_batch_size(
    config: *mut outbox_config_t,
    max_batch_size: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_batch_size", count(max_batch_size))
    })
}

/// Most bytes per request body before compression. Default 500000,
/// Segment's batch limit. Must leave room for one event of
/// `max_event_bytes` (checked by `outbox_client_new`).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_batch_bytes(
    config: *mut outbox_config_t,
    max_batch_bytes: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_batch_bytes", count(max_batch_bytes))
    })
}

/// Largest serialized event accepted. Default 32000, Segment's limit.
/// Larger events fail at the call with `OUTBOX_ERR_TOO_LARGE`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_event_bytes(
    config: *mut outbox_config_t,
    max_event_bytes: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_event_bytes", count(max_event_bytes))
    })
}

/// Most events held, queued and in flight. Default 200000, so a burst of
/// 100000 typical events is absorbed without a drop.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_queue_size(
    config: *mut outbox_config_t,
    max_queue_size: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_queue_size", count(max_queue_size))
    })
}

/// Most bytes of event JSON held. Default 64 MiB: the real memory bound.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_queue_bytes(
    config: *mut outbox_config_t,
    max_queue_bytes: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_queue_bytes", count(max_queue_bytes))
    })
}

/// What a capture call does when the queue is full:
/// `OUTBOX_ON_FULL_DROP_OLDEST` (default), `OUTBOX_ON_FULL_DROP_NEWEST`, or
/// `OUTBOX_ON_FULL_BLOCK`, which makes the calling thread wait up to
/// `block_timeout_ms` for room (ignored by the other two): at most 86400000
/// (one day), or `OUTBOX_TIMEOUT_FOREVER` to wait without limit. Every drop
/// is counted and reported to the error callback.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_on_full(
    config: *mut outbox_config_t,
    policy: outbox_on_full_t,
    block_timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_on_full(&CLIENT_OPTIONS, &mut c.options, policy, block_timeout_ms)
    })
}

/// Deadline of one whole request, in milliseconds. Default 10000; at most
/// 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0,
/// or over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_request_timeout_ms(
    config: *mut outbox_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "request_timeout", ms_value(timeout_ms))
    })
}

/// Deadline of opening a connection, in milliseconds. Default 5000; at most
/// 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0,
/// or over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_connect_timeout_ms(
    config: *mut outbox_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "connect_timeout", ms_value(timeout_ms))
    })
}

/// Retries before an event is given up (3: four attempts in all; reported with reason
/// `"retries_exhausted"`). Default `OUTBOX_RETRY_FOREVER`: retry transient
/// failures until delivered, shut down or pushed out by the queue bound.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_retries(
    config: *mut outbox_config_t,
    max_retries: u32,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_retries", retries(max_retries))
    })
}

/// Backoff between retries, in milliseconds: the first cap (doubling per
/// failed round, with equal jitter) and the largest (the probe interval
/// during an outage). Defaults 100 and 2000; at most 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`
/// (`initial_ms` is 0 or over `max_ms`, or `max_ms` is over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_retry_backoff_ms(
    config: *mut outbox_config_t,
    initial_ms: u64,
    max_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        check_backoff(Duration::from_millis(initial_ms), Duration::from_millis(max_ms))
            .map_err(|m| Failure::option(Naming::Snake.render(&m)))?;
        set_client(c, "retry_max_backoff", ms_value(max_ms))?;
        set_client(c, "retry_initial_backoff", ms_value(initial_ms))
    })
}

/// With `OUTBOX_ON_FULL_BLOCK`: how long a capture call waits for room,
/// in milliseconds (at most 86400000, one day), or `OUTBOX_TIMEOUT_FOREVER`.
/// Default 1000. Set `on_full` first: any other policy refuses it.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_block_timeout_ms(
    config: *mut outbox_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "block_timeout", block_ms_value(timeout_ms))
    })
}

/// The first backoff cap between retries, in milliseconds (doubling per
/// failed round, with equal jitter). Default 100; at most the largest.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_retry_initial_backoff_ms(
    config: *mut outbox_config_t,
    backoff_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "retry_initial_backoff", ms_value(backoff_ms))
    })
}

/// The largest backoff cap between retries, in milliseconds: the probe
/// interval during an outage. Default 2000; at most 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_retry_max_backoff_ms(
    config: *mut outbox_config_t,
    backoff_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "retry_max_backoff", ms_value(backoff_ms))
    })
}

/// Requests in flight at once. Default 4.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_concurrent_requests(
    config: *mut outbox_config_t,
    max_concurrent: usize,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "max_concurrent_requests", count(max_concurrent))
    })
}

/// Gzip request bodies of 1 KiB and more. Default true.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_gzip(config: *mut outbox_config_t, gzip: bool) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "gzip", Value::Flag(gzip))
    })
}

/// Adds a header sent with every request (call once per header). Default:
/// none. The strings are copied.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (not an HTTP header name, or a line break or
/// other control character in the value: what HTTP does not allow).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_add_header(
    config: *mut outbox_config_t,
    name: *const c_char,
    value: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let value = unsafe { arg_str(value, "value") }?;
        let mut headers = c.options.headers.clone();
        headers.push((name.to_owned(), value.to_owned()));
        set_client(c, "headers", Value::Headers(headers))
    })
}

/// Removes every header added with `outbox_config_add_header`.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_clear_headers(config: *mut outbox_config_t) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.headers.clear();
        Ok(())
    })
}

/// Proxy URL for every request, e.g. `"http://proxy.internal:3128"`
/// (`http://` or `https://`; credentials allowed, never shown in errors).
/// Default (NULL): from the `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`
/// environment variables. Checked by `outbox_client_new`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` (config) or `OUTBOX_ERR_UTF8`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_proxy(
    config: *mut outbox_config_t,
    proxy: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        match unsafe { arg_opt_str(proxy, "proxy") }? {
            Some(proxy) => set_client(c, "proxy", Value::Text(proxy.to_owned())),
            None => {
                c.options.delivery.proxy = None;
                Ok(())
            }
        }
    })
}

/// When true, capture calls validate their input and return message ids,
/// but nothing is queued or sent and no thread starts. Default false.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_disabled(config: *mut outbox_config_t, disabled: bool) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "disabled", Value::Flag(disabled))
    })
}

/// When true, every request and retry is logged at debug level (Rust `log`
/// target `outbox`; liboutbox installs no logger, so this is silent unless
/// the process embeds one). Default false.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_debug(config: *mut outbox_config_t, debug: bool) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "debug", Value::Flag(debug))
    })
}

/// The error callback and its `user_data` (see `outbox_on_error_fn` for the
/// thread it runs on and what it may do). NULL `callback` removes it
/// (the default: drops are still counted in `outbox_stats`). `user_data` is
/// passed back untouched and must stay valid until the client is freed.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL` (config).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_on_error(
    config: *mut outbox_config_t,
    callback: outbox_on_error_fn,
    user_data: *mut c_void,
) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.on_error = CCallback::new(callback, user_data);
        Ok(())
    })
}

/// How long `outbox_client_free` and the exit hook wait for delivery, in
/// milliseconds. Default 5000; 0 sends nothing at exit; at most 86400000
/// (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`
/// (over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_shutdown_timeout_ms(
    config: *mut outbox_config_t,
    timeout_ms: u64,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "shutdown_timeout", ms_value(timeout_ms))
    })
}

/// When true, nothing leaves the process: requests go to memory, where
/// `outbox_captured` reads them back (for your own tests). No endpoint is
/// needed. Default false.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_test_mode(config: *mut outbox_config_t, test_mode: bool) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        set_client(c, "test_mode", Value::Flag(test_mode))
    })
}

/// Keeps queued events on disk in `dir` until they are delivered, so they
/// survive a crash (even SIGKILL): the next client that opens the same
/// directory, in this process or another, delivers them. Several processes
/// may share one directory (each writes its own subdirectory). The
/// directory is created if needed; `outbox_client_new` fails with
/// `OUTBOX_ERR_INVALID_OPTION` when it cannot be created or locked. NULL:
/// memory only (the default). The path must be UTF-8.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` (config), `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (empty).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_spool_dir(
    config: *mut outbox_config_t,
    dir: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        match unsafe { arg_opt_str(dir, "dir") }? {
            Some("") => Err(Failure::option("spool_dir must not be empty (NULL keeps events in memory only)")),
            Some(dir) => set_client(c, "spool_dir", Value::Path(dir.into())),
            None => {
                c.options.spool_dir = None;
                Ok(())
            }
        }
    })
}

/// When the spool syncs to disk: `OUTBOX_SPOOL_SYNC_BATCH` (default) or
/// `OUTBOX_SPOOL_SYNC_EVENT`. Only matters with a spool directory.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_spool_sync(
    config: *mut outbox_config_t,
    sync: outbox_spool_sync_t,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = match sync {
            OUTBOX_SPOOL_SYNC_BATCH => "batch",
            OUTBOX_SPOOL_SYNC_EVENT => "event",
            other => {
                return Err(Failure::option(format!(
                    "spool sync must be OUTBOX_SPOOL_SYNC_BATCH or OUTBOX_SPOOL_SYNC_EVENT, not {other}"
                )))
            }
        };
        set_client(c, "spool_sync", Value::Text(name.into()))
    })
}

/// The library named in every event's `context.library`. Default
/// `{"name": "outbox-c", "version": <liboutbox's version>}`; wrappers set
/// their own (the C++ wrapper says `outbox-cpp`).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL`, `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (empty name).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_library(
    config: *mut outbox_config_t,
    name: *const c_char,
    version: *const c_char,
) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let version = unsafe { arg_str(version, "version") }?;
        if name.is_empty() {
            return Err(Failure::option("the library name must not be empty"));
        }
        c.options.library = Library { name: name.into(), version: version.into() };
        Ok(())
    })
}
