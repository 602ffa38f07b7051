//! How strong the screen-edge alert is for a judged frame: nothing until a
//! forward head has lasted as long as an alert waits, then a band that
//! grows with how much longer it lasts and how far below the cut-off the
//! score is; gone on the first frame whose score is back above the cut-off
//! (before the state's recovery delay), and whenever the person is away or
//! cannot be judged. A drifting nudge shows as a faint band while the
//! drift lasts.

use crate::posture::{AlertKind, Assessment, State};

/// Level of a nudge's band.
const NUDGE: f32 = 0.2;
/// Level as the alert fires; the rest is earned by time and depth.
const START: f32 = 0.35;
/// Seconds past the alert after which the time part is full.
const FULL_AFTER_S: f32 = 120.0;

/// Per-frame level, remembering whether a nudge is being shown.
#[derive(Debug, Default)]
pub struct Level {
    nudged: bool,
}

impl Level {
    /// The level (0-1) for frame `a`: forward head is alerted after
    /// `alert_after_s`, below a score of `forward_below`.
    pub fn of(&mut self, a: &Assessment, alert_after_s: f64, forward_below: f32) -> f32 {
        if a.alert == Some(AlertKind::Drifting) {
            self.nudged = true;
        }
        if a.state != State::Drifting {
            self.nudged = false;
        }
        let Some(score) = a.score.filter(|_| a.present) else { return 0.0 };
        match a.state {
            State::Drifting if self.nudged => NUDGE,
            State::ForwardHead if f64::from(a.forward_for_s) >= alert_after_s && score < forward_below => {
                let over = (a.forward_for_s - alert_after_s as f32).max(0.0);
                let time = (over / FULL_AFTER_S).min(1.0);
                let depth = ((forward_below - score) / forward_below.max(1.0)).clamp(0.0, 1.0);
                (START + 0.4 * time + 0.25 * depth).min(1.0)
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::judge::{Cues, Findings};
    use crate::posture::{Events, Judgement, Signals, View};

    fn frame(state: State, score: f32, forward_for_s: f32) -> Assessment {
        let judgement = Judgement {
            view: Some(View::Front),
            signals: Signals::NAN,
            score: Some(score),
            unassessable: None,
            provisional: false,
            calibrated: true,
            cues: Cues::default(),
            forward_cm: f32::NAN,
            findings: Findings::default(),
            screen: 0,
            back_cues: Default::default(),
        };
        Assessment {
            t: 0.0,
            state,
            score: Some(score),
            judgement,
            events: Events::default(),
            alert: None,
            forward_for_s,
            drifting_for_s: 0.0,
            present: true,
        }
    }

    #[test]
    fn nothing_before_the_alert_then_growing_with_time_and_depth() {
        let mut l = Level::default();
        assert_eq!(l.of(&frame(State::ForwardHead, 30.0, 59.0), 60.0, 50.0), 0.0);
        let at_alert = l.of(&frame(State::ForwardHead, 40.0, 60.0), 60.0, 50.0);
        assert!((0.35..0.45).contains(&at_alert), "{at_alert}");
        let later = l.of(&frame(State::ForwardHead, 40.0, 120.0), 60.0, 50.0);
        let deeper = l.of(&frame(State::ForwardHead, 10.0, 120.0), 60.0, 50.0);
        assert!(at_alert < later && later < deeper && deeper <= 1.0, "{at_alert} {later} {deeper}");
        assert_eq!(l.of(&frame(State::ForwardHead, 0.0, 1e4), 60.0, 50.0), 1.0);
    }

    #[test]
    fn gone_as_soon_as_the_score_recovers_or_nobody_is_there() {
        let mut l = Level::default();
        // Still shown as forward head (recovery delay), but the score is back.
        assert_eq!(l.of(&frame(State::ForwardHead, 55.0, 200.0), 60.0, 50.0), 0.0);
        assert_eq!(l.of(&frame(State::Good, 90.0, 0.0), 60.0, 50.0), 0.0);
        let away = Assessment { present: false, ..frame(State::ForwardHead, 30.0, 200.0) };
        assert_eq!(l.of(&away, 60.0, 50.0), 0.0);
        let blind = Assessment { score: None, ..frame(State::ForwardHead, 30.0, 200.0) };
        assert_eq!(l.of(&blind, 60.0, 50.0), 0.0);
    }

    #[test]
    fn a_nudge_is_faint_and_lasts_while_the_drift_does() {
        let mut l = Level::default();
        assert_eq!(l.of(&frame(State::Drifting, 60.0, 0.0), 60.0, 50.0), 0.0);
        let nudge = Assessment { alert: Some(AlertKind::Drifting), ..frame(State::Drifting, 60.0, 0.0) };
        assert_eq!(l.of(&nudge, 60.0, 50.0), NUDGE);
        assert_eq!(l.of(&frame(State::Drifting, 62.0, 0.0), 60.0, 50.0), NUDGE);
        assert_eq!(l.of(&frame(State::Good, 85.0, 0.0), 60.0, 50.0), 0.0);
        assert_eq!(l.of(&frame(State::Drifting, 60.0, 0.0), 60.0, 50.0), 0.0, "a new drift, no nudge yet");
    }
}
