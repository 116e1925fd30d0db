//! Armies that form and deploy (`[goal] deploy = true`), their count and days, and the two
//! probabilities that must not be confused: ever reached, and held on the deadline.

use muster::engine::{self, SERIES};
use muster::stats::daily_bands;

use crate::common::{HEAD, rejects, run, scenario};

/// Two exact waves of 50,000 (compliance 1, no training, no losses) on days 10 and 20,
/// and armies of 30,000.
fn waves(deploy: bool) -> String {
    format!(
        "{HEAD}days = 40\nruns = 20\n[force]\ninitial = 100000\n\
         [[mobilization]]\ndate = 2024-01-11\nsize = 50000\n[[mobilization]]\ndate = 2024-01-21\nsize = 50000\n\
         [goal]\nnew_army = 30000\ndeploy = {deploy}\n"
    )
}

#[test]
fn exact_waves_form_one_army_per_thirty_thousand_on_known_days() {
    // Day 10: formation 50,000 holds one army (formed; target 130,000, formation 20,000
    // from day 11); day 20: 70,000 holds two more (target 190,000, formation 10,000).
    // In all ⌊100,000 / 30,000⌋ = 3, the first on day 10, the second on day 20.
    let (sc, results, s) = run(&waves(true));
    let goal = s.new_army.expect("a goal");
    assert!(goal.deploy);
    assert_eq!(goal.armies_formed.band.p5, 3.0);
    assert_eq!(goal.armies_formed.band.p95, 3.0);
    assert_eq!(goal.armies_formed.at_least(3), 1.0);
    assert_eq!((goal.first_formed.p50, goal.second_formed.p50), (Some(10.0), Some(20.0)));
    assert_eq!(goal.probability, 1.0);
    assert_eq!(s.deployed_end.p50, 190_000.0);
    assert_eq!(s.formation_end.p50, 10_000.0);
    let bands = daily_bands(&results);
    let at = |day: usize, name: &str| bands[day][SERIES.iter().position(|x| *x == name).unwrap()].p50;
    // The day an army forms it is still surplus; from the next day it is deployed.
    assert_eq!((at(10, "formation"), at(10, "armies"), at(10, "target")), (50_000.0, 0.0, 100_000.0));
    assert_eq!((at(11, "formation"), at(11, "armies"), at(11, "deployed")), (20_000.0, 1.0, 130_000.0));
    assert_eq!((at(21, "armies"), at(21, "target"), at(21, "deployed")), (3.0, 190_000.0, 190_000.0));
    // People are conserved on every day, armies or not.
    engine::simulate_run(&sc, 0, |day, l| assert!(l.balances(), "day {day}: {l:?}"));
}

#[test]
fn without_deploy_the_count_is_what_the_surplus_on_the_deadline_would_resource() {
    // Nothing is formed: formation ends at 100,000, three armies' worth, first reached on
    // day 10 (50,000) and two on day 20 (100,000); deployed stays at 100,000.
    let (_, _, s) = run(&waves(false));
    let goal = s.new_army.expect("a goal");
    assert_eq!(goal.armies_formed.band.p50, 3.0);
    assert_eq!((goal.first_formed.p50, goal.second_formed.p50), (Some(10.0), Some(20.0)));
    assert_eq!(s.deployed_end.p50, 100_000.0);
    assert_eq!(goal.probability_at_deadline, 1.0);
}

#[test]
fn touching_the_size_is_not_holding_it_on_the_deadline() {
    // A wave of 50,000 on day 10 touches the goal; from day 20 the front takes 10,000 a
    // day (Poisson) until the force is gone. Ever reached: every
    // run; on the deadline (day 59): none.
    let text = format!(
        "{HEAD}days = 60\nruns = 50\n[force]\ninitial = 100000\n[attrition]\n\
         daily = [ {{ from = 2024-01-01, value = 0 }}, {{ from = 2024-01-21, value = 10000 }} ]\n\
         [[mobilization]]\ndate = 2024-01-11\nsize = 50000\n[goal]\nnew_army = 30000\n"
    );
    let (_, _, s) = run(&text);
    let goal = s.new_army.expect("a goal");
    assert_eq!(goal.probability, 1.0, "ever reached");
    assert_eq!(goal.probability_at_deadline, 0.0, "held on the deadline");
    assert_eq!(goal.armies_formed.at_least(1), 0.0);
}

#[test]
fn deployed_armies_face_per_1000_attrition() {
    // With per_1000 attrition more deployed means more casualties: the armies formed from
    // a large surplus raise the casualties, while with a daily rate they would not.
    let text = |deploy: bool| {
        format!(
            "{HEAD}days = 200\nruns = 100\n[force]\ninitial = 100000\n[attrition]\nper_1000 = 2\n\
             [[mobilization]]\ndate = 2024-01-02\nsize = 200000\n[goal]\nnew_army = 30000\ndeploy = {deploy}\n"
        )
    };
    let (_, _, kept) = run(&text(false));
    let (_, _, deployed) = run(&text(true));
    // 200 a day from 100,000 deployed for 200 days: 40,000 (sd 200; SE 20 over 100 runs).
    // Deployed armies (six of 30,000 formed on day 1, 280,000 deployed) nearly triple it:
    // far beyond any noise.
    assert!((kept.casualties_total.mean - 40_000.0).abs() < 100.0, "{}", kept.casualties_total.mean);
    assert!(deployed.casualties_total.mean > 1.5 * kept.casualties_total.mean, "{}", deployed.casualties_total.mean);
    assert!(deployed.new_army.expect("a goal").armies_formed.band.p50 >= 6.0);
}

#[test]
fn deploy_must_be_true_or_false_and_needs_an_army() {
    rejects(
        "deploy.toml",
        &format!("{HEAD}days = 10\n[force]\ninitial = 10\n[goal]\nnew_army = 5\ndeploy = \"yes\"\n"),
        &["`goal.deploy`: expected true or false"],
    );
    rejects("no-army.toml", &format!("{HEAD}days = 10\n[force]\ninitial = 10\n[goal]\ndeploy = true\n"), &["new_army"]);
    assert!(scenario(&waves(true)).goal().expect("a goal").deploy());
}
