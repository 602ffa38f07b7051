//! The watcher: what runs all day. Frames from the camera (or a replay)
//! go through pose and posture; state changes, alerts, breaks, presence and
//! camera trouble become events (`events`), alerts go to the user
//! (`crate::alert`), and `control` lets `headsup snooze/pause/resume/status`
//! steer it.
//!
//! Threads: the camera is read on its own thread into a one-frame slot
//! (only the newest frame is kept; overwritten ones are counted as dropped),
//! inference runs here, alert delivery and the control socket have their
//! own threads, so none blocks another. A replay without `--realtime` is
//! read on this thread instead, every frame, on its simulated clock.
//!
//! The frame rate adapts: `fps_good` while posture is good, `fps_drifting`
//! otherwise, a frame every few seconds while the person is away, and the
//! camera is released (light off) while paused or snoozed.

pub mod control;
pub mod events;
pub mod power;
mod record;
pub mod snapshot;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::alert::{Alerter, Feedback};
use crate::capture::{
    CameraRequest, CaptureError, Frame, FrameMeta, FrameSource, Read, camera::Webcam, replay,
};
use crate::config::{Config, ConfigWatcher};
use crate::pose::{PoseError, PoseEstimator, PoseOptions};
use crate::posture::{Assessment, Baseline, Calibrator, Events, PostureEngine, State};
use control::{Incoming, Request};
use events::EventLog;

/// Seconds between frames while the person is away.
const AWAY_POLL_S: f64 = 3.0;

/// Where frames come from.
#[derive(Clone, Debug)]
pub enum SourceSpec {
    Camera(CameraRequest),
    Replay { path: PathBuf, fps: f64 },
}

/// A control request scheduled on the replay clock (`--at T=REQUEST`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheduled {
    pub t: f64,
    pub request: Request,
}

pub struct WatchOptions {
    pub source: SourceSpec,
    /// Pace a replay like a camera (and drop frames inference cannot keep up with).
    pub realtime: bool,
    pub pose: PoseOptions,
    pub config_path: PathBuf,
    pub config: Config,
    pub baseline: Option<Baseline>,
    pub profile: Option<String>,
    /// The `--events` log.
    pub events: Option<Box<dyn Write + Send>>,
    /// Where the live status line goes (a terminal), if anywhere.
    pub status: Option<Box<dyn Write + Send>>,
    /// Where terminal alerts go.
    pub alert_terminal: Box<dyn Write + Send>,
    pub schedule: Vec<Scheduled>,
    /// The control socket; `None` runs without one.
    pub socket: Option<PathBuf>,
    /// Set by Ctrl-C / SIGTERM: finish cleanly.
    pub stop: Arc<AtomicBool>,
    /// The journal file; `None` journals nothing (`--no-journal`).
    pub journal: Option<PathBuf>,
    /// Published for a window after each judged frame.
    pub snapshot: Option<snapshot::SharedSnapshot>,
    /// Requests from the same process (the window), besides the socket.
    pub requests: Option<Receiver<Incoming>>,
    /// Where a calibration taken while watching is saved.
    pub profiles_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Pose(#[from] PoseError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Control(#[from] control::ControlError),
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

/// Counts for the closing line and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub frames_read: u64,
    pub frames_processed: u64,
    pub frames_dropped: u64,
    pub bad_frames: u64,
    pub alerts: u64,
    pub events: usize,
    /// Seconds covered, on the source's clock.
    pub duration_s: f64,
}

/// Watching, paused by the user, snoozed until a time on the source clock,
/// or paused by the desktop (screen locked, on battery).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Watching,
    Paused,
    Snoozed { until: f64 },
    AutoPaused { reason: &'static str },
}

/// What the capture side hands over.
enum Item {
    Frame(FrameMeta),
    /// Nothing new yet (live sources).
    Idle,
    End,
    BadFrame(String),
    /// The camera is gone, busy or stalled (the message says which).
    Lost(String),
    /// It is back, under this name.
    Found(String),
}

/// Frames from a replay, read on the calling thread, every frame.
struct Direct {
    source: Box<dyn FrameSource>,
}

/// The capture thread's side of the one-frame slot.
struct Slot {
    buf: Vec<u8>,
    meta: Option<FrameMeta>,
    fresh: bool,
    ended: bool,
    status: Vec<Item>,
    dropped: u64,
    read: u64,
}

struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
    /// 0 run, 1 release the device, 2 stop.
    mode: AtomicU8,
    /// Minimum milliseconds between camera reads (adaptive rate).
    interval_ms: AtomicU64,
}

