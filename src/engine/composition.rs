//! Who fills the ranks: one run's people by source (the initial force, each recruitment
//! stream, each mobilization wave), which they keep for life.
//!
//! Losses are not drawn again: the day's totals (combat and non-combat losses, wounded
//! who will return, returns from recovery, expiries) are those of the ledger, and
//! [`share`] divides each among the sources in proportion to their people at that moment,
//! so that the sources always add up to the ledger exactly.

use rand::Rng as _;

use crate::limits::{count_as_f64, floor_as_count};
use crate::random::{StreamRng, open_uniform};

/// People on strength and in recovery by source, in [`crate::scenario::Scenario::sources`]
/// order, with the stream that decides how each day's totals are shared.
pub(super) struct Composition {
    /// On strength, by source.
    strength: Vec<u64>,
    /// Wounded who will return to duty, by source.
    recovering: Vec<u64>,
    /// Scratch: the share of one total by source.
    part: Vec<u64>,
    /// Scratch: today's losses by source.
    lost: Vec<u64>,
    /// Scratch: today's wounded who will return, by source.
    returned: Vec<u64>,
    rng: StreamRng,
}

impl Composition {
    /// `sources` sources, of which the first (the initial force) holds `initial` people.
    pub(super) fn new(sources: usize, initial: u64, rng: StreamRng) -> Self {
        let mut strength = vec![0; sources];
        strength[0] = initial;
        let zeros = vec![0; sources];
        Self { strength, recovering: zeros.clone(), part: zeros.clone(), lost: zeros.clone(), returned: zeros, rng }
    }

    /// On strength, by source.
    pub(super) fn strength(&self) -> &[u64] {
        &self.strength
    }

    /// In recovery, by source.
    pub(super) fn recovering(&self) -> &[u64] {
        &self.recovering
    }

    /// `n` graduates of source `source`'s training join strength.
    #[inline(always)]
    pub(super) fn arrive(&mut self, source: usize, n: u64) {
        self.strength[source] += n;
    }

    /// The day's flows after the arrivals from training: `back` wounded return to duty,
    /// shared in proportion to those recovering; then the day's `lost` (combat and
    /// non-combat) leave strength, shared in proportion to it; of them, `returning`
    /// wounded enter recovery, shared in proportion to the losses.
    #[inline(always)]
    pub(super) fn losses(&mut self, back: u64, lost: u64, returning: u64) {
        if back + lost == 0 {
            return;
        }
        // The day's three uniforms from one draw: 21 bits each, ample for the share's
        // rounding (its expectation is off by at most 2⁻²¹ of a person).
        let bits = self.rng.next_u64();
        let uniform = |k: u32| ((bits >> (21 * k)) & ((1 << 21) - 1)) as f64 / f64::from(1u32 << 21);
        let u = [uniform(0), uniform(1), uniform(2)];
        if !self.losses_in_one_pass(back, lost, returning, u) {
            self.losses_one_at_a_time(back, lost, returning, u);
        }
    }

    /// [`Composition::losses`] with uniforms `u`, one share after another.
    fn losses_one_at_a_time(&mut self, back: u64, lost: u64, returning: u64, u: [f64; 3]) {
        if back > 0 {
            share(back, &self.recovering, &mut self.part, u[0]);
            for ((s, r), p) in self.strength.iter_mut().zip(&mut self.recovering).zip(&self.part) {
                *s += p;
                *r -= p;
            }
        }
        if lost > 0 {
            share(lost, &self.strength, &mut self.lost, u[1]);
            for (s, l) in self.strength.iter_mut().zip(&self.lost) {
                *s -= l;
            }
        }
        if returning > 0 {
            share(returning, &self.lost, &mut self.part, u[2]);
            for (r, p) in self.recovering.iter_mut().zip(&self.part) {
                *r += p;
            }
        }
    }

