//! Per-frame records of `headsup analyze`, written as JSON lines (stable, one
//! object per line, documented in the README), CSV, or a readable table.

use std::io::{self, Write};

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::pose::{LANDMARK_NAMES, Landmark, PoseResult, Timings, WorldLandmark};
use crate::posture::{Assessment, Findings, Signals};

/// Output format of `analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Table,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 3] = [Format::Jsonl, Format::Csv, Format::Table];

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Table => "table",
        }
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown output format {0:?}; expected jsonl, csv or table")]
pub struct UnknownFormat(String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One analysed image or frame.
#[derive(Serialize)]
pub struct Record<'a> {
    /// The path as given on the command line (or found in a given folder).
    pub file: &'a str,
    pub width: u32,
    pub height: u32,
    pub person: bool,
    pub people: usize,
    /// Pose-present probability of the followed person (null without one).
    pub pose_score: Option<f32>,
    pub detector_ran: bool,
    pub landmarks: Option<Named<'a, Landmark>>,
    pub world_landmarks: Option<Named<'a, WorldLandmark>>,
    pub timings_ms: Timings,
    /// Seconds on the sequence clock (null for stills).
    pub t: Option<f64>,
    /// `good`, `drifting`, `forward_head` or `cannot_assess`.
    pub state: &'static str,
    /// 0-100 alignment score, 100 = as calibrated (null when not assessable).
    pub score: Option<f32>,
    pub reason: String,
    /// `front`, `side`, `back` or null.
    pub view: Option<&'static str>,
    pub provisional: bool,
    /// The screen judged against: 0 the main one, 1.. those added by
    /// `calibrate --screens`.
    pub screen: u8,
    pub signals: NamedSignals,
    pub findings: Findings,
    /// Whether an alert fires on this frame (sequences only).
    pub alert: bool,
    /// What the alert is about: `forward_head`, `looking_down`, `head_tilt`, `raised_shoulders`.
    pub alert_kind: Option<&'static str>,
}

/// Signals as an object of named numbers (null where not measured).
pub struct NamedSignals(pub Signals);

impl Serialize for NamedSignals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let named = self.0.named();
        let mut map = s.serialize_map(Some(named.len()))?;
        for (name, v) in named {
            map.serialize_entry(name, &v.is_finite().then_some(v))?;
        }
        map.end()
    }
}

/// The 33 landmarks serialised as an object keyed by MediaPipe's names.
pub struct Named<'a, T>(pub &'a [T]);

impl<T: Serialize> Serialize for Named<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, lm) in LANDMARK_NAMES.iter().zip(self.0) {
            map.serialize_entry(name, lm)?;
        }
        map.end()
    }
}

impl<'a> Record<'a> {
    /// `t` is the sequence time, `None` for a still.
    pub fn new(file: &'a str, r: &'a PoseResult, a: &Assessment, t: Option<f64>) -> Self {
        Record {
            file,
            width: r.width,
            height: r.height,
            person: r.pose.is_some(),
            people: r.people,
            pose_score: r.pose.as_ref().map(|p| p.score),
            detector_ran: r.detector_ran,
            landmarks: r.pose.as_ref().map(|p| Named(&p.landmarks[..])),
            world_landmarks: r.pose.as_ref().map(|p| Named(&p.world[..])),
            timings_ms: r.timings,
            t,
            state: a.state.name(),
            score: a.score.map(|s| (s * 10.0).round() / 10.0),
            reason: a.reason().to_string(),
            view: a.judgement.view.map(|v| v.name()),
            provisional: a.judgement.provisional,
            screen: a.judgement.screen,
            signals: NamedSignals(a.judgement.signals),
            findings: a.judgement.findings,
            alert: a.alert.is_some(),
            alert_kind: a.alert.map(|k| k.name()),
        }
    }
}

/// Writes records in one format; the table and CSV print a header first.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    header_done: bool,
}

const TABLE_POINTS: [(&str, usize); 5] =
    [("nose", 0), ("left ear", 7), ("right ear", 8), ("left shoulder", 11), ("right shoulder", 12)];

impl<W: Write> Writer<W> {
    pub fn new(out: W, format: Format) -> Self {
        Self { out, format, header_done: false }
    }

