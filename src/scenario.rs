//! Scenario files: the TOML contract of MODEL.md, read and validated into a [`Scenario`].
//!
//! Reading happens in two stages. A reader walks the spanned TOML tree and turns each key
//! into a checked value, collecting every problem with its line and column; this module
//! then checks the keys against each other (a split that sums to 1, a date inside the
//! horizon, exactly one of `daily`/`per_1000`/`pool`) and builds the validated types, whose
//! invariants the engine relies on.

mod build;
mod copula;
pub mod diagnostic;
pub mod keys;
mod parse;
mod reader;

use crate::limits::LIMITS;
pub use build::Origin;
pub use copula::{Copula, NotPositiveSemiDefinite};
pub use diagnostic::{Diagnostic, ScenarioError};

use crate::date::Date;
use crate::delay::DelayKernel;
use crate::distribution::Uncertain;

/// A number of the scenario that is drawn per run (fixed or uncertain), with its key path
/// such as `recruitment[0].daily` or `attrition.daily[1]` (a schedule's second step).
#[derive(Clone, Debug)]
pub struct Input {
    pub(crate) key: String,
    pub(crate) value: Uncertain,
    /// Where its value is written in the scenario text (`None`: a default, or built in code).
    pub(crate) span: Option<std::ops::Range<usize>>,
}

impl Input {
    /// The key path.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The value as written.
    pub fn value(&self) -> &Uncertain {
        &self.value
    }
}

/// The index of an [`Input`] in [`Scenario::inputs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputId(pub(crate) usize);

impl InputId {
    /// The index into [`Scenario::inputs`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// How the quantiles of uncertain inputs are chosen (`[simulation] sampling`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Independent uniform draws per run (`"random"`, the default).
    #[default]
    Random,
    /// Latin hypercube over each batch of runs (`"lhs"`).
    #[serde(rename = "lhs")]
    LatinHypercube,
}

