//! Client options, their defaults (each with its reason) and validation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{DeliveryError, Error};
use crate::event::Library;
use crate::sign::Scheme;
use crate::transport::Transport;

/// Called with every group of events that will never be delivered. Runs on
/// an Outbox background thread (or on the thread calling `shutdown` for
/// events that shutdown gives up), never while Outbox holds a lock. A panic
/// in it is caught and logged; delivery goes on.
pub type OnError = Arc<dyn Fn(&DeliveryError) + Send + Sync>;

/// What `track` does when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFull {
    /// Drop the oldest queued event (default: recent events matter most).
    DropOldest,
    /// Drop the new event.
    DropNewest,
    /// Wait up to this long for room, then drop the new event.
    Block(Duration),
}

impl OnFull {
    /// Parses `drop_oldest` / `drop_newest` / `block` (with `block_timeout`).
    pub fn parse(name: &str, block_timeout: Duration) -> Result<OnFull, Error> {
        match name.replace('-', "_").to_ascii_lowercase().as_str() {
            "drop_oldest" => Ok(OnFull::DropOldest),
            "drop_newest" => Ok(OnFull::DropNewest),
            "block" => Ok(OnFull::Block(block_timeout)),
            other => Err(Error::InvalidOption(format!(
                "on_full must be \"drop_oldest\", \"drop_newest\" or \"block\", not {other:?}"
            ))),
        }
    }
}

/// How `api_key` is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// `Authorization: Bearer <api_key>` (default).
    #[default]
    Bearer,
    /// `Authorization: Basic base64(<api_key>:)`, as Segment expects write keys.
    Basic,
}

/// Everything a client can be told. Start from `Options::new(endpoint)`.
#[derive(Clone)]
pub struct Options {
    /// Base URL of the collector, e.g. `https://collector.example.com`.
    pub endpoint: String,
    /// Path of the batch API under `endpoint`. Default `/v1/batch` (Segment's).
    pub path: String,
    pub api_key: Option<String>,
    pub auth_scheme: AuthScheme,
    /// Secrets that sign every request (several at once during rotation).
    pub signing_secrets: Vec<String>,
    pub signature_scheme: Scheme,
    /// Send as soon as this many events are queued. Default 100: big enough
    /// to amortise a request, small enough that a quiet service sends promptly.
    pub flush_at: usize,
    /// Send queued events at least this often. Default 500 ms.
    pub flush_interval: Duration,
    /// Most events per request. Default 1,000: under load batches grow to it.
    pub max_batch_size: usize,
    /// Most bytes per request body before compression. Default 500 KB,
    /// Segment's documented batch limit.
    pub max_batch_bytes: usize,
    /// Largest serialized event accepted. Default 32 KB, Segment's limit.
    pub max_event_bytes: usize,
    /// Most events held (queued and in flight). Default 200,000, so a burst
    /// of 100,000 typical events is absorbed without a drop.
    pub max_queue_size: usize,
    /// Most bytes of event JSON held. Default 64 MiB: the real memory bound.
    pub max_queue_bytes: usize,
    pub on_full: OnFull,
    /// Deadline of one whole request. Default 10 s.
    pub request_timeout: Duration,
    /// Deadline of establishing a connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Give an event up after this many failed attempts. Default `None`:
    /// retry transient failures until delivered, shut down or pushed out by
    /// the queue bound.
    pub max_retries: Option<u32>,
    /// First backoff cap (doubles per consecutive failure). Default 100 ms.
    pub retry_initial_backoff: Duration,
    /// Largest backoff cap. Default 2 s: during an outage a client probes
    /// about once a second (waits of 1-2 s) and resumes within 2 s of the
    /// endpoint's recovery. A server's `Retry-After` always wins.
    pub retry_max_backoff: Duration,
    /// Requests in flight at once. Default 4.
    pub max_concurrent_requests: usize,
    /// Gzip bodies of 1 KiB and more. Default true.
    pub gzip: bool,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
    /// Proxy URL; default from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`.
    pub proxy: Option<String>,
    /// Validate calls but send nothing and start no thread.
    pub disabled: bool,
    /// Log every request and retry at debug level (target `outbox`).
    pub debug: bool,
    pub on_error: Option<OnError>,
    /// How long exit hooks (and dropping the client) wait for delivery.
    /// Default 5 s; zero sends nothing at exit.
    pub shutdown_timeout: Duration,
    /// Keep everything in the process: requests go to an in-memory
    /// transport, readable with `Client::captured()`.
    pub test_mode: bool,
    /// Keep queued events on disk here until delivered, so they survive a
    /// crash: the next process opening this directory delivers them.
    /// Default none (memory only).
    pub spool_dir: Option<std::path::PathBuf>,
    /// When the spool syncs to disk (default `Batch`: every 100 ms).
    pub spool_sync: crate::spool::SpoolSync,
    /// Send through this transport instead of HTTP.
    pub transport: Option<Arc<dyn Transport>>,
    /// Named in every event's `context.library`; bindings set their own.
    pub library: Library,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("endpoint", &self.endpoint)
            .field("path", &self.path)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("signing_secrets", &format!("<{} redacted>", self.signing_secrets.len()))
            .field("flush_at", &self.flush_at)
            .field("flush_interval", &self.flush_interval)
            .field("max_batch_size", &self.max_batch_size)
            .field("max_queue_size", &self.max_queue_size)
            .field("on_full", &self.on_full)
            .field("max_retries", &self.max_retries)
            .field("gzip", &self.gzip)
            .field("disabled", &self.disabled)
            .field("test_mode", &self.test_mode)
            .field("spool_dir", &self.spool_dir)
            .field("spool_sync", &self.spool_sync)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            endpoint: String::new(),
            path: "/v1/batch".into(),
            api_key: None,
            auth_scheme: AuthScheme::Bearer,
            signing_secrets: Vec::new(),
            signature_scheme: Scheme::StandardWebhooks,
            flush_at: 100,
            flush_interval: Duration::from_millis(500),
            max_batch_size: 1000,
            max_batch_bytes: 500_000,
            max_event_bytes: 32_000,
            max_queue_size: 200_000,
            max_queue_bytes: 64 << 20,
            on_full: OnFull::DropOldest,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_retries: None,
            retry_initial_backoff: Duration::from_millis(100),
            retry_max_backoff: Duration::from_secs(2),
            max_concurrent_requests: 4,
            gzip: true,
            headers: Vec::new(),
            proxy: None,
            disabled: false,
            debug: false,
            on_error: None,
            shutdown_timeout: Duration::from_secs(5),
            test_mode: false,
            spool_dir: None,
            spool_sync: crate::spool::SpoolSync::Batch,
            transport: None,
            library: Library::default(),
        }
    }
}

