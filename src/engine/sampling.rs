//! Random streams and the count samplers of the daily noise.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Binomial, Distribution, Gamma, Poisson};

/// The generator of every stream: named, so results do not change when `rand` changes
/// what `StdRng` or `SmallRng` mean.
pub type StreamRng = Xoshiro256PlusPlus;

/// What a stream is used for; each run has one stream of each kind.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    /// Uncertain inputs, drawn once at the start of a run.
    Inputs = 0,
    /// Daily noise: counts, splits, hazards.
    Noise = 1,
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of one run: it depends only on the master seed, the run's index and
/// the stream's purpose, never on the thread that runs it.
pub fn stream(seed: u64, run: u64, purpose: Stream) -> StreamRng {
    StreamRng::seed_from_u64(mix64(seed ^ mix64(run.wrapping_mul(4).wrapping_add(purpose as u64))))
}

/// Largest Poisson mean sampled (10¹⁵): above every count the engine can hold, and below
/// `rand_distr`'s limit, past which it would refuse to sample. Larger means are capped.
pub const MAX_POISSON_MEAN: f64 = 1e15;

/// Poisson(λ) as a whole count; 0 for λ ≤ 0; λ capped at [`MAX_POISSON_MEAN`].
pub fn poisson(rng: &mut StreamRng, lambda: f64) -> u64 {
    if lambda > 0.0 { Poisson::new(lambda.min(MAX_POISSON_MEAN)).map_or(0, |d| d.sample(rng) as u64) } else { 0 }
}

/// A daily count with mean `mean`: Poisson, or negative binomial with shape `k` when a
/// dispersion is given (variance = mean + mean²/k).
///
/// The negative binomial is drawn as a Gamma–Poisson mixture: λ ~ Gamma(shape k,
/// scale mean/k), then Poisson(λ) (Greenwood & Yule 1920; `rand_distr` has no negative
/// binomial).
pub fn count(rng: &mut StreamRng, mean: f64, dispersion: Option<f64>) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    let lambda = match dispersion {
        Some(k) => Gamma::new(k, mean / k).map_or(mean, |g| g.sample(rng)),
        None => mean,
    };
    poisson(rng, lambda)
}

/// Binomial(n, p): how many of `n` people an event with probability `p` touches.
pub fn binomial(rng: &mut StreamRng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        Binomial::new(n, p).map_or(0, |d| d.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(draws: &[u64]) -> (f64, f64) {
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<u64>() as f64 / n;
        let var = draws.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn negative_binomial_has_the_stated_variance() {
        // mean 600, k = 15: variance = 600 + 600²/15 = 24,600. With 100,000 draws the
        // sample variance has a relative standard error of about √(2/n)·√(kurtosis term)
        // ≈ 1%; a 5% tolerance cannot flake yet catches a wrong scale (k·mean or mean/k²).
        let mut rng = stream(1, 0, Stream::Noise);
        let draws: Vec<u64> = (0..100_000).map(|_| count(&mut rng, 600.0, Some(15.0))).collect();
        let (mean, var) = moments(&draws);
        assert!((mean / 600.0 - 1.0).abs() < 0.01, "mean {mean}");
        assert!((var / 24_600.0 - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn poisson_variance_equals_mean() {
        let mut rng = stream(2, 0, Stream::Noise);
        let draws: Vec<u64> = (0..100_000).map(|_| count(&mut rng, 600.0, None)).collect();
        let (mean, var) = moments(&draws);
        assert!((mean / 600.0 - 1.0).abs() < 0.005, "mean {mean}");
        assert!((var / 600.0 - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn streams_differ_by_run_and_purpose_and_repeat_exactly() {
        use rand::Rng;
        let a = stream(7, 3, Stream::Noise).next_u64();
        assert_eq!(a, stream(7, 3, Stream::Noise).next_u64());
        assert_ne!(a, stream(7, 4, Stream::Noise).next_u64());
        assert_ne!(a, stream(7, 3, Stream::Inputs).next_u64());
        assert_ne!(a, stream(8, 3, Stream::Noise).next_u64());
    }

    #[test]
    fn binomial_edges_are_exact() {
        let mut rng = stream(1, 1, Stream::Noise);
        assert_eq!(binomial(&mut rng, 100_000, 1.0), 100_000);
        assert_eq!(binomial(&mut rng, 100_000, 0.0), 0);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
    }
}
