//! The screen-edge alert styles through the real binary on a real X server
//! (Xvfb), with a real compositor (xcompmgr) and without one: during a
//! forward-head replay a screenshot shows the band at the edges of both
//! monitors, a click at the centre reaches the window below (which records
//! it), and after recovery the screen is exactly as it was. Snooze hides
//! it, and killing the watcher leaves no overlay behind.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::randr::ConnectionExt as _;
use x11rb::protocol::xproto::{
    AtomEnum, ConnectionExt as _, CreateWindowAux, EventMask, ImageFormat, MapState, WindowClass,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use crate::common::*;
use crate::ui::{Xvfb, wait_exit_within, wait_for};

const W: u16 = 1024;
const H: u16 = 768;

/// A compositing manager on the display, stopped on drop.
struct Compositor(Child);

impl Compositor {
    fn start(x: &Xvfb) -> Self {
        let child = std::process::Command::new("xcompmgr")
            .env("DISPLAY", &x.display)
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the overlay tests need xcompmgr (apt-get install xcompmgr; .ci/run does): {e}")
            });
        let conn = x.connect();
        let atom = conn.intern_atom(false, b"_NET_WM_CM_S0").expect("atom").reply().expect("atom").atom;
        wait_for("xcompmgr to own _NET_WM_CM_S0", 10, || {
            conn.get_selection_owner(atom).expect("owner").reply().expect("owner").owner != x11rb::NONE
        });
        Compositor(child)
    }
}

impl Drop for Compositor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The screen as 0xRRGGBB pixels.
fn screenshot(conn: &RustConnection) -> Vec<u32> {
    let root = conn.setup().roots[0].root;
    let img =
        conn.get_image(ImageFormat::Z_PIXMAP, root, 0, 0, W, H, !0).expect("image").reply().expect("image");
    img.data.chunks_exact(4).map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0])).collect()
}

/// The screen once it has settled: the window below painted (a compositor
/// paints a little after the map) and two shots 200 ms apart equal.
fn settled(conn: &RustConnection) -> Vec<u32> {
    let start = Instant::now();
    let mut last = screenshot(conn);
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let now = screenshot(conn);
        let white = px(&now, W as usize / 2, H as usize / 2) == (255, 255, 255);
        if (white && now == last) || start.elapsed() > Duration::from_secs(5) {
            return now;
        }
        last = now;
    }
}

/// With `HEADSUP_OVERLAY_SHOTS=DIR`, keeps a shot as DIR/NAME.png to look at.
fn keep(shot: &[u32], name: &str) {
    let Some(dir) = std::env::var_os("HEADSUP_OVERLAY_SHOTS") else { return };
    let rgb: Vec<u8> = shot.iter().flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8]).collect();
    let img = image::RgbImage::from_raw(u32::from(W), u32::from(H), rgb).expect("shot");
    img.save(PathBuf::from(dir).join(format!("{name}.png"))).expect("save shot");
}

fn px(shot: &[u32], x: usize, y: usize) -> (i32, i32, i32) {
    let p = shot[y * W as usize + x];
    ((p >> 16) as i32 & 255, (p >> 8) as i32 & 255, p as i32 & 255)
}

/// "Warmth" (red minus blue) added at a pixel against the clean screen.
fn warmer(now: &[u32], clean: &[u32], x: usize, y: usize) -> i32 {
    let (r, _, b) = px(now, x, y);
    let (r0, _, b0) = px(clean, x, y);
    (r - b) - (r0 - b0)
}

/// Two monitors side by side (RandR 1.5 monitors on the one screen), a
/// white window at the centre of the screen that records the clicks it
/// gets, and the connection that reads them.
struct Desk {
    conn: RustConnection,
    below: u32,
}

