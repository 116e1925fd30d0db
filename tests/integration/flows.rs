//! One analytic check per flow of MODEL.md: small scenarios whose answer follows by hand.
//! Each tolerance is stated with the standard error it is measured against.

use muster::engine::{self, SERIES};
use muster::stats::daily_bands;

use crate::common::{HEAD, assert_near, run, scenario};

fn series(name: &str) -> usize {
    SERIES.iter().position(|s| *s == name).expect("a series")
}

#[test]
fn per_1000_attrition_scales_with_deployed() {
    // Deployed is held at 100,000 by the surplus of 200,000, so casualties are Poisson
    // with mean 1.0 × 100 = 100 a day: 36,500 over the year (sd 191 a run; 200 runs give
    // SE 13.5; ±70 is 5 SE).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 365\nruns = 200\n[force]\ninitial = 200000\ntarget = 100000\n[attrition]\nper_1000 = 1.0\n"
    ));
    assert_near(s.casualties_total.mean, 36_500.0, 70.0, "casualties");
    assert_near(s.deployed_end.mean, 100_000.0, 0.0, "deployed stays at target");
    // Without a surplus the force decays geometrically: E = 100,000 × 0.999^365 = 69,407.
    let (_, _, s) =
        run(&format!("{HEAD}days = 365\nruns = 200\n[force]\ninitial = 100000\n[attrition]\nper_1000 = 1.0\n"));
    assert_near(s.deployed_end.mean, 100_000.0 * 0.999f64.powi(365), 100.0, "geometric decay");
}

#[test]
fn dispersion_gives_negative_binomial_spread() {
    // Daily NB(mean 600, k 15): variance 600 + 600²/15 = 24,600 a day; over 365 days the
    // total has sd √(365 × 24,600) = 2,996, so p95 − p5 ≈ 2 × 1.645 × 2,996 = 9,858. With
    // 2,000 runs the percentile difference has a relative SE of about 3%; ±10% is > 3 SE
    // and far from the Poisson spread (1,540) a missing dispersion would give.
    let (_, _, s) = run(&format!(
        "{HEAD}days = 365\nruns = 2000\n[force]\ninitial = 500000\n[attrition]\ndaily = 600\ndispersion = 15\n"
    ));
    let want = 2.0 * 1.645 * (365.0f64 * 24_600.0).sqrt();
    assert_near(s.casualties_total.p95 - s.casualties_total.p5, want, 0.10 * want, "NB spread");
    assert_near(s.casualties_total.mean, 219_000.0, 300.0, "NB mean (SE 67)");
}

#[test]
fn wounded_return_after_their_recovery() {
    // 1,000 casualties a day for 100 days; 60% wounded, half of them return after exactly
    // 10 days: returns from days 0..=89 arrive by day 99, 90 × 300 = 27,000. Strength =
    // 1,000,000 − 100,000 + 27,000. SE of the mean over 300 runs ≈ 20; ±150.
    let (_, _, s) = run(&format!(
        "{HEAD}days = 100\nruns = 300\n[force]\ninitial = 1000000\n[attrition]\ndaily = 1000\nkilled = 0.3\nwounded = 0.6\nmissing = 0.1\nreturn_to_duty = 0.5\nrecovery_days = 10\n"
    ));
    assert_near(s.total_end.mean, 927_000.0, 150.0, "strength after returns");
}

#[test]
fn wounded_return_the_next_day_at_the_earliest() {
    // recovery_days = 0 still means back the next day: on day 0 nobody has returned yet.
    let sc = scenario(&format!(
        "{HEAD}days = 3\nruns = 1\n[force]\ninitial = 1000000\n[attrition]\ndaily = 1000\nkilled = 0\nwounded = 1\nreturn_to_duty = 1\nrecovery_days = 0\n"
    ));
    let mut ledgers = Vec::new();
    engine::simulate_run(&sc, 0, |_, l| ledgers.push(*l));
    assert_eq!(ledgers[0].returned, 0);
    assert_eq!(ledgers[1].returned, ledgers[0].wounded);
}

