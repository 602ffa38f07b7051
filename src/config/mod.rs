//! Settings: every threshold and timing of the posture engine, the camera,
//! alerts and the pose runtime, read from a TOML file (XDG config dir, or
//! `--config FILE`). Bad files are rejected with file, line, key, value and
//! the allowed range; a watcher reloads edits while headsup runs.

pub mod paths;
mod validate;
mod watch;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pose::{ModelKind, RuntimeChoice};
use crate::posture;
pub use validate::{ConfigError, parse_quiet_hours};
pub use watch::ConfigWatcher;

/// The commented default file `headsup config init` writes. Kept equal to
/// [`Config::default`] by a test.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub posture: PostureConfig,
    pub weights: Weights,
    pub timing: TimingConfig,
    pub findings: FindingsConfig,
    pub checks: ChecksConfig,
    pub camera: CameraConfig,
    pub alerts: AlertsConfig,
    pub pose: PoseConfig,
    pub log: LogConfig,
    pub journal: JournalConfig,
}

/// The posture journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// Days of per-minute history kept; older minutes fold into daily summaries (kept forever).
    pub keep_minutes_days: u32,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self { keep_minutes_days: 365 }
    }
}

/// Diagnostics on stderr.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// error, warn, info, debug or trace; `RUST_LOG` overrides.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "warn".into() }
    }
}

/// How the 0-100 alignment score is computed and cut into states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    pub good_above: f32,
    pub forward_below: f32,
    pub hysteresis: f32,
    pub personal_tolerance: bool,
    pub gap_drop_full: f32,
    pub head_growth_full: f32,
    pub forward_cm_full: f32,
    pub side_upright_deg: f32,
    pub side_full_deg: f32,
    pub front_upright_gap: f32,
}

impl Default for PostureConfig {
    fn default() -> Self {
        Self {
            good_above: 75.0,
            forward_below: 50.0,
            hysteresis: 5.0,
            personal_tolerance: true,
            gap_drop_full: 0.25,
            head_growth_full: 0.25,
            forward_cm_full: 5.0,
            side_upright_deg: 72.0,
            side_full_deg: 15.0,
            front_upright_gap: 0.5,
        }
    }
}

/// Weight of each forward-head cue in the score; 0 switches a cue off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub ear_shoulder_gap: f32,
    pub head_size: f32,
    pub world_forward: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self { ear_shoulder_gap: 0.5, head_size: 0.3, world_forward: 0.2 }
    }
}

/// Persistence: smoothing, delays, alert repetition, presence and breaks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingConfig {
    pub smoothing_s: f32,
    pub onset_delay_s: f32,
    pub recovery_s: f32,
    pub alert_after_s: f32,
    pub realert_after_s: f32,
    pub nudge: bool,
    pub nudge_after_min: f32,
    pub nudge_every_min: f32,
    pub away_after_s: f32,
    pub break_every_min: f32,
    pub break_reset_min: f32,
    pub setup_changed_after_s: f32,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            smoothing_s: 2.0,
            onset_delay_s: 10.0,
            recovery_s: 3.0,
            alert_after_s: 60.0,
            realert_after_s: 300.0,
            nudge: true,
            nudge_after_min: 10.0,
            nudge_every_min: 30.0,
            away_after_s: 10.0,
            break_every_min: 30.0,
            break_reset_min: 5.0,
            setup_changed_after_s: 120.0,
        }
    }
}

/// Findings reported beside the forward-head score, each able to alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FindingsConfig {
    pub looking_down: bool,
    pub looking_down_threshold: f32,
    pub head_tilt: bool,
    pub head_tilt_deg: f32,
    pub raised_shoulders: bool,
    pub raised_shoulders_threshold: f32,
    pub alert_after_s: f32,
}

impl Default for FindingsConfig {
    fn default() -> Self {
        Self {
            looking_down: true,
            looking_down_threshold: 0.3,
            head_tilt: true,
            head_tilt_deg: 12.0,
            raised_shoulders: true,
            raised_shoulders_threshold: 0.1,
            alert_after_s: 120.0,
        }
    }
}

