//! Turns the watcher's stream of assessments into journal entries:
//! minutes (via the writer), forward-head episodes with their worst score
//! and main cue, alerts and whether the user corrected within five
//! minutes, pauses, snoozes and camera outages, breaks due and taken.

use super::{AlertRow, CorrectionRow, Entry, Episode, FrameEntry, JournalWriter};
use crate::posture::{Assessment, Events, State};

/// Why nothing was watched for a while (the `pauses` table's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseKind {
    /// Asked for by the user.
    Paused,
    Snoozed,
    /// The desktop's reasons: screen locked, on battery.
    Auto,
    /// The camera was gone, busy or stalled.
    CameraLost,
}

impl PauseKind {
    pub fn name(self) -> &'static str {
        match self {
            PauseKind::Paused => "paused",
            PauseKind::Snoozed => "snoozed",
            PauseKind::Auto => "auto",
            PauseKind::CameraLost => "camera_lost",
        }
    }
}

/// An alert counts as corrected when posture is good again within this.
const CORRECTION_WINDOW_S: f64 = 300.0;

pub struct Recorder {
    writer: JournalWriter,
    /// Unix time of the source's t = 0.
    t0: f64,
    episode: Option<Episode>,
    open_alert: Option<f64>,
    away_since: Option<f64>,
    pause: Option<(f64, PauseKind)>,
    last_t: Option<f64>,
    break_reset_s: f64,
}

impl Recorder {
    pub fn new(writer: JournalWriter, t0: f64, break_reset_min: f32) -> Self {
        Self {
            writer,
            t0,
            episode: None,
            open_alert: None,
            away_since: None,
            pause: None,
            last_t: None,
            break_reset_s: f64::from(break_reset_min) * 60.0,
        }
    }

    pub fn set_break_reset(&mut self, break_reset_min: f32) {
        self.break_reset_s = f64::from(break_reset_min) * 60.0;
    }

    fn time(&self, t: f64) -> f64 {
        self.t0 + t
    }

    /// One judged frame; `interval` is the nominal time between frames.
    pub fn frame(&mut self, a: &Assessment, interval: f64) {
        let t = a.t;
        // A frame stands for the time since the previous one, but never for
        // a gap (pause, away poll) longer than a few frames.
        let dt = self.last_t.map_or(interval, |p| (t - p).clamp(0.0, (3.0 * interval).max(10.0)));
        self.last_t = Some(t);
        let s = &a.judgement.signals;
        self.writer.send(Entry::Frame(FrameEntry {
            time: self.time(t),
            dt,
            state: a.state,
            score: a.score,
            gap: s.ear_shoulder_gap,
            head_width: s.head_width,
            forward_m: s.forward_m,
        }));
        let score = f64::from(a.score.unwrap_or(100.0));
        match (a.state, self.episode.as_mut()) {
            (State::ForwardHead, Some(ep)) => {
                ep.end = self.t0 + t;
                ep.min_score = ep.min_score.min(score);
            }
            (State::ForwardHead, None) => {
                let c = &a.judgement.cues;
                let main = [
                    ("ear_shoulder_gap", c.gap),
                    ("head_size", c.head_size),
                    ("world_forward", c.world),
                    ("side_angle", c.side_angle),
                ]
                .into_iter()
                .filter(|(_, v)| v.is_finite())
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or("ear_shoulder_gap", |(n, _)| n);
                let start = self.time(t - f64::from(a.forward_for_s));
                self.episode =
                    Some(Episode { start, end: self.time(t), min_score: score, main_signal: main.into() });
            }
            (_, Some(_)) => self.close_episode(),
            _ => {}
        }
        if a.state == State::Good
            && let Some(at) = self.open_alert.take()
        {
            let after = self.time(t) - at;
            if after <= CORRECTION_WINDOW_S {
                self.writer.send(Entry::AlertCorrected { time: at, after_s: after });
            }
        }
        if a.events.contains(Events::BREAK) {
            self.writer.send(Entry::Break { time: self.time(t), kind: "due" });
        }
        if a.events.contains(Events::AWAY) {
            self.away_since = Some(t);
            self.close_episode();
        }
        if a.events.contains(Events::BACK)
            && let Some(since) = self.away_since.take()
            && t - since >= self.break_reset_s
        {
            self.writer.send(Entry::Break { time: self.time(since), kind: "taken" });
        }
    }

    fn close_episode(&mut self) {
        if let Some(ep) = self.episode.take() {
            self.writer.send(Entry::Episode(ep));
        }
    }

    pub fn alert(&mut self, t: f64, kind: &str, reason: String, score: Option<f32>) {
        let time = self.time(t);
        self.open_alert = Some(time);
        self.writer.send(Entry::Alert(AlertRow {
            time,
            kind: kind.to_string(),
            reason,
            score: score.map(f64::from),
            corrected_after_s: None,
        }));
    }

    /// Ends the open pause, if any, and starts one of `kind`, if any: a
    /// snooze during a pause is two stretches, each of its own kind.
    pub fn pause(&mut self, t: f64, kind: Option<PauseKind>) {
        if let Some((start, open)) = self.pause.take() {
            self.writer.send(Entry::Pause { start: self.time(start), end: self.time(t), kind: open.name() });
            self.last_t = None;
        }
        if let Some(kind) = kind {
            self.close_episode();
            self.pause = Some((t, kind));
        }
    }

    /// The kind of the open pause.
    pub fn paused(&self) -> Option<PauseKind> {
        self.pause.map(|(_, k)| k)
    }

    pub fn calibration(&mut self, t: f64, profile: &str, view: &str) {
        self.writer.send(Entry::Calibration {
            time: self.time(t),
            profile: profile.to_string(),
            view: view.to_string(),
        });
    }

    /// A correction: `kind` as said, the cut-off it left, the signals (JSON).
    pub fn correction(&mut self, t: f64, kind: &str, profile: &str, forward_below: f64, signals: String) {
        self.writer.send(Entry::Correction(CorrectionRow {
            time: self.time(t),
            kind: kind.to_string(),
            profile: profile.to_string(),
            forward_below,
            signals,
        }));
    }

    pub fn config_change(&mut self, t: f64, ok: bool, detail: String) {
        self.writer.send(Entry::ConfigChange { time: self.time(t), ok, detail });
    }

    /// Closes what is open; dropping the recorder then flushes the journal.
    pub fn finish(&mut self, t: f64) {
        self.close_episode();
        self.pause(t, None);
    }
}
