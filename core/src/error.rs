//! Errors returned at the call site, and reports of events that were lost.

use std::fmt;

use crate::names::{self, Naming};

/// A message that may name options and event fields. `Display` names them
/// in snake_case (as Rust, Python and C do); [`Message::render`] names them
/// as a given face does (Node's `flushIntervalMs`, `userId`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message(String);

impl Message {
    /// The message as the face named by `naming` writes it.
    pub fn render(&self, naming: Naming) -> String {
        naming.render(&self.0)
    }

    /// The same message after `prefix` (plain text, such as `"event 3: "`).
    pub fn prefixed(&self, prefix: &str) -> Message {
        Message(format!("{prefix}{}", self.0))
    }
}

impl From<String> for Message {
    /// A message written with `names::option` / `names::field` for names.
    fn from(text: String) -> Message {
        Message(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message(text.to_owned())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Naming::Snake))
    }
}

/// Why a call was refused. Returned synchronously; nothing is enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The event is malformed (missing id, empty name, properties not an object, ...).
    InvalidEvent(Message),
    /// The serialized event exceeds `max_event_bytes`.
    EventTooLarge { size: usize, limit: usize },
    /// Text handed over as JSON does not parse.
    InvalidJson(String),
    /// An option has an unusable value.
    InvalidOption(Message),
    /// The client was shut down; it accepts no more events.
    Closed,
}

impl Error {
    /// The message, naming options and fields as `naming` says: messages
    /// mark the names they mention (see `names`), so Node reads
    /// `maxEventBytes` where Python and C read `max_event_bytes`.
    pub fn message(&self, naming: Naming) -> String {
        match self {
            Error::InvalidEvent(m) => format!("invalid event: {}", m.render(naming)),
            Error::EventTooLarge { size, limit } => naming.render(&format!(
                "event is {size} bytes once serialized, over the limit of {limit} bytes ({})",
                names::option("max_event_bytes")
            )),
            Error::InvalidJson(m) => format!("invalid JSON: {m}"),
            Error::InvalidOption(m) => format!("invalid option: {}", m.render(naming)),
            Error::Closed => "the client has been shut down and accepts no more events".into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Naming::Snake))
    }
}

impl std::error::Error for Error {}

/// Stable snake_case codes of every error a face raises at a call site:
/// the C status's `outbox_last_error_code`, Node's `error.code` and Python's
/// `error.code` all come from here, so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An option has an unusable value.
    InvalidOption,
    /// An event is malformed.
    InvalidEvent,
    /// An event (or webhook message) is over its size limit.
    EventTooLarge,
    /// Text handed over as JSON does not parse.
    InvalidJson,
    /// The client or sender was shut down.
    Closed,
    /// Signing or verifying needs at least one secret.
    NoSecret,
    /// A signing secret is unusable.
    InvalidSecret,
    /// A signature scheme name nobody knows.
    UnknownScheme,
    /// A signature header name HTTP does not allow.
    InvalidHeaderName,
    /// A signature did not verify (the C status's code; each reason below has its own).
    VerifyFailed,
    /// Verification: a signature header is missing.
    MissingHeader,
    /// Verification: a signature header is empty.
    EmptyHeader,
    /// Verification: a signature is not in the scheme's form.
    MalformedSignature,
    /// Verification: a signature is not base64.
    InvalidBase64,
    /// Verification: no signature of a version this library knows.
    UnknownVersion,
    /// Verification: the timestamp header is not a number.
    InvalidTimestamp,
    /// Verification: the timestamp is older than the tolerance.
    TimestampTooOld,
    /// Verification: the timestamp is further ahead than the tolerance.
    TimestampTooNew,
    /// Verification: the body is not UTF-8 text.
    BodyNotUtf8,
    /// Verification: no signature matches any secret.
    NoMatchingSignature,
    /// A required pointer argument was NULL (C).
    NullArgument,
    /// A string argument was not UTF-8 (C).
    InvalidUtf8,
    /// An argument of the right type but an unusable value (C).
    InvalidArgument,
    /// An output buffer was too small (C).
    BufferTooSmall,
    /// `deliver` could not deliver its events.
    NotDelivered,
    /// Outbox panicked; the call did nothing (a bug: please report it).
    Panic,
    /// Outbox failed in a way that is its own fault (a bug: please report it).
    Internal,
}

