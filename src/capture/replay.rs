//! Replay sources: a folder of images (sorted by name), a video file, or a
//! replay plan (a scripted day: what the camera shows for how long, and
//! when it is unplugged), stamped on a simulated clock at `fps`, fed through
//! the same pipeline as the camera. Videos are decoded by ffmpeg in a child
//! process (the one maintained decoder for every container and codec);
//! without ffmpeg the error says so.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use super::{
    CaptureError, FrameMeta, FrameSource, MAX_PIXELS, MAX_SIDE, Read, collect_images, load_rgb, size_ok,
};

/// Image files of a folder (or a list), one frame each, at `fps`.
pub struct ImageSequence {
    name: String,
    dir: Option<PathBuf>,
    files: Vec<PathBuf>,
    next: usize,
    fps: f64,
}

impl ImageSequence {
    pub fn open(path: &Path, fps: f64) -> Result<Self, CaptureError> {
        let files = collect_images(path)
            .map_err(|e| CaptureError::Video { path: path.display().to_string(), message: e.to_string() })?;
        Ok(Self::from_files(format!("replay {}", path.display()), Some(path.to_path_buf()), files, fps))
    }

    pub fn from_files(name: String, dir: Option<PathBuf>, files: Vec<PathBuf>, fps: f64) -> Self {
        Self { name, dir, files, next: 0, fps }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl FrameSource for ImageSequence {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Read, CaptureError> {
        let Some(file) = self.files.get(self.next) else { return Ok(Read::End) };
        let n = self.next;
        self.next += 1;
        let t = Some(n as f64 / self.fps);
        match load_rgb(file, buf) {
            Ok((width, height)) => Ok(Read::Frame(FrameMeta { width, height, t })),
            // The whole folder is gone (unmounted, deleted): the source vanished.
            Err(_) if self.dir.as_ref().is_some_and(|d| !d.is_dir()) => Err(CaptureError::Vanished {
                path: self.dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
            }),
            Err(e) => Err(CaptureError::BadFrame(e.to_string())),
        }
    }

    fn is_live(&self) -> bool {
        false
    }
}

/// A video file decoded by `ffmpeg` to raw RGB at `fps`.
pub struct VideoFile {
    name: String,
    path: String,
    width: u32,
    height: u32,
    fps: f64,
    child: Child,
    stdout: ChildStdout,
    n: u64,
}

impl VideoFile {
    pub fn open(path: &Path, fps: f64) -> Result<Self, CaptureError> {
        let p = path.display().to_string();
        let verr = |message: String| CaptureError::Video { path: p.clone(), message };
        // Not installed is its own, actionable error.
        let spawn_err = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => CaptureError::FfmpegMissing,
            _ => verr(e.to_string()),
        };
        let probe = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height",
                "-of",
                "csv=p=0",
            ])
            .arg(path)
            .output()
            .map_err(&spawn_err)?;
        let text = String::from_utf8_lossy(&probe.stdout);
        let mut dims = text.trim().split(',').map(|v| v.trim().parse::<u32>());
        let (Some(Ok(width)), Some(Ok(height))) = (dims.next(), dims.next()) else {
            let why = String::from_utf8_lossy(&probe.stderr).trim().to_string();
            return Err(verr(if why.is_empty() { "no video stream".into() } else { why }));
        };
        // Bounded like image headers, before any frame buffer is sized from them.
        if !size_ok(width, height) {
            return Err(verr(format!(
                "ffprobe says the video is {width}x{height} pixels; expected 1 to {MAX_SIDE} on each side and at most {MAX_PIXELS} pixels"
            )));
        }
        let mut child = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-vf", &format!("fps={fps}"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(&spawn_err)?;
        let stdout = child.stdout.take().ok_or_else(|| verr("no ffmpeg output".into()))?;
        Ok(Self { name: format!("replay {p}"), path: p, width, height, fps, child, stdout, n: 0 })
    }
}

