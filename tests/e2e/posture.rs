//! Posture end to end through the real binary on the shared test images:
//! side views by absolute angle, front views against a calibration, alerts
//! on sequences, cannot-assess reasons on the negatives, and the
//! calibrate / profiles / config commands on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;

/// Runs `headsup ARGS` with XDG dirs inside `home` (so profiles and
/// settings stay in the test's own folder).
fn headsup(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_headsup"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .output()
        .expect("run headsup")
}

fn home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headsup-posture-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn records(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "headsup failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn file_name(r: &Value) -> String {
    Path::new(r["file"].as_str().expect("file")).file_name().expect("name").to_string_lossy().into_owned()
}

fn grades(prefix: &str) -> Vec<String> {
    let dir = testdata().join("unlicensed/front_neck_grades");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .expect("front_neck_grades")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

fn analyze(home: &Path, extra: &[&str], inputs: &[String]) -> Vec<Value> {
    let mut args = vec!["analyze", "--format", "jsonl", "--model", "full", "--runtime", "rten"];
    args.extend_from_slice(extra);
    args.extend(inputs.iter().map(String::as_str));
    records(&headsup(home, &args))
}

#[test]
fn side_views_good_bad_and_recline_by_absolute_angle() {
    let _guard = serial();
    let h = home("side");
    let dir = testdata().join("side_view").display().to_string();
    let recs = analyze(&h, &[], &[dir]);
    assert_eq!(recs.len(), 13);
    println!("{:<32} {:>6} {:>13} {:>6}", "image", "view", "state", "angle");
    for r in &recs {
        let name = file_name(r);
        let want = if name.contains("hunchback") { "forward_head" } else { "good" };
        println!("{name:<32} {:>6} {:>13} {:>6.1}", r["view"], r["state"], r["signals"]["side_angle_deg"]);
        assert_eq!(r["view"], "side", "{name}");
        assert_eq!(r["state"], want, "{name}: {}", r["reason"]);
        assert_eq!(r["alert"], false, "stills never alert");
    }
}

#[test]
fn front_grades_against_a_case4_calibration() {
    let _guard = serial();
    let h = home("front");
    let case4 = grades("case4");
    // Stills: every case1 frame is forward head.
    let mut extra = vec!["--calibrate"];
    extra.extend(case4.iter().map(String::as_str));
    extra.push("--");
    for r in analyze(&h, &extra, &grades("case1")) {
        assert_eq!(r["state"], "forward_head", "{}: {}", file_name(&r), r["reason"]);
        assert!(r["score"].as_f64().expect("score") < 50.0);
        assert!(
            r["reason"].as_str().expect("reason").contains("cm ahead of your shoulders"),
            "{}",
            r["reason"]
        );
    }
    // As a sequence at one frame per 20 s (2 minutes): forward head, one alert
    // once it has lasted `alert_after_s` (60 s).
    let mut seq = vec!["--fps", "0.05"];
    seq.extend_from_slice(&extra);
    let recs = analyze(&h, &seq, &grades("case1"));
    let alerts: Vec<f64> =
        recs.iter().filter(|r| r["alert"] == true).map(|r| r["t"].as_f64().expect("t")).collect();
    assert_eq!(alerts, vec![60.0], "one alert, 60 s into the forward stretch");
    assert_eq!(recs.iter().find(|r| r["alert"] == true).expect("alert")["alert_kind"], "forward_head");
    // Upright and extension frames (case4, 5, 6) never alert, however long.
    let mut upright = grades("case4");
    upright.extend(grades("case5"));
    upright.extend(grades("case6"));
    let recs = analyze(&h, &seq, &upright);
    for r in &recs {
        assert_eq!(r["alert"], false, "{}", file_name(r));
        assert_ne!(r["state"], "forward_head", "{}: {}", file_name(r), r["reason"]);
    }
    assert_eq!(recs.last().expect("records")["state"], "good");
}

/// Every image labels.csv lists as a front or side view is judged as one:
/// the back-view cues (posture::facing) never fire on them.
#[test]
fn no_front_or_side_image_is_judged_back_to_the_camera() {
    let _guard = serial();
    let h = home("facing");
    let mut labels = csv::Reader::from_path(testdata().join("labels.csv")).expect("labels.csv");
    let mut inputs = Vec::new();
    for row in labels.records() {
        let row = row.expect("labels.csv row");
        let (file, view) = (&row[0], &row[4]);
        if matches!(view, "front" | "side") && (file.ends_with(".jpg") || file.ends_with(".png")) {
            inputs.push(testdata().join(file).display().to_string());
        }
    }
    assert!(inputs.len() >= 30, "{} front and side images", inputs.len());
    for r in analyze(&h, &[], &inputs) {
        assert_ne!(r["view"], "back", "{}: {}", file_name(&r), r["reason"]);
    }
}

#[test]
fn negatives_cannot_be_assessed_and_never_alert() {
    let _guard = serial();
    let h = home("neg");
    let neg = testdata().join("negatives");
    let want: [(&str, &str, &str); 10] = [
        (
            "dark/exlpose_imgs_0212_hwangridan_vid000020_exp1200_dark_000052__gain_3.40_exposure_417.png",
            "cannot_assess",
            "too dark",
        ),
        (
            "dark/exlpose_imgs_0212_hwangridan_vid000020_exp400_dark_000052__gain_3.40_exposure_1250.png",
            "cannot_assess",
            "too dark",
        ),
        // Dim but readable: judged, provisionally (no calibration).
        ("dark/hagrid_call_143f8b21.jpg", "good", "not calibrated"),
        ("multi_person/crowdpose_106848.jpg", "cannot_assess", "turned away"),
        // The detector (like MediaPipe's) finds nobody in this crowded shot.
        ("multi_person/ultralytics_zidane.jpg", "cannot_assess", "no person"),
        ("no_person/coco_000000000078.jpg", "cannot_assess", "no person"),
        ("no_person/mp_voc_37ca2a3d-IMG_0520.jpg", "cannot_assess", "no person"),
        ("no_person/mp_voc_3d3382d3-IMG_0514.jpg", "cannot_assess", "no person"),
        ("no_person/skimage_chelsea.png", "cannot_assess", "no person"),
        ("partial/mp_sergey.png", "cannot_assess", "shoulders not in the picture"),
    ];
    let inputs: Vec<String> = want.iter().map(|(f, _, _)| neg.join(f).display().to_string()).collect();
    let recs = analyze(&h, &[], &inputs);
    for (r, (f, state, reason)) in recs.iter().zip(want) {
        assert_eq!(r["state"], state, "{f}: {}", r["reason"]);
        assert!(r["reason"].as_str().expect("reason").contains(reason), "{f}: {}", r["reason"]);
        if state == "cannot_assess" {
            assert!(r["score"].is_null(), "{f}");
        }
    }
    // Fed as one long sequence (10 minutes) nothing alerts.
    let recs = analyze(&h, &["--fps", "0.0167"], &inputs);
    assert!(recs.iter().all(|r| r["alert"] == false));
}

#[test]
fn calibrate_then_analyze_with_the_saved_profile() {
    let _guard = serial();
    let h = home("profile");
    let grades_dir = testdata().join("unlicensed/front_neck_grades");
    // A calibration with nobody in view is refused with the reason.
    let nobody = testdata().join("negatives/no_person").display().to_string();
    let out = headsup(&h, &["calibrate", "--runtime", "rten", "--source", &nobody]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no person in view"), "{err}");

    let case4 = grades("case4");
    let mut args = vec!["calibrate", "--runtime", "rten", "--profile", "desk", "--source"];
    args.extend(case4.iter().map(String::as_str));
    let out = headsup(&h, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The camera's placement is said and recorded (these frames: level, in front).
    assert!(String::from_utf8_lossy(&out.stdout).contains("camera eye level"));
    let saved = std::fs::read_to_string(h.join("data/headsup/profiles/desk.toml")).expect("desk.toml");
    assert!(saved.contains("placement = \"eye_level\""), "{saved}");
    // Six steady frames: tighter cut-offs, said and kept in the profile.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("your calibration is steady") && err.contains("(50 for everyone else"), "{err}");
    let profile: toml::Value = toml::from_str(&saved).expect("profile toml");
    let shift = profile["baseline"]["tolerance"]["shift"].as_float().expect("tolerance.shift");
    assert!((3.0..=5.0).contains(&shift), "{saved}");
    let list = headsup(&h, &["profiles"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("desk"));

    let recs = analyze(&h, &["--profile", "desk"], &grades("case1"));
    assert!(recs.iter().all(|r| r["state"] == "forward_head"));
    // Rename and delete; a missing profile is a clear error.
    assert!(headsup(&h, &["profiles", "rename", "desk", "laptop"]).status.success());
    let out = headsup(&h, &["analyze", "--profile", "desk", &grades_dir.display().to_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no profile named \"desk\""));
    assert!(headsup(&h, &["profiles", "delete", "laptop"]).status.success());
}

#[test]
fn config_init_check_and_bad_edits() {
    let h = home("config");
    let out = headsup(&h, &["config", "init"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = h.join("config/headsup/config.toml");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.contains("onset_delay_s = 10.0") && text.contains("# "));
    assert!(headsup(&h, &["config", "check"]).status.success());
    assert!(!headsup(&h, &["config", "init"]).status.success(), "no silent overwrite");
    std::fs::write(&path, text.replace("onset_delay_s = 10.0", "onset_delay_s = -3.0")).expect("edit");
    let out = headsup(&h, &["config", "check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:") && err.contains("timing.onset_delay_s = -3") && err.contains("0 to 600"),
        "{err}"
    );
}

/// `files` mirrored left to right into `dir` (a person looking the other
/// way: the nose on the other side of the ears), as JPEG.
fn mirrored(files: &[String], dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("mirror dir");
    files
        .iter()
        .map(|f| {
            let out = dir.join(Path::new(f).file_name().expect("name"));
            image::open(f).expect("image").fliph().save(&out).expect("write mirror");
            out.display().to_string()
        })
        .collect()
}

/// Two screens on real frames: the upright case4 frames for the main
/// screen and the same frames mirrored (the head pointing the other way)
/// for the other. Each frame is judged against the screen it faces, and a
/// forward head while facing the other screen is still forward head.
#[test]
fn two_screens_each_frame_against_the_screen_it_faces() {
    let _guard = serial();
    let h = home("screens");
    let main = h.join("main");
    std::fs::create_dir_all(&main).expect("main dir");
    for f in grades("case4") {
        std::os::unix::fs::symlink(&f, main.join(Path::new(&f).file_name().expect("name"))).expect("link");
    }
    let other = h.join("other");
    let other_good = mirrored(&grades("case4"), &other);
    let other_bad = mirrored(&grades("case1"), &h.join("other_bad"));
    let (m, o) = (main.display().to_string(), other.display().to_string());
    let cal = ["calibrate", "--runtime", "rten", "--profile", "two", "--screens", "2", "--source"];
    let out = headsup(&h, &[&cal[..], &[m.as_str(), o.as_str()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 screens calibrated"));
    let saved = std::fs::read_to_string(h.join("data/headsup/profiles/two.toml")).expect("two.toml");
    let profile: toml::Value = toml::from_str(&saved).expect("profile toml");
    assert_eq!(profile["baseline"]["screens"].as_array().map(Vec::len), Some(1), "{saved}");

    let judged = |inputs: &[String]| -> Vec<(u64, String)> {
        analyze(&h, &["--profile", "two"], inputs)
            .iter()
            .map(|r| (r["screen"].as_u64().expect("screen"), r["state"].as_str().expect("state").to_string()))
            .collect()
    };
    let main_good = judged(&grades("case4"));
    assert!(main_good.iter().all(|(s, st)| *s == 0 && st == "good"), "{main_good:?}");
    let faced = judged(&other_good);
    assert!(faced.iter().all(|(s, st)| *s == 1 && st == "good"), "{faced:?}");
    let bad = judged(&other_bad);
    assert!(bad.iter().all(|(s, st)| *s == 1 && st == "forward_head"), "{bad:?}");

    // The same frames twice are one screen, refused in words; so is a
    // count of folders that does not match --screens.
    let out = headsup(&h, &[&cal[..], &[m.as_str(), m.as_str()]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pointed the same way for both screens"));
    let out = headsup(&h, &[&cal[..], &[m.as_str()]].concat());
    assert!(String::from_utf8_lossy(&out.stderr).contains("one folder per screen"));
}

/// The watcher's own calibration (the control request the window's wizard
/// sends, here on the replay clock) takes the screens in turn: 3 s looking
/// at the main screen, then 3 s at the other, saved in the profile.
#[test]
fn the_watchers_calibration_takes_two_screens_in_turn() {
    let _guard = serial();
    let h = home("screens-watch");
    let frames = h.join("frames");
    std::fs::create_dir_all(&frames).expect("frames");
    let other = mirrored(&grades("case4"), &h.join("other"));
    let main = grades("case4");
    let mut n = 0;
    let mut link = |f: &String| {
        std::os::unix::fs::symlink(f, frames.join(format!("{n:05}.jpg"))).expect("link");
        n += 1;
    };
    // t = 0 … 3 s on the main screen (7 frames at 2 fps), then the other.
    (0..7).for_each(|i| link(&main[i % main.len()]));
    (0..20).for_each(|i| link(&other[i % other.len()]));
    // Then 20 s slouched towards the other screen.
    let slouched = mirrored(&grades("case1"), &h.join("other-forward"));
    (0..40).for_each(|i| link(&slouched[i % slouched.len()]));
    let mut args = vec!["calibrate", "--runtime", "rten", "--model", "lite", "--source"];
    args.extend(main.iter().map(String::as_str));
    assert!(headsup(&h, &args).status.success());
    let events = h.join("events.jsonl").display().to_string();
    let run = [
        "watch",
        "--headless",
        "--no-control",
        "--runtime",
        "rten",
        "--model",
        "lite",
        "--events",
        &events,
        "--at",
        "0=calibrate:3s:2",
        "--source",
    ];
    let out = headsup(&h, &[&run[..], &[frames.to_str().expect("path")]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(&events).expect("events");
    let done: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "calibrated")
        .collect();
    assert_eq!(done.len(), 1, "{log}");
    assert_eq!(done[0]["ok"], true, "{}", done[0]);
    assert!(done[0]["message"].as_str().is_some_and(|m| m.contains("(2 screens)")), "{}", done[0]);
    assert!((6.0..7.0).contains(&done[0]["t"].as_f64().expect("t")), "both screens took 3 s: {}", done[0]);
    // Then the frames facing the other screen are judged against it: the
    // slouch there is a state change that says which screen.
    let after: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "state" && e["t"].as_f64() > done[0]["t"].as_f64())
        .collect();
    assert!(!after.is_empty() && after.iter().all(|e| e["screen"] == 1), "{log}");
    assert!(after.iter().any(|e| e["state"] != "good"), "{log}");
    let saved = std::fs::read_to_string(h.join("data/headsup/profiles/default.toml")).expect("profile");
    let profile: toml::Value = toml::from_str(&saved).expect("profile toml");
    assert_eq!(profile["baseline"]["screens"].as_array().map(Vec::len), Some(1), "{saved}");
}
