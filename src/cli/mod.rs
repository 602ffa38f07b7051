//! Command line: argument parsing and the subcommands' glue. Errors become
//! one readable line on stderr and a non-zero exit.

mod analyze;
mod calibrate;
mod choice;
mod doctor;
mod feedback;
mod history;
mod install;
mod settings;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use headsup::calibrate::{self as session, CalibrateError, CameraStep};
use headsup::capture::camera::Webcam;
use headsup::capture::{CameraRequest, FrameSource};
use headsup::config::{self, Config, PoseConfig};
use headsup::pose::{ModelKind, PoseEstimator, PoseOptions, RuntimeChoice};
use headsup::posture::Baseline;
use headsup::profiles::Profiles;
use headsup::watch::camera_request;

#[derive(Parser)]
#[command(
    name = "headsup",
    version,
    about = "Watches your posture through the webcam; tells you when your head drifts forward of your shoulders.",
    after_help = "headsup is not a medical device. Frames never leave this machine and are never stored.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Settings file [default: $XDG_CONFIG_HOME/headsup/config.toml].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a command, headsup watches: `headsup` is `headsup watch`.
    #[command(flatten)]
    watch: watch::WatchArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Judge posture in images or recorded frame sequences; one record per frame.
    Analyze(analyze::AnalyzeArgs),
    /// Record your good posture as the baseline everything is judged against.
    Calibrate(calibrate::CalibrateArgs),
    /// List, rename or delete calibration profiles.
    Profiles {
        #[command(subcommand)]
        action: Option<settings::ProfilesAction>,
    },
    /// Write, check or locate the settings file.
    Config {
        #[command(subcommand)]
        action: settings::ConfigAction,
    },
    /// Watch your posture through the camera (or a replay) and alert when your head stays forward.
    Watch(watch::WatchArgs),
    /// Silence alerts and release the camera for a while, e.g. `headsup snooze 30m`.
    Snooze {
        #[arg(default_value = "30m", value_parser = watch::snooze_duration)]
        duration: f64,
    },
    /// Pause watching (camera released) until `headsup resume`.
    Pause,
    /// Resume watching after a pause or snooze.
    Resume,
    /// Show what the running watcher sees.
    Status,
    /// Say an alert was wrong or missed (the forward-head cut-off moves 2 points), or take it back.
    Feedback(feedback::FeedbackArgs),
    /// List the cameras and their formats.
    Cameras,
    /// Check the camera, the inference runtime, notifications, the journal and the settings.
    Doctor(doctor::DoctorArgs),
    /// Put headsup in the application menu (a desktop entry and an icon).
    Install {
        /// Also start it at login.
        #[arg(long)]
        autostart: bool,
    },
    /// Remove what `install` and `autostart on` wrote (profiles and history stay).
    Uninstall,
    /// Start headsup at login (on) or not (off).
    Autostart {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Your posture log: a day, the week or a range, as text, JSON or CSV, with a chart.
    Report(history::ReportArgs),
    /// The journal file: path, export, import, prune.
    Journal {
        #[command(subcommand)]
        action: history::JournalAction,
    },
    /// The screen-edge glow or dim, fed levels on stdin by the watcher (internal).
    #[command(hide = true)]
    Overlay {
        #[arg(long, value_parser = ["glow", "dim"])]
        style: String,
    },
    /// Delete every calibration profile and all posture history.
    Forget {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// Options shared by every command that runs the pose models; unset ones
/// come from the `[pose]` section of the settings.
#[derive(Args, Clone, Debug, Default)]
pub struct PoseArgs {
    /// Landmark model: lite is fastest, heavy most accurate (heavy must be generated first).
    #[arg(long, value_parser = choice::choice::<ModelKind>())]
    pub model: Option<ModelKind>,
    /// Inference runtime: auto uses the native ONNX Runtime when its library is found.
    #[arg(long, value_parser = choice::choice::<RuntimeChoice>())]
    pub runtime: Option<RuntimeChoice>,
    /// Inference threads (0 = automatic: one while watching, one per core otherwise).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Folder with the .onnx model files to use instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Path of the ONNX Runtime shared library (else $ORT_DYLIB_PATH, system folders, the onnxruntime Python package).
    #[arg(long, value_name = "PATH")]
    pub ort_lib: Option<PathBuf>,
}

impl PoseArgs {
    pub fn options(&self, cfg: &PoseConfig) -> PoseOptions {
        let lib = (!cfg.ort_library.is_empty()).then(|| PathBuf::from(&cfg.ort_library));
        PoseOptions {
            model: self.model.unwrap_or(cfg.model),
            runtime: self.runtime.unwrap_or(cfg.runtime),
            threads: self.threads.unwrap_or(cfg.threads),
            models_dir: self.models.clone(),
            ort_library: self.ort_lib.clone().or(lib),
            busy_wait: true,
        }
    }
}

/// Loads the settings in use (defaults when the file does not exist).
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<(PathBuf, Config)> {
    let path = config::resolve_path(explicit);
    if explicit.is_some() && !path.exists() {
        anyhow::bail!("{}: no such settings file (create one with `headsup config init`)", path.display());
    }
    let cfg = Config::load_or_default(&path).context("invalid settings")?;
    Ok((path, cfg))
}

/// `--calibrate FILES`: a baseline in memory from recorded good frames.
pub fn baseline_from_files(
    est: &mut PoseEstimator,
    paths: &[PathBuf],
    cfg: &Config,
    fps: f64,
) -> anyhow::Result<Baseline> {
    let files = session::expand(paths).context("--calibrate")?;
    let session = session::from_files(est, &files, cfg.posture_params(), fps)?;
    let baseline = session.baseline().context("calibration rejected")?;
    eprintln!("headsup: calibrated from {} frames ({} view)", session.good_frames(), baseline.view.name());
    say_calibration(&baseline, cfg);
    Ok(baseline)
}

/// Where alerts start for this calibration, and advice on where the camera
/// sits when it is far from eye level.
pub fn say_calibration(baseline: &Baseline, cfg: &Config) {
    let bands = cfg.posture_params().bands;
    if bands.personal {
        eprintln!("headsup: {}", baseline.tolerance.summary(&bands));
    }
    if let Some(advice) = baseline.placement.advice() {
        eprintln!("headsup: note: {advice}");
    }
}

/// The first (main) screen's session, with its baseline holding the other
/// screens' (each at the same place, facing the camera, the head turned
/// its own way).
pub fn join_screens(
    mut sessions: Vec<(session::Session, Baseline)>,
    cfg: &Config,
) -> anyhow::Result<(session::Session, Baseline)> {
    anyhow::ensure!(!sessions.is_empty(), "no screen calibrated");
    let (first, main) = sessions.remove(0);
    let main = session::join_screens(main, sessions.into_iter().map(|(_, b)| b), &cfg.posture_params())?;
    if !main.screens.is_empty() {
        eprintln!(
            "headsup: {} screens calibrated; each frame is judged against the one you face",
            main.screens.len() + 1
        );
    }
    Ok((first, main))
}

/// Calibrates profile `name` from camera `index`, saying the countdown and
/// the frames taken, for each of `screens` in turn; Ctrl-C or SIGTERM end
/// it with exit code 130.
pub fn calibrate_camera(
    name: &str,
    index: u32,
    seconds: f64,
    screens: u8,
    pose: &PoseArgs,
    cfg: &Config,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("cannot install the signal handler")?;
    }
    let mut est = PoseEstimator::new(&pose.options(&cfg.pose)).context("cannot start the pose pipeline")?;
    let mut cam = Webcam::new(CameraRequest { index, ..camera_request(&cfg.camera) });
    let mut sessions = Vec::new();
    for screen in 1..=screens {
        let look = session::prompt((screen, screens));
        let said = |step| match step {
            CameraStep::Streaming { camera, format } => eprintln!("headsup: {camera} streaming {format}"),
            CameraStep::Countdown(n) => eprintln!("{look}... {n}"),
            CameraStep::Frames(n) => eprint!("\r  {n} usable frames"),
        };
        let params = if screen == 1 { cfg.posture_params() } else { cfg.posture_params().for_other_screen() };
        let session = match session::from_camera(&mut est, &mut cam, params, seconds, &stop, said) {
            Err(CalibrateError::Interrupted) => {
                eprintln!("\nheadsup: calibration interrupted; nothing saved");
                return Ok(ExitCode::from(130));
            }
            other => other?,
        };
        eprintln!();
        let baseline =
            session.baseline().with_context(|| format!("calibration of screen {screen} rejected"))?;
        sessions.push((session, baseline));
    }
    let (session, baseline) = join_screens(sessions, cfg)?;
    let (w, h) = session.size();
    say_calibration(&baseline, cfg);
    let (_, path) = session.save(baseline, name, FrameSource::name(&cam), &Profiles::default())?;
    eprintln!("headsup: calibrated profile {name:?} ({w}x{h}); saved to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.config.as_deref();
    let result = match cli.command {
        Some(Command::Analyze(args)) => analyze::run(&args, config),
        Some(Command::Calibrate(args)) => calibrate::run(&args, config),
        Some(Command::Profiles { action }) => settings::profiles(action),
        Some(Command::Config { action }) => settings::config(action, config),
        Some(Command::Watch(args)) => watch::run(&args, config),
        Some(Command::Snooze { duration }) => {
            watch::control(headsup::watch::control::Request::Snooze { seconds: duration })
        }
        Some(Command::Pause) => watch::control(headsup::watch::control::Request::Pause),
        Some(Command::Resume) => watch::control(headsup::watch::control::Request::Resume),
        Some(Command::Status) => watch::control(headsup::watch::control::Request::Status),
        Some(Command::Feedback(args)) => feedback::run(&args, config),
        Some(Command::Cameras) => watch::cameras(config),
        Some(Command::Doctor(args)) => doctor::run(&args, config),
        Some(Command::Autostart { state }) => install::autostart(state == "on"),
        Some(Command::Install { autostart }) => install::install(autostart),
        Some(Command::Uninstall) => install::uninstall(),
        Some(Command::Forget { yes }) => watch::forget(yes),
        Some(Command::Report(args)) => history::report(&args),
        Some(Command::Journal { action }) => history::journal(action, config),
        Some(Command::Overlay { style }) => overlay(&style),
        // The default: watch with the embedded defaults.
        None => watch::run(&cli.watch, config),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("headsup: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The overlay process: runs until the watcher closes its input.
fn overlay(style: &str) -> anyhow::Result<ExitCode> {
    use headsup::alert::overlay;
    let style: overlay::Style = style.parse().map_err(anyhow::Error::msg)?;
    overlay::x11::run(style)?;
    Ok(ExitCode::SUCCESS)
}
