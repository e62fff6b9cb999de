//! The declarations of every option: a client's own, a webhook sender's
//! own, an endpoint's, and the delivery options both share (declared once,
//! through `delivery_options!`). See `schema` for what a declaration is.

use std::time::Duration;

use super::schema::{Access, OptionSpec, DEFAULT_BLOCK_TIMEOUT};
use super::webhook::{Endpoint, WebhookOptions};
use super::{AuthScheme, OnFull, Options};
use crate::sign::Scheme;
use crate::spool::SpoolSync;

// What several declarations check or convert.

fn api_key(key: String) -> Result<Option<String>, String> {
    if key.is_empty() || key.bytes().any(|b| b.is_ascii_control()) {
        return Err("must be non-empty printable text".into());
    }
    Ok(Some(key))
}

fn path(path: String) -> Result<String, String> {
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("must start with '/', got {path:?}"));
    }
    Ok(path)
}

fn headers(headers: Vec<(String, String)>) -> Result<Vec<(String, String)>, String> {
    for (name, value) in &headers {
        super::check_header(name, value)?;
    }
    Ok(headers)
}

fn proxy(proxy: String) -> Result<Option<String>, String> {
    super::parse_proxy(&proxy)?;
    Ok(Some(proxy))
}

fn on_full(name: &str) -> Result<OnFull, String> {
    OnFull::parse(name, DEFAULT_BLOCK_TIMEOUT)
        .map_err(|_| format!("must be \"drop_oldest\", \"drop_newest\" or \"block\", not {name:?}"))
}

/// `block_timeout` refines `on_full = block` (declared after it).
fn block_timeout(current: &mut OnFull, timeout: Duration) -> Result<(), String> {
    match current {
        OnFull::Block(_) => {
            *current = OnFull::Block(timeout);
            Ok(())
        }
        _ => Err(format!("only applies with {} \"block\"", crate::names::option("on_full"))),
    }
}

fn block_timeout_of(on_full: OnFull) -> Option<Duration> {
    match on_full {
        OnFull::Block(d) => Some(d),
        _ => Some(DEFAULT_BLOCK_TIMEOUT),
    }
}

fn scheme(name: &str) -> Result<Scheme, String> {
    Scheme::parse(name).map_err(|e| e.to_string())
}

/// A header name for the `hmac-sha256` scheme (declared after the scheme).
fn scheme_header(current: &mut Scheme, header: String, scheme_option: &str) -> Result<(), String> {
    match current {
        Scheme::HmacSha256 { .. } => {
            *current = Scheme::hmac_sha256_with_header(header);
            Ok(())
        }
        Scheme::StandardWebhooks => {
            Err(format!("only applies with {} \"hmac-sha256\"", crate::names::option(scheme_option)))
        }
    }
}

/// The header of the `hmac-sha256` scheme (its default when another scheme is set).
fn scheme_header_of(scheme: &Scheme) -> Option<String> {
    match scheme {
        Scheme::HmacSha256 { header } => Some(header.clone()),
        Scheme::StandardWebhooks => Scheme::parse("hmac-sha256").ok().map(|s| s.signature_header().to_owned()),
    }
}

fn spool_sync(name: &str) -> Result<SpoolSync, String> {
    SpoolSync::parse(name).ok_or_else(|| format!("must be \"batch\" or \"event\", not {name:?}"))
}

fn spool_sync_name(sync: SpoolSync) -> String {
    match sync {
        SpoolSync::Batch => "batch".into(),
        SpoolSync::Event => "event".into(),
    }
}

fn on_full_name(on_full: OnFull) -> String {
    match on_full {
        OnFull::DropOldest => "drop_oldest".into(),
        OnFull::DropNewest => "drop_newest".into(),
        OnFull::Block(_) => "block".into(),
    }
}

const ON_FULL: &[&str] = &["drop_oldest", "drop_newest", "block"];
const SCHEMES: &[&str] = &["standard-webhooks", "hmac-sha256"];

