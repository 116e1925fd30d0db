//! The count samplers of the daily noise.

use super::ziggurat::standard_normal;
use crate::distribution::special::ln_gamma;
use crate::limits::{count_as_f64, floor_as_count};
use crate::random::{StreamRng, open_uniform};

/// Largest Poisson mean sampled (10¹⁵): above every count the engine can hold. Larger
/// means are capped.
pub const MAX_POISSON_MEAN: f64 = 1e15;

/// From this variance on, [`poisson`] and [`binomial`] draw from [`CornishFisher`] instead
/// of their exact samplers. At the threshold the Kolmogorov distance between the two laws
/// is at most 4 × 10⁻⁵ (3.3 × 10⁻⁵ for Poisson(20); computed exactly in this module's
/// tests), and it falls at least as fast as 1/variance above it (in the tests, about as
/// variance^−3/2: 8 × 10⁻⁸ for Poisson(1,000)): a Kolmogorov–Smirnov test needs about
/// (1.36 / 4 × 10⁻⁵)² ≈ 10⁹ draws at one mean to tell them apart at the 5% level.
pub const APPROXIMATE_FROM_VARIANCE: f64 = 20.0;

/// A count with given mean μ, variance σ² and third and fourth cumulants κ₃, κ₄, drawn as
/// the nearest whole number to μ + s·h(Z) with Z standard normal: a normal approximation
/// with continuity correction, corrected for skewness and kurtosis.
///
/// h is the second-order Cornish–Fisher expansion (Cornish & Fisher 1937; Johnson, Kotz &
/// Kemp, *Univariate Discrete Distributions*, 3rd ed., §1.2.8):
/// h(z) = z + γ(z² − 1)/6 + κ(z³ − 3z)/24 − γ²(2z³ − 5z)/36.
/// Rounding adds to a continuous variable an almost independent uniform error on
/// (−½, ½), whose variance is 1/12 and fourth cumulant −1/120 (Sheppard's corrections;
/// Kendall & Stuart, *The Advanced Theory of Statistics* I, §3.18), so the continuous part
/// takes s² = σ² − 1/12, γ = κ₃/s³ and κ = (κ₄ + 1/120)/s⁴; the rounded count then has
/// the four cumulants of the exact law up to terms of order σ⁻³. Without these
/// corrections the plain normal is 180 (p = ½) to 450 (Poisson) times further from the
/// exact law at the threshold (0.015 for Poisson(20); see the tests).
///
/// Z is clamped to ±8 (a change of law of 10⁻¹⁵), where h is still increasing for every
/// count with variance ≥ [`APPROXIMATE_FROM_VARIANCE`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CornishFisher {
    /// μ + s·h(z) as a cubic in z, c₀ + c₁z + c₂z² + c₃z³.
    coefficients: [f64; 4],
}

impl CornishFisher {
    /// The approximation of a law with these mean, variance and cumulants.
    #[inline]
    pub fn new(mean: f64, variance: f64, kappa3: f64, kappa4: f64) -> Self {
        let v = variance - 1.0 / 12.0;
        let inv_v = 1.0 / v;
        let s = v.sqrt();
        // γ = κ₃ / s³ = κ₃ · s / s⁴: one division for both.
        let gamma = kappa3 * s * inv_v * inv_v;
        let kappa = (kappa4 + 1.0 / 120.0) * inv_v * inv_v;
        // h(z) = −a + (1 − 3b + 5c)z + az² + (b − 2c)z³ with a = γ/6, b = κ/24, c = γ²/36.
        let (a, b, c) = (gamma * (1.0 / 6.0), kappa * (1.0 / 24.0), gamma * gamma * (1.0 / 36.0));
        Self { coefficients: [mean - s * a, s * (1.0 - 3.0 * b + 5.0 * c), s * a, s * (b - 2.0 * c)] }
    }

    /// Poisson(λ): every cumulant is λ.
    #[inline]
    pub fn poisson(lambda: f64) -> Self {
        Self::new(lambda, lambda, lambda, lambda)
    }

    /// Binomial(n, p): κ₂ = npq, κ₃ = npq(1 − 2p), κ₄ = npq(1 − 6pq).
    #[inline]
    pub fn binomial(n: f64, p: f64) -> Self {
        let q = 1.0 - p;
        let npq = n * p * q;
        Self::new(n * p, npq, npq * (1.0 - 2.0 * p), npq * (1.0 - 6.0 * p * q))
    }

    /// μ + s·h(z), the continuous value that rounds to the count drawn with Z = z.
    #[inline]
    pub fn value(&self, z: f64) -> f64 {
        let [c0, c1, c2, c3] = self.coefficients;
        c0 + z * (c1 + z * (c2 + z * c3))
    }

