//! `mxcert submissions list|show|comment|withdraw`: a vendor follows its own submissions — status,
//! the registry's automated checks, failed tests, reviewers' comments and the decision.
//!
//! Also the text rendering of a submission shared with `mxcert review show`. This module only
//! talks to the registry's workflow API (`/api/v1/submissions`); it never reads local reports.

use serde_json::{json, Value};

use crate::args::{CommentArgs, SubmissionShowArgs, SubmissionsListArgs, TextOrJson, WithdrawArgs};
use crate::client::Client;
use crate::error::Result;
use crate::exit;
use crate::output;

/// A string field of a JSON answer, or `-`.
pub fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("-")
}

fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Writes a JSON answer as pretty JSON.
pub fn print_json(v: &Value) -> Result<()> {
    output::write_stdout(&mxcert_core::format::to_json_pretty(v))
}

/// Percent-encodes a path segment (ids are plain, but never trust input to be).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The API path of a submission.
pub fn path(id: &str) -> String {
    format!("/api/v1/submissions/{}", segment(id))
}

/// A table of submissions, one per line.
pub fn render_list(list: &Value) -> String {
    let mut out = String::from("ID\tSTATUS\tSYSTEM\tPLAN\tVERDICT\tSUBMITTED\n");
    for s in list["submissions"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}\t{}\t{}\t{} {}\t{}\t{}\n",
            text(s, "/id"),
            text(s, "/status"),
            text(s, "/system/display_name"),
            text(s, "/plan/id"),
            text(s, "/plan/version"),
            text(s, "/summary/verdict"),
            text(s, "/submitted_at"),
        ));
    }
    out
}

/// A submission as a reviewer or its vendor reads it.
pub fn render_detail(d: &Value) -> String {
    let mut out = format!("submission {}  {}\n", text(d, "/id"), text(d, "/status"));
    let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<13}{value}\n"));
    line("organisation", text(d, "/org_name").into());
    let mut system = text(d, "/system/display_name").to_owned();
    for (label, p) in [
        ("family", "/system/family"),
        ("board", "/system/board"),
        ("sku", "/system/sku"),
    ] {
        if let Some(v) = d.pointer(p).and_then(Value::as_str) {
            system.push_str(&format!(", {label} {v}"));
        }
    }
    line("system", system);
    line(
        "os",
        format!(
            "{} {} (kernel {}, {})",
            text(d, "/os/id"),
            text(d, "/os/version"),
            text(d, "/os/kernel"),
            text(d, "/os/arch")
        ),
    );
    line(
        "plan",
        format!("{} {}", text(d, "/plan/id"), text(d, "/plan/version")),
    );
    line(
        "tool",
        format!("{} {}", text(d, "/tool/name"), text(d, "/tool/version")),
    );
    line(
        "results",
        format!(
            "{} tests: {} pass, {} fail, {} skip, {} error, {} timeout; verdict {}",
            int(d, "/summary/total"),
            int(d, "/summary/pass"),
            int(d, "/summary/fail"),
            int(d, "/summary/skip"),
            int(d, "/summary/error"),
            int(d, "/summary/timeout"),
            text(d, "/summary/verdict")
        ),
    );
    line("devices", int(d, "/device_count").to_string());
    line("submitted", text(d, "/submitted_at").into());
    line(
        "report",
        format!("{} (key {})", text(d, "/report_id"), text(d, "/keyid")),
    );
    if let Some(p) = d["previous_id"].as_str() {
        line("previous", p.into());
    }
    if let Some(at) = d["decided_at"].as_str() {
        line(
            "decided",
            format!(
                "{at}: {}",
                d["decision_comment"].as_str().unwrap_or("(no comment)")
            ),
        );
    }
    if let Some(c) = d["certificate_id"].as_str() {
        line("certificate", c.into());
    }
    out.push_str("\nautomated checks\n");
    for c in d["automated_checks"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {:<5} {:<16} {}\n",
            text(c, "/outcome"),
            text(c, "/name"),
            text(c, "/message")
        ));
    }
    let not_passed: Vec<&Value> = d["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] != "pass")
        .collect();
    if !not_passed.is_empty() {
        out.push_str("\ntests that did not pass\n");
        for r in not_passed {
            out.push_str(&format!(
                "  {:<7} {} ({}{}){}\n",
                text(r, "/status"),
                text(r, "/test_id"),
                text(r, "/check"),
                if r["blocker"] == true {
                    ", blocker"
                } else {
                    ""
                },
                r["message"]
                    .as_str()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ));
        }
    }
    let comments = d["comments"].as_array().cloned().unwrap_or_default();
    if !comments.is_empty() {
        out.push_str("\ncomments\n");
        for c in &comments {
            out.push_str(&format!(
                "  {} {} ({}): {}\n",
                text(c, "/created_at"),
                text(c, "/author_name"),
                text(c, "/author_role"),
                text(c, "/body")
            ));
        }
    }
    out
}

