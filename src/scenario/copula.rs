//! `[[correlation]]`s between inputs, imposed as a Gaussian copula (see [`crate::inputs`]
//! for how the design applies it).

use super::InputId;
use crate::distribution::{standard_normal_cdf, standard_normal_quantile};

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
