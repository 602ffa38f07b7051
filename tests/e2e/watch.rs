//! The watcher end to end through the real binary: replays of the shared
//! sequences through `watch --source`, alerts checked in the `--events` log
//! and through a real `on_alert` command, snooze and pause on the replay
//! clock, and each failure the user can meet.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// A replay folder of `repeat` passes over the frames of `case` (symlinks).
pub(crate) fn replay_dir(env: &Env, name: &str, cases: &[&str], repeat: usize) -> PathBuf {
    let dir = env.home.join(name);
    std::fs::create_dir_all(&dir).expect("replay dir");
    let src = testdata().join("unlicensed/front_neck_grades");
    let mut frames: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("grades")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            cases.iter().any(|c| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(c)))
        })
        .collect();
    frames.sort();
    let mut n = 0;
    for _ in 0..repeat {
        for f in &frames {
            let link = dir.join(format!("{n:05}.jpg"));
            std::os::unix::fs::symlink(f, &link).expect("symlink");
            n += 1;
        }
    }
    dir
}

pub(crate) fn case4() -> Vec<String> {
    let dir = testdata().join("unlicensed/front_neck_grades");
    let mut v: Vec<String> = (0..6)
        .map(|i| dir.join(format!("case4_IMG_0877_{}.jpg", 100 + 4 * i)).display().to_string())
        .collect();
    v.sort();
    v
}

fn watch_args<'a>(source: &'a str, events: &'a str, extra: &[&'a str], cal: &'a [String]) -> Vec<&'a str> {
    let mut args = vec![
        "watch",
        "--headless",
        "--runtime",
        "rten",
        "--model",
        "lite",
        "--source",
        source,
        "--events",
        events,
    ];
    args.extend_from_slice(extra);
    args.push("--calibrate");
    args.extend(cal.iter().map(String::as_str));
    args
}