/// When a frame cannot be judged at all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChecksConfig {
    pub min_visibility: f32,
    pub dark_luma: f32,
    pub front_max_yaw: f32,
    pub side_min_yaw: f32,
    pub setup_shift: f32,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        Self {
            min_visibility: 0.5,
            dark_luma: 15.0,
            front_max_yaw: 1.0,
            side_min_yaw: 2.0,
            setup_shift: 0.35,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub fps_good: f32,
    pub fps_drifting: f32,
    pub pause_on_lock: bool,
    pub pause_on_battery: bool,
}

impl Default for CameraConfig {
    fn default() -> Self {
        Self {
            index: 0,
            width: 640,
            height: 480,
            fps_good: 2.0,
            fps_drifting: 5.0,
            pause_on_lock: true,
            pause_on_battery: false,
        }
    }
}

/// How alerts reach the user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStyle {
    #[default]
    Notify,
    Terminal,
    Both,
    None,
    /// A band at the screen edges that grows while the head stays forward.
    Glow,
    /// A gentle dim of the whole screen (needs a compositor).
    Dim,
}

impl AlertStyle {
    pub const ALL: [AlertStyle; 6] = [
        AlertStyle::Notify,
        AlertStyle::Terminal,
        AlertStyle::Both,
        AlertStyle::Glow,
        AlertStyle::Dim,
        AlertStyle::None,
    ];

