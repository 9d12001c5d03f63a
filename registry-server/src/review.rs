//! The review workflow's rules: the automated checks every submission goes through, which
//! lifecycle transitions are allowed, and what changed since the previous submission of the same
//! model. Pure functions over reports and stored rows; no database, no HTTP.
//!
//! Automated checks (recorded per check with `pass`, `warn` or `fail`; any `fail` puts the
//! submission in `checks_failed`, where it can be rejected but not approved):
//! `signature`, `schema` (both verified before anything is stored), `plan` (known, and its version
//! current, digest equal to the published plan's), `blockers` (every blocker of the plan, as the
//! plan defines them, was run and passed, except a conditional blocker whose `requires` the
//! report's own inventory and declarations do not meet: not applicable, as the runner decides;
//! every result of a blocker expanded per device or copied after a suspend must pass),
//! `declared` (only when the report has declarations: shows reviewers what the tester declared,
//! since the tests of that hardware depend on it), `tool_version` (mxcert, at least the configured
//! version), `system_identity` (warns when the report has no vendor/model, as on machines without
//! DMI), `os` (warns when the report was not made on MxOS).

use std::collections::{BTreeMap, BTreeSet};

use mxcert_core::plan::Condition;
use mxcert_core::report::{Report, Status, Verdict};
use serde::Serialize;

use crate::ingest::VerifiedReport;
use crate::plans::KnownPlans;
use crate::store::{
    AutomatedCheck, CheckOutcome, DeviceRow, ResultRow, Submission, SubmissionStatus,
};

/// Every automated check message: a stable code, and its English text with `{0}`, `{1}`, ...
/// for the arguments. The code and arguments are stored beside the English text, so that the web
/// portal (`web::labels::check_message`) shows the message in the reader's language.
pub const MESSAGES: &[(&str, &str)] = &[
    ("signature.pass", "signed by key {0} of {1}"),
    (
        "signature.key_compromised",
        "signed by key {0}, revoked as compromised on {1}: this submission cannot be approved",
    ),
    (
        "schema.pass",
        "the report matches report.v1.schema.json and its summary matches its results",
    ),
    (
        "plan.unknown",
        "plan {0} is not a plan this registry knows (known: {1})",
    ),
    (
        "plan.not_current",
        "plan {0} version {1} is not current (current: {2}); run the current plan",
    ),
    (
        "plan.modified",
        "plan {0} {1} as run has digest {2}, the published plan has {3}: the plan was modified",
    ),
    (
        "plan.pass",
        "plan {0} version {1} is current and unmodified",
    ),
    ("blockers.no_results", "the report has no test results"),
    ("blockers.pass", "all {0} blocker tests passed"),
    (
        "blockers.pass_not_applicable",
        "all {0} applicable blocker tests passed; not applicable (the hardware they require is absent): {1}",
    ),
    (
        "blockers.verdict",
        "the report's verdict is not certifiable: {0}",
    ),
    ("blockers.failed", "blocker tests did not pass: {0}"),
    (
        "declared.list",
        "the tester declared this hardware (its tests fail when it is missing): {0}",
    ),
    ("tool.not_mxcert", "the report was made by {0}, not mxcert"),
    ("tool.pass", "mxcert {0} (accepted: {1} or later)"),
    (
        "tool.too_old",
        "mxcert {0} is too old; version {1} or later is required",
    ),
    (
        "tool.bad_version",
        "mxcert version {0} is not a version number",
    ),
    ("system.pass", "{0} {1}"),
    (
        "system.missing",
        "the report has no system vendor or model (no DMI/SMBIOS data, as on virtual machines); \
         it is listed as an unidentified system",
    ),
    ("os.pass", "MxOS {0}"),
    ("os.other", "the report was made on {0}, not on MxOS"),
];

/// `template` with `{0}`, `{1}`, ... replaced by `args`.
pub fn fill(template: &str, args: &[String]) -> String {
    let mut out = template.to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

fn check(name: &str, outcome: CheckOutcome, code: &str, args: Vec<String>) -> AutomatedCheck {
    let template = MESSAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, t)| t);
    AutomatedCheck {
        name: name.to_owned(),
        outcome,
        message: fill(template, &args),
        code: code.to_owned(),
        args,
    }
}

