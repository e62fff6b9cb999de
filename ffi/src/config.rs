//! `outbox_config_t`: every client option, set one call at a time.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use outbox_core::options::MAX_DURATION;
use outbox_core::spool::SpoolSync;
use outbox_core::{AuthScheme, Library, OnFull, Options};

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

pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A duration option in milliseconds: at most one day (the core's
/// `MAX_DURATION`), so the setter names the problem (`OUTBOX_TIMEOUT_FOREVER`
/// included) instead of `outbox_client_new`.
pub(crate) fn bounded_ms(ms: u64, name: &str) -> Result<Duration, Failure> {
    let duration = millis(ms);
    if duration > MAX_DURATION {
        return Err(Failure::option(format!(
            "{name} must be at most {} ms (one day), got {ms}",
            MAX_DURATION.as_millis()
        )));
    }
    Ok(duration)
}

pub(crate) fn at_least_one(value: usize, name: &str) -> Result<usize, Failure> {
    if value == 0 {
        return Err(Failure::option(format!("{name} must be at least 1")));
    }
    Ok(value)
}

pub(crate) fn positive_ms(ms: u64, name: &str) -> Result<Duration, Failure> {
    if ms == 0 {
        return Err(Failure::option(format!("{name} must be greater than zero")));
    }
    bounded_ms(ms, name)
}

/// `OUTBOX_TIMEOUT_FOREVER` blocks without limit; anything else is bounded.
fn block_timeout(ms: u64) -> Result<Duration, Failure> {
    match ms {
        crate::OUTBOX_TIMEOUT_FOREVER => Ok(Duration::MAX),
        _ if millis(ms) <= MAX_DURATION => Ok(millis(ms)),
        _ => Err(Failure::option(format!(
            "block_timeout_ms must be at most {} ms (one day) or OUTBOX_TIMEOUT_FOREVER, got {ms}",
            MAX_DURATION.as_millis()
        ))),
    }
}

pub(crate) fn on_full_from(policy: outbox_on_full_t, block_timeout_ms: u64) -> Result<OnFull, Failure> {
    match policy {
        OUTBOX_ON_FULL_DROP_OLDEST => Ok(OnFull::DropOldest),
        OUTBOX_ON_FULL_DROP_NEWEST => Ok(OnFull::DropNewest),
        OUTBOX_ON_FULL_BLOCK => Ok(OnFull::Block(block_timeout(block_timeout_ms)?)),
        other => Err(Failure::option(format!(
            "on_full must be OUTBOX_ON_FULL_DROP_OLDEST, OUTBOX_ON_FULL_DROP_NEWEST or OUTBOX_ON_FULL_BLOCK, not {other}"
        ))),
    }
}

pub(crate) fn retries_from(max_retries: u32) -> Option<u32> {
    (max_retries != OUTBOX_RETRY_FOREVER).then_some(max_retries)
}

/// Checks one extra header with the core's check (the one the client
/// applies at creation), so the setter names the problem.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), Failure> {
    outbox_core::options::check_header(name, value).map_err(Failure::option)
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
            library: Library { name: "outbox-c".into(), version: outbox_core::VERSION.into() },
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
pub unsafe extern "C" fn outbox_config_set_endpoint(config: *mut outbox_config_t, endpoint: *const c_char) -> outbox_status_t {
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
        let path = unsafe { arg_str(path, "path") }?;
        if !path.is_empty() && !path.starts_with('/') {
            return Err(Failure::option(format!("path must start with '/', got {path:?}")));
        }
        c.options.path = path.to_owned();
        Ok(())
    })
}

/// API key sent with every request (see `outbox_config_set_auth_scheme`).
/// Default: none. NULL removes it.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` (config), `OUTBOX_ERR_UTF8` or
/// `OUTBOX_ERR_INVALID_OPTION` (empty, or has control characters).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_api_key(config: *mut outbox_config_t, api_key: *const c_char) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let key = unsafe { arg_opt_str(api_key, "api_key") }?;
        if let Some(k) = key {
            if k.is_empty() || k.bytes().any(|b| b.is_ascii_control()) {
                return Err(Failure::option("api_key must be non-empty printable text"));
            }
        }
        c.options.api_key = key.map(str::to_owned);
        Ok(())
    })
}

