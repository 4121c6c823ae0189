//! Drawing the charts with `plotters`' SVG backend: fixed sizes, the series' colours of
//! [`colours`], text as SVG `<text>` (no font file: plotters estimates text widths), and a
//! `<title>` with `role="img"` so that assistive technology names each chart.

use plotters::coord::Shift;
use plotters::prelude::*;
use rdv_core::model::Currency;
use rdv_core::stats::{Statistics, Weekday};

use super::Chart;

/// Colours of the series, also what the tests recognise them by.
pub mod colours {
    /// Appointments (bookings chart).
    pub const APPOINTMENTS: (u8, u8, u8) = (0x1f, 0x6f, 0xeb);
    /// Completed (bookings chart) and completed revenue (revenue chart).
    pub const COMPLETED: (u8, u8, u8) = (0x1a, 0x7f, 0x37);
    /// Cancelled (bookings chart).
    pub const CANCELLED: (u8, u8, u8) = (0xcf, 0x22, 0x2e);
    /// No-shows (bookings chart).
    pub const NO_SHOW: (u8, u8, u8) = (0x9a, 0x67, 0x00);
    /// Booked revenue, not yet completed (revenue chart).
    pub const BOOKED: (u8, u8, u8) = (0x82, 0x50, 0xdf);
    /// A weekday × hour cell with appointments (its opacity grows with their number).
    pub const BUSY_CELL: (u8, u8, u8) = (0x1f, 0x6f, 0xeb);
    /// A weekday × hour cell without any.
    pub const EMPTY_CELL: (u8, u8, u8) = (0xee, 0xf1, 0xf4);
}

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

const WIDTH: u32 = 720;
const FONT: &str = "sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The SVG of `chart` drawn from `stats`, with an accessible title.
pub(super) fn draw(chart: Chart, stats: &Statistics) -> Result<String, Box<dyn std::error::Error>> {
    let (height, title) = match chart {
        Chart::Bookings => (320, "Bookings over time".to_owned()),
        Chart::Revenue => (
            revenue_height(revenue_rows(stats).len()),
            "Revenue by service".to_owned(),
        ),
        Chart::Utilisation => (300, "Appointments by weekday and hour".to_owned()),
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        match chart {
            Chart::Bookings => bookings(&root, stats, &title)?,
            Chart::Revenue => revenue(&root, stats, &title)?,
            Chart::Utilisation => utilisation(&root, stats, &title)?,
        }
        root.present()?;
    }
    Ok(with_title(&svg, &title))
}

/// Names the image for assistive technology: `role="img"` and a `<title>`.
fn with_title(svg: &str, title: &str) -> String {
    match svg.find("<svg ").zip(svg.find('>')) {
        Some((open, end)) if open < end => format!(
            "{}<svg role=\"img\" aria-label=\"{title}\" {}><title>{title}</title>{}",
            &svg[..open],
            &svg[open + 5..end],
            &svg[end + 1..]
        ),
        _ => svg.to_owned(),
    }
}

fn caption(root: &Area<'_>, title: &str) -> Drawn {
    root.draw(&Text::new(
        title.to_owned(),
        (16, 10),
        (FONT, 18).into_font().color(&BLACK),
    ))?;
    Ok(())
}

