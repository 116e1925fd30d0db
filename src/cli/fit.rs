//! `simulate fit`: which inputs are consistent with what was observed.

use std::sync::atomic::AtomicU64;

use clap::Args;

use super::analysis::AnalysisArgs;
use super::{Failure, footer, progress};
use crate::fit::{self, DEFAULT_ACCEPT, Fit};
use crate::format::{input_value, thousands};
use crate::output::csv_text;
use crate::pipeline::Finished;
use crate::plot::{self, FanChart};
use crate::scenario::Scenario;

/// Options of `simulate fit`.
#[derive(Debug, Args)]
pub(super) struct FitArgs {
    #[command(flatten)]
    common: AnalysisArgs,
    /// The fraction of runs accepted: those closest to the observations.
    #[arg(long, value_name = "F", default_value_t = DEFAULT_ACCEPT, value_parser = parse_fraction)]
    accept: f64,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(format!("{s} is not a fraction above 0 and at most 1 (0.02 keeps the closest 2% of runs)")),
    }
}

/// `posterior.csv`: each accepted run's index, distance and input values, closest first.
fn posterior_csv(scenario: &Scenario, fit: &Fit) -> String {
    let uncertain = scenario.uncertain_inputs();
    let design = crate::inputs::Design::new(scenario, 0..u64::from(scenario.runs()));
    let mut header = vec!["run".to_string(), "distance".to_string()];
    header.extend(uncertain.iter().map(|id| scenario.inputs()[id.index()].key().to_string()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = fit.kept.iter().map(|&(run, distance)| {
        let values = design.values(run);
        let mut row = vec![run.to_string(), distance.to_string()];
        row.extend(uncertain.iter().map(|id| values[id.index()].to_string()));
        row
    });
    csv_text(&header, rows)
}

/// The printed table: each input's prior and posterior 90% intervals and how much narrower.
fn fit_table(name: &str, fit: &Fit) -> String {
    let interval = |i: &fit::Interval| format!("{} – {}", input_value(i.p5), input_value(i.p95));
    let rows: Vec<[String; 4]> = fit
        .inputs
        .iter()
        .map(|i| {
            let narrower = i.narrower();
            let times = if narrower.is_finite() { format!("{narrower:.1}×") } else { "a point".into() };
            [format!("{} ({})", i.name, i.key), interval(&i.prior), interval(&i.posterior), times]
        })
        .collect();
    let header = ["input", "prior p5 – p95", "posterior p5 – p95", "narrower"];
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).chain([header[c].chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |cells: [&str; 4]| -> String {
        let mut s = format!("{:<w$}", cells[0], w = widths[0]);
        for c in 1..4 {
            s += &format!("   {:>w$}", cells[c], w = widths[c]);
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = format!(
        "Fit of \"{name}\" to its observations: {} of {} runs kept ({:.1}%; distance at most {:.2}, median over all runs {:.2})\n",
        thousands(f64::from(fit.accepted)),
        thousands(f64::from(fit.runs)),
        100.0 * fit.accept_fraction,
        fit.distance.accepted_max,
        fit.distance.all.p50
    );
    out += &line(header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out += &line([&rule[0], &rule[1], &rule[2], &rule[3]]);
    for r in &rows {
        out += &line([&r[0], &r[1], &r[2], &r[3]]);
    }
    out
}

/// Writes `DIR/<stem>.fit/` and prints the table.
pub(super) fn fit(args: &FitArgs) -> Result<(), Failure> {
    let common = &args.common;
    let threads = common.options.threads.map_or_else(rayon::current_num_threads, usize::from);
    let (scenario, stem, pool) = common.prepare_checked("fit", |scenario| {
        let need = fit::memory_bytes(scenario, scenario.runs())
            + crate::engine::memory_bytes(scenario, u64::from(scenario.runs()), threads);
        if need <= crate::limits::LIMITS.max_memory_bytes {
            return Ok(());
        }
        Err(Failure::Input(format!(
            "{}: a fit of {} runs would keep {:.1} GiB (each run's distance and uncertain inputs), more than the {} GiB allowed; fit fewer runs (--runs)",
            scenario.file(),
            thousands(f64::from(scenario.runs())),
            need as f64 / f64::from(1u32 << 30),
            crate::limits::LIMITS.max_memory_bytes >> 30
        )))
    })?;
    let accepted = ((args.accept * f64::from(scenario.runs())).round() as u64).max(1);
    let done = AtomicU64::new(0);
    let show = common.options.output.progress_bar();
    let total = u64::from(scenario.runs()) + accepted;
    let result = progress::with_progress(total, &done, show, || {
        pool.install(|| {
            let fit = fit::fit(&scenario, args.accept, Some(&done))?;
            let posterior = fit::posterior_runs(&scenario, &fit, Some(&done));
            Ok((fit, posterior))
        })
    });
    let (fit, posterior) = result.map_err(|e: fit::FitError| Failure::Input(format!("{}: {e}", scenario.file())))?;
    let json = serde_json::to_string_pretty(&fit).map_err(Failure::other)? + "\n";
    // The kept runs as a run of the scenario: summary.json and daily.csv of the posterior.
    let finished = Finished::new(&scenario, &posterior, None);
    let mut files = vec![
        ("fit.json".to_string(), json.into_bytes()),
        ("posterior.csv".to_string(), posterior_csv(&scenario, &fit).into_bytes()),
        ("posterior-summary.json".to_string(), crate::output::summary_json(&finished.summary).into_bytes()),
        (
            "posterior-daily.csv".to_string(),
            crate::output::daily_csv(&finished.summary, &finished.bands, &finished.sources).into_bytes(),
        ),
    ];
    if let Some(format) = common.options.output.charts() {
        let chart = plot::FitChart { fit: &fit, name: scenario.name(), footer: footer(&scenario) };
        files.push((
            format!("fit.{}", format.extension()),
            pool.install(|| plot::fit_chart(&chart, format)).map_err(Failure::other)?,
        ));
        // The posterior predictive fan: the kept runs' bands, to the horizon, with the
        // observations over them.
        let mut summary = finished.summary.clone();
        summary.name = format!("{}: the {} runs kept by the fit", scenario.name(), thousands(f64::from(fit.accepted)));
        let fan = FanChart {
            summary: &summary,
            bands: &finished.bands,
            target: scenario.nominal_target(),
            new_army: scenario.goal().map(|g| g.nominal_size()),
            observed: scenario.observed(),
            observed_only: false,
        };
        files.push((
            format!("posterior-fan.{}", format.extension()),
            pool.install(|| plot::fan_chart(&fan, format)).map_err(Failure::other)?,
        ));
    }
    let dir = common.write(&stem, "fit", &files)?;
    if !common.options.output.quiet {
        say_part!("{}", fit_table(scenario.name(), &fit));
        say!("\nwrote {}/", dir.display());
    }
    Ok(())
}