    /// A draw, at most `max`.
    #[inline(always)]
    pub fn sample(&self, rng: &mut StreamRng, max: u64) -> u64 {
        let z = standard_normal(rng);
        let y = self.value(z.clamp(-8.0, 8.0)) + 0.5;
        // ⌊y⌋ for y > 0 (a count below ½ rounds to 0): y < 2⁶³, as every mean is at most
        // 10¹⁵ and |Z| ≤ 8.
        if y > 0.0 { floor_as_count(y).min(max) } else { 0 }
    }
}

/// Below this mean the count samplers search the CDF from 0 (expected steps ≈ mean + 1);
/// from it on they use transformed rejection (constant expected time). Hörmann's
/// algorithms are valid from a mean of 10.
const SEARCH_BELOW: f64 = 10.0;

/// Poisson(λ) as a whole count; 0 for λ ≤ 0; λ capped at [`MAX_POISSON_MEAN`].
///
/// λ ≥ [`APPROXIMATE_FROM_VARIANCE`]: [`CornishFisher`]. Below it, exactly:
/// λ < 10: sequential search of the CDF, P(k) = P(k−1)·λ/k from P(0) = e^−λ;
/// 10 ≤ λ < 20: PTRS, transformed rejection with squeeze (W. Hörmann, "The transformed
/// rejection method for generating Poisson random variables", Insurance: Mathematics
/// and Economics 12, 1993, 39–45; the constants are the paper's), which accepts about
/// 90% of first proposals with no logarithm.
#[inline(always)]
pub fn poisson(rng: &mut StreamRng, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    let lambda = lambda.min(MAX_POISSON_MEAN);
    if lambda >= APPROXIMATE_FROM_VARIANCE {
        return CornishFisher::poisson(lambda).sample(rng, u64::MAX);
    }
    poisson_exact(rng, lambda)
}

/// Poisson(λ) for 0 < λ ≤ [`MAX_POISSON_MEAN`], exactly (the methods of [`poisson`]).
#[inline(never)]
pub fn poisson_exact(rng: &mut StreamRng, lambda: f64) -> u64 {
    if lambda < SEARCH_BELOW {
        let mut u = open_uniform(rng);
        let mut p = libm::exp(-lambda);
        let mut k = 0u64;
        // The loop ends once the mass left is below 2⁻⁵³ of 1; u < 1 always.
        while u > p && p > 0.0 {
            u -= p;
            k += 1;
            p *= lambda / count_as_f64(k);
        }
        return k;
    }
    let sqrt_lambda = lambda.sqrt();
    let ln_lambda = libm::log(lambda);
    let b = 0.931 + 2.53 * sqrt_lambda;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let v_r = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = open_uniform(rng) - 0.5;
        let v = open_uniform(rng);
        let us = 0.5 - u.abs();
        let k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let log_accept = -lambda + k * ln_lambda - ln_gamma(k + 1.0);
        if libm::log(v) + libm::log(inv_alpha) - libm::log(a / (us * us) + b) <= log_accept {
            return k as u64;
        }
    }
}

/// The daily count of a flow with mean `mean`: Poisson, or negative binomial with shape
/// k (variance = mean + mean²/k) when a dispersion is given.
///
/// The negative binomial is drawn as a Gamma–Poisson mixture: λ = (mean/k)·G with
/// G ~ Gamma(k, 1), then Poisson(λ) (Greenwood & Yule 1920; `rand_distr` has no negative
/// binomial). G's sampler is set up once per run, since k does not change.
#[derive(Clone, Debug)]
pub struct DailyCount {
    /// 1/k and Gamma(k, 1), with a dispersion k.
    shape: Option<(f64, StandardGamma)>,
}

impl DailyCount {
    /// Poisson counts (`dispersion` `None`) or negative binomial with shape `dispersion`
    /// (Poisson too if it is not a positive number).
    pub fn new(dispersion: Option<f64>) -> Self {
        Self { shape: dispersion.and_then(|k| StandardGamma::new(k).map(|g| (1.0 / k, g))) }
    }

    /// One day's count.
    #[inline(always)]
    pub fn sample(&self, rng: &mut StreamRng, mean: f64) -> u64 {
        let lambda = self.intensity(rng, mean);
        poisson(rng, lambda)
    }

    /// One day's Poisson mean λ: `mean` itself, or (mean/k)·G with a negative binomial
    /// (0 for a mean that is not positive). The count is Poisson(λ), or, split into
    /// shares pᵢ, independent Poisson(λ·pᵢ) counts (Poisson thinning).
    #[inline(always)]
    pub fn intensity(&self, rng: &mut StreamRng, mean: f64) -> f64 {
        if mean.is_nan() || mean <= 0.0 {
            return 0.0;
        }
        match &self.shape {
            Some((inv_k, gamma)) => mean * inv_k * gamma.sample(rng),
            None => mean,
        }
    }
}

