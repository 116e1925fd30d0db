//! Several scenarios side by side: `formation` bands on one date axis, and the new-army
//! probability of each with its 95% interval.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fan::nice_ceiling;
use super::ticks::TickedAxis;
use super::{
    Drawable, Format, PALETTE, PlotError, TEXT, house_style, page, plot_error, reference_line, render, room_for,
    shorten, text_style,
};
use crate::engine::SERIES;
use crate::engine::series::FORMATION;
use crate::format::thousands;
use crate::output;
use crate::stats::{Band, Summary, paired_difference};

/// One scenario in a comparison.
pub struct ComparisonEntry<'a> {
    /// Its summary.
    pub summary: &'a Summary,
    /// Its daily bands.
    pub bands: &'a [[Band; SERIES.len()]],
    /// The new army's size as a number (nominal mean if uncertain), without a goal `None`.
    pub new_army: Option<f64>,
    /// Per run, whether the goal was reached (empty without a goal): for the paired
    /// difference against the first scenario.
    pub reached: Vec<bool>,
}

struct Comparison<'a, 'b>(&'b [ComparisonEntry<'a>]);

/// Draws the comparison chart of two or more scenarios.
///
/// # Errors
/// If drawing or encoding fails.
pub fn comparison_chart(entries: &[ComparisonEntry<'_>], format: Format) -> Result<Vec<u8>, PlotError> {
    render(&Comparison(entries), format)
}

/// Each scenario's colour: by the rank of its name (then its file) among the run's
/// scenarios, not by the order of the arguments, so a scenario keeps its colour however
/// the command line lists it.
pub fn scenario_colors(names: &[(&str, &str)]) -> Vec<RGBColor> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let mut colors = vec![PALETTE[0]; names.len()];
    for (rank, &i) in order.iter().enumerate() {
        colors[i] = PALETTE[rank % PALETTE.len()];
    }
    colors
}

fn colors(entries: &[ComparisonEntry<'_>]) -> Vec<RGBColor> {
    let names: Vec<(&str, &str)> = entries.iter().map(|e| (e.summary.name.as_str(), e.summary.file.as_str())).collect();
    scenario_colors(&names)
}

/// Whether a scenario has any surplus to draw: a flat zero (a replay with no recruitment)
/// would only stretch the date axis.
fn has_surplus(e: &ComparisonEntry<'_>) -> bool {
    e.bands.iter().any(|b| b[FORMATION].p95 > 0.0)
}

/// A probability and its interval with one number of decimals for all three: four when
/// any of them is within a thousandth of 0 or 1 (where three would round it there), else
/// three.
pub fn probability_triple(p: f64, lo: f64, hi: f64) -> String {
    let close = |x: f64| (x > 0.0 && x < 0.001) || (x < 1.0 && x > 0.999);
    let d = if [p, lo, hi].into_iter().any(close) { 4 } else { 3 };
    format!("{p:.d$} [{lo:.d$}, {hi:.d$}]")
}

impl Drawable for Comparison<'_, '_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let entries = self.0;
        let runs: Vec<String> = entries.iter().map(|e| thousands(f64::from(e.summary.runs))).collect();
        let seeds: Vec<String> = entries.iter().map(|e| e.summary.seed.to_string()).collect();
        let footer_text = format!(
            "runs {} · seeds {} · muster {} · every scenario's file and sha256 are in comparison.csv",
            dedup_join(&runs),
            dedup_join(&seeds),
            env!("CARGO_PKG_VERSION")
        );
        let title = "Scenario comparison: the surplus beyond holding the line";
        let (header, body, _) = page(root, k, 130, title, 30, &footer_text)?;
        let colors = colors(entries);
        draw_legend(&header, entries, &colors, 40 * k, 72 * k, k)?;
        let (left, right) = body.split_horizontally(1000 * k);
        draw_bands(&left, entries, &colors, k)?;
        draw_probabilities(&right, entries, &colors, k)?;
        Ok(())
    }
}

/// "1" when all are "1", else "1, 2, 3".
fn dedup_join(items: &[String]) -> String {
    if items.windows(2).all(|w| w[0] == w[1]) { items.first().cloned().unwrap_or_default() } else { items.join(", ") }
}

