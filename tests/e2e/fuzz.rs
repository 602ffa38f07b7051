//! Inputs that never crash it: property tests over what comes from outside
//! (image files and camera frames, the settings file, the control protocol,
//! a journal CSV import). Each target is seeded with a real input and
//! mutated; none may panic, and the largest single allocation is bounded
//! (counted by the allocator in `alloc`). Failures proptest finds are kept
//! in `tests/e2e/fuzz.proptest-regressions` (committed) and replayed first.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use headsup::capture::camera::{PixelFormat, decode};
use headsup::capture::{MAX_PIXELS, MAX_SIDE, load_rgb};
use headsup::config::{Config, DEFAULT_TOML};
use headsup::journal::csv::{read_minutes_csv, write_minutes_csv};
use headsup::journal::{Journal, MinuteRow};
use headsup::report::{self, Period};
use headsup::watch::control::{self, Reply, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, FileFailurePersistence};

use crate::alloc::largest_allocation;
use crate::common::testdata;

/// At most 256 cases a target (the budget), fewer where a case is
/// slow; failures persist next to this file.
fn cases(n: u32) -> Cases {
    Cases {
        cases: n,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Cases::default()
    }
}

/// One change to a byte string.
#[derive(Clone, Debug)]
enum Edit {
    /// Byte at (fraction of the length) set to a value.
    Set(f64, u8),
    /// Cut at a fraction of the length.
    Truncate(f64),
    /// Bytes inserted at a fraction of the length.
    Insert(f64, Vec<u8>),
    /// A header's width and height (JPEG SOF, PNG IHDR) replaced.
    Size(u16, u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0.0..1.0f64, any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        1 => (0.0..1.0f64).prop_map(Edit::Truncate),
        1 => (0.0..1.0f64, proptest::collection::vec(any::<u8>(), 1..64)).prop_map(|(at, b)| Edit::Insert(at, b)),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(w, h)| Edit::Size(w, h)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len.saturating_sub(1));
    match edit {
        Edit::Set(f, b) if !bytes.is_empty() => {
            let i = at(*f, bytes.len());
            bytes[i] = *b;
        }
        Edit::Truncate(f) => bytes.truncate(at(*f, bytes.len())),
        Edit::Insert(f, b) => {
            let i = at(*f, bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Edit::Size(w, h) => set_size(bytes, *w, *h),
        Edit::Set(..) => {}
    }
}

/// Writes a new size into the first JPEG SOF marker or the PNG IHDR (with a
/// correct CRC, so the decoder gets as far as believing it).
fn set_size(bytes: &mut [u8], w: u16, h: u16) {
    if bytes.starts_with(b"\x89PNG") && bytes.len() >= 33 {
        bytes[16..20].copy_from_slice(&u32::from(w).to_be_bytes());
        bytes[20..24].copy_from_slice(&u32::from(h).to_be_bytes());
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    } else if let Some(i) = bytes.windows(2).position(|m| m[0] == 0xFF && matches!(m[1], 0xC0..=0xC2))
        && i + 9 <= bytes.len()
    {
        bytes[i + 5..i + 7].copy_from_slice(&h.to_be_bytes());
        bytes[i + 7..i + 9].copy_from_slice(&w.to_be_bytes());
    }
}

/// Real images to start from: a JPEG photo, a PNG, a small camera-sized JPEG.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        ["side_view/nvinay_straight_hf.jpg", "negatives/no_person/skimage_chelsea.png", "front_view/"]
            .iter()
            .filter_map(|rel| {
                let p = testdata().join(rel);
                let file = if p.is_dir() { first_jpeg(&p)? } else { p };
                std::fs::read(file).ok()
            })
            .collect()
    })
}

fn first_jpeg(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).collect();
    files.sort();
    files.into_iter().find(|p| p.extension().is_some_and(|e| e == "jpg"))
}

/// What decoding a size may allocate at most: 16-bit RGBA of the largest
/// accepted frame (the PNG decoder's worst case), plus a little.
const IMAGE_BUDGET: usize = MAX_PIXELS as usize * 8 + (1 << 20);