impl Desk {
    fn set_up(x: &Xvfb) -> Self {
        let conn = x.connect();
        let screen = &conn.setup().roots[0];
        let (root, white) = (screen.root, screen.white_pixel);
        // The left half takes over Xvfb's one output, so the output's own
        // monitor gives way (as with `xrandr --setmonitor`).
        let output = conn
            .randr_get_screen_resources_current(root)
            .expect("resources")
            .reply()
            .expect("resources")
            .outputs;
        let halves = [("LEFT", 0), ("RIGHT", W as i16 / 2)];
        for (name, left) in halves {
            let atom = conn.intern_atom(false, name.as_bytes()).expect("atom").reply().expect("atom").atom;
            let m = x11rb::protocol::randr::MonitorInfo {
                name: atom,
                primary: left == 0,
                automatic: false,
                x: left,
                y: 0,
                width: W / 2,
                height: H,
                width_in_millimeters: 260,
                height_in_millimeters: 390,
                outputs: if left == 0 { output.clone() } else { Vec::new() },
            };
            conn.randr_set_monitor(root, m).expect("set monitor");
        }
        let below = conn.generate_id().expect("id");
        let aux = CreateWindowAux::new().background_pixel(white).event_mask(EventMask::BUTTON_PRESS);
        conn.create_window(0, below, root, 312, 234, 400, 300, 0, WindowClass::INPUT_OUTPUT, 0, &aux)
            .expect("window below");
        conn.map_window(below).expect("map");
        conn.flush().expect("flush");
        let monitors = conn.randr_get_monitors(root, true).expect("monitors").reply().expect("monitors");
        assert_eq!(monitors.monitors.len(), 2, "Xvfb took the two monitors");
        Desk { conn, below }
    }

    /// A real click at the centre of the screen, through XTEST.
    fn click_centre(&self) -> bool {
        let root = self.conn.setup().roots[0].root;
        let c = &self.conn;
        c.xtest_fake_input(6, 0, 0, root, W as i16 / 2, H as i16 / 2, 0).expect("motion");
        c.xtest_fake_input(4, 1, 0, root, 0, 0, 0).expect("press");
        c.xtest_fake_input(5, 1, 0, root, 0, 0, 0).expect("release");
        c.flush().expect("flush");
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if let Some(Event::ButtonPress(e)) = c.poll_for_event().expect("event") {
                return e.event == self.below;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// The overlay's window, if one exists: whether it is mapped.
    fn overlay(&self) -> Option<bool> {
        let root = self.conn.setup().roots[0].root;
        let tree = self.conn.query_tree(root).ok()?.reply().ok()?;
        tree.children.into_iter().find_map(|w| {
            let class = self
                .conn
                .get_property(false, w, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 64)
                .ok()?
                .reply()
                .ok()?
                .value;
            if !class.starts_with(b"headsup-overlay\0") {
                return None;
            }
            let a = self.conn.get_window_attributes(w).ok()?.reply().ok()?;
            assert!(a.override_redirect, "never managed, never focused");
            Some(a.map_state == MapState::VIEWABLE)
        })
    }
}

/// A replay of `forward` frames of forward head, then `good` upright ones.
fn sequence(env: &Env, forward: usize, good: usize) -> String {
    let dir = env.home.join("seq");
    std::fs::create_dir_all(&dir).expect("seq");
    let grades = testdata().join("unlicensed/front_neck_grades");
    let frames = |case: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&grades)
            .expect("grades")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(case)))
            .collect();
        v.sort();
        v
    };
    let (bad, upright) = (frames("case1"), frames("case4"));
    let order = bad.iter().cycle().take(forward).chain(upright.iter().cycle().take(good));
    for (i, f) in order.enumerate() {
        std::os::unix::fs::symlink(f, dir.join(format!("{i:05}.jpg"))).expect("symlink");
    }
    dir.display().to_string()
}

/// Settings for a quick alert: forward head shown after 1 s, alerted 2 s
/// later; `on_alert` still records each alert.
fn config(env: &Env, style: &str) {
    let log = env.home.join("alerts.txt");
    let text = format!(
        "[alerts]\nstyle = \"{style}\"\non_alert = 'echo \"$HEADSUP_KIND\" >> {}'\n\
         [timing]\nonset_delay_s = 1.0\nrecovery_s = 1.0\nalert_after_s = 2.0\n",
        log.display()
    );
    std::fs::write(env.home.join("config/headsup/config.toml"), text).expect("config");
}

fn watch(env: &Env, x: &Xvfb, source: &str, extra: &[&str]) -> Child {
    let events = env.home.join("events.jsonl").display().to_string();
    let mut args = vec!["watch", "--headless", "--runtime", "rten", "--model", "lite", "--no-control"];
    args.extend(["--source", source, "--events", &events]);
    args.extend_from_slice(extra);
    args.push("--calibrate");
    let cal = crate::watch::case4();
    args.extend(cal.iter().map(String::as_str));
    env.cmd(&args)
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("headsup watch")
}

