//! Per-day statistics streamed over runs, in memory that does not grow with the runs.
//!
//! Each day and series keeps a [`QuantileSketch`]: a histogram of the runs' values in
//! bins of width 2ˢ aligned to multiples of 2ˢ, over at most [`BINS`] bins. It starts
//! exact (s = 0, a bin per value) and, whenever the values no longer fit, doubles the
//! width by adding neighbouring bins. The width it ends with is therefore the smallest
//! power of two at which the day's minimum and maximum fit in [`BINS`] bins, whatever the
//! order the values came in, and the histogram is exactly that of the values at that
//! width. Sketches hold integers only (bin counts, sums, sums of squares, extremes), so
//! merging two is exact and the statistics of a set of runs do not depend on how the runs
//! were split between threads or machines, nor on the order of merging.
//!
//! **Accuracy.** A bin is read as its midpoint, clamped to the exact minimum and maximum,
//! and percentiles follow [`crate::percentile`]'s definition (Hyndman–Fan 7: two order
//! statistics, interpolated). Each order statistic is then within (2ˢ − 1)/2 of the exact
//! one, and since the values did not fit at width 2ˢ⁻¹, 2ˢ < 2·(max − min)/(BINS − 1). So
//! every percentile is **within (max − min)/2047 of the exact value** (0.05% of the day's
//! range over runs), and exact whenever that range is under 2,048 or all runs agree.

use crate::ledger::SERIES;
use crate::percentile::{BAND_PERCENTS, Band, hyndman_fan, hyndman_fan_position};

/// Most bins a sketch holds. 2,048 four-byte counts per day and series bound a 730-day,
/// 5-series set of sketches by 30 MB, however many runs (half that up to 65,535 runs,
/// while the counts take two bytes).
pub const BINS: u64 = 2048;

/// A sketch's bin counts: two bytes each while the sketch holds at most 65,535 values (so
/// no bin can overflow), four from then on. The width follows from the count alone, so
/// sketches holding the same values are equal however they were built, and up to 65,535
/// runs the bins take half the memory and half the cache (the benchmark workload's peak:
/// 120 → 82 MB). Four bytes suffice after: a scenario has at most 10⁸ runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Counts {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for Counts {
    fn default() -> Self {
        Counts::Narrow(Vec::new())
    }
}

/// A bin count of either width.
trait Bin: Copy + Default + std::ops::AddAssign + Into<u64> {
    const ONE: Self;
    /// `n`, which the caller knows fits.
    fn of(n: u64) -> Self;
}

impl Bin for u16 {
    const ONE: Self = 1;
    fn of(n: u64) -> Self {
        debug_assert!(n <= u64::from(u16::MAX));
        n as u16
    }
}

impl Bin for u32 {
    const ONE: Self = 1;
    fn of(n: u64) -> Self {
        debug_assert!(n <= u64::from(u32::MAX));
        n as u32
    }
}

impl Counts {
    /// Most values a sketch with two-byte counts holds.
    const NARROW_UP_TO: u64 = u16::MAX as u64;

    /// Counts from four-byte ones, in the width a sketch of `total` values has.
    fn from_wide(counts: Vec<u32>, total: u64) -> Self {
        if total <= Self::NARROW_UP_TO {
            Counts::Narrow(counts.into_iter().map(|c| u16::try_from(c).unwrap_or(u16::MAX)).collect())
        } else {
            Counts::Wide(counts)
        }
    }

    /// Widens the counts, if need be, for a sketch about to hold `total` values.
    fn fit(&mut self, total: u64) {
        if let Counts::Narrow(narrow) = self
            && total > Self::NARROW_UP_TO
        {
            *self = Counts::Wide(narrow.iter().map(|&c| u32::from(c)).collect());
        }
    }

    fn len(&self) -> usize {
        match self {
            Counts::Narrow(c) => c.len(),
            Counts::Wide(c) => c.len(),
        }
    }

    /// Bytes the counts' vector holds, counting its spare capacity.
    fn capacity_bytes(&self) -> usize {
        match self {
            Counts::Narrow(c) => c.capacity() * 2,
            Counts::Wide(c) => c.capacity() * 4,
        }
    }

