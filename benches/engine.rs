//! Benchmarks on the project's benchmark workload, `benches/every-flow.toml` (every flow
//! of MODEL.md with uncertain inputs, 730 days): the pieces of one run-day (the count
//! samplers, a delay line, the sketches), one whole run (reported per run-day), 1,000
//! runs, and the whole scenario (10,000 runs with statistics, JSON and CSV).
//!
//! `cargo bench --bench engine`

use std::path::Path;

use divan::counter::ItemsCount;
use muster::delay::{DelayKernel, DelayLine};
use muster::distribution::{Domain, Form, Uncertain};
use muster::engine;
use muster::engine::sampling::{DailyCount, binomial, binomial_exact, poisson, poisson_exact};
use muster::output::{daily_csv, summary_json};
use muster::random::named_stream;
use muster::scenario::{Overrides, Scenario};
use muster::sketch::{DailyStats, QuantileSketch};
use muster::stats::{Summary, daily_bands, source_bands};

fn main() {
    divan::main();
}

fn every_flow(runs: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/every-flow.toml");
    Scenario::load(&path, Overrides { runs: Some(runs), ..Overrides::default() }).expect("benchmark scenario is valid")
}

/// The kernel of one run-day: one run of 730 days (all flows, uncertain inputs drawn),
/// with throughput counted in run-days.
#[divan::bench]
fn one_run(bencher: divan::Bencher) {
    let s = every_flow(1);
    let mut run = 0u64;
    bencher.counter(ItemsCount::new(s.days())).bench_local(|| {
        run += 1;
        engine::simulate_run(&s, run, |_, l| {
            divan::black_box(l);
        })
    });
}

/// The draws of a run-day of the benchmark, each at its typical size: killed, wounded
/// (drawn as its complement), returning, non-combat losses, foreign uptake, renewals of
/// contracts and of foreign recruits. All but the last have variance ≥ 20, so `binomial`
/// approximates them; the foreign recruits' renewals (variance about 17) it draws exactly,
/// on about 40% of the benchmark's run-days. `binomial_exact` is the exact sampler.
const BINOMIALS: [(u64, f64); 7] =
    [(800, 0.35), (520, 0.92), (480, 0.45), (420_000, 8.3e-5), (6_000_000, 2e-5), (1_100, 0.7), (80, 0.3)];

#[divan::bench(args = BINOMIALS)]
fn binomial_draw(bencher: divan::Bencher, (n, p): (u64, f64)) {
    let mut rng = named_stream(1, 0, "bench");
    bencher.bench_local(|| binomial(&mut rng, divan::black_box(n), p));
}

#[divan::bench(args = BINOMIALS)]
fn binomial_exact_draw(bencher: divan::Bencher, (n, p): (u64, f64)) {
    let mut rng = named_stream(1, 0, "bench");
    bencher.bench_local(|| binomial_exact(&mut rng, divan::black_box(n), p));
}

/// Poisson draws at the means of the benchmark's daily counts, approximated and exact.
#[divan::bench(args = [35.0, 600.0, 1_100.0])]
fn poisson_draw(bencher: divan::Bencher, lambda: f64) {
    let mut rng = named_stream(1, 0, "bench");
    bencher.bench_local(|| poisson(&mut rng, divan::black_box(lambda)));
}

#[divan::bench(args = [35.0, 600.0, 1_100.0])]
fn poisson_exact_draw(bencher: divan::Bencher, lambda: f64) {
    let mut rng = named_stream(1, 0, "bench");
    bencher.bench_local(|| poisson_exact(&mut rng, divan::black_box(lambda)));
}

/// A negative binomial daily count (mean 700, shape 40), as attrition draws it.
#[divan::bench]
fn negative_binomial_draw(bencher: divan::Bencher) {
    let mut rng = named_stream(1, 0, "bench");
    let count = DailyCount::new(Some(40.0));
    bencher.bench_local(|| count.sample(&mut rng, divan::black_box(700.0)));
}

/// A recovery line (14 to 120 days) fed every day: the arrivals of all 730 days,
/// counted per day.
#[divan::bench]
fn delay_line_days(bencher: divan::Bencher) {
    let recovery = Uncertain::new(Form::Triangular { min: 14.0, mode: 45.0, max: 120.0 }, Domain::NonNegative)
        .expect("a valid delay");
    let kernel = DelayKernel::new(&recovery, 730);
    bencher.counter(ItemsCount::new(730u32)).bench_local(|| {
        let mut line = DelayLine::new(&kernel, 730);
        let mut total = 0;
        for t in 0..730 {
            line.enter(t, 300);
            total += line.arrivals(t);
        }
        total
    });
}