    /// [`Composition::losses`] in one pass over the sources, the three shares side by
    /// side, where they are otherwise taken one after another: the same arithmetic, so the
    /// same numbers, unless a share would need [`share`]'s rare correction for rounding past
    /// a weight (counts beyond 2⁵³). Returns false, having changed nothing, when one would;
    /// the caller then shares one total at a time.
    #[inline(always)]
    fn losses_in_one_pass(&mut self, back: u64, lost: u64, returning: u64, u: [f64; 3]) -> bool {
        let recovering_total: u64 = self.recovering.iter().sum();
        let strength_total: u64 = self.strength.iter().sum::<u64>() + back;
        // As `share` computes them (its n = total case comes out the same: a ratio of 1).
        let (rb, rl, rr) =
            (share_ratio(back, recovering_total), share_ratio(lost, strength_total), share_ratio(returning, lost));
        let (mut cum_r, mut cum_s, mut cum_l) = (0u64, 0u64, 0u64);
        let (mut to_b, mut to_l, mut to_t) = (0u64, 0u64, 0u64);
        // Slices of one length, so that indexing them needs no bounds checks.
        let n = self.strength.len();
        let (strength, recovering) = (&mut self.strength[..n], &mut self.recovering[..n]);
        let (part, lost_by, returned) = (&mut self.part[..n], &mut self.lost[..n], &mut self.returned[..n]);
        for i in 0..n {
            let r = recovering[i];
            if r == 0 && strength[i] == 0 {
                // A source with nobody (a wave not yet called, a trigger that has not
                // fired) leaves every cumulative count as it was, so its shares are 0.
                (part[i], lost_by[i], returned[i]) = (0, 0, 0);
                continue;
            }
            cum_r += r;
            let (before, now) = (to_b, share_upto(cum_r, recovering_total, back, rb, u[0]));
            let b = now - before;
            let s = strength[i] + b;
            cum_s += s;
            let (before_l, now_l) = (to_l, share_upto(cum_s, strength_total, lost, rl, u[1]));
            let l = now_l - before_l;
            cum_l += l;
            let (before_t, now_t) = (to_t, share_upto(cum_l, lost, returning, rr, u[2]));
            let t = now_t - before_t;
            if b > r || l > s || t > l {
                return false;
            }
            (to_b, to_l, to_t) = (now, now_l, now_t);
            (part[i], lost_by[i], returned[i]) = (b, l, t);
        }
        for i in 0..n {
            strength[i] = strength[i] + part[i] - lost_by[i];
            recovering[i] = recovering[i] - part[i] + returned[i];
        }
        true
    }

    /// `n` of source `source` leave at the end of their term. Should the source hold
    /// fewer (its cohort's survivors are reckoned from the whole force's survival, not its
    /// own), the rest leave the other sources in proportion, so the total stays the ledger's.
    #[inline(always)]
    pub(super) fn expire(&mut self, source: usize, n: u64) {
        let own = n.min(self.strength[source]);
        self.strength[source] -= own;
        if own < n {
            share(n - own, &self.strength, &mut self.part, open_uniform(&mut self.rng));
            for (s, p) in self.strength.iter_mut().zip(&self.part) {
                *s -= p;
            }
        }
    }
}

/// n/C, the share of each weight that [`share`] gives, as a float (0 for no weight).
#[inline(always)]
fn share_ratio(n: u64, total: u64) -> f64 {
    if total > 0 { count_as_f64(n) / count_as_f64(total) } else { 0.0 }
}

/// ⌊n·C_i/C + u⌋ (capped at n) for a cumulative weight C_i of C, with `ratio` n/C: how
/// many of the n the weights up to the i-th take in all ([`share`]). The last cumulative
/// share is n exactly; floating-point rounding elsewhere cannot break monotonicity
/// (products and sums of positives round monotonically).
#[inline(always)]
fn share_upto(cumulative: u64, total: u64, n: u64, ratio: f64, u: f64) -> u64 {
    if cumulative == total { n } else { floor_as_count(count_as_f64(cumulative) * ratio + u).min(n) }
}

