//! The size budget of a signed report: a report must fit, once base64-encoded in its DSSE
//! envelope, under the registry's request body limit, [`MAX_ENVELOPE_BYTES`] (8 MiB, the
//! registry's default `max_body_bytes`, which is this constant). A report may carry 4 MiB of
//! attachments and long sample series, which JSON escaping and base64 (4/3) can take past it.
//!
//! [`fit`] trims a report until its envelope fits, in this order, stopping as soon as it fits:
//! 1. sample series thinned (every other point kept, the series keeps its time span) down to at
//!    most 450 points each;
//! 2. the largest attachments cut (halving the most bytes any attachment may keep, from 128 KiB
//!    down to 4 KiB; each cut is recorded in the attachment's `truncated_from`);
//! 3. sample series thinned down to 60 points each;
//! 4. attachments dropped, largest first.
//!
//! What it did is returned as notes (the runner puts them into `attachment_notes`, so they are
//! signed with the report). A report that still does not fit (its results or inventory alone
//! are too large) is [`BudgetError::TooLarge`]; `mxcert submit` refuses such an envelope
//! before sending it.

use crate::attachment::{Attachment, MAX_ATTACHMENT_BYTES};
use crate::report::Report;

/// The largest envelope a registry accepts by default (its request body limit): 8 MiB.
pub const MAX_ENVELOPE_BYTES: usize = 8 * 1024 * 1024;
/// Room left in an envelope for everything but the payload: its field names, payload type and a
/// few signatures (one takes about 200 bytes).
pub const ENVELOPE_OVERHEAD: usize = 4096;

/// The size of the pretty envelope of a payload of `payload_len` bytes, at most (see
/// [`ENVELOPE_OVERHEAD`]).
pub fn envelope_len(payload_len: usize) -> usize {
    payload_len.div_ceil(3) * 4 + ENVELOPE_OVERHEAD
}

/// The largest report (payload) whose envelope fits in [`MAX_ENVELOPE_BYTES`].
pub const fn max_report_bytes() -> usize {
    (MAX_ENVELOPE_BYTES - ENVELOPE_OVERHEAD) / 4 * 3
}

/// Why a report cannot be made to fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error("the report is {size} bytes even with its series thinned and its attachments dropped; a signed report must be at most {limit} bytes to fit the registry's {MAX_ENVELOPE_BYTES}-byte envelope limit")]
    TooLarge { size: usize, limit: usize },
}

/// One trimming step, applied on top of the ones before.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Thin every series to at most this many points.
    Series(usize),
    /// Cut every attachment to at most this many bytes.
    Attachments(usize),
    /// Drop the largest attachment.
    DropLargest,
}

const STEPS: [Step; 11] = [
    Step::Series(1800),
    Step::Series(900),
    Step::Series(450),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 2),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 4),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 8),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 16),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 32),
    Step::Attachments(MAX_ATTACHMENT_BYTES / 64),
    Step::Series(120),
    Step::Series(60),
];

fn fits(report: &Report, limit: usize) -> Result<(), usize> {
    let size = report.to_json_pretty().len();
    if size <= limit {
        Ok(())
    } else {
        Err(size)
    }
}

fn apply(report: &mut Report, step: Step) {
    match step {
        Step::Series(max) => {
            for r in &mut report.results {
                if let Some(s) = r.samples.as_mut().filter(|s| s.len() > max) {
                    **s = s.thinned(max);
                }
            }
        }
        Step::Attachments(max) => {
            for a in &mut report.attachments {
                if a.content.len() > max {
                    let original = a.truncated_from.unwrap_or(a.content.len() as u64);
                    let content = std::mem::take(&mut a.content);
                    *a = Attachment::new(
                        &a.name,
                        media_type(&a.media_type),
                        content,
                        max,
                        Some(original),
                    );
                }
            }
        }
        Step::DropLargest => {
            if let Some(i) =
                (0..report.attachments.len()).max_by_key(|&i| report.attachments[i].content.len())
            {
                report.attachments.remove(i);
            }
        }
    }
}

/// The media type as one of the allowed ones (attachments keep theirs).
fn media_type(m: &str) -> &'static str {
    crate::attachment::MEDIA_TYPES
        .into_iter()
        .find(|t| *t == m)
        .unwrap_or(crate::attachment::MEDIA_TYPES[0])
}

/// Trims `report` until it is at most `limit` bytes as [`Report::to_json_pretty`] writes it (use
/// [`max_report_bytes`]); returns a note for each thing trimmed. See the module documentation
/// for the order.
pub fn fit(report: &mut Report, limit: usize) -> Result<Vec<String>, BudgetError> {
    let Err(mut size) = fits(report, limit) else {
        return Ok(Vec::new());
    };
    let before_series: Vec<usize> = report
        .results
        .iter()
        .map(|r| r.samples.as_ref().map_or(0, |s| s.len()))
        .collect();
    let before_attachments: Vec<(String, usize)> = report
        .attachments
        .iter()
        .map(|a| (a.name.clone(), a.content.len()))
        .collect();
    let mut fitted = false;
    let steps = STEPS.iter().copied().chain(std::iter::repeat_n(
        Step::DropLargest,
        report.attachments.len(),
    ));
    for step in steps {
        apply(report, step);
        match fits(report, limit) {
            Ok(()) => {
                fitted = true;
                break;
            }
            Err(s) => size = s,
        }
    }
    if !fitted {
        return Err(BudgetError::TooLarge { size, limit });
    }
    let why = format!("to fit the registry's {MAX_ENVELOPE_BYTES}-byte envelope limit");
    let mut notes = Vec::new();
    let thinned: Vec<usize> = report
        .results
        .iter()
        .zip(&before_series)
        .filter(|(r, &n)| r.samples.as_ref().map_or(0, |s| s.len()) < n)
        .map(|(r, _)| r.samples.as_ref().map_or(0, |s| s.len()))
        .collect();
    if let Some(most) = thinned.iter().max() {
        notes.push(format!(
            "samples of {} test(s) thinned to at most {most} points {why}",
            thinned.len()
        ));
    }
    for (name, len) in before_attachments {
        match report.attachments.iter().find(|a| a.name == name) {
            None => notes.push(format!("{name} left out ({len} bytes) {why}")),
            Some(a) if a.content.len() < len => notes.push(format!(
                "{name} cut from {len} to {} bytes {why}",
                a.content.len()
            )),
            Some(_) => {}
        }
    }
    Ok(notes)
}
