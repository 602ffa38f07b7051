//! The journal's writer thread: the watcher sends small entries over a
//! channel and never waits on the disk. Frames are folded into the current
//! minute, which is upserted every few seconds and when the minute ends;
//! everything else is written in batches. A kill loses at most the last few
//! seconds. When the disk is full or read-only the writer says so once and
//! carries on without writing; the watcher keeps running.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{AlertRow, CorrectionRow, Episode, Journal, JournalError, MinuteRow};
use crate::posture::State;

/// How often the growing current minute is written.
const FLUSH_EVERY: Duration = Duration::from_secs(3);

/// What the watcher records. Times are unix seconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Frame(FrameEntry),
    Episode(Episode),
    Alert(AlertRow),
    AlertCorrected { time: f64, after_s: f64 },
    Pause { start: f64, end: f64, kind: &'static str },
    Break { time: f64, kind: &'static str },
    Calibration { time: f64, profile: String, view: String },
    ConfigChange { time: f64, ok: bool, detail: String },
    Correction(CorrectionRow),
}

/// One judged frame covering `dt` seconds, with the signals the minutes average.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameEntry {
    pub time: f64,
    pub dt: f64,
    pub state: State,
    pub score: Option<f32>,
    pub gap: f32,
    pub head_width: f32,
    pub forward_m: f32,
}

/// The sending end; dropping it flushes and closes the journal.
pub struct JournalWriter {
    tx: Option<Sender<Entry>>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

impl JournalWriter {
    /// Opens (or creates) the journal at `path` and starts the writer.
    /// Problems while writing later are reported once on `warn`.
    pub fn spawn(path: &Path, warn: Sender<String>) -> Result<Self, JournalError> {
        let journal = Journal::open(path)?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || write_loop(journal, rx, warn))
            .map_err(|e| JournalError::Db { path: path.to_path_buf(), message: e.to_string() })?;
        Ok(Self { tx: Some(tx), thread: Some(thread), path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn send(&self, entry: Entry) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(entry);
        }
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Folds frames into the minute they fall in.
#[derive(Default)]
struct Minute {
    row: MinuteRow,
    dirty: bool,
}

impl Minute {
    fn add(&mut self, f: &FrameEntry) {
        let FrameEntry { time, dt, state, score, gap, head_width, forward_m } = *f;
        let r = &mut self.row;
        r.minute = (time / 60.0).floor() as i64;
        r.monitored_s += dt;
        match state {
            State::Good => r.good_s += dt,
            State::Drifting => r.drifting_s += dt,
            State::ForwardHead => r.forward_head_s += dt,
            State::CannotAssess => r.cannot_assess_s += dt,
        }
        if let Some(s) = score {
            let s = f64::from(s);
            r.score_sum += s;
            r.score_n += 1;
            r.score_min = Some(r.score_min.map_or(s, |m| m.min(s)));
        }
        if gap.is_finite() && head_width.is_finite() {
            r.gap_sum += f64::from(gap);
            r.head_width_sum += f64::from(head_width);
            r.forward_m_sum += if forward_m.is_finite() { f64::from(forward_m) } else { 0.0 };
            r.signal_n += 1;
        }
        self.dirty = true;
    }
}

fn write_loop(mut journal: Journal, rx: Receiver<Entry>, warn: Sender<String>) {
    let mut current: Option<Minute> = None;
    let mut pending: Vec<Entry> = Vec::new();
    let mut last_flush = Instant::now();
    let mut failing = false;
    loop {
        let msg = rx.recv_timeout(Duration::from_millis(500));
        let closed = matches!(msg, Err(RecvTimeoutError::Disconnected));
        if let Ok(entry) = msg {
            match entry {
                Entry::Frame(f) => {
                    let minute = (f.time / 60.0).floor() as i64;
                    if current.as_ref().is_some_and(|m| m.row.minute != minute) {
                        // The minute is over: write it now, final.
                        if let Some(done) = current.take() {
                            flush(&mut journal, &mut pending, Some(&done.row), &warn, &mut failing);
                        }
                    }
                    if current.is_none() {
                        // A minute already in the journal (a restart within the
                        // minute, an earlier replay) is added to, not replaced.
                        let base = journal.minute(minute).ok().flatten().unwrap_or_default();
                        current = Some(Minute { row: base, dirty: false });
                    }
                    if let Some(m) = current.as_mut() {
                        m.add(&f);
                    }
                }
                other => pending.push(other),
            }
        }
        if closed || last_flush.elapsed() >= FLUSH_EVERY {
            let minute = current.as_mut().filter(|m| m.dirty).map(|m| {
                m.dirty = false;
                m.row
            });
            flush(&mut journal, &mut pending, minute.as_ref(), &warn, &mut failing);
            last_flush = Instant::now();
        }
        if closed {
            break;
        }
    }
}

/// Writes the pending entries and the minute in one transaction.
fn flush(
    journal: &mut Journal,
    pending: &mut Vec<Entry>,
    minute: Option<&MinuteRow>,
    warn: &Sender<String>,
    failing: &mut bool,
) {
    if pending.is_empty() && minute.is_none() {
        return;
    }
    let result = journal.batch(|b| {
        if let Some(m) = minute {
            b.put_minute(m)?;
        }
        for e in pending.iter() {
            match e {
                Entry::Frame(_) => {}
                Entry::Episode(ep) => {
                    b.put_episode(ep)?;
                }
                Entry::Alert(a) => {
                    b.put_alert(a)?;
                }
                Entry::AlertCorrected { time, after_s } => {
                    b.alert_corrected(*time, *after_s)?;
                }
                Entry::Pause { start, end, kind } => {
                    b.put_pause(*start, *end, kind)?;
                }
                Entry::Break { time, kind } => {
                    b.put_break(*time, kind)?;
                }
                Entry::Calibration { time, profile, view } => {
                    b.put_calibration(*time, profile, view)?;
                }
                Entry::ConfigChange { time, ok, detail } => {
                    b.put_config_change(*time, *ok, detail)?;
                }
                Entry::Correction(c) => {
                    b.put_correction(c)?;
                }
            }
        }
        Ok(())
    });
    pending.clear();
    match result {
        Ok(()) => {
            if *failing {
                *failing = false;
                let _ = warn.send(format!("journal {} is writable again", journal.path().display()));
            }
        }
        Err(e) if !*failing => {
            *failing = true;
            let _ = warn.send(format!("{e}; journal paused, watching goes on"));
        }
        Err(_) => {}
    }
}