/// The signature check of a submission whose key `keyid` was revoked as compromised at `at`: its
/// code, English text and arguments (JSON), as stored in `automated_checks`.
pub fn key_compromised_message(keyid: &str, at: &str) -> (&'static str, String, String) {
    let c = check(
        "signature",
        CheckOutcome::Fail,
        "signature.key_compromised",
        vec![keyid.to_owned(), at.to_owned()],
    );
    let args = serde_json::to_string(&c.args).unwrap_or_else(|_| "[]".into());
    ("signature.key_compromised", c.message, args)
}

/// Runs the automated checks on a verified report.
pub fn automated_checks(
    verified: &VerifiedReport,
    org_name: &str,
    plans: &KnownPlans,
    min_tool_version: &str,
) -> Vec<AutomatedCheck> {
    let r = &verified.report;
    vec![
        check(
            "signature",
            CheckOutcome::Pass,
            "signature.pass",
            vec![verified.keyid.clone(), org_name.to_owned()],
        ),
        check("schema", CheckOutcome::Pass, "schema.pass", vec![]),
        plan_check(r, plans),
        blockers_check(r, plans),
    ]
    .into_iter()
    .chain(declared_check(r))
    .chain([
        tool_check(r, min_tool_version),
        system_check(r),
        os_check(r),
    ])
    .collect()
}

/// What the tester declared, for reviewers (only when there is something).
fn declared_check(r: &Report) -> Option<AutomatedCheck> {
    (!r.declared.is_empty()).then(|| {
        check(
            "declared",
            CheckOutcome::Pass,
            "declared.list",
            vec![r.declared.join(", ")],
        )
    })
}

fn plan_check(r: &Report, plans: &KnownPlans) -> AutomatedCheck {
    let Some(known) = plans.get(&r.plan.id) else {
        return check(
            "plan",
            CheckOutcome::Fail,
            "plan.unknown",
            vec![format!("{:?}", r.plan.id), plans.describe()],
        );
    };
    if known.version != r.plan.version {
        return check(
            "plan",
            CheckOutcome::Fail,
            "plan.not_current",
            vec![
                r.plan.id.clone(),
                r.plan.version.to_string(),
                known.version.to_string(),
            ],
        );
    }
    if known.sha256 != r.plan.sha256 {
        return check(
            "plan",
            CheckOutcome::Fail,
            "plan.modified",
            vec![
                r.plan.id.clone(),
                r.plan.version.to_string(),
                r.plan.sha256.clone(),
                known.sha256.clone(),
            ],
        );
    }
    check(
        "plan",
        CheckOutcome::Pass,
        "plan.pass",
        vec![r.plan.id.clone(), known.version.to_string()],
    )
}

fn blockers_check(r: &Report, plans: &KnownPlans) -> AutomatedCheck {
    if r.results.is_empty() {
        return check(
            "blockers",
            CheckOutcome::Fail,
            "blockers.no_results",
            vec![],
        );
    }
    // The plan says which tests are blockers, and a conditional blocker applies when the
    // report's inventory meets its conditions; the report's own flags are not trusted for that.
    let (blockers, requires, for_each) = match plans.get(&r.plan.id) {
        Some(known) => (
            known.blockers.clone(),
            known.blocker_requires.clone(),
            known.blocker_for_each.clone(),
        ),
        None => {
            let mut ids: Vec<String> = Vec::new();
            for t in r.results.iter().filter(|t| t.blocker) {
                if !ids.contains(&t.id) {
                    ids.push(t.id.clone());
                }
            }
            (ids, BTreeMap::new(), BTreeMap::new())
        }
    };
    let inventory = (!requires.is_empty() || !for_each.is_empty()).then(|| r.inventory());
    let mut problems = Vec::new();
    let mut not_applicable = Vec::new();
    for id in &blockers {
        if let Some(inventory) = &inventory {
            let conditions = requires.get(id).map(Vec::as_slice).unwrap_or_default();
            // As the runner decides (`core::plan::instances`): an undeclared declaration, or
            // absent hardware that no declaration vouches for, makes the test not applicable.
            let declares = conditions.iter().any(|c| c.declared.is_some());
            let absent = Condition::first_unmet_with(conditions, inventory, &r.declared)
                .is_some_and(|c| c.declared.is_some() || !declares)
                || (!declares
                    && for_each
                        .get(id)
                        .is_some_and(|c| !inventory.devices.iter().any(|d| c.matches_device(d))));
            if absent {
                not_applicable.push(id.clone());
                continue;
            }
        }
        let mut ran = false;
        for t in r.results.iter().filter(|t| &t.id == id) {
            ran = true;
            if t.status != Status::Pass {
                problems.push(format!("{} ({})", t.label(), t.status));
            }
        }
        if !ran {
            problems.push(format!("{id} (not run)"));
        }
    }
    if problems.is_empty()
        && r.summary.verdict == Verdict::Certifiable
        && !not_applicable.is_empty()
    {
        return check(
            "blockers",
            CheckOutcome::Pass,
            "blockers.pass_not_applicable",
            vec![
                (blockers.len() - not_applicable.len()).to_string(),
                not_applicable.join(", "),
            ],
        );
    }
    if problems.is_empty() && r.summary.verdict == Verdict::Certifiable {
        check(
            "blockers",
            CheckOutcome::Pass,
            "blockers.pass",
            vec![blockers.len().to_string()],
        )
    } else if problems.is_empty() {
        check(
            "blockers",
            CheckOutcome::Fail,
            "blockers.verdict",
            vec![r.summary.failed_blockers.join(", ")],
        )
    } else {
        check(
            "blockers",
            CheckOutcome::Fail,
            "blockers.failed",
            vec![problems.join(", ")],
        )
    }
}

