//! The `simulate` command line (MODEL.md, "Command line"): one module per subcommand, each
//! a thin layer over the library's [`crate::pipeline`] and analyses.
//!
//! Exit status: 0 on success, 2 on a bad scenario or bad usage, 1 on any other failure,
//! 3 when the outputs are written but what was asked was not reached (a `--precision`, a
//! break-even).
//! Every scenario is validated before anything runs or is written: one bad file means no
//! output at all.

// The argument structs' doc comments are the command line's help text, where `[goal]` or
// `recruitment[0]` name a scenario's table or key, not an item to link to, and
// `DIR/<file stem>/` is a path, not an HTML tag.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

/// Writes to stdout. A closed pipe (`simulate check *.toml | head -1`) ends the program
/// quietly, as it ends `head`'s reading, instead of panicking as `print!` would; any other
/// failure (a full disk) ends it with status 1 and a message.
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if let Err(e) = write!(out, $($arg)*).and_then(|()| out.flush()) {
            $crate::cli::stdout_failed(&e);
        }
    }};
}

/// [`say_part!`] and a line break.
macro_rules! say {
    ($($arg:tt)*) => {
        say_part!("{}\n", format_args!($($arg)*))
    };
}

/// Ends the program after a failed write to stdout: quietly (0) for a closed pipe, whose
/// reader wanted no more; with status 1 and a message for anything else.
#[doc(hidden)]
pub fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(1);
}

mod analysis;
mod backtest;
mod calibrate;
mod check;
mod fit;
mod init;
mod merge;
mod progress;
mod run;
mod schema;

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::date::Date;
use crate::limits::LIMITS;
use crate::pipeline::OutputFile;
use crate::plot::Format;
use crate::scenario::{Overrides, Scenario, ScenarioError};

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
    run: run::RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Merge the shard folders of `simulate --shard K/N` runs into the outputs of one run.
    Merge(merge::MergeArgs),
    /// Print the JSON Schema of scenario files (a copy ships as scenario.schema.json).
    Schema,
    /// Write a commented template scenario that runs as written.
    Init(init::InitArgs),
    /// Validate scenario files without running them.
    Check(check::CheckArgs),
    /// Rank every uncertain input by its influence on an outcome (tornado chart).
    Sensitivity(analysis::SensitivityArgs),
    /// Estimate [attrition] inputs (rate, dispersion, drift) from an observed daily series.
    Calibrate(calibrate::CalibrateArgs),
    /// Calibrate on data up to a date, simulate forward, and score the bands on what followed.
    Backtest(backtest::BacktestArgs),
    /// Find the value of one input at which the new-army probability reaches a target.
    Breakeven(analysis::BreakevenArgs),
    /// Keep the runs closest to the [observed] series: which inputs are consistent with them.
    Fit(fit::FitArgs),
}

/// Why a command failed: what to tell the user, and so the exit status. Messages carry no
/// "error: " prefix and no final line break; [`Failure::report`] adds them.
#[derive(Debug)]
pub enum Failure {
    /// Scenario files with problems, each problem already rendered with its file, key,
    /// line and source (exit 2).
    Scenarios(String),
    /// A bad input or bad usage, with what would be valid (exit 2).
    Input(String),
    /// Anything else, such as an output folder that cannot be written (exit 1).
    Other(String),
    /// The command finished and wrote its outputs, but did not reach what was asked: a
    /// `--precision` still short at `--max-runs`, a break-even not found in its range
    /// (exit 3, so that a script can tell).
    Undecided(String),
}

impl Failure {
    /// The exit status: 2 for what the user gave, 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Scenarios(_) | Failure::Input(_) => 2,
            Failure::Other(_) => 1,
            Failure::Undecided(_) => 3,
        }
    }

    /// What is printed on stderr.
    pub fn report(&self) -> String {
        match self {
            Failure::Scenarios(rendered) => format!("{rendered}\n"),
            Failure::Input(message) | Failure::Other(message) => format!("error: {message}\n"),
            Failure::Undecided(message) => format!("warning: {message}\n"),
        }
    }

    /// A bad input that names itself (a series, a shard folder).
    fn input(e: impl std::fmt::Display) -> Failure {
        Failure::Input(e.to_string())
    }

    /// A failure of anything but the input.
    fn other(e: impl std::fmt::Display) -> Failure {
        Failure::Other(e.to_string())
    }

    /// The failure of writing an output file.
    fn cannot_write(e: std::io::Error) -> Failure {
        Failure::Other(format!("cannot write outputs: {e}"))
    }
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
        Some(Command::Check(args)) => check::check(&args),
        Some(Command::Init(args)) => init::init(&args),
        Some(Command::Schema) => schema::print_schema(),
        Some(Command::Merge(args)) => merge::merge(&args),
        Some(Command::Calibrate(args)) => calibrate::calibrate(&args),
        Some(Command::Backtest(args)) => backtest::backtest(&args),
        Some(Command::Sensitivity(args)) => analysis::sensitivity(&args),
        Some(Command::Breakeven(args)) => analysis::breakeven(&args),
        Some(Command::Fit(args)) => fit::fit(&args),
        None => run::run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprint!("{}", failure.report());
            ExitCode::from(failure.exit_code())
        }
    }
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

