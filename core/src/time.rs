//! Wall-clock helpers: RFC 3339 timestamps with milliseconds, in UTC, and
//! the RFC 3339 check applied to timestamps callers give.
//!
//! Written by hand (civil-from-days, Howard Hinnant's algorithm) because the
//! engine formats a timestamp per event and a date library would be the
//! largest dependency for ten lines of arithmetic.

use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `now + wait`, saturating at a century from now instead of panicking on
/// overflow: options and servers may ask for absurd waits.
pub fn later(now: Instant, wait: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);
    now.checked_add(wait.min(CENTURY)).or_else(|| now.checked_add(CENTURY)).unwrap_or(now)
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`. Times before 1970 clamp to the epoch.
pub fn rfc3339_millis(t: SystemTime) -> String {
    let mut buf = [0u8; 24];
    write_rfc3339_millis(t, &mut buf);
    // Only ASCII digits and separators were written.
    String::from_utf8_lossy(&buf).into_owned()
}

/// Writes the 24 bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` without the formatting
/// machinery: this runs once per event. Years past 9999 clamp to 9999.
pub fn write_rfc3339_millis(t: SystemTime, out: &mut [u8; 24]) {
    thread_local! {
        /// The last second this thread formatted, and its text: events come
        /// many to a second, so only the milliseconds change between them.
        static LAST_SECOND: Cell<(u64, [u8; 24])> = const { Cell::new((u64::MAX, [0; 24])) };
    }
    let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let (cached, text) = LAST_SECOND.with(Cell::get);
    *out = if cached == secs { text } else { format_second(secs) };
    if cached != secs {
        LAST_SECOND.with(|last| last.set((secs, *out)));
    }
    put_digits(out, 20, 3, since.subsec_millis());
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for `secs` after the epoch.
fn format_second(secs: u64) -> [u8; 24] {
    let secs = secs.min(i64::MAX as u64) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(0, 9999) as u32;
    let mut out = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut out, 0, 4, y);
    put_digits(&mut out, 5, 2, m);
    put_digits(&mut out, 8, 2, d);
    put_digits(&mut out, 11, 2, (rem / 3600) as u32);
    put_digits(&mut out, 14, 2, ((rem % 3600) / 60) as u32);
    put_digits(&mut out, 17, 2, (rem % 60) as u32);
    out
}

/// Writes `v` as `width` decimal digits at `at`.
fn put_digits(out: &mut [u8; 24], at: usize, width: usize, mut v: u32) {
    for i in (at..at + width).rev() {
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, with ranges checked.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
    };
    let (Some(_), Some(mo), Some(d), Some(h), Some(mi), Some(se)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return false;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if b.len() == i + 6 => {
            b[i + 3] == b':'
                && digits(i + 1..i + 3).is_some_and(|v| v < 24)
                && digits(i + 4..i + 6).is_some_and(|v| v < 60)
        }
        _ => false,
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// (year, month, day) of the day `z` days after 1970-01-01 (proleptic
/// Gregorian; negative `z` and years outside 0-9999 included).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let at = |s: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(s * 1000 + ms);
        assert_eq!(rfc3339_millis(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(at(1_614_265_330, 7)), "2021-02-25T15:02:10.007Z");
        // Leap day and end of a leap year.
        assert_eq!(rfc3339_millis(at(951_782_400, 999)), "2000-02-29T00:00:00.999Z");
        assert_eq!(rfc3339_millis(at(1_735_689_599, 0)), "2024-12-31T23:59:59.000Z");
    }

    #[test]
    fn the_cached_second_changes_with_the_time() {
        let at = |s: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(s * 1000 + ms);
        for (s, ms, text) in [
            (1_614_265_330, 7, "2021-02-25T15:02:10.007Z"),
            (1_614_265_330, 999, "2021-02-25T15:02:10.999Z"),
            (1_614_265_331, 0, "2021-02-25T15:02:11.000Z"),
            (1_614_265_330, 1, "2021-02-25T15:02:10.001Z"),
        ] {
            assert_eq!(rfc3339_millis(at(s, ms)), text);
        }
    }

    #[test]
    fn before_epoch_clamps() {
        let t = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(rfc3339_millis(t), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn rfc3339_checker() {
        for ok in ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00-07:30"] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:00:00",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+0200",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