/// Shares `n ≤ Σ weights` among the weights in proportion, by systematic sampling
/// (Madow, "On the theory of systematic sampling, II", *Ann. Math. Stat.* 20, 1949):
/// with C_i the cumulative weights, C = C_K and `u` uniform in [0, 1),
/// `out[i] = ⌊n·C_i/C + u⌋ − ⌊n·C_{i−1}/C + u⌋`.
///
/// Each share is ⌊n·w_i/C⌋ or one more, with expectation exactly n·w_i/C (the proportional
/// share, unbiased); the shares add up to exactly `n`; none exceeds its weight (n ≤ C); a
/// zero weight gets nothing (`u` of 21 bits, as [`Composition::losses`] draws it, moves the
/// expectation by at most 2⁻²¹ of a person). One uniform per share, where a multivariate hypergeometric
/// draw would cost one per source; the spread it leaves out, which individuals were hit,
/// is the same that term expiries leave out (see [`super::Run`]).
#[inline]
pub(super) fn share(n: u64, weights: &[u64], out: &mut [u64], u: f64) {
    if let [only] = out {
        *only = n;
        return;
    }
    let total: u64 = weights.iter().sum();
    debug_assert!(n <= total, "sharing {n} among {total}");
    if n == total {
        out.copy_from_slice(weights);
        return;
    }
    let ratio = share_ratio(n, total);
    let (mut cumulative, mut before, mut given) = (0u64, 0u64, 0u64);
    for (o, &w) in out.iter_mut().zip(weights) {
        cumulative += w;
        let upto = share_upto(cumulative, total, n, ratio, u);
        *o = (upto - before).min(w);
        before = upto;
        given += *o;
    }
    // Only where rounding of counts beyond 2⁵³ pushed a share past its weight: the rest
    // goes to the first sources with room, so the total stays exact.
    let mut rest = n - given;
    if rest == 0 {
        return;
    }
    for (o, &w) in out.iter_mut().zip(weights) {
        let more = rest.min(w - *o);
        *o += more;
        rest -= more;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::named_stream;

    #[test]
    fn shares_add_up_stay_within_their_weights_and_are_unbiased() {
        let mut rng = named_stream(1, 0, "share");
        let weights = [420_000u64, 0, 13_001, 7, 250_000];
        let total: u64 = weights.iter().sum();
        let mut out = [0u64; 5];
        for n in [0, 1, 2, 999, 683_007, total - 1, total] {
            share(n, &weights, &mut out, open_uniform(&mut rng));
            assert_eq!(out.iter().sum::<u64>(), n, "sum for {n}");
            for (o, w) in out.iter().zip(&weights) {
                let exact = n as f64 * *w as f64 / total as f64;
                assert!(*o <= *w && (*o as f64 - exact).abs() < 1.0, "{o} of {w} for {n}: exact {exact}");
            }
        }
        // The mean of 200,000 shares of 1,000 among the weights is n·w/C: each share is
        // ⌊x⌋ or ⌊x⌋ + 1, so its sd is at most ½ and the mean's at most ½/√200,000 ≈
        // 0.0011; 0.006 is over five of those.
        let trials = 200_000;
        let mut sums = [0u64; 5];
        for _ in 0..trials {
            share(1_000, &weights, &mut out, open_uniform(&mut rng));
            sums.iter_mut().zip(&out).for_each(|(s, o)| *s += o);
        }
        for (s, w) in sums.iter().zip(&weights) {
            let (mean, exact) = (*s as f64 / trials as f64, 1_000.0 * *w as f64 / total as f64);
            assert!((mean - exact).abs() < 0.006, "mean share {mean} against {exact}");
        }
    }

    #[test]
    fn counts_beyond_two_to_the_fifty_three_still_add_up() {
        let mut rng = named_stream(2, 0, "share");
        let weights = [(1u64 << 60) + 1, 3, (1 << 59) - 1, 1];
        let total: u64 = weights.iter().sum();
        let mut out = [0u64; 4];
        for n in [total, total - 1, total / 3, 5] {
            share(n, &weights, &mut out, open_uniform(&mut rng));
            assert_eq!(out.iter().sum::<u64>(), n);
            assert!(out.iter().zip(&weights).all(|(o, w)| o <= w), "{out:?}");
        }
    }

    #[test]
    fn one_pass_gives_the_numbers_of_one_share_at_a_time() {
        let mut rng = named_stream(4, 0, "one pass");
        let mut draw = |below: u64| rand::Rng::next_u64(&mut rng) % below;
        for trial in 0..2_000 {
            let sources = 1 + (trial % 6) as usize;
            let mut a = Composition::new(sources, 0, named_stream(5, trial, "c"));
            for i in 0..sources {
                a.strength[i] = if draw(4) == 0 { 0 } else { draw(500_000) };
                a.recovering[i] = if draw(4) == 0 { 0 } else { draw(20_000) };
            }
            let mut b = Composition::new(sources, 0, named_stream(5, trial, "c"));
            (b.strength, b.recovering) = (a.strength.clone(), a.recovering.clone());
            let back = draw(a.recovering.iter().sum::<u64>() + 1);
            let lost = draw(a.strength.iter().sum::<u64>() + back + 1);
            let returning = draw(lost + 1);
            let u = [0.1, 0.5, 0.9].map(|x| (x + trial as f64 * 0.37) % 1.0);
            assert!(a.losses_in_one_pass(back, lost, returning, u), "trial {trial}");
            b.losses_one_at_a_time(back, lost, returning, u);
            assert_eq!((&a.strength, &a.recovering), (&b.strength, &b.recovering), "trial {trial}");
        }
        // Beyond 2⁵³ a share may need correcting: one pass declines, the day still adds up.
        let mut c = Composition::new(3, 1 << 60, named_stream(6, 0, "c"));
        c.arrive(1, 1 << 59);
        c.arrive(2, 3);
        let total: u64 = c.strength().iter().sum();
        c.losses(0, total - 5, 0);
        assert_eq!(c.strength().iter().sum::<u64>(), 5);
    }

    #[test]
    fn a_source_keeps_its_people_through_losses_returns_and_expiries() {
        let mut c = Composition::new(3, 1_000, named_stream(3, 0, "composition"));
        c.arrive(1, 500);
        c.losses(0, 150, 40);
        assert_eq!(c.strength().iter().sum::<u64>(), 1_350);
        assert_eq!(c.recovering().iter().sum::<u64>(), 40);
        c.losses(40, 0, 0);
        assert_eq!(c.strength().iter().sum::<u64>(), 1_390);
        assert_eq!(c.recovering(), [0, 0, 0]);
        // More leave source 1 than it holds: the rest come from the others.
        let own = c.strength()[1];
        c.expire(1, own + 10);
        assert_eq!((c.strength()[1], c.strength().iter().sum::<u64>()), (0, 1_380 - own));
        assert_eq!(c.strength()[2], 0, "a source that never had anyone loses nobody");
    }
}
