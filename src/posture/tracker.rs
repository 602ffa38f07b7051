//! Time: turns per-frame judgements into a state the user can trust.
//! The score is smoothed; states change only after holding for a delay
//! (longer to get worse than to get better, so a glance at the keyboard
//! never counts); thresholds have hysteresis; an alert needs forward head
//! sustained for `alert_after_s` and repeats every `realert_after_s`.
//! Presence (away/back), the sitting-time break timer and the "setup
//! changed, recalibrate" check live here too. Everything is `Copy`: an
//! update allocates nothing.

use std::fmt;

use crate::config::Config;

use super::calibration::Baseline;
use super::judge::{Judgement, Unassessable, same_place};

/// The user-facing posture state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Good,
    Drifting,
    ForwardHead,
    CannotAssess,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Good => "good",
            State::Drifting => "drifting",
            State::ForwardHead => "forward_head",
            State::CannotAssess => "cannot_assess",
        }
    }

    /// Severity order for judgeable states; `None` for cannot-assess.
    fn rank(self) -> Option<u8> {
        match self {
            State::Good => Some(0),
            State::Drifting => Some(1),
            State::ForwardHead => Some(2),
            State::CannotAssess => None,
        }
    }
}

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    ForwardHead,
    LookingDown,
    HeadTilt,
    RaisedShoulders,
}

impl AlertKind {
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::ForwardHead => "forward_head",
            AlertKind::LookingDown => "looking_down",
            AlertKind::HeadTilt => "head_tilt",
            AlertKind::RaisedShoulders => "raised_shoulders",
        }
    }
}

/// Things that happened on this frame (a small bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Events(u8);

impl Events {
    pub const STATE: Events = Events(1);
    pub const ALERT: Events = Events(2);
    pub const BREAK: Events = Events(4);
    pub const AWAY: Events = Events(8);
    pub const BACK: Events = Events(16);
    pub const RECALIBRATE: Events = Events(32);

    pub fn contains(self, e: Events) -> bool {
        self.0 & e.0 == e.0
    }

    fn insert(&mut self, e: Events) {
        self.0 |= e.0;
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The result of one update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    /// Seconds since the source started.
    pub t: f64,
    pub state: State,
    /// Smoothed 0-100 score; `None` while the frame cannot be assessed.
    pub score: Option<f32>,
    pub judgement: Judgement,
    pub events: Events,
    /// The alert fired on this frame, if any.
    pub alert: Option<AlertKind>,
    /// How long the current forward-head episode has lasted, seconds.
    pub forward_for_s: f32,
    pub present: bool,
}

impl Assessment {
    /// The reason in words, e.g. "head forward for 2 min; ears ~4 cm ahead of your shoulders".
    pub fn reason(&self) -> Reason<'_> {
        Reason(self)
    }
}

/// Displays an assessment's reason without allocating until written.
pub struct Reason<'a>(&'a Assessment);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        let j = &a.judgement;
        if a.state == State::CannotAssess {
            return f.write_str(match j.unassessable {
                Some(why) => why.reason(),
                None => "watching; the first judgement comes after a few seconds",
            });
        }
        if let Some(why) = j.unassessable {
            // Still showing the last state while this frame is unusable.
            return write!(f, "{}; keeping the last state", why.reason());
        }
        match a.state {
            State::ForwardHead => {
                f.write_str("head forward")?;
                if a.forward_for_s >= 60.0 {
                    write!(f, " for {} min", (a.forward_for_s / 60.0).round() as u32)?;
                } else if a.forward_for_s >= 1.0 {
                    write!(f, " for {} s", a.forward_for_s.round() as u32)?;
                }
            }
            State::Drifting => f.write_str("head drifting forward")?,
            _ => f.write_str(if j.calibrated { "aligned as calibrated" } else { "looks upright" })?,
        }
        if a.state != State::Good {
            if j.forward_cm.is_finite() && j.forward_cm >= 1.0 {
                write!(f, "; ears ~{:.0} cm ahead of your shoulders", j.forward_cm)?;
            } else if j.cues.gap.is_finite() && j.cues.gap > 0.3 {
                f.write_str("; ears closer to your shoulder line")?;
            } else if j.cues.side_angle.is_finite() {
                write!(f, "; neck angle {:.0}°", j.signals.side_angle_deg)?;
            }
        }
        let fi = &j.findings;
        for (on, text) in [
            (fi.looking_down, "looking down (monitor too low?)"),
            (fi.head_tilt, "head tilted to one side"),
            (fi.raised_shoulders, "shoulders raised"),
            (fi.reclined, "leaning back"),
        ] {
            if on {
                write!(f, "; {text}")?;
            }
        }
        if j.provisional {
            f.write_str(" (not calibrated: provisional)")?;
        }
        Ok(())
    }
}