#[test]
fn recruits_arrive_after_training() {
    // 100 a day from day 0, 20 days' training: arrivals on days 20..=99, 80 × 100 =
    // 8,000 by day 99, 10,000 recruited (Poisson sd 89 and 100 a run; 300 runs, SE ≈ 6).
    let (_, r, s) = run(&format!(
        "{HEAD}days = 100\nruns = 300\n[force]\ninitial = 1000\n[[recruitment]]\ndaily = 100\ntraining_days = 20\n"
    ));
    assert_near(s.recruited_total.mean, 10_000.0, 30.0, "recruited");
    assert_near(s.total_end.mean, 9_000.0, 30.0, "arrived");
    // Nobody arrives before day 20.
    let bands = daily_bands(&r);
    assert_eq!(bands[19][series("total")].p95, 1000.0);
    assert!(bands[20][series("total")].p5 > 1000.0);
}

#[test]
fn recruitment_windows_are_inclusive_and_clipped() {
    // Starts before the simulation (clipped to day 0), ends on day 49: 50 days × 100.
    let (_, _, s) = run(&format!(
        "{HEAD}days = 100\nruns = 300\n[force]\ninitial = 0\n[[recruitment]]\ndaily = 100\nstart = 2023-06-01\nend = 2024-02-19\n"
    ));
    assert_near(s.recruited_total.mean, 5_000.0, 25.0, "recruited in window");
}

#[test]
fn a_finite_pool_depletes() {
    // 1% of what is left signs each day: 1,000,000 × (1 − 0.99¹⁰⁰) = 633,968 (binomial
    // noise sd ≈ 480 a run; 100 runs, SE 48).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 100\nruns = 100\n[force]\ninitial = 0\n[[recruitment]]\npool = 1000000\nuptake = 0.01\n"
    ));
    assert_near(s.recruited_total.mean, 1_000_000.0 * (1.0 - 0.99f64.powi(100)), 250.0, "pool uptake");
}

#[test]
fn terms_expire_and_renewals_serve_another_term() {
    // 100 a day, no training, 50-day terms, half renew; no losses. By day 119: arrivals
    // 12,000; first expiries of days 0..=69 send 70 × 50 = 3,500 away; renewals from
    // days 0..=19 face the choice again on days 100..=119 and 20 × 25 = 500 leave.
    // Strength = 10,000 + 12,000 − 4,000 (sd ≈ 130 a run; 200 runs, SE 9; ±50).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 120\nruns = 200\n[force]\ninitial = 10000\n[[recruitment]]\ndaily = 100\nterm_days = 50\nrenewal = 0.5\n"
    ));
    assert_near(s.total_end.mean, 18_000.0, 50.0, "strength after expiries");
}

#[test]
fn terms_count_only_survivors() {
    // A 10%-a-year hazard for 30 days, then a 30-day term ends: of a wave of 100,000 the
    // survivors 100,000 × 0.9^(31/365) leave, exactly those still serving on day 30
    // (arrival on day 0 faces 31 days of losses). Nobody else is on strength.
    let (_, r, _) = run(&format!(
        "{HEAD}days = 40\nruns = 100\n[force]\ninitial = 0\n[[loss]]\nannual_rate = 0.1\n[[mobilization]]\ndate = 2024-01-01\nsize = 100000\nterm_days = 30\n"
    ));
    let bands = daily_bands(&r);
    assert_near(bands[29][series("total")].mean, 100_000.0 * libm::pow(0.9, 30.0 / 365.0), 60.0, "day 29");
    // The cohort is the whole force, so exactly everyone still serving leaves.
    assert_eq!(bands[30][series("total")].p95, 0.0, "after expiry: {:?}", bands[30][series("total")]);
}

