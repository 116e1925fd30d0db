//! The simulation: many runs of MODEL.md's day, in parallel and reproducibly.
//!
//! Each run takes its input values from a [`Design`] (one draw per uncertain input, at the
//! run's start), then steps through the days, each flow drawing its daily noise from a
//! stream of its own ([`crate::random::named_stream`]). Every stream depends only on the seed,
//! the run index and a name, so results are identical on any number of threads.
//! The threads stream their runs' daily values into one set of integer histograms
//! ([`crate::sketch::SharedDailyStats`]), added to exactly in any order, and write each
//! run's outcome into that run's slot; no floating-point sum is ever reduced across threads.

mod composition;
mod run;
pub mod sampling;
mod ziggurat;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use multiversion::multiversion;
use rayon::prelude::*;

use crate::inputs::Design;
pub use crate::ledger::{Ledger, RunOutcome, SERIES, series};
use crate::scenario::Scenario;
use crate::sketch::{DailyStats, SharedDailyStats};
pub use run::Run;

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
    /// Every series on every day, and strength by source, streamed over the runs.
    pub daily: DailyStats,
    /// Per run, in run order.
    pub outcomes: Vec<RunOutcome>,
    /// Per run, in run order, the day each mobilization wave first started (`None`: a
    /// trigger that never fired), one entry per wave ([`Results::waves_started`]).
    pub started: Vec<Option<u32>>,
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
    /// No runs yet, over `days` days, with `sources` sources.
    pub fn empty(days: u32, sources: usize) -> Self {
        Self { days, runs: 0, daily: DailyStats::new(days, sources), outcomes: Vec::new(), started: Vec::new() }
    }

    /// Appends `more`, whose runs follow these.
    pub fn absorb(&mut self, more: Results) {
        self.runs += more.runs;
        self.daily.merge(&more.daily);
        self.outcomes.extend(more.outcomes);
        self.started.extend(more.started);
    }

    /// The day each mobilization wave first started in run `i` (of these results), in the
    /// scenario's order.
    pub fn waves_started(&self, i: usize) -> &[Option<u32>] {
        let waves = self.started.len() / self.outcomes.len().max(1);
        &self.started[i * waves..(i + 1) * waves]
    }
}

/// Runs simulated by one task, whose daily values are then streamed into the worker's
/// sketches together: as many as fit a block of about 16 MiB at four bytes a value, from
/// 64 to 512. Each sketch's bins are out of cache when a task comes to it, so the more
/// values a visit brings, the fewer misses a value (256 rather than 64 halved the
/// sketches' time on the benchmark workload); the floor keeps long horizons' blocks small
/// enough. Results do not depend on it: sketches merge exactly.
const fn runs_per_task(days: u32, width: usize) -> usize {
    const BLOCK_BYTES: usize = 16 << 20;
    let per_run = days as usize * width * 4;
    let fit = BLOCK_BYTES / if per_run == 0 { 1 } else { per_run };
    if fit < 64 {
        64
    } else if fit > 512 {
        512
    } else {
        fit
    }
}

/// Series recorded a day for `scenario`: the [`SERIES`], then strength by source.
pub fn recorded_series(scenario: &Scenario) -> usize {
    SERIES.len() + scenario.sources().len()
}

/// The memory one worker thread holds besides the shared daily statistics, for a scenario
/// of `days` days and `width` recorded series ([`recorded_series`]): the block of a task's
/// daily values (four bytes each), and one run's at eight bytes for a run that needs them.
pub const fn worker_bytes(days: u32, width: usize) -> u64 {
    days as u64 * width as u64 * (runs_per_task(days, width) as u64 * 4 + 8)
}

/// The most memory simulating `runs` runs of `scenario` holds with `threads` worker
/// threads: every run's outcome, each worker's block, the daily statistics the workers
/// share, and one more set (the merged statistics a batch of `--precision` adds to).
pub fn memory_bytes(scenario: &Scenario, runs: u64, threads: usize) -> u64 {
    let width = recorded_series(scenario);
    let per_task = runs_per_task(scenario.days, width) as u64;
    let workers = (threads as u64).min(runs.div_ceil(per_task)).max(1);
    runs * crate::limits::RUN_BYTES
        + 2 * DailyStats::max_bytes(scenario.days, width)
        + workers * scenario_worker_bytes(scenario)
}

