//! Benchmarks on the project's benchmark workload, `benches/every-flow.toml` (every flow
//! of MODEL.md with uncertain inputs, 730 days): one run, the statistics of many runs, and
//! the whole scenario at a reduced run count.
//!
//! `cargo bench --bench engine`

use std::path::Path;

use muster::engine;
use muster::scenario::{Overrides, Scenario};
use muster::stats::{Summary, daily_bands};

fn main() {
    divan::main();
}

fn every_flow(runs: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/every-flow.toml");
    Scenario::load(&path, Overrides { runs: Some(runs), ..Overrides::default() }).expect("benchmark scenario is valid")
}

/// One run of 730 days (all flows, uncertain inputs drawn).
#[divan::bench]
fn one_run(bencher: divan::Bencher) {
    let s = every_flow(1);
    let mut run = 0u64;
    bencher.bench_local(|| {
        run += 1;
        engine::simulate_run(&s, run, |_, l| {
            divan::black_box(l);
        })
    });
}

/// 1,000 runs end to end in memory: simulation, daily bands and the summary.
#[divan::bench(sample_count = 10)]
fn thousand_runs(bencher: divan::Bencher) {
    let s = every_flow(1000);
    bencher.bench_local(|| {
        let r = engine::simulate(&s, None);
        (Summary::new(&s, &r), daily_bands(&r))
    });
}

/// The per-day percentile bands of 1,000 runs alone.
#[divan::bench(sample_count = 10)]
fn daily_bands_of_thousand_runs(bencher: divan::Bencher) {
    let s = every_flow(1000);
    let r = engine::simulate(&s, None);
    bencher.bench_local(|| daily_bands(&r));
}
