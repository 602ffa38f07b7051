//! Parsing and validation with errors that point at the file, line and key.

use std::path::{Path, PathBuf};

use super::Config;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: PathBuf, line: usize, message: String },
    #[error("{path}:{line}: {key} = {value} is out of range; allowed {allowed}")]
    Range { path: PathBuf, line: usize, key: String, value: String, allowed: String },
    #[error("{path}:{line}: {key} = {value}: {message}")]
    Invalid { path: PathBuf, line: usize, key: String, value: String, message: String },
}

pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        // toml's message repeats the source snippet; keep its first line.
        let message = e.message().lines().next().unwrap_or("invalid TOML").to_string();
        ConfigError::Syntax { path: path.to_path_buf(), line, message }
    })?;
    check(&config, text, path)?;
    Ok(config)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of `key` inside `[section]`, or 1 when the key is not written
/// (a default made invalid by another key).
fn find_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(s) = l.strip_prefix('[') {
            current = s.trim_end_matches(']').trim().to_string();
        } else if current == section
            && let Some((k, _)) = l.split_once('=')
            && k.trim() == key
        {
            return i + 1;
        }
    }
    1
}

fn check(c: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    check_ranges(c, text, path)?;
    check_consistency(c, text, path)
}

/// A number's allowed range: (section, key, value, min, max).
type Range = (&'static str, &'static str, f64, f64, f64);

/// Every numeric setting with its allowed range, in file order.
fn ranges(c: &Config) -> [Range; 38] {
    let p = &c.posture;
    let t = &c.timing;
    let f = &c.findings;
    let k = &c.checks;
    let cam = &c.camera;
    [
        ("journal", "keep_minutes_days", c.journal.keep_minutes_days.into(), 1.0, 36500.0),
        ("posture", "good_above", p.good_above.into(), 1.0, 100.0),
        ("posture", "forward_below", p.forward_below.into(), 0.0, 99.0),
        ("posture", "hysteresis", p.hysteresis.into(), 0.0, 30.0),
        ("posture", "gap_drop_full", p.gap_drop_full.into(), 0.02, 1.0),
        ("posture", "head_growth_full", p.head_growth_full.into(), 0.02, 2.0),
        ("posture", "forward_cm_full", p.forward_cm_full.into(), 0.5, 30.0),
        ("posture", "side_upright_deg", p.side_upright_deg.into(), 30.0, 90.0),
        ("posture", "side_full_deg", p.side_full_deg.into(), 2.0, 60.0),
        ("posture", "front_upright_gap", p.front_upright_gap.into(), 0.1, 2.0),
        ("weights", "ear_shoulder_gap", c.weights.ear_shoulder_gap.into(), 0.0, 10.0),
        ("weights", "head_size", c.weights.head_size.into(), 0.0, 10.0),
        ("weights", "world_forward", c.weights.world_forward.into(), 0.0, 10.0),
        ("timing", "smoothing_s", t.smoothing_s.into(), 0.0, 60.0),
        ("timing", "onset_delay_s", t.onset_delay_s.into(), 0.0, 600.0),
        ("timing", "recovery_s", t.recovery_s.into(), 0.0, 600.0),
        ("timing", "alert_after_s", t.alert_after_s.into(), 0.0, 7200.0),
        ("timing", "realert_after_s", t.realert_after_s.into(), 10.0, 86400.0),
        ("timing", "nudge_after_min", t.nudge_after_min.into(), 1.0, 480.0),
        ("timing", "nudge_every_min", t.nudge_every_min.into(), 1.0, 1440.0),
        ("timing", "away_after_s", t.away_after_s.into(), 1.0, 3600.0),
        ("timing", "break_every_min", t.break_every_min.into(), 1.0, 480.0),
        ("timing", "break_reset_min", t.break_reset_min.into(), 0.5, 120.0),
        ("timing", "setup_changed_after_s", t.setup_changed_after_s.into(), 5.0, 7200.0),
        ("findings", "looking_down_threshold", f.looking_down_threshold.into(), 0.02, 3.0),
        ("findings", "head_tilt_deg", f.head_tilt_deg.into(), 1.0, 60.0),
        ("findings", "raised_shoulders_threshold", f.raised_shoulders_threshold.into(), 0.01, 1.0),
        ("findings", "alert_after_s", f.alert_after_s.into(), 0.0, 7200.0),
        ("checks", "min_visibility", k.min_visibility.into(), 0.0, 1.0),
        ("checks", "dark_luma", k.dark_luma.into(), 0.0, 128.0),
        ("checks", "front_max_yaw", k.front_max_yaw.into(), 0.1, 5.0),
        ("checks", "side_min_yaw", k.side_min_yaw.into(), 0.2, 20.0),
        ("checks", "setup_shift", k.setup_shift.into(), 0.05, 5.0),
        ("camera", "index", cam.index.into(), 0.0, 63.0),
        ("camera", "width", cam.width.into(), 64.0, 7680.0),
        ("camera", "height", cam.height.into(), 48.0, 4320.0),
        ("camera", "fps_good", cam.fps_good.into(), 0.1, 60.0),
        ("camera", "fps_drifting", cam.fps_drifting.into(), 0.1, 60.0),
    ]
}

