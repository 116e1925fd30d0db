//! Extremes get a right answer or a clear error, never a panic, an overflow or a hang.

use crate::common::{HEAD, assert_near, rejects, run, simulate, simulate_command, temp_dir};

#[test]
fn an_empty_force_runs() {
    let (_, _, s) = run(&format!(
        "{HEAD}days = 100\nruns = 10\n[force]\ninitial = 0\n[attrition]\ndaily = 5\n[[recruitment]]\ndaily = 3\n"
    ));
    assert_eq!(s.casualties_total.p95, 0.0, "no one deployed, no casualties");
    assert_near(s.total_end.mean, 300.0, 40.0, "recruits arrive (Poisson sd 17)");
}

#[test]
fn a_billion_people_and_ten_million_a_day_are_counted_exactly() {
    // 10⁷ casualties and 10⁷ recruits a day for a year, 10 days' training: strength ends at
    // 10⁹ − 10 × 10⁷ still in training = 9 × 10⁸ (Poisson sd of each total ≈ 60,000).
    let (_, _, s) = run(&format!(
        "{HEAD}days = 366\nruns = 5\n[force]\ninitial = 1e9\n[attrition]\ndaily = 1e7\n[[recruitment]]\ndaily = 1e7\ntraining_days = 10\n"
    ));
    assert_near(s.total_end.mean, 9e8, 3e5, "strength");
    assert_near(s.casualties_total.mean, 3.66e9, 3e5, "casualties beyond 2³²");
}

#[test]
fn a_century_runs_and_one_more_day_is_refused() {
    let (_, r, _) = run(&format!("{HEAD}days = 36500\nruns = 2\n[force]\ninitial = 1000\n[attrition]\ndaily = 0.01\n"));
    assert_eq!(r.days, 36_500);
    rejects(
        "long.toml",
        &format!("{HEAD}days = 36501\nruns = 2\n[force]\ninitial = 1000\n"),
        &["a whole number from 1 to 36500"],
    );
}

#[test]
fn runs_that_would_not_fit_in_memory_are_refused_before_any_work() {
    // 80 bytes of outcome per run: 90,000,000 × 80 B = 6.7 GiB, over the 4 GiB allowed. The
    // per-day statistics are streamed, so the horizon does not enter.
    assert_eq!(muster::limits::RUN_BYTES, 80);
    rejects(
        "big.toml",
        &format!("{HEAD}days = 730\nruns = 90000000\n[force]\ninitial = 1000\n"),
        &["90000000 runs need 6.7 GiB for their outcomes", "use fewer runs"],
    );
}

#[test]
fn delays_longer_than_the_horizon_keep_people_in_training() {
    let (_, _, s) = run(&format!(
        "{HEAD}days = 100\nruns = 10\n[force]\ninitial = 100\n[[recruitment]]\ndaily = 10\ntraining_days = 1000\n"
    ));
    assert_eq!(s.total_end.p95, 100.0, "nobody arrives");
    assert!(s.recruited_total.mean > 900.0, "but they were recruited");
}

#[test]
fn oversized_files_and_control_characters_are_refused() {
    rejects("huge.toml", &"#".repeat(11 << 20), &["a scenario file may be at most 10485760 bytes"]);
    let err = rejects(
        "ctrl.toml",
        &format!("name = \"red\\u001b[31m\"\n{HEAD}days = 5\nruns = 2\n[force]\ninitial = 10\n"),
        &["`name`: contains control characters"],
    );
    assert!(!err.contains('\u{1b}'), "{err}");
    let dir = temp_dir("hostile");
    // A name with path separators is only a label: outputs go to the file stem, inside --out.
    std::fs::write(
        dir.join("sep.toml"),
        format!("name = \"../../etc/x\"\n{HEAD}days = 5\nruns = 2\n[force]\ninitial = 10\n"),
    )
    .expect("write");
    let o = simulate(&["sep.toml", "--out", "results", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0));
    assert!(dir.join("results/sep/summary.json").exists());
}

