//! One run of MODEL.md's day: the inputs as drawn for the run, each flow's state, and the
//! ledger, stepped a day at a time.

use crate::delay::{DelayKernel, DelayLine};
use crate::ledger::{Armies, EndState, Ledger, RunOutcome};
use crate::limits::{MAX_COUNT, count_as_f64, floor_as_count};
use crate::random::{StreamRng, named_stream};
use crate::scenario::{AttritionRate, InputId, Intake, Scenario, Trigger, WaveStart};

use super::composition::Composition;
use super::sampling::{DailyCount, binomial, poisson};
use super::ziggurat::standard_normal;
use super::{DAYS_PER_MONTH, DAYS_PER_YEAR};

/// A rate schedule with its values drawn for one run, read day by day in order.
struct StepRate {
    steps: Vec<(i64, f64)>,
    next: usize,
    current: f64,
}

impl StepRate {
    fn new(schedule: &crate::scenario::Schedule, values: &[f64]) -> Self {
        let steps = schedule.steps.iter().map(|(day, id)| (*day, values[id.index()])).collect();
        Self { steps, next: 0, current: 0.0 }
    }

    /// The rate on `day`; days must be asked for in increasing order.
    fn at(&mut self, day: i64) -> f64 {
        while self.next < self.steps.len() && self.steps[self.next].0 <= day {
            self.current = self.steps[self.next].1;
            self.next += 1;
        }
        self.current
    }
}

/// A drifting rate's multiplier exp(x_t − sd²/2), with x a stationary AR(1) process:
/// x_0 ~ N(0, sd²), x_{t+1} = φ x_t + sd √(1 − φ²) ε_t, φ = exp(−1/days), so every x_t
/// has variance sd², lag-h correlation φ^h, and the multiplier has mean 1.
struct DriftState {
    sd: f64,
    phi: f64,
    innovation: f64,
    x: f64,
    rng: StreamRng,
}

impl DriftState {
    fn new(sd: f64, days: f64, mut rng: StreamRng) -> Self {
        let phi = libm::exp(-1.0 / days);
        let x = sd * standard_normal(&mut rng);
        Self { sd, phi, innovation: sd * (1.0 - phi * phi).sqrt(), x, rng }
    }

    /// Today's multiplier; then one step forward.
    fn next(&mut self) -> f64 {
        let multiplier = libm::exp(self.x - self.sd * self.sd / 2.0);
        self.x = self.phi * self.x + self.innovation * standard_normal(&mut self.rng);
        multiplier
    }
}

/// How a recruitment stream's daily intake is drawn in one run.
enum IntakeDraw {
    /// A rate, Poisson or negative binomial, perhaps drifting.
    Rate { daily: StepRate, count: DailyCount, drift: Option<DriftState> },
    /// A finite pool of which a fraction signs each day.
    Pool { remaining: u64, uptake: f64 },
}

/// `[attrition]` in one run: its drawn rate, split and noise, and the wounded in recovery.
struct AttritionDraw<'s> {
    rate: StepRate,
    per_1000: bool,
    count: DailyCount,
    /// Shares killed, wounded and missing, summing to 1.
    split: [f64; 3],
    return_to_duty: f64,
    rng: StreamRng,
    drift: Option<DriftState>,
    /// Wounded who will return, arriving over the recovery delay.
    recovery: DelayLine<'s>,
}

/// A `[[loss]]` in one run: the daily probability of its annual rate, and its noise.
struct LossDraw {
    daily: f64,
    rng: StreamRng,
}

/// A `[[recruitment]]` stream in one run (its pipeline is among [`Run`]'s `pipes`).
struct StreamDraw {
    intake: IntakeDraw,
    /// Signing bonus per recruit.
    bonus: f64,
}

/// A `[[mobilization]]` wave in one run (its pipeline is among [`Run`]'s `pipes`).
struct WaveDraw {
    size: u64,
    compliance: f64,
    /// The days its call-ups started (a dated wave's from the outset).
    starts: Vec<u32>,
    /// Days in a row, up to yesterday, on which a trigger's condition held at the day's end.
    held: u32,
}

