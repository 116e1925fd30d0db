//! `report.html`: one self-contained page per run that an analyst can attach to an email —
//! the headline numbers as a table, the comparison chart, and for each scenario its fan (and
//! composition) with its description, its uncertain inputs with the scenario's own notes
//! on their sources, the provenance of every number, and links to the files beside it.
//!
//! Plain HTML and CSS, no script: the charts are inline SVG, and their text is set in the
//! DejaVu Sans that the layout was measured with, embedded as a data URI, so the page
//! needs no network and no file but itself.

use std::fmt::Write as _;

use crate::output::{Cell, Headline, MEDIAN_SUB, PERCENTILES_SUB};
use crate::scenario::Scenario;
use crate::stats::Summary;

/// One scenario of the report.
pub struct ReportScenario<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its summary.
    pub summary: &'a Summary,
    /// Its output folder's name, beside the report.
    pub stem: &'a str,
    /// Its fan chart, as SVG.
    pub fan: String,
    /// Its composition chart, as SVG, when there is one.
    pub composition: Option<String>,
}

/// `text` with the five characters that HTML gives meaning escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', sans-serif; color: #212121; max-width: 1180px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 2px solid #0072b2; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.muted { color: #646464; }
table.headline { font-size: 0.85em; }
table.headline th { vertical-align: bottom; }
table.headline .num { text-align: right; }
table.headline td { white-space: nowrap; }
table.headline td:first-child { white-space: normal; }
.band { color: #646464; font-size: 0.85em; font-weight: normal; }
figure { margin: 1em 0; }
figure svg { width: 100%; height: auto; display: block; }
svg text { font-family: 'DejaVu Sans', sans-serif; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { text-align: left; padding: 0.3em 0.8em 0.3em 0; border-bottom: 1px solid #ddd; vertical-align: top; }
code { font-size: 0.95em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dt { color: #646464; }
dd { margin: 0; word-break: break-all; }
";

/// The report page: the `headline` numbers as a table, the `comparison` chart (SVG) when
/// there is one, and a section per scenario.
pub fn report_html(
    run_id: &str,
    headline: &Headline,
    comparison: Option<&str>,
    scenarios: &[ReportScenario<'_>],
) -> String {
    let mut h = String::new();
    let names: Vec<String> = scenarios.iter().map(|s| s.scenario.name().to_string()).collect();
    let title = match names.len() {
        1 | 2 => format!("muster: {}", names.join(" and ")),
        n => format!("muster: {n} scenarios"),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n\
         <style>\n{}{STYLE}</style>\n</head>\n<body>\n",
        escape(&title),
        crate::plot::font_face()
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        h,
        "<p class=\"muted\">muster {} · run <code>{}</code> · {} scenario{} · every number below traces to a scenario file by its SHA-256, seed and runs</p>",
        env!("CARGO_PKG_VERSION"),
        escape(run_id),
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" }
    );
    h += "<h2>Headline</h2>\n";
    headline_table(&mut h, headline);
    h += "<p class=\"muted\">P(ever reached): formation reached the new army's size on some day up to the deadline. \
          P(held at deadline): it held that size on the deadline itself.</p>\n";
    if let Some(svg) = comparison {
        h += "<figure class=\"chart\" id=\"comparison\">\n";
        h += svg;
        h += "\n<figcaption class=\"muted\">The scenarios side by side. Data: <a href=\"comparison.csv\">comparison.csv</a></figcaption>\n</figure>\n";
    }
    for s in scenarios {
        section(&mut h, s);
    }
    h += "</body>\n</html>\n";
    h
}

/// The headline as an HTML table that fits the page: each band as its median, with the
/// 5th to 95th percentiles beneath it, where the terminal writes `p5 / p50 / p95` on one
/// line; text left, numbers right.
fn headline_table(h: &mut String, headline: &Headline) {
    let numeric = |i: usize| !headline.text_columns.contains(&i);
    h.push_str("<table class=\"headline\">\n<thead><tr>");
    for (i, (name, sub)) in headline.header.iter().zip(headline.sub).enumerate() {
        let class = if numeric(i) { " class=\"num\"" } else { "" };
        let sub = match sub {
            PERCENTILES_SUB => "<br/><span class=\"band\">median<br/>5th–95th percentile</span>",
            MEDIAN_SUB => "<br/><span class=\"band\">median</span>",
            _ => "",
        };
        let _ = write!(h, "<th{class}>{}{sub}</th>", escape(name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &headline.rows {
        h.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric(i) { " class=\"num\"" } else { "" };
            let text = match cell {
                Cell::Text(t) => escape(t),
                Cell::Percentiles([lo, mid, hi]) => {
                    format!("{}<br/><span class=\"band\">{}–{}</span>", escape(mid), escape(lo), escape(hi))
                }
            };
            let _ = write!(h, "<td{class}>{text}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if let Some(note) = headline.footnote {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", escape(note));
    }
}

/// One scenario's section.
fn section(h: &mut String, s: &ReportScenario<'_>) {
    let sc = s.scenario;
    let _ = writeln!(h, "<h2 id=\"{}\">{}</h2>", escape(s.stem), escape(sc.name()));
    if let Some(d) = sc.description() {
        let _ = writeln!(h, "<p>{}</p>", escape(d));
    }
    if !s.fan.is_empty() {
        let _ = writeln!(h, "<figure class=\"chart fan\">\n{}\n</figure>", s.fan);
    }
    if let Some(svg) = &s.composition {
        let _ = writeln!(h, "<figure class=\"chart composition\">\n{svg}\n</figure>");
    }
    h.push_str("<h3>Uncertain inputs</h3>\n");
    let uncertain = sc.uncertain_inputs();
    if uncertain.is_empty() {
        h.push_str("<p class=\"muted\">None: every run differs only by daily noise.</p>\n");
    } else {
        h.push_str("<table>\n<tr><th>input</th><th>distribution</th><th>source, as the scenario notes it</th></tr>\n");
        for id in uncertain {
            let input = &sc.inputs()[id.index()];
            let _ = writeln!(
                h,
                "<tr><td>{}<br/><code class=\"muted\">{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&sc.input_name(input.key())),
                escape(input.key()),
                escape(&input.value().to_json().to_string()),
                escape(sc.input_comment(id).unwrap_or("—"))
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h3>Provenance</h3>\n<dl>\n");
    let sum = s.summary;
    for (k, v) in [
        ("scenario file", sc.file().to_string()),
        ("scenario SHA-256", sc.sha256().to_string()),
        ("runs", crate::format::thousands(f64::from(sum.runs))),
        ("seed", sum.seed.to_string()),
        ("from", format!("{} for {} days, to {}", sum.start, sum.days, sum.end)),
        ("program", format!("muster {}", sum.version)),
        ("run", sum.run_id.clone()),
    ] {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    h.push_str("</dl>\n");
    let stem = escape(s.stem);
    let _ = writeln!(
        h,
        "<p>Files: <a href=\"{stem}/summary.json\">{stem}/summary.json</a> · <a href=\"{stem}/daily.csv\">{stem}/daily.csv</a></p>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}
