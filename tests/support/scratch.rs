//! Scratch folders for tests; shared by the integration tests, `tests/kill.rs` and
//! `tests/browser.rs`.

use std::path::{Path, PathBuf};

/// A fresh empty folder under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
