//! Alerts and break reminders to the user: a judged frame that raises one
//! becomes a [`crate::alert::Notice`] for the delivery thread (desktop
//! notification, chime, terminal line, `on_alert` command).

use super::{Judged, Sink};
use crate::alert::Alerter;
use crate::config::Config;
use crate::posture::Events;

pub struct Alerts {
    alerter: Alerter,
}

impl Alerts {
    pub fn new(alerter: Alerter) -> Self {
        Self { alerter }
    }
}

impl Sink for Alerts {
    fn judged(&mut self, f: &Judged<'_>) {
        let a = f.assessment;
        if let Some(kind) = a.alert {
            let notice = self.alerter.notice(kind.name(), a.state.name(), a.reason().to_string(), a.score);
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

    fn config(&mut self, config: &Config) {
        self.alerter.update_settings(config.alerts.clone());
    }
}
