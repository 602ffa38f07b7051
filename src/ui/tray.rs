//! The tray icon: a StatusNotifierItem (ksni, over the session D-Bus) that
//! shows the watcher's state as a coloured icon, the score and the reason
//! as its tooltip, and a menu (snooze, pause or resume, calibrate, open the
//! window, today's summary, quit).
//!
//! It reads the watcher's [`Snapshot`] on a thread of its own, woken by the
//! watcher through a [`TrayLink`], and tells D-Bus only what changed, so
//! neither the watcher nor the window ever waits on the bus.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use eframe::egui;
use ksni::blocking::TrayMethods;
use ksni::menu::{MenuItem, StandardItem};

use super::history::HistoryError;
use crate::clock;
use crate::journal::{Journal, JournalError};
use crate::posture::State;
use crate::report::{self, Period};
use crate::watch::control::{self, Correct, Incoming, Request, Setup};
use crate::watch::sinks::snapshot::{SharedSnapshot, Snapshot};

/// How often today's summary line is read again from the journal.
const SUMMARY_EVERY: Duration = Duration::from_secs(60);
/// At most one D-Bus update this often: a score that changes every frame
/// does not become a signal every frame.
const UPDATE_EVERY: Duration = Duration::from_secs(1);

/// What the watcher holds to wake the tray: never blocks.
#[derive(Clone)]
pub struct TrayLink {
    wake: SyncSender<()>,
}

impl TrayLink {
    /// Something the tray shows may have changed.
    pub fn poke(&self) {
        let _ = self.wake.try_send(());
    }
}

/// The window, as the tray sees it: it can be shown. The window hides
/// itself on close while the tray is up (see [`TrayStatus::up`]).
#[derive(Clone, Default)]
pub struct WindowControl {
    /// The window's context, once eframe has made it.
    pub ctx: Arc<OnceLock<egui::Context>>,
    /// Whether the window is on screen; the watcher wakes it only then.
    pub shown: Arc<AtomicBool>,
}

impl WindowControl {
    pub fn show(&self) {
        self.shown.store(true, Ordering::Relaxed);
        if let Some(ctx) = self.ctx.get() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            ctx.request_repaint();
        }
    }

    pub fn is_shown(&self) -> bool {
        self.shown.load(Ordering::Relaxed)
    }
}

/// Whether the tray icon is registered with the desktop's tray, or could
/// not be (neither while registration is still under way).
#[derive(Clone, Default)]
pub struct TrayStatus {
    up: Arc<AtomicBool>,
    failed: Arc<AtomicBool>,
}

impl TrayStatus {
    pub fn up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Registration failed: there is no tray to live in.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

/// The icon's look: one per state a glance should tell apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Look {
    Good,
    Drifting,
    ForwardHead,
    Away,
    /// Paused or snoozed.
    Resting,
    CannotAssess,
    #[default]
    NeedsCalibration,
}

impl Look {
    pub fn of(s: &Snapshot) -> Look {
        if s.mode == "paused" || s.mode == "snoozed" {
            return Look::Resting;
        }
        let Some(a) = s.assessment else {
            return if s.baseline.is_none() { Look::NeedsCalibration } else { Look::CannotAssess };
        };
        match a.state {
            _ if !a.present => Look::Away,
            _ if s.baseline.is_none() => Look::NeedsCalibration,
            State::Good => Look::Good,
            State::Drifting => Look::Drifting,
            State::ForwardHead => Look::ForwardHead,
            State::CannotAssess => Look::CannotAssess,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Look::Good => "Good posture",
            Look::Drifting => "Drifting forward",
            Look::ForwardHead => "Head forward",
            Look::Away => "Away from the desk",
            Look::Resting => "Not watching",
            Look::CannotAssess => "Cannot judge right now",
            Look::NeedsCalibration => "Calibration needed",
        }
    }

    /// The icon, drawn at `side` pixels: a disc in the state's colour; a
    /// ring when there is nobody to judge; bars when paused or snoozed.
    fn pixmap(self, side: i32) -> ksni::Icon {
        let (rgb, ring, bars) = match self {
            Look::Good => ([76, 175, 80], false, false),
            Look::Drifting => ([255, 179, 0], false, false),
            Look::ForwardHead => ([229, 57, 53], false, false),
            Look::Away => ([158, 158, 158], true, false),
            Look::Resting => ([96, 125, 139], false, true),
            Look::CannotAssess => ([158, 158, 158], false, false),
            Look::NeedsCalibration => ([255, 179, 0], true, false),
        };
        let c = side as f32 / 2.0;
        let mut data = Vec::with_capacity((side * side * 4) as usize);
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = (x as f32 + 0.5 - c, y as f32 + 0.5 - c);
                let r = (dx * dx + dy * dy).sqrt() / c;
                let inside = r <= 0.92 && (!ring || r >= 0.62);
                let bar = bars && dy.abs() < c * 0.42 && (dx.abs() - c * 0.22).abs() < c * 0.1;
                let px = match (inside, bar) {
                    (true, true) => [255, 255, 255, 255],
                    (true, false) => [255, rgb[0], rgb[1], rgb[2]],
                    _ => [0, 0, 0, 0],
                };
                data.extend(px);
            }
        }
        ksni::Icon { width: side, height: side, data }
    }
}

