//! Wall-clock time, local to the user. This module owns every question of
//! the form "which local day or hour is this instant?", "when does this local
//! day start and end?", how instants are written (RFC 3339 with the local
//! UTC offset, e.g. `2026-12-03T07:10:00.000+05:30`, in reports, exports,
//! profiles and the events log) and how dates the user types are read.
//!
//! Everything goes through `jiff` and the system time zone: `TZ` when set
//! (an IANA name, a TZif path or a POSIX rule), else `/etc/localtime`; with
//! neither, UTC. A local day runs from local midnight to the next local
//! midnight, so around daylight-saving changes it lasts 23 or 25 hours.
//! The `*_in` functions take the zone explicitly so tests can pin one.
//! Durations the user types (`30m`, `1.5h`) are read here too.
//!
//! The journal keeps instants as unix seconds (`f64`); the helpers here take
//! and give those so callers need not convert.

use std::time::SystemTime;

pub use jiff::Timestamp;
use jiff::ToSpan;
pub use jiff::civil::Date;
pub use jiff::tz::TimeZone;

/// What can go wrong reading or placing a time.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error("{value:?} is not a date: {reason}")]
    BadDate { value: String, reason: String },
    #[error("{value:?} is not an RFC 3339 time: {reason}")]
    BadTime { value: String, reason: String },
    #[error("the local day {date} cannot be placed in time: {reason}")]
    OutOfRange { date: Date, reason: String },
}

/// The user's time zone (see the module doc). jiff caches it and notices
/// when `/etc/localtime` changes, so calling this often is cheap.
pub fn zone() -> TimeZone {
    TimeZone::system()
}

/// `t` as RFC 3339 with milliseconds and the local offset. Milliseconds
/// keep event logs ordered; the offset lets a reader see the local time
/// the user lived while staying one unambiguous instant.
pub fn rfc3339(t: SystemTime) -> String {
    let ts = Timestamp::try_from(t).unwrap_or(Timestamp::UNIX_EPOCH);
    rfc3339_in(ts, &zone())
}

/// [`rfc3339`] of now.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// [`rfc3339`] of a journal instant (unix seconds).
pub fn unix_rfc3339(unix: f64) -> String {
    rfc3339_in(timestamp(unix), &zone())
}

/// `ts` as RFC 3339 in `tz`, with milliseconds.
pub fn rfc3339_in(ts: Timestamp, tz: &TimeZone) -> String {
    format!("{:.3}", ts.display_with_offset(tz.to_offset(ts)))
}

/// Reads an RFC 3339 instant with any offset (`Z` included, as older
/// exports wrote).
pub fn parse_rfc3339(s: &str) -> Result<Timestamp, ClockError> {
    s.trim()
        .parse::<Timestamp>()
        .map_err(|e| ClockError::BadTime { value: s.to_string(), reason: e.to_string() })
}

/// A journal instant (unix seconds) as a timestamp. Journal values are
/// always in range; a corrupt one is clamped rather than panicking.
pub fn timestamp(unix: f64) -> Timestamp {
    let ms = (unix * 1000.0).round();
    let clamp = if ms < 0.0 { Timestamp::MIN } else { Timestamp::MAX };
    Timestamp::from_millisecond(ms as i64).unwrap_or(clamp)
}

fn unix(ts: Timestamp) -> f64 {
    ts.as_duration().as_secs_f64()
}

/// Reads a date the user typed, strictly `YYYY-MM-DD` between 1970 and
/// 9998, refusing days the month does not have (`2026-02-31`) instead of
/// rolling them into the next month.
pub fn parse_date(s: &str) -> Result<Date, ClockError> {
    let bad = |reason: String| ClockError::BadDate { value: s.to_string(), reason };
    let fields: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = fields[..] else {
        return Err(bad("expected YYYY-MM-DD, three numbers separated by '-'".into()));
    };
    let digits = |f: &str, n: usize| f.len() == n && f.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad("expected YYYY-MM-DD, e.g. 2026-03-05".into()));
    }
    let (y, m, d): (i16, i8, i8) = (num(y), num(m), num(d));
    if !(1970..=9998).contains(&y) {
        return Err(bad(format!("year {y} is outside 1970-9998")));
    }
    if !(1..=12).contains(&m) {
        return Err(bad(format!("month {m} is not 1-12")));
    }
    let first = Date::new(y, m, 1).map_err(|e| bad(e.to_string()))?;
    if !(1..=first.days_in_month()).contains(&d) {
        return Err(bad(format!("{y:04}-{m:02} has {} days", first.days_in_month())));
    }
    Date::new(y, m, d).map_err(|e| bad(e.to_string()))
}

