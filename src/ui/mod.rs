//! The desktop window (eframe/egui). It only reads the watcher's
//! [`Snapshot`] and sends it requests: the camera, the model and the
//! database all stay on the watcher's threads, so the window never blocks.
//!
//! Tabs: the live view (preview, landmarks, the calibrated ear line as a
//! ghost, score gauge, calibration wizard), history (today and the week
//! from the journal), settings (written into the same TOML file the user
//! edits, comments kept; the watcher reloads it) and guidance.

mod settings;
pub mod tray;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, Pos2, Stroke, Vec2};

mod background;

use background::Background;
use tray::{TrayParts, TrayStatus, WindowControl};

use crate::alert::Stretches;
use crate::clock;
use crate::config::ConfigWatcher;
use crate::config::{AlertStyle, Config};
use crate::journal::Journal;
use crate::posture::State;
use crate::report::{self, Period, Report};
use crate::watch::control::{Incoming, Request, Setup};
use crate::watch::sinks::snapshot::{Publisher, SharedSnapshot, Snapshot};
use crate::watch::{self, WatchOptions, Wiring};
pub use settings::{sensitivity_of, thresholds_for};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Live,
    History,
    Settings,
    Guidance,
}

/// Today's report and the week's (day, [good, drifting, forward] seconds).
type History = (Report, Vec<(String, [f64; 3])>);
/// Today's minutes as (minute of the day, colour of the main state).
type TodayMinutes = Vec<(u32, Color32)>;

/// The window's own state; everything else comes from the snapshot.
pub struct HeadsupApp {
    /// What the user chose to see.
    pub view: View,
    /// The settings form, saved to the file on request.
    pub form: SettingsForm,
    cache: Cache,
    link: Link,
}

/// What the user chose to see, for as long as the window is open.
pub struct View {
    pub tab: Tab,
    pub mirror: bool,
    pub hide_image: bool,
    pub blur_image: bool,
    /// Which profile the wizard saves to.
    pub setup: Setup,
}

/// The settings tab's values, and what saving them said.
pub struct SettingsForm {
    pub sensitivity: f32,
    pub alert_style: AlertStyle,
    /// Camera chosen in the settings (None: leave as configured).
    pub camera: Option<u32>,
    pub message: Option<String>,
}

/// What is drawn from slower sources, kept between frames.
struct Cache {
    texture: Option<egui::TextureHandle>,
    texture_seq: u64,
    /// Today's report, the week, and today's minutes as (minute of the
    /// day, colour of the main state), read off the UI thread.
    history: Background<Result<(History, TodayMinutes), String>>,
    cameras: Background<Vec<(u32, String)>>,
    stretches: Stretches,
}

/// The window's links to the watcher and to its files.
struct Link {
    snapshot: SharedSnapshot,
    requests: Sender<Incoming>,
    config_path: PathBuf,
    journal_path: PathBuf,
    /// Hand edits of the settings file show up here too.
    config_watch: ConfigWatcher,
    config_polled: Instant,
    /// Set by SIGINT/SIGTERM: the window closes itself.
    stop: Option<Arc<AtomicBool>>,
    /// While the tray icon is up, closing the window hides it instead.
    tray: Option<(TrayStatus, WindowControl)>,
}

impl HeadsupApp {
    pub fn new(
        snapshot: SharedSnapshot,
        requests: Sender<Incoming>,
        config_path: &Path,
        journal_path: &Path,
        config: &Config,
    ) -> Self {
        Self {
            view: View {
                tab: Tab::Live,
                mirror: true,
                hide_image: false,
                blur_image: false,
                setup: Setup::Default,
            },
            form: SettingsForm {
                sensitivity: sensitivity_of(config.posture.forward_below),
                alert_style: config.alerts.style,
                camera: None,
                message: None,
            },
            cache: Cache {
                texture: None,
                texture_seq: u64::MAX,
                history: Background::default(),
                cameras: Background::default(),
                stretches: Stretches::builtin(),
            },
            link: Link {
                snapshot,
                requests,
                config_path: config_path.to_path_buf(),
                journal_path: journal_path.to_path_buf(),
                config_watch: ConfigWatcher::new(config_path),
                config_polled: Instant::now(),
                stop: None,
                tray: None,
            },
        }
    }

