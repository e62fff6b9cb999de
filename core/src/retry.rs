//! Retry policy: what a response means and how long to wait. Pure code.

use std::time::{Duration, SystemTime};

/// What to do with the events of a request after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered.
    Delivered,
    /// Network error, timeout, 408, 429 or 5xx: try again later.
    Transient,
    /// 413: the request is too large; split it (a single event is dropped).
    TooLarge,
    /// Any other status: permanent, never retried.
    Rejected,
    /// 410 from a webhook endpoint: the endpoint is gone for good.
    Gone,
}

/// Classifies an HTTP status. `gone_disables` is true for webhook endpoints,
/// where 410 means "stop sending here" (Standard Webhooks' convention).
pub fn classify(status: u16, gone_disables: bool) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Transient,
        413 => Outcome::TooLarge,
        410 if gone_disables => Outcome::Gone,
        // 1xx, 3xx (redirects are never followed) and other 4xx.
        _ => Outcome::Rejected,
    }
}

/// Exponential backoff with "equal jitter" (AWS architecture blog,
/// "Exponential Backoff and Jitter"): a uniform delay in `[cap/2, cap]` with
/// `cap = min(max, initial * 2^(n-1))` for the n-th failed round. Half the
/// cap is kept so that, during a long outage, a client probes at most once
/// per `max / 2` (about once a second with the defaults) while a fleet of
/// clients still spreads out. `unit` is a random number in [0, 1).
pub fn backoff(failures: u32, initial: Duration, max: Duration, unit: f64) -> Duration {
    let cap = backoff_cap(failures, initial, max);
    cap / 2 + (cap / 2).mul_f64(unit.clamp(0.0, 1.0))
}

/// The upper bound of the n-th backoff.
pub fn backoff_cap(failures: u32, initial: Duration, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    initial.saturating_mul(1u32 << exponent).min(max)
}

/// True when a rejection of a multi-event batch may be caused by one of its
/// events, so splitting the batch isolates it: any 4xx except those about
/// the whole client (401, 403, 407: credentials) and the ones handled on
/// their own (410 Gone, 413 Too Large, and the transient 408 and 429).
pub fn blames_an_event(status: u16) -> bool {
    (400..=499).contains(&status) && !matches!(status, 401 | 403 | 407 | 408 | 410 | 413 | 429)
}

/// Extra requests a batch of `events` may spend isolating refused events by
/// halving: enough to find two bad events (each costs about
/// `2 * log2(events)`), and logarithmic, so a receiver refusing everything
/// cannot turn one batch into `events` requests.
pub fn split_budget(events: usize) -> u32 {
    let depth = usize::BITS - events.saturating_sub(1).leading_zeros();
    4 * depth
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
/// A date in the past means "now". Unparseable values are ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before the next attempt: the jittered backoff, but never less
/// than what the server asked for (capped at `max_retry_after`, so a
/// misbehaving server cannot park the queue for days).
pub fn next_delay(jittered: Duration, retry_after: Option<Duration>, max_retry_after: Duration) -> Duration {
    match retry_after {
        Some(asked) => jittered.max(asked.min(max_retry_after)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(200, false), Outcome::Delivered);
        assert_eq!(classify(204, false), Outcome::Delivered);
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(classify(s, false), Outcome::Transient, "{s}");
        }
        assert_eq!(classify(413, false), Outcome::TooLarge);
        for s in [301, 302, 307, 400, 401, 403, 404, 410, 422] {
            assert_eq!(classify(s, false), Outcome::Rejected, "{s}");
        }
        assert_eq!(classify(410, true), Outcome::Gone);
    }

    #[test]
    fn backoff_caps_grow_then_saturate() {
        let (i, m) = (Duration::from_millis(100), Duration::from_secs(10));
        let caps: Vec<_> = (1..=9).map(|n| backoff_cap(n, i, m).as_millis()).collect();
        assert_eq!(caps, vec![100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
        assert_eq!(backoff_cap(u32::MAX, i, m), m);
    }

    #[test]
    fn equal_jitter_spans_half_cap_to_cap() {
        let (i, m) = (Duration::from_millis(100), Duration::from_secs(10));
        assert_eq!(backoff(3, i, m, 0.0), Duration::from_millis(200));
        assert_eq!(backoff(3, i, m, 0.5), Duration::from_millis(300));
        let samples: Vec<Duration> = (0..1000).map(|_| backoff(3, i, m, crate::ids::random_unit())).collect();
        assert!(samples.iter().all(|d| *d >= Duration::from_millis(200) && *d <= Duration::from_millis(400)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(distinct.len() > 100, "jitter must spread the delays");
        // Mean delay doubles with each failure.
        let mean =
            |n| (0..2000).map(|_| backoff(n, i, m, crate::ids::random_unit()).as_secs_f64()).sum::<f64>() / 2000.0;
        assert!(mean(4) > mean(2) * 2.5);
    }

    #[test]
    fn only_event_level_rejections_split() {
        for s in [400, 404, 409, 422] {
            assert!(blames_an_event(s), "{s}");
        }
        for s in [200, 301, 401, 403, 407, 408, 410, 413, 429, 500] {
            assert!(!blames_an_event(s), "{s}");
        }
    }

    #[test]
    fn split_budget_is_logarithmic() {
        assert_eq!(split_budget(1), 0);
        assert_eq!(split_budget(2), 4);
        assert_eq!(split_budget(1000), 40);
        assert_eq!(split_budget(1024), 40);
        assert_eq!(split_budget(1025), 44);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn server_wait_is_a_floor_with_a_cap() {
        let cap = Duration::from_secs(300);
        assert_eq!(next_delay(Duration::from_millis(50), Some(Duration::from_secs(2)), cap), Duration::from_secs(2));
        assert_eq!(next_delay(Duration::from_secs(5), Some(Duration::from_secs(2)), cap), Duration::from_secs(5));
        assert_eq!(next_delay(Duration::ZERO, Some(Duration::from_secs(86_400)), cap), cap);
        assert_eq!(next_delay(Duration::from_millis(7), None, cap), Duration::from_millis(7));
    }
}
