//! Signed webhooks to customers' endpoints.
//!
//! Each endpoint gets its own pipeline (queue, dispatcher, retries), so an
//! endpoint that keeps failing never holds back the others, and a 410 Gone
//! disables only its own pipeline. Every message is one request, signed per
//! attempt (fresh timestamp, same `webhook-id`).

use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, FlushResult, Stats};
use crate::event::Json;
use crate::lane::{Lane, TransportSource};
use crate::options::{DeliveryOptions, OnFull};
use crate::pipeline::Health;
use crate::pipeline::{Batching, BodyShape, Policy, Spec, Target};
use crate::queue::Payload;
use crate::sign::Signer;
use crate::transport::{redact_url, HttpSettings, MemoryTransport};

pub use crate::options::webhook::{Endpoint, WebhookOptions};

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
    /// Validates `options` and starts one pipeline per endpoint.
    pub fn new(options: WebhookOptions) -> Result<WebhookSender, Error> {
        options.validate()?;
        let d = &options.delivery;
        let memory = d.test_mode.then(MemoryTransport::new);
        let source = TransportSource::choose(
            memory.as_ref(),
            d.transport.as_ref(),
            HttpSettings { connect_timeout: d.connect_timeout, proxy: d.proxy.clone() },
        );
        let mut lanes = Vec::with_capacity(options.endpoints.len());
        for (i, endpoint) in options.endpoints.iter().enumerate() {
            let spec = spec_for(endpoint, d)
                .map_err(|e| Error::invalid_option(format!("endpoint {i} ({}): {e}", redact_url(&endpoint.url))))?;
            lanes.push(Lane::start(spec, source.clone(), None)?);
        }
        Ok(WebhookSender {
            lanes,
            max_message_bytes: options.max_message_bytes,
            block: match d.on_full {
                OnFull::Block(limit) => Some(limit),
                _ => None,
            },
            memory,
            shutdown_timeout: d.shutdown_timeout,
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
        // Each endpoint's queue holds its own copy.
        let payload = Payload::new(&id, body);
        let mut waiting: Vec<&Lane> = self.lanes.iter().collect();
        if let Some(limit) = self.block {
            // Each endpoint gets the message as soon as it has room, until
            // the deadline; a full endpoint delays no other.
            let deadline = crate::time::later(Instant::now(), limit);
            loop {
                let mut full = Vec::new();
                for lane in waiting {
                    if lane.pipeline().has_room(payload.json().len()) {
                        lane.pipeline().enqueue(payload.clone())?;
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
            lane.pipeline().enqueue(payload.clone())?;
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

    /// The latest error and success over every endpoint.
    pub fn health(&self) -> Health {
        let mut all = Health::default();
        for lane in &self.lanes {
            all.merge(&lane.pipeline().health());
        }
        all
    }

    /// The health of each endpoint, in the order given.
    pub fn endpoint_health(&self) -> Vec<Health> {
        self.lanes.iter().map(|l| l.pipeline().health()).collect()
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

fn spec_for(endpoint: &Endpoint, o: &DeliveryOptions) -> Result<Spec, String> {
    let url = endpoint.url.trim();
    let signer = if endpoint.secrets.is_empty() {
        None
    } else {
        Some(Signer::new(endpoint.scheme.clone(), &endpoint.secrets).map_err(|e| e.to_string())?)
    };
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    headers.extend(endpoint.headers.iter().cloned());
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
            // Receivers get one message per request, and a full queue drops
            // the newest: `on_full = block` waits at the sender instead.
            on_full: match o.on_full {
                OnFull::Block(_) => OnFull::DropNewest,
                other => other,
            },
            ..Policy::new(
                o,
                Batching {
                    flush_at: 1,
                    flush_interval: Duration::from_millis(50),
                    max_batch_size: 1,
                    max_batch_bytes: usize::MAX,
                },
            )
        },
        on_error: o.on_error.clone(),
        log: o.logger(),
    })
}