    /// Closes the window once `stop` is set (a signal, a session logout).
    pub fn close_on(mut self, stop: Arc<AtomicBool>) -> Self {
        self.link.stop = Some(stop);
        self
    }

    /// Hides the window on close while `tray` is up; the tray shows it again.
    pub fn hide_to(mut self, tray: TrayStatus, window: WindowControl) -> Self {
        self.link.tray = Some((tray, window));
        self
    }

    /// Picks up edits of the settings file made outside the window.
    fn refresh_settings(&mut self) {
        if self.link.config_polled.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.link.config_polled = Instant::now();
        match self.link.config_watch.poll() {
            Some(Ok(cfg)) => {
                self.form.sensitivity = sensitivity_of(cfg.posture.forward_below);
                self.form.alert_style = cfg.alerts.style;
            }
            Some(Err(e)) => self.form.message = Some(format!("The settings file has an error: {e}")),
            None => {}
        }
    }

    /// Sends a request to the watcher without waiting for its answer.
    pub fn send(&self, req: Request) {
        let (tx, _rx) = mpsc::channel();
        let _ = self.link.requests.send((req, tx));
    }

    /// Draws the whole window into `ui`.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let snap = self.link.snapshot.lock().map(|s| s.clone()).unwrap_or_default();
        egui::Panel::top("status").show(ui, |ui| self.status_bar(ui, &snap));
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                for (tab, name) in [
                    (Tab::Live, "Live"),
                    (Tab::History, "History"),
                    (Tab::Settings, "Settings"),
                    (Tab::Guidance, "Guidance"),
                ] {
                    ui.selectable_value(&mut self.view.tab, tab, name);
                }
            });
            ui.separator();
            match self.view.tab {
                Tab::Live => self.live(ui, &snap),
                Tab::History => self.history(ui),
                Tab::Settings => self.settings(ui),
                Tab::Guidance => self.guidance(ui),
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.horizontal_wrapped(|ui| {
            let (state, color) = match snap.assessment.map(|a| a.state) {
                Some(State::Good) => ("Good", Color32::from_rgb(76, 175, 80)),
                Some(State::Drifting) => ("Drifting", Color32::from_rgb(255, 179, 0)),
                Some(State::ForwardHead) => ("Head forward", Color32::from_rgb(229, 57, 53)),
                Some(State::CannotAssess) | None => ("Not judged", Color32::GRAY),
            };
            ui.colored_label(color, egui::RichText::new(state).strong().size(18.0));
            if let Some(score) = snap.assessment.and_then(|a| a.score) {
                ui.label(format!("score {score:.0}"));
            }
            match snap.mode {
                "snoozed" => {
                    let left = snap.snooze_left_s.unwrap_or(0.0) / 60.0;
                    ui.label(format!("Snoozed ({left:.0} min left)"));
                }
                "paused" => {
                    ui.label("Paused");
                }
                _ => {}
            }
            if snap.camera_busy {
                ui.colored_label(Color32::from_rgb(229, 57, 53), "Camera in use by another program");
            }
            ui.separator();
            if snap.mode == "watching" || snap.mode.is_empty() {
                if ui.button("Pause").clicked() {
                    self.send(Request::Pause);
                }
            } else if ui.button("Resume").clicked() {
                self.send(Request::Resume);
            }
            for min in [15, 30, 60] {
                if ui.button(format!("Snooze {min} min")).clicked() {
                    self.send(Request::Snooze { seconds: f64::from(min) * 60.0 });
                }
            }
        });
        if let Some(a) = snap.assessment {
            ui.add(egui::Label::new(a.reason().to_string()).wrap());
        }
        if let Some(msg) = &snap.finished {
            ui.colored_label(Color32::from_rgb(229, 57, 53), format!("Not watching: {msg}"));
        }
    }

    fn live(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.view.mirror, "Mirror");
            ui.checkbox(&mut self.view.blur_image, "Blur");
            ui.checkbox(&mut self.view.hide_image, "Hide image (privacy)");
            // The runtime without its library path, so the row stays short.
            let runtime = snap.runtime.split(" (").next().unwrap_or("");
            ui.label(format!("{:.1} fps · CPU {:.1}% · {runtime}", snap.stats.fps, snap.stats.cpu_percent))
                .on_hover_text(format!("{}\n{}", snap.source, snap.runtime));
        });
        let score = snap.assessment.and_then(|a| a.score).unwrap_or(0.0);
        ui.add(egui::ProgressBar::new(score / 100.0).text(format!("alignment {score:.0} / 100")));
        if snap.preview_width > 0 {
            if self.cache.texture_seq != snap.seq {
                let img = if self.view.blur_image {
                    blurred(snap.preview_width as usize, snap.preview_height as usize, &snap.preview)
                } else {
                    egui::ColorImage::from_rgb(
                        [snap.preview_width as usize, snap.preview_height as usize],
                        &snap.preview,
                    )
                };
                match &mut self.cache.texture {
                    Some(t) => t.set(img, egui::TextureOptions::LINEAR),
                    None => {
                        self.cache.texture =
                            Some(ui.ctx().load_texture("preview", img, egui::TextureOptions::LINEAR))
                    }
                }
                self.cache.texture_seq = snap.seq;
            }
            let size = Vec2::new(snap.preview_width as f32, snap.preview_height as f32);
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            let painter = ui.painter_at(rect);
            if self.view.hide_image {
                painter.rect_filled(rect, 4.0, Color32::from_gray(40));
            } else if let Some(t) = &self.cache.texture {
                let uv = if self.view.mirror {
                    egui::Rect::from_min_max(Pos2::new(1.0, 0.0), Pos2::new(0.0, 1.0))
                } else {
                    egui::Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0))
                };
                painter.image(t.id(), rect, uv, Color32::WHITE);
            }
            if let Some(lm) = snap.landmarks {
                let at = |i: usize| {
                    let x = if self.view.mirror { size.x - lm[i][0] } else { lm[i][0] };
                    rect.min + Vec2::new(x, lm[i][1])
                };
                let line = Stroke::new(3.0, Color32::from_rgb(255, 220, 0));
                // Ear-to-shoulder lines and the shoulder line.
                painter.line_segment([at(7), at(11)], line);
                painter.line_segment([at(8), at(12)], line);
                painter.line_segment([at(11), at(12)], Stroke::new(2.0, Color32::WHITE));
                for i in [0, 2, 5, 7, 8, 11, 12] {
                    painter.circle_filled(at(i), 4.0, Color32::from_rgb(0, 200, 255));
                }
                // The baseline as a ghost: where the ears sat when calibrated.
                if let Some(b) = &snap.baseline
                    && b.signals.ear_shoulder_gap.is_finite()
                {
                    let (l, r) = (at(11), at(12));
                    let width = (l - r).length();
                    let up = Vec2::new(0.0, -b.signals.ear_shoulder_gap * width);
                    painter.line_segment(
                        [l + up, r + up],
                        Stroke::new(2.0, Color32::from_rgba_unmultiplied(255, 255, 255, 120)),
                    );
                }
            }
        } else {
            ui.label("Waiting for the first frame…");
        }
        ui.separator();
        self.calibration(ui, snap);
    }

    fn calibration(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.heading("Calibration");
        ui.add(
            egui::Label::new(
                "Sit as you do when your posture is good: back against the chair, screen at eye level, \
                 shoulders relaxed, facing the camera. Keep still for 5 seconds.",
            )
            .wrap(),
        );
        match &snap.calibration {
            Some(p) if !p.done => {
                ui.label(format!(
                    "Calibrating… {:.0} s left, {} of {} frames usable",
                    p.remaining_s.ceil(),
                    p.good_frames,
                    p.frames
                ));
                ui.label(format!("Last frame: {}", p.message));
            }
            other => {
                if let Some(p) = other {
                    ui.label(if p.ok {
                        format!("Done: {}", p.message)
                    } else {
                        format!("Not calibrated: {}", p.message)
                    });
                }
                if snap.baseline.is_none() {
                    ui.colored_label(
                        Color32::from_rgb(255, 179, 0),
                        "Not calibrated yet: judgements are provisional.",
                    );
                }
                ui.horizontal(|ui| {
                    ui.label("Judge against");
                    for (setup, name) in
                        [(Setup::Default, "this profile"), (Setup::Desk, "desk"), (Setup::Laptop, "laptop")]
                    {
                        if ui.button(format!("use {name}")).clicked() {
                            self.send(Request::UseProfile { setup });
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("Save as");
                    for (setup, name) in
                        [(Setup::Default, "this profile"), (Setup::Desk, "desk"), (Setup::Laptop, "laptop")]
                    {
                        ui.selectable_value(&mut self.view.setup, setup, name);
                    }
                });
                if ui.button("Calibrate (5 s)").clicked() {
                    self.send(Request::Calibrate { seconds: 5.0, setup: self.view.setup });
                }
            }
        }
    }

    fn history(&mut self, ui: &mut egui::Ui) {
        let path = self.link.journal_path.clone();
        let loaded = self.cache.history.get(Duration::from_secs(30), ui.ctx(), move || {
            Ok((load_history(&path)?, load_today_minutes(&path).unwrap_or_default()))
        });
        let ((today, week), minutes) = match loaded {
            None => {
                ui.label("Reading the journal…");
                return;
            }
            Some(Err(e)) => {
                ui.label(e.as_str());
                return;
            }
            Some(Ok(d)) => d,
        };
        ui.heading("Today");
        let mut text = Vec::new();
        let _ = report::write_text(&mut text, &Period::day(clock::today()), today);
        ui.monospace(String::from_utf8_lossy(&text));
        if !minutes.is_empty() {
            ui.label(egui::RichText::new("Today, hour by hour").strong());
            let (rect, _) = ui.allocate_exact_size(Vec2::new(480.0, 28.0), egui::Sense::hover());
            let painter = ui.painter_at(rect);
            painter.rect_filled(rect, 2.0, Color32::from_gray(60));
            for &(minute_of_day, color) in minutes {
                let x = rect.left() + minute_of_day as f32 / 1440.0 * rect.width();
                painter.rect_filled(
                    egui::Rect::from_min_max(Pos2::new(x, rect.top()), Pos2::new(x + 1.0, rect.bottom())),
                    0.0,
                    color,
                );
            }
            ui.label("00:00 ………………………………………………………… 12:00 ………………………………………………………… 24:00");
        }
        if !today.episodes.is_empty() {
            ui.label(egui::RichText::new("Forward-head episodes today").strong());
            for e in &today.episodes {
                ui.label(format!(
                    "{} · {:.0} min · worst score {:.0} · mostly {}",
                    &e.start.get(11..16).unwrap_or(""),
                    e.duration_s / 60.0,
                    e.min_score,
                    e.main_signal
                ));
            }
        }
        ui.heading("This week");
        let (rect, _) = ui.allocate_exact_size(Vec2::new(420.0, 160.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let max = week.iter().map(|(_, t)| t.iter().sum::<f64>()).fold(60.0, f64::max);
        let slot = rect.width() / 7.0;
        for (i, (day, t)) in week.iter().enumerate() {
            let x = rect.left() + i as f32 * slot + slot * 0.2;
            let mut y = rect.bottom() - 16.0;
            for (v, c) in t.iter().zip([
                Color32::from_rgb(76, 175, 80),
                Color32::from_rgb(255, 179, 0),
                Color32::from_rgb(229, 57, 53),
            ]) {
                let h = (*v / max) as f32 * (rect.height() - 32.0);
                painter.rect_filled(
                    egui::Rect::from_min_max(Pos2::new(x, y - h), Pos2::new(x + slot * 0.6, y)),
                    2.0,
                    c,
                );
                y -= h;
            }
            painter.text(
                Pos2::new(x, rect.bottom() - 14.0),
                egui::Align2::LEFT_TOP,
                day,
                egui::FontId::proportional(11.0),
                ui.visuals().text_color(),
            );
        }
    }

    fn settings(&mut self, ui: &mut egui::Ui) {
        self.refresh_settings();
        ui.label(format!("Settings file: {}", self.link.config_path.display()));
        ui.add(egui::Slider::new(&mut self.form.sensitivity, 0.0..=100.0).text("Sensitivity"));
        let (fwd, good) = thresholds_for(self.form.sensitivity);
        ui.label(format!(
            "Forward head below score {fwd:.0}, good from {good:.0} (higher sensitivity warns earlier)."
        ));
        let cameras = self.cache.cameras.get(Duration::from_secs(60), ui.ctx(), || {
            crate::capture::camera::list().into_iter().map(|c| (c.index, c.name)).collect()
        });
        match cameras {
            None => {
                ui.label("Looking for cameras…");
            }
            Some(c) if c.is_empty() => {
                ui.label("No camera found.");
            }
            Some(cameras) => {
                let current =
                    self.form.camera.map(|i| format!("camera {i}")).unwrap_or_else(|| "as configured".into());
                egui::ComboBox::from_label("Camera").selected_text(current).show_ui(ui, |ui| {
                    for (i, name) in cameras {
                        ui.selectable_value(&mut self.form.camera, Some(*i), format!("{i}: {name}"));
                    }
                });
            }
        }
        egui::ComboBox::from_label("Alert style")
            .selected_text(format!("{:?}", self.form.alert_style))
            .show_ui(ui, |ui| {
                for s in [AlertStyle::Notify, AlertStyle::Terminal, AlertStyle::Both, AlertStyle::None] {
                    ui.selectable_value(&mut self.form.alert_style, s, format!("{s:?}"));
                }
            });
        if ui.button("Save settings").clicked() {
            self.form.message = Some(
                match settings::save(
                    &self.link.config_path,
                    self.form.sensitivity,
                    self.form.alert_style,
                    self.form.camera,
                ) {
                    Ok(()) => "Saved; the watcher picks it up within 2 seconds.".into(),
                    Err(e) => format!("Not saved: {e}"),
                },
            );
        }
        if let Some(m) = &self.form.message {
            ui.label(m);
        }
    }

    fn guidance(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Forward head posture");
            ui.label(
                "When the head drifts forward of the shoulders, the neck muscles carry far more of its weight. \
                 Hours of it tighten the upper trapezius and can make the neck and shoulders ache.",
            );
            ui.heading("Your screen");
            ui.label(
                "Put the top of the screen at eye level and about an arm's length away: a screen that is too low \
                 pulls the head down and forward. Take a short break every 30 minutes.",
            );
            ui.heading("Stretches");
            for s in self.cache.stretches.all() {
                ui.label(egui::RichText::new(&s.name).strong());
                ui.label(&s.text);
            }
            ui.heading("Not a medical device");
            ui.label(
                "headsup cannot diagnose anything. See a doctor if you have numbness, tingling or weakness in your \
                 arms or hands, pain after an injury, or neck pain that does not ease.",
            );
        });
    }
}

impl eframe::App for HeadsupApp {
    /// Runs even while the window is hidden: a signal or the tray's quit
    /// closes it; a close while the tray is up only hides it.
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.link.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        let Some((tray, window)) = &self.link.tray else { return };
        if tray.up() && ctx.input(|i| i.viewport().close_requested()) {
            window.shown.store(false, Ordering::Relaxed);
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        // Hidden stays hidden: eframe shows a window after its first paint.
        if !window.is_shown() && ctx.input(|i| i.viewport().visible()) != Some(false) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(false));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        HeadsupApp::ui(self, ui);
        // Repaints come from the watcher (a new frame, a mode change) and
        // from input; only the tabs that poll files ask for more. Each one
        // is traced, so a test (and `RUST_LOG=headsup::ui::paint=trace`)
        // can count them on the real event loop.
        tracing::trace!(target: "headsup::ui::paint", "painted");
        match self.view.tab {
            Tab::Settings => ui.ctx().request_repaint_after(Duration::from_secs(1)),
            Tab::History => ui.ctx().request_repaint_after(Duration::from_secs(30)),
            Tab::Live | Tab::Guidance => {}
        }
    }
}