#[test]
fn mobilization_is_spread_over_its_callup_and_thinned_by_compliance() {
    // 1,000 called over 10 days: exactly 100 a day with compliance 1.
    let sc = scenario(&format!(
        "{HEAD}days = 20\nruns = 1\n[force]\ninitial = 0\n[[mobilization]]\ndate = 2024-01-03\nsize = 1000\ncallup_days = 10\n"
    ));
    let mut recruited = Vec::new();
    engine::simulate_run(&sc, 0, |_, l| recruited.push(l.recruited));
    assert_eq!(&recruited[..4], &[0, 0, 100, 200]);
    assert_eq!(recruited[11], 1000);
    // Compliance 0.8 of 100,000: binomial sd 126; 200 runs, SE 9; ±40.
    let (_, _, s) = run(&format!(
        "{HEAD}days = 20\nruns = 200\n[force]\ninitial = 0\n[[mobilization]]\ndate = 2024-01-03\nsize = 100000\ncompliance = 0.8\n"
    ));
    assert_near(s.recruited_total.mean, 80_000.0, 40.0, "compliance");
}

#[test]
fn schedules_are_step_functions_of_date_and_zero_before_their_first_step() {
    // Nothing before 2024-02-20 (day 50), 600 a day to day 99, 1,200 a day to day 199:
    // 50 × 600 + 100 × 1,200 = 150,000 (Poisson sd 387; 200 runs; SE 27; ±120).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 200\nruns = 200\n[force]\ninitial = 1000000\n[attrition]\ndaily = [ {{ from = 2024-02-20, value = 600 }}, {{ from = 2024-04-10, value = 1200 }} ]\n"
    ));
    assert_near(s.casualties_total.mean, 150_000.0, 120.0, "scheduled casualties");
}

#[test]
fn uncertain_inputs_are_drawn_once_per_run() {
    // daily ~ Uniform(400, 800) held for the whole run: the yearly total is close to
    // uniform on [146,000, 292,000], so p5 ≈ 153,300 and p95 ≈ 284,700. A rate drawn per
    // day would squeeze the spread to ~3,000. With 2,000 runs the 5th percentile of a
    // uniform has SE ≈ 1,450; ±4,500 is 3 SE.
    let (_, _, s) = run(&format!(
        "{HEAD}days = 365\nruns = 2000\n[force]\ninitial = 1000000\n[attrition]\ndaily = {{ dist = \"uniform\", min = 400, max = 800 }}\n"
    ));
    assert_near(s.casualties_total.p5, 153_300.0, 4_500.0, "p5");
    assert_near(s.casualties_total.p95, 284_700.0, 4_500.0, "p95");
}

#[test]
fn cost_counts_pay_on_strength_and_in_training_plus_bonuses() {
    // 1,000 people paid 3,650 a month for a year: 12 × 3,650 × 1,000 = 43,800,000.
    let (_, _, s) = run(&format!("{HEAD}days = 365\nruns = 3\n[force]\ninitial = 1000\n[cost]\nmonthly_pay = 3650\n"));
    let c = s.cost_total.expect("cost");
    assert_near(c.mean, 43_800_000.0, 1e-3, "pay");
    // A wave of exactly 1,000 in training for the whole horizon is paid too, and 100
    // recruits a day signing for a bonus of 50 add 365 × 100 × 50 (Poisson; SE small).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 365\nruns = 50\n[force]\ninitial = 0\n[[mobilization]]\ndate = 2024-01-01\nsize = 1000\ntraining_days = 1000\n[cost]\nmonthly_pay = 3650\n"
    ));
    assert_near(s.cost_total.expect("cost").mean, 43_800_000.0, 1e-3, "pay in training");
    let (_, _, s) = run(&format!(
        "{HEAD}days = 365\nruns = 400\n[force]\ninitial = 0\n[[recruitment]]\ndaily = 100\nsigning_bonus = 50\ntraining_days = 10000\n[cost]\nmonthly_pay = 0\n"
    ));
    let want = 365.0 * 100.0 * 50.0;
    assert_near(s.cost_total.expect("cost").mean, want, 0.01 * want, "bonuses");
}

