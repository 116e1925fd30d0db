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

use crate::distribution::{open_unit, standard_normal_cdf, standard_normal_quantile};
use crate::engine::MAX_COUNT;
use crate::engine::sampling::{mix64, named_stream};
use crate::scenario::{InputId, Sampling, Scenario};

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

/// A Gaussian copula over some inputs: their normal scores are mixed by the lower
/// Cholesky factor of their correlation matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Copula {
    inputs: Vec<InputId>,
    /// Lower-triangular, row-major, `inputs.len()²`.
    lower: Vec<f64>,
}

/// Why a set of correlations cannot be imposed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the correlations are not consistent: their matrix is not positive semi-definite")]
pub struct NotPositiveSemiDefinite;

impl Copula {
    /// The copula of pairwise rank correlations `(a, b, ρ_s)` between distinct inputs.
    ///
    /// # Errors
    /// If the implied normal correlation matrix is not positive semi-definite (for
    /// example a ≈ b and b ≈ c strongly, but a and c strongly opposed).
    pub fn new(pairs: &[(InputId, InputId, f64)]) -> Result<Self, NotPositiveSemiDefinite> {
        let mut inputs: Vec<InputId> = pairs.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        inputs.sort_unstable();
        inputs.dedup();
        let n = inputs.len();
        let at = |id: InputId| inputs.iter().position(|&x| x == id).expect("listed above");
        let mut matrix = vec![0.0; n * n];
        for i in 0..n {
            matrix[i * n + i] = 1.0;
        }
        for &(a, b, rank) in pairs {
            let r = 2.0 * libm::sin(std::f64::consts::PI * rank / 6.0);
            let (i, j) = (at(a), at(b));
            matrix[i * n + j] = r;
            matrix[j * n + i] = r;
        }
        Ok(Self { lower: cholesky(&matrix, n)?, inputs })
    }

    /// The inputs the copula correlates.
    pub fn inputs(&self) -> &[InputId] {
        &self.inputs
    }

    /// Replaces the quantiles of the copula's inputs by correlated ones.
    pub fn correlate(&self, u: &mut [f64]) {
        let n = self.inputs.len();
        let z: Vec<f64> = self.inputs.iter().map(|id| standard_normal_quantile(u[id.index()])).collect();
        for (i, id) in self.inputs.iter().enumerate() {
            let mixed: f64 = (0..=i).map(|k| self.lower[i * n + k] * z[k]).sum();
            u[id.index()] = standard_normal_cdf(mixed).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
        }
    }
}

/// Cholesky factor L (lower, row-major) with L Lᵀ = A, for a symmetric positive
/// semi-definite A; a pivot that is zero to rounding (a perfectly dependent input) gives a
/// zero column rather than a failure.
fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, NotPositiveSemiDefinite> {
    const TOLERANCE: f64 = 1e-10;
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let pivot = a[i * n + i] - sum;
                if pivot < -TOLERANCE {
                    return Err(NotPositiveSemiDefinite);
                }
                l[i * n + i] = pivot.max(0.0).sqrt();
            } else if l[j * n + j] > TOLERANCE {
                l[i * n + j] = (a[i * n + j] - sum) / l[j * n + j];
            } else if (a[i * n + j] - sum).abs() > TOLERANCE {
                return Err(NotPositiveSemiDefinite);
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_factors_and_rejects() {
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2f64.sqrt()]);
        // Perfect dependence is semi-definite: allowed.
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_ok());
        // a ~ b, b ~ c, a ~ -c strongly: impossible.
        let bad = [1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0];
        assert_eq!(cholesky(&bad, 3), Err(NotPositiveSemiDefinite));
    }
}
