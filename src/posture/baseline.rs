//! The calibrated baseline, in its own module so that `judge` (which reads
//! it) and `calibration` (which builds it from judgements) do not import
//! each other.

use serde::{Deserialize, Serialize};

use super::signals::{Signals, View};

/// The user's good posture: the median of every signal over the calibration
/// frames, with the view and frame size it was taken at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub signals: Signals,
    pub view: View,
    pub width: u32,
    pub height: u32,
}

impl Baseline {
    pub fn from_signals(signals: Signals, view: View, width: u32, height: u32) -> Self {
        Baseline { signals, view, width, height }
    }
}
