//! `simulate check`: validate scenario files without running them.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, load_all};
use crate::format::thousands;
use crate::scenario::Overrides;

/// Options of `simulate check`.
#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO")]
    files: Vec<PathBuf>,
}

/// Prints a line per valid scenario with its sources, or every problem of every file.
pub(super) fn check(args: &CheckArgs) -> Result<(), Failure> {
    let scenarios = load_all(&args.files, Overrides::default())?;
    for s in &scenarios {
        say!(
            "ok: {} — \"{}\", {} runs × {} days from {}, seed {}",
            s.file(),
            s.name(),
            thousands(f64::from(s.runs())),
            s.days(),
            s.start(),
            s.seed()
        );
        // The sources its composition will tell apart, as its outputs will name them.
        let sources: Vec<String> = s.sources().into_iter().map(|x| format!("{} ({})", x.name, x.slug)).collect();
        say!("    sources: {}", sources.join(", "));
    }
    Ok(())
}
