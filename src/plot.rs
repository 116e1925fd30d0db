//! Charts an analyst can put in a briefing: the fan chart of one scenario and the
//! comparison of several, as PNG or SVG.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`assets/`, Bitstream Vera
//! licence), through plotters' `ab_glyph` backend, so charts render identically on a
//! machine with no fonts installed. An SVG carries the same font as a data URI and sets
//! its text in it, so a viewer with other fonts lays the labels out as they were measured.
//! Bitmaps are encoded with the `png` crate; the same results always give the same bytes.

mod analysis;
mod comparison;
mod composition;
mod fan;
mod fit;
mod ticks;

use std::sync::OnceLock;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::engine::SERIES;
use crate::stats::Band;

pub use analysis::{BreakEvenChart, Tornado, breakeven_chart, tornado_chart};
pub use comparison::{ComparisonEntry, comparison_chart, comparison_csv, probability_triple, scenario_colors};
pub use composition::{CompositionChart, composition_chart};
pub use fan::{FanChart, fan_chart};
pub use fit::{FitChart, fit_chart};

/// Chart width in pixels.
pub const WIDTH: u32 = 1600;
/// Chart height in pixels.
pub const HEIGHT: u32 = 1000;

static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name the charts ask for; it resolves to the embedded font.
const FONT: &str = "sans-serif";

/// The family an SVG's text is set in: the embedded DejaVu Sans, which the layout was
/// measured with, then any sans-serif.
const SVG_FONT: &str = "DejaVu Sans, sans-serif";

/// A CSS `@font-face` rule that declares the embedded DejaVu Sans, as a data URI, under
/// the family name "DejaVu Sans" (for SVG files and the report page).
pub fn font_face() -> &'static str {
    static RULE: OnceLock<String> = OnceLock::new();
    RULE.get_or_init(|| {
        format!(
            "@font-face {{ font-family: \"DejaVu Sans\"; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}\n",
            crate::format::base64(DEJAVU_SANS)
        )
    })
}

/// The marker of the font an SVG chart carries (see [`svg_with_font`]).
const SVG_FONT_START: &str = "\n<defs><style>";
const SVG_FONT_END: &str = "</style></defs>";

/// An SVG chart that carries its font: text set in [`SVG_FONT`], and the embedded font as
/// a data URI in a `<style>` (about 1 MB), so that a viewer without DejaVu Sans lays the
/// labels out as they were measured rather than overflow them with another font.
fn svg_with_font(svg: String) -> String {
    let svg = svg.replace("font-family=\"sans-serif\"", &format!("font-family=\"{SVG_FONT}\""));
    match svg.find('>') {
        Some(end) => format!("{}{SVG_FONT_START}{}{SVG_FONT_END}{}", &svg[..=end], font_face(), &svg[end + 1..]),
        None => svg,
    }
}

/// An SVG chart without the font it carries, for a page that declares the font once for
/// all its charts (the report).
pub fn svg_without_font(svg: &str) -> String {
    match (svg.find(SVG_FONT_START), svg.find(SVG_FONT_END)) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &svg[..start], &svg[end + SVG_FONT_END.len()..]),
        _ => svg.to_string(),
    }
}

/// The file format of charts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Bitmap, 1600 × 1000.
    #[default]
    Png,
    /// Vector graphics for reports.
    Svg,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A chart could not be drawn or encoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct PlotError(pub String);

fn plot_error(e: impl std::fmt::Display) -> PlotError {
    PlotError(e.to_string())
}

/// Registers the embedded font once for the whole process.
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())
        })
        .clone()
        .map_err(PlotError)
}

/// Something that can be drawn on any plotters backend. `k` multiplies every length in
/// pixels (font sizes, margins, line widths): 1 for SVG, [`SUPERSAMPLING`] for bitmaps.
trait Drawable {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: i32) -> Result<(), PlotError>;
}

/// Bitmaps are drawn this many times larger and averaged down, which anti-aliases lines,
/// band edges and text (plotters' bitmap backend draws aliased pixels).
const SUPERSAMPLING: u32 = 2;

