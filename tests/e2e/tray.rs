//! The desktop's D-Bus services against a real session bus (`dbus-daemon
//! --session`): a test-side StatusNotifierWatcher standing in for the
//! desktop's tray records the registration, reads the icon's menu over
//! D-Bus and clicks it as a tray host would, while the window runs under
//! Xvfb; a test-side notification server shows what the alerts send and
//! answers with an action, as a user's click does.

use std::collections::HashMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use zbus::blocking::{Connection, Proxy, connection};
use zbus::zvariant::OwnedValue;

use crate::common::{Env, case4_frames, ok, serial};
use crate::ui::{Xvfb, wait_exit, wait_for};

/// A private session bus, killed on drop.
struct SessionBus {
    child: Child,
    address: String,
}

impl SessionBus {
    fn start() -> Self {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the tray tests need dbus-daemon (apt-get install dbus; .ci/run does): {e}")
            });
        let mut address = String::new();
        let out = child.stdout.take().expect("stdout");
        std::io::BufReader::new(out).read_line(&mut address).expect("bus address");
        Self { child, address: address.trim().to_string() }
    }

    fn connect(&self) -> zbus::Result<connection::Builder<'static>> {
        connection::Builder::address(self.address.as_str())
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The desktop's side: the watcher a tray host runs.
#[derive(Clone, Default)]
struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
    /// How long registering takes (a desktop busy at login).
    slow: Duration,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: &str) {
        std::thread::sleep(self.slow);
        self.items.lock().expect("items").push(service.to_string());
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().expect("items").clone()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// An icon as D-Bus carries it: width, height, ARGB32 bytes.
type Pixmap = (i32, i32, Vec<u8>);
/// A tooltip: icon name, icons, title, text.
type ToolTip = (String, Vec<Pixmap>, String, String);

/// A dbusmenu layout node: (id, properties, children).
type Layout = (i32, std::collections::HashMap<String, OwnedValue>, Vec<OwnedValue>);

fn label(node: &Layout) -> Option<String> {
    node.1.get("label").and_then(|v| v.try_clone().ok()).and_then(|v| String::try_from(v).ok())
}

/// Every label in the menu with its id, top level first.
fn menu_items(menu: &Proxy<'_>) -> Vec<(i32, String, bool)> {
    let (_, root): (u32, Layout) =
        menu.call("GetLayout", &(0_i32, -1_i32, Vec::<String>::new())).expect("GetLayout");
    root.2
        .into_iter()
        .filter_map(|v| Layout::try_from(v).ok())
        .filter_map(|node| {
            let enabled =
                node.1.get("enabled").and_then(|v| v.try_clone().ok()).and_then(|v| bool::try_from(v).ok());
            label(&node).map(|l| (node.0, l, enabled.unwrap_or(true)))
        })
        .collect()
}

/// Clicks the entry whose label starts with `text`, as a tray host does.
fn click(menu: &Proxy<'_>, text: &str) {
    let items = menu_items(menu);
    let Some((id, _, _)) = items.iter().find(|(_, l, _)| l.starts_with(text)) else {
        panic!("no {text:?} in the tray menu: {items:?}");
    };
    let () = menu.call("Event", &(*id, "clicked", OwnedValue::from(0_u8), 0_u32)).expect("Event");
}

/// `headsup watch --tray` as login starts it, on `bus` and `x`.
fn start_in_tray(env: &Env, bus: &SessionBus, x: &Xvfb) -> Child {
    env.write_config("");
    let (source, cal) = case4_frames(env, 400);
    let events = env.home.join("events.jsonl").display().to_string();
    let mut args = vec!["watch", "--tray", "--runtime", "rten", "--model", "lite", "--fps", "4"];
    args.extend(["--source", &source, "--realtime", "--events", &events, "--calibrate"]);
    args.extend(cal.iter().map(String::as_str));
    env.cmd(&args)
        .env("DISPLAY", &x.display)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("headsup --tray")
}

fn mode(env: &Env) -> String {
    let out = env.run(&["status"]);
    ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).expect("status json");
    v["mode"].as_str().unwrap_or("").to_string()
}

fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    err
}

/// The desktop's tray on `bus`, as the test's connection serving `watcher`.
fn desktop_tray(bus: &SessionBus, watcher: &Watcher) -> Connection {
    bus.connect()
        .and_then(|b| b.serve_at("/StatusNotifierWatcher", watcher.clone()))
        .and_then(|b| b.name("org.kde.StatusNotifierWatcher"))
        .and_then(|b| b.build())
        .expect("the test's StatusNotifierWatcher")
}

