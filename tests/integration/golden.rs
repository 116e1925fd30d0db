//! The same bytes on every machine, pinned: digests of `summary.json` and `daily.csv` for
//! the benchmark workload, which exercises every flow and every sampler. Any change to any
//! draw, statistic or number format changes them; such a change must be intended, and
//! the digests updated in the same commit with the reason.

use muster::format::sha256_hex;
use muster::output::{daily_csv, summary_json};
use muster::pipeline;
use muster::scenario::{Overrides, Scenario};

/// `benches/every-flow.toml` at 300 runs, as its outputs' SHA-256 (summary, daily): what
/// `simulate benches/every-flow.toml --runs 300` writes, as `sha256sum` gives it (checked
/// when pinned). Changed on purpose since first pinned: summary.json gained `run_id`,
/// `precision_reached`, the armies of the goal and the mobilization waves, daily.csv the
/// `target` and `armies` series, and the workload a triggered wave and `deploy = true`;
/// then summary.json `composition_end`, daily.csv a column group per source, and the
/// workload's trigger watches `formation` (so that it fires in some runs); then the
/// composition's three uniforms a day from one draw.
const GOLDEN: [&str; 2] = [
    "2823513ffba05dde2b4024deb6092737b3d5f0a9132023cb10812a4dc6aacf1d",
    "9103638973fbb1bc681f8ce2a7f2f0b0d08ed76e24e1a51f061efd01a2c5de20",
];

#[test]
fn the_benchmark_workload_gives_the_pinned_bytes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/every-flow.toml");
    let text = std::fs::read_to_string(path).expect("the workload");
    let overrides = Overrides { runs: Some(300), ..Overrides::default() };
    // A fixed file name: summary.json records the file as named.
    let scenario = Scenario::parse("benches/every-flow.toml", &text, overrides).expect("a valid workload");
    let mut finished = [pipeline::simulate(&scenario, None, None)];
    pipeline::tag(&mut finished, &pipeline::run_id(std::slice::from_ref(&scenario), None));
    let finished = &finished[0];
    let digests = [
        sha256_hex(summary_json(&finished.summary).as_bytes()),
        sha256_hex(daily_csv(&finished.summary, &finished.bands, &finished.sources).as_bytes()),
    ];
    assert_eq!(digests, GOLDEN.map(String::from), "the workload's outputs changed; if intended, update GOLDEN");
}

/// The engine's parallel runs go through code compiled for the processor's widest
/// instructions (`multiversion`: x86-64-v3 where the CPU has AVX2), a single run through
/// code compiled for baseline x86-64; on a machine with AVX2 this compares the two. Every
/// run's outcome is the same, its pay to the bit.
#[test]
fn the_dispatched_engine_gives_every_run_as_the_baseline_code_does() {
    let sc = crate::common::benchmark_workload(200);
    let results = muster::engine::simulate(&sc, None);
    let design = muster::inputs::Design::new(&sc, 0..200);
    for run in 0..200u64 {
        let alone = muster::engine::simulate_run_with(&sc, run, &design.values(run), |_, _| {});
        let got = results.outcomes[run as usize];
        assert_eq!(got, alone, "run {run}");
        assert_eq!(got.cost.to_bits(), alone.cost.to_bits(), "run {run}");
    }
}

/// [`muster::engine::fold_runs`] steps runs side by side through the dispatched code: each
/// run's fold sees exactly its own days, as the run alone gives them, and starts from its
/// own input values.
#[test]
fn folded_runs_are_each_run_alone() {
    let sc = crate::common::benchmark_workload(31);
    let design = muster::inputs::Design::new(&sc, 0..31);
    let folded = muster::engine::fold_runs(
        &sc,
        0..31,
        &|run| design.values(run),
        &|values| (values.to_vec(), Vec::new()),
        &|acc, day, l| acc.1.push((day, l.series())),
        None,
    );
    assert_eq!(folded.len(), 31);
    for (run, (values, days)) in folded.iter().enumerate() {
        assert_eq!(*values, design.values(run as u64), "run {run}'s input values");
        let mut alone = Vec::new();
        muster::engine::simulate_run_with(&sc, run as u64, values, |day, l| alone.push((day, l.series())));
        assert!(*days == alone, "run {run}'s days");
    }
}