/// Command-line values that replace the file's (`--runs`, `--seed`, `--days`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Overrides {
    /// `--runs`.
    pub runs: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--days`.
    pub days: Option<u32>,
}

/// A validated scenario: every invariant the engine relies on holds.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) file: String,
    /// SHA-256 of the file's text, hex.
    pub(crate) sha256: String,
    /// The file's text, as validated (a shard records it, so merges need no copy of the file).
    pub(crate) text: String,
    pub(crate) start: Date,
    pub(crate) days: u32,
    pub(crate) runs: u32,
    pub(crate) seed: u64,
    pub(crate) force: Force,
    pub(crate) attrition: Option<Attrition>,
    pub(crate) losses: Vec<Loss>,
    pub(crate) recruitment: Vec<Recruitment>,
    pub(crate) mobilization: Vec<Mobilization>,
    pub(crate) cost: Option<Cost>,
    pub(crate) goal: Option<Goal>,
    /// Every per-run number, in file order.
    pub(crate) inputs: Vec<Input>,
    pub(crate) sampling: Sampling,
    /// The `[[correlation]]`s, as a Gaussian copula.
    pub(crate) copula: Option<Copula>,
    /// `[observed]` as written: where each series is read from.
    pub(crate) observed_sources: Vec<ObservedSource>,
    /// `[observed]` series, aligned to the start: empty until resolved
    /// ([`Scenario::resolve_observed`]) or given ([`Scenario::with_observed`]).
    pub(crate) observed: Observed,
}

/// An `[observed]` series as the file names it.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservedSource {
    /// Its key path, `observed.casualties` or `observed.recruited`.
    pub(crate) key: String,
    /// The CSV file, relative to the scenario file's folder.
    pub(crate) file: String,
    /// Where `file` is written in the scenario text.
    pub(crate) span: std::ops::Range<usize>,
    /// The value column (default: the first numeric one).
    pub(crate) column: Option<String>,
    /// What the file holds.
    pub(crate) kind: ObservedKind,
}

/// What an `[observed]` file holds.
#[derive(Clone, Debug, PartialEq)]
pub enum ObservedKind {
    /// A daily series (`casualties`, `recruited`): a running total, or daily counts.
    Daily {
        /// Whether the column holds daily counts rather than a running total.
        daily: bool,
    },
    /// Dated estimates of a stock (`strength`, `deployed`, `formation`) on irregular days.
    Points(PointsSpec),
}

/// How to read dated estimates: which rows, and each one's error.
#[derive(Clone, Debug, PartialEq)]
pub struct PointsSpec {
    /// The recorded series they estimate (an index into [`crate::ledger::SERIES`]).
    pub series: usize,
    /// Only rows whose column (first) holds the text (second).
    pub filters: Vec<(String, String)>,
    /// The relative error of an estimate, a standard deviation as a share of it.
    pub sd: f64,
    /// Columns of the low and high ends of a 90% range, instead of `sd`.
    pub range: Option<(String, String)>,
}

/// Dated estimates of one recorded series, within the horizon.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ObservedPoints {
    /// The key under `[observed]`: `strength`, `deployed` or `formation`.
    pub key: String,
    /// The recorded series they estimate (an index into [`crate::ledger::SERIES`]).
    pub series: usize,
    /// The estimates, in date order.
    pub points: Vec<ObservedPoint>,
    /// Rows that matched but fall outside the horizon, and so are not used.
    pub outside: usize,
}

/// One dated estimate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ObservedPoint {
    /// Its day (day 0 = `start`).
    pub day: u32,
    /// The estimate, in persons.
    pub value: f64,
    /// Its standard deviation, in persons.
    pub sd: f64,
}

/// `[observed]`: observed cumulative series to set against the model, aligned to day 0
/// (the count since the day before `start`); `None` on days the file does not cover.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observed {
    /// Cumulative casualties since the start.
    pub casualties: Option<Vec<Option<f64>>>,
    /// Cumulative recruits since the start.
    pub recruited: Option<Vec<Option<f64>>>,
    /// Dated estimates of stocks (`strength`, `deployed`, `formation`), in file order.
    /// Left out of the JSON when empty, so that a scenario without them keeps its run id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<ObservedPoints>,
}

impl Scenario {
    /// Reads and validates a scenario file.
    ///
    /// # Errors
    /// A file that cannot be read, is not UTF-8, is not TOML, or breaks the contract:
    /// every problem found is in the returned error, each with key, line and column.
    pub fn load(path: &std::path::Path, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let cannot_read = |e: std::io::Error| ScenarioError::whole_file(&shown, format!("cannot read {shown}: {e}"));
        // Only a regular file: a device (/dev/zero) would never end, a FIFO would wait forever.
        let meta = std::fs::metadata(path).map_err(cannot_read)?;
        if !meta.is_file() {
            return Err(ScenarioError::whole_file(
                &shown,
                format!("{shown} is not a regular file (a device, a pipe or a folder); give a scenario file"),
            ));
        }
        // Never more than the limit, even from a file that grows while it is read.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                std::io::Read::read_to_end(&mut std::io::Read::take(f, LIMITS.max_file_bytes + 1), &mut bytes)
            })
            .map_err(cannot_read)?;
        if bytes.len() as u64 > LIMITS.max_file_bytes {
            let size = meta.len().max(bytes.len() as u64);
            return Err(ScenarioError::whole_file(
                &shown,
                format!("{shown} is {size} bytes; a scenario file may be at most {} bytes", LIMITS.max_file_bytes),
            ));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            ScenarioError::whole_file(
                &shown,
                format!("{shown} is not UTF-8 text (invalid byte at offset {at}); save it as UTF-8"),
            )
        })?;
        let mut scenario = Self::parse(&shown, &text, overrides)?;
        scenario.resolve_observed(path.parent().unwrap_or(std::path::Path::new("")))?;
        Ok(scenario)
    }

    /// Validates scenario text; `file` is the name used in messages and outputs. Reads no
    /// file: `[observed]` series are read by [`Scenario::resolve_observed`].
    ///
    /// # Errors
    /// Text that is not TOML or breaks the contract: every problem found is in the
    /// returned error, each with key, line and column.
    pub fn parse(file: &str, text: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        parse::parse(file, text, overrides)
    }

    /// Reads the `[observed]` series, with paths relative to `folder` (the scenario file's),
    /// and aligns each to the start as the count since the day before it.
    ///
    /// # Errors
    /// A series that cannot be read or is damaged, named with its key and line.
    pub fn resolve_observed(&mut self, folder: &std::path::Path) -> Result<(), ScenarioError> {
        let mut diagnostics = Vec::new();
        let mut observed = Observed::default();
        for source in &self.observed_sources {
            let path = folder.join(&source.file);
            let read = match &source.kind {
                ObservedKind::Daily { daily } => crate::calibrate::Series::read(&path, source.column.as_deref())
                    .and_then(|series| series.check_counts(0..series.values.len(), !daily).map(|()| series))
                    .map(|series| {
                        let aligned = Some(series.aligned(self.start, self.days, *daily));
                        match source.key.as_str() {
                            "observed.casualties" => observed.casualties = aligned,
                            _ => observed.recruited = aligned,
                        }
                    }),
                ObservedKind::Points(spec) => {
                    let range = spec.range.as_ref().map(|(l, h)| (l.as_str(), h.as_str()));
                    crate::calibrate::read_estimates(&path, source.column.as_deref(), &spec.filters, range).map(
                        |estimates| {
                            let key = source.key.trim_start_matches("observed.").to_string();
                            observed.points.push(self.place(key, spec, &estimates));
                        },
                    )
                }
            };
            match read {
                Ok(()) => {}
                Err(e) => diagnostics.push(Diagnostic {
                    key: format!("{}.file", source.key),
                    message: format!("{}: {}", e.file, e.message),
                    span: Some(source.span.clone()),
                    help: Some(format!(
                        "{} (the path is relative to the scenario file)",
                        match source.kind {
                            ObservedKind::Daily { .. } => parse::OBSERVED_HELP,
                            ObservedKind::Points(_) => parse::POINTS_HELP,
                        }
                    )),
                }),
            }
        }
        if !diagnostics.is_empty() {
            return Err(ScenarioError { file: self.file.clone(), source: self.text.clone(), diagnostics });
        }
        self.observed = observed;
        Ok(())
    }

    /// Dated estimates on the scenario's days, each with its standard deviation in persons
    /// (`sd` × the estimate, or, with a `low`–`high` 90% range, (high − low)/(2 × 1.645)):
    /// those outside days 0 to `days − 1` are counted, not kept; the rest in date order.
    fn place(&self, key: String, spec: &PointsSpec, estimates: &[crate::calibrate::Estimate]) -> ObservedPoints {
        let mut points = Vec::new();
        let mut outside = 0;
        for e in estimates {
            let sd = match e.range {
                Some((lo, hi)) => ((hi - lo) / (2.0 * 1.645)).max(1.0),
                None => spec.sd * e.value,
            };
            match u32::try_from(e.date.days_since(self.start)) {
                Ok(day) if day < self.days => points.push(ObservedPoint { day, value: e.value, sd }),
                _ => outside += 1,
            }
        }
        points.sort_by_key(|p| p.day);
        ObservedPoints { key, series: spec.series, points, outside }
    }

    /// The scenario with these `[observed]` series, already aligned to its start (as a
    /// shard records them, so that a merge reads no file but the shards).
    pub fn with_observed(mut self, observed: Observed) -> Scenario {
        self.observed = observed;
        self
    }

    /// The scenario's name (`name`, or the file stem).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The optional description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// The file as the user named it.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// The scenario text this was validated from.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// SHA-256 of the scenario text (lower-case hex), so a result can be traced to its input.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// The strength held before surplus counts, as a single number for charts: the value,
    /// or the nominal mean of an uncertain target (of `initial` when no target is given).
    pub fn nominal_target(&self) -> f64 {
        self.inputs[self.force.target.unwrap_or(self.force.initial).0].value.nominal_mean()
    }
    /// Day 0.
    pub fn start(&self) -> Date {
        self.start
    }
    /// The horizon: days 0 to `days − 1` are simulated.
    pub fn days(&self) -> u32 {
        self.days
    }
    /// Monte Carlo runs.
    pub fn runs(&self) -> u32 {
        self.runs
    }
    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The new-army goal, if any.
    pub fn goal(&self) -> Option<&Goal> {
        self.goal.as_ref()
    }
    /// Every per-run number with its key path, in file order; [`InputId`]s index it.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }
    /// The input with this key path.
    pub fn find_input(&self, key: &str) -> Option<InputId> {
        self.inputs.iter().position(|i| i.key == key).map(InputId)
    }
    /// The name of input `key` in the scenario's words: a stream's, wave's or loss's own
    /// name for its part of the key path (`recruitment[0].daily` → `contract signings:
    /// daily`), else the section and the key (`attrition: return_to_duty`).
    pub fn input_name(&self, key: &str) -> String {
        // A schedule's step is named by the day it starts: `attrition.daily[2]` → `attrition:
        // daily from 2024-03-01`; the rest of the name is that of the key without its step.
        let step = self.schedule_step_start(key);
        let key = match step {
            Some(_) => key.rsplit_once('[').map_or(key, |(base, _)| base),
            None => key,
        };
        let named = |prefix: &str, names: &[&str]| -> Option<String> {
            let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
            let (index, tail) = rest.split_once(']')?;
            let name = names.get(index.parse::<usize>().ok()?)?;
            Some(format!("{name}: {}", tail.trim_start_matches('.')))
        };
        let recruitment: Vec<&str> = self.recruitment.iter().map(|r| r.name.as_str()).collect();
        let mobilization: Vec<&str> = self.mobilization.iter().map(|m| m.name.as_str()).collect();
        let losses: Vec<&str> = self.losses.iter().map(|l| l.name.as_str()).collect();
        let name = named("recruitment", &recruitment)
            .or_else(|| named("mobilization", &mobilization))
            .or_else(|| named("loss", &losses))
            .or_else(|| key.split_once('.').map(|(section, rest)| format!("{section}: {rest}")))
            .unwrap_or_else(|| key.to_string());
        match step {
            Some(date) => format!("{name} from {date}"),
            None => name,
        }
    }

    /// The first day of input `key`'s step, when it is a step of a rate schedule of more
    /// than one step.
    fn schedule_step_start(&self, key: &str) -> Option<Date> {
        let id = self.find_input(key)?;
        let attrition = self.attrition.iter().map(|a| match &a.rate {
            AttritionRate::Daily(s) | AttritionRate::Per1000(s) => s,
        });
        let streams = self.recruitment.iter().filter_map(|r| match &r.intake {
            Intake::Rate { daily, .. } => Some(daily),
            Intake::Pool { .. } => None,
        });
        attrition
            .chain(streams)
            .filter(|s| s.steps.len() > 1)
            .find_map(|s| s.steps.iter().find(|(_, i)| *i == id).map(|(day, _)| self.start.add_days(*day)))
    }
    /// The unit of input `key`, in words, by what its key holds: people a day for a rate,
    /// a share for a fraction, days for a delay, and so on.
    pub fn input_unit(&self, key: &str) -> &'static str {
        let last = key.rsplit('.').next().unwrap_or(key);
        let last = last.split('[').next().unwrap_or(last);
        match last {
            "daily" => "people a day",
            "per_1000" => "casualties a day per 1,000 deployed",
            "initial" | "target" | "size" | "pool" | "new_army" => "people",
            "uptake" => "share of the pool a day",
            "annual_rate" => "share of the force a year",
            "renewal" | "compliance" | "return_to_duty" | "killed" | "wounded" | "missing" => "share",
            "training_days" | "recovery_days" | "days" => "days",
            "monthly_pay" => "pay a person a month",
            "signing_bonus" => "pay a recruit",
            "dispersion" => "negative binomial shape k",
            "sd" => "standard deviation of the log rate",
            _ => "as written",
        }
    }
    /// The comment at the end of the line on which input `id`'s value is written (the
    /// scenario's own note of its source or its assumption), if any.
    pub fn input_comment(&self, id: InputId) -> Option<&str> {
        let span = self.inputs[id.0].span.as_ref()?;
        let line_end = self.text[span.end.min(self.text.len())..].find('\n').map_or(self.text.len(), |i| span.end + i);
        let rest = &self.text[span.end.min(line_end)..line_end];
        // A `#` after the value on its line starts the comment (a `#` inside a string
        // value is before the span's end).
        let comment = rest.split_once('#')?.1.trim();
        (!comment.is_empty()).then_some(comment)
    }
    /// The inputs that are uncertain (drawn from a distribution).
    pub fn uncertain_inputs(&self) -> Vec<InputId> {
        (0..self.inputs.len()).filter(|&i| !self.inputs[i].value.is_fixed()).map(InputId).collect()
    }
    /// The `[observed]` series.
    pub fn observed(&self) -> &Observed {
        &self.observed
    }
    /// How uncertain inputs are sampled.
    pub fn sampling(&self) -> Sampling {
        self.sampling
    }
    /// The pay and bonus costs, if any.
    pub fn cost(&self) -> Option<&Cost> {
        self.cost.as_ref()
    }
    /// The sources people come from, in the engine's order: the initial force, each
    /// `[[recruitment]]` stream, then each `[[mobilization]]` wave (names unique by slug).
    pub fn sources(&self) -> Vec<Source> {
        let names = std::iter::once(INITIAL_SOURCE)
            .chain(self.recruitment.iter().map(|r| r.name.as_str()))
            .chain(self.mobilization.iter().map(|m| m.name.as_str()));
        names.map(|name| Source { name: name.to_string(), slug: slug(name) }).collect()
    }
}

