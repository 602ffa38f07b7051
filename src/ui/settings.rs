//! Settings written from the window into the user's own TOML file with
//! toml_edit, so their comments and layout survive. The sensitivity slider
//! has one documented mapping onto the posture thresholds:
//! `forward_below = 25 + sensitivity / 2`, `good_above = forward_below + 25`
//! (the default 50 gives 50 and 75). Also the settings tab that edits them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;

use super::HeadsupApp;
use crate::config::{AlertStyle, Config, ConfigError, DEFAULT_TOML};

/// (forward_below, good_above) for a sensitivity of 0-100.
pub fn thresholds_for(sensitivity: f32) -> (f32, f32) {
    let fwd = 25.0 + sensitivity.clamp(0.0, 100.0) / 2.0;
    (fwd, (fwd + 25.0).min(100.0))
}

/// The sensitivity a `forward_below` threshold corresponds to.
pub fn sensitivity_of(forward_below: f32) -> f32 {
    ((forward_below - 25.0) * 2.0).clamp(0.0, 100.0)
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not TOML: {source}")]
    Parse { path: PathBuf, source: toml_edit::TomlError },
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Sets the thresholds and the alert style in `path` (created from the
/// commented defaults if missing), keeping everything else as it is, and
/// checks that the result is still valid before writing it.
pub fn save(path: &Path, sensitivity: f32, style: AlertStyle, camera: Option<u32>) -> Result<(), SaveError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_TOML.to_string(),
        Err(source) => return Err(SaveError::Read { path: path.into(), source }),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|source| SaveError::Parse { path: path.into(), source })?;
    let (fwd, good) = thresholds_for(sensitivity);
    let round = |v: f32| f64::from((v * 10.0).round() / 10.0);
    doc["posture"]["forward_below"] = toml_edit::value(round(fwd));
    doc["posture"]["good_above"] = toml_edit::value(round(good));
    doc["alerts"]["style"] = toml_edit::value(style.name());
    if let Some(index) = camera {
        doc["camera"]["index"] = toml_edit::value(i64::from(index));
    }
    let out = doc.to_string();
    Config::parse(&out, path)?;
    let tmp = path.with_extension("toml.tmp");
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&tmp, out))
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| SaveError::Write { path: path.into(), source })
}

impl HeadsupApp {
    /// Picks up edits of the settings file made outside the window.
    fn refresh_settings(&mut self) {
        if self.link.config_polled.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.link.config_polled = Instant::now();
        match self.link.config_watch.poll() {
            Some(Ok(cfg)) => {
                self.form.sensitivity = sensitivity_of(cfg.posture.forward_below);
                self.form.alert_style = cfg.alerts.style;
            }
            Some(Err(e)) => self.form.message = Some(format!("The settings file has an error: {e}")),
            None => {}
        }
    }

    pub(super) fn settings(&mut self, ui: &mut egui::Ui) {
        self.refresh_settings();
        ui.label(format!("Settings file: {}", self.link.config_path.display()));
        ui.add(egui::Slider::new(&mut self.form.sensitivity, 0.0..=100.0).text("Sensitivity"));
        let (fwd, good) = thresholds_for(self.form.sensitivity);
        ui.label(format!(
            "Forward head below score {fwd:.0}, good from {good:.0} (higher sensitivity warns earlier)."
        ));
        self.camera_choice(ui);
        egui::ComboBox::from_label("Alert style").selected_text(self.form.alert_style.name()).show_ui(
            ui,
            |ui| {
                for s in AlertStyle::ALL {
                    ui.selectable_value(&mut self.form.alert_style, s, s.name());
                }
            },
        );
        if ui.button("Save settings").clicked() {
            self.save_settings();
        }
        if let Some(m) = &self.form.message {
            ui.label(m);
        }
    }

    /// Writes the form into the settings file; says how that went.
    pub(super) fn save_settings(&mut self) {
        let f = &self.form;
        let saved = save(&self.link.config_path, f.sensitivity, f.alert_style, f.camera);
        self.form.message = Some(match saved {
            Ok(()) => "Saved; the watcher picks it up within 2 seconds.".into(),
            Err(e) => format!("Not saved: {e}"),
        });
    }
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
