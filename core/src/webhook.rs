//! Signed webhooks to customers' endpoints.
//!
//! Each endpoint gets its own pipeline (queue, dispatcher, retries), so an
//! endpoint that keeps failing never holds back the others, and a 410 Gone
//! disables only its own pipeline. Every message is one request, signed per
//! attempt (fresh timestamp, same `webhook-id`).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::backoff::Schedule;
use crate::error::{Error, FlushResult, Stats};
use crate::event::Json;
use crate::lane::{Lane, TransportSource};
use crate::options::{check_duration, check_header, check_on_full, parse_http_url, parse_proxy, OnError, OnFull};
use crate::pipeline::{BodyShape, Policy, Spec, Target};
use crate::sign::{Scheme, Signer};
use crate::transport::{redact_url, HeaderNames, HttpSettings, MemoryTransport, Transport};

/// One destination.
#[derive(Clone)]
pub struct Endpoint {
    /// An `http://` or `https://` URL the HTTP client accepts.
    pub url: String,
    /// Signing secrets (several during rotation). Empty sends unsigned.
    pub secrets: Vec<String>,
    pub scheme: Scheme,
    /// Deadline of one delivery attempt. Default 5 s: webhook receivers are
    /// expected to answer fast and work asynchronously. Above zero, at most
    /// one day.
    pub timeout: Duration,
    /// Extra headers (checked as `options::check_header` does).
    pub headers: Vec<(String, String)>,
}

/// Prints no secret: the URL without credentials or query, the number of
/// secrets, header names without values.
impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &redact_url(&self.url))
            .field("secrets", &format!("<{} redacted>", self.secrets.len()))
            .field("scheme", &self.scheme)
            .field("timeout", &self.timeout)
            .field("headers", &HeaderNames(&self.headers))
            .finish()
    }
}

impl Endpoint {
    pub fn new(url: impl Into<String>) -> Endpoint {
        Endpoint {
            url: url.into(),
            secrets: Vec::new(),
            scheme: Scheme::StandardWebhooks,
            timeout: Duration::from_secs(5),
            headers: Vec::new(),
        }
    }

    pub fn secret(mut self, secret: impl Into<String>) -> Endpoint {
        self.secrets.push(secret.into());
        self
    }

    pub fn scheme(mut self, scheme: Scheme) -> Endpoint {
        self.scheme = scheme;
        self
    }
}

/// Options of a webhook sender; queue and retry settings apply per endpoint.
/// Every duration is at most one day (`options::MAX_DURATION`); only the
/// block timeout of `OnFull::Block` may be unlimited.
#[derive(Clone)]
pub struct WebhookOptions {
    pub endpoints: Vec<Endpoint>,
    /// Largest message body accepted. Default 256 KB.
    pub max_message_bytes: usize,
    /// Messages held per endpoint. Default 10,000.
    pub max_queue_size: usize,
    /// Bytes held per endpoint. Default 64 MiB.
    pub max_queue_bytes: usize,
    pub on_full: OnFull,
    /// Default `None`: retry until delivered, shut down or pushed out.
    pub max_retries: Option<u32>,
    /// Default 500 ms.
    pub retry_initial_backoff: Duration,
    /// Default 60 s.
    pub retry_max_backoff: Duration,
    /// Requests in flight per endpoint. Default 4.
    pub max_concurrent_requests: usize,
    /// Default 5 s; above zero.
    pub connect_timeout: Duration,
    /// As `Options::proxy`.
    pub proxy: Option<String>,
    pub on_error: Option<OnError>,
    /// Default 5 s; zero sends nothing at exit.
    pub shutdown_timeout: Duration,
    pub debug: bool,
    /// Keep messages in memory instead of sending them (see `captured`).
    pub test_mode: bool,
    pub transport: Option<Arc<dyn Transport>>,
}

/// Prints no secret (see `Endpoint`; the proxy without credentials).
impl fmt::Debug for WebhookOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookOptions")
            .field("endpoints", &self.endpoints)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("max_queue_size", &self.max_queue_size)
            .field("on_full", &self.on_full)
            .field("max_retries", &self.max_retries)
            .field("proxy", &self.proxy.as_deref().map(redact_url))
            .field("test_mode", &self.test_mode)
            .finish_non_exhaustive()
    }
}

