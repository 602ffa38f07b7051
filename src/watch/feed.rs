//! The capture feed: frames from the camera (or a replay) for the watcher.
//!
//! A live source (the camera, a `--realtime` replay) is read on its own
//! thread into a one-frame slot: only the newest frame is kept and
//! overwritten ones are counted as dropped; the thread paces reads at the
//! watcher's adaptive rate, releases the device (light off) while the
//! watcher is not watching, and retries a device that is gone, busy or
//! stalled, with backoff. A replay without `--realtime` is read on the
//! watcher's thread instead, every frame, on its simulated clock.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::SourceSpec;
use crate::capture::{CaptureError, FrameMeta, FrameSource, Read, camera::Webcam, replay};

/// What the capture side hands over.
pub enum Item {
    Frame(FrameMeta),
    /// Nothing new yet (live sources).
    Idle,
    End,
    BadFrame(String),
    /// The camera is gone, busy or stalled (the message says which).
    Lost(CaptureError),
    /// It is back, under this name; `t`: when, on a replay's clock.
    Found {
        name: String,
        t: Option<f64>,
    },
}

/// Frames for the watcher, from whichever source.
pub enum Feed {
    /// A replay read on the watcher's thread, every frame. A replay plan's
    /// scripted outage is `lost` until its next frame, which is `held`
    /// while the camera's return is told.
    Direct { source: Box<dyn FrameSource>, lost: bool, held: Option<FrameMeta> },
    /// The camera or a `--realtime` replay, read on the capture thread;
    /// `thread` is `None` while a camera that could not be reopened after a
    /// switch is looked for again.
    Live { spec: SourceSpec, realtime: bool, thread: Option<Threaded>, started: Instant, retry: Instant },
}

/// How often a camera that could not be reopened is tried again.
const REOPEN_EVERY: Duration = Duration::from_secs(2);

impl Feed {
    /// Opens the source; returns the feed and the source's name.
    pub fn open(spec: &SourceSpec, realtime: bool) -> Result<(Self, String), CaptureError> {
        if matches!(spec, SourceSpec::Camera(_)) || realtime {
            let (thread, name) = Threaded::spawn(spec.clone(), realtime)?;
            let now = Instant::now();
            let feed =
                Feed::Live { spec: spec.clone(), realtime, thread: Some(thread), started: now, retry: now };
            Ok((feed, name))
        } else {
            let source = open_source(spec)?;
            let name = source.name().to_string();
            Ok((Feed::Direct { source, lost: false, held: None }, name))
        }
    }

    /// Whether frames come from a replay (which, once gone, does not come
    /// back unless a plan scripted the outage).
    pub fn is_replay(&self) -> bool {
        matches!(self, Feed::Direct { .. } | Feed::Live { spec: SourceSpec::Replay { .. }, .. })
    }

    /// Whether the feed paces itself; a direct replay hands over every
    /// frame and the watcher skips those not due.
    pub fn paced(&self) -> bool {
        matches!(self, Feed::Live { .. })
    }

    /// The clock of a feed whose frames carry no time of their own (the
    /// camera; a realtime replay while nothing is read): seconds since it
    /// opened. `None`: the frames' own times are the clock.
    pub fn clock(&self, watching: bool) -> Option<f64> {
        match self {
            Feed::Live { realtime, started, .. } if !realtime || !watching => {
                Some(started.elapsed().as_secs_f64())
            }
            _ => None,
        }
    }

    /// Tells the capture thread the frame rate, and to hold the device
    /// only while watching.
    pub fn set_rate(&self, watching: bool, fps: f64) {
        if let Feed::Live { thread: Some(th), .. } = self {
            th.set_mode(if watching { 0 } else { 1 });
            th.shared.interval_ms.store((1000.0 / fps) as u64, Ordering::Relaxed);
        }
    }

    /// The next item, waiting at most a fraction of a second (a live feed
    /// that is not watching just waits).
    pub fn next(&mut self, buf: &mut Vec<u8>, watching: bool) -> Item {
        match self {
            Feed::Direct { source, lost, held } => {
                if let Some(meta) = held.take() {
                    return Item::Frame(meta);
                }
                match source.read(buf) {
                    Ok(Read::Frame(meta)) if std::mem::take(lost) => {
                        *held = Some(meta);
                        Item::Found { name: source.name().to_string(), t: meta.t }
                    }
                    Ok(Read::Frame(meta)) => Item::Frame(meta),
                    Ok(Read::Pending) => Item::Idle,
                    Ok(Read::End) => Item::End,
                    Err(e) if e.is_bad_frame() => Item::BadFrame(e.to_string()),
                    Err(e) => {
                        *lost = e.is_transient();
                        Item::Lost(e)
                    }
                }
            }
            Feed::Live { thread: Some(th), .. } => {
                if !watching {
                    std::thread::sleep(Duration::from_millis(100));
                    return Item::Idle;
                }
                th.next(buf)
            }
            Feed::Live { spec, thread, retry, .. } => {
                std::thread::sleep(Duration::from_millis(100));
                if retry.elapsed() < REOPEN_EVERY {
                    return Item::Idle;
                }
                *retry = Instant::now();
                match Threaded::spawn(spec.clone(), false) {
                    Ok((th, name)) => {
                        *thread = Some(th);
                        Item::Found { name, t: None }
                    }
                    Err(_) => Item::Idle,
                }
            }
        }
    }

