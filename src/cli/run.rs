//! `simulate FILE...`: run scenarios, print the table, write their outputs (or one shard).

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use clap::Args;

use super::{Failure, OutputOptions, SimulationOptions, load_all, progress};
use crate::output;
use crate::pipeline::{self, Finished};
use crate::scenario::Scenario;
use crate::shard::ShardSpec;
use crate::stats::Summary;

/// The scenarios and options of a run.
#[derive(Debug, Args)]
pub(super) struct RunArgs {
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
    shard: Option<ShardSpec>,
    /// The most runs `--precision` may use [default: 1,000,000, or as many as fit in memory].
    #[arg(long, value_name = "N", requires = "precision", value_parser = clap::value_parser!(u32).range(1..))]
    max_runs: Option<u32>,
    /// Write no DIR/report.html (the page with the table, the charts and the provenance).
    #[arg(long)]
    no_report: bool,
}

fn parse_precision(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 0.5 => Ok(x),
        _ => Err(format!("{s} is not a half-width between 0 and 0.5 (e.g. 0.005)")),
    }
}

fn parse_shard(s: &str) -> Result<ShardSpec, String> {
    s.parse::<ShardSpec>().map_err(|e| e.to_string())
}

/// Runs every scenario in parallel, then writes and prints.
pub(super) fn run(args: &RunArgs) -> Result<(), Failure> {
    let scenarios = load_all(&args.files, args.options.overrides())?;
    let stems = pipeline::output_stems(&scenarios).map_err(Failure::input)?;
    let out = &args.options.output;
    if let Some(shard) = args.shard {
        let folders: Vec<String> = stems.iter().map(|s| shard_folder(s, shard)).collect();
        out.check(&folders, &[])?;
        return run_shard(args, shard, &scenarios, &stems);
    }
    let precision = match args.precision {
        Some(p) => pipeline::precision_for(&scenarios, p, args.max_runs)
            .map_err(Failure::input)?
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; scenarios.len()],
    };
    let runs: Vec<u32> = scenarios.iter().zip(&precision).map(|(s, p)| p.map_or(s.runs(), |p| p.max_runs)).collect();
    let pool = args.options.thread_pool_for(&scenarios, &runs)?;
    // Every input checked: now whether the outputs can be written, before the work.
    out.check(&stems, &pipeline::comparison_names(stems.len(), out.charts(), !args.no_report))?;
    let total_runs: u64 = runs.iter().map(|&r| u64::from(r)).sum();
    let done = AtomicU64::new(0);
    let show_progress = args.options.output.progress_bar();
    let mut finished: Vec<Finished> = progress::with_progress(total_runs, &done, show_progress, || {
        pool.install(|| pipeline::simulate_all(&scenarios, &precision, pool.current_num_threads(), Some(&done)))
    });
    pipeline::tag(&mut finished, &pipeline::run_id(&scenarios, args.precision));
    let short: Vec<String> = scenarios
        .iter()
        .zip(&finished)
        .filter(|(_, f)| f.summary.precision_reached == Some(false))
        .map(|(s, f)| format!("{} ({} runs)", s.file(), f.summary.runs))
        .collect();
    publish(&scenarios, &stems, finished, &args.options.output, !args.no_report, &pool)?;
    if short.is_empty() {
        Ok(())
    } else {
        Err(Failure::Undecided(format!(
            "--precision {} was not reached at --max-runs for {}; the outputs hold what was reached (precision_reached: false)",
            args.precision.unwrap_or_default(),
            short.join(", ")
        )))
    }
}

/// Writes every scenario's folder and, for two or more, the comparison, and with `report`
/// the report page; then prints the table. Every file is prepared before any is written,
/// so a chart that cannot be drawn leaves no output at all.
pub(super) fn publish(
    scenarios: &[Scenario],
    stems: &[String],
    finished: Vec<Finished>,
    opts: &OutputOptions,
    report: bool,
    pool: &rayon::ThreadPool,
) -> Result<(), Failure> {
    let (folders, comparison) = pool
        .install(|| pipeline::all_files(scenarios, &finished, opts.charts(), report.then_some(stems)))
        .map_err(Failure::other)?;
    let mut written = Vec::new();
    for (files, stem) in folders.iter().zip(stems) {
        let dir = opts.write_folder(stem, files)?;
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        written.push(format!("{}/ ({})", dir.display(), names.join(", ")));
    }
    for (name, bytes) in &comparison {
        written.push(opts.write_file(name, bytes)?.display().to_string());
    }
    if !opts.quiet {
        let only: Vec<Summary> = finished.into_iter().map(|f| f.summary).collect();
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

/// The folder of shard K of N of a scenario.
fn shard_folder(stem: &str, shard: ShardSpec) -> String {
    format!("{stem}.shard-{}-of-{}", shard.index, shard.count)
}

/// Runs shard K of N of every scenario and writes its partial results.
fn run_shard(args: &RunArgs, shard: ShardSpec, scenarios: &[Scenario], stems: &[String]) -> Result<(), Failure> {
    for (s, stem) in scenarios.iter().zip(stems) {
        // One scenario at a time: each gets the threads that fit it.
        let runs = shard.runs(s.runs()).count() as u32;
        let pool = args.options.thread_pool_for(std::slice::from_ref(s), &[runs])?;
        let (runs, files) = pool.install(|| pipeline::shard_files(s, shard, args.options.overrides(), None));
        let dir = args.options.output.write_folder(&shard_folder(stem, shard), &files)?;
        if !args.options.output.quiet {
            say!("wrote {}/ (runs {} to {} of {})", dir.display(), runs.start, runs.end.saturating_sub(1), s.runs());
        }
    }
    Ok(())
}
