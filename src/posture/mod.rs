//! Posture: landmarks → "is the head forward of the shoulders, and for how
//! long?". `signals` turns a pose into plain numbers, `facing` tells a
//! back view from a front one, `judge` scores one frame against the
//! calibrated `Baseline` (or says why it cannot; `placement` reads where
//! the camera sat from it, `tolerance` how steady the person sat and
//! `corrections` what they told it since, both moving the cut-offs),
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
pub mod corrections;
pub mod facing;
pub mod judge;
pub mod params;
pub mod placement;
pub mod signals;
pub mod tolerance;
pub mod tracker;
pub mod words;

pub use baseline::Baseline;
pub use calibration::{CalibrationError, Calibrator};
pub use corrections::{Correction, Corrections};
pub use judge::{Findings, Judgement, Unassessable, judge};
pub use params::Params;
pub use placement::Placement;
pub use signals::{Signals, View};
pub use tolerance::Tolerance;
pub use tracker::{AlertKind, Assessment, Events, State, Tracker, still};
pub use words::Reason;

use crate::pose::PoseResult;

/// Judges frames and follows them over time, against one baseline.
pub struct PostureEngine {
    /// As the settings gave them.
    settings: Params,
    /// In force: the settings with the cut-offs moved by the tolerance and
    /// the corrections.
    params: Params,
    baseline: Option<Baseline>,
    tracker: Tracker,
}

impl PostureEngine {
    pub fn new(params: Params, baseline: Option<Baseline>) -> Self {
        let mut engine = Self { settings: params, params, baseline, tracker: Tracker::new(params) };
        engine.set_params(params);
        engine
    }

    /// The params in force: the settings' with the cut-offs moved by the
    /// baseline's tolerance (calibration judges frames with them too).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The params as the settings gave them (a new calibration starts
    /// from these, not from the old baseline's cut-offs).
    pub fn settings(&self) -> &Params {
        &self.settings
    }

    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// New settings take effect from the next frame; the history is kept.
    pub fn set_params(&mut self, settings: Params) {
        self.settings = settings;
        let mut params = settings;
        if let Some(b) = &self.baseline {
            params.bands = b.corrections.apply(self.personal_bands());
        }
        self.params = params;
        self.tracker.set_params(params);
    }

    /// The settings' cut-offs moved by the tolerance, before corrections.
    fn personal_bands(&self) -> params::Bands {
        match &self.baseline {
            Some(b) if self.settings.bands.personal => b.tolerance.apply(self.settings.bands),
            _ => self.settings.bands,
        }
    }

    /// The user says an alert was wrong or one was missed: the cut-off in
    /// force moves from the next frame. `None` without a baseline.
    pub fn correct(&mut self, kind: Correction) -> Option<corrections::Move> {
        let bands = self.personal_bands();
        let m = self.baseline.as_mut()?.corrections.add(kind, &bands);
        self.set_params(self.settings);
        Some(m)
    }

    /// Takes the last correction back; `None` when there is none.
    pub fn undo_correction(&mut self) -> Option<corrections::Move> {
        let m = self.baseline.as_mut()?.corrections.undo();
        self.set_params(self.settings);
        m
    }

    /// Forgets every correction; returns how many there were.
    pub fn reset_corrections(&mut self) -> usize {
        let n = self.baseline.as_mut().map_or(0, |b| std::mem::take(&mut b.corrections).len());
        self.set_params(self.settings);
        n
    }

    /// "sensitivity lowered: forward head starts below a score of 46 after
    /// 2 corrections".
    pub fn corrections_summary(&self) -> Option<String> {
        self.baseline.as_ref().map(|b| b.corrections.summary(&self.personal_bands()))
    }

    pub fn set_baseline(&mut self, baseline: Option<Baseline>) {
        self.baseline = baseline;
        self.set_params(self.settings);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baselines_tolerance_moves_the_cut_offs_in_force_not_the_settings() {
        let mut b = Baseline::from_signals(Signals::NAN, View::Front, 640, 480);
        b.tolerance = Tolerance { spread: 0.5, shift: 5.0 };
        let settings = Params::default();
        let mut e = PostureEngine::new(settings, Some(b.clone()));
        assert_eq!((e.params().bands.forward_below, e.params().bands.good_above), (55.0, 80.0));
        assert_eq!(e.settings(), &settings);
        // A new baseline starts from the settings, not from the old cut-offs.
        e.set_baseline(Some(b));
        assert_eq!(e.params().bands.forward_below, 55.0);
        e.set_baseline(None);
        assert_eq!(e.params().bands.forward_below, 50.0);
        // Switched off: the settings' numbers as they are.
        let mut off = settings;
        off.bands.personal = false;
        let mut b = Baseline::from_signals(Signals::NAN, View::Front, 640, 480);
        b.tolerance.shift = -10.0;
        let e = PostureEngine::new(off, Some(b));
        assert_eq!(e.params().bands.forward_below, 50.0);
    }

    #[test]
    fn corrections_move_the_cut_off_from_the_personal_one_and_undo_restores_it() {
        let mut b = Baseline::from_signals(Signals::NAN, View::Front, 640, 480);
        b.tolerance.shift = 4.0;
        let mut e = PostureEngine::new(Params::default(), Some(b));
        for _ in 0..3 {
            e.correct(Correction::Wrong);
        }
        assert_eq!(e.params().bands.forward_below, 48.0, "54 from the tolerance, 3 x -2");
        assert_eq!(e.baseline().map(|b| b.corrections.len()), Some(3), "kept in the baseline (the profile)");
        assert!(e.corrections_summary().is_some_and(|s| s.contains("lowered") && s.contains("48")));
        // Settings reloaded: the corrections stay.
        e.set_params(Params::default());
        assert_eq!(e.params().bands.forward_below, 48.0);
        assert!(e.undo_correction().is_some());
        assert_eq!(e.params().bands.forward_below, 50.0);
        assert_eq!(e.reset_corrections(), 2);
        assert_eq!(e.params().bands.forward_below, 54.0);
        assert_eq!(e.undo_correction(), None);
        assert_eq!(PostureEngine::new(Params::default(), None).correct(Correction::Missed), None);
    }
}
