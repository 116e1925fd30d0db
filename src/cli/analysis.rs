//! `simulate sensitivity` and `simulate breakeven`: what drives the answer, and what it
//! would take to change it.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

use clap::Args;

use super::{Failure, SimulationOptions, footer, load_all, progress};
use crate::analysis::{self, AnalysisError, Outcome};
use crate::format::thousands;
use crate::pipeline::{OutputFile, output_stems};
use crate::plot;
use crate::scenario::Scenario;

/// The scenario and options of an analysis.
#[derive(Debug, Args)]
pub(super) struct AnalysisArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    file: PathBuf,
    #[command(flatten)]
    pub(super) options: SimulationOptions,
}

/// Options of `simulate sensitivity`.
#[derive(Debug, Args)]
pub(super) struct SensitivityArgs {
    #[command(flatten)]
    common: AnalysisArgs,
    /// The outcome to explain.
    #[arg(long, value_enum, default_value_t = Outcome::FormationEnd)]
    outcome: Outcome,
    /// Runs at each end (P10, P90) of each input's swing.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    swing_runs: u32,
}

/// Options of `simulate breakeven`.
#[derive(Debug, Args)]
pub(super) struct BreakevenArgs {
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
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(format!("{s} is not a probability strictly between 0 and 1")),
    }
}

impl AnalysisArgs {
    /// The one scenario, validated with the overrides, its output stem, and a thread pool.
    pub(super) fn prepare(&self, kind: &str) -> Result<(Scenario, String, rayon::ThreadPool), Failure> {
        self.prepare_checked(kind, |_| Ok(()))
    }

    /// [`AnalysisArgs::prepare`], with a check of the scenario (`accept`) before the output
    /// folder is touched.
    pub(super) fn prepare_checked(
        &self,
        kind: &str,
        accept: impl FnOnce(&Scenario) -> Result<(), Failure>,
    ) -> Result<(Scenario, String, rayon::ThreadPool), Failure> {
        let scenario = load_all(std::slice::from_ref(&self.file), self.options.overrides())?.remove(0);
        let stem = output_stems(std::slice::from_ref(&scenario)).map_err(Failure::input)?.remove(0);
        accept(&scenario)?;
        self.options.output.check(&[format!("{stem}.{kind}")], &[])?;
        Ok((scenario, stem, self.options.thread_pool()?))
    }

    /// Writes `DIR/<stem>.<kind>/` with `files`, atomically.
    pub(super) fn write(&self, stem: &str, kind: &str, files: &[OutputFile]) -> Result<PathBuf, Failure> {
        self.options.output.write_folder(&format!("{stem}.{kind}"), files)
    }
}

fn analysis_failure(s: &Scenario, e: &AnalysisError) -> Failure {
    Failure::Input(format!("{}: {e}", s.file()))
}

/// "P(new army ≥ 30,000 by 2024-12-31)", or empty without a goal.
fn goal_label(s: &Scenario) -> String {
    s.goal().map_or(String::new(), |g| format!("P(new army ≥ {} by {})", thousands(g.nominal_size()), g.by()))
}

/// Writes `DIR/<stem>.sensitivity/` and prints the ranking.
pub(super) fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    let common = &args.common;
    let (scenario, stem, pool) = common.prepare("sensitivity")?;
    let uncertain = scenario.uncertain_inputs().len() as u64;
    let total = u64::from(scenario.runs()) + u64::from(args.swing_runs) * (1 + 2 * uncertain);
    let done = AtomicU64::new(0);
    let show = common.options.output.progress_bar();
    let result = progress::with_progress(total, &done, show, || {
        pool.install(|| analysis::sensitivity(&scenario, args.outcome, args.swing_runs, Some(&done)))
    });
    let sensitivity = result.map_err(|e| analysis_failure(&scenario, &e))?;
    let mut files = vec![("sensitivity.csv".to_string(), crate::output::sensitivity_csv(&sensitivity).into_bytes())];
    if let Some(format) = common.options.output.charts() {
        let chart = plot::Tornado { sensitivity: &sensitivity, name: scenario.name(), footer: footer(&scenario) };
        let bytes = pool.install(|| plot::tornado_chart(&chart, format)).map_err(Failure::other)?;
        files.push((format!("tornado.{}", format.extension()), bytes));
    }
    let dir = common.write(&stem, "sensitivity", &files)?;
    if !common.options.output.quiet {
        let goal = goal_label(&scenario);
        say_part!("{}", crate::output::sensitivity_table(scenario.name(), &goal, &sensitivity));
        say!("\nwrote {}/", dir.display());
    }
    Ok(())
}

/// Writes `DIR/<stem>.breakeven/` and prints the value found.
pub(super) fn breakeven(args: &BreakevenArgs) -> Result<(), Failure> {
    let common = &args.common;
    let (scenario, stem, pool) = common.prepare("breakeven")?;
    let done = AtomicU64::new(0);
    let show = common.options.output.progress_bar();
    // The number of evaluations is not known ahead: the bar counts runs against ~30 of them.
    let total = u64::from(scenario.runs()) * 30;
    let result = progress::with_progress(total, &done, show, || {
        pool.install(|| analysis::breakeven(&scenario, &args.vary, args.probability, args.min, args.max, Some(&done)))
    });
    let breakeven = result.map_err(|e| analysis_failure(&scenario, &e))?;
    let goal = goal_label(&scenario);
    let mut files = vec![("breakeven.csv".to_string(), crate::output::breakeven_csv(&breakeven).into_bytes())];
    if let Some(format) = common.options.output.charts() {
        let chart = plot::BreakEvenChart {
            breakeven: &breakeven,
            goal: goal.clone(),
            name: scenario.name(),
            footer: footer(&scenario),
        };
        let bytes = pool.install(|| plot::breakeven_chart(&chart, format)).map_err(Failure::other)?;
        files.push((format!("breakeven.{}", format.extension()), bytes));
    }
    let dir = common.write(&stem, "breakeven", &files)?;
    if !common.options.output.quiet {
        say!("{}", crate::output::breakeven_sentence(scenario.name(), &goal, &breakeven));
        say!("wrote {}/", dir.display());
    }
    match breakeven.value {
        Some(_) => Ok(()),
        None => Err(Failure::Undecided(format!(
            "no break-even of {} in the range searched; breakeven.csv holds every value tried (its breakeven column is empty)",
            args.vary
        ))),
    }
}
