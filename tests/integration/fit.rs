//! `simulate fit`: rejection ABC recovers a known truth, narrows with a tighter fraction,
//! is the same on any number of threads, and writes its files.

use muster::fit;
use muster::scenario::{Observed, ObservedPoint, ObservedPoints};

use crate::common::{scenario, simulate, temp_dir};

/// No losses, 100,000 at the start, one stream signing a uniform 0–2,000 a day (training
/// 0): strength on day d is 100,000 + the rate × (d + 1), give or take Poisson noise.
const PRIOR: &str = "[simulation]\nstart = 2024-01-01\ndays = 300\nruns = 4000\n[force]\ninitial = 100000\n\
                     [[recruitment]]\nname = \"signings\"\ndaily = { dist = \"uniform\", min = 0, max = 2000 }\ntraining_days = 0\n";

/// Estimates of strength generated from a rate of 1,200 a day, each with a 1% error.
fn truth() -> Observed {
    let points = [29, 89, 149, 209, 269, 299]
        .map(|day| {
            let value = 100_000.0 + 1_200.0 * f64::from(day + 1);
            ObservedPoint { day, value, sd: 0.01 * value }
        })
        .to_vec();
    Observed {
        points: vec![ObservedPoints {
            key: "strength".into(),
            series: muster::ledger::series::TOTAL,
            points,
            outside: 0,
        }],
        ..Observed::default()
    }
}

#[test]
fn a_known_rate_is_recovered_and_a_tighter_fraction_narrows_the_posterior() {
    let sc = scenario(PRIOR).with_observed(truth());
    let loose = fit::fit(&sc, 0.10, None).expect("fit");
    let tight = fit::fit(&sc, 0.02, None).expect("fit");
    assert_eq!((tight.runs, tight.accepted, loose.accepted), (4000, 80, 400));
    let (prior, posterior) = (&tight.inputs[0].prior, &tight.inputs[0].posterior);
    // The uniform prior puts 2 runs per unit of rate; the 80 closest runs are those
    // within about ±20 of the rate that fits (the Poisson noise of 300 days moves a run's
    // strength by ~600 people, 2 in rate), so their median lies within a few units of
    // 1,200: 15 is three times that and still a hundredth of the prior's range.
    assert!((posterior.p50 - 1_200.0).abs() < 15.0, "posterior median {}", posterior.p50);
    assert!(posterior.p5 < 1_200.0 && 1_200.0 < posterior.p95, "{posterior:?}");
    // The prior's 90% interval is 100–1,900; the posterior's about 36 wide.
    assert!(tight.inputs[0].narrower() > 5.0, "only {}× narrower", tight.inputs[0].narrower());
    assert!((prior.width() - 1_800.0).abs() < 60.0, "prior {prior:?}");
    // Keeping 10% accepts rates within ~±100: about five times wider.
    assert!(
        loose.inputs[0].posterior.width() > 2.5 * posterior.width(),
        "10%: {:?}, 2%: {posterior:?}",
        loose.inputs[0].posterior
    );
    // The kept runs are the closest, in order.
    assert!(tight.kept.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(tight.distance.accepted_max < tight.distance.all.p50);
}

#[test]
fn a_fit_is_the_same_on_one_and_two_threads() {
    let sc = scenario(&PRIOR.replace("runs = 4000", "runs = 500")).with_observed(truth());
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| {
            let f = fit::fit(&sc, 0.05, None).expect("fit");
            let posterior = fit::posterior_runs(&sc, &f, None);
            (f, muster::stats::daily_bands(&posterior))
        })
    };
    assert_eq!(on(1), on(2));
}

#[test]
fn a_fit_needs_observations_and_uncertain_inputs() {
    let sc = scenario(PRIOR);
    assert_eq!(fit::fit(&sc, 0.02, None), Err(fit::FitError::NoObservations));
    let fixed = scenario(&PRIOR.replace("{ dist = \"uniform\", min = 0, max = 2000 }", "1200")).with_observed(truth());
    assert_eq!(fit::fit(&fixed, 0.02, None), Err(fit::FitError::NoUncertainInputs));
}

#[test]
fn the_command_writes_its_files_and_prints_the_table() {
    let dir = temp_dir("fit-command");
    let mut csv = String::from("date,estimate\n");
    for p in &truth().points[0].points {
        csv +=
            &format!("{},{}\n", muster::date::Date::from_ymd(2024, 1, 1).unwrap().add_days(i64::from(p.day)), p.value);
    }
    std::fs::write(dir.join("truth.csv"), csv).expect("write");
    let text = format!("{PRIOR}[observed]\nstrength = {{ file = \"truth.csv\", sd = 0.01 }}\n");
    std::fs::write(dir.join("t.toml"), text.replace("runs = 4000", "runs = 1000")).expect("write");
    let o = simulate(&["fit", "t.toml", "--accept", "0.05"], &dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("50 of 1,000 runs kept (5.0%"), "{out}");
    assert!(out.contains("signings: daily (recruitment[0].daily)"), "{out}");
    for f in
        ["fit.json", "posterior.csv", "posterior-summary.json", "posterior-daily.csv", "fit.png", "posterior-fan.png"]
    {
        assert!(dir.join("out/t.fit").join(f).exists(), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/t.fit/fit.json")).unwrap()).unwrap();
    assert_eq!((json["runs"].as_u64(), json["accepted"].as_u64()), (Some(1000), Some(50)));
    assert_eq!(json["inputs"][0]["key"], "recruitment[0].daily");
    let posterior = std::fs::read_to_string(dir.join("out/t.fit/posterior.csv")).unwrap();
    assert_eq!(posterior.lines().next(), Some("run,distance,recruitment[0].daily"));
    assert_eq!(posterior.lines().count(), 51);
    // A fraction that is not one, and a scenario with nothing observed, are refused.
    let o = simulate(&["fit", "t.toml", "--accept", "0"], &dir);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(dir.join("bare.toml"), PRIOR).expect("write");
    let o = simulate(&["fit", "bare.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to fit to"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_fit_that_would_not_fit_in_memory_is_refused_before_it_runs() {
    // 40,000,000 runs keep their outcomes within the limit, but a fit keeps each run's 40
    // uncertain inputs too: about 26 GB.
    let dir = temp_dir("fit-memory");
    let mut text =
        String::from("[simulation]\nstart = 2024-01-01\ndays = 10\nruns = 40000000\n[force]\ninitial = 1000\n");
    for _ in 0..40 {
        text += "[[loss]]\nannual_rate = { dist = \"uniform\", min = 0.01, max = 0.02 }\n";
    }
    text += "[observed]\nstrength = { file = \"e.csv\" }\n";
    std::fs::write(dir.join("e.csv"), "date,estimate\n2024-01-05,1000\n").expect("write");
    std::fs::write(dir.join("big.toml"), text).expect("write");
    let started = std::time::Instant::now();
    let o = simulate(&["fit", "big.toml", "--quiet"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("fit fewer runs (--runs)") && err.contains("GiB"), "{err}");
    assert!(started.elapsed().as_secs() < 30, "refused before the runs, not after");
    assert!(!dir.join("out").exists());
}
