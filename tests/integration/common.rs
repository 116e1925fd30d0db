//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use crate::scratch::temp_dir;
use muster::engine::{self, Results};
use muster::scenario::{Overrides, Scenario};
use muster::stats::Summary;

/// Parses scenario text, panicking with the rendered error if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse("test.toml", text, Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The benchmark workload, `benches/every-flow.toml`, with `runs` runs.
pub fn benchmark_workload(runs: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/every-flow.toml");
    Scenario::load(&path, Overrides { runs: Some(runs), ..Overrides::default() }).unwrap_or_else(|e| panic!("{e}"))
}

/// Simulates and summarises.
pub fn run(text: &str) -> (Scenario, Results, Summary) {
    let s = scenario(text);
    let r = engine::simulate(&s, None);
    let sum = Summary::new(&s, &r);
    (s, r, sum)
}

/// A check scenario shipped in tests/checks/.
pub fn check_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checks").join(name)
}

/// The start of a scenario: `[simulation]` from 2024-01-01; tests add days, runs and the rest.
pub const HEAD: &str = "[simulation]\nstart = 2024-01-01\n";

/// The `simulate` binary with `args`, in `dir`, to run or spawn.
pub fn simulate_command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_simulate"));
    command.args(args).current_dir(dir);
    command
}

/// Runs the `simulate` binary.
pub fn simulate(args: &[&str], dir: &Path) -> Output {
    simulate_command(args, dir).output().expect("simulate runs")
}

/// Writes `text` as `name` in a fresh folder, runs `simulate` on it, and checks that it
/// fails with status 2, that every `expected` fragment is in the message, and that no
/// output folder was written. Returns the message.
#[track_caller]
pub fn rejects(name: &str, text: &str, expected: &[&str]) -> String {
    let dir = temp_dir(&format!("bad-{}", name.trim_end_matches(".toml")));
    std::fs::write(dir.join(name), text).expect("write scenario");
    let o = simulate(&[name, "--out", "out"], &dir);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "status for {name}: {err}");
    for e in expected {
        assert!(err.contains(e), "message for {name} lacks {e:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("out").exists(), "an output folder was written for a bad scenario");
    err
}

/// Asserts |got − want| ≤ tol.
#[track_caller]
pub fn assert_near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} ± {tol}");
}
