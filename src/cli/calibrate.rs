//! `simulate calibrate`: `[attrition]` inputs estimated from an observed daily series.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, parse_date};
use crate::calibrate::{Series, estimate};
use crate::date::Date;

/// Options of `simulate calibrate`.
#[derive(Debug, Args)]
pub(super) struct CalibrateArgs {
    /// CSV file: a header row, dates (YYYY-MM-DD) in the first column, every day present.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// First day of the window [default: the series' first usable day].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<Date>,
    /// Last day of the window [default: the series' last day].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<Date>,
    /// The value column [default: the first numeric column].
    #[arg(long, value_name = "NAME")]
    column: Option<String>,
    /// The column holds daily counts.
    #[arg(long, conflicts_with = "cumulative")]
    daily: bool,
    /// The column holds a running total (the default).
    #[arg(long)]
    cumulative: bool,
    /// Print JSON instead of a TOML block.
    #[arg(long)]
    json: bool,
}

/// Prints the estimates as a TOML block to paste into a scenario, or as JSON.
pub(super) fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let series = Series::read(&args.file, args.column.as_deref()).map_err(Failure::input)?;
    let cumulative = !args.daily;
    let (from, to, counts) = series.daily_counts(args.from, args.to, cumulative).map_err(Failure::input)?;
    let calibration = estimate(from, to, &counts);
    if args.json {
        let json = serde_json::to_string_pretty(&calibration).map_err(Failure::other)?;
        say!("{json}");
    } else {
        let mut command = format!("simulate calibrate {} --from {from} --to {to}", args.file.display());
        if let Some(c) = &args.column {
            command += &format!(" --column {c}");
        }
        if args.daily {
            command += " --daily";
        }
        say_part!("{}", calibration.toml(&command, &series, cumulative));
    }
    Ok(())
}
