//! Running a scenario's runs in shards on several machines, and merging them.
//!
//! Every run's random streams depend only on the seed, the run index and names, and the
//! design of the inputs always spans all the runs. So shard K of N simulates run indices
//! ⌊(K−1)R/N⌋ to ⌊KR/N⌋ − 1 exactly as an unsharded run would, and concatenating the
//! shards in order gives the same runs: `simulate merge` then writes byte for byte the
//! outputs of the unsharded run.
//!
//! A shard folder holds `partial.json` (the scenario's text and file name, its observed
//! series, the command line's overrides, the shard and its run indices), `runs.bin`, and
//! `SHA256SUMS` with the SHA-256 of both, so that a flipped bit is refused, named, rather
//! than merged. `runs.bin` holds the magic bytes `MUSTERS5`, then little-endian u64s:
//! runs, days, mobilization waves, the shard's per-day sketches of every series and source
//! ([`DailyStats::write_words`]), then per run its end state (strength, deployed,
//! formation, casualties, recruited), the day the goal was reached (`u64::MAX` for never),
//! the cost's bits, and the goal's armies (formed by the deadline, the days of the first
//! and second, and whether `formation` held one on the deadline), then per run and wave
//! the day the wave first started (`u64::MAX` for a trigger that never fired). Sketches
//! merge by exact integer addition, so the merged statistics are those of the unsharded
//! run.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{Results, RunOutcome};
use crate::format::sha256_hex;
use crate::ledger::{Armies, EndState};
use crate::scenario::{Observed, Overrides, Scenario, ScenarioError};
use crate::sketch::DailyStats;

const MAGIC: &[u8; 8] = b"MUSTERS5";

/// Shard K of N (K from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    /// Which shard, from 1.
    pub index: u32,
    /// How many.
    pub count: u32,
}

/// Text that is not a shard `K/N` with 1 ≤ K ≤ N.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a shard K/N with 1 ≤ K ≤ N (e.g. 2/4)")]
pub struct ShardSpecError(pub String);

impl std::str::FromStr for ShardSpec {
    type Err = ShardSpecError;

    /// Parses `K/N` with 1 ≤ K ≤ N.
    fn from_str(s: &str) -> Result<Self, ShardSpecError> {
        let bad = || ShardSpecError(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl ShardSpec {
    /// The run indices of this shard among `runs`.
    pub fn runs(self, runs: u32) -> Range<u64> {
        let share = |k: u32| u64::from(runs) * u64::from(k) / u64::from(self.count);
        share(self.index - 1)..share(self.index)
    }
}

/// What a shard records besides its runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialInfo {
    /// The scenario file as named on the command line.
    pub file: String,
    /// Its text, so the merge needs no copy of the file.
    pub text: String,
    /// Its `[observed]` series as read when the shard ran, so the merge reads no file but
    /// the shards (from any folder).
    pub observed: Observed,
    /// `--runs`, `--seed`, `--days`, as given.
    pub overrides: Overrides,
    /// Which shard.
    pub shard: ShardSpec,
    /// Its run indices.
    pub first_run: u64,
    /// One past its last run index.
    pub end_run: u64,
    /// The program version that wrote it (shards of different versions do not merge).
    pub version: String,
}

/// Words a run's end state takes in `runs.bin`.
const END_WORDS: usize = 5;

/// Words a run's armies take in `runs.bin`.
const ARMY_WORDS: usize = 4;

/// Words a run takes in `runs.bin`: its end state, the day reached, the cost and its armies.
const RUN_WORDS: usize = END_WORDS + 2 + ARMY_WORDS;

/// An end state's counts in `runs.bin` order; [`end_from_words`] reads them back.
fn end_words(e: &EndState) -> [u64; END_WORDS] {
    [e.strength, e.deployed, e.formation, e.casualties, e.recruited]
}

/// The end state whose [`end_words`] are `w`.
fn end_from_words(w: &[u64; END_WORDS]) -> EndState {
    let [strength, deployed, formation, casualties, recruited] = *w;
    EndState { strength, deployed, formation, casualties, recruited }
}

/// A day in `runs.bin`: the day, or `u64::MAX` for none.
fn day_word(day: Option<u32>) -> u64 {
    day.map_or(u64::MAX, u64::from)
}

/// The day of a [`day_word`].
fn word_day(w: u64) -> Option<u32> {
    (w != u64::MAX).then_some(w as u32)
}

/// A run's armies in `runs.bin` order; [`armies_from_words`] reads them back.
fn army_words(a: &Armies) -> [u64; ARMY_WORDS] {
    [u64::from(a.by_deadline), day_word(a.first), day_word(a.second), u64::from(a.at_deadline)]
}

/// The armies whose [`army_words`] are `w`.
fn armies_from_words(w: &[u64; ARMY_WORDS]) -> Armies {
    Armies { by_deadline: w[0] as u32, first: word_day(w[1]), second: word_day(w[2]), at_deadline: w[3] == 1 }
}

/// The files of a shard's folder.
pub fn partial_files(info: &PartialInfo, results: &Results) -> Vec<(String, Vec<u8>)> {
    let waves = results.started.len() / results.outcomes.len().max(1);
    let mut words = vec![u64::from(results.runs), u64::from(results.days), waves as u64];
    results.daily.write_words(&mut words);
    for o in &results.outcomes {
        words.extend(end_words(&o.end));
        words.push(day_word(o.day_reached));
        words.push(o.cost.to_bits());
        words.extend(army_words(&o.armies));
    }
    words.extend(results.started.iter().map(|&d| day_word(d)));
    let mut bin = Vec::with_capacity(8 + words.len() * 8);
    bin.extend_from_slice(MAGIC);
    for w in words {
        bin.extend_from_slice(&w.to_le_bytes());
    }
    let json = serde_json::to_string_pretty(info).expect("partial info serialises") + "\n";
    let files = [("partial.json".to_string(), json.into_bytes()), ("runs.bin".to_string(), bin)];
    let sums: String = files.iter().map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes))).collect();
    let mut files = files.to_vec();
    files.push((CHECKSUMS.to_string(), sums.into_bytes()));
    files
}

