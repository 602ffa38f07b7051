//! The posture journal: an SQLite file (`$XDG_DATA_HOME/headsup/journal.sqlite3`)
//! holding per-minute aggregates, forward-head episodes, alerts, pauses,
//! breaks, calibrations and settings changes. Never any image data.
//!
//! Safety: WAL mode, every write in a transaction, schema versioned
//! (`PRAGMA user_version`) with forward-only migrations, and the file
//! marked as headsup's (`PRAGMA application_id`) so a foreign SQLite file is
//! refused rather than altered. Writes happen off the frame path
//! ([`writer`]).

pub mod csv;
pub mod recorder;
pub mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use recorder::{PauseKind, Recorder};
pub use writer::{Entry, FrameEntry, JournalWriter};

/// 'HSUP': marks the file as a headsup journal.
const APPLICATION_ID: i32 = 0x4853_5550;

/// Migrations, in order; `user_version` is how many have been applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE minutes (
        minute INTEGER PRIMARY KEY,          -- unix time / 60 (UTC)
        monitored_s REAL NOT NULL,
        good_s REAL NOT NULL,
        drifting_s REAL NOT NULL,
        forward_head_s REAL NOT NULL,
        cannot_assess_s REAL NOT NULL,
        score_sum REAL NOT NULL,
        score_n INTEGER NOT NULL,
        score_min REAL,
        gap_sum REAL NOT NULL,
        head_width_sum REAL NOT NULL,
        forward_m_sum REAL NOT NULL,
        signal_n INTEGER NOT NULL
    );
    CREATE TABLE episodes (
        start REAL PRIMARY KEY,              -- unix seconds
        end REAL NOT NULL,
        min_score REAL NOT NULL,
        main_signal TEXT NOT NULL
    );
    CREATE TABLE alerts (
        time REAL PRIMARY KEY,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        score REAL,
        corrected_after_s REAL               -- null: not corrected in time
    );
    CREATE TABLE pauses (start REAL PRIMARY KEY, end REAL NOT NULL, kind TEXT NOT NULL);
    CREATE TABLE breaks (time REAL NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (time, kind));
    CREATE TABLE calibrations (time REAL PRIMARY KEY, profile TEXT NOT NULL, view TEXT NOT NULL);
    CREATE TABLE config_changes (time REAL PRIMARY KEY, ok INTEGER NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE days (                      -- kept after minutes are pruned
        day TEXT PRIMARY KEY,                -- local date YYYY-MM-DD
        monitored_s REAL NOT NULL, good_s REAL NOT NULL, drifting_s REAL NOT NULL,
        forward_head_s REAL NOT NULL, cannot_assess_s REAL NOT NULL
    );",
    // 2: the user's corrections ("that alert was wrong", "you missed it"),
    // with the cut-off they left and the signals of that moment (JSON).
    "CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,              -- several may share a time
        time REAL NOT NULL,
        kind TEXT NOT NULL,                  -- wrong, missed, undo, reset
        profile TEXT NOT NULL,
        forward_below REAL NOT NULL,         -- the cut-off after it
        signals TEXT NOT NULL                -- {} when given offline
    );",
];

pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(
        "journal {path}: not a headsup journal (it is another program's SQLite file or not SQLite at all); it was left untouched"
    )]
    Foreign { path: PathBuf },
    #[error(
        "journal {path}: written by a newer headsup (schema {found}, this one knows up to {SCHEMA_VERSION}); it was left untouched"
    )]
    FutureSchema { path: PathBuf, found: i32 },
    #[error("journal {path}: no journal yet (headsup writes one while it watches)")]
    Missing { path: PathBuf },
    #[error("journal {path}: {message}")]
    Db { path: PathBuf, message: String },
}

