//! Frame sequences with tracking: the detector runs once on a steady
//! sequence and the smoothed landmarks stay within tolerance of MediaPipe's
//! video mode.

use headsup::capture::{Frame, load_rgb};
use headsup::pose::{ModelKind, RuntimeChoice};

use crate::common::*;

#[test]
fn front_neck_grade_sequences_track_after_one_detection() {
    let _guard = serial();
    let golden = golden("mediapipe_full_sequence.json");
    let images = golden["images"].as_array().expect("images");
    let mut est = estimator(ModelKind::Full, RuntimeChoice::Rten);
    for case in ["case1", "case4"] {
        est.reset();
        let frames: Vec<_> = images.iter().filter(|i| i["sequence"] == case).collect();
        assert!(frames.len() >= 4, "{case}: {} frames in the golden", frames.len());
        let mut rgb = Vec::new();
        for (n, img) in frames.iter().enumerate() {
            let rel = img["file"].as_str().expect("file");
            let (w, h) = load_rgb(&testdata().join(rel), &mut rgb).unwrap_or_else(|e| panic!("{e}"));
            let frame = Frame::new(w, h, &rgb).expect("frame");
            let result = est.track(&frame, (n + 1) as f64 / 30.0).expect("track").clone();
            assert_eq!(result.detector_ran, n == 0, "{rel}: detector ran = {}", result.detector_ran);
            let tol = 0.01 * (w as f32).hypot(h as f32);
            let errs = key_point_errors(&result, &img["landmarks"]);
            let worst = errs.iter().cloned().fold(0.0, f32::max);
            println!("{rel}: worst ear/shoulder error {worst:.2} px (tolerance {tol:.1})");
            assert!(worst <= tol, "{rel}: {worst:.2} px > {tol:.1}");
        }
    }
}

#[test]
fn losing_the_person_falls_back_to_the_detector() {
    let _guard = serial();
    let mut est = estimator(ModelKind::Lite, RuntimeChoice::Rten);
    let mut rgb = Vec::new();
    let (w, h) = load_rgb(&testdata().join("side_view/nvinay_straight_hf.jpg"), &mut rgb).expect("image");
    // The person leaves: a black frame of the same size (camera covered).
    let black = vec![0u8; rgb.len()];
    let person = Frame::new(w, h, &rgb).expect("frame");
    let empty = Frame::new(w, h, &black).expect("frame");
    let mut seen = Vec::new();
    for (n, frame) in [person, empty, person, person].iter().enumerate() {
        let r = est.track(frame, n as f64 / 30.0).expect("track");
        seen.push((r.detector_ran, r.pose.is_some()));
    }
    // Tracking is tried on the empty frame and fails; the next frame detects again.
    assert_eq!(seen, [(true, true), (false, false), (true, true), (false, true)]);
}
