//! Temporal smoothing of landmarks on sequences, as MediaPipe's pose graph
//! does in tracking mode: visibility through a low-pass filter, coordinates
//! through one-euro filters scaled by the object's size, so slow drift is
//! smoothed hard and fast movement follows with little lag.

use super::landmarks::{Landmark, NUM_RAW, WorldLandmark};
use super::roi::Roi;

/// MediaPipe's `LowPassFilter`: the first value passes, then an exponential mean.
#[derive(Clone, Copy, Debug, Default)]
struct LowPass {
    value: Option<f32>,
    raw: f32,
}

impl LowPass {
    fn apply(&mut self, x: f32, alpha: f32) -> f32 {
        self.raw = x;
        let y = match self.value {
            Some(prev) => alpha * x + (1.0 - alpha) * prev,
            None => x,
        };
        self.value = Some(y);
        y
    }
}

/// Parameters of a one-euro filter (Casiez et al.), as MediaPipe names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneEuroParams {
    pub min_cutoff: f32,
    pub beta: f32,
    pub derivate_cutoff: f32,
    /// World landmarks are in metres already and are not scaled by object size.
    pub scale_by_object: bool,
}

/// Image landmarks: `min_cutoff 0.05, beta 80, derivate_cutoff 1`.
pub const LANDMARKS: OneEuroParams =
    OneEuroParams { min_cutoff: 0.05, beta: 80.0, derivate_cutoff: 1.0, scale_by_object: true };
/// Auxiliary (ROI) landmarks: `min_cutoff 0.01, beta 10, derivate_cutoff 1`.
pub const AUX: OneEuroParams =
    OneEuroParams { min_cutoff: 0.01, beta: 10.0, derivate_cutoff: 1.0, scale_by_object: true };
/// World landmarks: `min_cutoff 0.1, beta 40, derivate_cutoff 1`, unscaled.
pub const WORLD: OneEuroParams =
    OneEuroParams { min_cutoff: 0.1, beta: 40.0, derivate_cutoff: 1.0, scale_by_object: false };
/// Visibility low-pass weight of the newest value.
const VISIBILITY_ALPHA: f32 = 0.1;

#[derive(Clone, Copy, Debug, Default)]
struct OneEuro {
    x: LowPass,
    dx: LowPass,
}

impl OneEuro {
    fn apply(&mut self, p: &OneEuroParams, frequency: f32, value_scale: f32, x: f32) -> f32 {
        let dvalue = match self.x.value {
            Some(_) => (x - self.x.raw) * value_scale * frequency,
            None => 0.0,
        };
        let edvalue = self.dx.apply(dvalue, alpha(p.derivate_cutoff, frequency));
        let cutoff = p.min_cutoff + p.beta * edvalue.abs();
        self.x.apply(x, alpha(cutoff, frequency))
    }
}

fn alpha(cutoff: f32, frequency: f32) -> f32 {
    let te = 1.0 / frequency;
    let tau = 1.0 / (2.0 * std::f32::consts::PI * cutoff);
    1.0 / (1.0 + tau / te)
}

/// Smooths one stream of landmarks over time; reset when the person is lost.
#[derive(Clone, Debug)]
pub struct LandmarkSmoother {
    params: OneEuroParams,
    filters: [[OneEuro; 3]; NUM_RAW],
    visibility: [LowPass; NUM_RAW],
    last_time: Option<f64>,
}

/// MediaPipe's filters start at this frequency before two timestamps are seen.
const INITIAL_FREQUENCY: f32 = 30.0;

impl LandmarkSmoother {
    pub fn new(params: OneEuroParams) -> Self {
        Self {
            params,
            filters: [[OneEuro::default(); 3]; NUM_RAW],
            visibility: [LowPass::default(); NUM_RAW],
            last_time: None,
        }
    }

    pub fn reset(&mut self) {
        *self = Self::new(self.params);
    }

