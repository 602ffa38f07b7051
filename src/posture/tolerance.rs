//! The person's own tolerance: how steadily their good posture was held
//! (and fitted) while calibrating. Each calibration frame is scored against
//! the baseline made from all of them; a steady sitter's frames all score
//! near 100 and get cut-offs a little tighter (alerts sooner), a jittery fit
//! gets them looser, so that its own noise never reads as drifting. The
//! shift is bounded: at most [`TIGHTEST`] points up, [`LOOSEST`] down.

use serde::{Deserialize, Serialize};

use super::params::Bands;

/// The spread (RMS shortfall from 100, points) of a typical calibration:
/// no shift.
pub const TYPICAL_SPREAD: f32 = 4.0;
/// Points the cut-offs move per point of spread below or above typical.
const POINTS_PER_POINT: f32 = 1.5;
/// The most the cut-offs move up (a perfectly steady calibration).
pub const TIGHTEST: f32 = 5.0;
/// The most they move down (a very jittery one).
pub const LOOSEST: f32 = -10.0;

/// Measured at calibration and kept in the profile. The default (no shift)
/// is what profiles saved before this was measured get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// RMS of (100 − score) over the calibration frames, points.
    pub spread: f32,
    /// Points added to both cut-offs: positive alerts sooner.
    pub shift: f32,
}

impl Tolerance {
    /// From the calibration frames' scores against their own baseline.
    pub fn from_scores(scores: impl IntoIterator<Item = f32>) -> Self {
        let (mut sum, mut n) = (0.0f32, 0usize);
        for s in scores.into_iter().filter(|s| s.is_finite()) {
            sum += (100.0 - s.min(100.0)).powi(2);
            n += 1;
        }
        if n == 0 {
            return Tolerance::default();
        }
        let spread = (sum / n as f32).sqrt();
        let shift = ((TYPICAL_SPREAD - spread) * POINTS_PER_POINT).clamp(LOOSEST, TIGHTEST);
        // Whole points: the user is told the cut-off, and 54.7 reads oddly.
        Tolerance { spread, shift: shift.round() }
    }

    /// `bands` moved by the shift, kept inside 0-100 and in order.
    pub fn apply(&self, bands: Bands) -> Bands {
        let forward_below = (bands.forward_below + self.shift).clamp(0.0, 99.0);
        let good_above = (bands.good_above + self.shift).clamp(forward_below + 1.0, 100.0);
        Bands { good_above, forward_below, ..bands }
    }

    /// "steady", "typical" or "unsteady".
    pub fn steadiness(&self) -> &'static str {
        if self.shift >= 2.0 {
            "steady"
        } else if self.shift <= -2.0 {
            "unsteady"
        } else {
            "typical"
        }
    }

    /// What calibrating says, e.g. "your calibration is steady: forward
    /// head starts below a score of 55 (50 for everyone else)".
    pub fn summary(&self, bands: &Bands) -> String {
        let mine = self.apply(*bands);
        let why = match self.steadiness() {
            "steady" => "alerts come a little sooner",
            "unsteady" => "your own jitter is tolerated",
            _ => "the usual cut-offs",
        };
        format!(
            "your calibration is {} (frames within {:.1} points): forward head starts below a score of {:.0} ({:.0} for everyone else; {why})",
            self.steadiness(),
            self.spread,
            mine.forward_below,
            bands.forward_below
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_sitter_gets_tighter_cut_offs_and_a_jittery_fit_looser_within_bounds() {
        let steady = Tolerance::from_scores([100.0, 99.0, 100.0, 98.5]);
        let typical = Tolerance::from_scores([96.0, 100.0, 95.0, 93.0]);
        let jittery = Tolerance::from_scores([80.0, 100.0, 90.0, 85.0]);
        let wild = Tolerance::from_scores([10.0, 100.0, 30.0]);
        assert!(steady.spread < 1.0 && steady.shift == 5.0, "{steady:?}");
        assert!(typical.shift.abs() <= 1.0, "{typical:?}");
        assert!(jittery.shift < -5.0 && jittery.shift >= LOOSEST, "{jittery:?}");
        assert_eq!(wild.shift, LOOSEST, "bounded: {wild:?}");
        let b = Bands::default();
        assert_eq!((steady.apply(b).forward_below, steady.apply(b).good_above), (55.0, 80.0));
        assert_eq!(wild.apply(b).forward_below, 40.0);
        assert_eq!(Tolerance::default().apply(b), b, "profiles without one judge as before");
        // Scores above 100 never count as spread; no scores, no shift.
        assert_eq!(Tolerance::from_scores([100.0, 100.0]).spread, 0.0);
        assert_eq!(Tolerance::from_scores([f32::NAN]), Tolerance::default());
    }

    #[test]
    fn the_cut_offs_stay_in_order_and_in_range() {
        let t = Tolerance { spread: 0.0, shift: 5.0 };
        let b = t.apply(Bands { good_above: 98.0, forward_below: 97.0, ..Bands::default() });
        assert!(b.forward_below < b.good_above && b.good_above <= 100.0, "{b:?}");
        let t = Tolerance { spread: 20.0, shift: -10.0 };
        assert_eq!(
            t.apply(Bands { good_above: 20.0, forward_below: 5.0, ..Bands::default() }).forward_below,
            0.0
        );
    }

    #[test]
    fn the_summary_says_where_alerts_start() {
        let t = Tolerance::from_scores([100.0, 99.5, 100.0]);
        assert_eq!(
            t.summary(&Bands::default()),
            "your calibration is steady (frames within 0.3 points): forward head starts below a score of 55 (50 for everyone else; alerts come a little sooner)"
        );
    }
}