#[test]
fn forward_head_replay_alerts_through_the_events_log_and_on_alert() {
    let _guard = serial();
    let env = Env::new("alert");
    env.write_config("");
    // 2 minutes of forward head at 2 fps (6 case1 frames, 40 passes).
    let dir = replay_dir(&env, "bad", &["case1"], 40);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let out = env.run(&watch_args(&dir.display().to_string(), &events, &[], &cal));
    ok(&out);
    let ev = env.events();
    let alerts: Vec<&Value> = ev.iter().filter(|e| e["event"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "one alert in 2 minutes (re-alert after 5): {ev:?}");
    let a = alerts[0];
    // The forward stretch starts at t=0; the default alert_after_s is 60.
    assert!((60.0..62.0).contains(&a["t"].as_f64().expect("t")), "{a}");
    assert_eq!(a["kind"], "forward_head");
    assert!(a["reason"].as_str().expect("reason").starts_with("head forward for 1 min"), "{a}");
    assert!(a["score"].as_f64().expect("score") < 50.0);
    assert!(a["signals"]["ear_shoulder_gap"].is_number());
    let time = a["time"].as_str().expect("time");
    assert!(headsup::clock::parse_rfc3339(time).is_ok() && !time.ends_with('Z'), "local offset: {a}");
    let states: Vec<&str> =
        ev.iter().filter(|e| e["event"] == "state").map(|e| e["state"].as_str().expect("state")).collect();
    assert_eq!(states.last(), Some(&"forward_head"));
    // The on_alert command received the same alert.
    let lines = env.on_alert_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let fields: Vec<&str> = lines[0].splitn(4, '|').collect();
    assert_eq!(&fields[..2], ["forward_head", "forward_head"]);
    assert!(
        fields[2].parse::<f64>().expect("score") < 50.0 && fields[3].starts_with("head forward"),
        "{lines:?}"
    );
    // The terminal got the alert with a stretch suggestion.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Head forward") && err.contains("Try: "), "{err}");
}

#[test]
fn upright_replay_never_alerts() {
    let _guard = serial();
    let env = Env::new("upright");
    env.write_config("");
    let dir = replay_dir(&env, "good", &["case4", "case5", "case6"], 12);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    ok(&env.run(&watch_args(&dir.display().to_string(), &events, &[], &cal)));
    let ev = env.events();
    assert!(ev.iter().all(|e| e["event"] != "alert"), "{ev:?}");
    assert!(env.on_alert_lines().is_empty());
}

#[test]
fn snooze_during_a_bad_stretch_suppresses_the_alert_and_resume_restores_it() {
    let _guard = serial();
    let env = Env::new("snooze");
    env.write_config("");
    // 4 minutes of forward head; snoozed for 2 minutes from t=30.
    let dir = replay_dir(&env, "bad", &["case1"], 80);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    ok(&env.run(&watch_args(&dir.display().to_string(), &events, &["--at", "30=snooze:2m"], &cal)));
    let ev = env.events();
    let names: Vec<(&str, f64)> = ev
        .iter()
        .filter(|e| e["event"] != "state")
        .map(|e| (e["event"].as_str().expect("event"), e["t"].as_f64().expect("t")))
        .collect();
    // No alert at 60 s (snoozed); resumed at 150 s; forward head rebuilds
    // and alerts 60 s after it is seen again.
    assert_eq!(names.iter().map(|n| n.0).collect::<Vec<_>>(), ["snooze", "resume", "alert"], "{names:?}");
    assert_eq!(names[0].1, 30.0);
    assert_eq!(names[1].1, 150.0);
    assert!(names[2].1 >= 150.0 + 60.0 && names[2].1 < 150.0 + 75.0, "{names:?}");
    assert_eq!(env.on_alert_lines().len(), 1);
}

#[test]
fn pause_and_resume_on_the_replay_clock() {
    let _guard = serial();
    let env = Env::new("pause");
    env.write_config("");
    // 3 minutes of forward head, paused from 20 s to 100 s.
    let dir = replay_dir(&env, "bad", &["case1"], 60);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    ok(&env.run(&watch_args(
        &dir.display().to_string(),
        &events,
        &["--at", "20=pause", "--at", "100=resume"],
        &cal,
    )));
    let ev = env.events();
    let kinds: Vec<&str> =
        ev.iter().filter(|e| e["event"] != "state").map(|e| e["event"].as_str().expect("e")).collect();
    assert_eq!(kinds, ["pause", "resume", "alert"], "{ev:?}");
}

#[test]
fn a_corrupt_frame_in_the_middle_is_skipped_and_counted() {
    let _guard = serial();
    let env = Env::new("corrupt");
    env.write_config("");
    let dir = replay_dir(&env, "seq", &["case4"], 3);
    // Frame 00007 becomes a truncated JPEG.
    let link = dir.join("00007.jpg");
    let bytes = std::fs::read(&link).expect("frame");
    std::fs::remove_file(&link).expect("unlink");
    std::fs::write(&link, &bytes[..bytes.len() / 2]).expect("truncate");
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let out = env.run(&watch_args(&dir.display().to_string(), &events, &[], &cal));
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("17 frames read") && err.contains("1 unreadable skipped"), "{err}");
}

