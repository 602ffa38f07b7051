//! `headsup feedback wrong|missed|--undo|--reset`: the user's word on a
//! judgement. With a watcher running it goes over the control socket (the
//! watcher moves its cut-off, saves the profile and journals the signals of
//! that moment); otherwise the saved profile is corrected here and the
//! journal records it without signals.

use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Args;
use headsup::journal::{CorrectionRow, Journal};
use headsup::posture::PostureEngine;
use headsup::profiles::{DEFAULT_PROFILE, Profiles};
use headsup::watch::control::{self, ControlError, Correct, Reply, Request};

use super::load_config;

#[derive(Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["verdict", "undo", "reset"]))]
pub struct FeedbackArgs {
    /// `wrong`: that alert came while you sat well (alerts come later);
    /// `missed`: you were slouching and nothing came (sooner).
    #[arg(value_parser = ["wrong", "missed"])]
    verdict: Option<String>,
    /// Take the last correction back.
    #[arg(long)]
    undo: bool,
    /// Forget every correction of the profile.
    #[arg(long)]
    reset: bool,
    /// Correct this saved profile directly instead of the running watcher's.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

impl FeedbackArgs {
    fn what(&self) -> Correct {
        match (self.verdict.as_deref(), self.undo) {
            (Some("wrong"), _) => Correct::Wrong,
            (Some(_), _) => Correct::Missed,
            (None, true) => Correct::Undo,
            (None, false) => Correct::Reset,
        }
    }
}

pub fn run(args: &FeedbackArgs, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let what = args.what();
    if args.profile.is_none() {
        match control::request(&control::socket_path(), Request::Correct { what }) {
            Ok(Reply::Corrected { message, .. }) => {
                println!("headsup: {message}");
                return Ok(ExitCode::SUCCESS);
            }
            Ok(Reply::Error { error }) => anyhow::bail!("the watcher refused: {error}"),
            Ok(Reply::Status(_)) => {
                anyhow::bail!("the watcher did not take the correction (an older headsup?)")
            }
            Err(ControlError::NotRunning(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    offline(what, args.profile.as_deref().unwrap_or(DEFAULT_PROFILE), config)
}

/// No watcher: the saved profile is corrected and the journal told.
fn offline(what: Correct, name: &str, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (_, cfg) = load_config(config)?;
    let profiles = Profiles::default();
    let profile = profiles.load(name)?;
    let mut engine = PostureEngine::new(cfg.posture_params(), Some(profile.baseline));
    if !what.apply(&mut engine) {
        anyhow::bail!("profile {name:?} has no correction to undo");
    }
    let corrections = engine.baseline().map(|b| b.corrections.clone()).unwrap_or_default();
    let path = profiles.set_corrections(name, corrections)?;
    let row = CorrectionRow {
        time: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64()),
        kind: what.name().into(),
        profile: name.into(),
        forward_below: f64::from(engine.params().bands.forward_below),
        signals: "{}".into(),
    };
    let journal = headsup::journal::default_path();
    Journal::open(&journal)
        .and_then(|mut j| j.batch(|b| b.put_correction(&row)))
        .with_context(|| format!("profile {name:?} corrected, but not journaled"))?;
    let summary = engine.corrections_summary().unwrap_or_default();
    println!("headsup: {summary} (profile {name:?}, {})", path.display());
    Ok(ExitCode::SUCCESS)
}