/// Parses a field already checked to be a few ASCII digits.
fn num<T: std::str::FromStr + Default>(f: &str) -> T {
    f.parse().unwrap_or_default()
}

/// Today's local date.
pub fn today() -> Date {
    zone().to_datetime(Timestamp::now()).date()
}

/// The local date of a journal instant.
pub fn date_of(unix: f64) -> Date {
    zone().to_datetime(timestamp(unix)).date()
}

/// The date `days` after `d` (before, when negative). Calendar days, not
/// 24-hour steps, so daylight-saving changes cannot shift it. Saturates at
/// jiff's year ±9999, far outside what [`parse_date`] lets in.
pub fn add_days(d: Date, days: i64) -> Date {
    d.saturating_add(days.days())
}

/// Unix seconds of `[start, end)` of the local day `d`: local midnight to
/// the next local midnight, 23 or 25 hours across a daylight-saving change.
pub fn day_span(d: Date) -> Result<(f64, f64), ClockError> {
    day_span_in(d, &zone())
}

/// [`day_span`] in `tz`.
pub fn day_span_in(d: Date, tz: &TimeZone) -> Result<(f64, f64), ClockError> {
    Ok((unix(day_start_in(d, tz)?), unix(day_start_in(add_days(d, 1), tz)?)))
}

/// Unix seconds of local midnight starting `d`.
pub fn local_midnight(d: Date) -> Result<f64, ClockError> {
    day_start_in(d, &zone()).map(unix)
}

/// The first instant of `d` in `tz`: midnight, or where a zone skips
/// midnight (some change clocks at 00:00), the first time after the gap.
fn day_start_in(d: Date, tz: &TimeZone) -> Result<Timestamp, ClockError> {
    d.to_zoned(tz.clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp())
        .map_err(|e| ClockError::OutOfRange { date: d, reason: e.to_string() })
}

/// The local hour (0-23) of a journal instant in `tz`.
pub fn hour_in(unix: f64, tz: &TimeZone) -> u32 {
    tz.to_datetime(timestamp(unix)).hour().unsigned_abs().into()
}

/// Minutes since local midnight by the wall clock at `t` (for quiet hours,
/// which the user states as wall-clock times).
pub fn minute_of_day(t: SystemTime) -> u32 {
    let ts = Timestamp::try_from(t).unwrap_or(Timestamp::UNIX_EPOCH);
    let dt = zone().to_datetime(ts);
    u32::from(dt.hour().unsigned_abs()) * 60 + u32::from(dt.minute().unsigned_abs())
}

/// Whether `minute` (of the day) lies in `start..end`, which may wrap midnight.
pub fn in_window(minute: u32, (start, end): (u32, u32)) -> bool {
    if start <= end { (start..end).contains(&minute) } else { minute >= start || minute < end }
}

