//! Statistics over runs: percentile bands per day and the summary of a scenario.
//!
//! Percentiles use linear interpolation between order statistics (Hyndman & Fan 1996,
//! definition 7; the default of R and NumPy): for n sorted values x₀ ≤ … ≤ x_{n−1} and
//! probability p, h = (n − 1)p and Q(p) = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋₊₁ − x_⌊h⌋). So the p50
//! of an integer series may be fractional, and bands are always ordered.
//! Means of counts are exact integer sums divided once; nothing is summed in parallel.
//! Per-day bands come from streamed sketches ([`crate::sketch`]); the bands of outcomes at
//! the end of the horizon are exact.

use serde::Serialize;

use crate::date::Date;
use crate::engine::{Results, SERIES, series};
pub use crate::percentile::{BAND_PERCENTS, Band, hyndman_fan, percentile_sorted, standard_error};
use crate::scenario::Scenario;

/// z for a two-sided 95% interval, Φ⁻¹(0.975).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for a binomial proportion of `successes` in `n` trials:
///
/// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
///
/// (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
/// JASA 22, 1927). Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays inside [0, 1] and does not collapse
/// to a point at p̂ = 0 or 1, which matters for a probability estimated as 1.000.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At p̂ = 0 or 1 one end is exactly 0 or 1; say so rather than leave rounding residue.
    let lo = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if successes as f64 == n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// The paired difference of two probabilities estimated on the same runs (common random
/// numbers): with d_i = b_i − a_i ∈ {−1, 0, 1} per run, the mean d̄ and its 95% interval
/// d̄ ± z·s_d/√n (s_d the sample standard deviation of d). Pairing removes the noise the
/// two scenarios share, so the interval is far narrower than for two independent
/// estimates when the scenarios differ little.
///
/// # Panics
/// If the two have different numbers of runs, or none.
pub fn paired_difference(a: &[bool], b: &[bool]) -> (f64, f64, f64) {
    assert!(a.len() == b.len() && !a.is_empty(), "paired runs");
    let n = a.len() as f64;
    let d: Vec<f64> = a.iter().zip(b).map(|(&x, &y)| f64::from(u8::from(y)) - f64::from(u8::from(x))).collect();
    let mean = d.iter().sum::<f64>() / n;
    let se = standard_error(d.iter().copied(), mean, d.len());
    (mean, mean - Z95 * se, mean + Z95 * se)
}

/// The share of runs that reached the goal and its 95% Wilson interval, as [p, lo, hi].
pub fn goal_probability(outcomes: &[crate::engine::RunOutcome]) -> [f64; 3] {
    let reached = outcomes.iter().filter(|o| o.day_reached.is_some()).count() as u64;
    let runs = outcomes.len() as u64;
    let (lo, hi) = wilson_interval(reached, runs, Z95);
    [reached as f64 / runs as f64, lo, hi]
}

/// How often an observed series falls inside the model's bands.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coverage {
    /// Days with an observation.
    pub days: usize,
    /// Share of those days inside the 50% band (p25..=p75).
    pub inside_50: f64,
    /// Share inside the 90% band (p5..=p95).
    pub inside_90: f64,
}

/// The coverage of `observed` (one value or none a day) by the bands of `series`.
/// `None` when no day has an observation.
pub fn coverage(observed: &[Option<f64>], bands: &[[Band; SERIES.len()]], series: usize) -> Option<Coverage> {
    let pairs: Vec<(f64, &Band)> = observed.iter().zip(bands).filter_map(|(o, b)| o.map(|v| (v, &b[series]))).collect();
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let share = |inside: &dyn Fn(f64, &Band) -> bool| pairs.iter().filter(|(v, b)| inside(*v, b)).count() as f64 / n;
    Some(Coverage {
        days: pairs.len(),
        inside_50: share(&|v, b| b.p25 <= v && v <= b.p75),
        inside_90: share(&|v, b| b.p5 <= v && v <= b.p95),
    })
}

/// Where dated estimates of a stock fall in the model's distribution on their days.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PointCoverage {
    /// Estimates within the horizon.
    pub points: usize,
    /// Estimates that matched but fall outside the horizon (not scored).
    pub outside: usize,
    /// Share of the estimates inside the 50% band of their day (`null` without any).
    pub inside_50: Option<f64>,
    /// Share inside the 90% band.
    pub inside_90: Option<f64>,
    /// Each estimate with where it falls among the runs on its day.
    pub pit: Vec<PointScore>,
}

