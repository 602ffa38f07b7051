//! The report chart as a PNG (`headsup report --chart FILE.png`). This
//! module owns the picture: its layout, colours, words and font.
//!
//! From top to bottom: a title naming the local day, the day's numbers
//! (share of good posture, drifting and forward-head minutes, episodes), a
//! legend of the four states, the day as a timeline of states (one column
//! per recorded minute, coloured by the minute's dominant state, on an axis
//! of local clock times that follows the day's real 23, 24 or 25 hours),
//! and the 7 days ending with it as stacked bars of good, drifting and
//! forward-head minutes with the share of good posture above each bar.
//!
//! Drawn with `plotters` into an RGB buffer that `image` encodes. Text is
//! set in Hack Regular (© Source Foundry Authors, MIT licence; Bitstream
//! Vera licence for the glyphs it derives from), embedded from the
//! `epaint_default_fonts` crate and rasterised by `ab_glyph`, so nothing
//! depends on the fonts or font libraries of the machine. Hack is monospaced,
//! which also hides plotters' rough glyph spacing under `ab_glyph` (it drops
//! the side bearings, which splits words set in a proportional font).
//! The layout is fixed and its regions are public, so tests can look for
//! words where they belong.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::{Rgb, RgbImage};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::clock::{self, ClockError, Date, TimeZone, add_days};
use crate::journal::{Journal, JournalError, MinuteRow};
use crate::posture::State;
use crate::report::{self, Period, Report, ReportError};

/// The picture's width and height in pixels.
pub const W: u32 = 1000;
pub const H: u32 = 580;

pub const GOOD: Rgb<u8> = Rgb([76, 175, 80]);
pub const DRIFTING: Rgb<u8> = Rgb([255, 179, 0]);
pub const FORWARD: Rgb<u8> = Rgb([229, 57, 53]);
pub const UNKNOWN: Rgb<u8> = Rgb([189, 189, 189]);
const BG: RGBColor = RGBColor(250, 250, 247);
/// The timeline's background where nothing was recorded.
const EMPTY: RGBColor = RGBColor(236, 236, 232);
/// Text is near-black; axes and grid stay lighter so that words stand out.
const INK: RGBColor = RGBColor(33, 33, 33);
const SOFT_INK: RGBColor = RGBColor(85, 85, 85);
const AXIS: RGBColor = RGBColor(150, 150, 150);
const GRID: RGBColor = RGBColor(222, 222, 216);
/// The timeline's 3-hour lines, a shade darker than the empty band.
const HOUR_LINE: RGBColor = RGBColor(214, 214, 208);

/// A rectangle of the picture, `x0..x1` × `y0..y1` in pixels, so tests can
/// look where the title, legend, plots and axis labels are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

/// Where the title is written (left-aligned; the rest of the row stays blank).
pub const TITLE: Region = Region { x0: 20, y0: 8, x1: 700, y1: 40 };
/// The legend row: a swatch and a name for each state.
pub const LEGEND: Region = Region { x0: 20, y0: 76, x1: 700, y1: 96 };
/// The day's timeline (the plotting area, without axis labels).
pub const DAY_PLOT: Region = Region { x0: 80, y0: 112, x1: 960, y1: 172 };
/// The local clock times under the timeline.
pub const DAY_TICKS: Region = Region { x0: 60, y0: 178, x1: 1000, y1: 200 };
/// The week's bars (the plotting area, without axis labels).
pub const WEEK_PLOT: Region = Region { x0: 80, y0: 250, x1: 960, y1: 530 };
/// The day names under the bars.
pub const WEEK_DAYS: Region = Region { x0: 80, y0: 536, x1: 960, y1: 560 };

/// Left of the plots: the week's minute labels and its axis name.
const Y_LABELS: u32 = 60;
/// Right of the plots: room for half of the last clock time, "24:00".
const SIDE: u32 = W - DAY_PLOT.x1;
const TITLE_PX: f64 = 24.0;
const TEXT_PX: f64 = 16.0;
const SMALL_PX: f64 = 15.0;
/// The week's x axis counts hundredths of a day's slot (plotters formats
/// custom ticks on integer axes only); a bar covers the middle 56 of them.
const SLOT: i32 = 100;
const BAR: i32 = 56;

/// What can stop the chart. Drawing happens in memory, so only writing
/// the file can fail on the file, and that error names it. Causes are kept
/// as sources, not repeated in the message (the CLI prints the chain).
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("the chart's embedded font cannot be read")]
    Font,
    #[error("cannot draw the chart")]
    Draw(#[source] DrawError),
    #[error("cannot write the chart {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
}

