//! What a check found: status, a one-line reason, evidence and measurements.

use mxcert_core::report::{Evidence, Measurement, Status};
use serde::{Deserialize, Serialize};

/// The result of one check, before the runner adds the test's id, timing and blocker flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// A tester's comment (manual tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Outcome {
    fn new(status: Status, message: Option<String>) -> Outcome {
        Outcome {
            status,
            message,
            evidence: Vec::new(),
            measurements: Vec::new(),
            comment: None,
        }
    }

    pub fn pass(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, Some(message.into()))
    }

    pub fn fail(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, Some(message.into()))
    }

    pub fn skip(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Skip, Some(reason.into()))
    }

    /// The check itself could not do its job (not a verdict on the hardware).
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Error, Some(message.into()))
    }

    pub fn timeout(message: impl Into<String>) -> Outcome {
        Outcome::new(Status::Timeout, Some(message.into()))
    }

    /// Passes when `failures` is empty, fails with them joined otherwise.
    pub fn pass_unless(failures: &[String], pass_message: impl Into<String>) -> Outcome {
        if failures.is_empty() {
            Outcome::pass(pass_message)
        } else {
            Outcome::fail(failures.join("; "))
        }
    }

    /// Adds a labelled piece of evidence (empty text is dropped).
    pub fn evidence(mut self, label: impl Into<String>, text: impl Into<String>) -> Outcome {
        self.add_evidence(label, text);
        self
    }

    pub fn add_evidence(&mut self, label: impl Into<String>, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.evidence.push(Evidence {
                label: label.into(),
                text,
            });
        }
    }

    /// Adds a measurement; non-finite values are dropped (JSON cannot carry them).
    pub fn measure(mut self, name: impl Into<String>, value: f64, unit: &str) -> Outcome {
        self.add_measurement(name, value, unit);
        self
    }

    pub fn add_measurement(&mut self, name: impl Into<String>, value: f64, unit: &str) {
        self.measurements.extend(measurement(name, value, unit));
    }

    /// Adds what was gathered before the verdict was known.
    pub fn with(mut self, findings: Findings) -> Outcome {
        self.evidence.extend(findings.evidence);
        self.measurements.extend(findings.measurements);
        self
    }

    /// The measurement with this name.
    pub fn measurement(&self, name: &str) -> Option<f64> {
        self.measurements
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }

    /// The evidence text with this label.
    pub fn evidence_text(&self, label: &str) -> Option<&str> {
        self.evidence
            .iter()
            .find(|e| e.label == label)
            .map(|e| e.text.as_str())
    }
}

/// Measurements and evidence gathered while a check works, before its verdict is known;
/// [`Outcome::with`] attaches them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    evidence: Vec<Evidence>,
    measurements: Vec<Measurement>,
}

impl Findings {
    pub fn measure(&mut self, name: impl Into<String>, value: f64, unit: &str) {
        self.measurements.extend(measurement(name, value, unit));
    }
}

/// A measurement rounded to three decimals; none for values JSON cannot carry (NaN, infinity).
fn measurement(name: impl Into<String>, value: f64, unit: &str) -> Option<Measurement> {
    value.is_finite().then(|| Measurement {
        name: name.into(),
        value: round3(value),
        unit: unit.to_owned(),
    })
}

/// Three decimals are plenty for every figure we report and keep reports readable.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
