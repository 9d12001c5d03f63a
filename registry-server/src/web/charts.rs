//! Charts of the measurements taken while tests ran (`samples` in a report), for the
//! certificate and submission pages: a server-rendered SVG (no JavaScript) and the same numbers
//! as a table, which is what screen readers read (the SVG is hidden from them).
//!
//! The SVG holds only shapes and numbers made here, no text from the report, and takes its
//! colours from classes in the portal's stylesheet (the Content-Security-Policy allows no
//! inline styles). It draws, against 0 to 100: CPU busy percent, the hottest temperature in °C,
//! and the CPU frequency as a percentage of its highest reading, so a reviewer sees at a glance
//! whether the frequency fell while the CPU was busy and hot (throttling). Memory and load are
//! in the table. Long series are thinned for drawing (at most [`MAX_POINTS`] points per line)
//! and for the table (at most [`MAX_ROWS`] rows).

use std::fmt::Write as _;

use crate::public::measurements::TestSamples;

/// Points drawn per line at most.
pub const MAX_POINTS: usize = 600;
/// Rows in a chart's table at most.
pub const MAX_ROWS: usize = 60;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 592.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 180.0;

/// One row of a chart's table, formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub seconds: String,
    pub cpu: String,
    pub mhz: String,
    pub memory: String,
    pub load: String,
    pub temperature: String,
}

/// One test's chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// A DOM id for the figure (`chart-N`).
    pub dom_id: String,
    pub test_id: String,
    pub check: String,
    /// The SVG markup (made here from numbers only).
    pub svg: String,
    pub has_mhz: bool,
    pub has_temperature: bool,
    /// The highest frequency reading, MHz (100 % of the frequency line).
    pub max_mhz: u32,
    pub samples: usize,
    /// The table shows one sample in `every`.
    pub every: usize,
    pub rows: Vec<Row>,
}

fn x_of(at_ms: u64, span_ms: u64) -> f64 {
    LEFT + (RIGHT - LEFT) * (at_ms as f64 / span_ms.max(1) as f64)
}

fn y_of(value: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * (value.clamp(0.0, 100.0) / 100.0)
}

/// A polyline through the points that have a value; a gap starts a new line.
fn lines(out: &mut String, class: &str, at: &[u64], values: &[Option<f64>], span: u64) {
    let step = at.len().div_ceil(MAX_POINTS).max(1);
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut String| {
        if current.matches(' ').count() >= 1 {
            let _ = write!(
                out,
                r#"<polyline class="{class}" fill="none" points="{}"/>"#,
                current.trim_end()
            );
        }
        current.clear();
    };
    for i in (0..at.len()).step_by(step) {
        match values.get(i).copied().flatten() {
            Some(v) => {
                let _ = write!(current, "{:.1},{:.1} ", x_of(at[i], span), y_of(v));
            }
            None => flush(&mut current, out),
        }
    }
    flush(&mut current, out);
}

