//! From TOML text to a validated [`Scenario`], section by section.

use toml::de::DeTable;

use super::Copula;
use super::diagnostic::{Diagnostic, ScenarioError};
use super::keys::{self, names};
use super::reader::{Field, Reader, Table};
use super::{
    Attrition, AttritionRate, Cost, Drift, Force, Goal, INITIAL_SOURCE, InputId, Intake, Loss, Mobilization, Observed,
    ObservedKind, ObservedSource, Overrides, PointsSpec, Recruitment, Sampling, Scenario, Schedule, TRIGGER_CONDITIONS,
    Trigger, WaveStart, slug,
};
use crate::date::Date;
use crate::delay::DelayKernel;
use crate::distribution::{Domain, Uncertain};
use crate::ledger::SERIES;
use crate::limits::{LIMITS, RUN_BYTES};

/// The horizon, once `[simulation]` has been read: dates are checked against it.
#[derive(Clone, Copy)]
struct Horizon {
    start: Date,
    days: u32,
}

impl Horizon {
    fn day_of(&self, d: Date) -> i64 {
        d.days_since(self.start)
    }
    fn last(&self) -> Date {
        self.start.add_days(i64::from(self.days) - 1)
    }
    /// The day index of a date that must be simulated, or an error naming the horizon.
    fn day_within(&self, r: &mut Reader, field: &Field<'_>, date: Date, days_overridden: bool) -> Option<u32> {
        let day = self.day_of(date);
        if (0..i64::from(self.days)).contains(&day) {
            Some(day as u32)
        } else {
            let source = if days_overridden { " (`--days` sets the horizon)" } else { "" };
            r.error_with_help(
                field,
                format!("{date} is outside the simulated days {} to {}{source}", self.start, self.last()),
                "move the date inside the horizon, or change [simulation] start or days",
            );
            None
        }
    }
}

pub(crate) fn parse(file: &str, text: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
    let fail = |mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
        ScenarioError { file: file.to_string(), source: text.to_string(), diagnostics }
    };
    let doc = DeTable::parse(text).map_err(|e| {
        fail(vec![Diagnostic {
            key: String::new(),
            message: format!("not valid TOML: {}", e.message().trim_end()),
            span: e.span(),
            help: None,
        }])
    })?;
    let mut r = Reader::default();
    let mut top = Table::new(String::new(), 0..0, doc.into_inner());
    let stem = std::path::Path::new(file).file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());

    // Names are printed to terminals and charts: control characters (an escape sequence,
    // say) are refused in the file and dropped from a file-name default.
    let stem: String = stem.chars().filter(|c| !c.is_control()).collect();
    let mut printable = |key: &str| {
        let f = top.take(key)?;
        let s = r.string(&f)?;
        if s.chars().any(char::is_control) {
            r.error_with_help(
                &f,
                "contains control characters",
                "use printable text; line breaks and escape sequences are not allowed",
            );
            return None;
        }
        Some(s)
    };
    let name = printable("name").unwrap_or(stem);
    let description = printable("description");
    let simulation = read_simulation(&mut r, &mut top, overrides);
    let horizon = simulation.map(|s| Horizon { start: s.start, days: s.days });
    let days_overridden = overrides.days.is_some();

    let force = read_force(&mut r, &mut top);

    let attrition = top.take("attrition").and_then(|f| r.table(f)).and_then(|t| read_attrition(&mut r, t, horizon));
    let losses = read_tables(&mut r, &mut top, "loss", |r, t| read_loss(r, t));
    let recruitment = read_tables(&mut r, &mut top, "recruitment", |r, t| read_recruitment(r, t, horizon));
    let mobilization =
        read_tables(&mut r, &mut top, "mobilization", |r, t| read_mobilization(r, t, horizon, days_overridden));
    let cost = top.take("cost").and_then(|f| r.table(f)).and_then(|t| read_cost(&mut r, t));
    let goal = top.take("goal").and_then(|f| r.table(f)).and_then(|t| read_goal(&mut r, t, horizon, days_overridden));
    let copula = read_correlations(&mut r, &mut top);
    let observed_sources =
        top.take("observed").and_then(|f| r.table(f)).map_or(Vec::new(), |t| read_observed(&mut r, t));
    top.finish(&mut r, &names(keys::TOP));
    check_source_names(&mut r, text);

    // Every `None` above has pushed a diagnostic, so a scenario is built only from a
    // file without problems.
    let (Some(Simulation { start, days, runs, seed, sampling }), Some(force)) = (simulation, force) else {
        return Err(fail(r.diagnostics));
    };
    if !r.diagnostics.is_empty() {
        return Err(fail(r.diagnostics));
    }
    Ok(Scenario {
        name,
        description,
        file: file.to_string(),
        sha256: crate::format::sha256_hex(text.as_bytes()),
        text: text.to_string(),
        start,
        days,
        runs,
        seed,
        force,
        attrition,
        losses,
        recruitment,
        mobilization,
        cost,
        goal,
        inputs: r.inputs,
        sampling,
        copula,
        observed_sources,
        observed: Observed::default(),
    })
}

