//! `headsup watch` (and the default command): the camera or a replay
//! through the watcher, headless, with a status line; plus the commands that
//! talk to a running watcher (`snooze`, `pause`, `resume`, `status`), and
//! `cameras`, `forget`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::Args;
use headsup::capture::{CameraRequest, camera};
use headsup::config::{Config, paths};
use headsup::pose::PoseEstimator;
use headsup::posture::Baseline;
use headsup::profiles::{DEFAULT_PROFILE, Profiles};
use headsup::watch::control::{self, Reply, Request, parse_duration};
use headsup::watch::sinks::Judged;
use headsup::watch::{
    Event, Scheduled, Setting, Sink, SourceSpec, Started, WatchOptions, Wiring, camera_request,
};

use super::{PoseArgs, load_config};

#[derive(Args, Clone)]
pub struct WatchArgs {
    /// Replay an image folder, a video file or a replay plan (`*.plan`: a scripted day) instead of the camera (same pipeline).
    #[arg(long, value_name = "PATH")]
    source: Option<PathBuf>,
    /// Frame rate of a replay's simulated clock.
    #[arg(long, default_value_t = 2.0, value_parser = positive_fps)]
    fps: f64,
    /// Pace a replay like a camera instead of as fast as possible.
    #[arg(long)]
    realtime: bool,
    /// Write one JSON line per event to FILE (`-` for stdout; the status line then goes to stderr).
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// No window even when a display is present: a status line in the terminal.
    #[arg(long)]
    headless: bool,
    /// Start in the tray with the window closed (what login starts); with
    /// --headless, a tray icon beside the status line.
    #[arg(long)]
    tray: bool,
    /// Calibration profile to judge against.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Calibrate from these frames of good posture first (in memory, nothing saved).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "profile")]
    calibrate: Vec<PathBuf>,
    /// Camera index (default from the settings).
    #[arg(long)]
    camera: Option<u32>,
    /// Apply a request at a time on the replay clock, e.g. `--at 120=snooze:30m`,
    /// `--at 300=pause`, `--at 400=resume` (repeatable).
    #[arg(long, value_name = "T=REQUEST", value_parser = parse_scheduled)]
    at: Vec<Scheduled>,
    /// Run without the control socket (no snooze/pause/status from other terminals).
    #[arg(long)]
    no_control: bool,
    /// Do not record this run in the posture journal.
    #[arg(long)]
    no_journal: bool,
    #[command(flatten)]
    pose: PoseArgs,
}

/// A replay's frame rate: above 0 and at most 1000.
fn positive_fps(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1000.0 => Ok(v),
        _ => Err(format!("{s:?} is not a frame rate; expected a number above 0 and at most 1000 (e.g. 2)")),
    }
}

fn parse_scheduled(s: &str) -> Result<Scheduled, String> {
    let (t, req) =
        s.split_once('=').ok_or_else(|| format!("{s:?}: expected T=REQUEST, e.g. 120=snooze:30m"))?;
    let t: f64 = t.trim().parse().map_err(|_| format!("{s:?}: {t:?} is not a time in seconds"))?;
    let request = Request::parse(&req.replace(':', " "))?;
    Ok(Scheduled { t, request })
}

/// The privacy promise, said once on first start.
fn first_start_notice() {
    let marker = paths::data_dir().join(".privacy-notice-shown");
    if marker.exists() {
        return;
    }
    eprintln!(
        "headsup: frames from your camera are processed on this machine only; they never leave it \
         and are never stored. headsup is not a medical device."
    );
    let _ = std::fs::create_dir_all(paths::data_dir()).and_then(|_| std::fs::write(&marker, b""));
}

fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // The windowing stack's own chatter only when something is wrong.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{},winit=error", cfg.log.level)));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

