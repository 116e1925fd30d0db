//! Turning an observed daily series into scenario inputs: `simulate calibrate`.
//!
//! The model of a daily count y_t (MODEL.md's negative binomial, with `drift`):
//! y_t | λ_t ~ NB(mean λ_t, shape k), λ_t = m·exp(x_t − s/2), with x a stationary AR(1)
//! of variance s = sd² and lag-h correlation φ^h, φ = exp(−1/days). Its moments are
//!
//! - E\[y\] = m;
//! - Cov(y_t, y_{t+h}) = m²(exp(s φ^h) − 1) for h ≥ 1 (only the rate is shared);
//! - Var(y) = m + m² e^s / k + m²(e^s − 1).
//!
//! The estimators are the method of moments on these: m is the sample mean; s and φ are
//! fitted by least squares to g(h) = ln(1 + γ̂(h)/m̂²) ≈ s φ^h over lags 7 to H (a grid over
//! correlation times of a week or more, with s in closed form at each point, then
//! refined); k solves the variance equation. Lags under a week are left out, and shorter
//! correlation times are not fitted, because reporting artefacts (one-day catch-up spikes,
//! weekly rhythms) give short memory that is not a drift of intensity: fitted, it would
//! soak up the over-dispersion. Why moments rather than
//! maximum likelihood: the likelihood of a count process with a latent AR(1) rate needs
//! filtering (a particle or Laplace approximation) for little gain at these sample sizes,
//! while the moments are exact under the model, fast, and easy to check by hand. Their
//! known weakness: over a short window the sample mean absorbs part of a slow drift, so sd
//! is underestimated and the remaining variance is read as dispersion; the printed block
//! says how many correlation times the window spans.

use std::path::Path;

use serde::Serialize;

use crate::date::Date;

/// Largest series file read, in bytes (256 MiB: a century of daily rows is ~1 MiB).
pub const MAX_SERIES_BYTES: u64 = 256 << 20;

/// The shortest window estimates are made from, in days.
pub const MIN_DAYS: usize = 60;

/// The first autocovariance lag fitted, and the shortest correlation time a drift may
/// have, in days: faster memory is reporting, not intensity.
pub const MIN_LAG: usize = 7;

/// A daily series read from a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The file as named.
    pub file: String,
    /// The value column's name.
    pub column: String,
    /// SHA-256 of the file's bytes (lower-case hex), so outputs trace to the data.
    pub sha256: String,
    /// One date a row, consecutive.
    pub dates: Vec<Date>,
    /// The values, one a date.
    pub values: Vec<f64>,
}

/// A problem with a series or a window, naming the file and the row where it can.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CalibrationError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Largest value a count series may hold (10¹⁵, as the engine's largest daily mean): a
/// value beyond it is a typo or a corrupted file, and would collapse a chart's scale.
pub const MAX_OBSERVED: f64 = 1e15;

impl Series {
    /// Checks rows `rows` (indices into the values) as counts: each between 0 and
    /// [`MAX_OBSERVED`], and for a running total (`cumulative`) never falling within them.
    ///
    /// # Errors
    /// The first row that is not, by its line in the file.
    pub fn check_counts(&self, rows: std::ops::Range<usize>, cumulative: bool) -> Result<(), CalibrationError> {
        let fail = |message: String| Err(CalibrationError { file: self.file.clone(), message });
        let first = rows.start;
        for i in rows {
            let (v, line) = (self.values[i], i + 2);
            if !(0.0..=MAX_OBSERVED).contains(&v) {
                // 1e300, not three hundred digits.
                let shown = if v.abs() >= MAX_OBSERVED { format!("{v:e}") } else { v.to_string() };
                return fail(format!(
                    "line {line}: `{}` = {shown} on {} is not a count (a number from 0 to 10¹⁵)",
                    self.column, self.dates[i]
                ));
            }
            if cumulative && i > first && v < self.values[i - 1] {
                return fail(format!(
                    "line {line}: `{}` falls from {} to {v} on {}; a cumulative series cannot decrease (use --daily if the column holds daily counts)",
                    self.column,
                    self.values[i - 1],
                    self.dates[i]
                ));
            }
        }
        Ok(())
    }