/// Numeric components of a version: `0.1.0-dev` -> `[0, 1, 0]`.
pub fn version_parts(v: &str) -> Option<Vec<u64>> {
    let core = v.split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

fn tool_check(r: &Report, min: &str) -> AutomatedCheck {
    if r.tool.name != "mxcert" {
        return check(
            "tool_version",
            CheckOutcome::Fail,
            "tool.not_mxcert",
            vec![format!("{:?}", r.tool.name)],
        );
    }
    match (version_parts(&r.tool.version), version_parts(min)) {
        (Some(found), Some(min_parts)) if found >= min_parts => check(
            "tool_version",
            CheckOutcome::Pass,
            "tool.pass",
            vec![r.tool.version.clone(), min.to_owned()],
        ),
        (Some(_), _) => check(
            "tool_version",
            CheckOutcome::Fail,
            "tool.too_old",
            vec![r.tool.version.clone(), min.to_owned()],
        ),
        (None, _) => check(
            "tool_version",
            CheckOutcome::Fail,
            "tool.bad_version",
            vec![format!("{:?}", r.tool.version)],
        ),
    }
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|v| !v.trim().is_empty())
}

fn system_check(r: &Report) -> AutomatedCheck {
    if present(&r.system.vendor) && present(&r.system.product) {
        check(
            "system_identity",
            CheckOutcome::Pass,
            "system.pass",
            vec![
                r.system.vendor.clone().unwrap_or_default(),
                r.system.product.clone().unwrap_or_default(),
            ],
        )
    } else {
        check(
            "system_identity",
            CheckOutcome::Warn,
            "system.missing",
            vec![],
        )
    }
}

fn os_check(r: &Report) -> AutomatedCheck {
    let id = r.os.id.as_deref().unwrap_or("unknown");
    let version = r.os.version.as_deref().unwrap_or("");
    if id == "mxos" {
        check(
            "os",
            CheckOutcome::Pass,
            "os.pass",
            vec![version.to_owned()],
        )
    } else {
        check(
            "os",
            CheckOutcome::Warn,
            "os.other",
            vec![format!("{id} {version}").trim().to_owned()],
        )
    }
}

/// The statuses a reviewer may reject from.
pub const REJECTABLE: [SubmissionStatus; 2] =
    [SubmissionStatus::InReview, SubmissionStatus::ChecksFailed];
/// The statuses a vendor may withdraw from.
pub const WITHDRAWABLE: [SubmissionStatus; 2] =
    [SubmissionStatus::InReview, SubmissionStatus::ChecksFailed];

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A device present in one submission and not the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeviceBrief {
    pub identity: String,
    pub category: String,
    pub name: Option<String>,
    pub driver: Option<String>,
}