pub fn run(args: &WatchArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (config_path, cfg) = load_config(config)?;
    init_logging(&cfg);
    first_start_notice();
    let pose = args.pose.options(&cfg.pose);
    let display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    let window = !args.headless && display;
    let baseline: Option<Baseline> = if !args.calibrate.is_empty() {
        let mut est = PoseEstimator::new(&pose).context("cannot start the pose pipeline")?;
        Some(super::baseline_from_files(&mut est, &args.calibrate, &cfg, args.fps)?)
    } else {
        let name = args.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
        match Profiles::default().load(name) {
            Ok(p) => Some(p.baseline),
            // The window leads the user through calibration itself.
            Err(_) if window => None,
            Err(e) => return no_calibration(e, args, config, &cfg),
        }
    };
    let source = match &args.source {
        Some(path) => SourceSpec::Replay { path: path.clone(), fps: args.fps },
        None => SourceSpec::Camera(CameraRequest {
            index: args.camera.unwrap_or(cfg.camera.index),
            ..camera_request(&cfg.camera)
        }),
    };
    let events_to_stdout = args.events.as_deref() == Some(Path::new("-"));
    let events: Option<Box<dyn Write + Send>> = match &args.events {
        None => None,
        Some(p) if p == Path::new("-") => Some(Box::new(std::io::stdout())),
        Some(p) => Some(Box::new(
            std::fs::File::create(p)
                .with_context(|| format!("cannot write the events log {}", p.display()))?,
        )),
    };
    let status: Option<Box<dyn Write + Send>> = if events_to_stdout {
        std::io::stderr().is_terminal().then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>)
    } else {
        std::io::stdout().is_terminal().then(|| Box::new(std::io::stdout()) as Box<dyn Write + Send>)
    };
    let stop = stop_on_signals()?;
    let journal = (!args.no_journal).then(headsup::journal::default_path);
    if let Some(path) = &journal {
        prune(path, &cfg);
    }
    let opts = WatchOptions {
        source,
        realtime: args.realtime,
        pose,
        config_path: config_path.clone(),
        setting: Setting {
            config: cfg,
            baseline,
            profile: args.profile.clone(),
            in_memory: !args.calibrate.is_empty(),
            profiles_dir: paths::profiles_dir(),
        },
        schedule: args.at.clone(),
        journal,
    };
    let mut wiring = Wiring {
        sinks: vec![Box::new(StatusLine::new(status))],
        events,
        alert_terminal: Box::new(std::io::stderr()),
        socket: (!args.no_control).then(control::socket_path),
        requests: None,
        stop,
    };
    let journal_path = headsup::journal::default_path();
    if window {
        return headsup::ui::run(opts, wiring, &config_path, &journal_path, args.tray)
            .map(|()| ExitCode::SUCCESS);
    }
    if args.tray {
        headless_tray(&mut wiring, journal_path);
    }
    let summary = headsup::watch::run(opts, wiring)?;
    eprintln!(
        "headsup: {} frames read, {} judged ({} through the model), {} dropped, {} unreadable skipped, {} alerts, {} nudges, {:.0} s",
        summary.frames_read,
        summary.frames_processed,
        summary.inferences,
        summary.frames_dropped,
        summary.bad_frames,
        summary.alerts,
        summary.nudges,
        summary.duration_s
    );
    Ok(ExitCode::SUCCESS)
}

/// A tray icon without a window: it follows a snapshot of its own and
/// sends its menu's requests like the window does.
fn headless_tray(wiring: &mut Wiring, journal: PathBuf) {
    use headsup::ui::tray::{self, TrayParts};
    use headsup::watch::sinks::snapshot::{Publisher, SharedSnapshot};
    let snapshot = SharedSnapshot::default();
    let (tx, rx) = std::sync::mpsc::channel();
    wiring.requests = Some(rx);
    let (link, _up) = tray::spawn(TrayParts {
        snapshot: snapshot.clone(),
        requests: tx,
        window: None,
        stop: wiring.stop.clone(),
        journal,
    });
    wiring.sinks.push(Box::new(Publisher::new(snapshot).waking(move || link.poke())));
}

/// SIGINT and SIGTERM set the returned flag: the watcher finishes cleanly
/// (journal flushed, camera released). A second one while it does ends the
/// process at once (exit 130), should anything hang.
pub fn stop_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, stop.clone())
            .context("cannot install the signal handler")?;
        signal_hook::flag::register(sig, stop.clone()).context("cannot install the signal handler")?;
    }
    Ok(stop)
}

