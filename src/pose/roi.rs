//! Regions of interest: the rotated square the landmark model looks at, found
//! from two points (detector keypoints, or the previous frame's auxiliary
//! landmarks) as MediaPipe's `AlignmentPointsRectsCalculator` (target angle 90°)
//! followed by `RectTransformationCalculator` (scale 1.25, square_long) do.

use std::f32::consts::{FRAC_PI_2, PI};

/// How much larger than twice the centre-to-scale-point distance the crop is.
const ROI_SCALE: f32 = 1.25;

/// A rotated rectangle in frame pixels: centre, size and rotation (radians,
/// clockwise in image coordinates, as MediaPipe's `NormalizedRect.rotation`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub width: f32,
    pub height: f32,
    pub rotation: f32,
}

impl Roi {
    /// The detector's letterbox: the whole frame centred in a square of its long side.
    pub fn letterbox(width: u32, height: u32) -> Roi {
        let side = width.max(height) as f32;
        Roi { cx: width as f32 / 2.0, cy: height as f32 / 2.0, width: side, height: side, rotation: 0.0 }
    }

    /// The landmark crop from a body-centre point and a scale/rotation point,
    /// both in normalised frame coordinates.
    pub fn from_points(centre: [f32; 2], scale_point: [f32; 2], width: u32, height: u32) -> Roi {
        let (w, h) = (width as f32, height as f32);
        let (x0, y0) = (centre[0] * w, centre[1] * h);
        let (x1, y1) = (scale_point[0] * w, scale_point[1] * h);
        let side = 2.0 * (x1 - x0).hypot(y1 - y0) * ROI_SCALE;
        let rotation = normalize_radians(FRAC_PI_2 - (-(y1 - y0)).atan2(x1 - x0));
        Roi { cx: x0, cy: y0, width: side, height: side, rotation }
    }
}

/// Wraps an angle into [-π, π).
fn normalize_radians(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upright_person_gives_unrotated_square() {
        // Scale point straight above the hip centre: no rotation.
        let roi = Roi::from_points([0.5, 0.75], [0.5, 0.25], 100, 200);
        assert_eq!((roi.cx, roi.cy), (50.0, 150.0));
        assert!((roi.width - 2.0 * 100.0 * 1.25).abs() < 1e-4);
        assert!(roi.rotation.abs() < 1e-6);
    }

    #[test]
    fn body_lying_to_the_right_is_rotated_a_quarter_turn() {
        let roi = Roi::from_points([0.2, 0.5], [0.6, 0.5], 100, 100);
        assert!((roi.rotation - FRAC_PI_2).abs() < 1e-6, "{}", roi.rotation);
        assert!((roi.width - 100.0).abs() < 1e-4);
    }

    #[test]
    fn angles_wrap_into_minus_pi_to_pi() {
        assert!((normalize_radians(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(-PI) + PI).abs() < 1e-6);
    }
}