/// The name of the source that the initial force's people keep.
pub const INITIAL_SOURCE: &str = "initial force";

/// Where a force's people came from: the initial force, a recruitment stream or a wave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The scenario's own name for it.
    pub name: String,
    /// Its name as a column name: its letters (lower-cased) and digits, runs of anything
    /// else as one `_` (`"Contract signings (2024)"` → `contract_signings_2024`).
    pub slug: String,
}

/// A name as a column name: see [`Source::slug`]; `source` if nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() { "source".to_string() } else { out }
}

/// `[force]`.
#[derive(Clone, Debug)]
pub struct Force {
    pub(crate) initial: InputId,
    /// `None`: the target is each run's drawn `initial`.
    pub(crate) target: Option<InputId>,
}

/// A rate as a step function of the day index; 0 before the first step.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// (first day the value applies, relative to the start; may be negative, value).
    pub(crate) steps: Vec<(i64, InputId)>,
}

/// How combat casualties are driven.
#[derive(Clone, Debug)]
pub enum AttritionRate {
    /// Mean casualties a day.
    Daily(Schedule),
    /// Mean casualties a day per 1,000 deployed.
    Per1000(Schedule),
}

/// `[attrition]`: combat casualties.
#[derive(Clone, Debug)]
pub struct Attrition {
    pub(crate) rate: AttritionRate,
    /// Negative binomial shape k; `None` is Poisson.
    pub(crate) dispersion: Option<InputId>,
    /// Slow wandering of the rate, if any.
    pub(crate) drift: Option<Drift>,
    /// Shares killed, wounded and missing; their nominal values sum to 1, and each run's
    /// draws are normalised to sum to 1.
    pub(crate) split: [InputId; 3],
    pub(crate) return_to_duty: InputId,
    /// Recovery delay, at least one day.
    pub(crate) recovery: DelayKernel,
}