/// The shard folder's checksum file, as `sha256sum` writes and checks it
/// (`sha256sum -c SHA256SUMS` in the folder verifies it by hand).
const CHECKSUMS: &str = "SHA256SUMS";

/// `--runs 4000 --seed 2`, or "no --runs/--seed/--days".
fn overrides_text(o: &Overrides) -> String {
    let parts: Vec<String> = [("--runs", o.runs.map(u64::from)), ("--seed", o.seed), ("--days", o.days.map(u64::from))]
        .into_iter()
        .filter_map(|(flag, v)| v.map(|v| format!("{flag} {v}")))
        .collect();
    if parts.is_empty() { "no --runs/--seed/--days".into() } else { parts.join(" ") }
}

/// Reads `dir/<name>` and checks it against its line of `sums`.
fn read_checked(dir: &Path, name: &str, sums: &str) -> Result<Vec<u8>, ShardError> {
    let shown = format!("{}/{name}", dir.display());
    let bytes = std::fs::read(dir.join(name))
        .map_err(|e| ShardError::Unreadable { file: shown.clone(), message: e.to_string() })?;
    let recorded = sums.lines().find_map(|l| l.strip_suffix(name)?.strip_suffix("  "));
    if recorded != Some(sha256_hex(&bytes).as_str()) {
        return Err(ShardError::Checksum(shown));
    }
    Ok(bytes)
}

/// A shard read back.
pub struct Partial {
    /// Its record.
    pub info: PartialInfo,
    /// Its runs.
    pub results: Results,
    /// Where it was read from.
    pub dir: PathBuf,
}

/// Why shard folders cannot be read or merged; each names the folder or file.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// No `SHA256SUMS`: not a shard folder (or not a whole one).
    #[error(
        "cannot read {dir}/SHA256SUMS ({source}): each DIR must be a folder written by `simulate FILE --shard K/N`"
    )]
    NotAShard {
        /// The folder.
        dir: String,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A file that cannot be read or parsed.
    #[error("{file}: {message}")]
    Unreadable {
        /// The file.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A file whose content does not hold together.
    #[error("{0} is damaged or incomplete")]
    Damaged(String),
    /// A file whose bytes are not those the shard wrote (a flipped bit, a partial copy).
    #[error(
        "{0} does not match its checksum in SHA256SUMS: it was damaged after the shard wrote it; copy or run that shard again"
    )]
    Checksum(String),
    /// Shards of different runs.
    #[error("{dir} is not a shard of the same run as {first}: {what}")]
    Mismatch {
        /// The odd one.
        dir: String,
        /// The first shard.
        first: String,
        /// What differs, with both values where they are short.
        what: String,
    },
    /// A shard missing, or given twice.
    #[error("shard {index}/{count} of {file} is {problem}")]
    Incomplete {
        /// Which shard.
        index: usize,
        /// Of how many.
        count: u32,
        /// The scenario file.
        file: String,
        /// "missing" or "given twice".
        problem: &'static str,
    },
    /// The shards hold another number of runs than the scenario.
    #[error("the shards hold {held} runs; the scenario has {runs}")]
    RunCount {
        /// Runs in the shards.
        held: u32,
        /// Runs of the scenario.
        runs: u32,
    },
    /// The scenario text recorded in the shards no longer validates (another version).
    #[error("{0}")]
    Scenario(ScenarioError),
}

