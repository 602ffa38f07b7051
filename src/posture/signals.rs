//! Signals: plain numbers computed from one frame's landmarks, scale-free
//! where they can be (divided by shoulder or ear width), so they compare
//! across distance and resolution. No allocation, no state.

use crate::pose::landmarks::idx;
use crate::pose::{Landmark, Pose, WorldLandmark};

/// How the camera sees the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Front,
    Side,
    Back,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Front => "front",
            View::Side => "side",
            View::Back => "back",
        }
    }
}

/// Which side of the body faces the camera in profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Near {
    Left,
    Right,
}

/// Every per-frame signal. `NaN` means "not measured in this view".
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signals {
    /// Vertical gap between the ear midpoint and the shoulder line, in
    /// shoulder widths (front view; shrinks as the head drops forward).
    pub ear_shoulder_gap: f32,
    pub ear_shoulder_gap_left: f32,
    pub ear_shoulder_gap_right: f32,
    /// Ear-to-ear distance in shoulder widths (grows as the head comes closer).
    pub head_width: f32,
    /// Eye-to-eye distance in shoulder widths.
    pub eye_width: f32,
    /// Nose below the ear midpoint, in ear widths (grows when looking down).
    pub nose_drop: f32,
    /// Angle of the ear line from horizontal, degrees (head tilted sideways).
    pub head_tilt_deg: f32,
    /// Lean of the shoulder-midpoint→ear-midpoint line from the shoulder
    /// line's perpendicular, degrees (lateral bending of the neck).
    pub lateral_bend_deg: f32,
    /// Angle of the shoulder line from horizontal, degrees (one shoulder raised).
    pub shoulder_tilt_deg: f32,
    /// Shoulder midpoint height in the frame, in shoulder widths from the top
    /// (drops when the shoulders rise towards the ears).
    pub shoulder_height: f32,
    /// Ears ahead of the shoulders in the model's 3-D estimate, metres.
    pub forward_m: f32,
    /// Nose offset from the ear midpoint in half ear widths: 0 facing the
    /// camera, beyond ±1 the nose leaves the ear span (turning to profile).
    pub yaw: f32,
    /// Side view: angle of the shoulder→ear line above horizontal, degrees,
    /// measured towards the face (90 = ear straight above the shoulder,
    /// smaller = head forward; a craniovertebral-style angle).
    pub side_angle_deg: f32,
    /// Shoulder midpoint in the frame (0..1) and shoulder width as a
    /// fraction of frame width: where the person sits, for setup changes.
    pub shoulder_x: f32,
    pub shoulder_y: f32,
    pub shoulder_span: f32,
}

impl Default for Signals {
    fn default() -> Self {
        Self::NAN
    }
}

impl Signals {
    pub const NAN: Signals = Signals {
        ear_shoulder_gap: f32::NAN,
        ear_shoulder_gap_left: f32::NAN,
        ear_shoulder_gap_right: f32::NAN,
        head_width: f32::NAN,
        eye_width: f32::NAN,
        nose_drop: f32::NAN,
        head_tilt_deg: f32::NAN,
        lateral_bend_deg: f32::NAN,
        shoulder_tilt_deg: f32::NAN,
        shoulder_height: f32::NAN,
        forward_m: f32::NAN,
        yaw: f32::NAN,
        side_angle_deg: f32::NAN,
        shoulder_x: f32::NAN,
        shoulder_y: f32::NAN,
        shoulder_span: f32::NAN,
    };

    /// Every field, mutable, in the order of [`Signals::named`].
    pub fn fields_mut(&mut self) -> [&mut f32; 16] {
        [
            &mut self.ear_shoulder_gap,
            &mut self.ear_shoulder_gap_left,
            &mut self.ear_shoulder_gap_right,
            &mut self.head_width,
            &mut self.eye_width,
            &mut self.nose_drop,
            &mut self.head_tilt_deg,
            &mut self.lateral_bend_deg,
            &mut self.shoulder_tilt_deg,
            &mut self.shoulder_height,
            &mut self.forward_m,
            &mut self.yaw,
            &mut self.side_angle_deg,
            &mut self.shoulder_x,
            &mut self.shoulder_y,
            &mut self.shoulder_span,
        ]
    }

    /// Name/value pairs for output, in a fixed order.
    pub fn named(&self) -> [(&'static str, f32); 16] {
        [
            ("ear_shoulder_gap", self.ear_shoulder_gap),
            ("ear_shoulder_gap_left", self.ear_shoulder_gap_left),
            ("ear_shoulder_gap_right", self.ear_shoulder_gap_right),
            ("head_width", self.head_width),
            ("eye_width", self.eye_width),
            ("nose_drop", self.nose_drop),
            ("head_tilt_deg", self.head_tilt_deg),
            ("lateral_bend_deg", self.lateral_bend_deg),
            ("shoulder_tilt_deg", self.shoulder_tilt_deg),
            ("shoulder_height", self.shoulder_height),
            ("forward_m", self.forward_m),
            ("yaw", self.yaw),
            ("side_angle_deg", self.side_angle_deg),
            ("shoulder_x", self.shoulder_x),
            ("shoulder_y", self.shoulder_y),
            ("shoulder_span", self.shoulder_span),
        ]
    }
}

#[derive(Clone, Copy)]
struct P {
    x: f32,
    y: f32,
}

fn p(l: &Landmark) -> P {
    P { x: l.x, y: l.y }
}

fn mid(a: P, b: P) -> P {
    P { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 }
}

fn dist(a: P, b: P) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// Angle of the line a→b from horizontal in degrees, in (-90, 90].
fn line_angle(a: P, b: P) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let deg = dy.atan2(dx).to_degrees();
    // The same line drawn either way gives the same angle.
    if deg > 90.0 {
        deg - 180.0
    } else if deg <= -90.0 {
        deg + 180.0
    } else {
        deg
    }
}

