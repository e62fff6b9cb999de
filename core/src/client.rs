//! The public client: validates and encodes events at the call site, hands
//! them to its pipeline, and answers flush, shutdown and stats.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use crate::error::{Error, FlushResult, Stats};
use crate::event::{Encoded, Encoder, Event, Json};
use crate::lane::{Lane, RecoverySummary, SpoolSettings, TransportSource};
use crate::options::Options;
use crate::pipeline::Health;
use crate::pipeline::{Batching, BodyShape, DeliverOutcome, Policy, Spec, Target};
use crate::queue::Item;
use crate::runtime;
use crate::sign::Signer;
use crate::transport::{HttpSettings, MemoryTransport};

/// An Outbox client. Cheap to share (`&Client` is `Sync`); create one per
/// process and destination. Dropping it shuts it down with `shutdown_timeout`.
pub struct Client {
    encoder: Encoder,
    /// `None` when `disabled`.
    lane: Option<Lane>,
    memory: Option<MemoryTransport>,
    shutdown_timeout: Duration,
}

impl Client {
    /// Validates `options` and creates the client. No thread starts and no
    /// connection opens until the first event.
    pub fn new(options: Options) -> Result<Client, Error> {
        options.validate()?;
        let encoder = Encoder::new(&options.library, options.max_event_bytes);
        let d = &options.delivery;
        if options.disabled {
            return Ok(Client { encoder, lane: None, memory: None, shutdown_timeout: d.shutdown_timeout });
        }
        let memory = d.test_mode.then(MemoryTransport::new);
        let source = TransportSource::choose(
            memory.as_ref(),
            d.transport.as_ref(),
            HttpSettings { connect_timeout: d.connect_timeout, proxy: d.proxy.clone() },
        );
        let spool = options.spool_dir.clone().map(|dir| SpoolSettings { dir, sync: options.spool_sync });
        let lane = Lane::start(spec_for(&options)?, source, spool)?;
        Ok(Client { encoder, lane: Some(lane), memory, shutdown_timeout: d.shutdown_timeout })
    }

    /// Queues a `track` event; returns its message id.
    pub fn track(&self, user_id: &str, event: &str, properties: Option<Value>) -> Result<String, Error> {
        let mut e = Event::track(user_id, event);
        e.properties = properties.map(Json::from);
        self.capture(e)
    }

    /// Queues an `identify` event; returns its message id.
    pub fn identify(&self, user_id: &str, traits: Option<Value>) -> Result<String, Error> {
        let mut e = Event::identify(user_id);
        e.traits = traits.map(Json::from);
        self.capture(e)
    }

    /// Queues a `group` event; returns its message id.
    pub fn group(&self, user_id: &str, group_id: &str, traits: Option<Value>) -> Result<String, Error> {
        let mut e = Event::group(user_id, group_id);
        e.traits = traits.map(Json::from);
        self.capture(e)
    }

    /// Queues an `alias` event; returns its message id.
    pub fn alias(&self, previous_id: &str, user_id: &str) -> Result<String, Error> {
        self.capture(Event::alias(previous_id, user_id))
    }

    /// Queues a `page` event; returns its message id.
    pub fn page(&self, user_id: &str, name: Option<&str>, properties: Option<Value>) -> Result<String, Error> {
        let mut e = Event::page(user_id, name.map(str::to_owned));
        e.properties = properties.map(Json::from);
        self.capture(e)
    }

    /// Queues a `screen` event; returns its message id.
    pub fn screen(&self, user_id: &str, name: Option<&str>, properties: Option<Value>) -> Result<String, Error> {
        let mut e = Event::screen(user_id, name.map(str::to_owned));
        e.properties = properties.map(Json::from);
        self.capture(e)
    }

    /// Queues any event (all options: anonymous id, timestamp, context,
    /// message id). Returns its message id. Never waits for the network.
    pub fn capture(&self, event: Event) -> Result<String, Error> {
        let encoded = self.encoder.encode(&event)?;
        self.enqueue(encoded)
    }

    /// Queues many events. All are validated first: if one is invalid,
    /// none is queued and the error names its position.
    pub fn batch(&self, events: &[Event]) -> Result<Vec<String>, Error> {
        let encoded = self.encode_all(events)?;
        encoded.into_iter().map(|e| self.enqueue(e)).collect()
    }

