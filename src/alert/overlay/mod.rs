//! The screen-edge alert styles, `glow` and `dim`: a band at the edges of
//! every monitor that grows while a forward head lasts, or a gentle dim,
//! drawn by a child process (`headsup overlay`, in [`x11`]) fed levels on
//! a pipe. A separate process because it can then never be left on: when
//! the watcher, its thread or the whole program ends, the pipe closes and
//! the overlay exits; a watcher that stops talking is hidden after a lease.
//! [`level`] turns a judged frame into the level; [`draw`] the level into
//! shapes.

pub mod draw;
pub mod level;
pub mod x11;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

pub use level::Level;

/// What the overlay shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Glow,
    Dim,
}

impl Style {
    /// The overlay an alert style draws, if it draws one.
    pub fn of(style: crate::config::AlertStyle) -> Option<Style> {
        use crate::config::AlertStyle;
        match style {
            AlertStyle::Glow => Some(Style::Glow),
            AlertStyle::Dim => Some(Style::Dim),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Style::Glow => "glow",
            Style::Dim => "dim",
        }
    }
}

impl std::str::FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "glow" => Ok(Style::Glow),
            "dim" => Ok(Style::Dim),
            _ => Err(format!("unknown overlay style {s:?}; expected glow or dim")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    #[error("cannot use the X display ({0}); the glow and the dim need X11 or XWayland")]
    Display(String),
    #[error(
        "the dim needs a compositing window manager (no owner of _NET_WM_CM_S0), without one \
         it would black the screen out; style = \"glow\" works without one (opaque edge strips)"
    )]
    NoCompositor,
    #[error("the X server offers no 32-bit visual for a transparent window")]
    NoArgbVisual,
    #[error("X11: {0}")]
    Connection(#[from] x11rb::errors::ConnectionError),
    #[error("X11: {0}")]
    Reply(#[from] x11rb::errors::ReplyError),
    #[error("X11: {0}")]
    Id(#[from] x11rb::errors::ReplyOrIdError),
    #[error("cannot start the overlay process: {0}")]
    Spawn(#[source] std::io::Error),
}

/// What the overlay process said about itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Its window exists: `composited` or `opaque`, and the monitors.
    Ready(String),
    /// It could not start, or ended; in its own words.
    Failed(String),
}

/// A running overlay process, fed levels on its stdin.
pub struct Overlay {
    child: Child,
    stdin: Option<ChildStdin>,
    status: Receiver<Status>,
    /// The last level sent (in 1/64 steps) and when.
    sent: Option<(u8, Instant)>,
    pub style: Style,
}

/// A shown level is repeated this often, well inside the overlay's lease.
const KEEPALIVE: Duration = Duration::from_secs(1);

impl Overlay {
    /// Starts `headsup overlay --style …` from this very executable.
    pub fn spawn(style: Style) -> Result<Self, OverlayError> {
        let exe = std::env::current_exe().map_err(OverlayError::Spawn)?;
        let mut child = Command::new(exe)
            .args(["overlay", "--style", style.name()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(OverlayError::Spawn)?;
        let (tx, status) = mpsc::channel();
        let (out, err) = (child.stdout.take(), child.stderr.take());
        std::thread::Builder::new()
            .name("overlay".into())
            .spawn(move || {
                let mut line = String::new();
                let ready = out.is_some_and(|o| BufReader::new(o).read_line(&mut line).is_ok_and(|n| n > 0));
                let Some(mut err) = err else { return };
                if ready {
                    let _ = tx.send(Status::Ready(line.trim().to_string()));
                    let mut last = String::from("the overlay process ended");
                    for l in BufReader::new(err).lines().map_while(Result::ok) {
                        tracing::warn!("{l}");
                        last = l.trim_start_matches("headsup: error: ").to_string();
                    }
                    // Unheard when the overlay was closed on purpose.
                    let _ = tx.send(Status::Failed(last));
                } else {
                    let mut text = String::new();
                    let _ = err.read_to_string(&mut text);
                    let why = text.trim().trim_start_matches("headsup: error: ");
                    let _ = tx.send(Status::Failed(why.to_string()));
                }
            })
            .map_err(OverlayError::Spawn)?;
        let stdin = child.stdin.take();
        Ok(Overlay { child, stdin, status, sent: None, style })
    }

    /// Asks for `level` (0 hides). Sent when it changes, and repeated while
    /// shown so the overlay's lease does not run out.
    pub fn show(&mut self, level: f32) {
        let q = draw::quantize(level);
        let due = match self.sent {
            Some((last, at)) => last != q || (q > 0 && at.elapsed() >= KEEPALIVE),
            None => true,
        };
        if !due {
            return;
        }
        let Some(stdin) = self.stdin.as_mut() else { return };
        if writeln!(stdin, "{:.4}", f32::from(q) / 64.0).and_then(|_| stdin.flush()).is_err() {
            // The overlay is gone; `poll` says why.
            self.stdin = None;
        }
        self.sent = Some((q, Instant::now()));
    }

    /// What the overlay said since the last poll.
    pub fn poll(&mut self) -> Option<Status> {
        self.status.try_recv().ok()
    }
}

impl Drop for Overlay {
    /// Closes the pipe (the overlay hides and exits) and reaps it.
    fn drop(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
