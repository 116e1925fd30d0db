//! A kill at any step of replacing a run's outputs leaves every visible folder and file
//! whole, and from one run or the other. strace injects SIGKILL at the Nth call of a
//! system call into a real run. Not run by `cargo test` (it needs Debian's strace, which
//! `.ci/run` installs); run it with `cargo test --release --test kill`.
//!
//! The old replacement removed the old folder, then renamed the new one in: killed at its
//! second unlink it left `out/a` holding `daily.csv` alone, looking finished.

use std::process::Command;

#[path = "support/outputs.rs"]
mod outputs;
use outputs::{listing, whole_folder};

#[path = "support/scratch.rs"]
mod scratch;
use scratch::temp_dir;

/// `strace`, which CI installs (`.ci/run`); without it this test fails rather than skips.
fn strace() -> &'static str {
    let found = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(found, "strace is needed to kill a run between two system calls: apt-get install strace");
    "strace"
}

#[test]
fn a_kill_at_any_step_of_the_replacement_leaves_whole_outputs_of_one_run_or_the_other() {
    // The old replacement removed the old folder, then renamed the new one in: a kill in
    // between (strace -e inject=unlinkat:signal=KILL:when=2) left a folder half deleted
    // that looked complete, or none. Now every visible folder must be whole, at every
    // step of the replacement, and each file must say which run it is from.
    let strace = strace();
    let dir = temp_dir("kill-replace");
    for s in ["a", "b"] {
        std::fs::write(dir.join(format!("{s}.toml")), SCENARIO).unwrap();
    }
    let first = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .args(["a.toml", "b.toml", "--seed", "1", "--out", "pristine", "--no-plot", "-q"])
        .current_dir(&dir)
        .status()
        .expect("simulate runs");
    assert!(first.success());
    let mut kills = 0;
    for syscalls in ["rename,renameat,renameat2", "unlink,unlinkat,rmdir", "openat", "fsync"] {
        for when in 1..=6 {
            let _ = std::fs::remove_dir_all(dir.join("out"));
            let copy = Command::new("cp").args(["-a", "pristine", "out"]).current_dir(&dir).status();
            assert!(copy.is_ok_and(|s| s.success()));
            let o = Command::new(strace)
                .args(["-f", "-o", "/dev/null", "-e", &format!("inject={syscalls}:signal=KILL:when={when}")])
                .arg(env!("CARGO_BIN_EXE_simulate"))
                .args(["a.toml", "b.toml", "--seed", "2", "--out", "out", "--no-plot", "-q"])
                .current_dir(&dir)
                .output()
                .expect("strace runs");
            kills += usize::from(!o.status.success());
            let out = dir.join("out");
            for stem in ["a", "b"] {
                let seed = whole_folder(&out, stem).unwrap_or_else(|e| panic!("killed at {syscalls} #{when}: {e}"));
                assert!(seed == 1 || seed == 2, "{stem} from seed {seed}");
            }
            let csv = std::fs::read_to_string(out.join("comparison.csv")).expect("comparison.csv is always there");
            assert_eq!(csv.lines().count(), 3, "killed at {syscalls} #{when}: comparison.csv is cut short");
            // Every visible entry is an output; anything else a kill left is hidden.
            let visible: Vec<String> = listing(&out).into_iter().filter(|n| !n.starts_with('.')).collect();
            assert_eq!(visible, ["a", "b", "comparison.csv", "report.html"], "killed at {syscalls} #{when}");
            let page = std::fs::read_to_string(out.join("report.html")).expect("report.html is always there");
            assert!(page.ends_with("</html>\n"), "killed at {syscalls} #{when}: report.html is cut short");
        }
    }
    assert!(kills >= 10, "the kills must land inside the run ({kills} did)");
}

/// A scenario of 30 days that runs in a moment.
const SCENARIO: &str =
    "[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 20\n[force]\ninitial = 1000\n[attrition]\ndaily = 2\n";