/// Gamma(k, 1), by Marsaglia & Tsang's method ("A simple method for generating gamma
/// variables", ACM Transactions on Mathematical Software 26, 2000, 363–372): with
/// d = k − ⅓ and c = 1/√(9d), propose v = (1 + cZ)³ for Z standard normal and accept d·v
/// when U < 1 − 0.0331·Z⁴ (the squeeze, almost always) or ln U < Z²/2 + d − d·v + d·ln v.
/// For k < 1, G(k) = G(k + 1)·U^(1/k) (same paper). Exact; set up once per run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StandardGamma {
    d: f64,
    c: f64,
    /// 1/k when k < 1.
    boost: Option<f64>,
}

impl StandardGamma {
    /// Gamma(k, 1) for k > 0 (finite); `None` otherwise.
    pub fn new(k: f64) -> Option<Self> {
        if !(k > 0.0 && k.is_finite()) {
            return None;
        }
        let boost = (k < 1.0).then(|| 1.0 / k);
        let d = if k < 1.0 { k + 1.0 } else { k } - 1.0 / 3.0;
        Some(Self { d, c: 1.0 / (9.0 * d).sqrt(), boost })
    }

    /// One draw.
    #[inline(always)]
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        let g = loop {
            let z = standard_normal(rng);
            let cube_root = 1.0 + self.c * z;
            if cube_root <= 0.0 {
                continue;
            }
            let v = cube_root * cube_root * cube_root;
            let u = open_uniform(rng);
            let z2 = z * z;
            if u < 1.0 - 0.0331 * z2 * z2 || libm::log(u) < 0.5 * z2 + self.d * (1.0 - v + libm::log(v)) {
                break self.d * v;
            }
        };
        match self.boost {
            Some(inv_k) => g * libm::pow(open_uniform(rng), inv_k),
            None => g,
        }
    }
}

/// Binomial(n, p): how many of `n` people (a count, below 2⁶³) an event with probability `p` touches.
///
/// n·p·(1 − p) ≥ [`APPROXIMATE_FROM_VARIANCE`]: [`CornishFisher`], clamped to 0..=n.
/// Below it, exactly, with p' = min(p, 1 − p) (drawing the complement when p > ½):
/// n·p' < 10: sequential search of the CDF from P(0) = (1 − p')ⁿ;
/// n·p' ≥ 10: BTRD, transformed rejection with decomposition (W. Hörmann, "The generation
/// of binomial random variables", J. Statist. Comput. Simul. 46, 1993, 101–110; constants
/// and the Stirling-tail acceptance test as in the paper and Boost's implementation), which
/// accepts most proposals with two uniforms and no logarithm.
#[inline(always)]
pub fn binomial(rng: &mut StreamRng, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = count_as_f64(n);
    if nf * p * (1.0 - p) >= APPROXIMATE_FROM_VARIANCE {
        return CornishFisher::binomial(nf, p).sample(rng, n);
    }
    binomial_exact(rng, n, p)
}

/// Binomial(n, p) for n > 0 and 0 < p < 1, exactly (the methods of [`binomial`]).
#[inline(never)]
pub fn binomial_exact(rng: &mut StreamRng, n: u64, p: f64) -> u64 {
    if p > 0.5 {
        return n - binomial_at_most_half(rng, n, 1.0 - p);
    }
    binomial_at_most_half(rng, n, p)
}

