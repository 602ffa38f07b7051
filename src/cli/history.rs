//! `headsup report` and `headsup journal …`: reading, exporting, importing
//! and pruning the posture journal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use headsup::clock::{self, ClockError, Date};
use headsup::journal::{self, Journal};
use headsup::report::{self, Period, chart};

use super::load_config;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
}

#[derive(Args)]
pub struct ReportArgs {
    /// One local day (YYYY-MM-DD) [default: today].
    #[arg(long, value_parser = parse_day, conflicts_with_all = ["week", "from"])]
    day: Option<Date>,
    /// The last 7 days, today included.
    #[arg(long)]
    week: bool,
    /// First day of a range (with --to).
    #[arg(long, value_parser = parse_day, requires = "to")]
    from: Option<Date>,
    /// Last day of a range (with --from).
    #[arg(long, value_parser = parse_day, requires = "from")]
    to: Option<Date>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Also draw the day's timeline and the week's bars into this PNG.
    #[arg(long, value_name = "FILE.png")]
    chart: Option<PathBuf>,
    /// Journal file [default: $XDG_DATA_HOME/headsup/journal.sqlite3].
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
}

/// Dates on the command line; the error names the value clap was given.
fn parse_day(s: &str) -> Result<Date, ClockError> {
    clock::parse_date(s)
}

#[derive(Subcommand)]
pub enum JournalAction {
    /// Print where the journal is.
    Path,
    /// Write the recorded minutes as CSV to stdout (or --output FILE).
    Export {
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Merge minutes from a CSV export; minutes already recorded are kept, never duplicated.
    Import { file: PathBuf },
    /// Fold minutes older than the retention setting into daily summaries now.
    Prune,
}

pub fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let path = args.journal.clone().unwrap_or_else(journal::default_path);
    let j = Journal::open_read_only(&path)?;
    let today = clock::today();
    let period = match (args.day, args.week, args.from, args.to) {
        (Some(d), _, _, _) => Period::day(d),
        (_, true, _, _) => Period::week_ending(today),
        (_, _, Some(f), Some(t)) if f <= t => Period { first: f, last: t },
        (_, _, Some(_), Some(_)) => anyhow::bail!("--from must not be after --to"),
        _ => Period::day(today),
    };
    let r = report::build(&j, &period)?;
    let stdout = &mut std::io::stdout().lock();
    match args.format {
        ReportFormat::Text => report::write_text(stdout, &period, &r)?,
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *stdout, &r)?;
            println!();
        }
        ReportFormat::Csv => {
            let (from, to) = period.bounds()?;
            let minutes = j.minutes((from / 60.0).floor() as i64, (to / 60.0).ceil() as i64)?;
            headsup::journal::csv::write_minutes_csv(stdout, &minutes)?;
        }
    }
    if let Some(png) = &args.chart {
        chart::render(&j, period.last, png)?;
        eprintln!("headsup: chart written to {}", png.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn journal(action: JournalAction, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = journal::default_path();
    match action {
        JournalAction::Path => println!("{}", path.display()),
        JournalAction::Export { output } => {
            let j = Journal::open_read_only(&path)?;
            let minutes = j.minutes(i64::MIN, i64::MAX)?;
            match output {
                Some(file) => {
                    let mut f = std::fs::File::create(&file)
                        .with_context(|| format!("cannot write {}", file.display()))?;
                    headsup::journal::csv::write_minutes_csv(&mut f, &minutes)?;
                    eprintln!("headsup: {} minutes written to {}", minutes.len(), file.display());
                }
                None => headsup::journal::csv::write_minutes_csv(&mut std::io::stdout().lock(), &minutes)?,
            }
        }
        JournalAction::Import { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = headsup::journal::csv::read_minutes_csv(&text)
                .with_context(|| format!("cannot import {}", file.display()))?;
            let mut j = Journal::open(&path)?;
            let added = j.batch(|b| {
                let mut n = 0;
                for m in &rows {
                    n += usize::from(b.add_minute_if_new(m)?);
                }
                Ok(n)
            })?;
            println!("imported {added} minutes, {} already recorded", rows.len() - added);
        }
        JournalAction::Prune => {
            let (_, cfg) = load_config(config)?;
            let mut j = Journal::open(&path)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            let n = j.prune(cfg.journal.keep_minutes_days, now)?;
            println!(
                "folded {n} minutes older than {} days into daily summaries",
                cfg.journal.keep_minutes_days
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
