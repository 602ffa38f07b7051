//! Landmark model post-processing: raw tensors → landmarks in frame
//! coordinates, following MediaPipe's `TensorsToLandmarksCalculator`,
//! `RefineLandmarksFromHeatmapCalculator` (kernel 7, as the C++ graph sets it),
//! `LandmarkProjectionCalculator` and `WorldLandmarkProjectionCalculator`.

use super::roi::Roi;

/// Side of the landmark model's square input, in pixels.
pub const LANDMARK_SIZE: usize = 256;
/// Points the model emits: the 33 BlazePose landmarks plus 6 auxiliary ones
/// (33 = body centre, 34 = scale/rotation point; used to track the ROI).
pub const NUM_RAW: usize = 39;
/// The 33 public BlazePose landmarks.
pub const NUM_LANDMARKS: usize = 33;
/// Heatmap resolution and kernel used to refine coordinates.
pub const HEATMAP_SIZE: usize = 64;
const HEATMAP_KERNEL: usize = 7;
const MIN_CONFIDENCE_TO_REFINE: f32 = 0.5;

/// MediaPipe's landmark names, in model order, in snake_case.
pub const LANDMARK_NAMES: [&str; NUM_LANDMARKS] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

/// Named indices of the landmarks the posture code reads.
pub mod idx {
    pub const NOSE: usize = 0;
    pub const LEFT_EYE: usize = 2;
    pub const RIGHT_EYE: usize = 5;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_HIP: usize = 23;
    pub const RIGHT_HIP: usize = 24;
    /// Auxiliary points that seed the next frame's ROI.
    pub const AUX_CENTRE: usize = 33;
    pub const AUX_SCALE: usize = 34;
}

/// One image landmark. In [`RawLandmarks`] x, y, z are normalised to the
/// frame (z on x's scale); in [`crate::pose::Pose`] they are pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Landmark {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    /// Probability that the point is visible (not occluded), 0..1.
    pub visibility: f32,
    /// Probability that the point is inside the frame, 0..1.
    pub presence: f32,
}

/// A world landmark in metres, origin between the hips, y pointing down.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct WorldLandmark {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

/// All 39 model points of one frame, normalised frame coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawLandmarks {
    pub image: [Landmark; NUM_RAW],
    pub world: [WorldLandmark; NUM_RAW],
    /// The model's pose-present probability (already a sigmoid in the graph).
    pub pose_score: f32,
}

impl Default for RawLandmarks {
    fn default() -> Self {
        Self {
            image: [Landmark::default(); NUM_RAW],
            world: [WorldLandmark::default(); NUM_RAW],
            pose_score: 0.0,
        }
    }
}

/// The landmark model's outputs for one crop.
pub struct LandmarkTensors<'a> {
    /// `Identity`: 39 × (x, y, z, visibility logit, presence logit), crop pixels.
    pub raw: &'a [f32],
    /// `Identity_1`: pose-present probability.
    pub flag: f32,
    /// `Identity_3`: 64×64×39 heatmap logits, NHWC.
    pub heatmap: &'a [f32],
    /// `Identity_4`: 39 × (x, y, z) world coordinates in metres.
    pub world: &'a [f32],
}

/// Decodes the landmark model's outputs for a crop taken at `roi` from a
/// `width`×`height` frame into `out`.
pub fn decode(t: &LandmarkTensors<'_>, roi: &Roi, width: u32, height: u32, out: &mut RawLandmarks) {
    let LandmarkTensors { raw, flag, heatmap, world } = *t;
    let size = LANDMARK_SIZE as f32;
    let (sin, cos) = roi.rotation.sin_cos();
    let (w, h) = (width as f32, height as f32);
    for (i, (lm, v)) in out.image.iter_mut().zip(raw.chunks_exact(5)).enumerate() {
        let (mut x, mut y) = (v[0] / size, v[1] / size);
        if let Some((rx, ry)) = refine_from_heatmap(heatmap, i, x, y) {
            (x, y) = (rx, ry);
        }
        // Crop-normalised → frame-normalised (LandmarkProjectionCalculator).
        let (xn, yn) = (x - 0.5, y - 0.5);
        lm.x = (cos * xn - sin * yn) * roi.width / w + roi.cx / w;
        lm.y = (sin * xn + cos * yn) * roi.height / h + roi.cy / h;
        lm.z = v[2] / size * roi.width / w;
        lm.visibility = sigmoid(v[3]);
        lm.presence = sigmoid(v[4]);
    }
    for (wl, v) in out.world.iter_mut().zip(world.chunks_exact(3)) {
        wl.x = cos * v[0] - sin * v[1];
        wl.y = sin * v[0] + cos * v[1];
        wl.z = v[2];
    }
    out.pose_score = flag;
}

