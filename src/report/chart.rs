//! The report chart as a PNG: the day as a timeline of states (one column
//! per minute, 24 hours wide) above the week as stacked bars (good,
//! drifting, forward head per day, with the share of good posture written
//! on each bar). Drawn directly into an RGB image with a tiny digit font.

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::clock::{self, ClockError, Date, add_days};
use crate::journal::{Journal, JournalError, MinuteRow};

const W: u32 = 960;
const H: u32 = 440;
const LEFT: u32 = 40;
const PLOT_W: u32 = 880;
const BG: Rgb<u8> = Rgb([250, 250, 247]);
const AXIS: Rgb<u8> = Rgb([120, 120, 120]);
const INK: Rgb<u8> = Rgb([40, 40, 40]);
pub const GOOD: Rgb<u8> = Rgb([76, 175, 80]);
pub const DRIFTING: Rgb<u8> = Rgb([255, 179, 0]);
pub const FORWARD: Rgb<u8> = Rgb([229, 57, 53]);
pub const UNKNOWN: Rgb<u8> = Rgb([189, 189, 189]);

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error("cannot write the chart {path}: {message}")]
    Write { path: String, message: String },
}

/// Draws `day` (local date) and the 7 days ending with it into `path`.
pub fn render(j: &Journal, day: Date, path: &Path) -> Result<RgbImage, ChartError> {
    let img = draw(j, day)?;
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| ChartError::Write { path: path.display().to_string(), message: e.to_string() })?;
    Ok(img)
}

/// The local day's `[start, end)` in unix seconds and its recorded minutes.
fn minutes_of(j: &Journal, day: Date) -> Result<((f64, f64), Vec<MinuteRow>), ChartError> {
    let (start, end) = clock::day_span(day)?;
    Ok(((start, end), j.minutes((start / 60.0).floor() as i64, (end / 60.0).ceil() as i64)?))
}

fn fill(img: &mut RgbImage, x0: u32, y0: u32, w: u32, h: u32, c: Rgb<u8>) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, c);
        }
    }
}

/// 3×5 glyphs for digits and '%', ':' (rows top to bottom, 3 bits each).
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '%' => [5, 1, 2, 4, 5],
        ':' => [0, 2, 0, 2, 0],
        '-' => [0, 0, 7, 0, 0],
        _ => return None,
    })
}

/// Writes `text` with the tiny font at scale 2, left edge at `x`.
fn text(img: &mut RgbImage, x: u32, y: u32, s: &str, c: Rgb<u8>) {
    let mut cx = x;
    for ch in s.chars() {
        if let Some(g) = glyph(ch) {
            for (row, bits) in g.iter().enumerate() {
                for col in 0..3 {
                    if bits & (4 >> col) != 0 {
                        fill(img, cx + col * 2, y + row as u32 * 2, 2, 2, c);
                    }
                }
            }
        }
        cx += 8;
    }
}

fn dominant(m: &MinuteRow) -> Rgb<u8> {
    let parts = [
        (m.good_s, GOOD),
        (m.drifting_s, DRIFTING),
        (m.forward_head_s, FORWARD),
        (m.cannot_assess_s, UNKNOWN),
    ];
    parts.into_iter().max_by(|a, b| a.0.total_cmp(&b.0)).map_or(UNKNOWN, |p| p.1)
}

pub fn draw(j: &Journal, day: Date) -> Result<RgbImage, ChartError> {
    let mut img = RgbImage::from_pixel(W, H, BG);
    // Legend: good, drifting, forward head, not judged.
    for (i, c) in [GOOD, DRIFTING, FORWARD, UNKNOWN].into_iter().enumerate() {
        fill(&mut img, LEFT + i as u32 * 30, 8, 20, 10, c);
    }

    // The day: a timeline of states, one column per minute.
    let (top, height) = (40, 110);
    fill(&mut img, LEFT, top, PLOT_W, height, Rgb([236, 236, 232]));
    let ((start, end), minutes) = minutes_of(j, day)?;
    // The day's real length: 1380 or 1500 minutes across a DST change.
    let day_min = (((end - start) / 60.0).round() as u32).max(1);
    for m in &minutes {
        let minute_of_day =
            ((m.minute as f64 * 60.0 - start) / 60.0).clamp(0.0, f64::from(day_min - 1)) as u32;
        let x = LEFT + minute_of_day * PLOT_W / day_min;
        let next = LEFT + (minute_of_day + 1) * PLOT_W / day_min;
        fill(&mut img, x, top, (next - x).max(1), height, dominant(m));
    }
    fill(&mut img, LEFT, top + height, PLOT_W, 1, AXIS);
    for h in (0..=24).step_by(3) {
        let x = LEFT + h * PLOT_W / 24;
        fill(&mut img, x.min(LEFT + PLOT_W - 1), top + height, 1, 6, AXIS);
        text(&mut img, x.saturating_sub(8), top + height + 10, &format!("{h:02}"), INK);
    }

    // The week: stacked minutes per day, good at the bottom.
    let (base, bar_h) = (H - 40, 200u32);
    let days: Vec<Date> = (0..7).map(|i| add_days(day, i - 6)).collect();
    let mut totals = Vec::new();
    for d in &days {
        let (_, ms) = minutes_of(j, *d)?;
        let sum = |f: fn(&MinuteRow) -> f64| ms.iter().map(f).sum::<f64>();
        totals.push([sum(|m| m.good_s), sum(|m| m.drifting_s), sum(|m| m.forward_head_s)]);
    }
    let max = totals.iter().map(|t| t.iter().sum::<f64>()).fold(60.0, f64::max);
    let slot = PLOT_W / 7;
    for (i, (t, d)) in totals.iter().zip(&days).enumerate() {
        let x = LEFT + i as u32 * slot + slot / 4;
        let w = slot / 2;
        let mut y = base;
        for (v, c) in t.iter().zip([GOOD, DRIFTING, FORWARD]) {
            let h = (v / max * f64::from(bar_h)).round() as u32;
            y = y.saturating_sub(h);
            fill(&mut img, x, y, w, h, c);
        }
        let judged: f64 = t.iter().sum();
        if judged > 0.0 {
            text(&mut img, x, y.saturating_sub(16), &format!("{:.0}%", 100.0 * t[0] / judged), INK);
        }
        text(&mut img, x + w / 2 - 8, base + 10, &format!("{:02}", d.day()), INK);
    }
    fill(&mut img, LEFT, base, PLOT_W, 1, AXIS);
    Ok(img)
}
