//! The engine's `on_error` reports, collected for a command to print.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use outbox_engine::DeliveryError;

/// Collects what `on_error` reports. The engine reports drops from its
/// background thread, possibly just after `flush` returned, so a command that
/// is about to print and exit waits for the reports to cover every dropped
/// event first ([`ErrorLog::wait_for_events`]).
#[derive(Default)]
pub struct ErrorLog {
    list: Mutex<Vec<DeliveryError>>,
    added: Condvar,
}

impl ErrorLog {
    pub fn push(&self, e: &DeliveryError) {
        self.list.lock().unwrap_or_else(|p| p.into_inner()).push(e.clone());
        self.added.notify_all();
    }

    pub fn all(&self) -> Vec<DeliveryError> {
        self.list.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Events covered by the reports so far.
    pub fn events(&self) -> u64 {
        self.list.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|e| e.count).sum()
    }

    /// Waits until the reports cover `events` events, or `timeout` passes.
    pub fn wait_for_events(&self, events: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if list.iter().map(|e| e.count).sum::<u64>() >= events {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            list = self.added.wait_timeout(list, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// How long a command waits for `on_error` to catch up with the counters.
pub const REPORT_WAIT: Duration = Duration::from_secs(2);