/// Scenario names with their colours, wrapped onto a second row if needed.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[ComparisonEntry<'_>],
    colors: &[RGBColor],
    x0: i32,
    y0: i32,
    k: i32,
) -> Result<(), PlotError> {
    let style = text_style(18 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let right_edge = (super::WIDTH as i32 - 40) * k;
    let (mut x, mut y) = (x0, y0);
    for (i, e) in entries.iter().enumerate() {
        let name = shorten(&e.summary.name, 40);
        let name = if !has_surplus(e) {
            format!("{name} (no surplus: not drawn)")
        } else if deploys(e) {
            // Its formation falls each time an army is formed and sent to the front.
            format!("{name} (armies deployed as formed)")
        } else {
            name
        };
        let (w, _) = area.estimate_text_size(&name, &style).map_err(plot_error)?;
        if x + 44 * k + w as i32 > right_edge && x > x0 {
            x = x0;
            y += 30 * k;
        }
        area.draw(&Rectangle::new([(x, y - 4 * k), (x + 34 * k, y + 4 * k)], colors[i].filled()))
            .map_err(plot_error)?;
        area.draw(&Text::new(name, (x + 44 * k, y), style.clone())).map_err(plot_error)?;
        x += (44 + 36) * k + w as i32;
    }
    Ok(())
}

/// Formation medians and 90% bands of every scenario on one date axis, each in its colour.
fn draw_bands<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[ComparisonEntry<'_>],
    colors: &[RGBColor],
    k: i32,
) -> Result<(), PlotError> {
    // Only the scenarios with a surplus are drawn, and the date axis spans theirs.
    let drawn: Vec<usize> = match (0..entries.len()).filter(|&i| has_surplus(&entries[i])).collect::<Vec<_>>() {
        some if !some.is_empty() => some,
        _ => (0..entries.len()).collect(),
    };
    let origin = drawn.iter().map(|&i| entries[i].summary.start).min().expect("a comparison has entries");
    let offset = |e: &ComparisonEntry<'_>| e.summary.start.days_since(origin) as f64;
    let last_day =
        drawn.iter().map(|&i| offset(&entries[i]) + entries[i].bands.len().max(2) as f64 - 1.0).fold(1.0, f64::max);
    // The threshold of the scenarios that have one: one line when they share it.
    let sizes: Vec<f64> = drawn.iter().filter_map(|&i| entries[i].new_army).collect();
    let common_goal = (!sizes.is_empty() && sizes.windows(2).all(|w| w[0] == w[1])).then(|| sizes[0]);
    let mut deadlines: Vec<crate::date::Date> =
        drawn.iter().filter_map(|&i| entries[i].summary.new_army.as_ref().map(|g| g.by)).collect();
    deadlines.sort();
    deadlines.dedup();
    let highest = drawn.iter().flat_map(|&i| entries[i].bands.iter().map(|b| b[FORMATION].p95)).fold(0.0, f64::max);
    let y_max = nice_ceiling(highest.max(common_goal.unwrap_or(0.0)) * 1.06);
    let width = |w: i32| (w * k) as u32;

    let caption = "Formation (persons): median, and 90% of runs between the outlines";
    area.draw(&Text::new(caption, (16 * k, 12 * k), text_style(22 * k, &TEXT))).map_err(plot_error)?;
    let right = common_goal.map_or(150 * k, |size| room_for(area, &goal_label(size), 17 * k, 150 * k, k));
    let y_labels = room_for(area, &thousands(y_max), 17 * k, 120 * k, k);
    let ticks = super::date_axis_ticks(area, origin, last_day as i64, (y_labels, right), k);
    let mut chart = ChartBuilder::on(area)
        .margin_top(56 * k)
        .margin_bottom(6 * k)
        .margin_left(16 * k)
        .margin_right(right)
        .x_label_area_size(44 * k)
        .y_label_area_size(y_labels)
        .build_cartesian_2d(TickedAxis::new(0.0, last_day, ticks.iter().map(|t| t.day).collect()), 0f64..y_max)
        .map_err(plot_error)?;
    let label_of = |x: &f64| ticks.iter().find(|t| (t.day - x).abs() < 0.5).map_or(String::new(), |t| t.label.clone());
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&label_of).y_labels(8).y_label_formatter(&|y| thousands(*y));
    house_style(&mut mesh, 17, k);
    mesh.draw().map_err(plot_error)?;
    let widened: Vec<_> = entries.iter().map(|e| super::widen_single_day(e.bands)).collect();
    // Light fills, so overlapping bands stay apart, each edged by a thin line of its colour.
    for &i in &drawn {
        let (e, bands) = (&entries[i], &widened[i]);
        let x0 = offset(e);
        let upper = bands.iter().enumerate().map(|(d, b)| (x0 + d as f64, b[FORMATION].p95));
        let lower = bands.iter().enumerate().rev().map(|(d, b)| (x0 + d as f64, b[FORMATION].p5));
        let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, colors[i].mix(0.08).filled()))).map_err(plot_error)?;
        for edge in [|b: &Band| b.p5, |b: &Band| b.p95] {
            let line = bands.iter().enumerate().map(|(d, b)| (x0 + d as f64, edge(&b[FORMATION])));
            chart.draw_series(LineSeries::new(line, colors[i].mix(0.7).stroke_width(width(1)))).map_err(plot_error)?;
        }
    }
    // Medians after every band, so no band covers a line.
    for &i in &drawn {
        let (e, bands) = (&entries[i], &widened[i]);
        let x0 = offset(e);
        let median = bands.iter().enumerate().map(|(d, b)| (x0 + d as f64, b[FORMATION].p50));
        chart.draw_series(LineSeries::new(median, colors[i].stroke_width(width(3)))).map_err(plot_error)?;
    }
    if let Some(size) = common_goal {
        reference_line(&mut chart, area, (0.0, last_day), size, goal_label(size), k)?;
    }
    for by in deadlines {
        let day = by.days_since(origin) as f64;
        if !(0.0..=last_day).contains(&day) {
            continue;
        }
        let style = text_style(16 * k, &super::MUTED);
        super::vertical_line(&mut chart, area, day, (0.0, y_max), format!("by {by}"), style, k)?;
    }
    Ok(())
}

