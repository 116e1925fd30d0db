//! The streamed per-day statistics against exact percentiles of the same runs.

use muster::engine::{self, SERIES};
use muster::sketch::BINS;
use muster::stats::{Band, daily_bands};

/// Every band of every series on every day of the benchmark workload (2,000 runs, the
/// full 730 days), streamed, lies within (max − min)/2047 of the exact band computed from
/// every run's stored values, as `muster::sketch` documents; the means are exact.
#[test]
fn streamed_bands_are_within_the_documented_bound_of_exact_ones() {
    let sc = crate::common::benchmark_workload(2_000);
    let results = engine::simulate(&sc, None);
    let streamed = daily_bands(&results);

    let (runs, days) = (2_000usize, sc.days() as usize);
    let mut exact = vec![0u64; runs * days * SERIES.len()];
    let design = muster::inputs::Design::new(&sc, 0..runs as u64);
    for run in 0..runs {
        let slot = &mut exact[run * days * SERIES.len()..(run + 1) * days * SERIES.len()];
        engine::simulate_run_with(&sc, run as u64, &design.values(run as u64), |day, l| {
            let at = day as usize * SERIES.len();
            slot[at..at + SERIES.len()].copy_from_slice(&l.series());
        });
    }
    let mut widest = 0.0f64;
    for day in 0..days {
        for (series, name) in SERIES.iter().enumerate() {
            let mut values: Vec<u64> = (0..runs).map(|r| exact[(r * days + day) * SERIES.len() + series]).collect();
            let range = (values.iter().max().expect("runs") - values.iter().min().expect("runs")) as f64;
            let want = Band::of_counts(&mut values);
            let got = streamed[day][series];
            assert_eq!(got.mean, want.mean, "{name} mean on day {day}");
            let bound = range / (BINS - 1) as f64 + 1e-6;
            for (g, w) in got.percentiles().iter().zip(want.percentiles()) {
                assert!((g - w).abs() <= bound, "{name} on day {day}: {g} vs exact {w} (bound {bound})");
                widest = widest.max((g - w).abs());
            }
        }
    }
    // The sketches did coarsen on this workload: the test exercised the bound, not only
    // exact bins.
    assert!(widest > 1.0, "largest difference {widest}");
}

/// Runs whose counts pass 2³² (the engine's blocks hold four bytes a value, and simulates
/// such a run again at eight) are streamed exactly as every run's values added one by one:
/// the statistics are equal, sketch for sketch, on one thread and on two. Runs that pass
/// and runs that do not follow each other in both orders, so a run simulated again in the
/// middle of the runs stepped side by side is closed up behind.
#[test]
fn runs_past_four_billion_people_are_streamed_exactly() {
    use muster::sketch::DailyStats;
    let sc = crate::common::scenario(
        r#"
[simulation]
start = 2024-01-01
days = 40
runs = 300
seed = 5
[force]
initial = { dist = "uniform", min = 4200000000, max = 4400000000 }
target = 4000000000
[attrition]
per_1000 = 0.5
recovery_days = 20
return_to_duty = 0.5
[[recruitment]]
name = "contracts"
daily = 30000
training_days = 10
"#,
    );
    let (runs, days) = (300u64, 40usize);
    let width = engine::recorded_series(&sc);
    let mut all = vec![0u64; runs as usize * days * width];
    for run in 0..runs {
        let slot = &mut all[run as usize * days * width..][..days * width];
        engine::simulate_run_inspecting(&sc, run, |day, r| {
            let at = day as usize * width;
            slot[at..at + SERIES.len()].copy_from_slice(&r.ledger().series());
            slot[at + SERIES.len()..at + width].copy_from_slice(r.composition());
        });
    }
    let mut want = DailyStats::new(days as u32, sc.sources().len());
    want.record_block(&all);
    let wide: Vec<bool> = all.chunks(days * width).map(|run| run.iter().any(|&v| v >> 32 != 0)).collect();
    let follows = |a: bool, b: bool| wide.windows(2).step_by(2).any(|w| w == [a, b]);
    assert!(follows(true, false) && follows(false, true), "runs on both sides of 2³², in both orders");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let got = pool.install(|| engine::simulate(&sc, None)).daily;
        assert!(got == want, "streamed statistics differ on {threads} thread(s)");
    }
}
