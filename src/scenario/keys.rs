//! Every key of a scenario file, in one table: the parser takes its lists of valid keys
//! from here, and [`schema`] turns the same table into the JSON Schema that editors use
//! to check and complete scenario files as they are typed. So the two cannot disagree.

use serde_json::{Map, Value, json};

use crate::distribution::Domain;

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
    /// A table of these keys.
    Table(&'static [Key]),
    /// An array of tables of these keys (`[[section]]`).
    Tables(&'static [Key]),
}

/// A key: its name, what it holds, whether it is required, and what it means.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether a file must give it.
    pub required: bool,
    /// What it means, shown by editors.
    pub doc: &'static str,
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key { name, kind, required: false, doc }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key { name, kind, required: true, doc }
}

const COUNT: Kind = Kind::Uncertain(Domain::NonNegative);
const FRACTION: Kind = Kind::Uncertain(Domain::Fraction);

/// `[simulation]`.
pub const SIMULATION: &[Key] = &[
    required("start", Kind::Date, "Day 0, a TOML date such as 2023-09-03"),
    required("days", Kind::Integer(1, 36_500), "The horizon: days 0 to days − 1 are simulated"),
    key("runs", Kind::Integer(1, 100_000_000), "Monte Carlo runs (default 10000)"),
    key("seed", Kind::Integer(0, i64::MAX), "Master random seed (default 1)"),
    key(
        "sampling",
        Kind::Word(&["random", "lhs"]),
        "How uncertain inputs are sampled: random (default) or lhs (Latin hypercube)",
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
    key("return_to_duty", FRACTION, "Share of the wounded who return to duty (default 0)"),
    key("recovery_days", Kind::Uncertain(Domain::NonNegative), "Recovery delay of the returning wounded, in days"),
];

/// `[[loss]]`.
pub const LOSS: &[Key] = &[
    key("name", Kind::Text, "Shown in outputs"),
    required("annual_rate", FRACTION, "Fraction of the force lost over 365 days"),
];

/// `[[recruitment]]`.
pub const RECRUITMENT: &[Key] = &[
    key("name", Kind::Text, "Shown in outputs"),
    key("daily", Kind::Rate, "Mean sign-ups a day (or a schedule); exactly one of daily and pool"),
    key("pool", COUNT, "A finite pool that depletes; needs uptake"),
    key("uptake", FRACTION, "Fraction of the remaining pool signing a day"),
    key("dispersion", Kind::Uncertain(Domain::Positive), "Negative binomial shape k of a daily rate; omitted: Poisson"),
    key("drift", Kind::Table(DRIFT), "Slow wandering of a daily rate: { sd = 0.3, days = 90 }"),
    key("start", Kind::Date, "First day of the window (inclusive; clipped to the horizon)"),
    key("end", Kind::Date, "Last day of the window (inclusive)"),
    key("training_days", Kind::Uncertain(Domain::NonNegative), "Training delay before arrival, in days (default 0)"),
    key("term_days", Kind::Integer(0, u32::MAX as i64), "Service term from arrival, in days; 0 or omitted: no term"),
    key("renewal", FRACTION, "Share who sign on again at each expiry (default 0); needs term_days"),
    key("signing_bonus", COUNT, "Paid per recruit at sign-up, counted in cost_total"),
];

/// `[[mobilization]]`.
pub const MOBILIZATION: &[Key] = &[
    key("name", Kind::Text, "Shown in outputs"),
    required("date", Kind::Date, "First day of the call-up, inside the horizon"),
    required("size", COUNT, "Persons called up"),
    key("callup_days", Kind::Integer(1, u32::MAX as i64), "Days over which the call-up is spread evenly (default 1)"),
    key("compliance", FRACTION, "Share of those called who report (default 1)"),
    key("training_days", Kind::Uncertain(Domain::NonNegative), "Training delay before arrival, in days (default 0)"),
    key("term_days", Kind::Integer(0, u32::MAX as i64), "0 or omitted: serve to the end; else all leave at term"),
];

/// `[cost]`.
pub const COST: &[Key] = &[
    key("monthly_pay", COUNT, "Pay a month for each person on strength or in training (default 0)"),
    key("currency", Kind::Text, "A label (default USD)"),
];

/// `[goal]`.
pub const GOAL: &[Key] = &[
    required("new_army", COUNT, "Surplus personnel that resource one new army"),
    key("by", Kind::Date, "Deadline, inside the horizon (default: the last day)"),
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
    key("daily", Kind::Flag, "The column holds daily counts (default false: a running total)"),
];

/// `[observed]`.
pub const OBSERVED: &[Key] = &[
    key("casualties", Kind::Table(SERIES), "Observed casualties, drawn over the model's bands"),
    key("recruited", Kind::Table(SERIES), "Observed recruits, drawn over the model's bands"),
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
            "distribution": {
                "type": "object",
                "description": "An uncertain number: uniform (min, max), triangular and pert (min, mode, max), normal and lognormal (mean, sd), beta (alpha, beta), fixed (value)",
                "required": ["dist"],
                "additionalProperties": false,
                "properties": {
                    "dist": { "enum": ["uniform", "triangular", "pert", "normal", "lognormal", "beta", "fixed"] },
                    "min": { "type": "number" }, "mode": { "type": "number" }, "max": { "type": "number" },
                    "mean": { "type": "number" }, "sd": { "type": "number", "minimum": 0 },
                    "alpha": { "type": "number", "exclusiveMinimum": 0 }, "beta": { "type": "number", "exclusiveMinimum": 0 },
                    "value": { "type": "number" }
                }
            }
        }),
    );
    Value::Object(root.clone())
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
        Kind::KeyPair => {
            json!({ "type": "array", "minItems": 2, "maxItems": 2, "items": { "type": "string" }, "description": doc })
        }
        Kind::Table(keys) => table(keys, doc),
        Kind::Tables(keys) => json!({ "type": "array", "description": doc, "items": table(keys, doc) }),
    }
}