/// What the tray shows; compared before each D-Bus update.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shown {
    look: Look,
    mode: &'static str,
    score: Option<i32>,
    reason: String,
    /// Today's summary line from the journal.
    summary: String,
}

impl Shown {
    fn of(s: &Snapshot, summary: &str) -> Shown {
        Shown {
            look: Look::of(s),
            mode: s.mode,
            score: s.assessment.and_then(|a| a.score).map(|v| v.round() as i32),
            reason: match (&s.finished, s.assessment) {
                (Some(why), _) => format!("Not watching: {why}"),
                (None, Some(a)) => a.reason().to_string(),
                (None, None) => "Waiting for the first frame".into(),
            },
            summary: summary.to_string(),
        }
    }
}

/// The ksni tray: what is shown and what its menu does.
struct HeadsupTray {
    shown: Shown,
    requests: Sender<Incoming>,
    window: Option<WindowControl>,
    stop: Arc<AtomicBool>,
}

impl HeadsupTray {
    fn send(&self, req: Request) {
        control::post(&self.requests, req);
    }
}

/// A menu entry that runs `f` when clicked.
fn item(label: &str, f: impl Fn(&mut HeadsupTray) + Send + 'static) -> MenuItem<HeadsupTray> {
    StandardItem { label: label.into(), activate: Box::new(f), ..Default::default() }.into()
}

impl ksni::Tray for HeadsupTray {
    fn id(&self) -> String {
        "headsup".into()
    }

