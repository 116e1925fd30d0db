//! The hand-checked scenarios of tests/checks/ (copied from the project's shared checks),
//! each holding what tests/checks/README.md says.

use muster::engine;
use muster::scenario::{Overrides, Scenario};
use muster::stats::{Summary, daily_bands};

use crate::common::{assert_near, check_file};

fn load(name: &str) -> Scenario {
    Scenario::load(&check_file(name), Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn pure_attrition_matches_poisson_arithmetic() {
    let s = load("pure-attrition.toml");
    let r = engine::simulate(&s, None);
    let sum = Summary::new(&s, &r);
    // Casualties over 365 days are Poisson(219,000): sd 468; the mean of 2,000 runs has
    // a standard error of 10.5, so ±60 (the README's tolerance) is over 5 SE.
    assert_near(sum.casualties_total.mean, 219_000.0, 60.0, "casualties_total.mean");
    assert_near(sum.deployed_end.mean, 281_000.0, 60.0, "deployed_end.mean");
    let spread = sum.casualties_total.p95 - sum.casualties_total.p5;
    let want = 2.0 * 1.645 * 219_000f64.sqrt();
    assert_near(spread, want, 0.15 * want, "p95 - p5 of casualties_total");
}

#[test]
fn exact_wave_arrives_on_day_40_in_every_run() {
    let s = load("wave-exact.toml");
    let r = engine::simulate(&s, None);
    let bands = daily_bands(&r);
    for (day, row) in bands.iter().enumerate() {
        let formation = if day < 40 { 0.0 } else { 100_000.0 };
        let [deployed, formation_band, ..] = row;
        assert!(formation_band.percentiles().iter().all(|&x| x == formation), "day {day}: {formation_band:?}");
        assert_eq!(formation_band.mean, formation, "day {day}");
        assert!(deployed.percentiles().iter().all(|&x| x == 100_000.0), "day {day}: {deployed:?}");
    }
    let sum = Summary::new(&s, &r);
    let goal = sum.new_army.expect("the check has a goal");
    assert_eq!(goal.probability, 1.0);
    assert_eq!(goal.day_reached.p50, Some(40.0));
}

#[test]
fn one_hazard_removes_its_annual_fraction() {
    let s = load("hazard.toml");
    let r = engine::simulate(&s, None);
    let sum = Summary::new(&s, &r);
    // 10% a year of 1,000,000 leaves 900,000 in expectation: daily binomial thinning at
    // 1 − 0.9^(1/365) compounds to exactly 0.9. The shared check asks ±0.1% (900).
    assert_near(sum.deployed_end.mean, 900_000.0, 900.0, "deployed_end.mean");
    // Tighter: the end count is Binomial(10⁶, 0.9) in law, sd √(10⁶·0.1·0.9) = 300 a run,
    // so the mean of 1,000 runs has SE 9.5. Four SE (38 people) fails a true model once in
    // 16,000 runs of this test, and catches a bias of 0.004%.
    let se = sum.deployed_end.se;
    assert!((8.0..11.0).contains(&se), "the standard error {se} should be about 300/√1000 = 9.5");
    assert_near(sum.deployed_end.mean, 900_000.0, 4.0 * 9.5, "deployed_end.mean within 4 SE");
}