/// One minute of monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MinuteRow {
    pub minute: i64,
    pub monitored_s: f64,
    pub good_s: f64,
    pub drifting_s: f64,
    pub forward_head_s: f64,
    pub cannot_assess_s: f64,
    pub score_sum: f64,
    pub score_n: i64,
    pub score_min: Option<f64>,
    pub gap_sum: f64,
    pub head_width_sum: f64,
    pub forward_m_sum: f64,
    pub signal_n: i64,
}

/// A forward-head stretch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub start: f64,
    pub end: f64,
    pub min_score: f64,
    pub main_signal: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertRow {
    pub time: f64,
    pub kind: String,
    pub reason: String,
    pub score: Option<f64>,
    pub corrected_after_s: Option<f64>,
}

/// A correction the user made, with the cut-off it left.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorrectionRow {
    pub time: f64,
    pub kind: String,
    pub profile: String,
    pub forward_below: f64,
    /// The signals of that moment, as JSON (`{}` when none were watched).
    pub signals: String,
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl Journal {
    /// Opens the journal for writing, creating or migrating it.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| db(path, e))?;
        }
        let conn = Connection::open(path).map_err(|e| db(path, e))?;
        let mut j = Journal { conn, path: path.to_path_buf() };
        j.check_and_migrate()?;
        Ok(j)
    }

    /// Opens an existing journal for reading (reports): never creates one.
    pub fn open_read_only(path: &Path) -> Result<Self, JournalError> {
        if !path.exists() {
            return Err(JournalError::Missing { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db(path, e))?;
        let j = Journal { conn, path: path.to_path_buf() };
        let (app, version) = j.identity()?;
        let empty = j.table_count()? == 0;
        if empty {
            return Err(JournalError::Missing { path: path.to_path_buf() });
        }
        if app != APPLICATION_ID {
            return Err(JournalError::Foreign { path: path.to_path_buf() });
        }
        if version > SCHEMA_VERSION {
            return Err(JournalError::FutureSchema { path: path.to_path_buf(), found: version });
        }
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn identity(&self) -> Result<(i32, i32), JournalError> {
        let p = &self.path;
        // Reading the header is where a non-SQLite file shows itself.
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|_| JournalError::Foreign { path: p.clone() })?;
        let version: i32 =
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| db(p, e))?;
        Ok((app, version))
    }

    fn table_count(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|_| JournalError::Foreign { path: self.path.clone() })
    }

    fn check_and_migrate(&mut self) -> Result<(), JournalError> {
        let p = self.path.clone();
        let (app, version) = self.identity()?;
        let fresh = self.table_count()? == 0;
        if !fresh && app != APPLICATION_ID {
            return Err(JournalError::Foreign { path: p });
        }
        if version > SCHEMA_VERSION {
            return Err(JournalError::FutureSchema { path: p, found: version });
        }
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
            )
            .map_err(|e| db(&p, e))?;
        let tx = self.conn.transaction().map_err(|e| db(&p, e))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(|e| db(&p, format!("migration {}: {e}", i + 1)))?;
        }
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
        ))
        .map_err(|e| db(&p, e))?;
        tx.commit().map_err(|e| db(&p, e))
    }

    /// Runs `f` in one transaction: all of it lands, or none.
    pub fn batch<T>(&mut self, f: impl FnOnce(&Batch<'_>) -> rusqlite::Result<T>) -> Result<T, JournalError> {
        let p = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| db(&p, e))?;
        let out = f(&Batch(&tx)).map_err(|e| db(&p, e))?;
        tx.commit().map_err(|e| db(&p, e))?;
        Ok(out)
    }

    pub fn minutes(&self, from_minute: i64, to_minute: i64) -> Result<Vec<MinuteRow>, JournalError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT minute, monitored_s, good_s, drifting_s, forward_head_s, cannot_assess_s, score_sum, score_n,
                        score_min, gap_sum, head_width_sum, forward_m_sum, signal_n
                 FROM minutes WHERE minute >= ?1 AND minute < ?2 ORDER BY minute",
            )
            .map_err(|e| db(&self.path, e))?;
        let rows = st
            .query_map(params![from_minute, to_minute], |r| {
                Ok(MinuteRow {
                    minute: r.get(0)?,
                    monitored_s: r.get(1)?,
                    good_s: r.get(2)?,
                    drifting_s: r.get(3)?,
                    forward_head_s: r.get(4)?,
                    cannot_assess_s: r.get(5)?,
                    score_sum: r.get(6)?,
                    score_n: r.get(7)?,
                    score_min: r.get(8)?,
                    gap_sum: r.get(9)?,
                    head_width_sum: r.get(10)?,
                    forward_m_sum: r.get(11)?,
                    signal_n: r.get(12)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| db(&self.path, e))?;
        Ok(rows)
    }

    /// One minute's row, if recorded.
    pub fn minute(&self, minute: i64) -> Result<Option<MinuteRow>, JournalError> {
        Ok(self.minutes(minute, minute + 1)?.into_iter().next())
    }

    pub fn episodes(&self, from: f64, to: f64) -> Result<Vec<Episode>, JournalError> {
        let mut st = self
            .conn
            .prepare("SELECT start, end, min_score, main_signal FROM episodes WHERE start >= ?1 AND start < ?2 ORDER BY start")
            .map_err(|e| db(&self.path, e))?;
        st.query_map(params![from, to], |r| {
            Ok(Episode { start: r.get(0)?, end: r.get(1)?, min_score: r.get(2)?, main_signal: r.get(3)? })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| db(&self.path, e))
    }

    /// Seconds not watched between `from` and `to`, by kind (`paused`,
    /// `snoozed`, `auto`, `camera_lost`); stretches that cross a bound count
    /// only their part inside.
    pub fn pause_seconds(&self, from: f64, to: f64) -> Result<BTreeMap<String, f64>, JournalError> {
        let mut st = self
            .conn
            .prepare("SELECT start, end, kind FROM pauses WHERE end > ?1 AND start < ?2")
            .map_err(|e| db(&self.path, e))?;
        let rows: Vec<(f64, f64, String)> = st
            .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| db(&self.path, e))?;
        let mut by_kind = BTreeMap::new();
        for (start, end, kind) in rows {
            *by_kind.entry(kind).or_insert(0.0) += (end.min(to) - start.max(from)).max(0.0);
        }
        Ok(by_kind)
    }

    pub fn alerts(&self, from: f64, to: f64) -> Result<Vec<AlertRow>, JournalError> {
        let mut st = self
            .conn
            .prepare("SELECT time, kind, reason, score, corrected_after_s FROM alerts WHERE time >= ?1 AND time < ?2 ORDER BY time")
            .map_err(|e| db(&self.path, e))?;
        st.query_map(params![from, to], |r| {
            Ok(AlertRow {
                time: r.get(0)?,
                kind: r.get(1)?,
                reason: r.get(2)?,
                score: r.get(3)?,
                corrected_after_s: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| db(&self.path, e))
    }

    pub fn corrections(&self, from: f64, to: f64) -> Result<Vec<CorrectionRow>, JournalError> {
        let mut st = self
            .conn
            .prepare("SELECT time, kind, profile, forward_below, signals FROM corrections WHERE time >= ?1 AND time < ?2 ORDER BY time, id")
            .map_err(|e| db(&self.path, e))?;
        st.query_map(params![from, to], |r| {
            Ok(CorrectionRow {
                time: r.get(0)?,
                kind: r.get(1)?,
                profile: r.get(2)?,
                forward_below: r.get(3)?,
                signals: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| db(&self.path, e))
    }

    /// Breaks of `kind` ("due" or "taken") in the period.
    pub fn breaks(&self, from: f64, to: f64, kind: &str) -> Result<usize, JournalError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM breaks WHERE time >= ?1 AND time < ?2 AND kind = ?3",
                params![from, to, kind],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(|e| db(&self.path, e))
    }

    /// Deletes minutes older than `keep_days`, after folding them into the
    /// per-day summaries (kept forever). Returns how many minutes went.
    pub fn prune(&mut self, keep_days: u32, now: f64) -> Result<usize, JournalError> {
        let cutoff = ((now - f64::from(keep_days) * 86_400.0) / 60.0).floor() as i64;
        let old = self.minutes(i64::MIN, cutoff)?;
        self.batch(|b| {
            for m in &old {
                let day = crate::clock::date_of(m.minute as f64 * 60.0).to_string();
                b.0.execute(
                    "INSERT INTO days (day, monitored_s, good_s, drifting_s, forward_head_s, cannot_assess_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(day) DO UPDATE SET monitored_s = monitored_s + ?2, good_s = good_s + ?3,
                        drifting_s = drifting_s + ?4, forward_head_s = forward_head_s + ?5,
                        cannot_assess_s = cannot_assess_s + ?6",
                    params![day, m.monitored_s, m.good_s, m.drifting_s, m.forward_head_s, m.cannot_assess_s],
                )?;
            }
            b.0.execute("DELETE FROM minutes WHERE minute < ?1", params![cutoff])
        })
    }

    /// Per-day summaries kept after pruning: (day, monitored, good, drifting, forward, cannot).
    pub fn day_summary(&self, day: &str) -> Result<Option<[f64; 5]>, JournalError> {
        self.conn
            .query_row(
                "SELECT monitored_s, good_s, drifting_s, forward_head_s, cannot_assess_s FROM days WHERE day = ?1",
                params![day],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]),
            )
            .optional()
            .map_err(|e| db(&self.path, e))
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity_check(&self) -> Result<String, JournalError> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| db(&self.path, e))
    }
}

/// Writes inside one transaction.
pub struct Batch<'a>(&'a rusqlite::Transaction<'a>);

impl Batch<'_> {
    /// Replaces a minute (the writer upserts the current minute as it grows).
    pub fn put_minute(&self, m: &MinuteRow) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO minutes (minute, monitored_s, good_s, drifting_s, forward_head_s, cannot_assess_s,
                score_sum, score_n, score_min, gap_sum, head_width_sum, forward_m_sum, signal_n)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                m.minute,
                m.monitored_s,
                m.good_s,
                m.drifting_s,
                m.forward_head_s,
                m.cannot_assess_s,
                m.score_sum,
                m.score_n,
                m.score_min,
                m.gap_sum,
                m.head_width_sum,
                m.forward_m_sum,
                m.signal_n
            ],
        )
    }

    /// Adds a minute only if that minute is not recorded yet (imports).
    pub fn add_minute_if_new(&self, m: &MinuteRow) -> rusqlite::Result<bool> {
        let exists: bool = self.0.query_row(
            "SELECT EXISTS(SELECT 1 FROM minutes WHERE minute = ?1)",
            params![m.minute],
            |r| r.get(0),
        )?;
        if !exists {
            self.put_minute(m)?;
        }
        Ok(!exists)
    }

    pub fn put_episode(&self, e: &Episode) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO episodes (start, end, min_score, main_signal) VALUES (?1, ?2, ?3, ?4)",
            params![e.start, e.end, e.min_score, e.main_signal],
        )
    }

    pub fn put_alert(&self, a: &AlertRow) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO alerts (time, kind, reason, score, corrected_after_s) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.time, a.kind, a.reason, a.score, a.corrected_after_s],
        )
    }

    pub fn alert_corrected(&self, time: f64, after_s: f64) -> rusqlite::Result<usize> {
        self.0.execute("UPDATE alerts SET corrected_after_s = ?2 WHERE time = ?1", params![time, after_s])
    }

    pub fn put_pause(&self, start: f64, end: f64, kind: &str) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO pauses (start, end, kind) VALUES (?1, ?2, ?3)",
            params![start, end, kind],
        )
    }

    pub fn put_break(&self, time: f64, kind: &str) -> rusqlite::Result<usize> {
        self.0.execute("INSERT OR IGNORE INTO breaks (time, kind) VALUES (?1, ?2)", params![time, kind])
    }

    pub fn put_calibration(&self, time: f64, profile: &str, view: &str) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO calibrations (time, profile, view) VALUES (?1, ?2, ?3)",
            params![time, profile, view],
        )
    }

    pub fn put_correction(&self, c: &CorrectionRow) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT INTO corrections (time, kind, profile, forward_below, signals) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.time, c.kind, c.profile, c.forward_below, c.signals],
        )
    }

    pub fn put_config_change(&self, time: f64, ok: bool, detail: &str) -> rusqlite::Result<usize> {
        self.0.execute(
            "INSERT OR REPLACE INTO config_changes (time, ok, detail) VALUES (?1, ?2, ?3)",
            params![time, ok, detail],
        )
    }
}

