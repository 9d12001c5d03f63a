//! The envelope budget (`mxcert_core::budget`): reports at and over the edge of the registry's
//! 8 MiB body limit, signed with a real key, measured as the envelope bytes `mxcert sign` writes.

mod budget_data;

use budget_data::{full_attachments, report, result};
use mxcert_core::attachment::MAX_ATTACHMENT_BYTES;
use mxcert_core::budget::{self, BudgetError, MAX_ENVELOPE_BYTES};
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::keys::SigningKey;
use mxcert_core::report::{Evidence, Report, TestResult};
use mxcert_core::samples::MAX_SAMPLES;

fn envelope_len(r: &Report) -> usize {
    let key = SigningKey::from_bytes(&[9u8; 32]);
    dsse::sign(REPORT_PAYLOAD_TYPE, &r.to_json_pretty(), &key)
        .to_json_pretty()
        .len()
}

#[test]
fn the_bound_on_an_envelope_holds_for_real_signatures() {
    for n in [0, 1, 2, 3, 1000, 1001, 1002, budget::max_report_bytes()] {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let len = dsse::sign(REPORT_PAYLOAD_TYPE, &vec![b'x'; n], &key)
            .to_json_pretty()
            .len();
        assert!(len <= budget::envelope_len(n), "{n}: {len}");
        assert!(
            len + 4096 > budget::envelope_len(n),
            "{n}: the bound is tight"
        );
    }
    assert!(budget::envelope_len(budget::max_report_bytes()) <= MAX_ENVELOPE_BYTES);
    assert!(budget::envelope_len(budget::max_report_bytes() + 3) > MAX_ENVELOPE_BYTES);
}

#[test]
fn a_report_under_the_limit_is_left_alone() {
    let mut r = report(
        vec![result(0, MAX_SAMPLES)],
        full_attachments()[..2].to_vec(),
    );
    let before = r.to_json_pretty();
    assert_eq!(
        budget::fit(&mut r, budget::max_report_bytes()),
        Ok(Vec::new())
    );
    assert_eq!(r.to_json_pretty(), before);
}

/// 4 MiB of attachments that JSON escaping makes larger, plus 30 hour-long series: about
/// 12 MB of report, 16 MB of envelope. Series are thinned first, then attachments are cut,
/// largest first, each cut recorded; the signed envelope then fits.
#[test]
fn a_report_at_the_edge_is_trimmed_to_fit_its_envelope() {
    let results: Vec<TestResult> = (0..30).map(|i| result(i, MAX_SAMPLES)).collect();
    let mut r = report(results, full_attachments());
    let original = r.to_json_pretty().len();
    assert!(
        envelope_len(&r) > 2 * MAX_ENVELOPE_BYTES - 2_000_000,
        "{original}"
    );
    let notes = budget::fit(&mut r, budget::max_report_bytes()).unwrap();
    let bytes = r.to_json_pretty();
    assert!(bytes.len() <= budget::max_report_bytes());
    let env = envelope_len(&r);
    assert!(env <= MAX_ENVELOPE_BYTES, "{env}");
    // Still a valid report: every digest matches its (cut) content.
    let back = Report::from_json(&bytes).unwrap();
    assert_eq!(back.results.len(), 30);
    for res in &back.results {
        let n = res.samples.as_ref().unwrap().len();
        assert!(n <= 450, "{n}");
        // The series keeps its time span.
        assert_eq!(res.samples.as_ref().unwrap().at_ms[0], 3);
    }
    assert_eq!(back.attachments.len(), 16);
    for a in &back.attachments {
        assert!(a.content.len() < MAX_ATTACHMENT_BYTES, "{}", a.name);
        assert_eq!(
            a.truncated_from,
            Some(MAX_ATTACHMENT_BYTES as u64),
            "{}",
            a.name
        );
    }
    assert_eq!(
        notes[0],
        "samples of 30 test(s) thinned to at most 450 points to fit the registry's 8388608-byte envelope limit"
    );
    let cut = back.attachments[0].content.len();
    assert_eq!(cut, MAX_ATTACHMENT_BYTES / 2);
    assert!(notes.contains(&format!(
        "kernel-0.log cut from {MAX_ATTACHMENT_BYTES} to {cut} bytes to fit the registry's 8388608-byte envelope limit"
    )), "{notes:?}");
    assert_eq!(notes.len(), 17);
}

/// Thinning alone is enough when the series are what is large: attachments stay whole.
#[test]
fn series_are_thinned_before_any_attachment_is_cut() {
    let results: Vec<TestResult> = (0..40).map(|i| result(i, MAX_SAMPLES)).collect();
    let mut r = report(results, full_attachments()[..4].to_vec());
    let notes = budget::fit(&mut r, budget::max_report_bytes()).unwrap();
    assert!(r.to_json_pretty().len() <= budget::max_report_bytes());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("samples of 40 test(s) thinned to at most "));
    assert!(r.attachments.iter().all(|a| a.truncated_from.is_none()));
}

/// What trimming cannot shrink (a result's evidence) is refused with the size and the limit.
#[test]
fn a_report_that_cannot_fit_is_an_error_naming_its_size() {
    let mut big = result(0, 10);
    big.evidence.push(Evidence {
        label: "output".into(),
        text: "y".repeat(budget::max_report_bytes()),
    });
    let mut r = report(vec![big], full_attachments()[..1].to_vec());
    let Err(BudgetError::TooLarge { size, limit }) =
        budget::fit(&mut r, budget::max_report_bytes())
    else {
        panic!("it cannot fit");
    };
    assert_eq!(limit, budget::max_report_bytes());
    assert_eq!(size, r.to_json_pretty().len());
    assert!(r.attachments.is_empty(), "dropped on the way");
}
