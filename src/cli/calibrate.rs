//! `headsup calibrate`: frames of good posture → a named profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use headsup::capture::camera::{STALL_AFTER, Webcam};
use headsup::capture::{CameraRequest, Frame, FrameMeta, FrameSource, Read, collect_images, load_rgb};
use headsup::clock;
use headsup::config::Config;
use headsup::pose::PoseEstimator;
use headsup::posture::{Baseline, Calibrator, judge};
use headsup::profiles::{DEFAULT_PROFILE, Profile, Profiles};
use headsup::watch::camera_request;

use super::{PoseArgs, load_config};

#[derive(Args)]
pub struct CalibrateArgs {
    /// Name of the profile to create or replace.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Recorded frames of your good posture (image files or folders) instead of the camera.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    source: Vec<PathBuf>,
    /// The camera to calibrate with [default: `[camera] index` of the settings].
    #[arg(long, value_name = "N")]
    camera: Option<u32>,
    /// How many seconds of frames to use.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    #[command(flatten)]
    pose: PoseArgs,
}

/// Image files of `paths`, folders expanded in name order.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            files.extend(collect_images(p)?);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Runs `files` as a sequence at `fps` through pose and an uncalibrated
/// judgement, and turns the good frames into a baseline.
pub fn calibrate_files(
    est: &mut PoseEstimator,
    files: &[PathBuf],
    cfg: &Config,
    fps: f64,
) -> anyhow::Result<(Baseline, usize)> {
    let params = cfg.posture_params();
    let mut cal = Calibrator::new();
    let mut rgb = Vec::new();
    est.reset();
    for (n, file) in files.iter().enumerate() {
        let (w, h) = load_rgb(file, &mut rgb)?;
        let frame = Frame::new(w, h, &rgb).context("decoded image has the wrong size")?;
        let result = est.track(&frame, n as f64 / fps)?;
        cal.add(&judge(result, frame.mean_luma(), None, &params), w, h);
    }
    est.reset();
    let baseline = cal.finish().context("calibration rejected")?;
    Ok((baseline, cal.good_frames()))
}

pub fn run(args: &CalibrateArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    if args.source.is_empty() {
        let index = args.camera.unwrap_or(cfg.camera.index);
        return calibrate_camera(&args.profile, index, args.seconds, &args.pose, &cfg);
    }
    let fps = f64::from(cfg.camera.fps_good);
    let wanted = (args.seconds * fps).ceil().max(3.0) as usize;
    let files: Vec<PathBuf> = expand(&args.source)?.into_iter().take(wanted).collect();
    let mut est =
        PoseEstimator::new(&args.pose.options(&cfg.pose)).context("cannot start the pose pipeline")?;
    println!("Sit as you do when your posture is good, facing your screen.");
    let (baseline, frames) = calibrate_files(&mut est, &files, &cfg, fps)?;
    let camera = args.source.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    let profile =
        Profile { name: args.profile.clone(), created: clock::now_rfc3339(), camera, frames, baseline };
    let path = Profiles::default().save(&profile)?;
    let s = &profile.baseline.signals;
    println!(
        "calibrated profile {:?} from {frames} frames ({} view, {}x{})",
        profile.name,
        profile.baseline.view.name(),
        profile.baseline.width,
        profile.baseline.height
    );
    match profile.baseline.view {
        headsup::posture::View::Side => println!("  neck angle {:.0}°", s.side_angle_deg),
        _ => println!(
            "  ear-to-shoulder gap {:.2} shoulder widths, head width {:.2}",
            s.ear_shoulder_gap, s.head_width
        ),
    }
    println!("saved to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Calibrates from the live camera: a countdown, then `seconds` of frames.
/// The camera streams through the countdown (its exposure settles) and
/// those frames are read and dropped, so calibration sees only frames taken
/// after it. Ctrl-C or SIGTERM stop it within a read slice, even when the
/// camera has stalled.
pub fn calibrate_camera(
    name: &str,
    index: u32,
    seconds: f64,
    pose: &PoseArgs,
    cfg: &Config,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("cannot install the signal handler")?;
    }
    let mut est = PoseEstimator::new(&pose.options(&cfg.pose)).context("cannot start the pose pipeline")?;
    let mut cam = Webcam::new(CameraRequest { index, ..camera_request(&cfg.camera) });
    let mut buf = Vec::new();
    let interrupted = || {
        eprintln!("\nheadsup: calibration interrupted; nothing saved");
        Ok(ExitCode::from(130))
    };
    // The first frame before the countdown, so camera errors come first.
    let opened = Instant::now();
    loop {
        match cam.read(&mut buf) {
            Ok(Read::Frame(_)) => break,
            Ok(Read::Pending) => {}
            Ok(Read::End) => anyhow::bail!("{} ended", cam.name()),
            Err(e) if e.is_bad_frame() && opened.elapsed() < STALL_AFTER => {}
            Err(e) => return Err(e.into()),
        }
        if stop.load(Ordering::Relaxed) {
            return interrupted();
        }
    }
    if let Some(choice) = cam.choice() {
        eprintln!("headsup: {} streaming {choice}", cam.name());
    }
    let countdown = Instant::now();
    let mut said = 0u64;
    while countdown.elapsed() < Duration::from_secs(3) {
        if said < 3 && countdown.elapsed() >= Duration::from_secs(said) {
            eprintln!("Sit in your good posture, facing the screen... {}", 3 - said);
            said += 1;
        }
        // Read and drop: keeps the driver's queue fresh.
        read_frame(&mut cam, &mut buf)?;
        if stop.load(Ordering::Relaxed) {
            return interrupted();
        }
    }
    let params = cfg.posture_params();
    let mut cal = Calibrator::new();
    let start = Instant::now();
    let (mut w, mut h) = (0, 0);
    while start.elapsed().as_secs_f64() < seconds {
        if stop.load(Ordering::Relaxed) {
            return interrupted();
        }
        let Some(meta) = read_frame(&mut cam, &mut buf)? else { continue };
        let Some(frame) = Frame::new(meta.width, meta.height, &buf) else { continue };
        (w, h) = (meta.width, meta.height);
        let result = est.track(&frame, start.elapsed().as_secs_f64())?;
        let j = judge(result, frame.mean_luma(), None, &params);
        cal.add(&j, w, h);
        eprint!("\r  {} usable frames", cal.good_frames());
    }
    cam.release();
    eprintln!();
    let baseline = cal.finish().context("calibration rejected")?;
    let profile = Profile {
        name: name.to_string(),
        created: clock::now_rfc3339(),
        camera: cam.name().to_string(),
        frames: cal.good_frames(),
        baseline,
    };
    let path = Profiles::default().save(&profile)?;
    eprintln!("headsup: calibrated profile {name:?} ({w}x{h}); saved to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// One camera frame, `None` while none has come or it was unreadable
/// (skipped, as the watcher does). A stalled or lost camera is an error.
fn read_frame(cam: &mut Webcam, buf: &mut Vec<u8>) -> anyhow::Result<Option<FrameMeta>> {
    match cam.read(buf) {
        Ok(Read::Frame(meta)) => Ok(Some(meta)),
        Ok(Read::Pending) => Ok(None),
        Ok(Read::End) => anyhow::bail!("{} ended", cam.name()),
        Err(e) if e.is_bad_frame() => {
            tracing::debug!("{e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
