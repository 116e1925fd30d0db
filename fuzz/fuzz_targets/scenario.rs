//! Arbitrary bytes through reading, validation and, when valid, a short simulation with
//! its statistics and outputs, through the same pipeline as the command line. Nothing may
//! panic, overflow or hang.
//!
//! `cargo +nightly fuzz run scenario fuzz/corpus/scenario -- -max_total_time=600`

#![no_main]

use libfuzzer_sys::fuzz_target;
use muster::pipeline;
use muster::scenario::{Overrides, Scenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let overrides = Overrides { runs: Some(2), ..Overrides::default() };
    match Scenario::parse("fuzz.toml", text, overrides) {
        Ok(scenario) if scenario.days() <= 400 => {
            let finished = pipeline::simulate(&scenario, None, None);
            // Every file but the charts (drawing is slow and has its own tests).
            let _ = pipeline::scenario_files(&scenario, &finished, None);
        }
        Ok(_) => {}
        Err(e) => {
            // Rendering the message must not panic either.
            let _ = e.to_string();
        }
    }
});
