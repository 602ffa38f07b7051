//! Learning from corrections: "that alert was wrong" lowers the
//! forward-head cut-off by [`STEP`] points (alerts come later), "I was
//! slouching and you missed it" raises it, never past [`LOWEST`] or
//! [`HIGHEST`]. Each correction keeps the move it made (0 at a bound), so
//! undoing one restores exactly what was before; they live in the profile
//! beside the baseline they correct.

use serde::{Deserialize, Serialize};

use super::params::Bands;

pub const STEP: f32 = 2.0;
pub const LOWEST: f32 = 35.0;
pub const HIGHEST: f32 = 65.0;

/// What the user said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// An alert came, but the posture was fine.
    Wrong,
    /// The head was forward and nothing came.
    Missed,
}

impl Correction {
    pub fn name(self) -> &'static str {
        match self {
            Correction::Wrong => "wrong",
            Correction::Missed => "missed",
        }
    }
}

/// One correction and the points it moved the cut-off by.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub kind: Correction,
    pub points: f32,
}

/// The corrections of one profile, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Corrections {
    pub moves: Vec<Move>,
}

impl Corrections {
    /// Points the cut-off has moved in all.
    pub fn offset(&self) -> f32 {
        self.moves.iter().map(|m| m.points).sum()
    }

    pub fn len(&self) -> usize {
        self.moves.len()
    }

    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    /// Records `kind` against `bands` (the cut-offs before any correction)
    /// and returns the move it made.
    pub fn add(&mut self, kind: Correction, bands: &Bands) -> Move {
        let now = self.apply(*bands).forward_below;
        let (lo, hi) = range(bands.forward_below);
        let want = match kind {
            Correction::Wrong => now - STEP,
            Correction::Missed => now + STEP,
        };
        let m = Move { kind, points: want.clamp(lo, hi) - now };
        self.moves.push(m);
        m
    }

    /// Takes the last correction back.
    pub fn undo(&mut self) -> Option<Move> {
        self.moves.pop()
    }

    /// `bands` with the forward-head cut-off moved (the good one stays,
    /// kept above it).
    pub fn apply(&self, bands: Bands) -> Bands {
        let (lo, hi) = range(bands.forward_below);
        let forward_below = (bands.forward_below + self.offset()).clamp(lo, hi);
        Bands { forward_below, good_above: bands.good_above.max(forward_below + 1.0), ..bands }
    }

    /// E.g. "sensitivity lowered to 46 after 2 corrections".
    pub fn summary(&self, bands: &Bands) -> String {
        let to = self.apply(*bands).forward_below;
        let way = match self.offset() {
            o if o < 0.0 => "lowered",
            o if o > 0.0 => "raised",
            _ => "unchanged",
        };
        let n = self.len();
        let s = if n == 1 { "" } else { "s" };
        format!("sensitivity {way}: forward head starts below a score of {to:.0} after {n} correction{s}")
    }
}

/// The bounds a correction may move `base` within: [LOWEST, HIGHEST], or
/// wider where the settings already put the cut-off outside them.
fn range(base: f32) -> (f32, f32) {
    (LOWEST.min(base), HIGHEST.max(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_correction_moves_the_cut_off_two_points_within_bounds_and_undo_restores_it() {
        let b = Bands::default();
        let mut c = Corrections::default();
        for _ in 0..3 {
            c.add(Correction::Wrong, &b);
        }
        assert_eq!(c.apply(b).forward_below, 44.0);
        assert_eq!(
            c.summary(&b),
            "sensitivity lowered: forward head starts below a score of 44 after 3 corrections"
        );
        for _ in 0..3 {
            assert!(c.undo().is_some());
        }
        assert_eq!(c.apply(b), b);
        assert_eq!(c.undo(), None);
        // Bounded: nine "wrong" stop at 35 (the eighth moves 1 point, the
        // ninth none), so one "missed" after them goes up to 37.
        for _ in 0..9 {
            c.add(Correction::Wrong, &b);
        }
        assert_eq!(c.apply(b).forward_below, 35.0);
        assert_eq!(c.moves.last().map(|m| m.points), Some(0.0));
        c.add(Correction::Missed, &b);
        assert_eq!(c.apply(b).forward_below, 37.0);
        let mut up = Corrections::default();
        for _ in 0..20 {
            up.add(Correction::Missed, &b);
        }
        assert_eq!(up.apply(b).forward_below, HIGHEST);
        assert!(up.apply(b).good_above > HIGHEST, "good stays above forward");
    }

    #[test]
    fn a_cut_off_set_outside_the_range_only_moves_towards_it() {
        let b = Bands { forward_below: 30.0, ..Bands::default() };
        let mut c = Corrections::default();
        c.add(Correction::Wrong, &b);
        assert_eq!(c.apply(b).forward_below, 30.0, "never further out");
        c.add(Correction::Missed, &b);
        assert_eq!(c.apply(b).forward_below, 32.0);
    }
}