/// plotters' error for the in-memory bitmap backend (the backend's own
/// error type is not re-exported, hence the projection).
pub type DrawError = DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// Draws `day` (local date) and the 7 days ending with it into `path`.
pub fn render(j: &Journal, day: Date, path: &Path) -> Result<RgbImage, ChartError> {
    let img = draw(j, day)?;
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| ChartError::Write { path: path.to_path_buf(), source })?;
    Ok(img)
}

/// The chart of `day` and its week, in memory.
pub fn draw(j: &Journal, day: Date) -> Result<RgbImage, ChartError> {
    register_font()?;
    let facts = Facts::gather(j, day)?;
    let mut img = RgbImage::new(W, H);
    paint(&facts, &mut img).map_err(ChartError::Draw)?;
    Ok(img)
}

/// plotters looks fonts up by family name in a process-wide table; the
/// embedded font is entered once as "sans-serif", the family every text
/// style here (and plotters' defaults) asks for.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, epaint_default_fonts::HACK_REGULAR)
            .is_ok()
    });
    if *ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Everything the picture shows, read from the journal before drawing.
struct Facts {
    day: Date,
    /// The day's length in minutes: 1380, 1440 or 1500.
    day_minutes: i32,
    /// Recorded minutes: (minutes since local midnight, dominant colour).
    timeline: Vec<(i32, Rgb<u8>)>,
    /// Local clock times every 3 hours: (minutes since midnight, "03:00").
    ticks: Vec<(i32, String)>,
    report: Report,
    week: Vec<DayBar>,
}

/// One day of the week panel, in minutes.
struct DayBar {
    label: String,
    good: f64,
    drifting: f64,
    forward: f64,
}

impl DayBar {
    fn judged(&self) -> f64 {
        self.good + self.drifting + self.forward
    }
}

impl Facts {
    fn gather(j: &Journal, day: Date) -> Result<Self, ChartError> {
        let ((start, end), minutes) = minutes_of(j, day)?;
        let day_minutes = (((end - start) / 60.0).round() as i32).max(1);
        let timeline = minutes
            .iter()
            .map(|m| (((m.minute as f64 * 60.0 - start) / 60.0).floor() as i32, dominant(m)))
            .filter(|(at, _)| (0..day_minutes).contains(at))
            .collect();
        let mut week = Vec::with_capacity(7);
        for d in (0..7).map(|i| add_days(day, i - 6)) {
            let (_, ms) = minutes_of(j, d)?;
            let sum = |f: fn(&MinuteRow) -> f64| ms.iter().map(f).sum::<f64>() / 60.0;
            week.push(DayBar {
                label: d.strftime("%a %-d").to_string(),
                good: sum(|m| m.good_s),
                drifting: sum(|m| m.drifting_s),
                forward: sum(|m| m.forward_head_s),
            });
        }
        Ok(Facts {
            day,
            day_minutes,
            timeline,
            ticks: clock_ticks(day, &clock::zone())?,
            report: report::build(j, &Period::day(day))?,
            week,
        })
    }
}

/// The local day's `[start, end)` in unix seconds and its recorded minutes.
fn minutes_of(j: &Journal, day: Date) -> Result<((f64, f64), Vec<MinuteRow>), ChartError> {
    let (start, end) = clock::day_span(day)?;
    Ok(((start, end), j.minutes((start / 60.0).floor() as i64, (end / 60.0).ceil() as i64)?))
}

/// 00:00, 03:00 … 24:00 by the local clock in `tz`, placed at the minutes
/// since local midnight when the clock shows them, so across a DST change
/// the labels stay on the hours people read off their clock.
fn clock_ticks(day: Date, tz: &TimeZone) -> Result<Vec<(i32, String)>, ClockError> {
    let (start, end) = clock::day_span_in(day, tz)?;
    let minutes = |t: f64| ((t - start) / 60.0).round() as i32;
    let mut ticks = vec![(0, "00:00".to_string())];
    for h in (3..24).step_by(3) {
        let at = day
            .at(h, 0, 0, 0)
            .to_zoned(tz.clone())
            .map_err(|e| ClockError::OutOfRange { date: day, reason: e.to_string() })?;
        ticks.push((minutes(at.timestamp().as_duration().as_secs_f64()), format!("{h:02}:00")));
    }
    ticks.push((minutes(end), "24:00".to_string()));
    Ok(ticks)
}

/// The state the minute spent most of its time in.
fn dominant(m: &MinuteRow) -> Rgb<u8> {
    state_rgb(super::main_state(m))
}

/// The colour of a state, here and in the window.
pub fn state_rgb(state: State) -> Rgb<u8> {
    match state {
        State::Good => GOOD,
        State::Drifting => DRIFTING,
        State::ForwardHead => FORWARD,
        State::CannotAssess => UNKNOWN,
    }
}