/// Score-weighted centre of the heatmap around (x, y) when the heatmap is
/// confident there, in crop-normalised coordinates.
fn refine_from_heatmap(heatmap: &[f32], landmark: usize, x: f32, y: f32) -> Option<(f32, f32)> {
    let n = HEATMAP_SIZE as i32;
    // Truncation toward zero, as the C++ `static_cast<int>` does.
    let (col, row) = ((x * n as f32) as i32, (y * n as f32) as i32);
    if col < 0 || col >= n || row < 0 || row >= n {
        return None;
    }
    let off = (HEATMAP_KERNEL as i32 - 1) / 2;
    let (c0, c1) = ((col - off).max(0), (col + off + 1).min(n));
    let (r0, r1) = ((row - off).max(0), (row + off + 1).min(n));
    let (mut sum, mut max, mut wc, mut wr) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for r in r0..r1 {
        for c in c0..c1 {
            let p = sigmoid(heatmap[(r as usize * HEATMAP_SIZE + c as usize) * NUM_RAW + landmark]);
            sum += p;
            max = max.max(p);
            wc += c as f32 * p;
            wr += r as f32 * p;
        }
    }
    (max >= MIN_CONFIDENCE_TO_REFINE && sum > 0.0).then(|| (wc / n as f32 / sum, wr / n as f32 / sum))
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_mediapipe_order() {
        assert_eq!(LANDMARK_NAMES[idx::LEFT_EAR], "left_ear");
        assert_eq!(LANDMARK_NAMES[idx::RIGHT_SHOULDER], "right_shoulder");
        assert_eq!(LANDMARK_NAMES[32], "right_foot_index");
    }

    #[test]
    fn heatmap_peak_pulls_the_point_to_its_centre() {
        let mut heat = vec![-20.0; HEATMAP_SIZE * HEATMAP_SIZE * NUM_RAW];
        // Landmark 3 has a confident blob at (row 10, col 20).
        heat[(10 * HEATMAP_SIZE + 20) * NUM_RAW + 3] = 20.0;
        let (x, y) = refine_from_heatmap(&heat, 3, 21.5 / 64.0, 11.2 / 64.0).expect("refined");
        assert!((x - 20.0 / 64.0).abs() < 1e-4 && (y - 10.0 / 64.0).abs() < 1e-4, "{x} {y}");
        // Landmark 4 has nothing confident: left alone.
        assert!(refine_from_heatmap(&heat, 4, 0.3, 0.3).is_none());
        // Outside the heatmap: left alone.
        assert!(refine_from_heatmap(&heat, 3, 1.2, 0.3).is_none());
    }

    #[test]
    fn projection_maps_crop_centre_to_roi_centre_and_rotates() {
        let mut raw = vec![0.0; NUM_RAW * 5];
        // Landmark 0 at the crop centre, landmark 1 at the crop's top-middle.
        raw[..2].copy_from_slice(&[128.0, 128.0]);
        raw[5..7].copy_from_slice(&[128.0, 0.0]);
        let heat = vec![-20.0; HEATMAP_SIZE * HEATMAP_SIZE * NUM_RAW];
        let world = vec![0.0; NUM_RAW * 3];
        let roi =
            Roi { cx: 300.0, cy: 200.0, width: 100.0, height: 100.0, rotation: std::f32::consts::FRAC_PI_2 };
        let mut out = RawLandmarks::default();
        let t = LandmarkTensors { raw: &raw, flag: 0.9, heatmap: &heat, world: &world };
        decode(&t, &roi, 600, 400, &mut out);
        assert!((out.image[0].x - 0.5).abs() < 1e-6 && (out.image[0].y - 0.5).abs() < 1e-6);
        // Crop "up" points to frame +x after a clockwise quarter turn.
        assert!((out.image[1].x * 600.0 - 350.0).abs() < 1e-3, "{}", out.image[1].x * 600.0);
        assert!((out.image[1].y * 400.0 - 200.0).abs() < 1e-3);
        assert_eq!(out.image[0].visibility, 0.5);
        assert_eq!(out.pose_score, 0.9);
    }
}
