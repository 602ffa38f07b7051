//! What steers the watcher besides frames, polled once per turn of its
//! loop: control requests (socket, window), a notification's "snooze"
//! and "that was wrong" actions, requests scheduled on the replay clock (`--at`), the desktop's
//! reasons to pause (screen locked, on battery; camera only) and the
//! settings file, reloaded live.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use super::control::{Correct, Incoming, Reply, Request};
use super::feed::{Feed, Item};
use super::mode::AutoReason;
use super::sinks::Sinks;
use super::watcher::Watcher;
use super::{Scheduled, SourceSpec, camera_request, power};
use crate::alert::Feedback;
use crate::config::{Config, ConfigWatcher};

pub struct Inputs {
    requests: Vec<Receiver<Incoming>>,
    feedback: Receiver<Feedback>,
    /// Sorted by time; taken from the front.
    schedule: Vec<Scheduled>,
    config: ConfigWatcher,
    last_config_poll: Instant,
    /// `None`: the desktop is not asked (replays).
    last_desktop_check: Option<Instant>,
}

impl Inputs {
    pub fn new(
        requests: Vec<Receiver<Incoming>>,
        feedback: Receiver<Feedback>,
        mut schedule: Vec<Scheduled>,
        config_path: &Path,
        camera: bool,
    ) -> Self {
        schedule.sort_by(|a, b| a.t.total_cmp(&b.t));
        Self {
            requests,
            feedback,
            schedule,
            config: ConfigWatcher::new(config_path),
            last_config_poll: Instant::now(),
            last_desktop_check: camera.then(Instant::now),
        }
    }

    /// Applies what arrived since the last turn, at `t`.
    pub fn poll(&mut self, t: f64, watcher: &mut Watcher, feed: &mut Feed, sinks: &mut Sinks) {
        for (req, reply) in self.requests(t) {
            let answer = watcher.request(t, req, sinks);
            if let Some(reply) = reply {
                let _ = reply.send(answer);
            }
        }
        if let Some(last) = self.last_desktop_check
            && last.elapsed() >= Duration::from_secs(5)
        {
            self.last_desktop_check = Some(Instant::now());
            watcher.desktop(t, desktop_reason(watcher.config()), sinks);
        }
        // Settings edited on disk take effect within a second.
        if self.last_config_poll.elapsed() >= Duration::from_secs(1) {
            self.last_config_poll = Instant::now();
            self.settings(t, watcher, feed, sinks);
        }
    }

    /// Requests in the order they are applied: socket and window, a
    /// notification's action, then the ones due on the schedule.
    fn requests(&mut self, t: f64) -> Vec<(Request, Option<Sender<Reply>>)> {
        let mut pending = Vec::new();
        for rx in &self.requests {
            pending.extend(rx.try_iter().map(|(req, reply)| (req, Some(reply))));
        }
        for fb in self.feedback.try_iter() {
            match fb {
                Feedback::SnoozeRequested { minutes } => {
                    pending.push((Request::Snooze { seconds: f64::from(minutes) * 60.0 }, None))
                }
                Feedback::MarkedWrong => pending.push((Request::Correct { what: Correct::Wrong }, None)),
                Feedback::NoNotificationService(e) => tracing::info!("no notification service: {e}"),
            }
        }
        let due = self.schedule.iter().take_while(|s| s.t <= t).count();
        pending.extend(self.schedule.drain(..due).map(|s| (s.request, None)));
        pending
    }

    fn settings(&mut self, t: f64, watcher: &mut Watcher, feed: &mut Feed, sinks: &mut Sinks) {
        let path = self.config.path().to_path_buf();
        match self.config.poll() {
            Some(Ok(cfg)) => {
                switch_camera(t, &cfg, watcher, feed, sinks);
                watcher.reload(t, Ok(cfg), path.clone(), sinks);
                tracing::info!("settings reloaded from {}", path.display());
            }
            Some(Err(e)) => {
                tracing::warn!("settings not reloaded, keeping the previous ones: {e}");
                watcher.reload(t, Err(e.to_string()), path, sinks);
            }
            None => {}
        }
    }
}

/// A different camera or resolution in the settings: reopen the capture live.
fn switch_camera(t: f64, cfg: &Config, watcher: &mut Watcher, feed: &mut Feed, sinks: &mut Sinks) {
    let Feed::Live { spec: SourceSpec::Camera(now), .. } = feed else { return };
    let c = &cfg.camera;
    if (now.index, now.width, now.height) == (c.index, c.width, c.height) {
        return;
    }
    match feed.switch(SourceSpec::Camera(camera_request(c))) {
        Item::Found { name, .. } => watcher.camera_found(t, name, sinks),
        Item::Lost(e) => watcher.camera_lost(t, e.to_string(), sinks),
        _ => {}
    }
}

fn desktop_reason(cfg: &Config) -> Option<AutoReason> {
    let cam = &cfg.camera;
    if cam.pause_on_lock && power::screen_locked() {
        Some(AutoReason::ScreenLocked)
    } else if cam.pause_on_battery && power::on_battery() {
        Some(AutoReason::OnBattery)
    } else {
        None
    }
}
