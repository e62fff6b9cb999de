//! The options a client and a webhook sender share: how events are held,
//! retried and handed over at exit, and the pipeline policy they give.

use std::sync::Arc;
use std::time::Duration;

use super::{check_backoff, check_duration, check_on_full, parse_proxy, OnError, OnFull};
use crate::logger::{LogSink, Logger};
use crate::names::option as opt;
use crate::transport::Transport;

/// How events are held, retried and handed over at exit: the options a
/// client and a webhook sender share (per endpoint for a sender).
#[derive(Clone)]
pub struct DeliveryOptions {
    /// Most events held (queued and in flight).
    pub max_queue_size: usize,
    /// Most bytes of event JSON held: the real memory bound. Default 64 MiB.
    pub max_queue_bytes: usize,
    /// What a call does when the queue is full. Default `DropOldest`.
    pub on_full: OnFull,
    /// Retries before an event is given up (`Some(3)`: four attempts in
    /// all; `Some(0)`: the first failure gives it up). Default `None`:
    /// retry transient failures until delivered, shut down or pushed out by
    /// the queue bound.
    pub max_retries: Option<u32>,
    /// First backoff cap (doubles per failed round).
    pub retry_initial_backoff: Duration,
    /// Largest backoff cap. A server's `Retry-After` always wins.
    pub retry_max_backoff: Duration,
    /// Requests in flight at once. Default 4.
    pub max_concurrent_requests: usize,
    /// Deadline of establishing a connection. Default 5 s; above zero.
    pub connect_timeout: Duration,
    /// Proxy URL (`http://` or `https://`, credentials allowed); default
    /// from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`.
    pub proxy: Option<String>,
    /// Called with every group of events that will never be delivered.
    pub on_error: Option<OnError>,
    /// How long exit hooks (and dropping the client) wait for delivery.
    /// Default 5 s; zero sends nothing at exit.
    pub shutdown_timeout: Duration,
    /// Log every request and retry at debug level (target `outbox`).
    pub debug: bool,
    /// Keep everything in the process: requests go to an in-memory
    /// transport, readable with `captured()`.
    pub test_mode: bool,
    /// Send through this transport instead of HTTP.
    pub transport: Option<Arc<dyn Transport>>,
    /// Where this client's log lines go instead of the `log` facade (set
    /// by bindings whose host has its own logging, such as Node).
    pub log_sink: Option<LogSink>,
}

impl DeliveryOptions {
    /// A client's defaults. 200,000 events, so a burst of 100,000 typical
    /// events is absorbed without a drop; backoff from 100 ms up to 2 s, so
    /// during an outage a client probes about once a second and resumes
    /// within 2 s of the endpoint's recovery.
    pub fn for_client() -> DeliveryOptions {
        DeliveryOptions {
            max_queue_size: 200_000,
            retry_initial_backoff: Duration::from_millis(100),
            retry_max_backoff: Duration::from_secs(2),
            ..DeliveryOptions::for_webhooks()
        }
    }

    /// A webhook endpoint's defaults: 10,000 messages; backoff from 500 ms
    /// up to 60 s, gentler on customers' servers.
    pub fn for_webhooks() -> DeliveryOptions {
        DeliveryOptions {
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
            log_sink: None,
            transport: None,
        }
    }

    /// This client's logger: its sink (or the `log` facade) and `debug`.
    pub(crate) fn logger(&self) -> Logger {
        Logger::new(self.log_sink.clone(), self.debug)
    }

    /// Checks the shared options; messages mark the options they name (see `names`).
    pub(crate) fn check(&self) -> Result<(), String> {
        for (name, value) in [
            ("max_queue_size", self.max_queue_size),
            ("max_queue_bytes", self.max_queue_bytes),
            ("max_concurrent_requests", self.max_concurrent_requests),
        ] {
            if value == 0 {
                return Err(format!("{} must be at least 1", opt(name)));
            }
        }
        check_duration("retry_initial_backoff", self.retry_initial_backoff, false)?;
        check_duration("retry_max_backoff", self.retry_max_backoff, true)?;
        check_duration("connect_timeout", self.connect_timeout, false)?;
        check_duration("shutdown_timeout", self.shutdown_timeout, true)?;
        check_backoff(self.retry_initial_backoff, self.retry_max_backoff)?;
        check_on_full(self.on_full)?;
        if let Some(proxy) = &self.proxy {
            parse_proxy(proxy)?;
        }
        Ok(())
    }
}

/// The longest a server's `Retry-After` may park a queue: five minutes.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