/// Today's report and the week's (good, drifting, forward) seconds per day.
fn load_history(path: &Path) -> Result<History, String> {
    let j = Journal::open_read_only(path).map_err(|e| e.to_string())?;
    let today = clock::today();
    let report = report::build(&j, &Period::day(today)).map_err(|e| e.to_string())?;
    let mut week = Vec::new();
    for i in -6..=0 {
        let d = clock::add_days(today, i);
        let r = report::build(&j, &Period::day(d)).map_err(|e| e.to_string())?;
        week.push((format!("{:02}", d.day()), [r.good_s, r.drifting_s, r.forward_head_s]));
    }
    Ok((report, week))
}

/// A privacy blur: the preview averaged over 16-pixel blocks; the linear
/// texture filter smooths the blocks when it is drawn at full size.
fn blurred(w: usize, h: usize, rgb: &[u8]) -> egui::ColorImage {
    const B: usize = 16;
    let (bw, bh) = (w.div_ceil(B), h.div_ceil(B));
    let mut out = Vec::with_capacity(bw * bh * 3);
    for by in 0..bh {
        for bx in 0..bw {
            let (mut sum, mut n) = ([0u32; 3], 0u32);
            for y in by * B..((by + 1) * B).min(h) {
                for x in bx * B..((bx + 1) * B).min(w) {
                    let i = (y * w + x) * 3;
                    for c in 0..3 {
                        sum[c] += u32::from(rgb[i + c]);
                    }
                    n += 1;
                }
            }
            out.extend(sum.map(|v| (v / n.max(1)) as u8));
        }
    }
    egui::ColorImage::from_rgb([bw, bh], &out)
}