/// A series of the bookings chart: its legend, colour and value per bucket.
type Series = (&'static str, (u8, u8, u8), Vec<u64>);

/// A line per series over the period's buckets, labelled with the buckets' local dates.
fn bookings(root: &Area<'_>, stats: &Statistics, title: &str) -> Drawn {
    let b = &stats.buckets;
    let series: [Series; 4] = [
        (
            "Appointments",
            colours::APPOINTMENTS,
            b.iter().map(|x| x.appointments).collect(),
        ),
        (
            "Completed",
            colours::COMPLETED,
            b.iter().map(|x| x.completed).collect(),
        ),
        (
            "Cancelled",
            colours::CANCELLED,
            b.iter()
                .map(|x| x.cancelled_by_client + x.cancelled_by_business)
                .collect(),
        ),
        (
            "No-shows",
            colours::NO_SHOW,
            b.iter().map(|x| x.no_show).collect(),
        ),
    ];
    let top = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(4) as f64
        * 1.15;
    let last = b.len().saturating_sub(1).max(1) as f64;
    let labels: Vec<String> = b
        .iter()
        .map(|x| x.label.format("%d %b").to_string())
        .collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..last, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .x_labels(b.len().min(10))
        .x_label_formatter(&|x: &f64| {
            let i = x.round();
            if (x - i).abs() > 0.01 || i < 0.0 {
                return String::new();
            }
            labels.get(i as usize).cloned().unwrap_or_default()
        })
        .y_labels(6)
        .y_label_formatter(&|y: &f64| format!("{y:.0}"))
        .y_desc("Appointments")
        .label_style((FONT, 12))
        .draw()?;
    for (name, colour, values) in series {
        let colour = rgb(colour);
        let points = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v as f64));
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0xd0, 0xd7, 0xde))
        .label_font((FONT, 12))
        .draw()?;
    Ok(())
}

/// One row of the revenue chart: a service in one currency.
struct RevenueRow {
    label: String,
    currency: Currency,
    completed: i64,
    booked: i64,
}

fn revenue_rows(stats: &Statistics) -> Vec<RevenueRow> {
    let mut rows = Vec::new();
    for service in &stats.by_service {
        let mut currencies: Vec<Currency> = service
            .completed_revenue
            .iter()
            .chain(&service.booked_revenue)
            .map(|m| m.currency)
            .collect();
        currencies.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        currencies.dedup();
        for currency in currencies {
            let value = |list: &[rdv_core::stats::MoneyFigure]| {
                list.iter()
                    .find(|m| m.currency == currency)
                    .map_or(0, |m| m.value_minor)
            };
            rows.push(RevenueRow {
                label: service.name.clone(),
                currency,
                completed: value(&service.completed_revenue),
                booked: value(&service.booked_revenue),
            });
        }
    }
    rows
}

const ROW: u32 = 44;

fn revenue_height(rows: usize) -> u32 {
    90 + ROW * rows.max(1) as u32
}

/// Digits after the decimal point of a currency's minor unit (ISO 4217).
fn minor_digits(currency: &Currency) -> u32 {
    const NONE: [&str; 16] = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ];
    const THREE: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    let code = currency.as_str();
    if NONE.contains(&code) {
        0
    } else if THREE.contains(&code) {
        3
    } else {
        2
    }
}

/// An amount in minor units as text: `4500` EUR is `45.00 EUR`.
fn amount(minor: i64, currency: &Currency) -> String {
    let digits = minor_digits(currency);
    let unit = 10f64.powi(digits as i32);
    format!(
        "{:.*} {}",
        digits as usize,
        minor as f64 / unit,
        currency.as_str()
    )
}