#[test]
fn goal_counts_only_days_up_to_its_deadline() {
    // The wave arrives on day 40, after the deadline of day 30: never reached in time.
    let text = format!(
        "{HEAD}days = 60\nruns = 20\n[force]\ninitial = 1000\n[[mobilization]]\ndate = 2024-01-11\nsize = 5000\ntraining_days = 30\n[goal]\nnew_army = 5000\nby = 2024-01-31\n"
    );
    let (_, _, s) = run(&text);
    let g = s.new_army.expect("goal");
    assert_eq!(g.probability, 0.0);
    assert_eq!(g.day_reached.p50, None);
    // With the default deadline (the last day) it is reached on day 40 in every run.
    let (_, _, s) = run(&text.replace("by = 2024-01-31\n", ""));
    let g = s.new_army.expect("goal");
    assert_eq!((g.probability, g.day_reached.p5, g.day_reached.p95), (1.0, Some(40.0), Some(40.0)));
}

#[test]
fn combat_casualties_never_exceed_deployed() {
    // A rate far above the force: casualties stop at the people there are.
    let (_, _, s) = run(&format!("{HEAD}days = 10\nruns = 20\n[force]\ninitial = 5000\n[attrition]\ndaily = 100000\n"));
    assert_eq!(s.casualties_total.p95, 5000.0);
    assert_eq!(s.total_end.p95, 0.0);
}

#[test]
fn casualties_split_into_independent_poisson_counts_by_their_shares() {
    // Poisson(1,000) casualties a day split 35/60/5, 40% of the wounded returning (after the
    // horizon): a Poisson total split by binomials makes killed, missing and the returning
    // wounded independent Poisson counts of 350, 50 and 240 a day. Over 30 runs × 200 days
    // = 6,000 days: the mean of killed has SE √(350/6,000) = 0.24 (±1.2 is 5 SE); its
    // variance has SE √(2·350²/6,000) = 6.4 (±32; a fixed total split by binomials would
    // give 228); the correlation of killed and missing has SE 1/√6,000 = 0.013 (±0.06; a
    // fixed total would give −0.13); the returning share of the wounded has SE ~0.0003.
    let sc = scenario(&format!(
        "{HEAD}days = 200\nruns = 30\n[force]\ninitial = 10000000\n[attrition]\ndaily = 1000\nkilled = 0.35\nwounded = 0.60\nmissing = 0.05\nreturn_to_duty = 0.4\nrecovery_days = 400\n"
    ));
    let (mut killed, mut missing, mut wounded, mut returning) = (Vec::new(), Vec::new(), 0u64, 0u64);
    for run in 0..30 {
        let mut before = engine::Ledger::default();
        engine::simulate_run(&sc, run, |_, l| {
            killed.push((l.killed - before.killed) as f64);
            missing.push((l.missing - before.missing) as f64);
            wounded += l.wounded - before.wounded;
            returning += l.recovering - before.recovering;
            before = *l;
        });
    }
    let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
    let (mk, mm) = (mean(&killed), mean(&missing));
    let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64;
    let cov = killed.iter().zip(&missing).map(|(k, m)| (k - mk) * (m - mm)).sum::<f64>() / (killed.len() - 1) as f64;
    assert_near(mk, 350.0, 1.2, "killed a day");
    assert_near(var(&killed, mk), 350.0, 32.0, "variance of killed a day");
    assert_near(mm, 50.0, 0.5, "missing a day (SE 0.09)");
    assert_near(cov / (var(&killed, mk) * var(&missing, mm)).sqrt(), 0.0, 0.06, "correlation of killed and missing");
    assert_near(returning as f64 / wounded as f64, 0.4, 0.002, "returning share of the wounded");
}

#[test]
fn when_casualties_would_exceed_deployed_all_are_split_by_their_shares() {
    // A rate far above the force: on day 0 all 100,000 are casualties, split 35/60/5 by
    // binomials (SE of the killed share over 50 runs √(0.35·0.65/5·10⁶) = 0.0002; ±0.002).
    let sc = scenario(&format!(
        "{HEAD}days = 1\nruns = 50\n[force]\ninitial = 100000\n[attrition]\ndaily = 100000000\nkilled = 0.35\nwounded = 0.60\nmissing = 0.05\n"
    ));
    let (mut killed, mut missing) = (0, 0);
    for run in 0..50 {
        let mut end = engine::Ledger::default();
        let outcome = engine::simulate_run(&sc, run, |_, l| end = *l);
        assert_eq!((end.casualties(), outcome.end.casualties), (100_000, 100_000));
        (killed, missing) = (killed + end.killed, missing + end.missing);
    }
    assert_near(killed as f64 / 5e6, 0.35, 0.002, "killed share");
    assert_near(missing as f64 / 5e6, 0.05, 0.001, "missing share (SE 0.0001)");
}