/// `[force]`, which is required.
fn read_force(r: &mut Reader, top: &mut Table<'_>) -> Option<Force> {
    match top.take("force").and_then(|f| r.table(f)) {
        Some(mut t) => {
            let initial = match t.take("initial") {
                Some(f) => r.input(&f, Domain::NonNegative),
                None => {
                    r.missing(&t, "initial", "the personnel on strength on day 0, e.g. initial = 420000");
                    None
                }
            };
            let target = t.take("target").and_then(|f| r.input(&f, Domain::NonNegative));
            t.finish(r, &names(keys::FORCE));
            initial.map(|initial| Force { initial, target })
        }
        None => {
            missing_section(r, "force", "add [force] with initial = <personnel on strength>");
            None
        }
    }
}

/// Every table of the array `[[key]]`, each read by `read`.
fn read_tables<'a, T>(
    r: &mut Reader,
    top: &mut Table<'a>,
    key: &str,
    mut read: impl FnMut(&mut Reader, Table<'a>) -> Option<T>,
) -> Vec<T> {
    let tables = top.take(key).map(|f| r.tables(f)).unwrap_or_default();
    tables.into_iter().filter_map(|t| read(r, t)).collect()
}

/// A required section that is absent (unless its problem, a wrong type, is already said).
fn missing_section(r: &mut Reader, key: &str, help: &str) {
    if !r.diagnostics.iter().any(|d| d.key == key) {
        r.push(key, Some(0..0), format!("missing required section [{key}]"), Some(help.into()));
    }
}

/// `[cost]`.
fn read_cost(r: &mut Reader, mut t: Table<'_>) -> Option<Cost> {
    let monthly_pay = r.input_or(&mut t, keys::find(keys::COST, "monthly_pay"));
    let currency = match t.take("currency") {
        Some(f) => r.string(&f),
        None => Some(keys::find(keys::COST, "currency").default_text().to_string()),
    };
    t.finish(r, &names(keys::COST));
    Some(Cost { monthly_pay: monthly_pay?, currency: currency? })
}

/// `[goal]`: the size of a new army and its deadline (default: the horizon's last day).
fn read_goal(r: &mut Reader, mut t: Table<'_>, horizon: Option<Horizon>, days_overridden: bool) -> Option<Goal> {
    let new_army = match t.take("new_army") {
        Some(f) => r.input(&f, Domain::NonNegative),
        None => {
            r.missing(&t, "new_army", "the surplus personnel that resource one new army, e.g. new_army = 30000");
            None
        }
    };
    let by = match (t.take("by"), horizon) {
        (Some(f), Some(h)) => r.date(&f).and_then(|d| h.day_within(r, &f, d, days_overridden).map(|day| (d, day))),
        (Some(f), None) => {
            r.date(&f);
            None
        }
        (None, Some(h)) => Some((h.last(), h.days - 1)),
        (None, None) => None,
    };
    let deploy =
        t.take("deploy").and_then(|f| r.flag(&f, "deploy = true forms and deploys each army as it is reached"));
    t.finish(r, &names(keys::GOAL));
    let (by, by_day) = by?;
    let new_army = new_army?;
    let deploy = deploy.unwrap_or(false);
    Some(Goal { new_army, size: r.value(new_army).clone(), by, by_day, deploy })
}

/// `[simulation]`, with the command line's overrides applied.
#[derive(Clone, Copy)]
struct Simulation {
    start: Date,
    days: u32,
    runs: u32,
    seed: u64,
    sampling: Sampling,
}

