//! The fan chart of one scenario: `deployed` over `formation`, on a shared date axis.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ticks::{Tick, TickedAxis};
use super::{
    Drawable, Format, MUTED, PALETTE, PlotError, TEXT, house_style, page, plot_error, provenance, reference_line,
    render, room_for, text_style,
};
use crate::engine::SERIES;
use crate::engine::series::{ARMIES, CASUALTIES, DEPLOYED, FORMATION, RECRUITED, TARGET};
use crate::format::{probability, thousands};
use crate::stats::{Band, Summary};

/// What a fan chart shows.
pub struct FanChart<'a> {
    /// The scenario's summary (name, runs, seed, dates, the goal's answer).
    pub summary: &'a Summary,
    /// Bands of every series on every day, as from [`crate::stats::daily_bands`].
    pub bands: &'a [[Band; SERIES.len()]],
    /// The strength held before surplus counts: the reference line of `deployed`.
    pub target: f64,
    /// The new army's size: the reference line of `formation` (`None` without a goal).
    pub new_army: Option<f64>,
    /// Observed series: each adds a panel with the model's bands and the observations.
    pub observed: &'a crate::scenario::Observed,
    /// Draw only the observed panels (a backtest has no force to show).
    pub observed_only: bool,
}

/// Draws the fan chart: (1) `deployed` with its 50% and 90% bands, median and target
/// line; (2) `formation` with bands, median, the new-army threshold, the deadline and the
/// probability; title, legend and a footer that traces the chart to its input.
///
/// # Errors
/// If drawing or encoding fails.
pub fn fan_chart(chart: &FanChart<'_>, format: Format) -> Result<Vec<u8>, PlotError> {
    render(chart, format)
}

const BAND_90: f64 = 0.16;
const BAND_50: f64 = 0.34;

/// One of the two panels.
struct Panel<'a> {
    caption: String,
    series: usize,
    color: RGBColor,
    /// A horizontal dashed line and its label, written in the right margin.
    reference: Option<(f64, String)>,
    /// A vertical dotted line at a day and its label, written above the plot.
    deadline: Option<(f64, String)>,
    /// With `deploy = true`: the target's median over the days, a step each time armies
    /// are deployed, drawn dashed (instead of the horizontal reference) and labelled.
    steps: Option<(usize, String)>,
    /// With `deploy = true`: mark the days on which the median run forms its 1st, 2nd, …
    /// army (the steps of the `armies` series' median).
    army_days: bool,
    /// Whether to label the date axis (only the lower panel does).
    dates: bool,
    /// Observations to draw over the bands.
    observed: Option<&'a [Option<f64>]>,
    /// Dated estimates to draw over the bands, as points with 90% error bars.
    points: Option<&'a [crate::scenario::ObservedPoint]>,
}

