//! `simulate backtest`: calibrate on data up to a date, simulate forward, and score the
//! bands on what followed.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use clap::Args;

use super::{Failure, OutputOptions, file_stem, parse_date, progress};
use crate::calibrate::Series;
use crate::date::Date;
use crate::limits::LIMITS;
use crate::output;
use crate::plot::{self, FanChart};

/// Options of `simulate backtest`.
#[derive(Debug, Args)]
pub(super) struct BacktestArgs {
    /// CSV file: a header row, dates (YYYY-MM-DD) in the first column, every day present.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// Last day of the training data.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    train_to: Date,
    /// Days held out and simulated after it.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=i64::from(LIMITS.max_days)))]
    horizon: u32,
    /// First day of the training data [default: 180 days before --train-to].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<Date>,
    /// The value column [default: the first numeric column].
    #[arg(long, value_name = "NAME")]
    column: Option<String>,
    /// The column holds daily counts (default: a running total).
    #[arg(long)]
    daily: bool,
    /// Monte Carlo runs.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: u32,
    /// Master random seed, 0 to 2⁶³ − 1.
    #[arg(long, value_name = "S", default_value_t = 1, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: u64,
    #[command(flatten)]
    output: OutputOptions,
}

/// Writes `DIR/<stem>.backtest/` and prints the report.
pub(super) fn backtest(args: &BacktestArgs) -> Result<(), Failure> {
    let series = Series::read(&args.file, args.column.as_deref()).map_err(Failure::input)?;
    let folder = format!("{}.backtest", file_stem(&args.file, "series"));
    args.output.check(std::slice::from_ref(&folder), &[])?;
    let done = AtomicU64::new(0);
    let show = args.output.progress_bar();
    let run = progress::with_progress(u64::from(args.runs), &done, show, || {
        crate::backtest::backtest(
            &series,
            args.from,
            args.train_to,
            args.horizon,
            !args.daily,
            args.runs,
            args.seed,
            Some(&done),
        )
    })
    .map_err(Failure::input)?;
    let report = &run.report;
    let json = serde_json::to_string_pretty(report).map_err(Failure::other)? + "\n";
    let mut files = vec![
        ("backtest.json".to_string(), json.into_bytes()),
        ("daily.csv".to_string(), output::daily_csv(&run.summary, &run.bands, &run.sources).into_bytes()),
    ];
    if let Some(format) = args.output.charts() {
        let chart = FanChart {
            summary: &run.summary,
            bands: &run.bands,
            target: 0.0,
            new_army: None,
            observed: run.scenario.observed(),
            observed_only: true,
        };
        files.push((
            format!("backtest.{}", format.extension()),
            plot::fan_chart(&chart, format).map_err(Failure::other)?,
        ));
    }
    let dir = args.output.write_folder(&folder, &files)?;
    if !args.output.quiet {
        say_part!("{}", report.report(&series));
        say!("wrote {}/", dir.display());
    }
    Ok(())
}
