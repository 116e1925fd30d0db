//! Issue 4's features, each with a test that would fail if it were wrong: precision,
//! Latin hypercube sampling, correlations, common random numbers, sensitivity and
//! break-even.

use muster::analysis::{self, Outcome, pearson, ranks};
use muster::engine;
use muster::inputs::Design;
use muster::plot;
use muster::scenario::{Overrides, Scenario};
use muster::stats::{Summary, daily_bands, paired_difference};

use crate::common::{assert_near, run, scenario, simulate, temp_dir};

const UNIFORM_RATE: &str = "[simulation]\nstart = 2024-01-01\ndays = 100\nruns = 100\n[force]\ninitial = 1000000\n[attrition]\ndaily = { dist = \"uniform\", min = 400, max = 800 }\n";

#[test]
fn a_known_rank_correlation_is_recovered() {
    // Two uncertain inputs with rank correlation 0.6 imposed by the copula. Over 5,000 runs
    // the sample Spearman ρ has a standard error of about (1 − ρ²)/√n ≈ 0.009; ±0.03 is
    // over 3 SE, and far from the 0 of independent draws.
    let text = format!(
        "{}[[recruitment]]\ndaily = {{ dist = \"pert\", min = 800, mode = 1100, max = 1400 }}\n[[correlation]]\nbetween = [\"attrition.daily\", \"recruitment[0].daily\"]\nrank = 0.6\n",
        UNIFORM_RATE.replace("runs = 100", "runs = 5000")
    );
    let sc = scenario(&text);
    let (a, b) = (sc.find_input("attrition.daily").expect("a"), sc.find_input("recruitment[0].daily").expect("b"));
    let design = Design::new(&sc, 0..5000);
    let values: Vec<Vec<f64>> = (0..5000).map(|run| design.values(run)).collect();
    let x: Vec<f64> = values.iter().map(|v| v[a.index()]).collect();
    let y: Vec<f64> = values.iter().map(|v| v[b.index()]).collect();
    assert_near(pearson(&ranks(&x), &ranks(&y)), 0.6, 0.03, "Spearman ρ");
    // The marginals are untouched: the uniform still spans 400..800 evenly.
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    assert_near(mean, 600.0, 4.0, "uniform mean (SE 1.6)");
    // Without the correlation the two are independent.
    let sc = scenario(&text.replace("rank = 0.6", "rank = 0.0"));
    let design = Design::new(&sc, 0..5000);
    let values: Vec<Vec<f64>> = (0..5000).map(|run| design.values(run)).collect();
    let x: Vec<f64> = values.iter().map(|v| v[a.index()]).collect();
    let y: Vec<f64> = values.iter().map(|v| v[b.index()]).collect();
    assert_near(pearson(&ranks(&x), &ranks(&y)), 0.0, 0.045, "independent ρ (SE 0.014)");
}