    fn title(&self) -> String {
        "headsup".into()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn status(&self) -> ksni::Status {
        match self.shown.look {
            Look::ForwardHead => ksni::Status::NeedsAttention,
            _ => ksni::Status::Active,
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        [22, 44].map(|side| self.shown.look.pixmap(side)).into()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        let s = &self.shown;
        let title = match s.score {
            Some(score) => format!("headsup: {} (score {score})", s.look.title()),
            None => format!("headsup: {}", s.look.title()),
        };
        ksni::ToolTip { title, description: s.reason.clone(), ..Default::default() }
    }

    /// A click on the icon opens the window.
    fn activate(&mut self, _x: i32, _y: i32) {
        if let Some(w) = &self.window {
            w.show();
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let mut menu = vec![
            item("Snooze 15 min", |t| t.send(Request::Snooze { seconds: 15.0 * 60.0 })),
            item("Snooze 30 min", |t| t.send(Request::Snooze { seconds: 30.0 * 60.0 })),
            item("Snooze 60 min", |t| t.send(Request::Snooze { seconds: 60.0 * 60.0 })),
            if self.shown.mode == "watching" || self.shown.mode.is_empty() {
                item("Pause", |t| t.send(Request::Pause))
            } else {
                item("Resume", |t| t.send(Request::Resume))
            },
            item("That alert was wrong", |t| t.send(Request::Correct { what: Correct::Wrong })),
            item("I was slouching: you missed it", |t| t.send(Request::Correct { what: Correct::Missed })),
            item("Calibrate (sit well for 5 s)", |t| {
                t.send(Request::Calibrate { setup: Setup::Default, seconds: 5.0, screens: 1 });
                // The window shows the progress.
                if let Some(w) = &t.window {
                    w.show();
                }
            }),
        ];
        if self.window.is_some() {
            menu.push(item("Open window", |t| {
                if let Some(w) = &t.window {
                    w.show();
                }
            }));
        }
        menu.push(MenuItem::Separator);
        menu.push(
            StandardItem { label: self.shown.summary.clone(), enabled: false, ..Default::default() }.into(),
        );
        menu.push(MenuItem::Separator);
        menu.push(item("Quit headsup", |t| t.stop.store(true, Ordering::Relaxed)));
        menu
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::warn!("the desktop's tray went away ({reason:?}); the icon comes back with it");
        true
    }
}

/// Today's line for the menu, from the journal ("Today: 87 % good · …").
fn summary(journal: &Path) -> String {
    let built = Journal::open_read_only(journal)
        .map_err(HistoryError::from)
        .and_then(|j| Ok(report::build(&j, &Period::day(clock::today()))?));
    match built {
        Ok(r) => match r.good_percent {
            Some(good) => format!(
                "Today: {good:.0} % good · {:.0} min head forward · {} episodes",
                r.forward_head_s / 60.0,
                r.episodes.len()
            ),
            None => "Today: nothing judged yet".into(),
        },
        Err(HistoryError::Journal(JournalError::Missing { .. })) => "Today: nothing recorded yet".into(),
        Err(e) => format!("Today: cannot read the journal ({e})"),
    }
}

/// Where the tray reads from and what its menu acts on.
pub struct TrayParts {
    pub snapshot: SharedSnapshot,
    pub requests: Sender<Incoming>,
    /// None without a window (headless): no "Open window" entry.
    pub window: Option<WindowControl>,
    /// Set by "Quit headsup"; the tray thread ends when it is set.
    pub stop: Arc<AtomicBool>,
    pub journal: PathBuf,
}

/// Puts the icon in the tray, on a thread of its own. Returns the link the
/// watcher wakes it with and whether it came up, once registration has
/// been answered. Without a session bus or a tray on the desktop it says
/// so once, and everything else goes on without it.
pub fn spawn(parts: TrayParts) -> (TrayLink, TrayStatus) {
    let (wake, woken) = mpsc::sync_channel(1);
    let status = TrayStatus::default();
    let (ready_tx, ready) = mpsc::channel();
    let up = status.clone();
    let spawned =
        std::thread::Builder::new().name("tray".into()).spawn(move || serve(parts, &woken, &up, ready_tx));
    match spawned {
        // Registration is a few D-Bus round trips; a bus that does not
        // answer within 5 s leaves the tray to come up (or fail, and open
        // the window) on its own.
        Ok(_) => {
            let _ = ready.recv_timeout(Duration::from_secs(5));
        }
        Err(e) => tracing::warn!("cannot start the tray thread: {e}"),
    }
    (TrayLink { wake }, status)
}

/// The tray thread: registers, then follows the snapshot until `stop`.
fn serve(parts: TrayParts, woken: &Receiver<()>, up: &TrayStatus, ready: Sender<()>) {
    let mut summary_at = Instant::now();
    let mut line = summary(&parts.journal);
    let first = parts.snapshot.lock().map(|s| Shown::of(&s, &line)).unwrap_or_default();
    let tray = HeadsupTray {
        shown: first.clone(),
        requests: parts.requests.clone(),
        window: parts.window.clone(),
        stop: parts.stop.clone(),
    };
    let handle = match tray.spawn() {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!("no tray icon: {}; the notifications and the window still work", why(&e));
            up.failed.store(true, Ordering::Relaxed);
            let _ = ready.send(());
            // Started for the tray on a bus slow to say there is none: the
            // window it would have opened at once opens now.
            if let Some(w) = parts.window.as_ref().filter(|w| !w.is_shown()) {
                w.show();
            }
            return;
        }
    };
    up.up.store(true, Ordering::Relaxed);
    let _ = ready.send(());
    tracing::info!("tray icon registered");
    let mut last = first;
    while !parts.stop.load(Ordering::Relaxed) {
        match woken.recv_timeout(SUMMARY_EVERY) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if summary_at.elapsed() >= SUMMARY_EVERY {
            (line, summary_at) = (summary(&parts.journal), Instant::now());
        }
        let now = parts.snapshot.lock().map(|s| Shown::of(&s, &line)).unwrap_or_default();
        if now != last {
            last = now.clone();
            handle.update(|t| t.shown = now);
            std::thread::sleep(UPDATE_EVERY);
        }
    }
    up.up.store(false, Ordering::Relaxed);
    handle.shutdown().wait();
}

/// What a failed registration means for the user.
fn why(e: &ksni::Error) -> String {
    match e {
        ksni::Error::Dbus(e) => format!("no session D-Bus ({e})"),
        ksni::Error::Watcher(_) => "this desktop has no tray (no StatusNotifierWatcher on the session bus; \
             on GNOME, the AppIndicator extension adds one)"
            .into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_look_has_its_own_icon() {
        let looks = [
            Look::Good,
            Look::Drifting,
            Look::ForwardHead,
            Look::Away,
            Look::Resting,
            Look::CannotAssess,
            Look::NeedsCalibration,
        ];
        let icons: Vec<Vec<u8>> = looks.iter().map(|l| l.pixmap(22).data).collect();
        for (i, a) in icons.iter().enumerate() {
            assert_eq!(a.len(), 22 * 22 * 4);
            for b in &icons[i + 1..] {
                assert_ne!(a, b, "two looks share an icon");
            }
        }
        // The corners are transparent, the centre of a disc is not.
        let good = Look::Good.pixmap(22).data;
        assert_eq!(good[0], 0);
        assert_eq!(&good[(11 * 22 + 11) * 4..][..4], &[255, 76, 175, 80]);
    }

    #[test]
    fn the_look_follows_mode_presence_and_calibration() {
        let mut s = Snapshot::default();
        assert_eq!(Look::of(&s), Look::NeedsCalibration);
        s.mode = "snoozed";
        assert_eq!(Look::of(&s), Look::Resting);
        s.mode = "watching";
        s.baseline = Some(crate::posture::Baseline::from_signals(
            crate::posture::Signals::NAN,
            crate::posture::View::Front,
            640,
            480,
        ));
        assert_eq!(Look::of(&s), Look::CannotAssess);
    }

    #[test]
    fn the_summary_says_when_nothing_is_recorded() {
        let dir = std::env::temp_dir().join(format!("headsup-tray-{}", std::process::id()));
        assert_eq!(summary(&dir.join("none.sqlite3")), "Today: nothing recorded yet");
    }
}
