//! Camera placement: where the camera sits against the eyes of a person
//! calibrating in good posture, read from the baseline. The front-view cues
//! (the ear-to-shoulder gap, the head's size) weaken with a camera far
//! above, below or beside the screen, so calibration says so and the
//! profile records it.
//!
//! The geometry: the nose sits about 10 cm ahead of the ears and a little
//! below them, and the ears are about 15 cm apart. Seen level, the nose is
//! 0.05-0.25 ear widths below the ear line (measured on the shared test
//! data's upright front frames); a camera 30° above moves it down by about
//! 10·sin 30° / 15 ≈ 0.3 ear widths, one 25° below lifts it to the ear line
//! or above, and a camera 25° to the side shifts it off the ears' midpoint
//! by about 0.6 half ear widths.

use serde::{Deserialize, Serialize};

use super::signals::{Signals, View};

/// The nose this far below the ear line (ear widths): the camera looks down (≈ 30°).
const ABOVE_NOSE_DROP: f32 = 0.45;
/// The nose this far above it: the camera looks up (≈ 25°).
const BELOW_NOSE_DROP: f32 = -0.15;
/// The nose this far off the ears' midpoint (half ear widths): the camera is beside you (≈ 25°).
const BESIDE_YAW: f32 = 0.6;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Level with the eyes and in front, or not known (profiles from before
    /// placement was recorded).
    #[default]
    EyeLevel,
    Above,
    Below,
    Beside,
}

impl Placement {
    /// Reads the placement from a calibration's signals. A side-view
    /// calibration sits beside the person by choice: it is judged by the
    /// neck's angle, which the camera's height does not change much.
    pub fn of(s: &Signals, view: View) -> Self {
        if view != View::Front {
            return Placement::EyeLevel;
        }
        if s.yaw.abs() >= BESIDE_YAW {
            Placement::Beside
        } else if s.nose_drop >= ABOVE_NOSE_DROP {
            Placement::Above
        } else if s.nose_drop <= BELOW_NOSE_DROP {
            Placement::Below
        } else {
            Placement::EyeLevel
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Placement::EyeLevel => "eye level",
            Placement::Above => "above your eyes",
            Placement::Below => "below your eyes",
            Placement::Beside => "beside you",
        }
    }

    /// What to do about it, or `None` when the camera is well placed.
    pub fn advice(self) -> Option<&'static str> {
        match self {
            Placement::EyeLevel => None,
            Placement::Above => Some(
                "the camera looks down at you from well above your eyes, where a forward head is \
                 harder to see; put it on the top edge of a screen at eye level and calibrate again",
            ),
            Placement::Below => Some(
                "the camera looks up at you from well below your eyes (a laptop on the desk?); raise \
                 the screen so its top edge is at eye level, which also keeps your head back, and \
                 calibrate again",
            ),
            Placement::Beside => Some(
                "the camera sits far to your side of the screen you look at; centre it on that screen \
                 (from the side, the front-view cues weaken) and calibrate again",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front(yaw: f32, nose_drop: f32) -> Signals {
        Signals { yaw, nose_drop, ..Signals::NAN }
    }

    #[test]
    fn level_in_front_has_no_advice() {
        // The shared test data's upright front frames: nose 0.05-0.24 below, yaw up to 0.52.
        for (yaw, drop) in [(0.0, 0.14), (-0.52, 0.14), (0.37, 0.05), (0.02, 0.24)] {
            let p = Placement::of(&front(yaw, drop), View::Front);
            assert_eq!(p, Placement::EyeLevel, "yaw {yaw}, nose drop {drop}");
            assert_eq!(p.advice(), None);
        }
    }

    #[test]
    fn far_above_below_and_beside_are_told_apart() {
        assert_eq!(Placement::of(&front(0.1, 0.5), View::Front), Placement::Above);
        assert_eq!(Placement::of(&front(0.1, -0.2), View::Front), Placement::Below);
        assert_eq!(Placement::of(&front(-0.7, 0.1), View::Front), Placement::Beside);
        assert_eq!(
            Placement::of(&front(0.7, 0.6), View::Front),
            Placement::Beside,
            "the larger effect first"
        );
        for p in [Placement::Above, Placement::Below, Placement::Beside] {
            assert!(p.advice().is_some_and(|a| a.contains("calibrate again")), "{p:?}");
        }
    }

    #[test]
    fn a_side_view_calibration_is_beside_by_choice() {
        assert_eq!(Placement::of(&front(3.0, 0.9), View::Side), Placement::EyeLevel);
    }
}