impl ErrorCode {
    /// Every code, in a stable order.
    pub const ALL: [ErrorCode; 27] = [
        ErrorCode::InvalidOption,
        ErrorCode::InvalidEvent,
        ErrorCode::EventTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::Closed,
        ErrorCode::NoSecret,
        ErrorCode::InvalidSecret,
        ErrorCode::UnknownScheme,
        ErrorCode::InvalidHeaderName,
        ErrorCode::VerifyFailed,
        ErrorCode::MissingHeader,
        ErrorCode::EmptyHeader,
        ErrorCode::MalformedSignature,
        ErrorCode::InvalidBase64,
        ErrorCode::UnknownVersion,
        ErrorCode::InvalidTimestamp,
        ErrorCode::TimestampTooOld,
        ErrorCode::TimestampTooNew,
        ErrorCode::BodyNotUtf8,
        ErrorCode::NoMatchingSignature,
        ErrorCode::NullArgument,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidArgument,
        ErrorCode::BufferTooSmall,
        ErrorCode::NotDelivered,
        ErrorCode::Panic,
        ErrorCode::Internal,
    ];

    /// The stable name every face uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOption => "invalid_option",
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::EventTooLarge => "event_too_large",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::Closed => "closed",
            ErrorCode::NoSecret => "no_secret",
            ErrorCode::InvalidSecret => "invalid_secret",
            ErrorCode::UnknownScheme => "unknown_scheme",
            ErrorCode::InvalidHeaderName => "invalid_header_name",
            ErrorCode::VerifyFailed => "verify_failed",
            ErrorCode::MissingHeader => "missing_header",
            ErrorCode::EmptyHeader => "empty_header",
            ErrorCode::MalformedSignature => "malformed_signature",
            ErrorCode::InvalidBase64 => "invalid_base64",
            ErrorCode::UnknownVersion => "unknown_version",
            ErrorCode::InvalidTimestamp => "invalid_timestamp",
            ErrorCode::TimestampTooOld => "timestamp_too_old",
            ErrorCode::TimestampTooNew => "timestamp_too_new",
            ErrorCode::BodyNotUtf8 => "body_not_utf8",
            ErrorCode::NoMatchingSignature => "no_matching_signature",
            ErrorCode::NullArgument => "null_argument",
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::BufferTooSmall => "buffer_too_small",
            ErrorCode::NotDelivered => "not_delivered",
            ErrorCode::Panic => "panic",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code named `name`, if any.
    pub fn parse(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// A reason a received webhook failed verification (its own family of
    /// codes in the typings; `no_secret` and `invalid_secret` belong to both).
    pub fn is_verification(self) -> bool {
        matches!(
            self,
            ErrorCode::MissingHeader
                | ErrorCode::EmptyHeader
                | ErrorCode::MalformedSignature
                | ErrorCode::InvalidBase64
                | ErrorCode::UnknownVersion
                | ErrorCode::InvalidTimestamp
                | ErrorCode::TimestampTooOld
                | ErrorCode::TimestampTooNew
                | ErrorCode::BodyNotUtf8
                | ErrorCode::NoMatchingSignature
                | ErrorCode::NoSecret
                | ErrorCode::InvalidSecret
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// An `InvalidEvent` error.
    pub fn invalid_event(message: impl Into<Message>) -> Error {
        Error::InvalidEvent(message.into())
    }

    /// An `InvalidOption` error.
    pub fn invalid_option(message: impl Into<Message>) -> Error {
        Error::InvalidOption(message.into())
    }

    /// This error's stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidEvent(_) => ErrorCode::InvalidEvent,
            Error::EventTooLarge { .. } => ErrorCode::EventTooLarge,
            Error::InvalidJson(_) => ErrorCode::InvalidJson,
            Error::InvalidOption(_) => ErrorCode::InvalidOption,
            Error::Closed => ErrorCode::Closed,
        }
    }
}

/// Why events were given up. Every dropped event is counted under one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The queue was full (`max_queue_size` / `max_queue_bytes`) and `on_full` chose this event.
    QueueFull,
    /// The receiver answered with a permanent 4xx (or a 3xx, which is never followed).
    Rejected,
    /// A 413 for a single event: it can never be sent.
    TooLarge,
    /// Transient failures exhausted `max_retries`.
    RetriesExhausted,
    /// Still pending when `shutdown` reached its deadline.
    Shutdown,
    /// The webhook endpoint answered 410 Gone and was disabled.
    EndpointGone,
}