/// One day's values of 64 runs into a sketch (as a worker adds them), counted per value.
#[divan::bench]
fn sketch_values(bencher: divan::Bencher) {
    let mut rng = named_stream(2, 0, "bench");
    let values: Vec<u64> = (0..64).map(|_| 400_000 + poisson(&mut rng, 50_000.0)).collect();
    bencher.counter(ItemsCount::new(values.len())).bench_local(|| {
        let mut sketch = QuantileSketch::default();
        sketch.insert_all(divan::black_box(&values));
        sketch
    });
}

/// One day's values of 512 runs that take few values (armies formed: 0 to 3), added to a
/// sketch that holds them already, counted per value.
#[divan::bench]
fn sketch_repeated_values(bencher: divan::Bencher) {
    let mut rng = named_stream(2, 0, "bench");
    let values: Vec<u64> = (0..512).map(|_| poisson(&mut rng, 1.2).min(3)).collect();
    let mut sketch = QuantileSketch::default();
    sketch.insert_all(&values);
    bencher.counter(ItemsCount::new(values.len())).bench_local(|| sketch.insert_all(divan::black_box(&values)));
}

/// A worker's block of 478 runs × 730 days × 12 series (the workload's task) added to
/// daily statistics that already hold 3,824 runs, so that, as in a simulation, each day's
/// bins are out of cache when the block comes to them; counted per value.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn daily_stats_block(bencher: divan::Bencher) {
    let (days, sources, runs) = (730u32, 5usize, 478usize);
    let mut stats = DailyStats::new(days, sources);
    let width = stats.width();
    let mut rng = named_stream(2, 0, "bench");
    let mut block = || -> Vec<u32> {
        let mut values = Vec::with_capacity(runs * days as usize * width);
        for _ in 0..runs {
            for day in 0..days as u64 {
                for series in 0..width as u64 {
                    let level = 20_000 * (series + 1) + 300 * day;
                    values.push((level + poisson(&mut rng, 0.02 * level as f64)) as u32);
                }
            }
        }
        values
    };
    let blocks: Vec<Vec<u32>> = (0..4).map(|_| block()).collect();
    for b in blocks.iter().cycle().take(8) {
        stats.record_block(b);
    }
    let mut next = blocks.iter().cycle();
    let values = blocks[0].len();
    bencher.counter(ItemsCount::new(values)).bench_local(|| stats.record_block(next.next().expect("cycles")));
}

/// 1,000 runs end to end in memory: simulation, daily bands and the summary.
#[divan::bench(sample_count = 10)]
fn thousand_runs(bencher: divan::Bencher) {
    let s = every_flow(1000);
    bencher.counter(ItemsCount::new(1000 * s.days())).bench_local(|| {
        let r = engine::simulate(&s, None);
        (Summary::new(&s, &r), daily_bands(&r))
    });
}

/// The whole benchmark scenario as `simulate --no-plot` runs it, minus the file writes:
/// 10,000 runs x 730 days, statistics, summary.json and daily.csv.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn every_flow_scenario(bencher: divan::Bencher) {
    let s = every_flow(10_000);
    bencher.counter(ItemsCount::new(10_000 * s.days() as usize)).bench_local(|| {
        let r = engine::simulate(&s, None);
        let summary = Summary::new(&s, &r);
        let bands = daily_bands(&r);
        (summary_json(&summary), daily_csv(&summary, &bands, &source_bands(&r)))
    });
}

/// `simulate fit` on the shipped hindcast (1,026 days), 2,000 of its 20,000 runs: the
/// prior's runs with their distances, then the kept runs again with statistics.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn fit_hindcast(bencher: divan::Bencher) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/hindcast-2023-09.toml");
    let s = Scenario::load(&path, Overrides { runs: Some(2_000), ..Overrides::default() }).expect("valid");
    bencher.counter(ItemsCount::new(2_000 * s.days() as usize)).bench_local(|| {
        let f = muster::fit::fit(&s, 0.02, None).expect("fit");
        muster::fit::posterior_runs(&s, &f, None)
    });
}