fn binomial_at_most_half(rng: &mut StreamRng, n: u64, p: f64) -> u64 {
    let nf = count_as_f64(n);
    let q = 1.0 - p;
    if nf * p < SEARCH_BELOW {
        let s = p / q;
        let a = (nf + 1.0) * s;
        let mut r = libm::pow(q, nf);
        let mut u = open_uniform(rng);
        let mut x = 0u64;
        while u > r && x < n {
            u -= r;
            x += 1;
            r *= a / count_as_f64(x) - s;
            if r <= 0.0 {
                break;
            }
        }
        return x;
    }
    let spq = (nf * p * q).sqrt();
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * spq;
    let u_r_v_r = 0.86 * v_r;
    let m = floor((nf + 1.0) * p);
    let r = p / q;
    let nr = (nf + 1.0) * r;
    let npq = nf * p * q;
    loop {
        let mut v = open_uniform(rng);
        let u;
        if v <= u_r_v_r {
            // The squeeze: most proposals end here.
            let u = v / v_r - 0.43;
            return floor((2.0 * a / (0.5 - u.abs()) + b) * u + c) as u64;
        }
        if v >= v_r {
            u = open_uniform(rng) - 0.5;
        } else {
            let w = v / v_r - 0.93;
            u = 0.5f64.copysign(w) - w;
            v = open_uniform(rng) * v_r;
        }
        let us = 0.5 - u.abs();
        let k = floor((2.0 * a / us + b) * u + c);
        if k < 0.0 || k > nf {
            continue;
        }
        v *= alpha / (a / (us * us) + b);
        let km = (k - m).abs();
        if km <= 15.0 {
            // Recursive evaluation of f(k)/f(m) = Π (nr/i − r) over i from m + 1 to k
            // (or its inverse from k + 1 to m), as a ratio of two products so that no
            // division is needed (at most 15 factors each: no overflow).
            let (mut above, mut below) = (1.0, 1.0);
            let (from, to) = if m < k { (m, k) } else { (k, m) };
            let mut i = from;
            while i < to {
                i += 1.0;
                above *= nr - r * i;
                below *= i;
            }
            let accept = if m < k { v * below <= above } else { v * above <= below };
            if accept {
                return k as u64;
            }
            continue;
        }
        // Squeeze on log f(k)/f(m), then the exact test with Stirling tails.
        let v = libm::log(v);
        let rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
        let t = -km * km / (2.0 * npq);
        if v < t - rho {
            return k as u64;
        }
        if v > t + rho {
            continue;
        }
        let nm = nf - m + 1.0;
        let h = (m + 0.5) * libm::log((m + 1.0) / (r * nm)) + stirling_tail(m) + stirling_tail(nf - m);
        let nk = nf - k + 1.0;
        let bound = h + (nf + 1.0) * libm::log(nm / nk) + (k + 0.5) * libm::log(nk * r / (k + 1.0))
            - stirling_tail(k)
            - stirling_tail(nf - k);
        if v <= bound {
            return k as u64;
        }
    }
}

