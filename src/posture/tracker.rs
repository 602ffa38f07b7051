//! Time: turns per-frame judgements into a state the user can trust.
//! The score is smoothed; states change only after holding for a delay
//! (longer to get worse than to get better, so a glance at the keyboard
//! never counts); thresholds have hysteresis; an alert needs forward head
//! sustained for `alert_after_s` and repeats every `realert_after_s`; a
//! drifting head that stays between the cut-offs gets a gentler nudge after
//! `nudge_after_s`, at most once per `nudge_every_s`.
//! Presence (away/back), the sitting-time break timer, the hold on a back
//! view just seen and the "setup changed, recalibrate" check live here too,
//! each a small state machine with its own timers ([`Tracker::update`] runs
//! them in order). Everything is `Copy`: an update allocates nothing. The words are in `words`.

use super::baseline::Baseline;
use super::judge::{Judgement, Unassessable};
use super::params::{Bands, Params, Timing};
use super::signals::{View, same_place};

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

    /// Whether moving from `from` to `self` is getting worse (and so waits
    /// for the onset delay): anything but good is worse than not knowing.
    fn worse_than(self, from: State) -> bool {
        match (self.rank(), from.rank()) {
            (Some(a), Some(b)) => a > b,
            (Some(a), None) => a > 0,
            (None, _) => false,
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
    /// The nudge: drifting, not forward, but for a long time.
    Drifting,
}

impl AlertKind {
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::ForwardHead => "forward_head",
            AlertKind::LookingDown => "looking_down",
            AlertKind::HeadTilt => "head_tilt",
            AlertKind::RaisedShoulders => "raised_shoulders",
            AlertKind::Drifting => "drifting",
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
    /// How long drifting has been shown, seconds (0 in any other state).
    pub drifting_for_s: f32,
    pub present: bool,
}

/// One frame judged on its own, without history (a still image): the
/// state its score falls in, no delays, no alerts.
pub fn still(j: &Judgement, params: &Params, t: f64) -> Assessment {
    let p = &params.bands;
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
        drifting_for_s: 0.0,
        present: j.unassessable != Some(Unassessable::NoPerson),
    }
}

/// Follows judgements over time. See the module doc; each concern is its
/// own small state machine below, run in a fixed order by [`Tracker::update`].
#[derive(Clone, Debug)]
pub struct Tracker {
    params: Params,
    last_t: Option<f64>,
    smoothed: Option<f32>,
    hold: Hold,
    alerts: Alerts,
    nudge: Nudge,
    presence: Presence,
    breaks: Breaks,
    back: BackHold,
    setup: SetupCheck,
}

impl Tracker {
    pub fn new(params: Params) -> Self {
        Tracker {
            params,
            last_t: None,
            smoothed: None,
            hold: Hold { state: State::CannotAssess, pending: None },
            alerts: Alerts::default(),
            nudge: Nudge::default(),
            presence: Presence::default(),
            breaks: Breaks::default(),
            back: BackHold::default(),
            setup: SetupCheck::default(),
        }
    }

    pub fn set_params(&mut self, params: Params) {
        self.params = params;
    }

    /// Watching stopped for a while (pause, snooze): a forward-head stretch
    /// must build up again from the next frame before it alerts.
    pub fn interrupt(&mut self) {
        self.alerts.restart();
        self.nudge.since = None;
        self.hold.pending = None;
        self.last_t = None;
    }

    pub fn reset_setup_check(&mut self) {
        self.setup = SetupCheck::default();
    }

