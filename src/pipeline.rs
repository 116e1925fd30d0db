//! From validated scenarios to the bytes of their outputs: simulate (every run, batches
//! until a precision is reached, or one shard), summarise, and prepare each file. The
//! command line, the merge of shards and the analyses all go through here; writing the
//! files and printing are the caller's.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use crate::engine::{self, Results};
use crate::inputs::Design;
use crate::ledger::SERIES;
use crate::limits::{LIMITS, RUN_BYTES};
use crate::output;
use crate::percentile::Band;
use crate::plot::{self, ComparisonEntry, FanChart, Format, PlotError};
use crate::scenario::{Overrides, Scenario};
use crate::shard::{self, PartialInfo, ShardSpec};
use crate::stats::{self, Summary};

/// Every day's bands of every series.
pub type Bands = Vec<[Band; SERIES.len()]>;

/// An output file: its name in its folder, and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// `--precision`: add runs until the new-army probability's 95% interval is at most
/// ± `half_width`, or `max_runs` are done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The target half-width.
    pub half_width: f64,
    /// The cap on runs.
    pub max_runs: u32,
}

/// What is kept of a scenario's runs once they are summarised.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The summary (`summary.json`).
    pub summary: Summary,
    /// The daily bands (`daily.csv` and the charts).
    pub bands: Bands,
    /// Per run, whether the goal was reached (empty without a goal), for paired comparisons.
    pub reached: Vec<bool>,
}

impl Finished {
    /// Summarises `results`; `precision` is the half-width asked for, if any.
    pub fn new(scenario: &Scenario, results: &Results, precision: Option<f64>) -> Self {
        let mut summary = Summary::new(scenario, results);
        summary.precision = precision;
        let reached = match scenario.goal() {
            Some(_) => results.outcomes.iter().map(|o| o.day_reached.is_some()).collect(),
            None => Vec::new(),
        };
        let bands = stats::daily_bands(results);
        summary.add_observed(scenario, &bands);
        Finished { summary, bands, reached }
    }
}

/// Simulates a scenario's runs, or with `precision` adds batches until it is reached, and
/// summarises them. `progress`, if given, counts finished runs.
pub fn simulate(scenario: &Scenario, precision: Option<Precision>, progress: Option<&AtomicU64>) -> Finished {
    let results = match precision {
        Some(p) => {
            engine::simulate_until(scenario, p.max_runs, |r| probability_half_width(r) <= p.half_width, progress)
        }
        None => engine::simulate(scenario, progress),
    };
    Finished::new(scenario, &results, precision.map(|p| p.half_width))
}

/// Half-width of the 95% Wilson interval of the share of runs that reached the goal.
pub fn probability_half_width(results: &Results) -> f64 {
    let [_, lo, hi] = stats::goal_probability(&results.outcomes);
    (hi - lo) / 2.0
}

/// Why `--precision` cannot be used as asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PrecisionError {
    /// The scenario has no probability to make precise.
    #[error("--precision {half_width} needs a [goal] to estimate, and {file} has none")]
    NoGoal {
        /// The half-width asked for.
        half_width: f64,
        /// The scenario file.
        file: String,
    },
    /// The cap would not fit in memory.
    #[error(
        "--max-runs {max_runs} for {file} would need {gib:.1} GiB for the runs' outcomes; use --max-runs {fit} or fewer"
    )]
    TooManyRuns {
        /// The cap asked for.
        max_runs: u32,
        /// The scenario file.
        file: String,
        /// The memory it would need, in GiB.
        gib: f64,
        /// The most runs that fit.
        fit: u64,
    },
}

/// Each scenario's `--precision` settings: every scenario needs a goal, and `--max-runs`
/// (default 1,000,000, or as many as fit in memory, and never fewer than the scenario's
/// runs) must fit in memory.
///
/// # Errors
/// A scenario without a goal, or a cap that does not fit.
pub fn precision_for(
    scenarios: &[Scenario],
    half_width: f64,
    max_runs: Option<u32>,
) -> Result<Vec<Precision>, PrecisionError> {
    let fit = LIMITS.runs_in_memory();
    scenarios
        .iter()
        .map(|s| {
            if s.goal().is_none() {
                return Err(PrecisionError::NoGoal { half_width, file: s.file().to_string() });
            }
            let max_runs = match max_runs {
                None => fit.min(1_000_000).max(u64::from(s.runs())) as u32,
                Some(m) if u64::from(m) > fit => {
                    return Err(PrecisionError::TooManyRuns {
                        max_runs: m,
                        file: s.file().to_string(),
                        gib: (u64::from(m) * RUN_BYTES) as f64 / f64::from(1u32 << 30),
                        fit,
                    });
                }
                Some(m) => m,
            };
            Ok(Precision { half_width, max_runs })
        })
        .collect()
}

