//! Calibration: the estimators recover what the engine was told, the real series gives
//! what its README says, and bad series are refused with the row named.

use muster::calibrate::{self, Series};
use muster::date::Date;
use muster::engine;

use crate::common::{assert_near, rejects, scenario, simulate, temp_dir};

/// Daily casualties of one long run of the engine with known parameters.
fn synthetic(seed: u64, days: u32) -> Vec<f64> {
    let text = format!(
        "[simulation]\nstart = 2000-01-01\ndays = {days}\nruns = 1\nseed = {seed}\n[force]\ninitial = 1e12\n[attrition]\ndaily = 600\ndispersion = 30\ndrift = {{ sd = 0.3, days = 90 }}\n"
    );
    let sc = scenario(&text);
    let mut cumulative = Vec::new();
    engine::simulate_run(&sc, 0, |_, l| cumulative.push(l.casualties() as f64));
    let mut previous = 0.0;
    cumulative.iter().map(|&c| std::mem::replace(&mut previous, c)).zip(&cumulative).map(|(p, c)| c - p).collect()
}

#[test]
fn calibration_recovers_the_engines_parameters() {
    // Six 100-year series from the engine with daily = 600, dispersion = 30 and drift
    // { sd = 0.3, days = 90 }. Tolerances, from the sampling error of each estimator over
    // 36,500 days (about 400 correlation times):
    // - daily ±5%: the mean of a drifting rate has an SE of m·sd·√(2τ/n) ≈ 13 (2%);
    // - sd ±10%: observed spread across seeds ±4%;
    // - dispersion ±30%: k comes from a difference of variances; observed 26 to 37;
    // - days −35%/+25%: sample autocovariances at long lags are biased low (the sample
    //   mean absorbs part of the drift), so τ reads a little short; observed 68 to 99.
    // Averaged over the six the estimates must be closer still: k ±15%, days ±20%.
    let start = Date::from_ymd(2000, 1, 1).expect("date");
    let (mut k_sum, mut days_sum) = (0.0, 0.0);
    for seed in 1..=6 {
        let y = synthetic(seed, 36_500);
        let c = calibrate::estimate(start, start.add_days(36_499), &y);
        let d = c.drift.expect("a drift is found");
        let k = c.dispersion.expect("over-dispersed");
        assert_near(c.daily, 600.0, 30.0, &format!("daily, seed {seed}"));
        assert_near(d.sd, 0.3, 0.03, &format!("drift sd, seed {seed}"));
        assert_near(k, 30.0, 9.0, &format!("dispersion, seed {seed}"));
        assert!(d.days > 58.5 && d.days < 112.5, "drift days, seed {seed}: {}", d.days);
        k_sum += k;
        days_sum += d.days;
    }
    assert_near(k_sum / 6.0, 30.0, 4.5, "mean dispersion");
    assert_near(days_sum / 6.0, 90.0, 18.0, "mean drift days");
}

#[test]
fn the_2023_second_quarter_matches_the_data_readme() {
    // data/README.md: mean daily increment about 604 in 2023 Q2; shape k of roughly 20 to
    // 70 from 2023 on. The data are fixed, so the estimate is exact to print precision.
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ua-gs-russian-personnel-losses.csv");
    let series = Series::read(&file, None).expect("the shipped series reads");
    assert_eq!(series.column, "cumulative_personnel");
    let (from, to) = ("2023-04-01".parse().expect("date"), "2023-06-30".parse().expect("date"));
    let (from, to, y) = series.daily_counts(Some(from), Some(to), true).expect("window");
    let c = calibrate::estimate(from, to, &y);
    assert_eq!(c.days, 91);
    assert_near(c.daily, 604.0, 1.0, "Q2 2023 mean increment");
    let k = c.dispersion.expect("over-dispersed");
    assert!((20.0..=70.0).contains(&k), "k = {k}");
}

