//! Client options, their defaults (each with its reason) and validation.
//!
//! The fields are plain Rust; [`schema`] declares each option once more for
//! the other faces (names, docs, range checks), and [`docs`] renders the
//! option tables of the README, the guides and the typings from it.

mod declared;
mod delivery;
pub mod docs;
pub mod schema;
pub mod webhook;

pub use crate::spool::SpoolSync;
pub use delivery::{DeliveryOptions, MAX_RETRY_AFTER};

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{DeliveryError, Error};
use crate::event::Library;
use crate::http_values::{redact_url, HeaderNames};
use crate::names::{duration as dur, option as opt};
use crate::sign::Scheme;

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
    /// Wait up to this long for room, then drop the new event. At most
    /// `MAX_DURATION`, or `Duration::MAX` to wait without limit.
    Block(Duration),
}

impl OnFull {
    /// Parses `drop_oldest` / `drop_newest` / `block` (with `block_timeout`).
    pub fn parse(name: &str, block_timeout: Duration) -> Result<OnFull, Error> {
        match name.replace('-', "_").to_ascii_lowercase().as_str() {
            "drop_oldest" => Ok(OnFull::DropOldest),
            "drop_newest" => Ok(OnFull::DropNewest),
            "block" => Ok(OnFull::Block(block_timeout)),
            other => Err(Error::invalid_option(format!(
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

impl AuthScheme {
    /// Parses `bearer` / `basic` (any case).
    pub fn parse(name: &str) -> Result<AuthScheme, String> {
        match name.to_ascii_lowercase().as_str() {
            "bearer" => Ok(AuthScheme::Bearer),
            "basic" => Ok(AuthScheme::Basic),
            _ => Err(format!("must be \"bearer\" or \"basic\", not {name:?}")),
        }
    }

    /// The name `parse` takes.
    pub fn name(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "bearer",
            AuthScheme::Basic => "basic",
        }
    }
}

/// The longest any duration option may be: one day. A longer flush
/// interval, timeout or backoff is almost surely a unit mistake (seconds
/// given as milliseconds); refusing it at creation also keeps every
/// deadline the engine computes (`Instant + Duration`) far from overflow.
/// Only `OnFull::Block` may be unlimited (`Duration::MAX`).
pub const MAX_DURATION: Duration = Duration::from_secs(86_400);

/// Everything a client can be told. Start from `Options::new(endpoint)`.
/// Every duration is at most `MAX_DURATION` (one day).
#[derive(Clone)]
pub struct Options {
    /// Base URL of the collector, e.g. `https://collector.example.com`.
    pub endpoint: String,
    /// Path of the batch API under `endpoint`. Default `/v1/batch` (Segment's).
    pub path: String,
    /// Sent with every request as `auth_scheme` says. Default none.
    pub api_key: Option<String>,
    /// How `api_key` is sent. Default `Bearer`.
    pub auth_scheme: AuthScheme,
    /// Secrets that sign every request (several at once during rotation).
    pub signing_secrets: Vec<String>,
    /// How requests are signed. Default Standard Webhooks.
    pub signature_scheme: Scheme,
    /// Send as soon as this many events are queued. Default 100: big enough
    /// to amortise a request, small enough that a quiet service sends promptly.
    pub flush_at: usize,
    /// Send queued events at least this often. Default 500 ms. Zero is no
    /// timer: events leave at `flush_at`, on `flush` and at exit.
    pub flush_interval: Duration,
    /// Most events per request. Default 1,000: under load batches grow to it.
    pub max_batch_size: usize,
    /// Most bytes per request body before compression. Default 500 KB,
    /// Segment's documented batch limit.
    pub max_batch_bytes: usize,
    /// Largest serialized event accepted. Default 32 KB, Segment's limit.
    pub max_event_bytes: usize,
    /// Deadline of one whole request. Default 10 s; above zero.
    pub request_timeout: Duration,
    /// Gzip bodies of 1 KiB and more. Default true.
    pub gzip: bool,
    /// Extra headers on every request. Names and values must be ones the
    /// HTTP client accepts (see `check_header`).
    pub headers: Vec<(String, String)>,
    /// Validate calls but send nothing and start no thread.
    pub disabled: bool,
    /// Keep queued events on disk here until delivered, so they survive a
    /// crash: the next process opening this directory delivers them.
    /// Default none (memory only).
    pub spool_dir: Option<std::path::PathBuf>,
    /// When the spool syncs to disk (default `Batch`: every 100 ms).
    pub spool_sync: crate::spool::SpoolSync,
    /// Queue, retries and lifecycle (shared with webhook senders).
    pub delivery: DeliveryOptions,
    /// Named in every event's `context.library`; bindings set their own.
    pub library: Library,
}

/// Prints no secret: the endpoint and proxy without credentials or query,
/// header names without values, the API key and signing secrets not at all.
impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("endpoint", &redact_url(&self.endpoint))
            .field("path", &self.path)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("headers", &HeaderNames(&self.headers))
            .field("proxy", &self.delivery.proxy.as_deref().map(redact_url))
            .field("signing_secrets", &format!("<{} redacted>", self.signing_secrets.len()))
            .field("flush_at", &self.flush_at)
            .field("flush_interval", &self.flush_interval)
            .field("max_batch_size", &self.max_batch_size)
            .field("max_queue_size", &self.delivery.max_queue_size)
            .field("on_full", &self.delivery.on_full)
            .field("max_retries", &self.delivery.max_retries)
            .field("gzip", &self.gzip)
            .field("disabled", &self.disabled)
            .field("test_mode", &self.delivery.test_mode)
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
            request_timeout: Duration::from_secs(10),
            gzip: true,
            headers: Vec::new(),
            disabled: false,
            spool_dir: None,
            spool_sync: crate::spool::SpoolSync::Batch,
            delivery: DeliveryOptions::for_client(),
            library: Library::default(),
        }
    }
}

impl Options {
    /// Every default, sending to `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Options {
        Options { endpoint: endpoint.into(), ..Options::default() }
    }

    /// The URL batches are posted to.
    pub fn batch_url(&self) -> String {
        join_url(&self.endpoint, &self.path)
    }

    /// Checks every option; the first problem found is reported (see
    /// `Error::message` for each face's names in it).
    pub fn validate(&self) -> Result<(), Error> {
        self.check().map_err(Error::invalid_option)
    }

    fn check(&self) -> Result<(), String> {
        if !self.path.is_empty() && !self.path.starts_with('/') {
            return Err(format!("{} must start with '/', got {:?}", opt("path"), self.path));
        }
        let d = &self.delivery;
        if !d.test_mode && !self.disabled && d.transport.is_none() {
            let e = self.endpoint.trim();
            if e.is_empty() {
                return Err(format!("{} is required (e.g. \"https://collector.example.com\")", opt("endpoint")));
            }
            if !(e.starts_with("http://") || e.starts_with("https://")) {
                return Err(format!(
                    "{} must start with http:// or https://, got {:?}",
                    opt("endpoint"),
                    redact_url(e)
                ));
            }
            parse_http_url(e).map_err(|m| format!("{}: {m}", opt("endpoint")))?;
            parse_http_url(&self.batch_url()).map_err(|m| format!("{} and {}: {m}", opt("endpoint"), opt("path")))?;
        }
        for (name, value) in [
            ("flush_at", self.flush_at),
            ("max_batch_size", self.max_batch_size),
            ("max_batch_bytes", self.max_batch_bytes),
            ("max_event_bytes", self.max_event_bytes),
        ] {
            if value == 0 {
                return Err(format!("{} must be at least 1", opt(name)));
            }
        }
        d.check()?;
        if self.max_event_bytes > d.max_queue_bytes {
            return Err(format!("{} must not exceed {}", opt("max_event_bytes"), opt("max_queue_bytes")));
        }
        if self.max_event_bytes + crate::body::ENVELOPE_OVERHEAD > self.max_batch_bytes {
            return Err(format!(
                "{} ({}) must leave room for one event of {} ({}) plus the envelope",
                opt("max_batch_bytes"),
                self.max_batch_bytes,
                opt("max_event_bytes"),
                self.max_event_bytes
            ));
        }
        check_duration("flush_interval", self.flush_interval, true)?;
        check_duration("request_timeout", self.request_timeout, false)?;
        for (name, value) in &self.headers {
            check_header(name, value)?;
        }
        if let Some(key) = &self.api_key {
            if key.is_empty() || key.bytes().any(|b| b.is_ascii_control()) {
                return Err(format!("{} must be non-empty printable text", opt("api_key")));
            }
        }
        if !self.signing_secrets.is_empty() {
            crate::sign::Signer::new(self.signature_scheme.clone(), &self.signing_secrets)
                .map_err(|e| format!("{}: {e}", opt("signing_secrets")))?;
        }
        Ok(())
    }
}

/// Checks a duration option: at most `MAX_DURATION`, and above zero
/// unless `zero_ok`.
pub(crate) fn check_duration(name: &str, value: Duration, zero_ok: bool) -> Result<(), String> {
    if value.is_zero() && !zero_ok {
        return Err(format!("{} must be greater than zero", dur(name)));
    }
    if value > MAX_DURATION {
        return Err(format!("{} must be at most one day (86400 s), got {value:?}", dur(name)));
    }
    Ok(())
}

/// The first backoff cap may not exceed the largest.
pub fn check_backoff(initial: Duration, max: Duration) -> Result<(), String> {
    if initial > max {
        return Err(format!("{} must not exceed {}", dur("retry_initial_backoff"), dur("retry_max_backoff")));
    }
    Ok(())
}

/// The block timeout of `OnFull::Block`: at most `MAX_DURATION`, or
/// `Duration::MAX` for no limit.
pub(crate) fn check_on_full(on_full: OnFull) -> Result<(), String> {
    match on_full {
        OnFull::Block(limit) if limit > MAX_DURATION && limit != Duration::MAX => Err(format!(
            "{} (of {} \"block\") must be at most one day (86400 s), or unlimited, got {limit:?}",
            dur("block_timeout"),
            opt("on_full")
        )),
        _ => Ok(()),
    }
}

pub use crate::http_values::check_header;
pub(crate) use crate::http_values::{parse_http_url, parse_proxy};

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
            (
                Options {
                    delivery: DeliveryOptions { max_queue_size: 0, ..DeliveryOptions::for_client() },
                    ..Options::new("http://x")
                },
                "max_queue_size",
            ),
            (Options { max_batch_bytes: 100, ..Options::new("http://x") }, "max_batch_bytes"),
            (Options { headers: vec![("a b".into(), "v".into())], ..Options::new("http://x") }, "header name"),
            (
                Options { headers: vec![("x".into(), "v\r\nInjected: 1".into())], ..Options::new("http://x") },
                "line break",
            ),
            (Options { path: "v1".into(), ..Options::new("http://x") }, "path"),
            (
                Options { request_timeout: Duration::ZERO, ..Options::new("http://x") },
                "request_timeout must be greater than zero",
            ),
            (
                Options {
                    delivery: DeliveryOptions { connect_timeout: Duration::ZERO, ..DeliveryOptions::for_client() },
                    ..Options::new("http://x")
                },
                "connect_timeout must be greater than zero",
            ),
        ];
        for (opts, needle) in cases {
            let err = opts.validate().unwrap_err().to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }

    /// What the HTTP client (reqwest / http) refuses is refused at creation,
    /// naming the option (H1): it could never be sent.
    #[test]
    fn headers_and_urls_the_http_client_refuses_are_refused() {
        let header = |name: &str, value: &str| Options {
            headers: vec![(name.into(), value.into())],
            ..Options::new("http://x")
        };
        let cases: Vec<(Options, &str)> = vec![
            (header("X-Trace(id)", "1"), "header name \"X-Trace(id)\""),
            (header("X-A/B", "1"), "header name"),
            (header("X-\"q\"", "1"), "header name"),
            (header("X-Ctl", "a\x01b"), "header \"X-Ctl\" has a line break or another control character"),
            (header("X-Esc", "\x1b[31m"), "header \"X-Esc\""),
            (header("X-Del", "a\x7f"), "header \"X-Del\""),
            (header("X-Nul", "a\0"), "header \"X-Nul\""),
            (Options::new("http://exa mple.com"), "endpoint: http://exa mple.com is not a valid URL"),
            (Options::new("https://h:99999"), "endpoint: https://h:99999 is not a valid URL: invalid port number"),
            (Options::new("http://"), "endpoint: http:// is not a valid URL: empty host"),
            (
                Options {
                    delivery: DeliveryOptions {
                        proxy: Some("socks5://proxy:1080".into()),
                        ..DeliveryOptions::for_client()
                    },
                    ..Options::new("http://x")
                },
                "proxy socks5://proxy:1080 must be an http:// or https:// URL",
            ),
            (
                Options {
                    delivery: DeliveryOptions { proxy: Some("ftp://proxy".into()), ..DeliveryOptions::for_client() },
                    ..Options::new("http://x")
                },
                "proxy ftp://proxy/ must be an http://",
            ),
            (
                Options {
                    delivery: DeliveryOptions {
                        proxy: Some("http://pro xy:1".into()),
                        ..DeliveryOptions::for_client()
                    },
                    ..Options::new("http://x")
                },
                "proxy http://pro xy:1 is not a proxy URL",
            ),
        ];
        for (opts, needle) in cases {
            let err = opts.validate().expect_err(needle).to_string();
            assert!(err.starts_with("invalid option: ") && err.contains(needle), "{err:?} should mention {needle:?}");
        }
        // What the client does accept stays accepted.
        for ok in [
            header("X-Custom_Sig.v2", "tab\tand UTF-8: é"),
            header("x-lower", ""),
            Options {
                delivery: DeliveryOptions {
                    proxy: Some("proxy.internal:3128".into()),
                    ..DeliveryOptions::for_client()
                },
                ..Options::new("http://x")
            },
            Options {
                delivery: DeliveryOptions {
                    proxy: Some("https://user:pw@proxy:3128".into()),
                    ..DeliveryOptions::for_client()
                },
                ..Options::new("http://x")
            },
            Options::new("http://[::1]:8080"),
            Options { path: "/v1/my batch".into(), ..Options::new("http://x") },
        ] {
            ok.validate().unwrap();
        }
        assert_eq!(check_header("X-Ok", "v"), Ok(()));
    }

    #[test]
    fn messages_about_urls_show_no_secret() {
        let cases = [
            Options::new("http://user:pass@exa mple.com/?token=abc"),
            Options::new("ftp://user:pass@example.com/?token=abc"),
            Options {
                delivery: DeliveryOptions {
                    proxy: Some("http://user:pass@pro xy:1/?token=abc".into()),
                    ..DeliveryOptions::for_client()
                },
                ..Options::new("http://x")
            },
            Options {
                delivery: DeliveryOptions {
                    proxy: Some("socks5://user:pass@proxy:1/?token=abc".into()),
                    ..DeliveryOptions::for_client()
                },
                ..Options::new("http://x")
            },
        ];
        for opts in cases {
            let err = opts.validate().unwrap_err().to_string();
            assert!(!err.contains("pass") && !err.contains("abc"), "{err:?}");
        }
    }

    /// Every duration option is bounded (C4): `Duration::MAX` would make the
    /// engine's `Instant + Duration` panic inside its background task.
    #[test]
    fn durations_are_bounded() {
        let over = MAX_DURATION + Duration::from_millis(1);
        type Set = fn(&mut Options, Duration);
        let fields: [(&str, Set); 6] = [
            ("flush_interval", |o, d| o.flush_interval = d),
            ("request_timeout", |o, d| o.request_timeout = d),
            ("connect_timeout", |o, d| o.delivery.connect_timeout = d),
            ("retry_initial_backoff", |o, d| o.delivery.retry_initial_backoff = d),
            ("retry_max_backoff", |o, d| o.delivery.retry_max_backoff = d),
            ("shutdown_timeout", |o, d| o.delivery.shutdown_timeout = d),
        ];
        for (name, set) in fields {
            for too_long in [over, Duration::MAX] {
                let mut o = Options::new("http://x");
                set(&mut o, too_long);
                let err = o.validate().unwrap_err().to_string();
                assert!(err.contains(&format!("{name} must be at most one day")), "{err}");
            }
            let mut o = Options::new("http://x");
            o.delivery.retry_max_backoff = MAX_DURATION; // the initial backoff may not exceed it
            set(&mut o, MAX_DURATION);
            o.validate().unwrap();
        }
        let block = |d| Options {
            delivery: DeliveryOptions { on_full: OnFull::Block(d), ..DeliveryOptions::for_client() },
            ..Options::new("http://x")
        };
        block(MAX_DURATION).validate().unwrap();
        block(Duration::MAX).validate().unwrap(); // documented: no limit
        let err = block(over).validate().unwrap_err().to_string();
        assert!(err.contains("block_timeout (of on_full \"block\") must be at most one day"), "{err}");
    }

    #[test]
    fn debug_prints_no_secret() {
        let o = Options {
            api_key: Some("key-SECRET1".into()),
            signing_secrets: vec!["whsec_U0VDUkVUMg==".into()],
            headers: vec![("Authorization".into(), "Bearer SECRET3".into()), ("X-Api-Key".into(), "SECRET4".into())],
            delivery: DeliveryOptions {
                proxy: Some("http://user:SECRET5@proxy:3128".into()),
                ..DeliveryOptions::for_client()
            },
            ..Options::new("https://user:SECRET6@collector.example.com/?token=SECRET7")
        };
        let text = format!("{o:?} {o:#?}");
        assert!(!text.contains("SECRET") && !text.contains("U0VDUkVUMg"), "{text}");
        assert!(text.contains("collector.example.com") && text.contains("X-Api-Key"), "{text}");
    }

    #[test]
    fn test_mode_needs_no_endpoint() {
        Options {
            delivery: DeliveryOptions { test_mode: true, ..DeliveryOptions::for_client() },
            ..Options::default()
        }
        .validate()
        .unwrap();
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