/// Draws `chart` into a PNG or SVG file's bytes.
fn render(chart: &impl Drawable, format: Format) -> Result<Vec<u8>, PlotError> {
    ensure_font()?;
    match format {
        Format::Png => {
            let (w, h) = (WIDTH * SUPERSAMPLING, HEIGHT * SUPERSAMPLING);
            let mut large = vec![255u8; w as usize * h as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut large, (w, h)).into_drawing_area();
                chart.draw(&root, SUPERSAMPLING as i32)?;
                root.present().map_err(plot_error)?;
            }
            let pixels = downsample(&large, w as usize, SUPERSAMPLING as usize);
            let mut bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(plot_error)?;
            writer.write_image_data(&pixels).map_err(plot_error)?;
            writer.finish().map_err(plot_error)?;
            Ok(bytes)
        }
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
                chart.draw(&root, 1)?;
                root.present().map_err(plot_error)?;
            }
            Ok(svg_with_font(text).into_bytes())
        }
    }
}

/// Averages each `k × k` block of an RGB image `width` pixels wide (a box filter).
fn downsample(rgb: &[u8], width: usize, k: usize) -> Vec<u8> {
    let height = rgb.len() / (width * 3);
    let (w, h) = (width / k, height / k);
    let mut out = vec![0u8; w * h * 3];
    let area = (k * k) as u32;
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..k {
                    let row = (y * k + dy) * width * 3;
                    for dx in 0..k {
                        sum += u32::from(rgb[row + (x * k + dx) * 3 + c]);
                    }
                }
                out[(y * w + x) * 3 + c] = ((sum + area / 2) / area) as u8;
            }
        }
    }
    out
}

/// The bands to draw: a one-day horizon is widened to a segment from day 0 to day 1, so
/// its values show as lines rather than an invisible point.
fn widen_single_day(bands: &[[Band; SERIES.len()]]) -> std::borrow::Cow<'_, [[Band; SERIES.len()]]> {
    match bands {
        [only] => std::borrow::Cow::Owned(vec![*only, *only]),
        _ => std::borrow::Cow::Borrowed(bands),
    }
}

/// The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), distinguishable
/// with every common colour-vision deficiency; yellow last, as it is faint on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

const TEXT: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);

/// A chart's page: white, the title at the top left and the footer at the bottom.
/// Returns the header (the band under the title, `header_px` tall with it), the body and
/// the footer.
#[allow(clippy::type_complexity)]
fn page<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    k: i32,
    header_px: i32,
    title: &str,
    title_size: i32,
    footer: &str,
) -> Result<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>, DrawingArea<DB, Shift>), PlotError> {
    const FOOTER_PX: i32 = 40;
    root.fill(&WHITE).map_err(plot_error)?;
    let (header, rest) = root.split_vertically(header_px * k);
    let (body, foot) = rest.split_vertically((HEIGHT as i32 - header_px - FOOTER_PX) * k);
    header
        .draw(&Text::new(title.to_string(), (40 * k, 14 * k), text_style(title_size * k, &TEXT)))
        .map_err(plot_error)?;
    foot.draw(&Text::new(footer.to_string(), (40 * k, 12 * k), text_style(15 * k, &MUTED))).map_err(plot_error)?;
    Ok((header, body, foot))
}

/// The axes every chart shares: labels of `label_size`, faint grid lines at the ticks, no
/// minor lines, a grey axis line.
fn house_style<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
    label_size: i32,
    k: i32,
) {
    let width = k as u32;
    mesh.label_style(text_style(label_size * k, &TEXT))
        .set_all_tick_mark_size(5 * k)
        .bold_line_style(BLACK.mix(0.09).stroke_width(width))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.mix(0.45).stroke_width(width));
}