    /// As the settings file spells it.
    pub fn name(self) -> &'static str {
        match self {
            AlertStyle::Notify => "notify",
            AlertStyle::Terminal => "terminal",
            AlertStyle::Both => "both",
            AlertStyle::None => "none",
            AlertStyle::Glow => "glow",
            AlertStyle::Dim => "dim",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    pub style: AlertStyle,
    pub sound: bool,
    pub on_alert: String,
    pub quiet_hours: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoseConfig {
    pub model: ModelKind,
    pub runtime: RuntimeChoice,
    pub threads: usize,
    pub ort_library: String,
    /// Skip the landmark model on frames that have not changed (see
    /// `pose::gate`); read by the watcher, so a reload applies it.
    pub skip_still_frames: bool,
}

impl Default for PoseConfig {
    fn default() -> Self {
        Self {
            model: ModelKind::default(),
            runtime: RuntimeChoice::default(),
            threads: 0,
            ort_library: String::new(),
            skip_still_frames: true,
        }
    }
}

impl Config {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and validates TOML text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        validate::parse(text, path)
    }

    /// The file at `path`, or the defaults when it does not exist.
    pub fn load_or_default(path: &Path) -> Result<Config, ConfigError> {
        if path.exists() { Self::load(path) } else { Ok(Config::default()) }
    }

    /// The posture engine's parameters: the only way settings reach it
    /// (config sits above posture, never the other way round).
    pub fn posture_params(&self) -> posture::Params {
        let (p, t, f, k, w) = (&self.posture, &self.timing, &self.findings, &self.checks, &self.weights);
        posture::Params {
            checks: posture::params::Checks {
                min_visibility: k.min_visibility,
                dark_luma: k.dark_luma,
                front_max_yaw: k.front_max_yaw,
                side_min_yaw: k.side_min_yaw,
                setup_shift: k.setup_shift,
            },
            scoring: posture::params::Scoring {
                gap_drop_full: p.gap_drop_full,
                head_growth_full: p.head_growth_full,
                forward_cm_full: p.forward_cm_full,
                side_upright_deg: p.side_upright_deg,
                side_full_deg: p.side_full_deg,
                front_upright_gap: p.front_upright_gap,
                weight_gap: w.ear_shoulder_gap,
                weight_head_size: w.head_size,
                weight_world: w.world_forward,
            },
            bands: posture::params::Bands {
                good_above: p.good_above,
                forward_below: p.forward_below,
                hysteresis: p.hysteresis,
                personal: p.personal_tolerance,
            },
            findings: posture::params::FindingRules {
                looking_down: f.looking_down,
                looking_down_threshold: f.looking_down_threshold,
                head_tilt: f.head_tilt,
                head_tilt_deg: f.head_tilt_deg,
                raised_shoulders: f.raised_shoulders,
                raised_shoulders_threshold: f.raised_shoulders_threshold,
                alert_after_s: f.alert_after_s.into(),
            },
            timing: posture::params::Timing {
                smoothing_s: t.smoothing_s,
                onset_delay_s: t.onset_delay_s.into(),
                recovery_s: t.recovery_s.into(),
                alert_after_s: t.alert_after_s.into(),
                realert_after_s: t.realert_after_s.into(),
                nudge: t.nudge,
                nudge_after_s: f64::from(t.nudge_after_min) * 60.0,
                nudge_every_s: f64::from(t.nudge_every_min) * 60.0,
                away_after_s: t.away_after_s.into(),
                break_every_s: f64::from(t.break_every_min) * 60.0,
                break_reset_s: f64::from(t.break_reset_min) * 60.0,
                setup_changed_after_s: t.setup_changed_after_s.into(),
            },
        }
    }
}

/// The config file in use: `--config FILE` or the XDG default.
pub fn resolve_path(explicit: Option<&Path>) -> PathBuf {
    explicit.map(Path::to_path_buf).unwrap_or_else(paths::config_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_default_file_equals_the_built_in_defaults() {
        let parsed = Config::parse(DEFAULT_TOML, Path::new("default.toml")).expect("default parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn commented_default_file_names_every_key() {
        // Every key of the serialised defaults appears in the commented file.
        let full = toml::to_string(&Config::default()).expect("serialise");
        let keys = |t: &str| -> Vec<String> {
            let mut section = String::new();
            let mut out = Vec::new();
            for line in t.lines().map(str::trim) {
                if let Some(s) = line.strip_prefix('[') {
                    section = s.trim_end_matches(']').to_string();
                } else if let Some((k, _)) = line.split_once('=')
                    && !line.starts_with('#')
                {
                    out.push(format!("{section}.{}", k.trim()));
                }
            }
            out.sort();
            out
        };
        assert_eq!(keys(DEFAULT_TOML), keys(&full));
    }

    #[test]
    fn default_settings_give_the_posture_defaults() {
        // Posture's tests and benches build `Params::default()`: it must be what users get.
        assert_eq!(Config::default().posture_params(), posture::Params::default());
    }

    #[test]
    fn posture_params_map_each_setting_to_its_own_field() {
        // Settings whose defaults coincide, made distinct: a swapped field shows.
        let text = "[posture]\ngap_drop_full = 0.2\nhead_growth_full = 0.3\nfront_upright_gap = 0.6\n\
                    [timing]\nonset_delay_s = 11\naway_after_s = 12\nsetup_changed_after_s = 130\n\
                    break_every_min = 20\nbreak_reset_min = 2\n\
                    [findings]\nlooking_down = false\nalert_after_s = 90\n\
                    [weights]\near_shoulder_gap = 0.4\n[checks]\nmin_visibility = 0.45\n";
        let p = Config::parse(text, Path::new("c.toml")).expect("parse").posture_params();
        assert_eq!((p.scoring.gap_drop_full, p.scoring.head_growth_full), (0.2, 0.3));
        assert_eq!((p.scoring.front_upright_gap, p.scoring.weight_gap), (0.6, 0.4));
        assert_eq!((p.timing.onset_delay_s, p.timing.away_after_s), (11.0, 12.0));
        assert_eq!((p.timing.setup_changed_after_s, p.findings.alert_after_s), (130.0, 90.0));
        assert_eq!((p.timing.break_every_s, p.timing.break_reset_s), (1200.0, 120.0));
        assert_eq!(
            (p.checks.min_visibility, p.findings.looking_down, p.findings.head_tilt),
            (0.45, false, true)
        );
    }

    #[test]
    fn an_empty_file_means_all_defaults() {
        assert_eq!(Config::parse("", Path::new("c.toml")).expect("parse"), Config::default());
    }
}
