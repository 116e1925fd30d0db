//! What a run leaves behind: `summary.json`, the CSV files, and the terminal table (the
//! bytes; [`crate::files`] writes them).

use std::fmt::Write as _;

use crate::engine::SERIES;
use crate::format::{input_value, probability, thousands};
use crate::stats::{Band, Summary};

/// Rows as CSV text through `csv::Writer`, which quotes a field only when it must (a
/// comma, a quote or a line break in it; RFC 4180). Every row has the header's length.
pub fn csv_text<R, F>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a row of the wrong length, which is a bug here.
    w.write_record(header).expect("a CSV header");
    for row in rows {
        w.write_record(row).expect("a row as long as its header");
    }
    String::from_utf8(w.into_inner().expect("CSV in memory")).expect("CSV of UTF-8 fields")
}

/// The `daily.csv` columns: `day,date`, then `<series>_<stat>` for every series, then
/// `<slug>_{mean,p5,p50,p95}` for every source's strength (`slugs`, from
/// [`crate::scenario::Source::slug`]).
pub fn daily_csv_columns<'a>(slugs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut columns = vec!["day".to_string(), "date".to_string()];
    for s in SERIES {
        columns.extend(["mean", "p5", "p25", "p50", "p75", "p95"].map(|stat| format!("{s}_{stat}")));
    }
    for s in slugs {
        columns.extend(["mean", "p5", "p50", "p95"].map(|stat| format!("{s}_{stat}")));
    }
    columns
}

/// `daily.csv`: one row a day, the series' `bands` then the `sources`' (`[day][source]`,
/// in the order of `summary.composition_end`). Numbers are written in Rust's shortest
/// round-trip form, so the file is byte-identical wherever the same results are written.
pub fn daily_csv(summary: &Summary, bands: &[[Band; SERIES.len()]], sources: &[Vec<Band>]) -> String {
    let columns = daily_csv_columns(summary.composition_end.iter().map(|s| s.slug.as_str()));
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    let rows = bands.iter().zip(sources).enumerate().map(|(day, (row, by_source))| {
        let mut fields = vec![day.to_string(), summary.start.add_days(day as i64).to_string()];
        for b in row {
            fields.extend([b.mean, b.p5, b.p25, b.p50, b.p75, b.p95].map(|x| x.to_string()));
        }
        for b in by_source {
            fields.extend([b.mean, b.p5, b.p50, b.p95].map(|x| x.to_string()));
        }
        fields
    });
    csv_text(&header, rows)
}

/// `summary.json`, pretty-printed.
pub fn summary_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("a summary always serialises");
    s.push('\n');
    s
}

/// One cell of the headline: text, or a band's 5th, 50th and 95th percentiles.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A name, a number or a date, as written.
    Text(String),
    /// `[p5, p50, p95]`, each written with thousands separators.
    Percentiles([String; 3]),
}

impl Cell {
    fn of_band(b: &Band) -> Self {
        Cell::Percentiles([thousands(b.p5), thousands(b.p50), thousands(b.p95)])
    }

    /// As the terminal writes it: `p5 / p50 / p95` for percentiles.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Percentiles([lo, mid, hi]) => format!("{lo} / {mid} / {hi}"),
        }
    }
}

/// Columns of the headline.
pub const HEADLINE_COLUMNS: usize = 12;

/// The sub-header of a headline column of [`Cell::Percentiles`].
pub const PERCENTILES_SUB: &str = "p5 / p50 / p95";

/// The sub-header of a headline column of medians.
pub const MEDIAN_SUB: &str = "p50";