impl Drawable for FanChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let s = self.summary;
        let footer = provenance(s.runs, s.seed, s.start, s.days, &s.file, &s.scenario_sha256);
        // When people are mobilized, whether and when each wave started: a wave that waits
        // for its trigger may never be needed, which the bands alone do not show.
        let waves = waves_line(s);
        let header_px = if waves.is_some() { 144 } else { 118 };
        let (header, panels, _) = page(root, k, header_px, &super::shorten(&s.name, 80), 32, &footer)?;
        if let Some(d) = &s.description {
            let description = super::shorten(d, 150);
            header.draw(&Text::new(description, (40 * k, 56 * k), text_style(18 * k, &MUTED))).map_err(plot_error)?;
        }
        if let Some(waves) = waves {
            header.draw(&Text::new(waves, (40 * k, 82 * k), text_style(18 * k, &TEXT))).map_err(plot_error)?;
        }

        let deploy = s.new_army.as_ref().is_some_and(|g| g.deploy);
        let deployed = Panel {
            caption: if deploy {
                "Deployed: the fighting force, held at the target, which rises by an army each time one is formed"
                    .into()
            } else {
                "Deployed: the fighting force, held at the target while strength allows".into()
            },
            series: DEPLOYED,
            color: PALETTE[0],
            reference: (!deploy).then(|| (self.target, format!("target {}", thousands(self.target)))),
            deadline: None,
            steps: deploy.then(|| (TARGET, "target (median)".to_string())),
            army_days: false,
            dates: false,
            observed: None,
            points: None,
        };
        let (caption, reference, deadline) = match (&s.new_army, self.new_army) {
            (Some(goal), Some(size)) if goal.deploy => (
                format!(
                    "Formation: the surplus, each army of {} formed and deployed · armies by {}: median {}, P(≥1) = {}, P(≥2) = {}",
                    thousands(size),
                    goal.by,
                    thousands(goal.armies_formed.band.p50),
                    probability(goal.armies_formed.at_least(1)),
                    probability(goal.armies_formed.at_least(2))
                ),
                Some((size, format!("new army {}", thousands(size)))),
                Some((goal.by.days_since(s.start) as f64, format!("by {}", goal.by))),
            ),
            (Some(goal), Some(size)) => (
                format!(
                    "Formation: the surplus · P(ever reached {} by {}) = {} (95% CI {}–{}) · P(held on that day) = {}",
                    thousands(size),
                    goal.by,
                    probability(goal.probability),
                    probability(goal.probability_ci95[0]),
                    probability(goal.probability_ci95[1]),
                    probability(goal.probability_at_deadline)
                ),
                Some((size, format!("new army {}", thousands(size)))),
                Some((goal.by.days_since(s.start) as f64, format!("by {}", goal.by))),
            ),
            _ => ("Formation: the surplus beyond holding the line (no [goal] set)".to_string(), None, None),
        };
        // A force with no surplus and no goal (a replay) has nothing to show below deployed.
        let no_surplus = s.new_army.is_none() && self.bands.iter().all(|b| b[FORMATION].p95 == 0.0);
        let mut list = if self.observed_only {
            Vec::new()
        } else if no_surplus {
            vec![deployed]
        } else {
            vec![
                deployed,
                Panel {
                    caption,
                    series: FORMATION,
                    color: PALETTE[1],
                    reference,
                    deadline,
                    steps: None,
                    army_days: deploy,
                    dates: false,
                    observed: None,
                    points: None,
                },
            ]
        };
        // Dated estimates: over their series' panel, or a panel of their own for strength.
        for p in &self.observed.points {
            let cover = s.observed.as_ref().and_then(|c| c.points(&p.key));
            let inside = cover.map_or(String::new(), |c| match (c.inside_50, c.inside_90) {
                (Some(a), Some(b)) => format!(
                    " · {} estimates (black, 90% error bars): {:.0}% inside the 50% band, {:.0}% inside the 90% band",
                    c.points,
                    100.0 * a,
                    100.0 * b
                ),
                _ => " · no estimate falls in the horizon".to_string(),
            });
            match list.iter_mut().find(|panel| panel.series == p.series && panel.observed.is_none()) {
                Some(panel) if !self.observed_only => {
                    panel.points = Some(&p.points);
                    panel.caption = format!("{}{inside}", super::shorten(&panel.caption, 60));
                }
                _ => list.push(Panel {
                    caption: format!("Strength: everyone on strength, deployed and surplus{inside}"),
                    series: p.series,
                    color: PALETTE[4],
                    reference: None,
                    deadline: None,
                    steps: None,
                    army_days: false,
                    dates: false,
                    observed: None,
                    points: Some(&p.points),
                }),
            }
        }
        let coverage = s.observed.as_ref();
        for (series, name, observed, cover) in [
            (
                CASUALTIES,
                "Casualties since the start",
                self.observed.casualties.as_deref(),
                coverage.and_then(|c| c.casualties),
            ),
            (
                RECRUITED,
                "Recruited since the start",
                self.observed.recruited.as_deref(),
                coverage.and_then(|c| c.recruited),
            ),
        ] {
            if let Some(observed) = observed {
                let caption = match cover {
                    Some(c) => format!(
                        "{name}: model vs observed (black) · observed inside the 50% band on {:.0}% of days, the 90% band on {:.0}%",
                        100.0 * c.inside_50,
                        100.0 * c.inside_90
                    ),
                    None => format!("{name}: model vs observed (no observation falls in the horizon)"),
                };
                list.push(Panel {
                    caption,
                    series,
                    color: PALETTE[2],
                    reference: None,
                    deadline: None,
                    steps: None,
                    army_days: false,
                    dates: false,
                    observed: Some(observed),
                    points: None,
                });
            }
        }
        if let Some(last) = list.last_mut() {
            last.dates = true;
        }
        let drawn =
            |series: usize| list.iter().any(|p| p.series == series && (p.reference.is_some() || p.steps.is_some()));
        let marks = Marks {
            target: drawn(DEPLOYED),
            new_army: drawn(FORMATION),
            deadline: list.iter().any(|p| p.deadline.is_some()),
            estimates: list.iter().any(|p| p.points.is_some_and(|x| !x.is_empty())),
            armies: list.iter().any(|p| p.army_days) && !army_days(self.bands).is_empty(),
            observed: list.iter().any(|p| p.observed.is_some()),
        };
        let mut colors: Vec<RGBColor> = Vec::new();
        for p in &list {
            if !colors.contains(&p.color) {
                colors.push(p.color);
            }
        }
        draw_legend(&header, 40 * k, (header_px - 26) * k, k, marks, &colors)?;
        let bands = super::widen_single_day(self.bands);
        // One left and one right margin for every panel, so their date axes line up; the
        // left holds the labels and the axis's unit.
        let left = list.iter().map(|p| room_for(&header, &thousands(y_range(&bands, p).1), 17 * k, 0, k) + 30 * k);
        let right = list.iter().map(|p| {
            let label = p.reference.as_ref().map(|r| &r.1).or(p.steps.as_ref().map(|s| &s.1));
            label.map_or(0, |label| room_for(&header, label, 17 * k, 0, k))
        });
        let margins = (left.fold(120 * k, i32::max), right.fold(200 * k, i32::max));
        let ticks = super::date_axis_ticks(&panels, s.start, i64::from(s.days) - 1, margins, k);
        let areas = panels.split_evenly((list.len(), 1));
        for (area, panel) in areas.iter().zip(&list) {
            draw_panel(area, &bands, &ticks, panel, margins, k)?;
        }
        Ok(())
    }
}

