//! The webcam, through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media
//! Foundation on Windows). Frames arrive as MJPEG or YUYV and are decoded
//! here into the caller's reused RGB buffer. Device errors are sorted into
//! what the user can act on: no camera, busy (a video call), no permission,
//! unplugged.

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use super::{CaptureError, FrameMeta, FrameSource, decode_jpeg};

/// One camera as `headsup cameras` lists it.
#[derive(Clone, Debug)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
    pub description: String,
    /// e.g. "MJPEG 1280x720@30"; empty when the camera could not be opened to ask.
    pub formats: Vec<String>,
}

/// Lists the cameras the platform reports.
pub fn list() -> Result<Vec<CameraInfo>, CaptureError> {
    let infos = nokhwa::query(ApiBackend::Auto)
        .map_err(|e| CaptureError::Camera { name: "(query)".into(), message: e.to_string() })?;
    let mut out = Vec::new();
    for info in infos {
        let index = match info.index() {
            CameraIndex::Index(i) => *i,
            CameraIndex::String(s) => s.parse().unwrap_or(0),
        };
        let formats =
            Camera::new(info.index().clone(), RequestedFormat::new::<RgbFormat>(RequestedFormatType::None))
                .and_then(|mut cam| cam.compatible_camera_formats())
                .map(|fs| {
                    fs.iter()
                        .map(|f| format!("{} {}x{}@{}", f.format(), f.width(), f.height(), f.frame_rate()))
                        .collect()
                })
                .unwrap_or_default();
        out.push(CameraInfo {
            index,
            name: info.human_name(),
            description: info.description().to_string(),
            formats,
        });
    }
    Ok(out)
}

/// The webcam as a frame source; opened on first read, released on demand.
pub struct Webcam {
    index: u32,
    request: CameraFormat,
    name: String,
    camera: Option<Camera>,
    jpeg: Vec<u8>,
}

impl Webcam {
    /// Describes the camera; nothing is opened until the first frame is read.
    pub fn new(index: u32, width: u32, height: u32, fps: u32) -> Self {
        let request = CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, fps.max(1));
        Self { index, request, name: format!("camera {index}"), camera: None, jpeg: Vec::new() }
    }

    fn open(&mut self) -> Result<&mut Camera, CaptureError> {
        if self.camera.is_none() {
            let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(self.request));
            let mut cam = Camera::new(CameraIndex::Index(self.index), format)
                .map_err(|e| self.classify(e.to_string()))?;
            cam.open_stream().map_err(|e| self.classify(e.to_string()))?;
            self.name = format!("camera {}: {}", self.index, cam.info().human_name());
            self.camera = Some(cam);
        }
        self.camera.as_mut().ok_or(CaptureError::NoCamera { index: self.index })
    }

    /// Sorts a device error message into something the user can act on.
    fn classify(&self, message: String) -> CaptureError {
        let m = message.to_ascii_lowercase();
        let name = self.name.clone();
        if m.contains("busy") {
            CaptureError::Busy { name }
        } else if m.contains("permission") || m.contains("denied") {
            CaptureError::PermissionDenied { name }
        } else if m.contains("no such") || m.contains("not found") || m.contains("no device") {
            if self.camera.is_some() {
                CaptureError::Disconnected { name, message }
            } else {
                CaptureError::NoCamera { index: self.index }
            }
        } else {
            CaptureError::Camera { name, message }
        }
    }
}

impl FrameSource for Webcam {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Option<FrameMeta>, CaptureError> {
        let mut jpeg = std::mem::take(&mut self.jpeg);
        let result = (|| {
            let cam = self.open()?;
            let fmt = cam.frame_format();
            let Resolution { width_x: w, height_y: h } = cam.resolution();
            let raw = match cam.frame_raw() {
                Ok(raw) => raw,
                Err(e) => {
                    let msg = e.to_string();
                    self.camera = None;
                    let err = self.classify(msg.clone());
                    return Err(match err {
                        CaptureError::Camera { name, message } => {
                            CaptureError::Disconnected { name, message }
                        }
                        other => other,
                    });
                }
            };
            let (w, h) = match fmt {
                FrameFormat::MJPEG => {
                    jpeg.clear();
                    jpeg.extend_from_slice(&raw);
                    decode_jpeg(&jpeg, buf).map_err(CaptureError::BadFrame)?
                }
                FrameFormat::YUYV => {
                    yuyv_to_rgb(&raw, w, h, buf)
                        .ok_or_else(|| CaptureError::BadFrame("short YUYV frame".into()))?;
                    (w, h)
                }
                FrameFormat::RAWRGB => {
                    buf.clear();
                    buf.extend_from_slice(&raw);
                    (w, h)
                }
                FrameFormat::GRAY => {
                    buf.clear();
                    buf.extend(raw.iter().flat_map(|&g| [g, g, g]));
                    (w, h)
                }
                other => {
                    return Err(CaptureError::BadFrame(format!("unsupported camera pixel format {other}")));
                }
            };
            if buf.len() != w as usize * h as usize * 3 {
                return Err(CaptureError::BadFrame(format!("frame of {} bytes for {w}x{h}", buf.len())));
            }
            Ok(Some(FrameMeta { width: w, height: h, t: None }))
        })();
        self.jpeg = jpeg;
        result
    }

    fn release(&mut self) {
        if let Some(mut cam) = self.camera.take() {
            let _ = cam.stop_stream();
        }
    }

    fn is_live(&self) -> bool {
        true
    }
}

/// YUYV 4:2:2 (BT.601, limited range) → RGB8 into `out`.
pub fn yuyv_to_rgb(src: &[u8], width: u32, height: u32, out: &mut Vec<u8>) -> Option<()> {
    let pixels = width as usize * height as usize;
    if src.len() < pixels * 2 {
        return None;
    }
    out.clear();
    out.reserve(pixels * 3);
    let clamp = |v: i32| (v >> 8).clamp(0, 255) as u8;
    for q in src[..pixels * 2].chunks_exact(4) {
        let (u, v) = (i32::from(q[1]) - 128, i32::from(q[3]) - 128);
        for y in [q[0], q[2]] {
            let c = 298 * (i32::from(y) - 16) + 128;
            out.extend_from_slice(&[clamp(c + 409 * v), clamp(c - 100 * u - 208 * v), clamp(c + 516 * u)]);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_greys_and_colours_convert() {
        let mut out = Vec::new();
        // Two pixels of video black (16) and white (235), neutral chroma.
        yuyv_to_rgb(&[16, 128, 235, 128], 2, 1, &mut out).expect("convert");
        assert_eq!(out, [0, 0, 0, 255, 255, 255]);
        // Pure red in BT.601: Y 81, U 90, V 240.
        yuyv_to_rgb(&[81, 90, 81, 240], 2, 1, &mut out).expect("convert");
        assert!(out[0] > 250 && out[1] < 5 && out[2] < 5, "{out:?}");
        assert!(yuyv_to_rgb(&[1, 2], 2, 1, &mut out).is_none());
    }
}
