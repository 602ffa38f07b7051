//! Both runtimes give the same landmarks. The native ONNX Runtime is used
//! when its library can be found; CI installs it and sets
//! `HEADSUP_REQUIRE_ORT=1` so that a missing library fails there.

use headsup::pose::runtime::find_onnxruntime;
use headsup::pose::{ModelKind, Runtime, RuntimeChoice};

use crate::common::*;

const IMAGES: [&str; 3] = [
    "side_view/nvinay_hunchback.jpg",
    "front_view/hagrid_call_17d804b5-7118-462d-8191-58d764f591b8.jpg",
    "unlicensed/front_neck_grades/case1_IMG_0877_100.jpg",
];

#[test]
fn onnxruntime_and_rten_agree() {
    let _guard = serial();
    let required = std::env::var("HEADSUP_REQUIRE_ORT").is_ok_and(|v| v == "1");
    if find_onnxruntime(None).is_none() {
        assert!(!required, "HEADSUP_REQUIRE_ORT=1 but no ONNX Runtime library was found");
        println!("no ONNX Runtime library on this machine: native path not exercised");
        return;
    }
    let mut ort = estimator(ModelKind::Full, RuntimeChoice::Onnxruntime);
    assert!(matches!(ort.runtime(), Runtime::OnnxRuntime { .. }), "{}", ort.runtime());
    let mut rten = estimator(ModelKind::Full, RuntimeChoice::Rten);
    for rel in IMAGES {
        let a = run_still(&mut ort, rel);
        let b = run_still(&mut rten, rel);
        let (pa, pb) = (a.pose.expect("ort finds a person"), b.pose.expect("rten finds a person"));
        let worst = pa
            .landmarks
            .iter()
            .zip(&pb.landmarks)
            .map(|(p, q)| (p.x - q.x).hypot(p.y - q.y))
            .fold(0.0, f32::max);
        println!("{rel}: onnxruntime vs rten worst landmark {worst:.4} px");
        assert!(worst < 0.5, "{rel}: runtimes differ by {worst} px");
    }
}

#[test]
fn auto_picks_onnxruntime_exactly_when_found() {
    let _guard = serial();
    let est = estimator(ModelKind::Lite, RuntimeChoice::Auto);
    match find_onnxruntime(None) {
        Some(_) => assert!(matches!(est.runtime(), Runtime::OnnxRuntime { .. })),
        None => assert_eq!(est.runtime(), &Runtime::Rten),
    }
}
