//! outbox-engine: the one delivery engine behind every Outbox binding.
//!
//! A [`Client`] validates and serializes each event at the call site, queues
//! it in a bounded buffer, and a background runtime batches, sends, retries
//! and accounts for it. See `docs/delivery.md` for the contract.
//!
//! ```no_run
//! use std::time::Duration;
//! use outbox_engine::{Client, Options};
//!
//! let client = Client::new(Options::new("http://127.0.0.1:8799")).unwrap();
//! client.track("user-1", "Signed Up", Some(serde_json::json!({"plan": "pro"}))).unwrap();
//! let result = client.flush(Duration::from_secs(5));
//! println!("delivered {}, pending {}", result.delivered, result.pending);
//! ```

#![deny(missing_docs)]

// The crate's README (its crates.io page) runs as a doctest, so its example
// stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// The product: what a Rust service and the faces program against.
pub mod error;
pub mod event;
pub mod names;
pub mod options;
pub mod sender;
pub mod sign;
pub mod transport;
pub mod webhook;

// The machinery behind it (ARCHITECTURE.md maps it). The hidden ones are
// public only so the engine's own benchmarks, fuzz targets and tests can
// reach its parts: not a stable API.
#[doc(hidden)]
pub mod backoff;
#[doc(hidden)]
pub mod body;
mod client;
mod fork;
mod http_values;
mod ids;
mod lane;
pub mod logger;
mod pipeline;
#[doc(hidden)]
pub mod queue;
#[doc(hidden)]
pub mod retry;
#[doc(hidden)]
pub mod runtime;
#[doc(hidden)]
pub mod spool;
#[doc(hidden)]
pub mod time;

/// What the C, Python and Node faces need beyond the public API: process
/// plumbing they share with the engine. Not a stable API for anyone else.
#[doc(hidden)]
pub mod bindings {
    pub use crate::fork::{generation, PerProcess};
    pub use crate::ids::new_message_id;
    pub use crate::runtime::{in_callback, CallbackScope};
    pub use crate::time::{civil_from_days, rfc3339_millis, unix_now};
}

pub use client::Client;
pub use error::{DeliveryError, DropReason, Error, ErrorCode, FlushResult, Stats};
pub use event::{Event, Json, Kind, Library};
pub use options::{AuthScheme, DeliveryOptions, OnError, OnFull, Options};
pub use pipeline::{shutdown_all, DeliverOutcome, Health};
pub use sender::Sender;
pub use sign::{Scheme, Signer};
pub use transport::{HttpRequest, HttpResponse, MemoryTransport, Transport, TransportError};
pub use webhook::{Endpoint, WebhookOptions, WebhookSender};

/// This library's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
