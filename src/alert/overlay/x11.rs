//! The overlay process (`headsup overlay`): one override-redirect X11
//! window over the whole X screen that takes no input (an empty input
//! shape, so every click reaches the window below) and is never managed,
//! so it never takes focus. With a compositor (an owner of `_NET_WM_CM_Sn`)
//! it is a 32-bit ARGB window drawn with soft rings or a dim sheet; without
//! one, transparency would show black, so a glow is the window's bounding
//! shape cut to four opaque strips per monitor, and a dim is refused.
//!
//! It reads levels (0-1, one per line) on stdin and eases towards the last
//! one. It can never be left on: it hides when no level came for
//! [`LEASE`], and it exits on end of input, which is also what the parent's
//! death (or its watcher thread's) looks like, and on the parent's death
//! signal.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::Event as XEvent;
use x11rb::protocol::randr::{self, ConnectionExt as _};
use x11rb::protocol::shape::{self, SK, SO};
use x11rb::protocol::xproto::{
    AtomEnum, ClipOrdering, ColormapAlloc, ConfigureWindowAux, ConnectionExt as _, CreateGCAux,
    CreateWindowAux, EventMask, PropMode, Rectangle, StackMode, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use super::draw::{self, Area};
use super::{OverlayError, Style};

/// A shown overlay with no level for this long hides itself.
pub const LEASE: Duration = Duration::from_secs(5);
/// Full level in about a second, gone in about a third of one.
const RISE_PER_S: f32 = 1.0;
const FALL_PER_S: f32 = 3.0;
/// Animation step while easing.
const STEP: Duration = Duration::from_millis(40);

enum Msg {
    Level(f32),
    /// Stdin closed: the parent is gone or done.
    End,
    /// Something to redraw (exposed, or the monitors changed).
    Redraw {
        monitors_changed: bool,
    },
    XGone(String),
}

/// Runs the overlay until its input ends. Says `ready composited` or
/// `ready opaque` (with the monitors) on stdout once the window exists.
pub fn run(style: Style) -> Result<(), OverlayError> {
    die_with_parent();
    let (conn, screen_num) = x11rb::connect(None).map_err(|e| OverlayError::Display(e.to_string()))?;
    let conn = Arc::new(conn);
    let composited = compositor(&conn, screen_num)?;
    if style == Style::Dim && !composited {
        return Err(OverlayError::NoCompositor);
    }
    let mut win = Window::create(&conn, screen_num, composited)?;
    let mut out = std::io::stdout().lock();
    let kind = if composited { "composited" } else { "opaque" };
    let _ = writeln!(out, "ready {kind} {} monitor(s)", win.monitors.len());
    let _ = out.flush();
    let (tx, rx) = mpsc::channel();
    spawn_stdin(tx.clone());
    spawn_events(Arc::clone(&conn), tx);
    let result = animate(&mut win, style, &rx);
    let _ = conn.destroy_window(win.id);
    let _ = conn.flush();
    result
}

/// The parent's death sends SIGTERM (Linux), should stdin outlive it.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
    }
}

fn compositor(conn: &RustConnection, screen: usize) -> Result<bool, OverlayError> {
    let name = format!("_NET_WM_CM_S{screen}");
    let atom = conn.intern_atom(false, name.as_bytes())?.reply()?.atom;
    Ok(conn.get_selection_owner(atom)?.reply()?.owner != x11rb::NONE)
}

/// The overlay's window and what it covers.
struct Window {
    conn: Arc<RustConnection>,
    id: u32,
    gc: u32,
    root: u32,
    composited: bool,
    monitors: Vec<Area>,
    mapped: bool,
}

