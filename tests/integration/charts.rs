//! Charts: they decode, have the promised size, are byte-identical for the same seed, and
//! draw what they should for tiny and huge forces, short and long horizons, with and
//! without a goal.

use muster::engine;
use muster::plot::{self, ComparisonEntry, FanChart, Format, HEIGHT, PALETTE, WIDTH};
use muster::stats::{Summary, daily_bands};

use crate::common::{check_file, scenario, simulate, temp_dir};

/// Decodes a PNG into (width, height, RGB bytes).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

fn has_color(rgb: &[u8], c: plotters::style::RGBColor) -> bool {
    rgb.chunks_exact(3).any(|p| p == [c.0, c.1, c.2])
}

fn fan(text: &str, format: Format) -> Vec<u8> {
    let sc = scenario(text);
    let results = engine::simulate(&sc, None);
    let summary = Summary::new(&sc, &results);
    let bands = daily_bands(&results);
    let chart = FanChart {
        summary: &summary,
        bands: &bands,
        target: sc.nominal_target(),
        new_army: sc.goal().map(|g| g.nominal_size()),
        observed: sc.observed(),
        observed_only: false,
    };
    plot::fan_chart(&chart, format).expect("the chart draws")
}

const GROWING: &str = "[simulation]\nstart = 2024-01-01\ndays = 120\nruns = 100\n[force]\ninitial = 100000\n[attrition]\ndaily = 100\n[[recruitment]]\ndaily = 400\ntraining_days = 10\n[goal]\nnew_army = 20000\n";

#[test]
fn fan_png_decodes_at_its_size_and_draws_both_series() {
    let (w, h, rgb) = decode(&fan(GROWING, Format::Png));
    assert_eq!((w, h), (WIDTH, HEIGHT));
    // The medians are drawn in the palette's first two colours (deployed, formation).
    assert!(has_color(&rgb, PALETTE[0]), "no deployed median");
    assert!(has_color(&rgb, PALETTE[1]), "no formation median");
    // Text is drawn: anti-aliased glyphs leave many grey levels, a blank chart has none.
    let greys = rgb.chunks_exact(3).filter(|p| p[0] == p[1] && p[1] == p[2] && p[0] > 40 && p[0] < 215).count();
    assert!(greys > 2_000, "too little text or grid: {greys} grey pixels");
}

#[test]
fn fan_png_is_byte_identical_for_the_same_seed() {
    assert!(fan(GROWING, Format::Png) == fan(GROWING, Format::Png));
    assert!(fan(GROWING, Format::Svg) == fan(GROWING, Format::Svg));
    assert!(fan(GROWING, Format::Png) != fan(&GROWING.replace("runs = 100", "runs = 100\nseed = 2"), Format::Png));
}

#[test]
fn fan_svg_is_vector_text() {
    let svg = String::from_utf8(fan(&format!("name = \"Growing force\"\n{GROWING}"), Format::Svg)).expect("UTF-8");
    assert!(svg.starts_with("<svg") && svg.contains(&format!("viewBox=\"0 0 {WIDTH} {HEIGHT}\"")));
    for text in [
        "Growing force",
        "new army 20,000",
        "target 100,000",
        "P(ever reached 20,000 by 2024-04-29)",
        "P(held on that day)",
    ] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    // The legend names both kinds of line the chart draws (SVG puts each text on its own line).
    for text in ["\ntarget / new army\n", "\ndeadline\n", "\nmedian\n"] {
        assert!(svg.contains(text), "legend lacks {text:?}");
    }
}

