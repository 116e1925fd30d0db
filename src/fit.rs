//! Which inputs are consistent with what happened: approximate Bayesian computation by
//! rejection (Pritchard et al., "Population growth of human Y chromosomes", *Mol. Biol.
//! Evol.* 16, 1999; Beaumont, Zhang & Balding, *Genetics* 162, 2002).
//!
//! Every run of the scenario draws its uncertain inputs from the prior (the scenario as
//! written) and is scored by its distance to the `[observed]` series; the closest fraction
//! `F` of runs is kept, and their inputs are a sample from the approximate posterior.
//!
//! **The distance** is √(Σ z²) over every observation, each z an error in units of that
//! observation's own uncertainty:
//! - a dated estimate of a stock (`strength`, `deployed`, `formation`): z = (model on
//!   that day − estimate) / sd, with sd as the scenario gives it (by default 10% of the
//!   estimate);
//! - a daily cumulative series (`casualties`, `recruited`): its increments over windows
//!   of [`WINDOW_DAYS`] days from its first observed day, each z = (model increment −
//!   observed increment) / sd, sd = [`WINDOW_ERROR`] × the observed increment (at least
//!   one person). So a 1,000-day series counts as 11 observations, not 1,000, and does not
//!   drown 10 estimates of the force's size; and the day-to-day noise of the claims, which
//!   the model has as well, does not count against a run.
//!
//! **The fraction** `F` trades bias for variance: the posterior of rejection ABC tends to
//! the true posterior as the tolerance shrinks, but with fewer runs kept; 2% of 20,000
//! runs keeps 400, enough for p5–p95 intervals to within a few per cent of the prior's
//! range. A tighter `F` narrows the posterior when the data are informative (tested).
//!
//! The kept runs are then simulated again by run index (common random numbers), so the
//! posterior bands are those of exactly those runs, and like every run, the same on any
//! number of threads. Memory is one distance a run and each run's inputs.

use std::sync::atomic::AtomicU64;

use serde::Serialize;

use crate::engine::{self, Ledger, Results};
use crate::inputs::Design;
use crate::ledger::series;
use crate::percentile::percentile_sorted;
use crate::scenario::Scenario;

/// Days in a window of a daily cumulative series.
pub const WINDOW_DAYS: u32 = 91;

/// A window increment's relative error (one standard deviation).
pub const WINDOW_ERROR: f64 = 0.10;

/// The default fraction of runs accepted.
pub const DEFAULT_ACCEPT: f64 = 0.02;

/// One comparison made at the end of a day.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Check {
    /// A dated estimate of `series`: add ((model − value)/sd)².
    Point { series: usize, value: f64, sd: f64 },
    /// Remember the model's value of `series` as window `slot`'s start.
    Anchor { series: usize, slot: usize },
    /// A window of `series` ends: add ((model − start − increment)/sd)², and start the next.
    Window { series: usize, slot: usize, increment: f64, sd: f64 },
}

/// Every observation of a scenario, as the comparisons to make on each day.
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// Per day, its comparisons.
    checks: Vec<Vec<Check>>,
    /// Window series (each keeps its last anchor).
    slots: usize,
    /// Dated estimates.
    pub points: usize,
    /// Window increments.
    pub windows: usize,
}

impl Observations {
    /// The observations of `scenario`'s `[observed]` series.
    pub fn of(scenario: &Scenario) -> Observations {
        let days = scenario.days() as usize;
        let mut checks = vec![Vec::new(); days];
        let (mut points, mut windows, mut slots) = (0, 0, 0);
        for p in &scenario.observed().points {
            for x in &p.points {
                checks[x.day as usize].push(Check::Point { series: p.series, value: x.value, sd: x.sd.max(1.0) });
                points += 1;
            }
        }
        let o = scenario.observed();
        for (daily, s) in [(&o.casualties, series::CASUALTIES), (&o.recruited, series::RECRUITED)] {
            let Some(daily) = daily else { continue };
            let observed: Vec<(usize, f64)> =
                daily.iter().enumerate().take(days).filter_map(|(d, v)| v.map(|v| (d, v))).collect();
            let Some(&(first, mut at)) = observed.first() else { continue };
            let slot = slots;
            slots += 1;
            checks[first].push(Check::Anchor { series: s, slot });
            let mut from = first;
            for &(day, value) in &observed[1..] {
                if day - from >= WINDOW_DAYS as usize {
                    let increment = value - at;
                    let sd = (WINDOW_ERROR * increment.abs()).max(1.0);
                    checks[day].push(Check::Window { series: s, slot, increment, sd });
                    windows += 1;
                    (from, at) = (day, value);
                }
            }
        }
        Observations { checks, slots, points, windows }
    }

    /// Whether there is anything to fit to.
    pub fn is_empty(&self) -> bool {
        self.points + self.windows == 0
    }

