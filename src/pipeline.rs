//! From validated scenarios to the bytes of their outputs: simulate (every run, batches
//! until a precision is reached, or one shard), summarise, and prepare each file. The
//! command line's runs, shards and merges, the backtest and the fuzz target all go
//! through here; writing the files and printing are the caller's.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use crate::engine::{self, Results};
use crate::files;
use crate::inputs::Design;
use crate::ledger::SERIES;
use crate::limits::{LIMITS, RUN_BYTES};
use crate::output;
use crate::percentile::Band;
use crate::plot::{self, ComparisonEntry, CompositionChart, FanChart, Format, PlotError};
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
    /// The daily bands of strength by source, `[day][source]` (`daily.csv` and the
    /// composition chart).
    pub sources: Vec<Vec<Band>>,
    /// Per run, whether the goal was reached (empty without a goal), for paired comparisons.
    pub reached: Vec<bool>,
}

impl Finished {
    /// Summarises `results`; `precision` is the half-width asked for, if any.
    pub fn new(scenario: &Scenario, results: &Results, precision: Option<f64>) -> Self {
        let mut summary = Summary::new(scenario, results);
        summary.precision = precision;
        summary.precision_reached = precision.map(|p| probability_half_width(results) <= p);
        let reached = match scenario.goal() {
            Some(_) => results.outcomes.iter().map(|o| o.day_reached.is_some()).collect(),
            None => Vec::new(),
        };
        let bands = stats::daily_bands(results);
        summary.add_observed(scenario, results, &bands);
        Finished { summary, bands, sources: stats::source_bands(results), reached }
    }
}

/// The identifier of one run of the program over `scenarios`: the first 16 hex digits of
/// SHA-256 over the program version, the precision asked for, and each scenario's file,
/// text (by its SHA-256), `[observed]` series, runs, seed and days. Every `summary.json`
/// of the run and `comparison.csv` carry it, so that files of different runs (say, after
/// a run was killed between writing two folders) are never taken for one; the same inputs
/// give the same identifier, and so the same bytes, as a merge gives the unsharded run's.
pub fn run_id(scenarios: &[Scenario], precision: Option<f64>) -> String {
    let mut text = format!("muster {}\nprecision {precision:?}\n", env!("CARGO_PKG_VERSION"));
    for s in scenarios {
        let observed = serde_json::to_string(s.observed()).unwrap_or_default();
        text += &format!(
            "{}\n{}\n{}\n{} {} {}\n",
            s.file(),
            s.sha256(),
            crate::format::sha256_hex(observed.as_bytes()),
            s.runs(),
            s.seed(),
            s.days()
        );
    }
    crate::format::sha256_hex(text.as_bytes())[..16].to_string()
}

/// Marks every summary as belonging to the run `id`.
pub fn tag(finished: &mut [Finished], id: &str) {
    for f in finished {
        f.summary.run_id = id.to_string();
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

/// A run that would not fit in memory even on one thread.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "these runs would need {gib:.1} GiB even on one thread (each run's outcome, the daily statistics for the longest horizon, and {per_thread:.2} GiB of a task's daily values per thread), more than the {limit} GiB allowed; use fewer runs or days, or shards (--shard K/N)"
)]
pub struct MemoryError {
    /// What one thread would need, in GiB.
    pub gib: f64,
    /// One thread's block of a task's daily values, in GiB.
    pub per_thread: f64,
    /// The limit, in GiB.
    pub limit: u64,
}

/// The most worker threads, at most `requested`, with which `scenarios` (each with at most
/// `runs` runs) fit in [`crate::limits::Limits::max_memory_bytes`], when they are simulated
/// at most `threads` at a time ([`simulate_all`]): the `threads` hungriest scenarios' runs'
/// outcomes, their daily statistics and every worker's block ([`engine::memory_bytes`]), and what each
/// finished scenario keeps (a byte a run, for paired comparisons).
///
/// # Errors
/// Not even one thread fits.
pub fn threads_that_fit(scenarios: &[Scenario], runs: &[u32], requested: usize) -> Result<usize, MemoryError> {
    let need = |threads: usize| -> u64 {
        let mut each: Vec<u64> =
            scenarios.iter().zip(runs).map(|(s, &r)| engine::memory_bytes(s, u64::from(r), threads)).collect();
        each.sort_unstable_by(|a, b| b.cmp(a));
        each.iter().take(threads).sum::<u64>() + runs.iter().map(|&r| u64::from(r)).sum::<u64>()
    };
    match (1..=requested.max(1)).rev().find(|&t| need(t) <= LIMITS.max_memory_bytes) {
        Some(threads) => Ok(threads),
        None => {
            let largest = scenarios.iter().map(engine::scenario_worker_bytes).max().unwrap_or(0);
            Err(MemoryError {
                gib: need(1) as f64 / f64::from(1u32 << 30),
                per_thread: largest as f64 / f64::from(1u32 << 30),
                limit: LIMITS.max_memory_bytes >> 30,
            })
        }
    }
}

