//! The calibrated baseline, in its own module so that `judge` (which reads
//! it) and `calibration` (which builds it from judgements) do not import
//! each other.

use serde::{Deserialize, Serialize};

use super::corrections::Corrections;
use super::placement::Placement;
use super::signals::{Signals, View};
use super::tolerance::Tolerance;

/// The user's good posture: the median of every signal over the calibration
/// frames, with the view and frame size it was taken at, where the camera
/// sat (judging ignores it; calibration advises on it), how steady the
/// frames were and the user's corrections since (both move the cut-offs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub signals: Signals,
    pub view: View,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub placement: Placement,
    #[serde(default)]
    pub tolerance: Tolerance,
    #[serde(default)]
    pub corrections: Corrections,
    /// The other screens' good posture (`calibrate --screens`): the person
    /// looks at each with the head turned or tilted its own way, and each
    /// frame is judged against the screen its head direction is nearest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screens: Vec<Signals>,
}

/// Why another screen's calibration does not join the baseline.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum ScreenError {
    #[error("both screens must be calibrated facing the camera (front view), not from the side")]
    NotFront,
    #[error(
        "you moved between the screens (shoulders moved or the camera did); sit as you did and try again"
    )]
    Moved,
    #[error(
        "your head pointed the same way for both screens (within {0:.2} ear widths); look at the other screen"
    )]
    SameDirection(f32),
}

/// Head directions closer than this (ear widths) are one screen.
const SAME_DIRECTION: f32 = 0.15;

impl Baseline {
    pub fn from_signals(signals: Signals, view: View, width: u32, height: u32) -> Self {
        Baseline {
            signals,
            view,
            width,
            height,
            placement: Placement::of(&signals, view),
            tolerance: Tolerance::default(),
            corrections: Corrections::default(),
            screens: Vec::new(),
        }
    }

    /// Adds another screen's calibration (taken at the same place, facing
    /// the camera, the head pointing elsewhere).
    pub fn add_screen(&mut self, other: &Baseline, setup_shift: f32) -> Result<(), ScreenError> {
        if self.view != View::Front || other.view != View::Front {
            return Err(ScreenError::NotFront);
        }
        if !super::signals::same_place(&other.signals, &self.signals, setup_shift) {
            return Err(ScreenError::Moved);
        }
        let s = &other.signals;
        if self.screen_signals().any(|b| direction_distance(s, b) < SAME_DIRECTION) {
            return Err(ScreenError::SameDirection(SAME_DIRECTION));
        }
        self.screens.push(*s);
        Ok(())
    }

    /// Every screen's signals: the main one first.
    pub fn screen_signals(&self) -> impl Iterator<Item = &Signals> {
        std::iter::once(&self.signals).chain(&self.screens)
    }

    /// The screen (0: the main one) whose head direction is nearest `s`'s,
    /// with its signals.
    pub fn screen_for(&self, s: &Signals) -> (u8, &Signals) {
        // The first of equals: the main screen wins a tie.
        let nearest = self
            .screen_signals()
            .enumerate()
            .min_by(|(_, a), (_, b)| direction_distance(s, a).total_cmp(&direction_distance(s, b)));
        nearest.map_or((0, &self.signals), |(i, b)| (i as u8, b))
    }
}

/// How far apart two head directions are, in ear widths: the nose's offset
/// from the ears' midpoint sideways (yaw is in half ear widths) and down.
fn direction_distance(a: &Signals, b: &Signals) -> f32 {
    let d = ((a.yaw - b.yaw) / 2.0).hypot(a.nose_drop - b.nose_drop);
    if d.is_finite() { d } else { f32::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_saved_before_placement_was_recorded_still_loads() {
        let b = Baseline::from_signals(
            Signals { yaw: 0.0, nose_drop: 0.6, ..Signals::NAN },
            View::Front,
            640,
            480,
        );
        assert_eq!(b.placement, Placement::Above);
        let text = toml::to_string(&b).expect("toml");
        let old: String = text.lines().filter(|l| !l.starts_with("placement")).collect::<Vec<_>>().join("\n");
        assert_ne!(old, text);
        let loaded: Baseline = toml::from_str(&old).expect("old baseline");
        assert_eq!(loaded.placement, Placement::EyeLevel);
    }
}
