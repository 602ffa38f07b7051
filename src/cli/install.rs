//! `headsup install` / `uninstall` / `autostart on|off`: the desktop entry
//! that puts headsup in the application menu, its icon, and the login
//! entry. Each file written carries a mark, so `uninstall` removes exactly
//! what headsup wrote and leaves a file the user has changed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use headsup::config::paths;

/// The application icon (hand-drawn SVG, in the repository's licence).
const ICON: &str = include_str!("../../assets/headsup.svg");
/// The line that says a desktop entry is headsup's own.
const MARK: &str = "X-Headsup-Written=true";

/// A desktop entry starting this executable; `login` adds the autostart key.
fn desktop_entry(login: bool) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let mut entry = format!(
        "[Desktop Entry]\nType=Application\nName=headsup\nGenericName=Posture watcher\n\
         Comment=Tells you when your head drifts forward of your shoulders\n\
         Exec=\"{}\" watch{}\nIcon=headsup\nTerminal=false\nCategories=Utility;Accessibility;\n\
         Keywords=posture;neck;webcam;\n{MARK}\n",
        exe.display(),
        // At login, into the tray with the window closed.
        if login { " --tray" } else { "" }
    );
    if login {
        entry.push_str("X-GNOME-Autostart-enabled=true\n");
    }
    Ok(entry)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().context("no parent folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Removes `path` if headsup wrote it (`ours`); says what it did.
fn remove_if_ours(path: &Path, ours: impl Fn(&str) -> bool) -> anyhow::Result<()> {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        Ok(text) if !ours(&text) => {
            println!("left {} (not written by headsup, or changed since)", path.display());
            Ok(())
        }
        Ok(_) => {
            std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
            println!("removed {}", path.display());
            Ok(())
        }
    }
}

fn is_entry(text: &str) -> bool {
    text.lines().any(|l| l == MARK)
}

/// `headsup install [--autostart]`.
pub fn install(login: bool) -> anyhow::Result<ExitCode> {
    let (entry, icon) = (paths::menu_entry_file(), paths::icon_file());
    write(&icon, ICON)?;
    write(&entry, &desktop_entry(false)?)?;
    println!("headsup is in the application menu ({}, icon {})", entry.display(), icon.display());
    if login {
        return autostart(true);
    }
    Ok(ExitCode::SUCCESS)
}

/// `headsup uninstall`: the menu entry, the icon and the login entry, where
/// headsup wrote them.
pub fn uninstall() -> anyhow::Result<ExitCode> {
    remove_if_ours(&paths::menu_entry_file(), is_entry)?;
    remove_if_ours(&paths::autostart_file(), is_entry)?;
    remove_if_ours(&paths::icon_file(), |t| t == ICON)?;
    println!("profiles and history are kept (`headsup forget` deletes them)");
    Ok(ExitCode::SUCCESS)
}

/// `headsup autostart on|off`: the XDG autostart entry for this executable.
pub fn autostart(on: bool) -> anyhow::Result<ExitCode> {
    let file = paths::autostart_file();
    if on {
        write(&file, &desktop_entry(true)?)?;
        println!("headsup starts at login ({})", file.display());
    } else {
        // Asked for by name: removed even if older versions wrote it unmarked.
        match std::fs::remove_file(&file) {
            Ok(()) => println!("removed {}", file.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!("autostart was not on"),
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", file.display())),
        }
    }
    Ok(ExitCode::SUCCESS)
}