/// ⌊x⌋ for |x| < 2⁶³ without a call into libm (baseline x86-64 has no rounding
/// instruction, and the samplers take a floor per draw).
#[inline]
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// fc(k) = ln k! − (k + ½)·ln(k + 1) + (k + 1) − ½·ln 2π, the tail of Stirling's series
/// used by BTRD: tabulated below 10, else its first three terms
/// (1/12 − (1/360 − 1/(1260 (k+1)²))/(k+1)²)/(k+1).
fn stirling_tail(k: f64) -> f64 {
    const TABLE: [f64; 10] = [
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_29,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_19,
        0.013_876_128_823_070_75,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_09,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
    ];
    if k < 10.0 {
        return TABLE[k as usize];
    }
    let inv = 1.0 / (k + 1.0);
    let inv2 = inv * inv;
    (1.0 / 12.0 - (1.0 / 360.0 - inv2 / 1260.0) * inv2) * inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::named_stream;

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
        let mut rng = named_stream(1, 0, "noise");
        let nb = DailyCount::new(Some(15.0));
        let draws: Vec<u64> = (0..100_000).map(|_| nb.sample(&mut rng, 600.0)).collect();
        let (mean, var) = moments(&draws);
        assert!((mean / 600.0 - 1.0).abs() < 0.01, "mean {mean}");
        assert!((var / 24_600.0 - 1.0).abs() < 0.05, "variance {var}");
    }

    fn negative_binomial_pmf(mean: f64, k: f64, x: u64) -> f64 {
        // P(x) = Γ(x + k) / (x! Γ(k)) · (k/(k + mean))^k · (mean/(k + mean))^x
        let x = x as f64;
        libm::exp(
            ln_gamma(x + k) - ln_gamma(x + 1.0) - ln_gamma(k)
                + k * libm::log(k / (k + mean))
                + x * libm::log(mean / (k + mean)),
        )
    }

    #[test]
    fn negative_binomial_draws_follow_the_exact_distribution() {
        // The gamma sampler on both of its branches (k < 1 is boosted), with Poisson draws
        // on both sides of the approximation's threshold: casualties and signings as the
        // benchmark draws them, a heavy-tailed count, a small one.
        for (i, (mean, k)) in
            [(700.0, 40.0), (1_100.0, 30.0), (600.0, 15.0), (30.0, 0.5), (5.0, 2.0)].into_iter().enumerate()
        {
            let mut rng = named_stream(16, i as u64, "negative binomial");
            let count = DailyCount::new(Some(k));
            let what = format!("NB(mean {mean}, k {k})");
            assert_draws_follow(
                &what,
                || count.sample(&mut rng, mean),
                |x| negative_binomial_pmf(mean, k, x),
                u64::MAX,
            );
        }
        assert_eq!(StandardGamma::new(0.0), None);
        assert_eq!(StandardGamma::new(f64::NAN), None);
        assert_eq!(StandardGamma::new(f64::INFINITY), None);
    }

    #[test]
    fn poisson_variance_equals_mean() {
        let mut rng = named_stream(2, 0, "noise");
        let poisson_count = DailyCount::new(None);
        let draws: Vec<u64> = (0..100_000).map(|_| poisson_count.sample(&mut rng, 600.0)).collect();
        let (mean, var) = moments(&draws);
        assert!((mean / 600.0 - 1.0).abs() < 0.005, "mean {mean}");
        assert!((var / 600.0 - 1.0).abs() < 0.03, "variance {var}");
    }

    #[test]
    fn streams_differ_by_seed_run_and_name_and_repeat_exactly() {
        use rand::Rng;
        let a = named_stream(7, 3, "attrition").next_u64();
        assert_eq!(a, named_stream(7, 3, "attrition").next_u64());
        assert_ne!(a, named_stream(7, 4, "attrition").next_u64());
        assert_ne!(a, named_stream(7, 3, "loss[0]").next_u64());
        assert_ne!(a, named_stream(8, 3, "attrition").next_u64());
        // A golden value: the generator and seeding must not change between releases.
        assert_eq!(named_stream(1, 0, "attrition").next_u64(), GOLDEN);
    }

    const GOLDEN: u64 = 13_118_679_268_821_011_143;

    /// Pearson's χ² of `draws` against the probabilities `pmf(k)`, over bins of `width`
    /// consecutive values (a tenth of a standard deviation, at least 1) that each expect at
    /// least 20 draws, with both tails pooled into end bins. Returns the statistic and its
    /// degrees of freedom.
    fn chi_square(draws: &[u64], pmf: impl Fn(u64) -> f64) -> (f64, usize) {
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<u64>() as f64 / n;
        let sd = (draws.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        let width = ((sd / 10.0) as u64).max(1);
        let bin_mass = |start: u64| (start..start + width).map(&pmf).sum::<f64>();
        // Walk out from the mean, a bin at a time, while a bin expects 20 draws or more.
        let mut lo = mean as u64;
        while lo >= width && bin_mass(lo - width) * n >= 20.0 {
            lo -= width;
        }
        let mut hi = mean as u64; // one past the last value binned
        while bin_mass(hi) * n >= 20.0 {
            hi += width;
        }
        let bins = ((hi - lo) / width) as usize;
        let inner: f64 = (lo..hi).map(&pmf).sum();
        // The sum starts 40 standard deviations below the mean, not at 0 (which for
        // Binomial(10⁹, 0.3) adds 3 × 10⁸ terms): every law tested here has under 10⁻¹²⁰
        // of its mass below that (the most, Binomial(2021, 0.99), has 10⁻¹²⁶).
        let floor = (mean - 40.0 * sd.max(1.0)).max(0.0) as u64;
        let below: f64 = (floor.min(lo)..lo).map(&pmf).sum();
        let mut observed = vec![0f64; bins + 2];
        for &d in draws {
            let bin = if d < lo {
                0
            } else if d >= hi {
                bins + 1
            } else {
                ((d - lo) / width) as usize + 1
            };
            observed[bin] += 1.0;
        }
        let mut expected = vec![below * n];
        expected.extend((0..bins as u64).map(|i| bin_mass(lo + i * width) * n));
        expected.push((1.0 - inner - below).max(0.0) * n);
        let mut stat = 0.0;
        let mut used = 0;
        for (o, e) in observed.iter().zip(&expected) {
            if *e >= 1.0 {
                stat += (o - e) * (o - e) / e;
                used += 1;
            } else {
                assert!(*o <= 3.0, "{o} draws where {e} were expected");
            }
        }
        (stat, used - 1)
    }

    /// The upper 1 − 10⁻⁶ point of χ² with `df` degrees of freedom, by the Wilson–Hilferty
    /// cube (z = 4.753): an exact sampler passes with probability 1 − 10⁻⁶, and with
    /// 200,000 draws a sampler whose probabilities are off by 1% of the spread of a
    /// typical bin fails.
    fn chi_square_bound(df: usize) -> f64 {
        let d = df as f64;
        let c = 2.0 / (9.0 * d);
        d * (1.0 - c + 4.753 * c.sqrt()).powi(3)
    }

    /// Asserts that 200,000 draws of `sample` are at most `max` and pass the χ² test
    /// against the probabilities `pmf`.
    fn assert_draws_follow(what: &str, mut sample: impl FnMut() -> u64, pmf: impl Fn(u64) -> f64, max: u64) {
        let draws: Vec<u64> = (0..200_000).map(|_| sample()).collect();
        assert!(draws.iter().all(|&d| d <= max), "{what}: a draw above {max}");
        let (stat, df) = chi_square(&draws, pmf);
        assert!(stat < chi_square_bound(df), "{what}: χ² = {stat:.1} on {df} df");
    }

    fn binomial_pmf(n: u64, p: f64, k: u64) -> f64 {
        if k > n {
            return 0.0;
        }
        let (n, k) = (n as f64, k as f64);
        libm::exp(
            ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
                + k * libm::log(p)
                + (n - k) * libm::log(1.0 - p),
        )
    }

    fn poisson_pmf(lambda: f64, k: u64) -> f64 {
        let k = k as f64;
        libm::exp(-lambda + k * libm::log(lambda) - ln_gamma(k + 1.0))
    }

    #[test]
    fn binomial_draws_follow_the_exact_distribution() {
        // The exact sampler, which `binomial` uses below the approximation's threshold:
        // both methods (search below n·p' = 10, BTRD from it), both sides of p = ½, and the
        // sizes of the benchmark's draws: killed, wounded, returning, non-combat losses,
        // foreign pool uptake, renewals, a mobilization day, and a billion people.
        let cases: [(u64, f64); 12] = [
            (20, 0.3),
            (40, 0.2499),
            (40, 0.2501),
            (30, 0.4),
            (800, 0.35),
            (520, 0.92),
            (480, 0.45),
            (420_000, 8.3e-5),
            (6_000_000, 2e-5),
            (1_000, 0.7),
            (6_667, 0.85),
            (1_000_000_000, 0.3),
        ];
        for (i, (n, p)) in cases.into_iter().enumerate() {
            let mut rng = named_stream(11, i as u64, "binomial");
            let what = format!("Binomial({n}, {p})");
            assert_draws_follow(&what, || binomial_exact(&mut rng, n, p), |k| binomial_pmf(n, p, k), n);
        }
    }

    #[test]
    fn poisson_draws_follow_the_exact_distribution() {
        // The exact sampler at every mean, and `poisson` (approximating from 20) as well.
        for (i, lambda) in [0.5, 3.0, 9.99, 10.0, 19.9, 20.0, 35.0, 600.0, 1e5].into_iter().enumerate() {
            let mut rng = named_stream(12, i as u64, "poisson");
            let pmf = |k| poisson_pmf(lambda, k);
            assert_draws_follow(&format!("exact Poisson({lambda})"), || poisson_exact(&mut rng, lambda), pmf, u64::MAX);
            assert_draws_follow(&format!("Poisson({lambda})"), || poisson(&mut rng, lambda), pmf, u64::MAX);
        }
    }

    /// The Kolmogorov distance sup_k |P(X ≤ k) − P(Y ≤ k)| between the exact law `pmf` and
    /// the law of `approximation`'s draws, computed, not sampled: the draw is ≤ k exactly
    /// when Z < h⁻¹(k + ½), found by bisection (h is checked to increase on the way).
    fn kolmogorov_distance(approximation: &CornishFisher, pmf: impl Fn(u64) -> f64, mean: f64, sd: f64) -> f64 {
        use crate::distribution::special::standard_normal_cdf;
        let below = |y: f64| {
            let (mut lo, mut hi) = (-8.0, 8.0);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if approximation.value(mid) < y { lo = mid } else { hi = mid }
            }
            standard_normal_cdf(lo)
        };
        let mut z = -8.0;
        while z < 8.0 {
            assert!(approximation.value(z + 0.01) > approximation.value(z), "h decreases at {z}");
            z += 0.01;
        }
        let (first, last) = ((mean - 12.0 * sd).max(0.0) as u64, (mean + 12.0 * sd) as u64);
        let mut exact = (0..first).map(&pmf).sum::<f64>();
        let mut worst = 0.0f64;
        for k in first..=last {
            exact += pmf(k);
            worst = worst.max((exact - below(k as f64 + 0.5)).abs());
        }
        worst
    }

    /// Binomial cases at and above the threshold: p on both sides of ½ and near 0 and 1,
    /// and the sizes of the benchmark's draws. (A billion people is in the χ² test only:
    /// there the exact CDF, from ln Γ(10⁹) ≈ 2 × 10¹⁰, is good to about 10⁻⁶, too coarse
    /// for the distance.)
    const APPROXIMATED_BINOMIALS: [(u64, f64); 8] =
        [(2_021, 0.01), (223, 0.1), (96, 0.3), (80, 0.5), (96, 0.7), (2_021, 0.99), (800, 0.35), (6_000_000, 2e-5)];

    #[test]
    fn the_approximation_is_within_its_documented_distance_of_the_exact_law() {
        // The documented bound, 4 × 10⁻⁵ at variance 20, scaled as 1/variance above it
        // (the true distance falls faster, about as variance^−3/2).
        let bound = |variance: f64| 4e-5 * APPROXIMATE_FROM_VARIANCE / variance;
        for lambda in [20.0, 35.0, 100.0, 1_000.0, 1e5] {
            let d =
                kolmogorov_distance(&CornishFisher::poisson(lambda), |k| poisson_pmf(lambda, k), lambda, lambda.sqrt());
            assert!(d <= bound(lambda), "Poisson({lambda}): distance {d:.2e}");
        }
        for (n, p) in APPROXIMATED_BINOMIALS {
            let (nf, variance) = (n as f64, n as f64 * p * (1.0 - p));
            assert!(variance >= APPROXIMATE_FROM_VARIANCE);
            let d = kolmogorov_distance(
                &CornishFisher::binomial(nf, p),
                |k| binomial_pmf(n, p, k),
                nf * p,
                variance.sqrt(),
            );
            assert!(d <= bound(variance), "Binomial({n}, {p}): distance {d:.2e}");
        }
    }

    #[test]
    fn without_its_corrections_the_normal_is_far_from_the_exact_law() {
        // The plain normal with continuity correction (γ = κ = 0, s = σ) at the threshold:
        // the distance test above would reject it, for Poisson by a factor of over 100.
        let plain = |mean: f64, variance: f64| CornishFisher { coefficients: [mean, variance.sqrt(), 0.0, 0.0] };
        let d = kolmogorov_distance(&plain(20.0, 20.0), |k| poisson_pmf(20.0, k), 20.0, 20f64.sqrt());
        assert!(d > 100.0 * 4e-5, "Poisson(20): distance {d:.2e}");
        let d = kolmogorov_distance(&plain(48.0, 33.6), |k| binomial_pmf(160, 0.3, k), 48.0, 33.6f64.sqrt());
        assert!(d > 10.0 * 4e-5, "Binomial(160, 0.3): distance {d:.2e}");
    }

    /// The two-sample Kolmogorov–Smirnov statistic of `a` and `b` (equal sizes).
    fn two_sample_ks(mut a: Vec<u64>, mut b: Vec<u64>) -> f64 {
        a.sort_unstable();
        b.sort_unstable();
        let n = a.len() as f64;
        let (mut i, mut j, mut worst) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            let x = a[i].min(b[j]);
            while i < a.len() && a[i] == x {
                i += 1;
            }
            while j < b.len() && b[j] == x {
                j += 1;
            }
            worst = worst.max((i as f64 - j as f64).abs() / n);
        }
        worst
    }

    #[test]
    fn approximate_and_exact_samplers_agree_by_kolmogorov_smirnov() {
        // 10⁶ draws from each. Two-sample KS at α = 10⁻⁶ rejects above
        // √(−ln(α/2)/2)·√(2/n) = 0.0038 (conservative for counts); the true distance at the
        // threshold is 3 × 10⁻⁵, so equal laws pass, while the plain normal (distance 0.015
        // for Poisson(20)) fails, as the second half checks.
        const N: usize = 1_000_000;
        let critical = (-libm::log(0.5e-6f64) / 2.0).sqrt() * (2.0 / N as f64).sqrt();
        let mut rng = named_stream(14, 0, "ks");
        let approximate: Vec<u64> = (0..N).map(|_| poisson(&mut rng, 20.0)).collect();
        let exact: Vec<u64> = (0..N).map(|_| poisson_exact(&mut rng, 20.0)).collect();
        let d = two_sample_ks(approximate, exact.clone());
        assert!(d < critical, "Poisson(20): D = {d:.4} ≥ {critical:.4}");
        for (n, p) in [(80, 0.5), (96, 0.7), (2_021, 0.01)] {
            let approximate: Vec<u64> = (0..N).map(|_| binomial(&mut rng, n, p)).collect();
            let exact: Vec<u64> = (0..N).map(|_| binomial_exact(&mut rng, n, p)).collect();
            let d = two_sample_ks(approximate, exact);
            assert!(d < critical, "Binomial({n}, {p}): D = {d:.4} ≥ {critical:.4}");
        }
        let plain = CornishFisher { coefficients: [20.0, 20f64.sqrt(), 0.0, 0.0] };
        let normal: Vec<u64> = (0..N).map(|_| plain.sample(&mut rng, u64::MAX)).collect();
        let d = two_sample_ks(normal, exact);
        assert!(d > critical, "the plain normal passed: D = {d:.4}");
    }

    #[test]
    fn approximated_draws_pass_the_chi_square_test() {
        let cases = APPROXIMATED_BINOMIALS.into_iter().chain([(1_000_000_000, 0.3)]);
        for (i, (n, p)) in cases.enumerate() {
            let mut rng = named_stream(15, i as u64, "binomial");
            let what = format!("Binomial({n}, {p})");
            assert_draws_follow(&what, || binomial(&mut rng, n, p), |k| binomial_pmf(n, p, k), n);
        }
    }

    #[test]
    fn the_chi_square_test_catches_a_sampler_slightly_off() {
        // A Binomial(800, 0.35) drawn as Binomial(800, 0.355): the mean moves by 4, a
        // seventh of a standard deviation. The test above must see that.
        let mut rng = named_stream(13, 0, "binomial");
        let draws: Vec<u64> = (0..200_000).map(|_| binomial(&mut rng, 800, 0.355)).collect();
        let (stat, df) = chi_square(&draws, |k| binomial_pmf(800, 0.35, k));
        assert!(stat > chi_square_bound(df), "χ² = {stat:.1} on {df} df");
    }

    #[test]
    fn stirling_tails_match_log_gamma() {
        for k in 0..40 {
            let k = f64::from(k);
            let exact = ln_gamma(k + 1.0) - (k + 0.5) * libm::log(k + 1.0) + (k + 1.0)
                - 0.5 * libm::log(2.0 * std::f64::consts::PI);
            assert!((stirling_tail(k) - exact).abs() < 1e-10, "fc({k}) = {} vs {exact}", stirling_tail(k));
        }
    }

    #[test]
    fn binomial_edges_are_exact() {
        let mut rng = named_stream(1, 1, "noise");
        assert_eq!(binomial(&mut rng, 100_000, 1.0), 100_000);
        assert_eq!(binomial(&mut rng, 100_000, 0.0), 0);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
    }
}