/// One frame judged on its own, without history (a still image): the
/// state its score falls in, no delays, no alerts.
pub fn still(j: &Judgement, config: &Config, t: f64) -> Assessment {
    let p = &config.posture;
    let state = match (j.unassessable, j.score) {
        (Some(_), _) | (None, None) => State::CannotAssess,
        (None, Some(s)) if s >= p.good_above => State::Good,
        // One uncalibrated front frame never claims forward head.
        (None, Some(s)) if s < p.forward_below && !j.provisional => State::ForwardHead,
        (None, Some(_)) => State::Drifting,
    };
    Assessment {
        t,
        state,
        score: j.score,
        judgement: *j,
        events: Events::default(),
        alert: None,
        forward_for_s: 0.0,
        present: j.unassessable != Some(Unassessable::NoPerson),
    }
}

/// Follows judgements over time. See the module doc.
#[derive(Clone, Debug)]
pub struct Tracker {
    cfg: Settings,
    last_t: Option<f64>,
    smoothed: Option<f32>,
    state: State,
    pending: Option<(State, f64)>,
    /// When the current forward-head stretch began (as a candidate).
    forward_since: Option<f64>,
    last_alert: Option<f64>,
    finding_since: [Option<f64>; 3],
    finding_alerted: [Option<f64>; 3],
    last_seen: Option<f64>,
    away: bool,
    sitting_since: Option<f64>,
    setup_off_since: Option<f64>,
    setup_flagged: bool,
}

/// The config values the tracker reads, copied so updates touch no heap.
#[derive(Clone, Copy, Debug)]
struct Settings {
    good_above: f32,
    forward_below: f32,
    hysteresis: f32,
    smoothing_s: f32,
    onset_delay_s: f64,
    recovery_s: f64,
    alert_after_s: f64,
    realert_after_s: f64,
    away_after_s: f64,
    break_every_s: f64,
    break_reset_s: f64,
    setup_changed_after_s: f64,
    setup_shift: f32,
    finding_alert_after_s: f64,
}

impl Settings {
    fn from(c: &Config) -> Self {
        let t = &c.timing;
        Settings {
            good_above: c.posture.good_above,
            forward_below: c.posture.forward_below,
            hysteresis: c.posture.hysteresis,
            smoothing_s: t.smoothing_s,
            onset_delay_s: t.onset_delay_s.into(),
            recovery_s: t.recovery_s.into(),
            alert_after_s: t.alert_after_s.into(),
            realert_after_s: t.realert_after_s.into(),
            away_after_s: t.away_after_s.into(),
            break_every_s: f64::from(t.break_every_min) * 60.0,
            break_reset_s: f64::from(t.break_reset_min) * 60.0,
            setup_changed_after_s: t.setup_changed_after_s.into(),
            setup_shift: c.checks.setup_shift,
            finding_alert_after_s: c.findings.alert_after_s.into(),
        }
    }
}

impl Tracker {
    pub fn new(config: &Config) -> Self {
        Tracker {
            cfg: Settings::from(config),
            last_t: None,
            smoothed: None,
            state: State::CannotAssess,
            pending: None,
            forward_since: None,
            last_alert: None,
            finding_since: [None; 3],
            finding_alerted: [None; 3],
            last_seen: None,
            away: false,
            sitting_since: None,
            setup_off_since: None,
            setup_flagged: false,
        }
    }

    pub fn set_config(&mut self, config: &Config) {
        self.cfg = Settings::from(config);
    }

    /// Watching stopped for a while (pause, snooze): a forward-head stretch
    /// must build up again from the next frame before it alerts.
    pub fn interrupt(&mut self) {
        self.forward_since = None;
        self.finding_since = [None; 3];
        self.pending = None;
        self.last_t = None;
    }

