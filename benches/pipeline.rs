//! Pipeline speed at 640×480: preprocessing, each model alone, and whole
//! frames (tracked = landmarks only, as on a webcam; static = detector too),
//! for every runtime available here and the lite and full models.
//!
//! `cargo bench --bench pipeline`; MediaPipe's own numbers on the same frames
//! come from `scripts/bench_mediapipe.py`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use headsup::capture::camera::{PixelFormat, decode};
use headsup::capture::{Frame, load_rgb};
use headsup::pose::crop::{Border, crop_into};
use headsup::pose::runtime::{self, find_onnxruntime};
use headsup::pose::{
    DETECTOR_SPEC, LANDMARK_SPEC, ModelKind, PoseEstimator, PoseOptions, Roi, RuntimeChoice, models,
};

const W: u32 = 640;
const H: u32 = 480;

/// A real test photo letterboxed (aspect kept, black bars) into 640×480:
/// the first frame `scripts/bench_mediapipe.py` times MediaPipe on.
fn frame_rgb() -> Vec<u8> {
    let dir = std::env::var("HEADSUP_TESTDATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/testdata").into());
    let path = format!("{dir}/side_view/nvinay_straight_hf.jpg");
    let mut rgb = Vec::new();
    let (w, h) = load_rgb(path.as_ref(), &mut rgb).expect("bench image");
    let img = image::RgbImage::from_raw(w, h, rgb).expect("rgb");
    let scale = (W as f32 / w as f32).min(H as f32 / h as f32);
    let (sw, sh) = ((w as f32 * scale).round() as u32, (h as f32 * scale).round() as u32);
    let small = image::imageops::resize(&img, sw, sh, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::new(W, H);
    image::imageops::overlay(&mut canvas, &small, i64::from((W - sw) / 2), i64::from((H - sh) / 2));
    canvas.into_raw()
}

fn runtimes() -> Vec<RuntimeChoice> {
    let mut r = vec![RuntimeChoice::Rten];
    if find_onnxruntime(None).is_some() {
        r.push(RuntimeChoice::Onnxruntime);
    }
    r
}

fn name(r: RuntimeChoice) -> &'static str {
    match r {
        RuntimeChoice::Rten => "rten",
        _ => "onnxruntime",
    }
}

fn bench(c: &mut Criterion) {
    let rgb = frame_rgb();
    let frame = Frame::new(W, H, &rgb).expect("frame");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    let mut g = c.benchmark_group("preprocess");
    let mut det_in = vec![0.0; 224 * 224 * 3];
    let mut lm_in = vec![0.0; 256 * 256 * 3];
    g.bench_function("letterbox_224", |b| {
        b.iter(|| {
            crop_into(&frame, &Roi::letterbox(W, H), 224, -1.0, 1.0, Border::Zero, black_box(&mut det_in))
        })
    });
    let roi = Roi { cx: 320.0, cy: 260.0, width: 420.0, height: 420.0, rotation: 0.1 };
    g.bench_function("rotated_crop_256", |b| {
        b.iter(|| crop_into(&frame, &roi, 256, 0.0, 1.0, Border::Replicate, black_box(&mut lm_in)))
    });
    // A camera's MJPEG frame into the reused RGB buffer, as the capture thread does.
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode(&rgb, W, H, image::ExtendedColorType::Rgb8)
        .expect("encode");
    let mut out = Vec::new();
    g.bench_function("decode_mjpeg_640x480", |b| {
        b.iter(|| decode(PixelFormat::Mjpeg, black_box(&jpeg), W, H, &mut out).expect("decode"))
    });
    g.finish();

    for rt in runtimes() {
        let runtime = runtime::select(rt, None).expect("runtime");
        let mut g = c.benchmark_group(format!("model/{}", name(rt)));
        g.sample_size(20).measurement_time(Duration::from_secs(4));
        let files = models::resolve(ModelKind::Full, None).expect("models");
        let mut det = runtime::load(&runtime, &files.detector, &DETECTOR_SPEC, threads).expect("detector");
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); 2];
        g.bench_function("detector", |b| b.iter(|| det.run(&det_in, &mut out).expect("run")));
        for kind in [ModelKind::Lite, ModelKind::Full] {
            let files = models::resolve(kind, None).expect("models");
            let mut lm =
                runtime::load(&runtime, &files.landmarks, &LANDMARK_SPEC, threads).expect("landmarks");
            let mut out: Vec<Vec<f32>> = vec![Vec::new(); 4];
            g.bench_function(format!("landmarks_{}", kind.name()), |b| {
                b.iter(|| lm.run(&lm_in, &mut out).expect("run"))
            });
        }
        g.finish();

        let mut g = c.benchmark_group(format!("frame_640x480/{}", name(rt)));
        g.sample_size(20).measurement_time(Duration::from_secs(5));
        for kind in [ModelKind::Lite, ModelKind::Full] {
            let opts = PoseOptions { model: kind, runtime: rt, threads, ..Default::default() };
            let mut est = PoseEstimator::new(&opts).expect("estimator");
            let mut t = 0.0;
            g.bench_function(format!("tracked_{}", kind.name()), |b| {
                b.iter(|| {
                    t += 1.0 / 30.0;
                    let r = est.track(&frame, t).expect("track");
                    assert!(r.pose.is_some());
                })
            });
            g.bench_function(format!("static_{}", kind.name()), |b| {
                b.iter(|| black_box(est.estimate(&frame).expect("estimate").people))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