fn stderr(child: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    err
}

fn event_at(env: &Env, what: &str, state: Option<&str>) -> bool {
    env.events().iter().any(|e| e["event"] == what && state.is_none_or(|s| e["state"] == s))
}

/// The replay through one style: the band (or dim) while the head is
/// forward, clicks through it, a clean screen after recovery, no overlay
/// after the watcher ends. `check` reads the shot during the alert.
fn forward_then_recover(name: &str, style: &str, composited: bool, check: impl Fn(&[u32], &[u32])) {
    let _guard = serial();
    let x = Xvfb::start();
    let _compositor = composited.then(|| Compositor::start(&x));
    let desk = Desk::set_up(&x);
    let clean = settled(&desk.conn);
    let env = Env::new(name);
    config(&env, style);
    let source = sequence(&env, 20, 24);
    let mut child = watch(&env, &x, &source, &["--realtime"]);
    wait_for("the forward-head alert", 90, || event_at(&env, "alert", None));
    // The band eases in over about a second.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(desk.overlay(), Some(true), "the overlay is shown");
    let during = screenshot(&desk.conn);
    keep(&during, name);
    check(&during, &clean);
    assert!(desk.click_centre(), "the click at the centre reached the window below");
    wait_for("recovery", 60, || event_at(&env, "state", Some("good")));
    std::thread::sleep(Duration::from_millis(800));
    let after = screenshot(&desk.conn);
    let changed = after.iter().zip(&clean).filter(|(a, b)| a != b).count();
    assert_eq!(changed, 0, "{changed} pixels differ from the clean screen after recovery");
    assert_eq!(desk.overlay(), Some(false), "hidden, not gone, while watching");
    let (status, _) = wait_exit_within(&mut child, 60, "the end of the replay");
    let err = stderr(&mut child);
    assert!(status.success(), "{err}");
    assert!(!err.contains("Head forward"), "the overlay showed it, no terminal line: {err}");
    assert_eq!(env.on_alert_lines(), ["forward_head"], "on_alert still runs");
    wait_for("the overlay to exit with the watcher", 5, || desk.overlay().is_none());
}

#[test]
fn a_glow_with_a_compositor_grows_at_the_edges_and_lets_clicks_through() {
    forward_then_recover("glow-composited", "glow", true, |during, clean| {
        // Every monitor's edges glow, the left monitor's right edge too;
        // the centre (the window below) is untouched.
        for (x, y) in [(1, 384), (1022, 384), (512, 1), (512, 766), (510, 384), (514, 384), (256, 3)] {
            assert!(warmer(during, clean, x, y) > 60, "no glow at ({x}, {y}): {:?}", px(during, x, y));
        }
        assert_eq!(px(during, 400, 384), px(clean, 400, 384), "the centre is untouched");
        assert!(warmer(during, clean, 1, 384) > warmer(during, clean, 40, 384), "it fades inwards");
    });
}

#[test]
fn a_glow_without_a_compositor_draws_opaque_strips() {
    forward_then_recover("glow-opaque", "glow", false, |during, clean| {
        for (x, y) in [(1, 384), (1022, 384), (512, 1), (510, 384), (514, 384)] {
            assert_eq!(px(during, x, y), (255, 140, 20), "no strip at ({x}, {y})");
        }
        assert_eq!(px(during, 60, 384), px(clean, 60, 384), "the strips are narrow");
        assert_eq!(px(during, 400, 384), px(clean, 400, 384), "the centre is untouched");
    });
}

#[test]
fn a_dim_with_a_compositor_darkens_the_screen_and_lets_clicks_through() {
    forward_then_recover("dim", "dim", true, |during, clean| {
        let (r, g, b) = px(during, 400, 384);
        assert_eq!(px(clean, 400, 384), (255, 255, 255));
        assert!(r == g && g == b && (130..235).contains(&r), "dimmed to grey: {r}");
    });
}

