//! The journal and reports on real SQLite files: a synthetic week written
//! through the journal API and checked number by number in the report,
//! the JSON schema, CSV export/import round trip, a watcher killed with
//! SIGKILL again and again, bad journal files, and the chart PNG.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use headsup::clock::{add_days, local_midnight, today};
use headsup::journal::{AlertRow, Episode, Journal, MinuteRow};
use serde_json::Value;

use crate::common::*;

fn home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("headsup-journal-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn headsup(home: &Path, args: &[&str]) -> Output {
    headsup_in(home, None, args)
}

/// `headsup` with `TZ` set to `tz` (when given), as a user in that zone runs it.
fn headsup_in(home: &Path, tz: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_headsup"));
    if let Some(tz) = tz {
        cmd.env("TZ", tz);
    }
    cmd.args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home)
        .output()
        .expect("run headsup")
}

fn minute(start: f64, offset_min: i64, good: f64, drifting: f64, forward: f64, score: f64) -> MinuteRow {
    MinuteRow {
        minute: (start / 60.0) as i64 + offset_min,
        monitored_s: 60.0,
        good_s: good,
        drifting_s: drifting,
        forward_head_s: forward,
        cannot_assess_s: 60.0 - good - drifting - forward,
        score_sum: score,
        score_n: 1,
        score_min: Some(score),
        ..Default::default()
    }
}

/// A week ending today: each day d (0 = six days ago) has 60 minutes from
/// 09:00 local — (40 + d) good, 10 drifting, (10 - d) forward head — one
/// episode and one alert (corrected after 30 s) at 09:30, one break due
/// and one taken.
fn synthetic_week(path: &Path) {
    let mut j = Journal::open(path).expect("journal");
    let last = today();
    for d in 0..7i64 {
        let day = add_days(last, d - 6);
        let nine = local_midnight(day).expect("a local midnight") + 9.0 * 3600.0;
        j.batch(|b| {
            for m in 0..60i64 {
                let (g, dr, f) = if m < 40 + d {
                    (60.0, 0.0, 0.0)
                } else if m < 50 + d {
                    (0.0, 60.0, 0.0)
                } else {
                    (0.0, 0.0, 60.0)
                };
                b.put_minute(&minute(nine, m, g, dr, f, if f > 0.0 { 30.0 } else { 90.0 }))?;
            }
            let start = nine + 30.0 * 60.0;
            b.put_episode(&Episode {
                start,
                end: start + 120.0,
                min_score: 20.0 + d as f64,
                main_signal: "ear_shoulder_gap".into(),
            })?;
            b.put_alert(&AlertRow {
                time: start + 60.0,
                kind: "forward_head".into(),
                reason: "head forward for 1 min".into(),
                score: Some(25.0),
                corrected_after_s: None,
            })?;
            b.alert_corrected(start + 60.0, 30.0)?;
            b.put_break(nine + 1800.0, "due")?;
            b.put_break(nine + 3000.0, "taken")?;
            Ok(())
        })
        .expect("write day");
    }
}

fn report_json(h: &Path, journal: &Path, extra: &[&str]) -> Value {
    report_json_in(h, None, journal, extra)
}