/// Declares the options shared by clients and webhook senders (queue,
/// retries, lifecycle) once for both, through their `delivery` field.
macro_rules! delivery_options {
    ($t:ty) => {
        [
            OptionSpec::<$t> {
                name: "max_queue_size",
                doc: "events held, queued and in flight: the default absorbs a burst of 100,000 typical events without a drop",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_queue_size = n, |o| o.delivery.max_queue_size),
            },
            OptionSpec::<$t> {
                name: "max_queue_bytes",
                doc: "bytes of event JSON held: the real memory bound",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_queue_bytes = n, |o| o.delivery.max_queue_bytes),
            },
            OptionSpec::<$t> {
                name: "on_full",
                doc: "when the queue is full: drop the oldest, drop the newest, or block the caller",
                unset: None,
                access: Access::Choice(
                    ON_FULL,
                    |o, name| { o.delivery.on_full = on_full(name)?; Ok(()) },
                    |o| Some(on_full_name(o.delivery.on_full)),
                ),
            },
            OptionSpec::<$t> {
                name: "block_timeout",
                doc: "with {on_full} `\"block\"`: longest wait for room, or no limit",
                unset: None,
                access: Access::DurationOrForever(|o, d| block_timeout(&mut o.delivery.on_full, d), |o| block_timeout_of(o.delivery.on_full)),
            },
            OptionSpec::<$t> {
                name: "max_retries",
                doc: "retries before an event is given up (3: four attempts in all); by default retry until delivered, shut down or pushed out by the queue bound",
                unset: Some("no limit"),
                access: Access::Retries(|o, n| o.delivery.max_retries = n, |o| o.delivery.max_retries),
            },
            OptionSpec::<$t> {
                name: "retry_initial_backoff",
                doc: "first backoff cap, doubled per failed round (equal jitter)",
                unset: None,
                access: Access::Duration {
                    zero_ok: false,
                    set: |o, d| o.delivery.retry_initial_backoff = d,
                    get: |o| o.delivery.retry_initial_backoff,
                },
            },
            OptionSpec::<$t> {
                name: "retry_max_backoff",
                doc: "largest backoff cap: the probe interval during an outage",
                unset: None,
                access: Access::Duration {
                    zero_ok: true,
                    set: |o, d| o.delivery.retry_max_backoff = d,
                    get: |o| o.delivery.retry_max_backoff,
                },
            },
            OptionSpec::<$t> {
                name: "max_concurrent_requests",
                doc: "requests in flight at once",
                unset: None,
                access: Access::Count(|o, n| o.delivery.max_concurrent_requests = n, |o| o.delivery.max_concurrent_requests),
            },
            OptionSpec::<$t> {
                name: "connect_timeout",
                doc: "deadline of opening a connection",
                unset: None,
                access: Access::Duration { zero_ok: false, set: |o, d| o.delivery.connect_timeout = d, get: |o| o.delivery.connect_timeout },
            },
            OptionSpec::<$t> {
                name: "proxy",
                doc: "explicit http:// or https:// proxy URL",
                unset: Some("`HTTPS_PROXY` / `NO_PROXY`"),
                access: Access::Text(|o, p| { o.delivery.proxy = proxy(p)?; Ok(()) }, |o| o.delivery.proxy.clone()),
            },
            OptionSpec::<$t> {
                name: "on_error",
                doc: "called with every group of events that will never be delivered",
                unset: Some("none"),
                access: Access::Callback(|o, f| o.delivery.on_error = Some(f)),
            },
            OptionSpec::<$t> {
                name: "shutdown_timeout",
                doc: "how long exit hooks wait for delivery; zero sends nothing at exit",
                unset: None,
                access: Access::Duration { zero_ok: true, set: |o, d| o.delivery.shutdown_timeout = d, get: |o| o.delivery.shutdown_timeout },
            },
            OptionSpec::<$t> {
                name: "debug",
                doc: "log every request and retry at debug level",
                unset: None,
                access: Access::Flag(|o, b| o.delivery.debug = b, |o| o.delivery.debug),
            },
            OptionSpec::<$t> {
                name: "test_mode",
                doc: "keep requests in memory instead of sending them; read them with `captured()`",
                unset: None,
                access: Access::Flag(|o, b| o.delivery.test_mode = b, |o| o.delivery.test_mode),
            },
        ]
    };
}