/// `drift = { sd, days }`: the daily rate is multiplied by exp(x_t − sd²/2), where x_t is
/// a stationary AR(1) process in log space with standard deviation `sd` and correlation
/// time `days` (x_0 from the stationary law), so the mean rate is unchanged but its level
/// wanders as real intensity does.
#[derive(Clone, Copy, Debug)]
pub struct Drift {
    pub(crate) sd: InputId,
    pub(crate) days: InputId,
}

/// `[[loss]]`: a non-combat hazard.
#[derive(Clone, Debug)]
pub struct Loss {
    pub(crate) name: String,
    /// Fraction of the force lost over 365 days.
    pub(crate) annual_rate: InputId,
}

/// How a recruitment stream signs people up.
#[derive(Clone, Debug)]
pub enum Intake {
    /// A mean daily rate, Poisson or negative binomial.
    Rate {
        /// Mean sign-ups a day.
        daily: Schedule,
        /// Negative binomial shape k; `None` is Poisson.
        dispersion: Option<InputId>,
        /// Slow wandering of the rate, if any.
        drift: Option<Drift>,
    },
    /// A finite pool of which a fraction `uptake` of what is left signs each day.
    Pool {
        /// People in the pool at the start.
        size: InputId,
        /// Fraction of what is left that signs each day.
        uptake: InputId,
    },
}

