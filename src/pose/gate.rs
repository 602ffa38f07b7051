//! Change gating: whether a frame differs enough from the last one the
//! landmark model ran on to be worth running it again. A person at a desk
//! is still most of the time; a still frame gets the last landmarks,
//! judged at its own time, so timers stay right.
//!
//! The comparison is of a 32×24 grid of mean brightness (16 pixels sampled
//! per cell, about 12 000 reads for any frame size), against the frame the
//! model last ran on, so a slow drift adds up until it counts. The model
//! runs anyway every [`MAX_SKIP_S`] seconds.

use crate::capture::Frame;

const GRID_W: usize = 32;
const GRID_H: usize = 24;
const CELLS: usize = GRID_W * GRID_H;
/// Samples per cell side.
const SAMPLES: usize = 4;
/// Mean absolute change of the cells (0-255 levels) that runs the model.
/// Sensor noise of a still scene stays well under it (about 0.7 for a
/// noise of 3 levels a pixel, since each cell averages 16 pixels).
const MEAN_CHANGE: f32 = 1.5;
/// A change this large in any one cell (a head moving over a few cells'
/// edge, a hand) runs the model however small the rest is.
const CELL_CHANGE: f32 = 12.0;
/// The model runs at least this often, whatever the frames look like:
/// late by at most this much against alert delays of a minute, and the
/// still person's model cost is one run in ten frames at 2 fps.
pub const MAX_SKIP_S: f64 = 5.0;

/// Remembers the frame the model last ran on. Allocation-free.
pub struct ChangeGate {
    reference: [f32; CELLS],
    now: [f32; CELLS],
    /// When the model last ran; None before the first frame or after a reset.
    ran_at: Option<f64>,
}

impl Default for ChangeGate {
    fn default() -> Self {
        Self { reference: [0.0; CELLS], now: [0.0; CELLS], ran_at: None }
    }
}

impl ChangeGate {
    /// Whether the model must run on `frame` at `t` (always when `force`:
    /// calibration reads every frame). When it must, `frame` becomes the
    /// reference the next frames are compared with.
    pub fn must_run(&mut self, frame: &Frame<'_>, t: f64, force: bool) -> bool {
        signature(frame, &mut self.now);
        let run = force
            || self.ran_at.is_none_or(|at| t - at >= MAX_SKIP_S || t < at)
            || changed(&self.reference, &self.now);
        if run {
            self.reference = self.now;
            self.ran_at = Some(t);
        }
        run
    }

    /// The next frame runs the model (a new source, a camera back).
    pub fn reset(&mut self) {
        self.ran_at = None;
    }
}

/// Mean brightness (approximate luma) of each cell of the grid.
fn signature(frame: &Frame<'_>, out: &mut [f32; CELLS]) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    for cy in 0..GRID_H {
        for cx in 0..GRID_W {
            let mut sum = 0u32;
            for sy in 0..SAMPLES {
                let y = ((cy * SAMPLES + sy) * 2 + 1) * h / (GRID_H * SAMPLES * 2);
                for sx in 0..SAMPLES {
                    let x = ((cx * SAMPLES + sx) * 2 + 1) * w / (GRID_W * SAMPLES * 2);
                    let i = (y * w + x) * 3;
                    let px = &frame.data[i..i + 3];
                    sum += 2 * u32::from(px[0]) + 5 * u32::from(px[1]) + u32::from(px[2]);
                }
            }
            out[cy * GRID_W + cx] = sum as f32 / (8 * SAMPLES * SAMPLES) as f32;
        }
    }
}

fn changed(a: &[f32; CELLS], b: &[f32; CELLS]) -> bool {
    let mut total = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = (x - y).abs();
        if d >= CELL_CHANGE {
            return true;
        }
        total += d;
    }
    total / CELLS as f32 >= MEAN_CHANGE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 640×480 grey frame with a dark 60×80 "head" at `x`, plus noise.
    fn scene(head_x: usize, noise_seed: u32) -> Vec<u8> {
        let (w, h) = (640, 480);
        let mut s = noise_seed.wrapping_mul(2_654_435_761).max(1);
        let mut data = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let base: i32 =
                    if (head_x..head_x + 60).contains(&x) && (100..180).contains(&y) { 60 } else { 160 };
                let v = (base + (s % 7) as i32 - 3).clamp(0, 255) as u8;
                data[(y * w + x) * 3..][..3].copy_from_slice(&[v, v, v]);
            }
        }
        data
    }

    fn frame(data: &[u8]) -> Frame<'_> {
        Frame::new(640, 480, data).expect("frame")
    }

    #[test]
    fn a_still_noisy_scene_runs_the_model_only_every_few_seconds() {
        let mut gate = ChangeGate::default();
        let runs = (0..40)
            .filter(|&i| {
                let data = scene(300, i);
                gate.must_run(&frame(&data), f64::from(i) * 0.5, false)
            })
            .count();
        // 20 s at 2 fps: the first frame, then every 5 s.
        assert_eq!(runs, 4, "{runs} runs in 40 still frames");
    }

    #[test]
    fn a_moving_head_runs_it_and_a_slow_drift_adds_up() {
        let mut gate = ChangeGate::default();
        let a = scene(300, 1);
        assert!(gate.must_run(&frame(&a), 0.0, false));
        // A head 30 px further: at once.
        let b = scene(330, 2);
        assert!(gate.must_run(&frame(&b), 0.5, false));
        // 2 px at a time: skipped at first, run once it adds up.
        let mut ran = Vec::new();
        for i in 1..6 {
            let d = scene(330 + 2 * i, 2 + i as u32);
            ran.push(gate.must_run(&frame(&d), 0.5 + 0.1 * i as f64, false));
        }
        assert!(!ran[0] && ran.contains(&true), "{ran:?}");
        // Calibration always runs it; a reset runs the next frame.
        assert!(gate.must_run(&frame(&b), 1.2, true));
        gate.reset();
        assert!(gate.must_run(&frame(&b), 1.3, false));
    }
}
