//! The chart of a fit: each uncertain input's prior and posterior, side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Drawable, Format, MUTED, PALETTE, PlotError, TEXT, page, plot_error, render, shorten, text_style};
use crate::fit::Fit;
use crate::format::{input_value, thousands};

/// Rows the chart shows; the rest are in `fit.json`.
const MAX_ROWS: usize = 14;

/// What a fit chart shows.
pub struct FitChart<'a> {
    /// The fit.
    pub fit: &'a Fit,
    /// The scenario's name.
    pub name: &'a str,
    /// The footer line that traces the chart to its input.
    pub footer: String,
}

/// Draws each uncertain input as a row: its prior's 90% interval (grey) and its
/// posterior's (blue), medians as dots, on the row's own scale (the prior's interval
/// spans the row), the inputs the data narrowed most on top.
///
/// # Errors
/// If drawing or encoding fails.
pub fn fit_chart(chart: &FitChart<'_>, format: Format) -> Result<Vec<u8>, PlotError> {
    render(chart, format)
}

impl Drawable for FitChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let f = self.fit;
        let title = shorten(&format!("What the observations say about each input: {}", self.name), 90);
        let (header, body, _) = page(root, k, 120, &title, 30, &self.footer)?;
        let how = format!(
            "Approximate Bayesian computation by rejection: the {} runs of {} closest to the observations ({} estimates, {} window increments), {:.1}%",
            thousands(f64::from(f.accepted)),
            thousands(f64::from(f.runs)),
            f.distance.points,
            f.distance.windows,
            100.0 * f.accept_fraction
        );
        header.draw(&Text::new(how, (40 * k, 58 * k), text_style(16 * k, &MUTED))).map_err(plot_error)?;
        // The legend: what each bar is.
        let legend_y = 92 * k;
        let mut x = 40 * k;
        let style = text_style(17 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
        for (color, text) in [
            (RGBColor(170, 170, 170), "prior: the scenario as written, 5th to 95th percentile"),
            (PALETTE[0], "posterior: the runs kept, 5th to 95th percentile (dot: median)"),
        ] {
            header
                .draw(&Rectangle::new([(x, legend_y - 7 * k), (x + 34 * k, legend_y + 7 * k)], color.filled()))
                .map_err(plot_error)?;
            header.draw(&Text::new(text.to_string(), (x + 44 * k, legend_y), style.clone())).map_err(plot_error)?;
            let (w, _) = header.estimate_text_size(text, &style).map_err(plot_error)?;
            x += 44 * k + w as i32 + 40 * k;
        }

        let rows = &f.inputs[..f.inputs.len().min(MAX_ROWS)];
        let (w, h) = body.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        let (bar_x0, bar_x1) = (600 * k, w - 220 * k);
        let row_h = ((h - 40 * k) / rows.len().max(1) as i32).min(90 * k);
        for (i, input) in rows.iter().enumerate() {
            let y = 20 * k + i as i32 * row_h + row_h / 2;
            let label = shorten(&input.name, 52);
            body.draw(&Text::new(label, (40 * k, y - 10 * k), style.clone())).map_err(plot_error)?;
            let narrower = input.narrower();
            let note = if narrower.is_finite() { format!("{narrower:.1}× narrower") } else { "a point".into() };
            let small = text_style(14 * k, &MUTED).pos(Pos::new(HPos::Left, VPos::Center));
            body.draw(&Text::new(format!("{} · {note}", input.key), (40 * k, y + 14 * k), small.clone()))
                .map_err(plot_error)?;
            // The row's scale: the prior's interval, widened to hold the posterior's.
            let lo = input.prior.p5.min(input.posterior.p5);
            let hi = input.prior.p95.max(input.posterior.p95);
            let span = if hi > lo { hi - lo } else { 1.0 };
            let px = |v: f64| bar_x0 + ((v - lo) / span * f64::from(bar_x1 - bar_x0)) as i32;
            let bar = |from: f64, to: f64, dy: i32, color: RGBColor| {
                let (a, b) = (px(from), px(to).max(px(from) + 3 * k));
                Rectangle::new([(a, y + dy - 6 * k), (b, y + dy + 6 * k)], color.filled())
            };
            body.draw(&bar(input.prior.p5, input.prior.p95, -9 * k, RGBColor(170, 170, 170))).map_err(plot_error)?;
            body.draw(&bar(input.posterior.p5, input.posterior.p95, 9 * k, PALETTE[0])).map_err(plot_error)?;
            for (v, dy, color) in [(input.prior.p50, -9 * k, RGBColor(90, 90, 90)), (input.posterior.p50, 9 * k, BLACK)]
            {
                body.draw(&Circle::new((px(v), y + dy), 5 * k, color.filled())).map_err(plot_error)?;
            }
            let ends = text_style(14 * k, &TEXT);
            let right = ends.pos(Pos::new(HPos::Left, VPos::Center));
            let left = text_style(14 * k, &TEXT).pos(Pos::new(HPos::Right, VPos::Center));
            body.draw(&Text::new(input_value(lo), (bar_x0 - 8 * k, y), left)).map_err(plot_error)?;
            body.draw(&Text::new(input_value(hi), (bar_x1 + 8 * k, y), right)).map_err(plot_error)?;
        }
        if f.inputs.len() > rows.len() {
            let more = format!("{} more inputs in fit.json", f.inputs.len() - rows.len());
            body.draw(&Text::new(more, (40 * k, h - 16 * k), text_style(15 * k, &MUTED))).map_err(plot_error)?;
        }
        Ok(())
    }
}
