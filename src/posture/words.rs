//! What the user reads: the reason beside each state, and why a frame
//! cannot be judged. Kept apart from the judging and the timing so that the
//! wording can change without touching them (tests pin the exact text).

use std::fmt;

use super::judge::Unassessable;
use super::tracker::{Assessment, State};

impl Unassessable {
    /// Why, in words the user can act on.
    pub fn reason(self) -> &'static str {
        match self {
            Unassessable::NoPerson => "no person in view",
            Unassessable::TooDark => "too dark to see you; add light",
            Unassessable::ShouldersOutOfFrame => {
                "shoulders not in the picture; sit further back or tilt the camera down"
            }
            Unassessable::LowConfidence => "ears or shoulders not clearly visible",
            Unassessable::TurnedAway => "face turned away from the camera",
            Unassessable::BackToCamera => "back turned to the camera",
            Unassessable::SeveralPeople => "several people in view; cannot tell who was calibrated",
            Unassessable::SetupChanged => "camera or seating changed since calibration; please recalibrate",
        }
    }
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
        headline(f, a)?;
        if a.state != State::Good {
            evidence(f, a)?;
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

/// The state itself: "head forward for 2 min", "looks upright", ...
fn headline(f: &mut fmt::Formatter<'_>, a: &Assessment) -> fmt::Result {
    match a.state {
        State::ForwardHead => {
            f.write_str("head forward")?;
            lasting(f, a.forward_for_s, 1.0)
        }
        State::Drifting => {
            f.write_str("head drifting forward")?;
            // Seconds of drifting are the normal ebb and flow; minutes are news.
            lasting(f, a.drifting_for_s, 60.0)
        }
        _ => f.write_str(if a.judgement.calibrated { "aligned as calibrated" } else { "looks upright" }),
    }
}

/// " for 2 min" / " for 30 s", once `secs` reaches `from`.
fn lasting(f: &mut fmt::Formatter<'_>, secs: f32, from: f32) -> fmt::Result {
    if secs < from {
        Ok(())
    } else if secs >= 60.0 {
        write!(f, " for {} min", (secs / 60.0).round() as u32)
    } else {
        write!(f, " for {} s", secs.round() as u32)
    }
}

/// The strongest measurement behind a state that is not good.
fn evidence(f: &mut fmt::Formatter<'_>, a: &Assessment) -> fmt::Result {
    let j = &a.judgement;
    if j.forward_cm.is_finite() && j.forward_cm >= 1.0 {
        write!(f, "; ears ~{:.0} cm ahead of your shoulders", j.forward_cm)
    } else if j.cues.gap.is_finite() && j.cues.gap > 0.3 {
        f.write_str("; ears closer to your shoulder line")
    } else if j.cues.side_angle.is_finite() {
        write!(f, "; neck angle {:.0}°", j.signals.side_angle_deg)
    } else {
        Ok(())
    }
}
