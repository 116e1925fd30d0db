//! Reading a spanned TOML tree, collecting every problem with its position.
//!
//! The document is parsed with `toml::de::DeTable`, which keeps the byte span of every
//! key and value. Each section is read by taking its known keys one by one; whatever is
//! left at the end is an unknown key, reported with the nearest valid one. Problems are
//! collected, not returned, so a file's errors are all reported in one pass.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::Diagnostic;
use super::keys::{self, Key};
use super::{Input, InputId};
use crate::date::Date;
use crate::distribution::{Domain, Form, FormError, Uncertain};

/// A key and its value, with where both are in the file.
pub(crate) struct Field<'i> {
    /// The full key path, e.g. `recruitment[0].daily`.
    pub path: String,
    pub key_span: Range<usize>,
    pub value: Spanned<DeValue<'i>>,
}

impl Field<'_> {
    pub fn span(&self) -> Range<usize> {
        self.value.span()
    }
}

/// A table whose keys are taken as they are read.
pub(crate) struct Table<'i> {
    /// Key path of the table itself (`""` for the document, `attrition`, `loss[2]`).
    pub path: String,
    pub span: Range<usize>,
    fields: Vec<Option<Field<'i>>>,
}

impl<'i> Table<'i> {
    pub fn new(path: String, span: Range<usize>, table: DeTable<'i>) -> Self {
        let fields = table
            .into_iter()
            .map(|(key, value)| {
                let key_span = key.span();
                let key = key.into_inner();
                let path = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
                Some(Field { path, key_span, value })
            })
            .collect();
        Self { path, span, fields }
    }

    fn name_of<'f>(field: &'f Field<'_>) -> &'f str {
        field.path.rsplit('.').next().unwrap_or(&field.path)
    }

    /// Removes and returns the key, if present.
    pub fn take(&mut self, key: &str) -> Option<Field<'i>> {
        self.fields.iter_mut().find(|f| f.as_ref().is_some_and(|f| Self::name_of(f) == key))?.take()
    }

    /// Removes and returns every key not yet taken, with its name.
    pub fn take_all(&mut self) -> Vec<(String, Field<'i>)> {
        self.fields.iter_mut().filter_map(Option::take).map(|f| (Self::name_of(&f).to_string(), f)).collect()
    }

    /// Whether a key not yet taken looks like a misspelling of `key` (then the unknown key
    /// is reported with the suggestion, and the missing key need not be).
    pub fn has_misspelling_of(&self, key: &str) -> bool {
        self.fields.iter().flatten().any(|f| close(Self::name_of(f), key))
    }

    /// Reports every key not taken as unknown, suggesting the nearest of `valid`.
    pub fn finish(self, r: &mut Reader, valid: &[&str]) {
        let where_ = if self.path.is_empty() { "at the top level".to_string() } else { format!("in [{}]", self.path) };
        for field in self.fields.into_iter().flatten() {
            let name = Self::name_of(&field).to_string();
            let nearest =
                valid.iter().filter(|v| close(&name, v)).min_by_key(|v| strsim::damerau_levenshtein(&name, v)).copied();
            let message = match nearest {
                Some(v) => format!("unknown key {where_}; did you mean `{v}`?"),
                None => format!("unknown key {where_}"),
            };
            r.push(
                &field.path,
                Some(field.key_span),
                message,
                Some(format!("valid keys {where_}: {}", valid.join(", "))),
            );
        }
    }
}

/// Collects diagnostics, and the numbers that are drawn per run, while a scenario is read.
#[derive(Default)]
pub(crate) struct Reader {
    pub diagnostics: Vec<Diagnostic>,
    /// Every per-run number, in the order read, with its key path.
    pub inputs: Vec<Input>,
    /// Each stream's and wave's name as read: key path, name, and where it is written.
    pub sources: Vec<(String, String, Range<usize>)>,
}

/// What an uncertain number may be, with every distribution of the key table.
fn uncertain_help() -> String {
    let forms: Vec<String> = keys::DISTRIBUTIONS
        .iter()
        .filter(|(d, _)| *d != "fixed")
        .map(|(d, params)| format!("{d} ({})", params.join(", ")))
        .collect();
    format!(
        "write a number, or a distribution such as {{ dist = \"pert\", min = 400, mode = 600, max = 900 }}; dists: {}",
        forms.join(", ")
    )
}

