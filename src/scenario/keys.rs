//! Every key of a scenario file, in one table: the parser takes its valid keys, ranges,
//! defaults, enum words and distribution forms from here, and [`schema`] turns the same
//! table into the JSON Schema that editors use to check and complete scenario files as
//! they are typed. So the two cannot disagree.

use std::ops::RangeInclusive;

use serde_json::{Map, Value, json};

use crate::distribution::Domain;
use crate::limits::LIMITS;

/// The forms of an uncertain number: each `dist` word and its parameters, in order.
pub const DISTRIBUTIONS: &[(&str, &[&str])] = &[
    ("uniform", &["min", "max"]),
    ("triangular", &["min", "mode", "max"]),
    ("pert", &["min", "mode", "max"]),
    ("normal", &["mean", "sd"]),
    ("lognormal", &["mean", "sd"]),
    ("beta", &["alpha", "beta"]),
    ("fixed", &["value"]),
];

/// The parameters of the distribution `dist`, or `None` for an unknown word.
pub fn parameters(dist: &str) -> Option<&'static [&'static str]> {
    DISTRIBUTIONS.iter().find(|(d, _)| *d == dist).map(|(_, p)| *p)
}

/// A key's value when a file leaves it out (MODEL.md's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// No constant default: required, or derived from other keys.
    None,
    /// A number (an uncertain key's fixed default, or a delay in days).
    Number(f64),
    /// A whole number.
    Integer(i64),
    /// A word or text.
    Text(&'static str),
    /// true or false.
    Flag(bool),
}

/// What a key holds.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A string.
    Text,
    /// A TOML local date.
    Date,
    /// A whole number in a range.
    Integer(i64, i64),
    /// A plain number in a range.
    Number(f64, f64),
    /// true or false.
    Flag,
    /// One of the given words.
    Word(&'static [&'static str]),
    /// An uncertain number in a domain.
    Uncertain(Domain),
    /// An uncertain number, or a schedule of dated steps.
    Rate,
    /// An array of two key paths.
    KeyPair,
    /// A table of a data file's column names, each with the text it must hold.
    Columns,
    /// A table of these keys.
    Table(&'static [Key]),
    /// An array of tables of these keys (`[[section]]`).
    Tables(&'static [Key]),
}

/// A key: its name, what it holds, whether it is required, its default, and what it means.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether a file must give it.
    pub required: bool,
    /// Its value when left out.
    pub default: Default,
    /// What it means, shown by editors.
    pub doc: &'static str,
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key { name, kind, required: false, default: Default::None, doc }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key { name, kind, required: true, default: Default::None, doc }
}

const fn or(name: &'static str, kind: Kind, default: Default, doc: &'static str) -> Key {
    Key { name, kind, required: false, default, doc }
}

impl Key {
    /// The range of an integer key.
    ///
    /// # Panics
    /// If the key is not an integer (a mistake in this table, caught by every test).
    pub fn range(&self) -> RangeInclusive<i64> {
        match self.kind {
            Kind::Integer(min, max) => min..=max,
            _ => panic!("`{}` is not an integer key", self.name),
        }
    }

    /// The bounds of a plain number key.
    ///
    /// # Panics
    /// If the key is not a plain number (a mistake in this table, caught by every test).
    pub fn bounds(&self) -> RangeInclusive<f64> {
        match self.kind {
            Kind::Number(min, max) => min..=max,
            _ => panic!("`{}` is not a number key", self.name),
        }
    }

    /// The domain of an uncertain key.
    ///
    /// # Panics
    /// If the key is not uncertain.
    pub fn domain(&self) -> Domain {
        match self.kind {
            Kind::Uncertain(domain) => domain,
            _ => panic!("`{}` is not an uncertain key", self.name),
        }
    }

    /// The words of a word key.
    ///
    /// # Panics
    /// If the key takes no words.
    pub fn words(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Word(words) => words,
            _ => panic!("`{}` takes no words", self.name),
        }
    }

    /// The default of a numeric key.
    ///
    /// # Panics
    /// If the key has no numeric default.
    pub fn default_number(&self) -> f64 {
        match self.default {
            Default::Number(x) => x,
            Default::Integer(i) => i as f64,
            _ => panic!("`{}` has no numeric default", self.name),
        }
    }

    /// The default of a text key.
    ///
    /// # Panics
    /// If the key has no text default.
    pub fn default_text(&self) -> &'static str {
        match self.default {
            Default::Text(t) => t,
            _ => panic!("`{}` has no text default", self.name),
        }
    }
}