/// Reads a shard folder.
///
/// # Errors
/// A missing or damaged file, named.
pub fn read(dir: &Path) -> Result<Partial, ShardError> {
    let shown = dir.display().to_string();
    let sums = std::fs::read_to_string(dir.join(CHECKSUMS))
        .map_err(|source| ShardError::NotAShard { dir: shown.clone(), source })?;
    let json = read_checked(dir, "partial.json", &sums)?;
    let unreadable = |file: &str, e: &dyn std::fmt::Display| ShardError::Unreadable {
        file: format!("{shown}/{file}"),
        message: e.to_string(),
    };
    let info: PartialInfo = serde_json::from_slice(&json).map_err(|e| unreadable("partial.json", &e))?;
    let bin = read_checked(dir, "runs.bin", &sums)?;
    let damaged = || ShardError::Damaged(format!("{shown}/runs.bin"));
    if bin.len() < 32 || &bin[..8] != MAGIC || (bin.len() - 8) % 8 != 0 {
        return Err(damaged());
    }
    let words: Vec<u64> =
        bin[8..].chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
    let (runs, days, waves) = (words[0] as usize, words[1], words[2] as usize);
    let (daily, rest) = DailyStats::read_words(&words[3..]).ok_or_else(damaged)?;
    let run_words = runs.checked_mul(RUN_WORDS).ok_or_else(damaged)?;
    if u64::from(daily.days()) != days
        || !daily.holds_runs(runs as u64)
        || runs.checked_mul(waves).and_then(|w| w.checked_add(run_words)) != Some(rest.len())
        || runs as u64 != info.end_run - info.first_run
    {
        return Err(damaged());
    }
    let (run_words, start_words) = rest.split_at(run_words);
    let outcomes = run_words
        .chunks_exact(RUN_WORDS)
        .map(|w| RunOutcome {
            end: end_from_words(w[..END_WORDS].try_into().expect("an end state's words")),
            day_reached: word_day(w[END_WORDS]),
            cost: f64::from_bits(w[END_WORDS + 1]),
            armies: armies_from_words(w[END_WORDS + 2..].try_into().expect("the armies' words")),
        })
        .collect();
    let started = start_words.iter().map(|&w| word_day(w)).collect();
    Ok(Partial {
        info,
        results: Results { days: days as u32, runs: runs as u32, daily, outcomes, started },
        dir: dir.to_path_buf(),
    })
}