    /// Opens another camera (the settings changed): what it gave.
    pub fn switch(&mut self, to: SourceSpec) -> Item {
        let Feed::Live { spec, thread, retry, .. } = self else { return Item::Idle };
        *spec = to;
        // The old device is let go before the new one is opened.
        *thread = None;
        *retry = Instant::now();
        match Threaded::spawn(spec.clone(), false) {
            Ok((th, name)) => {
                *thread = Some(th);
                Item::Found { name, t: None }
            }
            Err(e) => Item::Lost(e),
        }
    }

    /// Frames read and dropped by the capture thread so far.
    pub fn counts(&self) -> Option<(u64, u64)> {
        match self {
            Feed::Live { thread: Some(th), .. } => Some(th.counts()),
            _ => None,
        }
    }
}

/// The capture thread's side of the one-frame slot.
struct Slot {
    buf: Vec<u8>,
    meta: Option<FrameMeta>,
    fresh: bool,
    ended: bool,
    status: Vec<Item>,
    dropped: u64,
    read: u64,
}

struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
    /// 0 run, 1 release the device, 2 stop.
    mode: AtomicU8,
    /// Minimum milliseconds between camera reads (adaptive rate).
    interval_ms: AtomicU64,
}

/// Frames from the capture thread.
pub struct Threaded {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Threaded {
    fn spawn(spec: SourceSpec, realtime_replay: bool) -> Result<(Self, String), CaptureError> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot {
                buf: Vec::new(),
                meta: None,
                fresh: false,
                ended: false,
                status: Vec::new(),
                dropped: 0,
                read: 0,
            }),
            ready: Condvar::new(),
            mode: AtomicU8::new(0),
            interval_ms: AtomicU64::new(0),
        });
        let (name_tx, name_rx) = std::sync::mpsc::channel();
        let sh = shared.clone();
        let spec_for_error = spec.clone();
        let thread = std::thread::Builder::new()
            .name("capture".into())
            .spawn(move || capture_loop(spec, realtime_replay, sh, name_tx))
            .map_err(|e| CaptureError::Camera { name: "capture thread".into(), message: e.to_string() })?;
        // Opening never blocks for long (reads wait in short slices); the
        // bound only guards against a driver that hangs in open().
        let name = match name_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(r) => r?,
            Err(_) => {
                shared.mode.store(2, Ordering::Relaxed);
                return Err(CaptureError::Camera {
                    name: spec_name(&spec_for_error),
                    message: "the camera did not answer within 10 s".into(),
                });
            }
        };
        Ok((Self { shared, thread: Some(thread) }, name))
    }

    fn set_mode(&self, mode: u8) {
        self.shared.mode.store(mode, Ordering::Relaxed);
    }

    /// Waits briefly for a new frame and swaps it into `buf`.
    fn next(&mut self, buf: &mut Vec<u8>) -> Item {
        let Ok(mut slot) = self.shared.slot.lock() else { return Item::End };
        if !slot.fresh && slot.status.is_empty() && !slot.ended {
            slot = match self.shared.ready.wait_timeout(slot, Duration::from_millis(200)) {
                Ok((s, _)) => s,
                Err(_) => return Item::End,
            };
        }
        if !slot.status.is_empty() {
            return slot.status.remove(0);
        }
        if slot.fresh {
            slot.fresh = false;
            std::mem::swap(buf, &mut slot.buf);
            return slot.meta.map_or(Item::Idle, Item::Frame);
        }
        if slot.ended { Item::End } else { Item::Idle }
    }

    fn counts(&self) -> (u64, u64) {
        self.shared.slot.lock().map(|s| (s.read, s.dropped)).unwrap_or((0, 0))
    }
}

impl Drop for Threaded {
    /// Stops the capture thread. It notices within a read slice; should a
    /// driver hang in a call, the thread is left behind rather than the
    /// watcher hanging on it (the process exit takes it down).
    fn drop(&mut self) {
        self.set_mode(2);
        if let Some(t) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            } else {
                tracing::warn!("the capture thread did not stop within 2 s; leaving it");
            }
        }
    }
}

fn spec_name(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Camera(r) => format!("camera {}", r.index),
        SourceSpec::Replay { path, .. } => format!("replay {}", path.display()),
    }
}

fn open_source(spec: &SourceSpec) -> Result<Box<dyn FrameSource>, CaptureError> {
    match spec {
        SourceSpec::Camera(request) => Ok(Box::new(Webcam::new(*request))),
        SourceSpec::Replay { path, fps } => replay::open(path, *fps),
    }
}

