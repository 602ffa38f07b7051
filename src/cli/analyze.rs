//! `headsup analyze`: images, folders and sequences through the pose pipeline,
//! one record per frame on stdout, one error line per unreadable file on stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use headsup::capture::{Frame, collect_images, load_rgb};
use headsup::output::{Format, Record, Writer};
use headsup::pose::PoseEstimator;

use super::PoseArgs;

/// Frame rate assumed for sequences: MediaPipe's own simulated clock (30 fps).
const SEQUENCE_FPS: f64 = 30.0;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Image files (JPEG, PNG) and folders of them (read in name order).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat each folder (and the listed files together) as one video sequence: track the person between frames.
    #[arg(long)]
    sequence: bool,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    pose: PoseArgs,
}

/// A run of frames analysed together: stills are reset between frames.
struct Group {
    files: Vec<PathBuf>,
    sequence: bool,
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0usize;
    let mut groups = Vec::new();
    let mut loose = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            match collect_images(path) {
                Ok(files) => groups.push(Group { files, sequence: args.sequence }),
                Err(e) => {
                    eprintln!("headsup: {e}");
                    failed += 1;
                }
            }
        } else {
            loose.push(path.clone());
        }
    }
    if !loose.is_empty() {
        groups.insert(0, Group { files: loose, sequence: args.sequence });
    }
    let total: usize = groups.iter().map(|g| g.files.len()).sum();

    let mut estimator = PoseEstimator::new(&args.pose.options()).context("cannot start the pose pipeline")?;
    eprintln!("headsup: model {} on {}", estimator.model().name(), estimator.runtime());

    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() { Format::Table } else { Format::Jsonl });
    let show_progress = std::io::stderr().is_terminal() && !stdout.is_terminal() && total > 1;
    let mut out = Writer::new(stdout.lock(), format);
    let mut rgb = Vec::new();
    let (mut done, mut analysed) = (0usize, 0usize);
    for group in &groups {
        estimator.reset();
        let mut t = 0.0;
        for file in &group.files {
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
            let result = if group.sequence {
                t += 1.0 / SEQUENCE_FPS;
                estimator.track(&frame, t)
            } else {
                estimator.estimate(&frame)
            }
            .with_context(|| format!("{}", file.display()))?;
            let name = display(file);
            out.write(&Record::new(&name, result)).context("cannot write to stdout")?;
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

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
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
