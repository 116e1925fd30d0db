//! Mobilization that waits for its moment: a wave started by a condition on the force
//! (`trigger`), not before a day (`not_before`), once or repeatedly (`repeat_after_days`).

use crate::common::{HEAD, rejects, run, simulate, temp_dir};

/// A force held below its target (deployed 50,000 of 100,000) from day 0, and a wave of
/// 1,000 triggered by deployed below 90,000 for 3 days, called up in one day.
fn held_below(extra: &str) -> String {
    format!(
        "{HEAD}days = 60\nruns = 10\n[force]\ninitial = 50000\ntarget = 100000\n\
         [[mobilization]]\nname = \"triggered\"\ntrigger = {{ deployed_below = 90000, for_days = 3 }}\nsize = 1000\n{extra}"
    )
}

#[test]
fn a_trigger_fires_the_day_after_its_condition_has_held_for_its_days() {
    // The condition holds at the end of days 0, 1 and 2: the wave starts on day 3, once.
    let (_, _, s) = run(&held_below(""));
    let wave = &s.mobilization[0];
    assert_eq!(wave.name, "triggered");
    assert_eq!(wave.triggered.probability, 1.0);
    assert_eq!((wave.triggered.day.p5, wave.triggered.day.p95), (Some(3.0), Some(3.0)));
    assert_eq!(s.recruited_total.p50, 1000.0, "at most once");
}

#[test]
fn not_before_holds_a_wave_back_to_that_very_day() {
    // The condition has held since day 0; the wave may not start before day 45.
    let (_, _, s) = run(&held_below("not_before = 2024-02-15\n"));
    assert_eq!(s.mobilization[0].triggered.day.p50, Some(45.0));
}

#[test]
fn a_repeating_wave_starts_again_after_its_days() {
    // The condition keeps holding: starts on days 3, 13, 23, 33, 43 and 53, 1,000 each.
    let (_, _, s) = run(&held_below("repeat_after_days = 10\n"));
    assert_eq!(s.recruited_total.p50, 6000.0);
    assert_eq!(s.mobilization[0].triggered.day.p50, Some(3.0), "the first start");
}

#[test]
fn a_condition_that_never_holds_never_fires_and_a_dated_wave_always_starts() {
    let text = format!(
        "{HEAD}days = 30\nruns = 10\n[force]\ninitial = 100000\n\
         [[mobilization]]\ntrigger = {{ total_below = 1000, for_days = 1 }}\nsize = 500\n\
         [[mobilization]]\ndate = 2024-01-05\nsize = 500\n"
    );
    let (_, _, s) = run(&text);
    assert_eq!(s.mobilization[0].triggered.probability, 0.0);
    assert_eq!(s.mobilization[0].triggered.day.p50, None);
    assert_eq!(s.mobilization[1].triggered.probability, 1.0);
    assert_eq!(s.mobilization[1].triggered.day.p50, Some(4.0));
    assert_eq!(s.mobilization[1].name, "mobilization[1]");
}

#[test]
fn bad_triggers_are_refused_with_what_is_valid() {
    let wave = |body: &str| format!("{HEAD}days = 30\n[force]\ninitial = 10\n[[mobilization]]\nsize = 5\n{body}\n");
    rejects(
        "both.toml",
        &wave("date = 2024-01-05\ntrigger = { deployed_below = 5 }"),
        &["`mobilization[0].trigger`: give only one of `date` and `trigger`"],
    );
    rejects(
        "unknown.toml",
        &wave("trigger = { strength_below = 5 }"),
        &["unknown key", "deployed_below, formation_below, total_below, for_days"],
    );
    rejects("no-condition.toml", &wave("trigger = { for_days = 3 }"), &["a trigger needs a condition"]);
    rejects("two.toml", &wave("trigger = { deployed_below = 5, total_below = 6 }"), &["a trigger takes one condition"]);
    rejects(
        "zero-days.toml",
        &wave("trigger = { deployed_below = 5, for_days = 0 }"),
        &["for_days", "from 1 to 36500"],
    );
    rejects(
        "late.toml",
        &wave("trigger = { deployed_below = 5 }\nnot_before = 2030-01-01"),
        &["`mobilization[0].not_before`", "outside the simulated days"],
    );
    rejects(
        "dated.toml",
        &wave("date = 2024-01-05\nrepeat_after_days = 5"),
        &["`mobilization[0].repeat_after_days`: only a triggered wave takes this"],
    );
    rejects("neither.toml", &wave(""), &["`mobilization[0].date`", "trigger = {"]);
}

#[test]
fn triggered_waves_are_the_same_on_any_threads_and_from_shards() {
    let dir = temp_dir("trigger-shards");
    let text = format!(
        "{HEAD}days = 90\nruns = 300\n[force]\ninitial = 100000\n[attrition]\ndaily = {{ dist = \"uniform\", min = 100, max = 600 }}\n\
         [[mobilization]]\ntrigger = {{ deployed_below = 80000, for_days = 5 }}\nsize = {{ dist = \"uniform\", min = 5000, max = 20000 }}\n\
         callup_days = 7\ncompliance = 0.9\nrepeat_after_days = 20\n[goal]\nnew_army = 5000\n"
    );
    std::fs::write(dir.join("t.toml"), text).unwrap();
    let ok = |args: &[&str]| {
        let o = simulate(args, &dir);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    ok(&["t.toml", "--threads", "1", "--out", "one", "-q", "--no-plot"]);
    ok(&["t.toml", "--threads", "2", "--out", "two", "-q", "--no-plot"]);
    for k in 1..=3 {
        ok(&["t.toml", "--shard", &format!("{k}/3"), "--out", "shards", "-q"]);
    }
    ok(&[
        "merge",
        "shards/t.shard-1-of-3",
        "shards/t.shard-2-of-3",
        "shards/t.shard-3-of-3",
        "--out",
        "merged",
        "-q",
        "--no-plot",
    ]);
    let read = |folder: &str| std::fs::read(dir.join(folder).join("t/summary.json")).unwrap();
    assert!(read("one") == read("two") && read("one") == read("merged"));
    let summary: serde_json::Value = serde_json::from_slice(&read("one")).unwrap();
    let p = summary["mobilization"][0]["triggered"]["probability"].as_f64().unwrap();
    assert!(p > 0.1 && p < 0.9, "some runs fire and some do not: {p}");
}