/// `[simulation]`, with the command line's overrides applied.
fn read_simulation(r: &mut Reader, top: &mut Table<'_>, ov: Overrides) -> Option<Simulation> {
    let Some(mut t) = top.take("simulation").and_then(|f| r.table(f)) else {
        missing_section(r, "simulation", "add [simulation] with start = 2023-09-03 and days = 730");
        return None;
    };
    let start = match t.take("start") {
        Some(f) => r.date(&f),
        None => {
            r.missing(&t, "start", "day 0 as a TOML date, e.g. start = 2023-09-03");
            None
        }
    };
    let days_key = keys::find(keys::SIMULATION, "days");
    let days = match (t.take("days"), ov.days) {
        (_, Some(d)) if (1..=LIMITS.max_days).contains(&d) => Some(d),
        (_, Some(d)) => {
            r.push(
                "simulation.days",
                None,
                format!("--days {d} is out of range"),
                Some(format!("from 1 to {}", LIMITS.max_days)),
            );
            None
        }
        (Some(f), None) => r.integer(&f, days_key.range(), "the horizon in days").map(|d| d as u32),
        (None, None) => {
            r.missing(&t, "days", "the horizon in days, e.g. days = 730");
            None
        }
    };
    let runs_key = keys::find(keys::SIMULATION, "runs");
    let runs_field = t.take("runs");
    let runs = match (&runs_field, ov.runs) {
        (_, Some(n)) if (1..=LIMITS.max_runs).contains(&n) => Some(n),
        (_, Some(n)) => {
            r.push(
                "simulation.runs",
                None,
                format!("--runs {n} is out of range"),
                Some(format!("from 1 to {}", LIMITS.max_runs)),
            );
            None
        }
        (Some(f), None) => r.integer(f, runs_key.range(), "the number of Monte Carlo runs").map(|n| n as u32),
        (None, None) => Some(runs_key.default_number() as u32),
    };
    let seed_key = keys::find(keys::SIMULATION, "seed");
    let seed = match (t.take("seed"), ov.seed) {
        (_, Some(s)) => Some(s),
        (Some(f), None) => r.integer(&f, seed_key.range(), "the random seed").map(|s| s as u64),
        (None, None) => Some(seed_key.default_number() as u64),
    };
    if let Some(n) = runs
        && u64::from(n) > LIMITS.runs_in_memory()
    {
        let bytes = u64::from(n) * RUN_BYTES;
        let message = format!(
            "{n} runs need {:.1} GiB for their outcomes, more than the {} GiB allowed",
            bytes as f64 / f64::from(1u32 << 30),
            LIMITS.max_outcome_bytes >> 30
        );
        let span = runs_field.as_ref().map(Field::span);
        let help = "use fewer runs, or shards (--shard K/N) on several machines";
        r.push("simulation.runs", span, message, Some(help.into()));
    }
    let sampling = match t.take("sampling") {
        Some(f) => match r.string(&f).as_deref() {
            Some("random") => Some(Sampling::Random),
            Some("lhs") => Some(Sampling::LatinHypercube),
            Some(other) => {
                let key = keys::find(keys::SIMULATION, "sampling");
                let words: Vec<String> = key.words().iter().map(|w| format!("\"{w}\"")).collect();
                let help = format!("sampling = one of {} (default \"{}\")", words.join(", "), key.default_text());
                r.error_with_help(&f, format!("unknown sampling \"{other}\""), help);
                None
            }
            None => None,
        },
        None => Some(Sampling::default()),
    };
    t.finish(r, &names(keys::SIMULATION));
    Some(Simulation { start: start?, days: days?, runs: runs?, seed: seed?, sampling: sampling? })
}

/// A rate key read as a schedule of day indices.
fn read_schedule(r: &mut Reader, field: &Field<'_>, h: Option<Horizon>) -> Option<Schedule> {
    let steps = r.schedule(field, Domain::NonNegative)?;
    let h = h?;
    Some(Schedule { steps: steps.into_iter().map(|(from, v)| (from.map_or(i64::MIN, |d| h.day_of(d)), v)).collect() })
}

/// A delay key (`training_days`, `recovery_days`) discretised over the horizon; `default`
/// days when the key is left out.
fn delay(r: &mut Reader, field: Option<Field<'_>>, h: Option<Horizon>, default: f64) -> Option<DelayKernel> {
    let horizon = h.map_or(LIMITS.max_days, |h| h.days);
    match field {
        Some(f) => r.uncertain(&f, Domain::NonNegative).map(|u| DelayKernel::new(&u, horizon)),
        None => Some(DelayKernel::exact(default as u32)),
    }
}

