//! Delay distributions spread over days, conserving people exactly.
//!
//! MODEL.md: a delay (`training_days`, `recovery_days`) is not drawn per run; each day's
//! cohort is spread over later days in proportion to the delay's probabilities. A
//! fractional delay of x days means day round(x), so day k receives the probability mass of
//! [k − ½, k + ½). The distribution is cut at its 99.9th percentile and renormalised.
//!
//! People are conserved by rounding *cumulative* shares: of a cohort of n, day k receives
//! round(n · C_k) − round(n · C_{k−1}), where C is the cumulative share; the last C is
//! exactly 1, so the parts always add up to n. A [`DelayLine`] applies this to the sum of
//! all cohorts at once.

use crate::distribution::{Form, Uncertain};
use crate::limits::{count_as_f64, floor_as_count};

/// Share of a delay distribution kept before the cut (MODEL.md: its 99.9th percentile).
pub const DELAY_CUT: f64 = 0.999;

/// A delay distribution discretised to whole days.
#[derive(Clone, Debug, PartialEq)]
pub struct DelayKernel {
    /// The shortest delay with any mass, in days.
    first: u32,
    /// Cumulative share of people with a delay ≤ `first + i`; increasing, last = 1.
    cumulative: Vec<f64>,
    /// The shares a [`DelayLine`] reads: F at delays last − 1, last − 2, ..., first
    /// (reversed, so that a day's window is contiguous and read forwards), then [`LANES`]
    /// zeros. Kept here, once a scenario, so that every run's lines read the same copy.
    reversed: Vec<f64>,
}

impl DelayKernel {
    /// Everyone arrives after exactly `days` days.
    pub fn exact(days: u32) -> Self {
        Self::with_cumulative(days, vec![1.0])
    }

    /// The kernel of shortest delay `first` and cumulative shares `cumulative`.
    fn with_cumulative(first: u32, cumulative: Vec<f64>) -> Self {
        // F(k) for k = first..last−1; F(last) = 1 is the "whole cohort" part.
        let shares = cumulative[..cumulative.len() - 1].iter().rev().copied();
        let reversed = shares.chain([0.0; LANES]).collect();
        Self { first, cumulative, reversed }
    }

    /// Discretises `delay` (a number of days ≥ 0). Bins past `horizon` are merged into one
    /// bin at `horizon + 1`: those people would arrive after the simulation ends anyway.
    pub fn new(delay: &Uncertain, horizon: u32) -> Self {
        if let Form::Fixed(d) = delay.form() {
            return Self::exact(round_days(d, horizon));
        }
        let upper = |k: u32| delay.cdf(k as f64 + 0.5);
        // The cut: the first whole day at which the CDF reaches 99.9%.
        let mut cut = 0u32;
        while upper(cut) < DELAY_CUT && cut <= horizon {
            cut += 1;
        }
        let beyond_horizon = cut > horizon;
        let last = cut.min(horizon);
        let total = if beyond_horizon { 1.0 } else { upper(last) };
        let mut first = 0;
        while first < last && upper(first) <= 0.0 {
            first += 1;
        }
        let mut cumulative: Vec<f64> = (first..=last).map(|k| (upper(k) / total).min(1.0)).collect();
        if beyond_horizon {
            cumulative.push(1.0);
        } else if let Some(c) = cumulative.last_mut() {
            *c = 1.0;
        }
        Self::with_cumulative(first, cumulative)
    }

    /// Raises every delay below `min` to `min` (the wounded return the next day at the
    /// earliest).
    pub fn at_least(self, min: u32) -> Self {
        let Self { mut first, mut cumulative, .. } = self;
        while first < min {
            if cumulative.len() > 1 {
                cumulative.remove(0);
            }
            first += 1;
        }
        Self::with_cumulative(first, cumulative)
    }

    /// The shortest delay, in days.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// The longest delay, in days.
    pub fn last(&self) -> u32 {
        self.first + self.cumulative.len() as u32 - 1
    }
}

/// A delay applied to a stream of daily cohorts (a training or recovery pipeline).
///
/// Rather than scattering each cohort over its delay bins, arrivals are gathered: with n_s
/// entering on day s and F the kernel's cumulative share, the expected number arrived by
/// the end of day t is C_t = Σ_s n_s F(t − s), and the arrivals of day t are
/// round(C_t) − (those already arrived). Cohorts past the longest delay count whole, as
/// integers; the rest is one contiguous dot product of recent intake with F. Since C ends at
/// the exact total of everyone who entered, nobody is created or lost; for a single cohort
/// this is the cumulative rounding of the module documentation, day for day.
#[derive(Clone, Debug)]
pub struct DelayLine<'k> {
    /// The kernel's reversed shares ([`DelayKernel`]): one copy a scenario, which every
    /// run's line reads.
    reversed: &'k [f64],
    first: usize,
    last: usize,
    /// People entering on each day, then [`LANES`] zeros.
    intake: Vec<f64>,
    /// First and last day with any intake (`usize::MAX` and 0 before any).
    first_in: usize,
    last_in: usize,
    /// Whole cohorts of days before `done_upto` (all arrived), summed.
    done: f64,
    done_upto: usize,
    arrived: u64,
}

