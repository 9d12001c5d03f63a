//! Measurements over time: what the machine did while one test ran (`samples` on a
//! [`crate::report::TestResult`]).
//!
//! The runner takes one sample a second: CPU busy percent, mean CPU frequency, memory in use,
//! the 1-minute load average and the hottest temperature sensor. A series is stored as parallel
//! columns (one array per quantity, one entry per sample): a full hour with every column is
//! about 225 KB in the report's pretty JSON, against about 580 KB as one object per sample. A column the machine cannot measure (frequency in some VMs,
//! temperature without sensors) is absent, never zeros; a single missing temperature reading in
//! a series that has them is `null`. A series holds at most [`MAX_SAMPLES`] points: the runner
//! halves a full series (every other point) and samples half as often, so a long test keeps its
//! whole time span. These are data types and checks only; sampling is the runner's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most points a series may hold (an hour at one a second).
pub const MAX_SAMPLES: usize = 3600;

/// A series of samples taken while one test ran; every present column has one entry per sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Samples {
    /// When each sample was taken: milliseconds since the test started, non-decreasing.
    #[schemars(length(max = 3600))]
    pub at_ms: Vec<u64>,
    /// Share of time all CPUs were busy since the previous sample, percent (0 to 100, one decimal).
    #[schemars(length(max = 3600))]
    pub cpu_busy_percent: Vec<f32>,
    /// Mean current frequency of the CPUs, MHz; absent when the machine does not report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 3600))]
    pub cpu_mhz: Option<Vec<u32>>,
    /// Memory in use (total minus available), MiB.
    #[schemars(length(max = 3600))]
    pub memory_used_mib: Vec<u64>,
    /// The 1-minute load average (two decimals).
    #[schemars(length(max = 3600))]
    pub load_1m: Vec<f32>,
    /// The hottest temperature sensor, °C (one decimal); absent when the machine has no readable
    /// sensor, `null` for a sample whose reading failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 3600))]
    pub temperature_max_c: Option<Vec<Option<f32>>>,
}

/// One sample, as the runner reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at_ms: u64,
    pub cpu_busy_percent: f32,
    pub cpu_mhz: Option<u32>,
    pub memory_used_mib: u64,
    pub load_1m: f32,
    pub temperature_max_c: Option<f32>,
}

/// Why a series is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamplesError {
    #[error("{column} has {found} entries but at_ms has {expected}")]
    Length {
        column: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("{found} samples, more than the {MAX_SAMPLES} allowed")]
    TooMany { found: usize },
    #[error("at_ms goes back in time at sample {index}")]
    Unordered { index: usize },
    #[error("{column} sample {index} is out of range ({value})")]
    OutOfRange {
        column: &'static str,
        index: usize,
        value: String,
    },
}