/// Simulates every scenario, at most `threads` at a time (so that the memory
/// [`threads_that_fit`] counted is not exceeded), each with its `precision`, on the
/// current thread pool; in the order given.
pub fn simulate_all(
    scenarios: &[Scenario],
    precision: &[Option<Precision>],
    threads: usize,
    progress: Option<&AtomicU64>,
) -> Vec<Finished> {
    let pairs: Vec<(&Scenario, &Option<Precision>)> = scenarios.iter().zip(precision).collect();
    pairs
        .chunks(threads.max(1))
        .flat_map(|chunk| chunk.par_iter().map(|(s, p)| simulate(s, **p, progress)).collect::<Vec<_>>())
        .collect()
}

/// Files a run of several scenarios writes in the output folder itself, whatever the chart
/// format: no scenario's folder may take one of these names.
pub const RUN_FILES: [&str; 4] = ["comparison.csv", "comparison.png", "comparison.svg", "report.html"];

/// Why scenarios cannot be given output folders.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StemError {
    /// Two scenarios would write to one folder.
    #[error(
        "{first} and {second} would both write to <out>/{stem}/; rename one of the files (outputs are named after the file stem)"
    )]
    Clash {
        /// The first file.
        first: String,
        /// The second file.
        second: String,
        /// Their common stem.
        stem: String,
    },
    /// A stem that is not a plain folder name (`..`, `.`) would leave the output folder.
    #[error("{file}: its stem `{stem}` cannot name an output folder (it would not stay inside --out); rename the file")]
    NotAName {
        /// The file.
        file: String,
        /// Its stem.
        stem: String,
    },
    /// A stem that is the name of a file the run writes beside the folders.
    #[error("{file}: its stem `{stem}` is the name of an output file of the run; rename the file")]
    Reserved {
        /// The file.
        file: String,
        /// Its stem.
        stem: String,
    },
}

/// The output folder name of each scenario: its file stem, which must be a plain name,
/// not one of [`RUN_FILES`], and unique.
///
/// # Errors
/// The first stem that cannot be used.
pub fn output_stems(scenarios: &[Scenario]) -> Result<Vec<String>, StemError> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut stems = Vec::new();
    for s in scenarios {
        let stem =
            std::path::Path::new(s.file()).file_stem().map_or("scenario".into(), |x| x.to_string_lossy().into_owned());
        let file = s.file().to_string();
        if !files::is_plain_name(&stem) {
            return Err(StemError::NotAName { file, stem });
        }
        if RUN_FILES.contains(&stem.as_str()) {
            return Err(StemError::Reserved { file, stem });
        }
        if let Some(first) = seen.insert(stem.clone(), s.file()) {
            return Err(StemError::Clash { first: first.to_string(), second: file, stem });
        }
        stems.push(stem);
    }
    Ok(stems)
}

/// The files a run of `scenarios` scenarios writes in the output folder itself beside
/// their folders: for two or more, `comparison.csv` and the chart in `charts`; then, with
/// `report`, `report.html`.
pub fn comparison_names(scenarios: usize, charts: Option<Format>, report: bool) -> Vec<String> {
    let comparison = (scenarios >= 2).then(|| {
        std::iter::once("comparison.csv".to_string())
            .chain(charts.map(|format| format!("comparison.{}", format.extension())))
    });
    comparison.into_iter().flatten().chain(report.then(|| "report.html".to_string())).collect()
}

/// The scenarios as a comparison takes them.
fn comparison_entries<'a>(scenarios: &[Scenario], finished: &'a [Finished]) -> Vec<ComparisonEntry<'a>> {
    scenarios
        .iter()
        .zip(finished)
        .map(|(s, f)| ComparisonEntry {
            summary: &f.summary,
            bands: &f.bands,
            new_army: s.goal().map(|g| g.nominal_size()),
            reached: f.reached.clone(),
        })
        .collect()
}