fn report_json_in(h: &Path, tz: Option<&str>, journal: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--format", "json", "--journal", journal.to_str().expect("utf8")];
    args.extend_from_slice(extra);
    let out = headsup_in(h, tz, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("report json")
}

#[test]
fn a_synthetic_week_reports_number_by_number() {
    let h = home("week");
    let path = h.join("journal.sqlite3");
    synthetic_week(&path);
    // Today is day 6: 46 good, 10 drifting, 4 forward minutes.
    let r = report_json(&h, &path, &[]);
    assert_eq!(r["monitored_s"], 3600.0);
    assert_eq!(r["good_s"], 46.0 * 60.0);
    assert_eq!(r["drifting_s"], 600.0);
    assert_eq!(r["forward_head_s"], 240.0);
    assert_eq!(r["cannot_assess_s"], 0.0);
    assert_eq!(r["good_percent"], 76.7);
    assert_eq!(r["alerts"], 1);
    assert_eq!(r["alerts_corrected"], 1);
    assert_eq!(r["mean_correction_s"], 30.0);
    assert_eq!(r["breaks_taken"], 1);
    assert_eq!(r["breaks_due"], 1);
    let eps = r["episodes"].as_array().expect("episodes");
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0]["min_score"], 26.0);
    assert_eq!(eps[0]["duration_s"], 120.0);
    for key in ["start", "end", "main_signal"] {
        assert!(eps[0][key].is_string(), "{key}");
    }
    // Yesterday had 45 good of 60: the trend is +1.7 points.
    assert_eq!(r["trend_good_percent"], 1.7);
    assert_eq!(r["worst_hours"], serde_json::json!([9]));

    // The week: sum over d of (40 + d) good minutes = 301.
    let w = report_json(&h, &path, &["--week"]);
    assert_eq!(w["monitored_s"], 7.0 * 3600.0);
    assert_eq!(w["good_s"], 301.0 * 60.0);
    assert_eq!(w["forward_head_s"], (70.0 - 21.0) * 60.0);
    assert_eq!(w["alerts"], 7);
    assert_eq!(w["breaks_due"], 7);
    assert_eq!(w["episodes"].as_array().expect("episodes").len(), 7);
    assert!(w["trend_good_percent"].is_null(), "nothing the week before");

    // Text output reads well.
    let out = headsup(&h, &["report", "--week", "--journal", path.to_str().expect("utf8")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Good posture") && text.contains("Episodes of forward head: 7"), "{text}");
}

#[test]
fn minutes_round_trip_through_csv_without_duplicates() {
    let h = home("csv");
    let path = h.join("data/headsup/journal.sqlite3");
    synthetic_week(&path);
    let export = h.join("minutes.csv");
    let out = headsup(&h, &["journal", "export", "--output", export.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Into a fresh journal, then again: nothing duplicated.
    let h2 = home("csv2");
    let out = headsup(&h2, &["journal", "import", export.to_str().expect("utf8")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 420 minutes, 0 already recorded"));
    let out = headsup(&h2, &["journal", "import", export.to_str().expect("utf8")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 0 minutes, 420 already recorded"));
    let a = Journal::open_read_only(&path).expect("a").minutes(i64::MIN, i64::MAX).expect("rows");
    let b = Journal::open_read_only(&h2.join("data/headsup/journal.sqlite3"))
        .expect("b")
        .minutes(i64::MIN, i64::MAX)
        .expect("rows");
    assert_eq!(a, b);
    // A bad CSV names the line.
    std::fs::write(h.join("bad.csv"), "header\n2026-01-01T00:00:00.000Z,1,2\n").expect("write");
    let out = headsup(&h2, &["journal", "import", h.join("bad.csv").to_str().expect("utf8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: 3 fields, expected 13"));
}

#[test]
fn reports_use_the_local_offset_and_local_days() {
    let h = home("tz");
    let path = h.join("journal.sqlite3");
    synthetic_week(&path);
    let r = report_json_in(&h, Some("Asia/Kolkata"), &path, &[]);
    for key in ["from", "to"] {
        let t = r[key].as_str().expect(key);
        assert!(t.ends_with("T00:00:00.000+05:30"), "{key} is local midnight in Kolkata: {t}");
    }
    let w = report_json_in(&h, Some("Asia/Kolkata"), &path, &["--week"]);
    for e in w["episodes"].as_array().expect("episodes") {
        assert!(e["start"].as_str().expect("start").ends_with("+05:30"), "{e}");
    }
    // A Berlin day across the spring change is 23 hours, across the autumn one 25.
    for (day, from, to) in [
        ("2026-03-29", "2026-03-29T00:00:00.000+01:00", "2026-03-30T00:00:00.000+02:00"),
        ("2026-10-25", "2026-10-25T00:00:00.000+02:00", "2026-10-26T00:00:00.000+01:00"),
    ] {
        let r = report_json_in(&h, Some("Europe/Berlin"), &path, &["--day", day]);
        assert_eq!((r["from"].as_str(), r["to"].as_str()), (Some(from), Some(to)), "{day}");
    }
}

#[test]
fn impossible_dates_are_refused_naming_the_value() {
    let h = home("dates");
    let path = h.join("journal.sqlite3");
    synthetic_week(&path);
    let journal = path.to_str().expect("utf8");
    for args in [
        vec!["report", "--from", "2026-02-31", "--to", "2026-03-05", "--journal", journal],
        vec!["report", "--day", "2026-02-31", "--journal", journal],
    ] {
        let out = headsup(&h, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(err.contains("2026-02-31") && err.contains("28 days"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "no report for an impossible day");
    }
}

#[test]
fn csv_import_refuses_bad_numbers_naming_line_and_value() {
    let h = home("csvbad");
    let path = h.join("data/headsup/journal.sqlite3");
    synthetic_week(&path);
    // Exported in Kolkata, imported in New York: the offsets carry the instant.
    let export = h.join("minutes.csv");
    let out = headsup_in(
        &h,
        Some("Asia/Kolkata"),
        &["journal", "export", "--output", export.to_str().expect("utf8")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&export).expect("export");
    let (header, first) = (text.lines().next().expect("header"), text.lines().nth(1).expect("a row"));
    assert!(first.split(',').next().expect("minute_start").ends_with("+05:30"), "{first}");
    let h2 = home("csvbad2");
    let out =
        headsup_in(&h2, Some("America/New_York"), &["journal", "import", export.to_str().expect("utf8")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 420 minutes"));
    let rows =
        |p: &Path| Journal::open_read_only(p).expect("journal").minutes(i64::MIN, i64::MAX).expect("rows");
    assert_eq!(rows(&path), rows(&h2.join("data/headsup/journal.sqlite3")));

    // One good row, then a bad one on line 3; nothing of the file is imported.
    let fields: Vec<&str> = first.split(',').collect();
    let with = |col: usize, v: &str| {
        let mut f = fields.clone();
        f[col] = v;
        f.join(",")
    };
    for (bad, want) in [
        (with(1, "NaN"), "line 3, column monitored_s: \"NaN\""),
        (with(7, "1.5"), "line 3, column score_n: \"1.5\" is not a whole number"),
        (with(12, "-3"), "line 3, column signal_n: \"-3\" is negative"),
    ] {
        let h3 = home("csvbad3");
        let file = h3.join("bad.csv");
        std::fs::write(&file, format!("{header}\n{}\n{bad}\n", text.lines().nth(2).expect("row")))
            .expect("write");
        let out = headsup(&h3, &["journal", "import", file.to_str().expect("utf8")]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(want), "{bad}: {err}");
        assert!(!h3.join("data/headsup/journal.sqlite3").exists(), "nothing written for a refused file");
    }
}

#[test]
fn bad_journal_files_are_refused_and_left_alone() {
    let h = home("bad");
    let foreign = h.join("foreign.sqlite3");
    std::fs::write(&foreign, b"SQLite format 3\0 but then garbage, not a real database page at all")
        .expect("write");
    let before = std::fs::read(&foreign).expect("read");
    let out = headsup(&h, &["report", "--journal", foreign.to_str().expect("utf8")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a headsup journal"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&foreign).expect("read"), before);

    let future = h.join("future.sqlite3");
    drop(Journal::open(&future).expect("create"));
    rusqlite_set_version(&future, 42);
    let out = headsup(&h, &["report", "--journal", future.to_str().expect("utf8")]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer headsup (schema 42"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = headsup(&h, &["report", "--journal", h.join("none.sqlite3").to_str().expect("utf8")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal yet"));
}

/// What a newer headsup would leave behind.
fn rusqlite_set_version(path: &Path, v: i32) {
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    conn.execute_batch(&format!("PRAGMA user_version = {v};")).expect("set version");
}

#[test]
fn the_chart_shows_the_day_and_the_week() {
    use headsup::report::chart::{self, Region};
    let h = home("chart");
    let path = h.join("journal.sqlite3");
    synthetic_week(&path);
    let png = h.join("chart.png");
    let out = headsup(
        &h,
        &[
            "report",
            "--week",
            "--journal",
            path.to_str().expect("utf8"),
            "--chart",
            png.to_str().expect("utf8"),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(&png).expect("png").into_rgb8();
    assert_eq!(img.dimensions(), (chart::W, chart::H));
    let count = |c: image::Rgb<u8>| img.pixels().filter(|p| **p == c).count();
    let (green, amber, red) = (count(chart::GOOD), count(chart::DRIFTING), count(chart::FORWARD));
    // Seven bars, mostly good, and today's 09:00-10:00 on the timeline.
    assert!(green > 20_000 && amber > 4000 && red > 1000, "{green} {amber} {red}");
    assert!(green > amber && amber > red, "{green} {amber} {red}");
    // The timeline column at 09:20 (9 h 20 after local midnight) is green.
    let (start, end) = headsup::clock::day_span(today()).expect("today");
    let p = chart::DAY_PLOT;
    let x = p.x0 + ((p.x1 - 1 - p.x0) as f64 * (560.5 * 60.0) / (end - start)) as u32;
    assert_eq!(*img.get_pixel(x, (p.y0 + p.y1) / 2), chart::GOOD, "x = {x}");

    // Words: dark text pixels where the title, legend and axis labels are.
    let ink = |r: Region| ink_pixels(&img, r);
    for (what, r) in [
        ("title", chart::TITLE),
        ("legend", chart::LEGEND),
        ("clock times under the timeline", chart::DAY_TICKS),
        ("day names under the bars", chart::WEEK_DAYS),
    ] {
        assert!(ink(r) > 150, "{what}: {} dark pixels in {r:?}", ink(r));
    }
    // ...and none where nothing is written: right of the title, and in the
    // lower half of the gap between the first two bars.
    let beside_title = Region { x0: 760, y0: 0, x1: chart::W, y1: 44 };
    let w = chart::WEEK_PLOT;
    let slot = (w.x1 - w.x0) / 7;
    let between_bars = Region {
        x0: w.x0 + slot * 4 / 5 + 2,
        y0: (w.y0 + w.y1) / 2,
        x1: w.x0 + slot * 6 / 5 - 2,
        y1: w.y1 - 2,
    };
    for (what, r) in [("beside the title", beside_title), ("between the bars", between_bars)] {
        assert_eq!(ink(r), 0, "{what}: {r:?}");
    }
}

/// Near-black pixels in `r`: text, which is drawn darker than any bar, axis or grid line.
fn ink_pixels(img: &image::RgbImage, r: headsup::report::chart::Region) -> usize {
    (r.y0..r.y1)
        .flat_map(|y| (r.x0..r.x1).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 100))
        .count()
}

/// Pseudo-random extra kill delays (a fixed-seed LCG, so runs are reproducible).
fn delays(n: usize) -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            Duration::from_millis((x >> 33) % 1500)
        })
        .collect()
}

/// Seconds monitored in the journal so far (0 before it exists).
fn monitored_in(journal: &Path) -> f64 {
    let Ok(j) = Journal::open_read_only(journal) else { return 0.0 };
    j.minutes(i64::MIN, i64::MAX).map(|m| m.iter().map(|m| m.monitored_s).sum()).unwrap_or(0.0)
}

#[test]
fn killing_the_watcher_never_corrupts_the_journal() {
    let _guard = serial();
    let h = home("kill");
    std::fs::create_dir_all(h.join("frames")).expect("dir");
    let src = testdata().join("unlicensed/front_neck_grades");
    let mut frames: Vec<PathBuf> =
        std::fs::read_dir(&src).expect("grades").flatten().map(|e| e.path()).collect();
    frames.sort();
    for i in 0..2000 {
        std::os::unix::fs::symlink(&frames[i % frames.len()], h.join(format!("frames/{i:05}.jpg")))
            .expect("link");
    }
    let cal: Vec<String> = frames
        .iter()
        .filter(|p| p.to_string_lossy().contains("case4"))
        .map(|p| p.display().to_string())
        .collect();
    let journal = h.join("data/headsup/journal.sqlite3");
    let mut last_monitored = 0.0;
    for (run, delay) in delays(3).into_iter().enumerate() {
        let mut args = vec![
            "watch",
            "--headless",
            "--runtime",
            "rten",
            "--model",
            "lite",
            "--no-control",
            "--fps",
            "0.5",
        ];
        let source = h.join("frames").display().to_string();
        args.extend(["--source", source.as_str(), "--calibrate"]);
        args.extend(cal.iter().map(String::as_str));
        let log = h.join(format!("run{run}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_headsup"))
            .args(&args)
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("watcher");
        // Kill mid-write, not mid-start-up: once this run has committed a
        // minute of its own (however slow the machine), at a pseudo-random
        // moment after that.
        let deadline = std::time::Instant::now() + Duration::from_secs(240);
        while monitored_in(&journal) < last_monitored + 60.0 {
            let exited = child.try_wait().expect("wait").is_some();
            if exited || std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("run {run}: no minute written: {}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(delay);
        // SIGKILL: no chance to flush anything.
        child.kill().expect("kill");
        child.wait().expect("reaped");
        let j = Journal::open_read_only(&journal).unwrap_or_else(|e| panic!("run {run}: {e}"));
        assert_eq!(j.integrity_check().expect("check"), "ok", "run {run}");
        let minutes = j.minutes(i64::MIN, i64::MAX).expect("minutes");
        let monitored: f64 = minutes.iter().map(|m| m.monitored_s).sum();
        // Each run replays 2 simulated seconds per frame: several minutes
        // complete in the first seconds, completed minutes are written at
        // once, and a run's minutes add to what earlier runs recorded.
        assert!(
            monitored >= last_monitored + 60.0,
            "run {run}: {monitored} s monitored after {last_monitored}"
        );
        last_monitored = monitored;
    }
}
