//! `deliver`: one request sent at once, outside the queue and its
//! accounting, retried until its timeout.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::attempt::{classify, Attempt};
use super::request::build_request;
use super::Pipeline;
use crate::ids;
use crate::queue::Item;
use crate::retry::{self, Outcome};
use crate::time;

/// The outcome of `deliver`: one request sent at once, outside the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverOutcome {
    /// The receiver accepted the request.
    pub delivered: bool,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    /// Requests sent, the first one included.
    pub attempts: u32,
    /// Why it was not delivered.
    pub error: Option<String>,
}

impl Pipeline {
    /// Sends `items` in one request now, retrying transient failures until
    /// `timeout`. Outside the queue and its accounting.
    pub async fn deliver_now(self: Arc<Self>, items: Vec<Item>, timeout: Duration) -> DeliverOutcome {
        let deadline = time::later(Instant::now(), timeout);
        let policy = &self.spec.policy;
        let mut attempts = 0u32;
        let mut last_status = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return DeliverOutcome {
                    delivered: false,
                    status: last_status,
                    attempts,
                    error: Some("timed out before delivery".into()),
                };
            }
            let mut request = build_request(&self.spec.target, &items);
            request.timeout = request.timeout.min(remaining);
            attempts += 1;
            let result = self.transport.send(request).await;
            let Attempt { outcome, status, retry_after, detail } =
                classify(&result, self.spec.target.gone_disables, SystemTime::now());
            if status.is_some() {
                last_status = status;
            }
            match outcome {
                Outcome::Delivered => {
                    return DeliverOutcome { delivered: true, status: last_status, attempts, error: None }
                }
                Outcome::Transient if policy.max_retries.is_none_or(|m| attempts <= m) => {
                    let b = &policy.backoff;
                    let jittered = retry::backoff(attempts, b.initial, b.max, ids::random_unit());
                    let delay = retry::next_delay(jittered, retry_after, b.max_retry_after);
                    if time::later(Instant::now(), delay) >= deadline {
                        return DeliverOutcome {
                            delivered: false,
                            status: last_status,
                            attempts,
                            error: Some(format!("{detail}; no time left to retry")),
                        };
                    }
                    tokio::time::sleep(delay).await;
                }
                _ => return DeliverOutcome { delivered: false, status: last_status, attempts, error: Some(detail) },
            }
        }
    }
}
