//! What happens while watching, as one typed value: the `--events` log
//! writes it, the journal and the alerts read it, and readers of the log
//! parse it back with the same type. Each line of the log is an object with
//! `event` (the kind), `t` (seconds since the source started, on the
//! replay's simulated clock or the wall clock), `time` (RFC 3339) and the
//! kind's own fields; the README's event table lists them, and a test keeps
//! the two equal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::mode::AutoReason;
use crate::posture::{AlertKind, Assessment, Events, State, Unassessable};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The posture state changed.
    /// `screen`: the screen judged against (0: the main one; see
    /// `headsup calibrate --screens`).
    State { state: State, score: Option<f64>, reason: String, screen: u8 },
    /// Nobody in front of the camera for a while.
    Away {},
    /// Somebody is back.
    Back {},
    /// The camera or the person moved since calibrating.
    Recalibrate { reason: String },
    /// An alert was raised, with the signals behind it.
    Alert { kind: AlertKind, reason: String, score: Option<f64>, signals: BTreeMap<String, Option<f64>> },
    /// Drifting for a long time: a gentler reminder than an alert.
    Nudge { reason: String, score: Option<f64>, minutes: f64 },
    /// Sitting for a while: a break is due.
    Break { reason: String },
    /// Alerts silenced and the camera released until `until_t`.
    Snooze { minutes: f64, until_t: f64 },
    /// Paused by the user, or by the desktop (`reason`).
    Pause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<AutoReason>,
    },
    /// Watching again.
    Resume { reason: String },
    /// The source is gone, busy or stalled.
    CameraLost { error: String },
    /// It is back (or another camera was opened).
    CameraFound { source: String },
    /// The settings file changed on disk: taken (`path`) or refused (`error`).
    ConfigReloaded {
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<PathBuf>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A calibration taken while watching ended: the new baseline is in use
    /// (`ok`), saved as `profile`, or it was refused (`message` says why).
    Calibrated { ok: bool, profile: String, view: Option<String>, message: String },
    /// A saved profile is judged against from now on.
    ProfileLoaded { profile: String },
    /// The user corrected a judgement (`wrong`, `missed`) or took
    /// corrections back (`undo`, `reset`); `forward_below` is the cut-off
    /// now in force, `signals` those of the last judged frame.
    Feedback {
        kind: String,
        profile: Option<String>,
        forward_below: f64,
        corrections: usize,
        message: String,
        signals: BTreeMap<String, Option<f64>>,
    },
}

impl Event {
    /// The `event` field's value.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::State { .. } => "state",
            Event::Away {} => "away",
            Event::Back {} => "back",
            Event::Recalibrate { .. } => "recalibrate",
            Event::Alert { .. } => "alert",
            Event::Nudge { .. } => "nudge",
            Event::Break { .. } => "break",
            Event::Snooze { .. } => "snooze",
            Event::Pause { .. } => "pause",
            Event::Resume { .. } => "resume",
            Event::CameraLost { .. } => "camera_lost",
            Event::CameraFound { .. } => "camera_found",
            Event::ConfigReloaded { .. } => "config_reloaded",
            Event::Calibrated { .. } => "calibrated",
            Event::ProfileLoaded { .. } => "profile_loaded",
            Event::Feedback { .. } => "feedback",
        }
    }

    /// The events a judged frame carries, in the order they are logged.
    pub fn of(a: &Assessment) -> impl Iterator<Item = Event> + '_ {
        let state = a.events.contains(Events::STATE).then(|| Event::State {
            state: a.state,
            score: a.score.map(round1),
            reason: a.reason().to_string(),
            screen: a.judgement.screen,
        });
        let away = a.events.contains(Events::AWAY).then_some(Event::Away {});
        let back = a.events.contains(Events::BACK).then_some(Event::Back {});
        let recalibrate = a
            .events
            .contains(Events::RECALIBRATE)
            .then(|| Event::Recalibrate { reason: Unassessable::SetupChanged.reason().to_string() });
        let alert = a.alert.map(|kind| match kind {
            AlertKind::Drifting => Event::Nudge {
                reason: a.reason().to_string(),
                score: a.score.map(round1),
                minutes: (f64::from(a.drifting_for_s) / 6.0).round() / 10.0,
            },
            kind => Event::Alert {
                kind,
                reason: a.reason().to_string(),
                score: a.score.map(round1),
                signals: signals(a),
            },
        });
        let brk = a
            .events
            .contains(Events::BREAK)
            .then(|| Event::Break { reason: "sitting for a while: time for a short break".into() });
        [state, away, back, recalibrate, alert, brk].into_iter().flatten()
    }
}

/// One line of the log, as a reader parses it back.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Line {
    pub t: f64,
    pub time: String,
    #[serde(flatten)]
    pub event: Event,
}

