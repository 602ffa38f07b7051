//! Facing: whether the person has their back to the camera. MediaPipe
//! returns confident face landmarks on back views, so a hidden face alone
//! misses most of them; this module reads the evidence a back view leaves
//! and a front view cannot, from one frame's landmarks. No allocation.
//! (Consistency over frames, the fourth cue, is the tracker's: see its
//! `BackHold`.)
//!
//! The geometry, for a camera that does not mirror: seen from the front, a
//! person's left shoulder and left ear are on the image's right; turned
//! around they swap sides, and the nose goes behind the ears (the model's
//! depth). A mirroring camera swaps the sides of a front view too, but leaves
//! the nose in front, so the swap alone never decides.

use crate::pose::Landmark;
use crate::pose::landmarks::idx;

/// The shoulders must be at least this broad to the camera (horizontal
/// share of their distance) for the cues to mean anything: in profile they
/// overlap and their order is noise.
const MIN_BROAD: f32 = 0.6;
/// The ears must span at least this share of the shoulders' horizontal
/// distance for their order to count.
const MIN_EAR_SPAN: f32 = 0.25;
/// The nose this far behind the ears, in shoulder distances (the model's z
/// is on x's pixel scale): front views measured here put it 0.1-0.5 ahead.
const NOSE_BEHIND: f32 = 0.1;
/// The face (nose and eyes) this much less visible than the ears.
const FACE_FAINTER: f32 = 0.3;

/// The back-view cues of one frame; each is evidence on its own, two decide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackCues {
    /// Shoulders and ears both in back-view order (left on the image's left).
    pub swapped: bool,
    /// The nose deeper than the ears.
    pub nose_behind: bool,
    /// Nose and eyes much less visible than the ears.
    pub face_fainter: bool,
}

impl BackCues {
    /// Reads the cues; all false unless the shoulders are broad to the camera.
    pub fn read(lm: &[Landmark; 33]) -> Self {
        let (ls, rs) = (&lm[idx::LEFT_SHOULDER], &lm[idx::RIGHT_SHOULDER]);
        let (le, re) = (&lm[idx::LEFT_EAR], &lm[idx::RIGHT_EAR]);
        let dx = ls.x - rs.x;
        let dist = dx.hypot(ls.y - rs.y);
        if !(dist > 0.0 && dx.abs() >= MIN_BROAD * dist) {
            return Self::default();
        }
        let ears = le.x - re.x;
        let swapped = dx < 0.0 && ears < 0.0 && ears.abs() >= MIN_EAR_SPAN * dx.abs();
        let nose_behind = lm[idx::NOSE].z - (le.z + re.z) / 2.0 > NOSE_BEHIND * dist;
        let face =
            (lm[idx::NOSE].visibility + lm[idx::LEFT_EYE].visibility + lm[idx::RIGHT_EYE].visibility) / 3.0;
        let face_fainter = face < (le.visibility + re.visibility) / 2.0 - FACE_FAINTER;
        Self { swapped, nose_behind, face_fainter }
    }

    /// How many cues are on (0-3).
    pub fn votes(self) -> usize {
        [self.swapped, self.nose_behind, self.face_fainter].iter().filter(|&&c| c).count()
    }
}