/// Two scenarios would write to one folder.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "{first} and {second} would both write to <out>/{stem}/; rename one of the files (outputs are named after the file stem)"
)]
pub struct StemClash {
    /// The first file.
    pub first: String,
    /// The second file.
    pub second: String,
    /// Their common stem.
    pub stem: String,
}

/// The output folder name of each scenario: its file stem, which must be unique.
///
/// # Errors
/// Two scenarios with one stem.
pub fn output_stems(scenarios: &[Scenario]) -> Result<Vec<String>, StemClash> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut stems = Vec::new();
    for s in scenarios {
        let stem =
            std::path::Path::new(s.file()).file_stem().map_or("scenario".into(), |x| x.to_string_lossy().into_owned());
        if let Some(first) = seen.insert(stem.clone(), s.file()) {
            return Err(StemClash { first: first.to_string(), second: s.file().to_string(), stem });
        }
        stems.push(stem);
    }
    Ok(stems)
}

/// The files of one scenario's folder: `summary.json`, `daily.csv`, and its fan chart in
/// `charts` (none without).
///
/// # Errors
/// A chart that cannot be drawn.
pub fn scenario_files(s: &Scenario, f: &Finished, charts: Option<Format>) -> Result<Vec<OutputFile>, PlotError> {
    let mut files = vec![
        ("summary.json".to_string(), output::summary_json(&f.summary).into_bytes()),
        ("daily.csv".to_string(), output::daily_csv(&f.summary, &f.bands).into_bytes()),
    ];
    if let Some(format) = charts {
        let chart = FanChart {
            summary: &f.summary,
            bands: &f.bands,
            target: s.nominal_target(),
            new_army: s.goal().map(|g| g.nominal_size()),
            observed: s.observed(),
            observed_only: false,
        };
        files.push((format!("fan.{}", format.extension()), plot::fan_chart(&chart, format)?));
    }
    Ok(files)
}

/// The comparison of two or more scenarios, for the output folder itself:
/// `comparison.csv`, then the chart in `charts` (none without); nothing for one scenario.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn comparison_files(
    scenarios: &[Scenario],
    finished: &[Finished],
    charts: Option<Format>,
) -> Result<Vec<OutputFile>, PlotError> {
    if scenarios.len() < 2 {
        return Ok(Vec::new());
    }
    let entries: Vec<ComparisonEntry<'_>> = scenarios
        .iter()
        .zip(finished)
        .map(|(s, f)| ComparisonEntry {
            summary: &f.summary,
            bands: &f.bands,
            new_army: s.goal().map(|g| g.nominal_size()),
            reached: f.reached.clone(),
        })
        .collect();
    let mut files = vec![("comparison.csv".to_string(), plot::comparison_csv(&entries).into_bytes())];
    if let Some(format) = charts {
        files.push((format!("comparison.{}", format.extension()), plot::comparison_chart(&entries, format)?));
    }
    Ok(files)
}

/// The files of every scenario's folder and of the comparison, all prepared before any is
/// written, so that a chart that cannot be drawn leaves no output at all.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn all_files(
    scenarios: &[Scenario],
    finished: &[Finished],
    charts: Option<Format>,
) -> Result<(Vec<Vec<OutputFile>>, Vec<OutputFile>), PlotError> {
    let folders =
        scenarios.par_iter().zip(finished).map(|(s, f)| scenario_files(s, f, charts)).collect::<Result<Vec<_>, _>>()?;
    Ok((folders, comparison_files(scenarios, finished, charts)?))
}

/// Simulates shard `shard` of a scenario's runs (loaded with `overrides`): its run indices
/// and the files of its shard folder, for `simulate merge`.
pub fn shard_files(
    s: &Scenario,
    shard: ShardSpec,
    overrides: Overrides,
    progress: Option<&AtomicU64>,
) -> (Range<u64>, Vec<OutputFile>) {
    let runs = shard.runs(s.runs());
    // The design spans all the runs, so a shard's runs are those of the unsharded run.
    let design = Design::new(s, 0..u64::from(s.runs()));
    let results = engine::simulate_runs(s, runs.clone(), &|run| design.values(run), progress);
    let info = PartialInfo {
        file: s.file().to_string(),
        text: s.text().to_string(),
        observed: s.observed().clone(),
        overrides,
        shard,
        first_run: runs.start,
        end_run: runs.end,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    (runs.clone(), shard::partial_files(&info, &results))
}
