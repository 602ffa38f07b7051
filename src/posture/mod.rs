//! Posture: landmarks → "is the head forward of the shoulders, and for how
//! long?". `signals` turns a pose into plain numbers, `judge` scores one
//! frame against the calibrated `Baseline` (or says why it cannot),
//! `tracker` adds time: smoothing, hysteresis, delays, alerts, presence and
//! break reminders. [`PostureEngine`] ties them together; its per-frame
//! update allocates nothing.
//!
//! Data flow: `pose::PoseResult` → [`PostureEngine::update`] → [`Assessment`]
//! → alerts / journal / output.

pub mod calibration;
pub mod judge;
pub mod signals;
pub mod tracker;

pub use calibration::{Baseline, CalibrationError, Calibrator};
pub use judge::{Findings, Judgement, Unassessable, judge};
pub use signals::{Signals, View};
pub use tracker::{AlertKind, Assessment, Events, State, Tracker, still};

use crate::config::Config;
use crate::pose::PoseResult;

/// Judges frames and follows them over time, against one baseline.
pub struct PostureEngine {
    config: Config,
    baseline: Option<Baseline>,
    tracker: Tracker,
}

impl PostureEngine {
    pub fn new(config: Config, baseline: Option<Baseline>) -> Self {
        let tracker = Tracker::new(&config);
        Self { config, baseline, tracker }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// New settings take effect from the next frame; the history is kept.
    pub fn set_config(&mut self, config: Config) {
        self.tracker.set_config(&config);
        self.config = config;
    }

    pub fn set_baseline(&mut self, baseline: Option<Baseline>) {
        self.baseline = baseline;
        self.tracker.reset_setup_check();
    }

    /// Watching was paused or snoozed: ongoing stretches start over.
    pub fn interrupt(&mut self) {
        self.tracker.interrupt();
    }

    /// A still image: judged on its own, the engine's history untouched.
    pub fn assess_still(&self, t: f64, result: &PoseResult, luma: f32) -> Assessment {
        still(&judge(result, luma, self.baseline.as_ref(), &self.config), &self.config, t)
    }

    /// One frame at `t` seconds with mean brightness `luma`.
    pub fn update(&mut self, t: f64, result: &PoseResult, luma: f32) -> Assessment {
        let judgement = judge(result, luma, self.baseline.as_ref(), &self.config);
        self.tracker.update(t, &judgement, self.baseline.as_ref(), (result.width, result.height))
    }
}
