//! The webcam path end to end: the unmodified binary against emulated UVC
//! webcams. `tests/camera_emu/v4l2emu.c`, preloaded into the binary, makes
//! `/dev/videoN` behave as uvcvideo does (buffers of `sizeimage` with the
//! frame at their start, stale bytes behind it, flagged and failed buffers,
//! unplug, busy, stall), so these tests run the code users run. A preload
//! cannot enter this (already running) test process, so every test spawns
//! the binary. Frames are the shared test images, re-encoded at camera
//! sizes into the test's temp folder.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// Builds the emulator once per test run. It must build wherever the tests
/// run (CI included): a missing compiler fails the tests with the reason.
fn emulator() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("libv4l2emu.so");
        let src = repo().join("tests/camera_emu/v4l2emu.c");
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let built = Command::new(&cc)
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-o"])
            .arg(&out)
            .arg(&src)
            .args(["-ldl", "-lpthread"])
            .output()
            .unwrap_or_else(|e| panic!("the V4L2 camera emulator cannot be built: `{cc}` did not run ({e})"));
        assert!(
            built.status.success(),
            "the V4L2 camera emulator did not compile:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        out
    })
}

/// Camera-sized frames made from the shared images: good posture (case4)
/// and forward head (case1) as 640x480 MJPEG, the same without Huffman
/// tables, and good posture as raw 1280x720 YUYV.
struct Fixtures {
    good: Vec<PathBuf>,
    bad: Vec<PathBuf>,
    good_no_dht: Vec<PathBuf>,
    good_yuyv_720p: Vec<PathBuf>,
    good_720p_jpeg: Vec<PathBuf>,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("camera-frames");
        std::fs::create_dir_all(&dir).expect("fixture dir");
        let grades = testdata().join("unlicensed/front_neck_grades");
        let mut f = Fixtures {
            good: vec![],
            bad: vec![],
            good_no_dht: vec![],
            good_yuyv_720p: vec![],
            good_720p_jpeg: vec![],
        };
        for (case, i) in ["case4", "case1"].iter().flat_map(|c| (0..6).map(move |i| (*c, i))) {
            let src = grades.join(format!("{case}_IMG_0877_{}.jpg", 100 + 4 * i));
            let img = image::open(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display())).into_rgb8();
            // 16:9 → 4:3 by the centre, as a 640x480 webcam mode frames it.
            let (w, h) = img.dimensions();
            let cw = h * 4 / 3;
            let crop = image::imageops::crop_imm(&img, (w - cw) / 2, 0, cw, h).to_image();
            let vga = image::imageops::resize(&crop, 640, 480, image::imageops::FilterType::Triangle);
            let jpeg = encode_jpeg(&vga);
            let path = dir.join(format!("{case}_{i}.jpg"));
            std::fs::write(&path, &jpeg).expect("write fixture");
            if case == "case4" {
                f.good.push(path);
                let stripped = dir.join(format!("{case}_{i}_nodht.jpg"));
                std::fs::write(&stripped, strip_huffman_tables(&jpeg)).expect("write fixture");
                f.good_no_dht.push(stripped);
                let hd = image::imageops::resize(&img, 1280, 720, image::imageops::FilterType::Triangle);
                let raw = dir.join(format!("{case}_{i}_720p.yuyv"));
                std::fs::write(&raw, rgb_to_yuyv(&hd)).expect("write fixture");
                f.good_yuyv_720p.push(raw);
                let hd_jpeg = dir.join(format!("{case}_{i}_720p.jpg"));
                std::fs::write(&hd_jpeg, encode_jpeg(&hd)).expect("write fixture");
                f.good_720p_jpeg.push(hd_jpeg);
            } else {
                f.bad.push(path);
            }
        }
        f
    })
}

fn encode_jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(img).expect("encode jpeg");
    out.into_inner()
}

/// What many webcams send: the JPEG without its DHT segments (the decoder
/// must supply the standard tables, as MJPEG's AVI1 convention says).
fn strip_huffman_tables(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        if marker == 0xDA {
            out.extend_from_slice(&jpeg[i..]);
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if marker != 0xC4 {
            out.extend_from_slice(&jpeg[i..i + 2 + len]);
        }
        i += 2 + len;
    }
    assert!(out.len() < jpeg.len(), "the fixture had Huffman tables to strip");
    out
}

