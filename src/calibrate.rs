//! One calibration session, used everywhere a baseline is taken: `headsup
//! calibrate` (files or the camera), `watch --calibrate FILES`, the
//! window's wizard and the control request. Frames of good posture are
//! judged without a baseline; the good ones become the [`Baseline`], which
//! may be saved as a named profile.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::capture::camera::{STALL_AFTER, Webcam};
use crate::capture::{
    CaptureError, Frame, FrameMeta, FrameSource, ImageError, Read, collect_images, load_rgb,
};
use crate::pose::{PoseError, PoseEstimator, PoseResult};
use crate::posture::baseline::ScreenError;
use crate::posture::{Baseline, CalibrationError, Calibrator, Params, judge};
use crate::profiles::{Profile, ProfileError, Profiles};

#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("{path}: the decoded image has the wrong size")]
    WrongSize { path: PathBuf },
    #[error(transparent)]
    Pose(#[from] PoseError),
    #[error(transparent)]
    Camera(#[from] CaptureError),
    #[error("calibration rejected: {0}")]
    Rejected(#[from] CalibrationError),
    #[error(transparent)]
    Save(#[from] ProfileError),
    #[error("calibration interrupted; nothing saved")]
    Interrupted,
    #[error("screen {screen} not added: {source}")]
    Screen { screen: usize, source: ScreenError },
}

/// How far a session is, for the window's wizard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub remaining_s: f64,
    pub good_frames: usize,
    pub frames: usize,
    /// Why the last frame could not be used, or the result when done.
    pub message: String,
    pub done: bool,
    pub ok: bool,
    /// Which screen is being calibrated, of how many (1 of 1 for one).
    pub screen: (u8, u8),
}

impl Progress {
    /// What to look at now (the wizard shows it, the CLI says it).
    pub fn prompt(&self) -> String {
        prompt(self.screen)
    }
}

/// What to look at while calibrating screen `i` of `n`: "Sit in your good
/// posture, looking at your main screen (1 of 2)".
pub fn prompt((i, n): (u8, u8)) -> String {
    match (i, n) {
        (_, 0 | 1) => "Sit in your good posture, facing your screen".into(),
        (1, n) => format!("Sit in your good posture, looking at your main screen (1 of {n})"),
        (i, n) => format!("Now look at your other screen ({i} of {n}), sitting as well"),
    }
}

/// The main screen's baseline with the other screens' added, in order.
pub fn join_screens(
    mut main: Baseline,
    others: impl IntoIterator<Item = Baseline>,
    params: &Params,
) -> Result<Baseline, CalibrateError> {
    for (i, other) in others.into_iter().enumerate() {
        main.add_screen(&other, params.checks.setup_shift)
            .map_err(|source| CalibrateError::Screen { screen: i + 2, source })?;
    }
    Ok(main)
}

/// A baseline in the making.
pub struct Session {
    cal: Calibrator,
    params: Params,
    /// Ends at this time (timed sessions), on the caller's clock.
    until: f64,
    size: (u32, u32),
}

impl Session {
    /// A session that ends at `until` (use `f64::INFINITY` for "when the
    /// frames run out").
    pub fn new(params: Params, until: f64) -> Self {
        Self { cal: Calibrator::new(), params, until, size: (0, 0) }
    }

    /// One tracked frame at `t`.
    pub fn add(&mut self, t: f64, result: &PoseResult, luma: f32, width: u32, height: u32) -> Progress {
        let j = judge(result, luma, None, &self.params);
        self.cal.add(&j, width, height);
        self.size = (width, height);
        Progress {
            remaining_s: (self.until - t).max(0.0),
            good_frames: self.cal.good_frames(),
            frames: self.cal.frames(),
            message: j.unassessable.map_or_else(|| "good frame".into(), |u| u.reason().to_string()),
            done: false,
            ok: false,
            screen: (1, 1),
        }
    }

    /// The params its frames are judged with (the settings').
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Whether its time is up at `t`.
    pub fn due(&self, t: f64) -> bool {
        t >= self.until
    }

    pub fn good_frames(&self) -> usize {
        self.cal.good_frames()
    }

    /// The last frame's size.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The baseline from the good frames, or why there is none.
    pub fn baseline(&self) -> Result<Baseline, CalibrationError> {
        self.cal.finish(&self.params.scoring)
    }

    /// Saves `baseline` as profile `name`, taken with `camera`.
    pub fn save(
        &self,
        baseline: Baseline,
        name: &str,
        camera: &str,
        profiles: &Profiles,
    ) -> Result<(Profile, PathBuf), ProfileError> {
        let profile = Profile {
            name: name.to_string(),
            created: crate::clock::now_rfc3339(),
            camera: camera.to_string(),
            frames: self.cal.good_frames(),
            baseline,
        };
        let path = profiles.save(&profile)?;
        Ok((profile, path))
    }
}

/// Image files of `paths`, folders expanded in name order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ImageError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            files.extend(collect_images(p)?);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Runs `files` as a sequence at `fps` through pose into a session.
pub fn from_files(
    est: &mut PoseEstimator,
    files: &[PathBuf],
    params: Params,
    fps: f64,
) -> Result<Session, CalibrateError> {
    let mut session = Session::new(params, f64::INFINITY);
    let mut rgb = Vec::new();
    est.reset();
    for (n, file) in files.iter().enumerate() {
        let (w, h) = load_rgb(file, &mut rgb)?;
        let frame = Frame::new(w, h, &rgb).ok_or_else(|| CalibrateError::WrongSize { path: file.clone() })?;
        let t = n as f64 / fps;
        let result = est.track(&frame, t)?;
        session.add(t, result, frame.mean_luma(), w, h);
    }
    est.reset();
    Ok(session)
}

/// What a camera calibration is doing, for the caller to say.
#[derive(Clone, Debug, PartialEq)]
pub enum CameraStep {
    /// The camera (its name) delivers in this format.
    Streaming { camera: String, format: String },
    /// Seconds left before frames are taken.
    Countdown(u64),
    /// Good frames so far.
    Frames(usize),
}

/// Calibrates from the live camera: a 3 s countdown, then `seconds` of
/// frames. The camera streams through the countdown (its exposure settles)
/// and those frames are dropped, so calibration sees only frames taken
/// after it. `stop` (a signal) ends it within a read slice, even when the
/// camera has stalled.
pub fn from_camera(
    est: &mut PoseEstimator,
    cam: &mut Webcam,
    params: Params,
    seconds: f64,
    stop: &AtomicBool,
    mut step: impl FnMut(CameraStep),
) -> Result<Session, CalibrateError> {
    let mut buf = Vec::new();
    let stopped = || if stop.load(Ordering::Relaxed) { Err(CalibrateError::Interrupted) } else { Ok(()) };
    // The first frame before the countdown, so camera errors come first.
    let opened = Instant::now();
    loop {
        match cam.read(&mut buf) {
            Ok(Read::Frame(_)) => break,
            Ok(Read::Pending) => {}
            Ok(Read::End) => return Err(CaptureError::Disconnected { name: cam.name().to_string() }.into()),
            Err(e) if e.is_bad_frame() && opened.elapsed() < STALL_AFTER => {}
            Err(e) => return Err(e.into()),
        }
        stopped()?;
    }
    if let Some(choice) = cam.choice() {
        step(CameraStep::Streaming { camera: cam.name().to_string(), format: choice.to_string() });
    }
    let countdown = Instant::now();
    let mut said = 0u64;
    while countdown.elapsed() < Duration::from_secs(3) {
        if said < 3 && countdown.elapsed() >= Duration::from_secs(said) {
            step(CameraStep::Countdown(3 - said));
            said += 1;
        }
        // Read and drop: keeps the driver's queue fresh.
        read_frame(cam, &mut buf)?;
        stopped()?;
    }
    let mut session = Session::new(params, seconds);
    let start = Instant::now();
    while !session.due(start.elapsed().as_secs_f64()) {
        stopped()?;
        let Some(meta) = read_frame(cam, &mut buf)? else { continue };
        let Some(frame) = Frame::new(meta.width, meta.height, &buf) else { continue };
        let t = start.elapsed().as_secs_f64();
        let result = est.track(&frame, t)?;
        let p = session.add(t, result, frame.mean_luma(), meta.width, meta.height);
        step(CameraStep::Frames(p.good_frames));
    }
    cam.release();
    Ok(session)
}

/// One camera frame, `None` while none has come or it was unreadable
/// (skipped, as the watcher does). A stalled or lost camera is an error.
fn read_frame(cam: &mut Webcam, buf: &mut Vec<u8>) -> Result<Option<FrameMeta>, CaptureError> {
    match cam.read(buf) {
        Ok(Read::Frame(meta)) => Ok(Some(meta)),
        Ok(Read::Pending) => Ok(None),
        Ok(Read::End) => Err(CaptureError::Disconnected { name: cam.name().to_string() }),
        Err(e) if e.is_bad_frame() => {
            tracing::debug!("{e}");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
