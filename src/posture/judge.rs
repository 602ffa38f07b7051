//! One frame, judged on its own: can it be assessed at all, which view it
//! is, the 0-100 alignment score against the baseline, and the findings
//! (looking down, head tilt, raised shoulders) beside it. Plain arithmetic
//! on the signals; time and persistence live in `tracker`.

use crate::pose::landmarks::idx;
use crate::pose::{Landmark, PoseResult};

use super::baseline::Baseline;
use super::facing::{self, BackCues};
use super::params::{FindingRules, Params, Scoring};
use super::signals::{self, Near, Signals, View, same_place};

/// Why a frame cannot be judged. Never counted as good or bad.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unassessable {
    NoPerson,
    TooDark,
    ShouldersOutOfFrame,
    LowConfidence,
    TurnedAway,
    BackToCamera,
    SeveralPeople,
    SetupChanged,
}

/// Findings reported beside the forward-head score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Findings {
    /// Nose dropped below the ears: looking down (monitor too low?).
    pub looking_down: bool,
    /// Head tilted to one side.
    pub head_tilt: bool,
    /// Shoulders raised towards the ears, or one shoulder higher.
    pub raised_shoulders: bool,
    /// Leaning back (side view): not forward head.
    pub reclined: bool,
}

/// What each cue contributed, as a fraction of "fully forward" (can be
/// negative when the cue says better than calibrated).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Cues {
    pub gap: f32,
    pub head_size: f32,
    pub world: f32,
    pub side_angle: f32,
}

impl Default for Cues {
    fn default() -> Self {
        Cues { gap: f32::NAN, head_size: f32::NAN, world: f32::NAN, side_angle: f32::NAN }
    }
}

/// A single frame's judgement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judgement {
    pub view: Option<View>,
    pub signals: Signals,
    /// 0-100, 100 = as calibrated; `None` when the frame cannot be judged.
    pub score: Option<f32>,
    pub unassessable: Option<Unassessable>,
    /// No matching baseline: front-view scores are only indicative.
    pub provisional: bool,
    /// Judged against the user's own baseline (not a population norm).
    pub calibrated: bool,
    pub cues: Cues,
    /// Ears ahead of the shoulders beyond the baseline, centimetres (world
    /// landmarks; NaN when unknown).
    pub forward_cm: f32,
    pub findings: Findings,
    /// The screen judged against (0: the main one; see `Baseline::screens`).
    pub screen: u8,
    /// The frame's back-view cues, also when they did not decide (the
    /// tracker holds a back view seen a moment ago on one of them).
    pub back_cues: BackCues,
}

impl Judgement {
    fn unassessable(why: Unassessable, signals: Signals, view: Option<View>) -> Self {
        Judgement {
            view,
            signals,
            score: None,
            unassessable: Some(why),
            provisional: false,
            calibrated: false,
            cues: Cues::default(),
            forward_cm: f32::NAN,
            findings: Findings::default(),
            screen: 0,
            back_cues: BackCues::default(),
        }
    }
}

fn visible(l: &Landmark, min: f32) -> bool {
    l.visibility >= min
}

fn inside(l: &Landmark, w: u32, h: u32) -> bool {
    l.presence >= 0.5 && l.x >= 0.0 && l.y >= 0.0 && l.x <= w as f32 && l.y <= h as f32
}

