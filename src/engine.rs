//! The simulation: many runs of MODEL.md's day, in parallel and reproducibly.
//!
//! Each run takes its input values from a [`Design`] (one draw per uncertain input, at the
//! run's start), then steps through the days, each flow drawing its daily noise from a
//! stream of its own ([`sampling::named_stream`]). Every stream depends only on the seed,
//! the run index and a name, so results are identical on any number of threads.
//! Each thread streams its runs' daily values into integer histograms of its own
//! ([`crate::sketch`]), merged by exact addition, and writes each run's outcome into that
//! run's slot; no floating-point sum is ever reduced across threads.

pub mod sampling;
mod ziggurat;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::delay::{DelayKernel, DelayLine};
use crate::inputs::Design;
pub use crate::ledger::{Ledger, RunOutcome, SERIES, series};
use crate::limits::MAX_COUNT;
use crate::random::{StreamRng, named_stream};
use crate::scenario::{AttritionRate, InputId, Intake, Scenario};
use crate::sketch::DailyStats;
use sampling::{DailyCount, binomial, poisson};
use ziggurat::standard_normal;

/// Days in the year over which an `annual_rate` applies.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Days in the month over which `monthly_pay` is paid (365 / 12).
pub const DAYS_PER_MONTH: f64 = DAYS_PER_YEAR / 12.0;

/// All runs of a scenario.
#[derive(Clone, Debug)]
pub struct Results {
    /// Days simulated.
    pub days: u32,
    /// Runs simulated.
    pub runs: u32,
    /// Every series on every day, streamed over the runs.
    pub daily: DailyStats,
    /// Per run, in run order.
    pub outcomes: Vec<RunOutcome>,
}

/// Runs added at a time by [`simulate_until`]: fixed, so the runs simulated, and so the
/// results, do not depend on the machine or the number of threads.
pub const BATCH_RUNS: u32 = 1000;

/// Simulates the scenario's runs, then further batches of [`BATCH_RUNS`] (each with its
/// own design over its run indices), until `enough` holds for the runs so far or
/// `max_runs` are done. With random sampling the result equals one run of as many runs.
pub fn simulate_until(
    scenario: &Scenario,
    max_runs: u32,
    enough: impl Fn(&Results) -> bool,
    progress: Option<&AtomicU64>,
) -> Results {
    let mut results = simulate(scenario, progress);
    while !enough(&results) && results.runs < max_runs {
        let start = u64::from(results.runs);
        let runs = start..start + u64::from(BATCH_RUNS.min(max_runs - results.runs));
        let design = Design::new(scenario, runs.clone());
        let more = simulate_runs(scenario, runs, &|run| design.values(run), progress);
        results.absorb(more);
    }
    results
}

impl Results {
    /// No runs yet, over `days` days.
    pub fn empty(days: u32) -> Self {
        Self { days, runs: 0, daily: DailyStats::new(days), outcomes: Vec::new() }
    }

    /// Appends `more`, whose runs follow these.
    pub fn absorb(&mut self, more: Results) {
        self.runs += more.runs;
        self.daily.merge(&more.daily);
        self.outcomes.extend(more.outcomes);
    }
}

/// Runs simulated by one task: their daily values are streamed into the task's sketches.
const RUNS_PER_TASK: usize = 64;

/// Simulates every run of `scenario`, in parallel. `progress`, if given, is incremented
/// once per finished run.
pub fn simulate(scenario: &Scenario, progress: Option<&AtomicU64>) -> Results {
    let runs = 0..u64::from(scenario.runs);
    let design = Design::new(scenario, runs.clone());
    simulate_runs(scenario, runs, &|run| design.values(run), progress)
}

/// Simulates runs `runs` of `scenario` in parallel, each with the input values `values`
/// gives for its index; the results hold the runs in order.
pub fn simulate_runs(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
) -> Results {
    let count = (runs.end - runs.start) as u32;
    let (daily, outcomes) = run_parallel(scenario, runs, values, progress, true);
    let daily = daily.unwrap_or_else(|| DailyStats::new(scenario.days));
    Results { days: scenario.days, runs: count, daily, outcomes }
}