/// A dashed horizontal line at `value` from `from` to `to`, labelled in the right margin.
fn reference_line<DB: DrawingBackend, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    area: &DrawingArea<DB, Shift>,
    (from, to): (f64, f64),
    value: f64,
    label: String,
    k: i32,
) -> Result<(), PlotError> {
    let line = [(from, value), (to, value)];
    chart
        .draw_series(DashedLineSeries::new(line, 12 * k, 8 * k, BLACK.stroke_width((2 * k) as u32)))
        .map_err(plot_error)?;
    let (x, y) = chart.backend_coord(&(to, value));
    let (base_x, base_y) = area.get_base_pixel();
    let style = text_style(17 * k, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(label, (x + 12 * k - base_x, y - base_y), style)).map_err(plot_error)?;
    Ok(())
}

/// A dotted vertical line at `x` from `y0` to `y1` (a deadline, a break-even), labelled
/// above its top in `style`.
fn vertical_line<DB: DrawingBackend, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
    area: &DrawingArea<DB, Shift>,
    x: f64,
    (y0, y1): (f64, f64),
    label: String,
    style: TextStyle<'_>,
    k: i32,
) -> Result<(), PlotError> {
    chart
        .draw_series(DashedLineSeries::new([(x, y0), (x, y1)], 4 * k, 6 * k, MUTED.stroke_width((2 * k) as u32)))
        .map_err(plot_error)?;
    let (px, py) = chart.backend_coord(&(x, y1));
    let (base_x, base_y) = area.get_base_pixel();
    let style = style.pos(Pos::new(HPos::Center, VPos::Bottom));
    area.draw(&Text::new(label, (px - base_x, py - 6 * k - base_y), style)).map_err(plot_error)?;
    Ok(())
}

/// [`ticks::date_ticks`] for days `0..=last_day` from `start`, on the date axis of a chart
/// drawn across `area` with a left margin of 16 pixels, `y_labels` for its value labels and
/// `right` beside it (all at scale `k`): the axis's real length, so that the labels keep
/// apart on a narrow chart.
fn date_axis_ticks<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    start: crate::date::Date,
    last_day: i64,
    (y_labels, right): (i32, i32),
    k: i32,
) -> Vec<ticks::Tick> {
    let axis_px = (area.dim_in_pixel().0 as i32 - 16 * k - y_labels - right) / k;
    ticks::date_ticks(start, 0, last_day, i64::from(axis_px))
}

/// Pixels for `text` at `size` beside a plot (y-axis labels, or a reference line's label
/// with its 12-pixel gap), and never less than `default`: a scenario counting in the
/// billions widens the margin rather than run its labels off the chart.
fn room_for<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: i32, default: i32, k: i32) -> i32 {
    let width = area.estimate_text_size(text, &text_style(size, &TEXT)).map_or(0, |(w, _)| w as i32);
    default.max(width + 24 * k)
}

fn text_style(size: i32, color: &RGBColor) -> TextStyle<'static> {
    (FONT, f64::from(size)).into_font().color(color)
}

/// Shortens `s` to at most `max` characters with an ellipsis in the middle.
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let head: String = s.chars().take(keep / 2).collect();
    let tail: String = s.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// The footer that traces a chart to its input: runs, seed, dates, program, file hash.
pub(crate) fn provenance(
    runs: u32,
    seed: u64,
    start: crate::date::Date,
    days: u32,
    file: &str,
    sha256: &str,
) -> String {
    format!(
        "{} runs · seed {seed} · from {start} for {days} days · muster {} · {} (sha256 {})",
        crate::format::thousands(f64::from(runs)),
        env!("CARGO_PKG_VERSION"),
        shorten(file, 60),
        &sha256[..sha256.len().min(12)]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_averages_blocks() {
        // A 2×2 image of one black and three white pixels becomes one light grey pixel.
        let rgb = [0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255];
        assert_eq!(downsample(&rgb, 2, 2), vec![191, 191, 191]);
    }

    #[test]
    fn shorten_keeps_both_ends() {
        assert_eq!(shorten("short", 10), "short");
        let s = shorten("/very/long/path/to/some/scenario/file.toml", 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.starts_with("/very/lo") && s.ends_with("file.toml"), "{s}");
    }
}