/// RGB → YUYV 4:2:2 (BT.601, limited range), as a camera sends it.
fn rgb_to_yuyv(img: &image::RgbImage) -> Vec<u8> {
    let yuv = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(f32::from);
        (
            (16.0 + 0.257 * r + 0.504 * g + 0.098 * b).round() as u8,
            (128.0 - 0.148 * r - 0.291 * g + 0.439 * b).round() as u8,
            (128.0 + 0.439 * r - 0.368 * g - 0.071 * b).round() as u8,
        )
    };
    let mut out = Vec::with_capacity(img.len() / 3 * 2);
    for pair in img.pixels().collect::<Vec<_>>().chunks_exact(2) {
        let (y0, u0, v0) = yuv(pair[0]);
        let (y1, u1, v1) = yuv(pair[1]);
        let avg = |a: u8, b: u8| ((u16::from(a) + u16::from(b)) / 2) as u8;
        out.extend_from_slice(&[y0, avg(u0, u1), y1, avg(v0, v1)]);
    }
    out
}

fn paths(files: &[PathBuf]) -> String {
    files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
}

/// Emulated cameras for one test: their config, the control file the test
/// steers them with, and the emulator's log of opens, closes and streams.
struct Cams {
    config: PathBuf,
    control: PathBuf,
    log: PathBuf,
}

impl Cams {
    /// `devices`: the device blocks of the emulator's config.
    fn new(env: &Env, devices: &str) -> Self {
        let dir = env.home.join("emu");
        std::fs::create_dir_all(&dir).expect("emu dir");
        let cams = Self { config: dir.join("config"), control: dir.join("control"), log: dir.join("log") };
        let text = format!("log {}\ncontrol {}\n{devices}", cams.log.display(), cams.control.display());
        std::fs::write(&cams.config, text).expect("emulator config");
        cams.set("");
        cams
    }

    /// Replaces the control file atomically (the emulator re-reads it).
    fn set(&self, state: &str) {
        let tmp = self.control.with_extension("tmp");
        std::fs::write(&tmp, state).expect("control");
        std::fs::rename(&tmp, &self.control).expect("control rename");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many log lines contain `needle`.
    fn count(&self, needle: &str) -> usize {
        self.log().lines().filter(|l| l.contains(needle)).count()
    }

    /// The binary with the emulator preloaded.
    fn cmd(&self, env: &Env, args: &[&str]) -> Command {
        let mut c = env.cmd(args);
        c.env("LD_PRELOAD", emulator()).env("V4L2EMU_CONFIG", &self.config);
        c
    }
}

/// One MJPEG 640x480 camera serving `files`, named `name`.
fn mjpeg_device(index: u32, name: &str, files: &[PathBuf]) -> String {
    format!("device {index}\nname {name}\nformat MJPG 640x480 30,15,5 {}\n", paths(files))
}

/// Short timings, so forward head alerts within seconds.
const FAST: &str = "[timing]\nonset_delay_s = 1.0\nrecovery_s = 1.0\nsmoothing_s = 0.5\nalert_after_s = 6.0\n\
                    [camera]\nfps_good = 4.0\nfps_drifting = 4.0\npause_on_lock = true\n";

fn watch_args<'a>(camera: &'a str, events: &'a str, cal: &'a [String]) -> Vec<&'a str> {
    let mut args = vec![
        "watch",
        "--headless",
        "--runtime",
        "rten",
        "--model",
        "lite",
        "--camera",
        camera,
        "--events",
        events,
        "--calibrate",
    ];
    args.extend(cal.iter().map(String::as_str));
    args
}

fn strings(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| p.display().to_string()).collect()
}

/// A private home with the short timings and emulated camera 0 ("Emu
/// Cam") serving `frames`; the events log's path and the good frames to
/// calibrate from.
struct Rig {
    env: Env,
    cams: Cams,
    events: String,
    cal: Vec<String>,
}

impl Rig {
    fn new(name: &str, frames: &[PathBuf]) -> Self {
        let env = Env::new(name);
        env.write_config(FAST);
        let cams = Cams::new(&env, &mjpeg_device(0, "Emu Cam", frames));
        let events = env.home.join("events.jsonl").display().to_string();
        Self { env, cams, events, cal: strings(&fixtures().good) }
    }

