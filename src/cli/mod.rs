//! Command line: argument parsing and the subcommands' glue. Errors become
//! one readable line on stderr and a non-zero exit.

mod analyze;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use headsup::pose::{ModelKind, PoseOptions, RuntimeChoice};

#[derive(Parser)]
#[command(
    name = "headsup",
    version,
    about = "Watches your posture through the webcam; tells you when your head drifts forward of your shoulders."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Find body landmarks in images or image sequences and print one record per frame.
    Analyze(analyze::AnalyzeArgs),
}

/// Options shared by every command that runs the pose models.
#[derive(Args, Clone, Debug)]
pub struct PoseArgs {
    /// Landmark model: lite is fastest, heavy most accurate (heavy must be generated first).
    #[arg(long, value_enum, default_value_t = ModelKind::Full)]
    pub model: ModelKind,
    /// Inference runtime: auto uses the native ONNX Runtime when its library is found.
    #[arg(long, value_enum, default_value_t = RuntimeChoice::Auto)]
    pub runtime: RuntimeChoice,
    /// Inference threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Folder with the .onnx model files to use instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Path of the ONNX Runtime shared library (else $ORT_DYLIB_PATH, system folders, the onnxruntime Python package).
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
}

impl PoseArgs {
    pub fn options(&self) -> PoseOptions {
        PoseOptions {
            model: self.model,
            runtime: self.runtime,
            threads: self.threads,
            models_dir: self.models.clone(),
            ort_library: self.ort_lib.clone(),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Analyze(args)) => analyze::run(&args),
        None => overview(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("headsup: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Without a subcommand: show what would run and how to use it.
fn overview() -> anyhow::Result<ExitCode> {
    let opts = PoseOptions::default();
    let estimator = headsup::pose::PoseEstimator::new(&opts)?;
    println!("headsup {} — forward head posture watcher", env!("CARGO_PKG_VERSION"));
    println!("  pose model: BlazePose {} (embedded)", estimator.model().name());
    println!("  runtime:    {}", estimator.runtime());
    println!("  frames never leave this machine and are never stored.");
    println!();
    println!("Analyse images or a recorded sequence:");
    println!("  headsup analyze PHOTO.jpg FOLDER/ [--sequence] [--format jsonl|csv|table]");
    println!("Run `headsup --help` for every command.");
    Ok(ExitCode::SUCCESS)
}