impl Reader {
    pub fn push(&mut self, key: &str, span: Option<Range<usize>>, message: String, help: Option<String>) {
        self.diagnostics.push(Diagnostic { key: key.to_string(), message, span, help });
    }

    pub fn error_with_help(&mut self, field: &Field<'_>, message: impl Into<String>, help: impl Into<String>) {
        self.push(&field.path, Some(field.span()), message.into(), Some(help.into()));
    }

    /// A required key that is absent: reported at the table's header, unless a misspelling
    /// of it is there (reported as an unknown key with the suggestion instead).
    pub fn missing(&mut self, table: &Table<'_>, key: &str, help: &str) {
        if table.has_misspelling_of(key) {
            return;
        }
        let path = if table.path.is_empty() { key.to_string() } else { format!("{}.{key}", table.path) };
        let where_ =
            if table.path.is_empty() { "at the top level".to_string() } else { format!("in [{}]", table.path) };
        self.push(&path, Some(table.span.clone()), format!("missing required key {where_}"), Some(help.to_string()));
    }

    fn wrong_type(&mut self, field: &Field<'_>, expected: &str, help: Option<&str>) {
        let found = article(field.value.get_ref().type_str());
        self.push(
            &field.path,
            Some(field.span()),
            format!("expected {expected}, found {found}"),
            help.map(str::to_string),
        );
    }

