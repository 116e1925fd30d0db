//! Who fills the ranks: strength by source, conserved exactly on every day, each source
//! keeping its own people, losses shared in proportion, and names that tell sources apart.

use muster::engine::{self, SERIES};
use muster::stats::source_bands;

use crate::common::{HEAD, rejects, run, scenario};
use crate::properties::EVERY_FLOW;

/// Sources add up to the ledger's strength and recovering on every day of every run.
#[track_caller]
fn assert_sources_conserved(text: &str, runs: u64) {
    let sc = scenario(text);
    for run in 0..runs {
        engine::simulate_run_inspecting(&sc, run, |day, r| {
            let l = r.ledger();
            assert_eq!(r.composition().iter().sum::<u64>(), l.strength, "strength, day {day} of run {run}");
            assert_eq!(
                r.recovering_by_source().iter().sum::<u64>(),
                l.recovering,
                "recovering, day {day} of run {run}"
            );
        });
    }
}

#[test]
fn sources_add_up_to_the_force_on_every_day() {
    assert_sources_conserved(EVERY_FLOW, 40);
}

#[test]
fn a_source_without_losses_keeps_exactly_its_intake() {
    // No losses at all: the initial force stays 100,000, and an exact wave of 50,000
    // (compliance 1, training 0) is 50,000 from its first day on.
    let text = format!(
        "{HEAD}days = 30\nruns = 5\n[force]\ninitial = 100000\n\
         [[recruitment]]\nname = \"contracts\"\ndaily = 300\ntraining_days = 5\n\
         [[mobilization]]\nname = \"wave\"\ndate = 2024-01-11\nsize = 50000\ntraining_days = 0\n"
    );
    let sc = scenario(&text);
    let names: Vec<String> = sc.sources().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["initial force", "contracts", "wave"]);
    for run in 0..5 {
        let mut arrived_contracts = 0;
        engine::simulate_run_inspecting(&sc, run, |day, r| {
            let c = r.composition();
            assert_eq!(c[0], 100_000, "day {day}");
            assert_eq!(c[2], if day >= 10 { 50_000 } else { 0 }, "day {day}");
            // The only other arrivals are the contracts' graduates.
            assert_eq!(c[1], r.ledger().arrived - c[2], "day {day}");
            arrived_contracts = c[1];
        });
        assert!(arrived_contracts > 5_000, "contracts arrived: {arrived_contracts}");
    }
}

#[test]
fn expiries_of_a_stream_come_from_that_stream() {
    // Recruits serve 20-day terms and never renew; no other losses. The initial force
    // never loses anyone, and the stream holds exactly its last 20 days of graduates.
    let text = format!(
        "{HEAD}days = 60\nruns = 5\n[force]\ninitial = 100000\n\
         [[recruitment]]\ndaily = 400\ntraining_days = 0\nterm_days = 20\nrenewal = 0\n"
    );
    assert_sources_conserved(&text, 5);
    let sc = scenario(&text);
    for run in 0..5 {
        engine::simulate_run_inspecting(&sc, run, |day, r| {
            assert_eq!(r.composition()[0], 100_000, "day {day}");
            assert_eq!(r.composition()[1], r.ledger().strength - 100_000, "day {day}");
        });
    }
}

#[test]
fn equal_sources_share_losses_equally() {
    // 100,000 initial and an exact wave of 100,000 on day 0 face 1,000 casualties a day
    // for 100 days (none return). Each day's share differs from proportional by less than
    // one person, so the difference between the two sources moves by at most one a day
    // (a hard bound of 100) and is centred on 0: its per-run sd is at most √100 = 10, the
    // mean's over 200 runs at most 10/√200 ≈ 0.71, and 3 is over four of those.
    let text = format!(
        "{HEAD}days = 100\nruns = 200\n[force]\ninitial = 100000\n\
         [attrition]\ndaily = 1000\nreturn_to_duty = 0\n\
         [[mobilization]]\ndate = 2024-01-01\nsize = 100000\ntraining_days = 0\n"
    );
    let sc = scenario(&text);
    let mut sum = 0i64;
    for run in 0..200 {
        let mut last = 0i64;
        engine::simulate_run_inspecting(&sc, run, |_, r| {
            last = r.composition()[0] as i64 - r.composition()[1] as i64;
            assert!(last.abs() <= 100, "run {run}: {:?}", r.composition());
        });
        sum += last;
    }
    let mean = sum as f64 / 200.0;
    assert!(mean.abs() < 3.0, "mean difference {mean}");
}

#[test]
fn the_summary_and_daily_bands_carry_every_source() {
    let (sc, results, s) = run(EVERY_FLOW);
    let names: Vec<&str> = s.composition_end.iter().map(|c| c.source.as_str()).collect();
    let expected: Vec<String> = sc.sources().into_iter().map(|s| s.name).collect();
    assert_eq!(names, expected);
    let shares: f64 = s.composition_end.iter().map(|c| c.share_mean).sum();
    assert!((shares - 1.0).abs() < 1e-12, "shares add up to {shares}");
    // Means are exact, so the sources' means add up to the mean force at the end.
    let means: f64 = s.composition_end.iter().map(|c| c.mean).sum();
    assert!((means - s.total_end.mean).abs() < 1e-6 * s.total_end.mean, "{means} vs {}", s.total_end.mean);
    let bands = source_bands(&results);
    assert_eq!((bands.len(), bands[0].len()), (sc.days() as usize, expected.len()));
    for day in &bands {
        assert!(day.iter().all(|b| b.p5 <= b.p50 && b.p50 <= b.p95));
    }
    // Day 0: everyone is of the initial force.
    let initial = muster::stats::daily_bands(&results)[0][SERIES.iter().position(|x| *x == "total").unwrap()];
    assert_eq!(bands[0][0], initial);
}

#[test]
fn sources_must_be_told_apart_by_name() {
    let base = format!("{HEAD}days = 30\n[force]\ninitial = 1000\n");
    let err = rejects(
        "twins.toml",
        &format!(
            "{base}[[recruitment]]\nname = \"Contract signings\"\ndaily = 5\n\
             [[mobilization]]\nname = \"contract-signings\"\ndate = 2024-01-05\nsize = 10\n"
        ),
        &["`mobilization[0].name`", "twins.toml:10:", "\"Contract signings\" on line 7", "a name of its own"],
    );
    assert!(err.contains("contract_signings"), "{err}");
    rejects(
        "initial.toml",
        &format!("{base}[[recruitment]]\nname = \"Initial force\"\ndaily = 5\n"),
        &["`recruitment[0].name`", "already used by the initial force"],
    );
    rejects(
        "series.toml",
        &format!("{base}[[recruitment]]\nname = \"Deployed\"\ndaily = 5\n"),
        &["`recruitment[0].name`", "the recorded series `deployed`"],
    );
}