    /// The counts in order.
    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (narrow, wide) = match self {
            Counts::Narrow(c) => (&c[..], &[][..]),
            Counts::Wide(c) => (&[][..], &c[..]),
        };
        narrow.iter().map(|&c| u64::from(c)).chain(wide.iter().map(|&c| u64::from(c)))
    }

    /// `at` more empty bins in front, then empty bins at the end up to `len` in all.
    fn extend(&mut self, at: usize, len: usize) {
        fn extend<T: Bin>(c: &mut Vec<T>, at: usize, len: usize) {
            if at > 0 {
                c.splice(0..0, std::iter::repeat_n(T::default(), at));
            }
            if len > c.len() {
                c.resize(len, T::default());
            }
        }
        match self {
            Counts::Narrow(c) => extend(c, at, len),
            Counts::Wide(c) => extend(c, at, len),
        }
    }

    /// Adds `n` to bin `k` (the caller has fitted the counts to the new total).
    fn add(&mut self, k: usize, n: u64) {
        match self {
            Counts::Narrow(c) => c[k] += u16::of(n),
            Counts::Wide(c) => c[k] += u32::of(n),
        }
    }

    /// Asks the processor to bring the counts into cache ahead of their use (a hint, one
    /// for each 64-byte line).
    fn prefetch(&self) {
        fn prefetch<T>(c: &[T]) {
            c.chunks(64 / size_of::<T>()).for_each(|line| crate::limits::prefetch(&line[0]));
        }
        match self {
            Counts::Narrow(c) => prefetch(c),
            Counts::Wide(c) => prefetch(c),
        }
    }

    /// The counts re-binned, bin k going to bin ((first + k) >> by) − (first >> by).
    fn coarsened(&self, first: u64, by: u32) -> Self {
        fn coarsened<T: Bin>(c: &[T], first: u64, by: u32) -> Vec<T> {
            let start = first >> by;
            let mut out = vec![T::default(); ((first + c.len() as u64 - 1) >> by) as usize - start as usize + 1];
            for (k, &n) in c.iter().enumerate() {
                out[(((first + k as u64) >> by) - start) as usize] += n;
            }
            out
        }
        match self {
            Counts::Narrow(c) => Counts::Narrow(coarsened(c, first, by)),
            Counts::Wide(c) => Counts::Wide(coarsened(c, first, by)),
        }
    }
}

/// The distribution of one series on one day over runs: bin counts and exact sums.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuantileSketch {
    count: u64,
    sum: u128,
    /// Σv² as a 256-bit number: (high, low) 128-bit halves.
    sum_sq: (u128, u128),
    min: u64,
    max: u64,
    /// log₂ of the bin width.
    shift: u32,
    /// Index (value >> shift) of the bin `counts[0]` counts.
    first: u64,
    /// Counts of consecutive bins.
    counts: Counts,
}

impl QuantileSketch {
    /// Adds one value.
    pub fn insert(&mut self, v: u64) {
        self.insert_all(&[v]);
    }