impl FrameSource for VideoFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Read, CaptureError> {
        buf.resize(self.width as usize * self.height as usize * 3, 0);
        match self.stdout.read_exact(buf) {
            Ok(()) => {
                let t = Some(self.n as f64 / self.fps);
                self.n += 1;
                Ok(Read::Frame(FrameMeta { width: self.width, height: self.height, t }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(Read::End),
            Err(e) => Err(CaptureError::Video { path: self.path.clone(), message: e.to_string() }),
        }
    }

    fn is_live(&self) -> bool {
        false
    }
}

impl Drop for VideoFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A replay plan (`*.plan`): one segment a line, `DURATION WHAT`, where
/// WHAT is an image or a folder of images (relative to the plan; cycled
/// for the duration) or `camera-lost` (the camera is unplugged for that
/// long, then comes back). `#` starts a comment.
///
/// ```text
/// 50m  upright/
/// 12m  forward/
/// 5m   camera-lost
/// ```
pub struct Plan {
    name: String,
    segments: Vec<Segment>,
    fps: f64,
    /// The segment being played, its start on the clock, frames given in it.
    at: usize,
    start: f64,
    n: u64,
}

struct Segment {
    seconds: f64,
    /// Images cycled; empty: the camera is lost.
    files: Vec<PathBuf>,
}

impl Plan {
    pub fn open(path: &Path, fps: f64) -> Result<Self, CaptureError> {
        let text = std::fs::read_to_string(path).map_err(|e| plan_error(path, 0, e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut segments = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |message: String| plan_error(path, i + 1, message);
            let (duration, what) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| err(format!("{line:?}: expected DURATION WHAT, e.g. `20m upright/`")))?;
            let seconds = crate::clock::parse_duration(duration).map_err(&err)?;
            let what = what.trim();
            let files = match what {
                "camera-lost" => Vec::new(),
                _ if base.join(what).is_dir() => {
                    collect_images(&base.join(what)).map_err(|e| err(e.to_string()))?
                }
                _ if base.join(what).is_file() => vec![base.join(what)],
                _ => {
                    return Err(err(format!(
                        "{what:?} is neither an image, a folder of images nor camera-lost"
                    )));
                }
            };
            segments.push(Segment { seconds, files });
        }
        if segments.is_empty() {
            return Err(plan_error(path, 0, "no segments (expected lines like `20m upright/`)".into()));
        }
        Ok(Self { name: format!("replay {}", path.display()), segments, fps, at: 0, start: 0.0, n: 0 })
    }
}

fn plan_error(path: &Path, line: usize, message: String) -> CaptureError {
    let at = if line > 0 { format!(" line {line}") } else { String::new() };
    CaptureError::Plan { path: format!("{}{at}", path.display()), message }
}

impl FrameSource for Plan {
    fn name(&self) -> &str {
        &self.name
    }

    /// The next frame of the current segment; at a `camera-lost` segment,
    /// the camera's own error once, and the clock jumps past the outage.
    fn read(&mut self, buf: &mut Vec<u8>) -> Result<Read, CaptureError> {
        loop {
            let Some(seg) = self.segments.get(self.at) else { return Ok(Read::End) };
            let t = self.start + self.n as f64 / self.fps;
            if seg.files.is_empty() || t >= self.start + seg.seconds {
                self.start += seg.seconds;
                self.at += 1;
                self.n = 0;
                if seg.files.is_empty() {
                    return Err(CaptureError::Disconnected { name: self.name.clone() });
                }
                continue;
            }
            let file = &seg.files[(self.n % seg.files.len() as u64) as usize];
            self.n += 1;
            return match load_rgb(file, buf) {
                Ok((width, height)) => Ok(Read::Frame(FrameMeta { width, height, t: Some(t) })),
                Err(e) => Err(CaptureError::BadFrame(e.to_string())),
            };
        }
    }

    fn is_live(&self) -> bool {
        false
    }
}

/// Opens a replay: a folder of images, a replay plan, or a video file.
pub fn open(path: &Path, fps: f64) -> Result<Box<dyn FrameSource>, CaptureError> {
    if path.is_dir() {
        Ok(Box::new(ImageSequence::open(path, fps)?))
    } else if path.is_file() && path.extension().is_some_and(|e| e == "plan") {
        Ok(Box::new(Plan::open(path, fps)?))
    } else if path.is_file() {
        Ok(Box::new(VideoFile::open(path, fps)?))
    } else {
        Err(CaptureError::Vanished { path: path.display().to_string() })
    }
}