/// Frames from the capture thread.
struct Threaded {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Threaded {
    fn spawn(spec: SourceSpec, realtime_replay: bool) -> Result<(Self, String), CaptureError> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot {
                buf: Vec::new(),
                meta: None,
                fresh: false,
                ended: false,
                status: Vec::new(),
                dropped: 0,
                read: 0,
            }),
            ready: Condvar::new(),
            mode: AtomicU8::new(0),
            interval_ms: AtomicU64::new(0),
        });
        let (name_tx, name_rx) = std::sync::mpsc::channel();
        let sh = shared.clone();
        let spec_for_error = spec.clone();
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || capture_loop(spec, realtime_replay, sh, name_tx))
            .map_err(|e| CaptureError::Camera { name: "capture thread".into(), message: e.to_string() })?;
        // Opening never blocks for long (reads wait in short slices); the
        // bound only guards against a driver that hangs in open().
        let name = match name_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(r) => r?,
            Err(_) => {
                shared.mode.store(2, Ordering::Relaxed);
                return Err(CaptureError::Camera {
                    name: spec_name(&spec_for_error),
                    message: "the camera did not answer within 10 s".into(),
                });
            }
        };
        Ok((Self { shared, thread: Some(thread) }, name))
    }

    fn set_mode(&self, mode: u8) {
        self.shared.mode.store(mode, Ordering::Relaxed);
    }

    /// Waits briefly for a new frame and swaps it into `buf`.
    fn next(&mut self, buf: &mut Vec<u8>) -> Item {
        let Ok(mut slot) = self.shared.slot.lock() else { return Item::End };
        if !slot.fresh && slot.status.is_empty() && !slot.ended {
            slot = match self.shared.ready.wait_timeout(slot, Duration::from_millis(200)) {
                Ok((s, _)) => s,
                Err(_) => return Item::End,
            };
        }
        if !slot.status.is_empty() {
            return slot.status.remove(0);
        }
        if slot.fresh {
            slot.fresh = false;
            std::mem::swap(buf, &mut slot.buf);
            return slot.meta.map_or(Item::Idle, Item::Frame);
        }
        if slot.ended { Item::End } else { Item::Idle }
    }

    fn counts(&self) -> (u64, u64) {
        self.shared.slot.lock().map(|s| (s.read, s.dropped)).unwrap_or((0, 0))
    }
}

impl Drop for Threaded {
    /// Stops the capture thread. It notices within a read slice; should a
    /// driver hang in a call, the thread is left behind rather than the
    /// watcher hanging on it (the process exit takes it down).
    fn drop(&mut self) {
        self.set_mode(2);
        if let Some(t) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            } else {
                tracing::warn!("the capture thread did not stop within 2 s; leaving it");
            }
        }
    }
}

fn spec_name(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Camera(r) => format!("camera {}", r.index),
        SourceSpec::Replay { path, .. } => format!("replay {}", path.display()),
    }
}

fn open_source(spec: &SourceSpec) -> Result<Box<dyn FrameSource>, CaptureError> {
    match spec {
        SourceSpec::Camera(request) => Ok(Box::new(Webcam::new(*request))),
        SourceSpec::Replay { path, fps } => replay::open(path, *fps),
    }
}

