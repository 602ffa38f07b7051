//! The per-frame posture update (landmarks in, assessment out): the hot
//! loop that runs on every camera frame. Target: well under 1 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use headsup::config::Config;
use headsup::pose::landmarks::idx;
use headsup::pose::{Landmark, Pose, PoseResult, Roi, WorldLandmark};
use headsup::posture::{Calibrator, PostureEngine, judge, signals};

/// A frontal person with the ears `gap` px above the shoulder line.
fn result(gap: f32) -> PoseResult {
    let mut lm = [Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 0.99, presence: 0.99 }; 33];
    let mut put = |i: usize, x: f32, y: f32| {
        lm[i].x = x;
        lm[i].y = y;
    };
    put(idx::LEFT_SHOULDER, 420.0, 400.0);
    put(idx::RIGHT_SHOULDER, 220.0, 400.0);
    put(idx::LEFT_EAR, 360.0, 400.0 - gap);
    put(idx::RIGHT_EAR, 280.0, 400.0 - gap);
    put(idx::LEFT_EYE, 340.0, 390.0 - gap);
    put(idx::RIGHT_EYE, 300.0, 390.0 - gap);
    put(idx::NOSE, 320.0, 420.0 - gap);
    let pose =
        Pose { landmarks: lm, world: [WorldLandmark::default(); 33], score: 0.99, roi: Roi::default() };
    PoseResult { width: 640, height: 480, pose: Some(pose), people: 1, ..Default::default() }
}

fn bench(c: &mut Criterion) {
    let params = Config::default().posture_params();
    let (good, bad) = (result(110.0), result(80.0));
    let mut cal = Calibrator::new();
    for _ in 0..3 {
        cal.add(&judge(&good, 120.0, None, &params), 640, 480);
    }
    let mut engine = PostureEngine::new(params, Some(cal.finish(&params.scoring).expect("baseline")));
    let pose = good.pose.as_ref().expect("pose");
    c.bench_function("posture/signals", |b| {
        b.iter(|| black_box(signals::compute(black_box(pose), 640, 480)))
    });
    let mut t = 0.0;
    let mut n = 0usize;
    c.bench_function("posture/update", |b| {
        b.iter(|| {
            t += 0.5;
            n += 1;
            let r = if n % 7 < 3 { &bad } else { &good };
            black_box(engine.update(t, black_box(r), 120.0))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