/// Two horizontal bars per service and currency: completed, then booked revenue; each row is
/// scaled to the largest amount of its currency.
fn revenue(root: &Area<'_>, stats: &Statistics, title: &str) -> Drawn {
    caption(root, title)?;
    let legend = [
        ("Completed", colours::COMPLETED),
        ("Booked, not yet completed", colours::BOOKED),
    ];
    let mut x = 16;
    for (name, colour) in legend {
        root.draw(&Rectangle::new(
            [(x, 42), (x + 12, 54)],
            rgb(colour).filled(),
        ))?;
        root.draw(&Text::new(name, (x + 18, 42), (FONT, 12).into_font()))?;
        x += 26 + 8 * name.len() as i32;
    }
    let rows = revenue_rows(stats);
    if rows.is_empty() {
        root.draw(&Text::new(
            "No revenue in this period",
            (16, 80),
            (FONT, 13).into_font().color(&RGBColor(0x57, 0x60, 0x6a)),
        ))?;
        return Ok(());
    }
    let (left, right) = (200, WIDTH as i32 - 120);
    for (i, row) in rows.iter().enumerate() {
        let scale = rows
            .iter()
            .filter(|r| r.currency == row.currency)
            .map(|r| r.completed.max(r.booked))
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let y = 72 + (ROW as i32) * i as i32;
        root.draw(&Text::new(
            format!("{} ({})", row.label, row.currency.as_str()),
            (16, y + 8),
            (FONT, 13).into_font(),
        ))?;
        for (k, (value, colour)) in [
            (row.completed, colours::COMPLETED),
            (row.booked, colours::BOOKED),
        ]
        .into_iter()
        .enumerate()
        {
            let top = y + 2 + 18 * k as i32;
            let length = ((right - left) as f64 * value.max(0) as f64 / scale).round() as i32;
            root.draw(&Rectangle::new(
                [(left, top), (left + length.max(1), top + 14)],
                rgb(colour).filled(),
            ))?;
            root.draw(&Text::new(
                amount(value, &row.currency),
                (left + length.max(1) + 6, top + 1),
                (FONT, 12).into_font(),
            ))?;
        }
    }
    Ok(())
}

/// A grid of weekdays × hours; a cell with appointments is filled with an opacity that grows
/// with their number and shows it. The hours shown span the opening hours' usual 08–19 and
/// every hour with appointments.
fn utilisation(root: &Area<'_>, stats: &Statistics, title: &str) -> Drawn {
    caption(root, title)?;
    let cells: Vec<(usize, u8, u64)> = stats
        .weekday_hours
        .iter()
        .filter(|c| c.appointments.value > 0)
        .map(|c| (weekday_index(c.weekday), c.hour, c.appointments.value))
        .collect();
    let first = cells.iter().map(|c| c.1).min().unwrap_or(8).min(8);
    let last = cells.iter().map(|c| c.1).max().unwrap_or(19).max(19);
    let hours = u32::from(last - first) + 1;
    let (left, top) = (56, 48);
    let width = ((WIDTH as i32 - left - 16) / hours as i32).max(8);
    let height = 30;
    let max = cells.iter().map(|c| c.2).max().unwrap_or(1) as f64;
    for h in 0..hours {
        root.draw(&Text::new(
            format!("{:02}", u32::from(first) + h),
            (left + width * h as i32 + width / 2, top - 4),
            (FONT, 11)
                .into_font()
                .color(&BLACK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                )),
        ))?;
    }
    for (d, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .enumerate()
    {
        let y = top + height * d as i32;
        root.draw(&Text::new(*name, (16, y + 9), (FONT, 12).into_font()))?;
        for h in 0..hours {
            let hour = first + h as u8;
            let x = left + width * h as i32;
            let count = cells
                .iter()
                .find(|c| c.0 == d && c.1 == hour)
                .map_or(0, |c| c.2);
            let corners = [(x + 1, y + 1), (x + width - 1, y + height - 1)];
            if count == 0 {
                root.draw(&Rectangle::new(corners, rgb(colours::EMPTY_CELL).filled()))?;
                continue;
            }
            let strength = 0.2 + 0.8 * count as f64 / max;
            root.draw(&Rectangle::new(
                corners,
                rgb(colours::BUSY_CELL).mix(strength).filled(),
            ))?;
            let ink = if strength > 0.55 { WHITE } else { BLACK };
            root.draw(&Text::new(
                count.to_string(),
                (x + width / 2, y + height / 2),
                (FONT, 11)
                    .into_font()
                    .color(&ink)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
            ))?;
        }
    }
    root.draw(&Text::new(
        format!(
            "Local time ({}); darker cells hold more appointments",
            stats.time_zone.0.name()
        ),
        (16, top + height * 7 + 10),
        (FONT, 12).into_font().color(&RGBColor(0x57, 0x60, 0x6a)),
    ))?;
    Ok(())
}

fn weekday_index(weekday: Weekday) -> usize {
    Weekday::ALL.iter().position(|w| *w == weekday).unwrap_or(0)
}
