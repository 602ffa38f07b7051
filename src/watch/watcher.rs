//! The watcher's state and its steps. A frame goes in ([`Watcher::frame`]):
//! pose, posture, then every sink hears what happened. Requests, the
//! desktop's pauses, settings and camera trouble go in through their own
//! small methods; every mode change goes through [`Watcher::set_mode`],
//! which tells the sinks, so each sink sees the same story.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::control::{Correct, Reply, Request, Setup, Status};
use super::mode::{AutoReason, Mode};
use super::sinks::{CalibrationProgress, Judged, Sinks, Stats};
use super::{Event, Summary};
use crate::calibrate::{Session, join_screens};
use crate::capture::Frame;
use crate::config::Config;
use crate::pose::gate::ChangeGate;
use crate::pose::{PoseError, PoseEstimator};
use crate::posture::{AlertKind, Assessment, Baseline, PostureEngine, State};
use crate::profiles::{DEFAULT_PROFILE, Profiles};

/// Seconds between frames while the person is away.
const AWAY_POLL_S: f64 = 3.0;

/// Who the watcher judges against and where calibrations are saved.
pub struct Setting {
    pub config: Config,
    pub baseline: Option<Baseline>,
    /// The profile it was started with (`None`: `default`, or in memory).
    pub profile: Option<String>,
    /// The baseline is this run's only (`--calibrate`): corrections to it
    /// are not saved in any profile.
    pub in_memory: bool,
    pub profiles_dir: PathBuf,
}

/// A calibration asked for while watching (the window's wizard, the
/// socket): one session per screen in turn, `seconds` each.
struct Calibrating {
    session: Session,
    setup: Setup,
    seconds: f64,
    /// The screens calibrated so far, the main one first.
    done: Vec<Baseline>,
    screens: u8,
}

pub struct Watcher {
    estimator: PoseEstimator,
    gate: ChangeGate,
    engine: PostureEngine,
    setting: Setting,
    /// The profile the baseline in use is saved as (`None`: in memory).
    saved_as: Option<String>,
    mode: Mode,
    last: Option<Assessment>,
    away: bool,
    last_judged: Option<f64>,
    calibrating: Option<Calibrating>,
    camera_out: bool,
    source: String,
    summary: Summary,
    rates: Rates,
}