/// One estimate scored against the runs of its day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PointScore {
    /// Its date.
    pub date: Date,
    /// The estimate.
    pub observed: f64,
    /// Its standard deviation, in persons.
    pub sd: f64,
    /// The probability integral transform: the share of runs below the estimate on that
    /// day, plus half the share equal to it ([`crate::sketch::QuantileSketch::mid_rank`]),
    /// from 0 to 1. Near 0 or 1, the model misses it; over many estimates a calibrated
    /// model's are spread evenly.
    pub percentile: f64,
}

/// Scores dated estimates against the runs' per-day distribution of their series.
pub fn point_coverage(points: &crate::scenario::ObservedPoints, start: Date, results: &Results) -> PointCoverage {
    let pit: Vec<PointScore> = points
        .points
        .iter()
        .map(|p| PointScore {
            date: start.add_days(i64::from(p.day)),
            observed: p.value,
            sd: p.sd,
            percentile: results.daily.sketch(p.day, points.series).mid_rank(p.value),
        })
        .collect();
    // Each estimate's band once, and how many lie inside its 50% and 90% parts.
    let (mut inside_50, mut inside_90) = (0usize, 0usize);
    for p in &points.points {
        let b = results.daily.sketch(p.day, points.series).band();
        inside_50 += usize::from(b.p25 <= p.value && p.value <= b.p75);
        inside_90 += usize::from(b.p5 <= p.value && p.value <= b.p95);
    }
    let n = points.points.len();
    let share = |inside: usize| (n > 0).then(|| inside as f64 / n as f64);
    PointCoverage { points: n, outside: points.outside, inside_50: share(inside_50), inside_90: share(inside_90), pit }
}

/// Coverage of each `[observed]` series.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ObservedCoverage {
    /// Cumulative casualties.
    pub casualties: Option<Coverage>,
    /// Cumulative recruits.
    pub recruited: Option<Coverage>,
    /// Estimates of the force's strength (`total`).
    pub strength: Option<PointCoverage>,
    /// Estimates of `deployed`.
    pub deployed: Option<PointCoverage>,
    /// Estimates of `formation`.
    pub formation: Option<PointCoverage>,
}

impl ObservedCoverage {
    /// The scores of the dated estimates under `[observed] <key>` (`strength`, `deployed`
    /// or `formation`), if there are any.
    pub fn points(&self, key: &str) -> Option<&PointCoverage> {
        match key {
            "strength" => self.strength.as_ref(),
            "deployed" => self.deployed.as_ref(),
            "formation" => self.formation.as_ref(),
            _ => None,
        }
    }
}

/// The day on which the goal was first reached, over the runs that reached it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DayReached {
    /// 5th percentile; `None` if no run reached the goal.
    pub p5: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// The answer to the question: can the force stand up a new army by the deadline?
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewArmy {
    /// The goal as written (a number, or the distribution table).
    pub size: serde_json::Value,
    /// The deadline.
    pub by: Date,
    /// Whether armies are formed and deployed as they are reached (`deploy = true`).
    pub deploy: bool,
    /// Share of runs in which `formation` reached `size` on some day up to `by` ("ever
    /// reached"; with `deploy`, the share that formed at least one army by `by`).
    pub probability: f64,
    /// 95% Wilson interval of `probability` (Monte Carlo precision, not model uncertainty).
    pub probability_ci95: [f64; 2],
    /// Share of runs in which `formation` was at least `size` on the day `by` itself
    /// ("at the deadline"): a surplus that touched the size and was lost again does not
    /// count.
    pub probability_at_deadline: f64,
    /// 95% Wilson interval of `probability_at_deadline`.
    pub probability_at_deadline_ci95: [f64; 2],
    /// Percentiles of the first such day (a day index), over those runs.
    pub day_reached: DayReached,
    /// Armies by `by`: formed (`deploy`), or what `formation` on the day `by` resources.
    pub armies_formed: ArmiesFormed,
    /// Percentiles of the day the first army was formed (or reached), over those runs.
    pub first_formed: DayReached,
    /// The same for the second.
    pub second_formed: DayReached,
}