/// The composition chart of a scenario's results, when its people come from more than
/// one source.
fn composition_of(f: &Finished) -> Option<CompositionChart<'_>> {
    (f.summary.composition_end.len() > 1).then(|| CompositionChart { summary: &f.summary, sources: &f.sources })
}

/// The fan chart of a scenario's results: its target and new army as lines, its
/// observations over the bands.
fn fan_of<'a>(s: &'a Scenario, f: &'a Finished) -> FanChart<'a> {
    FanChart {
        summary: &f.summary,
        bands: &f.bands,
        target: s.nominal_target(),
        new_army: s.goal().map(|g| g.nominal_size()),
        observed: s.observed(),
        observed_only: false,
    }
}

/// The files of one scenario's folder: `summary.json`, `daily.csv`, and its fan chart in
/// `charts` (none without), with its composition chart when people come from more than
/// one source.
///
/// # Errors
/// A chart that cannot be drawn.
pub fn scenario_files(s: &Scenario, f: &Finished, charts: Option<Format>) -> Result<Vec<OutputFile>, PlotError> {
    let mut files = vec![
        ("summary.json".to_string(), output::summary_json(&f.summary).into_bytes()),
        ("daily.csv".to_string(), output::daily_csv(&f.summary, &f.bands, &f.sources).into_bytes()),
    ];
    if let Some(format) = charts {
        files.push((format!("fan.{}", format.extension()), plot::fan_chart(&fan_of(s, f), format)?));
        if let Some(chart) = composition_of(f) {
            files.push((format!("composition.{}", format.extension()), plot::composition_chart(&chart, format)?));
        }
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
    let entries = comparison_entries(scenarios, finished);
    // The bytes in the order of their names: the table, then the chart.
    let mut bytes = vec![plot::comparison_csv(&entries).into_bytes()];
    if let Some(format) = charts {
        bytes.push(plot::comparison_chart(&entries, format)?);
    }
    Ok(comparison_names(scenarios.len(), charts, false).into_iter().zip(bytes).collect())
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
    report: Option<&[String]>,
) -> Result<(Vec<Vec<OutputFile>>, Vec<OutputFile>), PlotError> {
    let folders =
        scenarios.par_iter().zip(finished).map(|(s, f)| scenario_files(s, f, charts)).collect::<Result<Vec<_>, _>>()?;
    let mut run = comparison_files(scenarios, finished, charts)?;
    if let Some(stems) = report {
        run.push(("report.html".to_string(), report_file(scenarios, finished, stems, charts.is_some())?));
    }
    Ok((folders, run))
}

/// `report.html` for the scenarios written to folders `stems`: charts as inline SVG when
/// `charts` (else tables and provenance only).
///
/// # Errors
/// A chart that cannot be drawn.
pub fn report_file(
    scenarios: &[Scenario],
    finished: &[Finished],
    stems: &[String],
    charts: bool,
) -> Result<Vec<u8>, PlotError> {
    // The page declares the font once; each chart drops its own copy.
    let svg = |bytes: Vec<u8>| {
        String::from_utf8(bytes).map(|s| plot::svg_without_font(&s)).map_err(|e| PlotError(e.to_string()))
    };
    let sections = scenarios
        .par_iter()
        .zip(finished)
        .zip(stems)
        .map(|((s, f), stem)| {
            let (fan, composition) = if charts {
                let fan = svg(plot::fan_chart(&fan_of(s, f), Format::Svg)?)?;
                let composition =
                    composition_of(f).map(|c| svg(plot::composition_chart(&c, Format::Svg)?)).transpose()?;
                (fan, composition)
            } else {
                (String::new(), None)
            };
            Ok(crate::report::ReportScenario { scenario: s, summary: &f.summary, stem, fan, composition })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let comparison = if charts && scenarios.len() >= 2 {
        Some(svg(plot::comparison_chart(&comparison_entries(scenarios, finished), Format::Svg)?)?)
    } else {
        None
    };
    let summaries: Vec<crate::stats::Summary> = finished.iter().map(|f| f.summary.clone()).collect();
    let run_id = finished.first().map_or(String::new(), |f| f.summary.run_id.clone());
    Ok(crate::report::report_html(&run_id, &output::headline(&summaries), comparison.as_deref(), &sections)
        .into_bytes())
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
