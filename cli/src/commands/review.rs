//! `mxcert review list|show|comment|approve|reject|revoke`: the Foundation reviewers' side of the
//! workflow — the queue, a submission with its automated checks and its diff to the previous
//! submission of the same model, decisions, and certificate revocation.

use serde_json::{json, Value};

use crate::args::{
    ApproveArgs, RejectArgs, ReviewListArgs, RevokeArgs, SubmissionShowArgs, TextOrJson,
};
use crate::client::Client;
use crate::commands::submissions::{
    path, print_decision, print_json, render_detail, render_list, segment, text,
};
use crate::error::Result;
use crate::exit;
use crate::output;

pub fn list(args: &ReviewListArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let mut query = format!("/api/v1/submissions?limit={}", args.limit);
    if !args.all {
        query.push_str(&format!("&status={}", segment(&args.status)));
    }
    if let Some(org) = &args.org {
        query.push_str(&format!("&org={}", segment(org)));
    }
    let list: Value = client.get_json(&query)?;
    match args.format {
        TextOrJson::Json => print_json(&list)?,
        TextOrJson::Text => output::write_stdout(render_list(&list).as_bytes())?,
    }
    Ok(exit::SUCCESS)
}

/// What changed since the previous submission, as text.
pub fn render_diff(diff: &Value) -> String {
    let mut out = format!("\nchanges since {}\n", text(diff, "/previous_id"));
    let opt = |v: &Value| v.as_str().unwrap_or("none").to_owned();
    let mut any = false;
    for c in diff["changes"].as_array().into_iter().flatten() {
        any = true;
        out.push_str(&format!(
            "  {}: {} -> {}\n",
            text(c, "/field"),
            opt(&c["before"]),
            opt(&c["after"])
        ));
    }
    for (sign, key) in [("+", "devices_added"), ("-", "devices_removed")] {
        for d in diff[key].as_array().into_iter().flatten() {
            any = true;
            out.push_str(&format!(
                "  {sign} device {} ({}) {} [{}]\n",
                text(d, "/identity"),
                text(d, "/category"),
                text(d, "/name"),
                d["driver"].as_str().unwrap_or("no driver")
            ));
        }
    }
    for c in diff["driver_changes"].as_array().into_iter().flatten() {
        any = true;
        out.push_str(&format!(
            "  driver of {}: {} -> {}\n",
            text(c, "/field"),
            opt(&c["before"]),
            opt(&c["after"])
        ));
    }
    for c in diff["result_changes"].as_array().into_iter().flatten() {
        any = true;
        out.push_str(&format!(
            "  test {}: {} -> {}\n",
            text(c, "/field"),
            opt(&c["before"]),
            opt(&c["after"])
        ));
    }
    if !any {
        out.push_str("  nothing\n");
    }
    out
}

pub fn show(args: &SubmissionShowArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let detail: Value = client.get_json(&path(&args.id))?;
    let diff: Option<Value> = match detail["previous_id"].as_str() {
        Some(_) => Some(client.get_json(&format!("{}/diff", path(&args.id)))?),
        None => None,
    };
    match args.format {
        TextOrJson::Json => print_json(&json!({ "submission": detail, "diff": diff }))?,
        TextOrJson::Text => {
            let mut out = render_detail(&detail);
            if let Some(d) = &diff {
                out.push_str(&render_diff(d));
            }
            output::write_stdout(out.as_bytes())?;
        }
    }
    Ok(exit::SUCCESS)
}

pub fn approve(args: &ApproveArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let answer: Value = client.post_json(
        &format!("{}/approve", path(&args.id)),
        &json!({ "comment": args.comment }),
    )?;
    print_decision(&answer, args.format, "approved")
}

pub fn reject(args: &RejectArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let answer: Value = client.post_json(
        &format!("{}/reject", path(&args.id)),
        &json!({ "reason": args.reason }),
    )?;
    print_decision(&answer, args.format, "rejected")
}

pub fn revoke(args: &RevokeArgs) -> Result<u8> {
    let client = Client::new(&args.registry)?;
    let answer: Value = client.post_json(
        &format!(
            "/api/v1/certificates/{}/revoke",
            segment(&args.certificate_id)
        ),
        &json!({ "reason": args.reason }),
    )?;
    match args.format {
        TextOrJson::Json => print_json(&answer)?,
        TextOrJson::Text => output::write_stdout(
            format!(
                "revoked {}: {}\n",
                text(&answer, "/id"),
                text(&answer, "/revocation_reason")
            )
            .as_bytes(),
        )?,
    }
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_list_every_kind_of_change() {
        let d = json!({
            "previous_id": "p1",
            "changes": [{"field": "plan.version", "before": "0.9", "after": "1.0"}],
            "devices_added": [{"identity": "usb:04f2:b7b6", "category": "camera", "name": "Chicony Integrated Camera", "driver": "uvcvideo"}],
            "devices_removed": [],
            "driver_changes": [{"field": "pci:8086:a7a1", "before": null, "after": "i915"}],
            "result_changes": [{"field": "drivers", "before": "fail", "after": "pass"}]
        });
        let text = render_diff(&d);
        assert!(text.contains("changes since p1"));
        assert!(text.contains("  plan.version: 0.9 -> 1.0\n"));
        assert!(text
            .contains("  + device usb:04f2:b7b6 (camera) Chicony Integrated Camera [uvcvideo]\n"));
        assert!(text.contains("  driver of pci:8086:a7a1: none -> i915\n"));
        assert!(text.contains("  test drivers: fail -> pass\n"));
        let empty = render_diff(
            &json!({"previous_id": "p", "changes": [], "devices_added": [], "devices_removed": [], "driver_changes": [], "result_changes": []}),
        );
        assert!(empty.ends_with("  nothing\n"));
    }
}