impl Default for WebhookOptions {
    fn default() -> WebhookOptions {
        WebhookOptions {
            endpoints: Vec::new(),
            max_message_bytes: 256_000,
            max_queue_size: 10_000,
            max_queue_bytes: 64 << 20,
            on_full: OnFull::DropOldest,
            max_retries: None,
            retry_initial_backoff: Duration::from_millis(500),
            retry_max_backoff: Duration::from_secs(60),
            max_concurrent_requests: 4,
            connect_timeout: Duration::from_secs(5),
            proxy: None,
            on_error: None,
            shutdown_timeout: Duration::from_secs(5),
            debug: false,
            test_mode: false,
            transport: None,
        }
    }
}

/// Sends each message, signed, to every endpoint.
pub struct WebhookSender {
    lanes: Vec<Lane>,
    max_message_bytes: usize,
    /// `on_full = block`: how long `send` waits for every endpoint to have
    /// room. The wait is the sender's, not each endpoint's (whose queues then
    /// drop the newest), so one full endpoint never holds back the others.
    block: Option<Duration>,
    memory: Option<MemoryTransport>,
    shutdown_timeout: Duration,
}

impl WebhookSender {
    pub fn new(options: WebhookOptions) -> Result<WebhookSender, Error> {
        let bad = |m: String| Error::InvalidOption(m);
        if options.endpoints.is_empty() {
            return Err(bad("a webhook sender needs at least one endpoint".into()));
        }
        if options.max_queue_size == 0 || options.max_concurrent_requests == 0 || options.max_message_bytes == 0 {
            return Err(bad("max_queue_size, max_concurrent_requests and max_message_bytes must be at least 1".into()));
        }
        if options.max_message_bytes > options.max_queue_bytes {
            return Err(bad("max_message_bytes must not exceed max_queue_bytes".into()));
        }
        check_durations(&options).map_err(bad)?;
        if let Some(proxy) = &options.proxy {
            parse_proxy(proxy).map_err(bad)?;
        }
        let memory = options.test_mode.then(MemoryTransport::new);
        let source = TransportSource::choose(
            memory.as_ref(),
            options.transport.as_ref(),
            HttpSettings { connect_timeout: options.connect_timeout, proxy: options.proxy.clone() },
        );
        let mut lanes = Vec::with_capacity(options.endpoints.len());
        for (i, endpoint) in options.endpoints.iter().enumerate() {
            let spec = spec_for(endpoint, &options).map_err(|e| bad(format!("endpoint {i} ({}): {e}", redact_url(&endpoint.url))))?;
            lanes.push(Lane::start(spec, source.clone(), None)?);
        }
        Ok(WebhookSender {
            lanes,
            max_message_bytes: options.max_message_bytes,
            block: match options.on_full {
                OnFull::Block(limit) => Some(limit),
                _ => None,
            },
            memory,
            shutdown_timeout: options.shutdown_timeout,
        })
    }

    /// Queues `{"type", "timestamp", "data"}` (the Standard Webhooks
    /// envelope) to every endpoint. Returns the message id (`webhook-id`).
    pub fn send(&self, event_type: &str, data: impl Into<Json>) -> Result<String, Error> {
        if event_type.is_empty() {
            return Err(Error::InvalidEvent("a webhook needs a non-empty type".into()));
        }
        let data = data.into();
        let body = serde_json::to_vec(&Envelope {
            kind: event_type,
            timestamp: &crate::time::rfc3339_millis(SystemTime::now()),
            data: data.raw(),
        })
        .map_err(|e| Error::InvalidJson(e.to_string()))?;
        self.queue(body)
    }

    /// Queues the caller's JSON verbatim to every endpoint.
    pub fn send_raw(&self, body: &Json) -> Result<String, Error> {
        self.queue(body.as_str().as_bytes().to_vec())
    }

