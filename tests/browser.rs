//! `report.html` in a real browser: Debian's Chromium, headless, opens the page of a run
//! of two shipped scenarios, takes a screenshot (not blank), dumps the rendered DOM (every
//! scenario's name and fan are there), and logs its network (the page requests nothing).
//! Not run by `cargo test` (it needs Chromium, which `.ci/run` installs); run it with
//! `cargo test --release --test browser`.

use std::path::Path;
use std::process::Command;

#[path = "support/scratch.rs"]
mod scratch;
use scratch::temp_dir;

/// Chromium, which CI installs (`.ci/run`); without it this test fails rather than skips.
fn chromium() -> &'static str {
    let found = Command::new("chromium").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "Chromium is needed to open the report: apt-get install chromium");
    "chromium"
}

/// Runs headless Chromium on `page` with `args`, logging its network to `netlog`;
/// returns its standard output.
fn headless(page: &Path, netlog: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-background-networking",
            "--disable-component-update",
        ])
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The URLs the page itself asked for: requests in the network log whose initiator is
/// the page (a file page's origin is `null`), not the browser's own (`not an origin`:
/// update checks and the like, which no flag fully silences).
fn page_requests(netlog: &Path) -> Vec<String> {
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(netlog).expect("the network log")).expect("a JSON network log");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            match (p["url"].as_str(), p["initiator"].as_str()) {
                (Some(url), Some(initiator)) if initiator != "not an origin" => Some(url.to_string()),
                _ => None,
            }
        })
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

#[test]
fn the_report_renders_whole_and_requests_nothing() {
    let dir = temp_dir("browser");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenarios = ["no-mobilization.toml", "foreign-recruitment-surge.toml"].map(|f| root.join("scenarios").join(f));
    let run = Command::new(env!("CARGO_BIN_EXE_simulate"))
        .args(&scenarios)
        .args(["--runs", "300", "--quiet", "--out"])
        .arg(dir.join("out"))
        .output()
        .expect("simulate runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let page = dir.join("out/report.html");

    // The screenshot: a page, not a blank: much of it drawn, and in colour.
    let shot = dir.join("shot.png");
    headless(
        &page,
        &dir.join("net-shot.json"),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1280,3000"],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).expect("a screenshot")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG data");
    let channels = info.color_type.samples();
    let drawn = pixels[..info.buffer_size()].chunks_exact(channels).filter(|p| p[..3].iter().any(|&c| c < 235)).count();
    let coloured = pixels[..info.buffer_size()]
        .chunks_exact(channels)
        .filter(|p| p[..3].iter().max().unwrap() - p[..3].iter().min().unwrap() > 60)
        .count();
    let total = (info.width * info.height) as usize;
    assert!(drawn * 20 > total, "only {drawn} of {total} pixels drawn: a blank page?");
    assert!(coloured * 50 > total, "only {coloured} coloured pixels: no charts?");

    // The rendered DOM: every scenario's name and its fan, drawn as SVG.
    let netlog = dir.join("net-dom.json");
    let dom = String::from_utf8(headless(&page, &netlog, &["--dump-dom"])).expect("UTF-8 DOM");
    for name in ["No new mobilization", "Foreign recruitment surge"] {
        assert!(dom.contains(&format!(">{name}</h2>")), "{name} has no section");
    }
    assert_eq!(dom.matches("<figure class=\"chart fan\">").count(), 2, "a fan per scenario");
    assert!(dom.matches("<svg").count() >= 5, "the comparison, two fans and two compositions are SVG");
    assert_eq!(page_requests(&netlog), Vec::<String>::new(), "the report made network requests");

    // The check can fail: a page with an external image is caught.
    let external = dir.join("external.html");
    std::fs::write(&external, "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\"/></body></html>")
        .expect("write");
    let log = dir.join("net-external.json");
    headless(&external, &log, &["--dump-dom"]);
    assert_eq!(page_requests(&log), ["http://example.invalid/x.png"]);
}
