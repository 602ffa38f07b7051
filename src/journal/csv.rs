//! The journal's minutes as CSV (`headsup journal export` / `import`,
//! `headsup report --format csv`), through the `csv` crate and serde rows.
//!
//! Each row is one minute: `minute_start` as RFC 3339 with the local offset
//! (older exports wrote UTC `Z`; both are read), then the minute's sums in
//! the journal's own column order. Import is strict because what it reads
//! is merged into the journal for good: every number must be finite,
//! seconds and counts must not be negative, and counts must be whole.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::MinuteRow;
use crate::clock;

/// One CSV row; field order is the column order and the header.
#[derive(Debug, Serialize, Deserialize)]
struct CsvMinute {
    minute_start: String,
    monitored_s: f64,
    good_s: f64,
    drifting_s: f64,
    forward_head_s: f64,
    cannot_assess_s: f64,
    score_sum: f64,
    score_n: i64,
    score_min: Option<f64>,
    gap_sum: f64,
    head_width_sum: f64,
    forward_m_sum: f64,
    signal_n: i64,
}

const COLUMNS: usize = 13;

/// A CSV file that cannot be imported; every variant names the line.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: {found} fields, expected {expected}")]
    Fields { line: u64, found: usize, expected: usize },
    #[error("line {line}, column {column}: {value:?} {reason}")]
    Value { line: u64, column: String, value: String, reason: String },
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
}

impl From<&MinuteRow> for CsvMinute {
    fn from(m: &MinuteRow) -> Self {
        CsvMinute {
            minute_start: clock::unix_rfc3339(m.minute as f64 * 60.0),
            monitored_s: m.monitored_s,
            good_s: m.good_s,
            drifting_s: m.drifting_s,
            forward_head_s: m.forward_head_s,
            cannot_assess_s: m.cannot_assess_s,
            score_sum: m.score_sum,
            score_n: m.score_n,
            score_min: m.score_min,
            gap_sum: m.gap_sum,
            head_width_sum: m.head_width_sum,
            forward_m_sum: m.forward_m_sum,
            signal_n: m.signal_n,
        }
    }
}

impl CsvMinute {
    /// The journal row, or the column that is out of bounds and why.
    fn into_minute(self) -> Result<MinuteRow, (&'static str, String)> {
        let start = clock::parse_rfc3339(&self.minute_start)
            .map_err(|e| ("minute_start", format!("is not an RFC 3339 time ({e})")))?;
        let non_negative = [
            ("monitored_s", self.monitored_s),
            ("good_s", self.good_s),
            ("drifting_s", self.drifting_s),
            ("forward_head_s", self.forward_head_s),
            ("cannot_assess_s", self.cannot_assess_s),
            ("head_width_sum", self.head_width_sum),
            ("score_n", self.score_n as f64),
            ("signal_n", self.signal_n as f64),
        ];
        let signed = [
            ("score_sum", self.score_sum),
            ("score_min", self.score_min.unwrap_or(0.0)),
            ("gap_sum", self.gap_sum),
            ("forward_m_sum", self.forward_m_sum),
        ];
        for (column, v) in non_negative.into_iter().chain(signed) {
            if !v.is_finite() {
                return Err((column, "is not a finite number".into()));
            }
        }
        if let Some((column, _)) = non_negative.into_iter().find(|(_, v)| *v < 0.0) {
            return Err((column, "is negative".into()));
        }
        // A minute's row may hold a little more than 60 s (a frame stands for
        // the time since the one before), never an hour; each state's share
        // is at most what was monitored (1 s of slack for other tools' rounding).
        if self.monitored_s > 3600.0 {
            return Err(("monitored_s", "is more than an hour in one minute".into()));
        }
        let parts = &non_negative[1..5];
        if let Some((column, _)) = parts.iter().find(|(_, v)| *v > self.monitored_s + 1.0) {
            return Err((column, format!("is more than the minute's monitored_s ({} s)", self.monitored_s)));
        }
        Ok(MinuteRow {
            minute: start.as_second().div_euclid(60),
            monitored_s: self.monitored_s,
            good_s: self.good_s,
            drifting_s: self.drifting_s,
            forward_head_s: self.forward_head_s,
            cannot_assess_s: self.cannot_assess_s,
            score_sum: self.score_sum,
            score_n: self.score_n,
            score_min: self.score_min,
            gap_sum: self.gap_sum,
            head_width_sum: self.head_width_sum,
            forward_m_sum: self.forward_m_sum,
            signal_n: self.signal_n,
        })
    }
}