/// At login the watcher runs in the tray with no window open: none is
/// mapped at any time, not even for the first frame eframe paints.
fn assert_no_window_until_registered(x: &Xvfb, env: &Env, watcher: &Watcher) {
    let mut flashed = 0;
    wait_for("the tray registration and a judged frame", 90, || {
        flashed += usize::from(x.window("headsup").is_some());
        !watcher.items.lock().expect("items").is_empty() && env.events().iter().any(|e| e["event"] == "state")
    });
    std::thread::sleep(Duration::from_secs(1));
    assert!(x.window("headsup").is_none() && flashed == 0, "a window showed at login ({flashed} polls)");
}

#[test]
fn the_tray_registers_its_menu_snoozes_opens_the_window_and_quits() {
    let _guard = serial();
    let x = Xvfb::start();
    let bus = SessionBus::start();
    let watcher = Watcher::default();
    let desktop = desktop_tray(&bus, &watcher);
    let env = Env::new("tray");
    let mut child = start_in_tray(&env, &bus, &x);
    assert_no_window_until_registered(&x, &env, &watcher);
    let item = watcher.items.lock().expect("items")[0].clone();
    assert!(item.starts_with("org.kde.StatusNotifierItem-"), "{item}");
    let sni = Proxy::new(&desktop, item.as_str(), "/StatusNotifierItem", "org.kde.StatusNotifierItem")
        .expect("item proxy");
    let icons: Vec<Pixmap> = sni.get_property("IconPixmap").expect("IconPixmap");
    assert!(icons.iter().any(|(w, h, d)| *w > 0 && d.len() == (w * h * 4) as usize), "no icon");
    let menu = Proxy::new(&desktop, item.as_str(), "/MenuBar", "com.canonical.dbusmenu").expect("menu proxy");
    let items = menu_items(&menu);
    let labels: Vec<&str> = items.iter().map(|(_, l, _)| l.as_str()).collect();
    for want in ["Snooze 15 min", "Snooze 30 min", "Snooze 60 min", "Pause", "Open window", "Quit headsup"] {
        assert!(labels.contains(&want), "no {want:?} in {labels:?}");
    }
    assert!(items.iter().any(|(_, l, on)| l.starts_with("Today:") && !on), "no summary line: {items:?}");
    // The tooltip carries the state, the score and the reason.
    wait_for("the tooltip with a score", 20, || {
        let tip: Result<ToolTip, _> = sni.get_property("ToolTip");
        tip.is_ok_and(|t| t.2.starts_with("headsup: ") && t.2.contains("score") && !t.3.is_empty())
    });

    // The user's word from the tray: this run's calibration is in memory,
    // so the cut-off moves for this session only.
    click(&menu, "That alert was wrong");
    wait_for("the correction from the tray", 10, || {
        env.events().iter().any(|e| {
            e["event"] == "feedback"
                && e["kind"] == "wrong"
                && e["message"].as_str().is_some_and(|m| m.contains("for this session only"))
        })
    });

    click(&menu, "Snooze 30 min");
    wait_for("snoozed from the tray", 10, || mode(&env) == "snoozed");
    // The menu follows: paused or snoozed offers resume.
    wait_for("a Resume entry", 10, || menu_items(&menu).iter().any(|(_, l, _)| l == "Resume"));

    click(&menu, "Open window");
    let mut window = None;
    wait_for("the window from the tray", 20, || {
        window = x.window("headsup");
        window.is_some()
    });
    // Closing the window leaves the watcher in the tray.
    x.pointer_away();
    std::thread::sleep(Duration::from_millis(300));
    x.close_until(window.expect("window"), || x.window("headsup").is_none());
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().expect("wait").is_none(), "closing the window ended headsup");
    assert_eq!(mode(&env), "snoozed");

    click(&menu, "Quit headsup");
    let (status, took) = wait_exit(&mut child, "Quit headsup");
    let err = stderr_of(&mut child);
    eprintln!("tray: quit ended the program in {took:?}");
    assert!(status.success(), "{status:?}: {err}");
}

/// No StatusNotifierWatcher on the bus (GNOME without its AppIndicator
/// extension, a plain X11 window manager): said once, and the window opens
/// even though login asked for the tray.
#[test]
fn a_tray_slow_to_register_at_login_keeps_the_window_closed() {
    // Longer than the 5 s the window waits for the answer before it opens.
    let _guard = serial();
    let x = Xvfb::start();
    let bus = SessionBus::start();
    let watcher = Watcher { slow: Duration::from_secs(8), ..Watcher::default() };
    let _desktop = desktop_tray(&bus, &watcher);
    let env = Env::new("slow-tray");
    let mut child = start_in_tray(&env, &bus, &x);
    assert_no_window_until_registered(&x, &env, &watcher);
    // SAFETY: kill on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let (status, _) = wait_exit(&mut child, "SIGTERM");
    let err = stderr_of(&mut child);
    assert!(status.success() && !err.contains("no tray icon"), "{status:?}: {err}");
}