#[test]
fn inconsistent_correlations_are_refused() {
    let dir = temp_dir("psd");
    let text = format!(
        "{}[[recruitment]]\ndaily = {{ dist = \"uniform\", min = 1, max = 2 }}\n[[loss]]\nannual_rate = {{ dist = \"uniform\", min = 0.01, max = 0.02 }}\n\
[[correlation]]\nbetween = [\"attrition.daily\", \"recruitment[0].daily\"]\nrank = 0.9\n\
[[correlation]]\nbetween = [\"recruitment[0].daily\", \"loss[0].annual_rate\"]\nrank = 0.9\n\
[[correlation]]\nbetween = [\"attrition.daily\", \"loss[0].annual_rate\"]\nrank = -0.9\n",
        UNIFORM_RATE
    );
    std::fs::write(dir.join("psd.toml"), text).expect("write");
    let o = simulate(&["check", "psd.toml"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not positive semi-definite") && err.contains("psd.toml:"), "{err}");
    // Unknown, fixed and self-correlated keys are named.
    for (between, expected) in [
        ("[\"attrition.daly\", \"recruitment[0].daily\"]", "did you mean `attrition.daily`?"),
        ("[\"attrition.daily\", \"force.initial\"]", "`force.initial` is a fixed number"),
        ("[\"attrition.daily\", \"attrition.daily\"]", "cannot be correlated with itself"),
    ] {
        let text = format!(
            "{UNIFORM_RATE}[[recruitment]]\ndaily = {{ dist = \"uniform\", min = 1, max = 2 }}\n[[correlation]]\nbetween = {between}\nrank = 0.5\n"
        );
        std::fs::write(dir.join("bad.toml"), text).expect("write");
        let o = simulate(&["check", "bad.toml"], &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expected) && err.contains("`correlation[0].between`"), "{err}");
    }
}

#[test]
fn latin_hypercube_stratifies_every_input_and_is_more_precise() {
    // Every input's quantiles in a batch of N fall one in each stratum [k/N, (k+1)/N).
    let lhs = UNIFORM_RATE.replace("runs = 100", "runs = 100\nsampling = \"lhs\"");
    let sc = scenario(&lhs);
    let id = sc.find_input("attrition.daily").expect("input");
    let design = Design::new(&sc, 0..100);
    let mut strata: Vec<usize> = (0..100).map(|run| (design.quantiles(run)[id.index()] * 100.0) as usize).collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..100).collect::<Vec<_>>());
    // The mean casualties over 100 runs, repeated with 40 seeds: the rate is drawn once
    // per run from a uniform on [400, 800], so with random sampling the estimate has sd
    // ≈ 100 × 115.5/√100 ≈ 1,155; stratified, only the Poisson noise (sd ≈ 24) and a
    // small stratification residue remain. Requiring LHS's spread below a third of random's
    // leaves a wide margin against the ~11% error of a 40-sample sd.
    let spread = |text: &str| {
        let means: Vec<f64> = (1..=40)
            .map(|seed| {
                let sc = Scenario::parse("t.toml", text, Overrides { seed: Some(seed), ..Overrides::default() })
                    .expect("valid");
                Summary::new(&sc, &engine::simulate(&sc, None)).casualties_total.mean
            })
            .collect();
        let m = means.iter().sum::<f64>() / 40.0;
        (means.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 39.0).sqrt()
    };
    let (random, stratified) = (spread(UNIFORM_RATE), spread(&lhs));
    assert!(stratified < random / 3.0, "LHS sd {stratified} vs random sd {random}");
    assert!(random > 700.0 && random < 1700.0, "random sd {random} should be near 1,155");
}

#[test]
fn precision_batches_give_the_same_runs_as_a_plain_run() {
    // With random sampling, adding batches until the interval is narrow enough simulates
    // exactly runs 0..N, so the result equals a plain run of N.
    let text = "[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 500\n[force]\ninitial = 10000\n[[recruitment]]\ndaily = { dist = \"uniform\", min = 0, max = 20 }\n[goal]\nnew_army = 600\n";
    let sc = scenario(text);
    let until = engine::simulate_until(&sc, 100_000, |r| r.runs >= 2500, None);
    assert_eq!(until.runs, 2500);
    let plain_sc =
        Scenario::parse("test.toml", text, Overrides { runs: Some(2500), ..Overrides::default() }).expect("valid");
    let plain = engine::simulate(&plain_sc, None);
    assert_eq!(Summary::new(&sc, &until), Summary::new(&plain_sc, &plain));
    assert_eq!(daily_bands(&until), daily_bands(&plain));
}

