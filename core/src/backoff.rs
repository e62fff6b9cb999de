//! When a pipeline may send again after failures. Pure state: each pipeline
//! owns one under its lock and feeds it outcomes and the clock.
//!
//! The rules, each of them a lesson from an outage:
//! - One backoff step per *round*. Every request carries the round it was
//!   sent in; only the first failure of the current round escalates, so four
//!   requests failing together count once, not four times.
//! - A deadline only ever moves later (`max`): a failure that arrives after a
//!   server's `Retry-After` never shortens it.
//! - While backing off, a single probe request is in flight; its success
//!   ends the backoff at once and the other requests follow.
//! - A `flush` or `shutdown` with a deadline never sits out a backoff past it:
//!   one last attempt starts early enough to finish before it.

use std::time::{Duration, Instant};

use crate::retry;

/// How long the backoff may wait and how it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Cap of the first step (doubles per failed round).
    pub initial: Duration,
    /// Largest cap: the probe interval during a long outage.
    pub max: Duration,
    /// Largest wait a server's `Retry-After` can impose.
    pub max_retry_after: Duration,
}

/// The backoff state of one pipeline.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    /// Failed rounds in a row.
    failures: u32,
    /// The current round; requests are stamped with it when sent.
    round: u64,
    until: Option<Instant>,
    /// The deadline whose last attempt was already spent (see `ready_at`).
    last_chance_for: Option<Instant>,
}

impl Backoff {
    /// The round a request sent now belongs to.
    pub fn round(&self) -> u64 {
        self.round
    }

    /// True while failures are unresolved: only one probe request at a time.
    pub fn probing(&self) -> bool {
        self.failures > 0
    }

    /// Failed rounds in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// A request succeeded: the endpoint is healthy, so nothing waits.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.round += 1;
        self.until = None;
        self.last_chance_for = None;
    }

    /// A request sent in round `sent_in` failed transiently at `now`.
    /// `unit` is a random number in [0, 1). Returns the wait it implies.
    pub fn failed(
        &mut self,
        sent_in: u64,
        now: Instant,
        retry_after: Option<Duration>,
        schedule: &Schedule,
        unit: f64,
    ) -> Duration {
        if sent_in == self.round {
            self.failures = self.failures.saturating_add(1);
            self.round += 1;
        }
        let step = retry::backoff(self.failures.max(1), schedule.initial, schedule.max, unit);
        let delay = retry::next_delay(step, retry_after, schedule.max_retry_after);
        let until = crate::time::later(now, delay);
        self.until = Some(self.until.map_or(until, |u| u.max(until)));
        delay
    }

    /// When the next request may start, or `None` for now. `deadline` is the
    /// earliest pending flush or shutdown deadline; `slack` is how long before
    /// it the last attempt starts (it should be able to finish).
    pub fn ready_at(&self, now: Instant, deadline: Option<Instant>, slack: Duration) -> Option<Instant> {
        let until = self.until.filter(|u| *u > now)?;
        match deadline {
            Some(d) if until > d && self.last_chance_for != Some(d) => {
                let last_chance = d.checked_sub(slack).unwrap_or(now);
                (last_chance > now).then_some(last_chance)
            }
            _ => Some(until),
        }
    }

    /// Notes that a request is being sent at `now` under `deadline`: if the
    /// backoff had not run out, this was the deadline's one last attempt.
    pub fn sending(&mut self, now: Instant, deadline: Option<Instant>) {
        if self.until.is_some_and(|u| u > now) {
            self.last_chance_for = deadline;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Schedule = Schedule {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(2),
        max_retry_after: Duration::from_secs(300),
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn requests_of_one_round_escalate_once() {
        let now = Instant::now();
        let mut b = Backoff::default();
        let round = b.round();
        for _ in 0..4 {
            b.failed(round, now, None, &S, 0.999);
        }
        assert_eq!(b.failures(), 1);
        // The probe of the next round escalates once more.
        b.failed(b.round(), now, None, &S, 0.999);
        assert_eq!(b.failures(), 2);
    }

    #[test]
    fn a_later_failure_never_shortens_retry_after() {
        let now = Instant::now();
        let mut b = Backoff::default();
        let round = b.round();
        b.failed(round, now, Some(Duration::from_secs(60)), &S, 0.5);
        b.failed(round, now + ms(10), None, &S, 0.5);
        assert_eq!(b.ready_at(now + ms(20), None, ms(0)), Some(now + Duration::from_secs(60)));
    }

    #[test]
    fn success_clears_the_backoff() {
        let now = Instant::now();
        let mut b = Backoff::default();
        b.failed(b.round(), now, Some(Duration::from_secs(30)), &S, 0.5);
        assert!(b.probing());
        let stale_round = b.round() - 1;
        b.succeeded();
        assert!(!b.probing());
        assert_eq!(b.ready_at(now, None, ms(0)), None);
        // A failure from a request sent before the success does not escalate.
        b.failed(stale_round, now, None, &S, 0.5);
        assert_eq!(b.failures(), 0);
    }

    #[test]
    fn a_long_outage_probes_about_once_per_max_backoff() {
        let mut now = Instant::now();
        let mut b = Backoff::default();
        let mut waits = Vec::new();
        for _ in 0..40 {
            let wait = b.failed(b.round(), now, None, &S, crate::ids::random_unit());
            waits.push(wait);
            now += wait;
        }
        let late = &waits[10..];
        assert!(late.iter().all(|w| *w >= S.max / 2 && *w <= S.max), "{late:?}");
    }

    #[test]
    fn a_deadline_gets_one_last_attempt() {
        let now = Instant::now();
        let mut b = Backoff::default();
        b.failed(b.round(), now, Some(Duration::from_secs(60)), &S, 0.5);
        let deadline = now + Duration::from_secs(5);
        let slack = Duration::from_secs(1);
        assert_eq!(b.ready_at(now, Some(deadline), slack), Some(now + Duration::from_secs(4)));
        let at = now + Duration::from_secs(4);
        assert_eq!(b.ready_at(at, Some(deadline), slack), None);
        b.sending(at, Some(deadline));
        // It failed again: no second early attempt for the same deadline.
        b.failed(b.round(), at, None, &S, 0.5);
        assert_eq!(b.ready_at(at, Some(deadline), slack), Some(now + Duration::from_secs(60)));
        // A deadline further out than the backoff changes nothing.
        let far = now + Duration::from_secs(600);
        assert_eq!(b.ready_at(at, Some(far), slack), Some(now + Duration::from_secs(60)));
    }

    #[test]
    fn huge_waits_do_not_overflow() {
        let now = Instant::now();
        let mut b = Backoff::default();
        let s = Schedule { initial: Duration::MAX, max: Duration::MAX, max_retry_after: Duration::MAX };
        b.failed(b.round(), now, Some(Duration::MAX), &s, 0.5);
        assert!(b.ready_at(now, None, Duration::MAX).is_none_or(|t| t >= now));
    }
}