#[test]
fn training_delays_spread_cohorts_over_days() {
    // A wave of exactly 100,000 with training uniform on [10, 20] days: arrivals are spread
    // over days 10..=20 (1/20 on the end days, 1/10 between), identically in every run.
    let sc = scenario(&format!(
        "{HEAD}days = 30\nruns = 1\n[force]\ninitial = 0\n[[mobilization]]\ndate = 2024-01-01\nsize = 100000\ntraining_days = {{ dist = \"uniform\", min = 10, max = 20 }}\n"
    ));
    let mut total = Vec::new();
    engine::simulate_run(&sc, 0, |_, l| total.push(l.strength));
    assert_eq!(total[9], 0);
    assert_eq!(total[10], 5_000);
    assert_eq!(total[11], 15_000);
    assert_eq!(total[19], 95_000);
    assert_eq!(total[20], 100_000);
}

#[test]
fn renewed_cohorts_face_losses_from_their_renewal_on() {
    // One cohort of exactly 100,000 on day 0 (a pool taken whole), 50-day terms, half
    // renew, a 90%-a-year hazard: daily survival q = 0.1^(1/365). On day 50 the survivors
    // (q^51: days 0..=50) choose; on day 100 the renewed face q^50 (days 51..=100) and half
    // leave again, so E[strength after day 100] = 100,000 · q^101 / 4 ≈ 13,226. Counting
    // the renewed cohort's losses from the wrong day shifts this by ~83; per-run sd ≈ 110,
    // 400 runs give SE 5.5, so ±30 catches it.
    let (_, r, _) = run(&format!(
        "{HEAD}days = 101\nruns = 400\n[force]\ninitial = 0\n[[loss]]\nannual_rate = 0.9\n[[recruitment]]\npool = 100000\nuptake = 1\nstart = 2024-01-01\nend = 2024-01-01\nterm_days = 50\nrenewal = 0.5\n"
    ));
    let q = libm::pow(0.1, 1.0 / 365.0);
    let bands = daily_bands(&r);
    assert_near(bands[50][series("total")].mean, 100_000.0 * q.powi(51) / 2.0, 40.0, "after the first expiry");
    assert_near(bands[100][series("total")].mean, 100_000.0 * q.powi(101) / 4.0, 30.0, "after the second expiry");
}

#[test]
fn an_enormous_rate_takes_everyone_not_no_one() {
    // per_1000 = 10¹² of a force of 10¹² is a mean of 10²¹, above the Poisson sampler's
    // limit: every deployed person is a casualty on day 0, never zero casualties.
    let (_, _, s) = run(&format!("{HEAD}days = 3\nruns = 5\n[force]\ninitial = 1e12\n[attrition]\nper_1000 = 1e12\n"));
    assert_eq!(s.casualties_total.p5, 1e12);
}

#[test]
fn terms_still_expire_after_the_force_was_wiped_out() {
    // Everyone is lost on day 0; recruits arriving from day 5 on 10-day terms must still
    // leave on schedule: by day 29 arrivals of days 5..=29 (2,500 expected) less those of
    // days 5..=19 who left (1,500) = 1,000 (Poisson sd ≈ 32 a run; 100 runs; ±20).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 30\nruns = 100\n[force]\ninitial = 1000\n[attrition]\ndaily = [ {{ from = 2024-01-01, value = 1000000 }}, {{ from = 2024-01-02, value = 0 }} ]\n[[recruitment]]\ndaily = 100\nstart = 2024-01-01\ntraining_days = 5\nterm_days = 10\n"
    ));
    assert_near(s.total_end.mean, 1_000.0, 20.0, "strength after expiries");
}