/// A source of recruits, recruitment stream or mobilization wave, in one run.
struct Pipeline<'s> {
    /// People in training, arriving over the training delay.
    training: DelayLine<'s>,
    term_days: Option<u32>,
    renewal: f64,
    /// Per day: arrivals and renewals whose term starts that day (only with a term).
    arrived: Vec<u64>,
    renewed: Vec<u64>,
    /// The flow's daily noise.
    rng: StreamRng,
}

impl<'s> Pipeline<'s> {
    fn new(training: &'s DelayKernel, term_days: Option<u32>, renewal: f64, days: usize, rng: StreamRng) -> Self {
        let term_len = if term_days.is_some() { days } else { 0 };
        Self {
            training: DelayLine::new(training, days),
            term_days,
            renewal,
            arrived: vec![0; term_len],
            renewed: vec![0; term_len],
            rng,
        }
    }

    /// Puts `n` people signed up on `day` into training.
    fn enrol(&mut self, day: usize, n: u64) {
        self.training.enter(day, n);
    }
}

/// The force's realised survival S(t) = Π_{d ≤ t} (1 − lost_d / exposed_d), kept as a
/// running product: a multiplication a day and a division per ratio, where logarithms
/// would cost a `ln` a day and an `exp` per ratio. Whenever S falls below 2⁻⁵⁰⁰ it is
/// multiplied by 2⁵⁰⁰ (exact, a power of two) and its epoch counts up, so it never
/// underflows (every stored value lies in [2⁻⁵⁰⁰, 1]); a ratio spanning one epoch is
/// scaled back by 2⁻⁵⁰⁰, and one spanning more is at most 2⁻⁵⁰⁰, which rounds any cohort
/// to nobody.
struct Survival {
    /// S after each day, scaled by 2^(500·epoch).
    product: Vec<f64>,
    epoch: Vec<u32>,
}

impl Survival {
    /// 2⁵⁰⁰, built from its bits: exponent 500, mantissa 1.
    const RESCALE: f64 = f64::from_bits((1023 + 500) << 52);

    fn new(days: usize) -> Self {
        Self { product: vec![1.0; days], epoch: vec![0; days] }
    }

    /// Day `t`'s share of the exposed who survived. A day that takes everyone counts as
    /// 10⁻³⁰, not 0, so that later ratios stay defined; it still rounds any cohort to zero.
    fn record(&mut self, t: usize, survived: f64) {
        let (before, epoch) = if t > 0 { (self.product[t - 1], self.epoch[t - 1]) } else { (1.0, 0) };
        let now = before * survived.max(1e-30);
        (self.product[t], self.epoch[t]) =
            if now < 1.0 / Self::RESCALE { (now * Self::RESCALE, epoch + 1) } else { (now, epoch) };
    }

    /// S(t)/S(after): survival from the end of day `after` (None: from the start) to the
    /// end of day `t ≥ after`.
    #[inline(always)]
    fn ratio(&self, t: usize, after: Option<usize>) -> f64 {
        let (before, epoch) = after.map_or((1.0, 0), |a| (self.product[a], self.epoch[a]));
        match self.epoch[t] - epoch {
            0 => self.product[t] / before,
            1 => self.product[t] / before / Self::RESCALE,
            _ => 0.0,
        }
    }
}

/// Whether a triggered wave starts on day `t`: not before `not_before`, its condition held
/// at the end of each of the `for_days` days up to yesterday, and it has not started yet
/// (or, with `repeat_after`, last started that many days ago or more).
fn fires(trigger: &Trigger, wave: &WaveDraw, t: u32) -> bool {
    let again = match (wave.starts.last(), trigger.repeat_after) {
        (None, _) => true,
        (Some(&last), Some(after)) => t >= last.saturating_add(after),
        (Some(_), None) => false,
    };
    again && t >= trigger.not_before && wave.held >= trigger.for_days
}

