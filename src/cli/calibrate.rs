//! `headsup calibrate`: frames of good posture → a named profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use headsup::calibrate;
use headsup::pose::PoseEstimator;
use headsup::profiles::{DEFAULT_PROFILE, Profiles};

use super::{PoseArgs, load_config};

#[derive(Args)]
pub struct CalibrateArgs {
    /// Name of the profile to create or replace.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Recorded frames of your good posture (image files or folders) instead of the camera;
    /// with --screens, one folder per screen, the main one first.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    source: Vec<PathBuf>,
    /// Screens you look at for long stretches: calibrates each in turn (the main one first).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    screens: u8,
    /// The camera to calibrate with [default: `[camera] index` of the settings].
    #[arg(long, value_name = "N")]
    camera: Option<u32>,
    /// How many seconds of frames to use.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    #[command(flatten)]
    pose: PoseArgs,
}

pub fn run(args: &CalibrateArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    if args.source.is_empty() {
        let index = args.camera.unwrap_or(cfg.camera.index);
        let screens = args.screens;
        return super::calibrate_camera(&args.profile, index, args.seconds, screens, &args.pose, &cfg);
    }
    let screens = usize::from(args.screens);
    if screens > 1 && args.source.len() != screens {
        anyhow::bail!(
            "--screens {screens} with --source takes one folder per screen (the main one first), not {}",
            args.source.len()
        );
    }
    let fps = f64::from(cfg.camera.fps_good);
    let wanted = (args.seconds * fps).ceil().max(3.0) as usize;
    let mut est =
        PoseEstimator::new(&args.pose.options(&cfg.pose)).context("cannot start the pose pipeline")?;
    println!("Sit as you do when your posture is good, facing your screen.");
    let groups: Vec<Vec<PathBuf>> = if screens > 1 {
        args.source.iter().map(std::slice::from_ref).map(calibrate::expand).collect::<Result<_, _>>()?
    } else {
        vec![calibrate::expand(&args.source)?]
    };
    let mut sessions = Vec::new();
    for (i, files) in groups.iter().enumerate() {
        let files = &files[..files.len().min(wanted)];
        let params = if i == 0 { cfg.posture_params() } else { cfg.posture_params().for_other_screen() };
        let session = calibrate::from_files(&mut est, files, params, fps)?;
        let baseline =
            session.baseline().with_context(|| format!("calibration of screen {} rejected", i + 1))?;
        sessions.push((session, baseline));
    }
    let (session, baseline) = super::join_screens(sessions, &cfg)?;
    let frames = session.good_frames();
    let camera = args.source.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    super::say_calibration(&baseline, &cfg);
    let (profile, path) = session.save(baseline, &args.profile, &camera, &Profiles::default())?;
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
    println!("  camera {}", profile.baseline.placement.name());
    println!("saved to {}", path.display());
    Ok(ExitCode::SUCCESS)
}