impl<'k> DelayLine<'k> {
    /// An empty line over `days` days.
    pub fn new(kernel: &'k DelayKernel, days: usize) -> Self {
        let first = kernel.first as usize;
        let last = kernel.last() as usize;
        let reversed = &kernel.reversed;
        let intake = vec![0.0; days + LANES];
        Self { reversed, first, last, intake, first_in: usize::MAX, last_in: 0, done: 0.0, done_upto: 0, arrived: 0 }
    }

    /// `n` people enter on `day`.
    #[inline(always)]
    pub fn enter(&mut self, day: usize, n: u64) {
        if n == 0 {
            return;
        }
        self.intake[day] += count_as_f64(n);
        (self.first_in, self.last_in) = (self.first_in.min(day), self.last_in.max(day));
    }

    /// The people arriving on day `t` (days must be asked for in order).
    #[inline(always)]
    pub fn arrivals(&mut self, t: usize) -> u64 {
        let (first_in, last_in) = (self.first_in, self.last_in);
        if first_in > last_in {
            return 0;
        }
        if self.first == self.last {
            // A fixed delay: day t − first's cohort, whole (what the sums below come to,
            // as every partial share is 0 and the sums are of whole numbers).
            let n = t.checked_sub(self.first).map_or(0, |s| floor_as_count(self.intake[s]));
            self.arrived += n;
            return n;
        }
        // Cohorts that entered on or before t − last have wholly arrived.
        let whole_upto = (t + 1).saturating_sub(self.last).min(last_in + 1);
        while self.done_upto < whole_upto {
            self.done += self.intake[self.done_upto];
            self.done_upto += 1;
        }
        // Cohorts still arriving: entered on days lo..=hi.
        let lo = whole_upto.max(first_in);
        let partial = match t.checked_sub(self.first) {
            Some(hi) if hi.min(last_in) >= lo => {
                let hi = hi.min(last_in);
                // intake[s] pairs with F(t − s), which sits at reversed[last − 1 − (t − s)].
                let offset = self.last - 1 - (t - lo);
                // Widened to whole chunks of LANES: each extra term is either a day with
                // no intake (after `last_in`, or still to come) times a share, or an intake
                // times a padding zero, and adds exactly 0.
                let len = (hi - lo + 1).next_multiple_of(LANES);
                dot(&self.intake[lo..lo + len], &self.reversed[offset..offset + len])
            }
            _ => 0.0,
        };
        // round(C) for C ≥ 0, never below what has already arrived.
        let total = floor_as_count(self.done + partial + 0.5);
        let now = total.saturating_sub(self.arrived);
        self.arrived += now;
        now
    }
}

/// Lanes of [`dot`]: independent partial sums, enough to hide the latency of an addition.
const LANES: usize = 16;

/// Σ aᵢbᵢ over equal lengths that are whole multiples of [`LANES`], in independent partial
/// sums (lane j takes the terms i ≡ j mod 16, which vectorises), added up in a fixed tree;
/// the order of every addition is fixed, so the result is too, whatever instructions the
/// compiler picks.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert!(a.len() == b.len() && a.len().is_multiple_of(LANES));
    let mut acc = [0.0f64; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] += acc[i + width];
        }
    }
    acc[0]
}