/// The label of the new-army line.
fn goal_label(size: f64) -> String {
    format!("new army {}", thousands(size))
}

/// The new-army probability per scenario: a dot with its 95% Wilson interval.
fn draw_probabilities<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[ComparisonEntry<'_>],
    colors: &[RGBColor],
    k: i32,
) -> Result<(), PlotError> {
    let n = entries.len();
    let goals: Vec<Option<String>> = entries
        .iter()
        .map(|e| e.summary.new_army.as_ref().map(|g| format!("≥ {} by {}", goal_size(e), g.by)))
        .collect();
    let common_goal = goals.windows(2).all(|w| w[0] == w[1]).then(|| goals[0].clone()).flatten();
    // Near-certain probabilities on a 0–1 axis all look like 1: the axis starts at a
    // round twentieth below the lowest interval, so 0.945 and 1.000 stand apart; each
    // value is a dot with its interval, and printed.
    let lowest =
        entries.iter().filter_map(|e| e.summary.new_army.as_ref().map(|g| g.probability_ci95[0])).fold(1.0, f64::min);
    let x_lo = if lowest >= 0.5 { (((lowest - 0.02) * 20.0).floor() / 20.0).max(0.0) } else { 0.0 };
    let caption = match &common_goal {
        Some(goal) => format!("P(ever reached {goal}), 95% CI"),
        None => "P(ever reached a new army by its deadline), 95% CI".to_string(),
    };
    area.draw(&Text::new(caption, (16 * k, 12 * k), text_style(22 * k, &TEXT))).map_err(plot_error)?;
    // The first scenario at the top.
    let row = |i: usize| (n - 1 - i) as f64;
    let width = |w: i32| (w * k) as u32;
    let mut chart = ChartBuilder::on(area)
        .margin_top(56 * k)
        .margin_bottom(6 * k)
        .margin_left(8 * k)
        .margin_right(24 * k)
        .x_label_area_size(44 * k)
        .y_label_area_size(10 * k)
        .build_cartesian_2d(
            TickedAxis::new(x_lo, 1.0, (0..=4).map(|t| x_lo + (1.0 - x_lo) * f64::from(t) / 4.0).collect()),
            TickedAxis::new(0.0, n as f64, (0..n).map(|i| row(i) + 0.5).collect()),
        )
        .map_err(plot_error)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&|x| format!("{x:.3}")).y_label_formatter(&|_| String::new());
    house_style(&mut mesh, 17, k);
    mesh.draw().map_err(plot_error)?;
    let (base_x, base_y) = area.get_base_pixel();
    for (i, e) in entries.iter().enumerate() {
        let y = row(i);
        // The name and the value sit above the bar, left-aligned, where nothing else is drawn.
        let (x, py) = chart.backend_coord(&(x_lo, y + 0.72));
        let above = (x + 4 * k - base_x, py - 4 * k - base_y);
        let style = text_style(16 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Bottom));
        let name = shorten(&e.summary.name, 34);
        let Some(goal) = &e.summary.new_army else {
            area.draw(&Text::new(format!("{name}: no [goal]"), above, style)).map_err(plot_error)?;
            continue;
        };
        let p = goal.probability;
        let [lo, hi] = goal.probability_ci95;
        let whisker = colors[i].stroke_width(width(3));
        chart
            .draw_series([
                PathElement::new(vec![(lo, y + 0.47), (hi, y + 0.47)], whisker),
                PathElement::new(vec![(lo, y + 0.35), (lo, y + 0.59)], whisker),
                PathElement::new(vec![(hi, y + 0.35), (hi, y + 0.59)], whisker),
            ])
            .map_err(plot_error)?;
        chart
            .draw_series(std::iter::once(Circle::new((p, y + 0.47), 7 * k, colors[i].filled())))
            .map_err(plot_error)?;
        let own_goal =
            if common_goal.is_some() { String::new() } else { format!(" {}", goals[i].clone().unwrap_or_default()) };
        let text = format!("{name}: {}{own_goal}", probability_triple(p, lo, hi));
        area.draw(&Text::new(text, above, style)).map_err(plot_error)?;
        if goal.deploy {
            // How many, beneath the bar: a scenario that deploys its armies is not judged by
            // whether one was reached alone.
            let b = &goal.armies_formed.band;
            let text = format!(
                "armies formed by {}: median {}, 90% of runs {}–{}",
                goal.by,
                thousands(b.p50),
                thousands(b.p5),
                thousands(b.p95)
            );
            let (x, py) = chart.backend_coord(&(x_lo, y + 0.30));
            let below = (x + 4 * k - base_x, py + 2 * k - base_y);
            let style = text_style(15 * k, &super::MUTED).pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&Text::new(text, below, style)).map_err(plot_error)?;
        }
    }
    Ok(())
}

