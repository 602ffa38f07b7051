//! Work the window must not wait for (listing cameras, reading the
//! journal): done on a thread of its own, the result picked up on a later
//! frame, with a repaint asked for when it is ready.

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use eframe::egui;

/// A value computed in the background and refreshed when it gets old.
pub struct Background<T> {
    pending: Option<Receiver<T>>,
    value: Option<(Instant, T)>,
}

impl<T> Default for Background<T> {
    fn default() -> Self {
        Self { pending: None, value: None }
    }
}

impl<T: Send + 'static> Background<T> {
    /// The latest value, if one has come. Starts computing a new one with
    /// `work` when there is none or it is older than `max_age`; the window
    /// is repainted when it is ready.
    pub fn get(
        &mut self,
        max_age: Duration,
        ctx: &egui::Context,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<&T> {
        if let Some(rx) = &self.pending
            && let Ok(v) = rx.try_recv()
        {
            self.value = Some((Instant::now(), v));
            self.pending = None;
        }
        let stale = self.value.as_ref().is_none_or(|(at, _)| at.elapsed() > max_age);
        if stale && self.pending.is_none() {
            let (tx, rx) = channel();
            let ctx = ctx.clone();
            let spawned = std::thread::Builder::new().name("window-io".into()).spawn(move || {
                let _ = tx.send(work());
                ctx.request_repaint();
            });
            match spawned {
                Ok(_) => self.pending = Some(rx),
                Err(e) => tracing::warn!("cannot start a background read: {e}"),
            }
        }
        self.value.as_ref().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_comes_later_and_is_refreshed_when_old() {
        let ctx = egui::Context::default();
        let mut b: Background<u32> = Background::default();
        let (gate_tx, gate) = channel::<()>();
        assert_eq!(b.get(Duration::from_secs(60), &ctx, move || gate.recv().map(|()| 7).unwrap_or(0)), None);
        // The caller is not held up while the work waits.
        assert_eq!(b.get(Duration::from_secs(60), &ctx, || 8), None);
        gate_tx.send(()).expect("release");
        let start = Instant::now();
        while b.get(Duration::from_secs(60), &ctx, || 9).is_none() {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(b.get(Duration::from_secs(60), &ctx, || 9), Some(&7));
        // Older than the age asked for: computed again, the old value shown meanwhile.
        let start = Instant::now();
        while b.get(Duration::ZERO, &ctx, || 10) != Some(&10) {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
