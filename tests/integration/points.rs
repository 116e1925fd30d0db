//! Dated estimates of a stock (`[observed] strength`, `deployed`, `formation`): read with
//! their filters and errors, scored where they fall among the runs, refused with their line.

use crate::common::{assert_near, rejects, simulate, temp_dir};

/// 100,000 on strength, and an exact wave of 50,000 arriving on day 10 (2024-01-11), no
/// losses: every run holds 100,000 up to day 9 and 150,000 from day 10.
const STEP: &str = "[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 20\n[force]\ninitial = 100000\n\
                    [[mobilization]]\ndate = 2024-01-11\nsize = 50000\ntraining_days = 0\n";

const ESTIMATES: &str = "date,estimate,side,low,high\n\
                         2024-01-05,100000,UA,90000,110000\n\
                         2024-01-20,140000,UA,130000,150000\n\
                         2024-01-25,160000,UA,150000,170000\n\
                         2024-01-25,999,RU,1,2000\n\
                         2025-06-01,150000,UA,1,200000\n\
                         2023-12-01,90000,UA,1,200000\n";

/// Runs `scenario` beside `estimates.csv` holding `csv`, in a folder of its own named
/// `name`; returns (status, stderr, summary).
fn run_with(name: &str, scenario: &str, csv: &str) -> (Option<i32>, String, serde_json::Value) {
    let dir = temp_dir(name);
    std::fs::write(dir.join("estimates.csv"), csv).expect("write");
    std::fs::write(dir.join("s.toml"), scenario).expect("write");
    let o = simulate(&["s.toml", "--quiet", "--no-plot"], &dir);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let summary = std::fs::read_to_string(dir.join("out/s/summary.json"))
        .ok()
        .map_or(serde_json::Value::Null, |t| serde_json::from_str(&t).expect("json"));
    (o.status.code(), err, summary)
}

#[test]
fn estimates_are_filtered_placed_and_scored() {
    let scenario = format!(
        "{STEP}[observed]\nstrength = {{ file = \"estimates.csv\", column = \"estimate\", where = {{ side = \"UA\" }}, sd = 0.05 }}\n"
    );
    let (status, err, summary) = run_with("points-sd", &scenario, ESTIMATES);
    assert_eq!(status, Some(0), "{err}");
    let s = &summary["observed"]["strength"];
    // The RU row is filtered out; two UA rows fall outside the 30 days.
    assert_eq!((s["points"].as_u64(), s["outside"].as_u64()), (Some(3), Some(2)), "{s}");
    // Every run agrees, so an estimate equal to the force sits at ½ (half the runs
    // below, as the mid-rank counts ties), one below at 0 and one above at 1; only the
    // first lies inside the (collapsed) bands.
    let pit: Vec<f64> = s["pit"].as_array().expect("pit").iter().map(|p| p["percentile"].as_f64().unwrap()).collect();
    assert_eq!(pit, [0.5, 0.0, 1.0]);
    assert_eq!(s["pit"][1]["date"], "2024-01-20");
    assert_eq!(s["pit"][1]["sd"], 0.05 * 140_000.0);
    assert_near(s["inside_50"].as_f64().unwrap(), 1.0 / 3.0, 1e-12, "inside 50");
    assert_near(s["inside_90"].as_f64().unwrap(), 1.0 / 3.0, 1e-12, "inside 90");
    assert!(summary["observed"]["deployed"].is_null());

    // A `low`–`high` column pair is a 90% range: sd = (high − low)/(2 × 1.645).
    let ranged = scenario.replace("sd = 0.05", "low = \"low\", high = \"high\"");
    let (status, err, summary) = run_with("points-range", &ranged, ESTIMATES);
    assert_eq!(status, Some(0), "{err}");
    assert_near(summary["observed"]["strength"]["pit"][0]["sd"].as_f64().unwrap(), 20_000.0 / 3.29, 1e-9, "sd");
}

#[test]
fn bad_estimates_are_refused_with_their_line() {
    let scenario = format!(
        "{STEP}[observed]\nstrength = {{ file = \"estimates.csv\", column = \"estimate\", where = {{ side = \"UA\" }} }}\n"
    );
    for (i, (csv, expected)) in [
        (ESTIMATES.replace("2024-01-20", "2024-13-20"), "line 3"),
        (ESTIMATES.replace("160000", "lots"), "line 4: `lots` in column `estimate` is not a positive number"),
        (ESTIMATES.replace("side", "sides"), "no column `side` (named in `where`)"),
        (ESTIMATES.replace(",UA,", ",XX,").replace(",RU,", ",YY,"), "no row has side = UA"),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, err, _) = run_with(&format!("points-bad-{i}"), &scenario, &csv);
        assert_eq!(status, Some(2), "{err}");
        for want in ["`observed.strength.file`", "estimates.csv", "s.toml:", expected] {
            assert!(err.contains(want), "{want:?} not in:\n{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn bad_point_keys_are_refused_at_their_key() {
    let base = format!("{STEP}[observed]\n");
    rejects(
        "half-range.toml",
        &format!("{base}strength = {{ file = \"e.csv\", low = \"low\" }}\n"),
        &["`observed.strength.low`", "needs both `low` and `high`"],
    );
    rejects(
        "where-number.toml",
        &format!("{base}deployed = {{ file = \"e.csv\", where = {{ side = 1 }} }}\n"),
        &["`observed.deployed.where.side`", "the text the column must hold"],
    );
    rejects(
        "sd-range.toml",
        &format!("{base}formation = {{ file = \"e.csv\", sd = 0 }}\n"),
        &["`observed.formation.sd`", "outside"],
    );
    rejects(
        "daily-points.toml",
        &format!("{base}strength = {{ file = \"e.csv\", daily = true }}\n"),
        &["`observed.strength.daily`", "unknown key"],
    );
}