    pub fn write(&mut self, rec: &Record<'_>) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, rec)?;
                writeln!(self.out)
            }
            Format::Csv => self.write_csv(rec),
            Format::Table => self.write_table(rec),
        }
    }

    fn write_csv(&mut self, rec: &Record<'_>) -> io::Result<()> {
        let o = &mut self.out;
        if !self.header_done {
            self.header_done = true;
            write!(
                o,
                "file,t,width,height,person,people,pose_score,state,score,view,alert,alert_kind,reason"
            )?;
            for (n, _) in Signals::NAN.named() {
                write!(o, ",{n}")?;
            }
            for n in LANDMARK_NAMES {
                write!(o, ",{n}_x,{n}_y,{n}_z,{n}_visibility,{n}_presence")?;
            }
            for n in LANDMARK_NAMES {
                write!(o, ",world_{n}_x,world_{n}_y,world_{n}_z")?;
            }
            writeln!(o, ",preprocess_ms,detector_ms,landmarks_ms,postprocess_ms,total_ms")?;
        }
        let opt = |v: Option<f32>| v.map(|v| v.to_string()).unwrap_or_default();
        write!(
            o,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(rec.file),
            rec.t.map(|t| t.to_string()).unwrap_or_default(),
            rec.width,
            rec.height,
            rec.person,
            rec.people,
            opt(rec.pose_score),
            rec.state,
            opt(rec.score),
            rec.view.unwrap_or(""),
            rec.alert,
            rec.alert_kind.unwrap_or(""),
            csv_field(&rec.reason),
        )?;
        for (_, v) in rec.signals.0.named() {
            write!(o, ",{}", opt(v.is_finite().then_some(v)))?;
        }
        match (&rec.landmarks, &rec.world_landmarks) {
            (Some(l), Some(w)) => {
                for p in l.0 {
                    write!(o, ",{},{},{},{},{}", p.x, p.y, p.z, p.visibility, p.presence)?;
                }
                for p in w.0 {
                    write!(o, ",{},{},{}", p.x, p.y, p.z)?;
                }
            }
            _ => write!(o, "{}", ",".repeat(LANDMARK_NAMES.len() * 8))?,
        }
        let t = &rec.timings_ms;
        writeln!(
            o,
            ",{:.2},{:.2},{:.2},{:.2},{:.2}",
            t.preprocess, t.detector, t.landmarks, t.postprocess, t.total
        )
    }

    fn write_table(&mut self, rec: &Record<'_>) -> io::Result<()> {
        let o = &mut self.out;
        if !self.header_done {
            self.header_done = true;
            write!(o, "{:<40} {:>10} {:>6} {:>6}", "file", "size", "person", "people")?;
            for (name, _) in TABLE_POINTS {
                write!(o, " {name:>15}")?;
            }
            writeln!(o, " {:>8} {:>13} {:>5}  reason", "ms", "state", "score")?;
        }
        let size = format!("{}x{}", rec.width, rec.height);
        let person = if rec.person { "yes" } else { "no" };
        write!(o, "{:<40} {size:>10} {person:>6} {:>6}", ellipsize(rec.file, 40), rec.people)?;
        for (_, i) in TABLE_POINTS {
            let cell = match &rec.landmarks {
                Some(l) => format!("{:.0},{:.0}", l.0[i].x, l.0[i].y),
                None => "-".into(),
            };
            write!(o, " {cell:>15}")?;
        }
        let score = rec.score.map(|s| format!("{s:.0}")).unwrap_or_else(|| "-".into());
        let alert = if rec.alert { "ALERT: " } else { "" };
        writeln!(o, " {:>8.1} {:>13} {score:>5}  {alert}{}", rec.timings_ms.total, rec.state, rec.reason)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Keeps the end of a long path, which is the part that tells files apart.
fn ellipsize(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max { s.to_string() } else { format!("…{}", s.chars().skip(n + 1 - max).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Pose, Roi};
    use crate::posture::{Judgement, Params, judge, still};

    fn assess(r: &PoseResult) -> Assessment {
        let params = Params::default();
        let j: Judgement = judge(r, 100.0, None, &params);
        still(&j, &params, 0.0)
    }

    fn result() -> PoseResult {
        let mut lms = [Landmark::default(); 33];
        lms[7] = Landmark { x: 10.0, y: 20.0, z: 0.0, visibility: 0.9, presence: 0.8 };
        PoseResult {
            width: 64,
            height: 48,
            pose: Some(Pose {
                landmarks: lms,
                world: [WorldLandmark::default(); 33],
                score: 0.99,
                roi: Roi::default(),
            }),
            people: 1,
            detector_ran: true,
            timings: Timings::default(),
        }
    }

    #[test]
    fn jsonl_keys_landmarks_by_name_at_top_level() {
        let r = result();
        let mut w = Writer::new(Vec::new(), Format::Jsonl);
        w.write(&Record::new("a.jpg", &r, &assess(&r), None)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&w.out).unwrap();
        assert_eq!(v["file"], "a.jpg");
        assert_eq!(v["person"], true);
        assert_eq!(v["landmarks"]["left_ear"]["x"], 10.0);
        assert_eq!(v["landmarks"].as_object().unwrap().len(), 33);
        assert!(v["world_landmarks"]["nose"]["z"].is_number());
        assert!(v["timings_ms"]["total"].is_number());
        assert!(
            ["good", "drifting", "forward_head", "cannot_assess"].contains(&v["state"].as_str().unwrap())
        );
        assert!(v["signals"].is_object() && v["reason"].is_string() && v["alert"] == false);
    }

    #[test]
    fn csv_rows_have_as_many_fields_as_the_header_with_and_without_a_person() {
        let r = result();
        let none = PoseResult { pose: None, ..result() };
        let mut w = Writer::new(Vec::new(), Format::Csv);
        w.write(&Record::new("a,b.jpg", &r, &assess(&r), None)).unwrap();
        w.write(&Record::new("c.jpg", &none, &assess(&none), Some(0.5))).unwrap();
        let text = String::from_utf8(w.out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let fields = |l: &str| {
            let mut n = 1;
            let mut quoted = false;
            for c in l.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => n += 1,
                    _ => {}
                }
            }
            n
        };
        assert_eq!(lines.len(), 3);
        assert_eq!(fields(lines[1]), fields(lines[0]));
        assert_eq!(fields(lines[2]), fields(lines[0]));
    }
}