#[test]
fn precision_option_reaches_its_target() {
    let dir = temp_dir("precision");
    let text = "[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 500\n[force]\ninitial = 10000\n[[recruitment]]\ndaily = { dist = \"uniform\", min = 0, max = 20 }\n[goal]\nnew_army = 600\n";
    std::fs::write(dir.join("p.toml"), text).expect("write");
    let o = simulate(&["p.toml", "--precision", "0.01", "--no-plot"], &dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("target ±0.01 reached"), "{out}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/p/summary.json")).expect("summary")).expect("json");
    let [lo, hi] =
        [summary["new_army"]["probability_ci95"][0].as_f64(), summary["new_army"]["probability_ci95"][1].as_f64()];
    assert!((hi.expect("hi") - lo.expect("lo")) / 2.0 <= 0.01);
    assert_eq!(summary["precision"], 0.01);
    assert!(summary["runs"].as_u64().expect("runs") > 500, "more runs were needed than the first 500");
    // No goal, no precision: a usage error.
    std::fs::write(dir.join("nogoal.toml"), text.replace("[goal]\nnew_army = 600\n", "")).expect("write");
    let o = simulate(&["nogoal.toml", "--precision", "0.01"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a [goal]"));
}

#[test]
fn scenarios_share_random_numbers_where_they_match() {
    // The same scenario twice: every run identical, so the paired difference is exactly 0.
    let base = "[simulation]\nstart = 2024-01-01\ndays = 200\nruns = 400\n[force]\ninitial = 100000\n[attrition]\ndaily = { dist = \"uniform\", min = 300, max = 700 }\ndispersion = 20\n[[recruitment]]\ndaily = { dist = \"uniform\", min = 400, max = 900 }\n[goal]\nnew_army = 30000\n";
    let reached = |text: &str| -> Vec<bool> {
        let sc = scenario(text);
        engine::simulate(&sc, None).outcomes.iter().map(|o| o.day_reached.is_some()).collect()
    };
    let a = reached(base);
    assert_eq!(paired_difference(&a, &reached(base)), (0.0, 0.0, 0.0));
    // Adding a small mobilization wave (a new flow with its own streams) leaves the shared
    // draws alone: the runs differ only through the wave, so the paired interval is far
    // narrower than two independent estimates' would be (√(p(1−p)/n)·√2·1.96 ≈ 0.07).
    let b = reached(&base.replace("[goal]", "[[mobilization]]\ndate = 2024-03-01\nsize = 2000\n[goal]"));
    let (d, lo, hi) = paired_difference(&a, &b);
    assert!(d >= 0.0, "a wave can only help: {d}");
    assert!(hi - lo < 0.05, "paired interval [{lo}, {hi}] should be narrow");
    // And with the same seed the attrition input draws are identical run by run.
    let (sa, sb) =
        (scenario(base), scenario(&base.replace("[goal]", "[[mobilization]]\ndate = 2024-03-01\nsize = 2000\n[goal]")));
    let key = sa.find_input("attrition.daily").expect("key");
    let key_b = sb.find_input("attrition.daily").expect("key");
    let (da, db) = (Design::new(&sa, 0..400), Design::new(&sb, 0..400));
    assert!((0..400).all(|run| da.values(run)[key.index()] == db.values(run)[key_b.index()]));
}

#[test]
fn the_tornado_of_one_uncertain_input_shows_only_that_input() {
    // Recruits (1,000 a day) always outnumber casualties (400..800), so the surplus is
    // positive and falls linearly with the one uncertain rate.
    let sc = scenario(&format!("{UNIFORM_RATE}[[recruitment]]\ndaily = 1000\n"));
    let s = analysis::sensitivity(&sc, Outcome::FormationEnd, 100, None).expect("analysis");
    assert_eq!(s.inputs.len(), 1);
    let only = &s.inputs[0];
    assert_eq!(only.key, "attrition.daily");
    // More casualties, less surplus: a rank correlation near −1 (the Poisson noise, sd ≈ 330
    // over 100 days, is small against the 40,000 the rate spans).
    assert!(only.spearman < -0.98, "ρ = {}", only.spearman);
    assert!(only.swing() < 0.0);
    // P10 and P90 of Uniform(400, 800) are 440 and 760; over 100 days at a surplus of
    // 1,000 − rate a day the mean formation moves by 100 × 320 = 32,000 (the noise of a
    // mean over 100 runs is about 45).
    assert_near(only.p10, 440.0, 1e-9, "P10");
    assert_near(only.p90, 760.0, 1e-9, "P90");
    assert_near(only.swing(), -32_000.0, 400.0, "swing");
}

#[test]
fn a_tornado_where_no_input_moves_the_outcome_has_distinct_axis_labels() {
    // Strength never exceeds the target, so formation ends at 0 whatever the rate.
    let sc = scenario(UNIFORM_RATE);
    let s = analysis::sensitivity(&sc, Outcome::FormationEnd, 20, None).expect("analysis");
    assert!(s.inputs.iter().all(|i| i.at_p10 == 0.0 && i.at_p90 == 0.0) && s.baseline == 0.0);
    let chart = plot::Tornado { sensitivity: &s, name: "flat", footer: String::new() };
    let svg = String::from_utf8(plot::tornado_chart(&chart, plot::Format::Svg).expect("draws")).expect("UTF-8");
    // The x-axis labels: centred texts of digits only.
    let labels: Vec<&str> = svg
        .split("text-anchor=\"middle\"")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split("</text>").next()).map(str::trim))
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == ','))
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = labels.iter().collect();
    assert!(labels.len() >= 3 && distinct.len() == labels.len(), "x labels {labels:?}");
}

