//! What a window shows, published by the watcher after each judged frame:
//! a small preview of the frame, the landmarks scaled onto it, the latest
//! assessment, the baseline, the mode and counters. The window only reads
//! it (under a short lock); it never waits on the camera or the model.

use std::sync::{Arc, Mutex};

use crate::posture::{Assessment, Baseline};

/// Longest side of the preview image, pixels.
pub const PREVIEW_SIDE: u32 = 480;

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Increases with every published frame.
    pub seq: u64,
    pub preview_width: u32,
    pub preview_height: u32,
    /// RGB8, `preview_width × preview_height`; reused between frames.
    pub preview: Vec<u8>,
    /// The 33 landmarks in preview pixels with their visibility.
    pub landmarks: Option<[[f32; 3]; 33]>,
    pub assessment: Option<Assessment>,
    pub baseline: Option<Baseline>,
    /// `watching`, `paused` or `snoozed`.
    pub mode: &'static str,
    pub snooze_left_s: Option<f64>,
    pub fps: f64,
    pub cpu_percent: f64,
    pub frames: u64,
    pub dropped: u64,
    /// The camera is held by another program (a call).
    pub camera_busy: bool,
    pub source: String,
    pub runtime: String,
    pub calibration: Option<CalibrationProgress>,
    /// The watcher has ended (replay over, error); with the message if any.
    pub finished: Option<String>,
}

/// The calibration wizard's live feedback.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalibrationProgress {
    pub remaining_s: f64,
    pub good_frames: usize,
    pub frames: usize,
    /// Why the last frame could not be used, or the result when done.
    pub message: String,
    pub done: bool,
    pub ok: bool,
}

pub type SharedSnapshot = Arc<Mutex<Snapshot>>;

/// Downscales `rgb` (nearest neighbour, cheap) into the snapshot's reused buffer.
pub fn set_preview(s: &mut Snapshot, width: u32, height: u32, rgb: &[u8]) {
    let scale = (PREVIEW_SIDE as f32 / width.max(height) as f32).min(1.0);
    let (pw, ph) = (((width as f32 * scale) as u32).max(1), ((height as f32 * scale) as u32).max(1));
    s.preview.resize(pw as usize * ph as usize * 3, 0);
    for y in 0..ph {
        let sy = ((y as f32 + 0.5) / scale) as u32;
        let sy = sy.min(height - 1) as usize;
        for x in 0..pw {
            let sx = (((x as f32 + 0.5) / scale) as u32).min(width - 1) as usize;
            let src = (sy * width as usize + sx) * 3;
            let dst = (y as usize * pw as usize + x as usize) * 3;
            s.preview[dst..dst + 3].copy_from_slice(&rgb[src..src + 3]);
        }
    }
    s.preview_width = pw;
    s.preview_height = ph;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_keeps_aspect_and_samples_pixels() {
        let (w, h) = (960u32, 540u32);
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        // A white right half.
        for y in 0..h {
            for x in w / 2..w {
                let i = ((y * w + x) * 3) as usize;
                rgb[i..i + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
        let mut s = Snapshot::default();
        set_preview(&mut s, w, h, &rgb);
        assert_eq!((s.preview_width, s.preview_height), (480, 270));
        assert_eq!(&s.preview[..3], &[0, 0, 0]);
        let right = ((100 * 480 + 400) * 3) as usize;
        assert_eq!(&s.preview[right..right + 3], &[255, 255, 255]);
    }
}