/// Whether the scenario forms armies and deploys them (`[goal] deploy = true`).
fn deploys(e: &ComparisonEntry<'_>) -> bool {
    e.summary.new_army.as_ref().is_some_and(|g| g.deploy)
}

fn goal_size(e: &ComparisonEntry<'_>) -> String {
    e.new_army.map_or_else(|| "?".into(), thousands)
}

/// `comparison.csv`: one row per scenario with the headline numbers, and the paired
/// difference of its new-army probability from the first scenario's (same seed and runs).
pub fn comparison_csv(entries: &[ComparisonEntry<'_>]) -> String {
    let header = [
        "scenario",
        "file",
        "scenario_sha256",
        "runs",
        "seed",
        "start",
        "days",
        "deployed_end_p50",
        "formation_end_p5",
        "formation_end_p50",
        "formation_end_p95",
        "total_end_p50",
        "casualties_total_p50",
        "recruited_total_p50",
        "new_army_size",
        "new_army_by",
        "new_army_probability",
        "new_army_probability_lo95",
        "new_army_probability_hi95",
        "day_reached_p50",
        "date_reached_p50",
        "new_army_probability_at_deadline",
        "armies_p50",
        "armies_p_at_least_1",
        "armies_p_at_least_2",
        "cost_total_p50",
        "currency",
        "paired_difference_vs_first",
        "paired_difference_lo95",
        "paired_difference_hi95",
        "run_id",
    ];
    let first = &entries[0];
    let rows = entries.iter().enumerate().map(|(i, e)| {
        let s = e.summary;
        let mut row = vec![
            s.name.clone(),
            s.file.clone(),
            s.scenario_sha256.clone(),
            s.runs.to_string(),
            s.seed.to_string(),
            s.start.to_string(),
            s.days.to_string(),
        ];
        let ends = [s.deployed_end.p50, s.formation_end.p5, s.formation_end.p50, s.formation_end.p95, s.total_end.p50];
        row.extend(ends.into_iter().chain([s.casualties_total.p50, s.recruited_total.p50]).map(|x| x.to_string()));
        match &s.new_army {
            Some(g) => {
                let reached = g.day_reached.p50;
                row.extend([
                    e.new_army.map_or(String::new(), |v| v.to_string()),
                    g.by.to_string(),
                    g.probability.to_string(),
                    g.probability_ci95[0].to_string(),
                    g.probability_ci95[1].to_string(),
                    reached.map_or(String::new(), |d| d.to_string()),
                    reached.map_or(String::new(), |d| s.date_of_day(d).to_string()),
                    g.probability_at_deadline.to_string(),
                    g.armies_formed.band.p50.to_string(),
                    g.armies_formed.at_least(1).to_string(),
                    g.armies_formed.at_least(2).to_string(),
                ]);
            }
            None => row.extend(std::iter::repeat_n(String::new(), 11)),
        }
        row.push(s.cost_total.map_or(String::new(), |c| c.p50.to_string()));
        row.push(s.currency.clone().unwrap_or_default());
        // Paired with the first scenario: same runs and seed, so common random numbers.
        let paired =
            i > 0 && !e.reached.is_empty() && e.reached.len() == first.reached.len() && s.seed == first.summary.seed;
        if paired {
            let (d, lo, hi) = paired_difference(&first.reached, &e.reached);
            row.extend([d, lo, hi].map(|x| x.to_string()));
        } else {
            row.extend(std::iter::repeat_n(String::new(), 3));
        }
        row.push(s.run_id.clone());
        row
    });
    output::csv_text(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        let text = output::csv_text(&["a", "b"], [["plain", "Partial mobilization (300,000)"], ["say \"no\"", ""]]);
        assert_eq!(text, "a,b\nplain,\"Partial mobilization (300,000)\"\n\"say \"\"no\"\"\",\n");
    }
}