/// The key `name` of `keys`.
///
/// # Panics
/// If there is none (a mistake in the parser, caught by every test).
pub fn find(keys: &'static [Key], name: &str) -> &'static Key {
    keys.iter().find(|k| k.name == name).unwrap_or_else(|| panic!("no key `{name}` in the table"))
}

const COUNT: Kind = Kind::Uncertain(Domain::NonNegative);
const FRACTION: Kind = Kind::Uncertain(Domain::Fraction);
const DAYS: Kind = Kind::Uncertain(Domain::NonNegative);

/// `[simulation]`.
pub const SIMULATION: &[Key] = &[
    required("start", Kind::Date, "Day 0, a TOML date such as 2023-09-03"),
    required("days", Kind::Integer(1, LIMITS.max_days as i64), "The horizon: days 0 to days − 1 are simulated"),
    or("runs", Kind::Integer(1, LIMITS.max_runs as i64), Default::Integer(10_000), "Monte Carlo runs"),
    or("seed", Kind::Integer(0, i64::MAX), Default::Integer(1), "Master random seed"),
    or(
        "sampling",
        Kind::Word(&["random", "lhs"]),
        Default::Text("random"),
        "How uncertain inputs are sampled: random, or lhs (Latin hypercube)",
    ),
];

/// `[force]`.
pub const FORCE: &[Key] = &[
    required("initial", COUNT, "Personnel on strength on day 0"),
    key("target", COUNT, "Strength held at the front before surplus counts (default: initial)"),
];

/// `drift = { sd, days }`.
pub const DRIFT: &[Key] = &[
    required("sd", COUNT, "Standard deviation of the log rate"),
    required("days", Kind::Uncertain(Domain::Positive), "Correlation time of the drift, in days"),
];

/// `[attrition]`.
pub const ATTRITION: &[Key] = &[
    key("daily", Kind::Rate, "Mean combat casualties a day (or a schedule); exactly one of daily and per_1000"),
    key("per_1000", Kind::Rate, "Mean casualties a day per 1,000 deployed (or a schedule)"),
    key(
        "dispersion",
        Kind::Uncertain(Domain::Positive),
        "Negative binomial shape k (variance = mean + mean²/k); omitted: Poisson",
    ),
    key("drift", Kind::Table(DRIFT), "Slow wandering of the rate: { sd = 0.3, days = 90 }"),
    key("killed", FRACTION, "Share of casualties killed; killed + wounded + missing = 1"),
    key("wounded", FRACTION, "Share of casualties wounded"),
    key("missing", FRACTION, "Share of casualties missing or captured"),
    or("return_to_duty", FRACTION, Default::Number(0.0), "Share of the wounded who return to duty"),
    key("recovery_days", Kind::Uncertain(Domain::NonNegative), "Recovery delay of the returning wounded, in days"),
];

/// What the name of a stream or wave does: it names a source of the force's composition.
const SOURCE_NAME: &str = "Shown in outputs, and names this source of people in the composition (summary.json composition_end, daily.csv <slug>_ columns, composition.png): unique within the scenario, compared by letters and digits (default: recruitment[i] / mobilization[i])";

/// `[[loss]]`.
pub const LOSS: &[Key] = &[
    key("name", Kind::Text, "Shown in outputs"),
    required("annual_rate", FRACTION, "Fraction of the force lost over 365 days"),
];

/// `[[recruitment]]`.
pub const RECRUITMENT: &[Key] = &[
    key("name", Kind::Text, SOURCE_NAME),
    key("daily", Kind::Rate, "Mean sign-ups a day (or a schedule); exactly one of daily and pool"),
    key("pool", COUNT, "A finite pool that depletes; needs uptake"),
    key("uptake", FRACTION, "Fraction of the remaining pool signing a day"),
    key("dispersion", Kind::Uncertain(Domain::Positive), "Negative binomial shape k of a daily rate; omitted: Poisson"),
    key("drift", Kind::Table(DRIFT), "Slow wandering of a daily rate: { sd = 0.3, days = 90 }"),
    key("start", Kind::Date, "First day of the window (inclusive; clipped to the horizon)"),
    key("end", Kind::Date, "Last day of the window (inclusive)"),
    or("training_days", DAYS, Default::Number(0.0), "Training delay before arrival, in days"),
    key("term_days", Kind::Integer(0, u32::MAX as i64), "Service term from arrival, in days; 0 or omitted: no term"),
    or("renewal", FRACTION, Default::Number(0.0), "Share who sign on again at each expiry; needs term_days"),
    key("signing_bonus", COUNT, "Paid per recruit at sign-up, counted in cost_total"),
];

/// A mobilization's `trigger = { ... }`: one condition, and how long it must hold.
pub const TRIGGER: &[Key] = &[
    key("deployed_below", Kind::Number(0.0, 1e12), "Start when deployed has stayed below this"),
    key("formation_below", Kind::Number(0.0, 1e12), "Start when formation has stayed below this"),
    key("total_below", Kind::Number(0.0, 1e12), "Start when strength has stayed below this"),
    or("for_days", Kind::Integer(1, 36_500), Default::Integer(1), "Consecutive days the condition must hold"),
];

/// `[[mobilization]]`.
pub const MOBILIZATION: &[Key] = &[
    key("name", Kind::Text, SOURCE_NAME),
    key("date", Kind::Date, "First day of the call-up, inside the horizon; exactly one of date and trigger"),
    key(
        "trigger",
        Kind::Table(TRIGGER),
        "Start when a condition holds: { deployed_below = 400000, for_days = 14 } (or formation_below, total_below)",
    ),
    key("not_before", Kind::Date, "With a trigger: no start before this day"),
    key(
        "repeat_after_days",
        Kind::Integer(1, u32::MAX as i64),
        "With a trigger: it may start again this many days after its last start (default: once)",
    ),
    required("size", COUNT, "Persons called up"),
    or(
        "callup_days",
        Kind::Integer(1, u32::MAX as i64),
        Default::Integer(1),
        "Days over which the call-up is spread evenly",
    ),
    or("compliance", FRACTION, Default::Number(1.0), "Share of those called who report"),
    or("training_days", DAYS, Default::Number(0.0), "Training delay before arrival, in days"),
    key("term_days", Kind::Integer(0, u32::MAX as i64), "0 or omitted: serve to the end; else all leave at term"),
];

/// `[cost]`.
pub const COST: &[Key] = &[
    or("monthly_pay", COUNT, Default::Number(0.0), "Pay a month for each person on strength or in training"),
    or("currency", Kind::Text, Default::Text("USD"), "A label"),
];

/// `[goal]`.
pub const GOAL: &[Key] = &[
    required("new_army", COUNT, "Surplus personnel that resource one new army"),
    key("by", Kind::Date, "Deadline, inside the horizon (default: the last day)"),
    or(
        "deploy",
        Kind::Flag,
        Default::Flag(false),
        "Form and deploy each army as it is reached: the target rises by new_army, and armies are counted",
    ),
];

/// `[[correlation]]`.
pub const CORRELATION: &[Key] = &[
    required(
        "between",
        Kind::KeyPair,
        "Two uncertain inputs by key path, e.g. [\"attrition.daily\", \"recruitment[0].daily\"]",
    ),
    required("rank", Kind::Number(-1.0, 1.0), "Their Spearman rank correlation"),
];

/// One `[observed]` series.
pub const SERIES: &[Key] = &[
    required("file", Kind::Text, "A dated CSV file, relative to the scenario file"),
    key("column", Kind::Text, "The value column (default: the first numeric one)"),
    or("daily", Kind::Flag, Default::Flag(false), "The column holds daily counts (false: a running total)"),
];

/// `[observed] strength`, `deployed` or `formation`: dated estimates of a stock.
pub const POINTS: &[Key] = &[
    required(
        "file",
        Kind::Text,
        "A CSV file of dated estimates (first column the date), relative to the scenario file",
    ),
    key("column", Kind::Text, "The estimate column (default: the first numeric one)"),
    key("where", Kind::Columns, "Only rows whose columns hold these values, e.g. where = { side = \"UA\" }"),
    or(
        "sd",
        Kind::Number(1e-6, 10.0),
        Default::Number(0.10),
        "The estimate's relative error, a standard deviation as a share of it",
    ),
    key("low", Kind::Text, "A column with the low end of a 90% range (with `high`, instead of `sd`)"),
    key("high", Kind::Text, "A column with the high end of a 90% range (with `low`, instead of `sd`)"),
];

/// `[observed]`.
pub const OBSERVED: &[Key] = &[
    key("casualties", Kind::Table(SERIES), "Observed casualties, drawn over the model's bands"),
    key("recruited", Kind::Table(SERIES), "Observed recruits, drawn over the model's bands"),
    key(
        "strength",
        Kind::Table(POINTS),
        "Dated estimates of the force's strength (`total`), scored and drawn as points",
    ),
    key("deployed", Kind::Table(POINTS), "Dated estimates of `deployed`, scored and drawn as points"),
    key("formation", Kind::Table(POINTS), "Dated estimates of `formation`, scored and drawn as points"),
];

/// The top level of a scenario file.
pub const TOP: &[Key] = &[
    key("name", Kind::Text, "Shown in charts and tables (default: the file name)"),
    key("description", Kind::Text, "One line on what the scenario asks"),
    required("simulation", Kind::Table(SIMULATION), "Start, horizon, runs and seed"),
    required("force", Kind::Table(FORCE), "The force on day 0 and the strength it holds at the front"),
    key("attrition", Kind::Table(ATTRITION), "Combat casualties"),
    key("loss", Kind::Tables(LOSS), "Non-combat hazards"),
    key("recruitment", Kind::Tables(RECRUITMENT), "Recruitment streams"),
    key("mobilization", Kind::Tables(MOBILIZATION), "Mobilization waves"),
    key("cost", Kind::Table(COST), "Pay and bonuses"),
    key("goal", Kind::Table(GOAL), "The new army: its size and deadline"),
    key("correlation", Kind::Tables(CORRELATION), "Rank correlations between uncertain inputs"),
    key("observed", Kind::Table(OBSERVED), "Observed series to set against the model"),
];

/// The names of `keys`, for the parser's unknown-key check.
pub fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|k| k.name).collect()
}

