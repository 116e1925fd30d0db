//! The `simulate` command line (MODEL.md, "Command line").
//!
//! Exit status: 0 on success, 2 on a bad scenario or bad usage, 1 on any other failure.
//! Every scenario is validated before anything runs or is written: one bad file means no
//! output at all.

mod progress;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;

use crate::engine;
use crate::output;
use crate::scenario::{Overrides, Scenario, ScenarioError};
use crate::stats::{self, Summary};

/// Monte Carlo manpower sustainability: can the force, beyond replacing its losses,
/// stand up a new army, by when, and with what probability?
#[derive(Debug, Parser)]
#[command(name = "simulate", version, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(
    after_help = "Examples:\n  simulate scenarios/no-mobilization.toml\n  simulate scenarios/*.toml --runs 2000 --out results\n  simulate check scenarios/*.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate scenario files without running them.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true, value_name = "SCENARIO")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files (TOML), run in parallel.
    #[arg(required = true, value_name = "SCENARIO")]
    files: Vec<PathBuf>,
    /// Monte Carlo runs (overrides [simulation] runs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::scenario::LIMITS.max_runs)))]
    runs: Option<u32>,
    /// Master random seed (overrides [simulation] seed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Days to simulate (overrides [simulation] days).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::scenario::LIMITS.max_days)))]
    days: Option<u32>,
    /// Folder for the outputs; each scenario writes DIR/<file stem>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print nothing but errors: no progress bar, no table.
    #[arg(long, short)]
    quiet: bool,
    /// Write no charts.
    #[arg(long)]
    no_plot: bool,
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
        println!(
            "ok: {} — \"{}\", {} runs × {} days from {}, seed {}",
            s.file(),
            s.name(),
            output::thousands(f64::from(s.runs())),
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

fn run(args: &RunArgs) -> Result<(), Failure> {
    let overrides = Overrides { runs: args.runs, seed: args.seed, days: args.days };
    let scenarios = load_all(&args.files, overrides)?;
    let stems = stems(&scenarios)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = args.threads {
        pool = pool.num_threads(usize::from(t));
    }
    let pool = pool.build().map_err(|e| Failure::Other(format!("cannot start worker threads: {e}")))?;

    let total_runs: u64 = scenarios.iter().map(|s| u64::from(s.runs())).sum();
    let done = AtomicU64::new(0);
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let summaries: Vec<(Summary, Vec<[stats::Band; engine::SERIES.len()]>)> =
        progress::with_progress(total_runs, &done, show_progress, || {
            pool.install(|| {
                scenarios
                    .par_iter()
                    .map(|s| {
                        let results = engine::simulate(s, Some(&done));
                        (Summary::new(s, &results), stats::daily_bands(&results))
                    })
                    .collect()
            })
        });

    let mut written = Vec::new();
    for ((summary, bands), stem) in summaries.iter().zip(&stems) {
        let dir = output::write_scenario(&args.out, stem, summary, bands)
            .map_err(|e| Failure::Other(format!("cannot write outputs: {e}")))?;
        written.push(dir);
    }
    if !args.quiet {
        let only: Vec<Summary> = summaries.into_iter().map(|(s, _)| s).collect();
        print!("{}", output::table(&only));
        println!();
        for dir in written {
            println!("wrote {}/ (summary.json, daily.csv)", dir.display());
        }
    }
    let _ = args.no_plot; // Charts are not drawn yet; the flag is accepted so scripts can rely on it.
    Ok(())
}
