//! The watcher's mode: watching, or not and why. It changes in one place
//! ([`crate::watch::Watcher`]), and every change is an [`Event`] that every
//! sink sees, so a pause the user asked for is journaled like one the
//! desktop asked for.
//!
//! [`Event`]: crate::watch::Event

use serde::{Deserialize, Serialize};

/// Watching, paused by the user, snoozed until a time on the source clock,
/// or paused by the desktop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Watching,
    Paused,
    Snoozed { until: f64 },
    AutoPaused { reason: AutoReason },
}

/// Why the desktop paused watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AutoReason {
    #[serde(rename = "screen locked")]
    ScreenLocked,
    #[serde(rename = "on battery")]
    OnBattery,
}

impl AutoReason {
    pub fn words(self) -> &'static str {
        match self {
            AutoReason::ScreenLocked => "screen locked",
            AutoReason::OnBattery => "on battery",
        }
    }
}

impl Mode {
    /// `watching`, `paused` or `snoozed`, as the window and `status` say it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Watching => "watching",
            Mode::Paused | Mode::AutoPaused { .. } => "paused",
            Mode::Snoozed { .. } => "snoozed",
        }
    }

    /// Seconds of snooze left at `t`.
    pub fn snooze_left(self, t: f64) -> Option<f64> {
        match self {
            Mode::Snoozed { until } => Some(until - t),
            _ => None,
        }
    }

    pub fn watching(self) -> bool {
        self == Mode::Watching
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_snooze_left() {
        assert_eq!(Mode::AutoPaused { reason: AutoReason::OnBattery }.name(), "paused");
        assert_eq!(Mode::Snoozed { until: 100.0 }.snooze_left(40.0), Some(60.0));
        assert_eq!(Mode::Paused.snooze_left(40.0), None);
        assert!(Mode::Watching.watching() && !Mode::Paused.watching());
    }
}
