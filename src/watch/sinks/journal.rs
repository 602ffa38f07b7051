//! The posture journal as a sink: judged frames, alerts, every mode change
//! (pause, snooze, automatic pause, resume), camera outages, calibrations,
//! the user's corrections and settings changes go to the [`Recorder`], which writes them on the
//! journal's own thread. Trouble writing is said once; watching goes on.

use std::sync::mpsc::Receiver;

use super::{Judged, Sink};
use crate::config::Config;
use crate::journal::{PauseKind, Recorder};
use crate::watch::Event;

pub struct Journal {
    recorder: Recorder,
    warnings: Receiver<String>,
}

impl Journal {
    pub fn new(recorder: Recorder, warnings: Receiver<String>) -> Self {
        Self { recorder, warnings }
    }
}

impl Sink for Journal {
    fn event(&mut self, t: f64, event: &Event) {
        let r = &mut self.recorder;
        match event {
            Event::Pause { reason: None } => r.pause(t, Some(PauseKind::Paused)),
            Event::Pause { reason: Some(_) } => r.pause(t, Some(PauseKind::Auto)),
            Event::Snooze { .. } => r.pause(t, Some(PauseKind::Snoozed)),
            Event::Resume { .. } => r.pause(t, None),
            // An outage counts as a pause: nothing was seen, so nothing
            // goes on counting through it.
            Event::CameraLost { .. } if r.paused().is_none() => r.pause(t, Some(PauseKind::CameraLost)),
            Event::CameraFound { .. } if r.paused() == Some(PauseKind::CameraLost) => r.pause(t, None),
            Event::ConfigReloaded { ok, path, error } => {
                let detail = match (path, error) {
                    (Some(p), _) => p.display().to_string(),
                    (None, e) => e.clone().unwrap_or_default(),
                };
                r.config_change(t, *ok, detail);
            }
            Event::Feedback { kind, profile, forward_below, signals, .. } => {
                let signals = serde_json::to_string(signals).unwrap_or_else(|_| "{}".into());
                let profile = profile.as_deref().unwrap_or("(this session)");
                r.correction(t, kind, profile, *forward_below, signals);
            }
            Event::Calibrated { ok: true, profile, view, .. } => {
                r.calibration(t, profile, view.as_deref().unwrap_or("front"));
            }
            _ => {}
        }
    }

    fn judged(&mut self, f: &Judged<'_>) {
        let a = f.assessment;
        self.recorder.frame(a, f.interval);
        if let Some(kind) = a.alert {
            self.recorder.alert(a.t, kind.name(), a.reason().to_string(), a.score);
        }
    }

    fn tick(&mut self, _t: f64, _mode: crate::watch::Mode) {
        while let Ok(w) = self.warnings.try_recv() {
            tracing::warn!("{w}");
        }
    }

    fn config(&mut self, config: &Config) {
        self.recorder.set_break_reset(config.timing.break_reset_min);
    }

    fn finish(&mut self, t: f64, _why: &str) {
        self.recorder.finish(t);
        self.tick(t, crate::watch::Mode::Watching);
    }
}