#[test]
fn the_legend_names_only_what_the_chart_draws() {
    // Without a goal: a target line, no new-army line and no deadline.
    let no_goal = GROWING.replace("[goal]\nnew_army = 20000\n", "");
    let svg = String::from_utf8(fan(&no_goal, Format::Svg)).expect("UTF-8");
    assert!(svg.contains("\ntarget\n") && !svg.contains("new army") && !svg.contains("\ndeadline\n"));
    // A backtest draws only the observed series: no target, no deadline.
    let dir = temp_dir("backtest-legend");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ua-gs-russian-personnel-losses.csv");
    let args =
        ["backtest", file.to_str().expect("path"), "--train-to", "2023-09-02", "--horizon", "30", "--runs", "50"];
    let o = simulate(&[&args[..], &["--format", "svg", "--quiet"]].concat(), &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let svg =
        std::fs::read_to_string(dir.join("out/ua-gs-russian-personnel-losses.backtest/backtest.svg")).expect("svg");
    assert!(svg.contains("\nmedian\n") && !svg.contains("\ntarget") && !svg.contains("\ndeadline\n"));
}

#[test]
fn edge_cases_draw() {
    let cases = [
        (
            "tiny force, 30 days",
            "[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 50\n[force]\ninitial = 10000\n[attrition]\ndaily = 20\n[[recruitment]]\ndaily = 40\n[goal]\nnew_army = 300\n",
        ),
        (
            "huge force, 5 years",
            "[simulation]\nstart = 2024-01-01\ndays = 1826\nruns = 30\n[force]\ninitial = 2000000\n[attrition]\ndaily = 1000\n[[recruitment]]\ndaily = 1200\n[goal]\nnew_army = 100000\n",
        ),
        (
            "one day",
            "[simulation]\nstart = 2024-01-01\ndays = 1\nruns = 5\n[force]\ninitial = 1000\n[goal]\nnew_army = 10\n",
        ),
        (
            "no goal",
            "[simulation]\nstart = 2024-01-01\ndays = 90\nruns = 20\n[force]\ninitial = 5000\n[attrition]\ndaily = 3\n",
        ),
        ("empty force", "[simulation]\nstart = 2024-01-01\ndays = 40\nruns = 5\n[force]\ninitial = 0\n"),
        (
            "a century",
            "[simulation]\nstart = 2024-01-01\ndays = 36500\nruns = 2\n[force]\ninitial = 50000\n[[recruitment]]\ndaily = 1\n",
        ),
    ];
    for (what, text) in cases {
        let (w, h, rgb) = decode(&fan(text, Format::Png));
        assert_eq!((w, h), (WIDTH, HEIGHT), "{what}");
        assert!(has_color(&rgb, PALETTE[0]), "{what}: no deployed median");
        let svg = fan(text, Format::Svg);
        assert!(svg.starts_with(b"<svg"), "{what}");
    }
    // Without a goal and without a surplus (losses only) there is no formation panel to
    // draw, rather than an empty one; with a surplus, the panel says there is no goal.
    let svg = String::from_utf8(fan(cases[3].1, Format::Svg)).expect("UTF-8");
    assert!(!svg.contains("Formation") && !svg.contains("P(≥"));
    let surplus = cases[3].1.replace("daily = 3\n", "daily = 3\n[[recruitment]]\ndaily = 10\n");
    let svg = String::from_utf8(fan(&surplus, Format::Svg)).expect("UTF-8");
    assert!(svg.contains("(no [goal] set)") && !svg.contains("P(≥"));
}

/// Every horizontal text element of an SVG chart: (x, anchor, font size, text). Rotated
/// texts (an axis's unit, along the axis) are left out: their width runs vertically.
fn svg_texts(svg: &str) -> Vec<(f64, String, f64, String)> {
    let attribute = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        tag[start..].split('"').next().expect("closing quote").to_string()
    };
    svg.split("<text ")
        .skip(1)
        .filter(|element| !element.split_once('>').expect("a text tag").0.contains("transform="))
        .map(|element| {
            let (attributes, rest) = element.split_once('>').expect("a text tag");
            let tag = &format!(" {attributes}");
            let text = rest.split("</text>").next().expect("a text element").trim().to_string();
            let number = |name: &str| attribute(tag, name).parse::<f64>().expect("a number");
            (number("x"), attribute(tag, "text-anchor"), number("font-size"), text)
        })
        .collect()
}

