//! `headsup doctor`: checks each part a watcher needs, as the watcher would
//! use it, and says for each what to fix: the settings, the camera (opened,
//! a frame delivered, the format chosen), the inference runtime (one frame
//! timed), the notification service, the screen overlay (with the glow or
//! dim style), the journal, autostart.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use headsup::capture::camera::{STALL_AFTER, Webcam};
use headsup::capture::{CameraRequest, Frame, FrameSource, Read};
use headsup::config::{self, Config};
use headsup::pose::PoseEstimator;
use headsup::watch::camera_request;

use super::PoseArgs;

#[derive(Args)]
pub struct DoctorArgs {
    /// The camera to check [default: `[camera] index` of the settings].
    #[arg(long, value_name = "N")]
    camera: Option<u32>,
    #[command(flatten)]
    pose: PoseArgs,
}

/// One line of the report.
struct Check {
    ok: bool,
    what: &'static str,
    detail: String,
}

impl Check {
    fn ok(what: &'static str, detail: impl Into<String>) -> Self {
        Self { ok: true, what, detail: detail.into() }
    }

    fn fix(what: &'static str, detail: impl Into<String>) -> Self {
        Self { ok: false, what, detail: detail.into() }
    }
}

pub fn run(args: &DoctorArgs, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = config::resolve_path(explicit);
    let (settings, cfg) = match Config::load_or_default(&path) {
        Ok(cfg) if path.exists() => (Check::ok("settings", format!("{} is valid", path.display())), cfg),
        Ok(cfg) => {
            (Check::ok("settings", format!("built-in defaults ({} does not exist)", path.display())), cfg)
        }
        Err(e) => (
            Check::fix(
                "settings",
                format!("{e}\n  fix the file, or `headsup config init` writes fresh defaults"),
            ),
            Config::default(),
        ),
    };
    let mut checks = vec![settings];
    let index = args.camera.unwrap_or(cfg.camera.index);
    let (camera, frame) = camera_check(CameraRequest { index, ..camera_request(&cfg.camera) });
    checks.push(camera);
    checks.push(runtime_check(args, &cfg, frame.as_ref()));
    checks.push(match headsup::alert::notification_service() {
        Ok(name) => Check::ok("notifications", name),
        Err(e) => Check::fix(
            "notifications",
            format!(
                "no notification service answered ({e})\n  alerts go to the terminal; start your desktop's \
                 notification daemon, or set `[alerts] style = \"terminal\"`"
            ),
        ),
    });
    if let Some(check) = screen_check(cfg.alerts.style) {
        checks.push(check);
    }
    checks.push(journal_check(&headsup::journal::default_path()));
    let autostart = headsup::config::paths::autostart_file();
    checks.push(if autostart.exists() {
        Check::ok("autostart", format!("on ({})", autostart.display()))
    } else {
        Check::ok("autostart", "off: `headsup autostart on` starts headsup at login")
    });
    let mut all_ok = true;
    for c in &checks {
        all_ok &= c.ok;
        println!("{} {:<14} {}", if c.ok { "ok " } else { "FIX" }, c.what, c.detail);
    }
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// With the glow or dim style: starts the overlay as the watcher does and
/// waits for it to say whether its window exists (then closes it).
fn screen_check(style: config::AlertStyle) -> Option<Check> {
    use headsup::alert::overlay::{Overlay, Status, Style};
    let style = Style::of(style)?;
    let fix = |why: String| {
        Check::fix(
            "screen",
            format!(
                "{why}
  alerts go as notifications; or set `[alerts] style = \"notify\"`"
            ),
        )
    };
    let mut overlay = match Overlay::spawn(style) {
        Ok(o) => o,
        Err(e) => return Some(fix(e.to_string())),
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        match overlay.poll() {
            Some(Status::Ready(how)) => {
                let how = how.trim_start_matches("ready ");
                return Some(Check::ok("screen", format!("the {} can be shown ({how})", style.name())));
            }
            Some(Status::Failed(why)) => return Some(fix(why)),
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    Some(fix("the overlay did not say it was ready within 3 s".into()))
}

/// Opens the camera as the watcher does and waits for one decoded frame.
fn camera_check(request: CameraRequest) -> (Check, Option<(u32, u32, Vec<u8>)>) {
    let mut cam = Webcam::new(request);
    let mut buf = Vec::new();
    let started = Instant::now();
    let mut last_bad = None;
    loop {
        match cam.read(&mut buf) {
            Ok(Read::Frame(meta)) => {
                let choice = cam.choice().map(|c| c.to_string()).unwrap_or_default();
                let first = cam.time_to_first_frame().unwrap_or(started.elapsed());
                let detail = format!(
                    "{} delivers {choice}; first frame after {:.2} s",
                    cam.name(),
                    first.as_secs_f64()
                );
                return (Check::ok("camera", detail), Some((meta.width, meta.height, buf)));
            }
            Ok(Read::Pending) => {}
            Ok(Read::End) => return (Check::fix("camera", format!("{} ended", cam.name())), None),
            Err(e) if e.is_bad_frame() && started.elapsed() < STALL_AFTER => last_bad = Some(e.to_string()),
            Err(e) => {
                let hint = match &e {
                    headsup::capture::CaptureError::Busy { .. } => {
                        "close the other program using it, then retry"
                    }
                    headsup::capture::CaptureError::NoCamera { .. } => {
                        "plug a camera in, or choose one with `--camera N` / `[camera] index`"
                    }
                    headsup::capture::CaptureError::PermissionDenied { .. } => {
                        "add yourself to the `video` group (`sudo usermod -aG video $USER`) and log in again"
                    }
                    _ => "replug the camera; `headsup cameras` lists what there is",
                };
                let detail = match last_bad {
                    Some(bad) => format!("{e} (last unreadable frame: {bad})\n  {hint}"),
                    None => format!("{e}\n  {hint}"),
                };
                return (Check::fix("camera", detail), None);
            }
        }
        if started.elapsed() > STALL_AFTER + Duration::from_secs(2) {
            return (Check::fix("camera", format!("{} opened but delivered no frame", cam.name())), None);
        }
    }
}

/// Builds the pose pipeline as configured and times it on the camera's frame
/// (or a grey one): the first run includes warm-up, the second is typical.
fn runtime_check(args: &DoctorArgs, cfg: &Config, frame: Option<&(u32, u32, Vec<u8>)>) -> Check {
    let mut est = match PoseEstimator::new(&args.pose.options(&cfg.pose)) {
        Ok(est) => est,
        Err(e) => return Check::fix("runtime", format!("{e}\n  `--runtime rten` always works")),
    };
    let grey;
    let (w, h, data) = match frame {
        Some((w, h, data)) => (*w, *h, data.as_slice()),
        None => {
            grey = vec![128u8; 640 * 480 * 3];
            (640, 480, grey.as_slice())
        }
    };
    let Some(frame) = Frame::new(w, h, data) else {
        return Check::fix("runtime", "the camera frame has the wrong size");
    };
    let mut times = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        if let Err(e) = est.estimate(&frame) {
            return Check::fix("runtime", e.to_string());
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Check::ok(
        "runtime",
        format!(
            "BlazePose {} on {}: one frame {:.0} ms (first {:.0} ms)",
            est.model().name(),
            est.runtime(),
            times[1],
            times[0]
        ),
    )
}

/// The journal opens (created where missing) and passes SQLite's integrity check.
fn journal_check(path: &Path) -> Check {
    let existed = path.exists();
    let opened = headsup::journal::Journal::open(path).and_then(|j| j.integrity_check());
    match opened {
        Ok(r) if r == "ok" => Check::ok(
            "journal",
            format!(
                "{} is writable and sound{}",
                path.display(),
                if existed { "" } else { " (created now)" }
            ),
        ),
        Ok(r) => Check::fix(
            "journal",
            format!(
                "{} fails its integrity check: {r}\n  move it aside; headsup starts a new one",
                path.display()
            ),
        ),
        Err(e) => Check::fix("journal", format!("{e}\n  check the folder's permissions and free space")),
    }
}
