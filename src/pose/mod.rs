//! Pose: frame → 33 body landmarks, the BlazePose pipeline as MediaPipe's
//! C++ graph runs it. A letterboxed detector finds the person, a rotated crop
//! around them goes to the landmark model, and on sequences the next crop is
//! tracked from the previous frame's landmarks so the detector runs only when
//! the person is lost.
//!
//! [`PoseEstimator`] owns every per-frame buffer (letterbox, crop, model
//! outputs, detection candidates); after the first frame the pre- and
//! post-processing allocate nothing.
//!
//! Data flow: `capture::Frame` → [`PoseEstimator::estimate`] / [`PoseEstimator::track`]
//! → [`PoseResult`] → the posture stage.

pub mod crop;
pub mod detector;
pub mod gate;
pub mod landmarks;
pub mod models;
pub mod roi;
pub mod runtime;
pub mod smoothing;

use std::path::PathBuf;
use std::time::Instant;

use crate::capture::Frame;
use crop::{Border, crop_into};
use detector::{DETECTOR_SIZE, DetectorDecoder, NUM_ANCHORS, NUM_COORDS};
use landmarks::{HEATMAP_SIZE, LANDMARK_SIZE, LandmarkTensors, NUM_LANDMARKS, NUM_RAW, RawLandmarks, idx};
pub use landmarks::{LANDMARK_NAMES, Landmark, WorldLandmark};
pub use models::ModelKind;
pub use roi::Roi;
use runtime::{InferenceModel, ModelSpec};
pub use runtime::{Runtime, RuntimeChoice};
use smoothing::LandmarkSmoother;

/// The pose-present probability below which the person counts as lost
/// (MediaPipe's `min_tracking_confidence` default).
const MIN_POSE_SCORE: f32 = 0.5;

/// The detector's tensors, checked at load.
pub const DETECTOR_SPEC: ModelSpec = ModelSpec {
    input_name: "input_1",
    input_shape: [1, DETECTOR_SIZE, DETECTOR_SIZE, 3],
    outputs: &[("Identity", NUM_ANCHORS * NUM_COORDS), ("Identity_1", NUM_ANCHORS)],
    // Runs only when tracking is lost.
    spin: false,
};

/// The landmark model's tensors (segmentation pruned), checked at load.
pub const LANDMARK_SPEC: ModelSpec = ModelSpec {
    input_name: "input_1",
    input_shape: [1, LANDMARK_SIZE, LANDMARK_SIZE, 3],
    outputs: &[
        ("Identity", NUM_RAW * 5),
        ("Identity_1", 1),
        ("Identity_3", HEATMAP_SIZE * HEATMAP_SIZE * NUM_RAW),
        ("Identity_4", NUM_RAW * 3),
    ],
    // Runs on every frame.
    spin: true,
};

/// Errors of the pose stage. Each names the file or library involved.
#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    #[error("model {path}: {message}")]
    Model { path: PathBuf, message: String },
    #[error(
        "model file {file} not found (looked in {searched}); produce it with `bash scripts/convert_models.sh --heavy`, or point --models at a folder holding it"
    )]
    ModelMissing { file: String, searched: String },
    #[error("ONNX Runtime library not found (searched {searched})")]
    RuntimeNotFound { searched: String },
    #[error("ONNX Runtime library {library}: {message}")]
    RuntimeLoad { library: PathBuf, message: String },
    #[error("inference failed in the {stage} model: {message}")]
    Inference { stage: &'static str, message: String },
}

/// How to build a [`PoseEstimator`].
#[derive(Clone, Debug)]
pub struct PoseOptions {
    pub model: ModelKind,
    pub runtime: RuntimeChoice,
    /// Inference threads; 0 means all cores (the watcher asks for one).
    pub threads: usize,
    /// Folder holding the .onnx files instead of the embedded ones.
    pub models_dir: Option<PathBuf>,
    /// Explicit path of a `libonnxruntime` shared library.
    pub ort_library: Option<PathBuf>,
    /// Keep inference threads spinning between frames: lowest latency when
    /// frames come back to back (analysis, benchmarks), wasted CPU at a
    /// webcam's few frames per second (the watcher turns it off).
    pub busy_wait: bool,
}

impl Default for PoseOptions {
    fn default() -> Self {
        Self {
            model: ModelKind::default(),
            runtime: RuntimeChoice::default(),
            threads: 0,
            models_dir: None,
            ort_library: None,
            busy_wait: true,
        }
    }
}