/// The outcomes of runs `runs`, as [`simulate_runs`] gives them, without the per-day
/// statistics (for analyses that look only at where runs end).
pub fn simulate_outcomes(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
) -> Vec<RunOutcome> {
    run_parallel(scenario, runs, values, progress, false).1
}

/// One worker per thread, each with sketches of its own (if `daily`), takes tasks of
/// [`RUNS_PER_TASK`] consecutive runs until none are left. Sketches hold integers, so
/// merging them gives the same statistics however the runs were shared out; memory is one
/// set of sketches per thread plus the outcomes.
fn run_parallel(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
    daily: bool,
) -> (Option<DailyStats>, Vec<RunOutcome>) {
    let count = (runs.end - runs.start) as usize;
    let mut outcomes = vec![RunOutcome { end: Ledger::default(), day_reached: None, cost: 0.0 }; count];
    let tasks = outcomes.chunks_mut(RUNS_PER_TASK);
    let workers = rayon::current_num_threads().min(tasks.len());
    let tasks = Mutex::new(tasks.enumerate());
    let sketches: Vec<Option<DailyStats>> = (0..workers)
        .into_par_iter()
        .map(|_| {
            let mut stats = daily.then(|| DailyStats::new(scenario.days));
            // A task's daily values, `[day][series][run in task]`: the sketches then take
            // each day's values together, while that day's bins are in cache.
            let cells = if daily { scenario.days as usize * SERIES.len() } else { 0 };
            let mut block = vec![0u64; cells * RUNS_PER_TASK];
            loop {
                let Some((task, slots)) = tasks.lock().expect("no worker panics").next() else { break };
                for (i, slot) in slots.iter_mut().enumerate() {
                    let run = runs.start + (task * RUNS_PER_TASK + i) as u64;
                    *slot = simulate_run_with(scenario, run, &values(run), |day, l| {
                        if daily {
                            let at = day as usize * SERIES.len() * RUNS_PER_TASK + i;
                            for (series, v) in l.series().into_iter().enumerate() {
                                block[at + series * RUNS_PER_TASK] = v;
                            }
                        }
                    });
                    if let Some(p) = progress {
                        p.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if let Some(stats) = stats.as_mut() {
                    stats.record_block(&block, RUNS_PER_TASK, slots.len());
                }
            }
            stats
        })
        .collect();
    let merged = sketches.into_iter().flatten().reduce(|mut all, more| {
        all.merge(&more);
        all
    });
    (merged, outcomes)
}

/// A rate schedule with its values drawn for one run, read day by day in order.
struct StepRate {
    steps: Vec<(i64, f64)>,
    next: usize,
    current: f64,
}

impl StepRate {
    fn new(schedule: &crate::scenario::Schedule, values: &[f64]) -> Self {
        let steps = schedule.steps.iter().map(|(day, id)| (*day, values[id.index()])).collect();
        Self { steps, next: 0, current: 0.0 }
    }

    /// The rate on `day`; days must be asked for in increasing order.
    fn at(&mut self, day: i64) -> f64 {
        while self.next < self.steps.len() && self.steps[self.next].0 <= day {
            self.current = self.steps[self.next].1;
            self.next += 1;
        }
        self.current
    }
}

/// A drifting rate's multiplier exp(x_t − sd²/2), with x a stationary AR(1) process:
/// x_0 ~ N(0, sd²), x_{t+1} = φ x_t + sd √(1 − φ²) ε_t, φ = exp(−1/days), so every x_t
/// has variance sd², lag-h correlation φ^h, and the multiplier has mean 1.
struct DriftState {
    sd: f64,
    phi: f64,
    innovation: f64,
    x: f64,
    rng: StreamRng,
}

impl DriftState {
    fn new(sd: f64, days: f64, mut rng: StreamRng) -> Self {
        let phi = libm::exp(-1.0 / days);
        let x = sd * standard_normal(&mut rng);
        Self { sd, phi, innovation: sd * (1.0 - phi * phi).sqrt(), x, rng }
    }

    /// Today's multiplier; then one step forward.
    fn next(&mut self) -> f64 {
        let multiplier = libm::exp(self.x - self.sd * self.sd / 2.0);
        self.x = self.phi * self.x + self.innovation * standard_normal(&mut self.rng);
        multiplier
    }
}

enum IntakeDraw {
    Rate { daily: StepRate, count: DailyCount, drift: Option<DriftState> },
    Pool { remaining: u64, uptake: f64 },
}

/// A source of recruits, recruitment stream or mobilization wave, in one run.
struct Pipeline {
    /// People in training, arriving over the training delay.
    training: DelayLine,
    term_days: Option<u32>,
    renewal: f64,
    /// Per day: arrivals and renewals whose term starts that day (only with a term).
    arrived: Vec<u64>,
    renewed: Vec<u64>,
    /// The flow's daily noise.
    rng: StreamRng,
}

impl Pipeline {
    fn new(training: &DelayKernel, term_days: Option<u32>, renewal: f64, days: usize, rng: StreamRng) -> Self {
        let term_len = if term_days.is_some() { days } else { 0 };
        Self {
            training: DelayLine::new(training, days),
            term_days,
            renewal,
            arrived: vec![0; term_len],
            renewed: vec![0; term_len],
            rng,
        }
    }

    /// Puts `n` people signed up on `day` into training.
    fn enrol(&mut self, day: usize, n: u64) {
        self.training.enter(day, n);
    }
}

/// The force's realised survival S(t) = Π_{d ≤ t} (1 − lost_d / exposed_d), kept as a
/// running product: a multiplication a day and a division per ratio, where logarithms
/// would cost a `ln` a day and an `exp` per ratio. Whenever S falls below 2⁻⁵⁰⁰ it is
/// multiplied by 2⁵⁰⁰ (exact, a power of two) and its epoch counts up, so it never
/// underflows (every stored value lies in [2⁻⁵⁰⁰, 1]); a ratio spanning one epoch is
/// scaled back by 2⁻⁵⁰⁰, and one spanning more is at most 2⁻⁵⁰⁰, which rounds any cohort
/// to nobody.
struct Survival {
    /// S after each day, scaled by 2^(500·epoch).
    product: Vec<f64>,
    epoch: Vec<u32>,
}

impl Survival {
    /// 2⁵⁰⁰, built from its bits: exponent 500, mantissa 1.
    const RESCALE: f64 = f64::from_bits((1023 + 500) << 52);

    fn new(days: usize) -> Self {
        Self { product: vec![1.0; days], epoch: vec![0; days] }
    }

    /// Day `t`'s share of the exposed who survived. A day that takes everyone counts as
    /// 10⁻³⁰, not 0, so that later ratios stay defined; it still rounds any cohort to zero.
    fn record(&mut self, t: usize, survived: f64) {
        let (before, epoch) = if t > 0 { (self.product[t - 1], self.epoch[t - 1]) } else { (1.0, 0) };
        let now = before * survived.max(1e-30);
        (self.product[t], self.epoch[t]) =
            if now < 1.0 / Self::RESCALE { (now * Self::RESCALE, epoch + 1) } else { (now, epoch) };
    }

    /// S(t)/S(after): survival from the end of day `after` (None: from the start) to the
    /// end of day `t ≥ after`.
    fn ratio(&self, t: usize, after: Option<usize>) -> f64 {
        let (before, epoch) = after.map_or((1.0, 0), |a| (self.product[a], self.epoch[a]));
        match self.epoch[t] - epoch {
            0 => self.product[t] / before,
            1 => self.product[t] / before / Self::RESCALE,
            _ => 0.0,
        }
    }
}

/// The part of a cohort of `n` still serving at realised survival `share`.
fn surviving(n: u64, share: f64) -> u64 {
    // ⌊x + ½⌋ is round(x) for x ≥ 0, without a call into libm (baseline x86-64 has no
    // rounding instruction, and this runs twice per flow and day).
    ((n as f64 * share + 0.5) as u64).min(n)
}

/// Counts from a drawn size: rounded, never negative, at most [`MAX_COUNT`].
fn whole(x: f64) -> u64 {
    x.round().clamp(0.0, MAX_COUNT) as u64
}

/// Runs one run, calling `record(day, ledger)` at the end of every day (step 6).
///
/// The day follows MODEL.md: 1 intake, 2 arrivals, 3 combat casualties from `deployed`,
/// 4 non-combat hazards from `strength`, 5 term expiries, 6 record.
///
/// Term expiries follow each cohort's survivors without tracking individuals: everyone on
/// strength faces the same losses, so of a cohort of n that started its term on day a,
/// round(n · S(t)/S(a)) are still serving on day t, where S is the running product of the
/// force's *realised* daily survival (1 − lost/exposed). The randomness of the losses is
/// already in S; only which individuals of the force were hit (a hypergeometric split) is
/// left out. That is exact when the cohort is the whole force and unbiased otherwise; a
/// binomial draw on top of S would add noise twice and, clamped to strength, bias
/// expiries down.
pub fn simulate_run(scenario: &Scenario, run: u64, record: impl FnMut(u32, &Ledger)) -> RunOutcome {
    let design = Design::new(scenario, 0..u64::from(scenario.runs).max(run + 1));
    simulate_run_with(scenario, run, &design.values(run), record)
}

/// Runs one run with the given input values (one per [`Scenario::inputs`], as from
/// [`Design::values`]), calling `record(day, ledger)` at the end of every day.
pub fn simulate_run_with(
    scenario: &Scenario,
    run: u64,
    values: &[f64],
    mut record: impl FnMut(u32, &Ledger),
) -> RunOutcome {
    let s = scenario;
    let days = s.days as usize;
    let value = |id: InputId| values[id.index()];
    // Each flow draws its daily noise from a stream of its own (see `named_stream`).
    let noise = |flow: &str| named_stream(s.seed, run, &format!("noise:{flow}"));

    let initial = whole(value(s.force.initial));
    let target = s.force.target.map_or(initial, |t| whole(value(t)));
    let mut attrition = s.attrition.as_ref().map(|a| {
        let rate = match &a.rate {
            AttritionRate::Daily(sch) | AttritionRate::Per1000(sch) => StepRate::new(sch, values),
        };
        let count = DailyCount::new(a.dispersion.map(value));
        let mut split = a.split.map(value);
        let total: f64 = split.iter().sum();
        if total > 0.0 {
            split.iter_mut().for_each(|x| *x /= total);
        } else {
            split = [1.0, 0.0, 0.0];
        }
        let per_1000 = matches!(a.rate, AttritionRate::Per1000(_));
        let drift = a.drift.map(|d| DriftState::new(value(d.sd), value(d.days), noise("drift:attrition")));
        (rate, per_1000, count, split, value(a.return_to_duty), noise("attrition"), drift)
    });
    let mut losses: Vec<(f64, StreamRng)> = s
        .losses
        .iter()
        .enumerate()
        .map(|(i, l)| (1.0 - libm::pow(1.0 - value(l.annual_rate), 1.0 / DAYS_PER_YEAR), noise(&format!("loss[{i}]"))))
        .collect();
    let mut streams: Vec<(IntakeDraw, f64, Pipeline)> = s
        .recruitment
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let intake = match &r.intake {
                Intake::Rate { daily, dispersion, drift } => IntakeDraw::Rate {
                    daily: StepRate::new(daily, values),
                    count: DailyCount::new(dispersion.map(value)),
                    drift: drift.map(|d| {
                        DriftState::new(value(d.sd), value(d.days), noise(&format!("drift:recruitment[{i}]")))
                    }),
                },
                Intake::Pool { size, uptake } => {
                    IntakeDraw::Pool { remaining: whole(value(*size)), uptake: value(*uptake) }
                }
            };
            let bonus = r.signing_bonus.map_or(0.0, value);
            let rng = noise(&format!("recruitment[{i}]"));
            (intake, bonus, Pipeline::new(&r.training, r.term_days, value(r.renewal), days, rng))
        })
        .collect();
    let mut waves: Vec<(u64, f64, Pipeline)> = s
        .mobilization
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let rng = noise(&format!("mobilization[{i}]"));
            (whole(value(m.size)), value(m.compliance), Pipeline::new(&m.training, m.term_days, 0.0, days, rng))
        })
        .collect();
    let daily_pay = s.cost.as_ref().map_or(0.0, |c| value(c.monthly_pay) / DAYS_PER_MONTH);
    let new_army = s.goal.as_ref().map(|g| value(g.new_army));

    let mut l = Ledger { strength: initial, initial, ..Ledger::default() };
    let mut recovery = s.attrition.as_ref().map(|a| DelayLine::new(&a.recovery, days));
    // S after each day's losses (see above).
    let mut survival = Survival::new(days);
    let mut cost = 0.0;
    let mut day_reached = None;

    for t in 0..days {
        // 1. Intake.
        for (r, (intake, bonus, pipe)) in s.recruitment.iter().zip(streams.iter_mut()) {
            // A drift moves every day, in the window or not, so its level stays stationary.
            let multiplier = match intake {
                IntakeDraw::Rate { drift: Some(d), .. } => d.next(),
                _ => 1.0,
            };
            if t < r.first_day as usize || t > r.last_day as usize {
                continue;
            }
            let n = match intake {
                IntakeDraw::Rate { daily, count, .. } => count.sample(&mut pipe.rng, daily.at(t as i64) * multiplier),
                IntakeDraw::Pool { remaining, uptake } => {
                    let n = binomial(&mut pipe.rng, *remaining, *uptake);
                    *remaining -= n;
                    n
                }
            };
            l.recruited += n;
            l.training += n;
            cost += n as f64 * *bonus;
            pipe.enrol(t, n);
        }
        for (m, (size, compliance, pipe)) in s.mobilization.iter().zip(waves.iter_mut()) {
            let first = m.day as usize;
            if t < first || t >= first + m.callup_days as usize {
                continue;
            }
            // Spread evenly: day i of c calls floor(S(i+1)/c) − floor(S·i/c).
            let (i, c, size) = ((t - first) as u128, u128::from(m.callup_days), u128::from(*size));
            let called = (size * (i + 1) / c - size * i / c) as u64;
            let reported = binomial(&mut pipe.rng, called, *compliance);
            l.recruited += reported;
            l.training += reported;
            pipe.enrol(t, reported);
        }

        // 2. Arrivals.
        for pipe in streams.iter_mut().map(|s| &mut s.2).chain(waves.iter_mut().map(|w| &mut w.2)) {
            let n = pipe.training.arrivals(t);
            l.arrived += n;
            l.training -= n;
            l.strength += n;
            if pipe.term_days.is_some() {
                pipe.arrived[t] = n;
            }
        }
        let back = recovery.as_mut().map_or(0, |line| line.arrivals(t));
        l.returned += back;
        l.recovering -= back;
        l.strength += back;
        let exposed = l.strength;

        // 3. Combat casualties, from deployed only.
        let mut lost_today = 0;
        if let Some((rate, per_1000, daily_count, split, return_to_duty, rng, drift)) = attrition.as_mut() {
            let deployed = l.strength.min(target);
            let r = rate.at(t as i64) * drift.as_mut().map_or(1.0, DriftState::next);
            let mean = if *per_1000 { r * deployed as f64 / 1000.0 } else { r };
            // Poisson thinning: a Poisson(λ) total split multinomially has the law of
            // independent Poisson counts of λ times each share (Kingman, *Poisson
            // Processes*, 1993, §1.5), so killed, wounded who return, other wounded and
            // missing are drawn side by side rather than one after another.
            let lambda = daily_count.intensity(rng, mean);
            let [k, w, m] = *split;
            let mut killed = poisson(rng, lambda * k);
            let mut returning = poisson(rng, lambda * w * *return_to_duty);
            let mut wounded = returning + poisson(rng, lambda * w * (1.0 - *return_to_duty));
            let mut missing = poisson(rng, lambda * m);
            if killed + wounded + missing > deployed {
                // Never more than `deployed`: all of them, split by binomials.
                killed = binomial(rng, deployed, k);
                wounded = if w + m > 0.0 { binomial(rng, deployed - killed, w / (w + m)) } else { 0 };
                missing = deployed - killed - wounded;
                returning = binomial(rng, wounded, *return_to_duty);
            }
            let casualties = killed + wounded + missing;
            if let Some(line) = recovery.as_mut() {
                line.enter(t, returning);
            }
            l.killed += killed;
            l.wounded += wounded;
            l.missing += missing;
            l.recovering += returning;
            l.strength -= casualties;
            lost_today += casualties;
        }

        // 4. Non-combat losses, from strength.
        for (p, rng) in &mut losses {
            let n = binomial(rng, l.strength, *p);
            l.non_combat += n;
            l.strength -= n;
            lost_today += n;
        }
        survival.record(t, 1.0 - lost_today as f64 / exposed.max(1) as f64);

        // 5. Term expiries: survivors of the cohort whose term started `term` days ago.
        for pipe in streams.iter_mut().map(|s| &mut s.2).chain(waves.iter_mut().map(|w| &mut w.2)) {
            let Some(term) = pipe.term_days.map(|d| d as usize) else { continue };
            if t < term {
                continue;
            }
            let a = t - term;
            // Arrivals on day a faced day a's losses; renewals on day a did not.
            let survive_arrived = survival.ratio(t, a.checked_sub(1));
            let survive_renewed = survival.ratio(t, Some(a));
            let survivors = (surviving(pipe.arrived[a], survive_arrived) + surviving(pipe.renewed[a], survive_renewed))
                .min(l.strength);
            let renewing = binomial(&mut pipe.rng, survivors, pipe.renewal);
            let leaving = survivors - renewing;
            pipe.renewed[t] += renewing;
            l.expired += leaving;
            l.strength -= leaving;
        }

        // 6. Record.
        l.deployed = l.strength.min(target);
        l.formation = l.strength - l.deployed;
        debug_assert!(l.balances(), "people not conserved on day {t}: {l:?}");
        cost += daily_pay * (l.strength + l.training) as f64;
        if let (Some(size), Some(goal)) = (new_army, s.goal.as_ref())
            && day_reached.is_none()
            && t <= goal.by_day as usize
            && l.formation as f64 >= size
        {
            day_reached = Some(t as u32);
        }
        record(t as u32, &l);
    }
    RunOutcome { end: l, day_reached, cost }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_ratios_match_summed_logarithms_and_outlast_wipe_outs() {
        assert_eq!(Survival::RESCALE, 2f64.powi(500));
        // Ordinary days, then twelve days that each take everyone (S would fall to
        // 10⁻³⁶⁰, below what f64 holds), then ordinary days again.
        let share = |d: usize| if (100..112).contains(&d) { 0.0 } else { 1.0 - (d % 7) as f64 * 1e-3 };
        let days = 300;
        let mut survival = Survival::new(days);
        for t in 0..days {
            survival.record(t, share(t));
        }
        assert!(survival.product.iter().all(|p| (1.0 / Survival::RESCALE..=1.0).contains(p)));
        assert!(survival.epoch[days - 1] >= 2, "the wipe-outs must have rescaled S");
        let by_logs = |t: usize, after: Option<usize>| {
            let from = after.map_or(0, |a| a + 1);
            libm::exp((from..=t).map(|d| libm::log(share(d).max(1e-30))).sum::<f64>())
        };
        for (t, after) in [(0, None), (99, None), (99, Some(0)), (299, Some(112)), (250, Some(150)), (112, Some(111))] {
            let (got, want) = (survival.ratio(t, after), by_logs(t, after));
            assert!((got / want - 1.0).abs() < 1e-12, "S({t})/S({after:?}) = {got} vs {want}");
        }
        // Across a wipe-out nobody of even 10¹² people is left.
        for (t, after) in [(100, Some(99)), (150, Some(50)), (299, None), (111, Some(105))] {
            assert_eq!(surviving(1_000_000_000_000, survival.ratio(t, after)), 0, "S({t})/S({after:?})");
        }
    }
}