/// "90" (seconds), "90s", "30m", "2h", "1.5h" → seconds.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let mult = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use s, m or h (e.g. 30m)")),
    };
    match num.parse::<f64>() {
        Ok(v) if v > 0.0 && v * mult <= 86_400.0 => Ok(v * mult),
        _ => Err(format!("{s:?} is not a duration between 1s and 24h (e.g. 30m)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn zone_named(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap_or_else(|e| panic!("the tz database must know {name}: {e}"))
    }

    #[test]
    fn instants_carry_the_local_offset() {
        let ts = Timestamp::from_millisecond(1_795_624_680_250).expect("in range");
        assert_eq!(rfc3339_in(ts, &TimeZone::UTC), "2026-11-25T16:38:00.250+00:00");
        assert_eq!(rfc3339_in(ts, &zone_named("Asia/Kolkata")), "2026-11-25T22:08:00.250+05:30");
        // Berlin in winter and summer: the offset follows daylight saving.
        let berlin = zone_named("Europe/Berlin");
        assert_eq!(rfc3339_in(ts, &berlin), "2026-11-25T17:38:00.250+01:00");
        let july = Timestamp::from_second(1_783_000_000).expect("in range");
        assert!(rfc3339_in(july, &berlin).ends_with("+02:00"));
    }

    #[test]
    fn rfc3339_round_trips_and_reads_old_utc_exports() {
        let tz = zone_named("America/New_York");
        for ms in [0i64, 951_782_400_000, 1_795_624_680_250] {
            let ts = Timestamp::from_millisecond(ms).expect("in range");
            assert_eq!(parse_rfc3339(&rfc3339_in(ts, &tz)).expect("parses"), ts);
        }
        let old = parse_rfc3339("2026-11-25T16:38:00.000Z").expect("old export");
        assert_eq!(old.as_second(), 1_795_624_680);
        let err = parse_rfc3339("2026-11-25 10:00").expect_err("no offset");
        assert!(err.to_string().contains("\"2026-11-25 10:00\""), "{err}");
    }

    #[test]
    fn impossible_dates_are_refused_naming_the_value() {
        assert_eq!(parse_date("2026-11-25").expect("valid"), date(2026, 11, 25));
        assert_eq!(parse_date("2028-02-29").expect("leap day"), date(2028, 2, 29));
        for (bad, why) in [
            ("2026-02-31", "2026-02 has 28 days"),
            ("2026-04-31", "2026-04 has 30 days"),
            ("2026-13-01", "month 13"),
            ("2026-00-10", "month 0"),
            ("2026-01-00", "has 31 days"),
            ("1969-12-31", "outside"),
            ("yesterday", "three numbers"),
            ("2026-1-5", "YYYY-MM-DD"),
            ("+2026-01-05", "YYYY-MM-DD"),
        ] {
            let err = parse_date(bad).expect_err(bad).to_string();
            assert!(err.contains(&format!("{bad:?}")) && err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn berlin_days_last_23_and_25_hours_across_daylight_saving() {
        let berlin = zone_named("Europe/Berlin");
        let hours = |d: Date| {
            let (from, to) = day_span_in(d, &berlin).expect("in range");
            (to - from) / 3600.0
        };
        assert_eq!(hours(date(2026, 3, 29)), 23.0, "spring forward");
        assert_eq!(hours(date(2026, 10, 25)), 25.0, "fall back");
        assert_eq!(hours(date(2026, 6, 1)), 24.0);
        // The day starts at local midnight, not UTC midnight.
        let (from, _) = day_span_in(date(2026, 3, 29), &berlin).expect("in range");
        assert_eq!(rfc3339_in(timestamp(from), &berlin), "2026-03-29T00:00:00.000+01:00");
        let (_, to) = day_span_in(date(2026, 3, 29), &berlin).expect("in range");
        assert_eq!(rfc3339_in(timestamp(to), &berlin), "2026-03-30T00:00:00.000+02:00");
        assert_eq!(hour_in(to - 1.0, &berlin), 23);
    }

    #[test]
    fn calendar_days_step_by_date_not_by_24_hours() {
        assert_eq!(add_days(date(2026, 11, 30), 1), date(2026, 12, 1));
        assert_eq!(add_days(date(2026, 1, 1), -1), date(2025, 12, 31));
        assert_eq!(add_days(date(2026, 3, 28), 2), date(2026, 3, 30));
        assert_eq!(add_days(date(9999, 12, 31), 1), date(9999, 12, 31), "saturates");
    }

    #[test]
    fn windows_wrap_midnight() {
        assert!(in_window(23 * 60, (22 * 60, 7 * 60)));
        assert!(in_window(6 * 60, (22 * 60, 7 * 60)));
        assert!(!in_window(12 * 60, (22 * 60, 7 * 60)));
        assert!(in_window(12 * 60, (9 * 60, 17 * 60)));
        assert!(!in_window(17 * 60, (9 * 60, 17 * 60)));
    }

    #[test]
    fn corrupt_journal_instants_clamp_instead_of_panicking() {
        assert_eq!(timestamp(f64::NAN), Timestamp::UNIX_EPOCH);
        assert_eq!(timestamp(f64::INFINITY), Timestamp::MAX);
        assert_eq!(timestamp(-1e300), Timestamp::MIN);
    }
}
