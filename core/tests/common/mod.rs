//! Shared helpers for the engine's integration tests.
#![allow(dead_code)]

use outbox_engine::options::DeliveryOptions;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use outbox_engine::{Client, DeliveryError, Options};
// Not every test binary uses every one.
#[allow(unused_imports)]
pub use outbox_test_receiver::{Fault, FaultKind, Receiver};

/// Options pointing at `receiver`, with short timers so tests run quickly.
pub fn options(receiver: &Receiver) -> Options {
    Options {
        flush_interval: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(20),
            retry_max_backoff: Duration::from_millis(200),
            ..DeliveryOptions::for_client()
        },
        ..Options::new(receiver.url())
    }
}

/// Webhook options for `endpoints`, with short retry timers.
pub fn webhook_options(endpoints: Vec<outbox_engine::webhook::Endpoint>) -> outbox_engine::webhook::WebhookOptions {
    outbox_engine::webhook::WebhookOptions {
        endpoints,
        delivery: DeliveryOptions {
            retry_initial_backoff: Duration::from_millis(20),
            retry_max_backoff: Duration::from_millis(100),
            ..DeliveryOptions::for_webhooks()
        },
        ..outbox_engine::webhook::WebhookOptions::default()
    }
}

/// Collects everything `on_error` reports.
#[derive(Clone, Default)]
pub struct Reports(pub Arc<Mutex<Vec<DeliveryError>>>);

impl Reports {
    pub fn install(&self, options: &mut Options) {
        let sink = self.0.clone();
        options.delivery.on_error = Some(Arc::new(move |e: &DeliveryError| sink.lock().unwrap().push(e.clone())));
    }

    pub fn all(&self) -> Vec<DeliveryError> {
        self.0.lock().unwrap().clone()
    }

    pub fn total(&self) -> u64 {
        self.all().iter().map(|r| r.count).sum()
    }
}

pub fn client(options: Options) -> Client {
    Client::new(options).expect("valid options")
}

/// A loopback port with nothing listening on it.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub const SECS: fn(u64) -> Duration = Duration::from_secs;