    pub fn reset_setup_check(&mut self) {
        self.setup_off_since = None;
        self.setup_flagged = false;
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Feeds one frame's judgement at `t` seconds. `frame_size` is checked
    /// against the baseline's: a different resolution means a new setup.
    pub fn update(
        &mut self,
        t: f64,
        judgement: &Judgement,
        baseline: Option<&Baseline>,
        frame_size: (u32, u32),
    ) -> Assessment {
        let c = self.cfg;
        let dt = self.last_t.map_or(0.0, |p| (t - p).max(0.0));
        self.last_t = Some(t);
        let mut events = Events::default();
        let mut j = *judgement;

        // Presence, away/back and the break timer.
        let seen = !matches!(j.unassessable, Some(Unassessable::NoPerson | Unassessable::TooDark));
        if seen {
            let gone_for = self.last_seen.map_or(f64::INFINITY, |s| t - s);
            if self.away {
                self.away = false;
                events.insert(Events::BACK);
            }
            if self.sitting_since.is_none() || gone_for >= c.break_reset_s {
                self.sitting_since = Some(t);
            }
            self.last_seen = Some(t);
        } else if let Some(last) = self.last_seen {
            if !self.away && t - last >= c.away_after_s {
                self.away = true;
                events.insert(Events::AWAY);
                self.forward_since = None;
                self.finding_since = [None; 3];
            }
            if t - last >= c.break_reset_s {
                self.sitting_since = None;
            }
        }
        if let Some(since) = self.sitting_since
            && seen
            && t - since >= c.break_every_s
        {
            events.insert(Events::BREAK);
            self.sitting_since = Some(t);
        }

        // A profile that no longer fits: different resolution at once,
        // sitting elsewhere in the frame after a while.
        if let Some(b) = baseline
            && j.unassessable.is_none()
        {
            let moved = !same_place(&j.signals, &b.signals, c.setup_shift);
            let resized = (b.width, b.height) != frame_size;
            if resized || moved {
                let since = *self.setup_off_since.get_or_insert(t);
                if (resized || t - since >= c.setup_changed_after_s) && !self.setup_flagged {
                    self.setup_flagged = true;
                    events.insert(Events::RECALIBRATE);
                }
            } else {
                self.reset_setup_check();
            }
        }
        if self.setup_flagged && j.unassessable.is_none() {
            j.unassessable = Some(Unassessable::SetupChanged);
            j.score = None;
        }

        // Smoothed score: exponential with time constant `smoothing_s`.
        if let Some(raw) = j.score {
            self.smoothed = Some(match self.smoothed {
                Some(s) if c.smoothing_s > 0.0 => {
                    let alpha = 1.0 - (-(dt as f32) / c.smoothing_s).exp();
                    s + alpha * (raw - s)
                }
                _ => raw,
            });
        }

        // Candidate state with hysteresis around the current one.
        let candidate = match (j.unassessable, self.smoothed) {
            (Some(_), _) | (None, None) => State::CannotAssess,
            (None, Some(s)) => {
                let h = c.hysteresis;
                let (good, fwd) = match self.state {
                    State::Good => (c.good_above - h, c.forward_below),
                    State::ForwardHead => (c.good_above, c.forward_below + h),
                    _ => (c.good_above, c.forward_below),
                };
                let st = if s >= good {
                    State::Good
                } else if s < fwd {
                    State::ForwardHead
                } else {
                    State::Drifting
                };
                // One uncalibrated front frame never claims forward head.
                if j.provisional && st == State::ForwardHead { State::Drifting } else { st }
            }
        };

        // Commit after the candidate has held long enough.
        let since = match self.pending {
            Some((p, since)) if p == candidate => since,
            _ => t,
        };
        self.pending = (candidate != self.state).then_some((candidate, since));
        if candidate == State::ForwardHead {
            self.forward_since.get_or_insert(since);
        } else if candidate.rank().is_some() {
            self.forward_since = None;
        }
        if candidate != self.state {
            let worse = match (candidate.rank(), self.state.rank()) {
                (Some(a), Some(b)) => a > b,
                (Some(a), None) => a > 0,
                (None, _) => false,
            };
            let delay = if worse { c.onset_delay_s } else { c.recovery_s };
            if t - since >= delay {
                self.state = candidate;
                self.pending = None;
                events.insert(Events::STATE);
            }
        }

        // Alerts: forward head first, then the findings, at most one per frame.
        let mut alert = None;
        let forward_for = match (self.state, self.forward_since) {
            (State::ForwardHead, Some(s)) => t - s,
            _ => 0.0,
        };
        let due = |last: Option<f64>| last.is_none_or(|l| t - l >= c.realert_after_s);
        if self.state == State::ForwardHead && forward_for >= c.alert_after_s && due(self.last_alert) {
            self.last_alert = Some(t);
            alert = Some(AlertKind::ForwardHead);
        }
        if j.unassessable.is_none() {
            let f = j.findings;
            let kinds = [AlertKind::LookingDown, AlertKind::HeadTilt, AlertKind::RaisedShoulders];
            for (k, on) in [f.looking_down, f.head_tilt, f.raised_shoulders].into_iter().enumerate() {
                if !on {
                    self.finding_since[k] = None;
                    continue;
                }
                let since = *self.finding_since[k].get_or_insert(t);
                if alert.is_none() && t - since >= c.finding_alert_after_s && due(self.finding_alerted[k]) {
                    self.finding_alerted[k] = Some(t);
                    alert = Some(kinds[k]);
                }
            }
        }
        if alert.is_some() {
            events.insert(Events::ALERT);
        }

        Assessment {
            t,
            state: self.state,
            score: if self.state == State::CannotAssess { None } else { self.smoothed },
            judgement: j,
            events,
            alert,
            forward_for_s: forward_for as f32,
            present: !self.away,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::judge::{Cues, Findings};
    use crate::posture::signals::{Signals, View};

    fn frame(score: Option<f32>) -> Judgement {
        let mut s = Signals::NAN;
        s.shoulder_x = 0.5;
        s.shoulder_span = 0.3;
        Judgement {
            view: Some(View::Front),
            signals: s,
            score,
            unassessable: if score.is_none() { Some(Unassessable::NoPerson) } else { None },
            provisional: false,
            calibrated: true,
            cues: Cues::default(),
            forward_cm: 4.0,
            findings: Findings::default(),
        }
    }

    fn cfg() -> Config {
        let mut c = Config::default();
        c.timing.smoothing_s = 0.0;
        c.timing.onset_delay_s = 10.0;
        c.timing.recovery_s = 3.0;
        c.timing.alert_after_s = 60.0;
        c.timing.realert_after_s = 300.0;
        c
    }

    /// Runs `score(t)` at 2 fps for `secs`, returning the alert times and final state.
    fn run(tr: &mut Tracker, from: f64, secs: f64, score: impl Fn(f64) -> Option<f32>) -> (Vec<f64>, State) {
        let mut alerts = Vec::new();
        let mut t = from;
        while t < from + secs {
            let a = tr.update(t, &frame(score(t)), None, (640, 480));
            if a.alert == Some(AlertKind::ForwardHead) {
                alerts.push(t);
            }
            t += 0.5;
        }
        (alerts, tr.state())
    }

    #[test]
    fn a_glance_shorter_than_the_onset_delay_never_shows_or_alerts() {
        let mut tr = Tracker::new(&cfg());
        let (alerts, state) =
            run(&mut tr, 0.0, 600.0, |t| Some(if (100.0..108.0).contains(&t) { 10.0 } else { 95.0 }));
        assert!(alerts.is_empty());
        assert_eq!(state, State::Good);
    }

    #[test]
    fn sustained_forward_head_alerts_once_then_repeats_after_the_interval() {
        let mut tr = Tracker::new(&cfg());
        run(&mut tr, 0.0, 20.0, |_| Some(95.0));
        // Forward from t=20: state after 10 s, first alert 60 s after onset.
        let (alerts, state) = run(&mut tr, 20.0, 200.0, |_| Some(20.0));
        assert_eq!(state, State::ForwardHead);
        assert_eq!(alerts, vec![80.0]);
        let (alerts, _) = run(&mut tr, 220.0, 200.0, |_| Some(20.0));
        assert_eq!(alerts, vec![380.0], "re-alert 300 s after the first");
    }

    #[test]
    fn recovery_and_hysteresis() {
        let mut tr = Tracker::new(&cfg());
        run(&mut tr, 0.0, 20.0, |_| Some(95.0));
        let (_, s) = run(&mut tr, 20.0, 30.0, |_| Some(40.0));
        assert_eq!(s, State::ForwardHead);
        // 52 is above forward_below (50) but inside the 5-point hysteresis band.
        let (_, s) = run(&mut tr, 50.0, 30.0, |_| Some(52.0));
        assert_eq!(s, State::ForwardHead);
        // 60 clears the band: drifting after the recovery delay.
        let (_, s) = run(&mut tr, 80.0, 5.0, |_| Some(60.0));
        assert_eq!(s, State::Drifting);
        let (_, s) = run(&mut tr, 85.0, 5.0, |_| Some(90.0));
        assert_eq!(s, State::Good);
        // From good, 72 is inside the band below good_above (75): still good.
        let (_, s) = run(&mut tr, 90.0, 30.0, |_| Some(72.0));
        assert_eq!(s, State::Good);
    }

    #[test]
    fn away_back_and_breaks() {
        let mut c = cfg();
        c.timing.away_after_s = 10.0;
        c.timing.break_every_min = 1.0;
        c.timing.break_reset_min = 0.5;
        let mut tr = Tracker::new(&c);
        let mut events = Vec::new();
        let mut t = 0.0;
        // 70 s present, 40 s away, 20 s present.
        while t < 130.0 {
            let score = if (70.0..110.0).contains(&t) { None } else { Some(95.0) };
            let a = tr.update(t, &frame(score), None, (640, 480));
            for (e, name) in [(Events::BREAK, "break"), (Events::AWAY, "away"), (Events::BACK, "back")] {
                if a.events.contains(e) {
                    events.push((t, name));
                }
            }
            t += 0.5;
        }
        // Last seen at 69.5 s: away 10 s later; the 40 s absence resets the sitting timer.
        assert_eq!(events, vec![(60.0, "break"), (79.5, "away"), (110.0, "back")]);
    }

    #[test]
    fn provisional_frames_never_reach_forward_head() {
        let mut tr = Tracker::new(&cfg());
        let mut t = 0.0;
        while t < 200.0 {
            let mut j = frame(Some(5.0));
            j.provisional = true;
            let a = tr.update(t, &j, None, (640, 480));
            assert_ne!(a.state, State::ForwardHead);
            assert!(a.alert.is_none());
            t += 0.5;
        }
        assert_eq!(tr.state(), State::Drifting);
    }

    #[test]
    fn a_changed_setup_asks_for_recalibration_instead_of_judging() {
        use crate::posture::calibration::Baseline;
        let mut c = cfg();
        c.timing.setup_changed_after_s = 30.0;
        let mut base = Signals::NAN;
        base.shoulder_x = 0.5;
        base.shoulder_span = 0.3;
        let b = Baseline::from_signals(base, View::Front, 640, 480);
        let mut tr = Tracker::new(&c);
        let mut moved = frame(Some(95.0));
        moved.signals.shoulder_x = 0.8; // one shoulder width to the side
        let mut flagged = Vec::new();
        let mut t = 0.0;
        while t < 60.0 {
            let a = tr.update(t, &moved, Some(&b), (640, 480));
            if a.events.contains(Events::RECALIBRATE) {
                flagged.push(t);
            }
            t += 0.5;
        }
        assert_eq!(flagged, vec![30.0], "flagged once, after the delay");
        assert_eq!(tr.state(), State::CannotAssess);
        // A different resolution is flagged at once.
        let mut tr = Tracker::new(&c);
        let a = tr.update(0.0, &frame(Some(95.0)), Some(&b), (1280, 720));
        assert!(a.events.contains(Events::RECALIBRATE));
        assert_eq!(a.judgement.unassessable, Some(Unassessable::SetupChanged));
    }

    #[test]
    fn reason_reads_well() {
        let mut tr = Tracker::new(&cfg());
        run(&mut tr, 0.0, 10.0, |_| Some(95.0));
        run(&mut tr, 10.0, 120.0, |_| Some(20.0));
        let a = tr.update(130.0, &frame(Some(20.0)), None, (640, 480));
        assert_eq!(a.reason().to_string(), "head forward for 2 min; ears ~4 cm ahead of your shoulders");
    }
}