    /// `headsup watch --camera 0` through the emulator.
    fn watch(&self) -> Child {
        spawn(&mut self.cams.cmd(&self.env, &watch_args("0", &self.events, &self.cal)))
    }
}

/// Waits up to `secs` for an event matching `pred`; returns it.
fn wait_event(env: &Env, child: &mut Child, secs: f64, pred: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        if let Some(e) = env.events().into_iter().find(&pred) {
            return e;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut s, &mut err);
            }
            panic!("the watcher exited ({status}) before the event came:\n{err}\nevents: {:?}", env.events());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no such event within {secs} s; events: {:?}", env.events());
}

fn event(name: &'static str) -> impl Fn(&Value) -> bool {
    move |e| e["event"] == name
}

/// Sends `sig` and returns how long the process took to exit, and its stderr.
fn stop(mut child: Child, sig: i32) -> (Duration, String) {
    let start = Instant::now();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, sig) };
    while start.elapsed() < Duration::from_secs(10) {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    if child.try_wait().ok().flatten().is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("watcher output");
    (took, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The duration in an alert's reason: "head forward for 7 s; …" → 7.
fn forward_seconds(reason: &str) -> f64 {
    let rest = reason.split(" for ").nth(1).unwrap_or_else(|| panic!("no duration in {reason:?}"));
    let mut words = rest.split([' ', ';']);
    let n: f64 = words.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{reason:?}"));
    match words.next() {
        Some("min") => n * 60.0,
        _ => n,
    }
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn headsup")
}

#[test]
fn cameras_lists_each_emulated_camera_with_its_formats() {
    // No settings file on purpose: the failed stat of the missing file makes
    // Rust's std probe statx with a NULL path, which the emulator must pass on.
    let env = Env::new("cam-list");
    let f = fixtures();
    let devices = format!(
        "{}device 2\nname Emu YUYV Only\nformat YUYV 1280x720 10,5 {}\n",
        mjpeg_device(0, "Emu Cam A", &f.good),
        paths(&f.good_yuyv_720p)
    );
    let cams = Cams::new(&env, &devices);
    let out = cams.cmd(&env, &["cameras"]).output().expect("run");
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0: Emu Cam A") && text.contains("MJPEG 640x480 @ 30, 15, 5 fps"), "{text}");
    assert!(text.contains("2: Emu YUYV Only") && text.contains("YUYV 1280x720 @ 10, 5 fps"), "{text}");
    // And what headsup would stream with the default settings (640x480, 2 fps).
    assert!(text.contains("headsup streams MJPEG 640x480 @ 5 fps"), "{text}");
    assert!(text.contains("headsup streams YUYV 1280x720 @ 5 fps"), "{text}");
    // Listing opens and closes each camera; none is left streaming.
    assert_eq!(cams.count("streamon"), 0, "{}", cams.log());
}

#[test]
fn calibrate_from_the_camera_then_watch_judges_and_alerts() {
    let _guard = serial();
    let env = Env::new("cam-alert");
    env.write_config(FAST);
    let f = fixtures();
    // Camera 1 sees good posture, camera 0 forward head; the tail of every
    // buffer holds an older frame (its end marker included).
    let devices = format!(
        "{}tail stale\n{}tail stale\n",
        mjpeg_device(0, "Emu Bad", &f.bad),
        mjpeg_device(1, "Emu Good", &f.good)
    );
    let cams = Cams::new(&env, &devices);
    let out = cams
        .cmd(&env, &["calibrate", "--camera", "1", "--seconds", "3", "--runtime", "rten", "--model", "lite"])
        .output()
        .expect("calibrate");
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("camera 1 (Emu Good) streaming MJPEG 640x480 @ 5 fps"), "{err}");
    assert!(err.contains("calibrated profile \"default\" (640x480)"), "{err}");
    // The countdown streamed (frames read and dropped) before the 3 s of calibration.
    let profile =
        std::fs::read_to_string(env.home.join("data/headsup/profiles/default.toml")).expect("profile");
    assert!(profile.contains("Emu Good"), "{profile}");

    let events = env.home.join("events.jsonl").display().to_string();
    let mut child = spawn(&mut cams.cmd(
        &env,
        &[
            "watch",
            "--headless",
            "--runtime",
            "rten",
            "--model",
            "lite",
            "--camera",
            "0",
            "--events",
            &events,
        ],
    ));
    let alert = wait_event(&env, &mut child, 40.0, event("alert"));
    assert_eq!(alert["kind"], "forward_head", "{alert}");
    let (took, err) = stop(child, libc::SIGINT);
    assert!(took < Duration::from_secs(3), "SIGINT took {took:?}");
    assert!(err.contains("watching camera 0 (Emu Bad)"), "{err}");
    assert!(!err.contains("skipped a frame"), "no frame is refused: {err}");
    assert!(cams.log().contains("streamoff video0"), "the camera is released at exit: {}", cams.log());
}

#[test]
fn truncated_flagged_and_failed_frames_are_skipped_and_counted() {
    let _guard = serial();
    let env = Env::new("cam-corrupt");
    env.write_config(FAST);
    let f = fixtures();
    // At 5 fps, about every frame the camera sends is read (at a higher
    // rate the watcher drains to the newest and never decodes most of them).
    let cams = Cams::new(
        &env,
        &format!("device 0\nname Emu Cam\nformat MJPG 640x480 5 {}\ntail stale\n", paths(&f.good)),
    );
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = strings(&f.good);
    let mut child = spawn(&mut cams.cmd(&env, &watch_args("0", &events, &cal)));
    wait_event(&env, &mut child, 30.0, event("state"));
    // Cut short (the tail still holds an older frame's end marker), flagged
    // by the driver, and a failed dequeue.
    cams.set("corrupt 0 4\nerrflag 0 3\neio 0 1\n");
    let start = Instant::now();
    while cams.count("eio") + cams.count("EIO") == 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let (took, err) = stop(child, libc::SIGTERM);
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?}");
    let skipped: u64 = err
        .split(" unreadable skipped")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line: {err}"));
    assert!(skipped >= 4, "of 4 truncated, 3 flagged, 1 I/O error, {skipped} were skipped: {err}");
    // Said once, not once a frame.
    assert_eq!(err.matches("skipped a frame").count(), 1, "{err}");
    // Frames after the bad ones were judged again.
    let judged: u64 = err
        .split(" judged")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("judged");
    assert!(judged >= 8, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn yuyv_only_camera_without_the_configured_size_and_mjpeg_without_huffman_tables() {
    let _guard = serial();
    let env = Env::new("cam-formats");
    env.write_config(FAST);
    let f = fixtures();
    let devices = format!(
        "device 0\nname Emu YUYV 720p\nformat YUYV 1280x720 10,5 {}\ndevice 1\nname Emu No DHT\nformat MJPG 640x480 30 {}\n",
        paths(&f.good_yuyv_720p),
        paths(&f.good_no_dht)
    );
    let cams = Cams::new(&env, &devices);
    let doctor = |camera: &str| {
        let out = cams
            .cmd(&env, &["doctor", "--camera", camera, "--runtime", "rten", "--model", "lite"])
            .output()
            .expect("doctor");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = doctor("0");
    assert!(text.contains("ok  camera") && text.contains("delivers YUYV 1280x720 @ 5 fps"), "{text}");
    let text = doctor("1");
    assert!(text.contains("ok  camera") && text.contains("delivers MJPEG 640x480 @ 30 fps"), "{text}");
    // And the watcher judges the YUYV camera's frames (calibrated at its size).
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = strings(&f.good_720p_jpeg);
    let mut child = spawn(&mut cams.cmd(&env, &watch_args("0", &events, &cal)));
    let state = wait_event(&env, &mut child, 30.0, event("state"));
    assert_eq!(state["state"], "good", "{state}");
    let (_, err) = stop(child, libc::SIGTERM);
    assert!(err.contains("0 unreadable skipped"), "{err}");
}

#[test]
fn unplug_is_an_outage_reported_and_not_counted_and_replug_resumes() {
    let _guard = serial();
    let rig = Rig::new("cam-unplug", &fixtures().bad);
    let mut child = rig.watch();
    let Rig { env, cams, .. } = rig;
    // Forward head is seen, then the camera goes before the alert is due.
    let first_state = wait_event(&env, &mut child, 30.0, |e| e["event"] == "state" && e["state"] != "good");
    cams.set("present 0 0\n");
    let lost = wait_event(&env, &mut child, 10.0, event("camera_lost"));
    assert!(lost["error"].as_str().expect("error").contains("camera 0 (Emu Cam) was disconnected"), "{lost}");
    let lost_t = lost["t"].as_f64().expect("t");
    assert!(lost_t > first_state["t"].as_f64().expect("t"), "{lost} after {first_state}");
    assert!(env.events().iter().all(|e| e["event"] != "alert"), "unplugged before the alert was due");
    std::thread::sleep(Duration::from_secs(8));
    cams.set("present 0 1\n");
    let found = wait_event(&env, &mut child, 10.0, event("camera_found"));
    assert_eq!(found["source"], "camera 0 (Emu Cam)");
    let found_t = found["t"].as_f64().expect("t");
    assert!(found_t - lost_t >= 7.5, "lost at {lost_t}, found at {found_t}");
    let alert = wait_event(&env, &mut child, 30.0, event("alert"));
    let alert_t = alert["t"].as_f64().expect("t");
    // The outage is not forward-head time: a full alert_after_s after the replug.
    assert!(alert_t >= found_t + 6.0, "alert at {alert_t}, replugged at {found_t}: {alert}");
    let reason = alert["reason"].as_str().expect("reason");
    let forward_s = forward_seconds(reason);
    assert!((6.0..found_t - lost_t).contains(&forward_s), "the reason counts no outage time: {reason}");
    let (took, err) = stop(child, libc::SIGTERM);
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?}: {err}");
    // The journal holds the outage as a pause.
    let journal = rusqlite::Connection::open(env.home.join("data/headsup/journal.sqlite3")).expect("journal");
    let (start, end): (f64, f64) = journal
        .query_row("SELECT start, end FROM pauses WHERE kind = 'camera_lost'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("a camera_lost pause in the journal");
    assert!(
        (end - start - (found_t - lost_t)).abs() < 1.5,
        "pause {start}..{end} for an outage of {}",
        found_t - lost_t
    );
    // The emulator saw the device closed and opened again.
    assert!(cams.log().contains("unplugged video0") && cams.count("open video0") >= 2, "{}", cams.log());
}

#[test]
fn a_busy_camera_is_said_and_waited_for() {
    let _guard = serial();
    let env = Env::new("cam-busy");
    env.write_config(FAST);
    let f = fixtures();
    let cams = Cams::new(&env, &mjpeg_device(0, "Emu Cam", &f.good));
    cams.set("busy 0 1\n");
    // doctor says so and what to do.
    let out = cams.cmd(&env, &["doctor", "--runtime", "rten", "--model", "lite"]).output().expect("doctor");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("FIX camera") && text.contains("is busy") && text.contains("close the other program"),
        "{text}"
    );
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = strings(&f.good);
    let mut child = spawn(&mut cams.cmd(&env, &watch_args("0", &events, &cal)));
    let lost = wait_event(&env, &mut child, 20.0, event("camera_lost"));
    assert!(lost["error"].as_str().expect("error").contains("another program"), "{lost}");
    std::thread::sleep(Duration::from_secs(2));
    cams.set("busy 0 0\n");
    let found = wait_event(&env, &mut child, 15.0, event("camera_found"));
    assert_eq!(found["source"], "camera 0 (Emu Cam)", "the found camera is named: {found}");
    wait_event(&env, &mut child, 15.0, event("state"));
    let (took, _) = stop(child, libc::SIGTERM);
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?}");
}

#[test]
fn a_stalled_camera_is_reported_reopened_and_never_hangs_the_program() {
    let _guard = serial();
    let rig = Rig::new("cam-stall", &fixtures().good);
    let mut child = rig.watch();
    let Rig { env, cams, .. } = rig;
    wait_event(&env, &mut child, 30.0, event("state"));
    cams.set("stall 0 1\n");
    let lost = wait_event(&env, &mut child, 15.0, event("camera_lost"));
    assert!(lost["error"].as_str().expect("error").contains("stopped delivering frames"), "{lost}");
    cams.set("stall 0 0\n");
    wait_event(&env, &mut child, 15.0, event("camera_found"));
    // Stalled again, then SIGTERM in the middle of it.
    cams.set("stall 0 1\n");
    std::thread::sleep(Duration::from_secs(2));
    let (took, err) = stop(child, libc::SIGTERM);
    assert!(took < Duration::from_secs(10), "SIGTERM mid-stall took {took:?}: {err}");
    eprintln!("watch --headless: SIGTERM mid-stall ended it in {took:?}");
    assert!(cams.count("reopen") + cams.count("open video0") >= 2, "{}", cams.log());

    // calibrate from a camera that never delivers: SIGINT ends it promptly.
    let child = spawn(&mut cams.cmd(&env, &["calibrate", "--runtime", "rten", "--model", "lite"]));
    std::thread::sleep(Duration::from_secs(2));
    let (took, err) = stop(child, libc::SIGINT);
    assert!(took < Duration::from_secs(10), "SIGINT mid-stall took {took:?}: {err}");
    eprintln!("calibrate: SIGINT mid-stall ended it in {took:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn pause_snooze_and_a_locked_screen_release_the_camera() {
    let _guard = serial();
    let env = Env::new("cam-release");
    env.write_config(FAST);
    let f = fixtures();
    let cams = Cams::new(&env, &mjpeg_device(0, "Emu Cam", &f.good));
    // logind cannot run here: a `loginctl` stand-in answers LockedHint from a file.
    let bin = env.home.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let locked = env.home.join("locked");
    let stand_in = bin.join("loginctl");
    std::fs::write(
        &stand_in,
        format!("#!/bin/sh\nif [ -e {} ]; then echo yes; else echo no; fi\n", locked.display()),
    )
    .expect("loginctl stand-in");
    std::fs::set_permissions(&stand_in, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = strings(&f.good);
    let mut cmd = cams.cmd(&env, &watch_args("0", &events, &cal));
    cmd.env("PATH", &path).env("XDG_SESSION_ID", "7");
    let mut child = spawn(&mut cmd);
    wait_event(&env, &mut child, 30.0, event("state"));
    let wait_log = |needle: &str, n: usize| {
        let start = Instant::now();
        while cams.count(needle) < n {
            assert!(
                start.elapsed() < Duration::from_secs(8),
                "no {n} × {needle:?} in the log:\n{}",
                cams.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let ctl = |args: &[&str]| ok(&env.cmd(args).output().expect("control"));
    wait_log("streamon video0", 1);
    ctl(&["pause"]);
    wait_log("close video0", 1);
    ctl(&["resume"]);
    wait_log("streamon video0", 2);
    ctl(&["snooze", "10m"]);
    wait_log("close video0", 2);
    ctl(&["resume"]);
    wait_log("streamon video0", 3);
    std::fs::write(&locked, "").expect("lock");
    wait_event(&env, &mut child, 10.0, |e| e["event"] == "pause" && e["reason"] == "screen locked");
    wait_log("close video0", 3);
    std::fs::remove_file(&locked).expect("unlock");
    wait_event(&env, &mut child, 10.0, |e| {
        e["event"] == "resume" && e["reason"] == "no longer screen locked"
    });
    wait_log("streamon video0", 4);
    let (took, _) = stop(child, libc::SIGTERM);
    assert!(took < Duration::from_secs(3), "SIGTERM took {took:?}");
}

#[test]
fn switching_cameras_in_the_settings_reopens_the_other_one_live() {
    let _guard = serial();
    let env = Env::new("cam-switch");
    let cfg = env.write_config(FAST);
    let f = fixtures();
    let devices =
        format!("{}{}", mjpeg_device(0, "Emu Cam A", &f.good), mjpeg_device(1, "Emu Cam B", &f.good));
    let cams = Cams::new(&env, &devices);
    let events = env.home.join("events.jsonl").display().to_string();
    let cal = strings(&f.good);
    let mut args = watch_args("0", &events, &cal);
    // The camera comes from the settings here (what the window's picker writes).
    args.drain(6..8);
    let mut child = spawn(&mut cams.cmd(&env, &args));
    wait_event(&env, &mut child, 30.0, event("state"));
    let text = std::fs::read_to_string(&cfg).expect("cfg").replace("[camera]\n", "[camera]\nindex = 1\n");
    std::fs::write(&cfg, text).expect("edit");
    let found = wait_event(&env, &mut child, 10.0, |e| {
        e["event"] == "camera_found" && e["source"] == "camera 1 (Emu Cam B)"
    });
    assert!(found["t"].as_f64().expect("t") > 0.0);
    let start = Instant::now();
    while cams.count("streamon video1") == 0 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = cams.log();
    assert!(log.contains("close video0") && log.contains("streamon video1"), "{log}");
    stop(child, libc::SIGTERM);
}

/// The window over the camera, on the real event loop under Xvfb: it
/// repaints only when the watcher has something new to show or on input
/// (each repaint is traced and counted here), and closing it while the
/// camera is stalled ends the program within the 3 s bound.
#[test]
fn the_window_repaints_only_on_news_or_input_and_closes_mid_stall() {
    use std::io::BufRead;
    use std::sync::{Arc, Mutex};
    let _guard = serial();
    let x = crate::ui::Xvfb::start();
    let rig = Rig::new("cam-window", &fixtures().good);
    let mut args = watch_args("0", &rig.events, &rig.cal);
    args.retain(|a| *a != "--headless");
    let mut cmd = rig.cams.cmd(&rig.env, &args);
    cmd.env("DISPLAY", &x.display).env("RUST_LOG", "warn,headsup::ui::paint=trace");
    let mut child = spawn(&mut cmd);
    let paints = Arc::new(Mutex::new(0usize));
    let stderr = child.stderr.take().expect("stderr");
    let counter = paints.clone();
    let reader = std::thread::spawn(move || {
        let mut other = Vec::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("painted") {
                *counter.lock().expect("count") += 1;
            } else {
                other.push(line);
            }
        }
        other.join("\n")
    });
    let count = || *paints.lock().expect("count");
    let Rig { env, cams, .. } = rig;
    wait_event(&env, &mut child, 60.0, event("state"));
    let mut window = None;
    crate::ui::wait_for("the window", 20, || {
        window = x.window("headsup");
        window.is_some()
    });
    let window = window.expect("window");
    let painted_in = |secs: f64| {
        let before = count();
        std::thread::sleep(Duration::from_secs_f64(secs));
        count() - before
    };
    let ctl = |args: &[&str]| ok(&env.cmd(args).output().expect("control"));
    // Paused: nothing new to show, so nothing is painted.
    ctl(&["pause"]);
    std::thread::sleep(Duration::from_millis(1500));
    let idle = painted_in(3.0);
    // Input is answered at once.
    let before = count();
    for i in 0..5 {
        x.poke(window, i);
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let input = count() - before;
    // Watching at 4 fps: a repaint per frame judged.
    ctl(&["resume"]);
    std::thread::sleep(Duration::from_secs(1));
    let watching = painted_in(3.0);
    eprintln!(
        "window repaints: {idle} in 3 s paused, {input} for 5 pointer moves, {watching} in 3 s watching"
    );
    assert!(idle <= 1, "{idle} repaints in 3 s with nothing new");
    assert!(input >= 1, "pointer moves were not answered");
    assert!((4..=30).contains(&watching), "{watching} repaints in 3 s watching at 4 fps");

    cams.set("stall 0 1\n");
    std::thread::sleep(Duration::from_millis(1500));
    // The close button is the window manager's, outside the window. (With
    // no window manager and the pointer inside the window, winit sometimes
    // drops WM_DELETE_WINDOW: seen here in about 1 run in 5.)
    x.pointer_away();
    std::thread::sleep(Duration::from_millis(300));
    let (clicks, took) = x.close_until(window, || child.try_wait().is_ok_and(|s| s.is_some()));
    let (status, _) = crate::ui::wait_exit(&mut child, "the window was closed");
    let err = reader.join().expect("reader");
    eprintln!("window: closing it mid-stall ended the program in {took:?} after the close (click {clicks})");
    assert!(status.success() && took < Duration::from_secs(2), "{status:?} after {took:?}: {err}");
}