/// The part of a cohort of `n` still serving at realised survival `share`.
fn surviving(n: u64, share: f64) -> u64 {
    // ⌊x + ½⌋ is round(x) for x ≥ 0, without a call into libm (baseline x86-64 has no
    // rounding instruction, and this runs twice per flow and day); conversions through i64.
    floor_as_count(count_as_f64(n) * share + 0.5).min(n)
}

/// Counts from a drawn size: rounded, never negative, at most [`MAX_COUNT`].
fn whole(x: f64) -> u64 {
    x.round().clamp(0.0, MAX_COUNT) as u64
}

/// One run in progress: its inputs as drawn, the state of every flow, and its ledger.
///
/// A day ([`Run::step_all`]) follows MODEL.md: 1 intake, 2 arrivals, 3 combat casualties
/// from `deployed`, 4 non-combat hazards from `strength`, 5 term expiries, 6 record.
///
/// Term expiries follow each cohort's survivors without tracking individuals: everyone on
/// strength faces the same losses, so of a cohort of n that started its term on day a,
/// round(n · S(t)/S(a)) are still serving on day t, where S is the running product of the
/// force's *realised* daily survival (1 − lost/exposed). The randomness of the losses is
/// already in S; only which individuals of the force were hit (a hypergeometric split) is
/// left out. That is exact when the cohort is the whole force and unbiased otherwise; a
/// binomial draw on top of S would add noise twice and, clamped to strength, bias
/// expiries down.
pub struct Run<'s> {
    scenario: &'s Scenario,
    attrition: Option<AttritionDraw<'s>>,
    losses: Vec<LossDraw>,
    streams: Vec<StreamDraw>,
    waves: Vec<WaveDraw>,
    /// The pipeline of every source after the initial force, in source order: each
    /// stream's, then each wave's (one vector, so the steps that treat all alike take
    /// them in one loop).
    pipes: Vec<Pipeline<'s>>,
    /// Pay per person and day.
    daily_pay: f64,
    /// The goal's size as drawn (what `formation` must reach).
    new_army: Option<f64>,
    /// The same as a whole number of persons: the people an army takes.
    army_size: Option<u64>,
    ledger: Ledger,
    /// S after each day's losses (see above).
    survival: Survival,
    cost: f64,
    day_reached: Option<u32>,
    /// The goal's armies so far (formed, or reached without `deploy`).
    armies: Armies,
    /// Strength by source.
    composition: Composition,
    /// Within a day ([`Run::step_all`]): the strength exposed to its losses and the
    /// wounded back from recovery (step 2), its combat and non-combat losses (steps 3–4),
    /// and the wounded among them who will return (step 3).
    exposed: u64,
    back: u64,
    lost: u64,
    returning: u64,
}

