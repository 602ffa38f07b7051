//! Live reload: the config file is polled (cheap: one `stat`) and re-read
//! when its modification time or size changes. An invalid edit is reported
//! and the previous settings stay in force.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{Config, ConfigError};

pub struct ConfigWatcher {
    path: PathBuf,
    stamp: Option<(SystemTime, u64)>,
}

impl ConfigWatcher {
    /// Starts watching `path` as it is now (the caller has loaded it already).
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf(), stamp: stamp(path) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `None` while the file is unchanged; otherwise the newly parsed
    /// settings or why they were refused. A deleted file means defaults.
    pub fn poll(&mut self) -> Option<Result<Config, ConfigError>> {
        let now = stamp(&self.path);
        if now == self.stamp {
            return None;
        }
        self.stamp = now;
        Some(Config::load_or_default(&self.path))
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloads_edits_and_reports_invalid_ones() {
        let dir = std::env::temp_dir().join(format!("headsup-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "[timing]\nonset_delay_s = 5.0\n").unwrap();
        let mut w = ConfigWatcher::new(&path);
        assert!(w.poll().is_none());
        std::fs::write(&path, "[timing]\nonset_delay_s = 7.0\n").unwrap();
        let c = w.poll().expect("changed").expect("valid");
        assert_eq!(c.timing.onset_delay_s, 7.0);
        std::fs::write(&path, "[timing]\nonset_delay_s = -1.0\n").unwrap();
        let e = w.poll().expect("changed").expect_err("invalid");
        assert!(e.to_string().contains("timing.onset_delay_s"), "{e}");
        assert!(w.poll().is_none(), "reported once");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