/// Opens the source and reads its first frame, so that a camera that is
/// missing or forbidden at start is an error for the user to fix; one that
/// is busy (a call) is waited for. Tells the watcher the name, or the error.
fn open_first(
    spec: &SourceSpec,
    buf: &mut Vec<u8>,
    name_tx: &std::sync::mpsc::Sender<Result<String, CaptureError>>,
) -> Option<(Box<dyn FrameSource>, Result<Read, CaptureError>)> {
    let opened = open_source(spec).and_then(|mut source| match source.read(buf) {
        Err(e) if !e.is_bad_frame() && !matches!(e, CaptureError::Busy { .. }) => Err(e),
        first => Ok((source, first)),
    });
    match opened {
        Ok((source, first)) => {
            let _ = name_tx.send(Ok(source.name().to_string()));
            Some((source, first))
        }
        Err(e) => {
            let _ = name_tx.send(Err(e));
            None
        }
    }
}

impl Shared {
    fn push(&self, item: Item) {
        if let Ok(mut s) = self.slot.lock() {
            s.status.push(item);
            self.ready.notify_one();
        }
    }

    /// Swaps a new frame into the slot; one not taken yet counts as dropped.
    fn publish(&self, buf: &mut Vec<u8>, meta: FrameMeta) {
        if let Ok(mut s) = self.slot.lock() {
            if s.fresh {
                s.dropped += 1;
            }
            s.read += 1;
            std::mem::swap(&mut s.buf, buf);
            s.meta = Some(meta);
            s.fresh = true;
            self.ready.notify_one();
        }
    }

    fn end(&self) {
        if let Ok(mut s) = self.slot.lock() {
            s.ended = true;
            self.ready.notify_one();
        }
    }

    /// Waits `seconds`, or less when told to stop.
    fn wait(&self, seconds: f64) {
        let until = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < until && self.mode.load(Ordering::Relaxed) != 2 {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Reads frames into the slot until told to stop. Device trouble (gone,
/// busy, stalled) is reported once and retried with backoff; the camera is
/// released while the watcher is paused or snoozed. Reads wait at most a
/// short slice, so a stop or a pause is seen promptly even mid-stall.
fn capture_loop(
    spec: SourceSpec,
    realtime_replay: bool,
    sh: Arc<Shared>,
    name_tx: std::sync::mpsc::Sender<Result<String, CaptureError>>,
) {
    let mut buf = Vec::new();
    let Some((mut source, first)) = open_first(&spec, &mut buf, &name_tx) else { return };
    let start = Instant::now();
    let mut backoff = 1.0f64;
    let mut first = Some(first);
    let mut lost = false;
    let mut last_read: Option<Instant> = None;
    loop {
        match sh.mode.load(Ordering::Relaxed) {
            2 => break,
            1 => {
                source.release();
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            _ => {}
        }
        // Adaptive rate: wait until the next frame is due.
        let interval = Duration::from_millis(sh.interval_ms.load(Ordering::Relaxed));
        if let Some(last) = last_read
            && last.elapsed() < interval
            && source.is_live()
        {
            std::thread::sleep((interval - last.elapsed()).min(Duration::from_millis(100)));
            continue;
        }
        match first.take().unwrap_or_else(|| source.read(&mut buf)) {
            Ok(Read::Frame(meta)) => {
                if std::mem::take(&mut lost) {
                    backoff = 1.0;
                    sh.push(Item::Found { name: source.name().to_string(), t: meta.t });
                }
                if realtime_replay && let Some(t) = meta.t {
                    // Pace the replay like a camera.
                    if let Some(wait) = Duration::from_secs_f64(t).checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
                last_read = Some(Instant::now());
                sh.publish(&mut buf, meta);
            }
            Ok(Read::Pending) => {}
            Ok(Read::End) => {
                sh.end();
                break;
            }
            Err(e) if e.is_bad_frame() => {
                // An unreadable frame takes its turn at the adaptive rate too.
                last_read = Some(Instant::now());
                sh.push(Item::BadFrame(e.to_string()));
            }
            Err(e) if e.is_transient() => {
                source.release();
                // A missing device is looked for every second (a failed
                // open costs nothing, and a replug is picked up at once);
                // a busy or stalled one is retried after 1, 2, 4 … 30 s.
                let wait = match e {
                    CaptureError::NoCamera { .. } | CaptureError::Disconnected { .. } => 1.0,
                    _ => {
                        let next = (backoff * 2.0).min(30.0);
                        std::mem::replace(&mut backoff, next)
                    }
                };
                if !std::mem::replace(&mut lost, true) {
                    sh.push(Item::Lost(e));
                }
                sh.wait(wait);
            }
            Err(e) => {
                sh.push(Item::Lost(e));
                sh.end();
                break;
            }
        }
    }
    source.release();
}