fn read_attrition(r: &mut Reader, mut t: Table<'_>, h: Option<Horizon>) -> Option<Attrition> {
    let daily = t.take("daily");
    let per_1000 = t.take("per_1000");
    let rate = match (daily, per_1000) {
        (Some(d), None) => read_schedule(r, &d, h).map(AttritionRate::Daily),
        (None, Some(p)) => read_schedule(r, &p, h).map(AttritionRate::Per1000),
        (Some(_), Some(p)) => {
            r.error_with_help(
                &p,
                "give only one of `daily` and `per_1000`",
                "daily = mean casualties a day; per_1000 = a day per 1,000 deployed",
            );
            None
        }
        (None, None) => {
            r.missing(
                &t,
                "daily",
                "casualties need a rate: daily = 600 (a day), or per_1000 = 1.4 (a day per 1,000 deployed)",
            );
            None
        }
    };
    let dispersion = t.take("dispersion").map(|f| r.input(&f, Domain::Positive));
    let drift = t.take("drift").map(|f| read_drift(r, f));
    let split_fields = [t.take("killed"), t.take("wounded"), t.take("missing")];
    let any_split = split_fields.iter().any(Option::is_some);
    let mut split = Vec::with_capacity(3);
    for (i, (f, name)) in split_fields.iter().zip(["killed", "wounded", "missing"]).enumerate() {
        split.push(match f {
            Some(f) => r.input(f, Domain::Fraction),
            // Without a split every casualty is a permanent loss (killed = 1).
            None => {
                let share = if !any_split && i == 0 { 1.0 } else { 0.0 };
                Some(r.register(format!("{}.{name}", t.path), Uncertain::known(share, Domain::Fraction)))
            }
        });
    }
    if split.iter().all(Option::is_some) && any_split {
        let sum: f64 = split.iter().flatten().map(|&id| r.value(id).nominal_mean()).sum();
        if (sum - 1.0).abs() > 1e-6 {
            let f = split_fields.iter().flatten().next_back().expect("a split key is present");
            r.push(
                &f.path,
                Some(f.span()),
                format!("the casualty split killed + wounded + missing sums to {}, not 1", (sum * 1e9).round() / 1e9),
                Some("give shares that add up to 1, e.g. killed = 0.35, wounded = 0.60, missing = 0.05 (a key left out counts as 0)".into()),
            );
        }
    }
    let return_field = t.take("return_to_duty");
    let return_to_duty = match &return_field {
        Some(f) => r.input(f, Domain::Fraction),
        None => Some(r.register_default(&t, keys::find(keys::ATTRITION, "return_to_duty"))),
    };
    let recovery_field = t.take("recovery_days");
    let needs_recovery = return_to_duty.is_some_and(|id| !r.value(id).is_fixed() || r.value(id).nominal_mean() > 0.0);
    if needs_recovery
        && recovery_field.is_none()
        && let Some(f) = &return_field
    {
        r.error_with_help(
            f,
            "wounded who return to duty need `recovery_days`",
            "add recovery_days = 45, or a distribution of days",
        );
    }
    // Left out only when nobody returns (required otherwise, above): no delay to speak of.
    let recovery = delay(r, recovery_field, h, 0.0).map(|k| k.at_least(1));
    t.finish(r, &names(keys::ATTRITION));
    let [killed, wounded, missing]: [Option<InputId>; 3] = split.try_into().ok()?;
    let dispersion = match dispersion {
        Some(k) => Some(k?),
        None => None,
    };
    let drift = match drift {
        Some(d) => Some(d?),
        None => None,
    };
    Some(Attrition {
        rate: rate?,
        dispersion,
        drift,
        split: [killed?, wounded?, missing?],
        return_to_duty: return_to_duty?,
        recovery: recovery?,
    })
}

fn read_name(r: &mut Reader, t: &mut Table<'_>, kind: &str, index: &str) -> String {
    name_or_default(r, t.take("name").as_ref(), kind, index)
}

/// The `name` given, or `<kind><index>` (`recruitment[0]`).
fn name_or_default(r: &mut Reader, field: Option<&Field<'_>>, kind: &str, index: &str) -> String {
    field.and_then(|f| r.string(f)).unwrap_or_else(|| format!("{kind}{index}"))
}

/// A recruitment stream's or mobilization wave's name, which also names its source in the
/// composition outputs; where it is written is kept so that a duplicate can name both lines.
fn read_source_name(r: &mut Reader, t: &mut Table<'_>, kind: &str, index: &str) -> String {
    let field = t.take("name");
    let name = name_or_default(r, field.as_ref(), kind, index);
    let key = field.as_ref().map_or_else(|| t.path.clone(), |f| f.path.clone());
    let span = field.as_ref().map_or_else(|| t.span.clone(), |f| f.span());
    r.sources.push((key, name.clone(), span));
    name
}

/// Sources are told apart by name, and their daily.csv columns by the name's slug: two
/// streams or waves whose names share a slug, or one named like the initial force or a
/// recorded series, are refused at the second, naming the first's line.
fn check_source_names(r: &mut Reader, text: &str) {
    let mut seen: Vec<(String, String, Option<usize>)> =
        vec![(slug(INITIAL_SOURCE), format!("the {INITIAL_SOURCE}"), None)];
    seen.extend(SERIES.iter().map(|s| (slug(s), format!("the recorded series `{s}`"), None)));
    for (key, name, span) in std::mem::take(&mut r.sources) {
        let s = slug(&name);
        if let Some((_, other, line)) = seen.iter().find(|(o, ..)| *o == s) {
            let clash = match line {
                Some(line) => format!("\"{other}\" on line {line}"),
                None => other.clone(),
            };
            r.push(
                &key,
                Some(span.clone()),
                format!("the name \"{name}\" is already used by {clash}"),
                Some(format!(
                    "give each [[recruitment]] and [[mobilization]] a name of its own (names are compared by their letters and digits, \"{s}\"): composition by source tells them apart by name"
                )),
            );
        } else {
            seen.push((s, name, Some(super::diagnostic::line_column(text, span.start).0)));
        }
    }
}

