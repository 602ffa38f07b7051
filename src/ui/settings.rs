//! Settings written from the window into the user's own TOML file with
//! toml_edit, so their comments and layout survive. The sensitivity slider
//! has one documented mapping onto the posture thresholds:
//! `forward_below = 25 + sensitivity / 2`, `good_above = forward_below + 25`
//! (the default 50 gives 50 and 75).

use std::path::Path;

use crate::config::{AlertStyle, Config, DEFAULT_TOML};

/// (forward_below, good_above) for a sensitivity of 0-100.
pub fn thresholds_for(sensitivity: f32) -> (f32, f32) {
    let fwd = 25.0 + sensitivity.clamp(0.0, 100.0) / 2.0;
    (fwd, (fwd + 25.0).min(100.0))
}

/// The sensitivity a `forward_below` threshold corresponds to.
pub fn sensitivity_of(forward_below: f32) -> f32 {
    ((forward_below - 25.0) * 2.0).clamp(0.0, 100.0)
}

/// Sets the thresholds and the alert style in `path` (created from the
/// commented defaults if missing), keeping everything else as it is, and
/// checks that the result is still valid before writing it.
pub fn save(path: &Path, sensitivity: f32, style: AlertStyle, camera: Option<u32>) -> Result<(), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_TOML.to_string(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let (fwd, good) = thresholds_for(sensitivity);
    let round = |v: f32| f64::from((v * 10.0).round() / 10.0);
    doc["posture"]["forward_below"] = toml_edit::value(round(fwd));
    doc["posture"]["good_above"] = toml_edit::value(round(good));
    let style = match style {
        AlertStyle::Notify => "notify",
        AlertStyle::Terminal => "terminal",
        AlertStyle::Both => "both",
        AlertStyle::None => "none",
    };
    doc["alerts"]["style"] = toml_edit::value(style);
    if let Some(index) = camera {
        doc["camera"]["index"] = toml_edit::value(i64::from(index));
    }
    let out = doc.to_string();
    Config::parse(&out, path).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, out)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_round_trips_and_keeps_defaults_at_50() {
        assert_eq!(thresholds_for(50.0), (50.0, 75.0));
        assert_eq!(sensitivity_of(50.0), 50.0);
        assert_eq!(thresholds_for(100.0), (75.0, 100.0));
        assert_eq!(sensitivity_of(thresholds_for(30.0).0), 30.0);
    }

    #[test]
    fn saving_keeps_the_users_comments() {
        let dir = std::env::temp_dir().join(format!("headsup-ui-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "# my own note\n[timing]\nonset_delay_s = 7.0 # shorter\n").unwrap();
        save(&path, 80.0, AlertStyle::Terminal, Some(2)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# my own note") && text.contains("onset_delay_s = 7.0 # shorter"), "{text}");
        let c = Config::load(&path).unwrap();
        assert_eq!((c.posture.forward_below, c.posture.good_above), (65.0, 90.0));
        assert_eq!(c.alerts.style, AlertStyle::Terminal);
        assert_eq!(c.camera.index, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