/// The side facing the camera in profile: the one the model puts nearer
/// (smaller z) summed over ear and shoulder.
pub fn near_side(lm: &[Landmark]) -> Near {
    let left = lm[idx::LEFT_EAR].z + lm[idx::LEFT_SHOULDER].z;
    let right = lm[idx::RIGHT_EAR].z + lm[idx::RIGHT_SHOULDER].z;
    if left <= right { Near::Left } else { Near::Right }
}

/// Computes every signal of one pose in a `width`×`height` frame.
pub fn compute(pose: &Pose, width: u32, height: u32) -> Signals {
    let lm = &pose.landmarks;
    let (le, re) = (p(&lm[idx::LEFT_EAR]), p(&lm[idx::RIGHT_EAR]));
    let (ls, rs) = (p(&lm[idx::LEFT_SHOULDER]), p(&lm[idx::RIGHT_SHOULDER]));
    let (ley, rey) = (p(&lm[idx::LEFT_EYE]), p(&lm[idx::RIGHT_EYE]));
    let nose = p(&lm[idx::NOSE]);
    let (ears, shoulders) = (mid(le, re), mid(ls, rs));
    let sw = dist(ls, rs).max(1e-3);
    let ew = dist(le, re).max(1e-3);

    // Shoulder line's y under a given x (the line may be tilted).
    let shoulder_y_at = |x: f32| {
        let dx = rs.x - ls.x;
        if dx.abs() < 1e-3 { shoulders.y } else { ls.y + (x - ls.x) * (rs.y - ls.y) / dx }
    };
    let shoulder_angle = line_angle(rs, ls);
    // Perpendicular to the shoulder line, pointing up in the image.
    let up = (shoulder_angle.to_radians().sin(), -shoulder_angle.to_radians().cos());
    let (nx, ny) = (ears.x - shoulders.x, ears.y - shoulders.y);
    let bend = (nx * up.1 - ny * up.0).atan2(nx * up.0 + ny * up.1).to_degrees();

    let w = &pose.world;
    let wmid = |a: &WorldLandmark, b: &WorldLandmark| (a.z + b.z) / 2.0;
    let forward_m =
        wmid(&w[idx::LEFT_SHOULDER], &w[idx::RIGHT_SHOULDER]) - wmid(&w[idx::LEFT_EAR], &w[idx::RIGHT_EAR]);

    // Profile: the near side's shoulder→ear line, measured towards the face.
    let (ne, ns) = match near_side(lm) {
        Near::Left => (le, ls),
        Near::Right => (re, rs),
    };
    let facing = if nose.x >= ne.x { 1.0 } else { -1.0 };
    let side_angle = (ns.y - ne.y).atan2((ne.x - ns.x) * facing).to_degrees();

    Signals {
        ear_shoulder_gap: (shoulder_y_at(ears.x) - ears.y) / sw,
        ear_shoulder_gap_left: (ls.y - le.y) / sw,
        ear_shoulder_gap_right: (rs.y - re.y) / sw,
        head_width: ew / sw,
        eye_width: dist(ley, rey) / sw,
        nose_drop: (nose.y - ears.y) / ew,
        head_tilt_deg: line_angle(re, le),
        lateral_bend_deg: bend,
        shoulder_tilt_deg: shoulder_angle,
        shoulder_height: shoulders.y / sw,
        forward_m,
        yaw: (nose.x - ears.x) / (ew / 2.0),
        side_angle_deg: side_angle,
        shoulder_x: shoulders.x / width as f32,
        shoulder_y: shoulders.y / height as f32,
        shoulder_span: sw / width as f32,
    }
}