/// Value stability: a fixed seed gives these exact first values from every sampler the
/// engine owns, on every path, so that a change to any draw (a new approximation, a
/// reordered step, another platform's maths) fails here and must be intended. As
/// rand_distr's `value_stability` tests, the expected values are the samplers' own output
/// when these tests were written, not derived by hand.
#[cfg(test)]
mod value_stability {
    use super::*;
    use crate::random::named_stream;

    fn first<T>(name: &str, mut draw: impl FnMut(&mut StreamRng) -> T) -> Vec<T> {
        let mut rng = named_stream(2026, 0, name);
        (0..6).map(|_| draw(&mut rng)).collect()
    }

    #[test]
    fn poisson_exact_and_approximated() {
        assert_eq!(first("p", |r| poisson(r, 3.0)), [3, 2, 3, 6, 4, 4]);
        assert_eq!(first("p", |r| poisson(r, 15.0)), [16, 16, 12, 19, 22, 10]);
        assert_eq!(first("p", |r| poisson(r, 600.0)), [603, 588, 598, 634, 621, 617]);
    }

    #[test]
    fn binomial_search_btrd_and_approximated() {
        // n·p < 10: inversion by search; n·p ≥ 10 with variance < 20: BTRD, for p on both
        // sides of ½; variance ≥ 20: Cornish–Fisher.
        assert_eq!(first("b", |r| binomial(r, 20, 0.3)), [6, 6, 4, 8, 3, 7]);
        assert_eq!(first("b", |r| binomial(r, 40, 0.3)), [13, 11, 12, 11, 13, 12]);
        assert_eq!(first("b", |r| binomial(r, 40, 0.7)), [27, 29, 28, 29, 27, 28]);
        assert_eq!(first("b", |r| binomial(r, 800, 0.35)), [279, 282, 260, 295, 269, 282]);
    }