fn rgb(c: Rgb<u8>) -> RGBColor {
    RGBColor(c.0[0], c.0[1], c.0[2])
}

fn font(px: f64, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", px).into_font().color(&color)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Lays the panels out on the whole picture.
fn paint(f: &Facts, img: &mut RgbImage) -> Result<(), DrawError> {
    let root = BitMapBackend::with_buffer(img, (W, H)).into_drawing_area();
    root.fill(&BG)?;
    header(&root, f)?;
    legend(&root)?;
    let band = (DAY_PLOT.x0 - Y_LABELS, DAY_PLOT.y0);
    let day_area = root.clone().shrink(band, (W - band.0, DAY_TICKS.y1 - DAY_PLOT.y0));
    day_panel(&day_area, f)?;
    week_heading(&root, f)?;
    let corner = (WEEK_PLOT.x0 - Y_LABELS, WEEK_PLOT.y0);
    let week_area = root.clone().shrink(corner, (W - corner.0, WEEK_DAYS.y1 - WEEK_PLOT.y0));
    week_panel(&week_area, f)?;
    root.present()
}

/// The title and the day's numbers under it.
fn header(root: &Area, f: &Facts) -> Result<(), DrawError> {
    let title = format!("headsup · posture on {}", f.day.strftime("%a %-d %b %Y"));
    root.draw_text(&title, &font(TITLE_PX, INK), (TITLE.x0 as i32, TITLE.y0 as i32 + 4))?;
    root.draw_text(&summary(&f.report), &font(TEXT_PX, SOFT_INK), (TITLE.x0 as i32, 48))
}

/// "good 77% · drifting 10 min · forward head 4 min · 1 episode · watched 1 h 00".
fn summary(r: &Report) -> String {
    if r.monitored_s <= 0.0 {
        return "nothing recorded on this day".into();
    }
    let mut parts = Vec::new();
    if let Some(p) = r.good_percent {
        parts.push(format!("good {p:.0}%"));
    }
    parts.push(format!("drifting {}", span(r.drifting_s)));
    parts.push(format!("forward head {}", span(r.forward_head_s)));
    let n = r.episodes.len();
    parts.push(format!("{n} episode{}", if n == 1 { "" } else { "s" }));
    parts.push(format!("watched {}", span(r.monitored_s)));
    parts.join(" · ")
}

/// "42 min" or "1 h 05".
fn span(secs: f64) -> String {
    let m = (secs / 60.0).round() as u64;
    if m >= 60 { format!("{} h {:02}", m / 60, m % 60) } else { format!("{m} min") }
}

/// The four states, as the timeline colours them.
fn legend(root: &Area) -> Result<(), DrawError> {
    let states = [(GOOD, "good"), (DRIFTING, "drifting"), (FORWARD, "forward head"), (UNKNOWN, "not judged")];
    let (mut x, y) = (LEGEND.x0 as i32, LEGEND.y0 as i32 + 3);
    for (color, name) in states {
        root.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], rgb(color).filled()))?;
        root.draw_text(name, &font(SMALL_PX, INK), (x + 20, y - 1))?;
        let (w, _) = root.estimate_text_size(name, &font(SMALL_PX, INK))?;
        x += 20 + w as i32 + 28;
    }
    Ok(())
}

/// The day as a band of minutes on an axis of local clock times.
fn day_panel(area: &Area, f: &Facts) -> Result<(), DrawError> {
    let keys: Vec<i32> = f.ticks.iter().map(|t| t.0).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_right(SIDE)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(DAY_TICKS.y1 - DAY_PLOT.y1)
        .build_cartesian_2d((0..f.day_minutes).with_key_points(keys), 0.0..1.0)?;
    chart.plotting_area().fill(&EMPTY)?;
    let label = |v: &i32| f.ticks.iter().find(|t| t.0 == *v).map(|t| t.1.clone()).unwrap_or_default();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .max_light_lines(0)
        .bold_line_style(HOUR_LINE)
        .axis_style(AXIS)
        .x_label_style(font(SMALL_PX, INK))
        .x_label_formatter(&label)
        .draw()?;
    chart.draw_series(
        f.timeline.iter().map(|(at, c)| Rectangle::new([(*at, 0.0), (at + 1, 1.0)], rgb(*c).filled())),
    )?;
    let side = area.clone().shrink((0, 0), (Y_LABELS, DAY_PLOT.y1 - DAY_PLOT.y0));
    let centre = Pos::new(HPos::Center, VPos::Center);
    let name = f.week.last().map_or(String::new(), |d| d.label.clone());
    side.draw_text(&name, &font(SMALL_PX, SOFT_INK).pos(centre), (Y_LABELS as i32 / 2, 30))
}