/// What changed between two submissions of the same model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Diff {
    pub previous_id: String,
    pub current_id: String,
    /// Identity, OS, plan, tool and summary fields that differ.
    pub changes: Vec<FieldChange>,
    pub devices_added: Vec<DeviceBrief>,
    pub devices_removed: Vec<DeviceBrief>,
    /// Devices present in both whose driver changed (`before`/`after` are driver names).
    pub driver_changes: Vec<FieldChange>,
    /// Tests whose status changed, appeared or disappeared (`before`/`after` are statuses).
    pub result_changes: Vec<FieldChange>,
}

/// One side of a diff: the submission and its rows.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub submission: &'a Submission,
    pub devices: &'a [DeviceRow],
    pub results: &'a [ResultRow],
}

fn fields(s: &Submission) -> Vec<(&'static str, Option<String>)> {
    let sy = &s.system;
    vec![
        ("system.vendor", sy.vendor.clone()),
        ("system.model", sy.model.clone()),
        ("system.family", sy.family.clone()),
        ("system.sku", sy.sku.clone()),
        ("system.board", sy.board.clone()),
        ("system.bios_version", sy.bios_version.clone()),
        ("os.id", s.os.id.clone()),
        ("os.version", s.os.version.clone()),
        ("os.kernel", s.os.kernel.clone()),
        ("os.arch", s.os.arch.clone()),
        ("plan.id", Some(s.plan.id.clone())),
        ("plan.version", Some(s.plan.version.clone())),
        ("tool.version", Some(s.tool.version.clone())),
        ("summary.verdict", Some(s.summary.verdict.clone())),
        ("summary.pass", Some(s.summary.pass.to_string())),
        ("summary.fail", Some(s.summary.fail.to_string())),
        ("summary.skip", Some(s.summary.skip.to_string())),
        ("summary.error", Some(s.summary.error.to_string())),
        ("summary.timeout", Some(s.summary.timeout.to_string())),
        ("device_count", Some(s.device_count.to_string())),
    ]
}

fn brief(d: &DeviceRow) -> DeviceBrief {
    DeviceBrief {
        identity: d.identity.clone(),
        category: d.category.clone(),
        name: match (&d.vendor_name, &d.device_name) {
            (Some(v), Some(n)) => Some(format!("{v} {n}")),
            (None, Some(n)) => Some(n.clone()),
            (v, None) => v.clone(),
        },
        driver: d.driver.clone(),
    }
}

