//! Bad input through the real binary: each case gives one line naming the
//! file and the problem, never a panic; a batch goes on past bad files and
//! fails only when nothing could be analysed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

fn headsup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_headsup"))
        .args(["analyze", "--runtime", "rten", "--model", "lite", "--format", "jsonl"])
        .args(args)
        .output()
        .expect("run headsup")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headsup-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked"), "panic: {e}");
}

/// A PNG whose header claims `w`×`h` pixels and has no pixel data.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A few bytes of (bogus) pixel data and the end marker, as a real file has.
    let idat = b"IDAT\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01";
    png.extend_from_slice(&10u32.to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    png
}

fn bad_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let good = std::fs::read(testdata().join("side_view/nvinay_straight_hf.jpg")).expect("test image");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.jpg", Vec::new(), "file is empty"),
        ("truncated.jpg", good[..good.len() / 3].to_vec(), "corrupt or truncated"),
        ("notes.jpg", b"just some text, not a picture\n".to_vec(), "not an image"),
        ("huge.png", png_header(100_000, 100_000), "100000×100000"),
    ];
    cases
        .into_iter()
        .map(|(name, bytes, want)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).expect("write");
            (p, want)
        })
        .chain([(dir.join("missing.jpg"), "No such file")])
        .collect()
}

#[test]
fn each_bad_image_alone_gives_one_clear_line_and_fails() {
    let dir = scratch("alone");
    for (path, want) in bad_files(&dir) {
        let out = headsup(&[path.to_str().expect("utf8")]);
        let err = stderr(&out);
        assert_no_panic(&out);
        assert!(!out.status.success(), "{}: should fail", path.display());
        let line = err
            .lines()
            .find(|l| l.contains(want))
            .unwrap_or_else(|| panic!("{}: no '{want}' in:\n{err}", path.display()));
        assert!(
            line.contains(path.file_name().and_then(|n| n.to_str()).expect("name")),
            "line does not name the file: {line}"
        );
        assert!(out.stdout.is_empty(), "no record for a bad file");
    }
}

#[test]
fn a_batch_goes_on_past_bad_files() {
    let dir = scratch("batch");
    let good = testdata().join("side_view/nvinay_straight_hf.jpg");
    let mut args: Vec<String> = bad_files(&dir).iter().map(|(p, _)| p.display().to_string()).collect();
    args.insert(2, good.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = headsup(&refs);
    assert_no_panic(&out);
    assert!(out.status.success(), "one good file analysed: {}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let records: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["person"], true);
    assert_eq!(stderr(&out).lines().filter(|l| l.contains("headsup: ")).count(), 6, "{}", stderr(&out));
}

#[test]
fn corrupt_and_wrong_models_are_named() {
    let dir = scratch("models");
    let models = repo().join("models");
    // Corrupt landmark model next to a real detector.
    std::fs::copy(models.join("pose_detection.onnx"), dir.join("pose_detection.onnx")).expect("copy");
    std::fs::write(dir.join("pose_landmark_lite.onnx"), b"\x08\x07garbage that is not protobuf")
        .expect("write");
    let img = testdata().join("side_view/nvinay_straight_hf.jpg");
    let out = headsup(&["--models", dir.to_str().expect("utf8"), img.to_str().expect("utf8")]);
    assert_no_panic(&out);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("pose_landmark_lite.onnx"), "{}", stderr(&out));

    // A real model with the wrong tensors: the detector where landmarks belong.
    std::fs::copy(models.join("pose_detection.onnx"), dir.join("pose_landmark_lite.onnx")).expect("copy");
    let out = headsup(&["--models", dir.to_str().expect("utf8"), img.to_str().expect("utf8")]);
    assert_no_panic(&out);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("pose_landmark_lite.onnx"), "{err}");

    // Missing heavy model: says how to produce it.
    let out = Command::new(env!("CARGO_BIN_EXE_headsup"))
        .args(["analyze", "--runtime", "rten", "--model", "heavy", "--models", dir.to_str().expect("utf8")])
        .arg(&img)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("pose_landmark_heavy.onnx"), "{}", stderr(&out));
}

#[test]
fn folder_as_sequence_prints_one_record_per_frame_in_name_order() {
    let dir = testdata().join("unlicensed/front_neck_grades");
    let out = headsup(&["--sequence", dir.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let files: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["file"]
                .as_str()
                .expect("file")
                .to_string()
        })
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(files.len(), std::fs::read_dir(&dir).expect("dir").count());
}

/// A video whose size (as ffprobe reports it) is absurd is refused before
/// any frame buffer is sized from it. ffmpeg is not installed here: stand-ins
/// on PATH play ffprobe (answering 100000x100000) and ffmpeg (which must not
/// even start).
#[test]
fn a_video_claiming_a_huge_size_is_refused_before_allocating() {
    let dir = scratch("huge-video");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let started = dir.join("ffmpeg-started");
    for (name, body) in
        [("ffprobe", "echo 100000,100000".to_string()), ("ffmpeg", format!("touch {}", started.display()))]
    {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("stand-in");
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    }
    let video = dir.join("huge.mp4");
    std::fs::write(&video, b"not really a video").expect("video");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let cal: Vec<PathBuf> = (0..6)
        .map(|i| testdata().join(format!("unlicensed/front_neck_grades/case4_IMG_0877_{}.jpg", 100 + 4 * i)))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_headsup"))
        .args(["watch", "--headless", "--no-control", "--no-journal", "--runtime", "rten", "--model", "lite"])
        .arg("--source")
        .arg(&video)
        .arg("--calibrate")
        .args(&cal)
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .output()
        .expect("run headsup");
    assert_no_panic(&out);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("100000x100000 pixels; expected 1 to 16384"), "{}", stderr(&out));
    assert!(!started.exists(), "ffmpeg was started for a refused video");
}
