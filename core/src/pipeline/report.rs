//! What was given up goes to `on_error`, on a blocking thread, and to a
//! rate-limited warning in the log.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Pipeline, State};
use crate::error::DeliveryError;
use crate::runtime;

/// Rate limit of the drop warning in the log.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// The drop warning's state: when it was last logged, and what it has not
/// counted yet.
#[derive(Default)]
pub(super) struct DropWarnings {
    last: Option<Instant>,
    unreported: u64,
}

impl Pipeline {
    /// Takes the queue's reports as one group, counted until `report` is done with it.
    pub(super) fn take_reports(&self, st: &mut State) -> Vec<DeliveryError> {
        let reports = st.queue.take_reports();
        if !reports.is_empty() {
            st.reports_taken += 1;
        }
        reports
    }

    /// Passes reports to a blocking thread that runs `on_error`: a slow
    /// callback never holds up the runtime (and with it every client's
    /// deliveries). Each pipeline's reports run one at a time, in order.
    pub(super) fn hand_off(self: &Arc<Self>, reports: Vec<DeliveryError>) {
        if reports.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        st.report_queue.push_back(reports);
        if std::mem::replace(&mut st.reporter_running, true) {
            return;
        }
        drop(st);
        let me = self.clone();
        runtime::handle().spawn_blocking(move || me.drain_reports());
    }

    fn drain_reports(&self) {
        loop {
            let next = {
                let mut st = self.state.lock();
                match st.report_queue.pop_front() {
                    Some(reports) => reports,
                    None => {
                        st.reporter_running = false;
                        return;
                    }
                }
            };
            self.report(next);
        }
    }

    /// Hands reports to `on_error` and the log. Never called under a lock.
    pub(super) fn report(&self, reports: Vec<DeliveryError>) {
        if reports.is_empty() {
            return;
        }
        self.warn_rate_limited(&reports);
        if let Some(callback) = &self.spec.on_error {
            let _scope = runtime::CallbackScope::enter();
            for report in &reports {
                if catch_unwind(AssertUnwindSafe(|| callback(report))).is_err() {
                    self.spec.log.error(format_args!("the on_error callback panicked; delivery continues"));
                }
            }
        }
        let mut st = self.state.lock();
        st.reports_done += 1;
        drop(st);
        self.settled.notify_all();
    }

    fn warn_rate_limited(&self, reports: &[DeliveryError]) {
        let mut w = self.warnings.lock();
        w.unreported += reports.iter().map(|r| r.count).sum::<u64>();
        let now = Instant::now();
        if w.last.is_some_and(|t| now.duration_since(t) < WARN_EVERY) {
            return;
        }
        let dropped = std::mem::take(&mut w.unreported);
        w.last = Some(now);
        // Logged after the lock: a logger may call back into Outbox.
        drop(w);
        self.spec.log.warn(format_args!("{dropped} event(s) dropped since the last warning; latest: {}", reports[0]));
    }
}