/// The headline numbers of every scenario, one row each: what the terminal table and the
/// report's table show.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// Column names.
    pub header: [&'static str; HEADLINE_COLUMNS],
    /// What each column's numbers are (`p5 / p50 / p95`, `p50`), or "".
    pub sub: [&'static str; HEADLINE_COLUMNS],
    /// Columns of text (aligned left); the others hold numbers (aligned right).
    pub text_columns: [usize; 3],
    /// One row per scenario.
    pub rows: Vec<[Cell; HEADLINE_COLUMNS]>,
    /// A note on the starred column, when any scenario has a goal.
    pub footnote: Option<&'static str>,
}

/// The headline numbers of `summaries` ([`Headline`]).
pub fn headline(summaries: &[Summary]) -> Headline {
    let header = [
        "scenario",
        "deployed at end",
        "formation at end",
        "casualties",
        "recruited",
        "new army goal",
        "P(ever reached)",
        "P(held at deadline)",
        "armies*",
        "P(≥1 army)",
        "P(≥2 armies)",
        "median day reached",
    ];
    let (band, median) = (PERCENTILES_SUB, MEDIAN_SUB);
    let sub = ["", band, band, median, median, "", "", "", median, "", "", ""];
    let rows = summaries
        .iter()
        .map(|s| {
            let goal = match &s.new_army {
                Some(g) => {
                    let size = g.size.as_f64().map_or_else(|| "uncertain".to_string(), thousands);
                    let day = g.day_reached.p50.map_or("not reached".to_string(), |d| s.date_of_day(d).to_string());
                    [
                        format!("{size} by {}", g.by),
                        probability(g.probability),
                        probability(g.probability_at_deadline),
                        thousands(g.armies_formed.band.p50),
                        probability(g.armies_formed.at_least(1)),
                        probability(g.armies_formed.at_least(2)),
                        day,
                    ]
                }
                None => ["none".to_string(), "-".into(), "-".into(), "-".into(), "-".into(), "-".into(), "-".into()],
            };
            let [goal, ever, held, armies, one, two, day] = goal.map(Cell::Text);
            [
                Cell::Text(s.name.clone()),
                Cell::of_band(&s.deployed_end),
                Cell::of_band(&s.formation_end),
                Cell::Text(thousands(s.casualties_total.p50)),
                Cell::Text(thousands(s.recruited_total.p50)),
                goal,
                ever,
                held,
                armies,
                one,
                two,
                day,
            ]
        })
        .collect();
    let footnote = summaries.iter().any(|s| s.new_army.is_some()).then_some(
        "* armies by the deadline: formed and deployed with [goal] deploy = true, else the armies' worth of formation on the deadline",
    );
    Headline { header, sub, text_columns: [0, 5, 11], rows, footnote }
}

/// The terminal table: one row per scenario ([`headline`]).
pub fn table(summaries: &[Summary]) -> String {
    let h = headline(summaries);
    let rows: Vec<[String; HEADLINE_COLUMNS]> = h.rows.iter().map(|r| r.each_ref().map(Cell::text)).collect();
    // Text left (scenario, goal, date), numbers right.
    let columns = Columns::fit(&[&h.header, &h.sub], &rows, &h.text_columns);
    let mut out = columns.line(&h.header);
    out += &columns.line(&h.sub);
    let rule: Vec<String> = columns.widths.iter().map(|&w| "-".repeat(w)).collect();
    out += &columns.line(&rule);
    for r in &rows {
        out += &columns.line(r);
    }
    if let Some(note) = h.footnote {
        out += note;
        out.push('\n');
    }
    out
}

/// The layout of a terminal table: each column as wide as its widest cell, three spaces
/// apart, the columns in `left` aligned left (text) and the others right (numbers).
struct Columns {
    widths: Vec<usize>,
    left: Vec<usize>,
}

impl Columns {
    /// Fits the columns to `heads` (header lines) and `rows`.
    fn fit<const N: usize>(heads: &[&[&str]], rows: &[[String; N]], left: &[usize]) -> Self {
        let width = |i: usize| {
            let head = heads.iter().filter_map(|h| h.get(i)).map(|c| c.chars().count());
            rows.iter().map(|r| r[i].chars().count()).chain(head).max().unwrap_or(0)
        };
        Self { widths: (0..N).map(width).collect(), left: left.to_vec() }
    }

    /// One line of `cells`, padded to the columns, without trailing spaces.
    fn line(&self, cells: &[impl AsRef<str>]) -> String {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let c = c.as_ref();
            let pad = " ".repeat(self.widths[i].saturating_sub(c.chars().count()));
            if self.left.contains(&i) {
                let _ = write!(l, "{c}{pad}   ");
            } else {
                let _ = write!(l, "{pad}{c}   ");
            }
        }
        l.trim_end().to_string() + "\n"
    }
}

/// How precisely the runs pin down each headline number: the standard error of the mean
/// surplus and the 95% interval of the probability, one line per scenario.
pub fn precision_notes(summaries: &[Summary]) -> String {
    let mut out =
        String::from("Monte Carlo precision (standard error of a mean; 95% Wilson interval of a probability):\n");
    for s in summaries {
        let f = &s.formation_end;
        let _ = write!(out, "  {}: mean formation at end {} ± {}", s.name, thousands(f.mean), thousands(f.se));
        if let Some(g) = &s.new_army {
            let [lo, hi] = g.probability_ci95;
            let _ = write!(out, "; P = {} [{}, {}]", probability(g.probability), probability(lo), probability(hi));
            if let Some(p) = s.precision {
                let half = (hi - lo) / 2.0;
                let verdict =
                    if s.precision_reached == Some(true) { "reached" } else { "NOT reached: raise --max-runs" };
                let _ = write!(out, "; ±{half:.4} after {} runs, target ±{p} {verdict}", thousands(f64::from(s.runs)));
            }
        }
        out.push('\n');
    }
    out
}