fn read_loss(r: &mut Reader, mut t: Table<'_>) -> Option<Loss> {
    let index = t.path.trim_start_matches("loss").to_string();
    let name = read_name(r, &mut t, "loss", &index);
    let annual_rate = match t.take("annual_rate") {
        Some(f) => r.input(&f, Domain::Fraction),
        None => {
            r.missing(&t, "annual_rate", "the fraction of the force lost a year, e.g. annual_rate = 0.02");
            None
        }
    };
    t.finish(r, &names(keys::LOSS));
    Some(Loss { name, annual_rate: annual_rate? })
}

fn read_recruitment(r: &mut Reader, mut t: Table<'_>, h: Option<Horizon>) -> Option<Recruitment> {
    let index = t.path.trim_start_matches("recruitment").to_string();
    let name = read_source_name(r, &mut t, "recruitment", &index);
    let (daily, pool, uptake, dispersion) = (t.take("daily"), t.take("pool"), t.take("uptake"), t.take("dispersion"));
    let drift = t.take("drift");
    let intake_help = "a stream signs up either daily = <mean a day>, or pool = <people> with uptake = <fraction of the remaining pool a day>";
    let intake = match (&daily, &pool) {
        (Some(d), None) => {
            if let Some(u) = &uptake {
                r.error_with_help(u, "`uptake` goes with `pool`, not with `daily`", intake_help);
            }
            let daily = read_schedule(r, d, h);
            let dispersion = dispersion.as_ref().map(|f| r.input(f, Domain::Positive));
            let drift = drift.map(|f| read_drift(r, f));
            match (daily, dispersion, drift) {
                (Some(daily), None | Some(Some(_)), None | Some(Some(_))) => {
                    Some(Intake::Rate { daily, dispersion: dispersion.flatten(), drift: drift.flatten() })
                }
                _ => None,
            }
        }
        (None, Some(p)) => {
            if let Some(f) = &dispersion {
                r.error_with_help(
                    f,
                    "`dispersion` applies to a `daily` rate; a pool's daily uptake is binomial",
                    intake_help,
                );
            }
            if let Some(f) = &drift {
                r.error_with_help(f, "`drift` applies to a `daily` rate, not to a pool's uptake", intake_help);
            }
            let size = r.input(p, Domain::NonNegative);
            let uptake = match &uptake {
                Some(f) => r.input(f, Domain::Fraction),
                None => {
                    r.error_with_help(p, "a `pool` needs `uptake`", intake_help);
                    None
                }
            };
            Some(Intake::Pool { size: size?, uptake: uptake? })
        }
        (Some(_), Some(p)) => {
            r.error_with_help(p, "give only one of `daily` and `pool`", intake_help);
            None
        }
        (None, None) => {
            r.missing(&t, "daily", intake_help);
            None
        }
    };
    let start = t.take("start").map(|f| (r.date(&f), f.span()));
    let end = t.take("end").map(|f| (r.date(&f), f));
    if let (Some((Some(s), _)), Some((Some(e), f))) = (&start, &end)
        && e < s
    {
        r.error_with_help(f, format!("`end` ({e}) is before `start` ({s})"), "the window is inclusive: start <= end");
    }
    let training =
        delay(r, t.take("training_days"), h, keys::find(keys::RECRUITMENT, "training_days").default_number());
    let term_days = t
        .take("term_days")
        .and_then(|f| r.integer(&f, keys::find(keys::RECRUITMENT, "term_days").range(), "the service term in days"))
        .filter(|&d| d > 0)
        .map(|d| d as u32);
    let renewal_field = t.take("renewal");
    if let (Some(f), None) = (&renewal_field, term_days) {
        r.error_with_help(
            f,
            "`renewal` needs a service term",
            "add term_days = 365 (renewal is the share who sign on again at each expiry)",
        );
    }
    let renewal = match &renewal_field {
        Some(f) => r.input(f, Domain::Fraction),
        None => Some(r.register_default(&t, keys::find(keys::RECRUITMENT, "renewal"))),
    };
    let signing_bonus = t.take("signing_bonus").map(|f| r.input(&f, Domain::NonNegative));
    t.finish(r, &names(keys::RECRUITMENT));
    let h = h?;
    // Windows may start before the simulation and are clipped to it.
    let first = start.and_then(|(d, _)| d).map_or(0, |d| h.day_of(d)).max(0);
    let last = end.and_then(|(d, _)| d).map_or(i64::from(h.days) - 1, |d| h.day_of(d)).min(i64::from(h.days) - 1);
    let (first_day, last_day) = if first > last { (1, 0) } else { (first as u32, last as u32) };
    Some(Recruitment {
        name,
        intake: intake?,
        first_day,
        last_day,
        training: training?,
        term_days,
        renewal: renewal?,
        signing_bonus: match signing_bonus {
            Some(b) => Some(b?),
            None => None,
        },
    })
}

