//! The certification report v1 (`schemas/report.v1.schema.json`): what one run of a test plan on
//! one machine found. It is what vendors sign and submit, and what the registry indexes.
//!
//! A report carries the inventory sections at its top level (`machine_id`, `system`, `os`,
//! `hardware`, `devices`, `probe`; see [`crate::inventory`]), the plan as run, every result and a
//! summary. `report_id` is a UUIDv7 made when the report is created; it makes submission
//! idempotent. These are data types only: nothing here runs tests or touches the machine.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attachment::Attachment;
use crate::inventory::{Device, Hardware, Inventory, Os, ProbeInfo, System};
use crate::samples::Samples;

/// The current report format version.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// A certification report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert certification report v1")]
pub struct Report {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// A UUIDv7 made when the report was created; the registry uses it to make submission idempotent.
    pub report_id: Uuid,
    /// When the report was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    pub tool: Tool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_id: Option<String>,
    pub system: System,
    pub os: Os,
    #[serde(default)]
    pub hardware: Hardware,
    pub devices: Vec<Device>,
    #[serde(default)]
    pub probe: ProbeInfo,
    pub plan: PlanRef,
    /// The plan's declarations (`[[declare]]`) the tester said hold on this machine, sorted
    /// (`mxcert run --declare`, `--manifest` or the questions at the start of a run). Omitted
    /// when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<String>,
    pub results: Vec<TestResult>,
    pub summary: Summary,
    /// Files of the run (kernel log, failed units, firmware devices), scrubbed and bounded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Why an attachment the runner tries to make is absent (e.g. `fwupdmgr` not installed), and
    /// what was trimmed so that the signed report fits the registry's envelope limit (series
    /// thinned, attachments cut or left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_notes: Vec<String>,
}

/// The program that made a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The plan as run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRef {
    pub id: String,
    pub version: String,
    /// Lowercase hex SHA-256 of the plan as run (the resolved plan, includes expanded).
    pub sha256: String,
}

/// The outcome of one test.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    Error,
    Timeout,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Skip,
        Status::Error,
        Status::Timeout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestResult {
    /// The test id from the plan, e.g. `storage-rw`.
    pub id: String,
    /// The check kind that ran, e.g. `storage.rw-verify`.
    pub check: String,
    /// For a test expanded per device (`for_each`): the identity of the device this result is
    /// about, e.g. `pci:8086:2725`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// For a copy run after a suspend (`after_suspend`): `after-suspend-N`, N counting the
    /// plan's `power.suspend` tests from 1. `(id, device, phase)` is unique in a report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Whether the plan marks this test as a blocker for certification.
    pub blocker: bool,
    pub status: Status,
    /// When the test started (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
    /// One line saying why, for anything but a plain pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the check saw, labelled (unbound devices, command output, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Numbers the check measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// A tester's comment (manual tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What the machine did while the test ran, sampled once a second (automated tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Box<Samples>>,
}

impl TestResult {
    /// The category a result is summarised under: the part of the check kind before the first dot
    /// (`storage.rw-verify` -> `storage`).
    pub fn area(&self) -> &str {
        self.check.split('.').next().unwrap_or(&self.check)
    }

    /// What makes this result unique in a report: the test id, the device and the phase.
    pub fn key(&self) -> (&str, Option<&str>, Option<&str>) {
        (&self.id, self.device.as_deref(), self.phase.as_deref())
    }

    /// The result's name for people: `id`, `id [device]`, `id (after-suspend-1)`.
    pub fn label(&self) -> String {
        result_label(&self.id, self.device.as_deref(), self.phase.as_deref())
    }
}

/// `id`, `id [device]`, `id (phase)` or `id [device] (phase)`.
pub fn result_label(id: &str, device: Option<&str>, phase: Option<&str>) -> String {
    let mut s = id.to_owned();
    if let Some(d) = device {
        s.push_str(&format!(" [{d}]"));
    }
    if let Some(p) = phase {
        s.push_str(&format!(" ({p})"));
    }
    s
}

/// A labelled piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub label: String,
    pub text: String,
}

/// A measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// e.g. `write_throughput`.
    pub name: String,
    pub value: f64,
    /// e.g. `MB/s`, `GB/s`, `ms`, `°C`.
    pub unit: String,
}

/// Whether the run supports certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every blocker passed.
    Certifiable,
    /// At least one blocker did not pass (see `failed_blockers`).
    NotCertifiable,
}

/// Number of results per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub pass: u32,
    pub fail: u32,
    pub skip: u32,
    pub error: u32,
    pub timeout: u32,
}

impl Counts {
    /// The count for one status.
    pub fn get(&self, status: Status) -> u32 {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Skip => self.skip,
            Status::Error => self.error,
            Status::Timeout => self.timeout,
        }
    }

    fn bump(&mut self, status: Status) {
        let slot = match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Skip => &mut self.skip,
            Status::Error => &mut self.error,
            Status::Timeout => &mut self.timeout,
        };
        *slot = slot.saturating_add(1);
    }
}

/// Counts and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub total: u32,
    /// Number of results per status.
    pub counts: Counts,
    pub verdict: Verdict,
    /// Ids of blockers that did not pass, in plan order.
    #[serde(default)]
    pub failed_blockers: Vec<String>,
}