impl<'s> Run<'s> {
    /// Run `run` of `scenario` with its input values (one per [`Scenario::inputs`]), before
    /// day 0.
    pub fn new(scenario: &'s Scenario, run: u64, values: &[f64]) -> Self {
        let s = scenario;
        let days = s.days as usize;
        let value = |id: InputId| values[id.index()];
        // Each flow draws its daily noise from a stream of its own (see `named_stream`).
        let noise = |flow: &str| named_stream(s.seed, run, &format!("noise:{flow}"));

        let initial = whole(value(s.force.initial));
        let target = s.force.target.map_or(initial, |t| whole(value(t)));
        let attrition = s.attrition.as_ref().map(|a| {
            let rate = match &a.rate {
                AttritionRate::Daily(sch) | AttritionRate::Per1000(sch) => StepRate::new(sch, values),
            };
            let mut split = a.split.map(value);
            let total: f64 = split.iter().sum();
            if total > 0.0 {
                split.iter_mut().for_each(|x| *x /= total);
            } else {
                split = [1.0, 0.0, 0.0];
            }
            AttritionDraw {
                rate,
                per_1000: matches!(a.rate, AttritionRate::Per1000(_)),
                count: DailyCount::new(a.dispersion.map(value)),
                split,
                return_to_duty: value(a.return_to_duty),
                rng: noise("attrition"),
                drift: a.drift.map(|d| DriftState::new(value(d.sd), value(d.days), noise("drift:attrition"))),
                recovery: DelayLine::new(&a.recovery, days),
            }
        });
        let losses = s
            .losses
            .iter()
            .enumerate()
            .map(|(i, l)| LossDraw {
                daily: 1.0 - libm::pow(1.0 - value(l.annual_rate), 1.0 / DAYS_PER_YEAR),
                rng: noise(&format!("loss[{i}]")),
            })
            .collect();
        let streams = s
            .recruitment
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let intake = match &r.intake {
                    Intake::Rate { daily, dispersion, drift } => IntakeDraw::Rate {
                        daily: StepRate::new(daily, values),
                        count: DailyCount::new(dispersion.map(value)),
                        drift: drift.map(|d| {
                            DriftState::new(value(d.sd), value(d.days), noise(&format!("drift:recruitment[{i}]")))
                        }),
                    },
                    Intake::Pool { size, uptake } => {
                        IntakeDraw::Pool { remaining: whole(value(*size)), uptake: value(*uptake) }
                    }
                };
                StreamDraw { intake, bonus: r.signing_bonus.map_or(0.0, value) }
            })
            .collect();
        let waves = s
            .mobilization
            .iter()
            .map(|m| WaveDraw {
                size: whole(value(m.size)),
                compliance: value(m.compliance),
                starts: match m.start {
                    WaveStart::Day(day) => vec![day],
                    WaveStart::Trigger(_) => Vec::new(),
                },
                held: 0,
            })
            .collect();
        let stream_pipes = s.recruitment.iter().enumerate().map(|(i, r)| {
            let rng = noise(&format!("recruitment[{i}]"));
            Pipeline::new(&r.training, r.term_days, value(r.renewal), days, rng)
        });
        let wave_pipes = s
            .mobilization
            .iter()
            .enumerate()
            .map(|(i, m)| Pipeline::new(&m.training, m.term_days, 0.0, days, noise(&format!("mobilization[{i}]"))));
        Run {
            scenario,
            attrition,
            losses,
            streams,
            waves,
            pipes: stream_pipes.chain(wave_pipes).collect(),
            daily_pay: s.cost.as_ref().map_or(0.0, |c| value(c.monthly_pay) / DAYS_PER_MONTH),
            new_army: s.goal.as_ref().map(|g| value(g.new_army)),
            army_size: s.goal.as_ref().map(|g| whole(value(g.new_army))),
            ledger: Ledger { strength: initial, initial, target, ..Ledger::default() },
            survival: Survival::new(days),
            cost: 0.0,
            day_reached: None,
            armies: Armies::default(),
            composition: Composition::new(
                1 + s.recruitment.len() + s.mobilization.len(),
                initial,
                noise("composition"),
            ),
            exposed: 0,
            back: 0,
            lost: 0,
            returning: 0,
        }
    }

    /// Simulates day `t` (days in order from 0) of every run of `runs` (all of one
    /// scenario), each step of the day for all of them before the next.
    ///
    /// Each run's day is one long chain of dependent work (a draw's parameters wait on the
    /// draw before), so the processor runs out of independent instructions; two runs' steps
    /// side by side give it two chains at once. Each run draws from its own streams in its
    /// own order, so it comes out exactly as it would alone. More than two runs at a time
    /// gained nothing more on the benchmark workload, and at eight their day's state (the
    /// delay lines' windows, the survival and cohort arrays) no longer fits the first-level
    /// cache together.
    #[inline(always)]
    pub fn step_all(runs: &mut [Run<'s>], t: usize) {
        for r in runs.iter_mut() {
            r.intake(t);
        }
        for r in runs.iter_mut() {
            (r.exposed, r.back) = r.arrivals(t);
        }
        for r in runs.iter_mut() {
            let (casualties, returning) = r.combat(t);
            r.lost = casualties;
            r.returning = returning;
        }
        for r in runs.iter_mut() {
            r.lost += r.non_combat();
        }
        for r in runs.iter_mut() {
            r.composition.losses(r.back, r.lost, r.returning);
            r.survival.record(t, 1.0 - count_as_f64(r.lost) / count_as_f64(r.exposed.max(1)));
        }
        for r in runs.iter_mut() {
            r.expiries(t);
        }
        for r in runs.iter_mut() {
            r.record(t);
        }
    }

    /// Step 7, after the day is recorded: with `[goal] deploy = true`, while `formation`
    /// holds an army, one is formed and the target rises by its size for the rest of the
    /// run, so its people are deployed (and, under `per_1000` attrition, fight) from the
    /// next day. Also counts the goal's armies up to its deadline.
    #[inline]
    pub fn end_day(&mut self, t: usize) {
        let (Some(goal), Some(size)) = (self.scenario.goal.as_ref(), self.army_size) else { return };
        let l = &mut self.ledger;
        let on_time = t <= goal.by_day as usize;
        if t == goal.by_day as usize {
            self.armies.at_deadline = l.formation >= size;
        }
        if size == 0 {
            return;
        }
        let worth = l.formation / size;
        let (before, after) = if goal.deploy {
            l.target += worth * size;
            l.armies += worth;
            (l.armies - worth, l.armies)
        } else {
            // Nothing is formed: the count is what the surplus would resource, whose
            // first days of one and two armies' worth are kept.
            let reached = u64::from(self.armies.first.is_some()) + u64::from(self.armies.second.is_some());
            (reached, reached.max(worth))
        };
        if on_time {
            let day = Some(t as u32);
            if before < 1 && after >= 1 {
                self.armies.first = day;
            }
            if before < 2 && after >= 2 {
                self.armies.second = day;
            }
            self.armies.by_deadline = match goal.deploy {
                true => l.armies.min(u64::from(u32::MAX)) as u32,
                false => worth.min(u64::from(u32::MAX)) as u32,
            };
        }
    }

    /// Days simulated.
    pub fn days(&self) -> u32 {
        self.scenario.days
    }

    /// The ledger as of the last step.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Strength by source, in [`Scenario::sources`] order; adds up to the ledger's strength.
    pub fn composition(&self) -> &[u64] {
        self.composition.strength()
    }

    /// Wounded who will return, by source; adds up to the ledger's `recovering`.
    pub fn recovering_by_source(&self) -> &[u64] {
        self.composition.recovering()
    }

    /// The day each mobilization wave first started, in file order (`None`: a trigger
    /// that never fired).
    pub fn waves_started(&self) -> impl Iterator<Item = Option<u32>> + '_ {
        self.waves.iter().map(|w| w.starts.first().copied())
    }

    /// What the run ends with.
    pub fn outcome(self) -> RunOutcome {
        RunOutcome {
            end: EndState::from(&self.ledger),
            day_reached: self.day_reached,
            cost: self.cost,
            armies: self.armies,
        }
    }

    /// Step 1, intake: sign-ups of every stream in its window, and every wave's call-up.
    #[inline(always)]
    fn intake(&mut self, t: usize) {
        let l = &mut self.ledger;
        let (stream_pipes, wave_pipes) = self.pipes.split_at_mut(self.streams.len());
        for ((r, stream), pipe) in self.scenario.recruitment.iter().zip(self.streams.iter_mut()).zip(stream_pipes) {
            let StreamDraw { intake, bonus } = stream;
            // A drift moves every day, in the window or not, so its level stays stationary.
            let multiplier = match intake {
                IntakeDraw::Rate { drift: Some(d), .. } => d.next(),
                _ => 1.0,
            };
            if t < r.first_day as usize || t > r.last_day as usize {
                continue;
            }
            let n = match intake {
                IntakeDraw::Rate { daily, count, .. } => count.sample(&mut pipe.rng, daily.at(t as i64) * multiplier),
                IntakeDraw::Pool { remaining, uptake } => {
                    let n = binomial(&mut pipe.rng, *remaining, *uptake);
                    *remaining -= n;
                    n
                }
            };
            l.recruited += n;
            l.training += n;
            self.cost += count_as_f64(n) * *bonus;
            pipe.enrol(t, n);
        }
        for ((m, wave), pipe) in self.scenario.mobilization.iter().zip(self.waves.iter_mut()).zip(wave_pipes) {
            if let WaveStart::Trigger(trigger) = &m.start
                && fires(trigger, wave, t as u32)
            {
                wave.starts.push(t as u32);
            }
            for &start in &wave.starts {
                let first = start as usize;
                if t < first || t >= first + m.callup_days as usize {
                    continue;
                }
                // Spread evenly: day i of c calls floor(S(i+1)/c) − floor(S·i/c).
                let (i, c, size) = ((t - first) as u128, u128::from(m.callup_days), u128::from(wave.size));
                let called = (size * (i + 1) / c - size * i / c) as u64;
                let reported = binomial(&mut pipe.rng, called, wave.compliance);
                l.recruited += reported;
                l.training += reported;
                pipe.enrol(t, reported);
            }
        }
    }

    /// Step 2, arrivals from training and from recovery; returns the strength then
    /// exposed to the day's losses, and the wounded back from recovery.
    #[inline(always)]
    fn arrivals(&mut self, t: usize) -> (u64, u64) {
        let l = &mut self.ledger;
        for (source, pipe) in (1..).zip(&mut self.pipes) {
            let n = pipe.training.arrivals(t);
            self.composition.arrive(source, n);
            l.arrived += n;
            l.training -= n;
            l.strength += n;
            if pipe.term_days.is_some() {
                pipe.arrived[t] = n;
            }
        }
        // `if let` rather than `map_or`, whose closure (the whole delay line inlined) the
        // compiler would keep out of line, and so out of the engine's x86-64-v3 clone.
        let back = if let Some(a) = self.attrition.as_mut() { a.recovery.arrivals(t) } else { 0 };
        l.returned += back;
        l.recovering -= back;
        l.strength += back;
        (l.strength, back)
    }

    /// Step 3, combat casualties, from deployed only; returns how many, and how many of
    /// them are wounded who will return.
    #[inline(always)]
    fn combat(&mut self, t: usize) -> (u64, u64) {
        let Some(a) = self.attrition.as_mut() else { return (0, 0) };
        let l = &mut self.ledger;
        let deployed = l.strength.min(l.target);
        let r = a.rate.at(t as i64) * if let Some(d) = a.drift.as_mut() { d.next() } else { 1.0 };
        let mean = if a.per_1000 { r * count_as_f64(deployed) / 1000.0 } else { r };
        // Poisson thinning: a Poisson(λ) total split multinomially has the law of
        // independent Poisson counts of λ times each share (Kingman, *Poisson
        // Processes*, 1993, §1.5), so killed, wounded who return, other wounded and
        // missing are drawn side by side rather than one after another.
        let rng = &mut a.rng;
        let lambda = a.count.intensity(rng, mean);
        let [k, w, m] = a.split;
        let mut killed = poisson(rng, lambda * k);
        let mut returning = poisson(rng, lambda * w * a.return_to_duty);
        let mut wounded = returning + poisson(rng, lambda * w * (1.0 - a.return_to_duty));
        let mut missing = poisson(rng, lambda * m);
        if killed + wounded + missing > deployed {
            // Never more than `deployed`: all of them, split by binomials.
            killed = binomial(rng, deployed, k);
            wounded = if w + m > 0.0 { binomial(rng, deployed - killed, w / (w + m)) } else { 0 };
            missing = deployed - killed - wounded;
            returning = binomial(rng, wounded, a.return_to_duty);
        }
        let casualties = killed + wounded + missing;
        a.recovery.enter(t, returning);
        l.killed += killed;
        l.wounded += wounded;
        l.missing += missing;
        l.recovering += returning;
        l.strength -= casualties;
        (casualties, returning)
    }

    /// Step 4, non-combat losses, from strength; returns how many.
    #[inline(always)]
    fn non_combat(&mut self) -> u64 {
        let l = &mut self.ledger;
        let mut lost = 0;
        for loss in &mut self.losses {
            let n = binomial(&mut loss.rng, l.strength, loss.daily);
            l.non_combat += n;
            l.strength -= n;
            lost += n;
        }
        lost
    }

    /// Step 5, term expiries: survivors of the cohort whose term started `term` days ago.
    #[inline(always)]
    fn expiries(&mut self, t: usize) {
        let l = &mut self.ledger;
        let survival = &self.survival;
        for (source, pipe) in (1..).zip(&mut self.pipes) {
            let Some(term) = pipe.term_days.map(|d| d as usize) else { continue };
            if t < term {
                continue;
            }
            let a = t - term;
            // Arrivals on day a faced day a's losses; renewals on day a did not.
            let survive_arrived = survival.ratio(t, a.checked_sub(1));
            let survive_renewed = survival.ratio(t, Some(a));
            let survivors = (surviving(pipe.arrived[a], survive_arrived) + surviving(pipe.renewed[a], survive_renewed))
                .min(l.strength);
            let renewing = binomial(&mut pipe.rng, survivors, pipe.renewal);
            let leaving = survivors - renewing;
            pipe.renewed[t] += renewing;
            self.composition.expire(source, leaving);
            l.expired += leaving;
            l.strength -= leaving;
        }
    }

    /// Step 6, record: deployed and formation, the day's pay, and whether the goal is reached.
    #[inline(always)]
    fn record(&mut self, t: usize) {
        let l = &mut self.ledger;
        l.deployed = l.strength.min(l.target);
        l.formation = l.strength - l.deployed;
        // Triggers watch the day's end: whether each condition held today.
        for (m, wave) in self.scenario.mobilization.iter().zip(self.waves.iter_mut()) {
            if let WaveStart::Trigger(trigger) = &m.start {
                let watched = l.series()[trigger.series];
                wave.held = if watched < trigger.below { wave.held + 1 } else { 0 };
            }
        }
        if let (Some(goal), Some(size)) = (self.scenario.goal.as_ref(), self.army_size)
            && !goal.deploy
        {
            l.armies = l.formation.checked_div(size).unwrap_or(0);
        }
        debug_assert!(l.balances(), "people not conserved on day {t}: {l:?}");
        debug_assert_eq!(self.composition.strength().iter().sum::<u64>(), l.strength, "sources on day {t}");
        self.cost += self.daily_pay * count_as_f64(l.strength + l.training);
        if let (Some(size), Some(goal)) = (self.new_army, self.scenario.goal.as_ref())
            && self.day_reached.is_none()
            && t <= goal.by_day as usize
            && count_as_f64(l.formation) >= size
        {
            self.day_reached = Some(t as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survival_ratios_match_summed_logarithms_and_outlast_wipe_outs() {
        assert_eq!(Survival::RESCALE, 2f64.powi(500));
        // Ordinary days, then twelve days that each take everyone (S would fall to
        // 10⁻³⁶⁰, below what f64 holds), then ordinary days again.
        let share = |d: usize| if (100..112).contains(&d) { 0.0 } else { 1.0 - (d % 7) as f64 * 1e-3 };
        let days = 300;
        let mut survival = Survival::new(days);
        for t in 0..days {
            survival.record(t, share(t));
        }
        assert!(survival.product.iter().all(|p| (1.0 / Survival::RESCALE..=1.0).contains(p)));
        assert!(survival.epoch[days - 1] >= 2, "the wipe-outs must have rescaled S");
        let by_logs = |t: usize, after: Option<usize>| {
            let from = after.map_or(0, |a| a + 1);
            libm::exp((from..=t).map(|d| libm::log(share(d).max(1e-30))).sum::<f64>())
        };
        for (t, after) in [(0, None), (99, None), (99, Some(0)), (299, Some(112)), (250, Some(150)), (112, Some(111))] {
            let (got, want) = (survival.ratio(t, after), by_logs(t, after));
            assert!((got / want - 1.0).abs() < 1e-12, "S({t})/S({after:?}) = {got} vs {want}");
        }
        // Across a wipe-out nobody of even 10¹² people is left.
        for (t, after) in [(100, Some(99)), (150, Some(50)), (299, None), (111, Some(105))] {
            assert_eq!(surviving(1_000_000_000_000, survival.ratio(t, after)), 0, "S({t})/S({after:?})");
        }
    }
}
