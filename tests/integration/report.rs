//! `report.html`, read as HTML without a browser: well-formed, self-contained, every
//! scenario present with its charts, inputs, provenance and links; the same bytes on any
//! number of threads and from a merge of shards; skipped with `--no-report`.

use std::path::Path;

use crate::common::{simulate, temp_dir};

const A: &str = "name = \"Alpha & <Beta>\"\ndescription = \"A force that grows\"\n[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 200\n\
                 [force]\ninitial = 1000\n[attrition]\ndaily = { dist = \"uniform\", min = 2, max = 6 }   # a note on its source\n\
                 [[recruitment]]\nname = \"contracts\"\ndaily = 10\n[goal]\nnew_army = 100\n";
const B: &str = "name = \"Gamma\"\n[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 200\n[force]\ninitial = 1000\n[attrition]\ndaily = 3\n";

/// The tags of `html` in order: (name, closing, self-closing), skipping the doctype.
fn tags(html: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("every tag is closed with >");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let closing = inner.starts_with('/');
        let name: String =
            inner.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        out.push((name, closing, inner.ends_with('/')));
    }
    out
}

/// Every element opened is closed, in order.
fn assert_well_formed(html: &str) {
    let mut open: Vec<String> = Vec::new();
    for (name, closing, self_closing) in tags(html) {
        if self_closing {
            continue;
        }
        if closing {
            assert_eq!(open.pop().as_deref(), Some(name.as_str()), "</{name}> closes the wrong element");
        } else {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "never closed: {open:?}");
}

fn run_in(dir: &Path, args: &[&str]) {
    let o = simulate(args, dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_report_is_well_formed_self_contained_and_complete() {
    let dir = temp_dir("report");
    std::fs::write(dir.join("a.toml"), A).unwrap();
    std::fs::write(dir.join("b.toml"), B).unwrap();
    run_in(&dir, &["a.toml", "b.toml", "--quiet"]);
    let html = std::fs::read_to_string(dir.join("out/report.html")).expect("report.html");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert_well_formed(&html);
    // Self-contained: nothing is fetched (the SVG namespace is a name, not a request).
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<script", "<link", "<img", "<iframe"] {
        assert!(!html.contains(fetch), "the report fetches: {fetch}");
    }
    assert_eq!(html.matches("url(data:font/ttf;base64,").count(), 1, "the font is embedded once");
    // Every scenario, escaped, with its fan; the composition only where there are sources.
    assert!(html.contains("<h2 id=\"a\">Alpha &amp; &lt;Beta&gt;</h2>") && html.contains("<h2 id=\"b\">Gamma</h2>"));
    assert_eq!(html.matches("<figure class=\"chart fan\">").count(), 2);
    assert_eq!(html.matches("<figure class=\"chart composition\">").count(), 1);
    assert!(html.contains("<figure class=\"chart\" id=\"comparison\">"));
    assert!(html.contains("<p>A force that grows</p>"));
    // The headline as a table that fits the page (a line per scenario as the terminal
    // prints it once ran off a briefing's page), the inputs with their notes, the
    // provenance, links.
    assert!(html.contains("<table class=\"headline\">") && !html.contains("<pre"), "the headline is a table");
    assert!(html.contains("P(ever reached)") && html.contains("P(held at deadline)"));
    let headline = html.split("<table class=\"headline\">").nth(1).and_then(|t| t.split("</table>").next()).unwrap();
    assert_eq!(headline.matches("<tr>").count(), 3, "a header row and a row per scenario");
    assert!(headline.contains("<td>Alpha &amp; &lt;Beta&gt;</td>") && headline.contains("<td>Gamma</td>"));
    assert!(headline.contains("5th–95th percentile"), "each band's median, its percentiles beneath");
    assert!(html.contains("<code class=\"muted\">attrition.daily</code>") && html.contains("a note on its source"));
    let sha = muster::format::sha256_hex(A.as_bytes());
    assert!(html.contains(&sha), "scenario SHA-256");
    for link in ["a/summary.json", "a/daily.csv", "b/summary.json", "comparison.csv"] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
        assert!(dir.join("out").join(link).exists(), "{link} is beside the report");
    }
}

#[test]
fn the_report_is_the_same_on_any_threads_and_from_shards_and_can_be_skipped() {
    let dir = temp_dir("report-same");
    std::fs::write(dir.join("a.toml"), A).unwrap();
    run_in(&dir, &["a.toml", "--quiet", "--threads", "1", "--out", "one"]);
    run_in(&dir, &["a.toml", "--quiet", "--threads", "2", "--out", "two"]);
    for k in ["1/2", "2/2"] {
        run_in(&dir, &["a.toml", "--quiet", "--shard", k, "--out", "shards"]);
    }
    run_in(&dir, &["merge", "shards/a.shard-1-of-2", "shards/a.shard-2-of-2", "--quiet", "--out", "merged"]);
    let one = std::fs::read(dir.join("one/report.html")).expect("one thread");
    assert!(one == std::fs::read(dir.join("two/report.html")).expect("two threads"), "threads change the report");
    assert!(one == std::fs::read(dir.join("merged/report.html")).expect("merged"), "a merge changes the report");
    run_in(&dir, &["a.toml", "--quiet", "--no-report", "--out", "none"]);
    assert!(dir.join("none/a/summary.json").exists() && !dir.join("none/report.html").exists());
    // Without charts, the page keeps its tables and provenance.
    run_in(&dir, &["a.toml", "--quiet", "--no-plot", "--out", "plain"]);
    let plain = std::fs::read_to_string(dir.join("plain/report.html")).expect("report");
    assert!(!plain.contains("<svg") && plain.contains("Provenance"));
}
