//! `mxcert probe`: print this machine's inventory as a table or as JSON.

use std::fmt::Write as _;

use mxcert_core::inventory::Inventory;

use crate::args::{ProbeArgs, TableOrJson};
use crate::error::{CliError, Result};
use crate::{exit, output, probe};

pub fn probe(args: &ProbeArgs) -> Result<u8> {
    let inventory = probe::probe_live().map_err(|e| CliError::Environment(e.to_string()))?;
    let bytes = match args.format {
        TableOrJson::Json => mxcert_core::format::to_json_pretty(&inventory),
        TableOrJson::Table => table(&inventory).into_bytes(),
    };
    output::write_output(args.out.as_deref(), &bytes)?;
    Ok(exit::SUCCESS)
}

/// Devices grouped by category, in the spirit of `lshw -short`: name, identity, driver, and a mark
/// for devices that need a driver and have none.
pub fn table(inv: &Inventory) -> String {
    let mut out = String::new();
    let s = &inv.system;
    let _ = writeln!(
        out,
        "System: {} {}",
        s.vendor.as_deref().unwrap_or("?"),
        s.product.as_deref().unwrap_or("?")
    );
    let _ = writeln!(
        out,
        "OS:     {} (kernel {}, {})",
        inv.os
            .name
            .as_deref()
            .or(inv.os.id.as_deref())
            .unwrap_or("?"),
        inv.os.kernel.as_deref().unwrap_or("?"),
        inv.os.arch.as_deref().unwrap_or("?")
    );
    let mut devices: Vec<_> = inv.devices.iter().collect();
    devices.sort_by_key(|d| (d.category, d.id.clone()));
    let mut current = None;
    for d in devices {
        if current != Some(d.category) {
            let _ = writeln!(out, "\n{}", d.category.name_en());
            current = Some(d.category);
        }
        let name = match (&d.vendor_name, &d.device_name) {
            (Some(v), Some(n)) => format!("{v} {n}"),
            (Some(v), None) => v.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => String::from("(unnamed)"),
        };
        let (mark, driver) = match (&d.driver, d.needs_driver) {
            (Some(drv), _) => ("ok", drv.as_str()),
            (None, true) => ("NO DRIVER", "-"),
            (None, false) => ("", "-"),
        };
        let _ = writeln!(out, "  {:<28} {:<16} {:<10} {}", d.id, driver, mark, name);
    }
    for note in &inv.probe.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}