impl Watcher {
    pub fn new(estimator: PoseEstimator, setting: Setting, source: String) -> Self {
        let engine = PostureEngine::new(setting.config.posture_params(), setting.baseline.clone());
        let saved_as = (setting.baseline.is_some() && !setting.in_memory)
            .then(|| profile_name(Setup::Default, &setting.profile));
        Self {
            estimator,
            gate: ChangeGate::default(),
            engine,
            setting,
            saved_as,
            mode: Mode::Watching,
            last: None,
            away: false,
            last_judged: None,
            calibrating: None,
            camera_out: false,
            source,
            summary: Summary::default(),
            rates: Rates::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn config(&self) -> &Config {
        &self.setting.config
    }

    /// Frames a second wanted now: fewer while posture is good, a frame
    /// every few seconds while nobody is there.
    pub fn fps(&self) -> f64 {
        let cam = &self.setting.config.camera;
        match (self.away, self.last.map(|a| a.state)) {
            (true, _) => 1.0 / AWAY_POLL_S,
            (false, Some(State::Good)) => f64::from(cam.fps_good),
            _ => f64::from(cam.fps_drifting),
        }
    }

    /// Whether a frame at `t` is due at the current rate (for feeds that
    /// hand over every frame).
    pub fn due(&self, t: f64) -> bool {
        self.last_judged.is_none_or(|lp| t - lp >= 1.0 / self.fps() - 1e-6)
    }

    /// The one place the mode changes; `event` says why, to every sink.
    fn set_mode(&mut self, t: f64, to: Mode, event: Event, sinks: &mut Sinks) {
        if !self.mode.watching() && to.watching() {
            // Ongoing stretches start over after a break in watching.
            self.engine.interrupt();
        }
        self.mode = to;
        sinks.event(t, &event);
    }

    /// A control request (socket, window, notification, `--at`).
    pub fn request(&mut self, t: f64, req: Request, sinks: &mut Sinks) -> Reply {
        let req = match req.check() {
            Ok(req) => req,
            Err(error) => return Reply::Error { error },
        };
        match req {
            Request::Snooze { seconds } => {
                let until = t + seconds;
                self.set_mode(
                    t,
                    Mode::Snoozed { until },
                    Event::Snooze { minutes: seconds / 60.0, until_t: until },
                    sinks,
                );
            }
            Request::Pause => self.set_mode(t, Mode::Paused, Event::Pause { reason: None }, sinks),
            Request::Resume if !self.mode.watching() => {
                self.set_mode(t, Mode::Watching, Event::Resume { reason: "requested".into() }, sinks);
            }
            Request::Calibrate { .. } if self.calibrating.is_some() => {
                return Reply::Error { error: "a calibration is already running".into() };
            }
            Request::Calibrate { seconds, setup, screens } => {
                let session = Session::new(*self.engine.settings(), t + seconds);
                self.calibrating = Some(Calibrating { session, setup, seconds, done: Vec::new(), screens });
            }
            Request::UseProfile { setup } => self.use_profile(t, setup, sinks),
            Request::Correct { what } => return self.correct(t, what, sinks),
            Request::Resume | Request::Status => {}
        }
        Reply::Status(self.status(t))
    }

    fn status(&self, t: f64) -> Status {
        Status {
            mode: self.mode.name().into(),
            snooze_left_s: self.mode.snooze_left(t),
            state: self.last.map(|a| a.state),
            score: self.last.and_then(|a| a.score),
            reason: self.last.map(|a| a.reason().to_string()),
            t,
            fps: self.rates.fps,
            frames: self.summary.frames_processed,
            dropped: self.summary.frames_dropped,
            source: self.source.clone(),
        }
    }

    fn use_profile(&mut self, t: f64, setup: Setup, sinks: &mut Sinks) {
        let name = profile_name(setup, &self.setting.profile);
        match Profiles::new(self.setting.profiles_dir.clone()).load(&name) {
            Ok(p) => {
                self.engine.set_baseline(Some(p.baseline));
                self.engine.interrupt();
                self.saved_as = Some(name.clone());
                sinks.event(t, &Event::ProfileLoaded { profile: name });
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }

    /// The user's correction: the cut-off moves, the profile in use keeps
    /// it, and every sink hears it (the journal with the last frame's signals).
    fn correct(&mut self, t: f64, what: Correct, sinks: &mut Sinks) -> Reply {
        if self.engine.baseline().is_none() {
            return Reply::Error { error: "nothing to correct yet: calibrate first".into() };
        }
        if !what.apply(&mut self.engine) {
            return Reply::Error { error: "no correction to undo".into() };
        }
        let corrections = self.engine.baseline().map_or_else(Default::default, |b| b.corrections.clone());
        let mut message = self.engine.corrections_summary().unwrap_or_default();
        match &self.saved_as {
            Some(name) => {
                let profiles = Profiles::new(self.setting.profiles_dir.clone());
                if let Err(e) = profiles.set_corrections(name, corrections.clone()) {
                    message = format!("{message} (for this session only: {e})");
                }
            }
            None => message = format!("{message} (for this session only: the calibration is not saved)"),
        }
        let forward_below = f64::from(self.engine.params().bands.forward_below);
        sinks.event(
            t,
            &Event::Feedback {
                kind: what.name().into(),
                profile: self.saved_as.clone(),
                forward_below,
                corrections: corrections.len(),
                message: message.clone(),
                signals: self.last.as_ref().map(super::event::signals).unwrap_or_default(),
            },
        );
        Reply::Corrected { message, forward_below, corrections: corrections.len() }
    }

    /// Once per turn of the loop: a snooze that has run out ends.
    pub fn tick(&mut self, t: f64, sinks: &mut Sinks) {
        if let Mode::Snoozed { until } = self.mode
            && t >= until
        {
            self.set_mode(t, Mode::Watching, Event::Resume { reason: "snooze ended".into() }, sinks);
        }
        sinks.tick(t, self.mode);
    }

    /// The desktop's reason to pause now (screen locked, on battery), if any.
    pub fn desktop(&mut self, t: f64, reason: Option<AutoReason>, sinks: &mut Sinks) {
        match (self.mode, reason) {
            (Mode::Watching, Some(reason)) => {
                self.set_mode(t, Mode::AutoPaused { reason }, Event::Pause { reason: Some(reason) }, sinks);
            }
            (Mode::AutoPaused { reason }, None) => {
                let why = format!("no longer {}", reason.words());
                self.set_mode(t, Mode::Watching, Event::Resume { reason: why }, sinks);
            }
            _ => {}
        }
    }

    /// The settings file changed: valid settings take effect from the next frame.
    pub fn reload(&mut self, t: f64, loaded: Result<Config, String>, path: PathBuf, sinks: &mut Sinks) {
        match loaded {
            Ok(cfg) => {
                sinks.config(&cfg);
                self.engine.set_params(cfg.posture_params());
                self.setting.config = cfg;
                sinks.event(t, &Event::ConfigReloaded { ok: true, path: Some(path), error: None });
            }
            Err(error) => {
                sinks.event(t, &Event::ConfigReloaded { ok: false, path: None, error: Some(error) })
            }
        }
    }

    /// The camera is gone, busy or stalled: an outage, until it is found.
    pub fn camera_lost(&mut self, t: f64, error: String, sinks: &mut Sinks) {
        self.camera_out = true;
        sinks.event(t, &Event::CameraLost { error });
    }

    pub fn camera_found(&mut self, t: f64, source: String, sinks: &mut Sinks) {
        if std::mem::take(&mut self.camera_out) {
            self.engine.interrupt();
        }
        // Another camera, or the same one moved: look again.
        self.gate.reset();
        self.source.clone_from(&source);
        sinks.event(t, &Event::CameraFound { source });
    }

    /// A frame that could not be read or decoded.
    pub fn bad_frame(&mut self) {
        self.summary.bad_frames += 1;
    }

    /// A frame was read at `t` (judged or not).
    pub fn read(&mut self, t: f64, counts: Option<(u64, u64)>) {
        self.summary.frames_read += 1;
        self.summary.duration_s = t;
        if let Some((read, dropped)) = counts {
            (self.summary.frames_read, self.summary.frames_dropped) = (read, dropped);
        }
    }

    /// Judges one frame at `t` and tells the sinks.
    pub fn frame(&mut self, t: f64, frame: &Frame<'_>, sinks: &mut Sinks) -> Result<Assessment, PoseError> {
        let interval = 1.0 / self.fps();
        // Calibration reads the spread of every frame: never skipped.
        let force = self.calibrating.is_some() || !self.setting.config.pose.skip_still_frames;
        let result = if self.gate.must_run(frame, t, force) {
            self.summary.inferences += 1;
            self.estimator.track(frame, t)?
        } else {
            self.estimator.carried()
        };
        let luma = frame.mean_luma();
        let mut progress = None;
        if let Some(c) = self.calibrating.as_mut() {
            let mut p = c.session.add(t, result, luma, frame.width, frame.height);
            p.screen = (c.done.len() as u8 + 1, c.screens);
            if c.session.due(t) && c.next_screen(t, &mut p) {
                p.screen.0 += 1;
            }
            progress = Some(p);
        }
        // (Taken only when due: the progress of a running session goes to
        // the sinks, for the wizard.)
        let due = self.calibrating.as_ref().is_some_and(|c| c.session.due(t));
        if let Some((c, p)) = due.then(|| self.calibrating.take().zip(progress.take())).flatten() {
            let name = profile_name(c.setup, &self.setting.profile);
            let (p, done) = c.finish(t, p, name, &self.source, &self.setting.profiles_dir, sinks);
            if let Some((baseline, saved_as)) = done {
                self.engine.set_baseline(Some(baseline));
                self.saved_as = saved_as;
            }
            progress = Some(p);
        }
        let a = self.engine.update(t, result, luma);
        self.last_judged = Some(t);
        self.last = Some(a);
        self.summary.frames_processed += 1;
        match a.alert {
            Some(AlertKind::Drifting) => self.summary.nudges += 1,
            Some(_) => self.summary.alerts += 1,
            None => {}
        }
        for event in Event::of(&a) {
            match event {
                Event::Away {} => self.away = true,
                Event::Back {} => self.away = false,
                _ => {}
            }
            sinks.event(t, &event);
        }
        self.rates.update(self.summary.frames_processed);
        let judged = Judged {
            assessment: &a,
            interval,
            frame,
            pose: self.estimator.last_pose(),
            baseline: self.engine.baseline(),
            calibration: progress.as_ref(),
            stats: self.stats(),
            forward_below: self.engine.params().bands.forward_below,
        };
        sinks.judged(&judged);
        Ok(a)
    }

    fn stats(&self) -> Stats {
        Stats {
            fps: self.rates.fps,
            cpu_percent: self.rates.cpu_percent,
            frames: self.summary.frames_processed,
            dropped: self.summary.frames_dropped,
        }
    }

    /// What the run did, for the closing line.
    pub fn summary(&self, events: usize) -> Summary {
        Summary { events, ..self.summary }
    }
}

/// The profile for `setup`; `Default` is the one the watcher was started
/// with (or `default`).
fn profile_name(setup: Setup, started_with: &Option<String>) -> String {
    setup
        .profile_name()
        .map(String::from)
        .or_else(|| started_with.clone())
        .unwrap_or_else(|| DEFAULT_PROFILE.into())
}

impl Calibrating {
    /// This screen's time is up at `t`: with more screens to go, keeps its
    /// baseline and starts the next (true). False on the last screen, or
    /// when this one's frames made no baseline (finishing says why).
    fn next_screen(&mut self, t: f64, p: &mut CalibrationProgress) -> bool {
        if self.done.len() as u8 + 1 >= self.screens {
            return false;
        }
        match self.session.baseline() {
            Ok(b) => {
                self.done.push(b);
                let params = self.session.params().for_other_screen();
                self.session = Session::new(params, t + self.seconds);
                p.remaining_s = self.seconds;
                true
            }
            Err(_) => false,
        }
    }

    /// Time is up: the baseline and the profile it was saved as (`name`,
    /// unless saving failed), or why not.
    fn finish(
        self,
        t: f64,
        mut p: CalibrationProgress,
        name: String,
        source: &str,
        profiles_dir: &Path,
        sinks: &mut Sinks,
    ) -> (CalibrationProgress, Option<(Baseline, Option<String>)>) {
        p.done = true;
        let screen = self.done.len() + 1;
        let mut done = self.done.into_iter();
        let last = self.session.baseline().map_err(|e| match self.screens {
            1 => e.to_string(),
            _ => format!("screen {screen}: {e}"),
        });
        let joined = last.and_then(|b| match done.next() {
            Some(main) => {
                join_screens(main, done.chain([b]), self.session.params()).map_err(|e| e.to_string())
            }
            None => Ok(b),
        });
        let baseline = match joined {
            Ok(b) => b,
            Err(e) => {
                p.message = e.to_string();
                let event =
                    Event::Calibrated { ok: false, profile: name, view: None, message: p.message.clone() };
                sinks.event(t, &event);
                return (p, None);
            }
        };
        let profiles = Profiles::new(profiles_dir.to_path_buf());
        let (message, saved_as) = match self.session.save(baseline.clone(), &name, source, &profiles) {
            Ok((_, path)) => {
                (format!("calibrated; saved as profile {name:?} ({})", path.display()), Some(name.clone()))
            }
            Err(e) => (format!("calibrated for this session, but not saved: {e}"), None),
        };
        p.message = message;
        if !baseline.screens.is_empty() {
            p.message = format!("{} ({} screens)", p.message, baseline.screens.len() + 1);
        }
        let bands = self.session.params().bands;
        if bands.personal {
            p.message = format!("{}; {}", p.message, baseline.tolerance.summary(&bands));
        }
        if let Some(advice) = baseline.placement.advice() {
            p.message = format!("{}. Note: {advice}", p.message);
        }
        p.ok = true;
        let view = Some(baseline.view.name().to_string());
        sinks.event(t, &Event::Calibrated { ok: true, profile: name, view, message: p.message.clone() });
        (p, Some((baseline, saved_as)))
    }
}

/// Frames and CPU per second, measured over a few seconds.
struct Rates {
    fps: f64,
    cpu_percent: f64,
    mark: Instant,
    frames_at_mark: u64,
    cpu_at_mark: f64,
}

impl Rates {
    fn new() -> Self {
        Self {
            fps: 0.0,
            cpu_percent: 0.0,
            mark: Instant::now(),
            frames_at_mark: 0,
            cpu_at_mark: cpu_seconds().unwrap_or(0.0),
        }
    }

    fn update(&mut self, frames: u64) {
        let secs = self.mark.elapsed().as_secs_f64();
        if secs < 2.0 {
            return;
        }
        let cpu = cpu_seconds().unwrap_or(0.0);
        self.fps = (frames - self.frames_at_mark) as f64 / secs;
        self.cpu_percent = 100.0 * (cpu - self.cpu_at_mark) / secs;
        (self.mark, self.frames_at_mark, self.cpu_at_mark) = (Instant::now(), frames, cpu);
    }
}

/// Process CPU time (Linux: /proc/self/stat).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (hz > 0.0).then(|| ticks / hz)
}
