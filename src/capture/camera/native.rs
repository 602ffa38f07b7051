//! macOS and Windows: the camera through nokhwa (AVFoundation, Media
//! Foundation), behind the same small interface as the Linux backend.
//! These platforms hand back whole frames, so there is no buffer tail to
//! cut; a read blocks until a frame arrives (nokhwa has no timeout there).

use std::io;
use std::time::Duration;

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use super::format::{Choice, Offered, PixelFormat};

pub struct Node {
    pub index: u32,
}

pub fn nodes() -> Vec<Node> {
    nokhwa::query(ApiBackend::Auto)
        .map(|infos| {
            infos
                .iter()
                .filter_map(|i| match i.index() {
                    CameraIndex::Index(n) => Some(Node { index: *n }),
                    CameraIndex::String(s) => s.parse().ok().map(|index| Node { index }),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn other(e: impl std::fmt::Display) -> io::Error {
    let m = e.to_string();
    let lower = m.to_ascii_lowercase();
    if lower.contains("busy") || lower.contains("in use") {
        io::Error::from_raw_os_error(libc::EBUSY)
    } else if lower.contains("permission") || lower.contains("denied") {
        io::Error::from_raw_os_error(libc::EACCES)
    } else {
        io::Error::other(m)
    }
}

pub struct Device {
    camera: Camera,
}

impl Device {
    pub fn open(index: u32) -> io::Result<Self> {
        let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::None);
        let camera = Camera::new(CameraIndex::Index(index), format).map_err(other)?;
        Ok(Self { camera })
    }

    pub fn card(&self) -> String {
        self.camera.info().human_name()
    }

    pub fn offered(&mut self) -> io::Result<Vec<Offered>> {
        let formats = self.camera.compatible_camera_formats().map_err(other)?;
        let mut out: Vec<Offered> = Vec::new();
        for f in formats {
            let format = match f.format() {
                FrameFormat::MJPEG => PixelFormat::Mjpeg,
                FrameFormat::YUYV => PixelFormat::Yuyv,
                _ => continue,
            };
            let rate = f64::from(f.frame_rate());
            match out
                .iter_mut()
                .find(|o| o.format == format && (o.width, o.height) == (f.width(), f.height()))
            {
                Some(o) => o.rates.push(rate),
                None => out.push(Offered { format, width: f.width(), height: f.height(), rates: vec![rate] }),
            }
        }
        Ok(out)
    }

    pub fn format_codes(&mut self) -> String {
        self.camera
            .compatible_camera_formats()
            .map(|fs| fs.iter().map(|f| f.format().to_string()).collect::<Vec<_>>().join(", "))
            .unwrap_or_else(|_| "nothing".into())
    }

    pub fn start(&mut self, want: Choice) -> io::Result<Choice> {
        let frame_format = match want.format {
            PixelFormat::Mjpeg => FrameFormat::MJPEG,
            PixelFormat::Yuyv => FrameFormat::YUYV,
        };
        let exact = CameraFormat::new(
            Resolution::new(want.width, want.height),
            frame_format,
            want.fps.round() as u32,
        );
        self.camera
            .set_camera_requset(RequestedFormat::new::<RgbFormat>(RequestedFormatType::Exact(exact)))
            .map_err(other)?;
        self.camera.open_stream().map_err(other)?;
        Ok(want)
    }

    /// Blocks until a frame arrives (`_timeout` is not supported by nokhwa here).
    pub fn with_frame<R>(
        &mut self,
        _timeout: Duration,
        f: impl FnOnce(&[u8], bool) -> R,
    ) -> io::Result<Option<R>> {
        let raw = self.camera.frame_raw().map_err(other)?;
        Ok(Some(f(&raw, false)))
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = self.camera.stop_stream();
    }
}