    /// Adds every value of `values`, widening the window once for all of them.
    pub fn insert_all(&mut self, values: &[u64]) {
        let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) else { return };
        self.insert_within(values, lo, hi);
    }

    /// [`QuantileSketch::insert_all`] of a non-empty `values` whose least is `lo` and
    /// greatest `hi`.
    fn insert_within(&mut self, values: &[u64], lo: u64, hi: u64) {
        debug_assert_eq!((values.iter().min(), values.iter().max()), (Some(&lo), Some(&hi)));
        if self.count == 0 {
            (self.min, self.max) = (lo, hi);
            self.first = lo >> self.shift;
            self.counts.extend(0, 1);
            self.cover();
        } else if lo < self.min || hi > self.max {
            (self.min, self.max) = (self.min.min(lo), self.max.max(hi));
            self.cover();
        }
        self.counts.fit(self.count + values.len() as u64);
        // All equal (a target held, no armies yet, deployed at its target in every run): one
        // bin and the sums at once, exactly (n·v² < 2¹²⁸ for v < 2⁴⁸ and n < 2³²).
        if lo == hi && hi < 1 << 48 && values.len() < 1 << 32 {
            let n = values.len() as u64;
            self.counts.add(((lo >> self.shift) - self.first) as usize, n);
            self.count += n;
            self.sum += u128::from(lo) * u128::from(n);
            self.sum_sq = add_256(self.sum_sq, (0, u128::from(lo) * u128::from(lo) * u128::from(n)));
            return;
        }
        let (shift, first) = (self.shift, self.first);
        let (sum, sum_sq) = match &mut self.counts {
            Counts::Narrow(c) => add_values(c, values, shift, first, hi),
            Counts::Wide(c) => add_values(c, values, shift, first, hi),
        };
        self.count += values.len() as u64;
        self.sum += sum;
        self.sum_sq = add_256(self.sum_sq, sum_sq);
    }

    /// Coarsens the bins until `min..=max` fits in [`BINS`] of them, then widens the window
    /// to cover it.
    fn cover(&mut self) {
        let mut shift = self.shift;
        while (self.max >> shift) - (self.min >> shift) >= BINS {
            shift += 1;
        }
        self.coarsen(shift);
        let (lo, hi) = (self.min >> self.shift, self.max >> self.shift);
        let at = self.first.saturating_sub(lo) as usize;
        self.first = self.first.min(lo);
        self.counts.extend(at, (hi - self.first + 1) as usize);
    }

    /// Re-bins the counts at width 2^`shift` (≥ the current width).
    fn coarsen(&mut self, shift: u32) {
        let by = shift - self.shift;
        if by == 0 {
            return;
        }
        self.counts = self.counts.coarsened(self.first, by);
        self.shift = shift;
        self.first >>= by;
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &QuantileSketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let mut other = other.clone();
        let shift = self.shift.max(other.shift);
        self.coarsen(shift);
        other.coarsen(shift);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.cover();
        other.coarsen(self.shift);
        let start = (other.first - self.first) as usize;
        self.counts.fit(self.count + other.count);
        for (k, theirs) in other.counts.iter().enumerate() {
            self.counts.add(start + k, theirs);
        }
        self.count += other.count;
        self.sum += other.sum;
        self.sum_sq = add_256(self.sum_sq, other.sum_sq);
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `rank`-th smallest value (from 0), estimated: its bin's midpoint, clamped to
    /// the exact minimum and maximum (exact for bins of width 1).
    fn value_at_rank(&self, rank: u64) -> f64 {
        let mut seen = 0u64;
        for (k, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return self.bin_value(k);
            }
        }
        self.max as f64
    }

    /// The value bin `k` (of `counts`) stands for: its midpoint, clamped to the exact
    /// minimum and maximum.
    fn bin_value(&self, k: usize) -> f64 {
        let lo = (self.first + k as u64) << self.shift;
        let mid = lo as f64 + ((1u64 << self.shift) - 1) as f64 / 2.0;
        mid.clamp(self.min as f64, self.max as f64)
    }

    /// Where `x` falls among the values, from 0 to 1: the share below it plus half the
    /// share equal to it (the mid-distribution function of Parzen, 2004, "Quantile
    /// probability and statistical data modeling", *Statistical Science* 19, which puts an
    /// observation equal to every run at ½). A bin wider than 1 counts as spread evenly
    /// over its values. 0 for an empty sketch.
    pub fn mid_rank(&self, x: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let width = (1u64 << self.shift) as f64;
        let mut below = 0.0;
        for (k, c) in self.counts.iter().enumerate() {
            let lo = ((self.first + k as u64) << self.shift) as f64;
            // Values lo, lo + 1, …, lo + width − 1, each holding c/width of the bin: ⌈x − lo⌉
            // of them lie below x, and x itself is one of them when it is a whole number.
            let under = (x - lo).ceil().clamp(0.0, width);
            let equal = x.fract() == 0.0 && (lo..=lo + width - 1.0).contains(&x);
            below += c as f64 * (under + if equal { 0.5 } else { 0.0 }) / width;
        }
        (below / self.count as f64).clamp(0.0, 1.0)
    }

    /// Hyndman–Fan 7 percentile (`percent` from 0 to 100), within (max − min)/2047 of the
    /// exact value (module documentation).
    ///
    /// # Panics
    /// If the sketch is empty or `percent > 100`.
    pub fn percentile(&self, percent: u32) -> f64 {
        hyndman_fan(self.count as usize, percent, |r| self.value_at_rank(r as u64))
    }

    /// Mean, its standard error and the percentiles of [`crate::percentile::BAND_PERCENTS`]. The mean is the
    /// exact integer sum divided once; the variance is (Σv² − (Σv)²/n)/(n − 1) from exact
    /// integer sums, evaluated in floating point (0 when all values are equal).
    ///
    /// # Panics
    /// If the sketch is empty.
    pub fn band(&self) -> Band {
        let n = self.count as f64;
        let mean = self.sum as f64 / n;
        let se = if self.count < 2 || self.min == self.max {
            0.0
        } else {
            let sum_sq = self.sum_sq.0 as f64 * 2f64.powi(128) + self.sum_sq.1 as f64;
            let sum = self.sum as f64;
            ((sum_sq - sum * sum / n).max(0.0) / (n - 1.0) / n).sqrt()
        };
        // Every rank the band's percentiles read, found in one pass over the bins (each
        // percentile alone would scan them from the start).
        let count = self.count as usize;
        let mut ranks: Vec<u64> = Vec::with_capacity(2 * BAND_PERCENTS.len());
        for p in BAND_PERCENTS {
            let (lo, fraction) = hyndman_fan_position(count, p);
            ranks.push(lo as u64);
            if fraction > 0.0 {
                ranks.push(lo as u64 + 1);
            }
        }
        ranks.sort_unstable();
        ranks.dedup();
        let values = self.values_at_ranks(&ranks);
        let value_at = |r: usize| values[ranks.binary_search(&(r as u64)).expect("a rank read above")];
        Band::from_percentiles(mean, se, |p| hyndman_fan(count, p, value_at))
    }

    /// [`QuantileSketch::value_at_rank`] of each of `ranks` (ascending), in one pass.
    fn values_at_ranks(&self, ranks: &[u64]) -> Vec<f64> {
        /// The bin holding each rank (the first whose cumulative count exceeds it), as far
        /// as the bins reach.
        fn bins_of<T: Bin>(counts: &[T], ranks: &[u64]) -> Vec<usize> {
            let (mut bins, mut seen, mut k) = (Vec::with_capacity(ranks.len()), 0u64, 0);
            for &rank in ranks {
                // Eight bins at a time while they all lie at or below the rank, then one by one.
                while let Some(eight) = counts.get(k..k + 8) {
                    let sum: u64 = eight.iter().map(|&c| c.into()).sum();
                    if seen + sum > rank {
                        break;
                    }
                    seen += sum;
                    k += 8;
                }
                while seen <= rank && k < counts.len() {
                    seen += counts[k].into();
                    k += 1;
                }
                if seen <= rank {
                    break;
                }
                bins.push(k - 1);
            }
            bins
        }
        let bins = match &self.counts {
            Counts::Narrow(c) => bins_of(c, ranks),
            Counts::Wide(c) => bins_of(c, ranks),
        };
        let mut values: Vec<f64> = bins.into_iter().map(|k| self.bin_value(k)).collect();
        values.resize(ranks.len(), self.max as f64);
        values
    }

    /// Appends the sketch as u64 words: count, min, max, shift, first bin, bins, the sums
    /// as 128-bit halves, then the bin counts two to a word (see
    /// [`QuantileSketch::read_words`]).
    pub fn write_words(&self, out: &mut Vec<u64>) {
        let halves = |x: u128| [x as u64, (x >> 64) as u64];
        out.extend([self.count, self.min, self.max, u64::from(self.shift), self.first, self.counts.len() as u64]);
        out.extend(halves(self.sum));
        out.extend(halves(self.sum_sq.0));
        out.extend(halves(self.sum_sq.1));
        // Two counts to a word, the first in the low half.
        let mut counts = self.counts.iter();
        while let Some(low) = counts.next() {
            out.push(low | counts.next().unwrap_or(0) << 32);
        }
    }

    /// Reads a sketch written by [`QuantileSketch::write_words`] from the front of `words`,
    /// returning it and the words left; `None` if they do not hold a consistent sketch.
    pub fn read_words(words: &[u64]) -> Option<(QuantileSketch, &[u64])> {
        let (head, rest) = words.split_at_checked(12)?;
        let len = usize::try_from(head[5]).ok().filter(|&l| l as u64 <= BINS)?;
        let (packed, rest) = rest.split_at_checked(len.div_ceil(2))?;
        let counts: Vec<u32> = packed.iter().flat_map(|&w| [w as u32, (w >> 32) as u32]).take(len).collect();
        let total = counts.iter().map(|&c| u64::from(c)).sum::<u64>();
        // An odd count leaves the last word's high half empty.
        if len % 2 == 1 && packed.last().is_some_and(|&w| w >> 32 != 0) {
            return None;
        }
        let whole = |lo: u64, hi: u64| u128::from(lo) | (u128::from(hi) << 64);
        let sketch = QuantileSketch {
            count: head[0],
            min: head[1],
            max: head[2],
            shift: u32::try_from(head[3]).ok().filter(|&s| s < 64)?,
            first: head[4],
            sum: whole(head[6], head[7]),
            sum_sq: (whole(head[8], head[9]), whole(head[10], head[11])),
            counts: Counts::from_wide(counts, head[0]),
        };
        let s = &sketch;
        let consistent = total == s.count
            && (s.count == 0
                || (s.min <= s.max
                    && s.first == s.min >> s.shift
                    && s.first.checked_add(s.counts.len() as u64 - 1) == Some(s.max >> s.shift)));
        consistent.then_some((sketch, rest))
    }
}

