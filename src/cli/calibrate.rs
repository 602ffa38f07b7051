//! `headsup calibrate`: frames of good posture → a named profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use headsup::capture::{Frame, collect_images, load_rgb};
use headsup::clock;
use headsup::config::Config;
use headsup::config::profiles::{DEFAULT_PROFILE, Profile, Profiles};
use headsup::pose::PoseEstimator;
use headsup::posture::{Baseline, Calibrator, judge};

use super::{PoseArgs, load_config};

#[derive(Args)]
pub struct CalibrateArgs {
    /// Name of the profile to create or replace.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Recorded frames of your good posture (image files or folders) instead of the camera.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    source: Vec<PathBuf>,
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
    let mut cal = Calibrator::new();
    let mut rgb = Vec::new();
    est.reset();
    for (n, file) in files.iter().enumerate() {
        let (w, h) = load_rgb(file, &mut rgb)?;
        let frame = Frame::new(w, h, &rgb).context("decoded image has the wrong size")?;
        let result = est.track(&frame, n as f64 / fps)?;
        cal.add(&judge(result, frame.mean_luma(), None, cfg), w, h);
    }
    est.reset();
    let baseline = cal.finish().context("calibration rejected")?;
    Ok((baseline, cal.good_frames()))
}

pub fn run(args: &CalibrateArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    if args.source.is_empty() {
        super::watch::calibrate_camera(&args.profile, cfg.camera.index, args.seconds, &args.pose, &cfg)?;
        return Ok(ExitCode::SUCCESS);
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
