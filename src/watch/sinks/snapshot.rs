//! What a window shows, published by the watcher after each judged frame:
//! a small preview of the frame, the landmarks scaled onto it, the latest
//! assessment, the baseline, the mode and counters. The window only reads
//! it (under a short lock); it never waits on the camera or the model.

use std::sync::{Arc, Mutex};

pub use super::CalibrationProgress;
use super::{Judged, Sink, Stats};
use crate::posture::{Assessment, Baseline};
use crate::watch::Started;
use crate::watch::{Event, Mode};

/// Longest side of the preview image, pixels.
pub const PREVIEW_SIDE: u32 = 480;

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Increases with every published frame.
    pub seq: u64,
    pub preview_width: u32,
    pub preview_height: u32,
    /// RGB8, `preview_width × preview_height`. Shared, so a reader's copy
    /// of the snapshot costs no pixels; reused between frames while no
    /// reader holds it.
    pub preview: Arc<Vec<u8>>,
    /// The 33 landmarks in preview pixels with their visibility.
    pub landmarks: Option<[[f32; 3]; 33]>,
    pub assessment: Option<Assessment>,
    pub baseline: Option<Baseline>,
    /// `watching`, `paused` or `snoozed`.
    pub mode: &'static str,
    pub snooze_left_s: Option<f64>,
    /// Frames a second, CPU share, frames judged and dropped.
    pub stats: Stats,
    /// The camera is held by another program (a call).
    pub camera_busy: bool,
    pub source: String,
    pub runtime: String,
    pub calibration: Option<CalibrationProgress>,
    /// What the last correction did ("sensitivity lowered: ...").
    pub feedback: Option<String>,
    /// The watcher has ended (replay over, error); with the message if any.
    pub finished: Option<String>,
}

pub type SharedSnapshot = Arc<Mutex<Snapshot>>;

/// Downscales `rgb` (nearest neighbour, cheap) into the snapshot's reused buffer.
pub fn set_preview(s: &mut Snapshot, width: u32, height: u32, rgb: &[u8]) {
    let scale = (PREVIEW_SIDE as f32 / width.max(height) as f32).min(1.0);
    let (pw, ph) = (((width as f32 * scale) as u32).max(1), ((height as f32 * scale) as u32).max(1));
    let preview = Arc::make_mut(&mut s.preview);
    preview.resize(pw as usize * ph as usize * 3, 0);
    for y in 0..ph {
        let sy = ((y as f32 + 0.5) / scale) as u32;
        let sy = sy.min(height - 1) as usize;
        for x in 0..pw {
            let sx = (((x as f32 + 0.5) / scale) as u32).min(width - 1) as usize;
            let src = (sy * width as usize + sx) * 3;
            let dst = (y as usize * pw as usize + x as usize) * 3;
            preview[dst..dst + 3].copy_from_slice(&rgb[src..src + 3]);
        }
    }
    s.preview_width = pw;
    s.preview_height = ph;
}

/// Publishes into a [`SharedSnapshot`], and wakes the reader (the window
/// asks for a repaint) when something it shows has changed.
pub struct Publisher {
    shared: SharedSnapshot,
    source: String,
    runtime: String,
    wake: Box<dyn Fn() + Send>,
    /// What the last tick showed: the mode and the whole snooze minutes left.
    shown: (&'static str, Option<i64>),
}

impl Publisher {
    pub fn new(shared: SharedSnapshot) -> Self {
        Self {
            shared,
            source: String::new(),
            runtime: String::new(),
            wake: Box::new(|| {}),
            shown: ("", None),
        }
    }

    /// Calls `wake` after each change the reader should see.
    pub fn waking(mut self, wake: impl Fn() + Send + 'static) -> Self {
        self.wake = Box::new(wake);
        self
    }

    fn with(&self, f: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut s) = self.shared.lock() {
            f(&mut s);
        }
        (self.wake)();
    }
}

impl Sink for Publisher {
    fn started(&mut self, started: &Started<'_>) {
        self.source = started.source.to_string();
        self.runtime = started.runtime.to_string();
    }

    fn event(&mut self, _t: f64, event: &Event) {
        match event {
            Event::CameraLost { error } => self.with(|s| s.camera_busy = error.contains("busy")),
            Event::CameraFound { source } => {
                self.source.clone_from(source);
                self.with(|s| s.camera_busy = false);
            }
            Event::Feedback { message, .. } => {
                self.with(|s| s.feedback = Some(message.clone()));
                (self.wake)();
            }
            _ => {}
        }
    }

    fn tick(&mut self, t: f64, mode: Mode) {
        let left = mode.snooze_left(t);
        let shown = (mode.name(), left.map(|l| (l / 60.0).ceil() as i64));
        if let Ok(mut s) = self.shared.lock() {
            (s.mode, s.snooze_left_s) = (mode.name(), left);
        }
        // The window shows minutes left: wake it when those change.
        if shown != self.shown {
            self.shown = shown;
            (self.wake)();
        }
    }

    fn judged(&mut self, f: &Judged<'_>) {
        let Ok(mut s) = self.shared.lock() else { return };
        if let Some(p) = f.calibration {
            s.calibration = Some(p.clone());
        }
        let frame = f.frame;
        set_preview(&mut s, frame.width, frame.height, frame.data);
        let k = s.preview_width as f32 / frame.width as f32;
        s.landmarks = f.pose.map(|p| p.landmarks.map(|l| [l.x * k, l.y * k, l.visibility]));
        s.assessment = Some(*f.assessment);
        s.baseline = f.baseline.cloned();
        s.seq += 1;
        s.stats = f.stats;
        if s.source != self.source {
            s.source.clone_from(&self.source);
        }
        if s.runtime != self.runtime {
            s.runtime.clone_from(&self.runtime);
        }
        drop(s);
        (self.wake)();
    }

    fn finish(&mut self, _t: f64, why: &str) {
        self.with(|s| s.finished = Some(why.to_string()));
    }
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

    /// The window is woken for what it shows, not for every turn of the
    /// watcher's loop: the mode, and the snooze's minutes left.
    #[test]
    fn ticks_wake_the_reader_only_when_what_it_shows_changes() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let woken = Arc::new(AtomicUsize::new(0));
        let count = woken.clone();
        let mut p = Publisher::new(SharedSnapshot::default()).waking(move || {
            count.fetch_add(1, Ordering::Relaxed);
        });
        let wakes = || woken.load(Ordering::Relaxed);
        p.tick(0.0, Mode::Watching);
        assert_eq!(wakes(), 1);
        for i in 1..50 {
            p.tick(f64::from(i) * 0.1, Mode::Watching);
        }
        assert_eq!(wakes(), 1, "an idle watcher wakes nobody");
        let snoozed = Mode::Snoozed { until: 600.0 };
        p.tick(10.0, snoozed);
        p.tick(20.0, snoozed);
        assert_eq!(wakes(), 2, "10 min left, twice");
        p.tick(70.0, snoozed);
        assert_eq!(wakes(), 3, "9 min left");
        assert_eq!(p.shared.lock().expect("lock").mode, "snoozed");
    }
}
