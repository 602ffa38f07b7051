//! The guidance tab: what forward head posture is, the screen, breaks,
//! stretches, and when to see a doctor (headsup is not a medical device).

use eframe::egui;

use super::HeadsupApp;

impl HeadsupApp {
    pub(super) fn guidance(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Forward head posture");
            ui.label(
                "When the head drifts forward of the shoulders, the neck muscles carry far more of its weight. \
                 Hours of it tighten the upper trapezius and can make the neck and shoulders ache.",
            );
            ui.heading("Your screen");
            ui.label(
                "Put the top of the screen at eye level and about an arm's length away: a screen that is too low \
                 pulls the head down and forward. Take a short break every 30 minutes.",
            );
            ui.heading("Stretches");
            for s in self.cache.stretches.all() {
                ui.label(egui::RichText::new(&s.name).strong());
                ui.label(&s.text);
            }
            ui.heading("Not a medical device");
            ui.label(
                "headsup cannot diagnose anything. See a doctor if you have numbness, tingling or weakness in your \
                 arms or hands, pain after an injury, or neck pain that does not ease.",
            );
        });
    }
}