/// Without a compositor the dim is refused in words; the alert then comes
/// as a notification (here: the terminal, as no notification service runs).
#[test]
fn a_dim_without_a_compositor_is_refused_and_the_alert_still_comes() {
    let _guard = serial();
    let x = Xvfb::start();
    let env = Env::new("dim-refused");
    config(&env, "dim");
    let source = sequence(&env, 20, 0);
    let mut child = watch(&env, &x, &source, &["--realtime"]);
    let (status, _) = wait_exit_within(&mut child, 60, "the end of the replay");
    let err = stderr(&mut child);
    assert!(status.success(), "{err}");
    assert!(err.contains("the dim needs a compositing window manager"), "{err}");
    assert!(err.contains("Head forward"), "the alert came on the terminal: {err}");
    // `doctor` says so too, and with a compositor that the dim can be shown.
    let doctor = || {
        let out =
            env.cmd(&["doctor", "--runtime", "rten", "--model", "lite"]).env("DISPLAY", &x.display).output();
        let out = out.expect("doctor");
        String::from_utf8_lossy(&out.stdout).lines().find(|l| l.contains(" screen ")).map(String::from)
    };
    let line = doctor().expect("a screen line");
    assert!(line.starts_with("FIX") && line.contains("the dim needs a compositing"), "{line}");
    let _compositor = Compositor::start(&x);
    let line = doctor().expect("a screen line");
    assert_eq!(line, "ok  screen         the dim can be shown (composited 1 monitor(s))");
}

/// A snooze hides the band at once; killing the watcher outright leaves
/// no overlay on the screen.
#[test]
fn snooze_hides_the_glow_and_a_killed_watcher_leaves_nothing() {
    let _guard = serial();
    let x = Xvfb::start();
    let desk = Desk::set_up(&x);
    let clean = settled(&desk.conn);
    let env = Env::new("glow-kill");
    config(&env, "glow");
    let source = sequence(&env, 60, 0);
    let mut child = watch(&env, &x, &source, &["--realtime", "--at", "9=snooze:1m", "--at", "12=resume"]);
    wait_for("the alert", 90, || event_at(&env, "alert", None));
    wait_for("the glow", 10, || desk.overlay() == Some(true));
    wait_for("the snooze", 20, || event_at(&env, "snooze", None));
    wait_for("the glow hidden on snooze", 2, || desk.overlay() == Some(false));
    wait_for("a clean screen while snoozed", 3, || screenshot(&desk.conn) == clean);
    wait_for("the glow back after the resume", 30, || desk.overlay() == Some(true));
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGKILL) }, 0);
    let _ = child.wait();
    let killed = Instant::now();
    wait_for("the overlay to go with the killed watcher", 3, || desk.overlay().is_none());
    eprintln!("overlay: gone {:?} after the watcher was killed", killed.elapsed());
    wait_for("a clean screen", 3, || screenshot(&desk.conn) == clean);
}

/// The overlay on its own, as the watcher drives it: a level shows it, a
/// watcher that goes quiet (a hung thread) has it hidden after the lease,
/// and the end of its input ends it.
#[test]
fn a_quiet_watcher_has_the_overlay_hide_and_closed_input_ends_it() {
    use std::io::Write;
    let _guard = serial();
    let x = Xvfb::start();
    let desk = Desk::set_up(&x);
    let clean = settled(&desk.conn);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_headsup"))
        .args(["overlay", "--style", "glow"])
        .env("DISPLAY", &x.display)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("headsup overlay");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "0.5").expect("level");
    wait_for("the glow", 5, || desk.overlay() == Some(true));
    let shown = Instant::now();
    wait_for("the lease to run out", 8, || desk.overlay() == Some(false));
    let hid = shown.elapsed();
    assert!(hid >= Duration::from_secs(4), "hidden only after the lease: {hid:?}");
    wait_for("a clean screen", 3, || screenshot(&desk.conn) == clean);
    writeln!(stdin, "0.8").expect("level");
    wait_for("the glow again", 5, || desk.overlay() == Some(true));
    drop(stdin);
    let (status, took) = wait_exit_within(&mut child, 5, "its input closed");
    assert!(status.success() && took < Duration::from_secs(1), "{status:?} after {took:?}");
    assert!(desk.overlay().is_none(), "its window went with it");
    let mut out = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut out);
    assert_eq!(out.trim(), "ready opaque 2 monitor(s)");
    assert!(stderr(&mut child).contains("no level from the watcher"));
}