/// The JSON Schema (draft-07) of scenario files, as TOML language servers read it (dates
/// as strings of format `date`).
pub fn schema() -> Value {
    let mut root = table(TOP, "A muster scenario: the manpower balance of a force at war, simulated day by day.");
    let root = root.as_object_mut().expect("an object");
    root.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    root.insert("title".into(), json!("muster scenario"));
    root.insert(
        "definitions".into(),
        json!({
            "distribution": distribution_schema()
        }),
    );
    Value::Object(root.clone())
}

/// `{ dist = ..., ... }`: the words and parameters of [`DISTRIBUTIONS`].
fn distribution_schema() -> Value {
    let forms: Vec<String> = DISTRIBUTIONS.iter().map(|(d, params)| format!("{d} ({})", params.join(", "))).collect();
    let mut properties = Map::new();
    properties.insert("dist".into(), json!({ "enum": DISTRIBUTIONS.iter().map(|(d, _)| *d).collect::<Vec<_>>() }));
    for (_, params) in DISTRIBUTIONS {
        for p in *params {
            let bound = match *p {
                "sd" => json!({ "type": "number", "minimum": 0 }),
                "alpha" | "beta" => json!({ "type": "number", "exclusiveMinimum": 0 }),
                _ => json!({ "type": "number" }),
            };
            properties.insert((*p).into(), bound);
        }
    }
    json!({
        "type": "object",
        "description": format!("An uncertain number: {}", forms.join(", ")),
        "required": ["dist"],
        "additionalProperties": false,
        "properties": properties
    })
}