#[test]
fn sensitivity_needs_a_goal_for_the_goal_outcomes() {
    let sc = scenario(UNIFORM_RATE);
    assert!(analysis::sensitivity(&sc, Outcome::NewArmy, 10, None).is_err());
    assert!(analysis::sensitivity(&sc, Outcome::Armies, 10, None).is_err());
    assert!(analysis::sensitivity(&sc, Outcome::DeployedEnd, 10, None).is_ok());
}

#[test]
fn the_armies_formed_fall_with_the_casualty_rate() {
    // A surplus of 1,000 − rate a day over 100 days, armies of 5,000 formed and deployed:
    // the count by the last day is ⌊100 × (1,000 − rate) / 5,000⌋, ⌊11.2⌋ = 11 at the P10
    // rate of 440 and ⌊4.8⌋ = 4 at the P90 of 760, so the swing is −7; the training delay
    // and the daily noise (sd ≈ 300 people over 100 days) move either count by at most one.
    let sc =
        scenario(&format!("{UNIFORM_RATE}[[recruitment]]\ndaily = 1000\n[goal]\nnew_army = 5000\ndeploy = true\n"));
    let s = analysis::sensitivity(&sc, Outcome::Armies, 100, None).expect("analysis");
    let only = &s.inputs[0];
    assert!(only.spearman < -0.9, "ρ = {}", only.spearman);
    assert_near(only.swing(), -7.0, 1.0, "swing in armies");
}

#[test]
fn breakeven_finds_an_exact_threshold_and_a_poisson_median() {
    // A wave of S on day 10, trained 30 days, no losses, a goal of 50,000: reached in
    // every run iff S ≥ 50,000. The bisection stops within 10⁻⁴ of its range (0..200,000).
    let wave = "[simulation]\nstart = 2024-01-01\ndays = 120\nruns = 20\n[force]\ninitial = 100000\n[[mobilization]]\ndate = 2024-01-11\nsize = 100000\ntraining_days = 30\n[goal]\nnew_army = 50000\n";
    let b = analysis::breakeven(&scenario(wave), "mobilization[0].size", 0.5, None, None, None).expect("search");
    assert!(b.increasing);
    assert_near(b.value.expect("reached"), 50_000.0, 25.0, "break-even size");
    // r recruits a day for 100 days, no training, no losses: P(Poisson(100 r) ≥ 10,000)
    // = 0.5 at r ≈ 99.997 (the Poisson median is about λ + 1/3). With 400 runs on common
    // random numbers the estimate has an SE near 0.06; ±0.5 is 8 SE.
    let recruits = "[simulation]\nstart = 2024-01-01\ndays = 100\nruns = 400\n[force]\ninitial = 0\n[[recruitment]]\ndaily = 50\n[goal]\nnew_army = 10000\n";
    let b = analysis::breakeven(&scenario(recruits), "recruitment[0].daily", 0.5, None, None, None).expect("search");
    assert_near(b.value.expect("reached"), 100.0, 0.5, "break-even rate");
    assert!(b.points.windows(2).all(|w| w[0].value < w[1].value && w[0].probability <= w[1].probability));
    // An unknown key suggests the nearest.
    let e = analysis::breakeven(&scenario(recruits), "recruitment[0].dayly", 0.5, None, None, None).unwrap_err();
    assert!(e.to_string().contains("did you mean `recruitment[0].daily`?"), "{e}");
}

