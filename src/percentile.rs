//! Percentiles over runs by Hyndman & Fan's definition 7 (linear interpolation between
//! order statistics, the default of R and NumPy), and the [`Band`] of a series: its mean,
//! standard error and percentiles. Used by the streamed sketches and the exact statistics
//! alike; it imports nothing of the crate.

use serde::Serialize;

/// The percentiles of a band, in whole percent, in the order of [`Band`]'s fields.
pub const BAND_PERCENTS: [u32; 5] = [5, 25, 50, 75, 95];

/// Q(p) of values sorted in increasing order, for p = `percent`/100, by linear
/// interpolation (Hyndman–Fan 7).
///
/// # Panics
/// If `sorted` is empty or `percent > 100`.
pub fn percentile_sorted(sorted: &[f64], percent: u32) -> f64 {
    hyndman_fan(sorted.len(), percent, |i| sorted[i])
}

/// Hyndman–Fan 7 on `n` sorted values read through `value(i)`. The position h = (n − 1)p
/// is computed in integers, so its fraction is exactly k/100 and an interpolated value
/// prints as 367925.2, not 367925.19999999984.
///
/// # Panics
/// If `n` is 0 or `percent > 100`.
pub fn hyndman_fan(n: usize, percent: u32, value: impl Fn(usize) -> f64) -> f64 {
    let (lo, fraction) = hyndman_fan_position(n, percent);
    let x_lo = value(lo);
    if fraction > 0.0 { x_lo + fraction * (value(lo + 1) - x_lo) } else { x_lo }
}

/// Where [`hyndman_fan`] reads `percent` of `n` values: the index ⌊h⌋ of h = (n − 1)p and
/// the fraction h − ⌊h⌋ towards the next (which is read only when the fraction is not 0).
///
/// # Panics
/// If `n` is 0 or `percent > 100`.
pub fn hyndman_fan_position(n: usize, percent: u32) -> (usize, f64) {
    assert!(n > 0 && percent <= 100, "percentile {percent} of {n} values");
    let position = (n as u128 - 1) * u128::from(percent);
    ((position / 100) as usize, (position % 100) as f64 / 100.0)
}

/// Mean and the 5th, 25th, 50th, 75th and 95th percentiles over runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Band {
    /// Mean over runs.
    pub mean: f64,
    /// Monte Carlo standard error of the mean, s/√n with s the sample standard deviation
    /// (n − 1 in its denominator; 0 for a single run): how precisely the runs estimate the
    /// mean, not how uncertain the outcome is.
    pub se: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Band {
    /// The band of counts; sorts `values` in place.
    pub fn of_counts(values: &mut [u64]) -> Band {
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let mean = sum as f64 / values.len() as f64;
        values.sort_unstable();
        // u64 → f64 is exact below 2⁵³, far above any count here (MAX_COUNT · days).
        let se = standard_error(values.iter().map(|&v| v as f64), mean, values.len());
        Self::from_percentiles(mean, se, |p| hyndman_fan(values.len(), p, |i| values[i] as f64))
    }

    /// The band of real values; sorts `values` in place (summed in order, so the same
    /// values in the same order always give the same mean).
    pub fn of_reals(values: &mut [f64]) -> Band {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        values.sort_unstable_by(f64::total_cmp);
        let se = standard_error(values.iter().copied(), mean, values.len());
        Self::from_percentiles(mean, se, |p| percentile_sorted(values, p))
    }

    /// The band with mean `mean`, standard error `se`, and `q(p)` at each of
    /// [`BAND_PERCENTS`].
    pub fn from_percentiles(mean: f64, se: f64, q: impl Fn(u32) -> f64) -> Band {
        let [p5, p25, p50, p75, p95] = BAND_PERCENTS.map(q);
        Band { mean, se, p5, p25, p50, p75, p95 }
    }

    /// The percentiles in order, p5 first.
    pub fn percentiles(&self) -> [f64; 5] {
        [self.p5, self.p25, self.p50, self.p75, self.p95]
    }
}

/// s/√n of `n` values with mean `mean`, summed in the order given (sorted by the callers,
/// so the result does not depend on the order runs finished in).
pub fn standard_error(values: impl Iterator<Item = f64>, mean: f64, n: usize) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let squares: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    (squares / (n - 1) as f64 / n as f64).sqrt()
}
