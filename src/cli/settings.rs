//! `headsup config …` and `headsup profiles …`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use headsup::config::{self, Config, DEFAULT_TOML};
use headsup::profiles::Profiles;

#[derive(Subcommand)]
pub enum ConfigAction {
    /// Write the fully commented default settings file.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate the settings file.
    Check,
    /// Print where the settings file is.
    Path,
}

#[derive(Subcommand)]
pub enum ProfilesAction {
    /// List the profiles (the default action).
    List,
    /// Rename a profile.
    Rename { from: String, to: String },
    /// Delete a profile.
    Delete { name: String },
}

pub fn config(action: ConfigAction, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = config::resolve_path(explicit);
    match action {
        ConfigAction::Path => println!("{}", path.display()),
        ConfigAction::Init { force } => {
            if path.exists() && !force {
                anyhow::bail!("{} already exists; use --force to replace it", path.display());
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&path, DEFAULT_TOML)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("wrote {}", path.display());
        }
        ConfigAction::Check => {
            if !path.exists() {
                println!("{}: not present; the built-in defaults are used", path.display());
            } else {
                Config::load(&path)?;
                println!("{}: ok", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn profiles(action: Option<ProfilesAction>) -> anyhow::Result<ExitCode> {
    let store = Profiles::default();
    match action.unwrap_or(ProfilesAction::List) {
        ProfilesAction::List => {
            let list = store.list()?;
            if list.is_empty() {
                println!("no profiles yet in {}; create one with `headsup calibrate`", store.dir().display());
            }
            for p in list {
                let b = &p.baseline;
                println!(
                    "{:<16} {:<6} {}x{:<6} {:<24} {} frames from {}",
                    p.name,
                    b.view.name(),
                    b.width,
                    b.height,
                    p.created,
                    p.frames,
                    p.camera
                );
            }
        }
        ProfilesAction::Rename { from, to } => {
            store.rename(&from, &to)?;
            println!("renamed {from} to {to}");
        }
        ProfilesAction::Delete { name } => {
            store.delete(&name)?;
            println!("deleted {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
