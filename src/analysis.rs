//! Which input drives the answer, and what value of an input would change it.
//!
//! - [`sensitivity`] ranks every uncertain input by its influence on an outcome, two ways:
//!   the Spearman rank correlation between the input and the outcome over the runs of the
//!   scenario as written, and the *swing*: the mean outcome with the input at its 90th
//!   percentile minus the mean with it at its 10th, every other uncertain input at its
//!   median (a one-at-a-time tornado, as in spreadsheet risk tools).
//! - [`breakeven`] finds the value of one input at which the new-army probability reaches
//!   a target, by bisection.
//!
//! Both evaluate the scenario at different input values on the same run indices, so every
//! evaluation sees the same daily noise (common random numbers): differences come from the
//! input, not from the dice.

use std::sync::atomic::AtomicU64;

use serde::Serialize;

use crate::distribution::Domain;
use crate::engine::{self, RunOutcome};
use crate::inputs::{Design, values_at};
use crate::scenario::Scenario;
use crate::stats::goal_probability;

/// The outcome whose sensitivity is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// `formation` at the end of the horizon.
    #[value(name = "formation_end")]
    FormationEnd,
    /// `deployed` at the end of the horizon.
    #[value(name = "deployed_end")]
    DeployedEnd,
    /// Whether the new army was reached by its deadline (1 or 0; its mean is the probability).
    #[value(name = "new_army")]
    NewArmy,
    /// The first day the new army was reached; a run that never reaches it counts as the
    /// day after the deadline (a censored value, so ranks stay meaningful).
    #[value(name = "day_reached")]
    DayReached,
    /// Armies by the goal's deadline: formed and deployed with `deploy = true`, else the
    /// armies' worth of `formation` on the deadline.
    #[value(name = "armies")]
    Armies,
}

impl Outcome {
    /// The outcome's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::FormationEnd => "formation_end",
            Outcome::DeployedEnd => "deployed_end",
            Outcome::NewArmy => "new_army",
            Outcome::DayReached => "day_reached",
            Outcome::Armies => "armies",
        }
    }

    fn needs_goal(self) -> bool {
        matches!(self, Outcome::NewArmy | Outcome::DayReached | Outcome::Armies)
    }

    fn of(self, scenario: &Scenario, run: &RunOutcome) -> f64 {
        match self {
            Outcome::FormationEnd => run.end.formation as f64,
            Outcome::DeployedEnd => run.end.deployed as f64,
            Outcome::NewArmy => f64::from(u8::from(run.day_reached.is_some())),
            Outcome::DayReached => {
                let censored = scenario.goal().map_or(0, |g| g.by_day() + 1);
                f64::from(run.day_reached.unwrap_or(censored))
            }
            Outcome::Armies => f64::from(run.armies.by_deadline),
        }
    }
}

/// Why an analysis cannot be done on this scenario.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The outcome or the break-even needs a `[goal]`.
    #[error("{0} needs a [goal] in the scenario")]
    NeedsGoal(String),
    /// `--vary` names no input.
    #[error("no input `{key}`{suggestion}")]
    UnknownInput {
        /// The key as given.
        key: String,
        /// "; did you mean …" or empty.
        suggestion: String,
    },
    /// A range that is empty or outside the input's valid values.
    #[error("{0}")]
    BadRange(String),
}

/// One input's influence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputSensitivity {
    /// The key path, e.g. `recruitment[0].daily`.
    pub key: String,
    /// Its name in the scenario's words ([`Scenario::input_name`]).
    pub name: String,
    /// The distribution as written.
    pub distribution: serde_json::Value,
    /// The input's 10th and 90th percentiles.
    pub p10: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// Spearman rank correlation with the outcome over the runs.
    pub spearman: f64,
    /// Mean outcome with the input at its 10th percentile, the others at their medians.
    pub at_p10: f64,
    /// The same at its 90th percentile.
    pub at_p90: f64,
}

impl InputSensitivity {
    /// `at_p90 − at_p10`.
    pub fn swing(&self) -> f64 {
        self.at_p90 - self.at_p10
    }
}

/// The sensitivity of one outcome to every uncertain input, largest swing first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The outcome.
    pub outcome: Outcome,
    /// Runs of the scenario as written (for the rank correlations).
    pub runs: u32,
    /// Runs at each one-at-a-time setting (for the swings).
    pub swing_runs: u32,
    /// Mean outcome with every uncertain input at its median.
    pub baseline: f64,
    /// With a goal: the new-army probability over the runs and its 95% Wilson interval.
    pub new_army: Option<[f64; 3]>,
    /// The inputs, sorted by |swing|, largest first, then by |ρ|.
    pub inputs: Vec<InputSensitivity>,
}

/// Mean outcome over runs `0..runs` with the given input values in every run.
fn mean_outcome(scenario: &Scenario, runs: u32, values: &[f64], outcome: Outcome, progress: Option<&AtomicU64>) -> f64 {
    let outcomes = engine::simulate_outcomes(scenario, 0..u64::from(runs), &|_| values.to_vec(), progress);
    let sum: f64 = outcomes.iter().map(|o| outcome.of(scenario, o)).sum();
    sum / f64::from(runs)
}

