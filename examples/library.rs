//! Using muster as a library: validate a scenario, simulate it, read the answer.
//!
//! `cargo run --release --example library`
//!
//! The scenario is MODEL.md's exact check: a force of 100,000 holding a target of 100,000
//! receives one wave of exactly 100,000 on day 10, trained for 30 days, with no losses.
//! The surplus (`formation`) is 0 up to day 39 and 100,000 from day 40 in every run, so
//! the new army of 50,000 is certain and arrives on day 40. The program asserts that.

use muster::engine;
use muster::scenario::{Overrides, Scenario};
use muster::stats::{Summary, daily_bands};

const SCENARIO: &str = r#"
name = "One exact wave"
[simulation]
start = 2024-01-01
days = 120
runs = 200
[force]
initial = 100000
[[mobilization]]
date = 2024-01-11
size = 100000
training_days = 30
[goal]
new_army = 50000
"#;

fn main() {
    let scenario = match Scenario::parse("inline.toml", SCENARIO, Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{e}");
            std::process::exit(2);
        }
    };
    let results = engine::simulate(&scenario, None);
    let summary = Summary::new(&scenario, &results);
    let bands = daily_bands(&results);

    let goal = summary.new_army.as_ref().expect("the scenario has a goal");
    println!("{}: P(new army of 50,000 by {}) = {}", summary.name, goal.by, goal.probability);
    println!("median day reached: {:?} ({})", goal.day_reached.p50, scenario.start().add_days(40));
    println!("formation on day 39: {}, on day 40: {}", bands[39][1].p50, bands[40][1].p50);

    assert_eq!(goal.probability, 1.0);
    assert_eq!(goal.day_reached.p50, Some(40.0));
    assert_eq!(bands[39][1].p95, 0.0);
    assert_eq!(bands[40][1].p5, 100_000.0);
    println!("all assertions hold");
}