#[test]
fn calibrate_prints_a_block_that_parses_and_json() {
    let dir = temp_dir("calibrate");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ua-gs-russian-personnel-losses.csv");
    let file = file.to_str().expect("path");
    let o = simulate(&["calibrate", file, "--from", "2023-06-03", "--to", "2023-09-02"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let block = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        block.contains("--from 2023-06-03 --to 2023-09-02") && block.contains("[attrition]\ndaily = 599.5"),
        "{block}"
    );
    // Pasted into a scenario, it validates.
    let sc = format!("[simulation]\nstart = 2023-09-03\ndays = 30\nruns = 5\n[force]\ninitial = 400000\n{block}");
    scenario(&sc);
    let o = simulate(&["calibrate", file, "--from", "2024-01-01", "--to", "2024-12-31", "--json"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    for key in ["from", "to", "days", "daily", "dispersion", "drift"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["days"], 366);
    assert!(json["drift"]["sd"].as_f64().is_some() && json["drift"]["days"].as_f64().is_some());
}

#[test]
fn bad_series_and_windows_are_refused_with_the_row() {
    let dir = temp_dir("calibrate-bad");
    let rows = |f: &dyn Fn(usize) -> String| -> String {
        let mut s = String::from("date,total\n");
        for i in 0..100 {
            s += &f(i);
        }
        s
    };
    let day = |i: usize| Date::from_ymd(2024, 1, 1).expect("date").add_days(i as i64).to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "decreasing.csv",
            rows(&|i| format!("{},{}\n", day(i), if i == 50 { 10 } else { 1000 + i })),
            "line 52: `total` falls from 1049 to 10",
        ),
        (
            "notdate.csv",
            rows(&|i| if i == 7 { "2024-13-01,5\n".into() } else { format!("{},{}\n", day(i), i) }),
            "line 9: `2024-13-01` is not a date",
        ),
        (
            "notnumber.csv",
            rows(&|i| format!("{},{}\n", day(i), if i == 3 { "lots".into() } else { i.to_string() })),
            "line 5: `lots` in column `total` is not a number",
        ),
        (
            "gap.csv",
            rows(&|i| format!("{},{}\n", day(if i >= 10 { i + 1 } else { i }), i)),
            "line 12: expected 2024-01-11 after 2024-01-10",
        ),
    ];
    for (name, text, expected) in cases {
        std::fs::write(dir.join(name), text).expect("write");
        let o = simulate(&["calibrate", name], &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(expected), "{name}: {err}");
    }
    std::fs::write(dir.join("short.csv"), rows(&|i| format!("{},{}\n", day(i), i * 3))).expect("write");
    let o = simulate(&["calibrate", "short.csv", "--from", "2024-03-01"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 60 are needed"));
    let o = simulate(&["calibrate", "/dev/zero"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/dev/zero: not a regular file"));
    let o = simulate(&["calibrate", "short.csv", "--column", "nope"], &dir);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column `nope`; the columns are: date, total"));
}

#[test]
fn observed_series_are_aligned_to_the_start_and_scored() {
    // One exact wave of 100,000 reporting on day 10 (2024-01-11): every run identical, so
    // the bands collapse onto the path. A cumulative file that starts before the scenario
    // and counts recruits since its own start must be aligned by subtracting the day
    // before the start (500 here): then it lies inside both bands on every day.
    let dir = temp_dir("observed");
    let mut csv = String::from("date,recruits\n");
    let first = Date::from_ymd(2023, 12, 1).expect("date");
    for i in 0..200 {
        let d = first.add_days(i);
        let day = d.days_since(Date::from_ymd(2024, 1, 1).expect("date"));
        csv += &format!("{d},{}\n", 500 + if day >= 10 { 100_000 } else { 0 });
    }
    std::fs::write(dir.join("recruits.csv"), &csv).expect("write");
    let scenario = "[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 20\n[force]\ninitial = 1000\n[[mobilization]]\ndate = 2024-01-11\nsize = 100000\ntraining_days = 30\n[observed]\nrecruited = { file = \"recruits.csv\" }\n";
    std::fs::write(dir.join("s.toml"), scenario).expect("write");
    let o = simulate(&["s.toml", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/s/summary.json")).expect("summary")).expect("json");
    let cover = &summary["observed"]["recruited"];
    assert_eq!(
        (cover["days"].as_u64(), cover["inside_50"].as_f64(), cover["inside_90"].as_f64()),
        (Some(60), Some(1.0), Some(1.0))
    );
    assert!(summary["observed"]["casualties"].is_null());
    // Shifted by a day, the jump lands on the wrong day and that day falls outside.
    std::fs::write(dir.join("recruits.csv"), csv.replace("2024-01-11,100500", "2024-01-11,500")).expect("write");
    let o = simulate(&["s.toml", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/s/summary.json")).expect("summary")).expect("json");
    assert_near(
        summary["observed"]["recruited"]["inside_90"].as_f64().expect("share"),
        59.0 / 60.0,
        1e-12,
        "one day off",
    );
    // A missing file is a scenario error naming the key.
    rejects("no-observed-file.toml", &scenario.replace("recruits.csv", "nope.csv"), &["`observed.recruited.file`"]);
}

#[test]
fn backtest_reports_coverage_and_interval_score() {
    let dir = temp_dir("backtest");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ua-gs-russian-personnel-losses.csv");
    let file = file.to_str().expect("path");
    let o = simulate(&["backtest", file, "--train-to", "2023-09-02", "--horizon", "365", "--runs", "300"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("held out 2023-09-03 to 2024-09-01 (365 days)") && out.contains("interval score"), "{out}");
    let folder = dir.join("out/ua-gs-russian-personnel-losses.backtest");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("backtest.json")).expect("json")).expect("json");
    for key in ["calibration", "coverage", "final_observed", "final_band", "final_inside_90", "interval_score"] {
        assert!(report.get(key).is_some(), "{key}");
    }
    // The held-out claims are known: 365 days from 2023-09-03 end on 2024-09-01 (a leap
    // year), and the count runs from the day before: 616,300 − 264,060 in the data file.
    assert_eq!(report["final_observed"], 616_300.0 - 264_060.0);
    assert!(folder.join("backtest.png").exists() && folder.join("daily.csv").exists());
    let o = simulate(&["backtest", file, "--train-to", "2026-08-01", "--horizon", "30"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("runs past the data"));
}

#[test]
fn every_shipped_scenario_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<String> = std::fs::read_dir(dir.join("scenarios"))
        .expect("scenarios/")
        .filter_map(Result::ok)
        .map(|e| format!("scenarios/{}", e.file_name().to_string_lossy()))
        .collect();
    assert!(files.len() >= 5, "{files:?}");
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let o = simulate(&args, dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}