#[test]
fn no_camera_is_a_clear_error() {
    let env = Env::new("nocam");
    env.write_config("[camera]\nindex = 63\n");
    // A profile exists, so the watcher goes for the camera.
    let mut args = vec!["calibrate", "--runtime", "rten", "--model", "lite", "--source"];
    let cal = case4();
    args.extend(cal.iter().map(String::as_str));
    ok(&env.run(&args));
    let out = env.run(&["watch", "--headless", "--runtime", "rten", "--model", "lite"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("camera 63 not found"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn without_calibration_and_terminal_it_says_how_and_fails() {
    let env = Env::new("uncal");
    let out = env.run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not calibrated yet") && err.contains("headsup calibrate"), "{err}");
    assert!(err.contains("never leave"), "first start states the privacy promise: {err}");
}

/// Waits until the control socket answers `status`.
fn wait_for_watcher(env: &Env, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if env.run(&["status"]).status.success() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("watcher exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("watcher did not start");
}

#[test]
fn second_watcher_vanishing_source_and_control_commands() {
    let _guard = serial();
    let env = Env::new("live");
    env.write_config("");
    // A real copy (not links) so the folder can vanish mid-run.
    let links = replay_dir(&env, "links", &["case4"], 20);
    let dir = env.home.join("frames");
    std::fs::create_dir_all(&dir).expect("dir");
    for e in std::fs::read_dir(&links).expect("links").flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let source = dir.display().to_string();
    let mut first = env
        .cmd(&watch_args(&source, &events, &["--realtime", "--fps", "4"], &cal))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("first watcher");
    wait_for_watcher(&env, &mut first);
    // A second watcher is refused clearly.
    let events2 = env.home.join("events2.jsonl").display().to_string();
    let out = env.run(&watch_args(&source, &events2, &["--realtime"], &cal));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already running"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Control commands reach it.
    let out = env.run(&["snooze", "10m"]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("snoozed"));
    ok(&env.run(&["resume"]));
    let status = env.run(&["status"]);
    ok(&status);
    let v: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(v["mode"], "watching");
    // Settings edited while it runs are picked up (in about a second; the
    // deadline is generous for a loaded machine); a bad edit is refused.
    let cfg = env.home.join("config/headsup/config.toml");
    let reloads = |env: &Env| {
        env.events().iter().filter(|e| e["event"] == "config_reloaded").cloned().collect::<Vec<_>>()
    };
    let wait_reloads = |n: usize| {
        let start = Instant::now();
        while reloads(&env).len() < n && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(reloads(&env).len() >= n, "no reload {n} within 30 s");
        eprintln!("config reload {n} seen after {:?}", start.elapsed());
    };
    std::fs::write(&cfg, std::fs::read_to_string(&cfg).expect("cfg") + "[timing]\nonset_delay_s = 4.0\n")
        .expect("edit");
    wait_reloads(1);
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&cfg, "[timing]\nonset_delay_s = -4.0\n").expect("bad edit");
    wait_reloads(2);
    let r = reloads(&env);
    assert_eq!(r[0]["ok"], true, "{r:?}");
    assert_eq!(r[1]["ok"], false);
    assert!(r[1]["error"].as_str().expect("error").contains("timing.onset_delay_s = -4"), "{r:?}");
    // The source vanishes mid-run: reported and the watcher stops with an error.
    std::fs::remove_dir_all(&dir).expect("remove source");
    let out = first.wait_with_output().expect("first watcher ends");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vanished"), "{err}");
    let ev = env.events();
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().expect("event")).collect();
    assert!(
        kinds.contains(&"snooze") && kinds.contains(&"resume") && kinds.contains(&"camera_lost"),
        "{kinds:?}"
    );
    // The socket is gone with it.
    assert!(!env.run(&["status"]).status.success());
    assert!(!Path::new(&env.home.join("run/headsup.sock")).exists());
}

#[test]
fn an_unwritable_journal_pauses_the_journal_not_the_watcher() {
    let _guard = serial();
    let env = Env::new("rojournal");
    env.write_config("");
    let dir = replay_dir(&env, "seq", &["case4"], 2);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let out = env
        .cmd(&watch_args(&dir.display().to_string(), &events, &[], &cal))
        .env("XDG_DATA_HOME", "/proc/headsup-no-such-dir")
        .output()
        .expect("run");
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("journal paused, watching goes on") && err.contains("12 frames read"), "{err}");
}

/// A pause or snooze the user asks for is journaled like an automatic one,
/// and the report says how long each lasted.
#[test]
fn user_pauses_and_snoozes_are_journaled_and_reported() {
    let _guard = serial();
    let env = Env::new("pause-journal");
    env.write_config("");
    // 420 frames at 2 fps: 210 s on the replay clock.
    let dir = replay_dir(&env, "frames", &["case4"], 70);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let at = ["--at", "30=snooze:1m", "--at", "150=pause", "--at", "170=resume", "--no-control"];
    ok(&env.run(&watch_args(&dir.display().to_string(), &events, &at, &cal)));
    let journal = env.home.join("data/headsup/journal.sqlite3");
    let j = headsup::journal::Journal::open_read_only(&journal).expect("journal");
    let by_kind = j.pause_seconds(f64::MIN, f64::MAX).expect("pauses");
    // Within one frame (0.5 s) of what was asked.
    assert!((by_kind["snoozed"] - 60.0).abs() <= 0.5, "{by_kind:?}");
    assert!((by_kind["paused"] - 20.0).abs() <= 0.5, "{by_kind:?}");
    assert_eq!(by_kind.len(), 2, "{by_kind:?}");
    let out = env.run(&["report", "--format", "json"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("report json");
    let (paused, snoozed) =
        (r["paused_s"].as_f64().expect("paused_s"), r["snoozed_s"].as_f64().expect("snoozed_s"));
    assert!((paused - 20.0).abs() <= 0.5 && (snoozed - 60.0).abs() <= 0.5, "{r}");
    let text = env.run(&["report"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("Snoozed            1 min"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
}

/// A replay plan scripts what the camera shows and when it is unplugged:
/// the outage is told (lost, then found at the plan's time), journaled as
/// camera time and reported; a bad line is refused naming it.
#[test]
fn a_replay_plan_scripts_a_camera_outage_and_its_return() {
    let _guard = serial();
    let env = Env::new("plan");
    env.write_config("");
    // The plan names the folder relative to itself.
    replay_dir(&env, "upright", &["case4"], 1);
    let plan = env.home.join("day.plan");
    std::fs::write(&plan, "# a short day\n20s upright/\n30s camera-lost  # unplugged\n20s upright/\n")
        .expect("plan");
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let out = env.run(&watch_args(&plan.display().to_string(), &events, &["--no-control"], &cal));
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("80 frames read"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evs = env.events();
    let at = |kind: &str| {
        evs.iter()
            .find(|e| e["event"] == kind)
            .and_then(|e| e["t"].as_f64())
            .unwrap_or_else(|| panic!("no {kind}: {evs:?}"))
    };
    // Lost as the last frame before the outage is judged; found when it ends.
    assert!((19.0..=20.0).contains(&at("camera_lost")), "{evs:?}");
    assert_eq!(at("camera_found"), 50.0, "{evs:?}");
    let journal = env.home.join("data/headsup/journal.sqlite3");
    let j = headsup::journal::Journal::open_read_only(&journal).expect("journal");
    let lost = j.pause_seconds(f64::MIN, f64::MAX).expect("pauses")["camera_lost"];
    assert!((30.0..=31.0).contains(&lost), "{lost}");
    let r: Value = serde_json::from_slice(&env.run(&["report", "--format", "json"]).stdout).expect("report");
    assert!((r["camera_lost_s"].as_f64().expect("camera_lost_s") - lost).abs() < 0.01, "{r}");

    std::fs::write(&plan, "20s upright/\n5 minutes camera-lost\n").expect("plan");
    let out = env.run(&watch_args(&plan.display().to_string(), &events, &["--no-control"], &cal));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("day.plan line 2") && err.contains("minutes"), "{err}");
}

/// `watch --realtime --fps 0` (or below) is refused naming the value, and
/// the bare command takes watch's options (`headsup` is `headsup watch`).
#[test]
fn bad_fps_is_refused_and_the_bare_command_watches() {
    let _guard = serial();
    let env = Env::new("fps");
    env.write_config("");
    let dir = replay_dir(&env, "frames", &["case4"], 2);
    let source = dir.display().to_string();
    for fps in ["0", "-2", "nan"] {
        let arg = format!("--fps={fps}");
        let out = env.run(&["watch", "--realtime", &arg, "--source", &source, "--headless"]);
        assert_eq!(out.status.code(), Some(2), "--fps {fps}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("\"{fps}\" is not a frame rate")), "{err}");
    }
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = case4();
    let mut args = watch_args(&source, &events, &["--no-control"], &cal);
    args.remove(0);
    let out = env.run(&args);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("12 frames read"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.events().iter().any(|e| e["event"] == "state"));
}

/// `install` puts headsup in the application menu with its icon (and at
/// login with `--autostart`); `uninstall` removes exactly those files and
/// leaves one the user changed; `autostart off` removes the login entry.
#[test]
fn install_writes_the_menu_entry_and_icon_and_uninstall_removes_exactly_them() {
    let env = Env::new("install");
    let data = env.home.join("data");
    let entry = data.join("applications/headsup.desktop");
    let icon = data.join("icons/hicolor/scalable/apps/headsup.svg");
    let login = env.home.join("config/autostart/headsup.desktop");
    ok(&env.run(&["install", "--autostart"]));
    let exe = env!("CARGO_BIN_EXE_headsup");
    // The menu opens the window; login starts in the tray.
    for (file, exec) in [(&entry, "watch"), (&login, "watch --tray")] {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.starts_with("[Desktop Entry]\nType=Application\nName=headsup\n"), "{text}");
        assert!(
            text.contains(&format!("Exec=\"{exe}\" {exec}\n")) && text.contains("Icon=headsup\n"),
            "{text}"
        );
    }
    assert!(std::fs::read_to_string(&login).expect("login").contains("X-GNOME-Autostart-enabled=true"));
    assert!(std::fs::read_to_string(&icon).expect("icon").starts_with("<svg "));
    // The user's own entry elsewhere, and a changed login entry, stay.
    let theirs = data.join("applications/other.desktop");
    std::fs::write(&theirs, "[Desktop Entry]\nName=other\n").expect("other entry");
    std::fs::write(&login, "[Desktop Entry]\nName=headsup, my way\n").expect("edit");
    let out = env.run(&["uninstall"]);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!entry.exists() && !icon.exists() && theirs.exists() && login.exists(), "{said}");
    assert!(said.contains(&format!("left {}", login.display())), "{said}");
    ok(&env.run(&["autostart", "off"]));
    assert!(!login.exists());
    let out = env.run(&["autostart", "off"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("autostart was not on"));
}

/// Frames from the MIT-licensed upright side view, with the head and neck
/// (the rows above the shoulders, blended into the rows below) pushed
/// `shift(i)` pixels forward (of 720), and sensor noise of ±4 levels drawn afresh
/// for each frame; written as JPEG files.
fn side_view_frames(dir: &Path, n: usize, shift: impl Fn(usize) -> f32) {
    std::fs::create_dir_all(dir).expect("frames dir");
    let up = image::open(testdata().join("side_view/nvinay_straight_hf.jpg")).expect("side view").into_rgb8();
    let w = up.width();
    let mut seed: u32 = 0x9e37_79b9;
    for i in 0..n {
        let s = shift(i);
        let mut img = image::RgbImage::new(w, up.height());
        for (x, y, px) in img.enumerate_pixels_mut() {
            // He faces left: forward is -x. The whole shift above the chin
            // (y = 230), none from the top of the shoulders (y = 290) down.
            let k = ((290.0 - y as f32) / 60.0).clamp(0.0, 1.0);
            let sx = (x as f32 + s * k).round().clamp(0.0, (w - 1) as f32) as u32;
            let src = up.get_pixel(sx, y).0;
            for (out, v) in px.0.iter_mut().zip(src) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *out = (f32::from(v) + (seed % 9) as f32 - 4.0).clamp(0.0, 255.0) as u8;
            }
        }
        img.save(dir.join(format!("{i:05}.jpg"))).expect("write frame");
    }
}

/// What happened and when, on the replay clock.
type Timed = Vec<(String, f64)>;

/// (state, t) of every state change, and (kind, t) of every alert.
fn states_and_alerts(env: &Env) -> (Timed, Timed) {
    let ev = env.events();
    let pick = |what: &str, field: &str| -> Timed {
        ev.iter()
            .filter(|e| e["event"] == what)
            .map(|e| (e[field].as_str().unwrap_or("").to_string(), e["t"].as_f64().unwrap_or(-1.0)))
            .collect()
    };
    (pick("state", "state"), pick("alert", "kind"))
}

/// The change gate: a still person costs the model at most one frame in
/// four, and a slow change (the head drifting 100 px forward over a
/// minute, then held there a minute) gives the same states and alerts as
/// the model on every frame, each within the gate's 5 s.
#[test]
fn still_frames_skip_the_model_and_no_transition_is_missed() {
    let _guard = serial();
    let side = testdata().join("side_view/nvinay_straight_hf.jpg").display().to_string();
    let cal = vec![side.clone(), side.clone(), side];
    let run = |name: &str, cfg: &str, frames: &Path| {
        let env = Env::new(name);
        env.write_config(cfg);
        let events = env.home.join("events.jsonl").display().to_string();
        let out = env.run(&watch_args(&frames.display().to_string(), &events, &[], &cal));
        ok(&out);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        (env, err)
    };
    let work = Env::new("gate-frames");
    let still = work.home.join("still");
    side_view_frames(&still, 60, |_| 0.0);
    let (_, err) = run("gate-still", "", &still);
    let line = err.lines().find(|l| l.contains("through the model")).expect("summary line");
    let nums: Vec<u64> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    let (judged, inferred) = (nums[1], nums[2]);
    eprintln!("gate, still person: {line}");
    assert_eq!(judged, 60, "{line}");
    assert!(inferred * 4 <= judged, "the model ran on {inferred} of {judged} still frames");

    let slow = work.home.join("slow");
    side_view_frames(&slow, 240, |i| 100.0 * (i as f32 / 120.0).min(1.0));
    let (gated, err_on) = run("gate-on", "", &slow);
    let (every, err_off) = run("gate-off", "[pose]\nskip_still_frames = false\n", &slow);
    let (on, off) = (states_and_alerts(&gated), states_and_alerts(&every));
    eprintln!("gate on: {on:?}\ngate off: {off:?}\n{err_on}{err_off}");
    assert!(off.1.iter().any(|(k, _)| k == "forward_head"), "the hunched minute alerts: {off:?}");
    for (a, b) in [(&on.0, &off.0), (&on.1, &off.1)] {
        assert_eq!(a.iter().map(|x| &x.0).collect::<Vec<_>>(), b.iter().map(|x| &x.0).collect::<Vec<_>>());
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x.1 - y.1).abs() <= headsup::pose::gate::MAX_SKIP_S, "{x:?} vs {y:?}");
        }
    }
}