/// `sensitivity.csv`: one row per uncertain input, largest swing first.
pub fn sensitivity_csv(s: &crate::analysis::Sensitivity) -> String {
    let header = [
        "rank",
        "input",
        "distribution",
        "p10",
        "p90",
        "spearman",
        "outcome_at_p10",
        "outcome_at_p90",
        "swing",
        "outcome",
        "baseline",
    ];
    let rows = s.inputs.iter().enumerate().map(|(i, r)| {
        [
            (i + 1).to_string(),
            r.key.clone(),
            r.distribution.to_string(),
            r.p10.to_string(),
            r.p90.to_string(),
            r.spearman.to_string(),
            r.at_p10.to_string(),
            r.at_p90.to_string(),
            r.swing().to_string(),
            s.outcome.name().to_string(),
            s.baseline.to_string(),
        ]
    });
    csv_text(&header, rows)
}

/// A number on an outcome's scale: a probability with 3 decimals, else a rounded count.
pub fn outcome_value(outcome: crate::analysis::Outcome, x: f64) -> String {
    match outcome {
        crate::analysis::Outcome::NewArmy => format!("{x:.3}"),
        _ => thousands(x),
    }
}

/// The sensitivity table for the terminal, after the new-army probability (with a goal).
pub fn sensitivity_table(name: &str, goal: &str, s: &crate::analysis::Sensitivity) -> String {
    let value = |x: f64| outcome_value(s.outcome, x);
    let mut out = String::new();
    if let Some([p, lo, hi]) = s.new_army {
        let _ = writeln!(
            out,
            "{goal} = {} [{}, {}] over {} runs",
            probability(p),
            probability(lo),
            probability(hi),
            thousands(f64::from(s.runs))
        );
    }
    let _ = writeln!(
        out,
        "What drives {} in \"{name}\" ({} runs for ρ; {} runs at each end of a swing)",
        s.outcome.name(),
        thousands(f64::from(s.runs)),
        thousands(f64::from(s.swing_runs))
    );
    if s.inputs.is_empty() {
        out.push_str("no uncertain inputs: every run differs only by daily noise\n");
        return out;
    }
    let rows: Vec<[String; 6]> = s
        .inputs
        .iter()
        .map(|r| {
            [
                r.key.clone(),
                format!("{} → {}", input_value(r.p10), input_value(r.p90)),
                format!("{:+.2}", r.spearman),
                value(r.at_p10),
                value(r.at_p90),
                if s.outcome == crate::analysis::Outcome::NewArmy {
                    format!("{:+.3}", r.swing())
                } else {
                    format!("{}{}", if r.swing() >= 0.0 { "+" } else { "" }, thousands(r.swing()))
                },
            ]
        })
        .collect();
    let header = ["input", "P10 → P90", "Spearman ρ", "outcome at P10", "outcome at P90", "swing"];
    let columns = Columns::fit(&[&header], &rows, &[0]);
    out += &columns.line(&header);
    for r in &rows {
        out += &columns.line(r);
    }
    let _ = writeln!(out, "all inputs at their medians: {}", value(s.baseline));
    out
}

/// `breakeven.csv`: every evaluation of the probability, by value of the varied input.
pub fn breakeven_csv(b: &crate::analysis::BreakEven) -> String {
    let header = ["input", "value", "probability", "lo95", "hi95", "runs", "target", "breakeven"];
    let rows = b.points.iter().map(|p| {
        [
            b.key.clone(),
            p.value.to_string(),
            p.probability.to_string(),
            p.lo95.to_string(),
            p.hi95.to_string(),
            b.runs.to_string(),
            b.target.to_string(),
            b.value.map_or(String::new(), |v| v.to_string()),
        ]
    });
    csv_text(&header, rows)
}

/// The answer of a break-even search in one sentence.
pub fn breakeven_sentence(name: &str, goal: &str, b: &crate::analysis::BreakEven) -> String {
    let range = format!("{} to {}", input_value(b.range.0), input_value(b.range.1));
    match b.value {
        Some(v) => format!(
            "{name}: {goal} {} {} {} {} = {} (searched {range}; {} runs at each of {} values, common random numbers)",
            if b.increasing { "reaches" } else { "stays at or above" },
            b.target,
            if b.increasing { "from" } else { "up to" },
            b.key,
            input_value(v),
            thousands(f64::from(b.runs)),
            b.points.len()
        ),
        None => format!(
            "{name}: {goal} does not reach {} anywhere from {range} of {} ({} runs at each of {} values); try --min/--max",
            b.target,
            b.key,
            thousands(f64::from(b.runs)),
            b.points.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_every_series_and_statistic() {
        let h = daily_csv_columns(["initial_force", "contract_signings"]).join(",");
        assert!(h.starts_with(
            "day,date,deployed_mean,deployed_p5,deployed_p25,deployed_p50,deployed_p75,deployed_p95,formation_mean"
        ));
        assert!(h.ends_with("recruited_p95,target_mean,target_p5,target_p25,target_p50,target_p75,target_p95,armies_mean,armies_p5,armies_p25,armies_p50,armies_p75,armies_p95,initial_force_mean,initial_force_p5,initial_force_p50,initial_force_p95,contract_signings_mean,contract_signings_p5,contract_signings_p50,contract_signings_p95"));
        assert_eq!(h.split(',').count(), 2 + 7 * 6 + 2 * 4);
    }
}
