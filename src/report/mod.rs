//! Reports from the journal: a day, the last week or any range of local
//! days — time monitored, share of good posture, forward-head minutes,
//! episodes, alerts and how fast they were corrected, breaks taken against
//! breaks due, the worst hours, and the trend against the previous period.
//! As readable text, stable JSON, CSV minutes, and a PNG chart (`chart`).

pub mod chart;

use std::io::{self, Write};

use serde::Serialize;

use crate::clock::{self, ClockError, Date, add_days};
use crate::journal::{CorrectionRow, Journal, JournalError, MinuteRow, PauseKind};
use crate::posture::{AlertKind, State};

/// The state that filled most of a journal minute (`CannotAssess` when
/// mostly not judged): what a timeline colours the minute by.
pub fn main_state(m: &MinuteRow) -> State {
    [
        (m.good_s, State::Good),
        (m.drifting_s, State::Drifting),
        (m.forward_head_s, State::ForwardHead),
        (m.cannot_assess_s, State::CannotAssess),
    ]
    .into_iter()
    .max_by(|a, b| a.0.total_cmp(&b.0))
    .map_or(State::CannotAssess, |p| p.1)
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Clock(#[from] ClockError),
}

/// A range of whole local days, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

impl Period {
    pub fn day(d: Date) -> Self {
        Period { first: d, last: d }
    }

    /// The 7 days ending with `last`.
    pub fn week_ending(last: Date) -> Self {
        Period { first: add_days(last, -6), last }
    }

    /// How many calendar days the period covers (at least 1).
    pub fn days(&self) -> i64 {
        let n = self.first.until(self.last).map_or(0, |s| i64::from(s.get_days()));
        n.max(0) + 1
    }

    /// Unix seconds [from, to): the first day's local midnight to the
    /// local midnight after the last day, so DST days count 23 or 25 hours.
    pub fn bounds(&self) -> Result<(f64, f64), ClockError> {
        Ok((clock::local_midnight(self.first)?, clock::day_span(self.last)?.1))
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Self {
        let n = self.days();
        Period { first: add_days(self.first, -n), last: add_days(self.first, -1) }
    }

    pub fn label(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{} to {}", self.first, self.last)
        }
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
    /// Not watched: paused (by the user or the desktop), snoozed, camera gone.
    pub paused_s: f64,
    pub snoozed_s: f64,
    pub camera_lost_s: f64,
    /// good / (good + drifting + forward head), percent; null with no judged time.
    pub good_percent: Option<f64>,
    pub mean_score: Option<f64>,
    pub episodes: Vec<EpisodeOut>,
    pub longest_episode_s: f64,
    /// Number of alerts (the drifting nudges are counted apart).
    pub alerts: usize,
    /// Gentle reminders after a long drifting stretch.
    pub nudges: usize,
    pub alerts_corrected: usize,
    pub mean_correction_s: Option<f64>,
    pub breaks_taken: usize,
    pub breaks_due: usize,
    /// Local hours (0-23) with the most forward-head time, worst first.
    pub worst_hours: Vec<u32>,
    /// good_percent minus the previous period's (null when either is unknown).
    pub trend_good_percent: Option<f64>,
    /// What you told headsup in the period.
    pub feedback: FeedbackOut,
}

/// The period's corrections by kind, and the cut-off the last one left.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FeedbackOut {
    pub wrong: usize,
    pub missed: usize,
    pub undone: usize,
    pub reset: usize,
    /// The forward-head cut-off after the period's last correction.
    pub forward_below: Option<f64>,
}

impl FeedbackOut {
    fn of(rows: &[CorrectionRow]) -> Self {
        let count = |k: &str| rows.iter().filter(|r| r.kind == k).count();
        Self {
            wrong: count("wrong"),
            missed: count("missed"),
            undone: count("undo"),
            reset: count("reset"),
            forward_below: rows.last().map(|r| r.forward_below),
        }
    }
}

fn judged(m: &MinuteRow) -> f64 {
    m.good_s + m.drifting_s + m.forward_head_s
}

/// The minutes recorded in `[from, to)` (unix seconds).
fn minutes_between(j: &Journal, (from, to): (f64, f64)) -> Result<Vec<MinuteRow>, JournalError> {
    j.minutes((from / 60.0).floor() as i64, (to / 60.0).ceil() as i64)
}

/// Computes the report for `period` from the journal.
pub fn build(j: &Journal, period: &Period) -> Result<Report, ReportError> {
    let (from, to) = period.bounds()?;
    let minutes = minutes_between(j, (from, to))?;
    let sum = |f: fn(&MinuteRow) -> f64| minutes.iter().map(f).sum::<f64>();
    let (good, drifting, forward) = (sum(|m| m.good_s), sum(|m| m.drifting_s), sum(|m| m.forward_head_s));
    let judged_s = good + drifting + forward;
    let good_percent = (judged_s > 0.0).then(|| 100.0 * good / judged_s);
    let (score_sum, score_n) = (sum(|m| m.score_sum), minutes.iter().map(|m| m.score_n).sum::<i64>());

    let episodes: Vec<EpisodeOut> = j
        .episodes(from, to)?
        .into_iter()
        .map(|e| EpisodeOut {
            start: clock::unix_rfc3339(e.start),
            end: clock::unix_rfc3339(e.end),
            duration_s: e.end - e.start,
            min_score: (e.min_score * 10.0).round() / 10.0,
            main_signal: e.main_signal,
        })
        .collect();
    let (nudges, alerts): (Vec<_>, Vec<_>) =
        j.alerts(from, to)?.into_iter().partition(|a| a.kind == AlertKind::Drifting.name());
    let corrected: Vec<f64> = alerts.iter().filter_map(|a| a.corrected_after_s).collect();

    let pauses = j.pause_seconds(from, to)?;
    let paused = |kinds: &[&str]| round1(kinds.iter().filter_map(|k| pauses.get(*k)).sum());
    let prev = minutes_between(j, period.previous().bounds()?)?;
    let (pg, pj) = prev.iter().fold((0.0, 0.0), |(g, t), m| (g + m.good_s, t + judged(m)));
    let trend = match (good_percent, pj > 0.0) {
        (Some(now), true) => Some(round1(now - 100.0 * pg / pj)),
        _ => None,
    };

    Ok(Report {
        from: clock::unix_rfc3339(from),
        to: clock::unix_rfc3339(to),
        monitored_s: round1(sum(|m| m.monitored_s)),
        good_s: round1(good),
        drifting_s: round1(drifting),
        forward_head_s: round1(forward),
        cannot_assess_s: round1(sum(|m| m.cannot_assess_s)),
        paused_s: paused(&[PauseKind::Paused.name(), PauseKind::Auto.name()]),
        snoozed_s: paused(&[PauseKind::Snoozed.name()]),
        camera_lost_s: paused(&[PauseKind::CameraLost.name()]),
        good_percent: good_percent.map(round1),
        mean_score: (score_n > 0).then(|| round1(score_sum / score_n as f64)),
        longest_episode_s: episodes.iter().map(|e| e.duration_s).fold(0.0, f64::max),
        episodes,
        alerts: alerts.len(),
        nudges: nudges.len(),
        alerts_corrected: corrected.len(),
        mean_correction_s: (!corrected.is_empty())
            .then(|| round1(corrected.iter().sum::<f64>() / corrected.len() as f64)),
        breaks_taken: j.breaks(from, to, "taken")?,
        breaks_due: j.breaks(from, to, "due")?,
        worst_hours: worst_hours(&minutes, &clock::zone()),
        trend_good_percent: trend,
        feedback: FeedbackOut::of(&j.corrections(from, to)?),
    })
}

/// Up to three local wall-clock hours with at least a minute of forward
/// head, worst first. Hours are by the wall clock in `tz`, so on a 25-hour
/// day the repeated hour's minutes add to the same hour.
fn worst_hours(minutes: &[MinuteRow], tz: &clock::TimeZone) -> Vec<u32> {
    let mut by_hour = [0.0f64; 24];
    for m in minutes {
        by_hour[clock::hour_in(m.minute as f64 * 60.0, tz) as usize % 24] += m.forward_head_s;
    }
    let mut hours: Vec<u32> = (0..24).filter(|&h| by_hour[h as usize] >= 60.0).collect();
    hours.sort_by(|a, b| by_hour[*b as usize].total_cmp(&by_hour[*a as usize]));
    hours.truncate(3);
    hours
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
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
    for (what, secs) in [("Paused", r.paused_s), ("Snoozed", r.snoozed_s), ("Camera away", r.camera_lost_s)] {
        if secs >= 60.0 {
            writeln!(out, "  {what:<19}{}", hm(secs))?;
        } else if secs >= 1.0 {
            writeln!(out, "  {what:<19}{secs:.0} s")?;
        }
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
    if r.nudges > 0 {
        writeln!(out, "  Nudges while drifting: {}", r.nudges)?;
    }
    let f = &r.feedback;
    if let Some(to) = f.forward_below {
        writeln!(
            out,
            "  Your corrections: {} wrong, {} missed, {} undone, {} reset; forward head now starts below a score of {to:.0}",
            f.wrong, f.missed, f.undone, f.reset
        )?;
    }
    writeln!(out, "  Breaks: {} taken, {} reminders", r.breaks_taken, r.breaks_due)?;
    if !r.worst_hours.is_empty() {
        let hours: Vec<String> = r.worst_hours.iter().map(|h| format!("{h:02}:00-{:02}:00", h + 1)).collect();
        writeln!(out, "  Worst hours: {}", hours.join(", "))?;
    }
    writeln!(out)?;
    writeln!(out, "  headsup is not a medical device; see a doctor for pain that does not ease.")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_span_whole_local_days() {
        let p = Period::week_ending(date(2026, 11, 25));
        assert_eq!(p.first, date(2026, 11, 19));
        assert_eq!(p.days(), 7);
        let (from, to) = p.bounds().expect("in range");
        assert!((to - from - 7.0 * 86_400.0).abs() <= 3600.0, "a week, give or take a DST hour");
        assert_eq!(p.previous(), Period { first: date(2026, 11, 12), last: date(2026, 11, 18) });
        assert_eq!(Period::day(date(2026, 11, 25)).label(), "2026-11-25");
        assert_eq!(p.label(), "2026-11-19 to 2026-11-25");
        // Across a month and a year end.
        assert_eq!(Period { first: date(2025, 12, 30), last: date(2026, 1, 2) }.days(), 4);
    }

    #[test]
    fn worst_hours_follow_the_wall_clock_of_the_zone() {
        let berlin = clock::TimeZone::get("Europe/Berlin").expect("tz database");
        // Clocks go back at 2026-10-25T01:00Z (03:00 CEST -> 02:00 CET), so
        // 00:20Z and 01:20Z are both 02:20 on the wall clock.
        let first = (1_792_890_000i64 - 40 * 60) / 60;
        let rows: Vec<MinuteRow> = [first, first + 60]
            .into_iter()
            .map(|minute| MinuteRow { minute, forward_head_s: 40.0, ..Default::default() })
            .collect();
        assert_eq!(clock::hour_in(first as f64 * 60.0, &berlin), 2);
        assert_eq!(clock::hour_in((first + 60) as f64 * 60.0, &berlin), 2);
        assert_eq!(worst_hours(&rows, &berlin), vec![2], "80 s in hour 2, neither alone reaches 60");
        assert_eq!(worst_hours(&rows, &clock::TimeZone::UTC), Vec::<u32>::new());
    }
}