/// Every text of an SVG chart with its left and right ends in pixels, measured with the
/// embedded font as a browser lays it out (advances in em units times the font size).
fn text_extents(svg: &str) -> Vec<(String, f64, f64)> {
    use ab_glyph::{Font, FontRef};
    let font = FontRef::try_from_slice(include_bytes!("../../assets/DejaVuSans.ttf")).expect("the embedded font");
    let em = f64::from(font.units_per_em().expect("a scalable font"));
    let width = |text: &str, size: f64| -> f64 {
        text.chars().map(|c| f64::from(font.h_advance_unscaled(font.glyph_id(c))) / em * size).sum()
    };
    svg_texts(svg)
        .into_iter()
        .map(|(x, anchor, size, text)| {
            let w = width(&text, size);
            let (left, right) = match anchor.as_str() {
                "start" => (x, x + w),
                "end" => (x - w, x),
                _ => (x - w / 2.0, x + w / 2.0),
            };
            (text, left, right)
        })
        .collect()
}

/// Asserts that every text of an SVG chart lies inside it.
fn assert_texts_inside(svg: &str) {
    for (text, left, right) in text_extents(svg) {
        assert!(left >= 0.0 && right <= f64::from(WIDTH), "{text:?} spans {left:.0}..{right:.0} px");
    }
}

/// A target and a new army of 10¹² people: y labels and the labels of the dashed lines of
/// 17 characters, which ran off both sides of the chart when its margins were fixed.
const HUGE: &str = "[simulation]\nstart = 2024-01-01\ndays = 60\nruns = 20\n[force]\ninitial = 1000000000000\n[goal]\nnew_army = 1000000000000\n";

#[test]
fn labels_of_huge_numbers_stay_inside_the_chart_and_panels_stay_aligned() {
    let svg = String::from_utf8(fan(HUGE, Format::Svg)).expect("UTF-8");
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t.3 == "new army 1,000,000,000,000") && texts.iter().any(|t| t.3 == "1,000,000,000,000")
    );
    assert_texts_inside(&svg);
    // Both panels' y labels end at the same x, so the panels' date axes line up.
    let label_x: Vec<f64> = texts
        .iter()
        .filter(|t| t.1 == "end" && t.3.chars().all(|c| c.is_ascii_digit() || c == ','))
        .map(|t| t.0)
        .collect();
    assert!(label_x.len() >= 4 && label_x.iter().all(|&x| x == label_x[0]), "y labels at {label_x:?}");
    let svg = comparison(&[HUGE.to_string(), format!("name = \"Twice\"\n{HUGE}")], |entries| {
        String::from_utf8(plot::comparison_chart(entries, Format::Svg).expect("draws")).expect("UTF-8")
    });
    assert_texts_inside(&svg);
    // The new-army label ends before the probability panel begins.
    let extents = text_extents(&svg);
    let end_of = |prefix: &str| extents.iter().find(|t| t.0.starts_with(prefix)).map(|t| (t.1, t.2));
    let (Some((_, label_end)), Some((panel_start, _))) =
        (end_of("new army 1,000,000,000,000"), end_of("P(ever reached"))
    else {
        panic!("the comparison lacks its new-army label or its probability panel")
    };
    assert!(
        label_end < panel_start,
        "the new-army label ends at {label_end:.0} px, the next panel starts at {panel_start:.0}"
    );
}

