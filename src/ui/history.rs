//! The history tab, drawn with egui_plot from the journal (read off the UI
//! thread): today's timeline of states by local clock time, the last 7 or
//! 30 days (good share with its trend, minutes of head forward, episodes),
//! and today's episodes in words.

use std::path::Path;
use std::time::Duration;

use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use super::{HeadsupApp, color_of};
use crate::clock::{self, Date};
use crate::journal::{Journal, JournalError};
use crate::posture::State;
use crate::report::{self, Period, Report, ReportError};

/// How far back the history reads.
const DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Clock(#[from] clock::ClockError),
}

/// One day of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    pub date: Date,
    pub good_percent: Option<f64>,
    pub forward_min: f64,
    pub episodes: usize,
}

/// What the history tab draws.
pub struct HistoryData {
    pub today: Report,
    /// Today's minutes as (local clock hour, 0-24, the state that filled
    /// most of the minute).
    pub minutes: Vec<(f64, State)>,
    /// The last [`DAYS`] days, oldest first, today last.
    pub days: Vec<Day>,
}

/// Reads today's minutes and the last 30 days from the journal at `path`.
pub fn load(path: &Path) -> Result<HistoryData, HistoryError> {
    let j = Journal::open_read_only(path)?;
    let today = clock::today();
    let (start, end) = clock::day_span(today)?;
    let tz = clock::zone();
    let minutes = j
        .minutes((start / 60.0).floor() as i64, (end / 60.0).ceil() as i64)?
        .iter()
        .map(|m| {
            let dt = tz.to_datetime(clock::timestamp(m.minute as f64 * 60.0));
            (f64::from(dt.hour()) + f64::from(dt.minute()) / 60.0, report::main_state(m))
        })
        .collect();
    let mut days = Vec::with_capacity(DAYS as usize);
    let mut last = None;
    for back in (0..DAYS).rev() {
        let date = clock::add_days(today, -back);
        let r = report::build(&j, &Period::day(date))?;
        days.push(Day {
            date,
            good_percent: r.good_percent,
            forward_min: r.forward_head_s / 60.0,
            episodes: r.episodes.len(),
        });
        last = Some(r);
    }
    // The loop ends with today.
    let today = match last {
        Some(r) => r,
        None => report::build(&j, &Period::day(today))?,
    };
    Ok(HistoryData { today, minutes, days })
}

/// The least-squares slope of the good share, in points a week, over the
/// days that have one (None with fewer than 3).
pub fn trend_per_week(days: &[Day]) -> Option<f64> {
    let pts: Vec<(f64, f64)> =
        days.iter().enumerate().filter_map(|(i, d)| d.good_percent.map(|g| (i as f64, g))).collect();
    if pts.len() < 3 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx * 7.0)
}

/// "Mon 30": the day's label on the axis.
fn day_label(d: Date) -> String {
    format!("{} {}", d.strftime("%a"), d.day())
}

/// "1 episode", "3 episodes".
fn count(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

/// A bar plot that does not pan or zoom: it is read, not explored, and
/// keyboard focus passes over it.
fn still_plot(id: &str, height: f32) -> Plot<'static> {
    Plot::new(id)
        .show_y(false)
        .height(height)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .sense(egui::Sense::hover())
        .legend(Legend::default())
}

impl HeadsupApp {
    pub(super) fn history(&mut self, ui: &mut egui::Ui) {
        let path = self.link.journal_path.clone();
        let loaded = self.cache.history.get(Duration::from_secs(30), ui.ctx(), move || load(&path));
        let data = match loaded {
            None => {
                ui.label("Reading the journal…");
                return;
            }
            Some(Err(HistoryError::Journal(JournalError::Missing { .. }))) => {
                ui.label("Nothing recorded yet: the history fills in as headsup watches.");
                return;
            }
            Some(Err(e)) => {
                ui.label(format!("Cannot read the journal: {e}"));
                return;
            }
            Some(Ok(d)) => d,
        };
        egui::ScrollArea::vertical().show(ui, |ui| {
            today_timeline(ui, data);
            ui.separator();
            ui.horizontal(|ui| {
                ui.heading("Days");
                ui.selectable_value(&mut self.view.history_days, 7, "7 days");
                ui.selectable_value(&mut self.view.history_days, 30, "30 days");
            });
            let from = data.days.len().saturating_sub(self.view.history_days);
            days_plots(ui, &data.days[from..]);
        });
    }
}