pub(super) static CLIENT_DELIVERY: [OptionSpec<Options>; 14] = delivery_options!(Options);
pub(super) static WEBHOOK_DELIVERY: [OptionSpec<WebhookOptions>; 14] = delivery_options!(WebhookOptions);

pub(super) static CLIENT_OWN: [OptionSpec<Options>; 18] = [
    OptionSpec {
        name: "endpoint",
        doc: "base URL of the collector",
        unset: Some("required (unless {test_mode} or {disabled})"),
        access: Access::Text(
            |o, v| {
                o.endpoint = v;
                Ok(())
            },
            |_| None,
        ),
    },
    OptionSpec {
        name: "path",
        doc: "path of the batch API under the endpoint (Segment's)",
        unset: None,
        access: Access::Text(
            |o, v| {
                o.path = path(v)?;
                Ok(())
            },
            |o| Some(o.path.clone()),
        ),
    },
    OptionSpec {
        name: "api_key",
        doc: "sent with every request, as {auth_scheme} says",
        unset: Some("none"),
        access: Access::Text(
            |o, v| {
                o.api_key = api_key(v)?;
                Ok(())
            },
            |o| o.api_key.clone(),
        ),
    },
    OptionSpec {
        name: "auth_scheme",
        doc: "`Authorization: Bearer <key>`, or `\"basic\"`: `Basic base64(key:)`, as Segment expects write keys",
        unset: None,
        access: Access::Choice(
            &["bearer", "basic"],
            |o, v| {
                o.auth_scheme = AuthScheme::parse(v)?;
                Ok(())
            },
            |o| Some(o.auth_scheme.name().into()),
        ),
    },
    OptionSpec {
        name: "signing_secrets",
        doc: "sign every request (several during rotation)",
        unset: Some("none"),
        access: Access::Texts(|o, v| o.signing_secrets = v),
    },
    OptionSpec {
        name: "signature_scheme",
        doc: "how requests are signed: Standard Webhooks, or `\"hmac-sha256\"` (`X-Hub-Signature-256: sha256=...`)",
        unset: None,
        access: Access::Choice(
            SCHEMES,
            |o, v| {
                o.signature_scheme = scheme(v)?;
                Ok(())
            },
            |o| Some(o.signature_scheme.name().into()),
        ),
    },
    OptionSpec {
        name: "signature_header",
        doc: "header of the `\"hmac-sha256\"` scheme",
        unset: None,
        access: Access::Text(
            |o, v| scheme_header(&mut o.signature_scheme, v, "signature_scheme"),
            |o| scheme_header_of(&o.signature_scheme),
        ),
    },
    OptionSpec {
        name: "flush_at",
        doc: "send as soon as this many events are queued",
        unset: None,
        access: Access::Count(|o, n| o.flush_at = n, |o| o.flush_at),
    },
    OptionSpec {
        name: "flush_interval",
        doc: "a lone event leaves within this; zero is no timer (send at {flush_at}, on flush and at exit)",
        unset: None,
        access: Access::Duration { zero_ok: true, set: |o, d| o.flush_interval = d, get: |o| o.flush_interval },
    },
    OptionSpec {
        name: "max_batch_size",
        doc: "most events per request; under load batches grow to it",
        unset: None,
        access: Access::Count(|o, n| o.max_batch_size = n, |o| o.max_batch_size),
    },
    OptionSpec {
        name: "max_batch_bytes",
        doc: "most bytes per request body before compression (Segment's limit)",
        unset: None,
        access: Access::Count(|o, n| o.max_batch_bytes = n, |o| o.max_batch_bytes),
    },
    OptionSpec {
        name: "max_event_bytes",
        doc: "largest serialized event (Segment's limit); bigger ones fail at the call",
        unset: None,
        access: Access::Count(|o, n| o.max_event_bytes = n, |o| o.max_event_bytes),
    },
    OptionSpec {
        name: "request_timeout",
        doc: "deadline of one request",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |o, d| o.request_timeout = d, get: |o| o.request_timeout },
    },
    OptionSpec {
        name: "gzip",
        doc: "gzip request bodies of 1 KiB and more",
        unset: None,
        access: Access::Flag(|o, b| o.gzip = b, |o| o.gzip),
    },
    OptionSpec {
        name: "headers",
        doc: "extra headers on every request",
        unset: Some("none"),
        access: Access::Headers(|o, v| {
            o.headers = headers(v)?;
            Ok(())
        }),
    },
    OptionSpec {
        name: "disabled",
        doc: "validate calls, send nothing, start no thread",
        unset: None,
        access: Access::Flag(|o, b| o.disabled = b, |o| o.disabled),
    },
    OptionSpec {
        name: "spool_dir",
        doc: "a directory where queued events survive a crash, delivered by the next process",
        unset: Some("none"),
        access: Access::Path(|o, p| o.spool_dir = Some(p)),
    },
    OptionSpec {
        name: "spool_sync",
        doc: "when the spool syncs: `\"batch\"` (every 100 ms) or `\"event\"` (each call waits for the disk)",
        unset: None,
        access: Access::Choice(
            &["batch", "event"],
            |o, v| {
                o.spool_sync = spool_sync(v)?;
                Ok(())
            },
            |o| Some(spool_sync_name(o.spool_sync)),
        ),
    },
];

