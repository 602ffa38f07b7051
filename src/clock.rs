//! Wall-clock time as RFC 3339 text, without a date library: the civil
//! date from days since 1970 (Howard Hinnant's algorithm), UTC.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2026-11-25T16:38:00Z
        let t = UNIX_EPOCH + Duration::from_millis(1_795_624_680_250);
        assert_eq!(rfc3339(t), "2026-11-25T16:38:00.250Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z");
    }
}

/// Local calendar time, from the C library's time-zone rules (TZ, /etc/localtime).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Seconds east of UTC.
    pub utc_offset: i64,
}

impl LocalTime {
    pub fn minutes_of_day(&self) -> u32 {
        self.hour * 60 + self.minute
    }
}

#[cfg(unix)]
pub fn local_time(t: SystemTime) -> LocalTime {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as libc::time_t).unwrap_or(0);
    // SAFETY: localtime_r only writes the tm we own; a zeroed tm is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        return utc_time(t);
    }
    LocalTime {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        utc_offset: tm.tm_gmtoff,
    }
}

/// Without a C time-zone database: UTC.
#[cfg(not(unix))]
pub fn local_time(t: SystemTime) -> LocalTime {
    utc_time(t)
}

fn utc_time(t: SystemTime) -> LocalTime {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    LocalTime {
        year: y as i32,
        month: m,
        day: d,
        hour: (rem / 3600) as u32,
        minute: (rem % 3600 / 60) as u32,
        second: (rem % 60) as u32,
        utc_offset: 0,
    }
}

/// Whether `minute` (of the day) lies in `start..end`, which may wrap midnight.
pub fn in_window(minute: u32, (start, end): (u32, u32)) -> bool {
    if start <= end { (start..end).contains(&minute) } else { minute >= start || minute < end }
}

#[cfg(test)]
mod local_tests {
    use super::*;

    #[test]
    fn windows_wrap_midnight() {
        assert!(in_window(23 * 60, (22 * 60, 7 * 60)));
        assert!(in_window(6 * 60, (22 * 60, 7 * 60)));
        assert!(!in_window(12 * 60, (22 * 60, 7 * 60)));
        assert!(in_window(12 * 60, (9 * 60, 17 * 60)));
        assert!(!in_window(17 * 60, (9 * 60, 17 * 60)));
    }

    #[test]
    fn local_time_is_consistent_with_its_offset() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_624_680);
        let l = local_time(t);
        let utc = utc_time(t);
        let local_secs = i64::from(l.hour * 3600 + l.minute * 60 + l.second);
        let utc_secs = i64::from(utc.hour * 3600 + utc.minute * 60 + utc.second);
        assert_eq!((local_secs - utc_secs - l.utc_offset).rem_euclid(86_400), 0);
    }
}

/// The local date of a unix time as `YYYY-MM-DD`.
pub fn local_date_string(unix: f64) -> String {
    let l = local_time(UNIX_EPOCH + Duration::from_secs_f64(unix.max(0.0)));
    format!("{:04}-{:02}-{:02}", l.year, l.month, l.day)
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    ((1970..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Unix seconds of local midnight at the start of the given day (the C
/// library's `mktime`, so daylight-saving changes are honoured); days past
/// the month's end roll over as `mktime` does.
#[cfg(unix)]
pub fn local_midnight(year: i32, month: u32, day: u32) -> f64 {
    // SAFETY: a zeroed tm is valid; mktime reads and normalises it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = year - 1900;
    tm.tm_mon = month as i32 - 1;
    tm.tm_mday = day as i32;
    tm.tm_isdst = -1;
    (unsafe { libc::mktime(&mut tm) }) as f64
}

#[cfg(not(unix))]
pub fn local_midnight(year: i32, month: u32, day: u32) -> f64 {
    (days_from_civil(year, month, day) * 86_400) as f64
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of
/// `civil_from_days`).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The local date `days` after the given one.
pub fn add_days((y, m, d): (i32, u32, u32), days: i64) -> (i32, u32, u32) {
    // Noon avoids daylight-saving edges.
    let noon = local_midnight(y, m, d) + 12.0 * 3600.0 + days as f64 * 86_400.0;
    let l = local_time(UNIX_EPOCH + Duration::from_secs_f64(noon.max(0.0)));
    (l.year, l.month, l.day)
}

/// Today's local date.
pub fn today() -> (i32, u32, u32) {
    let l = local_time(SystemTime::now());
    (l.year, l.month, l.day)
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_parse_roll_and_round_trip() {
        assert_eq!(parse_date("2026-11-25"), Some((2026, 11, 25)));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(add_days((2026, 11, 30), 1), (2026, 12, 1));
        assert_eq!(add_days((2026, 1, 1), -1), (2025, 12, 31));
        let m = local_midnight(2026, 11, 25);
        assert_eq!(local_date_string(m), "2026-11-25");
        assert_eq!(local_date_string(m - 1.0), "2026-11-24");
        for days in [-719_468, -1, 0, 1, 10_957, 20_782, 2_932_896] {
            let (y, mo, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y as i32, mo, d), days);
        }
    }
}