/// "last 7 days · good 74% of the judged time".
fn week_heading(root: &Area, f: &Facts) -> Result<(), DrawError> {
    let good: f64 = f.week.iter().map(|d| d.good).sum();
    let judged: f64 = f.week.iter().map(DayBar::judged).sum();
    let mut text = "last 7 days".to_string();
    if judged > 0.0 {
        text.push_str(&format!(" · good {:.0}% of the judged time", 100.0 * good / judged));
    }
    root.draw_text(&text, &font(TEXT_PX, SOFT_INK), (TITLE.x0 as i32, WEEK_PLOT.y0 as i32 - 32))
}

/// The week as stacked bars of minutes, good at the bottom.
fn week_panel(area: &Area, f: &Facts) -> Result<(), DrawError> {
    let most = f.week.iter().map(DayBar::judged).fold(0.0, f64::max);
    // Room above the tallest bar for its percentage.
    let top = (most * 1.18).max(60.0);
    let days = f.week.len() as i32;
    let centres: Vec<i32> = (0..days).map(|i| i * SLOT + SLOT / 2).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_right(SIDE)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(WEEK_DAYS.y1 - WEEK_PLOT.y1)
        .build_cartesian_2d((0..days * SLOT).with_key_points(centres), 0.0..top)?;
    let label = |v: &i32| f.week.get((v / SLOT) as usize).map(|d| d.label.clone()).unwrap_or_default();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .y_labels(6)
        .x_label_style(font(SMALL_PX, INK))
        .y_label_style(font(SMALL_PX, INK))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_label_formatter(&label)
        .y_desc("minutes")
        .axis_desc_style(font(SMALL_PX, SOFT_INK))
        .draw()?;
    for (i, d) in (0..).zip(&f.week) {
        let (x0, x1) = (i * SLOT + (SLOT - BAR) / 2, i * SLOT + (SLOT + BAR) / 2);
        let mut y = 0.0;
        for (v, c) in [(d.good, GOOD), (d.drifting, DRIFTING), (d.forward, FORWARD)] {
            if v > 0.0 {
                chart.draw_series([Rectangle::new([(x0, y), (x1, y + v)], rgb(c).filled())])?;
            }
            y += v;
        }
        if d.judged() > 0.0 {
            let share = format!("{:.0}%", 100.0 * d.good / d.judged());
            let style = font(SMALL_PX, INK).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series([Text::new(share, (i * SLOT + SLOT / 2, y + top * 0.02), style)])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn temp_journal(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("headsup-chart-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join("journal.sqlite3")
    }

    #[test]
    fn an_empty_journal_draws_a_chart_with_words() {
        let path = temp_journal("empty");
        let j = Journal::open(&path).expect("journal");
        let png = path.with_file_name("chart.png");
        let img = render(&j, date(2026, 12, 2), &png).expect("chart");
        assert_eq!(img.dimensions(), (W, H));
        let ink = |r: Region| {
            (r.y0..r.y1)
                .flat_map(|y| (r.x0..r.x1).map(move |x| (x, y)))
                .any(|(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 100))
        };
        assert!(ink(TITLE) && ink(LEGEND) && ink(DAY_TICKS) && ink(WEEK_DAYS));
        let reread = image::open(&png).expect("png").into_rgb8();
        assert_eq!(reread, img);
    }

    #[test]
    fn writing_names_the_file() {
        let j = Journal::open(&temp_journal("write")).expect("journal");
        let bad = Path::new("/nonexistent-dir/chart.png");
        let err = render(&j, date(2026, 12, 2), bad).expect_err("no such directory");
        assert!(err.to_string().contains("/nonexistent-dir/chart.png"), "{err}");
        assert!(std::error::Error::source(&err).is_some(), "the image error is kept");
    }

    #[test]
    fn clock_ticks_follow_the_wall_clock_across_daylight_saving() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tz database");
        let at = |d: Date, label: &str| {
            let ticks = clock_ticks(d, &berlin).expect("ticks");
            ticks.into_iter().find(|t| t.1 == label).map(|t| t.0)
        };
        // Autumn: 02:00-03:00 happens twice, so 03:00 comes 4 hours in.
        assert_eq!(at(date(2026, 10, 25), "03:00"), Some(240));
        assert_eq!(at(date(2026, 10, 25), "24:00"), Some(1500));
        // Spring: 02:00-03:00 is skipped, so 03:00 comes 2 hours in.
        assert_eq!(at(date(2026, 3, 29), "03:00"), Some(120));
        assert_eq!(at(date(2026, 3, 29), "24:00"), Some(1380));
        assert_eq!(at(date(2026, 6, 1), "12:00"), Some(720));
    }
}
