//! The values of a scenario's inputs in each run.
//!
//! Every input gets one quantile u ∈ (0, 1) per run, and its value is the inverse CDF at
//! u ([`crate::distribution::Uncertain::quantile`]). How the u are chosen is the design:
//!
//! - **random** (default): u from a stream of its own, keyed by the seed, the run index
//!   and the input's key path. Two scenarios run with the same seed therefore share the u
//!   of every key they have in common, run by run (common random numbers), and an input
//!   added to a scenario does not disturb the others' draws.
//! - **Latin hypercube** (`sampling = "lhs"`): within a batch of N runs, each input's u
//!   fall one in each of the N strata [k/N, (k+1)/N), in an order shuffled per input
//!   (McKay, Beckman & Conover, Technometrics 21, 1979), which estimates means with less
//!   variance for the same number of runs.
//! - **correlations** (`[[correlation]]`) are imposed on either by a Gaussian copula:
//!   z = Φ⁻¹(u), z′ = L z with L the Cholesky factor of the normal correlation matrix,
//!   u′ = Φ(z′). A rank (Spearman) correlation ρ_s becomes the normal correlation
//!   2 sin(π ρ_s / 6) (Pearson 1907; Kruskal 1958), which the copula reproduces exactly.

use std::ops::Range;

use rand::Rng;

use crate::distribution::open_unit;
use crate::limits::MAX_COUNT;
use crate::random::{mix64, named_stream};
use crate::scenario::{Sampling, Scenario};

/// The quantiles of every input in a batch of runs.
#[derive(Clone, Debug)]
pub struct Design<'s> {
    scenario: &'s Scenario,
    runs: Range<u64>,
    /// Latin hypercube: per input, the stratum of each run of the batch.
    strata: Option<Vec<Vec<u32>>>,
}

impl<'s> Design<'s> {
    /// The design of runs `runs` of `scenario`, by its `sampling`. A Latin hypercube is
    /// laid over exactly these runs, so it depends on the batch.
    pub fn new(scenario: &'s Scenario, runs: Range<u64>) -> Self {
        let strata = (scenario.sampling == Sampling::LatinHypercube).then(|| {
            let n = (runs.end - runs.start) as usize;
            scenario
                .inputs
                .iter()
                .map(|input| {
                    // Fisher–Yates shuffle of the strata, from a stream of the input's own.
                    let mut rng =
                        named_stream(scenario.seed ^ mix64(runs.start), u64::MAX, &format!("lhs:{}", input.key));
                    let mut order: Vec<u32> = (0..n as u32).collect();
                    for i in (1..n).rev() {
                        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                        order.swap(i, j);
                    }
                    order
                })
                .collect()
        });
        Self { scenario, runs, strata }
    }

    /// The quantile of every input in run `run` (which must be in the design's batch).
    pub fn quantiles(&self, run: u64) -> Vec<f64> {
        let s = self.scenario;
        let n = (self.runs.end - self.runs.start) as f64;
        let mut u: Vec<f64> = s
            .inputs
            .iter()
            .enumerate()
            .map(|(j, input)| {
                if input.value.is_fixed() {
                    return 0.5;
                }
                let mut rng = named_stream(s.seed, run, &input.key);
                let jitter = open_unit(&mut rng);
                match &self.strata {
                    Some(strata) => (f64::from(strata[j][(run - self.runs.start) as usize]) + jitter) / n,
                    None => jitter,
                }
            })
            .collect();
        if let Some(copula) = &s.copula {
            copula.correlate(&mut u);
        }
        u
    }

    /// The value of every input in run `run`.
    pub fn values(&self, run: u64) -> Vec<f64> {
        values_at(self.scenario, &self.quantiles(run))
    }
}

/// The value of every input at the given quantiles. Counts, sizes and rates are capped at
/// [`MAX_COUNT`].
pub fn values_at(scenario: &Scenario, quantiles: &[f64]) -> Vec<f64> {
    scenario.inputs.iter().zip(quantiles).map(|(input, &u)| input.value.quantile(u).min(MAX_COUNT)).collect()
}