impl DropReason {
    pub const ALL: [DropReason; 6] = [
        DropReason::QueueFull,
        DropReason::Rejected,
        DropReason::TooLarge,
        DropReason::RetriesExhausted,
        DropReason::Shutdown,
        DropReason::EndpointGone,
    ];

    /// Stable snake_case name used by every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Rejected => "rejected",
            DropReason::TooLarge => "too_large",
            DropReason::RetriesExhausted => "retries_exhausted",
            DropReason::Shutdown => "shutdown",
            DropReason::EndpointGone => "endpoint_gone",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `on_error` receives: a group of events lost for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub reason: DropReason,
    /// The HTTP status that caused it, when there was one.
    pub status: Option<u16>,
    /// A human-readable explanation.
    pub message: String,
    /// Exact number of events lost.
    pub count: u64,
    /// Their message ids (at most `MAX_REPORTED_IDS`; `count` is always exact).
    pub message_ids: Vec<String>,
    /// For webhook senders: the endpoint URL concerned.
    pub endpoint: Option<String>,
}

/// Reports list at most this many ids, so a storm of drops stays bounded in memory.
pub const MAX_REPORTED_IDS: usize = 1000;

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} event(s) dropped ({})", self.count, self.reason)?;
        if let Some(s) = self.status {
            write!(f, ", HTTP {s}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Counters of one client. `enqueued == delivered + dropped_total() + pending` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub enqueued: u64,
    pub delivered: u64,
    /// Events given up, by `DropReason` (index with `dropped(reason)`).
    pub dropped_by_reason: [u64; 6],
    /// Queued or in flight.
    pub pending: u64,
    /// Requests sent, including retries.
    pub requests: u64,
    /// Attempts that failed transiently and were retried.
    pub retries: u64,
    /// Requests (counted in `requests` too) that were parts of a batch split
    /// to isolate events the receiver refused (413, or a 4xx blaming an event).
    pub split_requests: u64,
    /// Spool operations that failed (disk full, I/O error). Events accepted
    /// while the spool fails are kept in memory only; it retries with a new
    /// segment after a pause. Not part of the accounting identity.
    pub spool_errors: u64,
}

impl Stats {
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped_by_reason[reason.index()]
    }

    pub fn dropped_total(&self) -> u64 {
        self.dropped_by_reason.iter().sum()
    }

    /// The accounting identity every client maintains.
    pub fn balances(&self) -> bool {
        self.enqueued == self.delivered + self.dropped_total() + self.pending
    }

    pub(crate) fn add(&mut self, other: &Stats) {
        self.enqueued += other.enqueued;
        self.delivered += other.delivered;
        self.pending += other.pending;
        self.requests += other.requests;
        self.retries += other.retries;
        self.split_requests += other.split_requests;
        self.spool_errors += other.spool_errors;
        for (a, b) in self.dropped_by_reason.iter_mut().zip(other.dropped_by_reason) {
            *a += b;
        }
    }
}

/// The outcome of `flush` or `shutdown`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushResult {
    /// Events delivered since the previous flush returned (or since the
    /// client started): "track 1,000 then flush" reports 1,000 even when
    /// most left before the flush began.
    pub delivered: u64,
    /// Events given up (any reason) over the same span.
    pub failed: u64,
    /// Events enqueued before the call that were neither delivered nor given
    /// up when it returned. For `shutdown` these are dropped with reason `shutdown`.
    pub pending: u64,
}

impl FlushResult {
    /// True when nothing enqueued before the call is still pending.
    pub fn is_complete(&self) -> bool {
        self.pending == 0
    }

    pub(crate) fn add(&mut self, other: FlushResult) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.pending += other.pending;
    }
}
