//! The inventory as a table for people, in the spirit of `lshw -short`: a summary of the system,
//! then the devices grouped by category, each with its identity, driver, a driver mark (`ok`
//! bound, `MISSING` needed but none bound, `-` none needed), name and the one detail that matters
//! most for its bus. Pure formatting: reads nothing.

use std::fmt::Write as _;

use mxcert_core::inventory::{Device, Inventory, Withheld};

fn join_some(parts: &[Option<&str>], sep: &str) -> String {
    parts
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(sep)
}

/// Bytes as GiB/MiB with one decimal.
pub fn human_bytes(bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let b = bytes as f64;
    if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.1} MiB", b / MIB)
    }
}

fn summary(inv: &Inventory, out: &mut String) {
    let s = &inv.system;
    let mut rows: Vec<(&str, String)> = Vec::new();
    let mut system = join_some(&[s.vendor.as_deref(), s.product.as_deref()], " ");
    if let Some(t) = &s.chassis_type {
        system.push_str(&format!(" ({t})"));
    }
    if let Some(dt) = &s.devicetree {
        if let Some(model) = &dt.model {
            system = join_some(&[Some(system.as_str()), Some(model.as_str())], " ");
        }
    }
    rows.push((
        "System",
        if system.trim().is_empty() {
            "?".into()
        } else {
            system.trim().to_owned()
        },
    ));
    if let Some(b) = &s.board {
        rows.push((
            "Board",
            join_some(
                &[
                    b.vendor.as_deref(),
                    b.product.as_deref(),
                    b.version.as_deref(),
                ],
                " ",
            ),
        ));
    }
    if let Some(b) = &s.bios {
        let mut bios = join_some(&[b.vendor.as_deref(), b.version.as_deref()], " ");
        if let Some(d) = &b.date {
            bios.push_str(&format!(" ({d})"));
        }
        rows.push(("BIOS", bios));
    }
    if let Some(c) = &inv.hardware.cpu {
        let mut cpu = c
            .model
            .clone()
            .or(c.vendor.clone())
            .unwrap_or_else(|| "?".into());
        if let (Some(cores), Some(threads)) = (c.cores, c.threads) {
            cpu.push_str(&format!(", {cores} cores, {threads} threads"));
        }
        if let Some(mhz) = c.max_mhz {
            cpu.push_str(&format!(", up to {mhz} MHz"));
        }
        rows.push(("CPU", cpu));
    }
    if let Some(m) = &inv.hardware.memory {
        let mut mem = m.total_bytes.map(human_bytes).unwrap_or_else(|| "?".into());
        if let Some(first) = m.modules.first() {
            let kind = join_some(
                &[first.memory_type.as_deref(), first.form_factor.as_deref()],
                " ",
            );
            let speed = first
                .speed_mts
                .map(|s| format!(" {s} MT/s"))
                .unwrap_or_default();
            mem.push_str(&format!(", {} modules ({kind}{speed})", m.modules.len()));
        }
        rows.push(("Memory", mem));
    }
    if let Some(f) = &inv.hardware.firmware {
        let boot = f.boot_mode.as_deref().map(|m| match m {
            "uefi" => "UEFI".to_owned(),
            "legacy" => "legacy BIOS".to_owned(),
            other => other.to_owned(),
        });
        let sb = f
            .secure_boot
            .map(|on| format!("Secure Boot {}", if on { "on" } else { "off" }));
        let tpm = f
            .tpm
            .as_ref()
            .map(|t| format!("TPM {}", t.version.as_deref().unwrap_or("present")));
        rows.push((
            "Firmware",
            join_some(&[boot.as_deref(), sb.as_deref(), tpm.as_deref()], ", "),
        ));
    }
    let o = &inv.os;
    let kernel = o.kernel.as_ref().map(|k| format!("kernel {k}"));
    let os = join_some(
        &[
            o.name.as_deref().or(o.id.as_deref()),
            kernel.as_deref(),
            o.arch.as_deref(),
        ],
        ", ",
    );
    rows.push(("OS", if os.is_empty() { "?".into() } else { os }));
    if let Some(id) = &inv.machine_id {
        rows.push(("Machine", id.clone()));
    }
    for (k, v) in rows {
        let _ = writeln!(out, "{k:<9} {v}");
    }
}

