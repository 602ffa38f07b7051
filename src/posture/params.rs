//! The numbers the posture engine reads, as plain `Copy` values. Posture
//! does not know the settings file: `config` validates it and builds these
//! (`Config::posture_params`), so the engine can be tested and benchmarked
//! without one and an update touches no heap. Times are seconds as `f64`,
//! the clock's unit.

/// Everything `judge`, the tracker and `still` read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Params {
    pub checks: Checks,
    pub scoring: Scoring,
    pub bands: Bands,
    pub findings: FindingRules,
    pub timing: Timing,
}

impl Params {
    /// The params another screen is calibrated with: the head is turned
    /// there on purpose, so anything short of a profile counts as facing
    /// (a screen 40-55 degrees aside is otherwise "turned away" and could
    /// never be calibrated). Later frames turned that way are judged
    /// against that screen's baseline with the usual checks.
    pub fn for_other_screen(mut self) -> Self {
        self.checks.front_max_yaw = self.checks.front_max_yaw.max(self.checks.side_min_yaw);
        self
    }
}

/// When a frame cannot be judged at all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Checks {
    /// Ears and shoulders must be at least this visible (0-1).
    pub min_visibility: f32,
    /// Mean brightness (0-255) below which the frame is too dark.
    pub dark_luma: f32,
    /// Yaw (half ear widths) up to which the face counts as frontal.
    pub front_max_yaw: f32,
    /// Yaw beyond which the person is in profile.
    pub side_min_yaw: f32,
    /// Shift against the baseline (shoulder widths, or size fraction) that
    /// means a different person or a changed setup.
    pub setup_shift: f32,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            min_visibility: 0.5,
            dark_luma: 15.0,
            front_max_yaw: 1.0,
            side_min_yaw: 2.0,
            setup_shift: 0.35,
        }
    }
}

/// How one frame's 0-100 score is computed from the cues.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scoring {
    /// Fraction the ear-shoulder gap may shrink before it is fully forward.
    pub gap_drop_full: f32,
    /// Fraction the head may grow before it is fully forward.
    pub head_growth_full: f32,
    /// Centimetres of 3-D forward offset that are fully forward.
    pub forward_cm_full: f32,
    /// Side view: upright neck angle without a baseline, degrees.
    pub side_upright_deg: f32,
    /// Side view: degrees below upright that are fully forward.
    pub side_full_deg: f32,
    /// Front view without a baseline: the population's upright gap.
    pub front_upright_gap: f32,
    /// Weights of the gap, head-size and 3-D cues; 0 switches one off.
    pub weight_gap: f32,
    pub weight_head_size: f32,
    pub weight_world: f32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            gap_drop_full: 0.25,
            head_growth_full: 0.25,
            forward_cm_full: 5.0,
            side_upright_deg: 72.0,
            side_full_deg: 15.0,
            front_upright_gap: 0.5,
            weight_gap: 0.5,
            weight_head_size: 0.3,
            weight_world: 0.2,
        }
    }
}

/// Where the score is cut into states.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bands {
    pub good_above: f32,
    pub forward_below: f32,
    /// Points the score must clear beyond a threshold to leave a state.
    pub hysteresis: f32,
    /// Whether the baseline's tolerance moves the two cut-offs.
    pub personal: bool,
}

impl Default for Bands {
    fn default() -> Self {
        Bands { good_above: 75.0, forward_below: 50.0, hysteresis: 5.0, personal: true }
    }
}

/// The findings beside the score, and when they alert.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FindingRules {
    pub looking_down: bool,
    /// Nose drop beyond the baseline, in ear widths.
    pub looking_down_threshold: f32,
    pub head_tilt: bool,
    pub head_tilt_deg: f32,
    pub raised_shoulders: bool,
    /// Shoulder rise against the baseline, in shoulder widths.
    pub raised_shoulders_threshold: f32,
    /// A finding must last this long before it alerts.
    pub alert_after_s: f64,
}

impl Default for FindingRules {
    fn default() -> Self {
        FindingRules {
            looking_down: true,
            looking_down_threshold: 0.3,
            head_tilt: true,
            head_tilt_deg: 12.0,
            raised_shoulders: true,
            raised_shoulders_threshold: 0.1,
            alert_after_s: 120.0,
        }
    }
}

/// Persistence: smoothing, delays, alert repetition, presence and breaks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Time constant of the score's exponential smoothing (0: none).
    pub smoothing_s: f32,
    /// A worse state must hold this long before it is shown.
    pub onset_delay_s: f64,
    /// A better state must hold this long before it is shown.
    pub recovery_s: f64,
    pub alert_after_s: f64,
    pub realert_after_s: f64,
    /// Whether a long drifting stretch earns a nudge.
    pub nudge: bool,
    pub nudge_after_s: f64,
    pub nudge_every_s: f64,
    pub away_after_s: f64,
    pub break_every_s: f64,
    /// Absence that restarts the sitting timer.
    pub break_reset_s: f64,
    pub setup_changed_after_s: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            smoothing_s: 2.0,
            onset_delay_s: 10.0,
            recovery_s: 3.0,
            alert_after_s: 60.0,
            realert_after_s: 300.0,
            nudge: true,
            nudge_after_s: 600.0,
            nudge_every_s: 1800.0,
            away_after_s: 10.0,
            break_every_s: 1800.0,
            break_reset_s: 300.0,
            setup_changed_after_s: 120.0,
        }
    }
}
