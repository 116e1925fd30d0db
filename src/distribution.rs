//! Uncertain numbers: a value we do not know, written as a probability distribution.
//!
//! Every form of MODEL.md's "An uncertain number" table is a variant of [`Uncertain`]. A
//! value is drawn once per run ([`Uncertain::draw`]); delay keys use the same forms but are
//! spread over days through their CDF ([`Uncertain::cdf`], see [`crate::delay`]).

pub(crate) mod special;

use rand::Rng;

pub use special::{
    beta_quantile, erfc, ln_gamma, regularized_incomplete_beta, standard_normal_cdf, standard_normal_quantile,
};

/// A uniform draw on the open interval (0, 1): 53 random bits, centred in their cell, so
/// quantile functions are never asked for 0 or 1.
pub fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// The valid range of a scenario key; draws of unbounded distributions are truncated to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// `[0, ∞)`: counts, rates, sizes, money, delays.
    NonNegative,
    /// `[0, 1]`: shares and probabilities.
    Fraction,
    /// `(0, ∞)`: a negative binomial shape.
    Positive,
}

impl Domain {
    /// Whether `x` lies in the range.
    pub fn contains(self, x: f64) -> bool {
        match self {
            Domain::NonNegative => x >= 0.0 && x.is_finite(),
            Domain::Fraction => (0.0..=1.0).contains(&x),
            Domain::Positive => x > 0.0 && x.is_finite(),
        }
    }

    /// The range in words, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Domain::NonNegative => "a number ≥ 0",
            Domain::Fraction => "a fraction between 0 and 1",
            Domain::Positive => "a number > 0",
        }
    }
}

/// A number that may be uncertain. Construct it only through [`Uncertain::new`], which
/// checks the parameters against each other and against the key's [`Domain`].
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertain {
    form: Form,
    domain: Domain,
}

/// The forms an uncertain number may take (MODEL.md, "An uncertain number").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Form {
    /// A known value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// Beta-PERT: `min + (max − min) · Beta(α, β)` with α = 1 + 4(mode − min)/(max − min),
    /// β = 1 + 4(max − mode)/(max − min) (Malcolm et al. 1959; the λ = 4 convention of
    /// spreadsheet risk tools and of `rand_distr::Pert`).
    Pert {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// Normal with this mean and standard deviation, truncated to the key's range (drawn by
    /// inverting the truncated CDF, so no draw is rejected).
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation.
        sd: f64,
    },
    /// Lognormal whose own mean and standard deviation (not those of its logarithm) are
    /// given: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
    LogNormal {
        /// Mean of the value itself.
        mean: f64,
        /// Standard deviation of the value itself.
        sd: f64,
    },
    /// Beta(α, β) on `[0, 1]`, for fractions.
    Beta {
        /// Shape α > 0.
        alpha: f64,
        /// Shape β > 0.
        beta: f64,
    },
}

/// Why an uncertain number's parameters are invalid; each names the parameter.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FormError {
    /// A fixed value outside the key's range.
    #[error("{value} is out of range: this key takes {}", domain.describe())]
    ValueOutOfRange {
        /// The value.
        value: f64,
        /// The key's range.
        domain: Domain,
    },
    /// A parameter outside the key's range.
    #[error("`{name}` = {value} is out of range: this key takes {}", domain.describe())]
    OutOfRange {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The key's range.
        domain: Domain,
    },
    /// A parameter that is infinite or not a number.
    #[error("`{name}` must be a finite number, not {value}")]
    NotFinite {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// `min > max`.
    #[error("`min` ({min}) is greater than `max` ({max})")]
    MinAboveMax {
        /// `min`.
        min: f64,
        /// `max`.
        max: f64,
    },
    /// A mode outside `[min, max]`.
    #[error("`mode` ({mode}) must lie between `min` ({min}) and `max` ({max})")]
    ModeOutside {
        /// `min`.
        min: f64,
        /// `mode`.
        mode: f64,
        /// `max`.
        max: f64,
    },
    /// A negative standard deviation.
    #[error("`sd` must be ≥ 0, not {0}")]
    NegativeSd(f64),
    /// A lognormal whose mean is not positive.
    #[error("a lognormal's `mean` must be > 0, not {0}")]
    LogNormalMean(f64),
    /// Beta shapes that are not positive.
    #[error("`alpha` and `beta` must both be > 0 (got {alpha} and {beta})")]
    BetaShapes {
        /// `alpha`.
        alpha: f64,
        /// `beta`.
        beta: f64,
    },
    /// A beta distribution (which can be 0) for a key that must be positive.
    #[error("a beta distribution can be 0, but this key must be > 0")]
    BetaCanBeZero,
}