/// The one detail worth showing for a device in a table.
fn detail(d: &Device) -> Option<String> {
    let g = |k: &str| d.details.get(k).map(String::as_str);
    match d.bus.as_str() {
        "block" => {
            let size = g("size_bytes")
                .and_then(|s| s.parse().ok())
                .map(human_bytes);
            Some(join_some(
                &[g("name"), size.as_deref(), g("transport")],
                ", ",
            ))
        }
        "net" => Some(join_some(&[g("interface"), g("type"), g("link")], ", ")),
        "input" => g("kind").map(str::to_owned),
        "drm" => g("connectors").map(str::to_owned),
        "power_supply" => {
            let cap = g("capacity_percent").map(|c| format!("{c}%"));
            let health = g("health_percent").map(|h| format!("health {h}%"));
            Some(join_some(
                &[g("type"), cap.as_deref(), health.as_deref()],
                ", ",
            ))
        }
        "thermal" | "hwmon" => g("temp_c").map(|t| format!("{t} °C")),
        "usb" => g("speed_mbps").map(|s| format!("{s} Mb/s")),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Renders an inventory as a table.
pub fn render(inv: &Inventory) -> String {
    let mut out = String::new();
    summary(inv, &mut out);
    let mut devices: Vec<&Device> = inv.devices.iter().collect();
    devices.sort_by(|a, b| {
        (a.category, &a.bus, &a.id, &a.path).cmp(&(b.category, &b.bus, &b.id, &b.path))
    });
    let id_w = devices
        .iter()
        .map(|d| d.id.len())
        .max()
        .unwrap_or(0)
        .clamp(10, 44);
    let drv_w = devices
        .iter()
        .filter_map(|d| d.driver.as_ref().map(String::len))
        .max()
        .unwrap_or(0)
        .clamp(6, 24);
    let mut current = None;
    for d in devices {
        if current != Some(d.category) {
            let count = inv
                .devices
                .iter()
                .filter(|x| x.category == d.category)
                .count();
            let _ = writeln!(out, "\n{} ({count})", d.category.name_en());
            current = Some(d.category);
        }
        let name = join_some(&[d.vendor_name.as_deref(), d.device_name.as_deref()], " ");
        let name = if name.is_empty() {
            "(unnamed)".to_owned()
        } else {
            name
        };
        let mark = match (&d.driver, d.needs_driver) {
            (Some(_), _) => "ok",
            (None, true) => "MISSING",
            (None, false) => "-",
        };
        let mut line = format!(
            "  {:<id_w$} {:<drv_w$} {:<7} {name}",
            d.id,
            d.driver.as_deref().unwrap_or("-"),
            mark
        );
        if let Some(detail) = detail(d) {
            line.push_str(&format!(" [{detail}]"));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if !inv.probe.notes.is_empty() {
        let _ = writeln!(out, "\nNotes");
        for note in &inv.probe.notes {
            let _ = writeln!(out, "  {note}");
        }
    }
    if !inv.probe.withheld.is_empty() {
        let _ = writeln!(
            out,
            "\nWithheld: {} private values (serial numbers, UUIDs, MAC addresses) were left out; `--show-withheld` lists where",
            inv.probe.withheld.len()
        );
    }
    out
}

/// The withheld list for `--show-withheld`: kind and where, never the value.
pub fn render_withheld(withheld: &[Withheld]) -> String {
    let mut out = String::new();
    if withheld.is_empty() {
        out.push_str("Nothing was withheld: no serial number, UUID or MAC address was seen.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "Withheld from the inventory ({}); the values are never shown or written:",
        withheld.len()
    );
    let w = withheld
        .iter()
        .map(|x| x.kind.as_str().len())
        .max()
        .unwrap_or(0);
    for x in withheld {
        let _ = writeln!(out, "  {:<w$}  {}", x.kind.as_str(), x.location);
    }
    out
}
