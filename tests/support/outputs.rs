//! Looking at what a run left in an output folder; shared by the integration tests and
//! `tests/kill.rs`.

use std::path::Path;

/// Every entry of `dir`, sorted (none for a folder that is not there).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_or(Vec::new(), |d| d.map(|e| e.expect("an entry").file_name().to_string_lossy().into()).collect());
    names.sort();
    names
}

/// Whether `dir/<stem>` is a whole scenario folder of a 30-day run, and of which seed (so
/// which run): `summary.json` that parses, and `daily.csv` with all its days.
pub fn whole_folder(dir: &Path, stem: &str) -> Result<u64, String> {
    let folder = dir.join(stem);
    let summary =
        std::fs::read_to_string(folder.join("summary.json")).map_err(|e| format!("{stem}/summary.json: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&summary).map_err(|e| format!("{stem}/summary.json: {e}"))?;
    let daily = std::fs::read_to_string(folder.join("daily.csv")).map_err(|e| format!("{stem}/daily.csv: {e}"))?;
    if daily.lines().count() != 1 + 30 {
        return Err(format!("{stem}/daily.csv is cut short"));
    }
    json["seed"].as_u64().ok_or_else(|| format!("{stem}/summary.json has no seed"))
}
