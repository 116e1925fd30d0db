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
/// when pinned; daily.csv's equals the engine's before the refactoring of issue 14, and
/// summary.json's changed since, on purpose, when it gained `run_id` and `precision_reached`).
const GOLDEN: [&str; 2] = [
    "564805f44161d0aeabdab21b418b3e3959924fe1be8f3e1d3fcec4b8d6439c93",
    "e617388b057730e8e6d4dd423ab1400d6e9cda649cc87e0fe070d262b633dd66",
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
        sha256_hex(daily_csv(&finished.summary, &finished.bands).as_bytes()),
    ];
    assert_eq!(digests, GOLDEN.map(String::from), "the workload's outputs changed; if intended, update GOLDEN");
}