/// Which lines beyond the bands and medians a chart draws, so the legend names only those.
#[derive(Clone, Copy)]
struct Marks {
    target: bool,
    new_army: bool,
    deadline: bool,
    estimates: bool,
    armies: bool,
    observed: bool,
}

/// The days on which the median run's count of armies formed steps up, with the count:
/// `armies` is recorded before the day's army step, so a step on day d means formed on
/// day d − 1.
fn army_days(bands: &[[Band; SERIES.len()]]) -> Vec<(f64, f64)> {
    bands
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1][ARMIES].p50 > w[0][ARMIES].p50)
        .map(|(d, w)| (d as f64, w[1][ARMIES].p50))
        .collect()
}

/// The legend, drawn once above the panels, so it never covers data: each band's swatch
/// in the colours of the panels' bands, side by side, and an entry for each kind of line
/// or mark drawn, and no other.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x0: i32,
    y: i32,
    k: i32,
    marks: Marks,
    colors: &[RGBColor],
) -> Result<(), PlotError> {
    let style = text_style(17 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = x0;
    let label = |x: &mut i32, text: &str| -> Result<(), PlotError> {
        area.draw(&Text::new(text.to_string(), (*x, y), style.clone())).map_err(plot_error)?;
        let (w, _) = area.estimate_text_size(text, &style).map_err(plot_error)?;
        *x += w as i32 + 36 * k;
        Ok(())
    };
    let n = colors.len().max(1) as i32;
    let stripe = (36 / n).max(8) * k;
    for (alpha, text) in [(BAND_90, "90% of runs (p5–p95)"), (BAND_50, "50% of runs (p25–p75)")] {
        for (j, c) in colors.iter().enumerate() {
            let x1 = x + j as i32 * stripe;
            area.draw(&Rectangle::new([(x1, y - 9 * k), (x1 + stripe, y + 9 * k)], c.mix(alpha).filled()))
                .map_err(plot_error)?;
        }
        x += n * stripe + 10 * k;
        label(&mut x, text)?;
    }
    for (j, c) in colors.iter().enumerate() {
        let x1 = x + j as i32 * stripe;
        area.draw(&PathElement::new(vec![(x1, y), (x1 + stripe, y)], c.stroke_width(3 * k as u32)))
            .map_err(plot_error)?;
    }
    x += n * stripe + 10 * k;
    label(&mut x, "median")?;
    if marks.observed {
        area.draw(&PathElement::new(vec![(x, y), (x + 34 * k, y)], BLACK.stroke_width(2 * k as u32)))
            .map_err(plot_error)?;
        x += 44 * k;
        label(&mut x, "observed")?;
    }
    let dashed = match (marks.target, marks.new_army) {
        (true, true) => Some("target / new army"),
        (true, false) => Some("target"),
        (false, true) => Some("new army"),
        (false, false) => None,
    };
    if let Some(text) = dashed {
        for (from, to) in [(0, 10), (14, 24), (28, 34)] {
            let dash = vec![(x + from * k, y), (x + to * k, y)];
            area.draw(&PathElement::new(dash, BLACK.stroke_width(2 * k as u32))).map_err(plot_error)?;
        }
        x += 44 * k;
        label(&mut x, text)?;
    }
    if marks.deadline {
        for dy in [-9, -3, 3] {
            let dot = vec![(x + 4 * k, y + dy * k), (x + 4 * k, y + (dy + 3) * k)];
            area.draw(&PathElement::new(dot, MUTED.stroke_width(2 * k as u32))).map_err(plot_error)?;
        }
        x += 16 * k;
        label(&mut x, "deadline")?;
    }
    if marks.estimates {
        area.draw(&PathElement::new(
            vec![(x + 8 * k, y - 9 * k), (x + 8 * k, y + 9 * k)],
            BLACK.stroke_width(2 * k as u32),
        ))
        .map_err(plot_error)?;
        area.draw(&Circle::new((x + 8 * k, y), 5 * k, BLACK.filled())).map_err(plot_error)?;
        x += 24 * k;
        label(&mut x, "estimate, 90% error bar")?;
    }
    if marks.armies {
        let triangle = TriangleMarker::new((x + 8 * k, y), 8 * k, PALETTE[1].filled());
        area.draw(&triangle).map_err(plot_error)?;
        x += 24 * k;
        label(&mut x, "nth army formed (median run)")?;
    }
    Ok(())
}

/// The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) at or above `x`:
/// the top of a y axis, close enough to the data that bands are not squeezed.
pub(super) fn nice_ceiling(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let magnitude = libm::pow(10f64, libm::log10(x).floor());
    ROUND.iter().chain([&10.0]).map(|m| m * magnitude).find(|&v| v >= x * (1.0 - 1e-12)).unwrap_or(10.0 * magnitude)
}

/// The round multiples of a power of ten that axes end on.
const ROUND: [f64; 10] = [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0];

/// The largest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) at or below `x`.
fn nice_floor(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let magnitude = libm::pow(10f64, libm::log10(x).floor());
    [&10.0]
        .into_iter()
        .chain(ROUND.iter().rev())
        .map(|m| m * magnitude)
        .find(|&v| v <= x * (1.0 + 1e-12))
        .unwrap_or(magnitude)
}

/// A panel's y axis: from a round number below its data to one above, spanning the
/// bands, observations and lines; from 0 when the data come within a third of it (a
/// count that starts at or near nothing), so a flat line at 420,000 is not drawn at the
/// top of a 0–500,000 axis.
fn y_range(bands: &[[Band; SERIES.len()]], panel: &Panel<'_>) -> (f64, f64) {
    let top = y_max(bands, panel);
    let mut lowest = bands.iter().map(|b| b[panel.series].p5).fold(f64::INFINITY, f64::min);
    if let Some(o) = panel.observed {
        lowest = o.iter().flatten().fold(lowest, |a, &b| a.min(b));
    }
    if let Some(p) = panel.points {
        lowest = p.iter().fold(lowest, |a, x| a.min(x.value - 1.645 * x.sd));
    }
    if let Some((value, _)) = &panel.reference {
        lowest = lowest.min(*value);
    }
    if let Some((s, _)) = &panel.steps {
        lowest = bands.iter().map(|b| b[*s].p50).fold(lowest, f64::min);
    }
    let bottom = nice_floor(lowest - 0.06 * (top - lowest));
    if !lowest.is_finite() || bottom < top / 3.0 { (0.0, top) } else { (bottom, top) }
}

/// The top of a panel's y axis: a round number above its bands, observations and line.
fn y_max(bands: &[[Band; SERIES.len()]], panel: &Panel<'_>) -> f64 {
    let observed_max = panel.observed.map_or(0.0, |o| o.iter().flatten().fold(0.0, |a: f64, &b| a.max(b)));
    let observed_max =
        panel.points.map_or(observed_max, |p| p.iter().fold(observed_max, |a, x| a.max(x.value + 1.645 * x.sd)));
    let highest = bands.iter().map(|b| b[panel.series].p95).fold(observed_max, f64::max);
    let highest =
        panel.steps.as_ref().map_or(highest, |(s, _)| bands.iter().map(|b| b[*s].p50).fold(highest, f64::max));
    // Counts: at least 0 to 10, so an all-zero panel still has whole-number ticks.
    nice_ceiling((highest.max(panel.reference.as_ref().map_or(0.0, |r| r.0)) * 1.06).max(10.0))
}

/// Draws one panel over `bands` (already widened to two days if there was one), with
/// `(left, right)` margins for the y labels and the reference label.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bands: &[[Band; SERIES.len()]],
    ticks: &[Tick],
    panel: &Panel<'_>,
    (left, right): (i32, i32),
    k: i32,
) -> Result<(), PlotError> {
    let series = panel.series;
    let last_day = (bands.len() - 1) as f64;
    let (y_min, y_max) = y_range(bands, panel);
    let width = |w: i32| (w * k) as u32;

    area.draw(&Text::new(panel.caption.clone(), (16 * k, 12 * k), text_style(22 * k, &TEXT))).map_err(plot_error)?;
    let tick_days: Vec<f64> = ticks.iter().map(|t| t.day).collect();
    let mut chart = ChartBuilder::on(area)
        .margin_top(62 * k)
        .margin_bottom(6 * k)
        .margin_left(16 * k)
        .margin_right(right)
        .x_label_area_size(if panel.dates { 44 * k } else { 4 * k })
        .y_label_area_size(left)
        .build_cartesian_2d(TickedAxis::new(0.0, last_day, tick_days), y_min..y_max)
        .map_err(plot_error)?;
    let label_of = |x: &f64| -> String {
        if !panel.dates {
            return String::new();
        }
        ticks.iter().find(|t| (t.day - x).abs() < 0.5).map_or(String::new(), |t| t.label.clone())
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&label_of)
        .y_labels(6)
        .y_label_formatter(&|y| thousands(*y))
        .y_desc("persons")
        .axis_desc_style(text_style(15 * k, &super::MUTED));
    house_style(&mut mesh, 17, k);
    mesh.draw().map_err(plot_error)?;

    let day = |i: usize| i as f64;
    let band = |lo: fn(&Band) -> f64, hi: fn(&Band) -> f64| -> Vec<(f64, f64)> {
        let upper = bands.iter().enumerate().map(|(i, b)| (day(i), hi(&b[series])));
        let lower = bands.iter().enumerate().rev().map(|(i, b)| (day(i), lo(&b[series])));
        upper.chain(lower).collect()
    };
    let color = panel.color;
    chart
        .draw_series(std::iter::once(Polygon::new(band(|b| b.p5, |b| b.p95), color.mix(BAND_90).filled())))
        .map_err(plot_error)?;
    chart
        .draw_series(std::iter::once(Polygon::new(band(|b| b.p25, |b| b.p75), color.mix(BAND_50).filled())))
        .map_err(plot_error)?;
    let median = bands.iter().enumerate().map(|(i, b)| (day(i), b[series].p50));
    chart.draw_series(LineSeries::new(median, color.stroke_width(width(3)))).map_err(plot_error)?;

    if let Some(observed) = panel.observed {
        // Observations as a line through the days that have one, over the bands.
        let points: Vec<(f64, f64)> =
            observed.iter().enumerate().filter_map(|(d, v)| v.map(|v| (d as f64, v))).collect();
        chart.draw_series(LineSeries::new(points, BLACK.stroke_width(width(2)))).map_err(plot_error)?;
    }
    if let Some(points) = panel.points {
        // Each estimate with its 90% range (±1.645 sd), over the bands.
        for p in points {
            let (d, spread) = (f64::from(p.day), 1.645 * p.sd);
            let bar = [(d, (p.value - spread).max(0.0)), (d, p.value + spread)];
            chart.draw_series(LineSeries::new(bar, BLACK.stroke_width(width(2)))).map_err(plot_error)?;
            chart.draw_series(std::iter::once(Circle::new((d, p.value), 5 * k, BLACK.filled()))).map_err(plot_error)?;
        }
    }
    let (base_x, base_y) = area.get_base_pixel();
    if let Some((value, label)) = &panel.reference {
        reference_line(&mut chart, area, (0.0, last_day), *value, label.clone(), k)?;
    }
    if let Some((steps, label)) = &panel.steps {
        let line: Vec<(f64, f64)> = bands.iter().enumerate().map(|(i, b)| (day(i), b[*steps].p50)).collect();
        let last = line[line.len() - 1];
        chart
            .draw_series(DashedLineSeries::new(line, 12 * k, 8 * k, BLACK.stroke_width(width(2))))
            .map_err(plot_error)?;
        let (x, y) = chart.backend_coord(&last);
        let style = text_style(17 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(label.clone(), (x + 12 * k - base_x, y - base_y), style)).map_err(plot_error)?;
    }
    if panel.army_days {
        // A triangle at the foot of the panel for each army, numbered where there is room.
        let mut last_label: Option<i32> = None;
        for (d, count) in army_days(bands) {
            let (x, y) = chart.backend_coord(&(d, 0.0));
            let (x, y) = (x - base_x, y - base_y);
            area.draw(&TriangleMarker::new((x, y - 9 * k), 8 * k, PALETTE[1].filled())).map_err(plot_error)?;
            if last_label.is_none_or(|last| x - last >= 28 * k) {
                let style = text_style(15 * k, &TEXT).pos(Pos::new(HPos::Center, VPos::Bottom));
                area.draw(&Text::new(thousands(count), (x, y - 20 * k), style)).map_err(plot_error)?;
                last_label = Some(x);
            }
        }
    }
    if let Some((deadline, label)) = &panel.deadline {
        super::vertical_line(&mut chart, area, *deadline, (0.0, y_max), label.clone(), text_style(17 * k, &MUTED), k)?;
    }
    Ok(())
}

