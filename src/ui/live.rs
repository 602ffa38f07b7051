//! The live tab: the alignment gauge in the state colours, the camera
//! preview with the landmarks and the calibrated ear line, and the
//! calibration wizard.

use std::sync::Arc;

use eframe::egui::{self, Color32, Pos2, Stroke, Vec2};

use super::{HeadsupApp, color_of};
use crate::watch::control::{Correct, Request, Setup};
use crate::watch::sinks::snapshot::Snapshot;

impl HeadsupApp {
    pub(super) fn live(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.view.mirror, "Mirror");
            ui.checkbox(&mut self.view.blur_image, "Blur");
            ui.checkbox(&mut self.view.hide_image, "Hide image (privacy)");
            // The runtime without its library path, so the row stays short.
            let runtime = snap.runtime.split(" (").next().unwrap_or("");
            ui.label(format!("{:.1} fps · CPU {:.1}% · {runtime}", snap.stats.fps, snap.stats.cpu_percent))
                .on_hover_text(format!("{}\n{}", snap.source, snap.runtime));
        });
        ui.horizontal(|ui| {
            self.gauge(ui, snap);
            ui.vertical(|ui| self.preview(ui, snap));
        });
        ui.separator();
        self.calibration(ui, snap);
    }

    /// The camera preview with the landmarks, the ear-shoulder lines and
    /// the calibrated ear line as a ghost (also the first run's camera step).
    pub(super) fn preview(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        if snap.preview_width > 0 {
            if self.cache.texture_seq != snap.seq {
                let (w, h) = (snap.preview_width as usize, snap.preview_height as usize);
                fill_preview(&mut self.cache.image, w, h, &snap.preview, self.view.blur_image);
                let img = egui::ImageData::Color(self.cache.image.clone());
                match &mut self.cache.texture {
                    Some(t) => t.set(img, egui::TextureOptions::LINEAR),
                    None => {
                        self.cache.texture =
                            Some(ui.ctx().load_texture("preview", img, egui::TextureOptions::LINEAR))
                    }
                }
                self.cache.texture_seq = snap.seq;
            }
            let size = Vec2::new(snap.preview_width as f32, snap.preview_height as f32);
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            let painter = ui.painter_at(rect);
            if self.view.hide_image {
                painter.rect_filled(rect, 4.0, Color32::from_gray(40));
            } else if let Some(t) = &self.cache.texture {
                let uv = if self.view.mirror {
                    egui::Rect::from_min_max(Pos2::new(1.0, 0.0), Pos2::new(0.0, 1.0))
                } else {
                    egui::Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0))
                };
                painter.image(t.id(), rect, uv, Color32::WHITE);
            }
            if let Some(lm) = snap.landmarks {
                let at = |i: usize| {
                    let x = if self.view.mirror { size.x - lm[i][0] } else { lm[i][0] };
                    rect.min + Vec2::new(x, lm[i][1])
                };
                let line = Stroke::new(3.0, Color32::from_rgb(255, 220, 0));
                // Ear-to-shoulder lines and the shoulder line.
                painter.line_segment([at(7), at(11)], line);
                painter.line_segment([at(8), at(12)], line);
                painter.line_segment([at(11), at(12)], Stroke::new(2.0, Color32::WHITE));
                for i in [0, 2, 5, 7, 8, 11, 12] {
                    painter.circle_filled(at(i), 4.0, Color32::from_rgb(0, 200, 255));
                }
                // The baseline as a ghost: where the ears sat when calibrated.
                if let Some(b) = &snap.baseline
                    && b.signals.ear_shoulder_gap.is_finite()
                {
                    let (l, r) = (at(11), at(12));
                    let width = (l - r).length();
                    let up = Vec2::new(0.0, -b.signals.ear_shoulder_gap * width);
                    painter.line_segment(
                        [l + up, r + up],
                        Stroke::new(2.0, Color32::from_rgba_unmultiplied(255, 255, 255, 120)),
                    );
                }
            }
        } else {
            ui.label("Waiting for the first frame…");
        }
    }

    pub(super) fn calibration(&mut self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.heading("Calibration");
        ui.add(
            egui::Label::new(
                "Sit as you do when your posture is good: back against the chair, screen at eye level, \
                 shoulders relaxed, facing the camera. Keep still for 5 seconds.",
            )
            .wrap(),
        );
        match &snap.calibration {
            Some(p) if !p.done => {
                ui.strong(p.prompt());
                ui.label(format!(
                    "Calibrating… {:.0} s left, {} of {} frames usable",
                    p.remaining_s.ceil(),
                    p.good_frames,
                    p.frames
                ));
                ui.label(format!("Last frame: {}", p.message));
            }
            other => {
                if let Some(p) = other {
                    ui.label(if p.ok {
                        format!("Done: {}", p.message)
                    } else {
                        format!("Not calibrated: {}", p.message)
                    });
                }
                if snap.baseline.is_none() {
                    ui.colored_label(
                        color_of(Some(crate::posture::State::Drifting)),
                        "Not calibrated yet: judgements are provisional.",
                    );
                }
                ui.horizontal(|ui| {
                    ui.label("Judge against");
                    for (setup, name) in
                        [(Setup::Default, "this profile"), (Setup::Desk, "desk"), (Setup::Laptop, "laptop")]
                    {
                        if ui.button(format!("use {name}")).clicked() {
                            self.send(Request::UseProfile { setup });
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("Save as");
                    for (setup, name) in
                        [(Setup::Default, "this profile"), (Setup::Desk, "desk"), (Setup::Laptop, "laptop")]
                    {
                        ui.selectable_value(&mut self.view.setup, setup, name);
                    }
                });
                ui.horizontal(|ui| {
                    if ui.button("Calibrate (5 s)").clicked() {
                        let (setup, screens) = (self.view.setup, self.view.screens);
                        self.send(Request::Calibrate { seconds: 5.0, setup, screens });
                    }
                    ui.label("for");
                    ui.selectable_value(&mut self.view.screens, 1, "one screen");
                    ui.selectable_value(&mut self.view.screens, 2, "two (main, then the other)");
                });
                if let Some(b) = &snap.baseline {
                    self.corrections(ui, snap, !b.corrections.is_empty());
                }
            }
        }
    }

    /// "That alert was wrong" / "you missed it", and taking them back.
    fn corrections(&self, ui: &mut egui::Ui, snap: &Snapshot, any: bool) {
        ui.horizontal(|ui| {
            for (what, label) in
                [(Correct::Wrong, "That alert was wrong"), (Correct::Missed, "You missed a slouch")]
            {
                if ui.button(label).clicked() {
                    self.send(Request::Correct { what });
                }
            }
            for (what, label) in [(Correct::Undo, "Undo"), (Correct::Reset, "Reset")] {
                if ui.add_enabled(any, egui::Button::new(label)).clicked() {
                    self.send(Request::Correct { what });
                }
            }
        });
        if let Some(said) = &snap.feedback {
            ui.label(said);
        }
    }

    /// A half-dial from 0 to 100: red up to the forward-head threshold,
    /// amber up to the good one, green above; the needle is the score.
    fn gauge(&self, ui: &mut egui::Ui, snap: &Snapshot) {
        let (fwd, good) = super::thresholds_for(self.form.sensitivity);
        let (rect, _) = ui.allocate_exact_size(Vec2::new(200.0, 130.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let centre = Pos2::new(rect.center().x, rect.top() + 110.0);
        let radius = 90.0;
        // Angle for a score: 0 at the left, 100 at the right.
        let at = |v: f32, r: f32| {
            let a = std::f32::consts::PI * (1.0 - v.clamp(0.0, 100.0) / 100.0);
            centre + Vec2::new(a.cos(), -a.sin()) * r
        };
        let red = color_of(Some(crate::posture::State::ForwardHead));
        let amber = color_of(Some(crate::posture::State::Drifting));
        let green = color_of(Some(crate::posture::State::Good));
        for (from, to, c) in [(0.0, fwd, red), (fwd, good, amber), (good, 100.0, green)] {
            let steps = ((to - from) / 2.0).ceil().max(1.0) as usize;
            let points: Vec<Pos2> =
                (0..=steps).map(|i| at(from + (to - from) * i as f32 / steps as f32, radius)).collect();
            painter.add(egui::Shape::line(points, Stroke::new(14.0, c)));
        }
        let score = snap.assessment.and_then(|a| a.score);
        // The number in the colour of the band it falls in.
        let band = |s: f32| {
            if s < fwd {
                red
            } else if s < good {
                amber
            } else {
                green
            }
        };
        let ink = score.map_or(ui.visuals().weak_text_color(), band);
        if let Some(s) = score {
            painter.line_segment([centre, at(s, radius - 4.0)], Stroke::new(3.0, ui.visuals().text_color()));
        }
        painter.circle_filled(centre, 5.0, ui.visuals().text_color());
        let text = score.map_or_else(|| "–".to_string(), |s| format!("{s:.0}"));
        painter.text(
            centre - Vec2::new(0.0, 36.0),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(28.0),
            ink,
        );
        painter.text(
            centre + Vec2::new(0.0, 12.0),
            egui::Align2::CENTER_CENTER,
            "alignment (100 = as calibrated)",
            egui::FontId::proportional(11.0),
            ui.visuals().weak_text_color(),
        );
    }
}

/// Writes the preview into `image` in place: egui lets go of its clone of
/// the `Arc` once the texture is uploaded, so from the second snapshot on
/// nothing is allocated or cloned per frame. `blur`: the privacy blur, the
/// preview averaged over 16-pixel blocks (the linear texture filter smooths
/// the blocks when it is drawn at full size).
pub(super) fn fill_preview(image: &mut Arc<egui::ColorImage>, w: usize, h: usize, rgb: &[u8], blur: bool) {
    const B: usize = 16;
    let size = if blur { [w.div_ceil(B), h.div_ceil(B)] } else { [w, h] };
    let img = Arc::make_mut(image);
    img.size = size;
    img.source_size = Vec2::new(size[0] as f32, size[1] as f32);
    img.pixels.resize(size[0] * size[1], Color32::BLACK);
    if !blur {
        for (px, c) in img.pixels.iter_mut().zip(rgb.chunks_exact(3)) {
            *px = Color32::from_rgb(c[0], c[1], c[2]);
        }
        return;
    }
    for (i, px) in img.pixels.iter_mut().enumerate() {
        let (bx, by) = (i % size[0], i / size[0]);
        let (mut sum, mut n) = ([0u32; 3], 0u32);
        for y in by * B..((by + 1) * B).min(h) {
            for x in bx * B..((bx + 1) * B).min(w) {
                let j = (y * w + x) * 3;
                for c in 0..3 {
                    sum[c] += u32::from(rgb[j + c]);
                }
                n += 1;
            }
        }
        let [r, g, b] = sum.map(|v| (v / n.max(1)) as u8);
        *px = Color32::from_rgb(r, g, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_rewritten_in_place() {
        let (w, h) = (40, 20);
        let mut rgb = vec![0u8; w * h * 3];
        rgb[..3].copy_from_slice(&[10, 20, 30]);
        let mut image = Arc::new(egui::ColorImage::default());
        fill_preview(&mut image, w, h, &rgb, false);
        assert_eq!((image.size, image.pixels[0]), ([w, h], Color32::from_rgb(10, 20, 30)));
        let at = image.pixels.as_ptr();
        // egui's clone for the upload is dropped once uploaded.
        drop(egui::ImageData::Color(image.clone()));
        rgb[..3].copy_from_slice(&[1, 2, 3]);
        fill_preview(&mut image, w, h, &rgb, false);
        assert_eq!((image.pixels.as_ptr(), image.pixels[0]), (at, Color32::from_rgb(1, 2, 3)));
        // The blur averages 16-pixel blocks: the first block's mean.
        fill_preview(&mut image, w, h, &rgb, true);
        assert_eq!(image.size, [3, 2]);
        assert_eq!(image.pixels[0], Color32::from_rgb(0, 0, 0));
        assert_eq!(image.pixels.as_ptr(), at, "shrinking keeps the allocation");
    }
}