pub(super) static WEBHOOK_OWN: [OptionSpec<WebhookOptions>; 2] = [
    OptionSpec {
        name: "endpoints",
        doc: "where every message goes: one or more endpoints",
        unset: Some("required"),
        access: Access::Endpoints(|o, v| {
            o.endpoints = v;
            Ok(())
        }),
    },
    OptionSpec {
        name: "max_message_bytes",
        doc: "largest message body accepted; bigger ones fail at the call",
        unset: None,
        access: Access::Count(|o, n| o.max_message_bytes = n, |o| o.max_message_bytes),
    },
];

pub(super) static ENDPOINT_OWN: [OptionSpec<Endpoint>; 6] = [
    OptionSpec {
        name: "url",
        doc: "the http:// or https:// URL messages are posted to",
        unset: Some("required"),
        access: Access::Text(
            |e, v| {
                e.url = v;
                Ok(())
            },
            |_| None,
        ),
    },
    OptionSpec {
        name: "secrets",
        doc: "signing secrets (several during rotation); none sends unsigned requests",
        unset: Some("none"),
        access: Access::Texts(|e, v| e.secrets = v),
    },
    OptionSpec {
        name: "scheme",
        doc: "how messages are signed: Standard Webhooks, or `\"hmac-sha256\"`",
        unset: None,
        access: Access::Choice(
            SCHEMES,
            |e, v| {
                e.scheme = scheme(v)?;
                Ok(())
            },
            |e| Some(e.scheme.name().into()),
        ),
    },
    OptionSpec {
        name: "header",
        doc: "header of the `\"hmac-sha256\"` scheme",
        unset: None,
        access: Access::Text(|e, v| scheme_header(&mut e.scheme, v, "scheme"), |e| scheme_header_of(&e.scheme)),
    },
    OptionSpec {
        name: "timeout",
        doc: "deadline of one delivery attempt (receivers should answer fast)",
        unset: None,
        access: Access::Duration { zero_ok: false, set: |e, d| e.timeout = d, get: |e| e.timeout },
    },
    OptionSpec {
        name: "headers",
        doc: "extra headers on every request to this endpoint",
        unset: Some("none"),
        access: Access::Headers(|e, v| {
            e.headers = headers(v)?;
            Ok(())
        }),
    },
];