/// Adds `values` (the largest `hi`) to the bins `counts` of width 2^`shift` starting at bin
/// `first`, returning their sum and the sum of their squares as 256-bit (high, low) halves.
#[inline]
fn add_values<T: Bin>(counts: &mut [T], values: &[u64], shift: u32, first: u64, hi: u64) -> (u128, (u128, u128)) {
    // Below 2³² (every count of persons in practice) a square fits 64 bits and a block's
    // sums cannot overflow their accumulators: plain adds, no carries.
    if hi < 1 << 32 && values.len() < 1 << 32 {
        let (mut sum, mut sq) = (0u64, 0u128);
        for &v in values {
            counts[((v >> shift) - first) as usize] += T::ONE;
            sum += v;
            sq += u128::from(v * v);
        }
        return (u128::from(sum), (0, sq));
    }
    // Sums in locals, so the loop does not store them back on every value.
    let (mut sum, mut sq_high, mut sq_low) = (0u128, 0u128, 0u128);
    for &v in values {
        counts[((v >> shift) - first) as usize] += T::ONE;
        sum += u128::from(v);
        let (low, carry) = sq_low.overflowing_add(u128::from(v) * u128::from(v));
        sq_low = low;
        sq_high += u128::from(carry);
    }
    (sum, (sq_high, sq_low))
}

/// The sum of two 256-bit numbers held as (high, low) 128-bit halves.
fn add_256(a: (u128, u128), b: (u128, u128)) -> (u128, u128) {
    let (low, carry) = a.1.overflowing_add(b.1);
    (a.0 + b.0 + u128::from(carry), low)
}

/// A sketch of every series on every day: `[day][series]`, the [`SERIES`] in their order,
/// then strength by source (see [`crate::scenario::Scenario::sources`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyStats {
    days: u32,
    /// Series a day.
    width: usize,
    sketches: Vec<QuantileSketch>,
}

impl DailyStats {
    /// No runs yet, over `days` days, of the [`SERIES`] and `sources` sources.
    pub fn new(days: u32, sources: usize) -> Self {
        let width = SERIES.len() + sources;
        Self { days, width, sketches: vec![QuantileSketch::default(); days as usize * width] }
    }

