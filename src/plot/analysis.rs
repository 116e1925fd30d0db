//! Charts of the analyses: the tornado of a sensitivity analysis and the curve of a
//! break-even search.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Drawable, Format, MUTED, PALETTE, PlotError, TEXT, house_style, page, plot_error, reference_line, render, shorten,
    text_style,
};
use crate::analysis::{BreakEven, Outcome, Sensitivity};
use crate::format::{input_value, thousands};
use crate::output::outcome_value;

/// Rows a tornado shows; the rest are in `sensitivity.csv`.
const MAX_ROWS: usize = 18;

/// Below this rank correlation (and with no swing) an input is taken to have no effect.
const NO_EFFECT_RHO: f64 = 0.05;

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::FormationEnd => "formation at the end",
        Outcome::DeployedEnd => "deployed at the end",
        Outcome::NewArmy => "the probability of the new army",
        Outcome::DayReached => "the day the new army is reached",
        Outcome::Armies => "the armies by the deadline",
    }
}

/// What a tornado chart shows.
pub struct Tornado<'a> {
    /// The analysis.
    pub sensitivity: &'a Sensitivity,
    /// The scenario's name.
    pub name: &'a str,
    /// The footer line that traces the chart to its input.
    pub footer: String,
}

/// Draws the tornado chart: one bar per uncertain input, largest swing on top.
///
/// # Errors
/// If drawing or encoding fails.
pub fn tornado_chart(chart: &Tornado<'_>, format: Format) -> Result<Vec<u8>, PlotError> {
    render(chart, format)
}

impl Drawable for Tornado<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let s = self.sensitivity;
        let title = format!("What drives {}: {}", outcome_label(s.outcome), self.name);
        let (header, body, footer) = page(root, k, 120, &title, 30, &self.footer)?;
        let how = format!(
            "Mean outcome with one input at its 10th (light) and 90th (dark) percentile, all others at their medians ({} runs each); ρ: Spearman rank correlation over {} runs",
            thousands(f64::from(s.swing_runs)),
            thousands(f64::from(s.runs))
        );
        header.draw(&Text::new(how, (40 * k, 58 * k), text_style(16 * k, &MUTED))).map_err(plot_error)?;
        if s.inputs.is_empty() {
            let note = "No uncertain inputs: every run differs only by daily noise.";
            body.draw(&Text::new(note, (40 * k, 40 * k), text_style(22 * k, &TEXT))).map_err(plot_error)?;
            return Ok(());
        }
        // Inputs that do not move the outcome take no row: no swing at all (common random
        // numbers make that exact) and no rank correlation to speak of. The CSV keeps them.
        let moving: Vec<&crate::analysis::InputSensitivity> =
            s.inputs.iter().filter(|r| r.swing() != 0.0 || r.spearman.abs() >= NO_EFFECT_RHO).collect();
        let left_out = s.inputs.len() - moving.len();
        if left_out > 0 {
            let note = format!("{left_out} input(s) with no effect on the outcome are left out (see sensitivity.csv)");
            header.draw(&Text::new(note, (40 * k, 86 * k), text_style(16 * k, &MUTED))).map_err(plot_error)?;
        }
        let rows = &moving[..moving.len().min(MAX_ROWS)];
        let n = rows.len().max(1);
        let (mut lo, mut hi) = (s.baseline, s.baseline);
        for r in rows {
            lo = lo.min(r.at_p10).min(r.at_p90);
            hi = hi.max(r.at_p10).max(r.at_p90);
        }
        // Counts span at least 5 people (or days), so that even when no input moves the
        // outcome the axis has whole-number ticks, not 0.2 steps printed as "0 0 0 1 1 1".
        let pad = ((hi - lo) * 0.08).max(if s.outcome == Outcome::NewArmy { 0.02 } else { 5.0 });
        let (x_lo, x_hi) = if s.outcome == Outcome::NewArmy {
            ((lo - pad).max(0.0), (hi + pad).min(1.0))
        } else {
            ((lo - pad).max(0.0).min(lo), hi + pad)
        };
        let width = |w: i32| (w * k) as u32;
        let mut chart = ChartBuilder::on(&body)
            .margin_top(30 * k)
            .margin_bottom(6 * k)
            .margin_left(16 * k)
            .margin_right(60 * k)
            .x_label_area_size(44 * k)
            .y_label_area_size(560 * k)
            .build_cartesian_2d(x_lo..x_hi, 0f64..n as f64)
            .map_err(plot_error)?;
        let row = |i: usize| (n - 1 - i) as f64;
        let outcome = s.outcome;
        let mut mesh = chart.configure_mesh();
        let label_of = |x: &f64| outcome_value(outcome, *x);
        mesh.x_labels(8).x_label_formatter(&label_of).y_labels(0).disable_y_mesh();
        house_style(&mut mesh, 16, k);
        mesh.draw().map_err(plot_error)?;
        let (base_x, base_y) = body.get_base_pixel();
        for (i, r) in rows.iter().enumerate() {
            let y = row(i);
            for (end, color) in [(r.at_p10, PALETTE[5]), (r.at_p90, PALETTE[0])] {
                let bar = Rectangle::new([(s.baseline, y + 0.18), (end, y + 0.82)], color.filled());
                chart.draw_series(std::iter::once(bar)).map_err(plot_error)?;
            }
            let (_, py) = chart.backend_coord(&(x_lo, y + 0.5));
            let label = format!(
                "{}  ({} → {}, ρ = {:+.2})",
                shorten(&r.name, 40),
                input_value(r.p10),
                input_value(r.p90),
                r.spearman
            );
            let style = text_style(16 * k, &TEXT).pos(Pos::new(HPos::Right, VPos::Center));
            let at = (chart.backend_coord(&(x_lo, 0.0)).0 - 12 * k - base_x, py - base_y);
            body.draw(&Text::new(label, at, style)).map_err(plot_error)?;
        }
        let line = [(s.baseline, 0.0), (s.baseline, n as f64)];
        chart.draw_series(LineSeries::new(line, BLACK.stroke_width(width(2)))).map_err(plot_error)?;
        let (x, y) = chart.backend_coord(&(s.baseline, n as f64));
        let style = text_style(16 * k, &TEXT).pos(Pos::new(HPos::Center, VPos::Bottom));
        let label = format!("all inputs at their medians: {}", outcome_value(outcome, s.baseline));
        body.draw(&Text::new(label, (x - base_x, y - 6 * k - base_y), style)).map_err(plot_error)?;
        if moving.len() > rows.len() {
            let more = format!("{} more inputs with smaller swings are in sensitivity.csv", moving.len() - rows.len());
            footer.draw(&Text::new(more, (40 * k, -8 * k), text_style(15 * k, &MUTED))).map_err(plot_error)?;
        }
        Ok(())
    }
}

