//! The `--events` log: one JSON object per line and event, each with
//! `event`, `t` (seconds since the source started, on the replay's
//! simulated clock or the wall clock) and `time` (RFC 3339), plus the
//! event's own fields. Flushed per line so a reader sees events at once.

use std::io::Write;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::clock;

pub struct EventLog {
    out: Option<Box<dyn Write + Send>>,
    /// Wall-clock instant of t = 0.
    start: SystemTime,
    count: usize,
}

impl EventLog {
    pub fn new(out: Option<Box<dyn Write + Send>>, start: SystemTime) -> Self {
        Self { out, start, count: 0 }
    }

    /// Writes `{"event": name, "t": t, "time": …, ...fields}`.
    pub fn emit(&mut self, t: f64, name: &str, fields: Value) {
        self.count += 1;
        let Some(out) = self.out.as_mut() else { return };
        let mut obj = Map::new();
        obj.insert("event".into(), name.into());
        obj.insert("t".into(), ((t * 1000.0).round() / 1000.0).into());
        let time = self.start + Duration::from_secs_f64(t.max(0.0));
        obj.insert("time".into(), clock::rfc3339(time).into());
        if let Value::Object(extra) = fields {
            obj.extend(extra);
        }
        let line = Value::Object(obj).to_string();
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            tracing::warn!("cannot write to the events log; no more events will be written");
            self.out = None;
        }
    }

    /// Events emitted so far (also those not written anywhere).
    pub fn count(&self) -> usize {
        self.count
    }
}