    /// Adds day `day`'s comparisons with `ledger` to `acc`.
    fn fold(&self, acc: &mut Distance, day: u32, ledger: &Ledger) {
        let checks = &self.checks[day as usize];
        if checks.is_empty() {
            return;
        }
        if acc.anchors.len() < self.slots {
            acc.anchors.resize(self.slots, 0.0);
        }
        let values = ledger.series();
        for check in checks {
            match *check {
                Check::Point { series, value, sd } => acc.sum_sq += ((values[series] as f64 - value) / sd).powi(2),
                Check::Anchor { series, slot } => acc.anchors[slot] = values[series] as f64,
                Check::Window { series, slot, increment, sd } => {
                    let now = values[series] as f64;
                    acc.sum_sq += ((now - acc.anchors[slot] - increment) / sd).powi(2);
                    acc.anchors[slot] = now;
                }
            }
        }
    }

    /// The distance of one trajectory, given day by day (for tests and single runs).
    pub fn distance_of<'l>(&self, ledgers: impl IntoIterator<Item = &'l Ledger>) -> f64 {
        let mut acc = Distance::default();
        for (day, l) in ledgers.into_iter().enumerate() {
            self.fold(&mut acc, day as u32, l);
        }
        acc.sum_sq.sqrt()
    }
}

/// A run's distance as it is folded: the sum of squared errors so far, and the model's
/// value at the start of each window.
#[derive(Clone, Debug, Default)]
struct Distance {
    sum_sq: f64,
    anchors: Vec<f64>,
}

/// Percentiles 5, 50 and 95 of a set of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Interval {
    fn of(mut values: Vec<f64>) -> Interval {
        values.sort_unstable_by(f64::total_cmp);
        Interval {
            p5: percentile_sorted(&values, 5),
            p50: percentile_sorted(&values, 50),
            p95: percentile_sorted(&values, 95),
        }
    }

    /// p95 − p5.
    pub fn width(&self) -> f64 {
        self.p95 - self.p5
    }
}

/// One uncertain input, before and after the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FittedInput {
    /// Its key path (as `sensitivity` and `breakeven` name it).
    pub key: String,
    /// Its name in the scenario's words.
    pub name: String,
    /// Over all runs.
    pub prior: Interval,
    /// Over the accepted runs.
    pub posterior: Interval,
}

impl FittedInput {
    /// How many times narrower the posterior's 90% interval is than the prior's (∞ when
    /// it collapsed to a point; 1 when the prior was a point).
    pub fn narrower(&self) -> f64 {
        match (self.prior.width(), self.posterior.width()) {
            (p, _) if p <= 0.0 => 1.0,
            (_, q) if q <= 0.0 => f64::INFINITY,
            (p, q) => p / q,
        }
    }
}

/// How the distance was made and how far the runs were.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistanceSummary {
    /// The method, in words.
    pub method: String,
    /// Dated estimates compared.
    pub points: usize,
    /// Window increments compared.
    pub windows: usize,
    /// The days in a window.
    pub window_days: u32,
    /// A window increment's relative error.
    pub window_error: f64,
    /// Percentiles of the distance over all runs.
    pub all: Interval,
    /// The largest distance accepted (the tolerance the fraction implies).
    pub accepted_max: f64,
}

/// What `simulate fit` finds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// Runs of the prior.
    pub runs: u32,
    /// Runs accepted.
    pub accepted: u32,
    /// The fraction asked for.
    pub accept_fraction: f64,
    /// The distance and its spread.
    pub distance: DistanceSummary,
    /// Every uncertain input, the ones the data narrowed most first.
    pub inputs: Vec<FittedInput>,
    /// The accepted runs' indices and distances, closest first.
    #[serde(skip)]
    pub kept: Vec<(u64, f64)>,
}

/// Why a fit cannot be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No `[observed]` observation falls within the horizon.
    #[error(
        "nothing to fit to: give [observed] series (strength, deployed, formation, casualties or recruited) with observations inside the horizon"
    )]
    NoObservations,
    /// No uncertain input.
    #[error("nothing to fit: every input is fixed; write the ones in doubt as distributions")]
    NoUncertainInputs,
}

/// The most memory a fit of `runs` runs of `scenario` keeps beyond the engine's: per run
/// its distance as folded (with each window's value at its start), each uncertain input's
/// value as the run started, then its distance, its place in the order and the inputs'
/// values again in their columns.
pub fn memory_bytes(scenario: &Scenario, runs: u32) -> u64 {
    let uncertain = scenario.uncertain_inputs().len() as u64;
    let slots = Observations::of(scenario).slots as u64;
    // (8 + 24 + 8·slots) + (24 + 8·uncertain) folded, then 8 + 8 + 8·uncertain.
    u64::from(runs) * (72 + 8 * slots + 16 * uncertain)
}

