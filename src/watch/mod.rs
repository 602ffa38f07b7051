//! The watcher: what runs all day. A frame goes
//!
//! capture ([`feed`]: camera thread or replay) → [`Watcher::frame`]
//! (pose, then posture) → [`sinks`]: the `--events` log, alerts, the
//! journal, the window's snapshot, the terminal's status line.
//!
//! Requests (control socket, window, notification actions, `--at`), the
//! desktop's pauses and live settings come in through [`inputs`]; every
//! change of [`Mode`] is an [`Event`] each sink sees. Threads: the camera is
//! read on its own thread, inference runs on the watcher's, alert delivery,
//! the journal and the control socket have their own, so none blocks
//! another.
//!
//! The frame rate adapts: `fps_good` while posture is good, `fps_drifting`
//! otherwise, a frame every few seconds while the person is away, and the
//! camera is released (light off) while paused or snoozed.

pub mod control;
pub mod event;
pub mod feed;
pub mod inputs;
pub mod mode;
pub mod power;
pub mod sinks;
pub mod watcher;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant, SystemTime};

pub use event::Event;
pub use mode::Mode;
pub use sinks::{Sink, Sinks};
pub use watcher::{Setting, Watcher};

use crate::alert::Alerter;
use crate::capture::{CameraRequest, CaptureError, Frame};
use crate::journal::{JournalWriter, Recorder};
use crate::pose::{PoseError, PoseEstimator, PoseOptions};
use control::{Incoming, Request};
use feed::{Feed, Item};
use inputs::Inputs;

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

/// What to watch, judged how.
pub struct WatchOptions {
    pub source: SourceSpec,
    /// Pace a replay like a camera (and drop frames inference cannot keep up with).
    pub realtime: bool,
    pub pose: PoseOptions,
    /// The settings file, watched for edits.
    pub config_path: PathBuf,
    pub setting: Setting,
    pub schedule: Vec<Scheduled>,
    /// The journal file; `None` journals nothing (`--no-journal`).
    pub journal: Option<PathBuf>,
}

/// What the watcher is connected to.
pub struct Wiring {
    /// Sinks of the caller's own (the status line, the window's snapshot).
    pub sinks: Vec<Box<dyn Sink + Send>>,
    /// The `--events` log.
    pub events: Option<Box<dyn Write + Send>>,
    /// Where terminal alerts go.
    pub alert_terminal: Box<dyn Write + Send>,
    /// The control socket; `None` runs without one.
    pub socket: Option<PathBuf>,
    /// Requests from the same process (the window), besides the socket.
    pub requests: Option<Receiver<Incoming>>,
    /// Set by Ctrl-C / SIGTERM or the window: finish cleanly.
    pub stop: Arc<AtomicBool>,
}

/// What the sinks are told once the source is open.
pub struct Started<'a> {
    pub source: &'a str,
    pub model: &'a str,
    pub runtime: &'a str,
}

/// Counts for the closing line and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub frames_read: u64,
    pub frames_processed: u64,
    /// Judged frames the landmark model ran on (the rest were still).
    pub inferences: u64,
    pub frames_dropped: u64,
    pub bad_frames: u64,
    pub alerts: u64,
    /// Drifting nudges (not counted in `alerts`).
    pub nudges: u64,
    pub events: usize,
    /// Seconds covered, on the source's clock.
    pub duration_s: f64,
}