/// The chart of one test's series.
pub fn chart(n: usize, t: &TestSamples) -> Chart {
    let s = &t.samples;
    let span = s.at_ms.last().copied().unwrap_or(0);
    let max_mhz = s
        .cpu_mhz
        .as_ref()
        .and_then(|m| m.iter().copied().max())
        .unwrap_or(0);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="600" height="200" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">"#
    );
    for v in [0.0, 50.0, 100.0] {
        let y = y_of(v);
        let _ = write!(
            svg,
            r#"<line class="chart-grid" x1="{LEFT}" y1="{y:.1}" x2="{RIGHT}" y2="{y:.1}"/><text class="chart-axis" x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
            LEFT - 4.0,
            y + 4.0
        );
    }
    let _ = write!(
        svg,
        r#"<text class="chart-axis" x="{LEFT}" y="{:.1}">0 s</text><text class="chart-axis" x="{RIGHT}" y="{:.1}" text-anchor="end">{} s</text>"#,
        HEIGHT - 4.0,
        HEIGHT - 4.0,
        span / 1000
    );
    let cpu: Vec<Option<f64>> = s
        .cpu_busy_percent
        .iter()
        .map(|&v| Some(f64::from(v)))
        .collect();
    lines(&mut svg, "chart-cpu", &s.at_ms, &cpu, span);
    if let Some(t) = &s.temperature_max_c {
        let temp: Vec<Option<f64>> = t.iter().map(|v| v.map(f64::from)).collect();
        lines(&mut svg, "chart-temp", &s.at_ms, &temp, span);
    }
    if let (Some(m), true) = (&s.cpu_mhz, max_mhz > 0) {
        let share: Vec<Option<f64>> = m
            .iter()
            .map(|&f| (f > 0).then(|| f64::from(f) * 100.0 / f64::from(max_mhz)))
            .collect();
        lines(&mut svg, "chart-mhz", &s.at_ms, &share, span);
    }
    svg.push_str("</svg>");
    let every = s.len().div_ceil(MAX_ROWS).max(1);
    let rows = (0..s.len())
        .step_by(every)
        .map(|i| Row {
            seconds: format!("{:.0}", s.at_ms[i] as f64 / 1000.0),
            cpu: format!("{:.1}", s.cpu_busy_percent[i]),
            mhz: s
                .cpu_mhz
                .as_ref()
                .and_then(|m| m.get(i))
                .filter(|&&f| f > 0)
                .map_or_else(|| "—".into(), u32::to_string),
            memory: s.memory_used_mib[i].to_string(),
            load: format!("{:.2}", s.load_1m[i]),
            temperature: s
                .temperature_max_c
                .as_ref()
                .and_then(|t| t.get(i).copied().flatten())
                .map_or_else(|| "—".into(), |c| format!("{c:.1}")),
        })
        .collect();
    Chart {
        dom_id: format!("chart-{n}"),
        test_id: t.test_id.clone(),
        check: t.check.clone(),
        svg,
        has_mhz: max_mhz > 0,
        has_temperature: s.temperature_max_c.is_some(),
        max_mhz,
        samples: s.len(),
        every,
        rows,
    }
}

/// The charts of a report's series, in report order.
pub fn charts(series: &[TestSamples]) -> Vec<Chart> {
    series
        .iter()
        .enumerate()
        .map(|(n, t)| chart(n + 1, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxcert_core::samples::{Sample, Samples};

    fn series(n: u64, temp: bool) -> TestSamples {
        let points: Vec<Sample> = (0..n)
            .map(|i| Sample {
                at_ms: i * 1000,
                cpu_busy_percent: if i == 0 { 3.0 } else { 100.0 },
                cpu_mhz: Some(if i > n / 2 { 1200 } else { 2400 }),
                memory_used_mib: 900 + i,
                load_1m: 1.5,
                temperature_max_c: (temp && i != 2).then_some(60.0 + i as f32),
            })
            .collect();
        TestSamples {
            test_id: "cpu-stress".into(),
            check: "cpu.stress".into(),
            samples: Samples::from_points(&points),
        }
    }

    #[test]
    fn lines_scale_to_the_plot_and_gaps_split_them() {
        let c = chart(1, &series(5, true));
        assert!(c.svg.starts_with("<svg class=\"chart\""));
        assert_eq!(c.svg.matches("class=\"chart-cpu\"").count(), 1);
        // The temperature reading of sample 2 failed: two pieces of line.
        assert_eq!(c.svg.matches("class=\"chart-temp\"").count(), 2);
        // CPU 3 % at 0 s, 100 % from 1 s: the top of the plot.
        assert!(c
            .svg
            .contains(&format!("points=\"{LEFT:.1},{:.1} ", y_of(3.0))));
        assert!(c.svg.contains(&format!("{RIGHT:.1},{TOP:.1}\"")));
        // Frequency halves: 50 % of its highest reading.
        assert!(c.svg.contains(&format!("{RIGHT:.1},{:.1}\"", y_of(50.0))));
        assert_eq!(
            (c.max_mhz, c.has_temperature, c.rows.len()),
            (2400, true, 5)
        );
        assert_eq!(c.rows[2].temperature, "—");
        assert_eq!(c.rows[4].mhz, "1200");
        assert!(!c.svg.contains("style="), "inline styles break the CSP");
    }

    #[test]
    fn long_series_are_thinned_for_drawing_and_the_table() {
        let c = chart(2, &series(3600, false));
        let points = c.svg.split("points=\"").nth(1).unwrap();
        let drawn = points.split('"').next().unwrap().split(' ').count();
        assert!(drawn <= MAX_POINTS, "{drawn}");
        assert!(
            c.rows.len() <= MAX_ROWS && c.every == 60,
            "{} {}",
            c.rows.len(),
            c.every
        );
        assert!(!c.has_temperature && !c.svg.contains("chart-temp"));
        assert_eq!(c.dom_id, "chart-2");
    }
}