/// round(x) days, capped one day past the horizon.
fn round_days(x: f64, horizon: u32) -> u32 {
    x.round().min(horizon as f64 + 1.0).max(0.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Domain;

    fn tri(min: f64, mode: f64, max: f64) -> Uncertain {
        Uncertain::new(Form::Triangular { min, mode, max }, Domain::NonNegative).unwrap()
    }

    /// The reference: one cohort of `n` spread over the kernel's days by cumulative
    /// rounding, as `put(delay, count)` for each day with a non-zero count.
    fn spread(k: &DelayKernel, n: u64, mut put: impl FnMut(u32, u64)) {
        let mut placed = 0u64;
        for (i, &c) in k.cumulative.iter().enumerate() {
            let upto = ((n as f64 * c).round() as u64).min(n);
            if upto > placed {
                put(k.first + i as u32, upto - placed);
                placed = upto;
            }
        }
        assert_eq!(placed, n);
    }

    fn spread_vec(k: &DelayKernel, n: u64) -> Vec<(u32, u64)> {
        let mut v = Vec::new();
        spread(k, n, |d, c| v.push((d, c)));
        v
    }

    #[test]
    fn fixed_delay_rounds_to_the_nearest_day() {
        let d = Uncertain::fixed(29.6, Domain::NonNegative).unwrap();
        assert_eq!(DelayKernel::new(&d, 100), DelayKernel::exact(30));
        assert_eq!(spread_vec(&DelayKernel::exact(30), 7), vec![(30, 7)]);
    }

    #[test]
    fn spreading_conserves_people_for_every_cohort_size() {
        let k = DelayKernel::new(&tri(14.0, 45.0, 120.0), 730);
        for n in [0, 1, 2, 3, 17, 999, 100_000, 123_456_789] {
            let total: u64 = spread_vec(&k, n).iter().map(|&(_, c)| c).sum();
            assert_eq!(total, n);
        }
    }

    #[test]
    fn spreading_follows_the_distribution() {
        // Uniform on [10, 20]: days 11..=19 get 1/10 each, days 10 and 20 get 1/20 each.
        let u = Uncertain::new(Form::Uniform { min: 10.0, max: 20.0 }, Domain::NonNegative).unwrap();
        let k = DelayKernel::new(&u, 365);
        let v = spread_vec(&k, 1000);
        assert_eq!(v.first(), Some(&(10, 50)));
        assert_eq!(v.last(), Some(&(20, 50)));
        assert!(v[1..v.len() - 1].iter().all(|&(_, c)| c == 100), "{v:?}");
    }

    #[test]
    fn the_tail_is_cut_at_the_999th_percentile() {
        let d = Uncertain::new(Form::LogNormal { mean: 30.0, sd: 30.0 }, Domain::NonNegative).unwrap();
        let k = DelayKernel::new(&d, 10_000);
        assert!(d.cdf(k.last() as f64 + 0.5) >= DELAY_CUT);
        assert!(d.cdf(k.last() as f64 - 0.5) < DELAY_CUT);
    }

    #[test]
    fn mass_past_the_horizon_is_kept_in_one_late_bin() {
        let k = DelayKernel::new(&tri(0.0, 50.0, 100.0), 20);
        assert_eq!(k.last(), 21);
        let v = spread_vec(&k, 1000);
        let late: u64 = v.iter().filter(|&&(d, _)| d > 20).map(|&(_, c)| c).sum();
        // P(delay ≥ 20.5) = 1 − 20.5²/5000 ≈ 0.916.
        assert!((late as f64 / 1000.0 - 0.916).abs() < 0.002, "{late}");
    }

    #[test]
    fn a_delay_line_matches_spreading_for_one_cohort_and_conserves_for_many() {
        let kernel = DelayKernel::new(&tri(3.0, 10.0, 30.0), 200);
        // One cohort: the same day-by-day arrivals as spreading it.
        let mut line = DelayLine::new(&kernel, 100);
        line.enter(5, 12_345);
        let mut spread_out = vec![0u64; 100];
        spread(&kernel, 12_345, |d, c| spread_out[5 + d as usize] += c);
        let gathered: Vec<u64> = (0..100).map(|t| line.arrivals(t)).collect();
        assert_eq!(gathered, spread_out);
        // Many cohorts of all sizes: everyone arrives exactly once, never early.
        let mut line = DelayLine::new(&kernel, 400);
        let mut entered = 0u64;
        let mut arrived = 0u64;
        for t in 0..400 {
            if t < 300 {
                let n = (t as u64 * 7919) % 1000;
                line.enter(t, n);
                entered += n;
            }
            arrived += line.arrivals(t);
            assert!(arrived <= entered, "day {t}");
        }
        assert_eq!(arrived, entered);
    }

    #[test]
    fn a_delay_line_with_a_fixed_delay_is_exact() {
        let thirty = DelayKernel::exact(30);
        let mut line = DelayLine::new(&thirty, 120);
        line.enter(10, 100_000);
        let arrivals: Vec<u64> = (0..120).map(|t| line.arrivals(t)).collect();
        assert_eq!(arrivals[40], 100_000);
        assert_eq!(arrivals.iter().sum::<u64>(), 100_000);
        // Same-day arrival for a delay of 0.
        let none = DelayKernel::exact(0);
        let mut line = DelayLine::new(&none, 5);
        line.enter(2, 7);
        assert_eq!((0..5).map(|t| line.arrivals(t)).collect::<Vec<_>>(), vec![0, 0, 7, 0, 0]);
    }

    #[test]
    fn at_least_moves_short_delays_up() {
        let k = DelayKernel::exact(0).at_least(1);
        assert_eq!(spread_vec(&k, 5), vec![(1, 5)]);
        let u = Uncertain::new(Form::Uniform { min: 0.0, max: 4.0 }, Domain::NonNegative).unwrap();
        let k = DelayKernel::new(&u, 100).at_least(1);
        assert_eq!(k.first(), 1);
        let v = spread_vec(&k, 800);
        assert_eq!(v.iter().map(|&(_, c)| c).sum::<u64>(), 800);
        // Day 0's eighth joins day 1: 100 + 200 = 300.
        assert_eq!(v[0], (1, 300));
    }
}