fn round(value: f32, decimals: i32) -> f32 {
    let scale = 10f32.powi(decimals);
    (value * scale).round() / scale
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.at_ms.len()
    }

    /// Whether the series holds no sample.
    pub fn is_empty(&self) -> bool {
        self.at_ms.is_empty()
    }

    /// Builds the columns from samples: a column is present when at least one sample has it;
    /// frequency and temperature in samples that lack them become gaps (frequency 0, temperature
    /// `null`). Values are rounded as documented on the columns. Caps at [`MAX_SAMPLES`] by
    /// keeping every other point until the series fits.
    pub fn from_points(points: &[Sample]) -> Samples {
        let mut step = 1;
        while points.len().div_ceil(step) > MAX_SAMPLES {
            step *= 2;
        }
        let kept: Vec<&Sample> = points.iter().step_by(step).collect();
        let any_mhz = kept.iter().any(|p| p.cpu_mhz.is_some());
        let any_temp = kept.iter().any(|p| p.temperature_max_c.is_some());
        Samples {
            at_ms: kept.iter().map(|p| p.at_ms).collect(),
            cpu_busy_percent: kept
                .iter()
                .map(|p| round(p.cpu_busy_percent.clamp(0.0, 100.0), 1))
                .collect(),
            cpu_mhz: any_mhz.then(|| kept.iter().map(|p| p.cpu_mhz.unwrap_or(0)).collect()),
            memory_used_mib: kept.iter().map(|p| p.memory_used_mib).collect(),
            load_1m: kept.iter().map(|p| round(p.load_1m.max(0.0), 2)).collect(),
            temperature_max_c: any_temp.then(|| {
                kept.iter()
                    .map(|p| p.temperature_max_c.map(|t| round(t, 1)))
                    .collect()
            }),
        }
    }

    /// The series with every other point kept (every 4th, ...) until at most `max` points
    /// remain (at least one when it had any): the same time span, fewer points.
    pub fn thinned(&self, max: usize) -> Samples {
        let mut step = 1;
        while self.len().div_ceil(step) > max.max(1) {
            step *= 2;
        }
        fn every<T: Clone>(v: &[T], step: usize) -> Vec<T> {
            v.iter().step_by(step).cloned().collect()
        }
        Samples {
            at_ms: every(&self.at_ms, step),
            cpu_busy_percent: every(&self.cpu_busy_percent, step),
            cpu_mhz: self.cpu_mhz.as_deref().map(|v| every(v, step)),
            memory_used_mib: every(&self.memory_used_mib, step),
            load_1m: every(&self.load_1m, step),
            temperature_max_c: self.temperature_max_c.as_deref().map(|v| every(v, step)),
        }
    }

    /// Checks the series: every present column as long as `at_ms`, at most [`MAX_SAMPLES`],
    /// times non-decreasing, percentages within 0..=100, numbers finite and not negative.
    pub fn check(&self) -> Result<(), SamplesError> {
        let n = self.at_ms.len();
        if n > MAX_SAMPLES {
            return Err(SamplesError::TooMany { found: n });
        }
        let lengths = [
            ("cpu_busy_percent", Some(self.cpu_busy_percent.len())),
            ("cpu_mhz", self.cpu_mhz.as_ref().map(Vec::len)),
            ("memory_used_mib", Some(self.memory_used_mib.len())),
            ("load_1m", Some(self.load_1m.len())),
            (
                "temperature_max_c",
                self.temperature_max_c.as_ref().map(Vec::len),
            ),
        ];
        for (column, found) in lengths {
            if let Some(found) = found.filter(|&f| f != n) {
                return Err(SamplesError::Length {
                    column,
                    found,
                    expected: n,
                });
            }
        }
        if let Some(index) = self.at_ms.windows(2).position(|w| w[1] < w[0]) {
            return Err(SamplesError::Unordered { index: index + 1 });
        }
        let bad = |column: &'static str, index: usize, value: f32| SamplesError::OutOfRange {
            column,
            index,
            value: value.to_string(),
        };
        for (i, &v) in self.cpu_busy_percent.iter().enumerate() {
            if !(0.0..=100.0).contains(&v) {
                return Err(bad("cpu_busy_percent", i, v));
            }
        }
        for (i, &v) in self.load_1m.iter().enumerate() {
            if !v.is_finite() || v < 0.0 {
                return Err(bad("load_1m", i, v));
            }
        }
        for (i, v) in self.temperature_max_c.iter().flatten().enumerate() {
            // Sensors read below freezing in cold rooms; nothing reads below absolute zero or
            // above 1000 °C.
            if let Some(t) = v.filter(|t| !t.is_finite() || !(-273.0..=1000.0).contains(t)) {
                return Err(bad("temperature_max_c", i, t));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at_ms: u64, temp: Option<f32>) -> Sample {
        Sample {
            at_ms,
            cpu_busy_percent: 99.97,
            cpu_mhz: None,
            memory_used_mib: 512,
            load_1m: 1.234,
            temperature_max_c: temp,
        }
    }

    #[test]
    fn columns_are_rounded_and_absent_when_never_measured() {
        let s = Samples::from_points(&[point(0, None), point(1000, None)]);
        assert_eq!(s.cpu_busy_percent, vec![100.0, 100.0]);
        assert_eq!(s.load_1m, vec![1.23, 1.23]);
        assert_eq!(s.cpu_mhz, None);
        assert_eq!(s.temperature_max_c, None);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            !json.contains("temperature") && !json.contains("mhz"),
            "{json}"
        );
        let s = Samples::from_points(&[point(0, Some(51.26)), point(1000, None)]);
        assert_eq!(s.temperature_max_c, Some(vec![Some(51.3), None]));
        s.check().unwrap();
    }

    #[test]
    fn a_long_series_is_halved_until_it_fits() {
        let points: Vec<Sample> = (0..8000).map(|i| point(i * 1000, None)).collect();
        let s = Samples::from_points(&points);
        assert_eq!(s.len(), 2000);
        assert_eq!(s.at_ms[1], 4000);
        assert_eq!(*s.at_ms.last().unwrap(), 7_996_000);
        s.check().unwrap();
    }

    #[test]
    fn inconsistent_series_are_refused_naming_the_column() {
        let mut s = Samples::from_points(&[point(0, None), point(1000, None)]);
        s.load_1m.pop();
        assert_eq!(
            s.check().unwrap_err().to_string(),
            "load_1m has 1 entries but at_ms has 2"
        );
        let mut s = Samples::from_points(&[point(0, None), point(1000, None)]);
        s.at_ms = vec![1000, 0];
        assert!(matches!(
            s.check(),
            Err(SamplesError::Unordered { index: 1 })
        ));
        s.at_ms = vec![0, 1000];
        s.cpu_busy_percent[1] = 250.0;
        assert!(s
            .check()
            .unwrap_err()
            .to_string()
            .contains("cpu_busy_percent sample 1"));
    }
}
