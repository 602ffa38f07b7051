//! Capture: where frames come from. The webcam (`camera`), and its replay
//! twins (`replay`: an image folder or a video file) that go through the
//! identical pipeline, so everything downstream is testable without a
//! camera. Every source fills one reused RGB8 buffer; [`Frame`] is the
//! borrowed view the pose stage reads.

pub mod camera;
mod image_file;
pub mod replay;

pub use camera::CameraRequest;
use image_file::decode_jpeg;
pub use image_file::{ImageError, MAX_PIXELS, MAX_SIDE, collect_images, load_rgb, size_ok};

/// A borrowed RGB8 frame, rows packed, `width * height * 3` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub width: u32,
    pub height: u32,
    pub data: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Wraps an RGB8 buffer; `None` when its length does not match the size.
    pub fn new(width: u32, height: u32, data: &'a [u8]) -> Option<Self> {
        (width > 0 && height > 0 && data.len() == width as usize * height as usize * 3).then_some(Self {
            width,
            height,
            data,
        })
    }

    /// Mean brightness (Rec. 601 luma, 0-255) over a sparse grid of pixels:
    /// enough to tell a dark room, cheap enough for every frame.
    pub fn mean_luma(&self) -> f32 {
        const STEP: usize = 7;
        let (mut sum, mut n) = (0u64, 0u64);
        for px in self.data.chunks_exact(3).step_by(STEP) {
            sum += 299 * u64::from(px[0]) + 587 * u64::from(px[1]) + 114 * u64::from(px[2]);
            n += 1;
        }
        if n == 0 { 0.0 } else { sum as f32 / n as f32 / 1000.0 }
    }
}

/// What a source says about the frame it just wrote.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameMeta {
    pub width: u32,
    pub height: u32,
    /// Replays: the frame's time on the simulated clock (n / fps). Cameras: `None`.
    pub t: Option<f64>,
}

/// Why a source could not give a frame.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("camera {index} not found (`headsup cameras` lists the cameras there are)")]
    NoCamera { index: u32 },
    #[error("{name} is busy: another program (a video call?) is using it")]
    Busy { name: String },
    #[error("no permission to open {name} (is your user in the `video` group?)")]
    PermissionDenied { name: String },
    #[error("{name} was disconnected (unplugged?)")]
    Disconnected { name: String },
    #[error("{name} stopped delivering frames ({seconds:.0} s without one)")]
    Stalled { name: String, seconds: f64 },
    #[error("{name} offers no format headsup can read (it offers {offered}; headsup reads MJPEG and YUYV)")]
    NoFormat { name: String, offered: String },
    #[error("{name}: {message}")]
    Camera { name: String, message: String },
    /// One unreadable frame: skipped and counted, not fatal.
    #[error("{0}")]
    BadFrame(String),
    #[error("replay source {path} vanished")]
    Vanished { path: String },
    #[error(
        "reading video files needs ffmpeg, which is not installed (e.g. `apt-get install ffmpeg`); or replay a folder of images"
    )]
    FfmpegMissing,
    #[error("video {path}: {message}")]
    Video { path: String, message: String },
    #[error("replay plan {path}: {message}")]
    Plan { path: String, message: String },
}

impl CaptureError {
    /// A single bad frame: skip it and go on.
    pub fn is_bad_frame(&self) -> bool {
        matches!(self, CaptureError::BadFrame(_))
    }

    /// The device may come back (unplugged, busy, stalled): retry with backoff.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CaptureError::Busy { .. }
                | CaptureError::Disconnected { .. }
                | CaptureError::NoCamera { .. }
                | CaptureError::Stalled { .. }
        )
    }
}

/// What one read gave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Read {
    /// A frame, written into the caller's buffer.
    Frame(FrameMeta),
    /// No frame yet (a live source waited its slice): read again.
    Pending,
    /// A replay has ended.
    End,
}

/// A source of frames: the camera or a replay.
/// Not `Send`: a camera handle stays on the thread that opened it (the capture
/// thread builds its source itself).
pub trait FrameSource {
    /// What it is, for the user ("camera 0: Integrated Webcam", "replay frames/").
    fn name(&self) -> &str;
    /// Writes the next frame into `buf` (RGB8). A live source waits at
    /// most a fraction of a second before answering [`Read::Pending`].
    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Read, CaptureError>;
    /// Lets go of the device (camera light off); the next `read` reopens it.
    fn release(&mut self) {}
    /// Whether frames arrive in real time (a camera) rather than on a replay clock.
    fn is_live(&self) -> bool;
}
