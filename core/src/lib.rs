//! outbox-core: the one delivery engine behind every Outbox binding.
//!
//! A [`Client`] validates and serializes each event at the call site, queues
//! it in a bounded buffer, and a background runtime batches, sends, retries
//! and accounts for it. See `docs/delivery.md` for the contract.
//!
//! ```no_run
//! use std::time::Duration;
//! use outbox_core::{Client, Options};
//!
//! let client = Client::new(Options::new("http://127.0.0.1:8080")).unwrap();
//! client.track("user-1", "Signed Up", Some(serde_json::json!({"plan": "pro"}))).unwrap();
//! let result = client.flush(Duration::from_secs(5));
//! println!("delivered {}, pending {}", result.delivered, result.pending);
//! ```

pub mod backoff;
pub mod body;
pub mod client;
pub mod error;
pub mod event;
pub mod fork;
pub mod http_values;
pub mod ids;
pub mod lane;
pub mod names;
pub mod options;
pub mod pipeline;
pub mod queue;
pub mod retry;
pub mod runtime;
pub mod sign;
pub mod spool;
pub mod time;
pub mod transport;
pub mod webhook;

pub use client::Client;
pub use error::{DeliveryError, DropReason, Error, ErrorCode, FlushResult, Stats};
pub use event::{Event, Json, Kind, Library};
pub use options::{AuthScheme, DeliveryOptions, OnError, OnFull, Options};
pub use pipeline::{shutdown_all, DeliverOutcome};
pub use sign::{Scheme, Signer};
pub use transport::{HttpRequest, HttpResponse, MemoryTransport, Transport, TransportError};
pub use webhook::{Endpoint, WebhookOptions, WebhookSender};

/// This library's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
