//! Properties that must hold for every valid scenario: people are conserved on every day
//! of every run, percentile bands are ordered, and results do not depend on threads.

use std::fmt::Write as _;

use muster::engine;
use muster::output::{daily_csv, summary_json};
use muster::stats::{Summary, daily_bands, source_bands};
use proptest::prelude::*;

use crate::common::scenario;
use crate::outputs::listing;

/// A random valid scenario touching any subset of the flows.
fn any_scenario() -> impl Strategy<Value = String> {
    let attrition = prop_oneof![
        Just(String::new()),
        (0u32..3000, prop::option::of(1u32..100), 0u32..=10, 0u32..=10, 0u32..=100, 1u32..60).prop_map(
            |(rate, k, killed, wounded, rtd, rec)| {
                let wounded = wounded.min(10 - killed);
                let missing = 10 - killed - wounded;
                let mut s = format!(
                    "[attrition]\ndaily = {{ dist = \"triangular\", min = 0, mode = {rate}, max = {} }}\n",
                    rate + 100
                );
                if let Some(k) = k {
                    let _ = writeln!(s, "dispersion = {k}");
                }
                let _ = writeln!(
                    s,
                    "killed = {}\nwounded = {}\nmissing = {}",
                    killed as f64 / 10.0,
                    wounded as f64 / 10.0,
                    missing as f64 / 10.0
                );
                let _ = writeln!(
                    s,
                    "return_to_duty = {}\nrecovery_days = {{ dist = \"pert\", min = 0, mode = {rec}, max = {} }}",
                    rtd as f64 / 100.0,
                    rec * 2
                );
                s
            }
        ),
        (1u32..50).prop_map(|p| format!("[attrition]\nper_1000 = {}\n", p as f64 / 10.0)),
    ];
    let loss = (0u32..50).prop_map(|r| format!("[[loss]]\nannual_rate = {}\n", r as f64 / 100.0));
    let recruitment = (any::<bool>(), 0u32..2000, 0u32..40, prop::option::of((1u32..100, 0u32..=10))).prop_map(
        |(pool, rate, training, term)| {
            let mut s = String::from("[[recruitment]]\n");
            if pool {
                let _ = writeln!(s, "pool = {}\nuptake = {}", rate * 1000, f64::from(rate % 100) / 10_000.0);
            } else {
                let _ = writeln!(s, "daily = {rate}");
            }
            let _ = writeln!(s, "training_days = {{ dist = \"uniform\", min = 0, max = {training} }}");
            if let Some((days, renewal)) = term {
                let _ = writeln!(s, "term_days = {days}\nrenewal = {}", renewal as f64 / 10.0);
            }
            s
        },
    );
    // Dated, or triggered by a condition (which may repeat).
    let start = prop_oneof![
        (0u32..30).prop_map(|day| format!("date = 2024-01-{:02}\n", day + 1)),
        (0usize..3, 0u32..600_000, 1u32..20, prop::option::of(1u32..40)).prop_map(|(c, below, days, repeat)| {
            let condition = ["deployed_below", "formation_below", "total_below"][c];
            let repeat = repeat.map_or(String::new(), |r| format!("repeat_after_days = {r}\n"));
            format!("trigger = {{ {condition} = {below}, for_days = {days} }}\n{repeat}")
        }),
    ];
    let mobilization = (start, 0u32..200_000, 1u32..20, 0u32..=10, 0u32..60, 0u32..90).prop_map(
        |(start, size, callup, compliance, training, term)| {
            format!(
                "[[mobilization]]\n{start}size = {size}\ncallup_days = {callup}\ncompliance = {}\ntraining_days = {training}\nterm_days = {term}\n",
                compliance as f64 / 10.0
            )
        },
    );
    (
        30u32..200,
        1u32..6,
        0u32..500_000,
        0u32..=150,
        attrition,
        prop::collection::vec(loss, 0..3),
        prop::collection::vec(recruitment, 0..3),
        prop::collection::vec(mobilization, 0..3),
        prop_oneof![Just(None), Just(Some(false)), Just(Some(true))],
    )
        .prop_map(|(days, runs, initial, target_pct, attrition, losses, recruitment, mobilization, goal)| {
            let mut s = format!(
                "[simulation]\nstart = 2024-01-01\ndays = {days}\nruns = {runs}\n[force]\ninitial = {initial}\ntarget = {}\n",
                u64::from(initial) * u64::from(target_pct) / 100
            );
            s += &attrition;
            s += &losses.concat();
            s += &recruitment.concat();
            s += &mobilization.concat();
            if let Some(deploy) = goal {
                s += &format!("[cost]\nmonthly_pay = 2000\n[goal]\nnew_army = 30000\ndeploy = {deploy}\n");
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn people_are_conserved_on_every_day(text in any_scenario()) {
        let sc = scenario(&text);
        for run in 0..u64::from(sc.runs()) {
            let mut days = 0;
            engine::simulate_run_inspecting(&sc, run, |day, r| {
                let l = r.ledger();
                assert!(l.balances(), "day {day} of run {run}: {l:?}\n{text}");
                assert_eq!(l.deployed + l.formation, l.strength);
                // Sources add up to the force, on strength and in recovery.
                assert_eq!(r.composition().iter().sum::<u64>(), l.strength, "day {day} of run {run}\n{text}");
                assert_eq!(r.recovering_by_source().iter().sum::<u64>(), l.recovering);
                days += 1;
            });
            prop_assert_eq!(days, sc.days());
        }
    }

    #[test]
    fn bands_are_ordered_on_every_day(text in any_scenario()) {
        let sc = scenario(&text);
        let results = engine::simulate(&sc, None);
        for (day, row) in daily_bands(&results).iter().enumerate() {
            for band in row {
                let p = band.percentiles();
                prop_assert!(p.windows(2).all(|w| w[0] <= w[1]), "day {}: {:?}", day, band);
                prop_assert!(band.mean.is_finite(), "day {}: {:?}", day, band);
            }
        }
        let s = Summary::new(&sc, &results);
        for b in [s.deployed_end, s.formation_end, s.total_end, s.casualties_total, s.recruited_total] {
            prop_assert!(b.percentiles().windows(2).all(|w| w[0] <= w[1]), "{:?}", b);
        }
    }
}

/// Every flow with uncertain inputs, a triggered wave that may repeat and armies that
/// deploy, small enough to run in a test.
pub const EVERY_FLOW: &str = r#"
[simulation]
start = 2023-09-03
days = 200
runs = 300
seed = 3
[force]
initial = 420000
[attrition]
daily = [ { from = 2023-09-03, value = { dist = "pert", min = 450, mode = 600, max = 800 } },
          { from = 2024-01-01, value = { dist = "pert", min = 700, mode = 1000, max = 1400 } } ]
dispersion = 40
killed = 0.35
wounded = 0.60
missing = 0.05
return_to_duty = { dist = "uniform", min = 0.3, max = 0.6 }
recovery_days = { dist = "triangular", min = 14, mode = 45, max = 120 }
[[loss]]
annual_rate = { dist = "triangular", min = 0.01, mode = 0.03, max = 0.06 }
[[recruitment]]
daily = { dist = "pert", min = 800, mode = 1100, max = 1400 }
dispersion = 30
training_days = { dist = "triangular", min = 7, mode = 21, max = 45 }
term_days = 90
renewal = { dist = "uniform", min = 0.5, max = 0.9 }
signing_bonus = 5000
[[recruitment]]
pool = 6000000
uptake = { dist = "lognormal", mean = 0.00002, sd = 0.00001 }
start = 2023-06-15
training_days = 21
term_days = 60
renewal = 0.3
[[mobilization]]
date = 2024-01-01
size = { dist = "normal", mean = 300000, sd = 30000 }
callup_days = 45
compliance = { dist = "beta", alpha = 17, beta = 3 }
training_days = { dist = "triangular", min = 14, mode = 30, max = 60 }
[[mobilization]]
trigger = { deployed_below = 419000, for_days = 3 }
not_before = 2023-10-01
size = { dist = "uniform", min = 10000, max = 50000 }
callup_days = 20
repeat_after_days = 40
[cost]
monthly_pay = 2000
[goal]
new_army = 30000
deploy = true
"#;

fn outputs_with_threads(threads: usize) -> (String, String) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    pool.install(|| {
        let sc = scenario(EVERY_FLOW);
        let results = engine::simulate(&sc, None);
        let summary = Summary::new(&sc, &results);
        (summary_json(&summary), daily_csv(&summary, &daily_bands(&results), &source_bands(&results)))
    })
}

#[test]
fn outputs_are_byte_identical_on_one_and_two_threads() {
    let one = outputs_with_threads(1);
    let two = outputs_with_threads(2);
    assert!(one.0 == two.0, "summary.json differs between 1 and 2 threads");
    assert!(one.1 == two.1, "daily.csv differs between 1 and 2 threads");
    assert_eq!(one, outputs_with_threads(3));
}

#[test]
fn another_seed_gives_other_results() {
    let sc = scenario(EVERY_FLOW);
    let other = scenario(&EVERY_FLOW.replace("seed = 3", "seed = 4"));
    let a = Summary::new(&sc, &engine::simulate(&sc, None));
    let b = Summary::new(&other, &engine::simulate(&other, None));
    assert_ne!(a.casualties_total, b.casualties_total);
}

#[test]
fn every_flow_conserves_people_with_uncertain_inputs() {
    let sc = scenario(EVERY_FLOW);
    for run in 0..20 {
        engine::simulate_run(&sc, run, |day, l| assert!(l.balances(), "day {day} of run {run}: {l:?}"));
    }
}

/// Replaces a slice of `base` with `insert`: edits that break a valid file in every way.
fn mutated(base: &str, at: usize, len: usize, insert: &str) -> String {
    let at = (0..=at.min(base.len())).rev().find(|&i| base.is_char_boundary(i)).unwrap_or(0);
    let end = (at + len).min(base.len());
    let end = (end..=base.len()).find(|&i| base.is_char_boundary(i)).unwrap_or(base.len());
    format!("{}{insert}{}", &base[..at], &base[end..])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any edit of a valid file either validates, and then simulates, or gives errors that
    /// name a key or the file; nothing panics.
    #[test]
    fn edited_files_never_panic(
        at in 0usize..2000,
        len in 0usize..12,
        insert in prop_oneof![
            Just(String::new()), Just("-".to_string()), Just("1e300".to_string()), Just("nan".to_string()),
            Just("\"x\"".to_string()), Just("{".to_string()), Just("]".to_string()), Just("0".to_string()),
            Just("[[loss]]\n".to_string()), Just("= ".to_string()), Just("2024-02-30".to_string()),
            "[a-z_=0-9.\\[\\]{} \n\"-]{0,8}",
        ],
    ) {
        let text = mutated(EVERY_FLOW, at, len, &insert);
        // The unedited file must validate, or this test would only ever see errors.
        prop_assert!(muster::Scenario::parse("edited.toml", EVERY_FLOW, Default::default()).is_ok());
        let overrides = muster::scenario::Overrides { runs: Some(2), days: None, seed: None };
        match muster::Scenario::parse("edited.toml", &text, overrides) {
            Ok(sc) => {
                let results = engine::simulate(&sc, None);
                let _ = Summary::new(&sc, &results);
            }
            Err(e) => {
                prop_assert!(!e.diagnostics.is_empty());
                let shown = e.to_string();
                prop_assert!(shown.contains("edited.toml"), "{}", shown);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Through the command line, an edited file under any name (stems such as `..`, `.` or
    /// `comparison.csv` among them) either runs or is refused with status 2; nothing
    /// panics and nothing outside `--out` is touched, or inside it under another name.
    #[test]
    fn any_name_and_any_edit_touch_nothing_outside_out(
        stem in prop_oneof![
            Just("..".to_string()), Just(".".to_string()), Just("comparison.csv".to_string()),
            Just("comparison.png".to_string()), Just(String::new()), Just(" ".to_string()),
            Just("-x".to_string()), Just(".hidden".to_string()), Just("out".to_string()),
            "[a-z.]{1,6}",
        ],
        second in prop::option::of(prop_oneof![Just("comparison.csv".to_string()), Just("b".to_string()), Just("..".to_string())]),
        at in 0usize..2000,
        len in 0usize..6,
        insert in prop_oneof![Just(String::new()), Just("1e300".to_string()), Just("{".to_string()), "[a-z=0-9 \n]{0,4}"],
    ) {
        static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let case = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = crate::common::temp_dir(&format!("named-{case}"));
        std::fs::write(dir.join("precious.txt"), "keep").unwrap();
        std::fs::create_dir(dir.join("out")).unwrap();
        std::fs::write(dir.join("out/earlier.txt"), "keep").unwrap();
        let mut files = vec![format!("{stem}.toml")];
        files.extend(second.iter().map(|s| format!("{s}.toml")));
        files.dedup();
        for f in &files {
            std::fs::write(dir.join(f), mutated(EVERY_FLOW, at, len, &insert)).unwrap();
        }
        let before: Vec<String> = listing(&dir);
        let mut args: Vec<String> = files.iter().map(|f| format!("./{f}")).collect();
        args.extend(["--runs", "2", "--days", "30", "--out", "out", "--no-plot", "-q"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = crate::common::simulate(&args, &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        prop_assert!(matches!(o.status.code(), Some(0 | 2)), "{:?}: {}", files, err);
        prop_assert!(!err.contains("panicked"), "{}", err);
        prop_assert_eq!(listing(&dir), before, "the folder around --out changed");
        prop_assert_eq!(std::fs::read_to_string(dir.join("precious.txt")).unwrap(), "keep");
        prop_assert_eq!(std::fs::read_to_string(dir.join("out/earlier.txt")).unwrap(), "keep");
        // Inside --out: the earlier file, and only outputs named after the files given.
        let stems: Vec<String> = files.iter().map(|f| f.trim_end_matches(".toml").to_string()).collect();
        for entry in listing(&dir.join("out")) {
            let expected = entry == "earlier.txt" || stems.contains(&entry) || entry.starts_with("comparison.");
            prop_assert!(expected, "out/{} was written for {:?}", entry, files);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
