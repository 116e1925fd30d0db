//! Date ticks for a horizon of any length: days for a month, months for a year, quarters,
//! half-years or years beyond.

use crate::date::Date;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A tick on a date axis: its day index (day 0 = `start`) and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub day: f64,
    pub label: String,
}

/// Ticks for days `first..=last` counted from `start` on an axis `axis_px` pixels long (at
/// the chart's base scale): on calendar boundaries (whole weeks for short horizons, else
/// the first of a month), about 6 to 14 of them on an axis of 1,000 pixels or more, and
/// fewer on a shorter one, so that the labels never crowd (a label such as "Oct 2023"
/// takes about 70 pixels).
pub fn date_ticks(start: Date, first: i64, last: i64, axis_px: i64) -> Vec<Tick> {
    // The steps below are chosen for 1,000 pixels: a shorter axis counts as a longer span.
    let span = (last - first).max(1) * 1000 / axis_px.clamp(1, 1000);
    if span <= 75 {
        let step = match span {
            0..=14 => 1,
            15..=31 => 3,
            _ => 7,
        };
        // The year on the first tick and wherever it changes.
        let mut shown_year = None;
        return (first..=last)
            .step_by(step)
            .map(|d| {
                let (y, m, day) = start.add_days(d).ymd();
                let month = MONTHS[m as usize - 1];
                let label = if shown_year == Some(y) { format!("{day} {month}") } else { format!("{day} {month} {y}") };
                shown_year = Some(y);
                Tick { day: d as f64, label }
            })
            .collect();
    }
    // Months between ticks.
    let step = match span {
        0..=450 => 1,
        451..=1100 => 3,
        1101..=2200 => 6,
        2201..=5500 => 12,
        5501..=11000 => 24,
        11001..=22000 => 60,
        _ => 120,
    };
    let (y0, m0, _) = start.add_days(first).ymd();
    let (mut year, mut month) = (y0, m0);
    let mut ticks = Vec::new();
    let mut last_year = None;
    while let Some(date) = Date::from_ymd(year, month, 1) {
        let day = date.days_since(start);
        if day > last {
            break;
        }
        let months_from_january = (month - 1) as usize;
        if day >= first
            && months_from_january.is_multiple_of(step.min(12))
            && (step <= 12 || year % (step as i32 / 12) == 0)
        {
            let label = if step >= 12 {
                year.to_string()
            } else if last_year != Some(year) {
                format!("{} {year}", MONTHS[months_from_january])
            } else {
                MONTHS[months_from_january].to_string()
            };
            last_year = Some(year);
            ticks.push(Tick { day: day as f64, label });
        }
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn two_years_get_quarters_with_the_year_on_its_first_tick() {
        let t = date_ticks(d(2023, 9, 3), 0, 729, 1000);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["Oct 2023", "Jan 2024", "Apr", "Jul", "Oct", "Jan 2025", "Apr", "Jul"]);
        assert_eq!(t[0].day, 28.0); // 2023-10-01
    }

    #[test]
    fn a_month_gets_days_and_a_year_months() {
        let t = date_ticks(d(2024, 1, 1), 0, 29, 1000);
        assert_eq!(t[0].label, "1 Jan 2024");
        assert_eq!(t[1].label, "4 Jan");
        let t = date_ticks(d(2023, 12, 20), 0, 29, 1000);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels[..6], ["20 Dec 2023", "23 Dec", "26 Dec", "29 Dec", "1 Jan 2024", "4 Jan"]);
        // 2024 is a leap year: 2025-01-01 is day 366.
        let t = date_ticks(d(2024, 1, 1), 0, 366, 1000);
        assert_eq!(t.len(), 13);
        assert_eq!(t[0].label, "Jan 2024");
        assert_eq!(t[12].label, "Jan 2025");
    }

    #[test]
    fn tick_counts_stay_readable_for_any_horizon() {
        for days in [1, 2, 10, 30, 60, 90, 200, 365, 500, 730, 1000, 1825, 3650, 10_000, 36_500] {
            let n = date_ticks(d(2023, 9, 3), 0, days - 1, 1000).len();
            assert!((1..=16).contains(&n), "{days} days: {n} ticks");
        }
    }

    #[test]
    fn labels_keep_apart_on_short_axes_too() {
        // The comparison's date axis is about 720 pixels; a label's width is taken as 10
        // pixels a character (DejaVu Sans at the charts' 17 pixels averages under 10).
        for axis_px in [400, 550, 720, 1000, 1400] {
            for days in [20, 60, 90, 200, 365, 500, 730, 1000, 1026, 1460, 1825, 3650, 10_000, 36_500] {
                let ticks = date_ticks(d(2023, 9, 3), 0, days - 1, axis_px);
                let px = |day: f64| day * axis_px as f64 / (days - 1) as f64;
                for pair in ticks.windows(2) {
                    let room = (pair[0].label.len().max(pair[1].label.len()) * 10) as f64;
                    let gap = px(pair[1].day) - px(pair[0].day);
                    assert!(
                        gap >= room,
                        "{days} days on {axis_px} px: {:?} and {:?} {gap:.0} px apart",
                        pair[0],
                        pair[1]
                    );
                }
            }
        }
        // A 1,000-day comparison on 720 pixels gets half-years, not crowded quarters.
        let labels: Vec<String> = date_ticks(d(2023, 9, 3), 0, 999, 720).into_iter().map(|t| t.label).collect();
        assert_eq!(labels, ["Jan 2024", "Jul", "Jan 2025", "Jul", "Jan 2026"]);
    }
}

/// A continuous axis whose grid lines and labels fall exactly on the given ticks (plotters'
/// own key-point wrapper cannot be labelled with a formatter for `f64`).
#[derive(Clone, Debug)]
pub struct TickedAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// The axis `lo..hi` with grid lines at `ticks`.
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Self { lo, hi, ticks }
    }
}

impl plotters::coord::ranged1d::Ranged for TickedAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let share = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold lines only: the light mesh would crowd the chart.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}