fn tmp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("headsup-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(format!("{}-{name}", N.fetch_add(1, Ordering::Relaxed)))
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn image_files_and_camera_frames_never_crash_or_over_allocate(
        seed in 0..3usize,
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let mut bytes = seeds[seed % seeds.len()].clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let file = tmp("image");
        std::fs::write(&file, &bytes).expect("write");
        let mut rgb = Vec::new();
        let (loaded, largest) = largest_allocation(|| load_rgb(&file, &mut rgb));
        let _ = std::fs::remove_file(&file);
        prop_assert!(largest <= IMAGE_BUDGET, "{largest} bytes for a {}-byte file", bytes.len());
        match loaded {
            Ok((w, h)) => {
                prop_assert!(w <= MAX_SIDE && h <= MAX_SIDE);
                prop_assert_eq!(rgb.len(), w as usize * h as usize * 3);
            }
            // Every refusal names the file.
            Err(e) => prop_assert!(e.to_string().contains(&file.display().to_string()), "{e}"),
        }
        // The same bytes as a camera's MJPEG frame set to 640x480: nothing
        // beyond that size is ever allocated, whatever the header says.
        let (frame, largest) =
            largest_allocation(|| decode(PixelFormat::Mjpeg, &bytes, 640, 480, &mut rgb));
        prop_assert!(largest <= 640 * 480 * 3 + (1 << 16), "{largest} bytes for a 640x480 frame");
        if let Ok(size) = frame {
            prop_assert_eq!(size, (640, 480));
        }
        // And as YUYV of any size the bytes might claim.
        let (w, h) = (u32::from(bytes.first().copied().unwrap_or(0)) * 8, u32::from(bytes.get(1).copied().unwrap_or(0)) * 8);
        let (yuyv, largest) = largest_allocation(|| decode(PixelFormat::Yuyv, &bytes, w, h, &mut rgb));
        // (Plus the error message a short frame gets: 84 bytes for 13 bytes seen.)
        prop_assert!(largest <= (bytes.len() / 2 * 3).max(1) + 256, "{largest} bytes from {} bytes of YUYV", bytes.len());
        if yuyv.is_ok() {
            prop_assert_eq!(rgb.len(), w as usize * h as usize * 3);
        }
    }
}

/// A TOML value of any kind, including ones no setting takes.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        any::<bool>().prop_map(|v| v.to_string()),
        "[a-z0-9 :./-]{0,24}".prop_map(|s| format!("{s:?}")),
        any::<String>().prop_map(|s| format!("{s:?}")),
        Just("[1, \"two\", 3.0]".to_string()),
        Just("{ a = 1 }".to_string()),
        (0u32..100, 0u32..100).prop_map(|(a, b)| format!("\"{a:02}:{b:02}-{b:02}:{a:02}\"")),
    ]
}

/// One change to the settings file, line-wise.
#[derive(Clone, Debug)]
enum ConfigEdit {
    Value(usize, String),
    Drop(usize),
    Repeat(usize),
    Garbage(usize, String),
}

fn config_edit() -> impl Strategy<Value = ConfigEdit> {
    prop_oneof![
        6 => (any::<usize>(), toml_value()).prop_map(|(i, v)| ConfigEdit::Value(i, v)),
        1 => any::<usize>().prop_map(ConfigEdit::Drop),
        1 => any::<usize>().prop_map(ConfigEdit::Repeat),
        1 => (any::<usize>(), any::<String>()).prop_map(|(i, s)| ConfigEdit::Garbage(i, s)),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn the_settings_file_never_crashes_it(edits in proptest::collection::vec(config_edit(), 1..8)) {
        let mut lines: Vec<String> = DEFAULT_TOML.lines().map(str::to_string).collect();
        // Settings lines (`key = value`), uncommented so they count.
        let settings: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].trim_start_matches("# ").contains(" = "))
            .collect();
        for e in &edits {
            match e {
                ConfigEdit::Value(i, v) => {
                    let i = settings[i % settings.len()];
                    let key = lines[i].trim_start_matches("# ").split(" = ").next().unwrap_or("").to_string();
                    lines[i] = format!("{key} = {v}");
                }
                ConfigEdit::Drop(i) => lines[settings[i % settings.len()]].clear(),
                ConfigEdit::Repeat(i) => {
                    let l = lines[settings[i % settings.len()]].clone();
                    lines.push(l);
                }
                ConfigEdit::Garbage(i, s) => lines.insert(i % lines.len(), s.clone()),
            }
        }
        let text = lines.join("\n");
        let path = Path::new("/home/someone/.config/headsup/config.toml");
        let (parsed, largest) = largest_allocation(|| Config::parse(&text, path));
        prop_assert!(largest <= 64 * text.len() + (1 << 20), "{largest} bytes for {} bytes of TOML", text.len());
        match parsed {
            // What the engine is given from an accepted file is usable.
            Ok(cfg) => {
                let p = cfg.posture_params();
                let b = p.bands;
                prop_assert!(b.forward_below.is_finite() && b.good_above.is_finite() && b.forward_below <= b.good_above, "{b:?}");
            }
            Err(e) => prop_assert!(e.to_string().contains("config.toml"), "{e}"),
        }
    }
}

