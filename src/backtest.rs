//! Is the model's uncertainty honest? `simulate backtest` calibrates on observed data up
//! to a date, simulates forward, and scores the bands against what happened next.

use std::fmt::Write as _;

use serde::Serialize;

use crate::calibrate::{self, Calibration, CalibrationError, Series};
use crate::date::Date;
use crate::format::thousands;
use crate::ledger::{SERIES, series};
use crate::pipeline::{self, Finished};
use crate::scenario::{Observed, Origin, Scenario};
use crate::stats::{Band, Coverage, Summary};

/// Days of data before `--train-to` that the calibration uses by default.
pub const TRAINING_DAYS: i64 = 180;

/// The interval scored: the 90% band, α = 0.1.
const ALPHA: f64 = 0.1;

/// A backtest's report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backtest {
    /// What the training window gave.
    pub calibration: Calibration,
    /// First held-out day.
    pub start: Date,
    /// Held-out days.
    pub horizon: u32,
    /// Runs simulated.
    pub runs: u32,
    /// Share of held-out days inside the 50% and 90% bands of cumulative casualties.
    pub coverage: Coverage,
    /// The observed cumulative count over the held-out period.
    pub final_observed: f64,
    /// The model's band of it.
    pub final_band: Band,
    /// Whether the final observed cumulative lies inside the 90% band.
    pub final_inside_90: bool,
    /// Mean over held-out days of the interval score of the 90% band (Gneiting & Raftery
    /// 2007, eq. 43): (u − l) + (2/α)(l − y)·\[y < l\] + (2/α)(y − u)·\[y > u\], in persons;
    /// lower is better, and it punishes both width and misses.
    pub interval_score: f64,
}

/// Everything a backtest produces.
pub struct BacktestRun {
    /// The report.
    pub report: Backtest,
    /// The forward scenario (calibrated attrition, observed overlay).
    pub scenario: Scenario,
    /// Its summary.
    pub summary: Summary,
    /// Its daily bands.
    pub bands: Vec<[Band; SERIES.len()]>,
    /// Its daily bands of strength by source (one source, the initial force).
    pub sources: Vec<Vec<Band>>,
}

/// Calibrates on `from..=train_to` (default: the 180 days up to `train_to`), simulates
/// `horizon` days from the day after, and scores the bands of cumulative casualties
/// against the held-out observations.
///
/// # Errors
/// A bad series or window, or a horizon that runs past the data.
#[allow(clippy::too_many_arguments)]
pub fn backtest(
    series: &Series,
    from: Option<Date>,
    train_to: Date,
    horizon: u32,
    cumulative: bool,
    runs: u32,
    seed: u64,
    progress: Option<&std::sync::atomic::AtomicU64>,
) -> Result<BacktestRun, CalibrationError> {
    let fail = |message: String| CalibrationError { file: series.file.clone(), message };
    let last = series.dates[series.dates.len() - 1];
    let start = train_to.add_days(1);
    let end = train_to.add_days(i64::from(horizon));
    if horizon == 0 || end > last {
        return Err(fail(format!("the held-out period {start} to {end} runs past the data, which end on {last}")));
    }
    let from = from.unwrap_or(train_to.add_days(1 - TRAINING_DAYS));
    let (from, to, counts) = series.daily_counts(Some(from), Some(train_to), cumulative)?;
    let calibration = calibrate::estimate(from, to, &counts);

    // Named after the series, and traced to its bytes, so the chart's footer points to the
    // data wherever it lies.
    let origin = Origin {
        name: format!("Backtest of casualties after {train_to}"),
        file: format!("{} (backtest)", series.file),
        sha256: series.sha256.clone(),
    };
    let drift = calibration.drift.map(|d| (d.sd, d.days));
    let observed =
        Observed { casualties: Some(series.aligned(start, horizon, !cumulative)), recruited: None, points: Vec::new() };
    let scenario = Scenario::in_code(origin, start, horizon, runs, seed, 1e12)
        .with_daily_attrition(calibration.daily, calibration.dispersion, drift)
        .with_observed(observed);
    let Finished { mut summary, bands, sources, .. } = pipeline::simulate(&scenario, None, progress);
    // The training window, which the chart's days (the held-out ones) do not show.
    summary.description = Some(format!(
        "Attrition calibrated on {from} to {to} ({} days of `{}`); shown: the {horizon} days held out after it",
        counts.len(),
        series.column
    ));
    let observed = scenario.observed().casualties.clone().unwrap_or_default();
    // The coverage the summary computed for the chart.
    let coverage =
        summary.observed.as_ref().and_then(|o| o.casualties).ok_or_else(|| fail("no held-out observations".into()))?;
    let scores: Vec<f64> = observed
        .iter()
        .zip(&bands)
        .filter_map(|(y, b)| y.map(|y| interval_score(b[series::CASUALTIES].p5, b[series::CASUALTIES].p95, y)))
        .collect();
    let final_observed =
        observed.last().copied().flatten().ok_or_else(|| fail("no observation on the last held-out day".into()))?;
    let final_band = bands[bands.len() - 1][series::CASUALTIES];
    let report = Backtest {
        calibration,
        start,
        horizon,
        runs,
        coverage,
        final_observed,
        final_band,
        final_inside_90: final_band.p5 <= final_observed && final_observed <= final_band.p95,
        interval_score: scores.iter().sum::<f64>() / scores.len() as f64,
    };
    Ok(BacktestRun { report, scenario, summary, bands, sources })
}

