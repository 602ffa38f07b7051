//! Alerts and break reminders to the user: a judged frame that raises one
//! becomes a [`crate::alert::Notice`] for the delivery thread (desktop
//! notification, chime, terminal line, `on_alert` command). With the
//! `glow` or `dim` style every judged frame also sets the screen overlay's
//! level; it is hidden whenever the watcher is not watching, in quiet
//! hours, and closed with the watcher.

use super::{Judged, Sink};
use crate::alert::overlay::{Level, Overlay, Status, Style};
use crate::alert::{Alerter, quiet_now};
use crate::config::{AlertsConfig, Config};
use crate::posture::{AlertKind, Events};
use crate::watch::Mode;

pub struct Alerts {
    alerter: Alerter,
    settings: AlertsConfig,
    alert_after_s: f64,
    screen: Option<Screen>,
}

/// The overlay while the style draws on the screen.
struct Screen {
    /// `None` once it failed: its alerts go as notifications.
    overlay: Option<Overlay>,
    /// Its window exists; until then alerts also go as notifications, so
    /// none is lost to an overlay that never comes up.
    ready: bool,
    style: Style,
    level: Level,
    last: f32,
}

impl Alerts {
    pub fn new(alerter: Alerter, config: &Config) -> Self {
        let mut me = Alerts { alerter, settings: AlertsConfig::default(), alert_after_s: 0.0, screen: None };
        me.apply(config);
        me
    }

    /// Takes new settings; starts or stops the overlay for the style.
    fn apply(&mut self, config: &Config) {
        self.settings = config.alerts.clone();
        self.alert_after_s = config.posture_params().timing.alert_after_s;
        let style = Style::of(config.alerts.style);
        if self.screen.as_ref().map(|s| s.style) == style {
            return;
        }
        // Dropping the old one closes it.
        self.screen = style.map(|style| Screen {
            overlay: Overlay::spawn(style)
                .map_err(|e| self.alerter.say(format!("{e}; alerts are notifications instead")))
                .ok(),
            ready: false,
            style,
            level: Level::default(),
            last: 0.0,
        });
    }

    fn on_screen(&self) -> bool {
        self.screen.as_ref().is_some_and(|s| s.ready && s.overlay.is_some())
    }
}

impl Sink for Alerts {
    fn judged(&mut self, f: &Judged<'_>) {
        let a = f.assessment;
        if let Some(s) = self.screen.as_mut() {
            let level = s.level.of(a, self.alert_after_s, f.forward_below);
            s.last = if quiet_now(&self.settings) { 0.0 } else { level };
            if let Some(o) = s.overlay.as_mut() {
                o.show(s.last);
            }
        }
        if let Some(kind) = a.alert {
            let mut notice =
                self.alerter.notice(kind.name(), a.state.name(), a.reason().to_string(), a.score);
            notice.on_screen =
                self.on_screen() && matches!(kind, AlertKind::ForwardHead | AlertKind::Drifting);
            self.alerter.send(notice);
        }
        if a.events.contains(Events::BREAK) {
            let notice = self.alerter.notice(
                "break",
                a.state.name(),
                "You have been sitting for a while".into(),
                a.score,
            );
            self.alerter.send(notice);
        }
    }

    /// Hides the overlay whenever the watcher is not watching (paused,
    /// snoozed), keeps a shown one alive, and hears how it is doing.
    fn tick(&mut self, _t: f64, mode: Mode) {
        let Some(s) = self.screen.as_mut() else { return };
        let Some(o) = s.overlay.as_mut() else { return };
        if !mode.watching() {
            s.last = 0.0;
        }
        o.show(s.last);
        match o.poll() {
            Some(Status::Ready(how)) => {
                tracing::info!("screen overlay: {how}");
                s.ready = true;
            }
            Some(Status::Failed(why)) => {
                s.overlay = None;
                self.alerter.say(format!(
                    "the screen {} stopped ({why}); alerts are notifications instead",
                    s.style.name()
                ));
            }
            None => {}
        }
    }

    fn config(&mut self, config: &Config) {
        self.alerter.update_settings(config.alerts.clone());
        self.apply(config);
    }

    fn finish(&mut self, _t: f64, _why: &str) {
        self.screen = None;
    }
}