impl Summary {
    /// Computes the summary of a list of results: certifiable only if every blocker passed.
    pub fn of(results: &[TestResult]) -> Summary {
        let mut counts = Counts::default();
        for r in results {
            counts.bump(r.status);
        }
        // A test expanded per device or copied after a suspend is named once.
        let mut failed_blockers: Vec<String> = Vec::new();
        for r in results
            .iter()
            .filter(|r| r.blocker && r.status != Status::Pass)
        {
            if !failed_blockers.contains(&r.id) {
                failed_blockers.push(r.id.clone());
            }
        }
        Summary {
            total: u32::try_from(results.len()).unwrap_or(u32::MAX),
            counts,
            verdict: if failed_blockers.is_empty() {
                Verdict::Certifiable
            } else {
                Verdict::NotCertifiable
            },
            failed_blockers,
        }
    }
}

impl Report {
    /// Assembles a report from an inventory, the plan reference and the results; computes the summary.
    pub fn new(
        report_id: Uuid,
        created_at: DateTime<Utc>,
        tool: Tool,
        inventory: Inventory,
        plan: PlanRef,
        results: Vec<TestResult>,
    ) -> Report {
        let summary = Summary::of(&results);
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            report_id,
            created_at,
            tool,
            machine_id: inventory.machine_id,
            system: inventory.system,
            os: inventory.os,
            hardware: inventory.hardware,
            devices: inventory.devices,
            probe: inventory.probe,
            plan,
            declared: Vec::new(),
            results,
            summary,
            attachments: Vec::new(),
            attachment_notes: Vec::new(),
        }
    }

    /// The inventory sections of the report.
    pub fn inventory(&self) -> Inventory {
        Inventory {
            schema_version: crate::inventory::INVENTORY_SCHEMA_VERSION,
            created_at: self.created_at,
            tool: self.tool.clone(),
            machine_id: self.machine_id.clone(),
            system: self.system.clone(),
            os: self.os.clone(),
            hardware: self.hardware.clone(),
            devices: self.devices.clone(),
            probe: self.probe.clone(),
        }
    }

    /// Parses a report from JSON bytes: unknown fields and other versions are refused, the
    /// summary must agree with the results, no two results share `(id, device, phase)`, every
    /// series of samples must be consistent, and every attachment's SHA-256 must be the one of
    /// its content.
    pub fn from_json(bytes: &[u8]) -> Result<Report, crate::FormatError> {
        let report: Report = crate::format::from_json(bytes)?;
        crate::format::check_version(report.schema_version, REPORT_SCHEMA_VERSION)?;
        let expected = Summary::of(&report.results);
        if report.summary != expected {
            return Err(crate::FormatError::Inconsistent(
                "summary does not match the results".into(),
            ));
        }
        if let Some(dup) = first_duplicate(&report.results) {
            return Err(crate::FormatError::Inconsistent(format!(
                "two results for {}; (id, device, phase) must be unique",
                dup.label()
            )));
        }
        for r in &report.results {
            if let Some(Err(e)) = r.samples.as_ref().map(|s| s.check()) {
                return Err(crate::FormatError::Inconsistent(format!(
                    "samples of test {}: {e}",
                    r.id
                )));
            }
        }
        crate::attachment::check_all(&report.attachments)?;
        Ok(report)
    }

    /// Serialises the report as pretty JSON with a trailing newline: the bytes that get signed.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        crate::format::to_json_pretty(self)
    }
}

/// The first result whose `(id, device, phase)` an earlier one has.
fn first_duplicate(results: &[TestResult]) -> Option<&TestResult> {
    let mut seen = std::collections::HashSet::new();
    results.iter().find(|r| !seen.insert(r.key()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, blocker: bool, status: Status) -> TestResult {
        TestResult {
            id: id.into(),
            check: "storage.rw-verify".into(),
            device: None,
            phase: None,
            blocker,
            status,
            started_at: None,
            duration_ms: 1,
            message: None,
            evidence: vec![],
            measurements: vec![],
            comment: None,
            samples: None,
        }
    }

    #[test]
    fn verdict_is_certifiable_only_when_every_blocker_passed() {
        let ok = Summary::of(&[
            result("a", true, Status::Pass),
            result("b", false, Status::Fail),
            result("c", false, Status::Skip),
        ]);
        assert_eq!(ok.verdict, Verdict::Certifiable);
        assert_eq!(ok.total, 3);
        assert_eq!(ok.counts.get(Status::Fail), 1);
        assert_eq!(ok.counts.timeout, 0);

        let bad = Summary::of(&[
            result("a", true, Status::Pass),
            result("b", true, Status::Skip),
            result("c", true, Status::Timeout),
        ]);
        assert_eq!(bad.verdict, Verdict::NotCertifiable);
        assert_eq!(bad.failed_blockers, vec!["b", "c"]);
    }

    #[test]
    fn results_are_unique_by_id_device_and_phase() {
        let mut a = result("wifi", true, Status::Pass);
        a.device = Some("pci:8086:2725".into());
        let mut b = a.clone();
        b.device = Some("usb:0bda:8179".into());
        let mut c = a.clone();
        c.phase = Some("after-suspend-1".into());
        assert!(first_duplicate(&[a.clone(), b.clone(), c.clone()]).is_none());
        let all = [a.clone(), b, c, a.clone()];
        assert_eq!(
            first_duplicate(&all).unwrap().label(),
            "wifi [pci:8086:2725]"
        );
        // A blocker failing on two devices is named once.
        let mut f1 = a.clone();
        f1.status = Status::Fail;
        let mut f2 = f1.clone();
        f2.device = Some("usb:0bda:8179".into());
        assert_eq!(Summary::of(&[f1, f2]).failed_blockers, vec!["wifi"]);
    }

    #[test]
    fn area_is_the_check_prefix() {
        assert_eq!(result("a", true, Status::Pass).area(), "storage");
    }
}