fn read_mobilization(
    r: &mut Reader,
    mut t: Table<'_>,
    h: Option<Horizon>,
    days_overridden: bool,
) -> Option<Mobilization> {
    let index = t.path.trim_start_matches("mobilization").to_string();
    let name = read_source_name(r, &mut t, "mobilization", &index);
    let start = read_wave_start(r, &mut t, h, days_overridden);
    let size = match t.take("size") {
        Some(f) => r.input(&f, Domain::NonNegative),
        None => {
            r.missing(&t, "size", "how many are called up, e.g. size = 300000");
            None
        }
    };
    let callup_key = keys::find(keys::MOBILIZATION, "callup_days");
    let callup_days = match t.take("callup_days") {
        Some(f) => r.integer(&f, callup_key.range(), "the days over which the call-up is spread").map(|d| d as u32),
        None => Some(callup_key.default_number() as u32),
    };
    let compliance = r.input_or(&mut t, keys::find(keys::MOBILIZATION, "compliance"));
    let training =
        delay(r, t.take("training_days"), h, keys::find(keys::MOBILIZATION, "training_days").default_number());
    let term_days = match t.take("term_days") {
        Some(f) => r
            .integer(
                &f,
                keys::find(keys::MOBILIZATION, "term_days").range(),
                "the service term in days (0: until the end)",
            )
            .map(|d| (d > 0).then_some(d as u32)),
        None => Some(None),
    };
    t.finish(r, &names(keys::MOBILIZATION));
    Some(Mobilization {
        name,
        start: start?,
        size: size?,
        callup_days: callup_days?,
        compliance: compliance?,
        training: training?,
        term_days: term_days?,
    })
}

/// When a wave starts: exactly one of `date` and `trigger` (with `not_before` and
/// `repeat_after_days`, which only a trigger takes).
fn read_wave_start(r: &mut Reader, t: &mut Table<'_>, h: Option<Horizon>, days_overridden: bool) -> Option<WaveStart> {
    let help = "date = 2024-01-15, or trigger = { deployed_below = 400000, for_days = 14 }";
    let within = |r: &mut Reader, f: &Field<'_>| match h {
        Some(h) => r.date(f).and_then(|d| h.day_within(r, f, d, days_overridden)),
        None => {
            r.date(f);
            None
        }
    };
    let (date, trigger) = (t.take("date"), t.take("trigger"));
    let (not_before, repeat) = (t.take("not_before"), t.take("repeat_after_days"));
    match (date, trigger) {
        (Some(d), None) => {
            for f in [&not_before, &repeat].into_iter().flatten() {
                r.error_with_help(f, "only a triggered wave takes this", "use it with trigger = { ... }, not date");
            }
            within(r, &d).map(WaveStart::Day)
        }
        (None, Some(trigger)) => {
            let not_before = match &not_before {
                Some(f) => within(r, f),
                None => Some(0),
            };
            let repeat_key = keys::find(keys::MOBILIZATION, "repeat_after_days");
            let repeat_after = match &repeat {
                Some(f) => r.integer(f, repeat_key.range(), "days from a start to the next").map(|d| Some(d as u32)),
                None => Some(None),
            };
            let trigger = read_trigger(r, trigger);
            Some(WaveStart::Trigger(Trigger { not_before: not_before?, repeat_after: repeat_after?, ..trigger? }))
        }
        (Some(_), Some(trigger)) => {
            r.error_with_help(&trigger, "give only one of `date` and `trigger`", help);
            None
        }
        (None, None) => {
            r.missing(t, "date", &format!("when the call-up starts: {help}"));
            None
        }
    }
}