/// Reads frames into the slot until told to stop. Device trouble (gone,
/// busy, stalled) is reported once and retried with backoff; the camera is
/// released while the watcher is paused or snoozed. Reads wait at most a
/// short slice, so a stop or a pause is seen promptly even mid-stall.
// TODO(issue 11): split
#[allow(clippy::too_many_lines)]
fn capture_loop(
    spec: SourceSpec,
    realtime_replay: bool,
    sh: Arc<Shared>,
    name_tx: std::sync::mpsc::Sender<Result<String, CaptureError>>,
) {
    let mut source = match open_source(&spec) {
        Ok(s) => s,
        Err(e) => {
            let _ = name_tx.send(Err(e));
            return;
        }
    };
    // A camera that is missing or forbidden at start is an error for the
    // user to fix; one that is busy (a call) is waited for.
    let mut buf = Vec::new();
    let first = match source.read(&mut buf) {
        Err(e) if !e.is_bad_frame() && !matches!(e, CaptureError::Busy { .. }) => {
            let _ = name_tx.send(Err(e));
            return;
        }
        other => other,
    };
    let _ = name_tx.send(Ok(source.name().to_string()));
    let push = |item: Item| {
        if let Ok(mut s) = sh.slot.lock() {
            s.status.push(item);
            sh.ready.notify_one();
        }
    };
    let start = Instant::now();
    let mut backoff = 1.0f64;
    let mut first = Some(first);
    let mut lost = false;
    let mut last_read: Option<Instant> = None;
    loop {
        match sh.mode.load(Ordering::Relaxed) {
            2 => break,
            1 => {
                source.release();
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            _ => {}
        }
        // Adaptive rate: wait until the next frame is due.
        let interval = Duration::from_millis(sh.interval_ms.load(Ordering::Relaxed));
        if let Some(last) = last_read
            && last.elapsed() < interval
            && source.is_live()
        {
            std::thread::sleep((interval - last.elapsed()).min(Duration::from_millis(100)));
            continue;
        }
        let read = match first.take() {
            Some(r) => r,
            None => source.read(&mut buf),
        };
        match read {
            Ok(Read::Frame(meta)) => {
                if lost {
                    lost = false;
                    backoff = 1.0;
                    push(Item::Found(source.name().to_string()));
                }
                if realtime_replay && let Some(t) = meta.t {
                    // Pace the replay like a camera.
                    let due = Duration::from_secs_f64(t);
                    if let Some(wait) = due.checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
                last_read = Some(Instant::now());
                if let Ok(mut s) = sh.slot.lock() {
                    if s.fresh {
                        s.dropped += 1;
                    }
                    s.read += 1;
                    std::mem::swap(&mut s.buf, &mut buf);
                    s.meta = Some(meta);
                    s.fresh = true;
                    sh.ready.notify_one();
                }
            }
            Ok(Read::Pending) => {}
            Ok(Read::End) => {
                if let Ok(mut s) = sh.slot.lock() {
                    s.ended = true;
                    sh.ready.notify_one();
                }
                break;
            }
            Err(e) if e.is_bad_frame() => {
                // An unreadable frame takes its turn at the adaptive rate too.
                last_read = Some(Instant::now());
                push(Item::BadFrame(e.to_string()));
            }
            Err(e) if e.is_transient() => {
                if !lost {
                    lost = true;
                    push(Item::Lost(e.to_string()));
                }
                source.release();
                // A missing device is looked for every second (a failed
                // open costs nothing, and a replug is picked up at once);
                // a busy or stalled one is retried after 1, 2, 4 … 30 s.
                let wait = match e {
                    CaptureError::NoCamera { .. } | CaptureError::Disconnected { .. } => 1.0,
                    _ => {
                        let wait = backoff;
                        backoff = (backoff * 2.0).min(30.0);
                        wait
                    }
                };
                let until = Instant::now() + Duration::from_secs_f64(wait);
                while Instant::now() < until && sh.mode.load(Ordering::Relaxed) != 2 {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            Err(e) => {
                push(Item::Lost(e.to_string()));
                if let Ok(mut s) = sh.slot.lock() {
                    s.ended = true;
                    sh.ready.notify_one();
                }
                break;
            }
        }
    }
    source.release();
}

/// Process CPU time, for the status line (Linux: /proc/self/stat).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (hz > 0.0).then(|| ticks / hz)
}

/// Runs the watcher until the replay ends or `stop` is set.
// TODO(issue 11): split
#[allow(clippy::too_many_lines)]
pub fn run(mut opts: WatchOptions) -> Result<Summary, WatchError> {
    let (requests, _socket_guard): (Option<Receiver<Incoming>>, _) = match &opts.socket {
        Some(path) => {
            let (rx, guard) = control::serve(path)?;
            (Some(rx), Some(guard))
        }
        None => (None, None),
    };
    // A few frames a second: idle inference threads should sleep, not spin.
    let mut estimator = PoseEstimator::new(&PoseOptions { busy_wait: false, ..opts.pose.clone() })?;
    // The live settings: the engine gets only its posture params from them.
    let mut config = opts.config.clone();
    let mut engine = PostureEngine::new(config.posture_params(), opts.baseline.clone());
    let mut terminal = opts.alert_terminal;
    let (mut alerter, feedback);
    let mut config_watch = ConfigWatcher::new(&opts.config_path);
    let started = SystemTime::now();
    let mut events = EventLog::new(opts.events.take(), started);
    let (journal_warn_tx, journal_warn) = std::sync::mpsc::channel();
    let mut recorder =
        match opts.journal.as_ref().map(|p| crate::journal::JournalWriter::spawn(p, journal_warn_tx)) {
            Some(Err(e)) => {
                // No journal (read-only or full disk, a foreign file): say so, keep watching.
                eprintln!("headsup: {e}; journal paused, watching goes on");
                None
            }
            Some(Ok(writer)) => {
                let t0 =
                    started.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
                let mut r = record::Recorder::new(writer, t0, opts.config.timing.break_reset_min);
                if let Some(b) = &opts.baseline {
                    r.calibration(0.0, opts.profile.as_deref().unwrap_or("(in memory)"), b.view.name());
                }
                Some(r)
            }
            None => None,
        };
    let live = matches!(opts.source, SourceSpec::Camera { .. }) || opts.realtime;
    let (mut direct, mut threaded, mut source_name) = if live {
        let (t, name) = Threaded::spawn(opts.source.clone(), opts.realtime)?;
        (None, Some(t), name)
    } else {
        let source = open_source(&opts.source)?;
        let name = source.name().to_string();
        (Some(Direct { source }), None, name)
    };
    let _ = writeln!(
        terminal,
        "headsup: watching {source_name} with BlazePose {} on {}",
        estimator.model().name(),
        estimator.runtime()
    );
    (alerter, feedback) = Alerter::spawn(opts.config.alerts.clone(), terminal);

    let wall_start = Instant::now();
    let mut buf = Vec::new();
    let mut summary = Summary::default();
    let mut mode = Mode::Watching;
    let mut schedule = opts.schedule.clone();
    schedule.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut t = 0.0f64;
    let mut last_processed: Option<f64> = None;
    let mut last: Option<Assessment> = None;
    let mut away = false;
    let mut last_config_poll = Instant::now();
    let mut last_power_check = Instant::now();
    let mut cpu_mark = (Instant::now(), cpu_seconds().unwrap_or(0.0));
    let mut cpu_percent = 0.0f64;
    let mut fps_mark = (Instant::now(), 0u64);
    let mut fps = 0.0f64;
    let mut calibrating: Option<(Calibrator, f64, control::Setup)> = None;
    let mut camera_out = false;
    let mut bad_frames = BadFrameLog::default();

    loop {
        if opts.stop.load(Ordering::Relaxed) {
            break;
        }
        // Requests: from the socket, from a notification's action, and scheduled ones.
        let mut pending: Vec<(Request, Option<std::sync::mpsc::Sender<String>>)> = Vec::new();
        for rx in [requests.as_ref(), opts.requests.as_ref()].into_iter().flatten() {
            while let Ok((req, reply)) = rx.try_recv() {
                pending.push((req, Some(reply)));
            }
        }
        while let Ok(fb) = feedback.try_recv() {
            match fb {
                Feedback::SnoozeRequested { minutes } => {
                    pending.push((Request::Snooze { seconds: f64::from(minutes) * 60.0 }, None))
                }
                Feedback::NoNotificationService(e) => tracing::info!("no notification service: {e}"),
            }
        }
        while schedule.first().is_some_and(|s| s.t <= t) {
            let s = schedule.remove(0);
            pending.push((s.request, None));
        }
        for (req, reply) in pending {
            if let Request::Calibrate { seconds, setup } = req {
                calibrating = Some((Calibrator::new(), t + seconds, setup));
            }
            if let Request::UseProfile { setup } = req {
                let name = setup.profile_name().unwrap_or(crate::profiles::DEFAULT_PROFILE);
                match crate::profiles::Profiles::new(opts.profiles_dir.clone()).load(name) {
                    Ok(p) => {
                        engine.set_baseline(Some(p.baseline));
                        engine.interrupt();
                    }
                    Err(e) => tracing::warn!("{e}"),
                }
            }
            let was = mode;
            let answer =
                apply_request(req, &mut mode, t, &mut events, last.as_ref(), &summary, fps, &source_name);
            if was != Mode::Watching && mode == Mode::Watching {
                engine.interrupt();
            }
            if let Some(reply) = reply {
                let _ = reply.send(answer);
            }
        }
        if let Some(snap) = &opts.snapshot
            && let Ok(mut s) = snap.lock()
        {
            (s.mode, s.snooze_left_s) = mode_name(mode, t);
        }
        if let Mode::Snoozed { until } = mode
            && t >= until
        {
            mode = Mode::Watching;
            engine.interrupt();
            if let Some(r) = recorder.as_mut() {
                r.pause_ended(t);
            }
            events.emit(t, "resume", json!({ "reason": "snooze ended" }));
        }
        if let Some(th) = &threaded {
            th.set_mode(if mode == Mode::Watching { 0 } else { 1 });
            let rate = match (away, last.map(|a| a.state)) {
                (true, _) => 1.0 / AWAY_POLL_S,
                (false, Some(State::Good)) => f64::from(config.camera.fps_good),
                _ => f64::from(config.camera.fps_drifting),
            };
            th.shared.interval_ms.store((1000.0 / rate) as u64, Ordering::Relaxed);
        }

        // The desktop's own reasons to pause (live camera only).
        if matches!(opts.source, SourceSpec::Camera { .. })
            && last_power_check.elapsed() >= Duration::from_secs(5)
        {
            last_power_check = Instant::now();
            let cam = &config.camera;
            let reason = if cam.pause_on_lock && power::screen_locked() {
                Some("screen locked")
            } else if cam.pause_on_battery && power::on_battery() {
                Some("on battery")
            } else {
                None
            };
            match (mode, reason) {
                (Mode::Watching, Some(reason)) => {
                    mode = Mode::AutoPaused { reason };
                    events.emit(t, "pause", json!({ "reason": reason }));
                    if let Some(r) = recorder.as_mut() {
                        r.pause_started(t, "auto");
                    }
                }
                (Mode::AutoPaused { reason }, None) => {
                    mode = Mode::Watching;
                    engine.interrupt();
                    if let Some(r) = recorder.as_mut() {
                        r.pause_ended(t);
                    }
                    events.emit(t, "resume", json!({ "reason": format!("no longer {reason}") }));
                }
                _ => {}
            }
        }

        // Settings edited on disk take effect within a second.
        if last_config_poll.elapsed() >= Duration::from_secs(1) {
            last_config_poll = Instant::now();
            match config_watch.poll() {
                Some(Ok(cfg)) => {
                    alerter.update_settings(cfg.alerts.clone());
                    // A different camera or resolution: reopen the capture live.
                    if let SourceSpec::Camera(request) = &mut opts.source {
                        let c = &cfg.camera;
                        if (request.index, request.width, request.height) != (c.index, c.width, c.height) {
                            *request = camera_request(c);
                            threaded = None;
                            match Threaded::spawn(opts.source.clone(), false) {
                                Ok((th, name)) => {
                                    threaded = Some(th);
                                    events.emit(t, "camera_found", json!({ "source": name }));
                                }
                                Err(e) => events.emit(t, "camera_lost", json!({ "error": e.to_string() })),
                            }
                        }
                    }
                    if let Some(r) = recorder.as_mut() {
                        r.set_break_reset(cfg.timing.break_reset_min);
                        r.config_change(t, true, config_watch.path().display().to_string());
                    }
                    engine.set_params(cfg.posture_params());
                    config = cfg;
                    events.emit(t, "config_reloaded", json!({ "ok": true, "path": config_watch.path() }));
                    tracing::info!("settings reloaded from {}", config_watch.path().display());
                }
                Some(Err(e)) => {
                    if let Some(r) = recorder.as_mut() {
                        r.config_change(t, false, e.to_string());
                    }
                    events.emit(t, "config_reloaded", json!({ "ok": false, "error": e.to_string() }));
                    tracing::warn!("settings not reloaded, keeping the previous ones: {e}");
                }
                None => {}
            }
        }

        // Next frame.
        let item = match (&mut direct, &mut threaded) {
            (Some(d), _) => match d.source.read(&mut buf) {
                Ok(Read::Frame(meta)) => Item::Frame(meta),
                Ok(Read::Pending) => Item::Idle,
                Ok(Read::End) => Item::End,
                Err(e) if e.is_bad_frame() => Item::BadFrame(e.to_string()),
                Err(e) => Item::Lost(e.to_string()),
            },
            (None, Some(th)) => {
                if mode != Mode::Watching {
                    std::thread::sleep(Duration::from_millis(100));
                    t = wall_start.elapsed().as_secs_f64();
                    continue;
                }
                th.next(&mut buf)
            }
            // The camera could not be reopened after a switch: retry now and then.
            (None, None) if matches!(opts.source, SourceSpec::Camera { .. }) => {
                std::thread::sleep(Duration::from_secs(2));
                t = wall_start.elapsed().as_secs_f64();
                if let Ok((th, name)) = Threaded::spawn(opts.source.clone(), false) {
                    threaded = Some(th);
                    events.emit(t, "camera_found", json!({ "source": name }));
                }
                continue;
            }
            (None, None) => Item::End,
        };
        // A live source's clock is the wall clock, whatever the item.
        if threaded.is_some() && !opts.realtime {
            t = wall_start.elapsed().as_secs_f64();
        }
        let meta = match item {
            Item::Frame(meta) => meta,
            Item::Idle => continue,
            Item::End => break,
            Item::BadFrame(e) => {
                summary.bad_frames += 1;
                bad_frames.note(&e);
                continue;
            }
            Item::Lost(e) => {
                if let Some(snap) = &opts.snapshot
                    && let Ok(mut s) = snap.lock()
                {
                    s.camera_busy = e.contains("busy");
                }
                events.emit(t, "camera_lost", json!({ "error": e }));
                tracing::warn!("{e}");
                if let SourceSpec::Replay { path, .. } = &opts.source {
                    // A replay that vanished does not come back.
                    return Err(CaptureError::Vanished { path: path.display().to_string() }.into());
                }
                // An outage counts as a pause: nothing was seen, so nothing
                // goes on counting through it.
                if !camera_out {
                    camera_out = true;
                    if let Some(r) = recorder.as_mut() {
                        r.pause_started(t, "camera_lost");
                    }
                }
                continue;
            }
            Item::Found(name) => {
                if let Some(snap) = &opts.snapshot
                    && let Ok(mut s) = snap.lock()
                {
                    s.camera_busy = false;
                }
                if camera_out {
                    camera_out = false;
                    engine.interrupt();
                    if let Some(r) = recorder.as_mut() {
                        r.pause_ended(t);
                    }
                }
                events.emit(t, "camera_found", json!({ "source": name }));
                source_name = name;
                continue;
            }
        };
        summary.frames_read += 1;
        t = meta.t.unwrap_or_else(|| wall_start.elapsed().as_secs_f64());
        summary.duration_s = t;
        if mode != Mode::Watching {
            continue;
        }
        // Adaptive rate on the source clock (replays: skip frames not due).
        let interval = match (away, last.map(|a| a.state)) {
            (true, _) => AWAY_POLL_S,
            (false, Some(State::Good)) => 1.0 / f64::from(config.camera.fps_good),
            _ => 1.0 / f64::from(config.camera.fps_drifting),
        };
        if direct.is_some() && last_processed.is_some_and(|lp| t - lp < interval - 1e-6) {
            continue;
        }
        let Some(frame) = Frame::new(meta.width, meta.height, &buf) else {
            summary.bad_frames += 1;
            continue;
        };
        let result = estimator.track(&frame, t)?;
        let luma = frame.mean_luma();
        if let Some((cal, until, setup)) = calibrating.as_mut() {
            let j = crate::posture::judge(result, luma, None, engine.params());
            cal.add(&j, meta.width, meta.height);
            let mut progress = snapshot::CalibrationProgress {
                remaining_s: (*until - t).max(0.0),
                good_frames: cal.good_frames(),
                frames: cal.frames(),
                message: j
                    .unassessable
                    .map(|u| u.reason().to_string())
                    .unwrap_or_else(|| "good frame".into()),
                done: false,
                ok: false,
            };
            if t >= *until {
                progress.done = true;
                match cal.finish() {
                    Ok(baseline) => {
                        let name = setup
                            .profile_name()
                            .map(String::from)
                            .or_else(|| opts.profile.clone())
                            .unwrap_or_else(|| crate::profiles::DEFAULT_PROFILE.into());
                        let profile = crate::profiles::Profile {
                            name: name.clone(),
                            created: crate::clock::now_rfc3339(),
                            camera: source_name.clone(),
                            frames: cal.good_frames(),
                            baseline: baseline.clone(),
                        };
                        progress.message =
                            match crate::profiles::Profiles::new(opts.profiles_dir.clone()).save(&profile) {
                                Ok(path) => {
                                    format!("calibrated; saved as profile {name:?} ({})", path.display())
                                }
                                Err(e) => format!("calibrated for this session, but not saved: {e}"),
                            };
                        progress.ok = true;
                        if let Some(r) = recorder.as_mut() {
                            r.calibration(t, &name, baseline.view.name());
                        }
                        engine.set_baseline(Some(baseline));
                    }
                    Err(e) => progress.message = e.to_string(),
                }
                calibrating = None;
            }
            if let Some(snap) = &opts.snapshot
                && let Ok(mut s) = snap.lock()
            {
                s.calibration = Some(progress);
            }
        }
        let a = engine.update(t, result, luma);
        last_processed = Some(t);
        summary.frames_processed += 1;
        report(&a, &mut events, &mut alerter, &mut summary, &mut away);
        if let Some(r) = recorder.as_mut() {
            r.frame(&a, interval);
            if let Some(kind) = a.alert {
                r.alert(t, kind.name(), a.reason().to_string(), a.score);
            }
        }
        while let Ok(w) = journal_warn.try_recv() {
            tracing::warn!("{w}");
            if let Some(out) = opts.status.as_mut() {
                let _ = writeln!(out);
            }
            eprintln!("headsup: {w}");
        }
        last = Some(a);
        if let Some(snap) = &opts.snapshot
            && let Ok(mut s) = snap.lock()
        {
            snapshot::set_preview(&mut s, meta.width, meta.height, &buf);
            let k = s.preview_width as f32 / meta.width as f32;
            s.landmarks = result_landmarks(estimator.last_pose(), k);
            s.assessment = Some(a);
            s.baseline = engine.baseline().cloned();
            s.seq += 1;
            (s.mode, s.snooze_left_s) = mode_name(mode, t);
            s.fps = fps;
            s.cpu_percent = cpu_percent;
            s.frames = summary.frames_processed;
            s.dropped = summary.frames_dropped;
            s.source = source_name.clone();
            s.runtime = estimator.runtime().to_string();
        }

        if fps_mark.0.elapsed() >= Duration::from_secs(2) {
            let secs = fps_mark.0.elapsed().as_secs_f64();
            fps = (summary.frames_processed - fps_mark.1) as f64 / secs;
            fps_mark = (Instant::now(), summary.frames_processed);
            let cpu = cpu_seconds().unwrap_or(0.0);
            cpu_percent = 100.0 * (cpu - cpu_mark.1) / cpu_mark.0.elapsed().as_secs_f64();
            cpu_mark = (Instant::now(), cpu);
        }
        if let Some(out) = opts.status.as_mut() {
            let score = a.score.map(|s| format!("{s:>3.0}")).unwrap_or_else(|| "  -".into());
            let _ = write!(
                out,
                "\r\x1b[2K{:<13} score {score} | {fps:4.1} fps | CPU {cpu_percent:4.1}% | {} frames, {} dropped | {}",
                a.state.name(),
                summary.frames_processed,
                summary.frames_dropped,
                a.reason()
            );
            let _ = out.flush();
        }
        if let Some(th) = &threaded {
            let (read, dropped) = th.counts();
            summary.frames_dropped = dropped;
            summary.frames_read = read;
        }
    }
    if let Some(out) = opts.status.as_mut() {
        let _ = writeln!(out);
    }
    if let Some(snap) = &opts.snapshot
        && let Ok(mut s) = snap.lock()
    {
        s.finished = Some("the source has ended".into());
    }
    if let Some(mut r) = recorder.take() {
        r.finish(t);
        // Dropping the recorder flushes and closes the journal.
    }
    summary.events = events.count();
    Ok(summary)
}

/// What the watcher asks of the camera, from the `[camera]` settings.
pub fn camera_request(c: &crate::config::CameraConfig) -> CameraRequest {
    CameraRequest { index: c.index, width: c.width, height: c.height, min_fps: f64::from(c.fps_drifting) }
}

/// Unreadable frames said on stderr without flooding it: the first one,
/// then at most one line a minute with how many there were.
#[derive(Default)]
struct BadFrameLog {
    last_said: Option<Instant>,
    unsaid: u64,
}

impl BadFrameLog {
    fn note(&mut self, e: &str) {
        match self.last_said {
            Some(at) if at.elapsed() < Duration::from_secs(60) => self.unsaid += 1,
            _ => {
                let more = std::mem::take(&mut self.unsaid);
                if more > 0 {
                    tracing::warn!(
                        "skipped a frame: {e} ({more} more unreadable frames since the last report)"
                    );
                } else {
                    tracing::warn!("skipped a frame: {e}");
                }
                self.last_said = Some(Instant::now());
            }
        }
    }
}

/// The mode in words, with the snooze time left.
fn mode_name(mode: Mode, t: f64) -> (&'static str, Option<f64>) {
    match mode {
        Mode::Watching => ("watching", None),
        Mode::Paused | Mode::AutoPaused { .. } => ("paused", None),
        Mode::Snoozed { until } => ("snoozed", Some(until - t)),
    }
}

/// Landmarks scaled by `k` into preview pixels, with visibility.
fn result_landmarks(pose: Option<&crate::pose::Pose>, k: f32) -> Option<[[f32; 3]; 33]> {
    pose.map(|p| p.landmarks.map(|l| [l.x * k, l.y * k, l.visibility]))
}

/// Applies a control request; returns the JSON answer.
#[allow(clippy::too_many_arguments)]
fn apply_request(
    req: Request,
    mode: &mut Mode,
    t: f64,
    events: &mut EventLog,
    last: Option<&Assessment>,
    summary: &Summary,
    fps: f64,
    source: &str,
) -> String {
    match req {
        Request::Snooze { seconds } => {
            *mode = Mode::Snoozed { until: t + seconds };
            events.emit(t, "snooze", json!({ "minutes": seconds / 60.0, "until_t": t + seconds }));
        }
        Request::Pause => {
            *mode = Mode::Paused;
            events.emit(t, "pause", json!({}));
        }
        Request::Resume => {
            if *mode != Mode::Watching {
                *mode = Mode::Watching;
                events.emit(t, "resume", json!({ "reason": "requested" }));
            }
        }
        Request::Status | Request::Calibrate { .. } | Request::UseProfile { .. } => {}
    }
    let (mode_name, left) = mode_name(*mode, t);
    json!({
        "ok": true,
        "mode": mode_name,
        "snooze_left_s": left,
        "state": last.map(|a| a.state.name()),
        "score": last.and_then(|a| a.score),
        "reason": last.map(|a| a.reason().to_string()),
        "t": t,
        "fps": fps,
        "frames": summary.frames_processed,
        "dropped": summary.frames_dropped,
        "source": source,
    })
    .to_string()
}

fn round1(v: f32) -> f64 {
    (f64::from(v) * 10.0).round() / 10.0
}

/// Turns an assessment's events into log lines and alerts.
fn report(
    a: &Assessment,
    events: &mut EventLog,
    alerter: &mut Alerter,
    summary: &mut Summary,
    away: &mut bool,
) {
    let t = a.t;
    if a.events.contains(Events::STATE) {
        events.emit(t, "state", json!({ "state": a.state.name(), "score": a.score.map(round1), "reason": a.reason().to_string() }));
    }
    if a.events.contains(Events::AWAY) {
        *away = true;
        events.emit(t, "away", json!({}));
    }
    if a.events.contains(Events::BACK) {
        *away = false;
        events.emit(t, "back", json!({}));
    }
    if a.events.contains(Events::RECALIBRATE) {
        events.emit(
            t,
            "recalibrate",
            json!({ "reason": crate::posture::Unassessable::SetupChanged.reason() }),
        );
    }
    if let Some(kind) = a.alert {
        summary.alerts += 1;
        let reason = a.reason().to_string();
        let signals: serde_json::Map<String, serde_json::Value> = a
            .judgement
            .signals
            .named()
            .iter()
            .map(|(k, v)| {
                let v = if v.is_finite() {
                    json!((f64::from(*v) * 1e4).round() / 1e4)
                } else {
                    serde_json::Value::Null
                };
                (k.to_string(), v)
            })
            .collect();
        events.emit(
            t,
            "alert",
            json!({ "kind": kind.name(), "reason": reason, "score": a.score.map(round1), "signals": signals }),
        );
        let notice = alerter.notice(kind.name(), a.state.name(), reason, a.score);
        alerter.send(notice);
    }
    if a.events.contains(Events::BREAK) {
        events.emit(t, "break", json!({ "reason": "sitting for a while: time for a short break" }));
        let notice =
            alerter.notice("break", a.state.name(), "You have been sitting for a while".into(), a.score);
        alerter.send(notice);
    }
}