    /// The most memory the statistics of `days` days and `width` series a day can take,
    /// whatever the runs: per day and series a sketch and its counts, whose vector holds
    /// at most [`BINS`] counts but may have grown its capacity to twice that.
    pub const fn max_bytes(days: u32, width: usize) -> u64 {
        let sketch = std::mem::size_of::<QuantileSketch>() as u64 + 2 * BINS * 4;
        days as u64 * width as u64 * sketch
    }

    /// Series a day: the [`SERIES`], then one per source.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The memory these statistics take now (their sketches and the counts' capacity).
    pub fn bytes(&self) -> u64 {
        let counts: usize = self.sketches.iter().map(|s| s.counts.capacity_bytes()).sum();
        (self.sketches.len() * std::mem::size_of::<QuantileSketch>() + counts) as u64
    }

    /// Days covered.
    pub fn days(&self) -> u32 {
        self.days
    }

    /// Adds the runs of a block of values (of four or eight bytes) laid out
    /// `[run][day][series]`, each run's days and series contiguous as the run wrote them:
    /// a day's values of every run are gathered, then each series' go into its sketch
    /// together.
    ///
    /// # Panics
    /// If the block is not a whole number of runs' days × series.
    pub fn record_block<V: Copy + Into<u64>>(&mut self, block: &[V]) {
        self.record_block_from(block, self.days, 0);
    }

    /// [`DailyStats::record_block`] for a block of `block_days` days a run, of which these
    /// statistics take the days from `first_day` on (as many as they cover).
    fn record_block_from<V: Copy + Into<u64>>(&mut self, block: &[V], block_days: u32, first_day: u32) {
        let per_run = block_days as usize * self.width;
        assert!(per_run > 0 && block.len().is_multiple_of(per_run), "a block of whole runs' daily values");
        assert!(first_day + self.days <= block_days, "days within the block");
        let runs = block.len() / per_run;
        if runs == 0 {
            return;
        }
        let width = self.width;
        // Every sketch's bins are out of cache when a task comes to them (the workload's
        // take up to 35 MB), and a day's row of each run is a run's block apart; so the
        // next sketch's bins and the next day's rows (a share with each series) are asked
        // for ahead, and the adds wait on no miss in turn: a fifth off the time (`cargo
        // bench --bench engine daily_stats_block`).
        let mut values = vec![0u64; runs];
        for day in 0..self.days as usize {
            let at = (first_day as usize + day) * width;
            let next_day_ahead = day + 1 < self.days as usize;
            for series in 0..width {
                let k = day * width + series;
                if let Some(next) = self.sketches.get(k + 1) {
                    next.counts.prefetch();
                }
                if next_day_ahead {
                    for run in block.chunks_exact(per_run).skip(series).step_by(width) {
                        crate::limits::prefetch(&run[at + width]);
                    }
                }
                // Gathered with their least and greatest in the same pass.
                let (mut lo, mut hi) = (u64::MAX, 0);
                for (v, run) in values.iter_mut().zip(block.chunks_exact(per_run)) {
                    *v = run[at + series].into();
                    (lo, hi) = (lo.min(*v), hi.max(*v));
                }
                self.sketches[k].insert_within(&values, lo, hi);
            }
        }
    }

    /// Whether every sketch holds exactly `runs` values (a check on statistics read back).
    pub fn holds_runs(&self, runs: u64) -> bool {
        self.sketches.iter().all(|s| s.count == runs)
    }

    /// The sketch of `series` (index into [`SERIES`], then sources) on `day`.
    pub fn sketch(&self, day: u32, series: usize) -> &QuantileSketch {
        &self.sketches[day as usize * self.width + series]
    }

    /// Adds every run of `other` (over the same days).
    ///
    /// # Panics
    /// If the days differ.
    pub fn merge(&mut self, other: &DailyStats) {
        assert_eq!((self.days, self.width), (other.days, other.width), "merging statistics of different shapes");
        for (mine, theirs) in self.sketches.iter_mut().zip(&other.sketches) {
            mine.merge(theirs);
        }
    }

    /// The band of every one of the [`SERIES`] on every day: `[day][series]`.
    pub fn bands(&self) -> Vec<[Band; SERIES.len()]> {
        use rayon::prelude::*;
        self.sketches.par_chunks(self.width).map(|day| std::array::from_fn(|series| day[series].band())).collect()
    }

    /// The band of strength by source on every day: `[day][source]`.
    pub fn source_bands(&self) -> Vec<Vec<Band>> {
        use rayon::prelude::*;
        self.sketches
            .par_chunks(self.width)
            .map(|day| day[SERIES.len()..].iter().map(QuantileSketch::band).collect())
            .collect()
    }

    /// Appends every sketch as u64 words.
    pub fn write_words(&self, out: &mut Vec<u64>) {
        out.push(u64::from(self.days));
        out.push(self.width as u64);
        for s in &self.sketches {
            s.write_words(out);
        }
    }