#[test]
fn init_writes_a_template_that_runs_and_never_overwrites() {
    let dir = temp_dir("init");
    let o = simulate(&["init", "mine.toml"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = simulate(&["mine.toml", "--runs", "50", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0), "the template runs as written: {}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("out/mine/fan.png").exists());
    let before = std::fs::read(dir.join("mine.toml")).expect("read");
    let o = simulate(&["init", "mine.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(dir.join("mine.toml")).expect("read"), before);
}

#[test]
fn a_killed_run_never_leaves_a_complete_looking_partial_output() {
    // A century of days makes daily.csv ~20 MB, so kills land while files are being
    // written as well as before. Whatever the moment, every visible output folder must
    // be complete: its summary parses and its daily.csv has every day.
    let dir = temp_dir("killed");
    std::fs::write(
        dir.join("long.toml"),
        format!("{HEAD}days = 36500\nruns = 40\n[force]\ninitial = 1000\n[attrition]\ndaily = 0.01\n"),
    )
    .expect("write");
    for delay_ms in [30, 120, 250, 400, 600, 900, 1400] {
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let mut child = simulate_command(&["long.toml", "--quiet", "--no-plot"], &dir).spawn().expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let Ok(entries) = std::fs::read_dir(dir.join("out")) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue; // a hidden partial folder: never mistaken for a result
            }
            if name == "report.html" {
                let page = std::fs::read_to_string(entry.path()).expect("the report");
                assert!(page.ends_with("</html>\n"), "killed after {delay_ms} ms: report.html is incomplete");
                continue;
            }
            let summary =
                std::fs::read_to_string(entry.path().join("summary.json")).expect("a visible folder has its summary");
            serde_json::from_str::<serde_json::Value>(&summary).expect("a complete summary");
            let csv =
                std::fs::read_to_string(entry.path().join("daily.csv")).expect("a visible folder has its daily.csv");
            assert_eq!(csv.lines().count(), 36_501, "killed after {delay_ms} ms: {name}/daily.csv is incomplete");
        }
    }
}

#[test]
fn ctrl_c_stops_a_run_within_a_second() {
    let dir = temp_dir("interrupted");
    std::fs::write(
        dir.join("long.toml"),
        format!("{HEAD}days = 36500\nruns = 400\n[force]\ninitial = 1000\n[attrition]\ndaily = 0.01\n"),
    )
    .expect("write");
    let mut child = simulate_command(&["long.toml", "--quiet", "--no-plot"], &dir).spawn().expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sent = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(sent.success());
    let asked = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(asked.elapsed() < std::time::Duration::from_secs(1), "still running a second after Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(!status.success(), "interrupted, not finished: the run takes longer than 300 ms");
    let visible = std::fs::read_dir(dir.join("out"))
        .map_or(0, |d| d.filter_map(Result::ok).filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count());
    assert_eq!(visible, 0, "no output folder appears for an interrupted run");
}

#[test]
fn four_shards_merge_into_exactly_the_unsharded_outputs() {
    // Two scenarios, one with Latin hypercube sampling (its design must span all runs),
    // 301 runs in shards of 75, 75, 75 and 76.
    let dir = temp_dir("shards");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("tests/checks/pure-attrition.toml"), dir.join("a.toml")).expect("copy");
    std::fs::write(
        dir.join("b.toml"),
        format!(
            "{HEAD}days = 200\nruns = 301\nsampling = \"lhs\"\n[force]\ninitial = 100000\n[attrition]\ndaily = {{ dist = \"pert\", min = 300, mode = 500, max = 900 }}\nkilled = 0.3\nwounded = 0.7\nreturn_to_duty = 0.5\nrecovery_days = 30\n[[recruitment]]\ndaily = {{ dist = \"uniform\", min = 400, max = 800 }}\ntraining_days = 14\n[goal]\nnew_army = 20000\n"
        ),
    )
    .expect("write");
    let run = |args: &[&str]| {
        let o = simulate(args, &dir);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["a.toml", "b.toml", "--runs", "301", "--out", "whole", "--quiet"]);
    for k in 1..=4 {
        run(&["a.toml", "b.toml", "--runs", "301", "--shard", &format!("{k}/4"), "--out", "shards", "--quiet"]);
    }
    let shard_dirs: Vec<String> =
        ["a", "b"].iter().flat_map(|s| (1..=4).map(move |k| format!("shards/{s}.shard-{k}-of-4"))).collect();
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(String::as_str));
    args.extend(["--out", "merged", "--quiet"]);
    run(&args);
    for f in [
        "a/summary.json",
        "a/daily.csv",
        "a/fan.png",
        "b/summary.json",
        "b/daily.csv",
        "b/fan.png",
        "comparison.csv",
        "comparison.png",
    ] {
        let whole = std::fs::read(dir.join("whole").join(f)).expect("unsharded output");
        let merged = std::fs::read(dir.join("merged").join(f)).expect("merged output");
        assert!(whole == merged, "{f} differs between the unsharded run and the merged shards");
    }
    // A missing shard, or one given twice, is named.
    let o = simulate(&["merge", "shards/b.shard-1-of-4", "shards/b.shard-2-of-4", "shards/b.shard-4-of-4"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("shard 3/4 of b.toml is missing"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = simulate(
        &["merge", "shards/b.shard-1-of-4", "shards/b.shard-1-of-4", "shards/b.shard-3-of-4", "shards/b.shard-4-of-4"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("given twice"), "{}", String::from_utf8_lossy(&o.stderr));
    // A folder that is no shard says what a shard is.
    let o = simulate(&["merge", "shards"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot read shards/SHA256SUMS") && err.contains("--shard K/N"), "{err}");
    // A shard whose runs.bin was cut short, or had a bin count changed, is named, not merged:
    // its checksum no longer matches.
    let bin = dir.join("shards/b.shard-2-of-4/runs.bin");
    let bytes = std::fs::read(&bin).expect("runs.bin");
    let mut altered = bytes.clone();
    altered[8 + 8 * 3 + 8 * 12] ^= 1; // the first bin count of the first sketch
    for damaged in [bytes[..bytes.len() - 8].to_vec(), altered] {
        std::fs::write(&bin, &damaged).expect("write");
        let mut args = vec!["merge"];
        args.extend(shard_dirs[4..].iter().map(String::as_str));
        args.extend(["--out", "damaged"]);
        let o = simulate(&args, &dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("b.shard-2-of-4/runs.bin does not match its checksum"), "{err}");
        assert!(!dir.join("damaged").exists());
    }
}

#[test]
fn a_max_runs_beyond_memory_is_refused_with_what_would_fit() {
    let dir = temp_dir("max-runs");
    std::fs::write(
        dir.join("g.toml"),
        format!("{HEAD}days = 30\nruns = 100\n[force]\ninitial = 1000\n[goal]\nnew_army = 10\n"),
    )
    .expect("write");
    let o = simulate(&["g.toml", "--precision", "0.001", "--max-runs", "99999999"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // 99,999,999 × 80 B = 7.5 GiB; 4 GiB / 80 B = 53,687,091 runs.
    assert!(err.contains("would need 7.5 GiB") && err.contains("use --max-runs 53687091 or fewer"), "{err}");
    assert!(!dir.join("out").exists());
}

#[test]
fn a_merge_needs_nothing_but_the_shard_folders() {
    // A scenario whose [observed] series lies beside it: the shards record the series, so
    // the merge runs from another folder, after the series and the scenario are gone, and
    // still writes what the unsharded run wrote.
    let dir = temp_dir("merge-anywhere");
    std::fs::create_dir_all(dir.join("work/data")).expect("folders");
    std::fs::create_dir_all(dir.join("elsewhere")).expect("folders");
    let csv: String = std::iter::once("date,total\n".to_string())
        .chain((0..40).map(|d| {
            let date = muster::date::Date::from_ymd(2023, 12, 31).expect("a date").add_days(d);
            format!("{date},{}\n", 100 * d)
        }))
        .collect();
    std::fs::write(dir.join("work/data/losses.csv"), csv).expect("csv");
    let text = format!(
        "{HEAD}days = 30\nruns = 90\n[force]\ninitial = 10000\n[attrition]\ndaily = 100\n\
         [observed]\ncasualties = {{ file = \"data/losses.csv\", column = \"total\" }}\n"
    );
    std::fs::write(dir.join("work/s.toml"), text).expect("scenario");
    let work = dir.join("work");
    let ok = |o: std::process::Output| assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(simulate(&["s.toml", "--out", "whole", "--quiet"], &work));
    for k in 1..=3 {
        ok(simulate(&["s.toml", "--shard", &format!("{k}/3"), "--out", "shards", "--quiet"], &work));
    }
    std::fs::remove_dir_all(work.join("data")).expect("remove the series");
    std::fs::remove_file(work.join("s.toml")).expect("remove the scenario");
    let shards: Vec<String> = (1..=3).map(|k| format!("../work/shards/s.shard-{k}-of-3")).collect();
    let mut args = vec!["merge", "--out", "merged", "--quiet"];
    args.extend(shards.iter().map(String::as_str));
    ok(simulate(&args, &dir.join("elsewhere")));
    for f in ["summary.json", "daily.csv", "fan.png"] {
        let whole = std::fs::read(work.join("whole/s").join(f)).expect("unsharded output");
        let merged = std::fs::read(dir.join("elsewhere/merged/s").join(f)).expect("merged output");
        assert!(whole == merged, "{f} differs between the unsharded run and the merge from another folder");
    }
    let summary = std::fs::read_to_string(dir.join("elsewhere/merged/s/summary.json")).expect("summary");
    assert!(summary.contains("\"observed\": {"), "the observed series was lost: {summary}");
}

#[test]
fn a_century_on_many_threads_uses_only_the_threads_that_fit_in_memory() {
    // At 36,500 days a set of daily statistics takes up to 4.5 GiB (8 series), and each
    // worker thread a block of a task's daily values (0.14 GiB). 400 runs once took 1.9 GB
    // on one thread and over 19 GB on 16 (killed), when every thread kept a set of its own.
    // Now the threads share one set and are counted before the run: 320 runs (5 tasks of
    // 64) on 16 threads need 2 sets and 5 blocks, 9.7 GiB, so all are used, without a note.
    // (A flat force keeps the sketches small, so the test runs in a moment; the count is
    // of the most they could take.)
    let dir = temp_dir("century-threads");
    std::fs::write(dir.join("flat.toml"), format!("{HEAD}days = 36500\nruns = 320\n[force]\ninitial = 1000\n"))
        .unwrap();
    let o = simulate(&["flat.toml", "--threads", "16", "--no-plot"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("note: using"), "{err}");
    // Side by side, each of three such scenarios needs 2 sets (9 GiB): one at a time.
    for s in ["b", "c"] {
        std::fs::copy(dir.join("flat.toml"), dir.join(format!("{s}.toml"))).unwrap();
    }
    let o = simulate(&["flat.toml", "b.toml", "c.toml", "--threads", "16", "--no-plot", "--runs", "64"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("note: using 1 worker thread, not 16"), "{err}");
}

#[test]
fn a_merge_names_the_right_shard_and_the_right_difference() {
    let dir = temp_dir("merge-names");
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}days = 10\nruns = 40\n[force]\ninitial = 100\n[attrition]\ndaily = 1\n"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = simulate(args, &dir);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    // The same scenario named two ways is one scenario.
    run(&["s.toml", "--shard", "1/2", "--out", "a", "-q"]);
    run(&["./s.toml", "--shard", "2/2", "--out", "a", "-q"]);
    run(&["merge", "a/s.shard-1-of-2", "a/s.shard-2-of-2", "--out", "merged", "-q"]);
    let err = |args: &[&str]| {
        let o = simulate(args, &dir);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // Shard 2 given twice was once reported as "shard 3/2 is missing".
    let e = err(&["merge", "a/s.shard-2-of-2", "a/s.shard-2-of-2"]);
    assert!(
        e.contains("shard 2/2 of s.toml is given twice") || e.contains("shard 2/2 of ./s.toml is given twice"),
        "{e}"
    );
    // A shard of another seed is a mismatch, not a missing shard.
    run(&["s.toml", "--shard", "2/2", "--seed", "7", "--out", "b", "-q"]);
    let e = err(&["merge", "a/s.shard-1-of-2", "b/s.shard-2-of-2"]);
    assert!(e.contains("its command line had --seed 7, the other's no --runs/--seed/--days"), "{e}");
}