impl Uncertain {
    /// A fixed value; it must lie in the domain.
    pub fn fixed(value: f64, domain: Domain) -> Result<Self, FormError> {
        Self::new(Form::Fixed(value), domain)
    }

    /// Checks `form` against itself and `domain`.
    ///
    /// # Errors
    /// A parameter that is not finite, `min > max`, a mode outside `[min, max]`, a negative
    /// standard deviation, non-positive Beta shapes, or a support that leaves the domain.
    pub fn new(form: Form, domain: Domain) -> Result<Self, FormError> {
        let within = |name: &'static str, value: f64| -> Result<(), FormError> {
            if domain.contains(value) { Ok(()) } else { Err(FormError::OutOfRange { name, value, domain }) }
        };
        let finite = |name: &'static str, value: f64| -> Result<(), FormError> {
            if value.is_finite() { Ok(()) } else { Err(FormError::NotFinite { name, value }) }
        };
        match form {
            Form::Fixed(value) => {
                if !domain.contains(value) {
                    return Err(FormError::ValueOutOfRange { value, domain });
                }
            }
            Form::Uniform { min, max } => {
                within("min", min)?;
                within("max", max)?;
                if min > max {
                    return Err(FormError::MinAboveMax { min, max });
                }
            }
            Form::Triangular { min, mode, max } | Form::Pert { min, mode, max } => {
                within("min", min)?;
                within("max", max)?;
                finite("mode", mode)?;
                if min > max {
                    return Err(FormError::MinAboveMax { min, max });
                }
                if !(min..=max).contains(&mode) {
                    return Err(FormError::ModeOutside { min, mode, max });
                }
            }
            Form::Normal { mean, sd } => {
                within("mean", mean)?;
                finite("sd", sd)?;
                if sd < 0.0 {
                    return Err(FormError::NegativeSd(sd));
                }
            }
            Form::LogNormal { mean, sd } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                if mean <= 0.0 {
                    return Err(FormError::LogNormalMean(mean));
                }
                within("mean", mean)?;
                if sd < 0.0 {
                    return Err(FormError::NegativeSd(sd));
                }
            }
            Form::Beta { alpha, beta } => {
                finite("alpha", alpha)?;
                finite("beta", beta)?;
                if alpha <= 0.0 || beta <= 0.0 {
                    return Err(FormError::BetaShapes { alpha, beta });
                }
                if domain == Domain::Positive {
                    return Err(FormError::BetaCanBeZero);
                }
            }
        }
        Ok(Self { form, domain })
    }

    /// A known value, unchecked: for the defaults of MODEL.md, which are in range by
    /// construction.
    pub(crate) fn known(value: f64, domain: Domain) -> Self {
        debug_assert!(domain.contains(value));
        Self { form: Form::Fixed(value), domain }
    }

    /// The key's valid range.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The form, for inspection.
    pub fn form(&self) -> Form {
        self.form
    }

    /// Whether the value is known (drawing it consumes no randomness).
    pub fn is_fixed(&self) -> bool {
        matches!(self.form, Form::Fixed(_))
    }

    /// The nominal mean of the distribution, before any truncation. Used to check that a
    /// casualty split sums to 1 and to describe inputs; draws are not affected.
    pub fn nominal_mean(&self) -> f64 {
        match self.form {
            Form::Fixed(v) => v,
            Form::Uniform { min, max } => (min + max) / 2.0,
            Form::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Form::Pert { min, mode, max } => (min + 4.0 * mode + max) / 6.0,
            Form::Normal { mean, .. } | Form::LogNormal { mean, .. } => mean,
            Form::Beta { alpha, beta } => alpha / (alpha + beta),
        }
    }

    /// Draws one value (once per run for an uncertain input): the quantile of a uniform
    /// draw on (0, 1).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.is_fixed() { self.nominal_mean() } else { self.quantile(open_unit(rng)) }
    }

    /// The quantile function (inverse CDF) at `u` in (0, 1), after truncation to the
    /// domain, so that `quantile(U)` for a uniform U has this distribution. Uniform and
    /// triangular in closed form; PERT and Beta by inverting I_x(α, β)
    /// ([`beta_quantile`]); normal and lognormal through Φ⁻¹
    /// ([`standard_normal_quantile`]), with truncation as Φ⁻¹(Φ(a) + u(Φ(b) − Φ(a))).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = match self.form {
            Form::Fixed(v) => v,
            Form::Uniform { min, max } => min + u * (max - min),
            Form::Triangular { min, mode, max } => {
                if max == min {
                    return min;
                }
                let range = max - min;
                if u * range < mode - min {
                    min + (u * range * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * range * (max - mode)).sqrt()
                }
            }
            Form::Pert { min, mode, max } => {
                if max == min {
                    return min;
                }
                let range = max - min;
                let alpha = 1.0 + 4.0 * (mode - min) / range;
                let beta = 1.0 + 4.0 * (max - mode) / range;
                min + range * beta_quantile(u, alpha, beta)
            }
            Form::Normal { mean, sd } => {
                if sd == 0.0 {
                    return mean;
                }
                let (lo, hi) = self.bounds();
                let (p_lo, p_hi) = (standard_normal_cdf((lo - mean) / sd), standard_normal_cdf((hi - mean) / sd));
                mean + sd * standard_normal_quantile(p_lo + u * (p_hi - p_lo))
            }
            Form::LogNormal { mean, sd } => {
                let (mu, sigma) = lognormal_parameters(mean, sd);
                if sigma == 0.0 {
                    return mean;
                }
                let (_, hi) = self.bounds();
                let p_hi = if hi.is_finite() { standard_normal_cdf((libm::log(hi) - mu) / sigma) } else { 1.0 };
                libm::exp(mu + sigma * standard_normal_quantile(u * p_hi))
            }
            Form::Beta { alpha, beta } => beta_quantile(u, alpha, beta),
        };
        let (lo, hi) = self.bounds();
        let x = x.clamp(lo, hi);
        if self.domain == Domain::Positive { x.max(f64::MIN_POSITIVE) } else { x }
    }

    /// The domain's range as numbers.
    fn bounds(&self) -> (f64, f64) {
        match self.domain {
            Domain::Fraction => (0.0, 1.0),
            Domain::NonNegative | Domain::Positive => (0.0, f64::INFINITY),
        }
    }

    /// The cumulative distribution function P(X ≤ x), after truncation to the domain.
    ///
    /// Uniform and triangular in closed form; normal and lognormal through Φ (erfc,
    /// Numerical Recipes §6.2); PERT and Beta through the regularized incomplete beta
    /// function I_x(α, β) (Numerical Recipes §6.4). A fixed value is a step at that value.
    pub fn cdf(&self, x: f64) -> f64 {
        match self.form {
            Form::Fixed(v) => {
                if x >= v {
                    1.0
                } else {
                    0.0
                }
            }
            Form::Uniform { min, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else {
                    (x - min) / (max - min)
                }
            }
            Form::Triangular { min, mode, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else if x <= mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
            Form::Pert { min, mode, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else {
                    let range = max - min;
                    let alpha = 1.0 + 4.0 * (mode - min) / range;
                    let beta = 1.0 + 4.0 * (max - mode) / range;
                    regularized_incomplete_beta((x - min) / range, alpha, beta)
                }
            }
            Form::Normal { mean, sd } => {
                if sd == 0.0 {
                    return if x >= mean { 1.0 } else { 0.0 };
                }
                let raw = |y: f64| standard_normal_cdf((y - mean) / sd);
                let (lo, hi) = match self.domain {
                    Domain::Fraction => (raw(0.0), raw(1.0)),
                    Domain::NonNegative | Domain::Positive => (raw(0.0), 1.0),
                };
                if hi <= lo {
                    return if x >= mean { 1.0 } else { 0.0 };
                }
                ((raw(x) - lo) / (hi - lo)).clamp(0.0, 1.0)
            }
            Form::LogNormal { mean, sd } => {
                if x <= 0.0 {
                    return 0.0;
                }
                let (mu, sigma) = lognormal_parameters(mean, sd);
                if sigma == 0.0 {
                    return if x >= mean { 1.0 } else { 0.0 };
                }
                let raw = |y: f64| standard_normal_cdf((libm::log(y) - mu) / sigma);
                match self.domain {
                    Domain::Fraction => {
                        let hi = raw(1.0);
                        if hi <= 0.0 { 1.0 } else { (raw(x.min(1.0)) / hi).clamp(0.0, 1.0) }
                    }
                    Domain::NonNegative | Domain::Positive => raw(x),
                }
            }
            Form::Beta { alpha, beta } => regularized_incomplete_beta(x, alpha, beta),
        }
    }

    /// The value as JSON: a number when fixed, else the table it was written as.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self.form {
            Form::Fixed(v) => json!(v),
            Form::Uniform { min, max } => json!({"dist": "uniform", "min": min, "max": max}),
            Form::Triangular { min, mode, max } => json!({"dist": "triangular", "min": min, "mode": mode, "max": max}),
            Form::Pert { min, mode, max } => json!({"dist": "pert", "min": min, "mode": mode, "max": max}),
            Form::Normal { mean, sd } => json!({"dist": "normal", "mean": mean, "sd": sd}),
            Form::LogNormal { mean, sd } => json!({"dist": "lognormal", "mean": mean, "sd": sd}),
            Form::Beta { alpha, beta } => json!({"dist": "beta", "alpha": alpha, "beta": beta}),
        }
    }
}

