//! Measurements over time from a stored report: the `samples` of each test result, read back
//! from the signed report as it was submitted (the index keeps no copy), for the certificate
//! and submission pages to draw.
//!
//! Only what is drawn is parsed (each result's id, check and samples), and a series that is not
//! consistent ([`Samples::check`]) is left out, so a page never draws garbage. Reading one
//! stored report costs what its size allows (at most the 8 MiB body limit); for the public
//! certificate page it runs on the blocking pool under the cap on heavy work
//! ([`crate::heavy`]), so a flood of page views cannot slow other requests.

use mxcert_core::dsse::Envelope;
use mxcert_core::samples::Samples;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::heavy::HeavyWork;
use crate::store::Store;

/// The series of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSamples {
    pub test_id: String,
    pub check: String,
    pub samples: Samples,
}

#[derive(Deserialize)]
struct ReportPart {
    #[serde(default)]
    results: Vec<ResultPart>,
}

#[derive(Deserialize)]
struct ResultPart {
    id: String,
    check: String,
    #[serde(default)]
    samples: Option<Samples>,
}

/// The series of every result of the report in a stored envelope that has at least two samples
/// (a line needs two points), in report order.
pub fn of_envelope(bytes: &[u8]) -> Vec<TestSamples> {
    let Some(payload) = Envelope::from_json(bytes)
        .ok()
        .and_then(|e| e.payload_unverified().ok())
    else {
        return Vec::new();
    };
    let Ok(report) = serde_json::from_slice::<ReportPart>(&payload) else {
        return Vec::new();
    };
    report
        .results
        .into_iter()
        .filter_map(|r| {
            let samples = r.samples.filter(|s| s.len() >= 2 && s.check().is_ok())?;
            Some(TestSamples {
                test_id: r.id,
                check: r.check,
                samples,
            })
        })
        .collect()
}

/// The series of the report a certificate was issued for (public: parsed under `heavy`).
pub async fn of_certificate(
    store: &Store,
    heavy: &HeavyWork,
    certificate_id: &str,
) -> ApiResult<Vec<TestSamples>> {
    let row = store.public_system(certificate_id, &super::now()).await?;
    let submission = store.get_submission(&row.submission_id).await?;
    let bytes = store.envelope(&submission.envelope_sha256).await?;
    heavy.run(move |_cancel| of_envelope(&bytes)).await
}