/// Runs the prior, scores every run, keeps the closest `accept` fraction (at least one
/// run; ties by run index), and summarises each uncertain input before and after.
///
/// # Errors
/// No observation in the horizon, or no uncertain input.
pub fn fit(scenario: &Scenario, accept: f64, progress: Option<&AtomicU64>) -> Result<Fit, FitError> {
    let observations = Observations::of(scenario);
    if observations.is_empty() {
        return Err(FitError::NoObservations);
    }
    let uncertain = scenario.uncertain_inputs();
    if uncertain.is_empty() {
        return Err(FitError::NoUncertainInputs);
    }
    let runs = 0..u64::from(scenario.runs());
    let design = Design::new(scenario, runs.clone());
    // Each run's distance, folded day by day, and each uncertain input's value in the run,
    // taken as it starts (see [`memory_bytes`]).
    let folded: Vec<(Distance, Vec<f64>)> = engine::fold_runs(
        scenario,
        runs.clone(),
        &|run| design.values(run),
        &|values| (Distance::default(), uncertain.iter().map(|id| values[id.index()]).collect()),
        &|acc, day, ledger| observations.fold(&mut acc.0, day, ledger),
        progress,
    );
    let distances: Vec<f64> = folded.iter().map(|(d, _)| d.sum_sq.sqrt()).collect();
    let mut order: Vec<u64> = runs.clone().collect();
    order.sort_by(|&a, &b| distances[a as usize].total_cmp(&distances[b as usize]).then(a.cmp(&b)));
    let accepted = ((accept * f64::from(scenario.runs())).round() as usize).clamp(1, order.len());
    let kept: Vec<(u64, f64)> = order[..accepted].iter().map(|&r| (r, distances[r as usize])).collect();

    // A column an input.
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(order.len()); uncertain.len()];
    for (_, values) in folded {
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let mut inputs: Vec<FittedInput> = uncertain
        .iter()
        .zip(columns)
        .map(|(id, column)| {
            let key = scenario.inputs()[id.index()].key().to_string();
            let posterior = kept.iter().map(|&(r, _)| column[r as usize]).collect();
            FittedInput {
                name: scenario.input_name(&key),
                key,
                prior: Interval::of(column),
                posterior: Interval::of(posterior),
            }
        })
        .collect();
    inputs.sort_by(|a, b| b.narrower().total_cmp(&a.narrower()));
    let distance = DistanceSummary {
        method: format!(
            "sqrt of the sum of squared errors, each in units of its observation's standard deviation: dated estimates by their sd; daily cumulative series by increments over {WINDOW_DAYS}-day windows, sd {WINDOW_ERROR} of the increment"
        ),
        points: observations.points,
        windows: observations.windows,
        window_days: WINDOW_DAYS,
        window_error: WINDOW_ERROR,
        all: Interval::of(distances.clone()),
        accepted_max: kept.last().map_or(0.0, |k| k.1),
    };
    Ok(Fit { runs: scenario.runs(), accepted: accepted as u32, accept_fraction: accept, distance, inputs, kept })
}

/// The accepted runs simulated again (common random numbers): their daily bands are the
/// posterior predictive distribution, continued to the horizon.
pub fn posterior_runs(scenario: &Scenario, fit: &Fit, progress: Option<&AtomicU64>) -> Results {
    let design = Design::new(scenario, 0..u64::from(scenario.runs()));
    let mut runs: Vec<u64> = fit.kept.iter().map(|k| k.0).collect();
    runs.sort_unstable();
    engine::simulate_selected(scenario, &runs, &|run| design.values(run), progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Observed, ObservedPoint, ObservedPoints, Overrides};

    fn scenario_with(observed: Observed) -> Scenario {
        let text = "[simulation]\nstart = 2024-01-01\ndays = 200\nruns = 10\n[force]\ninitial = 1000\n\
                    [[recruitment]]\ndaily = { dist = \"uniform\", min = 0, max = 20 }\ntraining_days = 0\n";
        Scenario::parse("t.toml", text, Overrides::default()).expect("valid").with_observed(observed)
    }

    #[test]
    fn a_trajectory_equal_to_the_observations_is_at_distance_zero() {
        // strength = 1000 + 10 (day + 1); recruited = 10 (day + 1).
        let ledger = |day: u32| Ledger {
            strength: 1000 + 10 * u64::from(day + 1),
            recruited: 10 * u64::from(day + 1),
            ..Ledger::default()
        };
        let path: Vec<Ledger> = (0..200).map(ledger).collect();
        let points = [20, 90, 150]
            .map(|day| ObservedPoint { day, value: path[day as usize].strength as f64, sd: 100.0 })
            .to_vec();
        let observed = Observed {
            casualties: None,
            recruited: Some(path.iter().map(|l| Some(l.recruited as f64)).collect()),
            points: vec![ObservedPoints { key: "strength".into(), series: series::TOTAL, points, outside: 0 }],
        };
        let o = Observations::of(&scenario_with(observed));
        assert_eq!((o.points, o.windows), (3, 2), "3 estimates, and windows ending on days 91 and 182");
        assert_eq!(o.distance_of(&path), 0.0);
        // One estimate off by two of its sds, one window increment off by 10% (one sd):
        // √(2² + 1²).
        let mut off = path.clone();
        for l in &mut off[90..] {
            l.strength += 200;
        }
        for l in &mut off[91..] {
            l.recruited += 91;
        }
        let d = o.distance_of(&off);
        // The strength shift lands on estimates of days 90 and 150 (two sds each); the
        // recruits' shift of 91 on the first window's increment of 910 (one sd), none on
        // the second.
        assert!((d - (4.0f64 + 4.0 + 1.0).sqrt()).abs() < 1e-12, "{d}");
    }
}