    pub fn state(&self) -> State {
        self.hold.state
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
        let p = self.params;
        let dt = self.last_t.map_or(0.0, |prev| (t - prev).max(0.0));
        self.last_t = Some(t);
        let mut events = Events::default();
        self.follow_presence(t, judgement, &mut events);
        let j = self.back.update(t, judgement);
        let j = self.check_setup(t, &j, baseline, frame_size, &mut events);
        self.smoothed = smooth(self.smoothed, j.score, dt, p.timing.smoothing_s);

        let candidate = self.hold.candidate(&j, self.smoothed, &p.bands);
        let (since, changed) = self.hold.step(t, candidate, &p.timing);
        self.alerts.follow(candidate, since);
        if changed {
            events.insert(Events::STATE);
        }
        let state = self.hold.state;
        let (mut alert, forward_for) = self.alerts.update(t, state, &j, &p);
        let (drifting_for, nudge) = self.nudge.update(t, state, &p.timing, alert.is_none());
        if nudge {
            alert = Some(AlertKind::Drifting);
        }
        if alert.is_some() {
            events.insert(Events::ALERT);
        }
        Assessment {
            t,
            state,
            score: if state == State::CannotAssess { None } else { self.smoothed },
            judgement: j,
            events,
            alert,
            forward_for_s: forward_for as f32,
            drifting_for_s: drifting_for as f32,
            present: !self.presence.away,
        }
    }

    /// Away/back and the break timer. Going away ends ongoing stretches.
    fn follow_presence(&mut self, t: f64, j: &Judgement, events: &mut Events) {
        let timing = &self.params.timing;
        let seen = !matches!(j.unassessable, Some(Unassessable::NoPerson | Unassessable::TooDark));
        let absent_for = self.presence.update(t, seen, timing.away_after_s, events);
        if events.contains(Events::AWAY) {
            self.alerts.restart();
            self.nudge.since = None;
        }
        if self.breaks.update(t, seen, absent_for, timing) {
            events.insert(Events::BREAK);
        }
    }

    /// The judgement to go on: once the setup is flagged as changed, frames
    /// that could be judged are not, until the user recalibrates.
    fn check_setup(
        &mut self,
        t: f64,
        judgement: &Judgement,
        baseline: Option<&Baseline>,
        frame_size: (u32, u32),
        events: &mut Events,
    ) -> Judgement {
        let mut j = *judgement;
        if self.setup.update(t, &j, baseline, frame_size, &self.params) {
            events.insert(Events::RECALIBRATE);
        }
        if self.setup.flagged && j.unassessable.is_none() {
            j.unassessable = Some(Unassessable::SetupChanged);
            j.score = None;
        }
        j
    }
}

/// How long a back view seen once makes a single back cue enough.
const BACK_HOLD_S: f64 = 3.0;

/// Consistency over frames, the back view's fourth cue: nobody turns round
/// in a blink, so for [`BACK_HOLD_S`] after a frame decided back to the
/// camera, a frame showing any one [`BackCues`](super::facing::BackCues)
/// cue (one the model's flicker left short of two) is the same back. Only
/// decided frames extend the hold: a cue that is always on (a mirroring
/// camera's swapped sides) costs at most that long after a stray decision.
#[derive(Clone, Copy, Debug, Default)]
struct BackHold {
    decided_at: Option<f64>,
}

impl BackHold {
    fn update(&mut self, t: f64, judgement: &Judgement) -> Judgement {
        let mut j = *judgement;
        match j.unassessable {
            Some(Unassessable::BackToCamera) => self.decided_at = Some(t),
            None | Some(Unassessable::TurnedAway)
                if j.back_cues.votes() >= 1
                    && self.decided_at.is_some_and(|d| (0.0..=BACK_HOLD_S).contains(&(t - d))) =>
            {
                j.unassessable = Some(Unassessable::BackToCamera);
                j.view = Some(View::Back);
                j.score = None;
            }
            _ => {}
        }
        j
    }
}

/// Exponential smoothing with time constant `tau` seconds; frames without
/// a score keep the last value.
fn smooth(prev: Option<f32>, raw: Option<f32>, dt: f64, tau: f32) -> Option<f32> {
    let Some(raw) = raw else { return prev };
    Some(match prev {
        Some(s) if tau > 0.0 => {
            let alpha = 1.0 - (-(dt as f32) / tau).exp();
            s + alpha * (raw - s)
        }
        _ => raw,
    })
}