/// Simulates each scenario text and hands their comparison entries to `f`.
fn comparison<R>(texts: &[String], f: impl FnOnce(&[ComparisonEntry<'_>]) -> R) -> R {
    let scenarios: Vec<_> = texts.iter().map(|t| scenario(t)).collect();
    let results: Vec<_> = scenarios.iter().map(|s| engine::simulate(s, None)).collect();
    let summaries: Vec<_> = scenarios.iter().zip(&results).map(|(s, r)| Summary::new(s, r)).collect();
    let bands: Vec<_> = results.iter().map(daily_bands).collect();
    let entries: Vec<ComparisonEntry<'_>> = summaries
        .iter()
        .zip(&bands)
        .zip(&scenarios)
        .zip(&results)
        .map(|(((summary, bands), s), r)| ComparisonEntry {
            summary,
            bands,
            new_army: s.goal().map(|g| g.nominal_size()),
            reached: r.outcomes.iter().map(|o| o.day_reached.is_some()).collect(),
        })
        .collect();
    f(&entries)
}

#[test]
fn comparison_chart_and_csv() {
    let texts = [GROWING.to_string(), format!("name = \"Slow\"\n{}", GROWING.replace("daily = 400", "daily = 150"))];
    let (png, csv) = comparison(&texts, |entries| {
        (plot::comparison_chart(entries, Format::Png).expect("draws"), plot::comparison_csv(entries))
    });
    let (w, h, rgb) = decode(&png);
    assert_eq!((w, h), (WIDTH, HEIGHT));
    assert!(has_color(&rgb, PALETTE[0]) && has_color(&rgb, PALETTE[1]), "each scenario has its colour");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("scenario,file,scenario_sha256,runs,seed"));
    assert!(lines[0].contains("new_army_probability,new_army_probability_lo95,new_army_probability_hi95"));
    assert!(lines[2].starts_with("Slow,"));
    assert_eq!(lines[1].split(',').count(), lines[0].split(',').count());
}

#[test]
fn cli_writes_charts_in_the_chosen_format_or_none() {
    let dir = temp_dir("charts-cli");
    let a = check_file("pure-attrition.toml");
    let b = check_file("wave-exact.toml");
    let (a, b) = (a.to_str().expect("path"), b.to_str().expect("path"));
    let o = simulate(&[a, b, "--runs", "20", "--out", "png", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["pure-attrition/fan.png", "wave-exact/fan.png", "comparison.png", "comparison.csv"] {
        assert!(dir.join("png").join(f).exists(), "{f}");
    }
    let o = simulate(&[a, b, "--runs", "20", "--out", "svg", "--format", "svg", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0));
    for f in ["pure-attrition/fan.svg", "comparison.svg"] {
        assert!(dir.join("svg").join(f).exists(), "{f}");
    }
    assert!(!dir.join("svg/pure-attrition/fan.png").exists());
    let o = simulate(&[a, b, "--runs", "20", "--out", "none", "--no-plot", "--quiet"], &dir);
    assert_eq!(o.status.code(), Some(0));
    assert!(!dir.join("none/pure-attrition/fan.png").exists() && !dir.join("none/comparison.png").exists());
    assert!(dir.join("none/comparison.csv").exists(), "the comparison table is not a chart");
    assert_eq!(simulate(&[a, "--format", "gif"], &dir).status.code(), Some(2));
}

#[test]
fn the_composition_chart_names_every_source_and_is_written_only_for_two_or_more() {
    let text = format!(
        "{}[[mobilization]]\nname = \"Spring wave (2024)\"\ndate = 2024-02-01\nsize = 30000\ntraining_days = 5\n",
        GROWING.replace("[[recruitment]]\n", "[[recruitment]]\nname = \"contract signings\"\n")
    );
    let sc = scenario(&text);
    let results = engine::simulate(&sc, None);
    let summary = Summary::new(&sc, &results);
    let sources = muster::stats::source_bands(&results);
    let chart = plot::CompositionChart { summary: &summary, sources: &sources };
    let svg = String::from_utf8(plot::composition_chart(&chart, Format::Svg).expect("draws")).expect("UTF-8");
    for name in ["initial force", "contract signings", "Spring wave (2024)"] {
        assert!(svg.contains(name), "the legend lacks {name}");
    }
    let png = plot::composition_chart(&chart, Format::Png).expect("draws");
    let (w, h, rgb) = decode(&png);
    assert_eq!((w, h), (WIDTH, HEIGHT));
    // The layers above the grey initial force are filled in the palette's first colours at
    // 85% over white: thousands of pixels of each (swatch and area), within rounding.
    let filled = |c: plotters::style::RGBColor| {
        let over_white = |x: u8| (f64::from(x) * 0.85 + 255.0 * 0.15).round() as u8;
        let want = [over_white(c.0), over_white(c.1), over_white(c.2)];
        rgb.chunks_exact(3).filter(|p| p.iter().zip(&want).all(|(a, b)| a.abs_diff(*b) <= 2)).count()
    };
    for c in [PALETTE[0], PALETTE[1]] {
        assert!(filled(c) > 5_000, "{c:?}: {} pixels", filled(c));
    }
    assert!(filled(PALETTE[2]) < 100, "no third stream, so no third colour");

    // With the initial force as the only source, no composition chart is written.
    let dir = temp_dir("composition-one-source");
    std::fs::write(dir.join("one.toml"), ONE_SOURCE).expect("write");
    let o = simulate(&["one.toml", "--out", "out", "--quiet"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("out/one/fan.png").exists());
    assert!(!dir.join("out/one/composition.png").exists());
}

const ONE_SOURCE: &str =
    "[simulation]\nstart = 2024-01-01\ndays = 30\nruns = 20\n[force]\ninitial = 1000\n[attrition]\ndaily = 5\n";

#[test]
fn a_scenario_keeps_its_colour_whatever_the_order_of_the_arguments() {
    let names = [("No new mobilization", "a.toml"), ("High intensity", "b.toml"), ("Foreign surge", "c.toml")];
    let forward = plot::scenario_colors(&names);
    let mut reversed = names;
    reversed.reverse();
    let backward = plot::scenario_colors(&reversed);
    for (i, name) in names.iter().enumerate() {
        let j = reversed.iter().position(|n| n == name).unwrap();
        assert_eq!(forward[i], backward[j], "{name:?}");
    }
    // By name: the first in alphabetical order takes the palette's first colour.
    assert_eq!(forward[2], PALETTE[0]);
}

#[test]
fn one_label_has_one_number_of_decimals() {
    assert_eq!(plot::probability_triple(0.945, 0.940, 0.949), "0.945 [0.940, 0.949]");
    assert_eq!(plot::probability_triple(1.0, 0.9996, 1.0), "1.0000 [0.9996, 1.0000]");
    assert_eq!(plot::probability_triple(0.0004, 0.0, 0.0021), "0.0004 [0.0000, 0.0021]");
}

#[test]
fn the_fan_legend_names_exactly_what_is_drawn() {
    let svg = |text: &str| String::from_utf8(fan(text, Format::Svg)).expect("UTF-8");
    let entry = |svg: &str, label: &str| svg.contains(&format!("\n{label}\n"));
    // No observations: no "observed" entry; the goal's line and deadline are named.
    let plain = svg(GROWING);
    assert!(!entry(&plain, "observed") && !entry(&plain, "estimate, 90% error bar"));
    assert!(entry(&plain, "target / new army") && entry(&plain, "deadline"));
    // Every axis of the panels says what it counts.
    assert_eq!(plain.matches("\npersons\n").count(), 2, "deployed and formation say persons");
    // Without a goal there is no threshold and no deadline to name.
    let no_goal = svg(&GROWING.replace("[goal]\nnew_army = 20000\n", ""));
    assert!(!entry(&no_goal, "deadline") && entry(&no_goal, "target"));
}

#[test]
fn svg_text_is_set_in_the_embedded_font() {
    let svg = String::from_utf8(fan(GROWING, Format::Svg)).expect("UTF-8");
    // The font the layout was measured with travels with the chart, as a data URI...
    assert_eq!(svg.matches("@font-face").count(), 1);
    assert!(svg.contains("font-family: \"DejaVu Sans\"; src: url(data:font/ttf;base64,AAEAAA"), "a TrueType font");
    // ...and every text asks for it first.
    let texts = svg.matches("<text ").count();
    assert!(texts > 10);
    assert_eq!(svg.matches("font-family=\"DejaVu Sans, sans-serif\"").count(), texts);
    // The report declares it once for all its charts.
    let stripped = plot::svg_without_font(&svg);
    assert!(
        !stripped.contains("@font-face") && stripped.starts_with("<svg") && stripped.ends_with(&svg[svg.len() - 20..])
    );
}

#[test]
fn a_comparison_says_which_scenarios_deploy_their_armies_and_keeps_its_dates_apart() {
    // 1,000 days, as the shipped scenarios side by side: the date axis of the comparison's
    // left panel is narrower than a fan's, and its quarters' labels once touched.
    // From September, as they start: "Oct 2023" and "Jan 2024" were the labels that touched.
    let long = GROWING
        .replace("days = 120", "days = 1000")
        .replace("runs = 100", "runs = 20")
        .replace("2024-01-01", "2023-09-03");
    let deploying =
        format!("name = \"Deploying\"\n{}", long.replace("new_army = 20000\n", "new_army = 20000\ndeploy = true\n"));
    let holding = format!("name = \"Holding\"\n{long}");
    let svg = comparison(&[deploying, holding], |entries| {
        String::from_utf8(plot::comparison_chart(entries, Format::Svg).expect("draws")).expect("UTF-8")
    });
    assert_texts_inside(&svg);
    let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.3).collect();
    // Its formation falls each time an army is formed, and the legend says why.
    assert!(texts.iter().any(|t| t == "Deploying (armies deployed as formed)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Holding"), "{texts:?}");
    // How many armies, beneath its probability; none for the scenario that only holds.
    let armies: Vec<&String> = texts.iter().filter(|t| t.starts_with("armies formed by ")).collect();
    assert_eq!(armies.len(), 1, "{texts:?}");
    assert!(armies[0].contains(": median ") && armies[0].contains(", 90% of runs "), "{}", armies[0]);
    // The date labels along the bottom of the left panel do not touch.
    let extents = text_extents(&svg);
    let mut dates: Vec<(f64, f64)> = extents
        .iter()
        .filter(|t| ["Jan", "Apr", "Jul", "Oct"].iter().any(|m| t.0.starts_with(m)))
        .map(|t| (t.1, t.2))
        .collect();
    dates.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(dates.len() >= 3, "{dates:?}");
    for pair in dates.windows(2) {
        assert!(pair[1].0 - pair[0].1 >= 10.0, "date labels {pair:?} closer than 10 px");
    }
}

#[test]
fn the_fan_says_whether_and_when_each_wave_started() {
    // A dated wave, and one that waits for the force to fall below 1, which never happens.
    let waves = format!(
        "{GROWING}[[mobilization]]\nname = \"spring call-up\"\ndate = 2024-02-01\nsize = 1000\n\
         [[mobilization]]\nname = \"if needed\"\ntrigger = {{ total_below = 1, for_days = 5 }}\nsize = 1000\n"
    );
    let texts: Vec<String> =
        svg_texts(&String::from_utf8(fan(&waves, Format::Svg)).expect("UTF-8")).into_iter().map(|t| t.3).collect();
    let line = texts.iter().find(|t| t.starts_with("Mobilization: ")).expect("a line on the waves");
    assert_eq!(line, "Mobilization: “spring call-up” started on 2024-02-01 · “if needed” never started");
    let plain: Vec<String> =
        svg_texts(&String::from_utf8(fan(GROWING, Format::Svg)).expect("UTF-8")).into_iter().map(|t| t.3).collect();
    assert!(!plain.iter().any(|t| t.starts_with("Mobilization")), "no waves, no line");
}
