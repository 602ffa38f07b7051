//! The desktop window (eframe/egui). It only reads the watcher's
//! [`Snapshot`] and sends it requests: the camera, the model and the
//! database all stay on the watcher's threads, so the window never blocks.
//!
//! A first run leads through the privacy promise, the camera, calibration
//! and the alert style ([`first_run`]); after that the tabs: the live view
//! ([`live`]: gauge, preview, calibration wizard), the history ([`history`]:
//! egui_plot charts from the journal), the settings ([`settings`]: written
//! into the user's own TOML file, comments kept; the watcher reloads it)
//! and guidance. The tray icon ([`tray`]) reads the same snapshot.

mod background;
pub mod first_run;
mod guidance;
pub mod history;
mod live;
mod settings;
pub mod tray;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32};

use background::Background;
use first_run::FirstRun;
use history::HistoryData;
use tray::{TrayParts, TrayStatus, WindowControl};

use crate::alert::Stretches;
use crate::config::ConfigWatcher;
use crate::config::{AlertStyle, Config};
use crate::posture::State;
use crate::report::chart;
use crate::watch::control::{self, Incoming, Request, Setup};
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

/// The state colours, the report chart's (None: not judged).
pub fn color_of(state: Option<State>) -> Color32 {
    let [r, g, b] = chart::state_rgb(state.unwrap_or(State::CannotAssess)).0;
    Color32::from_rgb(r, g, b)
}

/// The window's own state; everything else comes from the snapshot.
pub struct HeadsupApp {
    /// What the user chose to see.
    pub view: View,
    /// The settings form, saved to the file on request.
    pub form: SettingsForm,
    /// The first-run flow, while it is not finished.
    pub first_run: Option<FirstRun>,
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
    /// Screens the wizard calibrates in turn (1 or 2).
    pub screens: u8,
    /// Days the history shows: 7 or 30.
    pub history_days: usize,
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
    /// The preview's pixels, rewritten in place for each new snapshot.
    image: std::sync::Arc<egui::ColorImage>,
    texture_seq: u64,
    /// Today and the last 30 days, read off the UI thread.
    history: Background<Result<HistoryData, history::HistoryError>>,
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
                screens: 1,
                history_days: 7,
            },
            form: SettingsForm {
                sensitivity: sensitivity_of(config.posture.forward_below),
                alert_style: config.alerts.style,
                camera: None,
                message: None,
            },
            first_run: None,
            cache: Cache {
                texture: None,
                image: Default::default(),
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

    pub fn send(&self, req: Request) {
        control::post(&self.link.requests, req);
    }

    /// Draws the whole window into `ui`.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let snap = self.link.snapshot.lock().map(|s| s.clone()).unwrap_or_default();
        egui::Panel::top("status").show(ui, |ui| self.status_bar(ui, &snap));
        egui::CentralPanel::default().show(ui, |ui| {
            if self.first_run.is_some() {
                self.first_run(ui, &snap);
                return;
            }
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
            let state = snap.assessment.map(|a| a.state);
            let name = match state {
                Some(State::Good) => "Good",
                Some(State::Drifting) => "Drifting",
                Some(State::ForwardHead) => "Head forward",
                Some(State::CannotAssess) | None => "Not judged",
            };
            ui.colored_label(color_of(state), egui::RichText::new(name).strong().size(18.0));
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
                ui.colored_label(color_of(Some(State::ForwardHead)), "Camera in use by another program");
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
            ui.colored_label(color_of(Some(State::ForwardHead)), format!("Not watching: {msg}"));
        }
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
    // Started for the tray with no tray to start in: open the window. A
    // tray still registering (a slow bus at login) keeps it closed.
    let visible = !in_tray || tray_status.failed();
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
    let calibrated = opts.setting.baseline.is_some();
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
    let mut app = HeadsupApp::new(snapshot, tx, config_path, journal_path, &config)
        .close_on(stop.clone())
        .hide_to(tray_status, window.clone());
    // Someone already calibrated has been through the essentials.
    if !calibrated {
        app.first_run = FirstRun::unless_done(crate::config::paths::data_dir().join("first-run-done"));
    }
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("headsup")
            .with_app_id("headsup")
            .with_inner_size([760.0, 720.0]),
        ..Default::default()
    };
    let result = if wait_until_shown(&window, &stop) {
        eframe::run_native(
            "headsup",
            native,
            Box::new(move |cc| {
                let _ = context.set(cc.egui_ctx.clone());
                Ok(Box::new(app))
            }),
        )
    } else {
        Ok(())
    };
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

/// In the tray no window exists until it is first opened: eframe maps even
/// a window built hidden for its first paint, a flash at login. False when
/// the program ends first (a signal, the tray's quit).
fn wait_until_shown(window: &WindowControl, stop: &AtomicBool) -> bool {
    while !window.is_shown() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
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