    /// A series aligned to a horizon of `days` from `start`: day t holds the count since the day
    /// before `start` (a running total's difference, or the sum of daily counts), `None` where
    /// the series has no value.
    pub fn aligned(&self, start: Date, days: u32, daily: bool) -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(days as usize);
        let at = |d: Date| -> Option<f64> {
            let i = d.days_since(self.dates[0]);
            (i >= 0).then(|| self.values.get(i as usize).copied()).flatten()
        };
        let mut running = 0.0;
        let base_value = at(start.add_days(-1));
        for day in 0..i64::from(days) {
            let date = start.add_days(day);
            out.push(if daily {
                at(date).map(|v| {
                    running += v;
                    running
                })
            } else {
                match (at(date), base_value) {
                    (Some(v), Some(b)) => Some(v - b),
                    _ => None,
                }
            });
        }
        out
    }

    /// Reads `path`: a header row, dates in the first column (`YYYY-MM-DD`, every day
    /// present, in order), and values in `column` (default: the first column whose first
    /// row is a number).
    ///
    /// # Errors
    /// An unreadable file, a missing column, a row that is not a date or a number, or a
    /// missing or repeated day, each with its line number.
    pub fn read(path: &Path, column: Option<&str>) -> Result<Series, CalibrationError> {
        let Csv { file, sha256, headers, rows } = read_csv(path)?;
        let fail = |message: String| CalibrationError { file: file.clone(), message };
        let first = rows.first().ok_or_else(|| fail("no data rows below the header".into()))?;
        let index = value_column(&headers, first, column).map_err(fail)?;
        let mut dates = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            // Line numbers count the header as line 1.
            let line = i + 2;
            let cell = |j: usize| row.get(j).unwrap_or("");
            let date: Date = cell(0).parse().map_err(|e| fail(format!("line {line}: {e}")))?;
            let value: f64 = cell(index).parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                fail(format!("line {line}: `{}` in column `{}` is not a number", cell(index), headers[index]))
            })?;
            if let Some(&previous) = dates.last() {
                let expected = Date::add_days(previous, 1);
                if date != expected {
                    return Err(fail(format!(
                        "line {line}: expected {expected} after {previous}, found {date} (the series must have every day, in order)"
                    )));
                }
            }
            dates.push(date);
            values.push(value);
        }
        Ok(Series { file, column: headers[index].clone(), sha256, dates, values })
    }
}

/// A CSV file as read: its name as shown, the SHA-256 of its bytes, its header and rows.
struct Csv {
    file: String,
    sha256: String,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

/// The column named `column`, or the first after the date whose first row is a number.
fn value_column(headers: &[String], first: &csv::StringRecord, column: Option<&str>) -> Result<usize, String> {
    match column {
        Some(name) => headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column `{name}`; the columns are: {}", headers.join(", "))),
        None => (1..headers.len())
            .find(|&i| first.get(i).is_some_and(|v| v.parse::<f64>().is_ok()))
            .ok_or_else(|| "no numeric column after the date column; name one (`column` in a scenario, --column on the command line)".to_string()),
    }
}

/// Reads a CSV file with a header: a regular file of at most [`MAX_SERIES_BYTES`].
fn read_csv(path: &Path) -> Result<Csv, CalibrationError> {
    let file = path.display().to_string();
    let fail = |message: String| CalibrationError { file: file.clone(), message };
    // Only a regular file of bounded size: a device or a pipe (/dev/zero, a FIFO) would
    // never end.
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_SERIES_BYTES {
        return Err(fail(format!("{} bytes; a series may be at most {MAX_SERIES_BYTES} bytes", meta.len())));
    }
    // Never more than the limit, even from a file that grows while it is read.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_SERIES_BYTES + 1), &mut bytes))
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_SERIES_BYTES {
        return Err(fail(format!("over {MAX_SERIES_BYTES} bytes; a series may be at most that")));
    }
    let sha256 = crate::format::sha256_hex(&bytes);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(format!("cannot read the header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().map_err(|e| fail(format!("not a valid CSV file: {e}")))?;
    Ok(Csv { file, sha256, headers, rows })
}

/// One dated estimate as a file gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Its date.
    pub date: Date,
    /// The estimate.
    pub value: f64,
    /// The low and high ends of its range, when the file gives one.
    pub range: Option<(f64, f64)>,
}

/// Reads dated estimates (rows on any dates, in any order; the first column the date):
/// the rows whose columns hold the texts of `filters`, the value in `column` (default:
/// the first numeric one), and, with `range`, the low and high columns it names.
///
/// # Errors
/// A file that cannot be read, an unknown column, a date that is not a date, an estimate
/// or range end that is not a positive number, a range that does not hold its estimate,
/// or no row passing the filters: with its line.
pub fn read_estimates(
    path: &Path,
    column: Option<&str>,
    filters: &[(String, String)],
    range: Option<(&str, &str)>,
) -> Result<Vec<Estimate>, CalibrationError> {
    let Csv { file, headers, rows, .. } = read_csv(path)?;
    let fail = |message: String| CalibrationError { file: file.clone(), message };
    let find = |name: &str, what: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| fail(format!("no column `{name}` ({what}); the columns are: {}", headers.join(", "))))
    };
    let wanted: Vec<(usize, &str)> =
        filters.iter().map(|(c, v)| find(c, "named in `where`").map(|i| (i, v.as_str()))).collect::<Result<_, _>>()?;
    let range = match range {
        Some((low, high)) => Some((find(low, "named by `low`")?, find(high, "named by `high`")?)),
        None => None,
    };
    let first = rows.first().ok_or_else(|| fail("no data rows below the header".into()))?;
    let index = value_column(&headers, first, column).map_err(fail)?;
    let mut estimates = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let cell = |j: usize| row.get(j).unwrap_or("");
        if !wanted.iter().all(|&(c, v)| cell(c) == v) {
            continue;
        }
        let date: Date = cell(0).parse().map_err(|e| fail(format!("line {line}: {e}")))?;
        let number = |j: usize| {
            cell(j).parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0).ok_or_else(|| {
                fail(format!("line {line}: `{}` in column `{}` is not a positive number", cell(j), headers[j]))
            })
        };
        let value = number(index)?;
        let range = match range {
            Some((lo, hi)) => {
                let (lo, hi) = (number(lo)?, number(hi)?);
                if !(lo <= value && value <= hi) {
                    return Err(fail(format!(
                        "line {line}: the range {lo} to {hi} does not hold the estimate {value}"
                    )));
                }
                Some((lo, hi))
            }
            None => None,
        };
        estimates.push(Estimate { date, value, range });
    }
    if estimates.is_empty() {
        let filters: Vec<String> = filters.iter().map(|(c, v)| format!("{c} = {v}")).collect();
        return Err(fail(format!("no row has {}", filters.join(" and "))));
    }
    Ok(estimates)
}