/// The minutes as CSV with a header (one row per recorded minute).
pub fn write_minutes_csv(out: &mut impl Write, minutes: &[MinuteRow]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for m in minutes {
        w.serialize(CsvMinute::from(m))?;
    }
    if minutes.is_empty() {
        // serde writes the header with the first row; an empty export still
        // says what its columns are.
        w.write_record(HEADER)?;
    }
    w.flush()
}

const HEADER: [&str; COLUMNS] = [
    "minute_start",
    "monitored_s",
    "good_s",
    "drifting_s",
    "forward_head_s",
    "cannot_assess_s",
    "score_sum",
    "score_n",
    "score_min",
    "gap_sum",
    "head_width_sum",
    "forward_m_sum",
    "signal_n",
];

/// Reads CSV written by [`write_minutes_csv`], columns matched by the
/// header's names. Refuses the whole file at the first bad row, naming its
/// line and, for a bad value, the column and the value.
pub fn read_minutes_csv(text: &str) -> Result<Vec<MinuteRow>, CsvError> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(malformed)?.clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(malformed)?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != COLUMNS {
            return Err(CsvError::Fields { line, found: record.len(), expected: COLUMNS });
        }
        let value_error = |index: Option<usize>, reason: String| CsvError::Value {
            line,
            column: index.and_then(|i| headers.get(i)).unwrap_or("?").to_string(),
            value: index.and_then(|i| record.get(i)).unwrap_or_default().to_string(),
            reason,
        };
        let row: CsvMinute = record.deserialize(Some(&headers)).map_err(|e| match e.kind() {
            csv::ErrorKind::Deserialize { err, .. } => {
                let reason = match err.kind() {
                    csv::DeserializeErrorKind::ParseInt(_) => "is not a whole number".to_string(),
                    csv::DeserializeErrorKind::ParseFloat(_) => "is not a number".to_string(),
                    _ => err.to_string(),
                };
                match err.field() {
                    Some(i) => value_error(usize::try_from(i).ok(), reason),
                    None => CsvError::Malformed { line, message: reason },
                }
            }
            _ => CsvError::Malformed { line, message: e.to_string() },
        })?;
        let minute = row
            .into_minute()
            .map_err(|(column, reason)| value_error(headers.iter().position(|h| h == column), reason))?;
        out.push(minute);
    }
    Ok(out)
}