/// A mobilization wave over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaveSummary {
    /// Its name.
    pub name: String,
    /// Whether and when it started: always, on its date, for a dated wave.
    pub triggered: Triggered,
}

/// How often and when a wave started.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Triggered {
    /// The share of runs in which it started.
    pub probability: f64,
    /// Percentiles of the day it first started, over those runs.
    pub day: DayReached,
}

/// One source's people on strength at the end of the last day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceEnd {
    /// The scenario's name for it.
    pub source: String,
    /// Its slug, which names its daily.csv columns.
    pub slug: String,
    /// Mean over runs (exact).
    pub mean: f64,
    /// 5th percentile over runs.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Its share of the mean force: `mean / Σ mean` over sources (the shares add up to 1;
    /// 0 when the force ends empty).
    pub share_mean: f64,
}

/// Strength by source at the end of the last day, from that day's sketches (percentiles
/// within (max − min)/2047 of the exact ones, means exact; see [`crate::sketch`]).
pub fn composition_end(scenario: &Scenario, results: &Results) -> Vec<SourceEnd> {
    let last = results.days.saturating_sub(1);
    let sources = scenario.sources();
    let bands: Vec<Band> = (0..sources.len()).map(|i| results.daily.sketch(last, SERIES.len() + i).band()).collect();
    let total: f64 = bands.iter().map(|b| b.mean).sum();
    sources
        .into_iter()
        .zip(bands)
        .map(|(s, b)| SourceEnd {
            source: s.name,
            slug: s.slug,
            mean: b.mean,
            p5: b.p5,
            p50: b.p50,
            p95: b.p95,
            share_mean: if total > 0.0 { b.mean / total } else { 0.0 },
        })
        .collect()
}

/// How many armies runs formed by the deadline: the band over runs and each count's share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmiesFormed {
    /// Mean, standard error and percentiles over runs.
    #[serde(flatten)]
    pub band: Band,
    /// The share of runs with each count, from 0 to the largest seen.
    pub distribution: Vec<ArmyCount>,
}

/// The runs that formed exactly `armies` armies.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ArmyCount {
    /// The count.
    pub armies: u32,
    /// How many runs.
    pub runs: u64,
    /// Their share of all runs.
    pub probability: f64,
}

impl ArmiesFormed {
    /// The share of runs with at least `n` armies (from the counts of runs, so that every
    /// run is exactly 1).
    pub fn at_least(&self, n: u32) -> f64 {
        let total: u64 = self.distribution.iter().map(|c| c.runs).sum();
        let some: u64 = self.distribution.iter().filter(|c| c.armies >= n).map(|c| c.runs).sum();
        if total == 0 { 0.0 } else { some as f64 / total as f64 }
    }
}

/// Percentiles (5, 50, 95) of the days some runs have, `None` where no run has one.
fn day_percentiles(days: impl Iterator<Item = Option<u32>>) -> DayReached {
    let mut d: Vec<f64> = days.flatten().map(f64::from).collect();
    d.sort_unstable_by(f64::total_cmp);
    let q = |percent| (!d.is_empty()).then(|| percentile_sorted(&d, percent));
    DayReached { p5: q(5), p50: q(50), p95: q(95) }
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The scenario's name.
    pub name: String,
    /// The scenario's description, if any.
    pub description: Option<String>,
    /// The scenario file as named on the command line.
    pub file: String,
    /// SHA-256 of the scenario file's text.
    pub scenario_sha256: String,
    /// The program version that produced it.
    pub version: &'static str,
    /// The run of the program it belongs to (`pipeline::run_id`): equal in every output of
    /// one run, so files of different runs are never taken for one.
    pub run_id: String,
    /// Monte Carlo runs.
    pub runs: u32,
    /// Master seed.
    pub seed: u64,
    /// How uncertain inputs were sampled: `random` or `lhs`.
    pub sampling: crate::scenario::Sampling,
    /// The `--precision` asked for (half-width of the probability's 95% interval), if any.
    pub precision: Option<f64>,
    /// Whether `precision` was reached before `--max-runs` (`null` without `--precision`).
    pub precision_reached: Option<bool>,
    /// Day 0.
    pub start: Date,
    /// Days simulated.
    pub days: u32,
    /// The last simulated day.
    pub end: Date,
    /// `deployed` at the end of the last day.
    pub deployed_end: Band,
    /// `formation` at the end of the last day.
    pub formation_end: Band,
    /// `strength` (deployed + formation) at the end of the last day.
    pub total_end: Band,
    /// Combat casualties over the horizon.
    pub casualties_total: Band,
    /// People signed up over the horizon (mobilized: those who reported).
    pub recruited_total: Band,
    /// The goal's answer; `None` (JSON `null`) without `[goal]`.
    pub new_army: Option<NewArmy>,
    /// Each `[[mobilization]]` wave, in file order: whether and when it started.
    pub mobilization: Vec<WaveSummary>,
    /// Strength by source at the end (the initial force, each stream, each wave).
    pub composition_end: Vec<SourceEnd>,
    /// Pay and signing bonuses; `None` (JSON `null`) without `[cost]`.
    pub cost_total: Option<Band>,
    /// The currency of `cost_total`.
    pub currency: Option<String>,
    /// How well the bands cover the `[observed]` series; `None` without `[observed]`.
    pub observed: Option<ObservedCoverage>,
}

