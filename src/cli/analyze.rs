//! `headsup analyze`: images, folders and sequences through pose and
//! posture, one record per frame on stdout, one error line per unreadable
//! file on stderr. Sequences are judged exactly as the live watcher would.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use headsup::capture::{Frame, collect_images, load_rgb};
use headsup::output::{Format, Record, Writer};
use headsup::pose::PoseEstimator;
use headsup::posture::PostureEngine;
use headsup::profiles::Profiles;

use super::{PoseArgs, load_config};

/// Timestamps for sequences without `--fps`.
const DEFAULT_FPS: f64 = 2.0;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Image files (JPEG, PNG) and folders of them (read in name order).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat each folder (and the listed files together) as one video sequence: track the
    /// person between frames and judge posture over time, with alerts.
    #[arg(long)]
    sequence: bool,
    /// Frames per second of the inputs (fractions allowed, e.g. 0.1). Makes all inputs one
    /// sequence judged over time [default for sequences: 2].
    #[arg(long, value_parser = parse_fps)]
    fps: Option<f64>,
    /// Judge against this calibration profile.
    #[arg(long, value_name = "NAME", conflicts_with = "calibrate")]
    profile: Option<String>,
    /// Calibrate from these frames of good posture first (in memory, nothing saved);
    /// end the list with `--` before the images to judge.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    calibrate: Vec<PathBuf>,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_parser = super::choice::choice::<Format>())]
    format: Option<Format>,
    #[command(flatten)]
    pose: PoseArgs,
}

fn parse_fps(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 240.0 => Ok(v),
        _ => Err(format!("{s:?} is not a frame rate; expected a number above 0 and up to 240")),
    }
}

/// A run of frames analysed together: a sequence shares one timeline.
struct Group {
    files: Vec<PathBuf>,
    sequence: bool,
}

pub fn run(args: &AnalyzeArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    let mut failed = 0usize;
    let groups = group_inputs(args, &mut failed);
    let total: usize = groups.iter().map(|g| g.files.len()).sum();
    let fps = args.fps.unwrap_or(DEFAULT_FPS);

    let mut estimator =
        PoseEstimator::new(&args.pose.options(&cfg.pose)).context("cannot start the pose pipeline")?;
    eprintln!("headsup: model {} on {}", estimator.model().name(), estimator.runtime());
    let baseline = if !args.calibrate.is_empty() {
        Some(super::baseline_from_files(&mut estimator, &args.calibrate, &cfg, fps)?)
    } else if let Some(name) = &args.profile {
        Some(Profiles::default().load(name)?.baseline)
    } else {
        None
    };

    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() { Format::Table } else { Format::Jsonl });
    let show_progress = std::io::stderr().is_terminal() && !stdout.is_terminal() && total > 1;
    let mut out = Writer::new(stdout.lock(), format);
    let mut rgb = Vec::new();
    let (mut done, mut analysed) = (0usize, 0usize);
    for group in &groups {
        estimator.reset();
        let mut engine = PostureEngine::new(cfg.posture_params(), baseline.clone());
        for (n, file) in group.files.iter().enumerate() {
            done += 1;
            if show_progress {
                progress(done, total, file);
            }
            let (width, height) = match load_rgb(file, &mut rgb) {
                Ok(size) => size,
                Err(e) => {
                    eprintln!("headsup: {e}");
                    failed += 1;
                    continue;
                }
            };
            let frame = Frame::new(width, height, &rgb).context("decoded image has the wrong size")?;
            let luma = frame.mean_luma();
            let name = file.to_string_lossy();
            if group.sequence {
                let t = n as f64 / fps;
                let result = estimator.track(&frame, t).with_context(|| format!("{}", file.display()))?;
                let a = engine.update(t, result, luma);
                out.write(&Record::new(&name, result, &a, Some(t)))
            } else {
                let result = estimator.estimate(&frame).with_context(|| format!("{}", file.display()))?;
                let a = engine.assess_still(0.0, result, luma);
                out.write(&Record::new(&name, result, &a, None))
            }
            .context("cannot write to stdout")?;
            analysed += 1;
        }
    }
    if show_progress {
        eprintln!();
    }
    out.flush().context("cannot write to stdout")?;
    if analysed == 0 {
        anyhow::bail!("nothing could be analysed ({failed} input(s) failed)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Folders become groups; loose files form one group. With `--fps`
/// everything is one sequence on one timeline.
fn group_inputs(args: &AnalyzeArgs, failed: &mut usize) -> Vec<Group> {
    let one_timeline = args.fps.is_some();
    let mut groups = Vec::new();
    let mut loose = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            match collect_images(path) {
                Ok(files) if one_timeline => loose.extend(files),
                Ok(files) => groups.push(Group { files, sequence: args.sequence }),
                Err(e) => {
                    eprintln!("headsup: {e}");
                    *failed += 1;
                }
            }
        } else {
            loose.push(path.clone());
        }
    }
    if !loose.is_empty() {
        groups.insert(0, Group { files: loose, sequence: args.sequence || one_timeline });
    }
    groups
}

/// A one-line progress bar on stderr, redrawn in place.
fn progress(done: usize, total: usize, file: &Path) {
    const WIDTH: usize = 30;
    let filled = done * WIDTH / total.max(1);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let _ =
        write!(err, "\r[{}{}] {done}/{total} {name:<40.40}", "#".repeat(filled), "-".repeat(WIDTH - filled));
    let _ = err.flush();
}