/// Whether the frame shows the person's back: the face hidden while a
/// shoulder is seen, or two of the frame's `cues` (see [`BackCues::read`]).
/// One cue is left to the tracker, which knows whether a back was just seen.
pub fn back_to_camera(lm: &[Landmark; 33], cues: BackCues, min_visibility: f32) -> bool {
    let face_hidden = [idx::NOSE, idx::LEFT_EYE, idx::RIGHT_EYE].iter().all(|&i| lm[i].visibility < 0.5);
    let shoulder_seen =
        [idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER].iter().any(|&i| lm[i].visibility >= min_visibility);
    (face_hidden && shoulder_seen) || cues.votes() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: f32 = 640.0;

    fn is_back(lm: &[Landmark; 33]) -> bool {
        back_to_camera(lm, BackCues::read(lm), 0.5)
    }

    /// A person facing an unmirrored camera: left side on the image's
    /// right, the nose 40 px nearer than the ears (shoulders 200 px apart).
    fn front() -> [Landmark; 33] {
        let mut lm = [Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 0.99, presence: 1.0 }; 33];
        let mut put = |i: usize, x: f32, y: f32, z: f32| {
            lm[i].x = x;
            lm[i].y = y;
            lm[i].z = z;
        };
        put(idx::LEFT_SHOULDER, 420.0, 400.0, 0.0);
        put(idx::RIGHT_SHOULDER, 220.0, 400.0, 0.0);
        put(idx::LEFT_EAR, 360.0, 290.0, 0.0);
        put(idx::RIGHT_EAR, 280.0, 290.0, 0.0);
        put(idx::LEFT_EYE, 340.0, 280.0, -30.0);
        put(idx::RIGHT_EYE, 300.0, 280.0, -30.0);
        put(idx::NOSE, 320.0, 300.0, -40.0);
        lm
    }

    /// The image flipped left to right (a mirroring camera): depth unchanged.
    fn mirrored(mut lm: [Landmark; 33]) -> [Landmark; 33] {
        for l in &mut lm {
            l.x = W - l.x;
        }
        lm
    }

    /// The person turned half a turn about the vertical axis: sides swap in
    /// the image and what was nearest is now farthest.
    fn turned_around(lm: [Landmark; 33]) -> [Landmark; 33] {
        let mut lm = mirrored(lm);
        for l in &mut lm {
            l.z = -l.z;
        }
        lm
    }

    /// Side view: the shoulders overlap, the nose far ahead in x.
    fn profile() -> [Landmark; 33] {
        let mut lm = front();
        lm[idx::LEFT_SHOULDER].x = 330.0;
        lm[idx::RIGHT_SHOULDER].x = 315.0;
        lm[idx::RIGHT_SHOULDER].y = 370.0;
        lm[idx::LEFT_EAR].x = 322.0;
        lm[idx::RIGHT_EAR].x = 318.0;
        lm[idx::NOSE].z = 60.0; // the far ear is deep, the near one shallow: no meaning
        lm
    }

    #[test]
    fn a_front_view_has_no_back_cues() {
        assert_eq!(BackCues::read(&front()), BackCues::default());
        assert!(!is_back(&front()));
    }

    #[test]
    fn a_mirroring_camera_swaps_the_sides_but_keeps_the_nose_in_front() {
        let cues = BackCues::read(&mirrored(front()));
        assert!(cues.swapped && !cues.nose_behind && !cues.face_fainter);
        assert!(!is_back(&mirrored(front())), "one cue never decides");
    }

    #[test]
    fn turned_around_with_a_confident_face_is_a_back_view() {
        // MediaPipe keeps the face's visibility high on back views.
        let back = turned_around(front());
        let cues = BackCues::read(&back);
        assert!(cues.swapped && cues.nose_behind && !cues.face_fainter);
        assert!(is_back(&back));
    }

    #[test]
    fn the_nose_behind_the_ears_and_a_faint_face_decide_without_the_swap() {
        // The model fitted a front-facing skeleton (sides not swapped) to a back.
        let mut back = front();
        back[idx::NOSE].z = 40.0;
        for i in [idx::NOSE, idx::LEFT_EYE, idx::RIGHT_EYE] {
            back[i].visibility = 0.55;
        }
        let cues = BackCues::read(&back);
        assert!(!cues.swapped && cues.nose_behind && cues.face_fainter);
        assert!(is_back(&back));
        back[idx::NOSE].z = -40.0;
        assert!(!is_back(&back), "a faint face alone is dim light, not a back");
    }

    #[test]
    fn a_hidden_face_over_seen_shoulders_is_a_back_view() {
        let mut back = front();
        for i in [idx::NOSE, idx::LEFT_EYE, idx::RIGHT_EYE] {
            back[i].visibility = 0.1;
        }
        assert!(is_back(&back));
        for i in [idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER] {
            back[i].visibility = 0.1;
        }
        assert!(!is_back(&back), "nothing seen at all is not a back");
    }

    #[test]
    fn a_profile_reads_no_cues_even_turned_around() {
        assert_eq!(BackCues::read(&profile()), BackCues::default());
        assert_eq!(BackCues::read(&turned_around(profile())), BackCues::default());
    }
}
