//! The `simulate` command line (MODEL.md, "Command line").
//!
//! Exit status: 0 on success, 2 on a bad scenario or bad usage, 1 on any other failure.
//! Every scenario is validated before anything runs or is written: one bad file means no
//! output at all.

mod progress;

/// Writes a line to stdout. A closed pipe (`simulate check *.toml | head -1`) ends the
/// program quietly, as it ends `head`'s reading, instead of panicking as `println!` would.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// [`say!`] without the line break.
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout().lock(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;

use crate::analysis::{self, Outcome};
use crate::engine;
use crate::output;
use crate::plot::{self, ComparisonEntry, FanChart, Format};
use crate::scenario::{Overrides, Scenario, ScenarioError};
use crate::stats::{self, Summary};

/// Monte Carlo manpower sustainability: can the force, beyond replacing its losses,
/// stand up a new army, by when, and with what probability?
#[derive(Debug, Parser)]
#[command(name = "simulate", version, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(
    after_help = "Examples:\n  simulate scenarios/no-mobilization.toml\n  simulate scenarios/*.toml --runs 2000 --out results\n  simulate check scenarios/*.toml\n  simulate sensitivity scenarios/high-intensity.toml --outcome new_army\n  simulate breakeven scenarios/high-intensity.toml --vary 'recruitment[0].daily' --probability 0.9\n  simulate calibrate data/ua-gs-russian-personnel-losses.csv --from 2023-04-01 --to 2023-06-30\n  simulate backtest data/ua-gs-russian-personnel-losses.csv --train-to 2023-09-02 --horizon 365"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Merge the shard folders of `simulate --shard K/N` runs into the outputs of one run.
    Merge {
        /// Shard folders (DIR/<file stem>.shard-K-of-N), of one or more scenarios.
        #[arg(required = true, value_name = "SHARD_DIR")]
        dirs: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputOptions,
    },
    /// Print the JSON Schema of scenario files (a copy ships as scenario.schema.json).
    Schema,
    /// Write a commented template scenario that runs as written.
    Init {
        /// The file to create (it must not exist).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "SCENARIO")]
        files: Vec<PathBuf>,
    },
    /// Rank every uncertain input by its influence on an outcome (tornado chart).
    Sensitivity {
        #[command(flatten)]
        common: AnalysisArgs,
        /// The outcome to explain.
        #[arg(long, value_enum, default_value_t = Outcome::FormationEnd)]
        outcome: Outcome,
        /// Runs at each end (P10, P90) of each input's swing.
        #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        swing_runs: u32,
    },
    /// Estimate [attrition] inputs (rate, dispersion, drift) from an observed daily series.
    Calibrate(CalibrateArgs),
    /// Calibrate on data up to a date, simulate forward, and score the bands on what followed.
    Backtest(BacktestArgs),
    /// Find the value of one input at which the new-army probability reaches a target.
    Breakeven {
        #[command(flatten)]
        common: AnalysisArgs,
        /// The input to vary, by key path (e.g. recruitment[0].daily, mobilization[0].size).
        #[arg(long, value_name = "KEY")]
        vary: String,
        /// The probability to reach.
        #[arg(long, value_name = "P", default_value_t = 0.5, value_parser = parse_probability)]
        probability: f64,
        /// Lower end of the search [default: 0].
        #[arg(long, value_name = "X")]
        min: Option<f64>,
        /// Upper end of the search [default: twice the input's value, doubled until reached].
        #[arg(long, value_name = "X")]
        max: Option<f64>,
    },
}