/// Prints an answer `{"id","status",...}` to a decision.
pub fn print_decision(answer: &Value, format: TextOrJson, verb: &str) -> Result<u8> {
    match format {
        TextOrJson::Json => print_json(answer)?,
        TextOrJson::Text => {
            let mut line = format!(
                "{verb} {}: {}",
                text(answer, "/id"),
                text(answer, "/status")
            );
            if let Some(c) = answer["certificate_id"].as_str() {
                line.push_str(&format!("; certificate {c}"));
            }
            line.push('\n');
            output::write_stdout(line.as_bytes())?;
        }
    }
    Ok(exit::SUCCESS)
}

pub fn list(args: &SubmissionsListArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let mut query = format!("/api/v1/submissions?limit={}", args.limit);
    if let Some(s) = &args.status {
        query.push_str(&format!("&status={}", segment(s)));
    }
    let list: Value = client.get_json(&query)?;
    match args.format {
        TextOrJson::Json => print_json(&list)?,
        TextOrJson::Text => output::write_stdout(render_list(&list).as_bytes())?,
    }
    Ok(exit::SUCCESS)
}

pub fn show(args: &SubmissionShowArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let detail: Value = client.get_json(&path(&args.id))?;
    match args.format {
        TextOrJson::Json => print_json(&detail)?,
        TextOrJson::Text => output::write_stdout(render_detail(&detail).as_bytes())?,
    }
    Ok(exit::SUCCESS)
}

pub fn comment(args: &CommentArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let _: Value = client.post_json(
        &format!("{}/comments", path(&args.id)),
        &json!({ "comment": args.message }),
    )?;
    eprintln!("commented on {}", args.id);
    Ok(exit::SUCCESS)
}

pub fn withdraw(args: &WithdrawArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let answer: Value = client.post_json(
        &format!("{}/withdraw", path(&args.id)),
        &json!({ "reason": args.reason }),
    )?;
    print_decision(&answer, args.format, "withdrew")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(segment("MX-2026-000001"), "MX-2026-000001");
        assert_eq!(segment("a/../b c"), "a%2F..%2Fb%20c");
    }

    #[test]
    fn details_show_checks_failures_and_comments() {
        let d = json!({
            "id": "s1", "status": "checks_failed", "org_name": "Acme",
            "system": {"display_name": "LENOVO 21HM", "board": "21HMCTO1WW"},
            "os": {"id": "mxos", "version": "1.0", "kernel": "6.1", "arch": "x86_64"},
            "plan": {"id": "quick", "version": "1.0"}, "tool": {"name": "mxcert", "version": "0.1.0"},
            "summary": {"total": 2, "pass": 1, "fail": 1, "skip": 0, "error": 0, "timeout": 0, "verdict": "not_certifiable"},
            "device_count": 4, "submitted_at": "2026-01-01T00:00:00Z", "report_id": "r", "keyid": "k",
            "previous_id": null, "decided_at": null, "certificate_id": null,
            "automated_checks": [{"name": "blockers", "outcome": "fail", "message": "blocker tests did not pass: drivers"}],
            "results": [{"test_id": "drivers", "check": "devices.drivers", "blocker": true, "status": "fail", "message": "1 device without a driver"},
                        {"test_id": "storage-rw", "check": "storage.rw-verify", "blocker": false, "status": "pass"}],
            "comments": [{"created_at": "2026-01-02", "author_name": "Luz", "author_role": "reviewer", "body": "falta el controlador"}]
        });
        let text = render_detail(&d);
        assert!(text.contains("submission s1  checks_failed"), "{text}");
        assert!(text.contains("LENOVO 21HM, board 21HMCTO1WW"), "{text}");
        assert!(
            text.contains("  fail  blockers         blocker tests did not pass: drivers"),
            "{text}"
        );
        assert!(
            text.contains(
                "  fail    drivers (devices.drivers, blocker): 1 device without a driver"
            ),
            "{text}"
        );
        assert!(!text.contains("storage-rw"), "{text}");
        assert!(
            text.contains("Luz (reviewer): falta el controlador"),
            "{text}"
        );
    }
}
