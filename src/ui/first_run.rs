//! The first run, step by step: the privacy promise, the camera (with its
//! live preview), calibration, and how to be alerted. Finishing saves the
//! choices into the settings file and leaves a marker so it is not shown
//! again; the watcher runs all along, so the preview is live.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;

use super::HeadsupApp;
use crate::config::AlertStyle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Privacy,
    Camera,
    Calibrate,
    Alerts,
}

/// Where the first run is, and the marker that ends it for good.
pub struct FirstRun {
    pub step: Step,
    marker: PathBuf,
}

impl FirstRun {
    /// A first run, unless `marker` says one was finished.
    pub fn unless_done(marker: PathBuf) -> Option<FirstRun> {
        (!marker.exists()).then_some(FirstRun { step: Step::Privacy, marker })
    }
}

const PRIVACY: &str = "headsup watches how your head sits over your shoulders through the webcam, \
    and tells you when it has drifted forward and stayed there. Frames are processed on this computer \
    only: no frame ever leaves it, and none is stored. What is kept is a journal of minutes (how long \
    your posture was good, drifting or forward), on this computer, which `headsup forget` deletes.\n\n\
    headsup is not a medical device: it cannot diagnose anything. See a doctor about numbness, \
    tingling or weakness in the arms, pain after an injury, or neck pain that does not ease.";

impl HeadsupApp {
    pub(super) fn first_run(&mut self, ui: &mut egui::Ui, snap: &crate::watch::sinks::snapshot::Snapshot) {
        let Some(step) = self.first_run.as_ref().map(|f| f.step) else { return };
        let number = step as usize + 1;
        ui.heading(format!("Welcome to headsup · step {number} of 4"));
        ui.separator();
        let next = match step {
            Step::Privacy => {
                ui.add(egui::Label::new(PRIVACY).wrap());
                Some(Step::Camera)
            }
            Step::Camera => {
                self.camera_choice(ui);
                ui.label("Sit as you usually do: the camera should see your head and both shoulders.");
                self.preview(ui, snap);
                Some(Step::Calibrate)
            }
            Step::Calibrate => {
                self.calibration(ui, snap);
                Some(Step::Alerts)
            }
            Step::Alerts => {
                self.alert_choice(ui);
                None
            }
        };
        ui.separator();
        ui.horizontal(|ui| {
            if step != Step::Privacy && ui.button("Back").clicked() {
                self.go(back(step));
            }
            let label = match (step, snap.baseline.is_some()) {
                (Step::Calibrate, false) => "Skip for now",
                (Step::Alerts, _) => "Finish",
                _ => "Continue",
            };
            if ui.button(label).clicked() {
                // A camera chosen is used at once, so the next steps see it.
                if step == Step::Camera && self.form.camera.is_some() {
                    self.save_settings();
                }
                match next {
                    Some(s) => self.go(s),
                    None => self.finish_first_run(),
                }
            }
        });
    }

    fn go(&mut self, step: Step) {
        if let Some(f) = &mut self.first_run {
            f.step = step;
        }
    }

    fn alert_choice(&mut self, ui: &mut egui::Ui) {
        ui.label("When your head has been forward for a while, how should headsup tell you?");
        for (style, what) in [
            (AlertStyle::Notify, "A desktop notification (with a soft chime if the settings ask for one)"),
            (AlertStyle::Terminal, "A line in the terminal headsup runs in"),
            (AlertStyle::Both, "Both"),
            (AlertStyle::Glow, "A soft glow at the screen edges that grows until you sit back"),
            (AlertStyle::Dim, "A gentle dim of the screen (needs a compositing desktop)"),
            (AlertStyle::None, "Not at all: only the journal and the tray icon"),
        ] {
            ui.radio_value(&mut self.form.alert_style, style, what);
        }
    }

    /// The camera list, read off the UI thread; the choice is saved with
    /// the rest when the first run (or the settings tab) saves.
    pub(super) fn camera_choice(&mut self, ui: &mut egui::Ui) {
        let cameras = self.cache.cameras.get(Duration::from_secs(60), ui.ctx(), || {
            crate::capture::camera::list().into_iter().map(|c| (c.index, c.name)).collect()
        });
        match cameras {
            None => {
                ui.label("Looking for cameras…");
            }
            Some(c) if c.is_empty() => {
                ui.label("No camera found.");
            }
            Some(cameras) => {
                let current =
                    self.form.camera.map(|i| format!("camera {i}")).unwrap_or_else(|| "as configured".into());
                egui::ComboBox::from_label("Camera").selected_text(current).show_ui(ui, |ui| {
                    for (i, name) in cameras {
                        ui.selectable_value(&mut self.form.camera, Some(*i), format!("{i}: {name}"));
                    }
                });
            }
        }
    }

    /// Saves the choices and the marker; the window then shows its tabs.
    fn finish_first_run(&mut self) {
        let Some(f) = self.first_run.take() else { return };
        self.save_settings();
        let marked = f
            .marker
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&f.marker, b"finished\n"));
        if let Err(e) = marked {
            tracing::warn!("cannot write {}: {e}; the first run will show again", f.marker.display());
        }
    }
}

fn back(step: Step) -> Step {
    match step {
        Step::Privacy | Step::Camera => Step::Privacy,
        Step::Calibrate => Step::Camera,
        Step::Alerts => Step::Calibrate,
    }
}