/// [`worker_bytes`] for `scenario`.
pub fn scenario_worker_bytes(scenario: &Scenario) -> u64 {
    worker_bytes(scenario.days, recorded_series(scenario))
}

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
    let count = (runs.end - runs.start) as usize;
    simulate_indexed(scenario, count, &|i| runs.start + i as u64, values, progress)
}

/// Simulates the runs of the given indices (in that order, any indices: a selection such
/// as the runs a fit accepts), each with the input values `values` gives for its index,
/// exactly as a full run simulates them (the same streams, so common random numbers).
pub fn simulate_selected(
    scenario: &Scenario,
    runs: &[u64],
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
) -> Results {
    simulate_indexed(scenario, runs.len(), &|i| runs[i], values, progress)
}

/// The results of `count` runs, the `i`-th of index `run_at(i)`, with their statistics.
fn simulate_indexed(
    scenario: &Scenario,
    count: usize,
    run_at: &(dyn Fn(usize) -> u64 + Sync),
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
) -> Results {
    let (daily, outcomes, started) = run_parallel(scenario, count, run_at, values, progress, true);
    let daily = daily.unwrap_or_else(|| DailyStats::new(scenario.days, scenario.sources().len()));
    Results { days: scenario.days, runs: count as u32, daily, outcomes, started }
}

/// Folds every day of each run of `runs` into a value of its own, in parallel: `start(values)`
/// from the run's input values, then `fold(acc, day, ledger)` at the end of each day (after
/// step 6, before the army step). The values come back in run order; nothing else is kept,
/// so memory is one value a run.
pub fn fold_runs<A: Send>(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    start: &(dyn Fn(&[f64]) -> A + Sync),
    fold: &(dyn Fn(&mut A, u32, &Ledger) + Sync),
    progress: Option<&AtomicU64>,
) -> Vec<A> {
    let side_by_side = SIDE_BY_SIDE as u64;
    let groups = (runs.end - runs.start).div_ceil(side_by_side);
    (0..groups)
        .into_par_iter()
        .flat_map_iter(|group| {
            let first = runs.start + group * side_by_side;
            let accs = fold_side_by_side(scenario, first..(first + side_by_side).min(runs.end), values, start, fold);
            if let Some(p) = progress {
                p.fetch_add(accs.len() as u64, Ordering::Relaxed);
            }
            accs
        })
        .collect()
}

/// [`fold_runs`] for a few runs stepped side by side ([`Run::step_all`]), compiled like
/// [`simulate_task`] for baseline x86-64 and x86-64-v3 and chosen at run time.
#[multiversion(targets("x86_64+avx+avx2+bmi1+bmi2+fma+lzcnt+movbe+popcnt"))]
fn fold_side_by_side<A>(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    start: &(dyn Fn(&[f64]) -> A + Sync),
    fold: &(dyn Fn(&mut A, u32, &Ledger) + Sync),
) -> Vec<A> {
    let inputs: Vec<Vec<f64>> = runs.clone().map(values).collect();
    let mut accs: Vec<A> = inputs.iter().map(|v| start(v)).collect();
    let mut states: Vec<Run> = runs.zip(&inputs).map(|(run, v)| Run::new(scenario, run, v)).collect();
    run_days_all(&mut states, |j, day, r| fold(&mut accs[j], day, r.ledger()));
    accs
}

/// The outcomes of runs `runs`, as [`simulate_runs`] gives them, without the per-day
/// statistics (for analyses that look only at where runs end).
pub fn simulate_outcomes(
    scenario: &Scenario,
    runs: std::ops::Range<u64>,
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
) -> Vec<RunOutcome> {
    let count = (runs.end - runs.start) as usize;
    run_parallel(scenario, count, &|i| runs.start + i as u64, values, progress, false).1
}

