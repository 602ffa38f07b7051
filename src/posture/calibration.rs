//! Calibration: a few seconds of the user's good posture become the
//! baseline every later frame is judged against. Frames that cannot be
//! judged are counted by reason; too few good frames, a change of view or
//! movement during calibration reject it with a reason the user can act on.

use super::baseline::Baseline;
use super::judge::{Judgement, Unassessable, score_against};
use super::params::Scoring;
use super::signals::{Signals, View};
use super::tolerance::Tolerance;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrationError {
    #[error("no frames to calibrate from")]
    NoFrames,
    #[error(
        "only {good} of {total} frames could be judged (most often: {reason}); calibration needs most of them"
    )]
    TooFewGood { good: usize, total: usize, reason: &'static str },
    #[error(
        "you turned during calibration ({front} frames facing the camera, {side} in profile); keep one position"
    )]
    MixedViews { front: usize, side: usize },
    #[error("you moved during calibration ({what}); sit still in your good posture and try again")]
    Moving { what: &'static str },
}

/// Collects frames of good posture and turns them into a [`Baseline`].
#[derive(Default)]
pub struct Calibrator {
    good: Vec<(Signals, View)>,
    rejected: Vec<Unassessable>,
    size: (u32, u32),
}

/// Largest spread (standard deviation) accepted while calibrating.
const MAX_SHIFT_SPANS: f32 = 0.15;
const MAX_GAP_SPREAD: f32 = 0.06;
const MAX_ANGLE_SPREAD: f32 = 5.0;

impl Calibrator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frame, judged without a baseline.
    pub fn add(&mut self, j: &Judgement, width: u32, height: u32) {
        self.size = (width, height);
        match (j.unassessable, j.view) {
            (None, Some(view)) => self.good.push((j.signals, view)),
            (Some(why), _) => self.rejected.push(why),
            (None, None) => self.rejected.push(Unassessable::LowConfidence),
        }
    }

    pub fn frames(&self) -> usize {
        self.good.len() + self.rejected.len()
    }

    /// Usable frames so far (for live feedback).
    pub fn good_frames(&self) -> usize {
        self.good.len()
    }

    /// The baseline, with the tolerance its own frames scored against it
    /// (under `scoring`) give.
    pub fn finish(&self, scoring: &Scoring) -> Result<Baseline, CalibrationError> {
        let total = self.frames();
        if total == 0 {
            return Err(CalibrationError::NoFrames);
        }
        let good = self.good.len();
        if good < 3 || good * 10 < total * 6 {
            return Err(CalibrationError::TooFewGood { good, total, reason: self.main_rejection() });
        }
        let front = self.good.iter().filter(|(_, v)| *v == View::Front).count();
        let side = good - front;
        if front > 0 && side > 0 {
            return Err(CalibrationError::MixedViews { front, side });
        }
        let view = if side > 0 { View::Side } else { View::Front };
        let spread = |f: fn(&Signals) -> f32| std_dev(self.good.iter().map(|(s, _)| f(s)));
        let span = median(self.good.iter().map(|(s, _)| s.shoulder_span).collect());
        if spread(|s| s.shoulder_x) / span.max(1e-3) > MAX_SHIFT_SPANS {
            return Err(CalibrationError::Moving { what: "your shoulders moved sideways" });
        }
        match view {
            View::Side if spread(|s| s.side_angle_deg) > MAX_ANGLE_SPREAD => {
                return Err(CalibrationError::Moving { what: "your head moved" });
            }
            View::Front if spread(|s| s.ear_shoulder_gap) > MAX_GAP_SPREAD => {
                return Err(CalibrationError::Moving { what: "your head moved up and down" });
            }
            _ => {}
        }
        let mut signals = Signals::NAN;
        for (i, field) in signals.fields_mut().into_iter().enumerate() {
            let values: Vec<f32> =
                self.good.iter().map(|(s, _)| s.named()[i].1).filter(|v| v.is_finite()).collect();
            if !values.is_empty() {
                *field = median(values);
            }
        }
        let mut baseline = Baseline::from_signals(signals, view, self.size.0, self.size.1);
        baseline.tolerance = Tolerance::from_scores(
            self.good.iter().filter_map(|(s, _)| score_against(s, view, &signals, scoring)),
        );
        Ok(baseline)
    }

    /// The most frequent reason frames were rejected.
    fn main_rejection(&self) -> &'static str {
        let mut best = (0, "no usable frames");
        for why in &self.rejected {
            let n = self.rejected.iter().filter(|w| *w == why).count();
            if n > best.0 {
                best = (n, why.reason());
            }
        }
        best.1
    }
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    let n = v.len();
    if n == 0 {
        f32::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn std_dev(values: impl Iterator<Item = f32> + Clone) -> f32 {
    let n = values.clone().count() as f32;
    if n < 2.0 {
        return 0.0;
    }
    let mean = values.clone().sum::<f32>() / n;
    (values.map(|v| (v - mean).powi(2)).sum::<f32>() / (n - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::judge::{Cues, Findings};

    fn frame(gap: f32, x: f32) -> Judgement {
        let mut s = Signals::NAN;
        s.ear_shoulder_gap = gap;
        s.shoulder_x = x;
        s.shoulder_span = 0.3;
        s.head_width = 0.4;
        Judgement {
            view: Some(View::Front),
            signals: s,
            score: Some(100.0),
            unassessable: None,
            provisional: true,
            calibrated: false,
            cues: Cues::default(),
            forward_cm: f32::NAN,
            findings: Findings::default(),
            screen: 0,
            back_cues: Default::default(),
        }
    }

    fn bad(why: Unassessable) -> Judgement {
        Judgement { unassessable: Some(why), view: None, score: None, ..frame(0.5, 0.5) }
    }

    #[test]
    fn baseline_is_the_median_of_good_frames() {
        let mut c = Calibrator::new();
        for g in [0.54, 0.56, 0.55, 0.60, 0.55] {
            c.add(&frame(g, 0.5), 640, 480);
        }
        let b = c.finish(&Scoring::default()).expect("calibrates");
        assert_eq!(b.signals.ear_shoulder_gap, 0.55);
        assert_eq!(b.view, View::Front);
        assert_eq!((b.width, b.height), (640, 480));
        assert!(b.signals.side_angle_deg.is_nan());
    }

    #[test]
    fn rejects_with_a_reason_the_user_can_act_on() {
        let mut c = Calibrator::new();
        c.add(&frame(0.55, 0.5), 640, 480);
        for _ in 0..4 {
            c.add(&bad(Unassessable::ShouldersOutOfFrame), 640, 480);
        }
        c.add(&bad(Unassessable::TooDark), 640, 480);
        let e = c.finish(&Scoring::default()).expect_err("mostly unusable");
        assert!(e.to_string().contains("shoulders not in the picture"), "{e}");

        let mut c = Calibrator::new();
        for (i, g) in [0.4, 0.6, 0.45, 0.62, 0.5].into_iter().enumerate() {
            c.add(&frame(g, 0.5 + i as f32 * 0.001), 640, 480);
        }
        assert!(matches!(c.finish(&Scoring::default()), Err(CalibrationError::Moving { .. })));

        assert_eq!(Calibrator::new().finish(&Scoring::default()), Err(CalibrationError::NoFrames));
    }
}
