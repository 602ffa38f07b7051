//! Where headsup keeps its files, following the XDG base directories
//! (`XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_RUNTIME_DIR` are respected, so
//! tests can point them at a temporary folder).

use std::path::PathBuf;

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(std::env::temp_dir)
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => home().join(fallback),
    }
}

/// `$XDG_CONFIG_HOME/headsup` (default `~/.config/headsup`).
pub fn config_dir() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("headsup")
}

/// The default config file.
pub fn config_file() -> PathBuf {
    config_dir().join("config.toml")
}

/// `$XDG_DATA_HOME/headsup` (default `~/.local/share/headsup`): profiles, journal.
pub fn data_dir() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("headsup")
}

/// Calibration profiles, one TOML file each.
pub fn profiles_dir() -> PathBuf {
    data_dir().join("profiles")
}

/// The XDG autostart entry: `$XDG_CONFIG_HOME/autostart/headsup.desktop`.
pub fn autostart_file() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("autostart").join("headsup.desktop")
}

/// The application-menu entry: `$XDG_DATA_HOME/applications/headsup.desktop`.
pub fn menu_entry_file() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("applications").join("headsup.desktop")
}

/// The icon the entries name: `$XDG_DATA_HOME/icons/hicolor/scalable/apps/headsup.svg`.
pub fn icon_file() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("icons/hicolor/scalable/apps/headsup.svg")
}
