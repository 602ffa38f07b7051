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
}

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
        }
    }
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