    /// Reads statistics written by [`DailyStats::write_words`]; `None` if damaged.
    pub fn read_words(words: &[u64]) -> Option<(DailyStats, &[u64])> {
        let (&days, rest) = words.split_first()?;
        let days = u32::try_from(days).ok()?;
        let (&width, mut rest) = rest.split_first()?;
        let width = usize::try_from(width).ok().filter(|w| *w >= SERIES.len())?;
        let cells = (days as usize).checked_mul(width)?;
        let mut sketches = Vec::with_capacity(cells.min(rest.len()));
        for _ in 0..cells {
            let (s, r) = QuantileSketch::read_words(rest)?;
            sketches.push(s);
            rest = r;
        }
        Some((DailyStats { days, width, sketches }, rest))
    }
}

/// One set of daily statistics that every worker thread adds its blocks to, where each
/// would otherwise keep a set of its own: the days in consecutive spans, each behind a lock,
/// so threads add to different spans side by side. Sketches hold integers, so the result
/// does not depend on which thread added what, or when.
pub struct SharedDailyStats {
    days: u32,
    sources: usize,
    /// Spans of days, in order, each with the day it starts on.
    spans: Vec<(u32, std::sync::Mutex<DailyStats>)>,
}

impl SharedDailyStats {
    /// Spans of days locked one at a time: enough that two threads rarely meet, few enough
    /// that a block takes few locks.
    const SPANS: u32 = 32;

    /// No runs yet, over `days` days, of the [`SERIES`] and `sources` sources.
    pub fn new(days: u32, sources: usize) -> Self {
        let span = days.div_ceil(Self::SPANS).max(1);
        let spans = (0..days)
            .step_by(span as usize)
            .map(|first| (first, std::sync::Mutex::new(DailyStats::new(span.min(days - first), sources))))
            .collect();
        Self { days, sources, spans }
    }