/// Options of `simulate calibrate`.
#[derive(Debug, Args)]
struct CalibrateArgs {
    /// CSV file: a header row, dates (YYYY-MM-DD) in the first column, every day present.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// First day of the window [default: the series' first usable day].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<crate::date::Date>,
    /// Last day of the window [default: the series' last day].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<crate::date::Date>,
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

/// Options of `simulate backtest`.
#[derive(Debug, Args)]
struct BacktestArgs {
    /// CSV file: a header row, dates (YYYY-MM-DD) in the first column, every day present.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// Last day of the training data.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    train_to: crate::date::Date,
    /// Days held out and simulated after it.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::limits::LIMITS.max_days)))]
    horizon: u32,
    /// First day of the training data [default: 180 days before --train-to].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<crate::date::Date>,
    /// The value column [default: the first numeric column].
    #[arg(long, value_name = "NAME")]
    column: Option<String>,
    /// The column holds daily counts (default: a running total).
    #[arg(long)]
    daily: bool,
    /// Monte Carlo runs.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: u32,
    /// Master random seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    output: OutputOptions,
}

impl OutputOptions {
    /// Whether to draw a progress bar: not with `--quiet`, and only on a terminal.
    fn progress_bar(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Writes `DIR/<name>/` with `files`, atomically.
    fn write_folder(&self, name: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf, Failure> {
        output::write_folder(&self.out, name, files).map_err(cannot_write)
    }
}

/// A bad input (a series, a shard folder) that names itself: exit status 2.
fn bad_input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(format!("error: {e}\n"))
}

/// The failure of writing an output file.
fn cannot_write(e: std::io::Error) -> Failure {
    Failure::Other(format!("cannot write outputs: {e}"))
}

/// Where and how outputs are written, for every command that writes any.
#[derive(Debug, Args)]
struct OutputOptions {
    /// Output folder: a run writes DIR/<file stem>/, an analysis DIR/<file stem>.<analysis>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Print nothing but errors: no progress bar, no table.
    #[arg(long, short)]
    quiet: bool,
    /// Write no charts.
    #[arg(long)]
    no_plot: bool,
    /// Chart file format.
    #[arg(long, value_enum, default_value_t = Format::Png)]
    format: Format,
}

fn parse_shard(s: &str) -> Result<crate::shard::ShardSpec, String> {
    s.parse()
}

fn parse_date(s: &str) -> Result<crate::date::Date, String> {
    s.parse()
}

/// Options of the analysis subcommands.
#[derive(Debug, Args)]
struct AnalysisArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    file: PathBuf,
    #[command(flatten)]
    options: SimulationOptions,
}

/// Options shared by every command that simulates a scenario.
#[derive(Debug, Args)]
struct SimulationOptions {
    /// Monte Carlo runs (overrides [simulation] runs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::limits::LIMITS.max_runs)))]
    runs: Option<u32>,
    /// Master random seed (overrides [simulation] seed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Days to simulate (overrides [simulation] days).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::limits::LIMITS.max_days)))]
    days: Option<u32>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(flatten)]
    output: OutputOptions,
}

impl SimulationOptions {
    fn overrides(&self) -> Overrides {
        Overrides { runs: self.runs, seed: self.seed, days: self.days }
    }

    /// A pool of worker threads, `--threads` of them or one per core.
    fn thread_pool(&self) -> Result<rayon::ThreadPool, Failure> {
        let mut pool = rayon::ThreadPoolBuilder::new();
        if let Some(t) = self.threads {
            pool = pool.num_threads(usize::from(t));
        }
        pool.build().map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))
    }
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(format!("{s} is not a probability strictly between 0 and 1")),
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files (TOML), run in parallel.
    #[arg(required = true, value_name = "SCENARIO")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    options: SimulationOptions,
    /// Add runs in batches of 1,000 until the 95% interval of the new-army probability is
    /// at most this wide on each side (e.g. 0.005); needs a [goal].
    #[arg(long, value_name = "HALF_WIDTH", value_parser = parse_precision)]
    precision: Option<f64>,
    /// Run only shard K of N of the runs (K from 1) and write DIR/<file stem>.shard-K-of-N/
    /// for `simulate merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "precision")]
    shard: Option<crate::shard::ShardSpec>,
    /// The most runs `--precision` may use [default: 1,000,000, or as many as fit in memory].
    #[arg(long, value_name = "N", requires = "precision", value_parser = clap::value_parser!(u32).range(1..))]
    max_runs: Option<u32>,
}