impl Backtest {
    /// The findings, for the terminal.
    pub fn report(&self, series: &Series) -> String {
        let b = self;
        let c = &b.calibration;
        let mut out = format!(
            "Backtest of `{}` in {}\n  trained on {} to {} ({} days): daily {:.1}, dispersion {}, drift {}\n",
            series.column,
            series.file,
            c.from,
            c.to,
            c.days,
            c.daily,
            c.dispersion.map_or("none (Poisson)".to_string(), |k| format!("{k:.1}")),
            c.drift.map_or("none".to_string(), |d| format!("sd {:.3} over {:.1} days", d.sd, d.days))
        );
        let end = b.start.add_days(i64::from(b.horizon) - 1);
        let _ = writeln!(
            out,
            "  held out {} to {end} ({} days), {} runs:",
            b.start,
            b.horizon,
            thousands(f64::from(b.runs))
        );
        let _ = writeln!(
            out,
            "  observed inside the 50% band on {:.0}% of days (nominal 50%), inside the 90% band on {:.0}% (nominal 90%)",
            100.0 * b.coverage.inside_50,
            100.0 * b.coverage.inside_90
        );
        let side = if b.final_inside_90 {
            "inside"
        } else if b.final_observed > b.final_band.p95 {
            "outside, above"
        } else {
            "outside, below"
        };
        let _ = writeln!(
            out,
            "  final observed cumulative {}; the 90% band {} to {}: {side}",
            thousands(b.final_observed),
            thousands(b.final_band.p5),
            thousands(b.final_band.p95)
        );
        let _ = writeln!(
            out,
            "  mean interval score of the 90% band: {} persons ({:.1}% of the final observed; lower is better)",
            thousands(b.interval_score),
            100.0 * b.interval_score / b.final_observed.max(1.0)
        );
        out
    }
}

/// The interval score of [l, u] at level 1 − α for an observation y.
pub fn interval_score(l: f64, u: f64, y: f64) -> f64 {
    (u - l) + (2.0 / ALPHA) * ((l - y).max(0.0) + (y - u).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_score_rewards_narrow_covering_intervals() {
        assert_eq!(interval_score(10.0, 20.0, 15.0), 10.0);
        // A miss by 5 below costs 2/0.1 × 5 = 100 on top of the width.
        assert_eq!(interval_score(10.0, 20.0, 5.0), 110.0);
        assert_eq!(interval_score(10.0, 20.0, 25.0), 110.0);
    }
}