/// "Mobilization: “wave” started on 2024-06-01 · “wave” started in 0.8% of runs (median
/// 2024-03-20)": each wave of the scenario, when it started and in how many runs; `None`
/// without waves.
fn waves_line(s: &Summary) -> Option<String> {
    if s.mobilization.is_empty() {
        return None;
    }
    let date = |day: f64| s.date_of_day(day).to_string();
    let waves: Vec<String> = s
        .mobilization
        .iter()
        .map(|w| {
            let name = format!("“{}”", super::shorten(&w.name, 60));
            let t = &w.triggered;
            match (t.day.p5, t.day.p50, t.day.p95) {
                (Some(first), Some(median), Some(last)) => {
                    if t.probability >= 1.0 && first == last {
                        format!("{name} started on {}", date(median))
                    } else if t.probability >= 1.0 {
                        format!("{name} started in every run (median {})", date(median))
                    } else {
                        let share = format!("{:.1}%", t.probability * 100.0);
                        format!("{name} started in {share} of runs (median {})", date(median))
                    }
                }
                _ => format!("{name} never started"),
            }
        })
        .collect();
    Some(super::shorten(&format!("Mobilization: {}", waves.join(" · ")), 150))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(value: f64, days: usize) -> Vec<[Band; SERIES.len()]> {
        let b = Band { mean: value, se: 0.0, p5: value, p25: value, p50: value, p75: value, p95: value };
        vec![[b; SERIES.len()]; days]
    }

    fn panel(series: usize, reference: Option<f64>) -> Panel<'static> {
        Panel {
            caption: String::new(),
            series,
            color: PALETTE[0],
            reference: reference.map(|r| (r, String::new())),
            deadline: None,
            steps: None,
            army_days: false,
            dates: false,
            observed: None,
            points: None,
        }
    }

    #[test]
    fn an_axis_spans_its_data_not_zero_by_habit() {
        // A force held flat at 420,000: the axis starts near it, not at 0.
        let (lo, hi) = y_range(&flat(420_000.0, 30), &panel(DEPLOYED, Some(420_000.0)));
        assert!((300_000.0..420_000.0).contains(&lo) && hi > 420_000.0, "{lo}..{hi}");
        // A count from nothing keeps its 0.
        let mut growing = flat(0.0, 30);
        for (d, b) in growing.iter_mut().enumerate() {
            b[FORMATION] = Band { p95: 1_000.0 * d as f64, ..b[FORMATION] };
        }
        assert_eq!(y_range(&growing, &panel(FORMATION, Some(500.0))).0, 0.0);
        // A reference line below the data is inside the axis.
        let (lo, _) = y_range(&flat(420_000.0, 30), &panel(DEPLOYED, Some(380_000.0)));
        assert!(lo < 380_000.0, "{lo}");
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(420_000.0 * 1.06), 500_000.0);
        assert_eq!(nice_ceiling(1_060_000.0), 1_200_000.0);
        assert_eq!(nice_ceiling(2_100_000.0), 2_500_000.0);
        assert_eq!(nice_ceiling(9_000.0), 10_000.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(31_800.0), 40_000.0);
    }
}