/// Ranks every uncertain input of `scenario` by its influence on `outcome` (see the module
/// documentation). The rank correlations use the scenario's runs; each swing uses
/// `swing_runs` runs at each end.
///
/// # Errors
/// [`AnalysisError::NeedsGoal`] for `new_army` or `day_reached` without a `[goal]`.
pub fn sensitivity(
    scenario: &Scenario,
    outcome: Outcome,
    swing_runs: u32,
    progress: Option<&AtomicU64>,
) -> Result<Sensitivity, AnalysisError> {
    if outcome.needs_goal() && scenario.goal().is_none() {
        return Err(AnalysisError::NeedsGoal(format!("the outcome {}", outcome.name())));
    }
    let uncertain = scenario.uncertain_inputs();
    let runs = 0..u64::from(scenario.runs());
    let design = Design::new(scenario, runs.clone());
    let quantiles: Vec<Vec<f64>> = runs.clone().map(|run| design.quantiles(run)).collect();
    let ends =
        engine::simulate_outcomes(scenario, runs, &|run| values_at(scenario, &quantiles[run as usize]), progress);
    let outcomes: Vec<f64> = ends.iter().map(|o| outcome.of(scenario, o)).collect();
    let outcome_ranks = ranks(&outcomes);

    let medians = vec![0.5; scenario.inputs().len()];
    let baseline = mean_outcome(scenario, swing_runs, &values_at(scenario, &medians), outcome, progress);
    let mut inputs: Vec<InputSensitivity> = uncertain
        .iter()
        .map(|&id| {
            let input_ranks = ranks(&quantiles.iter().map(|q| q[id.index()]).collect::<Vec<_>>());
            let at = |u: f64| {
                let mut q = medians.clone();
                q[id.index()] = u;
                let values = values_at(scenario, &q);
                (values[id.index()], mean_outcome(scenario, swing_runs, &values, outcome, progress))
            };
            let (p10, at_p10) = at(0.1);
            let (p90, at_p90) = at(0.9);
            let input = &scenario.inputs()[id.index()];
            InputSensitivity {
                key: input.key().to_string(),
                name: scenario.input_name(input.key()),
                distribution: input.value().to_json(),
                p10,
                p90,
                spearman: pearson(&input_ranks, &outcome_ranks),
                at_p10,
                at_p90,
            }
        })
        .collect();
    // Largest swing first; equal swings (for a probability, often 0 at both ends) by the
    // size of the rank correlation; remaining ties keep file order (a stable sort).
    inputs.sort_by(|a, b| {
        b.swing().abs().total_cmp(&a.swing().abs()).then(b.spearman.abs().total_cmp(&a.spearman.abs()))
    });
    let new_army = scenario.goal().map(|_| goal_probability(&ends));
    Ok(Sensitivity { outcome, runs: ends.len() as u32, swing_runs, baseline, new_army, inputs })
}

/// Ranks from 1, ties given their average rank (so a constant series has constant ranks).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = average;
        }
        i = j + 1;
    }
    out
}

/// Pearson correlation; 0 when either series is constant. Applied to ranks it is
/// Spearman's ρ with the standard tie correction (Spearman 1904).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 { 0.0 } else { sxy / (sxx * syy).sqrt() }
}

/// One evaluation of the new-army probability at a value of the varied input.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ProbabilityAt {
    /// The input's value.
    pub value: f64,
    /// The share of runs that reached the goal.
    pub probability: f64,
    /// Its 95% Wilson interval.
    pub lo95: f64,
    /// Upper end of the interval.
    pub hi95: f64,
}

/// The result of a break-even search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakEven {
    /// The varied input.
    pub key: String,
    /// Its name in the scenario's words ([`Scenario::input_name`]).
    pub name: String,
    /// Its unit in words ([`Scenario::input_unit`]).
    pub unit: String,
    /// The probability sought.
    pub target: f64,
    /// Runs at each evaluation.
    pub runs: u32,
    /// The value at which the probability reaches the target, if it does in range: the
    /// smallest value that reaches it when more of the input helps, the largest when more
    /// of it hurts.
    pub value: Option<f64>,
    /// Whether the probability rises with the input (false: it falls).
    pub increasing: bool,
    /// The range searched.
    pub range: (f64, f64),
    /// Every evaluation, sorted by value.
    pub points: Vec<ProbabilityAt>,
}

/// Points evaluated across the range for the chart, besides the bisection's own.
const GRID_POINTS: usize = 11;

