//! Text forms the walk writes: dates, and the sizes it counts before
//! writing.

use outbox_engine::bindings::civil_from_days;

const MS_PER_DAY: i64 = 86_400_000;

/// `Date.prototype.toISOString` for a time value in milliseconds since 1970
/// (finite): `2024-05-01T12:30:45.123Z`; years outside 0..=9999 take a sign
/// and six digits.
pub fn iso_date(ms: f64) -> String {
    let ms = ms as i64;
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, (rem / 60_000) % 60, (rem / 1000) % 60, rem % 1000);
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:06}", -y)
    } else {
        format!("+{y:06}")
    };
    format!("{year}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Milliseconds since 1970 of a UTC date and time (the proleptic Gregorian
/// calendar), for [`iso_date`]. Fields out of range give a date that is
/// not the one meant, never a panic.
pub fn millis_from_civil(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32, milli: u32) -> f64 {
    let days = days_from_civil(year, month, day);
    let within = ((hour as i64 * 60 + minute as i64) * 60 + second as i64) * 1000 + milli as i64;
    days.saturating_mul(MS_PER_DAY).saturating_add(within) as f64
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`, the inverse
/// of core's `civil_from_days`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (month as i64, day as i64);
    let y = if m <= 2 { year.saturating_sub(1) } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era.saturating_mul(146_097).saturating_add(doe - 719_468)
}

/// The fewest decimal digits an integer of `words` 64-bit words can have:
/// its top word is not zero, so it is at least 2^(64 * (words - 1)).
pub fn min_decimal_digits(words: usize) -> usize {
    // 0.30102 < log10(2): never more than the true count.
    (words.saturating_sub(1) as u128 * 64 * 30_102 / 100_000) as usize + 1
}

/// The length of the base64 text of `bytes` bytes.
pub(crate) fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// The largest integer a double holds exactly (2^53): integral JavaScript
/// numbers up to it are written as integers.
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_civil_days() {
        for days in [-719_468 - 366, -1, 0, 1, 19_844, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(iso_date(millis_from_civil(2024, 5, 1, 12, 30, 45, 123)), "2024-05-01T12:30:45.123Z");
        assert_eq!(iso_date(millis_from_civil(1, 1, 1, 0, 0, 0, 0)), "0001-01-01T00:00:00.000Z");
        assert_eq!(iso_date(millis_from_civil(9999, 12, 31, 23, 59, 59, 999)), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso_date(millis_from_civil(1969, 12, 31, 23, 59, 59, 999)), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_date(-1.0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso_date(8.64e15), "+275760-09-13T00:00:00.000Z");
        assert_eq!(iso_date(-8.64e15), "-271821-04-20T00:00:00.000Z");
    }

    #[test]
    fn digit_bounds_are_never_over() {
        assert_eq!(min_decimal_digits(0), 1);
        assert_eq!(min_decimal_digits(1), 1);
        // 2^64 has 20 digits, 2^128 has 39.
        assert!(min_decimal_digits(2) <= 20);
        assert!(min_decimal_digits(3) <= 39);
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(5), 8);
    }
}