fn round1(v: f32) -> f64 {
    (f64::from(v) * 10.0).round() / 10.0
}

/// The named signals, rounded to 4 decimals; `None` where not measured.
pub(super) fn signals(a: &Assessment) -> BTreeMap<String, Option<f64>> {
    a.judgement
        .signals
        .named()
        .iter()
        .map(|(k, v)| (k.to_string(), v.is_finite().then(|| (f64::from(*v) * 1e4).round() / 1e4)))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One of each kind; the match makes a new kind fail to compile here
    /// until it has a sample (and so a row in the README's table).
    pub(crate) fn samples() -> Vec<Event> {
        let all = vec![
            Event::State {
                state: State::Drifting,
                score: Some(55.0),
                reason: "head forward".into(),
                screen: 1,
            },
            Event::Away {},
            Event::Back {},
            Event::Recalibrate { reason: "moved".into() },
            Event::Alert {
                kind: AlertKind::ForwardHead,
                reason: "head forward for 30 s".into(),
                score: Some(20.0),
                signals: BTreeMap::from([("ear_shoulder_gap".into(), Some(0.1)), ("forward_m".into(), None)]),
            },
            Event::Nudge {
                reason: "head drifting forward for 10 min".into(),
                score: Some(62.0),
                minutes: 10.0,
            },
            Event::Break { reason: "sitting".into() },
            Event::Snooze { minutes: 30.0, until_t: 1800.0 },
            Event::Pause { reason: None },
            Event::Pause { reason: Some(AutoReason::ScreenLocked) },
            Event::Resume { reason: "requested".into() },
            Event::CameraLost { error: "gone".into() },
            Event::CameraFound { source: "camera 0".into() },
            Event::ConfigReloaded { ok: true, path: Some("/c.toml".into()), error: None },
            Event::ConfigReloaded { ok: false, path: None, error: Some("bad".into()) },
            Event::Calibrated {
                ok: true,
                profile: "desk".into(),
                view: Some("front".into()),
                message: "ok".into(),
            },
            Event::ProfileLoaded { profile: "desk".into() },
            Event::Feedback {
                kind: "wrong".into(),
                profile: Some("default".into()),
                forward_below: 48.0,
                corrections: 1,
                message: "sensitivity lowered".into(),
                signals: [("ear_shoulder_gap".to_string(), Some(0.2))].into(),
            },
        ];
        for e in &all {
            match e {
                Event::State { .. }
                | Event::Away {}
                | Event::Back {}
                | Event::Recalibrate { .. }
                | Event::Alert { .. }
                | Event::Nudge { .. }
                | Event::Break { .. }
                | Event::Snooze { .. }
                | Event::Pause { .. }
                | Event::Resume { .. }
                | Event::CameraLost { .. }
                | Event::CameraFound { .. }
                | Event::ConfigReloaded { .. }
                | Event::Calibrated { .. }
                | Event::ProfileLoaded { .. }
                | Event::Feedback { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_kind_round_trips_through_a_log_line() {
        for e in samples() {
            let mut v = serde_json::to_value(&e).expect("serialize");
            assert_eq!(v["event"], e.kind());
            v["t"] = 1.5.into();
            v["time"] = "2026-12-03T08:00:00+01:00".into();
            let line: Line = serde_json::from_value(v).expect("parse back");
            assert_eq!(line.event, e);
            assert_eq!(line.t, 1.5);
        }
    }

    #[test]
    fn a_user_pause_has_no_reason_field() {
        let v = serde_json::to_value(Event::Pause { reason: None }).expect("serialize");
        assert_eq!(v.to_string(), r#"{"event":"pause"}"#);
        let v = serde_json::to_value(Event::Pause { reason: Some(AutoReason::OnBattery) }).expect("ser");
        assert_eq!(v["reason"], "on battery");
    }

    /// The README's event table (between the `<!-- events -->` markers) names
    /// every kind and each kind's fields, and nothing else.
    #[test]
    fn the_readme_lists_exactly_these_events() {
        let readme = include_str!("../../README.md");
        let table = readme.split("<!-- events -->").nth(1).expect("README has an <!-- events --> table");
        let mut documented: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in table.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let kind = cells[1].trim_matches('`').to_string();
            let fields = cells[2]
                .split(',')
                .map(|f| f.trim().trim_matches('`').to_string())
                .filter(|f| !f.is_empty() && f != "—")
                .collect();
            documented.insert(kind, fields);
        }
        let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in samples() {
            let v = serde_json::to_value(&e).expect("serialize");
            let fields = actual.entry(e.kind().to_string()).or_default();
            for k in v.as_object().expect("object").keys().filter(|k| *k != "event") {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
            fields.sort();
        }
        for fields in documented.values_mut() {
            fields.sort();
        }
        assert_eq!(documented, actual, "README event table vs watch::Event");
    }
}