impl Summary {
    /// The date of a day percentile (days from `start`, rounded to the nearest day).
    pub fn date_of_day(&self, day: f64) -> Date {
        self.start.add_days(day.round() as i64)
    }

    /// Summarises the runs of `scenario`.
    pub fn new(scenario: &Scenario, results: &Results) -> Summary {
        let ends = |f: fn(&crate::engine::RunOutcome) -> u64| {
            let mut v: Vec<u64> = results.outcomes.iter().map(f).collect();
            Band::of_counts(&mut v)
        };
        let new_army = scenario.goal().map(|g| {
            let outcomes = &results.outcomes;
            let [probability, lo, hi] = goal_probability(outcomes);
            let runs = outcomes.len() as u64;
            let at_deadline = outcomes.iter().filter(|o| o.armies.at_deadline).count() as u64;
            let (dlo, dhi) = wilson_interval(at_deadline, runs, Z95);
            let mut counts: Vec<u64> = outcomes.iter().map(|o| u64::from(o.armies.by_deadline)).collect();
            let largest = counts.iter().copied().max().unwrap_or(0);
            let distribution = (0..=largest)
                .map(|k| {
                    let with_k = counts.iter().filter(|&&c| c == k).count() as u64;
                    ArmyCount { armies: k as u32, runs: with_k, probability: with_k as f64 / runs as f64 }
                })
                .collect();
            NewArmy {
                size: g.new_army().to_json(),
                by: g.by(),
                deploy: g.deploy(),
                probability,
                probability_ci95: [lo, hi],
                probability_at_deadline: at_deadline as f64 / runs as f64,
                probability_at_deadline_ci95: [dlo, dhi],
                day_reached: day_percentiles(outcomes.iter().map(|o| o.day_reached)),
                armies_formed: ArmiesFormed { band: Band::of_counts(&mut counts), distribution },
                first_formed: day_percentiles(outcomes.iter().map(|o| o.armies.first)),
                second_formed: day_percentiles(outcomes.iter().map(|o| o.armies.second)),
            }
        });
        let cost_total = scenario.cost().map(|_| {
            let mut v: Vec<f64> = results.outcomes.iter().map(|o| o.cost).collect();
            Band::of_reals(&mut v)
        });
        let mobilization = scenario
            .mobilization
            .iter()
            .enumerate()
            .map(|(w, m)| {
                let starts = || (0..results.outcomes.len()).map(|i| results.waves_started(i)[w]);
                let started = starts().filter(Option::is_some).count();
                WaveSummary {
                    name: m.name().to_string(),
                    triggered: Triggered {
                        probability: started as f64 / results.outcomes.len().max(1) as f64,
                        day: day_percentiles(starts()),
                    },
                }
            })
            .collect();
        Summary {
            name: scenario.name().to_string(),
            description: scenario.description().map(str::to_string),
            file: scenario.file().to_string(),
            scenario_sha256: scenario.sha256().to_string(),
            version: env!("CARGO_PKG_VERSION"),
            run_id: String::new(),
            runs: results.runs,
            seed: scenario.seed(),
            sampling: scenario.sampling(),
            precision: None,
            precision_reached: None,
            start: scenario.start(),
            days: results.days,
            end: scenario.start().add_days(i64::from(results.days) - 1),
            deployed_end: ends(|o| o.end.deployed),
            formation_end: ends(|o| o.end.formation),
            total_end: ends(|o| o.end.strength),
            casualties_total: ends(|o| o.end.casualties),
            recruited_total: ends(|o| o.end.recruited),
            new_army,
            mobilization,
            composition_end: composition_end(scenario, results),
            cost_total,
            currency: scenario.cost().map(|c| c.currency().to_string()),
            observed: None,
        }
    }

