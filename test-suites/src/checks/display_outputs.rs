//! `display.outputs`: every connected display output has a valid EDID and an active mode.
//!
//! Reads `ROOT/sys/class/drm/cardN-CONNECTOR/{status,enabled,modes,edid}` and the GPU's driver
//! (`cardN/device/driver`); decodes each EDID with [`mxcert_core::edid`] (the serial number is
//! never read out of it). Built-in panels are the eDP, LVDS and DSI connectors; with
//! `require_builtin_panel` one must be connected. Bounded by the number of connectors (an EDID
//! is at most 32 KiB; more is not read).
//!
//! Whether the picture looks right is for a person: plans follow this check with a `manual`
//! test asking the tester to confirm the picture on each output listed in the `outputs`
//! evidence (and, with `after_suspend`, again after resume). Skipped when the machine has no DRM
//! connector (a server or a VM without a display).

use std::io::Read;

use mxcert_core::edid;
use mxcert_core::plan::params::DisplayOutputs;

use crate::root;
use crate::{Context, Outcome};

/// The largest EDID: a base block and 255 extension blocks.
const MAX_EDID: u64 = 256 * 128;

/// Whether a connector name (`eDP-1`, `LVDS-1`, `DSI-1`) is a built-in panel.
pub fn is_builtin(connector: &str) -> bool {
    let kind = connector.rsplit_once('-').map_or(connector, |(k, _)| k);
    matches!(kind, "eDP" | "LVDS" | "DSI")
}

fn read_edid(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_EDID)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn run(p: &DisplayOutputs, ctx: &Context) -> Outcome {
    let class = ctx.path("/sys/class/drm");
    let connectors: Vec<(String, String)> = root::dir_names(&class)
        .into_iter()
        .filter_map(|n| {
            let (card, conn) = n.split_once('-')?;
            let is_card = card
                .strip_prefix("card")
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            (is_card && !p.ignore.iter().any(|i| i == conn))
                .then(|| (card.to_owned(), conn.to_owned()))
        })
        .collect();
    if connectors.is_empty() {
        return Outcome::skip(
            "no display connector (/sys/class/drm/card*-*): no display output to test",
        );
    }
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    let mut connected = 0usize;
    let mut builtin = 0usize;
    for (card, conn) in &connectors {
        let dir = class.join(format!("{card}-{conn}"));
        let status = root::attr(&dir.join("status")).unwrap_or_else(|| "unknown".into());
        if status != "connected" {
            continue;
        }
        connected += 1;
        if is_builtin(conn) {
            builtin += 1;
        }
        let driver = root::link_name(&class.join(card).join("device/driver"))
            .unwrap_or_else(|| "no driver".into());
        let enabled = root::attr(&dir.join("enabled")).unwrap_or_default();
        let mode = root::attr(&dir.join("modes"))
            .and_then(|m| m.lines().next().map(str::to_owned))
            .filter(|m| !m.is_empty());
        let kind = if is_builtin(conn) {
            "built-in"
        } else {
            "external"
        };
        let display = match read_edid(&dir.join("edid")) {
            Err(e) => {
                failures.push(format!("{conn}: its EDID cannot be read: {e}"));
                "EDID unreadable".to_owned()
            }
            Ok(bytes) => match edid::decode(&bytes) {
                Err(e) => {
                    failures.push(format!("{conn}: {e}"));
                    format!("no valid EDID ({e})")
                }
                Ok(e) => {
                    let mut s = e.summary();
                    if !e.notes.is_empty() {
                        s.push_str(&format!(" [{}]", e.notes.join("; ")));
                    }
                    if e.preferred_mode.is_none() && e.name.is_none() && e.text.is_empty() {
                        failures.push(format!("{conn}: the EDID names no display and no mode"));
                    }
                    s
                }
            },
        };
        match (&mode, enabled.as_str()) {
            (Some(_), "enabled") => {}
            (None, _) => failures.push(format!("{conn}: connected but lists no mode")),
            (Some(_), e) => failures.push(format!(
                "{conn}: connected but not enabled ({})",
                if e.is_empty() { "state unknown" } else { e }
            )),
        }
        lines.push(format!(
            "{card} ({driver}) {conn}, {kind}: {display}; mode {}, {}",
            mode.as_deref().unwrap_or("none"),
            if enabled.is_empty() {
                "state unknown"
            } else {
                &enabled
            }
        ));
    }
    if connected == 0 {
        failures.push(format!(
            "none of the {} display connectors has a display connected",
            connectors.len()
        ));
    }
    if p.require_builtin_panel && builtin == 0 {
        failures.push("no built-in panel (eDP, LVDS or DSI) is connected".to_owned());
    }
    Outcome::pass_unless(
        &failures,
        format!("{connected} connected outputs ({builtin} built-in), each with a valid EDID and an active mode"),
    )
    .evidence("outputs", lines.join("\n"))
    .measure("connected_outputs", connected as f64, "outputs")
}