    #[test]
    fn gamma_on_both_branches_and_the_negative_binomial() {
        let shape_2 = StandardGamma::new(2.0).expect("a shape");
        let shape_half = StandardGamma::new(0.5).expect("a shape");
        let want_2 = [
            1.153344585221253,
            0.7847067065586865,
            1.3653183974472112,
            2.8142504895284435,
            0.864264908835817,
            2.156463458772717,
        ];
        assert_eq!(first("g", |r| shape_2.sample(r)), want_2);
        let want_half = [
            0.018795084931301845,
            1.4079420694199858,
            0.08023487364930765,
            0.5533504359567489,
            0.5455314570169179,
            0.4809355258715758,
        ];
        assert_eq!(first("g", |r| shape_half.sample(r)), want_half);
        let negative_binomial = DailyCount::new(Some(15.0));
        assert_eq!(first("nb", |r| negative_binomial.sample(r, 600.0)), [775, 642, 871, 458, 843, 601]);
    }

    #[test]
    fn the_ziggurat_and_its_tail() {
        let want = [
            -0.11340623743458722,
            0.750941764472048,
            0.18818414921220364,
            -0.6466417070200804,
            1.6088012599616985,
            -0.5581680533812621,
        ];
        assert_eq!(first("z", standard_normal), want);
        // The first draw beyond the ziggurat's base strip, r = 3.654…: the slow path with
        // its logarithms (from libm, so the same bits everywhere).
        let mut rng = named_stream(2026, 0, "tail");
        let (at, z) = (1..)
            .map(|i| (i, standard_normal(&mut rng)))
            .find(|(_, z)| z.abs() > 3.654_152_885_361_009)
            .expect("a tail draw");
        assert_eq!((at, z), (1665, -3.682524724405628));
    }
}