    /// Frequency from the time since the previous call; `None` for a
    /// non-increasing timestamp (the value then passes unfiltered).
    fn frequency(&mut self, t: f64) -> Option<f32> {
        let f = match self.last_time {
            Some(prev) if t <= prev => return None,
            Some(prev) => (1.0 / (t - prev)) as f32,
            None => INITIAL_FREQUENCY,
        };
        self.last_time = Some(t);
        Some(f)
    }

    /// Smooths normalised image landmarks in place. `t` is in seconds; the
    /// ROI gives the object scale that makes the filter resolution-independent.
    pub fn apply_image(&mut self, t: f64, roi: &Roi, width: u32, height: u32, lms: &mut [Landmark]) {
        for (v, lm) in self.visibility.iter_mut().zip(lms.iter_mut()) {
            lm.visibility = v.apply(lm.visibility, VISIBILITY_ALPHA);
        }
        let Some(freq) = self.frequency(t) else {
            return;
        };
        let (w, h) = (width as f32, height as f32);
        let object_scale = (roi.width + roi.height) / 2.0;
        if object_scale < 1e-6 {
            return;
        }
        let scale = if self.params.scale_by_object { 1.0 / object_scale } else { 1.0 };
        for (f, lm) in self.filters.iter_mut().zip(lms.iter_mut()) {
            // Filter in pixels (z on x's scale), as MediaPipe does.
            lm.x = f[0].apply(&self.params, freq, scale, lm.x * w) / w;
            lm.y = f[1].apply(&self.params, freq, scale, lm.y * h) / h;
            lm.z = f[2].apply(&self.params, freq, scale, lm.z * w) / w;
        }
    }

    /// Smooths world landmarks (metres) in place.
    pub fn apply_world(&mut self, t: f64, lms: &mut [WorldLandmark]) {
        let Some(freq) = self.frequency(t) else {
            return;
        };
        for (f, lm) in self.filters.iter_mut().zip(lms.iter_mut()) {
            lm.x = f[0].apply(&self.params, freq, 1.0, lm.x);
            lm.y = f[1].apply(&self.params, freq, 1.0, lm.y);
            lm.z = f[2].apply(&self.params, freq, 1.0, lm.z);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32) -> [Landmark; 1] {
        [Landmark { x, y: 0.5, z: 0.0, visibility: 1.0, presence: 1.0 }]
    }

    #[test]
    fn first_value_passes_then_jitter_is_damped() {
        let roi = Roi { cx: 50.0, cy: 50.0, width: 100.0, height: 100.0, rotation: 0.0 };
        let mut s = LandmarkSmoother::new(LANDMARKS);
        let mut p = point(0.5);
        s.apply_image(0.0, &roi, 100, 100, &mut p);
        assert_eq!(p[0].x, 0.5);
        // A 1 px jitter at 30 fps is mostly removed.
        let mut p = point(0.51);
        s.apply_image(1.0 / 30.0, &roi, 100, 100, &mut p);
        assert!(p[0].x > 0.5 && p[0].x < 0.506, "{}", p[0].x);
    }

    #[test]
    fn fast_movement_is_followed() {
        let roi = Roi { cx: 50.0, cy: 50.0, width: 100.0, height: 100.0, rotation: 0.0 };
        let mut s = LandmarkSmoother::new(LANDMARKS);
        let mut last = 0.0;
        for i in 0..10 {
            let mut p = point(0.1 + 0.08 * i as f32);
            s.apply_image(i as f64 / 30.0, &roi, 100, 100, &mut p);
            last = p[0].x;
        }
        // Within a few pixels of the true 0.82 despite 8 px/frame motion.
        assert!((last - 0.82).abs() < 0.05, "{last}");
    }

    #[test]
    fn repeated_timestamp_passes_values_through() {
        let mut s = LandmarkSmoother::new(WORLD);
        let mut w = [WorldLandmark { x: 1.0, y: 0.0, z: 0.0 }];
        s.apply_world(1.0, &mut w);
        let mut w2 = [WorldLandmark { x: 2.0, y: 0.0, z: 0.0 }];
        s.apply_world(1.0, &mut w2);
        assert_eq!(w2[0].x, 2.0);
    }
}