/// Today's recorded minutes, coloured by the state that filled most of each.
fn load_today_minutes(path: &Path) -> Result<Vec<(u32, Color32)>, String> {
    let j = Journal::open_read_only(path).map_err(|e| e.to_string())?;
    let (start, end) = clock::day_span(clock::today()).map_err(|e| e.to_string())?;
    let rows = j.minutes((start / 60.0) as i64, (end / 60.0).ceil() as i64).map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            let parts = [
                (r.good_s, Color32::from_rgb(76, 175, 80)),
                (r.drifting_s, Color32::from_rgb(255, 179, 0)),
                (r.forward_head_s, Color32::from_rgb(229, 57, 53)),
                (r.cannot_assess_s, Color32::GRAY),
            ];
            let color = parts.into_iter().max_by(|a, b| a.0.total_cmp(&b.0)).map_or(Color32::GRAY, |p| p.1);
            (((r.minute as f64 * 60.0 - start) / 60.0).clamp(0.0, 1439.0) as u32, color)
        })
        .collect())
}

/// Opens the window over a watcher running on its own thread; closing the
/// window stops the watcher and waits for it to flush. A signal (`stop`)
/// closes the window; should the window not get to close it (minimised,
/// no redraws), the program exits once the watcher has flushed.
pub fn run(
    opts: WatchOptions,
    mut wiring: Wiring,
    config_path: &Path,
    journal_path: &Path,
    in_tray: bool,
) -> anyhow::Result<()> {
    let snapshot = SharedSnapshot::default();
    let (tx, rx) = mpsc::channel();
    wiring.requests = Some(rx);
    let stop: Arc<AtomicBool> = wiring.stop.clone();
    let window = WindowControl::default();
    let (tray_link, tray_status) = tray::spawn(TrayParts {
        snapshot: snapshot.clone(),
        requests: tx.clone(),
        window: Some(window.clone()),
        stop: stop.clone(),
        journal: journal_path.to_path_buf(),
    });
    // Started for the tray with no tray to start in: open the window.
    let visible = !in_tray || !tray_status.up();
    window.shown.store(visible, Ordering::Relaxed);
    // The watcher wakes the window (only while it is on screen) and the tray.
    let waker = window.clone();
    let wake = move || {
        if let (true, Some(ctx)) = (waker.is_shown(), waker.ctx.get()) {
            ctx.request_repaint();
        }
        tray_link.poke();
    };
    wiring.sinks.push(Box::new(Publisher::new(snapshot.clone()).waking(wake)));
    let context = window.ctx.clone();
    let config = opts.setting.config.clone();
    let shown = snapshot.clone();
    let done = Arc::new(AtomicBool::new(false));
    let watcher_done = done.clone();
    let watcher = std::thread::Builder::new().name("watcher".into()).spawn(move || {
        let result = watch::run(opts, wiring);
        watcher_done.store(true, Ordering::Relaxed);
        // The window stays open and says why watching stopped (no camera, …).
        if let Err(e) = &result
            && let Ok(mut s) = shown.lock()
        {
            s.finished = Some(e.to_string());
        }
        result
    })?;
    let closed = Arc::new(AtomicBool::new(false));
    exit_if_not_closed(stop.clone(), closed.clone(), done.clone(), context.clone());
    let app = HeadsupApp::new(snapshot, tx, config_path, journal_path, &config)
        .close_on(stop.clone())
        .hide_to(tray_status, window);
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("headsup")
            .with_app_id("headsup")
            .with_inner_size([760.0, 720.0])
            .with_visible(visible),
        ..Default::default()
    };
    let result = eframe::run_native(
        "headsup",
        native,
        Box::new(move |cc| {
            let _ = context.set(cc.egui_ctx.clone());
            Ok(Box::new(app))
        }),
    );
    closed.store(true, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    // The watcher notices within a read slice; one stuck in a driver call
    // is left behind rather than holding the closed window's process.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !done.load(Ordering::Relaxed) {
        tracing::warn!("the watcher did not stop within 3 s of closing the window; leaving it");
        return result.map_err(|e| anyhow::anyhow!("cannot open the window: {e}"));
    }
    let watched = watcher.join().map_err(|_| anyhow::anyhow!("the watcher thread panicked"))?;
    result.map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    // The window already showed a watcher error; closing it is a normal end.
    if let Err(e) = watched {
        tracing::info!("watcher ended: {e}");
    }
    Ok(())
}

/// After a signal, gives the window a second to close itself; if it has
/// not, waits for the watcher thread (it flushes the journal and lets go
/// of the camera) and ends the process.
fn exit_if_not_closed(
    stop: Arc<AtomicBool>,
    closed: Arc<AtomicBool>,
    watcher_done: Arc<AtomicBool>,
    context: Arc<OnceLock<egui::Context>>,
) {
    let spawned = std::thread::Builder::new().name("closer".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // An idle window paints nothing: wake it to see the stop.
        if let Some(ctx) = context.get() {
            ctx.request_repaint();
        }
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if closed.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::info!("the window did not close by itself; ending once the watcher has stopped");
        let deadline = Instant::now() + Duration::from_secs(2);
        while !watcher_done.load(Ordering::Relaxed) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::process::exit(0);
    });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the closer thread: {e}");
    }
}