/// A request line as a client might send it: mostly well-formed JSON with
/// any numbers and tags, sometimes anything at all.
fn request_line() -> impl Strategy<Value = String> {
    let tag = prop_oneof![
        Just("snooze"),
        Just("pause"),
        Just("resume"),
        Just("status"),
        Just("calibrate"),
        Just("use_profile"),
        Just("reboot"),
    ];
    let number =
        prop_oneof![any::<f64>().prop_map(|v| format!("{v:?}")), Just("1e999".into()), "-?[0-9]{1,4}"];
    let setup = prop_oneof![Just("desk"), Just("laptop"), Just("default"), Just("kitchen")];
    prop_oneof![
        4 => (tag, number, setup).prop_map(|(t, n, s)| {
            format!("{{\"request\":\"{t}\",\"seconds\":{n},\"setup\":\"{s}\"}}")
        }),
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<u8>(), 0..5000)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn in_bounds(req: &Request) -> bool {
    match *req {
        Request::Snooze { seconds } => (1.0..=86_400.0).contains(&seconds),
        Request::Calibrate { seconds, screens, .. } => {
            (3.0..=60.0).contains(&seconds) && (1..=4).contains(&screens)
        }
        _ => true,
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn control_requests_are_decoded_or_refused_in_words(line in request_line(), words in "[a-z0-9. ]{0,30}") {
        let (decoded, largest) = largest_allocation(|| Request::decode(&line));
        prop_assert!(largest <= 4 * line.len() + 4096, "{largest} bytes for a {}-byte line", line.len());
        if let Ok(req) = decoded {
            prop_assert!(in_bounds(&req), "{req:?} let through");
        }
        // The command line's words (`headsup snooze 30m`, `--at 120=...`).
        if let Ok(req) = Request::parse(&words) {
            prop_assert!(req.check().is_err() || in_bounds(&req));
        }
    }
}

/// The socket as the watcher serves it, answered by a thread that records
/// any request that should never have reached it.
fn socket() -> &'static Path {
    static SOCKET: OnceLock<PathBuf> = OnceLock::new();
    SOCKET.get_or_init(|| {
        let path = tmp("sock-dir").join("headsup.sock");
        let (rx, guard) = control::serve(&path).expect("serve");
        std::thread::spawn(move || {
            let _guard = guard;
            for (req, reply) in rx {
                if !in_bounds(&req) {
                    OUT_OF_BOUNDS.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(Reply::Error { error: format!("seen {req:?}") });
            }
        });
        path
    })
}

/// Requests that reached the watcher's side out of bounds.
static OUT_OF_BOUNDS: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn the_control_socket_answers_every_line_and_lets_nothing_out_of_bounds_through(line in request_line()) {
        let mut stream = UnixStream::connect(socket()).expect("connect");
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
        // A request is one line; what follows a newline is not read.
        let _ = stream.write_all(line.replace('\n', " ").as_bytes());
        let _ = stream.write_all(b"\n");
        let mut answer = String::new();
        BufReader::new(&stream).read_line(&mut answer).expect("an answer");
        let reply: Reply = serde_json::from_str(answer.trim()).map_err(|e| TestCaseError::fail(format!("{e}: {answer}")))?;
        prop_assert!(matches!(reply, Reply::Error { .. }), "{:?}", reply);
        prop_assert_eq!(OUT_OF_BOUNDS.load(Ordering::Relaxed), 0);
    }
}

fn minute_row() -> impl Strategy<Value = MinuteRow> {
    (20_000_000i64..40_000_000, 0.0..60.0f64, 0.0..1.0f64, 0i64..200, proptest::option::of(0.0..100.0f64))
        .prop_map(|(minute, monitored_s, share, score_n, score_min)| MinuteRow {
            minute,
            monitored_s,
            good_s: monitored_s * share,
            drifting_s: monitored_s * (1.0 - share),
            score_sum: score_n as f64 * 70.0,
            score_n,
            score_min,
            signal_n: score_n,
            ..Default::default()
        })
}

/// One change to a CSV export: a cell replaced, a line dropped or repeated,
/// raw bytes.
#[derive(Clone, Debug)]
enum CsvEdit {
    Cell(usize, usize, String),
    DropLine(usize),
    RepeatLine(usize),
    Bytes(Edit),
}

fn csv_edit() -> impl Strategy<Value = CsvEdit> {
    let cell = prop_oneof![
        toml_value(),
        Just(String::new()),
        Just("\"".to_string()),
        Just("2026-02-30T00:00:00Z".to_string()),
        Just("9999-12-31T23:59:00Z".to_string()),
        Just("-9999-01-01T00:00:00Z".to_string()),
    ];
    prop_oneof![
        6 => (any::<usize>(), any::<usize>(), cell).prop_map(|(l, c, v)| CsvEdit::Cell(l, c, v)),
        1 => any::<usize>().prop_map(CsvEdit::DropLine),
        1 => any::<usize>().prop_map(CsvEdit::RepeatLine),
        2 => edit().prop_map(CsvEdit::Bytes),
    ]
}

fn edit_csv(text: &str, edits: &[CsvEdit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        let n = lines.len();
        match e {
            CsvEdit::Cell(l, c, v) => {
                let mut cells: Vec<String> = lines[l % n].split(',').map(str::to_string).collect();
                let k = cells.len();
                cells[c % k].clone_from(v);
                lines[l % n] = cells.join(",");
            }
            CsvEdit::DropLine(l) if n > 1 => {
                lines.remove(l % n);
            }
            CsvEdit::RepeatLine(l) => {
                let line = lines[l % n].clone();
                lines.push(line);
            }
            CsvEdit::Bytes(b) => {
                let mut bytes = lines.join("\n").into_bytes();
                apply(&mut bytes, b);
                lines = String::from_utf8_lossy(&bytes).lines().map(str::to_string).collect();
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
            CsvEdit::DropLine(_) => {}
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_journal_csv_import_never_crashes_or_stores_nonsense(
        rows in proptest::collection::vec(minute_row(), 0..12),
        edits in proptest::collection::vec(csv_edit(), 0..6),
    ) {
        let mut out = Vec::new();
        write_minutes_csv(&mut out, &rows).expect("export");
        let text = edit_csv(&String::from_utf8(out).expect("utf8"), &edits);
        let (read, largest) = largest_allocation(|| read_minutes_csv(&text));
        prop_assert!(largest <= 64 * text.len() + 65_536, "{largest} bytes for {} bytes of CSV", text.len());
        let Ok(imported) = read else { return Ok(()) };
        for m in &imported {
            prop_assert!(m.monitored_s.is_finite() && (0.0..=3600.0).contains(&m.monitored_s), "{m:?}");
            for part in [m.good_s, m.drifting_s, m.forward_head_s, m.cannot_assess_s] {
                prop_assert!(part >= 0.0 && part <= m.monitored_s + 1.0, "{m:?}");
            }
        }
        // Into a real journal, as `headsup journal import` does, then the
        // day's report over it.
        let journal = journal_file();
        let mut j = Journal::open(journal).expect("journal");
        j.batch(|b| {
            for m in &imported {
                b.add_minute_if_new(m)?;
            }
            Ok(())
        })
        .expect("import");
        if let Some(first) = imported.first() {
            let day = headsup::clock::date_of(first.minute as f64 * 60.0);
            let r = report::build(&j, &Period::day(day)).expect("report");
            prop_assert!(r.monitored_s.is_finite());
        }
    }
}

fn journal_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| tmp("journal.sqlite"))
}