fn parse_precision(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 0.5 => Ok(x),
        _ => Err(format!("{s} is not a half-width between 0 and 0.5 (e.g. 0.005)")),
    }
}

/// Why a command failed, and so its exit status.
enum Failure {
    /// Bad scenario or usage: exit 2.
    Input(String),
    /// Anything else: exit 1.
    Other(String),
}

/// Parses `args` and runs the command; returns the process's exit status.
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let result = match cli.command {
        Some(Command::Check { files }) => check(&files),
        Some(Command::Init { file }) => init(&file),
        Some(Command::Schema) => print_schema(),
        Some(Command::Merge { dirs, output }) => merge(&dirs, &output),
        Some(Command::Calibrate(args)) => run_calibrate(&args),
        Some(Command::Backtest(args)) => run_backtest(&args),
        Some(Command::Sensitivity { common, outcome, swing_runs }) => run_sensitivity(&common, outcome, swing_runs),
        Some(Command::Breakeven { common, vary, probability, min, max }) => {
            run_breakeven(&common, &vary, probability, min, max)
        }
        None => run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprint!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// Loads every file; all errors of all files together, or every scenario.
fn load_all(files: &[PathBuf], overrides: Overrides) -> Result<Vec<Scenario>, Failure> {
    let loaded: Vec<Result<Scenario, ScenarioError>> = files.iter().map(|f| Scenario::load(f, overrides)).collect();
    let mut messages = String::new();
    let mut failed = 0;
    for e in loaded.iter().filter_map(|r| r.as_ref().err()) {
        failed += 1;
        messages.push_str(&e.to_string());
        messages.push('\n');
    }
    if failed > 0 {
        let problems: usize = loaded.iter().filter_map(|r| r.as_ref().err()).map(|e| e.diagnostics.len()).sum();
        let _ = writeln!(
            messages,
            "{problems} problem{} in {failed} of {} scenario file{}; nothing was run or written",
            if problems == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        return Err(Failure::Input(messages));
    }
    Ok(loaded.into_iter().filter_map(Result::ok).collect())
}

fn check(files: &[PathBuf]) -> Result<(), Failure> {
    let scenarios = load_all(files, Overrides::default())?;
    for s in &scenarios {
        say!(
            "ok: {} — \"{}\", {} runs × {} days from {}, seed {}",
            s.file(),
            s.name(),
            crate::format::thousands(f64::from(s.runs())),
            s.days(),
            s.start(),
            s.seed()
        );
    }
    Ok(())
}

/// The output folder name of each scenario: its file stem, which must be unique.
fn stems(scenarios: &[Scenario]) -> Result<Vec<String>, Failure> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut stems = Vec::new();
    for s in scenarios {
        let stem =
            std::path::Path::new(s.file()).file_stem().map_or("scenario".into(), |x| x.to_string_lossy().into_owned());
        if let Some(other) = seen.insert(stem.clone(), s.file()) {
            return Err(Failure::Input(format!(
                "error: {other} and {} would both write to <out>/{stem}/\n   = help: rename one of the files; outputs are named after the file stem\n",
                s.file()
            )));
        }
        stems.push(stem);
    }
    Ok(stems)
}

type Bands = Vec<[stats::Band; engine::SERIES.len()]>;

/// The files of one scenario's folder: summary, daily bands, and its fan chart.
fn scenario_files(
    s: &Scenario,
    summary: &Summary,
    bands: &Bands,
    opts: &OutputOptions,
) -> Result<Vec<(String, Vec<u8>)>, plot::PlotError> {
    let mut files = vec![
        ("summary.json".to_string(), output::summary_json(summary).into_bytes()),
        ("daily.csv".to_string(), output::daily_csv(summary, bands).into_bytes()),
    ];
    if !opts.no_plot {
        let chart = FanChart {
            summary,
            bands,
            target: s.nominal_target(),
            new_army: s.goal().map(|g| g.nominal_size()),
            observed: s.observed(),
            observed_only: false,
        };
        files.push((format!("fan.{}", opts.format.extension()), plot::fan_chart(&chart, opts.format)?));
    }
    Ok(files)
}

/// What is kept of a scenario's runs once they are summarised.
struct Finished {
    summary: Summary,
    bands: Bands,
    /// Per run, whether the goal was reached (empty without a goal).
    reached: Vec<bool>,
}

impl Finished {
    fn new(scenario: &Scenario, results: &engine::Results, precision: Option<f64>) -> Self {
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

fn comparison_entries<'a>(scenarios: &[Scenario], results: &'a [Finished]) -> Vec<ComparisonEntry<'a>> {
    scenarios
        .iter()
        .zip(results)
        .map(|(s, f)| ComparisonEntry {
            summary: &f.summary,
            bands: &f.bands,
            new_army: s.goal().map(|g| g.nominal_size()),
            reached: f.reached.clone(),
        })
        .collect()
}

/// Half-width of the 95% Wilson interval of the share of runs that reached the goal.
fn probability_half_width(results: &engine::Results) -> f64 {
    let [_, lo, hi] = stats::goal_probability(&results.outcomes);
    (hi - lo) / 2.0
}

/// `--precision` needs a goal in every scenario, and `--max-runs` must fit in memory.
/// Returns each scenario's cap on runs.
fn check_precision(scenarios: &[Scenario], precision: f64, max_runs: Option<u32>) -> Result<Vec<u32>, Failure> {
    let mut caps = Vec::new();
    for s in scenarios {
        if s.goal().is_none() {
            return Err(Failure::Input(format!(
                "error: --precision {precision} needs a [goal] to estimate, and {} has none\n",
                s.file()
            )));
        }
        let fit = crate::limits::LIMITS.runs_in_memory();
        let Some(max_runs) = max_runs else {
            caps.push(fit.min(1_000_000).max(u64::from(s.runs())) as u32);
            continue;
        };
        if u64::from(max_runs) > fit {
            return Err(Failure::Input(format!(
                "error: --max-runs {max_runs} for {} would need {:.1} GiB for the runs' outcomes\n  = help: use --max-runs {fit} or fewer\n",
                s.file(),
                (u64::from(max_runs) * crate::limits::RUN_BYTES) as f64 / f64::from(1u32 << 30)
            )));
        }
        caps.push(max_runs);
    }
    Ok(caps)
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let overrides = args.options.overrides();
    let scenarios = load_all(&args.files, overrides)?;
    let stems = stems(&scenarios)?;
    let pool = args.options.thread_pool()?;
    if let Some(shard) = args.shard {
        return run_shard(args, shard, &scenarios, &stems, &pool);
    }

    let max_runs = match args.precision {
        Some(p) => check_precision(&scenarios, p, args.max_runs)?,
        None => Vec::new(),
    };
    let total_runs: u64 = if max_runs.is_empty() {
        scenarios.iter().map(|s| u64::from(s.runs())).sum()
    } else {
        max_runs.iter().map(|&m| u64::from(m)).sum()
    };
    let done = AtomicU64::new(0);
    let show_progress = args.options.output.progress_bar();
    let results: Vec<Finished> = progress::with_progress(total_runs, &done, show_progress, || {
        pool.install(|| {
            scenarios
                .par_iter()
                .enumerate()
                .map(|(i, s)| {
                    let results = match args.precision {
                        Some(p) => {
                            engine::simulate_until(s, max_runs[i], |r| probability_half_width(r) <= p, Some(&done))
                        }
                        None => engine::simulate(s, Some(&done)),
                    };
                    Finished::new(s, &results, args.precision)
                })
                .collect()
        })
    });

    publish(&scenarios, &stems, results, &args.options.output, &pool)
}

/// Writes every scenario's folder and, for two or more, the comparison; then prints the
/// table. Every file is prepared before any is written, so a chart that cannot be drawn
/// leaves no output at all.
fn publish(
    scenarios: &[Scenario],
    stems: &[String],
    results: Vec<Finished>,
    opts: &OutputOptions,
    pool: &rayon::ThreadPool,
) -> Result<(), Failure> {
    let folders: Vec<Vec<(String, Vec<u8>)>> = pool
        .install(|| {
            scenarios
                .par_iter()
                .zip(&results)
                .map(|(s, f)| scenario_files(s, &f.summary, &f.bands, opts))
                .collect::<Result<_, _>>()
        })
        .map_err(|e| Failure::Other(e.to_string()))?;
    let comparison = if scenarios.len() > 1 && !opts.no_plot {
        let entries = comparison_entries(scenarios, &results);
        let chart = pool
            .install(|| plot::comparison_chart(&entries, opts.format))
            .map_err(|e| Failure::Other(e.to_string()))?;
        Some((chart, plot::comparison_csv(&entries)))
    } else if scenarios.len() > 1 {
        Some((Vec::new(), plot::comparison_csv(&comparison_entries(scenarios, &results))))
    } else {
        None
    };

    let mut written = Vec::new();
    for (files, stem) in folders.iter().zip(stems) {
        let dir = opts.write_folder(stem, files)?;
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        written.push(format!("{}/ ({})", dir.display(), names.join(", ")));
    }
    if let Some((chart, csv)) = comparison {
        let csv_path = opts.out.join("comparison.csv");
        output::write_file(&csv_path, csv.as_bytes()).map_err(cannot_write)?;
        written.push(csv_path.display().to_string());
        if !chart.is_empty() {
            let chart_path = opts.out.join(format!("comparison.{}", opts.format.extension()));
            output::write_file(&chart_path, &chart).map_err(cannot_write)?;
            written.push(chart_path.display().to_string());
        }
    }
    if !opts.quiet {
        let only: Vec<Summary> = results.into_iter().map(|f| f.summary).collect();
        say_part!("{}", output::table(&only));
        say!("");
        say_part!("{}", output::precision_notes(&only));
        say!("");
        for w in written {
            say!("wrote {w}");
        }
    }
    Ok(())
}

impl AnalysisArgs {
    /// The one scenario, validated with the overrides, its output stem, and a thread pool.
    fn prepare(&self) -> Result<(Scenario, String, rayon::ThreadPool), Failure> {
        let overrides = self.options.overrides();
        let scenario = load_all(std::slice::from_ref(&self.file), overrides)?.remove(0);
        let stem = stems(std::slice::from_ref(&scenario))?.remove(0);
        Ok((scenario, stem, self.options.thread_pool()?))
    }

    /// Writes `DIR/<stem>.<kind>/` with `files`, atomically.
    fn write(&self, stem: &str, kind: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf, Failure> {
        self.options.output.write_folder(&format!("{stem}.{kind}"), files)
    }
}

fn analysis_failure(s: &Scenario, e: &analysis::AnalysisError) -> Failure {
    Failure::Input(format!("error: {}: {e}\n", s.file()))
}

/// "P(new army ≥ 30,000 by 2024-12-31)", or empty without a goal.
fn goal_label(s: &Scenario) -> String {
    s.goal().map_or(String::new(), |g| {
        format!("P(new army ≥ {} by {})", crate::format::thousands(g.nominal_size()), g.by())
    })
}

fn footer(s: &Scenario) -> String {
    plot::provenance(s.runs(), s.seed(), s.start(), s.days(), s.file(), s.sha256())
}

fn run_sensitivity(args: &AnalysisArgs, outcome: Outcome, swing_runs: u32) -> Result<(), Failure> {
    let (scenario, stem, pool) = args.prepare()?;
    let uncertain = scenario.uncertain_inputs().len() as u64;
    let total = u64::from(scenario.runs()) + u64::from(swing_runs) * (1 + 2 * uncertain);
    let done = AtomicU64::new(0);
    let show = args.options.output.progress_bar();
    let result = progress::with_progress(total, &done, show, || {
        pool.install(|| analysis::sensitivity(&scenario, outcome, swing_runs, Some(&done)))
    });
    let sensitivity = result.map_err(|e| analysis_failure(&scenario, &e))?;
    let mut files = vec![("sensitivity.csv".to_string(), output::sensitivity_csv(&sensitivity).into_bytes())];
    if !args.options.output.no_plot {
        let chart = plot::Tornado { sensitivity: &sensitivity, name: scenario.name(), footer: footer(&scenario) };
        let bytes = pool
            .install(|| plot::tornado_chart(&chart, args.options.output.format))
            .map_err(|e| Failure::Other(e.to_string()))?;
        files.push((format!("tornado.{}", args.options.output.format.extension()), bytes));
    }
    let dir = args.write(&stem, "sensitivity", &files)?;
    if !args.options.output.quiet {
        let goal = goal_label(&scenario);
        say_part!("{}", output::sensitivity_table(scenario.name(), &goal, &sensitivity));
        say!("\nwrote {}/", dir.display());
    }
    Ok(())
}

fn run_breakeven(
    args: &AnalysisArgs,
    key: &str,
    target: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), Failure> {
    let (scenario, stem, pool) = args.prepare()?;
    let done = AtomicU64::new(0);
    let show = args.options.output.progress_bar();
    // The number of evaluations is not known ahead: the bar counts runs against ~30 of them.
    let total = u64::from(scenario.runs()) * 30;
    let result = progress::with_progress(total, &done, show, || {
        pool.install(|| analysis::breakeven(&scenario, key, target, min, max, Some(&done)))
    });
    let breakeven = result.map_err(|e| analysis_failure(&scenario, &e))?;
    let goal = goal_label(&scenario);
    let mut files = vec![("breakeven.csv".to_string(), output::breakeven_csv(&breakeven).into_bytes())];
    if !args.options.output.no_plot {
        let chart = plot::BreakEvenChart {
            breakeven: &breakeven,
            goal: goal.clone(),
            name: scenario.name(),
            footer: footer(&scenario),
        };
        let bytes = pool
            .install(|| plot::breakeven_chart(&chart, args.options.output.format))
            .map_err(|e| Failure::Other(e.to_string()))?;
        files.push((format!("breakeven.{}", args.options.output.format.extension()), bytes));
    }
    let dir = args.write(&stem, "breakeven", &files)?;
    if !args.options.output.quiet {
        say!("{}", output::breakeven_sentence(scenario.name(), &goal, &breakeven));
        say!("wrote {}/", dir.display());
    }
    Ok(())
}

fn run_calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let series = crate::calibrate::Series::read(&args.file, args.column.as_deref()).map_err(bad_input)?;
    let cumulative = !args.daily;
    let (from, to, counts) = series.daily_counts(args.from, args.to, cumulative).map_err(bad_input)?;
    let calibration = crate::calibrate::estimate(from, to, &counts);
    if args.json {
        let json = serde_json::to_string_pretty(&calibration).map_err(|e| Failure::Other(e.to_string()))?;
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

fn run_backtest(args: &BacktestArgs) -> Result<(), Failure> {
    let series = crate::calibrate::Series::read(&args.file, args.column.as_deref()).map_err(bad_input)?;
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
    .map_err(bad_input)?;
    let report = &run.report;
    let json = serde_json::to_string_pretty(report).map_err(|e| Failure::Other(e.to_string()))? + "\n";
    let mut files = vec![
        ("backtest.json".to_string(), json.into_bytes()),
        ("daily.csv".to_string(), output::daily_csv(&run.summary, &run.bands).into_bytes()),
    ];
    if !args.output.no_plot {
        let chart = FanChart {
            summary: &run.summary,
            bands: &run.bands,
            target: 0.0,
            new_army: None,
            observed: run.scenario.observed(),
            observed_only: true,
        };
        files.push((
            format!("backtest.{}", args.output.format.extension()),
            plot::fan_chart(&chart, args.output.format).map_err(|e| Failure::Other(e.to_string()))?,
        ));
    }
    let stem = args.file.file_stem().map_or("series".into(), |s| s.to_string_lossy().into_owned());
    let dir = args.output.write_folder(&format!("{stem}.backtest"), &files)?;
    if !args.output.quiet {
        say_part!("{}", output::backtest_report(&series, report));
        say!("wrote {}/", dir.display());
    }
    Ok(())
}

/// The scenario `simulate init` writes.
const TEMPLATE: &str = include_str!("cli/template.toml");

fn init(file: &std::path::Path) -> Result<(), Failure> {
    if file.exists() {
        return Err(Failure::Input(format!(
            "error: {} exists; choose another name (init never overwrites)\n",
            file.display()
        )));
    }
    output::write_file(file, TEMPLATE.as_bytes())
        .map_err(|e| Failure::Other(format!("cannot write {}: {e}", file.display())))?;
    say!("wrote {}; run it with: simulate {}", file.display(), file.display());
    Ok(())
}

fn print_schema() -> Result<(), Failure> {
    let schema =
        serde_json::to_string_pretty(&crate::scenario::keys::schema()).map_err(|e| Failure::Other(e.to_string()))?;
    say!("{schema}");
    Ok(())
}

/// Runs shard K of N of every scenario and writes its partial results.
fn run_shard(
    args: &RunArgs,
    shard: crate::shard::ShardSpec,
    scenarios: &[Scenario],
    stems: &[String],
    pool: &rayon::ThreadPool,
) -> Result<(), Failure> {
    for (s, stem) in scenarios.iter().zip(stems) {
        let runs = shard.runs(s.runs());
        // The design spans all the runs, so a shard's runs are those of the unsharded run.
        let design = crate::inputs::Design::new(s, 0..u64::from(s.runs()));
        let results = pool.install(|| engine::simulate_runs(s, runs.clone(), &|run| design.values(run), None));
        let info = crate::shard::PartialInfo {
            file: s.file().to_string(),
            text: s.text().to_string(),
            observed: s.observed().clone(),
            overrides: args.options.overrides(),
            shard,
            first_run: runs.start,
            end_run: runs.end,
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let name = format!("{stem}.shard-{}-of-{}", shard.index, shard.count);
        let dir = args.options.output.write_folder(&name, &crate::shard::partial_files(&info, &results))?;
        if !args.options.output.quiet {
            say!("wrote {}/ (runs {} to {} of {})", dir.display(), runs.start, runs.end.saturating_sub(1), s.runs());
        }
    }
    Ok(())
}

/// Merges shard folders, scenario by scenario, and publishes as one run would.
fn merge(dirs: &[PathBuf], opts: &OutputOptions) -> Result<(), Failure> {
    let mut groups: Vec<Vec<crate::shard::Partial>> = Vec::new();
    for dir in dirs {
        let partial = crate::shard::read(dir).map_err(bad_input)?;
        match groups.iter_mut().find(|g| g[0].info.file == partial.info.file) {
            Some(g) => g.push(partial),
            None => groups.push(vec![partial]),
        }
    }
    let mut scenarios = Vec::new();
    let mut results = Vec::new();
    for group in groups {
        let (scenario, merged) = crate::shard::merge(group).map_err(bad_input)?;
        results.push(Finished::new(&scenario, &merged, None));
        scenarios.push(scenario);
    }
    let stems = stems(&scenarios)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))?;
    publish(&scenarios, &stems, results, opts, &pool)
}