/// The first number outside its range, if any.
fn check_ranges(c: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    for (section, key, value, min, max) in ranges(c) {
        if !(min..=max).contains(&value) {
            return Err(ConfigError::Range {
                path: path.to_path_buf(),
                line: find_line(text, section, key),
                key: format!("{section}.{key}"),
                value: fmt_num(value),
                allowed: format!("{} to {}", fmt_num(min), fmt_num(max)),
            });
        }
    }
    Ok(())
}

/// Settings that are each in range but do not fit together, or are not numbers.
fn check_consistency(c: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let (p, k) = (&c.posture, &c.checks);
    let invalid = |section: &str, key: &str, value: String, message: &str| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: find_line(text, section, key),
        key: format!("{section}.{key}"),
        value,
        message: message.to_string(),
    };
    if p.forward_below >= p.good_above {
        return Err(invalid(
            "posture",
            "forward_below",
            fmt_num(p.forward_below.into()),
            &format!("must be below posture.good_above ({})", p.good_above),
        ));
    }
    if k.side_min_yaw <= k.front_max_yaw {
        return Err(invalid(
            "checks",
            "side_min_yaw",
            fmt_num(k.side_min_yaw.into()),
            &format!("must be above checks.front_max_yaw ({})", k.front_max_yaw),
        ));
    }
    if c.pose.threads > 256 {
        return Err(invalid(
            "pose",
            "threads",
            c.pose.threads.to_string(),
            "allowed 0 (one per core) to 256",
        ));
    }
    if !["error", "warn", "info", "debug", "trace"].contains(&c.log.level.as_str()) {
        return Err(invalid(
            "log",
            "level",
            format!("{:?}", c.log.level),
            "expected error, warn, info, debug or trace",
        ));
    }
    if !c.alerts.quiet_hours.is_empty() && parse_quiet_hours(&c.alerts.quiet_hours).is_none() {
        return Err(invalid(
            "alerts",
            "quiet_hours",
            format!("{:?}", c.alerts.quiet_hours),
            "expected \"HH:MM-HH:MM\", e.g. \"22:00-07:00\"",
        ));
    }
    Ok(())
}

/// "HH:MM-HH:MM" → minutes after midnight (start, end).
pub fn parse_quiet_hours(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let hm = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    Some((hm(a)?, hm(b)?))
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("/cfg/headsup.toml")).expect_err("should be rejected").to_string()
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = err("[timing]\nonset_delay_s = 5.0\nonset_dealy_s = 3.0\n");
        assert!(e.starts_with("/cfg/headsup.toml:3:"), "{e}");
        assert!(e.contains("onset_dealy_s"), "{e}");
    }

    #[test]
    fn unknown_section_is_rejected() {
        let e = err("[postur]\ngood_above = 80\n");
        assert!(e.contains("postur") && e.contains(":1:"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_line_and_expected_type() {
        let e = err("[camera]\nwidth = \"wide\"\n");
        assert!(e.starts_with("/cfg/headsup.toml:2:"), "{e}");
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn out_of_range_names_key_value_and_range() {
        let e = err("# comment\n[timing]\nonset_delay_s = -4\n");
        assert_eq!(e, "/cfg/headsup.toml:3: timing.onset_delay_s = -4 is out of range; allowed 0 to 600");
        let e = err("[checks]\nmin_visibility = 1.5\n");
        assert_eq!(e, "/cfg/headsup.toml:2: checks.min_visibility = 1.5 is out of range; allowed 0 to 1");
    }

    #[test]
    fn inconsistent_thresholds_are_rejected() {
        let e = err("[posture]\ngood_above = 40\n");
        assert!(e.contains("posture.forward_below = 50: must be below posture.good_above (40)"), "{e}");
    }

    #[test]
    fn bad_enum_and_quiet_hours_are_rejected() {
        let e = err("[alerts]\nstyle = \"loud\"\n");
        assert!(e.contains(":2:") && e.contains("loud"), "{e}");
        let e = err("[alerts]\nquiet_hours = \"late\"\n");
        assert!(e.contains("alerts.quiet_hours") && e.contains("HH:MM-HH:MM"), "{e}");
        assert_eq!(parse_quiet_hours("22:00-07:30"), Some((1320, 450)));
    }

    #[test]
    fn syntax_error_gives_the_line() {
        let e = err("[posture]\ngood_above = = 3\n");
        assert!(e.starts_with("/cfg/headsup.toml:2:"), "{e}");
    }
}