#[test]
fn without_a_tray_on_the_desktop_it_says_so_and_opens_the_window() {
    let _guard = serial();
    let x = Xvfb::start();
    let bus = SessionBus::start();
    let env = Env::new("no-tray");
    let mut child = start_in_tray(&env, &bus, &x);
    wait_for("the window instead of the tray", 60, || x.window("headsup").is_some());
    wait_for("a judged frame", 90, || env.events().iter().any(|e| e["event"] == "state"));
    ok(&env.run(&["snooze", "5m"]));
    // SAFETY: kill on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let (status, _) = wait_exit(&mut child, "SIGTERM");
    let err = stderr_of(&mut child);
    assert!(status.success(), "{status:?}: {err}");
    assert_eq!(err.matches("no tray icon").count(), 1, "{err}");
    assert!(err.contains("no StatusNotifierWatcher"), "{err}");
}

/// A notification as shown: id, summary, actions (key, label, ...).
type Shown = (u32, String, Vec<String>);

/// The desktop's notification server, as far as alerts use it.
#[derive(Clone, Default)]
struct Notifications {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().expect("shown");
        let id = shown.len() as u32 + 1;
        shown.push((id, summary, actions));
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        ("headsup-test".into(), "tests".into(), "1".into(), "1.2".into())
    }
}

/// A forward-head alert reaches the notification server with "Snooze 30
/// min" and "That was wrong"; the user's click on the latter (the server's
/// ActionInvoked signal) comes back to the watcher as a correction of the
/// saved profile, journaled and said.
#[test]
fn that_was_wrong_on_a_notification_corrects_the_profile() {
    let _guard = serial();
    let bus = SessionBus::start();
    let server = Notifications::default();
    let desktop: Connection = bus
        .connect()
        .and_then(|b| b.serve_at("/org/freedesktop/Notifications", server.clone()))
        .and_then(|b| b.name("org.freedesktop.Notifications"))
        .and_then(|b| b.build())
        .expect("the test's notification server");
    let env = Env::new("notify-wrong");
    std::fs::write(
        env.home.join("config/headsup/config.toml"),
        "[alerts]\nstyle = \"notify\"\n[timing]\nonset_delay_s = 0.0\nalert_after_s = 5.0\n",
    )
    .expect("config");
    let lite = ["--runtime", "rten", "--model", "lite"];
    let cal = crate::watch::case4();
    let cal: Vec<&str> = cal.iter().map(String::as_str).collect();
    ok(&env.run(&[&["calibrate", "--source"][..], &cal, &lite].concat()));
    let bad = crate::watch::replay_dir(&env, "bad", &["case1"], 40);
    let events = env.home.join("events.jsonl").display().to_string();
    let args =
        ["watch", "--headless", "--realtime", "--source", bad.to_str().expect("path"), "--events", &events];
    let mut child = env
        .cmd(&[&args[..], &lite].concat())
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("headsup watch");
    let mut alert = None;
    wait_for("the alert's notification", 90, || {
        alert = server.shown.lock().expect("shown").first().cloned();
        alert.is_some()
    });
    let (id, summary, actions) = alert.expect("notification");
    assert!(summary.starts_with("Head forward"), "{summary}");
    assert_eq!(actions, ["snooze30", "Snooze 30 min", "wrong", "That was wrong"]);
    desktop
        .emit_signal(
            None::<&str>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(id, "wrong"),
        )
        .expect("ActionInvoked");
    wait_for("the correction from the notification", 20, || {
        env.events().iter().any(|e| e["event"] == "feedback" && e["kind"] == "wrong")
    });
    // SAFETY: kill on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let (status, _) = wait_exit(&mut child, "SIGTERM");
    let err = stderr_of(&mut child);
    assert!(status.success(), "{status:?}: {err}");
    assert!(err.contains("sensitivity lowered"), "said in the terminal: {err}");
    let profile =
        std::fs::read_to_string(env.home.join("data/headsup/profiles/default.toml")).expect("profile");
    assert_eq!(profile.matches("kind = \"wrong\"").count(), 1, "saved in the profile:\n{profile}");
}