/// Whether the person sits where the baseline was taken (same place in the
/// frame, same size): tells the calibrated person from others, notices a
/// moved camera, and keeps a calibration's screens together.
pub fn same_place(s: &Signals, b: &Signals, shift: f32) -> bool {
    let dx = (s.shoulder_x - b.shoulder_x).abs() / b.shoulder_span.max(1e-3);
    let size = (s.shoulder_span / b.shoulder_span.max(1e-3) - 1.0).abs();
    dx <= shift && size <= shift
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Pose, Roi};

    /// A frontal person: shoulders 200 px apart at y=400, ears 80 px apart
    /// `gap` px above the shoulder line, nose `drop` px below the ears.
    pub fn front_pose(gap: f32, drop: f32) -> Pose {
        let mut lm = [Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 1.0, presence: 1.0 }; 33];
        let set = |lm: &mut [Landmark; 33], i: usize, x: f32, y: f32| {
            lm[i].x = x;
            lm[i].y = y;
        };
        // The person's left is on the image right when they face the camera.
        set(&mut lm, idx::LEFT_SHOULDER, 420.0, 400.0);
        set(&mut lm, idx::RIGHT_SHOULDER, 220.0, 400.0);
        set(&mut lm, idx::LEFT_EAR, 360.0, 400.0 - gap);
        set(&mut lm, idx::RIGHT_EAR, 280.0, 400.0 - gap);
        set(&mut lm, idx::LEFT_EYE, 340.0, 390.0 - gap);
        set(&mut lm, idx::RIGHT_EYE, 300.0, 390.0 - gap);
        set(&mut lm, idx::NOSE, 320.0, 400.0 - gap + drop);
        Pose { landmarks: lm, world: [WorldLandmark::default(); 33], score: 1.0, roi: Roi::default() }
    }

    #[test]
    fn front_geometry_gives_known_numbers() {
        let s = compute(&front_pose(110.0, 20.0), 640, 480);
        assert!((s.ear_shoulder_gap - 0.55).abs() < 1e-6);
        assert!((s.ear_shoulder_gap_left - 0.55).abs() < 1e-6);
        assert!((s.head_width - 0.4).abs() < 1e-6);
        assert!((s.eye_width - 0.2).abs() < 1e-6);
        assert!((s.nose_drop - 0.25).abs() < 1e-6);
        assert!(s.head_tilt_deg.abs() < 1e-4 && s.shoulder_tilt_deg.abs() < 1e-4);
        assert!(s.lateral_bend_deg.abs() < 1e-3, "{}", s.lateral_bend_deg);
        assert!(s.yaw.abs() < 1e-6);
        assert!((s.shoulder_x - 0.5).abs() < 1e-6 && (s.shoulder_span - 200.0 / 640.0).abs() < 1e-6);
        assert!((s.shoulder_height - 2.0).abs() < 1e-6);
    }

    #[test]
    fn tilting_the_head_and_bending_the_neck_are_measured_in_degrees() {
        let mut pose = front_pose(110.0, 20.0);
        // Left ear (image right) 80 px higher over an 80 px span: 45° tilt.
        pose.landmarks[idx::LEFT_EAR].y -= 40.0;
        pose.landmarks[idx::RIGHT_EAR].y += 40.0;
        let s = compute(&pose, 640, 480);
        assert!((s.head_tilt_deg.abs() - 45.0).abs() < 1e-3, "{}", s.head_tilt_deg);
        // Shift both ears sideways by the gap: the neck leans 45°.
        let mut pose = front_pose(100.0, 20.0);
        for i in [idx::LEFT_EAR, idx::RIGHT_EAR] {
            pose.landmarks[i].x += 100.0;
        }
        let s = compute(&pose, 640, 480);
        assert!((s.lateral_bend_deg.abs() - 45.0).abs() < 1e-3, "{}", s.lateral_bend_deg);
    }

    #[test]
    fn world_forward_offset_is_ears_ahead_of_shoulders() {
        let mut pose = front_pose(110.0, 20.0);
        for i in [idx::LEFT_EAR, idx::RIGHT_EAR] {
            pose.world[i].z = -0.30;
        }
        for i in [idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER] {
            pose.world[i].z = -0.26;
        }
        assert!((compute(&pose, 640, 480).forward_m - 0.04).abs() < 1e-6);
    }

    #[test]
    fn side_angle_uses_the_near_side_and_faces_the_nose() {
        let mut pose = front_pose(110.0, 20.0);
        let lm = &mut pose.landmarks;
        // Profile facing image-right: near (left) ear 50 px ahead of and 50 px above the shoulder.
        lm[idx::LEFT_SHOULDER] = Landmark { x: 300.0, y: 400.0, z: -10.0, visibility: 1.0, presence: 1.0 };
        lm[idx::LEFT_EAR] = Landmark { x: 350.0, y: 350.0, z: -10.0, visibility: 1.0, presence: 1.0 };
        lm[idx::RIGHT_SHOULDER] = Landmark { x: 310.0, y: 400.0, z: 10.0, visibility: 0.3, presence: 1.0 };
        lm[idx::RIGHT_EAR] = Landmark { x: 345.0, y: 352.0, z: 10.0, visibility: 0.3, presence: 1.0 };
        lm[idx::NOSE].x = 400.0;
        assert_eq!(near_side(lm), Near::Left);
        let s = compute(&pose, 640, 480);
        assert!((s.side_angle_deg - 45.0).abs() < 1e-3, "{}", s.side_angle_deg);
        // Ear behind the shoulder (reclined): beyond 90°.
        pose.landmarks[idx::LEFT_EAR].x = 280.0;
        assert!(compute(&pose, 640, 480).side_angle_deg > 90.0);
    }
}