    fn queue(&self, body: Vec<u8>) -> Result<String, Error> {
        if body.len() > self.max_message_bytes {
            return Err(Error::EventTooLarge { size: body.len(), limit: self.max_message_bytes });
        }
        let id = format!("msg_{}", crate::ids::new_message_id().replace('-', ""));
        let body: Box<[u8]> = body.into_boxed_slice();
        let mut waiting: Vec<&Lane> = self.lanes.iter().collect();
        if let Some(limit) = self.block {
            // Each endpoint gets the message as soon as it has room, until
            // the deadline; a full endpoint delays no other.
            let deadline = crate::time::later(Instant::now(), limit);
            loop {
                let mut full = Vec::new();
                for lane in waiting {
                    if lane.pipeline().has_room(body.len()) {
                        lane.pipeline().enqueue(id.as_str().into(), body.clone())?;
                    } else {
                        full.push(lane);
                    }
                }
                waiting = full;
                if waiting.is_empty() || Instant::now() >= deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        // Without `block`, or still full at the deadline: the endpoint's
        // queue applies its policy (dropping the newest under `block`).
        for lane in waiting {
            lane.pipeline().enqueue(id.as_str().into(), body.clone())?;
        }
        Ok(id)
    }

    /// Waits (up to `timeout` in all) until every message queued before the
    /// call is delivered or given up at every endpoint.
    pub fn flush(&self, timeout: Duration) -> FlushResult {
        let deadline = Instant::now().checked_add(timeout);
        let mut total = FlushResult::default();
        for lane in &self.lanes {
            let left = deadline.map_or(timeout, |d| d.saturating_duration_since(Instant::now()));
            total.add(lane.pipeline().flush(left));
        }
        total
    }

    /// Flushes every endpoint for up to `timeout` (together), then stops. Idempotent.
    pub fn shutdown(&self, timeout: Duration) -> FlushResult {
        let deadline = crate::time::later(Instant::now(), timeout);
        for lane in &self.lanes {
            lane.pipeline().begin_shutdown();
        }
        let mut total = FlushResult::default();
        for lane in &self.lanes {
            total.add(lane.pipeline().finish_shutdown(deadline));
        }
        total
    }

    /// Counters summed over endpoints (a message sent to three endpoints counts three times).
    pub fn stats(&self) -> Stats {
        let mut total = Stats::default();
        for lane in &self.lanes {
            total.add(&lane.pipeline().stats());
        }
        total
    }

    /// Counters of each endpoint, in the order given.
    pub fn endpoint_stats(&self) -> Vec<Stats> {
        self.lanes.iter().map(|l| l.pipeline().stats()).collect()
    }

    /// In `test_mode`: the requests that would have been sent, in order.
    pub fn captured(&self) -> Vec<crate::transport::CapturedRequest> {
        self.memory.as_ref().map(MemoryTransport::requests).unwrap_or_default()
    }
}

impl Drop for WebhookSender {
    fn drop(&mut self) {
        for lane in &self.lanes {
            lane.shutdown_if_current(self.shutdown_timeout);
        }
    }
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: &'a str,
    data: &'a serde_json::value::RawValue,
}

fn check_durations(o: &WebhookOptions) -> Result<(), String> {
    check_duration("retry_initial_backoff", o.retry_initial_backoff, true)?;
    check_duration("retry_max_backoff", o.retry_max_backoff, true)?;
    check_duration("connect_timeout", o.connect_timeout, false)?;
    check_duration("shutdown_timeout", o.shutdown_timeout, true)?;
    check_on_full(o.on_full)
}

fn spec_for(endpoint: &Endpoint, o: &WebhookOptions) -> Result<Spec, String> {
    let url = endpoint.url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("url must start with http:// or https://, got {:?}", redact_url(url)));
    }
    parse_http_url(url)?;
    check_duration("timeout", endpoint.timeout, false)?;
    let signer = if endpoint.secrets.is_empty() {
        None
    } else {
        Some(Signer::new(endpoint.scheme.clone(), &endpoint.secrets).map_err(|e| e.to_string())?)
    };
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    for (name, value) in &endpoint.headers {
        check_header(name, value)?;
        headers.push((name.clone(), value.clone()));
    }
    Ok(Spec {
        target: Target {
            url: url.to_owned(),
            headers,
            signer,
            // Webhook receivers verify the raw body; many do not decode gzip.
            gzip: false,
            request_timeout: endpoint.timeout,
            shape: BodyShape::Single,
            gone_disables: true,
        },
        policy: Policy {
            flush_at: 1,
            flush_interval: Duration::from_millis(50),
            max_batch_size: 1,
            max_batch_bytes: usize::MAX,
            max_queue_size: o.max_queue_size,
            max_queue_bytes: o.max_queue_bytes,
            on_full: match o.on_full {
                OnFull::Block(_) => OnFull::DropNewest,
                other => other,
            },
            max_retries: o.max_retries,
            backoff: Schedule { initial: o.retry_initial_backoff, max: o.retry_max_backoff, max_retry_after: Duration::from_secs(300) },
            max_concurrent: o.max_concurrent_requests,
            shutdown_timeout: o.shutdown_timeout,
        },
        on_error: o.on_error.clone(),
        debug: o.debug,
    })
}

