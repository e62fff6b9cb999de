//! [`Sender`]: what a [`Client`] and a [`WebhookSender`] share, so that each
//! binding runs both through one generic path (flush, shutdown, stats, what
//! test mode captured, dropping one off the caller's thread).

use std::time::Duration;

use serde_json::Value;

use crate::error::{FlushResult, Stats};
use crate::pipeline::Health;
use crate::transport::CapturedRequest;
use crate::{Client, WebhookSender};

/// The lifecycle of an engine object that queues and delivers in the
/// background.
pub trait Sender: Send + Sync + 'static {
    /// What `test_mode` keeps of each thing "sent".
    type Captured;

    /// Waits until what was queued before the call is delivered or given
    /// up, or `timeout` passes.
    fn flush(&self, timeout: Duration) -> FlushResult;

    /// Flushes for up to `timeout`, then gives up what is left and stops.
    /// Idempotent.
    fn shutdown(&self, timeout: Duration) -> FlushResult;

    /// The counters; `enqueued == delivered + dropped + pending`.
    fn stats(&self) -> Stats;

    /// The last error and the last success.
    fn health(&self) -> Health;

    /// In `test_mode`: what would have been sent, in order.
    fn captured(&self) -> Vec<Self::Captured>;
}

impl Sender for Client {
    /// Events, as JSON.
    type Captured = Value;

    fn flush(&self, timeout: Duration) -> FlushResult {
        Client::flush(self, timeout)
    }

    fn shutdown(&self, timeout: Duration) -> FlushResult {
        Client::shutdown(self, timeout)
    }

    fn stats(&self) -> Stats {
        Client::stats(self)
    }

    fn health(&self) -> Health {
        Client::health(self)
    }

    fn captured(&self) -> Vec<Value> {
        Client::captured(self)
    }
}

impl Sender for WebhookSender {
    /// Whole requests (URL, headers, body).
    type Captured = CapturedRequest;

    fn flush(&self, timeout: Duration) -> FlushResult {
        WebhookSender::flush(self, timeout)
    }

    fn shutdown(&self, timeout: Duration) -> FlushResult {
        WebhookSender::shutdown(self, timeout)
    }

    fn stats(&self) -> Stats {
        WebhookSender::stats(self)
    }

    fn health(&self) -> Health {
        WebhookSender::health(self)
    }

    fn captured(&self) -> Vec<CapturedRequest> {
        WebhookSender::captured(self)
    }
}