/// One worker per thread takes tasks of consecutive runs ([`Tasks::take`]: at most
/// [`runs_per_task`]) until none are left, and adds each task's daily values (if `daily`)
/// to one set of statistics all workers share ([`SharedDailyStats`]). Sketches hold
/// integers, so the statistics are the same however the runs were shared out; memory is
/// that one set, a block of a task's values per thread, and the outcomes.
fn run_parallel(
    scenario: &Scenario,
    count: usize,
    run_at: &(dyn Fn(usize) -> u64 + Sync),
    values: &(dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&AtomicU64>,
    daily: bool,
) -> (Option<DailyStats>, Vec<RunOutcome>, Vec<Option<u32>>) {
    let waves = scenario.mobilization.len();
    let mut outcomes = vec![RunOutcome::default(); count];
    let mut started = vec![None; count * waves];
    let (sources, width) = (scenario.sources().len(), recorded_series(scenario));
    let per_task = runs_per_task(scenario.days, width);
    let workers = rayon::current_num_threads().min(count.div_ceil(per_task));
    let tasks = Mutex::new(Tasks { next: 0, outcomes: &mut outcomes, started: &mut started, waves, workers, per_task });
    let shared = daily.then(|| SharedDailyStats::new(scenario.days, sources));
    (0..workers).into_par_iter().for_each(|worker| {
        // A task's daily values, `[run in task][day][series]`: each run writes its own
        // contiguous stretch, and the shared statistics then take each day's values together.
        // Four bytes a value, so that a block holds twice the runs ([`simulate_task`]).
        let cells = if daily { scenario.days as usize * width } else { 0 };
        let mut block = vec![0u32; cells * per_task];
        let mut wide = Vec::new();
        // Workers start adding at spans of days far apart.
        let start = shared.as_ref().map_or(0, |s| worker * s.spans() / workers);
        let context = TaskContext { scenario, run_at, values, progress, shared: shared.as_ref(), start };
        loop {
            let Some(task) = tasks.lock().expect("no worker panics").take() else { break };
            simulate_task(&context, task, &mut block, &mut wide);
        }
    });
    let merged = shared.map(SharedDailyStats::into_stats);
    (merged, outcomes, started)
}

/// What every task of [`run_parallel`] shares: the scenario, the runs' indices and input
/// values, the progress counter, and the statistics the workers add to (`None`: outcomes
/// only), with the span of days this worker starts adding at.
struct TaskContext<'a> {
    scenario: &'a Scenario,
    run_at: &'a (dyn Fn(usize) -> u64 + Sync),
    values: &'a (dyn Fn(u64) -> Vec<f64> + Sync),
    progress: Option<&'a AtomicU64>,
    shared: Option<&'a SharedDailyStats>,
    start: usize,
}