/// The shown state, and the candidate waiting out its delay to replace it.
#[derive(Clone, Copy, Debug)]
struct Hold {
    state: State,
    pending: Option<(State, f64)>,
}

impl Hold {
    /// The state the smoothed score falls in, with hysteresis around the
    /// current one.
    fn candidate(&self, j: &Judgement, smoothed: Option<f32>, b: &Bands) -> State {
        let (None, Some(s)) = (j.unassessable, smoothed) else { return State::CannotAssess };
        let h = b.hysteresis;
        let (good, fwd) = match self.state {
            State::Good => (b.good_above - h, b.forward_below),
            State::ForwardHead => (b.good_above, b.forward_below + h),
            _ => (b.good_above, b.forward_below),
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

    /// Commits `candidate` once it has held long enough (longer to get
    /// worse than better). Returns since when it has been the candidate and
    /// whether the state changed.
    fn step(&mut self, t: f64, candidate: State, timing: &Timing) -> (f64, bool) {
        let since = match self.pending {
            Some((p, since)) if p == candidate => since,
            _ => t,
        };
        self.pending = (candidate != self.state).then_some((candidate, since));
        if candidate == self.state {
            return (since, false);
        }
        let delay = if candidate.worse_than(self.state) { timing.onset_delay_s } else { timing.recovery_s };
        if t - since < delay {
            return (since, false);
        }
        self.state = candidate;
        self.pending = None;
        (since, true)
    }
}

/// Alert timing: how long forward head and each finding have lasted, and
/// when each last alerted.
#[derive(Clone, Copy, Debug, Default)]
struct Alerts {
    /// When the current forward-head stretch began (as a candidate).
    forward_since: Option<f64>,
    last_alert: Option<f64>,
    finding_since: [Option<f64>; 3],
    finding_alerted: [Option<f64>; 3],
}

impl Alerts {
    /// Ongoing stretches start over; when each last alerted is kept.
    fn restart(&mut self) {
        self.forward_since = None;
        self.finding_since = [None; 3];
    }

    /// A forward-head stretch starts when forward head becomes the
    /// candidate (not when it is shown) and ends at any other judgeable one.
    fn follow(&mut self, candidate: State, since: f64) {
        if candidate == State::ForwardHead {
            self.forward_since.get_or_insert(since);
        } else if candidate.rank().is_some() {
            self.forward_since = None;
        }
    }

    /// Forward head first, then the findings, at most one alert per frame.
    /// Also returns how long the shown forward-head episode has lasted.
    fn update(&mut self, t: f64, state: State, j: &Judgement, p: &Params) -> (Option<AlertKind>, f64) {
        let forward_for = match (state, self.forward_since) {
            (State::ForwardHead, Some(s)) => t - s,
            _ => 0.0,
        };
        let realert = p.timing.realert_after_s;
        let due = |last: Option<f64>| last.is_none_or(|l| t - l >= realert);
        let mut alert = None;
        if state == State::ForwardHead && forward_for >= p.timing.alert_after_s && due(self.last_alert) {
            self.last_alert = Some(t);
            alert = Some(AlertKind::ForwardHead);
        }
        if j.unassessable.is_some() {
            return (alert, forward_for);
        }
        let f = j.findings;
        let kinds = [AlertKind::LookingDown, AlertKind::HeadTilt, AlertKind::RaisedShoulders];
        for (k, on) in [f.looking_down, f.head_tilt, f.raised_shoulders].into_iter().enumerate() {
            if !on {
                self.finding_since[k] = None;
                continue;
            }
            let since = *self.finding_since[k].get_or_insert(t);
            if alert.is_none() && t - since >= p.findings.alert_after_s && due(self.finding_alerted[k]) {
                self.finding_alerted[k] = Some(t);
                alert = Some(kinds[k]);
            }
        }
        (alert, forward_for)
    }
}

/// The drifting nudge: drifting shown for `nudge_after_s` (a frame that
/// cannot be judged neither ends nor extends the stretch's start), at most
/// once per `nudge_every_s`, never on a frame that already alerts.
#[derive(Clone, Copy, Debug, Default)]
struct Nudge {
    since: Option<f64>,
    last: Option<f64>,
}

impl Nudge {
    /// Returns how long drifting has been shown and whether to nudge now.
    fn update(&mut self, t: f64, state: State, timing: &Timing, free: bool) -> (f64, bool) {
        match state {
            State::Drifting => {}
            State::CannotAssess => return (0.0, false),
            _ => {
                self.since = None;
                return (0.0, false);
            }
        }
        let drifting_for = t - *self.since.get_or_insert(t);
        let due = self.last.is_none_or(|l| t - l >= timing.nudge_every_s);
        let nudge = timing.nudge && free && due && drifting_for >= timing.nudge_after_s;
        if nudge {
            self.last = Some(t);
        }
        (drifting_for, nudge)
    }
}

/// Away after `away_after_s` without a person, back at the next sighting.
#[derive(Clone, Copy, Debug, Default)]
struct Presence {
    last_seen: Option<f64>,
    away: bool,
}

impl Presence {
    /// Returns how long nobody had been seen before this frame (infinite
    /// before the first sighting); `None` while nobody has ever been seen.
    fn update(&mut self, t: f64, seen: bool, away_after_s: f64, events: &mut Events) -> Option<f64> {
        let absent_for = self.last_seen.map(|s| t - s);
        if seen {
            if self.away {
                self.away = false;
                events.insert(Events::BACK);
            }
            self.last_seen = Some(t);
            return Some(absent_for.unwrap_or(f64::INFINITY));
        }
        if let Some(gone) = absent_for
            && !self.away
            && gone >= away_after_s
        {
            self.away = true;
            events.insert(Events::AWAY);
        }
        absent_for
    }
}

/// The sitting timer: a break is due after `break_every_s` of sitting; an
/// absence of `break_reset_s` starts the count again.
#[derive(Clone, Copy, Debug, Default)]
struct Breaks {
    sitting_since: Option<f64>,
}

impl Breaks {
    /// Returns whether a break is due on this frame.
    fn update(&mut self, t: f64, seen: bool, absent_for: Option<f64>, timing: &Timing) -> bool {
        let long_absence = absent_for.is_some_and(|a| a >= timing.break_reset_s);
        if seen {
            if self.sitting_since.is_none() || long_absence {
                self.sitting_since = Some(t);
            }
        } else if long_absence {
            self.sitting_since = None;
        }
        match self.sitting_since {
            Some(since) if seen && t - since >= timing.break_every_s => {
                self.sitting_since = Some(t);
                true
            }
            _ => false,
        }
    }
}

/// A profile that no longer fits: a different resolution at once, sitting
/// elsewhere in the frame after `setup_changed_after_s`. Flagged once.
#[derive(Clone, Copy, Debug, Default)]
struct SetupCheck {
    off_since: Option<f64>,
    flagged: bool,
}

impl SetupCheck {
    /// Returns true on the frame the setup is first flagged.
    fn update(
        &mut self,
        t: f64,
        j: &Judgement,
        baseline: Option<&Baseline>,
        frame_size: (u32, u32),
        p: &Params,
    ) -> bool {
        let Some(b) = baseline else { return false };
        if j.unassessable.is_some() {
            return false;
        }
        let resized = (b.width, b.height) != frame_size;
        // A slouch moves the shoulders too (in a side view by far more than
        // `setup_shift`): a frame judged forward head is posture, not a moved
        // camera, and neither starts nor ends the count.
        if !resized && j.score.is_some_and(|s| s < p.bands.forward_below) {
            return false;
        }
        let moved = !same_place(&j.signals, &b.signals, p.checks.setup_shift);
        if !resized && !moved {
            *self = SetupCheck::default();
            return false;
        }
        let since = *self.off_since.get_or_insert(t);
        if (resized || t - since >= p.timing.setup_changed_after_s) && !self.flagged {
            self.flagged = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::facing::BackCues;
    use crate::posture::judge::{Cues, Findings};
    use crate::posture::signals::Signals;

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
            screen: 0,
            back_cues: BackCues::default(),
        }
    }

    fn params() -> Params {
        let mut p = Params::default();
        p.timing.smoothing_s = 0.0;
        p.timing.onset_delay_s = 10.0;
        p.timing.recovery_s = 3.0;
        p.timing.alert_after_s = 60.0;
        p.timing.realert_after_s = 300.0;
        p
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
        let mut tr = Tracker::new(params());
        let (alerts, state) =
            run(&mut tr, 0.0, 600.0, |t| Some(if (100.0..108.0).contains(&t) { 10.0 } else { 95.0 }));
        assert!(alerts.is_empty());
        assert_eq!(state, State::Good);
    }

    #[test]
    fn sustained_forward_head_alerts_once_then_repeats_after_the_interval() {
        let mut tr = Tracker::new(params());
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
        let mut tr = Tracker::new(params());
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
        let mut p = params();
        p.timing.away_after_s = 10.0;
        p.timing.break_every_s = 60.0;
        p.timing.break_reset_s = 30.0;
        let mut tr = Tracker::new(p);
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
        let mut tr = Tracker::new(params());
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
        use crate::posture::baseline::Baseline;
        let mut p = params();
        p.timing.setup_changed_after_s = 30.0;
        let mut base = Signals::NAN;
        base.shoulder_x = 0.5;
        base.shoulder_span = 0.3;
        let b = Baseline::from_signals(base, View::Front, 640, 480);
        let mut tr = Tracker::new(p);
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
        // Shoulders as far off while the head is forward: a slouch, judged
        // (and alerted) all along, never a moved camera.
        let mut tr = Tracker::new(p);
        let mut slouch = moved;
        slouch.score = Some(20.0);
        let mut t = 0.0;
        while t < 400.0 {
            let a = tr.update(t, &slouch, Some(&b), (640, 480));
            assert!(!a.events.contains(Events::RECALIBRATE) && a.judgement.unassessable.is_none(), "{t}");
            t += 0.5;
        }
        assert_eq!(tr.state(), State::ForwardHead);
        // A different resolution is flagged at once.
        let mut tr = Tracker::new(p);
        let a = tr.update(0.0, &frame(Some(95.0)), Some(&b), (1280, 720));
        assert!(a.events.contains(Events::RECALIBRATE));
        assert_eq!(a.judgement.unassessable, Some(Unassessable::SetupChanged));
    }

    /// Runs `score(t)` at 2 fps, returning when the drifting nudge fired.
    fn nudges(tr: &mut Tracker, from: f64, secs: f64, score: impl Fn(f64) -> f32) -> Vec<f64> {
        let mut at = Vec::new();
        let mut t = from;
        while t < from + secs {
            let a = tr.update(t, &frame(Some(score(t))), None, (640, 480));
            assert_ne!(a.alert, Some(AlertKind::ForwardHead), "drifting never alerts as forward head");
            if a.alert == Some(AlertKind::Drifting) {
                at.push(t);
            }
            t += 0.5;
        }
        at
    }

    #[test]
    fn long_drifting_nudges_after_ten_minutes_at_most_every_half_hour() {
        let mut tr = Tracker::new(params());
        nudges(&mut tr, 0.0, 20.0, |_| 95.0);
        // Drifting (60, between 50 and 75) from t=20, shown at t=30.
        let at = nudges(&mut tr, 20.0, 3600.0, |_| 60.0);
        assert_eq!(at, vec![630.0, 2430.0], "10 min after it is shown, then 30 min later");
        let a = tr.update(3620.0, &frame(Some(60.0)), None, (640, 480));
        assert_eq!(
            a.reason().to_string(),
            "head drifting forward for 60 min; ears ~4 cm ahead of your shoulders"
        );

        // Good in between starts the stretch over.
        let mut tr = Tracker::new(params());
        let at = nudges(&mut tr, 0.0, 2400.0, |t| if (500.0..520.0).contains(&t) { 95.0 } else { 60.0 });
        assert_eq!(at, vec![1130.0], "good shown at 503 s; drifting again from 530 s");

        // Switched off: never.
        let mut p = params();
        p.timing.nudge = false;
        let mut tr = Tracker::new(p);
        assert!(nudges(&mut tr, 0.0, 3600.0, |_| 60.0).is_empty());
    }

    /// A back view's frame with `votes` cues on: two decide in `judge`,
    /// one reaches the tracker as a judged front frame.
    fn back_frame(votes: usize) -> Judgement {
        let mut j = frame(Some(95.0));
        j.back_cues = BackCues { swapped: votes >= 1, nose_behind: votes >= 2, face_fainter: votes >= 3 };
        if votes >= 2 {
            (j.unassessable, j.view, j.score) = (Some(Unassessable::BackToCamera), Some(View::Back), None);
        }
        j
    }

    #[test]
    fn a_back_view_is_held_through_frames_the_model_fits_with_one_cue() {
        let mut tr = Tracker::new(params());
        let back = Some(Unassessable::BackToCamera);
        // 2 fps; the model's fit flickers between two cues and one.
        for (k, votes) in [2, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1].into_iter().enumerate() {
            let a = tr.update(k as f64 * 0.5, &back_frame(votes), None, (640, 480));
            assert_eq!((a.judgement.unassessable, a.judgement.view), (back, Some(View::Back)), "frame {k}");
            assert_eq!((a.state, a.score), (State::CannotAssess, None));
        }
        // Last decided at 4 s: a frame without any cue is judged at once,
        // and one cue is no longer enough 3 s on.
        assert_eq!(tr.update(6.5, &back_frame(0), None, (640, 480)).judgement.unassessable, None);
        assert_eq!(tr.update(7.0, &back_frame(1), None, (640, 480)).judgement.unassessable, back);
        assert_eq!(tr.update(7.5, &back_frame(1), None, (640, 480)).judgement.unassessable, None);
    }

    #[test]
    fn a_mirroring_cameras_swapped_sides_cost_at_most_the_hold_after_a_stray_decision() {
        // A mirroring camera: every front frame shows the swap (one cue).
        let mut tr = Tracker::new(params());
        let mut held = 0;
        let mut t = 0.0;
        while t < 600.0 {
            let votes = if t == 100.0 { 2 } else { 1 }; // one stray two-cue fit
            let a = tr.update(t, &back_frame(votes), None, (640, 480));
            if a.judgement.unassessable.is_some() {
                held += 1;
                assert!((100.0..=100.0 + BACK_HOLD_S).contains(&t), "{t}");
            }
            t += 0.5;
        }
        assert_eq!(held, 1 + (BACK_HOLD_S * 2.0) as usize);
        assert_eq!(tr.state(), State::Good);
    }

    #[test]
    fn reason_reads_well() {
        let mut tr = Tracker::new(params());
        run(&mut tr, 0.0, 10.0, |_| Some(95.0));
        run(&mut tr, 10.0, 120.0, |_| Some(20.0));
        let a = tr.update(130.0, &frame(Some(20.0)), None, (640, 480));
        assert_eq!(a.reason().to_string(), "head forward for 2 min; ears ~4 cm ahead of your shoulders");
    }
}