/// How the API key is sent: `OUTBOX_AUTH_BEARER` (default) or `OUTBOX_AUTH_BASIC`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_auth_scheme(config: *mut outbox_config_t, scheme: outbox_auth_scheme_t) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        c.options.auth_scheme = match scheme {
            OUTBOX_AUTH_BEARER => AuthScheme::Bearer,
            OUTBOX_AUTH_BASIC => AuthScheme::Basic,
            other => return Err(Failure::option(format!("auth scheme must be OUTBOX_AUTH_BEARER or OUTBOX_AUTH_BASIC, not {other}"))),
        };
        Ok(())
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
        c.options.signing_secrets = secrets.into_iter().map(str::to_owned).collect();
        Ok(())
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

/// Send as soon as this many events are queued. Default 100: big enough to
/// amortise a request, small enough that a quiet service sends promptly.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_flush_at(config: *mut outbox_config_t, flush_at: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.flush_at = at_least_one(flush_at, "flush_at")?;
        Ok(())
    })
}

/// Send queued events at least this often, in milliseconds. Default 500: a
/// lone event leaves within half a second. At most 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0,
/// or over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_flush_interval_ms(config: *mut outbox_config_t, interval_ms: u64) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.flush_interval = positive_ms(interval_ms, "flush_interval")?;
        Ok(())
    })
}

/// Most events per request. Default 1000: under load batches grow to this.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_batch_size(config: *mut outbox_config_t, max_batch_size: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_batch_size = at_least_one(max_batch_size, "max_batch_size")?;
        Ok(())
    })
}

/// Most bytes per request body before compression. Default 500000,
/// Segment's batch limit. Must leave room for one event of
/// `max_event_bytes` (checked by `outbox_client_new`).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_batch_bytes(config: *mut outbox_config_t, max_batch_bytes: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_batch_bytes = at_least_one(max_batch_bytes, "max_batch_bytes")?;
        Ok(())
    })
}

/// Largest serialized event accepted. Default 32000, Segment's limit.
/// Larger events fail at the call with `OUTBOX_ERR_TOO_LARGE`.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_event_bytes(config: *mut outbox_config_t, max_event_bytes: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_event_bytes = at_least_one(max_event_bytes, "max_event_bytes")?;
        Ok(())
    })
}

/// Most events held, queued and in flight. Default 200000, so a burst of
/// 100000 typical events is absorbed without a drop.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_queue_size(config: *mut outbox_config_t, max_queue_size: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_queue_size = at_least_one(max_queue_size, "max_queue_size")?;
        Ok(())
    })
}

/// Most bytes of event JSON held. Default 64 MiB: the real memory bound.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_queue_bytes(config: *mut outbox_config_t, max_queue_bytes: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_queue_bytes = at_least_one(max_queue_bytes, "max_queue_bytes")?;
        Ok(())
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
        unsafe { config_mut(config) }?.options.on_full = on_full_from(policy, block_timeout_ms)?;
        Ok(())
    })
}

/// Deadline of one whole request, in milliseconds. Default 10000; at most
/// 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0,
/// or over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_request_timeout_ms(config: *mut outbox_config_t, timeout_ms: u64) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.request_timeout = positive_ms(timeout_ms, "request_timeout")?;
        Ok(())
    })
}

/// Deadline of opening a connection, in milliseconds. Default 5000; at most
/// 86400000 (one day).
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0,
/// or over one day).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_connect_timeout_ms(config: *mut outbox_config_t, timeout_ms: u64) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.connect_timeout = positive_ms(timeout_ms, "connect_timeout")?;
        Ok(())
    })
}

