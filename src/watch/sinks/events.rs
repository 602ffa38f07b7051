//! The `--events` log: one JSON object per line and [`Event`], flushed per
//! line so a reader sees events at once. Keys are sorted, as they always
//! were, so logs compare line by line across versions.

use std::io::Write;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::Sink;
use crate::clock;
use crate::watch::Event;

pub struct EventLog {
    out: Option<Box<dyn Write + Send>>,
    /// Wall-clock instant of t = 0.
    start: SystemTime,
}

impl EventLog {
    pub fn new(out: Box<dyn Write + Send>, start: SystemTime) -> Self {
        Self { out: Some(out), start }
    }

    fn line(&self, t: f64, event: &Event) -> Option<String> {
        let mut v = serde_json::to_value(event).ok()?;
        let obj = v.as_object_mut()?;
        obj.insert("t".into(), ((t * 1000.0).round() / 1000.0).into());
        let time = self.start + Duration::from_secs_f64(t.max(0.0));
        obj.insert("time".into(), Value::String(clock::rfc3339(time)));
        Some(v.to_string())
    }
}

impl Sink for EventLog {
    fn event(&mut self, t: f64, event: &Event) {
        let Some(line) = self.line(t, event) else { return };
        let Some(out) = self.out.as_mut() else { return };
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            tracing::warn!("cannot write to the events log; no more events will be written");
            self.out = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_carry_kind_t_time_and_sorted_fields() {
        let buf = Shared::default();
        let mut log = EventLog::new(Box::new(buf.clone()), SystemTime::UNIX_EPOCH);
        log.event(1.23456, &Event::CameraFound { source: "camera 0".into() });
        let text = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf8");
        let v: Value = serde_json::from_str(text.trim()).expect("json");
        assert_eq!(v["event"], "camera_found");
        assert_eq!(v["t"], 1.235);
        assert!(
            text.starts_with(r#"{"event":"camera_found","source":"camera 0","t":1.235,"time":""#),
            "{text}"
        );
    }
}