/// Judges one frame. `luma` is the frame's mean brightness (0-255).
pub fn judge(result: &PoseResult, luma: f32, baseline: Option<&Baseline>, params: &Params) -> Judgement {
    let checks = &params.checks;
    if luma < checks.dark_luma {
        return Judgement::unassessable(Unassessable::TooDark, Signals::NAN, None);
    }
    let Some(pose) = result.pose.as_ref() else {
        return Judgement::unassessable(Unassessable::NoPerson, Signals::NAN, None);
    };
    let (w, h) = (result.width, result.height);
    let s = signals::compute(pose, w, h);
    let lm = &pose.landmarks;
    let min_vis = checks.min_visibility;

    if result.people > 1 && !baseline.is_some_and(|b| same_place(&s, &b.signals, checks.setup_shift)) {
        return Judgement::unassessable(Unassessable::SeveralPeople, s, None);
    }
    let back_cues = BackCues::read(lm);
    if facing::back_to_camera(lm, back_cues, min_vis) {
        return Judgement {
            back_cues,
            ..Judgement::unassessable(Unassessable::BackToCamera, s, Some(View::Back))
        };
    }
    // Another screen is judged against its own baseline: facing it counts
    // as facing front as far from its direction as from the main one's.
    let calibrated_front = baseline.filter(|b| b.view == View::Front);
    let (screen, front_base) = match calibrated_front {
        Some(b) => b.screen_for(&s),
        None => (0, &s),
    };
    let towards_other = screen > 0 && (s.yaw - front_base.yaw).abs() <= checks.front_max_yaw;
    let view = if s.yaw.abs() <= checks.front_max_yaw || towards_other {
        View::Front
    } else if s.yaw.abs() >= checks.side_min_yaw {
        View::Side
    } else {
        return Judgement { back_cues, ..Judgement::unassessable(Unassessable::TurnedAway, s, None) };
    };
    // Calibrated facing the camera and still sitting there: a profile is the
    // head turned (to a colleague, to a screen side-on), not the body, and
    // the side view's angle would read the facing shoulders as a slouch.
    if view == View::Side && calibrated_front.is_some_and(|b| same_place(&s, &b.signals, checks.setup_shift))
    {
        return Judgement { back_cues, ..Judgement::unassessable(Unassessable::TurnedAway, s, None) };
    }
    // The points the score is built on: both sides in front, the near side in profile.
    let points: &[usize] = match (view, signals::near_side(lm)) {
        (View::Side, Near::Left) => &[idx::LEFT_EAR, idx::LEFT_SHOULDER],
        (View::Side, Near::Right) => &[idx::RIGHT_EAR, idx::RIGHT_SHOULDER],
        _ => &[idx::LEFT_EAR, idx::RIGHT_EAR, idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER],
    };
    let shoulders_inside = points
        .iter()
        .filter(|&&i| i == idx::LEFT_SHOULDER || i == idx::RIGHT_SHOULDER)
        .all(|&i| inside(&lm[i], w, h));
    // The model invents shoulders below a face-only crop: they must also be
    // about as wide as a real torso is next to this face.
    let plausible = view == View::Side || (0.15..=0.9).contains(&s.head_width);
    if !shoulders_inside || !plausible {
        return Judgement::unassessable(Unassessable::ShouldersOutOfFrame, s, Some(view));
    }
    if !points.iter().all(|&i| visible(&lm[i], min_vis)) {
        return Judgement::unassessable(Unassessable::LowConfidence, s, Some(view));
    }

    let base = baseline
        .filter(|b| b.view == view)
        .map(|b| if view == View::Front { front_base } else { &b.signals });
    let mut j = match view {
        View::Side => score_side(&s, base, &params.scoring),
        _ => score_front(&s, base, &params.scoring),
    };
    j.view = Some(view);
    j.screen = if view == View::Front && base.is_some() { screen } else { 0 };
    j.findings = findings(&s, base, view, &params.findings, &params.scoring);
    j.back_cues = back_cues;
    j
}

/// One frame's score against baseline signals `b` of the same view (what
/// calibration measures its own frames' spread with).
pub(super) fn score_against(s: &Signals, view: View, b: &Signals, p: &Scoring) -> Option<f32> {
    match view {
        View::Front => score_front(s, Some(b), p).score,
        View::Side => score_side(s, Some(b), p).score,
        View::Back => None,
    }
}

/// Score from a weighted forward index: 0 = as calibrated, 1 = fully forward.
fn to_score(index: f32) -> f32 {
    (100.0 * (1.0 - index)).clamp(0.0, 100.0)
}

fn score_front(s: &Signals, b: Option<&Signals>, p: &Scoring) -> Judgement {
    let cues = match b {
        Some(b) => Cues {
            gap: ((b.ear_shoulder_gap - s.ear_shoulder_gap) / b.ear_shoulder_gap.max(1e-3) / p.gap_drop_full)
                .clamp(-1.0, 1.5),
            head_size: ((s.head_width / b.head_width.max(1e-3) - 1.0) / p.head_growth_full).clamp(-1.0, 1.5),
            world: ((s.forward_m - b.forward_m) * 100.0 / p.forward_cm_full).clamp(-1.0, 1.5),
            side_angle: f32::NAN,
        },
        // No baseline: head size and the 3-D offset vary too much between
        // people and distances to mean anything; the gap is compared with a
        // population norm at twice the tolerance.
        None => Cues {
            gap: ((p.front_upright_gap - s.ear_shoulder_gap) / p.front_upright_gap / (2.0 * p.gap_drop_full))
                .clamp(-1.0, 1.5),
            ..Cues::default()
        },
    };
    let mut num = 0.0;
    let mut den = 0.0;
    for (v, w) in
        [(cues.gap, p.weight_gap), (cues.head_size, p.weight_head_size), (cues.world, p.weight_world)]
    {
        if v.is_finite() && w > 0.0 {
            num += v * w;
            den += w;
        }
    }
    let score = if den > 0.0 { to_score(num / den) } else { 100.0 };
    Judgement {
        view: Some(View::Front),
        signals: *s,
        score: Some(score),
        unassessable: None,
        provisional: b.is_none(),
        calibrated: b.is_some(),
        cues,
        forward_cm: b.map_or(f32::NAN, |b| (s.forward_m - b.forward_m) * 100.0),
        findings: Findings::default(),
        screen: 0,
        back_cues: BackCues::default(),
    }
}

