//! What a user can see of an endpoint's health: the last error, the last
//! success, and a warning (rate-limited) while requests keep failing.
//!
//! Pure bookkeeping: the pipeline feeds it outcomes under its lock and logs
//! the lines it returns after the lock.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// An endpoint's recent history, as `health()` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// The last failed attempt: `HTTP 503`, `connection refused`, a timeout...
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<SystemTime>,
    /// When the receiver last acknowledged a request.
    pub last_success_at: Option<SystemTime>,
    /// Transient failures in a row, since the last request the receiver answered.
    pub consecutive_failures: u32,
}

impl Health {
    /// `last_success_at` in Unix milliseconds, as the bindings hand it out.
    pub fn last_success_unix_ms(&self) -> Option<i64> {
        self.last_success_at.and_then(unix_ms)
    }

    /// `last_error_at` in Unix milliseconds.
    pub fn last_error_unix_ms(&self) -> Option<i64> {
        self.last_error_at.and_then(unix_ms)
    }

    /// Combines endpoints' health (a webhook sender's): the latest error,
    /// the latest success, the longest run of failures.
    pub fn merge(&mut self, other: &Health) {
        if other.last_error_at > self.last_error_at {
            self.last_error = other.last_error.clone();
            self.last_error_at = other.last_error_at;
        }
        self.last_success_at = self.last_success_at.max(other.last_success_at);
        self.consecutive_failures = self.consecutive_failures.max(other.consecutive_failures);
    }
}

fn unix_ms(t: SystemTime) -> Option<i64> {
    t.duration_since(UNIX_EPOCH).ok().map(|d| d.as_millis() as i64)
}

/// Failures in a row before the first warning: one lost request is noise.
const WARN_AFTER: u32 = 3;
/// At most one "still failing" warning per this interval.
const WARN_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub(super) struct Tracker {
    health: Health,
    last_warning: Option<Instant>,
    warned: bool,
}

impl Tracker {
    pub(super) fn health(&self) -> Health {
        self.health.clone()
    }

    /// The receiver acknowledged a request. Returns a line to log when it
    /// ends a run of failures that was warned about.
    pub(super) fn delivered(&mut self, now: SystemTime) -> Option<String> {
        self.health.last_success_at = Some(now);
        self.answered().then(|| "delivering again".to_owned())
    }

    /// The receiver answered but refused (4xx): the endpoint is reachable.
    pub(super) fn refused(&mut self, error: &str, now: SystemTime) -> Option<String> {
        self.record(error, now);
        self.answered().then(|| format!("the endpoint answers again ({error})"))
    }

    /// A transient failure. Returns a warning line when one is due.
    pub(super) fn failed(&mut self, error: &str, now: SystemTime, at: Instant) -> Option<String> {
        self.record(error, now);
        self.health.consecutive_failures += 1;
        let n = self.health.consecutive_failures;
        if n < WARN_AFTER || self.last_warning.is_some_and(|t| at.duration_since(t) < WARN_EVERY) {
            return None;
        }
        self.last_warning = Some(at);
        self.warned = true;
        Some(format!("{n} requests in a row failed; last: {error}; retrying with backoff"))
    }

    fn record(&mut self, error: &str, now: SystemTime) {
        self.health.last_error = Some(error.to_owned());
        self.health.last_error_at = Some(now);
    }

    /// Ends a run of failures; true when it had been warned about.
    fn answered(&mut self) -> bool {
        self.health.consecutive_failures = 0;
        self.last_warning = None;
        std::mem::take(&mut self.warned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_after_three_failures_then_at_most_every_ten_seconds_and_says_when_it_recovers() {
        let mut t = Tracker::default();
        let (sys, start) = (SystemTime::UNIX_EPOCH, Instant::now());
        assert_eq!(t.failed("HTTP 503", sys, start), None);
        assert_eq!(t.failed("HTTP 503", sys, start), None);
        let line = t.failed("connection refused", sys, start).expect("third failure warns");
        assert_eq!(line, "3 requests in a row failed; last: connection refused; retrying with backoff");
        assert_eq!(t.failed("HTTP 503", sys, start + Duration::from_secs(9)), None);
        assert!(t.failed("HTTP 503", sys, start + Duration::from_secs(10)).is_some());
        assert_eq!(t.health().consecutive_failures, 5);
        assert_eq!(t.health().last_error.as_deref(), Some("HTTP 503"));
        assert_eq!(t.delivered(sys + Duration::from_secs(1)).as_deref(), Some("delivering again"));
        assert_eq!(t.health().consecutive_failures, 0);
        assert_eq!(t.health().last_success_at, Some(sys + Duration::from_secs(1)));
        assert_eq!(t.health().last_error.as_deref(), Some("HTTP 503"), "the last error stays visible");
        assert_eq!(t.delivered(sys), None, "no recovery line without a warning before");
    }

    #[test]
    fn a_refusal_ends_a_run_of_failures_but_is_the_last_error() {
        let mut t = Tracker::default();
        let sys = SystemTime::UNIX_EPOCH;
        t.failed("HTTP 503", sys, Instant::now());
        assert_eq!(t.refused("HTTP 400", sys), None);
        assert_eq!(t.health().consecutive_failures, 0);
        assert_eq!(t.health().last_error.as_deref(), Some("HTTP 400"));
    }

    #[test]
    fn merge_keeps_the_latest_error_and_success() {
        let sys = SystemTime::UNIX_EPOCH;
        let mut a = Health {
            last_error: Some("old".into()),
            last_error_at: Some(sys),
            last_success_at: Some(sys + Duration::from_secs(5)),
            consecutive_failures: 1,
        };
        let b = Health {
            last_error: Some("new".into()),
            last_error_at: Some(sys + Duration::from_secs(2)),
            last_success_at: None,
            consecutive_failures: 4,
        };
        a.merge(&b);
        assert_eq!(a.last_error.as_deref(), Some("new"));
        assert_eq!(a.last_success_at, Some(sys + Duration::from_secs(5)));
        assert_eq!(a.consecutive_failures, 4);
    }
}