/// Simulates a task's runs into their slots, [`SIDE_BY_SIDE`] at a time, their daily
/// values into `block` (four bytes each, `[run][day][series]`), and then adds the block to
/// the shared statistics. A run with a value of 2³² or more (4 billion people) is
/// simulated again into `wide` and added alone.
///
/// Compiled twice, for baseline x86-64 and for x86-64-v3 (AVX2, FMA, BMI), and chosen
/// when the program runs by what the processor has (`multiversion`): the day's loops and
/// samplers are inlined into it, so they get the wider instructions where they exist. The
/// results are the same bits: Rust never fuses a multiplication and an addition unless
/// asked, and every other operation is IEEE-exact.
#[multiversion(targets("x86_64+avx+avx2+bmi1+bmi2+fma+lzcnt+movbe+popcnt"))]
fn simulate_task(context: &TaskContext<'_>, task: Task<'_>, block: &mut [u32], wide: &mut Vec<u64>) {
    let TaskContext { scenario, run_at, values, progress, shared, start } = *context;
    let Task { first, slots, starts } = task;
    let waves = scenario.mobilization.len();
    let width = recorded_series(scenario);
    let daily = shared.is_some();
    let days = scenario.days as usize;
    let cells = if daily { days * width } else { 0 };
    // Runs in the block so far.
    let mut kept = 0;
    for (group, slots) in slots.chunks_mut(SIDE_BY_SIDE).enumerate() {
        let at_run = |j: usize| run_at(first + group * SIDE_BY_SIDE + j);
        let inputs: Vec<Vec<f64>> = (0..slots.len()).map(|j| values(at_run(j))).collect();
        let mut runs: Vec<Run> = inputs.iter().enumerate().map(|(j, v)| Run::new(scenario, at_run(j), v)).collect();
        // The `j`-th run's values go to the block's run `kept + j`, every value or-ed into `high[j]`.
        let mut high = [0u64; SIDE_BY_SIDE];
        run_days_all(&mut runs, |j, day, r| {
            if daily {
                let at = ((kept + j) * days + day as usize) * width;
                let (ledger, sources) = block[at..at + width].split_at_mut(SERIES.len());
                high[j] |= narrow(ledger, &r.ledger().series()) | narrow(sources, r.composition());
            }
        });
        let group_kept = kept;
        for (j, ((state, slot), inputs)) in runs.into_iter().zip(slots.iter_mut()).zip(&inputs).enumerate() {
            let i = group * SIDE_BY_SIDE + j;
            if high[j] >> 32 == 0 {
                // Closing up behind a run of this group simulated again at eight bytes.
                if kept != group_kept + j {
                    block.copy_within((group_kept + j) * cells..(group_kept + j + 1) * cells, kept * cells);
                }
                kept += 1;
            } else if let Some(stats) = shared {
                wide.resize(cells, 0u64);
                run_days(Run::new(scenario, at_run(j), inputs), |day, r| {
                    let at = day as usize * width;
                    let (ledger, sources) = wide[at..at + width].split_at_mut(SERIES.len());
                    ledger.copy_from_slice(&r.ledger().series());
                    sources.copy_from_slice(r.composition());
                });
                stats.record_block(wide, start);
            }
            for (start, day) in starts[i * waves..(i + 1) * waves].iter_mut().zip(state.waves_started()) {
                *start = day;
            }
            *slot = state.outcome();
            if let Some(p) = progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    if let Some(stats) = shared {
        stats.record_block(&block[..kept * cells], start);
    }
}

/// Writes `values` into `cells` as four-byte values; returns every value or-ed together,
/// whose high half shows whether any did not fit.
#[inline(always)]
fn narrow(cells: &mut [u32], values: &[u64]) -> u64 {
    let values = &values[..cells.len()];
    let mut all = 0;
    for (cell, &v) in cells.iter_mut().zip(values) {
        *cell = v as u32;
        all |= v;
    }
    all
}

/// The runs not yet taken by a worker of [`run_parallel`], with their outcomes' slots and
/// their waves' start days.
struct Tasks<'a> {
    /// The first run not yet taken (its position among the runs simulated).
    next: usize,
    outcomes: &'a mut [RunOutcome],
    started: &'a mut [Option<u32>],
    waves: usize,
    workers: usize,
    /// The most runs a task takes ([`runs_per_task`]).
    per_task: usize,
}

impl<'a> Tasks<'a> {
    /// The fewest runs a task takes (unless fewer are left).
    const MIN_RUNS: usize = 16;

    /// The next task. Tasks are [`runs_per_task`] runs long until the runs left would give
    /// each worker fewer than two, then shrink with what is left: ⌈left / 2·workers⌉, at
    /// least [`Tasks::MIN_RUNS`] (guided self-scheduling, Polychronopoulos & Kuck, *IEEE
    /// Trans. Computers* C-36, 1987, with half its ⌈left / workers⌉), so that workers
    /// finish together rather than one waiting through another's last full task. Results
    /// do not depend on it.
    fn take(&mut self) -> Option<Task<'a>> {
        let left = self.outcomes.len();
        if left == 0 {
            return None;
        }
        let runs = left.div_ceil(2 * self.workers).max(Self::MIN_RUNS).min(self.per_task).min(left);
        let (slots, rest) = std::mem::take(&mut self.outcomes).split_at_mut(runs);
        self.outcomes = rest;
        let (starts, rest) = std::mem::take(&mut self.started).split_at_mut(runs * self.waves);
        self.started = rest;
        let first = self.next;
        self.next += runs;
        Some(Task { first, slots, starts })
    }
}