/// One person's landmarks in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    /// x, y in pixels of the input frame; z on the same pixel scale as x,
    /// relative to the hips (smaller = closer to the camera).
    pub landmarks: [Landmark; NUM_LANDMARKS],
    /// Metres, origin between the hips.
    pub world: [WorldLandmark; NUM_LANDMARKS],
    /// Pose-present probability from the landmark model.
    pub score: f32,
    /// The crop the landmarks were read from.
    pub roi: Roi,
}

/// Milliseconds spent per stage on one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    pub preprocess: f32,
    pub detector: f32,
    pub landmarks: f32,
    pub postprocess: f32,
    pub total: f32,
}

/// What the pose stage saw in one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoseResult {
    pub width: u32,
    pub height: u32,
    /// The followed person (the highest-scoring detection), if any.
    pub pose: Option<Pose>,
    /// People the detector saw the last time it ran.
    pub people: usize,
    /// Whether the detector ran on this frame (false while tracking).
    pub detector_ran: bool,
    pub timings: Timings,
}

/// Frame → landmarks. Owns the models and every per-frame buffer.
pub struct PoseEstimator {
    runtime: Runtime,
    model: ModelKind,
    detector: Box<dyn InferenceModel>,
    landmark: Box<dyn InferenceModel>,
    decoder: DetectorDecoder,
    det_input: Vec<f32>,
    lm_input: Vec<f32>,
    det_out: Vec<Vec<f32>>,
    lm_out: Vec<Vec<f32>>,
    raw: RawLandmarks,
    /// The crop for the next frame of a sequence, from this frame's landmarks.
    tracked: Option<Roi>,
    smooth_image: LandmarkSmoother,
    smooth_world: LandmarkSmoother,
    smooth_aux: LandmarkSmoother,
    result: PoseResult,
}

