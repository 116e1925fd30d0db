//! `simulate merge`: the shards of `--shard` runs, put back together into the outputs of
//! one run, byte for byte.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Failure, OutputOptions, run::publish, thread_pool};
use crate::limits::LIMITS;
use crate::pipeline::{self, Finished};
use crate::shard::{self, Partial, ShardError};

/// Options of `simulate merge`.
#[derive(Debug, Args)]
pub(super) struct MergeArgs {
    /// Shard folders (DIR/<file stem>.shard-K-of-N), of one or more scenarios.
    #[arg(required = true, value_name = "SHARD_DIR")]
    dirs: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputOptions,
    /// Write no DIR/report.html.
    #[arg(long)]
    no_report: bool,
}

/// Merges shard folders, scenario by scenario, and publishes as one run would. Needs
/// nothing but the shard folders: each holds its scenario's text and observed series.
pub(super) fn merge(args: &MergeArgs) -> Result<(), Failure> {
    // What the merge will hold: every shard's statistics and outcomes (no more than its
    // runs.bin), and while one is read its bytes, words and statistics (three times it).
    let sizes: Vec<u64> =
        args.dirs.iter().map(|d| std::fs::metadata(d.join("runs.bin")).map_or(0, |m| m.len())).collect();
    let need = sizes.iter().sum::<u64>() + 3 * sizes.iter().max().copied().unwrap_or(0);
    if need > LIMITS.max_memory_bytes {
        return Err(Failure::Input(format!(
            "merging these shards would need {:.1} GiB, more than the {} GiB allowed; merge fewer scenarios at a time",
            need as f64 / f64::from(1u32 << 30),
            LIMITS.max_memory_bytes >> 30
        )));
    }
    let mut groups: Vec<Vec<Partial>> = Vec::new();
    for dir in &args.dirs {
        let partial = shard::read(dir).map_err(Failure::input)?;
        // One group per output folder, whatever path the scenario was named by
        // (`scenarios/x.toml` and `./scenarios/x.toml` are one scenario).
        let stem = |p: &Partial| Path::new(&p.info.file).file_stem().map(std::ffi::OsStr::to_os_string);
        match groups.iter_mut().find(|g| stem(&g[0]) == stem(&partial)) {
            Some(g) => g.push(partial),
            None => groups.push(vec![partial]),
        }
    }
    let mut scenarios = Vec::new();
    let mut finished = Vec::new();
    for group in groups {
        let (scenario, merged) = shard::merge(group).map_err(|e| match e {
            // Rendered with its file, lines and source, as any scenario's problems.
            ShardError::Scenario(e) => Failure::Scenarios(e.to_string()),
            e => Failure::input(e),
        })?;
        finished.push(Finished::new(&scenario, &merged, None));
        scenarios.push(scenario);
    }
    pipeline::tag(&mut finished, &pipeline::run_id(&scenarios, None));
    let stems = pipeline::output_stems(&scenarios).map_err(Failure::input)?;
    args.output.check(&stems, &pipeline::comparison_names(stems.len(), args.output.charts(), !args.no_report))?;
    publish(&scenarios, &stems, finished, &args.output, !args.no_report, &thread_pool(None)?)
}