impl Options {
    pub fn new(endpoint: impl Into<String>) -> Options {
        Options { endpoint: endpoint.into(), ..Options::default() }
    }

    /// The URL batches are posted to.
    pub fn batch_url(&self) -> String {
        join_url(&self.endpoint, &self.path)
    }

    /// Checks every option; the first problem found is reported.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::InvalidOption(m));
        if !self.test_mode && !self.disabled && self.transport.is_none() {
            let e = self.endpoint.trim();
            if e.is_empty() {
                return bad("endpoint is required (e.g. \"https://collector.example.com\")".into());
            }
            if !(e.starts_with("http://") || e.starts_with("https://")) {
                return bad(format!("endpoint must start with http:// or https://, got {e:?}"));
            }
        }
        if !self.path.is_empty() && !self.path.starts_with('/') {
            return bad(format!("path must start with '/', got {:?}", self.path));
        }
        for (name, value) in [
            ("flush_at", self.flush_at),
            ("max_batch_size", self.max_batch_size),
            ("max_batch_bytes", self.max_batch_bytes),
            ("max_event_bytes", self.max_event_bytes),
            ("max_queue_size", self.max_queue_size),
            ("max_queue_bytes", self.max_queue_bytes),
            ("max_concurrent_requests", self.max_concurrent_requests),
        ] {
            if value == 0 {
                return bad(format!("{name} must be at least 1"));
            }
        }
        if self.max_event_bytes > self.max_queue_bytes {
            return bad("max_event_bytes must not exceed max_queue_bytes".into());
        }
        if self.max_event_bytes + crate::batch::ENVELOPE_OVERHEAD > self.max_batch_bytes {
            return bad(format!(
                "max_batch_bytes ({}) must leave room for one event of max_event_bytes ({}) plus the envelope",
                self.max_batch_bytes, self.max_event_bytes
            ));
        }
        if self.flush_interval.is_zero() {
            return bad("flush_interval must be greater than zero".into());
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return bad("request_timeout and connect_timeout must be greater than zero".into());
        }
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return bad(format!("header name {name:?} is not a valid HTTP header name"));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return bad(format!("header {name:?} has a line break or NUL in its value"));
            }
        }
        if let Some(key) = &self.api_key {
            if key.is_empty() || key.bytes().any(|b| b.is_ascii_control()) {
                return bad("api_key must be non-empty printable text".into());
            }
        }
        if !self.signing_secrets.is_empty() {
            crate::sign::Signer::new(self.signature_scheme.clone(), &self.signing_secrets)
                .map_err(|e| Error::InvalidOption(format!("signing_secrets: {e}")))?;
        }
        Ok(())
    }
}

/// `base` + `path` with exactly one slash between them.
pub fn join_url(base: &str, path: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if path.is_empty() {
        return base.to_owned();
    }
    format!("{base}/{}", path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_with_an_endpoint() {
        Options::new("http://127.0.0.1:9").validate().unwrap();
        assert_eq!(Options::new("http://h/").batch_url(), "http://h/v1/batch");
    }

    #[test]
    fn bad_options_say_which() {
        let cases: Vec<(Options, &str)> = vec![
            (Options::new(""), "endpoint is required"),
            (Options::new("ftp://x"), "http://"),
            (Options { flush_at: 0, ..Options::new("http://x") }, "flush_at"),
            (Options { max_queue_size: 0, ..Options::new("http://x") }, "max_queue_size"),
            (Options { max_batch_bytes: 100, ..Options::new("http://x") }, "max_batch_bytes"),
            (Options { headers: vec![("a b".into(), "v".into())], ..Options::new("http://x") }, "header name"),
            (Options { headers: vec![("x".into(), "v\r\nInjected: 1".into())], ..Options::new("http://x") }, "line break"),
            (Options { path: "v1".into(), ..Options::new("http://x") }, "path"),
        ];
        for (opts, needle) in cases {
            let err = opts.validate().unwrap_err().to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }

    #[test]
    fn test_mode_needs_no_endpoint() {
        Options { test_mode: true, ..Options::default() }.validate().unwrap();
    }

    #[test]
    fn on_full_names() {
        let t = Duration::from_secs(1);
        assert_eq!(OnFull::parse("drop-oldest", t).unwrap(), OnFull::DropOldest);
        assert_eq!(OnFull::parse("DROP_NEWEST", t).unwrap(), OnFull::DropNewest);
        assert_eq!(OnFull::parse("block", t).unwrap(), OnFull::Block(t));
        assert!(OnFull::parse("explode", t).is_err());
    }
}
