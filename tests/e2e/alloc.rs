//! The per-frame pre- and post-processing allocates nothing once its buffers
//! exist: letterbox and crop into reused tensors, detector decoding with
//! weighted NMS, landmark decoding. Counted by a global allocator that only
//! counts on the thread that asked, so parallel tests do not interfere; it
//! also keeps the largest single allocation, which bounds what the fuzz
//! targets may ask for.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use headsup::capture::{Frame, load_rgb};
use headsup::pose::crop::{Border, crop_into};
use headsup::pose::detector::DetectorDecoder;
use headsup::pose::landmarks::{LandmarkTensors, RawLandmarks, decode};
use headsup::pose::runtime::{self, Runtime};
use headsup::pose::{DETECTOR_SPEC, LANDMARK_SPEC, ModelKind, Roi, models};

use crate::common::*;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn count(size: usize) {
    if COUNTING.with(Cell::get) {
        COUNT.with(|c| c.set(c.get() + 1));
        LARGEST.with(|l| l.set(l.get().max(size)));
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(Cell::get)
}

/// Runs `f`; what it gave and the largest single allocation (bytes) it
/// made on this thread. Memory C code takes with malloc is not seen.
pub fn largest_allocation<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|l| l.set(0));
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (r, LARGEST.with(Cell::get))
}

#[test]
fn pre_and_post_processing_allocate_nothing_per_frame() {
    let _guard = serial();
    // The counter itself works.
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![1u8; 8]))), 1);
    let mut rgb = Vec::new();
    let (w, h) = load_rgb(&testdata().join("side_view/nvinay_hunchback.jpg"), &mut rgb).expect("image");
    let frame = Frame::new(w, h, &rgb).expect("frame");
    // Real model outputs to decode.
    let files = models::resolve(ModelKind::Lite, None).expect("models");
    let mut det = runtime::load(&Runtime::Rten, &files.detector, &DETECTOR_SPEC, 1).expect("detector");
    let mut lm = runtime::load(&Runtime::Rten, &files.landmarks, &LANDMARK_SPEC, 1).expect("landmarks");
    let (mut det_in, mut lm_in) = (vec![0.0; 224 * 224 * 3], vec![0.0; 256 * 256 * 3]);
    let (mut det_out, mut lm_out) = (vec![Vec::new(); 2], vec![Vec::new(); 4]);
    crop_into(&frame, &Roi::letterbox(w, h), 224, -1.0, 1.0, Border::Zero, &mut det_in);
    det.run(&det_in, &mut det_out).expect("detector run");
    let mut decoder = DetectorDecoder::new();
    let best = *decoder.decode(&det_out[0], &det_out[1], w, h).first().expect("a person");
    let roi = Roi::from_points(best.keypoints[0], best.keypoints[1], w, h);
    crop_into(&frame, &roi, 256, 0.0, 1.0, Border::Replicate, &mut lm_in);
    lm.run(&lm_in, &mut lm_out).expect("landmark run");
    let mut raw = RawLandmarks::default();

    let n = allocations(|| {
        for _ in 0..3 {
            crop_into(&frame, &Roi::letterbox(w, h), 224, -1.0, 1.0, Border::Zero, &mut det_in);
            let people = decoder.decode(&det_out[0], &det_out[1], w, h).len();
            assert!(people >= 1);
            crop_into(&frame, &roi, 256, 0.0, 1.0, Border::Replicate, &mut lm_in);
            let t = LandmarkTensors {
                raw: &lm_out[0],
                flag: lm_out[1][0],
                heatmap: &lm_out[2],
                world: &lm_out[3],
            };
            decode(&t, &roi, w, h, &mut raw);
        }
    });
    assert_eq!(n, 0, "per-frame pre/post-processing allocated {n} times");
    assert!(raw.pose_score > 0.5);
}

#[test]
fn posture_update_allocates_nothing() {
    use headsup::config::Config;
    use headsup::pose::{PoseEstimator, PoseOptions, RuntimeChoice};
    use headsup::posture::{Calibrator, PostureEngine, judge};

    let _guard = serial();
    let opts = PoseOptions {
        model: ModelKind::Lite,
        runtime: RuntimeChoice::Rten,
        threads: 1,
        ..Default::default()
    };
    let mut est = PoseEstimator::new(&opts).expect("estimator");
    let params = Config::default().posture_params();
    // Real pose results: a calibration frame, a forward-head frame, nobody.
    let dir = "unlicensed/front_neck_grades";
    let good = run_still(&mut est, &format!("{dir}/case4_IMG_0877_100.jpg"));
    let bad = run_still(&mut est, &format!("{dir}/case1_IMG_0877_100.jpg"));
    let nobody = run_still(&mut est, "negatives/no_person/coco_000000000078.jpg");
    let mut cal = Calibrator::new();
    for _ in 0..3 {
        cal.add(&judge(&good, 120.0, None, &params), good.width, good.height);
    }
    let mut engine = PostureEngine::new(params, Some(cal.finish(&params.scoring).expect("baseline")));
    let frames = [&good, &bad, &bad, &nobody, &good];
    let mut states = 0;
    let n = allocations(|| {
        for i in 0..2000 {
            let a = engine.update(i as f64 * 0.5, frames[i % frames.len()], 120.0);
            states += a.state as usize;
        }
    });
    assert_eq!(n, 0, "posture updates allocated {n} times");
    assert!(states > 0);
}
