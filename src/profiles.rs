//! Calibration profiles: one TOML file per named profile in the data dir
//! (`$XDG_DATA_HOME/headsup/profiles/NAME.toml`), written atomically. A
//! module of its own, above both `posture` (whose baseline it stores) and
//! `config` (whose paths it uses), so that neither imports the other.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::paths;
use crate::posture::{Baseline, Corrections};

pub const DEFAULT_PROFILE: &str = "default";

/// A named calibration: the baseline plus where it was taken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// The camera or source the frames came from.
    pub camera: String,
    pub frames: usize,
    pub baseline: Baseline,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile name {0:?} is not allowed: use 1-64 letters, digits, '-' or '_'")]
    BadName(String),
    #[error("no profile named {name:?} (in {dir}); create it with `headsup calibrate --profile {name}`")]
    NotFound { name: String, dir: PathBuf },
    #[error("a profile named {0:?} already exists")]
    Exists(String),
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
}

fn check_name(name: &str) -> Result<(), ProfileError> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(ProfileError::BadName(name.to_string())) }
}

/// The profiles folder: under the XDG data dir unless given.
pub struct Profiles {
    dir: PathBuf,
}

impl Default for Profiles {
    fn default() -> Self {
        Self::new(paths::profiles_dir())
    }
}

impl Profiles {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.toml"))
    }

    pub fn load(&self, name: &str) -> Result<Profile, ProfileError> {
        check_name(name)?;
        let path = self.path(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::NotFound { name: name.into(), dir: self.dir.clone() });
            }
            Err(e) => return Err(ProfileError::Io { path, message: e.to_string() }),
        };
        toml::from_str(&text).map_err(|e| ProfileError::Io {
            path,
            message: format!("not a headsup profile ({})", e.message()),
        })
    }

    /// Writes to a temporary file and renames it over the old one, so a
    /// crash never leaves half a profile.
    pub fn save(&self, profile: &Profile) -> Result<PathBuf, ProfileError> {
        check_name(&profile.name)?;
        let path = self.path(&profile.name);
        let io = |e: std::io::Error| ProfileError::Io { path: path.clone(), message: e.to_string() };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let text = toml::to_string(profile)
            .map_err(|e| ProfileError::Io { path: path.clone(), message: e.to_string() })?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(path)
    }

    /// All readable profiles, sorted by name.
    pub fn list(&self) -> Result<Vec<Profile>, ProfileError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ProfileError::Io { path: self.dir.clone(), message: e.to_string() }),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".toml")).map(String::from))
            .collect();
        names.sort();
        names.iter().map(|n| self.load(n)).collect()
    }

    /// Keeps `corrections` in profile `name`, leaving its baseline as saved.
    pub fn set_corrections(&self, name: &str, corrections: Corrections) -> Result<PathBuf, ProfileError> {
        let mut p = self.load(name)?;
        p.baseline.corrections = corrections;
        self.save(&p)
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), ProfileError> {
        check_name(to)?;
        let mut p = self.load(from)?;
        if self.path(to).exists() {
            return Err(ProfileError::Exists(to.into()));
        }
        p.name = to.to_string();
        self.save(&p)?;
        self.delete(from)
    }

    pub fn delete(&self, name: &str) -> Result<(), ProfileError> {
        check_name(name)?;
        let path = self.path(name);
        std::fs::remove_file(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                ProfileError::NotFound { name: name.into(), dir: self.dir.clone() }
            }
            _ => ProfileError::Io { path: path.clone(), message: e.to_string() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posture::{Signals, View};

    fn profile(name: &str) -> Profile {
        let mut s = Signals::NAN;
        s.ear_shoulder_gap = 0.55;
        Profile {
            name: name.into(),
            created: "2026-11-25T10:00:00.000Z".into(),
            camera: "test".into(),
            frames: 12,
            baseline: Baseline::from_signals(s, View::Front, 640, 480),
        }
    }

    #[test]
    fn save_list_rename_delete_round_trip() {
        let dir = std::env::temp_dir().join(format!("headsup-profiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ps = Profiles::new(dir.clone());
        assert!(ps.list().expect("empty").is_empty());
        ps.save(&profile("desk")).expect("save");
        ps.save(&profile("laptop")).expect("save");
        let loaded = ps.load("desk").expect("load");
        assert_eq!(loaded.baseline.signals.ear_shoulder_gap, 0.55);
        assert!(loaded.baseline.signals.side_angle_deg.is_nan(), "NaN survives TOML");
        ps.rename("desk", "office").expect("rename");
        let names: Vec<String> = ps.list().expect("list").into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["laptop", "office"]);
        assert!(matches!(ps.rename("laptop", "office"), Err(ProfileError::Exists(_))));
        ps.delete("laptop").expect("delete");
        assert!(matches!(ps.load("laptop"), Err(ProfileError::NotFound { .. })));
        assert!(matches!(ps.load("../etc"), Err(ProfileError::BadName(_))));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
