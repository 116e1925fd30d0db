//! The user's files are sacred: regression tests for what an attack or a crash once broke
//! (nothing outside `--out` is touched; no planted link is written through; concurrent
//! writers both finish). Replacement at every instant is tested in `files.rs` and, by
//! killing real runs with strace, in `tests/kill.rs`, which `.ci/run` runs.

use crate::common::{HEAD, simulate, simulate_command, temp_dir};
use crate::outputs::{listing, whole_folder};

/// A valid scenario that runs in a moment.
fn quick(days: u32) -> String {
    format!("{HEAD}days = {days}\nruns = 20\n[force]\ninitial = 1000\n[attrition]\ndaily = 2\n")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_stem_of_dot_dot_or_dot_touches_nothing() {
    // `...toml` has the stem `..`: it once made the old-folder removal hit out/.., deleting
    // the folder holding the scenario, precious.txt and out/.
    let dir = temp_dir("stem-dot-dot");
    std::fs::write(dir.join("precious.txt"), "keep").unwrap();
    std::fs::write(dir.join("...toml"), quick(5)).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/earlier.txt"), "keep").unwrap();
    let o = simulate(&["./...toml", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot name an output folder"), "{}", stderr(&o));
    assert_eq!(listing(&dir), ["...toml", "out", "precious.txt"]);
    assert_eq!(listing(&dir.join("out")), ["earlier.txt"]);
    // `..toml` has the stem `.`: it once deleted every other result under --out.
    std::fs::write(dir.join("..toml"), quick(5)).unwrap();
    let o = simulate(&["..toml", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(listing(&dir.join("out")), ["earlier.txt"]);
    // And through every command that names a folder after the stem.
    for args in [
        vec!["sensitivity", "..toml"],
        vec!["breakeven", "..toml", "--vary", "attrition.daily"],
        vec!["check", "..toml"],
    ] {
        let o = simulate(&args, &dir);
        let ok_for_check = args[0] == "check" && o.status.success();
        assert!(ok_for_check || o.status.code() == Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(listing(&dir.join("out")), ["earlier.txt"], "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("precious.txt")).unwrap(), "keep");
}

#[test]
fn a_stem_that_is_an_output_file_is_refused_before_any_work() {
    let dir = temp_dir("stem-reserved");
    std::fs::write(dir.join("a.toml"), quick(5)).unwrap();
    std::fs::write(dir.join("comparison.csv.toml"), quick(5)).unwrap();
    let o = simulate(&["a.toml", "comparison.csv.toml", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is the name of an output file"), "{}", stderr(&o));
    assert!(!dir.join("out").exists(), "nothing may be written, not even a.toml's folder");
}

#[test]
fn an_unusable_out_is_found_before_the_run() {
    let dir = temp_dir("bad-out");
    std::fs::write(dir.join("a.toml"), quick(5)).unwrap();
    std::fs::write(dir.join("file"), "not a folder").unwrap();
    let o = simulate(&["a.toml", "--out", "file"], &dir);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout_is_empty(&o), "no table is printed for a run that cannot be written");
    // A scenario folder's name taken by a file or a link in --out is refused, not replaced.
    std::fs::create_dir(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/a"), "mine").unwrap();
    let o = simulate(&["a.toml", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not a folder"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("out/a")).unwrap(), "mine");
}

fn stdout_is_empty(o: &std::process::Output) -> bool {
    o.stdout.is_empty()
}

#[test]
fn a_planted_link_at_a_temporary_name_is_not_written_through() {
    // Temporary names were `.<name>.partial-<pid>`, opened following links: anyone who could
    // write to a shared --out could plant a link under the next pid and have the run
    // overwrite a file outside it. Plant links under every name the old scheme could use
    // for this process, while it runs.
    let dir = temp_dir("planted-link");
    for s in ["a", "b"] {
        std::fs::write(
            dir.join(format!("{s}.toml")),
            format!("{HEAD}days = 5000\nruns = 1000\n[force]\ninitial = 1000\n[attrition]\ndaily = 2\n"),
        )
        .unwrap();
    }
    std::fs::write(dir.join("victim.txt"), "precious").unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let mut child = simulate_command(&["a.toml", "b.toml", "--out", "out", "--no-plot", "--quiet"], &dir)
        .spawn()
        .expect("simulate starts");
    let pid = child.id();
    for name in ["comparison.csv", "comparison.png"] {
        std::os::unix::fs::symlink(dir.join("victim.txt"), dir.join(format!("out/.{name}.partial-{pid}"))).unwrap();
    }
    for stem in ["a", "b"] {
        std::fs::create_dir(dir.join(format!("out/.{stem}.partial-{pid}"))).unwrap();
        std::os::unix::fs::symlink(dir.join("victim.txt"), dir.join(format!("out/.{stem}.partial-{pid}/summary.json")))
            .unwrap();
    }
    let status = child.wait().expect("simulate ends");
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(dir.join("victim.txt")).unwrap(), "precious");
    assert!(std::fs::read_to_string(dir.join("out/comparison.csv")).unwrap().starts_with("scenario,"));
}

#[test]
fn two_writers_of_one_folder_both_finish_and_leave_one_whole_folder() {
    // Two runs writing the same scenario into one --out: the loser once exited 1
    // ("Directory not empty") and left a hidden folder behind.
    let dir = temp_dir("two-writers");
    std::fs::write(dir.join("a.toml"), quick(30)).unwrap();
    for trial in 0..20 {
        let spawn = |seed: &str| {
            simulate_command(&["a.toml", "--seed", seed, "--out", "out", "--no-plot", "-q"], &dir)
                .spawn()
                .expect("starts")
        };
        let (mut one, mut two) = (spawn("1"), spawn("2"));
        assert!(one.wait().unwrap().success() && two.wait().unwrap().success(), "trial {trial}: a writer failed");
        whole_folder(&dir.join("out"), "a").unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        assert_eq!(listing(&dir.join("out")), ["a", "report.html"], "trial {trial}: something was left behind");
    }
}

#[test]
fn devices_pipes_and_folders_are_refused_at_once() {
    // `simulate check /dev/zero` once grew to gigabytes; a FIFO named x.toml hung forever.
    let dir = temp_dir("not-regular");
    let made = std::process::Command::new("mkfifo").arg(dir.join("x.toml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    std::fs::create_dir(dir.join("folder.toml")).unwrap();
    for input in ["/dev/zero", "x.toml", "folder.toml"] {
        let mut child = simulate_command(&["check", input], &dir)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("simulate starts");
        // Bounded, not timed: a hang is ended after 20 s and fails; a refusal takes
        // milliseconds.
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                child.kill().unwrap();
                panic!("{input}: still running after 20 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        let err = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
        assert_eq!(status.code(), Some(2), "{input}: {err}");
        assert!(err.contains("not a regular file"), "{input}: {err}");
    }
}

#[test]
fn inputs_once_accepted_that_should_not_be_are_refused_with_their_line() {
    let dir = temp_dir("accepted-once");
    // [observed] with a falling running total, or a value near 10³⁰⁰ (which collapsed the
    // chart's scale): refused, with the line, as `calibrate` refuses them.
    std::fs::write(dir.join("fall.csv"), "date,total\n2024-01-01,5\n2024-01-02,9\n2024-01-03,3\n").unwrap();
    std::fs::write(dir.join("huge.csv"), "date,total\n2024-01-01,5\n2024-01-02,1e300\n").unwrap();
    for (csv, expected) in [("fall.csv", "line 4: `total` falls from 9 to 3"), ("huge.csv", "line 3: `total` = 1e300")]
    {
        let text = format!("{HEAD}days = 5\n[force]\ninitial = 10\n[observed]\ncasualties = {{ file = \"{csv}\" }}\n");
        std::fs::write(dir.join("s.toml"), text).unwrap();
        let o = simulate(&["check", "s.toml"], &dir);
        assert_eq!(o.status.code(), Some(2), "{csv}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{csv}: {}", stderr(&o));
    }
    // `calibrate --daily` on a negative count, or on 1.7 × 10³⁰⁸ (which printed `inf`).
    for (bad, expected) in [("-54.5", "= -54.5 on 2024-01-04 is not a count"), ("1.7e308", "is not a count")] {
        let day0 = muster::date::Date::from_ymd(2024, 1, 1).unwrap();
        let rows: String =
            (0..70).map(|d| format!("{},{}\n", day0.add_days(d), if d == 3 { bad } else { "10" })).collect();
        std::fs::write(dir.join("daily.csv"), format!("date,n\n{rows}")).unwrap();
        let o = simulate(&["calibrate", "daily.csv", "--daily"], &dir);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected) && stderr(&o).contains("line 5"), "{bad}: {}", stderr(&o));
    }
    // --seed stops where the file's seed stops, at 2⁶³ − 1.
    std::fs::write(dir.join("s.toml"), quick(5)).unwrap();
    let o = simulate(&["s.toml", "--seed", "9223372036854775808", "--out", "out"], &dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.join("out").exists());
}

#[test]
fn a_full_disk_on_stdout_fails_and_a_closed_pipe_does_not() {
    // Every stdout write error once ended with status 0.
    let dir = temp_dir("stdout");
    std::fs::write(dir.join("s.toml"), quick(5)).unwrap();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let o = simulate_command(&["check", "s.toml"], &dir).stdout(full).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write to standard output"), "{}", stderr(&o));
    // A reader that closes the pipe early (`| head -1`) ends the program quietly.
    let mut child = simulate_command(&["check", "s.toml", "s.toml"], &dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("ends");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn an_undecided_outcome_is_said_recorded_and_has_its_own_exit_status() {
    let dir = temp_dir("undecided");
    let text = format!(
        "{HEAD}days = 30\nruns = 1000\n[force]\ninitial = 1000\n[attrition]\ndaily = {{ dist = \"uniform\", min = 0, max = 20 }}\n[[recruitment]]\ndaily = 10\n[goal]\nnew_army = 100\n"
    );
    std::fs::write(dir.join("g.toml"), text).unwrap();
    // A precision out of reach at --max-runs: the outputs are written and say so; exit 3.
    let o = simulate(&["g.toml", "--precision", "0.0001", "--max-runs", "2000", "--out", "out", "--no-plot"], &dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--precision 0.0001 was not reached"), "{}", stderr(&o));
    let summary = std::fs::read_to_string(dir.join("out/g/summary.json")).unwrap();
    assert!(summary.contains("\"precision_reached\": false"), "{summary}");
    // Reached: exit 0, recorded as true.
    let o = simulate(&["g.toml", "--precision", "0.2", "--out", "out", "--no-plot", "-q"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(dir.join("out/g/summary.json")).unwrap().contains("\"precision_reached\": true"));
    // A break-even with no crossing in its range: exit 3, the csv written.
    let args = ["breakeven", "g.toml", "--vary", "recruitment[0].daily", "--probability", "0.99", "--max", "0.001"];
    let o = simulate(&[&args[..], &["--runs", "200", "--out", "out", "--no-plot"]].concat(), &dir);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("no break-even"), "{}", stderr(&o));
    assert!(dir.join("out/g.breakeven/breakeven.csv").exists());
}