    /// A table (`[section]` or an inline `{ ... }`).
    pub fn table<'i>(&mut self, field: Field<'i>) -> Option<Table<'i>> {
        let span = field.span();
        match field.value.into_inner() {
            DeValue::Table(t) => Some(Table::new(field.path, span, t)),
            other => {
                let found = article(other.type_str());
                self.push(&field.path, Some(span), format!("expected a table, found {found}"), None);
                None
            }
        }
    }

    /// An array of tables (`[[section]]`, or an array of inline tables).
    pub fn tables<'i>(&mut self, field: Field<'i>) -> Vec<Table<'i>> {
        let span = field.span();
        let path = field.path.clone();
        match field.value.into_inner() {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let item_span = item.span();
                    match item.get_ref() {
                        DeValue::Table(t) => out.push(Table::new(item_path, item_span, t.clone())),
                        other => {
                            let found = article(other.type_str());
                            self.push(&item_path, Some(item_span), format!("expected a table, found {found}"), None);
                        }
                    }
                }
                out
            }
            other => {
                let found = article(other.type_str());
                self.push(&path, Some(span), format!("expected an array of tables ([[{path}]]), found {found}"), None);
                Vec::new()
            }
        }
    }

    /// A string.
    pub fn string(&mut self, field: &Field<'_>) -> Option<String> {
        match field.value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(field, "a string", None);
                None
            }
        }
    }

    /// A plain integer in `range`.
    pub fn integer(&mut self, field: &Field<'_>, range: std::ops::RangeInclusive<i64>, what: &str) -> Option<i64> {
        let help = format!("{what}: a whole number from {} to {}", range.start(), range.end());
        let value = match field.value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            DeValue::Float(_) => {
                self.error_with_help(field, "expected a whole number, found a float", help);
                return None;
            }
            DeValue::Table(_) => {
                self.error_with_help(field, "this key takes a plain whole number, not a distribution", help);
                return None;
            }
            _ => {
                self.wrong_type(field, "an integer", Some(&help));
                return None;
            }
        };
        match value {
            Some(v) if range.contains(&v) => Some(v),
            _ => {
                let shown = field.value.get_ref().as_integer().map_or(String::new(), |i| i.to_string());
                self.error_with_help(field, format!("{shown} is out of range"), help);
                None
            }
        }
    }

    /// A number (integer or float) that is finite.
    pub fn number(&mut self, field: &Field<'_>) -> Option<f64> {
        self.number_value(field.value.get_ref(), &field.path, field.span())
    }

    fn number_value(&mut self, value: &DeValue<'_>, path: &str, span: Range<usize>) -> Option<f64> {
        let x = match value {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok().map(|v| v as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            other => {
                let found = article(other.type_str());
                self.push(path, Some(span), format!("expected a number, found {found}"), None);
                return None;
            }
        };
        match x {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.push(path, Some(span), "must be a finite number (inf and nan are not allowed)".into(), None);
                None
            }
        }
    }

    /// A TOML local date (`2023-09-03`, unquoted).
    pub fn date(&mut self, field: &Field<'_>) -> Option<Date> {
        let help = "write a TOML date without quotes, e.g. 2023-09-03";
        match field.value.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                let d = dt.date?;
                let date = Date::from_ymd(i32::from(d.year), u32::from(d.month), u32::from(d.day));
                if date.is_none() {
                    self.error_with_help(field, format!("{dt} is not a day of the calendar"), help);
                }
                date
            }
            DeValue::Datetime(_) => {
                self.error_with_help(field, "expected a date without a time of day", help);
                None
            }
            DeValue::String(s) => {
                self.error_with_help(field, format!("expected a date, found the string \"{s}\""), help);
                None
            }
            _ => {
                self.wrong_type(field, "a date", Some(help));
                None
            }
        }
    }

    /// `true` or `false`; anything else is an error with `help`.
    pub fn flag(&mut self, field: &Field<'_>, help: &str) -> Option<bool> {
        match field.value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.error_with_help(field, "expected true or false", help);
                None
            }
        }
    }

    /// Registers a per-run number under its key path.
    pub fn register(&mut self, key: String, value: Uncertain) -> InputId {
        self.inputs.push(Input { key, value, span: None });
        InputId(self.inputs.len() - 1)
    }

    /// An uncertain number read from `field` and registered as a per-run input, with
    /// where it is written.
    pub fn input(&mut self, field: &Field<'_>, domain: Domain) -> Option<InputId> {
        let value = self.uncertain(field, domain)?;
        let id = self.register(field.path.clone(), value);
        self.inputs[id.0].span = Some(field.span());
        Some(id)
    }

    /// `key` of `table` if given, else its default from the key table; registered either
    /// way, so every number can be varied by name (e.g. by `simulate breakeven --vary`).
    pub fn input_or(&mut self, table: &mut Table<'_>, key: &Key) -> Option<InputId> {
        match table.take(key.name) {
            Some(f) => self.input(&f, key.domain()),
            None => Some(self.register_default(table, key)),
        }
    }

    /// Registers the default of an uncertain `key` of `table`, as the file left it out.
    pub fn register_default(&mut self, table: &Table<'_>, key: &Key) -> InputId {
        self.register(format!("{}.{}", table.path, key.name), Uncertain::known(key.default_number(), key.domain()))
    }

    /// The registered value of an input.
    pub fn value(&self, id: InputId) -> &Uncertain {
        &self.inputs[id.0].value
    }

    /// An uncertain number: a number or a `{ dist = ..., ... }` table, in `domain`.
    pub fn uncertain(&mut self, field: &Field<'_>, domain: Domain) -> Option<Uncertain> {
        self.uncertain_value(field.value.get_ref(), &field.path, field.span(), domain)
    }

    fn uncertain_value(
        &mut self,
        value: &DeValue<'_>,
        path: &str,
        span: Range<usize>,
        domain: Domain,
    ) -> Option<Uncertain> {
        let form = match value {
            DeValue::Integer(_) | DeValue::Float(_) => Form::Fixed(self.number_value(value, path, span.clone())?),
            DeValue::Table(t) => self.distribution(t, path, span.clone())?,
            other => {
                let found = article(other.type_str());
                self.push(
                    path,
                    Some(span),
                    format!("expected a number or a distribution, found {found}"),
                    Some(uncertain_help()),
                );
                return None;
            }
        };
        match Uncertain::new(form, domain) {
            Ok(u) => Some(u),
            Err(e) => {
                // A range error already says what the key takes; any other, the help does.
                let says_range = matches!(e, FormError::ValueOutOfRange { .. } | FormError::OutOfRange { .. });
                let help = (!says_range).then(|| format!("this key takes {}", domain.describe()));
                self.push(path, Some(span), e.to_string(), help);
                None
            }
        }
    }

    fn distribution(&mut self, t: &DeTable<'_>, path: &str, span: Range<usize>) -> Option<Form> {
        let mut table = Table::new(path.to_string(), span.clone(), t.clone());
        let Some(dist_field) = table.take("dist") else {
            self.push(path, Some(span), "a distribution table needs a `dist` key".into(), Some(uncertain_help()));
            return None;
        };
        let dist = self.string(&dist_field)?;
        let Some(params) = keys::parameters(&dist) else {
            let words = keys::DISTRIBUTIONS.iter().map(|(d, _)| *d);
            let nearest = words.min_by_key(|d| strsim::damerau_levenshtein(&dist, d));
            let guess = nearest
                .filter(|d| strsim::damerau_levenshtein(&dist, d) <= 3)
                .map_or(String::new(), |d| format!("; did you mean \"{d}\"?"));
            self.error_with_help(&dist_field, format!("unknown distribution \"{dist}\"{guess}"), uncertain_help());
            return None;
        };
        let mut values = Vec::with_capacity(params.len());
        for p in params {
            match table.take(p) {
                Some(f) => values.push(self.number(&f)),
                None => {
                    self.push(
                        path,
                        Some(span.clone()),
                        format!("a {dist} distribution needs `{p}`"),
                        Some(format!("{dist} takes {}", params.join(", "))),
                    );
                    values.push(None);
                }
            }
        }
        let mut valid = vec!["dist"];
        valid.extend_from_slice(params);
        table.finish(self, &valid);
        let v: Vec<f64> = values.into_iter().collect::<Option<_>>()?;
        match dist.as_str() {
            "fixed" => Some(Form::Fixed(v[0])),
            "uniform" => Some(Form::Uniform { min: v[0], max: v[1] }),
            "triangular" => Some(Form::Triangular { min: v[0], mode: v[1], max: v[2] }),
            "pert" => Some(Form::Pert { min: v[0], mode: v[1], max: v[2] }),
            "normal" => Some(Form::Normal { mean: v[0], sd: v[1] }),
            "lognormal" => Some(Form::LogNormal { mean: v[0], sd: v[1] }),
            "beta" => Some(Form::Beta { alpha: v[0], beta: v[1] }),
            // Every word of keys::DISTRIBUTIONS has a form above (tested).
            _ => None,
        }
    }

    /// A rate: an uncertain number, or a schedule `[ { from = DATE, value = ... }, ... ]`
    /// whose `from` dates increase. Returns the steps as (first date, input); a step's key
    /// is `path[i]`, a single rate's is `path`.
    pub fn schedule(&mut self, field: &Field<'_>, domain: Domain) -> Option<Vec<(Option<Date>, InputId)>> {
        let DeValue::Array(items) = field.value.get_ref() else {
            return self.input(field, domain).map(|id| vec![(None, id)]);
        };
        let help = "a schedule is [ { from = 2023-09-03, value = 600 }, { from = 2024-03-01, value = 900 } ] with increasing dates";
        if items.is_empty() {
            self.error_with_help(field, "a schedule needs at least one step", help);
            return None;
        }
        let mut steps = Vec::new();
        let mut ok = true;
        let mut last: Option<Date> = None;
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", field.path);
            let DeValue::Table(t) = item.get_ref() else {
                let found = article(item.get_ref().type_str());
                self.push(
                    &path,
                    Some(item.span()),
                    format!("expected a step {{ from = DATE, value = ... }}, found {found}"),
                    Some(help.into()),
                );
                ok = false;
                continue;
            };
            let mut step = Table::new(path.clone(), item.span(), t.clone());
            let from = match step.take("from") {
                Some(f) => self.date(&f).inspect(|d| {
                    if last.is_some_and(|l| *d <= l) {
                        self.error_with_help(&f, "schedule dates must increase from step to step", help);
                        ok = false;
                    }
                }),
                None => {
                    self.missing(&step, "from", help);
                    None
                }
            };
            let value = match step.take("value") {
                Some(f) => self.uncertain(&f, domain),
                None => {
                    self.missing(&step, "value", help);
                    None
                }
            };
            step.finish(self, &["from", "value"]);
            match (from, value) {
                (Some(d), Some(v)) => {
                    last = Some(d);
                    let id = self.register(path, v);
                    steps.push((Some(d), id));
                }
                _ => ok = false,
            }
        }
        ok.then_some(steps)
    }
}

/// Whether `typed` is within a few edits of `valid` (2, or a third of its length).
fn close(typed: &str, valid: &str) -> bool {
    strsim::damerau_levenshtein(typed, valid) <= 2.max(valid.len() / 3)
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}