fn malformed(e: csv::Error) -> CsvError {
    let line = e.position().map_or(0, csv::Position::line);
    CsvError::Malformed { line, message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "minute_start,monitored_s,good_s,drifting_s,forward_head_s,cannot_assess_s,score_sum,score_n,score_min,gap_sum,head_width_sum,forward_m_sum,signal_n";

    fn row(minute: i64) -> MinuteRow {
        MinuteRow {
            minute,
            monitored_s: 60.0,
            good_s: 45.5,
            drifting_s: 10.0,
            forward_head_s: 4.5,
            score_sum: 812.25,
            score_n: 9,
            score_min: Some(31.0),
            gap_sum: -0.125,
            head_width_sum: 1.5,
            forward_m_sum: -0.01,
            signal_n: 9,
            ..Default::default()
        }
    }

    #[test]
    fn rows_round_trip_with_the_header_in_the_journal_order() {
        let rows = vec![row(29_926_000), MinuteRow { score_min: None, ..row(29_926_001) }];
        let mut out = Vec::new();
        write_minutes_csv(&mut out, &rows).expect("write");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(text.lines().next(), Some(HEAD));
        assert_eq!(read_minutes_csv(&text).expect("read"), rows);
        let mut empty = Vec::new();
        write_minutes_csv(&mut empty, &[]).expect("write");
        assert_eq!(String::from_utf8(empty).expect("utf8").trim_end(), HEAD);
    }

    #[test]
    fn old_utc_exports_still_import() {
        let text = format!("{HEAD}\n2026-01-01T00:00:00.000Z,60,60,0,0,0,90,1,90,0,0,0,0\n");
        let rows = read_minutes_csv(&text).expect("read");
        assert_eq!(rows[0].minute, 1_767_225_600 / 60);
        assert_eq!(rows[0].score_n, 1);
    }

    fn refused(line3: &str) -> String {
        let good = "2026-01-01T00:00:00+01:00,60,60,0,0,0,90,1,90,0,0,0,0";
        let text = format!("{HEAD}\n{good}\n{line3}\n");
        read_minutes_csv(&text).expect_err(line3).to_string()
    }

    #[test]
    fn bad_numbers_are_refused_naming_line_column_and_value() {
        let cases = [
            ("2026-01-01T00:01:00+01:00,NaN,60,0,0,0,90,1,90,0,0,0,0", "column monitored_s: \"NaN\""),
            ("2026-01-01T00:01:00+01:00,60,inf,0,0,0,90,1,90,0,0,0,0", "column good_s: \"inf\""),
            (
                "2026-01-01T00:01:00+01:00,60,60,0,0,0,90,1.5,90,0,0,0,0",
                "column score_n: \"1.5\" is not a whole",
            ),
            ("2026-01-01T00:01:00+01:00,60,60,0,0,0,90,1,90,0,0,0,-2", "column signal_n: \"-2\" is negative"),
            (
                "2026-01-01T00:01:00+01:00,-1,60,0,0,0,90,1,90,0,0,0,0",
                "column monitored_s: \"-1\" is negative",
            ),
            (
                "2026-01-01T00:01:00+01:00,60,sixty,0,0,0,90,1,90,0,0,0,0",
                "column good_s: \"sixty\" is not a number",
            ),
            ("2026-01-01T00:01:00+01:00,60,60,0,0,0,90,1,NaN,0,0,0,0", "column score_min: \"NaN\""),
            (
                "2026-01-01T00:01:00+01:00,3601,60,0,0,0,90,1,90,0,0,0,0",
                "column monitored_s: \"3601\" is more",
            ),
            ("2026-01-01T00:01:00+01:00,30,60,0,0,0,90,1,90,0,0,0,0", "column good_s: \"60\" is more"),
            (
                "2026-02-31T00:01:00+01:00,60,60,0,0,0,90,1,90,0,0,0,0",
                "column minute_start: \"2026-02-31T00:01",
            ),
            ("2026-01-01 00:01,60,60,0,0,0,90,1,90,0,0,0,0", "column minute_start"),
            ("2026-01-01T00:01:00+01:00,60,60", "line 3: 3 fields, expected 13"),
        ];
        for (line, want) in cases {
            let err = refused(line);
            assert!(err.starts_with("line 3") && err.contains(want), "{line}\n{err}");
        }
    }

    #[test]
    fn columns_are_matched_by_name_not_position() {
        let text = "signal_n,minute_start,monitored_s,good_s,drifting_s,forward_head_s,cannot_assess_s,score_sum,score_n,score_min,gap_sum,head_width_sum,forward_m_sum\n\
                    7,2026-01-01T00:00:00Z,60,60,0,0,0,90,1,90,0,0,0\n";
        assert_eq!(read_minutes_csv(text).expect("read")[0].signal_n, 7);
        let missing = "a,b,c,d,e,f,g,h,i,j,k,l,m\n1,2,3,4,5,6,7,8,9,10,11,12,13\n";
        let err = read_minutes_csv(missing).expect_err("no known columns").to_string();
        assert!(err.starts_with("line 2") && err.contains("missing field"), "{err}");
    }
}