/// Give an event up after this many failed attempts (reported with reason
/// `"retries_exhausted"`). Default `OUTBOX_RETRY_FOREVER`: retry transient
/// failures until delivered, shut down or pushed out by the queue bound.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_retries(config: *mut outbox_config_t, max_retries: u32) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_retries = retries_from(max_retries);
        Ok(())
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
pub unsafe extern "C" fn outbox_config_set_retry_backoff_ms(config: *mut outbox_config_t, initial_ms: u64, max_ms: u64) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let initial = positive_ms(initial_ms, "retry initial backoff")?;
        if initial_ms > max_ms {
            return Err(Failure::option("the initial retry backoff must not exceed the largest"));
        }
        c.options.retry_initial_backoff = initial;
        c.options.retry_max_backoff = bounded_ms(max_ms, "retry max backoff")?;
        Ok(())
    })
}

/// Requests in flight at once. Default 4.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION` (0).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_max_concurrent_requests(config: *mut outbox_config_t, max_concurrent: usize) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.max_concurrent_requests = at_least_one(max_concurrent, "max_concurrent_requests")?;
        Ok(())
    })
}

/// Gzip request bodies of 1 KiB and more. Default true.
///
/// Returns `OUTBOX_OK` or `OUTBOX_ERR_NULL`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_gzip(config: *mut outbox_config_t, gzip: bool) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.gzip = gzip;
        Ok(())
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
pub unsafe extern "C" fn outbox_config_add_header(config: *mut outbox_config_t, name: *const c_char, value: *const c_char) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let name = unsafe { arg_str(name, "name") }?;
        let value = unsafe { arg_str(value, "value") }?;
        check_header(name, value)?;
        c.options.headers.push((name.to_owned(), value.to_owned()));
        Ok(())
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
pub unsafe extern "C" fn outbox_config_set_proxy(config: *mut outbox_config_t, proxy: *const c_char) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        c.options.proxy = unsafe { arg_opt_str(proxy, "proxy") }?.map(str::to_owned);
        Ok(())
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
        unsafe { config_mut(config) }?.options.disabled = disabled;
        Ok(())
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
        unsafe { config_mut(config) }?.options.debug = debug;
        Ok(())
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
pub unsafe extern "C" fn outbox_config_set_shutdown_timeout_ms(config: *mut outbox_config_t, timeout_ms: u64) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.shutdown_timeout = bounded_ms(timeout_ms, "shutdown_timeout")?;
        Ok(())
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
        unsafe { config_mut(config) }?.options.test_mode = test_mode;
        Ok(())
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
pub unsafe extern "C" fn outbox_config_set_spool_dir(config: *mut outbox_config_t, dir: *const c_char) -> outbox_status_t {
    guard(|| {
        let c = unsafe { config_mut(config) }?;
        let dir = unsafe { arg_opt_str(dir, "dir") }?;
        if dir == Some("") {
            return Err(Failure::option("spool_dir must not be empty (NULL keeps events in memory only)"));
        }
        c.options.spool_dir = dir.map(std::path::PathBuf::from);
        Ok(())
    })
}

/// When the spool syncs to disk: `OUTBOX_SPOOL_SYNC_BATCH` (default) or
/// `OUTBOX_SPOOL_SYNC_EVENT`. Only matters with a spool directory.
///
/// Returns `OUTBOX_OK`, `OUTBOX_ERR_NULL` or `OUTBOX_ERR_INVALID_OPTION`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn outbox_config_set_spool_sync(config: *mut outbox_config_t, sync: outbox_spool_sync_t) -> outbox_status_t {
    guard(|| {
        unsafe { config_mut(config) }?.options.spool_sync = match sync {
            OUTBOX_SPOOL_SYNC_BATCH => SpoolSync::Batch,
            OUTBOX_SPOOL_SYNC_EVENT => SpoolSync::Event,
            other => {
                return Err(Failure::option(format!(
                    "spool sync must be OUTBOX_SPOOL_SYNC_BATCH or OUTBOX_SPOOL_SYNC_EVENT, not {other}"
                )))
            }
        };
        Ok(())
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
pub unsafe extern "C" fn outbox_config_set_library(config: *mut outbox_config_t, name: *const c_char, version: *const c_char) -> outbox_status_t {
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