    /// Adds the coverage of the scenario's `[observed]` series by these daily bands.
    pub fn add_observed(&mut self, scenario: &Scenario, results: &Results, bands: &[[Band; SERIES.len()]]) {
        let o = scenario.observed();
        if o.casualties.is_none() && o.recruited.is_none() && o.points.is_empty() {
            return;
        }
        let points =
            |key: &str| o.points.iter().find(|p| p.key == key).map(|p| point_coverage(p, scenario.start(), results));
        self.observed = Some(ObservedCoverage {
            casualties: o.casualties.as_deref().and_then(|v| coverage(v, bands, series::CASUALTIES)),
            recruited: o.recruited.as_deref().and_then(|v| coverage(v, bands, series::RECRUITED)),
            strength: points("strength"),
            deployed: points("deployed"),
            formation: points("formation"),
        });
    }
}

/// The band of every series on every day: `[day][series]`, series in [`SERIES`] order,
/// from the streamed per-day sketches (each percentile within (max − min)/2047 of the exact
/// one; see [`crate::sketch`]).
pub fn daily_bands(results: &Results) -> Vec<[Band; SERIES.len()]> {
    results.daily.bands()
}

/// The band of strength by source on every day: `[day][source]`, sources in
/// [`Scenario::sources`] order (percentiles as in [`daily_bands`]).
pub fn source_bands(results: &Results) -> Vec<Vec<Band>> {
    results.daily.source_bands()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_percentiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15, 1.75, 2.5, 3.25, 3.85
        let mut v = vec![4u64, 1, 3, 2];
        let b = Band::of_counts(&mut v);
        let want = [1.15, 1.75, 2.5, 3.25, 3.85];
        for (got, want) in b.percentiles().iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert_eq!(b.mean, 2.5);
        // s = √(5/3) for 1, 2, 3, 4; se = s/2.
        assert!((b.se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
        assert_eq!(percentile_sorted(&[7.0], 95), 7.0);
        // 10,000 values: p95 sits at h = 9,499.05, exactly a twentieth past x₉₄₉₉.
        let v: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 4.0).collect();
        assert_eq!(percentile_sorted(&v, 95).to_string(), "37996.2");
    }

    #[test]
    fn wilson_interval_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 → 0.2553–0.3662;
        // 0/10 → 0–0.2775; 10/10 → 0.7225–1.
        let (lo, hi) = wilson_interval(81, 263, Z95);
        assert!((lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5, "{lo} {hi}");
        let (lo, hi) = wilson_interval(0, 10, Z95);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 5e-5, "{lo} {hi}");
        let (lo, hi) = wilson_interval(10, 10, Z95);
        assert!((lo - 0.7225).abs() < 5e-5 && hi == 1.0, "{lo} {hi}");
    }

    #[test]
    fn paired_differences() {
        let a = [true, true, false, false];
        assert_eq!(paired_difference(&a, &a), (0.0, 0.0, 0.0));
        let b = [true, true, true, false];
        let (d, lo, hi) = paired_difference(&a, &b);
        // d = (0, 0, 1, 0): mean 0.25, s = 0.5, se = 0.25.
        assert_eq!(d, 0.25);
        assert!((lo - (0.25 - Z95 * 0.25)).abs() < 1e-15 && (hi - (0.25 + Z95 * 0.25)).abs() < 1e-15);
    }

    #[test]
    fn bands_of_equal_values_are_exact() {
        let mut v = vec![100_000u64; 201];
        let b = Band::of_counts(&mut v);
        assert!(b.percentiles().iter().all(|&x| x == 100_000.0));
        assert_eq!(b.mean, 100_000.0);
    }
}