impl Series {
    /// The daily counts of days `from..=to`: differences of a cumulative series (which
    /// needs the day before `from`), or the values themselves.
    ///
    /// # Errors
    /// A window outside the series, shorter than [`MIN_DAYS`], or a cumulative series that
    /// decreases.
    pub fn daily_counts(
        &self,
        from: Option<Date>,
        to: Option<Date>,
        cumulative: bool,
    ) -> Result<(Date, Date, Vec<f64>), CalibrationError> {
        let fail = |message: String| CalibrationError { file: self.file.clone(), message };
        let (first, last) = (self.dates[0], self.dates[self.dates.len() - 1]);
        let earliest = if cumulative { first.add_days(1) } else { first };
        let from = from.unwrap_or(earliest);
        let to = to.unwrap_or(last);
        if from < earliest || to > last || to < from {
            return Err(fail(format!(
                "the window {from} to {to} is not inside the series, which {} from {earliest} to {last}",
                if cumulative { "gives daily increments" } else { "has days" }
            )));
        }
        let start = from.days_since(first) as usize;
        let end = to.days_since(first) as usize;
        self.check_counts(if cumulative { start - 1 } else { start }..end + 1, cumulative)?;
        let counts: Vec<f64> = (start..=end)
            .map(|i| if cumulative { self.values[i] - self.values[i - 1] } else { self.values[i] })
            .collect();
        if counts.len() < MIN_DAYS {
            return Err(fail(format!(
                "the window {from} to {to} has {} days; at least {MIN_DAYS} are needed to estimate a dispersion and a drift",
                counts.len()
            )));
        }
        Ok((from, to, counts))
    }
}

/// A drift estimate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DriftEstimate {
    /// Standard deviation of the log rate.
    pub sd: f64,
    /// Correlation time in days.
    pub days: f64,
}

/// What `simulate calibrate` estimates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// First day of the window.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// Days in the window.
    pub days: usize,
    /// Mean daily count.
    pub daily: f64,
    /// Negative binomial shape k; `None` when the counts are no more variable than Poisson.
    pub dispersion: Option<f64>,
    /// The drift; `None` when no positive autocorrelation is found.
    pub drift: Option<DriftEstimate>,
    /// The lags fitted, first and last.
    #[serde(skip)]
    pub lags: (usize, usize),
}

