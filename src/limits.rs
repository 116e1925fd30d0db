//! The limits in force on a scenario and a run, checked before any work is done, in one
//! place for the parser, the engine and the command line.

use crate::ledger::RunOutcome;

/// Hard limits on a scenario, checked before any work is done.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest horizon, in days (100 years).
    pub max_days: u32,
    /// Most runs.
    pub max_runs: u32,
    /// Most memory the per-run outcomes may take, in bytes (runs × [`RUN_BYTES`]): 4 GiB,
    /// a quarter of [`Limits::max_memory_bytes`] (53 million runs; with outcomes twice the
    /// size, 8 GiB allowed about as many). The per-day statistics are streamed and do not
    /// grow with the runs.
    pub max_outcome_bytes: u64,
    /// Largest scenario file read, in bytes (10 MiB: a hand-written scenario is a few KiB).
    pub max_file_bytes: u64,
    /// Most memory a run may hold in all: outcomes, daily statistics and every thread's block
    /// together (16 GiB, two thirds of the project's 24 GB machines): more threads than
    /// fit are not started.
    pub max_memory_bytes: u64,
}

/// Bytes kept per run: its outcome (its end state, the day the goal was reached, the cost
/// and the armies).
pub const RUN_BYTES: u64 = std::mem::size_of::<RunOutcome>() as u64;

impl Limits {
    /// The most runs whose outcomes fit in [`Limits::max_outcome_bytes`], and at most
    /// [`Limits::max_runs`].
    pub const fn runs_in_memory(&self) -> u64 {
        let fit = self.max_outcome_bytes / RUN_BYTES;
        if fit < self.max_runs as u64 { fit } else { self.max_runs as u64 }
    }
}

/// The limits in force.
pub const LIMITS: Limits = Limits {
    max_days: 36_500,
    max_runs: 100_000_000,
    max_outcome_bytes: 4 << 30,
    max_file_bytes: 10 << 20,
    max_memory_bytes: 16 << 30,
};

/// Largest count a drawn size, pool or rate may take (10¹²), so sums of counts over
/// 36,500 days cannot overflow 64 bits.
pub const MAX_COUNT: f64 = 1e12;

/// A count as a float, through i64: one instruction on baseline x86-64, where a u64 takes
/// several. Exact as `n as f64` for every count the engine holds: draws are capped at
/// [`MAX_COUNT`], so even totals over [`Limits::max_days`] stay far below 2⁶³.
#[inline(always)]
pub fn count_as_f64(n: u64) -> f64 {
    debug_assert!(n < 1 << 63);
    n as i64 as f64
}

/// ⌊x⌋ of a non-negative float below 2⁶³ as a count: the same as `x as u64` there.
///
/// On x86-64 it is the one instruction `cvttsd2si` (through `safe_arch`, safe code). Rust's
/// own `x as i64` adds six more, which saturate out-of-range values and map NaN to 0. The
/// engine never converts those (every count is capped at [`MAX_COUNT`], and debug builds
/// check the domain), and the saturation was nearly 4% of the engine's instructions, a
/// chain of compares and conditional moves on every draw. Out of the domain, `cvttsd2si`
/// gives 2⁶³ where the cast would give 0 or 2⁶³ − 1: wrong either way.
#[inline(always)]
pub fn floor_as_count(x: f64) -> u64 {
    debug_assert!((0.0..9.2e18).contains(&x), "{x}");
    #[cfg(target_arch = "x86_64")]
    {
        safe_arch::truncate_to_i64_m128d_s(safe_arch::set_m128d_s(x)) as u64
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        x as i64 as u64
    }
}

/// Asks the processor to bring the cache line holding `x` into every level of cache: a
/// hint (`prefetcht0` on x86-64, through `safe_arch`; nothing elsewhere) that changes no
/// value, only when a later read of it waits.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_as_count_is_the_cast_over_its_domain() {
        let edges = [0.0, 0.4999, 0.5, 1.0 - f64::EPSILON, 1.0, 7.999_999, 1e12 + 0.5, 4_503_599_627_370_495.5];
        let powers = (0..63).flat_map(|k| {
            let p = 2f64.powi(k);
            [p, p.next_down(), p.next_up(), p * 1.5]
        });
        let largest = 9.2e18f64.next_down();
        for x in edges.into_iter().chain(powers).chain([largest]).filter(|x| *x < 9.2e18) {
            assert_eq!(floor_as_count(x), x as u64, "{x}");
        }
    }
}
