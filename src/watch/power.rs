//! Desktop conditions that pause watching on their own: the screen is
//! locked (logind's `LockedHint`), or the machine runs on battery. Both
//! are read cheaply and only every few seconds; where they cannot be
//! detected the answer is "no".

use std::path::Path;
use std::process::{Command, Stdio};

/// Whether any battery in `/sys/class/power_supply` is discharging.
pub fn on_battery() -> bool {
    on_battery_in(Path::new("/sys/class/power_supply"))
}

fn on_battery_in(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let read = |f: &str| std::fs::read_to_string(e.path().join(f)).unwrap_or_default();
        read("type").trim() == "Battery" && read("status").trim() == "Discharging"
    })
}

/// Whether logind says this session's screen is locked.
pub fn screen_locked() -> bool {
    let Some(session) = std::env::var_os("XDG_SESSION_ID") else { return false };
    Command::new("loginctl")
        .arg("show-session")
        .arg(session)
        .args(["-p", "LockedHint", "--value"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn battery_status_is_read_from_sysfs_files() {
        let dir = std::env::temp_dir().join(format!("headsup-power-{}", std::process::id()));
        let bat = dir.join("BAT0");
        let ac = dir.join("AC");
        std::fs::create_dir_all(&bat).unwrap();
        std::fs::create_dir_all(&ac).unwrap();
        std::fs::write(ac.join("type"), "Mains\n").unwrap();
        std::fs::write(bat.join("type"), "Battery\n").unwrap();
        std::fs::write(bat.join("status"), "Charging\n").unwrap();
        assert!(!on_battery_in(&dir));
        std::fs::write(bat.join("status"), "Discharging\n").unwrap();
        assert!(on_battery_in(&dir));
        assert!(!on_battery_in(&dir.join("missing")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