/// Compares two submissions. Devices are matched by identity (a multiset: two identical disks
/// and one identical disk differ by one).
pub fn diff(previous: Side<'_>, current: Side<'_>) -> Diff {
    let changes = fields(previous.submission)
        .into_iter()
        .zip(fields(current.submission))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, before), (_, after))| FieldChange {
            field: field.to_owned(),
            before,
            after,
        })
        .collect();

    let group = |devices: &[DeviceRow]| {
        let mut map: BTreeMap<String, Vec<DeviceRow>> = BTreeMap::new();
        for d in devices {
            map.entry(d.identity.clone()).or_default().push(d.clone());
        }
        map
    };
    let (before, after) = (group(previous.devices), group(current.devices));
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let (mut devices_added, mut devices_removed, mut driver_changes) = (vec![], vec![], vec![]);
    for id in ids {
        let b = before.get(id).map(Vec::as_slice).unwrap_or_default();
        let a = after.get(id).map(Vec::as_slice).unwrap_or_default();
        devices_added.extend(a.iter().skip(b.len()).map(brief));
        devices_removed.extend(b.iter().skip(a.len()).map(brief));
        for (x, y) in b.iter().zip(a) {
            if x.driver != y.driver {
                driver_changes.push(FieldChange {
                    field: id.clone(),
                    before: x.driver.clone(),
                    after: y.driver.clone(),
                });
            }
        }
    }

    let statuses = |rows: &[ResultRow]| -> BTreeMap<String, String> {
        rows.iter()
            .map(|r| (r.test_id.clone(), r.status.clone()))
            .collect()
    };
    let (rb, ra) = (statuses(previous.results), statuses(current.results));
    let tests: BTreeSet<&String> = rb.keys().chain(ra.keys()).collect();
    let result_changes = tests
        .into_iter()
        .filter(|t| rb.get(*t) != ra.get(*t))
        .map(|t| FieldChange {
            field: t.clone(),
            before: rb.get(t).cloned(),
            after: ra.get(t).cloned(),
        })
        .collect();

    Diff {
        previous_id: previous.submission.id.clone(),
        current_id: current.submission.id.clone(),
        changes,
        devices_added,
        devices_removed,
        driver_changes,
        result_changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A desktop-plan report as `mxcert run` makes it: every test passes except the Wi-Fi
    /// presence blocker, which the runner records as skipped and, when the machine has no
    /// Wi-Fi device, not a blocker.
    fn desktop_report(devices: Vec<mxcert_core::inventory::Device>) -> Report {
        use mxcert_core::inventory::{Inventory, INVENTORY_SCHEMA_VERSION};
        use mxcert_core::report::{PlanRef, TestResult};
        let plan = mxcert_core::plan::resolve_shipped("desktop").unwrap();
        let has_wifi = devices
            .iter()
            .any(|d| d.category == mxcert_core::category::Category::Wireless);
        let results = plan
            .tests
            .iter()
            .map(|t| {
                let wifi = t.id == "wifi-present";
                TestResult {
                    id: t.id.clone(),
                    check: t.check.to_string(),
                    device: None,
                    phase: None,
                    blocker: t.blocker && (has_wifi || !wifi),
                    status: if wifi { Status::Skip } else { Status::Pass },
                    started_at: None,
                    duration_ms: 1,
                    message: None,
                    evidence: vec![],
                    measurements: vec![],
                    comment: None,
                    samples: None,
                }
            })
            .collect();
        let now = chrono::Utc::now();
        Report::new(
            uuid::Uuid::now_v7(),
            now,
            mxcert_core::tool("mxcert", "0.1.0"),
            Inventory {
                schema_version: INVENTORY_SCHEMA_VERSION,
                created_at: now,
                tool: mxcert_core::tool("mxcert", "0.1.0"),
                machine_id: None,
                system: Default::default(),
                os: Default::default(),
                hardware: Default::default(),
                devices,
                probe: Default::default(),
            },
            PlanRef {
                id: plan.id.clone(),
                version: plan.version.clone(),
                sha256: plan.sha256(),
            },
            results,
        )
    }

    /// A report of the example plan that uses every key, with each instance's result as the
    /// runner decides it (`pass` for those that run, unless `fail` names them).
    fn every_key_report(
        devices: Vec<mxcert_core::inventory::Device>,
        declared: &[&str],
        fail: &[&str],
    ) -> (Report, KnownPlans) {
        use mxcert_core::plan::instances::{instances, Decided};
        use mxcert_core::plan::{resolve, ShippedLoader, Source};
        let plan = resolve(
            Source {
                name: "every-key.toml".into(),
                bytes: include_bytes!("../../test-suites/plans/examples/every-key.toml").to_vec(),
            },
            &mut ShippedLoader,
        )
        .unwrap();
        let mut report = desktop_report(devices);
        let declared: Vec<String> = declared.iter().map(|d| d.to_string()).collect();
        let inventory = report.inventory();
        report.results = instances(&plan, &inventory, &declared)
            .iter()
            .map(|i| {
                let (status, blocker) = match &i.decided {
                    Decided::Run if fail.contains(&i.label().as_str()) => (Status::Fail, true),
                    Decided::Run => (Status::Pass, true),
                    Decided::NotApplicable(_) => (Status::Skip, false),
                    Decided::Missing(_) => (Status::Fail, true),
                };
                mxcert_core::report::TestResult {
                    id: i.test.id.clone(),
                    check: i.test.check.to_string(),
                    device: i.device.clone(),
                    phase: i.phase.clone(),
                    blocker: blocker && i.test.blocker,
                    status,
                    started_at: None,
                    duration_ms: 1,
                    message: None,
                    evidence: vec![],
                    measurements: vec![],
                    comment: None,
                    samples: None,
                }
            })
            .collect();
        report.summary = mxcert_core::report::Summary::of(&report.results);
        report.declared = declared;
        report.plan = plan.reference();
        let mut plans = KnownPlans::default();
        plans
            .plans
            .insert(plan.id.clone(), crate::plans::KnownPlan::of(&plan));
        (report, plans)
    }

    #[test]
    fn declarations_and_per_device_blockers_are_judged_as_the_runner_decides() {
        use mxcert_core::category::Category;
        use mxcert_core::inventory::Device;
        let device = |category, id: &str| Device {
            bus: "pci".into(),
            id: id.into(),
            category,
            driver: Some("drv".into()),
            ..Default::default()
        };
        let net = || {
            vec![
                device(Category::Network, "pci:8086:15f3"),
                device(Category::Network, "pci:10ec:8168"),
            ]
        };
        // Nothing declared, no fingerprint reader: not applicable, and no declarations check.
        let (r, plans) = every_key_report(net(), &[], &[]);
        let c = blockers_check(&r, &plans);
        assert_eq!(c.code, "blockers.pass_not_applicable", "{}", c.message);
        assert!(
            c.message.ends_with(": fingerprint-present"),
            "{}",
            c.message
        );
        assert!(declared_check(&r).is_none());
        // Declared but absent: a failed blocker, and reviewers see the declaration.
        let (r, plans) = every_key_report(net(), &["fingerprint"], &[]);
        let c = blockers_check(&r, &plans);
        assert_eq!(c.outcome, CheckOutcome::Fail);
        assert_eq!(
            c.message,
            "blocker tests did not pass: fingerprint-present (fail), fingerprint-present (after-suspend-1) (fail)"
        );
        let d = declared_check(&r).unwrap();
        assert_eq!(
            d.message,
            "the tester declared this hardware (its tests fail when it is missing): fingerprint"
        );
        // One device of a per-device blocker failing after the suspend is named with both.
        let (r, plans) = every_key_report(
            net(),
            &[],
            &["network-each [pci:10ec:8168] (after-suspend-1)"],
        );
        let c = blockers_check(&r, &plans);
        assert_eq!(
            c.message,
            "blocker tests did not pass: network-each [pci:10ec:8168] (after-suspend-1) (fail)"
        );
        // No network device at all: the per-device blocker is not applicable.
        let (r, plans) = every_key_report(vec![], &[], &[]);
        let c = blockers_check(&r, &plans);
        assert!(c.message.contains("network-each"), "{}", c.message);
        assert_eq!(c.code, "blockers.pass_not_applicable", "{}", c.message);
    }

    #[test]
    fn a_conditional_blocker_applies_only_when_the_inventory_meets_its_condition() {
        use mxcert_core::category::Category;
        use mxcert_core::inventory::Device;
        let plans = KnownPlans::shipped().unwrap();
        let device = |category, id: &str| Device {
            bus: "pci".into(),
            id: id.into(),
            category,
            driver: Some("drv".into()),
            ..Default::default()
        };
        // No Wi-Fi device, but sound (the desktop plan's audio blockers require it): the skipped
        // Wi-Fi blocker is not applicable, and the check passes saying so.
        let without = desktop_report(vec![
            device(Category::Audio, "pci:8086:51ca"),
            device(Category::Bluetooth, "pci:8086:0033"),
        ]);
        let c = blockers_check(&without, &plans);
        assert_eq!(c.outcome, CheckOutcome::Pass, "{}", c.message);
        assert_eq!(c.code, "blockers.pass_not_applicable");
        let absent = c.message.split("is absent): ").nth(1).unwrap_or_default();
        assert!(
            absent.split(", ").any(|t| t == "wifi-present"),
            "{}",
            c.message
        );
        // With a Wi-Fi device the same skipped test is a failed blocker, whatever the report's
        // own flag says.
        let mut with = desktop_report(vec![
            device(Category::Audio, "pci:8086:51ca"),
            device(Category::Bluetooth, "pci:8086:0033"),
            device(Category::Wireless, "pci:8086:51f1"),
        ]);
        let c = blockers_check(&with, &plans);
        assert_eq!(c.outcome, CheckOutcome::Fail, "{}", c.message);
        assert!(c.message.contains("wifi-present (skip)"), "{}", c.message);
        for t in &mut with.results {
            t.blocker = false;
        }
        with.summary = mxcert_core::report::Summary::of(&with.results);
        let c = blockers_check(&with, &plans);
        assert_eq!(c.outcome, CheckOutcome::Fail, "{}", c.message);
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(version_parts("0.10.0-dev"), Some(vec![0, 10, 0]));
        assert!(version_parts("0.10.0").unwrap() > version_parts("0.9.3").unwrap());
        assert_eq!(version_parts("x.1"), None);
    }
}