/// A head that stays drifting (the neck pushed a little forward; the cut-offs
/// set wide, as the lite model's angle on one still image wanders by a few
/// degrees) never alerts as forward head; with the nudge due
/// after 1 minute and at most every 2, four minutes give two nudges, each
/// its own event, on_alert kind and terminal text, journaled and counted
/// apart in the report.
#[test]
fn a_long_drift_nudges_gently_and_the_report_counts_it() {
    let _guard = serial();
    let env = Env::new("nudge");
    env.write_config(
        "[posture]\ngood_above = 90.0\nforward_below = 20.0\n[timing]\nnudge_after_min = 1.0\nnudge_every_min = 2.0\n",
    );
    let looks = env.home.join("looks");
    side_view_frames(&looks, 6, |_| 10.0);
    let frames = env.home.join("frames");
    std::fs::create_dir_all(&frames).expect("frames dir");
    for i in 0..480 {
        let look = looks.join(format!("{:05}.jpg", i % 6));
        std::os::unix::fs::symlink(look, frames.join(format!("{i:05}.jpg"))).expect("link");
    }
    let side = testdata().join("side_view/nvinay_straight_hf.jpg").display().to_string();
    let cal = vec![side.clone(), side.clone(), side];
    let events = env.home.join("events.jsonl").display().to_string();
    let out = env.run(&watch_args(&frames.display().to_string(), &events, &[], &cal));
    ok(&out);
    let ev = env.events();
    let (states, alerts) = states_and_alerts(&env);
    assert!(alerts.is_empty(), "drifting never alerts: {alerts:?}");
    assert!(
        states.iter().any(|(s, _)| s == "drifting") && states.iter().all(|(s, _)| s != "forward_head"),
        "{states:?}"
    );
    let nudges: Vec<&Value> = ev.iter().filter(|e| e["event"] == "nudge").collect();
    assert_eq!(nudges.len(), 2, "{ev:?}");
    let t: Vec<f64> = nudges.iter().map(|n| n["t"].as_f64().expect("t")).collect();
    assert!((t[1] - t[0] - 120.0).abs() < 1.0, "two minutes apart: {t:?}");
    for n in &nudges {
        assert!(n["reason"].as_str().expect("reason").starts_with("head drifting forward for "), "{n}");
        assert!(n["minutes"].as_f64().expect("minutes") >= 1.0, "{n}");
        assert!((20.0..90.0).contains(&n["score"].as_f64().expect("score")), "{n}");
    }
    let lines = env.on_alert_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("drifting|drifting|")), "{lines:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("A gentle nudge") && err.contains("0 alerts, 2 nudges"), "{err}");

    let out = env.run(&["report", "--format", "json"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("report json");
    assert_eq!((r["alerts"].as_u64(), r["nudges"].as_u64()), (Some(0), Some(2)), "{r}");
    let text = env.run(&["report"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Alerts: 0") && text.contains("Nudges while drifting: 2"), "{text}");
}

/// Learning from corrections, through the binary on a real replay: a
/// calibrated profile, the head drifting slowly forward and held there.
/// Three `feedback wrong` (no watcher running: the profile is corrected
/// and journaled) make the alert come later; three undos sent to the
/// watcher on its replay clock (`--at`) give back the very same states and
/// alerts; a correction during the replay is journaled with the signals of
/// that moment, and the report counts them all.
#[test]
fn corrections_make_alerts_come_later_and_undos_restore_the_events() {
    let _guard = serial();
    let env = Env::new("feedback");
    env.write_config("");
    let side = testdata().join("side_view/nvinay_straight_hf.jpg").display().to_string();
    let lite = ["--runtime", "rten", "--model", "lite"];
    let cal = [&["calibrate", "--seconds", "3", "--source", &side, &side, &side][..], &lite].concat();
    ok(&env.run(&cal));
    let slow = env.home.join("slow");
    side_view_frames(&slow, 240, |i| 100.0 * (i as f32 / 120.0).min(1.0));
    let events = env.home.join("events.jsonl").display().to_string();
    let replay = |extra: &[&str]| {
        let base = ["watch", "--headless", "--source", slow.to_str().expect("path"), "--events", &events];
        let out = env.run(&[&base[..], &lite, extra].concat());
        ok(&out);
        let (states, alerts) = states_and_alerts(&env);
        let feedback: Vec<Value> = env.events().into_iter().filter(|e| e["event"] == "feedback").collect();
        (states, alerts, feedback)
    };
    let first_alert = |alerts: &Timed| alerts.iter().find(|(k, _)| k == "forward_head").map(|a| a.1);
    let (states, alerts, _) = replay(&[]);
    let before = first_alert(&alerts).expect("the held hunch alerts");

    for n in 1..=3 {
        let out = env.run(&["feedback", "wrong"]);
        ok(&out);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("sensitivity lowered") && said.contains(&format!("after {n} correction")),
            "{said}"
        );
    }
    let profile =
        std::fs::read_to_string(env.home.join("data/headsup/profiles/default.toml")).expect("profile");
    assert_eq!(profile.matches("kind = \"wrong\"").count(), 3, "kept in the profile:\n{profile}");
    let (_, later, _) = replay(&[]);
    eprintln!("alerts before: {alerts:?}\nafter 3 wrong: {later:?}");
    assert!(
        first_alert(&later).is_some_and(|t| t > before),
        "still alerts, but later: {alerts:?} then {later:?}"
    );

    let undo = ["--at", "0=feedback:undo", "--at", "0=feedback:undo", "--at", "0=feedback:undo"];
    let during = ["--at", "100=feedback:missed", "--at", "100=feedback:undo"];
    let (restored_states, restored, feedback) = replay(&[&undo[..], &during].concat());
    assert_eq!((&restored_states, &restored), (&states, &alerts), "3 undos give the original events back");
    let kinds: Vec<&str> = feedback.iter().map(|e| e["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds, ["undo", "undo", "undo", "missed", "undo"], "{feedback:?}");
    assert_eq!(feedback[2]["corrections"], 0);
    assert_eq!(feedback[3]["forward_below"].as_f64(), feedback[2]["forward_below"].as_f64().map(|f| f + 2.0));
    assert!(feedback[3]["signals"]["ear_shoulder_gap"].is_number(), "the moment's signals: {}", feedback[3]);
    let out = env.run(&["feedback", "--undo"]);
    assert!(!out.status.success(), "nothing left to undo");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no correction to undo"));

    let journal = headsup::journal::Journal::open_read_only(&env.home.join("data/headsup/journal.sqlite3"))
        .expect("journal");
    let rows = journal.corrections(0.0, f64::MAX).expect("corrections");
    let said: Vec<(&str, bool)> =
        rows.iter().map(|r| (r.kind.as_str(), r.signals.contains("ear_shoulder_gap"))).collect();
    assert_eq!(
        said,
        [
            ("wrong", false),
            ("wrong", false),
            ("wrong", false),
            ("undo", false),
            ("undo", false),
            ("undo", false),
            ("missed", true),
            ("undo", true)
        ],
        "offline corrections have no signals; the watcher's at t=0 none yet, at t=100 those of the last frame"
    );
    assert!(rows.iter().all(|r| r.profile == "default"), "{rows:?}");

    let out = env.run(&["report", "--format", "json"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("report json");
    let f = &r["feedback"];
    assert_eq!(
        (f["wrong"].as_u64(), f["missed"].as_u64(), f["undone"].as_u64()),
        (Some(3), Some(1), Some(4)),
        "{r}"
    );
    assert_eq!(f["forward_below"], feedback[2]["forward_below"], "back where it started");
    let text = env.run(&["report"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Your corrections: 3 wrong, 1 missed, 4 undone"), "{text}");
}