fn db(path: &Path, e: impl std::fmt::Display) -> JournalError {
    JournalError::Db { path: path.to_path_buf(), message: e.to_string() }
}

/// `$XDG_DATA_HOME/headsup/journal.sqlite3`.
pub fn default_path() -> PathBuf {
    crate::config::paths::data_dir().join("journal.sqlite3")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("headsup-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("journal.sqlite3")
    }

    #[test]
    fn creates_migrates_and_reopens() {
        let path = temp("open");
        let mut j = Journal::open(&path).expect("create");
        j.batch(|b| {
            b.put_minute(&MinuteRow { minute: 100, monitored_s: 60.0, good_s: 60.0, ..Default::default() })
        })
        .expect("write");
        drop(j);
        let j = Journal::open_read_only(&path).expect("reopen");
        assert_eq!(j.minutes(0, 1000).expect("read").len(), 1);
        assert_eq!(j.integrity_check().expect("check"), "ok");
    }

    #[test]
    fn refuses_foreign_corrupt_and_future_files_without_touching_them() {
        let path = temp("foreign");
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
            .unwrap();
        drop(other);
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(Journal::open(&path), Err(JournalError::Foreign { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), before, "left untouched");

        let path = temp("garbage");
        std::fs::write(&path, b"this is not a database at all, just some text to be left alone").unwrap();
        let e = Journal::open(&path).err().expect("refused");
        assert!(matches!(e, JournalError::Foreign { .. }), "{e}");
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not"));

        let path = temp("future");
        drop(Journal::open(&path).unwrap());
        Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 99;").unwrap();
        let e = Journal::open(&path).err().expect("refused");
        assert!(e.to_string().contains("schema 99"), "{e}");
    }

    #[test]
    fn a_first_schema_journal_gains_the_corrections_table_and_keeps_its_rows() {
        let path = temp("migrate");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"))
            .unwrap();
        c.execute("INSERT INTO calibrations VALUES (5.0, 'default', 'front')", []).unwrap();
        drop(c);
        let mut j = Journal::open(&path).expect("migrated");
        let row = CorrectionRow {
            time: 10.0,
            kind: "wrong".into(),
            profile: "default".into(),
            forward_below: 48.0,
            signals: "{}".into(),
        };
        j.batch(|b| b.put_correction(&row)).expect("write");
        assert_eq!(j.corrections(0.0, 20.0).expect("read"), vec![row]);
        let kept: i64 = j.conn.query_row("SELECT count(*) FROM calibrations", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        assert_eq!(j.identity().unwrap().1, 2);
    }

    #[test]
    fn unwritable_directory_is_a_clear_error() {
        let e = Journal::open(Path::new("/proc/headsup/journal.sqlite3")).err().expect("refused");
        assert!(e.to_string().contains("/proc/headsup"), "{e}");
    }
}