/// Today in words, the timeline by local clock time, and the episodes.
fn today_timeline(ui: &mut egui::Ui, data: &HistoryData) {
    let r = &data.today;
    ui.heading("Today");
    ui.label(match r.good_percent {
        Some(g) => format!(
            "{g:.0} % good · {:.0} min head forward in {} · {}{} · {:.0} min watched",
            r.forward_head_s / 60.0,
            count(r.episodes.len(), "episode"),
            count(r.alerts, "alert"),
            if r.nudges > 0 { format!(", {}", count(r.nudges, "nudge")) } else { String::new() },
            r.monitored_s / 60.0
        ),
        None => "Nothing judged today yet.".into(),
    });
    let chart = |state: State, name: &str| {
        let bars = data
            .minutes
            .iter()
            .filter(|m| m.1 == state)
            .map(|&(h, _)| Bar::new(h + 1.0 / 120.0, 1.0).width(1.0 / 60.0))
            .collect();
        BarChart::new(name, bars).color(color_of(Some(state)))
    };
    still_plot("today", 90.0)
        .include_x(0.0)
        .include_x(24.0)
        .include_y(1.0)
        .show_axes([true, false])
        .show_grid([true, false])
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 3.0, 6.0]))
        .x_axis_formatter(|mark, _| format!("{:02}:00", mark.value.round() as i64))
        .show(ui, |p| {
            p.bar_chart(chart(State::Good, "good"));
            p.bar_chart(chart(State::Drifting, "drifting"));
            p.bar_chart(chart(State::ForwardHead, "forward head"));
            p.bar_chart(chart(State::CannotAssess, "not judged"));
        });
    if !r.episodes.is_empty() {
        ui.label(egui::RichText::new("Forward-head episodes today").strong());
        for e in &r.episodes {
            ui.label(format!(
                "{} · {:.0} min · worst score {:.0} · mostly {}",
                e.start.get(11..16).unwrap_or(""),
                e.duration_s / 60.0,
                e.min_score,
                e.main_signal
            ));
        }
    }
}

/// The good share with its trend line, then minutes forward with the
/// episode count on each bar.
fn days_plots(ui: &mut egui::Ui, days: &[Day]) {
    let judged: Vec<f64> = days.iter().filter_map(|d| d.good_percent).collect();
    let forward: f64 = days.iter().map(|d| d.forward_min).sum();
    let episodes: usize = days.iter().map(|d| d.episodes).sum();
    let mean = (!judged.is_empty()).then(|| judged.iter().sum::<f64>() / judged.len() as f64);
    let trend = trend_per_week(days);
    ui.label(format!(
        "{} · {forward:.0} min head forward in {} · trend {}",
        mean.map_or("no day judged yet".into(), |m| format!("{m:.0} % good on average")),
        count(episodes, "episode"),
        trend.map_or("needs 3 judged days".into(), |t| format!("{t:+.1} points a week")),
    ));
    let labels: Vec<String> = days.iter().map(|d| day_label(d.date)).collect();
    let every = if days.len() > 10 { 5 } else { 1 };
    let axis = move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        let i = mark.value.round();
        let ok = (mark.value - i).abs() < 1e-6 && i >= 0.0;
        // Counted back from today, so today always has its label.
        let from_end = labels.len() as f64 - 1.0 - i;
        if ok && from_end.rem_euclid(every as f64) == 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let good = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.good_percent.map(|g| Bar::new(i as f64, g).width(0.6).name(day_label(d.date))))
        .collect();
    let last = days.len() as f64 - 0.5;
    still_plot("good share", 150.0)
        .include_x(-0.5)
        .include_x(last)
        .include_y(0.0)
        .include_y(100.0)
        .y_axis_label("% good")
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
        .x_axis_formatter(axis.clone())
        .show(ui, |p| {
            p.bar_chart(BarChart::new("good share", good).color(color_of(Some(State::Good))));
            if let (Some(t), Some(m)) = (trend, mean) {
                let mid = (days.len() as f64 - 1.0) / 2.0;
                let at = |x: f64| m + t / 7.0 * (x - mid);
                let ends = vec![[0.0, at(0.0)], [days.len() as f64 - 1.0, at(days.len() as f64 - 1.0)]];
                p.line(Line::new("trend", PlotPoints::from(ends)).color(Color32::from_gray(110)));
            }
        });
    let fwd = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let what = format!("{}: {}", day_label(d.date), count(d.episodes, "episode"));
            Bar::new(i as f64, d.forward_min).width(0.6).name(what)
        })
        .collect();
    still_plot("forward minutes", 130.0)
        .include_x(-0.5)
        .include_x(last)
        .include_y(0.0)
        .include_y(10.0)
        .y_axis_label("min head forward")
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
        .x_axis_formatter(axis)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("minutes head forward", fwd).color(color_of(Some(State::ForwardHead))));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(i: i64, good: Option<f64>) -> Day {
        Day { date: clock::add_days(clock::today(), i), good_percent: good, forward_min: 0.0, episodes: 0 }
    }

    #[test]
    fn the_trend_is_points_a_week_over_judged_days() {
        // +1 point a day, with a day off in the middle: +7 a week.
        let days = [day(0, Some(70.0)), day(1, None), day(2, Some(72.0)), day(3, Some(73.0))];
        let t = trend_per_week(&days).expect("trend");
        assert!((t - 7.0).abs() < 1e-9, "{t}");
        assert_eq!(trend_per_week(&days[..2]), None);
    }
}