/// Estimates the mean, dispersion and drift of daily counts (see the module documentation).
pub fn estimate(from: Date, to: Date, y: &[f64]) -> Calibration {
    let n = y.len();
    let m = y.iter().sum::<f64>() / n as f64;
    let variance = y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n as f64 - 1.0);
    let max_lag = (n / 4).clamp(MIN_LAG + 1, 365);
    let g: Vec<(usize, f64)> = (MIN_LAG..=max_lag)
        .filter_map(|h| {
            let gamma = y[..n - h].iter().zip(&y[h..]).map(|(a, b)| (a - m) * (b - m)).sum::<f64>() / n as f64;
            let ratio = 1.0 + gamma / (m * m);
            (ratio > 0.0).then(|| (h, libm::log(ratio)))
        })
        .collect();
    // Least squares of s·φ^h on g(h): for a given φ the best s is Σ g φ^h / Σ φ^2h.
    let fit = |tau: f64| {
        let phi = libm::exp(-1.0 / tau);
        let (num, den) = g.iter().fold((0.0, 0.0), |(a, b), &(h, gh)| {
            let p = phi.powi(h as i32);
            (a + gh * p, b + p * p)
        });
        let s = if den > 0.0 { (num / den).max(0.0) } else { 0.0 };
        let sse: f64 = g.iter().map(|&(h, gh)| (gh - s * phi.powi(h as i32)).powi(2)).sum();
        (sse, s)
    };
    let (lo, hi) = (libm::log(MIN_LAG as f64), libm::log(5.0 * n as f64));
    let grid: Vec<f64> = (0..=400).map(|i| libm::exp(lo + (hi - lo) * f64::from(i) / 400.0)).collect();
    let errors: Vec<f64> = grid.iter().map(|&tau| fit(tau).0).collect();
    let best = (0..grid.len()).min_by(|&a, &b| errors[a].total_cmp(&errors[b])).unwrap_or(0);
    // Golden-section refinement between the neighbouring grid points, in log τ.
    let (mut a, mut b) = (libm::log(grid[best.saturating_sub(1)]), libm::log(grid[(best + 1).min(grid.len() - 1)]));
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let (c, d) = (b - golden * (b - a), a + golden * (b - a));
        if fit(libm::exp(c)).0 < fit(libm::exp(d)).0 {
            b = d;
        } else {
            a = c;
        }
    }
    let tau = libm::exp((a + b) / 2.0);
    let s = fit(tau).1;
    let drift = (s > 0.0).then(|| DriftEstimate { sd: s.sqrt(), days: tau });
    let noise = variance - m - m * m * (libm::exp(s) - 1.0);
    let dispersion = (noise > 0.0).then(|| m * m * libm::exp(s) / noise);
    Calibration { from, to, days: n, daily: m, dispersion, drift, lags: (MIN_LAG, max_lag) }
}

/// Rounds to `digits` significant digits, for printing.
fn significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - libm::log10(x.abs()).floor() as i32);
    (x * scale).round() / scale
}

impl Calibration {
    /// An `[attrition]` block ready to paste, with a comment saying how it was made.
    pub fn toml(&self, command: &str, series: &Series, cumulative: bool) -> String {
        let mut out = format!(
            "# Calibrated by `{command}` (muster {}):\n# {} daily {} of `{}` in {}, {} to {}; method of moments for a negative binomial\n# count around a drifting rate (mean, variance, autocovariances at lags {} to {}).\n",
            env!("CARGO_PKG_VERSION"),
            self.days,
            if cumulative { "increments" } else { "values" },
            series.column,
            series.file,
            self.from,
            self.to,
            self.lags.0,
            self.lags.1
        );
        if let Some(d) = self.drift {
            let spans = self.days as f64 / d.days;
            if spans < 10.0 {
                out += &format!(
                    "# The window spans only {spans:.1} correlation times: the drift is poorly determined and\n# probably underestimated; a longer window helps.\n"
                );
            }
        }
        out += &format!("[attrition]\ndaily = {}\n", significant(self.daily, 4));
        match self.dispersion {
            Some(k) => out += &format!("dispersion = {}\n", significant(k, 3)),
            None => out += "# no dispersion: the counts vary no more than Poisson\n",
        }
        match self.drift {
            Some(d) => {
                out += &format!("drift = {{ sd = {}, days = {} }}\n", significant(d.sd, 3), significant(d.days, 3))
            }
            None => out += "# no drift: no positive autocorrelation at lags of a week or more\n",
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(significant(604.123, 4), 604.1);
        assert_eq!(significant(0.012345, 3), 0.0123);
        assert_eq!(significant(37.46, 3), 37.5);
    }

    #[test]
    fn poisson_counts_give_no_dispersion_and_no_drift() {
        // Alternating 9, 11: variance 1 < mean 10, negative autocorrelation.
        let y: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 9.0 } else { 11.0 }).collect();
        let d = Date::from_ymd(2024, 1, 1).unwrap();
        let c = estimate(d, d.add_days(199), &y);
        assert_eq!(c.daily, 10.0);
        assert_eq!(c.dispersion, None);
    }
}
