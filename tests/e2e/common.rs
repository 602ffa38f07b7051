//! Shared helpers: where the test data is, golden files, a pipeline per model.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use headsup::capture::{Frame, load_rgb};
use headsup::pose::{ModelKind, PoseEstimator, PoseOptions, PoseResult, RuntimeChoice};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn testdata() -> PathBuf {
    std::env::var_os("HEADSUP_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/testdata"))
}

pub fn golden(name: &str) -> Value {
    let path = repo().join("tests/golden").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn estimator(model: ModelKind, runtime: RuntimeChoice) -> PoseEstimator {
    let opts = PoseOptions { model, runtime, threads: 2, ..Default::default() };
    PoseEstimator::new(&opts).unwrap_or_else(|e| panic!("cannot build the {model:?} pipeline: {e}"))
}

/// Tests share two cores: run the heavy ones one at a time so timings and
/// thread pools do not fight.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| Mutex::new(())).lock().unwrap_or_else(|e| e.into_inner())
}

/// Loads `rel` (relative to the test data folder) and runs it as a still.
pub fn run_still(est: &mut PoseEstimator, rel: &str) -> PoseResult {
    let mut rgb = Vec::new();
    let path = testdata().join(rel);
    let (w, h) = load_rgb(&path, &mut rgb).unwrap_or_else(|e| panic!("{e}"));
    let frame = Frame::new(w, h, &rgb).expect("frame");
    est.estimate(&frame).unwrap_or_else(|e| panic!("{rel}: {e}")).clone()
}

/// Ears and shoulders: the points the posture score is built on.
pub const KEY_POINTS: [(usize, &str); 4] =
    [(7, "left_ear"), (8, "right_ear"), (11, "left_shoulder"), (12, "right_shoulder")];

/// Distances (px) of the key points between our result and a golden row.
pub fn key_point_errors(result: &PoseResult, golden_landmarks: &Value) -> Vec<f32> {
    let pose = result.pose.as_ref().expect("pose");
    KEY_POINTS
        .iter()
        .map(|&(i, _)| {
            let g = &golden_landmarks[i];
            let (gx, gy) = (g[0].as_f64().expect("x") as f32, g[1].as_f64().expect("y") as f32);
            (pose.landmarks[i].x - gx).hypot(pose.landmarks[i].y - gy)
        })
        .collect()
}

pub fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// A private home for one run of the binary: its own config, data and
/// runtime folders.
pub struct Env {
    pub home: PathBuf,
}

impl Env {
    pub fn new(name: &str) -> Self {
        let home = std::env::temp_dir().join(format!("headsup-watch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        for d in ["config/headsup", "data", "run"] {
            std::fs::create_dir_all(home.join(d)).expect("temp dirs");
        }
        Self { home }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_headsup"));
        c.args(args)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_RUNTIME_DIR", self.home.join("run"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run headsup")
    }

    /// Settings with alerts to the terminal and an `on_alert` command that
    /// appends what it receives to `alerts.txt`.
    pub fn write_config(&self, extra: &str) -> PathBuf {
        let log = self.home.join("alerts.txt");
        let cfg = format!(
            "[alerts]\nstyle = \"terminal\"\non_alert = 'echo \"$HEADSUP_STATE|$HEADSUP_KIND|$HEADSUP_SCORE|$HEADSUP_REASON\" >> {}'\n{extra}",
            log.display()
        );
        let path = self.home.join("config/headsup/config.toml");
        std::fs::write(&path, cfg).expect("config");
        path
    }

    /// The events log so far; every line must also parse as the typed
    /// event the watcher wrote (a line being written is left for later).
    pub fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.home.join("events.jsonl")).unwrap_or_default();
        text.lines()
            .filter(|l| l.ends_with('}'))
            .map(|l| {
                let typed: Result<headsup::watch::event::Line, _> = serde_json::from_str(l);
                if let Err(e) = typed {
                    panic!("not a typed event line ({e}): {l}");
                }
                serde_json::from_str(l).expect("event json")
            })
            .collect()
    }

    pub fn on_alert_lines(&self) -> Vec<String> {
        // The command runs on its own thread: give it a moment.
        let path = self.home.join("alerts.txt");
        for _ in 0..50 {
            if path.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(path).unwrap_or_default().lines().map(String::from).collect()
    }
}

/// Asserts that a run of the binary succeeded, showing its stderr if not.
pub fn ok(out: &Output) {
    assert!(out.status.success(), "headsup failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// `n` frames of good posture in `env`'s `frames/` folder (symlinks to the
/// shared case4 images, never copied), and those images, to calibrate from.
pub fn case4_frames(env: &Env, n: usize) -> (String, Vec<String>) {
    let frames = env.home.join("frames");
    std::fs::create_dir_all(&frames).expect("frames");
    let src = testdata().join("unlicensed/front_neck_grades");
    let mut cal: Vec<String> = std::fs::read_dir(&src)
        .expect("grades")
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.contains("case4"))
        .collect();
    cal.sort();
    for i in 0..n {
        std::os::unix::fs::symlink(&cal[i % cal.len()], frames.join(format!("{i:05}.jpg"))).expect("link");
    }
    (frames.display().to_string(), cal)
}