#[test]
fn analysis_commands_write_their_outputs() {
    let dir = temp_dir("analysis-cli");
    let text = "name = \"Rates\"\n[simulation]\nstart = 2024-01-01\ndays = 100\nruns = 200\n[force]\ninitial = 0\n[attrition]\ndaily = { dist = \"uniform\", min = 10, max = 30 }\n[[recruitment]]\ndaily = { dist = \"uniform\", min = 40, max = 120 }\n[goal]\nnew_army = 5000\n";
    std::fs::write(dir.join("r.toml"), text).expect("write");
    let o = simulate(&["sensitivity", "r.toml", "--outcome", "new_army", "--swing-runs", "50"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("What drives new_army") && out.contains("recruitment[0].daily"), "{out}");
    let csv = std::fs::read_to_string(dir.join("out/r.sensitivity/sensitivity.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.lines().nth(1).expect("row").starts_with("1,recruitment[0].daily,"), "{csv}");
    assert!(dir.join("out/r.sensitivity/tornado.png").exists());
    let o = simulate(
        &["breakeven", "r.toml", "--vary", "recruitment[0].daily", "--probability", "0.9", "--format", "svg"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("reaches 0.9 from recruitment[0].daily ="));
    assert!(dir.join("out/r.breakeven/breakeven.svg").exists() && dir.join("out/r.breakeven/breakeven.csv").exists());
    let o = simulate(&["breakeven", "r.toml", "--vary", "nothing"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        simulate(&["breakeven", "r.toml", "--vary", "recruitment[0].daily", "--probability", "1.5"], &dir)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn summary_records_what_regenerates_it() {
    let (sc, _, s) = run(&UNIFORM_RATE.replace("runs = 100", "runs = 100\nsampling = \"lhs\"\nseed = 42"));
    let json: serde_json::Value = serde_json::from_str(&muster::output::summary_json(&s)).expect("json");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["seed"], 42);
    assert_eq!(json["runs"], 100);
    assert_eq!(json["sampling"], "lhs");
    assert_eq!(json["scenario_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(json["scenario_sha256"], sc.sha256());
    assert!(json["casualties_total"]["se"].as_f64().expect("se") > 0.0);
}

#[test]
fn inputs_are_named_in_the_scenarios_words() {
    let sc = scenario(
        "[simulation]\nstart = 2024-01-01\ndays = 100\n[force]\ninitial = 1000\n\
         [attrition]\ndaily = [ { from = 2024-01-01, value = 5 }, { from = 2024-02-01, value = { dist = \"uniform\", min = 1, max = 9 } } ]\n\
         return_to_duty = { dist = \"uniform\", min = 0.2, max = 0.4 }\nrecovery_days = 30\n\
         [[recruitment]]\nname = \"contract signings\"\ndaily = { dist = \"uniform\", min = 1, max = 9 }\n\
         [[loss]]\nname = \"desertion\"\nannual_rate = 0.02\n",
    );
    for (key, name) in [
        ("attrition.daily[1]", "attrition: daily from 2024-02-01"),
        ("attrition.return_to_duty", "attrition: return_to_duty"),
        ("recruitment[0].daily", "contract signings: daily"),
        ("loss[0].annual_rate", "desertion: annual_rate"),
        ("force.initial", "force: initial"),
    ] {
        assert_eq!(sc.input_name(key), name, "{key}");
    }
    assert_eq!(sc.input_unit("attrition.daily[1]"), "people a day");
    assert_eq!(sc.input_unit("attrition.return_to_duty"), "share");
}

#[test]
fn a_high_break_even_target_gets_a_zoomed_axis_and_a_named_input() {
    use muster::analysis::{BreakEven, ProbabilityAt};
    let at = |value: f64, probability: f64| ProbabilityAt {
        value,
        probability,
        lo95: probability - 0.004,
        hi95: (probability + 0.004).min(1.0),
    };
    let points = vec![at(0.0, 0.0), at(900.0, 0.97), at(1000.0, 0.989), at(1020.0, 0.991), at(2000.0, 1.0)];
    let chart = |target: f64| {
        let b = BreakEven {
            key: "recruitment[0].daily".into(),
            name: "contract signings: daily".into(),
            unit: "people a day".into(),
            target,
            runs: 100,
            value: Some(1010.0),
            increasing: true,
            range: (0.0, 2000.0),
            points: points.clone(),
        };
        let c = plot::BreakEvenChart { breakeven: &b, goal: "P(new army)".into(), name: "s", footer: String::new() };
        String::from_utf8(plot::breakeven_chart(&c, plot::Format::Svg).expect("draws")).expect("UTF-8")
    };
    let zoomed = chart(0.99);
    assert!(zoomed.contains("probability (axis from 0.95)"), "the axis says where it starts");
    assert!(
        zoomed.contains("contract signings: daily, people a day (recruitment[0].daily)"),
        "the input by name, unit and key"
    );
    let plain = chart(0.5);
    assert!(plain.contains("\nprobability\n") && !plain.contains("axis from"));
}