/// `trigger = { <condition>_below = N, for_days = D }`.
fn read_trigger(r: &mut Reader, field: Field<'_>) -> Option<Trigger> {
    let conditions: Vec<&str> = TRIGGER_CONDITIONS.iter().map(|(name, _)| *name).collect();
    let help = format!(
        "one condition of {} and for_days, e.g. {{ deployed_below = 400000, for_days = 14 }}",
        conditions.join(", ")
    );
    let mut t = r.table(field)?;
    let given: Vec<(Field<'_>, usize)> =
        TRIGGER_CONDITIONS.iter().filter_map(|(name, series)| t.take(name).map(|f| (f, *series))).collect();
    let for_key = keys::find(keys::TRIGGER, "for_days");
    let for_days = match t.take("for_days") {
        Some(f) => r.integer(&f, for_key.range(), "consecutive days the condition must hold").map(|d| d as u32),
        None => Some(for_key.default_number() as u32),
    };
    let span = t.span.clone();
    let path = t.path.clone();
    t.finish(r, &names(keys::TRIGGER));
    let (field, series) = match given.len() {
        1 => given.into_iter().next()?,
        0 => {
            r.push(&path, Some(span), "a trigger needs a condition".into(), Some(help));
            return None;
        }
        _ => {
            r.error_with_help(&given[1].0, "a trigger takes one condition", help);
            return None;
        }
    };
    let below = r.number(&field).filter(|x| (0.0..=1e12).contains(x));
    if below.is_none() {
        r.error_with_help(&field, "expected a number of persons from 0 to 10¹²", help);
    }
    Some(Trigger { series, below: below? as u64, for_days: for_days?, not_before: 0, repeat_after: None })
}

/// `[[correlation]]`: rank correlations between pairs of uncertain inputs, checked to be
/// consistent, as a Gaussian copula.
fn read_correlations(r: &mut Reader, top: &mut Table<'_>) -> Option<Copula> {
    let tables = top.take("correlation").map(|f| r.tables(f)).unwrap_or_default();
    if tables.is_empty() {
        return None;
    }
    let help = "between = [\"attrition.daily\", \"recruitment[0].daily\"] names two uncertain inputs by key path; rank is their Spearman correlation, from -1 to 1";
    let mut pairs = Vec::new();
    let mut spans = Vec::new();
    for mut t in tables {
        let between = match t.take("between") {
            Some(f) => read_pair(r, &f, help),
            None => {
                r.missing(&t, "between", help);
                None
            }
        };
        let rank = match t.take("rank") {
            Some(f) => r.number(&f).and_then(|x| {
                if (-1.0..=1.0).contains(&x) {
                    Some(x)
                } else {
                    r.error_with_help(&f, format!("{x} is out of range"), "a rank correlation lies between -1 and 1");
                    None
                }
            }),
            None => {
                r.missing(&t, "rank", help);
                None
            }
        };
        spans.push((t.path.clone(), t.span.clone()));
        t.finish(r, &names(keys::CORRELATION));
        if let (Some((a, b)), Some(rank)) = (between, rank) {
            if pairs.iter().any(|&(x, y, _)| (x, y) == (a, b) || (x, y) == (b, a)) {
                let (path, span) = spans.last().cloned().expect("pushed above");
                r.push(&path, Some(span), "this pair is already correlated above".into(), None);
            }
            pairs.push((a, b, rank));
        }
    }
    if !r.diagnostics.is_empty() || pairs.is_empty() {
        return None;
    }
    match Copula::new(&pairs) {
        Ok(c) => Some(c),
        Err(e) => {
            let (path, span) = spans[0].clone();
            r.push(
                &path,
                Some(span),
                e.to_string(),
                Some(
                    "no joint distribution has these rank correlations together: weaken one of them, or drop one"
                        .into(),
                ),
            );
            None
        }
    }
}

/// `between = ["key", "key"]`: two distinct uncertain inputs.
fn read_pair(r: &mut Reader, field: &Field<'_>, help: &str) -> Option<(InputId, InputId)> {
    let toml::de::DeValue::Array(items) = field.value.get_ref() else {
        r.error_with_help(field, "expected an array of two key paths", help);
        return None;
    };
    let keys: Vec<Option<&str>> = items.iter().map(|i| i.get_ref().as_str()).collect();
    let [Some(a), Some(b)] = keys[..] else {
        r.error_with_help(field, "expected an array of two key paths (strings)", help);
        return None;
    };
    let mut ids = Vec::new();
    for key in [a, b] {
        match r.inputs.iter().position(|i| i.key == key) {
            Some(i) if !r.inputs[i].value.is_fixed() => ids.push(InputId(i)),
            Some(_) => {
                r.error_with_help(
                    field,
                    format!("`{key}` is a fixed number; only uncertain inputs can be correlated"),
                    help,
                );
                return None;
            }
            None => {
                let uncertain: Vec<&str> =
                    r.inputs.iter().filter(|i| !i.value.is_fixed()).map(|i| i.key.as_str()).collect();
                let nearest = uncertain.iter().min_by_key(|k| strsim::damerau_levenshtein(key, k)).copied();
                let message = match nearest.filter(|k| strsim::damerau_levenshtein(key, k) <= 3) {
                    Some(k) => format!("no input `{key}`; did you mean `{k}`?"),
                    None => format!("no input `{key}`"),
                };
                r.error_with_help(field, message, format!("uncertain inputs: {}", uncertain.join(", ")));
                return None;
            }
        }
    }
    if ids[0] == ids[1] {
        r.error_with_help(field, "an input cannot be correlated with itself", help);
        return None;
    }
    Some((ids[0], ids[1]))
}

/// `drift = { sd = 0.3, days = 90 }`: both uncertain numbers, registered as inputs.
fn read_drift(r: &mut Reader, field: Field<'_>) -> Option<Drift> {
    let help = "drift = { sd = 0.3, days = 90 }: sd of the log rate (≥ 0), correlation time in days (> 0)";
    let mut t = r.table(field)?;
    let part = |r: &mut Reader, t: &mut Table<'_>, key: &str, domain: Domain| match t.take(key) {
        Some(f) => r.input(&f, domain),
        None => {
            r.missing(t, key, help);
            None
        }
    };
    let sd = part(r, &mut t, "sd", Domain::NonNegative);
    let days = part(r, &mut t, "days", Domain::Positive);
    t.finish(r, &names(keys::DRIFT));
    Some(Drift { sd: sd?, days: days? })
}