impl Window {
    fn create(conn: &Arc<RustConnection>, screen_num: usize, composited: bool) -> Result<Self, OverlayError> {
        let screen = &conn.setup().roots[screen_num];
        let (root, w, h) = (screen.root, screen.width_in_pixels, screen.height_in_pixels);
        let id = conn.generate_id()?;
        let mut aux =
            CreateWindowAux::new().override_redirect(1).border_pixel(0).event_mask(EventMask::EXPOSURE);
        let (depth, visual) = if composited {
            let visual = screen
                .allowed_depths
                .iter()
                .filter(|d| d.depth == 32)
                .flat_map(|d| d.visuals.iter())
                .next()
                .ok_or(OverlayError::NoArgbVisual)?
                .visual_id;
            let colormap = conn.generate_id()?;
            conn.create_colormap(ColormapAlloc::NONE, colormap, root, visual)?;
            aux = aux.colormap(colormap).background_pixel(0);
            (32, visual)
        } else {
            let (r, g, b) = draw::AMBER;
            aux = aux.background_pixel(u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b));
            (screen.root_depth, screen.root_visual)
        };
        conn.create_window(depth, id, root, 0, 0, w, h, 0, WindowClass::INPUT_OUTPUT, visual, &aux)?;
        // Clicks go through: the input region is empty.
        shape::rectangles(&**conn, SO::SET, SK::INPUT, ClipOrdering::UNSORTED, id, 0, 0, &[])?;
        conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_CLASS,
            AtomEnum::STRING,
            b"headsup-overlay\0headsup\0",
        )?;
        conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            b"headsup overlay",
        )?;
        let gc = conn.generate_id()?;
        conn.create_gc(gc, id, &CreateGCAux::new())?;
        // Monitors plugged, unplugged or rearranged: redraw for the new set
        // (a server without RandR has one monitor, the screen, for good).
        let _ = randr::select_input(&**conn, root, randr::NotifyMask::SCREEN_CHANGE);
        let mut win =
            Window { conn: Arc::clone(conn), id, gc, root, composited, monitors: Vec::new(), mapped: false };
        win.monitors = win.read_monitors()?;
        conn.flush()?;
        Ok(win)
    }

    /// The monitors from RandR 1.5, or the whole screen as one.
    fn read_monitors(&self) -> Result<Vec<Area>, OverlayError> {
        let geometry = self.conn.get_geometry(self.root)?.reply()?;
        let whole = vec![Area { x: 0, y: 0, w: geometry.width, h: geometry.height }];
        let Ok(cookie) = self.conn.randr_get_monitors(self.root, true) else { return Ok(whole) };
        let monitors: Vec<Area> = match cookie.reply() {
            Ok(r) => r.monitors.iter().map(|m| Area { x: m.x, y: m.y, w: m.width, h: m.height }).collect(),
            Err(_) => Vec::new(),
        };
        self.conn.configure_window(
            self.id,
            &ConfigureWindowAux::new().width(u32::from(geometry.width)).height(u32::from(geometry.height)),
        )?;
        Ok(if monitors.is_empty() { whole } else { monitors })
    }

    /// Shows `level` of `style` (0 hides the window).
    fn draw(&mut self, style: Style, level: f32) -> Result<(), OverlayError> {
        let conn = Arc::clone(&self.conn);
        if level <= 0.0 {
            if self.mapped {
                conn.unmap_window(self.id)?;
                self.mapped = false;
            }
            return Ok(conn.flush()?);
        }
        if !self.composited {
            // Opaque strips: the shape is the drawing (the background fills it).
            let rects: Vec<Rectangle> = self
                .monitors
                .iter()
                .flat_map(|&m| draw::frame(m, 0, draw::strip_width(m, level)))
                .map(rect)
                .collect();
            shape::rectangles(&*conn, SO::SET, SK::BOUNDING, ClipOrdering::UNSORTED, self.id, 0, 0, &rects)?;
        }
        if !self.mapped {
            conn.map_window(self.id)?;
            conn.configure_window(self.id, &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE))?;
            self.mapped = true;
        }
        if self.composited {
            match style {
                Style::Glow => self.rings(level)?,
                Style::Dim => {
                    let whole: Vec<Rectangle> = self.monitors.iter().map(|&m| rect(m)).collect();
                    self.fill(draw::dim_pixel(level), &whole)?;
                }
            }
        }
        Ok(conn.flush()?)
    }

    /// The glow's rings on every monitor, from the edge in; rings past the
    /// band's reach are drawn clear, so a shrinking band leaves nothing.
    fn rings(&self, level: f32) -> Result<(), OverlayError> {
        let mut rects = Vec::with_capacity(4 * self.monitors.len());
        for i in 0..draw::RINGS {
            rects.clear();
            for &m in &self.monitors {
                let ring = draw::max_width(m).div_ceil(draw::RINGS as u16);
                let inset = ring * i as u16;
                rects.extend(draw::frame(m, inset, ring).map(rect));
            }
            self.fill(draw::argb(draw::AMBER, draw::ring_alpha(i, level)), &rects)?;
        }
        Ok(())
    }

    fn fill(&self, pixel: u32, rects: &[Rectangle]) -> Result<(), OverlayError> {
        use x11rb::protocol::xproto::ChangeGCAux;
        self.conn.change_gc(self.gc, &ChangeGCAux::new().foreground(pixel))?;
        self.conn.poly_fill_rectangle(self.id, self.gc, rects)?;
        Ok(())
    }
}

