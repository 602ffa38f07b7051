//! The webcam as a frame source. Linux streams through V4L2 (`v4l2`),
//! other platforms through nokhwa (`native`). Either way the format is
//! chosen from what the camera really offers (`format::choose`), each frame
//! is decoded from exactly the bytes the driver filled, a frame the driver
//! flags or that is cut short is skipped, a camera that stops delivering is
//! reported as stalled, and device errors are sorted into what the user can
//! act on: not there, busy (a video call), no permission, unplugged.

mod format;
#[cfg(not(target_os = "linux"))]
mod native;
#[cfg(target_os = "linux")]
mod v4l2;

use std::io;
use std::time::{Duration, Instant};

pub use format::{Choice, Offered, PixelFormat, choose, decode, yuyv_to_rgb};
#[cfg(not(target_os = "linux"))]
use native as backend;
#[cfg(target_os = "linux")]
use v4l2 as backend;

use super::{CaptureError, FrameMeta, FrameSource, Read};

/// How long a streaming camera may deliver nothing before it is reported
/// as stalled and reopened.
pub const STALL_AFTER: Duration = Duration::from_secs(4);

/// The longest one `read` waits, so the capture thread notices a stop or a
/// pause promptly even when the camera is silent.
const WAIT_SLICE: Duration = Duration::from_millis(200);

/// What is asked of a camera: which one, the size wanted (the nearest the
/// camera has is taken) and the frame rate it must reach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CameraRequest {
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub min_fps: f64,
}

/// One camera as `headsup cameras` lists it.
#[derive(Clone, Debug)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
    /// The formats headsup can read (MJPEG, YUYV), every size and rate.
    pub formats: Vec<Offered>,
    /// Why the formats could not be read (the camera is busy, say).
    pub error: Option<String>,
}

/// Lists the cameras there are, with their formats.
pub fn list() -> Vec<CameraInfo> {
    backend::nodes()
        .into_iter()
        .map(|node| {
            let (name, formats) = match backend::Device::open(node.index) {
                Ok(mut dev) => (dev.card(), dev.offered()),
                Err(e) => (String::new(), Err(e)),
            };
            let name = if name.is_empty() { format!("camera {}", node.index) } else { name };
            let (formats, error) = match formats {
                Ok(f) => (f, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            CameraInfo { index: node.index, name, formats, error }
        })
        .collect()
}

/// An open, streaming camera.
struct Open {
    device: backend::Device,
    choice: Choice,
    since: Instant,
    last_frame: Instant,
}

/// The webcam as a frame source; opened on the first read, released on demand.
pub struct Webcam {
    request: CameraRequest,
    /// "camera 0 (HD Pro Webcam C920)" once opened, "camera 0" before.
    name: String,
    open: Option<Open>,
    /// Time from opening to the first frame, for `headsup doctor`.
    first_frame: Option<Duration>,
}

impl Webcam {
    /// Describes the camera; nothing is opened until the first frame is read.
    pub fn new(request: CameraRequest) -> Self {
        Self { request, name: format!("camera {}", request.index), open: None, first_frame: None }
    }

    pub fn request(&self) -> CameraRequest {
        self.request
    }

    /// The format the camera streams in, once open.
    pub fn choice(&self) -> Option<Choice> {
        self.open.as_ref().map(|o| o.choice)
    }

    /// How long the first frame took after opening, once one came.
    pub fn time_to_first_frame(&self) -> Option<Duration> {
        self.first_frame
    }

    fn ensure_open(&mut self) -> Result<&mut Open, CaptureError> {
        if self.open.is_none() {
            let r = self.request;
            let mut device = backend::Device::open(r.index).map_err(|e| self.classify(e, false))?;
            let card = device.card();
            if !card.is_empty() {
                self.name = format!("camera {} ({card})", r.index);
            }
            let offered = device.offered().map_err(|e| self.classify(e, false))?;
            let want = choose(&offered, r.width, r.height, r.min_fps).ok_or_else(|| {
                CaptureError::NoFormat { name: self.name.clone(), offered: device.format_codes() }
            })?;
            let choice = device.start(want).map_err(|e| self.classify(e, false))?;
            if (r.width, r.height) != (choice.width, choice.height) {
                tracing::info!(
                    "{}: {}x{} is not offered; streaming {choice} instead",
                    self.name,
                    r.width,
                    r.height
                );
            } else {
                tracing::info!("{}: streaming {choice}", self.name);
            }
            let now = Instant::now();
            self.first_frame = None;
            self.open = Some(Open { device, choice, since: now, last_frame: now });
        }
        self.open.as_mut().ok_or(CaptureError::NoCamera { index: self.request.index })
    }

    /// Sorts a device error into something the user can act on. `streaming`:
    /// the camera was open, so a missing device means it was unplugged.
    fn classify(&self, e: io::Error, streaming: bool) -> CaptureError {
        let name = self.name.clone();
        match e.raw_os_error() {
            Some(libc::EBUSY) => CaptureError::Busy { name },
            Some(libc::EACCES | libc::EPERM) => CaptureError::PermissionDenied { name },
            Some(libc::ENOENT | libc::ENXIO) if !streaming => {
                CaptureError::NoCamera { index: self.request.index }
            }
            Some(libc::ENODEV | libc::ENOENT | libc::ENXIO | libc::EPIPE | libc::ESHUTDOWN) => {
                CaptureError::Disconnected { name }
            }
            _ => CaptureError::Camera { name, message: e.to_string() },
        }
    }
}

impl FrameSource for Webcam {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Read, CaptureError> {
        let open = self.ensure_open()?;
        let Choice { format, width, height, .. } = open.choice;
        let got = open.device.with_frame(WAIT_SLICE, |data, corrupt| {
            if corrupt {
                Err("the camera flagged the frame as corrupt".to_string())
            } else {
                decode(format, data, width, height, buf)
            }
        });
        match got {
            Ok(Some(decoded)) => {
                let now = Instant::now();
                let since = open.since;
                open.last_frame = now;
                self.first_frame.get_or_insert(now - since);
                let (width, height) =
                    decoded.map_err(|m| CaptureError::BadFrame(format!("{}: {m}", self.name)))?;
                Ok(Read::Frame(FrameMeta { width, height, t: None }))
            }
            Ok(None) => {
                let silent = open.last_frame.elapsed();
                if silent >= STALL_AFTER {
                    self.open = None;
                    return Err(CaptureError::Stalled {
                        name: self.name.clone(),
                        seconds: silent.as_secs_f64(),
                    });
                }
                Ok(Read::Pending)
            }
            Err(e) if e.raw_os_error() == Some(libc::EIO) => {
                // vb2 answers EIO until the stream restarts: reopen on the next read.
                self.open = None;
                Err(CaptureError::BadFrame(format!(
                    "{}: I/O error reading a frame; restarting the stream",
                    self.name
                )))
            }
            Err(e) => {
                self.open = None;
                Err(self.classify(e, true))
            }
        }
    }

    fn release(&mut self) {
        // Dropping the device stops the stream and closes it: the light goes off.
        self.open = None;
    }

    fn is_live(&self) -> bool {
        true
    }
}
