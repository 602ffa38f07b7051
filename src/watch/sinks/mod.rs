//! Where what the watcher sees goes. Every sink gets the same calls in the
//! same order: each [`Event`], each judged frame, a tick per turn of the
//! loop, new settings, and the end. Methods default to doing nothing, so a
//! sink implements only what it reads.
//!
//! The built-in sinks: the `--events` log ([`events`]), the alerts
//! ([`alerts`]), the journal ([`journal`]) and the window's snapshot
//! ([`snapshot`]). The terminal's status line is the CLI's own sink.

pub mod alerts;
pub mod events;
pub mod journal;
pub mod snapshot;

use super::{Event, Mode, Started};
use crate::capture::Frame;
use crate::config::Config;
use crate::pose::Pose;
use crate::posture::{Assessment, Baseline};

/// One judged frame, as the sinks see it. Borrowed: nothing is copied for
/// a sink that does not read it.
pub struct Judged<'a> {
    pub assessment: &'a Assessment,
    /// Nominal seconds between frames at the current rate.
    pub interval: f64,
    pub frame: &'a Frame<'a>,
    pub pose: Option<&'a Pose>,
    pub baseline: Option<&'a Baseline>,
    /// While calibrating from the window: how far it is.
    pub calibration: Option<&'a CalibrationProgress>,
    pub stats: Stats,
    /// The forward-head cut-off in force (tolerance and corrections
    /// included).
    pub forward_below: f32,
}

/// Counters for the status line and the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub fps: f64,
    pub cpu_percent: f64,
    pub frames: u64,
    pub dropped: u64,
}

/// The calibration wizard's live feedback.
pub use crate::calibrate::Progress as CalibrationProgress;

pub trait Sink {
    /// The source is open and the models are loaded.
    fn started(&mut self, _started: &Started<'_>) {}
    /// Something happened at `t`.
    fn event(&mut self, _t: f64, _event: &Event) {}
    /// A frame was judged.
    fn judged(&mut self, _frame: &Judged<'_>) {}
    /// Once per turn of the watcher's loop, frame or not.
    fn tick(&mut self, _t: f64, _mode: Mode) {}
    /// The settings file changed and was valid.
    fn config(&mut self, _config: &Config) {}
    /// The watcher ends at `t`; `why` in words.
    fn finish(&mut self, _t: f64, _why: &str) {}
}

/// The sinks in the order they are told.
#[derive(Default)]
pub struct Sinks {
    sinks: Vec<Box<dyn Sink + Send>>,
    events: usize,
}

impl Sinks {
    pub fn new(sinks: Vec<Box<dyn Sink + Send>>) -> Self {
        Self { sinks, events: 0 }
    }

    pub fn push(&mut self, sink: Box<dyn Sink + Send>) {
        self.sinks.push(sink);
    }

    pub fn started(&mut self, started: &Started<'_>) {
        self.sinks.iter_mut().for_each(|s| s.started(started));
    }

    pub fn event(&mut self, t: f64, event: &Event) {
        self.events += 1;
        self.sinks.iter_mut().for_each(|s| s.event(t, event));
    }

    pub fn judged(&mut self, frame: &Judged<'_>) {
        self.sinks.iter_mut().for_each(|s| s.judged(frame));
    }

    pub fn tick(&mut self, t: f64, mode: Mode) {
        self.sinks.iter_mut().for_each(|s| s.tick(t, mode));
    }

    pub fn config(&mut self, config: &Config) {
        self.sinks.iter_mut().for_each(|s| s.config(config));
    }

    pub fn finish(&mut self, t: f64, why: &str) {
        self.sinks.iter_mut().for_each(|s| s.finish(t, why));
    }

    /// Events told so far.
    pub fn events(&self) -> usize {
        self.events
    }
}
