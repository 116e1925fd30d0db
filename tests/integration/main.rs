//! Integration tests, one binary (faster to build): the shared hand-checked scenarios,
//! analytic checks per flow, properties over random scenarios, and the command line.

mod analysis;
mod armies;
mod calibration;
mod charts;
mod checks;
mod cli;
mod common;
mod composition;
mod fit;
mod flows;
mod golden;
mod limits;
#[path = "../support/outputs.rs"]
mod outputs;
mod points;
mod properties;
mod report;
mod safety;
mod schema;
#[path = "../support/scratch.rs"]
mod scratch;
mod streaming;
mod structure;
mod triggers;
