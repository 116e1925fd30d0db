//! The `simulate` binary: exit codes, messages for every kind of bad file, outputs.

use std::path::Path;

use crate::common::{check_file, rejects, simulate, temp_dir};

const GOOD: &str = "name = \"Good\"\n[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 50\n[force]\ninitial = 1000\n[attrition]\ndaily = 5\n[goal]\nnew_army = 10\n";

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn good_with(replace: &str, with: &str) -> String {
    assert!(GOOD.contains(replace), "{replace}");
    GOOD.replace(replace, with)
}

#[test]
fn a_good_file_runs_and_writes_summary_and_daily() {
    let dir = temp_dir("good");
    std::fs::write(dir.join("good.toml"), GOOD).expect("write");
    let o = simulate(&["good.toml", "--out", "results"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.contains("Good")
            && table.contains("deployed at end")
            && table.contains("P(ever reached)")
            && table.contains("P(held at deadline)"),
        "{table}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results/good/summary.json")).expect("summary"))
            .expect("json");
    for key in [
        "name",
        "file",
        "runs",
        "seed",
        "start",
        "days",
        "deployed_end",
        "formation_end",
        "casualties_total",
        "recruited_total",
        "new_army",
        "cost_total",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["runs"], 50);
    assert!(summary["cost_total"].is_null());
    assert_eq!(summary["new_army"]["by"], "2024-01-30");
    let csv = std::fs::read_to_string(dir.join("results/good/daily.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 31, "header + one row a day");
    let first = csv.lines().nth(1).expect("row");
    assert!(first.starts_with("0,2024-01-01,"), "{first}");
    assert_eq!(summary["composition_end"][0]["source"], "initial force");
    assert_eq!(
        first.split(',').count(),
        2 + 7 * 6 + 4,
        "day, date, six statistics of seven series, four of the one source (the initial force)"
    );
    // No temporary folder is left behind: the scenario's folder and the report page.
    let mut leftovers: Vec<_> =
        std::fs::read_dir(dir.join("results")).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
    leftovers.sort();
    assert_eq!(leftovers, ["good", "report.html"], "{leftovers:?}");
}

#[test]
fn overrides_replace_the_files_values() {
    let dir = temp_dir("overrides");
    std::fs::write(dir.join("good.toml"), GOOD).expect("write");
    let o = simulate(&["good.toml", "--runs", "7", "--seed", "9", "--days", "12", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "--quiet prints nothing");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/good/summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(
        (summary["runs"].as_u64(), summary["seed"].as_u64(), summary["days"].as_u64()),
        (Some(7), Some(9), Some(12))
    );
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let dir = temp_dir("threads");
    let file = check_file("pure-attrition.toml");
    let file = file.to_str().expect("utf-8 path");
    for t in ["1", "2"] {
        let o = simulate(&[file, "--runs", "300", "--threads", t, "--out", t, "--quiet"], &dir);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for f in ["summary.json", "daily.csv"] {
        let one = std::fs::read(dir.join("1/pure-attrition").join(f)).expect("1");
        let two = std::fs::read(dir.join("2/pure-attrition").join(f)).expect("2");
        assert!(one == two, "{f} differs between --threads 1 and 2");
    }
}

#[test]
fn several_scenarios_run_together() {
    let dir = temp_dir("several");
    let files: Vec<String> = ["pure-attrition.toml", "hazard.toml", "wave-exact.toml"]
        .iter()
        .map(|f| check_file(f).to_string_lossy().into_owned())
        .collect();
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend(["--runs", "20"]);
    let o = simulate(&args, &dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for stem in ["pure-attrition", "hazard", "wave-exact"] {
        assert!(dir.join("out").join(stem).join("summary.json").exists(), "{stem}");
        assert!(stdout(&o).contains("Check:"));
    }
}

#[test]
fn check_validates_without_writing() {
    let dir = temp_dir("check");
    std::fs::write(dir.join("good.toml"), GOOD).expect("write");
    let o = simulate(&["check", "good.toml"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: good.toml"), "{}", stdout(&o));
    assert!(stdout(&o).contains("    sources: initial force (initial_force)\n"), "{}", stdout(&o));
    assert!(!dir.join("out").exists());
    std::fs::write(dir.join("bad.toml"), good_with("daily = 5", "daly = 5")).expect("write");
    let o = simulate(&["check", "good.toml", "bad.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `daily`"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let dir = temp_dir("usage");
    assert_eq!(simulate(&[], &dir).status.code(), Some(2));
    assert_eq!(simulate(&["x.toml", "--runs", "0"], &dir).status.code(), Some(2));
    assert_eq!(simulate(&["x.toml", "--bogus"], &dir).status.code(), Some(2));
    assert_eq!(simulate(&["x.toml", "--threads", "0"], &dir).status.code(), Some(2));
    let help = simulate(&["--help"], &dir);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("--no-plot"));
    let o = simulate(&["missing.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read missing.toml"), "{}", stderr(&o));
}

#[test]
fn a_failure_to_write_exits_1() {
    let dir = temp_dir("unwritable");
    std::fs::write(dir.join("good.toml"), GOOD).expect("write");
    std::fs::write(dir.join("taken"), "a file where the output folder should go").expect("write");
    let o = simulate(&["good.toml", "--out", "taken", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("taken"), "{}", stderr(&o));
}

#[test]
fn two_files_with_one_stem_are_refused() {
    let dir = temp_dir("stems");
    std::fs::create_dir_all(dir.join("a")).expect("a");
    std::fs::create_dir_all(dir.join("b")).expect("b");
    std::fs::write(dir.join("a/x.toml"), GOOD).expect("write");
    std::fs::write(dir.join("b/x.toml"), GOOD).expect("write");
    let o = simulate(&["a/x.toml", "b/x.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("would both write"), "{}", stderr(&o));
    assert!(!Path::new(&dir.join("out")).exists());
}

#[test]
fn unknown_keys_name_the_nearest_valid_one_with_line_and_column() {
    rejects(
        "typo.toml",
        &good_with("daily = 5", "dayly = 5"),
        &["typo.toml:9:1", "`attrition.dayly`", "did you mean `daily`?", "1 problem in"],
    );
    rejects(
        "top.toml",
        &format!("{GOOD}[recruitmnet]\ndaily = 1\n"),
        &["top.toml:12:2", "`recruitmnet`", "did you mean `recruitment`?"],
    );
    rejects(
        "dist.toml",
        &good_with("daily = 5", "daily = { dist = \"uniform\", min = 1, maxi = 2 }"),
        &["`attrition.daily`", "needs `max`"],
    );
}

#[test]
fn wrong_types_are_named() {
    rejects(
        "type.toml",
        &good_with("days = 30", "days = \"30\""),
        &["type.toml:4:8", "`simulation.days`", "expected an integer, found a string"],
    );
    rejects(
        "date.toml",
        &good_with("start = 2024-01-01", "start = \"2024-01-01\""),
        &["`simulation.start`", "without quotes"],
    );
    rejects(
        "int.toml",
        &good_with("runs = 50", "runs = { dist = \"uniform\", min = 1, max = 5 }"),
        &["`simulation.runs`", "plain whole number"],
    );
    rejects("syntax.toml", "[simulation\n", &["syntax.toml:1:", "not valid TOML"]);
}

#[test]
fn a_split_must_sum_to_one() {
    rejects(
        "split.toml",
        &good_with("daily = 5", "daily = 5\nkilled = 0.3\nwounded = 0.6\nmissing = 0.2"),
        &["split.toml:12:11", "sums to 1.1,", "not 1"],
    );
}

#[test]
fn fractions_and_counts_must_be_in_range() {
    rejects(
        "frac.toml",
        &good_with("daily = 5", "daily = 5\nreturn_to_duty = 1.2\nrecovery_days = 5"),
        &["`attrition.return_to_duty`", "between 0 and 1", ":10:18"],
    );
    rejects("neg.toml", &good_with("initial = 1000", "initial = -1000"), &["`force.initial`", "≥ 0", ":7:11"]);
    rejects("nan.toml", &good_with("daily = 5", "daily = nan"), &["`attrition.daily`", "finite"]);
    rejects("inf.toml", &good_with("initial = 1000", "initial = inf"), &["`force.initial`", "finite"]);
}

#[test]
fn windows_and_ranges_must_be_in_order() {
    rejects(
        "window.toml",
        &format!("{GOOD}[[recruitment]]\ndaily = 5\nstart = 2024-02-01\nend = 2024-01-15\n"),
        &["`recruitment[0].end`", "is before `start`", ":15:7"],
    );
    rejects(
        "minmax.toml",
        &good_with("daily = 5", "daily = { dist = \"uniform\", min = 9, max = 3 }"),
        &["`attrition.daily`", "`min` (9) is greater than `max` (3)"],
    );
}

#[test]
fn dates_must_be_inside_the_horizon() {
    rejects(
        "late.toml",
        &format!("{GOOD}[[mobilization]]\ndate = 2025-01-01\nsize = 10\n"),
        &["`mobilization[0].date`", "outside the simulated days", "2024-01-30"],
    );
    rejects("goal.toml", &good_with("new_army = 10", "new_army = 10\nby = 2023-12-31"), &["`goal.by`", "outside"]);
}

#[test]
fn only_one_rate_kind_is_allowed() {
    rejects(
        "both.toml",
        &good_with("daily = 5", "daily = 5\nper_1000 = 1"),
        &["`attrition.per_1000`", "only one of `daily` and `per_1000`"],
    );
    rejects(
        "pool.toml",
        &format!("{GOOD}[[recruitment]]\ndaily = 5\npool = 1000\nuptake = 0.1\n"),
        &["`recruitment[0].pool`", "only one of `daily` and `pool`"],
    );
    rejects(
        "none.toml",
        &format!("{GOOD}[[recruitment]]\nname = \"x\"\n"),
        &["`recruitment[0].daily`", "missing required key"],
    );
}

#[test]
fn missing_sections_and_keys_are_named() {
    rejects("nosim.toml", "[force]\ninitial = 5\n", &["`simulation`", "missing required section [simulation]"]);
    rejects(
        "noforce.toml",
        "[simulation]\nstart = 2024-01-01\ndays = 3\n",
        &["`force`", "missing required section [force]"],
    );
    rejects("nostart.toml", &good_with("start = 2024-01-01\n", ""), &["`simulation.start`", "missing required key"]);
    rejects("norecovery.toml", &good_with("daily = 5", "daily = 5\nreturn_to_duty = 0.5"), &["recovery_days"]);
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    rejects(
        "many.toml",
        &good_with("days = 30", "days = 0")
            .replace("initial = 1000", "initial = -1")
            .replace("daily = 5", "daily = 5\nkiled = 1"),
        &["`simulation.days`", "`force.initial`", "`attrition.kiled`", "3 problems in 1 of 1 scenario file"],
    );
}

#[test]
fn non_utf8_and_empty_files_are_refused_cleanly() {
    let dir = temp_dir("bytes");
    std::fs::write(dir.join("bin.toml"), [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let o = simulate(&["bin.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
    rejects("empty.toml", "", &["missing required section [simulation]", "missing required section [force]"]);
}
