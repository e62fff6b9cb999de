//! Errors returned at the call site (here), their stable codes (`code.rs`),
//! and the reports and counters of what was delivered or lost (`report.rs`).

use std::fmt;

use crate::names::{self, Naming};

mod code;
mod report;

pub use code::ErrorCode;
pub use report::{DeliveryError, DropReason, FlushResult, Stats, MAX_REPORTED_IDS};

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
    EventTooLarge {
        /// Its size once serialized, in bytes.
        size: usize,
        /// The limit it is over (`max_event_bytes` or `max_message_bytes`).
        limit: usize,
    },
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
