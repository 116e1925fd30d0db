//! Arbitrary bytes through reading, validation and, when valid, a short simulation with
//! its statistics and outputs. Nothing may panic, overflow or hang.
//!
//! `cargo +nightly fuzz run scenario fuzz/corpus/scenario -- -max_total_time=600`

#![no_main]

use libfuzzer_sys::fuzz_target;
use muster::scenario::{Overrides, Scenario};
use muster::{engine, output, stats};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let overrides = Overrides { runs: Some(2), ..Overrides::default() };
    match Scenario::parse("fuzz.toml", text, overrides) {
        Ok(scenario) if scenario.days() <= 400 => {
            let results = engine::simulate(&scenario, None);
            let mut summary = stats::Summary::new(&scenario, &results);
            let bands = stats::daily_bands(&results);
            summary.add_observed(&scenario, &bands);
            let _ = output::summary_json(&summary);
            let _ = output::daily_csv(&summary, &bands);
        }
        Ok(_) => {}
        Err(e) => {
            // Rendering the message must not panic either.
            let _ = e.to_string();
        }
    }
});