fn rect(a: Area) -> Rectangle {
    Rectangle { x: a.x, y: a.y, width: a.w, height: a.h }
}

/// Eases the drawn level towards the last one asked for until input ends.
fn animate(win: &mut Window, style: Style, rx: &Receiver<Msg>) -> Result<(), OverlayError> {
    let (mut shown, mut target) = (0.0f32, 0.0f32);
    let mut drawn = 0u8;
    let mut last_level = Instant::now();
    let mut last_step = Instant::now();
    loop {
        let easing = shown != target;
        let wait = if easing {
            Some(STEP)
        } else if target > 0.0 {
            Some(LEASE.saturating_sub(last_level.elapsed()))
        } else {
            None
        };
        let msg = match wait {
            Some(d) => rx.recv_timeout(d),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let mut redraw = false;
        match msg {
            Ok(Msg::Level(l)) => {
                target = l.clamp(0.0, 1.0);
                last_level = Instant::now();
            }
            Ok(Msg::End) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
            Ok(Msg::XGone(why)) => return Err(OverlayError::Display(why)),
            Ok(Msg::Redraw { monitors_changed }) => {
                if monitors_changed {
                    win.monitors = win.read_monitors()?;
                }
                redraw = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if target > 0.0 && last_level.elapsed() >= LEASE {
            eprintln!("headsup overlay: no level from the watcher for {LEASE:?}: hiding");
            target = 0.0;
        }
        // Easing starts from now after a quiet spell.
        let dt = if easing { last_step.elapsed().as_secs_f32() } else { 0.0 };
        last_step = Instant::now();
        shown = ease(shown, target, dt);
        let q = draw::quantize(shown);
        if q != drawn || redraw {
            drawn = q;
            win.draw(style, f32::from(q) / 64.0)?;
        }
    }
}

/// One step from `shown` towards `target` over `dt` seconds.
fn ease(shown: f32, target: f32, dt: f32) -> f32 {
    if target > shown { (shown + RISE_PER_S * dt).min(target) } else { (shown - FALL_PER_S * dt).max(target) }
}

/// Levels from stdin, one per line; a line that is not a number is said
/// and skipped.
fn spawn_stdin(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match line.trim().parse::<f32>() {
                Ok(l) if l.is_finite() => {
                    if tx.send(Msg::Level(l)).is_err() {
                        return;
                    }
                }
                _ => eprintln!("headsup overlay: ignoring {line:?}: expected a level from 0 to 1"),
            }
        }
        let _ = tx.send(Msg::End);
    });
}

/// X events: exposure and monitor changes mean a redraw; a lost
/// connection ends the overlay.
fn spawn_events(conn: Arc<RustConnection>, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match conn.wait_for_event() {
                Ok(XEvent::Expose(e)) if e.count == 0 => Msg::Redraw { monitors_changed: false },
                Ok(XEvent::RandrScreenChangeNotify(_)) => Msg::Redraw { monitors_changed: true },
                Ok(_) => continue,
                Err(e) => Msg::XGone(e.to_string()),
            };
            let gone = matches!(msg, Msg::XGone(_));
            if tx.send(msg).is_err() || gone {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easing_rises_in_a_second_and_falls_in_a_third() {
        assert!((ease(0.0, 1.0, 0.5) - 0.5).abs() < 1e-6);
        assert_eq!(ease(0.9, 1.0, 0.5), 1.0);
        assert_eq!(ease(1.0, 0.0, 0.2), 1.0 - 0.6);
        assert_eq!(ease(0.5, 0.0, 0.5), 0.0);
    }
}