/// `[[recruitment]]`.
#[derive(Clone, Debug)]
pub struct Recruitment {
    pub(crate) name: String,
    pub(crate) intake: Intake,
    /// First and last active day (inclusive, clipped to the horizon); empty when
    /// `first_day > last_day`.
    pub(crate) first_day: u32,
    pub(crate) last_day: u32,
    pub(crate) training: DelayKernel,
    pub(crate) term_days: Option<u32>,
    pub(crate) renewal: InputId,
    pub(crate) signing_bonus: Option<InputId>,
}

/// `[[mobilization]]`.
#[derive(Clone, Debug)]
pub struct Mobilization {
    pub(crate) name: String,
    /// When the call-up starts: a date, or a trigger.
    pub(crate) start: WaveStart,
    pub(crate) size: InputId,
    pub(crate) callup_days: u32,
    pub(crate) compliance: InputId,
    pub(crate) training: DelayKernel,
    pub(crate) term_days: Option<u32>,
}

/// When a mobilization wave's call-up starts.
#[derive(Clone, Debug, PartialEq)]
pub enum WaveStart {
    /// On this day index (`date`).
    Day(u32),
    /// When a condition has held long enough (`trigger`).
    Trigger(Trigger),
}

/// `trigger = { deployed_below = 400000, for_days = 14 }` with `not_before` and
/// `repeat_after_days`: the wave starts on the first day `d ≥ not_before` on which the
/// condition held at the end of each of the `for_days` days up to and including `d − 1`;
/// at most once, or again `repeat_after` days after its last start at the earliest.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// The series watched: `deployed`, `formation` or `total`.
    pub(crate) series: usize,
    /// The threshold it must stay below.
    pub(crate) below: u64,
    /// Consecutive days it must stay below.
    pub(crate) for_days: u32,
    /// The first day index on which the wave may start.
    pub(crate) not_before: u32,
    /// Days after a start from which the wave may start again; `None`: once.
    pub(crate) repeat_after: Option<u32>,
}