/// Finds the value of input `key` at which P(new army by the deadline) reaches `target`,
/// by bisection on common random numbers: every evaluation uses the same run indices,
/// with the varied input fixed at the tried value and every other input drawn as in the
/// scenario, so P is a deterministic, step-wise monotone function of the value (in the
/// usual case that more of the input helps, or hurts, in every run).
///
/// The range is `[min, max]`; without `max`, it starts at twice the input's nominal value
/// (1 for a fraction) and doubles until the target is crossed. The search stops when the
/// bracket is narrower than 10⁻⁴ of the range.
///
/// # Errors
/// No `[goal]`, an unknown key, or an empty range.
pub fn breakeven(
    scenario: &Scenario,
    key: &str,
    target: f64,
    min: Option<f64>,
    max: Option<f64>,
    progress: Option<&AtomicU64>,
) -> Result<BreakEven, AnalysisError> {
    if scenario.goal().is_none() {
        return Err(AnalysisError::NeedsGoal("a break-even search".into()));
    }
    let id = scenario.find_input(key).ok_or_else(|| unknown_input(scenario, key))?;
    let input = &scenario.inputs()[id.index()];
    let is_fraction = input.value().domain() == Domain::Fraction;
    let ceiling = if is_fraction { 1.0 } else { crate::limits::MAX_COUNT };
    let lo = min.unwrap_or(0.0);
    let mut hi = max.unwrap_or(if is_fraction { 1.0 } else { (2.0 * input.value().nominal_mean()).max(1.0) });
    if !(lo >= 0.0 && hi > lo && hi <= ceiling) {
        return Err(AnalysisError::BadRange(format!(
            "the range [{lo}, {hi}] for `{key}` is empty or outside its valid values (0 to {ceiling})"
        )));
    }
    let runs = scenario.runs();
    let design = Design::new(scenario, 0..u64::from(runs));
    let mut points: Vec<ProbabilityAt> = Vec::new();
    let mut evaluate = |x: f64| -> f64 {
        if let Some(p) = points.iter().find(|p| p.value == x) {
            return p.probability;
        }
        let outcomes = engine::simulate_outcomes(
            scenario,
            0..u64::from(runs),
            &|run| {
                let mut v = design.values(run);
                v[id.index()] = x;
                v
            },
            progress,
        );
        let [probability, lo95, hi95] = goal_probability(&outcomes);
        points.push(ProbabilityAt { value: x, probability, lo95, hi95 });
        probability
    };
    let p_lo = evaluate(lo);
    let mut p_hi = evaluate(hi);
    let reaches = |p: f64| p >= target;
    if max.is_none() {
        let mut doublings = 0;
        while reaches(p_lo) == reaches(p_hi) && hi < ceiling && doublings < 40 {
            hi = (hi * 2.0).min(ceiling);
            p_hi = evaluate(hi);
            doublings += 1;
        }
    }
    let span = hi - lo;
    for k in 0..GRID_POINTS {
        evaluate(lo + span * k as f64 / (GRID_POINTS - 1) as f64);
    }
    let value = if reaches(p_lo) == reaches(p_hi) {
        None
    } else {
        // Keep the bracket with the target between its ends.
        let (mut a, mut b) = (lo, hi);
        let side_a = reaches(p_lo);
        while b - a > span * 1e-4 {
            let mid = 0.5 * (a + b);
            if reaches(evaluate(mid)) == side_a {
                a = mid;
            } else {
                b = mid;
            }
        }
        // The first value (from `lo`'s side) on which the target is reached.
        Some(if side_a { a } else { b })
    };
    points.sort_by(|a, b| a.value.total_cmp(&b.value));
    let increasing = p_hi >= p_lo;
    let name = scenario.input_name(key);
    let unit = scenario.input_unit(key).to_string();
    Ok(BreakEven { key: key.to_string(), name, unit, target, runs, value, increasing, range: (lo, hi), points })
}

fn unknown_input(scenario: &Scenario, key: &str) -> AnalysisError {
    let nearest = scenario.inputs().iter().map(|i| i.key()).min_by_key(|k| strsim::damerau_levenshtein(key, k));
    let suggestion = match nearest {
        Some(k) if strsim::damerau_levenshtein(key, k) <= 4 => format!("; did you mean `{k}`?"),
        _ => String::new(),
    };
    let keys: Vec<&str> = scenario.inputs().iter().map(|i| i.key()).collect();
    AnalysisError::UnknownInput {
        key: key.to_string(),
        suggestion: format!("{suggestion} (inputs: {})", keys.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0]), vec![1.0, 3.0, 2.0]);
        assert_eq!(ranks(&[5.0, 5.0, 1.0, 5.0]), vec![3.0, 3.0, 1.0, 3.0]);
    }

    #[test]
    fn spearman_of_monotone_and_reversed_series() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 8.0, 27.0, 64.0, 125.0];
        assert!((pearson(&ranks(&x), &ranks(&y)) - 1.0).abs() < 1e-15);
        let r: Vec<f64> = y.iter().rev().copied().collect();
        assert!((pearson(&ranks(&x), &ranks(&r)) + 1.0).abs() < 1e-15);
        assert_eq!(pearson(&x, &[2.0; 5]), 0.0);
    }
}