/// Retention: old minutes fold into daily summaries.
fn prune(path: &Path, cfg: &Config) {
    if !path.exists() {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let pruned =
        headsup::journal::Journal::open(path).and_then(|mut j| j.prune(cfg.journal.keep_minutes_days, now));
    if let Err(e) = pruned {
        eprintln!("headsup: {e}");
    }
}

/// The terminal's side of watching: what is watched, said once on stderr,
/// and a live status line when stdout (or stderr) is a terminal.
struct StatusLine {
    out: Option<Box<dyn Write + Send>>,
}

impl StatusLine {
    fn new(out: Option<Box<dyn Write + Send>>) -> Self {
        Self { out }
    }
}

impl Sink for StatusLine {
    fn started(&mut self, s: &Started<'_>) {
        eprintln!("headsup: watching {} with BlazePose {} on {}", s.source, s.model, s.runtime);
    }

    /// A correction from the notification, the tray or `--at` is said here
    /// too: the person sees where the cut-off went.
    fn event(&mut self, _t: f64, event: &Event) {
        if let Event::Feedback { message, .. } = event {
            eprintln!("\nheadsup: {message}");
        }
    }

    fn judged(&mut self, f: &Judged<'_>) {
        let Some(out) = self.out.as_mut() else { return };
        let a = f.assessment;
        let st = f.stats;
        let score = a.score.map(|s| format!("{s:>3.0}")).unwrap_or_else(|| "  -".into());
        let _ = write!(
            out,
            "\r\x1b[2K{:<13} score {score} | {:4.1} fps | CPU {:4.1}% | {} frames, {} dropped | {}",
            a.state.name(),
            st.fps,
            st.cpu_percent,
            st.frames,
            st.dropped,
            a.reason()
        );
        let _ = out.flush();
    }

    fn finish(&mut self, _t: f64, _why: &str) {
        if let Some(out) = self.out.as_mut() {
            let _ = writeln!(out);
        }
    }
}

/// No profile yet: offer to calibrate on a terminal, else say how and fail.
fn no_calibration(
    err: headsup::profiles::ProfileError,
    args: &WatchArgs,
    config: Option<&Path>,
    cfg: &Config,
) -> anyhow::Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive || args.source.is_some() {
        eprintln!(
            "headsup: not calibrated yet ({err}).\n  Calibrate once in your good posture: `headsup calibrate` \
             (camera) or `headsup calibrate --source FRAMES/`; or judge a replay with `--calibrate FRAMES...`."
        );
        return Ok(ExitCode::from(2));
    }
    eprint!("headsup: no calibration yet. Calibrate now with the camera (5 seconds)? [Y/n] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).context("cannot read the answer")?;
    if answer.trim().eq_ignore_ascii_case("n") {
        eprintln!("headsup: run `headsup calibrate` when ready.");
        return Ok(ExitCode::from(2));
    }
    let name = args.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    let code =
        super::calibrate_camera(name, args.camera.unwrap_or(cfg.camera.index), 5.0, 1, &args.pose, cfg)?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    run(args, config)
}

/// `headsup snooze|pause|resume|status`.
pub fn control(req: Request) -> anyhow::Result<ExitCode> {
    let status = match control::request(&control::socket_path(), req)? {
        Reply::Status(status) => status,
        Reply::Corrected { message, .. } => anyhow::bail!("unexpected answer: {message}"),
        Reply::Error { error } => anyhow::bail!("the watcher refused: {error}"),
    };
    match req {
        Request::Status => println!("{}", serde_json::to_string_pretty(&status)?),
        _ => {
            let left =
                status.snooze_left_s.map(|s| format!(" ({:.0} min left)", s / 60.0)).unwrap_or_default();
            println!("headsup is {}{left}", status.mode);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn snooze_duration(s: &str) -> Result<f64, String> {
    parse_duration(s)
}

/// `headsup cameras`: each camera with every format headsup can read, and
/// the one it would stream with the settings' size and frame rate.
pub fn cameras(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    let want = camera_request(&cfg.camera);
    let list = camera::list();
    if list.is_empty() {
        println!("no cameras found");
    }
    for c in list {
        println!("{}: {}", c.index, c.name);
        for f in &c.formats {
            println!("    {f}");
        }
        if let Some(choice) = camera::choose(&c.formats, want.width, want.height, want.min_fps) {
            println!(
                "    headsup streams {choice} (for {}x{} at {} fps)",
                want.width, want.height, want.min_fps
            );
        }
        match c.error {
            Some(e) => println!("    (formats not readable: {e})"),
            None if c.formats.is_empty() => {
                println!("    (no format headsup can read: it reads MJPEG and YUYV)")
            }
            None => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `headsup forget`: deletes every profile and all history, after confirmation.
pub fn forget(yes: bool) -> anyhow::Result<ExitCode> {
    let dir = paths::data_dir();
    if !dir.exists() {
        println!("nothing to forget ({} does not exist)", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("refusing to delete {} without confirmation; add --yes", dir.display());
        }
        eprint!("Delete all profiles and posture history in {}? [y/N] ", dir.display());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("y") {
            println!("kept everything");
            return Ok(ExitCode::SUCCESS);
        }
    }
    std::fs::remove_dir_all(&dir).with_context(|| format!("cannot delete {}", dir.display()))?;
    println!("deleted {}", dir.display());
    Ok(ExitCode::SUCCESS)
}
