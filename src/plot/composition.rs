//! Who fills the ranks: the mean strength of one scenario by source, stacked over time.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fan::nice_ceiling;
use super::ticks::TickedAxis;
use super::{
    Drawable, Format, MUTED, PALETTE, PlotError, TEXT, house_style, page, plot_error, provenance, render, room_for,
    text_style,
};
use crate::format::thousands;
use crate::stats::{Band, Summary};

/// What a composition chart shows.
pub struct CompositionChart<'a> {
    /// The scenario's summary (name, dates, provenance, and `composition_end`: the
    /// sources' names and end shares).
    pub summary: &'a Summary,
    /// Strength by source on every day, `[day][source]`, as from
    /// [`crate::stats::source_bands`].
    pub sources: &'a [Vec<Band>],
}

/// Draws the composition chart: the mean strength of each source stacked over time (the
/// top edge is the mean force), one colour a source, named as the scenario names them,
/// with each source's share of the mean force at the end in the legend.
///
/// # Errors
/// If drawing or encoding fails.
pub fn composition_chart(chart: &CompositionChart<'_>, format: Format) -> Result<Vec<u8>, PlotError> {
    render(chart, format)
}

/// The colour of source `i`: the initial force in grey (it only shrinks), then the palette.
pub(super) fn source_color(i: usize) -> RGBColor {
    if i == 0 { RGBColor(150, 150, 150) } else { PALETTE[(i - 1) % PALETTE.len()] }
}

impl Drawable for CompositionChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError> {
        let s = self.summary;
        let footer = provenance(s.runs, s.seed, s.start, s.days, &s.file, &s.scenario_sha256);
        let title = super::shorten(&format!("{}: who fills the ranks", s.name), 80);
        let (header, body, _) = page(root, k, 150, &title, 32, &footer)?;
        let subtitle = format!(
            "Mean strength by where people came from, stacked; the top edge is the mean force ({} at the end). People keep their source for life.",
            thousands(s.composition_end.iter().map(|c| c.mean).sum())
        );
        header
            .draw(&Text::new(super::shorten(&subtitle, 150), (40 * k, 56 * k), text_style(18 * k, &MUTED)))
            .map_err(plot_error)?;
        draw_legend(&header, s, 40 * k, 100 * k, k)?;

        // Cumulative means: layer i spans stack[i] to stack[i + 1].
        let days = self.sources.len();
        let stack: Vec<Vec<f64>> = self
            .sources
            .iter()
            .map(|day| {
                std::iter::once(0.0)
                    .chain(day.iter().scan(0.0, |sum, b| {
                        *sum += b.mean;
                        Some(*sum)
                    }))
                    .collect()
            })
            .collect();
        let top = stack.iter().map(|c| c[c.len() - 1]).fold(0.0, f64::max);
        let y_max = nice_ceiling((top * 1.06).max(10.0));
        let last_day = days.saturating_sub(1).max(1) as f64;
        let y_labels = room_for(&body, &thousands(y_max), 17 * k, 120 * k, k);
        let ticks = super::date_axis_ticks(&body, s.start, last_day as i64, (y_labels, 60 * k), k);
        let tick_days: Vec<f64> = ticks.iter().map(|t| t.day).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin_top(20 * k)
            .margin_bottom(6 * k)
            .margin_left(16 * k)
            .margin_right(60 * k)
            .x_label_area_size(44 * k)
            .y_label_area_size(y_labels)
            .build_cartesian_2d(TickedAxis::new(0.0, last_day, tick_days), 0f64..y_max)
            .map_err(plot_error)?;
        let label_of =
            |x: &f64| ticks.iter().find(|t| (t.day - x).abs() < 0.5).map_or(String::new(), |t| t.label.clone());
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&label_of)
            .y_labels(6)
            .y_label_formatter(&|y| thousands(*y))
            .y_desc("persons on strength (mean over runs)")
            .axis_desc_style(text_style(17 * k, &TEXT));
        house_style(&mut mesh, 17, k);
        mesh.draw().map_err(plot_error)?;

        // A one-day horizon is drawn as two equal days, so its layers have an area.
        let rows: Vec<&Vec<f64>> = if days == 1 { vec![&stack[0], &stack[0]] } else { stack.iter().collect() };
        for i in 0..s.composition_end.len() {
            let upper = rows.iter().enumerate().map(|(d, c)| (d as f64, c[i + 1]));
            let lower = rows.iter().enumerate().rev().map(|(d, c)| (d as f64, c[i]));
            let layer: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(layer, source_color(i).mix(0.85).filled())))
                .map_err(plot_error)?;
        }
        Ok(())
    }
}

/// The legend: a swatch per source in stacking order (bottom first), with its name and
/// share of the mean force at the end; wrapped onto a second line when it runs long.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &Summary,
    x0: i32,
    y0: i32,
    k: i32,
) -> Result<(), PlotError> {
    let style = text_style(17 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let (width, _) = area.dim_in_pixel();
    let (mut x, mut y) = (x0, y0);
    for (i, c) in s.composition_end.iter().enumerate() {
        let text = format!("{} · {:.0}% at the end", super::shorten(&c.source, 40), 100.0 * c.share_mean);
        let (w, _) = area.estimate_text_size(&text, &style).map_err(plot_error)?;
        if x > x0 && x + 44 * k + w as i32 > width as i32 - 40 * k {
            (x, y) = (x0, y + 30 * k);
        }
        area.draw(&Rectangle::new([(x, y - 9 * k), (x + 34 * k, y + 9 * k)], source_color(i).mix(0.85).filled()))
            .map_err(plot_error)?;
        area.draw(&Text::new(text, (x + 44 * k, y), style.clone())).map_err(plot_error)?;
        x += 44 * k + w as i32 + 36 * k;
    }
    Ok(())
}
