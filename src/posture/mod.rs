//! Posture: landmarks → "is the head forward of the shoulders, and for how
//! long?". `signals` turns a pose into plain numbers, `facing` tells a
//! back view from a front one, `judge` scores one frame against the
//! calibrated `Baseline` (or says why it cannot; `placement` reads where
//! the camera sat from it),
//! `tracker` adds time: smoothing, hysteresis, delays, alerts, presence and
//! break reminders; `words` says it all in words. The engine reads only its
//! own [`Params`]: it does not know the settings file (`config` builds the
//! params and sits above this module). [`PostureEngine`] ties them
//! together; its per-frame update allocates nothing.
//!
//! Data flow: `pose::PoseResult` → [`PostureEngine::update`] → [`Assessment`]
//! → alerts / journal / output.

pub mod baseline;
pub mod calibration;
pub mod facing;
pub mod judge;
pub mod params;
pub mod placement;
pub mod signals;
pub mod tracker;
pub mod words;

pub use baseline::Baseline;
pub use calibration::{CalibrationError, Calibrator};
pub use judge::{Findings, Judgement, Unassessable, judge};
pub use params::Params;
pub use placement::Placement;
pub use signals::{Signals, View};
pub use tracker::{AlertKind, Assessment, Events, State, Tracker, still};
pub use words::Reason;

use crate::pose::PoseResult;

/// Judges frames and follows them over time, against one baseline.
pub struct PostureEngine {
    params: Params,
    baseline: Option<Baseline>,
    tracker: Tracker,
}

impl PostureEngine {
    pub fn new(params: Params, baseline: Option<Baseline>) -> Self {
        Self { params, baseline, tracker: Tracker::new(params) }
    }

    /// The params in force (calibration judges frames with them too).
    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// New settings take effect from the next frame; the history is kept.
    pub fn set_params(&mut self, params: Params) {
        self.tracker.set_params(params);
        self.params = params;
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
        still(&judge(result, luma, self.baseline.as_ref(), &self.params), &self.params, t)
    }

    /// One frame at `t` seconds with mean brightness `luma`.
    pub fn update(&mut self, t: f64, result: &PoseResult, luma: f32) -> Assessment {
        let judgement = judge(result, luma, self.baseline.as_ref(), &self.params);
        self.tracker.update(t, &judgement, self.baseline.as_ref(), (result.width, result.height))
    }
}