/// Merges the shards of one scenario: all N present once, from the same scenario text,
/// observed series, overrides and program version, concatenated in run order.
///
/// # Errors
/// A missing, repeated or mismatched shard, named.
pub fn merge(mut shards: Vec<Partial>) -> Result<(Scenario, Results), ShardError> {
    shards.sort_by_key(|p| p.info.shard.index);
    let first = &shards[0].info;
    let count = first.shard.count;
    let incomplete = |index: usize, problem| ShardError::Incomplete { index, count, file: first.file.clone(), problem };
    for p in &shards {
        let i = &p.info;
        let differs = if i.version != first.version {
            Some(format!("it was written by muster {}, the other by {}", i.version, first.version))
        } else if i.overrides != first.overrides {
            Some(format!(
                "its command line had {}, the other's {}",
                overrides_text(&i.overrides),
                overrides_text(&first.overrides)
            ))
        } else if i.text != first.text {
            Some("its scenario text differs".to_string())
        } else if i.observed != first.observed {
            Some("its observed series differ".to_string())
        } else if i.shard.count != count {
            Some(format!("it is one of {} shards, the other one of {count}", i.shard.count))
        } else {
            None
        };
        if let Some(what) = differs {
            return Err(ShardError::Mismatch {
                dir: p.dir.display().to_string(),
                first: shards[0].dir.display().to_string(),
                what,
            });
        }
    }
    // Sorted by index: a repeat is next to its twin; then the first index not present.
    if let Some(w) = shards.windows(2).find(|w| w[0].info.shard.index == w[1].info.shard.index) {
        return Err(incomplete(w[0].info.shard.index as usize, "given twice"));
    }
    let present: Vec<u32> = shards.iter().map(|p| p.info.shard.index).collect();
    if let Some(missing) = (1..=count).find(|k| !present.contains(k)) {
        return Err(incomplete(missing as usize, "missing"));
    }
    let scenario = Scenario::parse(&first.file, &first.text, first.overrides).map_err(ShardError::Scenario)?;
    let fits = |series: &Option<Vec<Option<f64>>>| series.as_ref().is_none_or(|v| v.len() == scenario.days() as usize);
    // Estimates index the day's sketches: a day past the horizon or an unknown series is damage.
    let placed = first.observed.points.iter().all(|p| {
        p.series < crate::ledger::SERIES.len()
            && p.points.iter().all(|x| x.day < scenario.days() && x.value.is_finite() && x.sd.is_finite())
    });
    if !fits(&first.observed.casualties) || !fits(&first.observed.recruited) || !placed {
        return Err(ShardError::Damaged(format!("{}/partial.json", shards[0].dir.display())));
    }
    let scenario = scenario.with_observed(first.observed.clone());
    let mut results = Results::empty(scenario.days(), scenario.sources().len());
    for p in shards {
        if p.results.days != scenario.days() || p.results.daily.width() != crate::engine::recorded_series(&scenario) {
            return Err(ShardError::Damaged(format!("{}/runs.bin", p.dir.display())));
        }
        results.absorb(p.results);
    }
    if results.runs != scenario.runs() {
        return Err(ShardError::RunCount { held: results.runs, runs: scenario.runs() });
    }
    Ok((scenario, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_survives_its_words() {
        let e = EndState { strength: 1, deployed: 2, formation: 3, casualties: 4, recruited: 5 };
        assert_eq!(end_from_words(&end_words(&e)), e);
        let a = Armies { by_deadline: 3, first: Some(40), second: None, at_deadline: true };
        assert_eq!(armies_from_words(&army_words(&a)), a);
    }

    #[test]
    fn every_flipped_bit_of_a_shard_is_refused_and_named() {
        // 200 single-bit flips in runs.bin once let 6 through with other outputs (a mean
        // of 1.5 × 10¹⁶ for 899,994). Now every flip, in either file, is refused.
        let text =
            "[simulation]\nstart = 2024-01-01\ndays = 20\nruns = 10\n[force]\ninitial = 1000\n[attrition]\ndaily = 3\n";
        let s = Scenario::parse("s.toml", text, Overrides::default()).unwrap();
        let results = crate::engine::simulate(&s, None);
        let info = PartialInfo {
            file: "s.toml".into(),
            text: text.into(),
            observed: Observed::default(),
            overrides: Overrides::default(),
            shard: ShardSpec { index: 1, count: 1 },
            first_run: 0,
            end_run: 10,
            version: "test".into(),
        };
        let files = partial_files(&info, &results);
        let dir = std::env::temp_dir().join(format!("muster-shard-flips-{}", std::process::id()));
        let write = |files: &[(String, Vec<u8>)]| {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, bytes) in files {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        };
        write(&files);
        assert!(read(&dir).is_ok(), "the shard as written reads back");
        let mut rng = crate::random::named_stream(9, 0, "flips");
        for flip in 0..200 {
            let which = flip % 2;
            let mut damaged = files.clone();
            let bytes = &mut damaged[which].1;
            let bit = (rand::Rng::next_u64(&mut rng) % (bytes.len() as u64 * 8)) as usize;
            bytes[bit / 8] ^= 1 << (bit % 8);
            write(&damaged);
            match read(&dir) {
                Err(ShardError::Checksum(file)) => assert!(file.ends_with(&damaged[which].0), "{file}"),
                other => panic!("flip {flip} of bit {bit} in {}: {:?}", damaged[which].0, other.map(|p| p.info.file)),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shards_partition_the_runs() {
        let spec = |s: &str| s.parse::<ShardSpec>().expect("valid");
        let ranges: Vec<_> = (1..=4).map(|k| spec(&format!("{k}/4")).runs(10)).collect();
        assert_eq!(ranges, vec![0..2, 2..5, 5..7, 7..10]);
        for bad in ["0/4", "5/4", "a/b", "4", "1/0"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }
}
