//! The report of a finished session, and its JUnit XML rendering for CI systems.

use mxcert_core::report::{Report, Status, TestResult};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::session::SessionInfo;

/// The report: results in plan order, everything else from the session's start.
pub fn build(info: &SessionInfo, mut results: Vec<TestResult>) -> Report {
    let order = |id: &str| {
        info.plan
            .tests
            .iter()
            .position(|t| t.id == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|r| order(&r.id));
    Report::new(
        info.report_id,
        info.created_at,
        info.tool.clone(),
        info.inventory.clone(),
        info.plan.reference(),
        results,
    )
}

/// JUnit XML: one test suite (the plan), one test case per result.
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
        let mut case = TestCase::new(r.id.clone(), status);
        case.set_classname(format!("{}.{}", report.plan.id, r.check));
        case.set_time(std::time::Duration::from_millis(r.duration_ms));
        if r.blocker {
            case.properties.push(Property::new("blocker", "true"));
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