impl OutputOptions {
    /// Whether to draw a progress bar: not with `--quiet`, and only on a terminal.
    fn progress_bar(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// The chart format, or none with `--no-plot`.
    fn charts(&self) -> Option<Format> {
        (!self.no_plot).then_some(self.format)
    }

    /// Checks before any work that the output folder can take `folders` and `files`.
    fn check(&self, folders: &[String], files: &[String]) -> Result<(), Failure> {
        let folders: Vec<&str> = folders.iter().map(String::as_str).collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        crate::files::check_output_folder(&self.out, &folders, &files).map_err(Failure::cannot_write)
    }

    /// Writes `DIR/<name>/` with `files`, atomically.
    fn write_folder(&self, name: &str, files: &[OutputFile]) -> Result<PathBuf, Failure> {
        crate::files::write_folder(&self.out, name, files).map_err(Failure::cannot_write)
    }

    /// Writes `DIR/<name>`, atomically.
    fn write_file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, Failure> {
        let path = self.out.join(name);
        crate::files::write_file(&path, bytes).map_err(Failure::cannot_write)?;
        Ok(path)
    }
}

/// Options shared by every command that simulates a scenario.
#[derive(Debug, Args)]
struct SimulationOptions {
    /// Monte Carlo runs (overrides [simulation] runs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(LIMITS.max_runs)))]
    runs: Option<u32>,
    /// Master random seed (overrides [simulation] seed), 0 to 2⁶³ − 1 as in the file.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Days to simulate (overrides [simulation] days).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u32).range(1..=i64::from(LIMITS.max_days)))]
    days: Option<u32>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(super) threads: Option<u16>,
    #[command(flatten)]
    output: OutputOptions,
}

impl SimulationOptions {
    fn overrides(&self) -> Overrides {
        Overrides { runs: self.runs, seed: self.seed, days: self.days }
    }

    /// A pool of worker threads, `--threads` of them or one per core.
    fn thread_pool(&self) -> Result<rayon::ThreadPool, Failure> {
        thread_pool(self.threads.map(usize::from))
    }

    /// A pool of worker threads for simulating `scenarios` side by side with at most
    /// `runs` each, keeping their daily statistics: `--threads` of them or one per core, but
    /// no more than fit in memory (a note says so), and a refusal when not even one does.
    fn thread_pool_for(&self, scenarios: &[Scenario], runs: &[u32]) -> Result<rayon::ThreadPool, Failure> {
        let requested = self.threads.map_or_else(rayon::current_num_threads, usize::from);
        let threads = crate::pipeline::threads_that_fit(scenarios, runs, requested).map_err(Failure::input)?;
        if threads < requested && !self.output.quiet {
            eprintln!(
                "note: using {threads} worker thread{}, not {requested}: each keeps a task's daily values ({:.2} GiB) besides the daily statistics, and a run may hold {} GiB in all",
                if threads == 1 { "" } else { "s" },
                scenarios.iter().map(crate::engine::scenario_worker_bytes).max().unwrap_or(0) as f64
                    / f64::from(1u32 << 30),
                LIMITS.max_memory_bytes >> 30
            );
        }
        thread_pool(Some(threads))
    }
}

/// A pool of `threads` worker threads, or one per core.
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        pool = pool.num_threads(t);
    }
    pool.build().map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse::<Date>().map_err(|e| e.to_string())
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
        let _ = write!(
            messages,
            "{problems} problem{} in {failed} of {} scenario file{}; nothing was run or written",
            if problems == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
        return Err(Failure::Scenarios(messages));
    }
    Ok(loaded.into_iter().filter_map(Result::ok).collect())
}

/// The stem of a file, for the folder of its outputs.
fn file_stem(path: &Path, default: &str) -> String {
    path.file_stem().map_or(default.into(), |s| s.to_string_lossy().into_owned())
}

/// The provenance line of an analysis chart's footer.
fn footer(s: &Scenario) -> String {
    crate::plot::provenance(s.runs(), s.seed(), s.start(), s.days(), s.file(), s.sha256())
}
