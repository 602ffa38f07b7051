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

/// `headsup analyze --runtime auto` on one image from `cwd`; its stderr.
fn analyze_from(cwd: &std::path::Path, ld_library_path: Option<&str>) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_headsup"));
    cmd.args(["analyze", "--runtime", "auto", "--model", "lite", "--format", "jsonl"])
        .arg(testdata().join(IMAGES[0]))
        .current_dir(cwd)
        .env_remove("ORT_DYLIB_PATH");
    match ld_library_path {
        Some(v) => cmd.env("LD_LIBRARY_PATH", v),
        None => cmd.env_remove("LD_LIBRARY_PATH"),
    };
    let out = cmd.output().expect("analyze");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    err
}

/// Nothing from the working directory runs or is loaded: an `onnxruntime.py`
/// there is not imported by the runtime probe, and with an empty entry in
/// `LD_LIBRARY_PATH` a `libonnxruntime.so` there is not loaded. The real
/// runtime is still found where it is installed (CI: the PyPI wheel).
#[test]
fn nothing_from_the_working_directory_runs() {
    let _guard = serial();
    let cwd = std::env::temp_dir().join(format!("headsup-cwd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cwd);
    std::fs::create_dir_all(&cwd).expect("dir");
    let marker = cwd.join("ran");
    let trap = format!("open({:?}, 'w').write('ran')\n", marker.display().to_string());
    std::fs::write(cwd.join("onnxruntime.py"), trap).expect("trap");
    let installed = find_onnxruntime(None).is_some();
    let err = analyze_from(&cwd, None);
    assert!(!marker.exists(), "the probe imported the working directory's onnxruntime.py");
    assert_eq!(err.contains("on onnxruntime"), installed, "{err}");
    std::fs::write(cwd.join("libonnxruntime.so"), b"not a library").expect("fake library");
    let err = analyze_from(&cwd, Some("/nonexistent:"));
    assert!(!err.contains(&cwd.display().to_string()) && !err.contains("not a library"), "{err}");
    assert_eq!(err.contains("on onnxruntime"), installed, "{err}");
    let _ = std::fs::remove_dir_all(&cwd);
}
