//! # muster: Monte Carlo manpower sustainability
//!
//! Can a force at war, beyond replacing its losses, generate enough surplus to stand up a
//! new army, by when, and with what probability? muster answers from a TOML scenario
//! (MODEL.md is the contract) by simulating many runs of a day-by-day stock-and-flow model.
//!
//! The layers, each importing only those before it (a test checks that no module cycle
//! forms), over leaves that all may use ([`random`], [`limits`], [`ledger`],
//! [`percentile`], [`format`](mod@format), [`date`]):
//! 1. [`scenario`]: read and validate a file into a [`Scenario`] (errors name file, key,
//!    line and column); parsing reads no file, [`Scenario::load`] then reads `[observed]`;
//! 2. [`inputs`]: each run's input values (random, Latin hypercube, correlated);
//! 3. [`engine`]: simulate runs in parallel, each from its own random streams, so results
//!    do not depend on the number of threads;
//! 4. [`stats`]: percentile bands per day and summary statistics over runs;
//! 5. [`output`] and [`plot`]: `summary.json`, the CSV files, the terminal table, and the
//!    charts, PNG or SVG;
//! 6. [`pipeline`]: scenarios to every output file's bytes, which the command line
//!    ([`cli`]) writes.
//!
//! ```
//! use muster::{Scenario, scenario::Overrides, engine, stats};
//! let text = "[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 50\n[force]\ninitial = 1000\n[attrition]\ndaily = 2\n";
//! let scenario = Scenario::parse("example.toml", text, Overrides::default()).unwrap();
//! let results = engine::simulate(&scenario, None);
//! let summary = stats::Summary::new(&scenario, &results);
//! assert!(summary.casualties_total.mean > 40.0 && summary.casualties_total.mean < 80.0);
//! ```

pub mod analysis;
pub mod backtest;
pub mod calibrate;
pub mod cli;
pub mod date;
pub mod delay;
pub mod distribution;
pub mod engine;
pub mod files;
pub mod fit;
pub mod format;
pub mod inputs;
pub mod ledger;
pub mod limits;
pub mod output;
pub mod percentile;
pub mod pipeline;
pub mod plot;
pub mod random;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod sketch;
pub mod stats;

pub use scenario::Scenario;