/// Runs the watcher until the replay ends or `stop` is set.
pub fn run(opts: WatchOptions, wiring: Wiring) -> Result<Summary, WatchError> {
    let Wiring { sinks, events, alert_terminal, socket, requests, stop } = wiring;
    let (socket_rx, _socket_guard) = match &socket {
        Some(path) => control::serve(path).map(|(rx, guard)| (Some(rx), Some(guard)))?,
        None => (None, None),
    };
    // A few frames a second: idle inference threads should sleep, not spin,
    // and one thread costs the least CPU per frame (scripts/threads_cpu.sh);
    // latency hardly matters at 2 fps.
    let threads = if opts.pose.threads == 0 { 1 } else { opts.pose.threads };
    let estimator = PoseEstimator::new(&PoseOptions { busy_wait: false, threads, ..opts.pose.clone() })?;
    let started = SystemTime::now();
    let mut sinks = Sinks::new(sinks);
    if let Some(out) = events {
        sinks.push(Box::new(sinks::events::EventLog::new(out, started)));
    }
    if let Some(journal) = opts.journal.as_ref().and_then(|p| journal_sink(p, started, &opts.setting)) {
        sinks.push(journal);
    }
    let (mut feed, source) = Feed::open(&opts.source, opts.realtime)?;
    let runtime = estimator.runtime().to_string();
    sinks.started(&Started { source: &source, model: estimator.model().name(), runtime: &runtime });
    let (alerter, feedback) = Alerter::spawn(opts.setting.config.alerts.clone(), alert_terminal);
    sinks.push(Box::new(sinks::alerts::Alerts::new(alerter, &opts.setting.config)));
    let camera = matches!(opts.source, SourceSpec::Camera(_));
    let requests = socket_rx.into_iter().chain(requests).collect();
    let mut inputs = Inputs::new(requests, feedback, opts.schedule, &opts.config_path, camera);
    let mut watcher = Watcher::new(estimator, opts.setting, source);
    let mut turn = Turn { t: 0.0, buf: Vec::new(), bad: BadFrameLog::default() };
    let ended = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        inputs.poll(turn.t, &mut watcher, &mut feed, &mut sinks);
        watcher.tick(turn.t, &mut sinks);
        match turn.next(&mut watcher, &mut feed, &mut sinks) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    sinks.finish(turn.t, "the source has ended");
    ended.map(|()| watcher.summary(sinks.events()))
}

/// The loop's own state: the clock, the frame buffer (reused), the
/// unreadable-frame log.
struct Turn {
    t: f64,
    buf: Vec<u8>,
    bad: BadFrameLog,
}

impl Turn {
    /// Takes the next item from the feed to the watcher; `false` at the end.
    fn next(
        &mut self,
        watcher: &mut Watcher,
        feed: &mut Feed,
        sinks: &mut Sinks,
    ) -> Result<bool, WatchError> {
        let watching = watcher.mode().watching();
        feed.set_rate(watching, watcher.fps());
        let item = feed.next(&mut self.buf, watching);
        if let Some(now) = feed.clock(watching) {
            self.t = now;
        }
        match item {
            Item::Frame(meta) => {
                self.t = meta.t.unwrap_or(self.t);
                watcher.read(self.t, feed.counts());
                // Replays hand over every frame: skip those not due.
                if !watcher.mode().watching() || (!feed.paced() && !watcher.due(self.t)) {
                    return Ok(true);
                }
                match Frame::new(meta.width, meta.height, &self.buf) {
                    Some(frame) => {
                        watcher.frame(self.t, &frame, sinks)?;
                    }
                    None => watcher.bad_frame(),
                }
            }
            Item::Idle => {}
            Item::End => return Ok(false),
            Item::BadFrame(e) => {
                watcher.bad_frame();
                self.bad.note(&e);
            }
            Item::Lost(e) => {
                tracing::warn!("{e}");
                watcher.camera_lost(self.t, e.to_string(), sinks);
                if feed.is_replay() && !e.is_transient() {
                    // A replay that vanished does not come back.
                    return Err(e.into());
                }
            }
            Item::Found { name, t } => {
                self.t = t.unwrap_or(self.t);
                watcher.camera_found(self.t, name, sinks);
            }
        }
        Ok(true)
    }
}

/// The journal, when it opens; else it says why and watching goes on.
fn journal_sink(
    path: &std::path::Path,
    started: SystemTime,
    setting: &Setting,
) -> Option<Box<dyn Sink + Send>> {
    let (warn_tx, warnings) = std::sync::mpsc::channel();
    let writer = match JournalWriter::spawn(path, warn_tx) {
        Ok(w) => w,
        Err(e) => {
            // Read-only or full disk, a foreign file: say so, keep watching.
            tracing::warn!("{e}; journal paused, watching goes on");
            return None;
        }
    };
    let t0 = started.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let mut recorder = Recorder::new(writer, t0, setting.config.timing.break_reset_min);
    if let Some(b) = &setting.baseline {
        recorder.calibration(0.0, setting.profile.as_deref().unwrap_or("(in memory)"), b.view.name());
    }
    Some(Box::new(sinks::journal::Journal::new(recorder, warnings)))
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
