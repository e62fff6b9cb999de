//! `Retry-After` parsing and the backoff it feeds.
//!
//! Checks: `parse_retry_after` never panics on any header text at any clock;
//! plain delay-seconds parse exactly; the wait `next_delay` derives is never
//! shorter than the jittered backoff nor longer than the larger of the
//! backoff and `max_retry_after`; and a lane's `Backoff`, driven by any
//! schedule (absurd durations included) and any sequence of outcomes, never
//! panics and only ever reports a start time in the future.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use outbox_engine::backoff::{Backoff, Schedule};
use outbox_engine::retry::{next_delay, parse_retry_after};

use crate::input::Input;

pub fn retry_after(data: &[u8]) {
    let mut input = Input::new(data);
    let schedule =
        Schedule { initial: duration(&mut input), max: duration(&mut input), max_retry_after: duration(&mut input) };
    let now = UNIX_EPOCH + Duration::from_secs(input.u64() >> 26);
    let jittered = duration(&mut input);
    let steps = input.bytes(64).to_vec();
    let value = String::from_utf8_lossy(input.rest()).into_owned();

    let parsed = parse_retry_after(&value, now);
    if let Ok(secs) = value.trim().parse::<u64>() {
        assert_eq!(parsed, Some(Duration::from_secs(secs)), "{value:?}");
    }
    check_next_delay(jittered, parsed, schedule.max_retry_after);
    drive_backoff(&schedule, parsed, &steps);
    // The clock at its extremes must not matter either.
    for clock in [UNIX_EPOCH, far_future()] {
        let _ = parse_retry_after(&value, clock);
    }
}

fn check_next_delay(jittered: Duration, asked: Option<Duration>, cap: Duration) {
    let delay = next_delay(jittered, asked, cap);
    assert!(delay >= jittered, "{delay:?} < backoff {jittered:?}");
    assert!(delay <= jittered.max(cap), "{delay:?} > max(backoff {jittered:?}, cap {cap:?})");
    if asked.is_none() {
        assert_eq!(delay, jittered);
    }
}

/// Feeds a `Backoff` a sequence of outcomes read from `steps`.
fn drive_backoff(schedule: &Schedule, retry_after: Option<Duration>, steps: &[u8]) {
    let start = Instant::now();
    let mut now = start;
    let mut backoff = Backoff::default();
    for pair in steps.chunks(2) {
        let (op, arg) = (pair[0], pair.get(1).copied().unwrap_or(0));
        let deadline = now.checked_add(Duration::from_millis(u64::from(arg) * 100));
        match op % 5 {
            0 => {
                // A failure, from this round or a stale one.
                let round = backoff.round().saturating_sub(u64::from(arg % 3));
                let unit = f64::from(arg) / 256.0;
                let asked = if op & 0x80 != 0 { retry_after } else { None };
                let wait = backoff.failed(round, now, asked, schedule, unit);
                let bound = schedule.max.max(asked.map_or(Duration::ZERO, |a| a.min(schedule.max_retry_after)));
                assert!(wait <= bound, "wait {wait:?} > {bound:?}");
            }
            1 => backoff.succeeded(),
            2 => {
                if let Some(at) = backoff.ready_at(now, deadline, Duration::from_millis(u64::from(op))) {
                    assert!(at > now, "ready_at in the past");
                }
            }
            3 => backoff.sending(now, deadline),
            _ => now = now.checked_add(Duration::from_millis(u64::from(arg) << 4)).unwrap_or(now),
        }
    }
}

/// Any duration, from zero to `Duration::MAX`, small ones more likely.
fn duration(input: &mut Input) -> Duration {
    let raw = input.u64();
    match input.u8() % 4 {
        0 => Duration::from_millis(raw % 100_000),
        1 => Duration::from_nanos(raw),
        2 => Duration::new(raw, u32::MAX % 1_000_000_000),
        _ => Duration::MAX,
    }
}

fn far_future() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(253_402_300_799) // 9999-12-31T23:59:59Z
}
