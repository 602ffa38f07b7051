//! Reports from the journal: a day, the last week or any range of local
//! days — time monitored, share of good posture, forward-head minutes,
//! episodes, alerts and how fast they were corrected, breaks taken against
//! breaks due, the worst hours, and the trend against the previous period.
//! As readable text, stable JSON, CSV minutes, and a PNG chart (`chart`).

pub mod chart;

use std::io::{self, Write};

use serde::Serialize;

use crate::clock::{self, add_days, local_date_string, local_midnight};
use crate::journal::{Journal, JournalError, MinuteRow};

/// A range of whole local days, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub first: (i32, u32, u32),
    pub last: (i32, u32, u32),
}

impl Period {
    pub fn day(d: (i32, u32, u32)) -> Self {
        Period { first: d, last: d }
    }

    /// The 7 days ending with `last`.
    pub fn week_ending(last: (i32, u32, u32)) -> Self {
        Period { first: add_days(last, -6), last }
    }

    pub fn days(&self) -> i64 {
        let mut n = 1;
        let mut d = self.first;
        while d != self.last && n < 10_000 {
            d = add_days(d, 1);
            n += 1;
        }
        n
    }

    /// Unix seconds [from, to).
    pub fn bounds(&self) -> (f64, f64) {
        let (y, m, d) = self.first;
        let end = add_days(self.last, 1);
        (local_midnight(y, m, d), local_midnight(end.0, end.1, end.2))
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Self {
        let n = self.days();
        Period { first: add_days(self.first, -n), last: add_days(self.first, -1) }
    }

    pub fn label(&self) -> String {
        let f = |(y, m, d): (i32, u32, u32)| format!("{y:04}-{m:02}-{d:02}");
        if self.first == self.last { f(self.first) } else { format!("{} to {}", f(self.first), f(self.last)) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpisodeOut {
    /// RFC 3339.
    pub start: String,
    pub end: String,
    pub duration_s: f64,
    /// The worst score in the episode.
    pub min_score: f64,
    pub main_signal: String,
}

/// The report's numbers. Field names are stable (documented in the README).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub monitored_s: f64,
    pub good_s: f64,
    pub drifting_s: f64,
    pub forward_head_s: f64,
    pub cannot_assess_s: f64,
    /// good / (good + drifting + forward head), percent; null with no judged time.
    pub good_percent: Option<f64>,
    pub mean_score: Option<f64>,
    pub episodes: Vec<EpisodeOut>,
    pub longest_episode_s: f64,
    /// Number of alerts.
    pub alerts: usize,
    pub alerts_corrected: usize,
    pub mean_correction_s: Option<f64>,
    pub breaks_taken: usize,
    pub breaks_due: usize,
    /// Local hours (0-23) with the most forward-head time, worst first.
    pub worst_hours: Vec<u32>,
    /// good_percent minus the previous period's (null when either is unknown).
    pub trend_good_percent: Option<f64>,
}

fn judged(m: &MinuteRow) -> f64 {
    m.good_s + m.drifting_s + m.forward_head_s
}

/// Computes the report for `period` from the journal.
pub fn build(j: &Journal, period: &Period) -> Result<Report, JournalError> {
    let (from, to) = period.bounds();
    let minutes = j.minutes((from / 60.0).floor() as i64, (to / 60.0).ceil() as i64)?;
    let sum = |f: fn(&MinuteRow) -> f64| minutes.iter().map(f).sum::<f64>();
    let (good, drifting, forward) = (sum(|m| m.good_s), sum(|m| m.drifting_s), sum(|m| m.forward_head_s));
    let judged_s = good + drifting + forward;
    let good_percent = (judged_s > 0.0).then(|| 100.0 * good / judged_s);
    let (score_sum, score_n) = (sum(|m| m.score_sum), minutes.iter().map(|m| m.score_n).sum::<i64>());

    let episodes: Vec<EpisodeOut> = j
        .episodes(from, to)?
        .into_iter()
        .map(|e| EpisodeOut {
            start: rfc(e.start),
            end: rfc(e.end),
            duration_s: e.end - e.start,
            min_score: (e.min_score * 10.0).round() / 10.0,
            main_signal: e.main_signal,
        })
        .collect();
    let alerts = j.alerts(from, to)?;
    let corrected: Vec<f64> = alerts.iter().filter_map(|a| a.corrected_after_s).collect();

    let mut by_hour = [0.0f64; 24];
    for m in &minutes {
        let l = clock::local_time(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs((m.minute * 60).max(0) as u64),
        );
        by_hour[l.hour as usize] += m.forward_head_s;
    }
    let mut hours: Vec<u32> = (0..24).filter(|&h| by_hour[h as usize] >= 60.0).collect();
    hours.sort_by(|a, b| by_hour[*b as usize].total_cmp(&by_hour[*a as usize]));
    hours.truncate(3);

    let prev = period.previous();
    let (pf, pt) = prev.bounds();
    let prev_minutes = j.minutes((pf / 60.0).floor() as i64, (pt / 60.0).ceil() as i64)?;
    let (pg, pj) = prev_minutes.iter().fold((0.0, 0.0), |(g, t), m| (g + m.good_s, t + judged(m)));
    let trend = match (good_percent, pj > 0.0) {
        (Some(now), true) => Some(round1(now - 100.0 * pg / pj)),
        _ => None,
    };

    Ok(Report {
        from: rfc(from),
        to: rfc(to),
        monitored_s: round1(sum(|m| m.monitored_s)),
        good_s: round1(good),
        drifting_s: round1(drifting),
        forward_head_s: round1(forward),
        cannot_assess_s: round1(sum(|m| m.cannot_assess_s)),
        good_percent: good_percent.map(round1),
        mean_score: (score_n > 0).then(|| round1(score_sum / score_n as f64)),
        longest_episode_s: episodes.iter().map(|e| e.duration_s).fold(0.0, f64::max),
        episodes,
        alerts: alerts.len(),
        alerts_corrected: corrected.len(),
        mean_correction_s: (!corrected.is_empty())
            .then(|| round1(corrected.iter().sum::<f64>() / corrected.len() as f64)),
        breaks_taken: j.breaks(from, to, "taken")?,
        breaks_due: j.breaks(from, to, "due")?,
        worst_hours: hours,
        trend_good_percent: trend,
    })
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn rfc(unix: f64) -> String {
    clock::rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(unix.max(0.0)))
}

fn hm(secs: f64) -> String {
    let m = (secs / 60.0).round() as u64;
    if m >= 60 { format!("{} h {:02} min", m / 60, m % 60) } else { format!("{m} min") }
}

/// The report as text for a terminal.
pub fn write_text(out: &mut impl Write, period: &Period, r: &Report) -> io::Result<()> {
    writeln!(out, "Posture report, {}", period.label())?;
    writeln!(out)?;
    if r.monitored_s <= 0.0 {
        writeln!(out, "  Nothing recorded in this period.")?;
        return Ok(());
    }
    writeln!(out, "  Watched            {}", hm(r.monitored_s))?;
    if let Some(p) = r.good_percent {
        let trend = match r.trend_good_percent {
            Some(t) if t > 0.5 => format!("  (up {t:.0} points on the period before)"),
            Some(t) if t < -0.5 => format!("  (down {:.0} points on the period before)", -t),
            Some(_) => "  (about the same as the period before)".into(),
            None => String::new(),
        };
        writeln!(out, "  Good posture       {p:.0}% of the judged time{trend}")?;
    }
    writeln!(out, "  Forward head       {}", hm(r.forward_head_s))?;
    writeln!(out, "  Drifting           {}", hm(r.drifting_s))?;
    if r.cannot_assess_s >= 60.0 {
        writeln!(out, "  Not judged         {} (away, dark, turned…)", hm(r.cannot_assess_s))?;
    }
    if let Some(s) = r.mean_score {
        writeln!(out, "  Mean score         {s:.0} / 100")?;
    }
    writeln!(out)?;
    writeln!(out, "  Episodes of forward head: {}", r.episodes.len())?;
    if let Some(e) = r.episodes.iter().max_by(|a, b| a.duration_s.total_cmp(&b.duration_s)) {
        writeln!(
            out,
            "    longest {} (from {}, worst score {:.0}, mostly {})",
            hm(e.duration_s),
            e.start,
            e.min_score,
            e.main_signal
        )?;
    }
    let corr = match r.mean_correction_s {
        Some(s) => format!(", {} corrected within 5 min (on average after {s:.0} s)", r.alerts_corrected),
        None => String::new(),
    };
    writeln!(out, "  Alerts: {}{corr}", r.alerts)?;
    writeln!(out, "  Breaks: {} taken, {} reminders", r.breaks_taken, r.breaks_due)?;
    if !r.worst_hours.is_empty() {
        let hours: Vec<String> = r.worst_hours.iter().map(|h| format!("{h:02}:00-{:02}:00", h + 1)).collect();
        writeln!(out, "  Worst hours: {}", hours.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "  headsup is not a medical device; see a doctor for pain that does not ease.")?;
    Ok(())
}

/// The minutes of the period as CSV (one row per recorded minute).
pub fn write_minutes_csv(out: &mut impl Write, minutes: &[MinuteRow]) -> io::Result<()> {
    writeln!(
        out,
        "minute_start,monitored_s,good_s,drifting_s,forward_head_s,cannot_assess_s,score_sum,score_n,score_min,gap_sum,head_width_sum,forward_m_sum,signal_n"
    )?;
    for m in minutes {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            rfc(m.minute as f64 * 60.0),
            m.monitored_s,
            m.good_s,
            m.drifting_s,
            m.forward_head_s,
            m.cannot_assess_s,
            m.score_sum,
            m.score_n,
            m.score_min.map(|v| v.to_string()).unwrap_or_default(),
            m.gap_sum,
            m.head_width_sum,
            m.forward_m_sum,
            m.signal_n
        )?;
    }
    Ok(())
}

/// Reads CSV written by [`write_minutes_csv`]; errors name the line.
pub fn read_minutes_csv(text: &str) -> Result<Vec<MinuteRow>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let err = |what: &str| format!("line {}: {what}", i + 1);
        if f.len() != 13 {
            return Err(err(&format!("{} fields, expected 13", f.len())));
        }
        let num = |k: usize| {
            f[k].parse::<f64>().map_err(|_| err(&format!("field {} is not a number: {:?}", k + 1, f[k])))
        };
        let minute = parse_rfc3339(f[0]).ok_or_else(|| err(&format!("bad minute_start {:?}", f[0])))? / 60;
        out.push(MinuteRow {
            minute,
            monitored_s: num(1)?,
            good_s: num(2)?,
            drifting_s: num(3)?,
            forward_head_s: num(4)?,
            cannot_assess_s: num(5)?,
            score_sum: num(6)?,
            score_n: num(7)? as i64,
            score_min: if f[8].is_empty() { None } else { Some(num(8)?) },
            gap_sum: num(9)?,
            head_width_sum: num(10)?,
            forward_m_sum: num(11)?,
            signal_n: num(12)? as i64,
        });
    }
    Ok(out)
}

/// `YYYY-MM-DDTHH:MM:SS(.fff)Z` → unix seconds.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once('T')?;
    let (y, m, d) = clock::parse_date(date)?;
    let time = time.strip_suffix('Z')?;
    let mut it = time.split(':');
    let (h, mi, sec): (i64, i64, f64) =
        (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    let days = clock::days_from_civil(y, m, d);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec as i64)
}

/// Local date of a unix time (re-exported for the CLI).
pub fn date_of(unix: f64) -> String {
    local_date_string(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        for t in [0i64, 951_782_400, 1_795_624_680] {
            assert_eq!(parse_rfc3339(&rfc(t as f64)), Some(t));
        }
        assert_eq!(parse_rfc3339("2026-11-25 10:00"), None);
    }

    #[test]
    fn periods_span_whole_local_days() {
        let p = Period::week_ending((2026, 11, 25));
        assert_eq!(p.first, (2026, 11, 19));
        assert_eq!(p.days(), 7);
        let (from, to) = p.bounds();
        assert!((to - from - 7.0 * 86_400.0).abs() <= 3600.0, "a week, give or take a DST hour");
        assert_eq!(p.previous(), Period { first: (2026, 11, 12), last: (2026, 11, 18) });
        assert_eq!(Period::day((2026, 11, 25)).label(), "2026-11-25");
    }
}