/// (μ, σ) of the underlying normal for a lognormal with the given mean and sd.
fn lognormal_parameters(mean: f64, sd: f64) -> (f64, f64) {
    let sigma2 = libm::log(1.0 + (sd / mean).powi(2));
    (libm::log(mean) - sigma2 / 2.0, sigma2.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn sample_mean(u: &Uncertain, n: usize) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        (0..n).map(|_| u.draw(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn draws_match_nominal_means() {
        // 200,000 draws: the standard error of each mean is below 0.2% of the spread used,
        // so 1% tolerance is ~5 standard errors: wide enough never to flake, tight enough
        // to catch a wrong parametrisation (e.g. lognormal mean of the log).
        let cases = [
            Form::Uniform { min: 400.0, max: 800.0 },
            Form::Triangular { min: 400.0, mode: 600.0, max: 900.0 },
            Form::Pert { min: 400.0, mode: 600.0, max: 900.0 },
            Form::Normal { mean: 600.0, sd: 80.0 },
            Form::LogNormal { mean: 600.0, sd: 80.0 },
        ];
        for form in cases {
            let u = Uncertain::new(form, Domain::NonNegative).unwrap();
            let m = sample_mean(&u, 200_000);
            assert!((m / u.nominal_mean() - 1.0).abs() < 0.01, "{form:?}: {m}");
        }
        let b = Uncertain::new(Form::Beta { alpha: 8.0, beta: 2.0 }, Domain::Fraction).unwrap();
        assert!((sample_mean(&b, 200_000) - 0.8).abs() < 0.005);
    }

    #[test]
    fn normal_is_truncated_to_the_domain() {
        let u = Uncertain::new(Form::Normal { mean: 0.05, sd: 0.5 }, Domain::Fraction).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..10_000 {
            let x = u.draw(&mut rng);
            assert!((0.0..=1.0).contains(&x));
        }
    }

    #[test]
    fn cdfs_are_monotone_and_reach_one() {
        let forms = [
            Form::Uniform { min: 10.0, max: 20.0 },
            Form::Triangular { min: 14.0, mode: 30.0, max: 60.0 },
            Form::Pert { min: 14.0, mode: 30.0, max: 60.0 },
            Form::Normal { mean: 30.0, sd: 10.0 },
            Form::LogNormal { mean: 30.0, sd: 10.0 },
        ];
        for form in forms {
            let u = Uncertain::new(form, Domain::NonNegative).unwrap();
            let mut last = 0.0;
            for i in 0..2000 {
                let c = u.cdf(i as f64 * 0.1);
                assert!(c >= last - 1e-12 && (0.0..=1.0).contains(&c), "{form:?} at {i}");
                last = c;
            }
            assert!(last > 0.999, "{form:?} ends at {last}");
        }
        // Triangular (14, 30, 60): F(mode) = 16/46 < ½, so the median solves
        // 1 − (60 − x)²/(46·30) = ½ → x = 60 − √690 ≈ 33.73.
        let t = Uncertain::new(Form::Triangular { min: 14.0, mode: 30.0, max: 60.0 }, Domain::NonNegative).unwrap();
        assert!((t.cdf(30.0) - 16.0 / 46.0).abs() < 1e-12);
        assert!((t.cdf(60.0 - 690f64.sqrt()) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn invalid_parameters_are_rejected_with_the_parameter_named() {
        let e = Uncertain::new(Form::Uniform { min: 5.0, max: 1.0 }, Domain::NonNegative).unwrap_err();
        assert_eq!(e, FormError::MinAboveMax { min: 5.0, max: 1.0 });
        assert!(e.to_string().contains("`min`") && e.to_string().contains("`max`"), "{e}");
        let e = Uncertain::new(Form::Pert { min: 1.0, mode: 9.0, max: 5.0 }, Domain::NonNegative).unwrap_err();
        assert!(e.to_string().contains("`mode`"), "{e}");
        let e = Uncertain::fixed(1.5, Domain::Fraction).unwrap_err();
        assert!(e.to_string().contains("between 0 and 1"), "{e}");
        assert!(Uncertain::fixed(f64::NAN, Domain::NonNegative).is_err());
        assert!(Uncertain::fixed(f64::INFINITY, Domain::NonNegative).is_err());
        assert!(Uncertain::new(Form::Normal { mean: 1.0, sd: -1.0 }, Domain::NonNegative).is_err());
        assert!(Uncertain::new(Form::Beta { alpha: 0.0, beta: 1.0 }, Domain::Fraction).is_err());
    }
}