fn score_side(s: &Signals, b: Option<&Signals>, p: &Scoring) -> Judgement {
    let upright = b.map_or(p.side_upright_deg, |b| b.side_angle_deg);
    let dev = ((upright - s.side_angle_deg) / p.side_full_deg).clamp(-1.0, 1.5);
    Judgement {
        view: Some(View::Side),
        signals: *s,
        // Leaning back never scores below upright.
        score: Some(to_score(dev)),
        unassessable: None,
        // The side angle has an absolute norm, so it is not provisional.
        provisional: false,
        calibrated: b.is_some(),
        cues: Cues { side_angle: dev, ..Cues::default() },
        forward_cm: b.map_or(f32::NAN, |b| (s.forward_m - b.forward_m) * 100.0),
        findings: Findings::default(),
        screen: 0,
        back_cues: BackCues::default(),
    }
}

fn findings(s: &Signals, b: Option<&Signals>, view: View, f: &FindingRules, scoring: &Scoring) -> Findings {
    if view == View::Side {
        return Findings { reclined: s.side_angle_deg > 95.0, ..Findings::default() };
    }
    let tilt0 = b.map_or(0.0, |b| b.head_tilt_deg);
    let mut out = Findings {
        head_tilt: f.head_tilt && (s.head_tilt_deg - tilt0).abs() > f.head_tilt_deg,
        ..Findings::default()
    };
    // Looking down and shoulder height need the person's own norm.
    if let Some(b) = b {
        out.looking_down = f.looking_down && s.nose_drop - b.nose_drop > f.looking_down_threshold;
        let rise = b.shoulder_height - s.shoulder_height;
        let head_grew = s.head_width / b.head_width.max(1e-3) - 1.0 > 0.5 * scoring.head_growth_full;
        let uneven = (s.shoulder_tilt_deg - b.shoulder_tilt_deg).abs() > f.head_tilt_deg * 0.75;
        out.raised_shoulders =
            f.raised_shoulders && ((rise > f.raised_shoulders_threshold && !head_grew) || uneven);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::baseline::ScreenError;
    use super::*;
    use crate::pose::{Pose, Roi, WorldLandmark};

    fn result(pose: Pose) -> PoseResult {
        PoseResult { width: 640, height: 480, pose: Some(pose), people: 1, ..Default::default() }
    }

    fn front(gap: f32, ear_span: f32) -> Pose {
        let mut lm = [Landmark { x: 0.0, y: 0.0, z: 0.0, visibility: 1.0, presence: 1.0 }; 33];
        let mut put = |i: usize, x: f32, y: f32| {
            lm[i].x = x;
            lm[i].y = y;
        };
        put(idx::LEFT_SHOULDER, 420.0, 400.0);
        put(idx::RIGHT_SHOULDER, 220.0, 400.0);
        put(idx::LEFT_EAR, 320.0 + ear_span / 2.0, 400.0 - gap);
        put(idx::RIGHT_EAR, 320.0 - ear_span / 2.0, 400.0 - gap);
        put(idx::LEFT_EYE, 340.0, 390.0 - gap);
        put(idx::RIGHT_EYE, 300.0, 390.0 - gap);
        put(idx::NOSE, 320.0, 420.0 - gap);
        Pose { landmarks: lm, world: [WorldLandmark::default(); 33], score: 1.0, roi: Roi::default() }
    }

    fn baseline(pose: &Pose) -> Baseline {
        Baseline::from_signals(signals::compute(pose, 640, 480), View::Front, 640, 480)
    }

    #[test]
    fn calibrated_posture_scores_100_and_forward_head_scores_low() {
        let params = Params::default();
        let good = front(110.0, 80.0);
        let b = baseline(&good);
        let j = judge(&result(good), 100.0, Some(&b), &params);
        assert_eq!(j.score, Some(100.0));
        assert!(!j.provisional);
        // Gap shrinks by 25 % and the head looks 25 % wider: fully forward.
        let j = judge(&result(front(82.5, 100.0)), 100.0, Some(&b), &params);
        // Gap and head size say fully forward, the unchanged 3-D offset says not: 100·(1 − 0.8).
        assert!((j.score.expect("score") - 20.0).abs() < 0.5, "{:?}", j.score);
        assert!((j.cues.gap - 1.0).abs() < 1e-3 && (j.cues.head_size - 1.0).abs() < 1e-3);
    }

    #[test]
    fn cannot_assess_reasons() {
        let params = Params::default();
        let none = PoseResult { width: 640, height: 480, ..Default::default() };
        assert_eq!(judge(&none, 100.0, None, &params).unassessable, Some(Unassessable::NoPerson));
        assert_eq!(
            judge(&result(front(110.0, 80.0)), 3.0, None, &params).unassessable,
            Some(Unassessable::TooDark)
        );
        let mut off = front(110.0, 80.0);
        off.landmarks[idx::LEFT_SHOULDER].y = 500.0;
        assert_eq!(
            judge(&result(off), 100.0, None, &params).unassessable,
            Some(Unassessable::ShouldersOutOfFrame)
        );
        let mut faint = front(110.0, 80.0);
        faint.landmarks[idx::RIGHT_EAR].visibility = 0.2;
        assert_eq!(
            judge(&result(faint), 100.0, None, &params).unassessable,
            Some(Unassessable::LowConfidence)
        );
        let mut turned = front(110.0, 80.0);
        turned.landmarks[idx::NOSE].x = 320.0 + 60.0; // 1.5 half-ear-widths off centre
        assert_eq!(judge(&result(turned), 100.0, None, &params).unassessable, Some(Unassessable::TurnedAway));
        let mut back = front(110.0, 80.0);
        for i in [idx::NOSE, idx::LEFT_EYE, idx::RIGHT_EYE] {
            back.landmarks[i].visibility = 0.1;
        }
        assert_eq!(judge(&result(back), 100.0, None, &params).unassessable, Some(Unassessable::BackToCamera));
        let crowd = PoseResult { people: 2, ..result(front(110.0, 80.0)) };
        assert_eq!(judge(&crowd, 100.0, None, &params).unassessable, Some(Unassessable::SeveralPeople));
        // With a baseline taken at the same place, the calibrated person is followed.
        let b = baseline(&front(110.0, 80.0));
        assert_eq!(judge(&crowd, 100.0, Some(&b), &params).unassessable, None);
    }

    /// `front` with the head turned: the nose `turn` half ear widths off
    /// the ears' midpoint, as when looking at a screen beside the camera.
    fn turned(gap: f32, turn: f32) -> Pose {
        let mut p = front(gap, 80.0);
        p.landmarks[idx::NOSE].x = 320.0 + turn * 40.0;
        p
    }

    #[test]
    fn a_second_screen_is_judged_against_its_own_baseline() {
        let params = Params::default();
        let mut b = baseline(&front(110.0, 80.0));
        // Without it, looking at the other screen is a turned-away frame.
        let at_other = result(turned(110.0, 1.5));
        assert_eq!(judge(&at_other, 100.0, Some(&b), &params).unassessable, Some(Unassessable::TurnedAway));
        b.add_screen(&baseline(&turned(110.0, 1.5)), params.checks.setup_shift).expect("second screen");
        let j = judge(&at_other, 100.0, Some(&b), &params);
        assert_eq!((j.screen, j.score, j.view), (1, Some(100.0), Some(View::Front)), "{j:?}");
        // Forward head while looking at it scores low against it.
        let j = judge(&result(turned(82.5, 1.5)), 100.0, Some(&b), &params);
        assert_eq!(j.screen, 1);
        assert!(j.score.expect("score") < 50.0, "{j:?}");
        // Back at the main screen: judged against the main baseline.
        let j = judge(&result(front(110.0, 80.0)), 100.0, Some(&b), &params);
        assert_eq!((j.screen, j.score), (0, Some(100.0)));
        // Turned the other way, beyond either: still turned away.
        let away = judge(&result(turned(110.0, -1.5)), 100.0, Some(&b), &params);
        assert_eq!(away.unassessable, Some(Unassessable::TurnedAway));
    }

    #[test]
    fn a_head_turned_to_profile_where_the_front_was_calibrated_is_turned_away() {
        let params = Params::default();
        let b = baseline(&front(110.0, 80.0));
        // The head in profile (a side-on screen, a colleague), the body still
        // facing the camera where it was calibrated: never the side rule.
        let profile = result(turned(110.0, 3.0));
        assert_eq!(judge(&profile, 100.0, None, &params).view, Some(View::Side));
        assert_eq!(judge(&profile, 100.0, Some(&b), &params).unassessable, Some(Unassessable::TurnedAway));
        // Sitting side-on (the shoulders foreshortened to a third): a profile.
        let mut side_on = turned(110.0, 3.0);
        side_on.landmarks[idx::LEFT_SHOULDER].x = 353.0;
        side_on.landmarks[idx::RIGHT_SHOULDER].x = 287.0;
        let j = judge(&result(side_on), 100.0, Some(&b), &params);
        assert_eq!((j.view, j.unassessable), (Some(View::Side), None), "{j:?}");
    }

    #[test]
    fn another_screen_is_calibrated_with_the_head_turned_past_the_front_range() {
        let (params, other) = (Params::default(), result(turned(110.0, 1.5)));
        assert_eq!(judge(&other, 100.0, None, &params).unassessable, Some(Unassessable::TurnedAway));
        let calibrating = params.for_other_screen();
        let j = judge(&other, 100.0, None, &calibrating);
        assert_eq!((j.unassessable, j.view), (None, Some(View::Front)), "{j:?}");
        assert_eq!(judge(&result(turned(110.0, 2.5)), 100.0, None, &calibrating).view, Some(View::Side));
        // What it calibrates joins the main screen and judges later frames
        // with the usual checks.
        let mut b = baseline(&front(110.0, 80.0));
        b.add_screen(&Baseline::from_signals(j.signals, View::Front, 640, 480), params.checks.setup_shift)
            .expect("second screen");
        assert_eq!(judge(&other, 100.0, Some(&b), &params).screen, 1);
    }

    #[test]
    fn a_screen_is_refused_from_the_side_moved_or_in_the_same_direction() {
        let shift = Params::default().checks.setup_shift;
        let mut b = baseline(&front(110.0, 80.0));
        let same = baseline(&turned(110.0, 0.1));
        assert!(matches!(b.add_screen(&same, shift), Err(ScreenError::SameDirection(_))));
        let mut moved = turned(110.0, 1.5);
        for l in moved.landmarks.iter_mut() {
            l.x += 200.0;
        }
        assert_eq!(b.add_screen(&baseline(&moved), shift), Err(ScreenError::Moved));
        let side = Baseline { view: View::Side, ..baseline(&turned(110.0, 1.5)) };
        assert_eq!(b.add_screen(&side, shift), Err(ScreenError::NotFront));
        assert!(b.screens.is_empty());
        // An old profile (no screens) loads; one with screens keeps them.
        b.add_screen(&baseline(&turned(110.0, 1.5)), shift).expect("screen");
        let text = toml::to_string(&b).expect("toml");
        assert_eq!(toml::from_str::<Baseline>(&text).expect("load").screens.len(), 1);
    }

    #[test]
    fn a_single_back_cue_is_judged_and_carried_to_the_tracker() {
        let params = Params::default();
        let mut one = front(110.0, 80.0);
        one.landmarks[idx::NOSE].z = 40.0; // behind the ears, nothing else
        let j = judge(&result(one), 100.0, None, &params);
        assert_eq!((j.unassessable, j.view), (None, Some(View::Front)));
        assert_eq!(j.back_cues.votes(), 1);
        assert!(j.back_cues.nose_behind);
        let mut two = one;
        for i in [idx::NOSE, idx::LEFT_EYE, idx::RIGHT_EYE] {
            two.landmarks[i].visibility = 0.6;
        }
        let j = judge(&result(two), 100.0, None, &params);
        assert_eq!(
            (j.unassessable, j.view, j.back_cues.votes()),
            (Some(Unassessable::BackToCamera), Some(View::Back), 2)
        );
        assert_eq!(judge(&result(front(110.0, 80.0)), 100.0, None, &params).back_cues.votes(), 0);
    }

    #[test]
    fn uncalibrated_front_view_is_provisional() {
        let j = judge(&result(front(110.0, 80.0)), 100.0, None, &Params::default());
        assert!(j.provisional);
        assert!(j.score.expect("score") > 90.0);
    }

    #[test]
    fn findings_against_the_baseline() {
        let params = Params::default();
        let b = baseline(&front(110.0, 80.0));
        let mut down = front(110.0, 80.0);
        down.landmarks[idx::NOSE].y += 40.0; // half an ear width lower
        assert!(judge(&result(down), 100.0, Some(&b), &params).findings.looking_down);
        let mut shrug = front(110.0, 80.0);
        for i in [idx::LEFT_SHOULDER, idx::RIGHT_SHOULDER] {
            shrug.landmarks[i].y -= 30.0; // 0.15 shoulder widths up
        }
        let j = judge(&result(shrug), 100.0, Some(&b), &params);
        assert!(j.findings.raised_shoulders && !j.findings.looking_down);
    }
}