/// Consecutive runs for one worker: the first's position among the runs simulated, their
/// outcomes' slots, and their waves' start days (runs × waves).
struct Task<'a> {
    first: usize,
    slots: &'a mut [RunOutcome],
    starts: &'a mut [Option<u32>],
}

/// Runs one run, calling `record(day, ledger)` at the end of every day (step 6); see
/// [`Run`] for the day and how term expiries follow cohorts.
pub fn simulate_run(scenario: &Scenario, run: u64, mut record: impl FnMut(u32, &Ledger)) -> RunOutcome {
    simulate_run_inspecting(scenario, run, |day, r| record(day, r.ledger()))
}

/// Runs one run, calling `inspect(day, run)` at the end of every day (after step 6, before
/// the army step), where [`Run::ledger`] and [`Run::composition`] show its state.
pub fn simulate_run_inspecting(scenario: &Scenario, run: u64, inspect: impl FnMut(u32, &Run<'_>)) -> RunOutcome {
    let design = Design::new(scenario, 0..u64::from(scenario.runs).max(run + 1));
    run_days(Run::new(scenario, run, &design.values(run)), inspect).outcome()
}

/// Runs one run with the given input values (one per [`Scenario::inputs`], as from
/// [`Design::values`]), calling `record(day, ledger)` at the end of every day.
pub fn simulate_run_with(
    scenario: &Scenario,
    run: u64,
    values: &[f64],
    mut record: impl FnMut(u32, &Ledger),
) -> RunOutcome {
    run_days(Run::new(scenario, run, values), |day, r| record(day, r.ledger())).outcome()
}

/// Steps `state` through every day of its scenario, calling `record(day, run)` at the
/// end of each (after step 6, before the army step), and returns it after the last.
#[inline(always)]
fn run_days<'s>(state: Run<'s>, mut record: impl FnMut(u32, &Run<'s>)) -> Run<'s> {
    let mut runs = [state];
    run_days_all(&mut runs, |_, day, run| record(day, run));
    let [state] = runs;
    state
}

/// Runs stepped side by side by [`simulate_task`] ([`Run::step_all`]).
const SIDE_BY_SIDE: usize = 2;

/// Steps `runs` (of one scenario) through every day together ([`Run::step_all`]), calling
/// `record(j, day, run)` for the `j`-th at the end of each day (after step 6, before the
/// army step).
#[inline(always)]
fn run_days_all<'s>(runs: &mut [Run<'s>], mut record: impl FnMut(usize, u32, &Run<'s>)) {
    let days = runs.first().map_or(0, Run::days);
    for t in 0..days {
        Run::step_all(runs, t as usize);
        for (j, run) in runs.iter_mut().enumerate() {
            record(j, t, run);
            run.end_day(t as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_cover_every_run_once_in_order_and_shrink_at_the_end() {
        for (count, waves, workers, per_task) in [(10_000, 2, 2, 256), (300, 1, 3, 64), (17, 0, 4, 64), (1, 3, 1, 256)]
        {
            let mut outcomes = vec![RunOutcome::default(); count];
            let mut started = vec![None; count * waves];
            let mut tasks = Tasks { next: 0, outcomes: &mut outcomes, started: &mut started, waves, workers, per_task };
            let mut sizes = Vec::new();
            while let Some(task) = tasks.take() {
                assert_eq!(task.first, sizes.iter().sum::<usize>(), "tasks follow one another");
                assert_eq!(task.starts.len(), task.slots.len() * waves);
                sizes.push(task.slots.len());
            }
            assert_eq!(sizes.iter().sum::<usize>(), count, "{count} runs: {sizes:?}");
            assert!(sizes.iter().all(|&n| n <= per_task && n > 0), "{sizes:?}");
            // Tasks end small, only the last may be shorter than the floor, and none grows.
            let (last, rest) = sizes.split_last().expect("a task");
            assert!(*last <= Tasks::MIN_RUNS || count <= Tasks::MIN_RUNS, "{sizes:?}");
            assert!(rest.iter().all(|&n| n >= Tasks::MIN_RUNS), "{sizes:?}");
            assert!(sizes.windows(2).all(|w| w[1] <= w[0]), "{sizes:?}");
        }
    }
}
