//! The Rust pipeline against MediaPipe's own Python Pose on every test image:
//! the same people found, ears and shoulders within 1% of the image diagonal.
//! (MediaPipe Python refines with heatmap kernel 9, the C++ graph and this
//! pipeline with 7: about 1-3 px apart, far inside the tolerance.)

use headsup::pose::{ModelKind, RuntimeChoice};

use crate::common::*;

fn check_against_golden(model: ModelKind, file: &str) {
    let _guard = serial();
    let golden = golden(file);
    let mut est = estimator(model, RuntimeChoice::Rten);
    let mut failures = Vec::new();
    let mut medians = Vec::new();
    println!("{:<60} {:>8} {:>8} {:>8}", "image", "median", "worst", "tol");
    for img in golden["images"].as_array().expect("images") {
        let rel = img["file"].as_str().expect("file");
        let result = run_still(&mut est, rel);
        let want = img["person"].as_bool().expect("person");
        if result.pose.is_some() != want {
            failures.push(format!("{rel}: person {} but MediaPipe says {want}", result.pose.is_some()));
            continue;
        }
        if !want {
            println!("{rel:<60} {:>8} {:>8}", "none", "none");
            continue;
        }
        let tol = 0.01 * (result.width as f32).hypot(result.height as f32);
        let mut errs = key_point_errors(&result, &img["landmarks"]);
        let worst = errs.iter().cloned().fold(0.0, f32::max);
        let med = median(&mut errs);
        medians.push(med);
        println!("{rel:<60} {med:>8.2} {worst:>8.2} {tol:>8.2}");
        if worst > tol {
            failures.push(format!("{rel}: ear/shoulder off by {worst:.2} px (tolerance {tol:.2})"));
        }
    }
    println!(
        "{model:?}: median of per-image medians {:.2} px over {} images",
        median(&mut medians),
        medians.len()
    );
    assert!(
        failures.is_empty(),
        "{} image(s) disagree with MediaPipe:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn full_model_matches_mediapipe_on_every_test_image() {
    check_against_golden(ModelKind::Full, "mediapipe_full.json");
}

#[test]
fn lite_model_matches_mediapipe_on_every_test_image() {
    check_against_golden(ModelKind::Lite, "mediapipe_lite.json");
}