/// What a break-even chart shows.
pub struct BreakEvenChart<'a> {
    /// The search.
    pub breakeven: &'a BreakEven,
    /// What is reached, e.g. "P(new army ≥ 30,000 by 2024-12-31)".
    pub goal: String,
    /// The scenario's name.
    pub name: &'a str,
    /// The footer line that traces the chart to its input.
    pub footer: String,
}

/// Draws the probability against the varied input, with its 95% interval, the target
/// and the break-even value.
///
/// # Errors
/// If drawing or encoding fails.
pub fn breakeven_chart(chart: &BreakEvenChart<'_>, format: Format) -> Result<Vec<u8>, PlotError> {
    render(chart, format)
}

impl Drawable for BreakEvenChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let b = self.breakeven;
        let title = format!("Break-even: {} for {} = {}", b.name, self.goal, b.target);
        let (header, body, _) = page(root, k, 120, &title, 28, &self.footer)?;
        let answer = match b.value {
            Some(v) => format!(
                "{}: reached at {} = {} (bisection on {} runs with common random numbers)",
                self.name,
                b.name,
                input_value(v),
                thousands(f64::from(b.runs))
            ),
            None => format!(
                "{}: not reached anywhere in {} to {} ({} runs at each value)",
                self.name,
                input_value(b.range.0),
                input_value(b.range.1),
                thousands(f64::from(b.runs))
            ),
        };
        header.draw(&Text::new(answer, (40 * k, 58 * k), text_style(18 * k, &MUTED))).map_err(plot_error)?;

        let width = |w: i32| (w * k) as u32;
        let (x_lo, x_hi) = b.range;
        // A high target sits near 1, where a 0–1 axis squashes the crossing and its
        // interval against the top: the axis then starts at 1 − 5 × (1 − target), rounded
        // down to a hundredth (0.95 for 0.99), and says so.
        let y_lo = if b.target >= 0.8 { ((1.0 - 5.0 * (1.0 - b.target)) * 100.0).floor() / 100.0 } else { 0.0 };
        let decimals = if y_lo > 0.0 { 2 } else { 1 };
        let mut chart = ChartBuilder::on(&body)
            .margin_top(30 * k)
            .margin_bottom(6 * k)
            .margin_left(16 * k)
            .margin_right(160 * k)
            .x_label_area_size(50 * k)
            .y_label_area_size(90 * k)
            .build_cartesian_2d(x_lo..x_hi, y_lo..1f64)
            .map_err(plot_error)?;
        let y_label = |y: &f64| format!("{y:.decimals$}");
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(8)
            .x_label_formatter(&|x| input_value(*x))
            .y_labels(6)
            .y_label_formatter(&y_label)
            .x_desc(format!("{}, {} ({})", b.name, b.unit, b.key))
            .y_desc(if y_lo > 0.0 { format!("probability (axis from {y_lo})") } else { "probability".into() })
            .axis_desc_style(text_style(18 * k, &TEXT));
        house_style(&mut mesh, 17, k);
        mesh.draw().map_err(plot_error)?;
        let color = PALETTE[0];
        // Clamped to the axis, so a zoomed axis clips the band rather than spill it.
        let shown: Vec<&crate::analysis::ProbabilityAt> = b.points.iter().filter(|p| p.hi95 >= y_lo).collect();
        let band: Vec<(f64, f64)> = shown
            .iter()
            .map(|p| (p.value, p.hi95))
            .chain(shown.iter().rev().map(|p| (p.value, p.lo95.max(y_lo))))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled()))).map_err(plot_error)?;
        // Values below a zoomed axis are not drawn, rather than drawn along its floor.
        let curve = b.points.iter().filter(|p| p.probability >= y_lo).map(|p| (p.value, p.probability));
        chart.draw_series(LineSeries::new(curve, color.stroke_width(width(3)))).map_err(plot_error)?;
        chart
            .draw_series(
                b.points
                    .iter()
                    .filter(|p| p.probability >= y_lo)
                    .map(|p| Circle::new((p.value, p.probability), 4 * k, color.filled())),
            )
            .map_err(plot_error)?;
        reference_line(&mut chart, &body, (x_lo, x_hi), b.target, format!("target {}", b.target), k)?;
        if let Some(v) = b.value {
            let label = format!("break-even {}", input_value(v));
            super::vertical_line(&mut chart, &body, v, (y_lo, 1.0), label, text_style(17 * k, &TEXT), k)?;
        }
        Ok(())
    }
}