/// The conditions a trigger may watch, with the series each watches.
pub const TRIGGER_CONDITIONS: [(&str, usize); 3] = [
    ("deployed_below", crate::ledger::series::DEPLOYED),
    ("formation_below", crate::ledger::series::FORMATION),
    ("total_below", crate::ledger::series::TOTAL),
];

/// `[cost]`.
#[derive(Clone, Debug)]
pub struct Cost {
    pub(crate) monthly_pay: InputId,
    pub(crate) currency: String,
}

impl Cost {
    /// The currency label.
    pub fn currency(&self) -> &str {
        &self.currency
    }
}

/// `[goal]`.
#[derive(Clone, Debug)]
pub struct Goal {
    pub(crate) new_army: InputId,
    /// The size as written, for outputs.
    pub(crate) size: Uncertain,
    pub(crate) by: Date,
    pub(crate) by_day: u32,
    /// Whether armies are formed and deployed as they are reached (`deploy = true`).
    pub(crate) deploy: bool,
}

impl Goal {
    /// Whether each army reached is formed and deployed, raising the target.
    pub fn deploy(&self) -> bool {
        self.deploy
    }
    /// The surplus that resources one new army, as written.
    pub fn new_army(&self) -> &Uncertain {
        &self.size
    }
    /// The size as one number for charts: the value, or an uncertain size's nominal mean.
    pub fn nominal_size(&self) -> f64 {
        self.size.nominal_mean()
    }
    /// The deadline.
    pub fn by(&self) -> Date {
        self.by
    }
    /// The deadline as a day index.
    pub fn by_day(&self) -> u32 {
        self.by_day
    }
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl $t {
            /// The name given in the file (or a default such as `recruitment[0]`).
            pub fn name(&self) -> &str {
                &self.name
            }
        }
    )*};
}
named!(Loss, Recruitment, Mobilization);