    fn encode_all(&self, events: &[Event]) -> Result<Vec<Encoded>, Error> {
        events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                self.encoder.encode(e).map_err(|err| match err {
                    Error::InvalidEvent(m) => Error::InvalidEvent(m.prefixed(&format!("event {i}: "))),
                    other => other,
                })
            })
            .collect()
    }

    fn enqueue(&self, encoded: Encoded) -> Result<String, Error> {
        let id = encoded.message_id().to_owned();
        if let Some(lane) = &self.lane {
            lane.pipeline().enqueue(encoded.into_payload())?;
        }
        Ok(id)
    }

    /// Waits until every event queued before this call is delivered or given
    /// up, or `timeout` passes. Blocks the calling thread (do not call it from
    /// inside `on_error`).
    pub fn flush(&self, timeout: Duration) -> FlushResult {
        match &self.lane {
            Some(lane) => lane.pipeline().flush(timeout),
            None => FlushResult::default(),
        }
    }

    /// Flushes for up to `timeout`, then gives up what is left (counted as
    /// dropped, reason `shutdown`) and stops. Idempotent; capture calls
    /// afterwards fail with `Error::Closed`.
    pub fn shutdown(&self, timeout: Duration) -> FlushResult {
        match &self.lane {
            Some(lane) => lane.pipeline().shutdown(timeout),
            None => FlushResult::default(),
        }
    }

    /// The last error and the last success: what to show when events are
    /// not arriving ("HTTP 503 for the last 40 s").
    pub fn health(&self) -> Health {
        match &self.lane {
            Some(lane) => lane.pipeline().health(),
            None => Health::default(),
        }
    }

    /// The client's counters; `enqueued == delivered + dropped + pending`.
    pub fn stats(&self) -> Stats {
        match &self.lane {
            Some(lane) => lane.pipeline().stats(),
            None => Stats::default(),
        }
    }

    /// Sends `events` in one request now, bypassing the queue, retrying
    /// transient failures within `timeout`; blocks until the outcome is known.
    /// Must not be called from inside an async runtime: use `deliver_async`.
    pub fn deliver(&self, events: &[Event], timeout: Duration) -> Result<DeliverOutcome, Error> {
        let job = self.deliver_job(events, timeout)?;
        Ok(runtime::handle().block_on(job))
    }

    /// `deliver` for async callers (any executor).
    pub async fn deliver_async(&self, events: &[Event], timeout: Duration) -> Result<DeliverOutcome, Error> {
        let job = self.deliver_job(events, timeout)?;
        runtime::handle().spawn(job).await.map_err(|e| Error::invalid_option(format!("delivery task failed: {e}")))
    }

    fn deliver_job(
        &self,
        events: &[Event],
        timeout: Duration,
    ) -> Result<impl std::future::Future<Output = DeliverOutcome> + Send + 'static, Error> {
        if events.is_empty() {
            return Err(Error::InvalidEvent("deliver needs at least one event".into()));
        }
        let encoded = self.encode_all(events)?;
        let lane = self.lane.as_ref();
        let pipeline = lane.map(|l| l.pipeline().clone());
        if pipeline.as_ref().is_some_and(|p| p.is_closed()) {
            return Err(Error::Closed);
        }
        let items: Vec<Item> = encoded
            .into_iter()
            .enumerate()
            .map(|(seq, e)| Item { seq: seq as u64, payload: e.into_payload(), attempts: 0, sid: 0 })
            .collect();
        let count = items.len();
        Ok(async move {
            match pipeline {
                Some(p) => p.deliver_now(items, timeout).await,
                // Disabled: nothing is sent, by request.
                None => DeliverOutcome {
                    delivered: count == 0,
                    status: None,
                    attempts: 0,
                    error: Some("the client is disabled".into()),
                },
            }
        })
    }

    /// In `test_mode`: every event delivered so far, in order, as JSON.
    pub fn captured(&self) -> Vec<Value> {
        let Some(memory) = &self.memory else { return Vec::new() };
        memory
            .requests()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .flat_map(|body| match body.get("batch") {
                Some(Value::Array(events)) => events.clone(),
                _ => vec![body],
            })
            .collect()
    }

    /// With `spool_dir`: what the client found on disk when it started
    /// (dead processes' spools adopted, events queued again, damage skipped).
    pub fn recovery(&self) -> RecoverySummary {
        self.lane.as_ref().map(Lane::recovery).unwrap_or_default()
    }

    /// In `test_mode`: forget what was captured.
    pub fn clear_captured(&self) {
        if let Some(memory) = &self.memory {
            memory.clear();
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(lane) = &self.lane {
            lane.shutdown_if_current(self.shutdown_timeout);
        }
    }
}

fn spec_for(o: &Options) -> Result<Spec, Error> {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(key) = &o.api_key {
        let value = match o.auth_scheme {
            crate::options::AuthScheme::Bearer => format!("Bearer {key}"),
            crate::options::AuthScheme::Basic => {
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:")))
            }
        };
        headers.push(("Authorization".into(), value));
    }
    headers.extend(o.headers.iter().cloned());
    let signer = if o.signing_secrets.is_empty() {
        None
    } else {
        Some(
            Signer::new(o.signature_scheme.clone(), &o.signing_secrets)
                .map_err(|e| Error::invalid_option(format!("signing_secrets: {e}")))?,
        )
    };
    Ok(Spec {
        target: Target {
            url: o.batch_url(),
            headers,
            signer,
            gzip: o.gzip,
            request_timeout: o.request_timeout,
            shape: BodyShape::Envelope,
            gone_disables: false,
        },
        policy: Policy::new(
            &o.delivery,
            Batching {
                flush_at: o.flush_at,
                flush_interval: o.flush_interval,
                max_batch_size: o.max_batch_size,
                max_batch_bytes: o.max_batch_bytes,
            },
        ),
        on_error: o.delivery.on_error.clone(),
        log: o.delivery.logger(),
    })
}
