//! The report of a finished session (trimmed to the envelope budget), and its JUnit XML
//! rendering for CI systems.

use mxcert_core::budget::{self, BudgetError};
use mxcert_core::plan::instances::instances;
use mxcert_core::report::{Report, Status, TestResult};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::session::SessionInfo;

/// The report: results in run order (the plan's tests expanded per device and after each
/// suspend), the declarations, everything else from the session's start.
pub fn build(info: &SessionInfo, mut results: Vec<TestResult>) -> Report {
    let all = instances(&info.plan, &info.inventory, &info.declared);
    let order = |r: &TestResult| {
        all.iter()
            .position(|i| i.is_result(r))
            .unwrap_or(usize::MAX)
    };
    results.sort_by_cached_key(order);
    let mut report = Report::new(
        info.report_id,
        info.created_at,
        info.tool.clone(),
        info.inventory.clone(),
        info.plan.reference(),
        results,
    );
    report.declared = info.declared.clone();
    report
}

/// Trims the report so that its signed envelope fits the registry's body limit (see
/// [`mxcert_core::budget`]); what was trimmed goes into `attachment_notes`.
pub fn fit_budget(report: &mut Report) -> Result<(), BudgetError> {
    let notes = budget::fit(report, budget::max_report_bytes())?;
    report.attachment_notes.extend(notes);
    Ok(())
}

/// JUnit XML: one test suite (the plan), one test case per result, named `id [device] (phase)`
/// so each device and each copy after a suspend is a case of its own.
pub fn junit(report: &Report) -> Result<String, quick_junit::SerializeError> {
    let mut suite = TestSuite::new(format!("mxcert.{}", report.plan.id));
    for r in &report.results {
        let status = match r.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Skip => {
                let mut s = TestCaseStatus::skipped();
                if let Some(m) = &r.message {
                    s.set_message(m.clone());
                }
                s
            }
            Status::Fail | Status::Error | Status::Timeout => {
                let kind = if r.status == Status::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_type(r.status.as_str());
                if let Some(m) = &r.message {
                    s.set_message(m.clone());
                }
                let details: Vec<String> = r
                    .evidence
                    .iter()
                    .map(|e| format!("{}:\n{}", e.label, e.text))
                    .collect();
                if !details.is_empty() {
                    s.set_description(details.join("\n\n"));
                }
                s
            }
        };
        let mut case = TestCase::new(r.label(), status);
        case.set_classname(format!("{}.{}", report.plan.id, r.check));
        case.set_time(std::time::Duration::from_millis(r.duration_ms));
        if r.blocker {
            case.properties.push(Property::new("blocker", "true"));
        }
        if let Some(d) = &r.device {
            case.properties.push(Property::new("device", d.clone()));
        }
        if let Some(p) = &r.phase {
            case.properties.push(Property::new("phase", p.clone()));
        }
        for m in &r.measurements {
            case.properties.push(Property::new(
                m.name.clone(),
                format!("{} {}", m.value, m.unit),
            ));
        }
        suite.add_test_case(case);
    }
    suite.add_property(Property::new(
        "plan",
        format!("{} {}", report.plan.id, report.plan.version),
    ));
    suite.add_property(Property::new("plan_sha256", report.plan.sha256.clone()));
    suite.add_property(Property::new("report_id", report.report_id.to_string()));
    if !report.declared.is_empty() {
        suite.add_property(Property::new("declared", report.declared.join(",")));
    }
    suite.add_property(Property::new(
        "verdict",
        match report.summary.verdict {
            mxcert_core::report::Verdict::Certifiable => "certifiable",
            mxcert_core::report::Verdict::NotCertifiable => "not_certifiable",
        },
    ));
    let mut junit = quick_junit::Report::new("mxcert");
    junit.add_test_suite(suite);
    junit.to_string()
}