fn table(keys: &[Key], doc: &str) -> Value {
    let properties: Map<String, Value> = keys.iter().map(|k| (k.name.to_string(), kind(k))).collect();
    let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
    json!({ "type": "object", "description": doc, "additionalProperties": false, "required": required, "properties": properties })
}

fn uncertain(domain: Domain, doc: &str) -> Value {
    let mut number = json!({ "type": "number", "minimum": 0 });
    match domain {
        Domain::Fraction => number["maximum"] = json!(1),
        Domain::Positive => number = json!({ "type": "number", "exclusiveMinimum": 0 }),
        Domain::NonNegative => {}
    }
    json!({ "description": doc, "anyOf": [number, { "$ref": "#/definitions/distribution" }] })
}

fn kind(k: &Key) -> Value {
    let mut schema = kind_schema(k);
    let default = match k.default {
        Default::None => None,
        Default::Number(x) => Some(json!(x)),
        Default::Integer(i) => Some(json!(i)),
        Default::Text(t) => Some(json!(t)),
        Default::Flag(b) => Some(json!(b)),
    };
    if let (Some(default), Some(object)) = (default, schema.as_object_mut()) {
        object.insert("default".into(), default);
    }
    schema
}

fn kind_schema(k: &Key) -> Value {
    let doc = k.doc;
    match k.kind {
        Kind::Text => json!({ "type": "string", "description": doc }),
        Kind::Date => json!({ "type": "string", "format": "date", "description": doc }),
        Kind::Integer(min, max) => json!({ "type": "integer", "minimum": min, "maximum": max, "description": doc }),
        Kind::Number(min, max) => json!({ "type": "number", "minimum": min, "maximum": max, "description": doc }),
        Kind::Flag => json!({ "type": "boolean", "description": doc }),
        Kind::Word(words) => json!({ "enum": words, "description": doc }),
        Kind::Uncertain(domain) => uncertain(domain, doc),
        Kind::Rate => {
            let step = json!({
                "type": "object", "additionalProperties": false, "required": ["from", "value"],
                "properties": { "from": { "type": "string", "format": "date" }, "value": uncertain(Domain::NonNegative, "The rate from this date on") }
            });
            json!({ "description": doc, "anyOf": [uncertain(Domain::NonNegative, doc), { "type": "array", "minItems": 1, "items": step }] })
        }
        Kind::Columns => json!({
            "type": "object",
            "additionalProperties": { "type": "string" },
            "minProperties": 1,
            "description": doc
        }),
        Kind::KeyPair => {
            json!({ "type": "array", "minItems": 2, "maxItems": 2, "items": { "type": "string" }, "description": doc })
        }
        Kind::Table(keys) => table(keys, doc),
        Kind::Tables(keys) => json!({ "type": "array", "description": doc, "items": table(keys, doc) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, Sampling, Scenario};

    const HEAD: &str = "[simulation]\nstart = 2024-01-01\ndays = 10\n";

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse("k.toml", text, Overrides::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn every_distribution_of_the_table_parses() {
        for (dist, params) in DISTRIBUTIONS {
            let value = |p: &str| match p {
                "min" => 0.2,
                "mode" | "mean" | "value" => 0.3,
                "max" => 0.4,
                "sd" => 0.01,
                _ => 2.0,
            };
            let fields: Vec<String> = params.iter().map(|p| format!("{p} = {}", value(p))).collect();
            let text = format!(
                "{HEAD}[force]\ninitial = 100\n[attrition]\ndaily = 1\nrecovery_days = 3\nreturn_to_duty = {{ dist = \"{dist}\", {} }}\n",
                fields.join(", ")
            );
            assert!(parse(&text).is_ok(), "{dist}: {:?}", parse(&text).err());
        }
    }

    #[test]
    fn every_word_and_default_of_the_table_is_the_parsers() {
        let sampling = find(SIMULATION, "sampling");
        for word in sampling.words() {
            let text = format!("{HEAD}sampling = \"{word}\"\n[force]\ninitial = 100\n");
            assert!(parse(&text).is_ok(), "sampling = {word}");
        }
        let plain = parse(&format!("{HEAD}[force]\ninitial = 100\n[cost]\n")).expect("valid");
        assert_eq!(i64::from(plain.runs()), find(SIMULATION, "runs").default_number() as i64);
        assert_eq!(plain.seed() as f64, find(SIMULATION, "seed").default_number());
        assert_eq!(plain.sampling(), Sampling::default());
        assert_eq!(sampling.default_text(), "random");
        assert_eq!(plain.cost().map(|c| c.currency()), Some(find(COST, "currency").default_text()));
        // The horizon's range is the limit's.
        assert_eq!(*find(SIMULATION, "days").range().end(), i64::from(LIMITS.max_days));
        assert!(
            parse(&format!("[simulation]\nstart = 2024-01-01\ndays = {}\n[force]\ninitial = 1\n", LIMITS.max_days + 1))
                .is_err()
        );
    }
}