    /// Adds the runs of a block laid out as for [`DailyStats::record_block`], starting at
    /// the span `start` (out of [`SharedDailyStats::spans`]) and going round, taking first
    /// the spans no other thread holds, so that threads starting apart rarely wait.
    pub fn record_block<V: Copy + Into<u64> + Sync>(&self, block: &[V], start: usize) {
        let count = self.spans.len();
        let mut pending: Vec<usize> = (0..count).map(|i| (start + i) % count).collect();
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|&i| {
                let (first, span) = &self.spans[i];
                match span.try_lock() {
                    Ok(mut stats) => {
                        stats.record_block_from(block, self.days, *first);
                        false
                    }
                    Err(std::sync::TryLockError::WouldBlock) => true,
                    Err(std::sync::TryLockError::Poisoned(_)) => panic!("a worker panicked"),
                }
            });
            if pending.len() == before {
                // Every span left is busy: wait for the first.
                let (first, span) = &self.spans[pending.remove(0)];
                span.lock().expect("no worker panics").record_block_from(block, self.days, *first);
            }
        }
    }

    /// Spans of days, each locked on its own.
    pub fn spans(&self) -> usize {
        self.spans.len()
    }

    /// The statistics of every day, in one set.
    pub fn into_stats(self) -> DailyStats {
        let mut spans = self.spans.into_iter().map(|(_, s)| s.into_inner().expect("no worker panics"));
        let mut all = spans.next().unwrap_or_else(|| DailyStats::new(0, self.sources));
        for span in spans {
            all.days += span.days;
            all.sketches.extend(span.sketches);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_on_both_sides_of_two_to_the_thirty_two() {
        // The block loop below 2³² adds squares in 64 bits; above, with carries. Either way
        // the sums are those of the values, to the bit.
        let mut rng = crate::random::named_stream(8, 0, "sums");
        for scale in [1u64 << 20, (1 << 32) - 1, 1 << 40] {
            let values: Vec<u64> = (0..640).map(|_| rand::Rng::next_u64(&mut rng) % scale).collect();
            let mut sketch = QuantileSketch::default();
            for block in values.chunks(64) {
                sketch.insert_all(block);
            }
            let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
            let squares: u128 = values.iter().map(|&v| u128::from(v) * u128::from(v)).sum();
            assert_eq!((sketch.sum, sketch.sum_sq), (sum, (0, squares)), "values below {scale}");
        }
    }

    #[test]
    fn a_block_of_equal_values_is_the_same_as_one_at_a_time() {
        for v in [0u64, 7, 420_000, (1 << 48) - 1, 1 << 48, u64::MAX] {
            let (mut block, mut single) = (QuantileSketch::default(), QuantileSketch::default());
            block.insert_all(&[3, 900]);
            single.insert_all(&[3, 900]);
            block.insert_all(&[v; 64]);
            for _ in 0..64 {
                single.insert(v);
            }
            assert_eq!(block, single, "{v}");
        }
    }

    #[test]
    fn counts_widen_past_two_bytes_whatever_the_order() {
        // 70,000 values in one bin would wrap two-byte counts at 65,536: each way of
        // adding them (one block, blocks crossing the limit, halves merged, one at a time
        // across it) must give the same sketch, four-byte from 65,536 values on and two
        // before, and the shard words must read back to it.
        let mut values = vec![5u64; 70_000];
        values.extend([3, 9, 1_000]);
        let mut whole = QuantileSketch::default();
        whole.insert_all(&values);
        assert!(matches!(whole.counts, Counts::Wide(_)));
        assert_eq!(whole.counts.iter().sum::<u64>(), 70_003);
        assert_eq!(whole.count(), 70_003);
        assert_eq!(whole.percentile(50), 5.0);
        let mut blocks = QuantileSketch::default();
        for chunk in values.chunks(30_001) {
            blocks.insert_all(chunk);
        }
        let (mut first, second) = (sketch_of(&values[..40_000]), sketch_of(&values[40_000..]));
        assert!(matches!(first.counts, Counts::Narrow(_)) && matches!(second.counts, Counts::Narrow(_)));
        first.merge(&second);
        let mut singly = sketch_of(&values[..65_530]);
        for &v in &values[65_530..] {
            singly.insert(v);
        }
        assert_eq!((&blocks, &first, &singly), (&whole, &whole, &whole));
        let mut words = Vec::new();
        whole.write_words(&mut words);
        assert_eq!(QuantileSketch::read_words(&words).map(|(s, _)| s), Some(whole));
        // At exactly 65,535 values the counts stay two-byte, and read back so.
        let limit = sketch_of(&values[..65_535]);
        assert!(matches!(limit.counts, Counts::Narrow(_)));
        let mut words = Vec::new();
        limit.write_words(&mut words);
        assert_eq!(QuantileSketch::read_words(&words).map(|(s, _)| s), Some(limit));
    }

    #[test]
    fn statistics_never_take_more_than_their_stated_bound() {
        // Values spread over 10⁹ force every sketch to its full 2,048 bins, inserted a few
        // at a time so the counts' vectors grow step by step.
        let days = 3;
        let mut stats = DailyStats::new(days, 2);
        let mut rng = crate::random::named_stream(4, 0, "bound");
        let cells = days as usize * stats.width();
        for _ in 0..300 {
            let block: Vec<u64> = (0..cells * 4).map(|_| rand::Rng::next_u64(&mut rng) % 1_000_000_000).collect();
            stats.record_block(&block);
        }
        let full = stats.sketches.iter().filter(|s| s.counts.len() as u64 > BINS / 2).count();
        assert!(full > 0, "the sketches must have widened");
        let bound = DailyStats::max_bytes(days, stats.width());
        assert!(stats.bytes() <= bound, "{} > {bound}", stats.bytes());
    }

    use crate::percentile::percentile_sorted;
    use crate::random::{named_stream, open_uniform};

    /// The bound of the module documentation: (max − min)/2047, plus rounding of the
    /// floating-point interpolation.
    fn assert_within_bound(values: &[u64], sketch: &QuantileSketch, what: &str) {
        let mut sorted: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let range = sorted[sorted.len() - 1] - sorted[0];
        let bound = range / (BINS - 1) as f64 + 1e-9 * sorted[sorted.len() - 1];
        for percent in [0, 1, 5, 25, 50, 75, 95, 99, 100] {
            let exact = percentile_sorted(&sorted, percent);
            let got = sketch.percentile(percent);
            assert!((got - exact).abs() <= bound, "{what}, p{percent}: {got} vs exact {exact}, bound {bound}");
        }
    }

    fn sketch_of(values: &[u64]) -> QuantileSketch {
        let mut s = QuantileSketch::default();
        values.iter().for_each(|&v| s.insert(v));
        s
    }

    #[test]
    fn percentiles_are_within_the_documented_bound_of_the_exact_ones() {
        let mut rng = named_stream(5, 0, "sketch");
        // Each shape maps two uniforms to a value.
        type Shape = fn(f64, f64) -> u64;
        let shapes: [(&str, Shape); 6] = [
            ("a narrow band near 420,000", |u, _| 419_000 + (u * 1_000.0) as u64),
            ("normal, mean 500,000, sd 40,000", |u, _| {
                (500_000.0 + 40_000.0 * crate::distribution::special::standard_normal_quantile(u)) as u64
            }),
            ("log-uniform over six decades", |u, _| libm::pow(10f64, 6.0 * u) as u64),
            ("heavy tail: 1/u²", |u, _| (1.0 / (u * u)).min(1e15) as u64),
            ("mostly 0, some large", |u, v| if u < 0.7 { 0 } else { (v * 50_000.0) as u64 }),
            ("the full 64-bit range", |u, _| (u * u64::MAX as f64) as u64),
        ];
        for (what, shape) in shapes {
            for n in [1, 2, 10, 1_000, 100_000] {
                let values: Vec<u64> = (0..n).map(|_| shape(open_uniform(&mut rng), open_uniform(&mut rng))).collect();
                assert_within_bound(&values, &sketch_of(&values), &format!("{what}, {n} values"));
            }
        }
    }

    #[test]
    fn small_ranges_and_equal_values_are_exact() {
        for values in
            [vec![100_000u64; 201], (0..2_000).collect(), (419_000..421_000).rev().collect(), vec![u64::MAX; 3]]
        {
            let mut sorted: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            sorted.sort_unstable_by(f64::total_cmp);
            let s = sketch_of(&values);
            for percent in [0, 5, 25, 50, 75, 95, 100] {
                assert_eq!(s.percentile(percent), percentile_sorted(&sorted, percent), "p{percent}");
            }
        }
    }

    #[test]
    fn a_band_reads_its_percentiles_in_one_pass_as_one_at_a_time() {
        let mut rng = named_stream(9, 0, "band");
        let mut draw = move || rand::Rng::next_u64(&mut rng);
        // 70,000 values: four-byte bins.
        for n in [1usize, 2, 3, 7, 20, 101, 1000, 5000, 70_000] {
            for spread in [1u64, 10, 3000, 1 << 30] {
                let values: Vec<u64> = (0..n).map(|_| 1000 + draw() % spread).collect();
                let sketch = sketch_of(&values);
                let one_at_a_time = BAND_PERCENTS.map(|p| sketch.percentile(p));
                assert_eq!(sketch.band().percentiles(), one_at_a_time, "{n} values over {spread}");
            }
        }
    }

    #[test]
    fn shared_statistics_equal_one_set_whatever_the_threads_and_spans() {
        // 77 days: spans of 3 days, the last of 2; blocks of 5 runs, 2 sources.
        let (days, sources) = (77u32, 2);
        let width = SERIES.len() + sources;
        let mut rng = named_stream(8, 0, "shared");
        let mut draw = move || rand::Rng::next_u64(&mut rng);
        // Values of every magnitude up to 2⁴⁰, so that sketches widen.
        let blocks: Vec<Vec<u64>> =
            (0..12).map(|_| (0..5 * days as usize * width).map(|_| draw() % (1 << (draw() % 40))).collect()).collect();
        let mut one = DailyStats::new(days, sources);
        for block in &blocks {
            one.record_block(block);
        }
        let shared = SharedDailyStats::new(days, sources);
        assert_eq!(shared.spans(), 26);
        std::thread::scope(|scope| {
            for (worker, half) in blocks.chunks(6).enumerate() {
                let shared = &shared;
                scope.spawn(move || {
                    for block in half {
                        shared.record_block(block, worker * 13);
                    }
                });
            }
        });
        assert_eq!(shared.into_stats(), one);
        assert_eq!(SharedDailyStats::new(1, sources).into_stats(), DailyStats::new(1, sources));
    }

    #[test]
    fn merging_is_exact_and_independent_of_how_values_are_split() {
        let mut rng = named_stream(6, 0, "sketch");
        let values: Vec<u64> = (0..20_000).map(|_| (1e6 * open_uniform(&mut rng).powi(3)) as u64).collect();
        let whole = sketch_of(&values);
        for parts in [2, 3, 7, 64] {
            // Split unevenly and merge in reverse order.
            let cuts: Vec<usize> = (0..=parts).map(|k| values.len() * k * k / (parts * parts)).collect();
            let mut merged = QuantileSketch::default();
            for w in cuts.windows(2).rev() {
                merged.merge(&sketch_of(&values[w[0]..w[1]]));
            }
            assert_eq!(merged, whole, "{parts} parts");
        }
        // Batches of any size give the same sketch as values one at a time.
        for batch in [1, 5, 64, 20_000] {
            let mut batched = QuantileSketch::default();
            values.chunks(batch).for_each(|c| batched.insert_all(c));
            assert_eq!(batched, whole, "batches of {batch}");
        }
        // A narrow sketch merged into a wide one and the other way round.
        let (narrow, wide) = (sketch_of(&[5, 6, 7]), sketch_of(&[0, 10_000_000]));
        let mut a = narrow.clone();
        a.merge(&wide);
        let mut b = wide.clone();
        b.merge(&narrow);
        assert_eq!((a.clone(), a), (b, sketch_of(&[5, 6, 7, 0, 10_000_000])));
    }

    #[test]
    fn means_and_standard_errors_come_from_exact_sums() {
        let s = sketch_of(&[1, 2, 3, 4]);
        let b = s.band();
        assert_eq!(b.mean, 2.5);
        // s = √(5/3), se = s/2.
        assert!((b.se - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15, "{}", b.se);
        // Squares past 2¹²⁸ carry into the high half.
        let big = sketch_of(&[u64::MAX, u64::MAX, u64::MAX - 2]);
        assert_eq!(big.sum_sq.0, 2, "{:?}", big.sum_sq);
    }

    #[test]
    fn serialised_sketches_read_back_equal_and_damage_is_caught() {
        // Bin windows of odd and even length (counts are packed two to a word), and a
        // coarsened one.
        for values in [vec![0, 1, 2, 2], vec![7, 8, 9, 10, 10], vec![0, 5, 1_000_000, u64::MAX, 77_777]] {
            let s = sketch_of(&values);
            let mut words = Vec::new();
            s.write_words(&mut words);
            words.push(42); // what follows is left alone
            let (back, rest) = QuantileSketch::read_words(&words).expect("reads");
            assert_eq!((back, rest), (s, &[42][..]));
            words[0] += 1; // the count no longer matches the bins
            assert!(QuantileSketch::read_words(&words).is_none());
            assert!(QuantileSketch::read_words(&words[..5]).is_none());
        }
    }
}