impl PoseEstimator {
    pub fn new(opts: &PoseOptions) -> Result<Self, PoseError> {
        let runtime = runtime::select(opts.runtime, opts.ort_library.as_deref())?;
        let files = models::resolve(opts.model, opts.models_dir.as_deref())?;
        let threads = if opts.threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        } else {
            opts.threads
        };
        let detector = runtime::load(&runtime, &files.detector, &DETECTOR_SPEC, threads)?;
        let landmark_spec = ModelSpec { spin: LANDMARK_SPEC.spin && opts.busy_wait, ..LANDMARK_SPEC };
        let landmark = runtime::load(&runtime, &files.landmarks, &landmark_spec, threads)?;
        let outputs = |spec: &ModelSpec| spec.outputs.iter().map(|(_, n)| Vec::with_capacity(*n)).collect();
        Ok(Self {
            runtime,
            model: opts.model,
            detector,
            landmark,
            decoder: DetectorDecoder::new(),
            det_input: vec![0.0; DETECTOR_SIZE * DETECTOR_SIZE * 3],
            lm_input: vec![0.0; LANDMARK_SIZE * LANDMARK_SIZE * 3],
            det_out: outputs(&DETECTOR_SPEC),
            lm_out: outputs(&LANDMARK_SPEC),
            raw: RawLandmarks::default(),
            tracked: None,
            smooth_image: LandmarkSmoother::new(smoothing::LANDMARKS),
            smooth_world: LandmarkSmoother::new(smoothing::WORLD),
            smooth_aux: LandmarkSmoother::new(smoothing::AUX),
            result: PoseResult::default(),
        })
    }

    /// The runtime the models run on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    pub fn model(&self) -> ModelKind {
        self.model
    }

    /// The person of the last frame, if any.
    pub fn last_pose(&self) -> Option<&Pose> {
        self.result.pose.as_ref()
    }

    /// The last result again, for a frame the change gate ([`gate`]) let
    /// by without the model: the same landmarks, no model time.
    pub fn carried(&mut self) -> &PoseResult {
        self.result.detector_ran = false;
        self.result.timings = Timings::default();
        &self.result
    }

    /// Forgets the tracked person: the next frame starts with the detector.
    pub fn reset(&mut self) {
        self.tracked = None;
        self.smooth_image.reset();
        self.smooth_world.reset();
        self.smooth_aux.reset();
    }

    /// A still image: detector and landmarks, no history, no smoothing.
    pub fn estimate(&mut self, frame: &Frame<'_>) -> Result<&PoseResult, PoseError> {
        self.reset();
        self.process(frame, None)
    }

    /// The next frame of a sequence at `t` seconds: tracks the previous
    /// frame's person and smooths landmarks over time, as MediaPipe's
    /// video mode does.
    pub fn track(&mut self, frame: &Frame<'_>, t: f64) -> Result<&PoseResult, PoseError> {
        self.process(frame, Some(t))
    }

    fn process(&mut self, frame: &Frame<'_>, t: Option<f64>) -> Result<&PoseResult, PoseError> {
        let start = Instant::now();
        let (w, h) = (frame.width, frame.height);
        let mut timings = Timings::default();
        let mut people = self.result.people;
        let detector_ran = self.tracked.is_none() || t.is_none();
        let roi = match self.tracked.filter(|_| t.is_some()) {
            Some(roi) => roi,
            None => {
                let t0 = Instant::now();
                crop_into(
                    frame,
                    &Roi::letterbox(w, h),
                    DETECTOR_SIZE,
                    -1.0,
                    1.0,
                    Border::Zero,
                    &mut self.det_input,
                );
                let t1 = Instant::now();
                self.detector
                    .run(&self.det_input, &mut self.det_out)
                    .map_err(|message| PoseError::Inference { stage: "detector", message })?;
                let t2 = Instant::now();
                let detections = self.decoder.decode(&self.det_out[0], &self.det_out[1], w, h);
                people = detections.len();
                timings.preprocess += ms(t1 - t0);
                timings.detector = ms(t2 - t1);
                timings.postprocess += ms(t2.elapsed());
                match detections.first() {
                    Some(best) => Roi::from_points(best.keypoints[0], best.keypoints[1], w, h),
                    None => {
                        return Ok(self.finish(frame, None, people, detector_ran, timings, start));
                    }
                }
            }
        };
        let t0 = Instant::now();
        crop_into(frame, &roi, LANDMARK_SIZE, 0.0, 1.0, Border::Replicate, &mut self.lm_input);
        let t1 = Instant::now();
        self.landmark
            .run(&self.lm_input, &mut self.lm_out)
            .map_err(|message| PoseError::Inference { stage: "landmark", message })?;
        let t2 = Instant::now();
        timings.preprocess += ms(t1 - t0);
        timings.landmarks = ms(t2 - t1);
        // Output order and lengths were checked against LANDMARK_SPEC at load.
        let out = &self.lm_out;
        let tensors = LandmarkTensors { raw: &out[0], flag: out[1][0], heatmap: &out[2], world: &out[3] };
        landmarks::decode(&tensors, &roi, w, h, &mut self.raw);
        if self.raw.pose_score < MIN_POSE_SCORE {
            return Ok(self.finish(frame, None, people, detector_ran, timings, start));
        }
        if let Some(t) = t {
            self.smooth_image.apply_image(t, &roi, w, h, &mut self.raw.image[..NUM_LANDMARKS]);
            self.smooth_world.apply_world(t, &mut self.raw.world[..NUM_LANDMARKS]);
            self.smooth_aux.apply_image(t, &roi, w, h, &mut self.raw.image[idx::AUX_CENTRE..=idx::AUX_SCALE]);
            let (c, s) = (self.raw.image[idx::AUX_CENTRE], self.raw.image[idx::AUX_SCALE]);
            self.tracked = Some(Roi::from_points([c.x, c.y], [s.x, s.y], w, h));
        }
        let mut pose = Pose {
            landmarks: [Landmark::default(); NUM_LANDMARKS],
            world: [WorldLandmark::default(); NUM_LANDMARKS],
            score: self.raw.pose_score,
            roi,
        };
        for (dst, src) in pose.landmarks.iter_mut().zip(&self.raw.image) {
            *dst = Landmark { x: src.x * w as f32, y: src.y * h as f32, z: src.z * w as f32, ..*src };
        }
        pose.world.copy_from_slice(&self.raw.world[..NUM_LANDMARKS]);
        timings.postprocess += ms(t2.elapsed());
        Ok(self.finish(frame, Some(pose), people, detector_ran, timings, start))
    }

    fn finish(
        &mut self,
        frame: &Frame<'_>,
        pose: Option<Pose>,
        people: usize,
        detector_ran: bool,
        mut timings: Timings,
        start: Instant,
    ) -> &PoseResult {
        if pose.is_none() {
            self.reset();
        }
        timings.total = ms(start.elapsed());
        self.result =
            PoseResult { width: frame.width, height: frame.height, pose, people, detector_ran, timings };
        &self.result
    }
}

fn ms(d: std::time::Duration) -> f32 {
    d.as_secs_f32() * 1000.0
}