/// `[observed]`: each series `{ file = "...", column = "...", daily = false }`, as written;
/// reading the files is [`Scenario::resolve_observed`]'s, so parsing touches no file.
fn read_observed(r: &mut Reader, mut t: Table<'_>) -> Vec<ObservedSource> {
    let mut sources = Vec::new();
    for key in names(keys::OBSERVED) {
        let Some(f) = t.take(key) else { continue };
        if let Some(source) = read_observed_series(r, f) {
            sources.push(source);
        }
    }
    t.finish(r, &names(keys::OBSERVED));
    sources
}

fn read_observed_series(r: &mut Reader, field: Field<'_>) -> Option<ObservedSource> {
    let mut t = r.table(field)?;
    let path = match t.take("file") {
        Some(f) => r.string(&f).map(|s| (s, f.span())),
        None => {
            r.missing(&t, "file", OBSERVED_HELP);
            None
        }
    };
    let column = t.take("column").and_then(|f| r.string(&f));
    let key = t.path.clone();
    let stock = match key.as_str() {
        "observed.strength" => Some(crate::ledger::series::TOTAL),
        "observed.deployed" => Some(crate::ledger::series::DEPLOYED),
        "observed.formation" => Some(crate::ledger::series::FORMATION),
        _ => None,
    };
    let kind = match stock {
        Some(series) => ObservedKind::Points(read_points_spec(r, t, series)?),
        None => {
            let daily = t.take("daily").and_then(|f| r.flag(&f, OBSERVED_HELP)).unwrap_or(false);
            t.finish(r, &names(keys::SERIES));
            ObservedKind::Daily { daily }
        }
    };
    let (file, span) = path?;
    Some(ObservedSource { key, file, span, column, kind })
}

/// The rest of `[observed] strength`, `deployed` or `formation`: `where`, and `sd` or
/// `low` with `high`.
fn read_points_spec(r: &mut Reader, mut t: Table<'_>, series: usize) -> Option<PointsSpec> {
    let mut ok = true;
    let mut filters = Vec::new();
    if let Some(f) = t.take("where") {
        let help = "where = { side = \"UA\" } keeps only the rows whose column `side` holds UA";
        match r.table(f) {
            Some(mut w) => {
                for (column, field) in w.take_all() {
                    match field.value.get_ref() {
                        toml::de::DeValue::String(s) => filters.push((column, s.to_string())),
                        _ => {
                            r.error_with_help(&field, "expected the text the column must hold", help);
                            ok = false;
                        }
                    }
                }
                if filters.is_empty() && ok {
                    r.push(&w.path, Some(w.span.clone()), "names no column".into(), Some(help.into()));
                    ok = false;
                }
            }
            None => ok = false,
        }
    }
    let sd_key = keys::find(keys::POINTS, "sd");
    let sd = match t.take("sd") {
        Some(f) => r.number(&f).and_then(|x| {
            let bounds = sd_key.bounds();
            let (lo, hi) = (bounds.start(), bounds.end());
            if bounds.contains(&x) {
                Some(x)
            } else {
                r.error_with_help(
                    &f,
                    format!("{x} is outside {lo} to {hi}"),
                    "a relative error, e.g. sd = 0.10 for ±10% (one standard deviation)",
                );
                None
            }
        }),
        None => Some(sd_key.default_number()),
    };
    let (low, high) = (t.take("low"), t.take("high"));
    let range = match (&low, &high) {
        (None, None) => None,
        (Some(l), Some(h)) => match (r.string(l), r.string(h)) {
            (Some(l), Some(h)) => Some((l, h)),
            _ => {
                ok = false;
                None
            }
        },
        (Some(f), None) | (None, Some(f)) => {
            r.error_with_help(
                f,
                "needs both `low` and `high`",
                "low = \"low\", high = \"high\" name the columns of a 90% range",
            );
            ok = false;
            None
        }
    };
    t.finish(r, &names(keys::POINTS));
    let sd = sd?;
    ok.then_some(PointsSpec { series, filters, sd, range })
}

/// How an `[observed]` series is written.
pub(super) const POINTS_HELP: &str = "strength = { file = \"data/estimates.csv\", column = \"estimate\", where = { side = \"UA\" }, sd = 0.10 }: a CSV file whose first column is the date, one row an estimate";
pub(super) const OBSERVED_HELP: &str = "casualties = { file = \"data/series.csv\", column = \"cumulative_personnel\" }; add daily = true if the column holds daily counts";
