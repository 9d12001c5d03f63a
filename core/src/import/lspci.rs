//! `lspci -nn` text: `[DDDD:]BB:DD.F CLASS [cccc]: DESCRIPTION [vvvv:dddd] (rev rr) (prog-if pp
//! [...])`, and with `-k` or `-v` indented lines below each device: `Subsystem: ... [ssss:ssss]`,
//! `Kernel driver in use: i915`, `Kernel modules: i915, xe`. Other indented lines are ignored. A
//! device line without `[vendor:device]` ids is an error: the input was made without `-nn`.
//! Warnings of lspci and pciutils mixed into the capture (`lspci: Unable to load libkmod
//! resources`, `pcilib: sysfs_read_vpd: read failed: ...`, even in the middle of a line) are
//! taken out and noted ([`super::messages`]); other unindented lines that are not device lines
//! are skipped and noted, unless there are too many of them ([`Skipped`]).

use crate::category::Category;
use crate::devices::pci_needs_driver;
use crate::identity::Identity;
use crate::inventory::Device;
use crate::privacy::Withholding;

use super::{messages, split_names, text_inventory, Format, ImportError, ImportOptions, Skipped};

fn hex_n(s: &str, n: usize) -> Option<u32> {
    let h = s.get(..n)?;
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(h, 16).ok()
}

/// Parses a slot at the start of a line: `0000:00:02.0 ` or `00:02.0 `; returns it in full form
/// and the rest of the line.
fn slot(line: &str) -> Option<(String, &str)> {
    let (domain, rest) = match (hex_n(line, 4), line.get(4..5)) {
        (Some(d), Some(":")) => (d, &line[5..]),
        _ => (0, line),
    };
    let bus = hex_n(rest, 2)?;
    if rest.get(2..3)? != ":" {
        return None;
    }
    let dev = hex_n(rest.get(3..)?, 2)?;
    if rest.get(5..6)? != "." {
        return None;
    }
    let func = hex_n(rest.get(6..)?, 1)?;
    if func > 7 || rest.get(7..8)? != " " {
        return None;
    }
    Some((
        format!("{domain:04x}:{bus:02x}:{dev:02x}.{func}"),
        &rest[8..],
    ))
}

/// Whether a line starts like an `lspci` device line.
pub(super) fn is_device_line(line: &str) -> bool {
    slot(line).is_some()
}

/// The last `[hhhh:hhhh]` in a text: its position and the two ids.
fn last_id_pair(text: &str) -> Option<(usize, u16, u16)> {
    let b = text.as_bytes();
    (0..b.len()).rev().find_map(|i| {
        if b[i] != b'[' || b.get(i + 5) != Some(&b':') || b.get(i + 10) != Some(&b']') {
            return None;
        }
        let v = u16::try_from(hex_n(text.get(i + 1..)?, 4)?).ok()?;
        let d = u16::try_from(hex_n(text.get(i + 6..)?, 4)?).ok()?;
        Some((i, v, d))
    })
}

/// `CLASS NAME [cccc]: rest` → the 16-bit class and the rest.
fn class(text: &str) -> Option<(u32, &str)> {
    let b = text.as_bytes();
    (0..b.len()).find_map(|i| {
        if b[i] != b'[' || text.get(i + 5..i + 8) != Some("]: ") {
            return None;
        }
        Some((hex_n(text.get(i + 1..)?, 4)?, &text[i + 8..]))
    })
}

struct Pending {
    device: Device,
    vendor: u16,
    product: u16,
    description: String,
}

pub(super) fn import(
    text: &str,
    opts: &ImportOptions<'_>,
) -> Result<crate::inventory::Inventory, ImportError> {
    let mut found: Vec<Pending> = Vec::new();
    let unmixed = messages::unmix(text, |l| {
        l.is_empty() || l.starts_with(char::is_whitespace) || is_device_line(l)
    });
    let mut notes = unmixed.notes;
    let mut skipped = Skipped::default();
    for (index, (n, line)) in unmixed.lines.iter().enumerate() {
        opts.cancel.check_every(index)?;
        let (n, line) = (*n, line.as_ref());
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            let Some(current) = found.last_mut() else {
                return Err(ImportError::Invalid {
                    line: n,
                    message: "indented line before any device line".into(),
                });
            };
            continuation(current, line.trim());
            continue;
        }
        let Some((slot, rest)) = slot(line) else {
            if found.is_empty() {
                return Err(ImportError::Invalid {
                    line: n,
                    message: format!(
                        "expected a device line starting with a PCI address such as `00:02.0`, found {}",
                        super::shown(line)
                    ),
                });
            }
            skipped.add(n, line, "line that is neither a device line nor indented");
            continue;
        };
        let Some((class16, after_class)) = class(rest) else {
            return Err(ImportError::Invalid {
                line: n,
                message: format!(
                    "no `[cccc]` class code in {}; run `lspci -nn` (or `-nnk`)",
                    super::shown(line)
                ),
            });
        };
        let Some((at, vendor, product)) = last_id_pair(after_class) else {
            return Err(ImportError::Invalid {
                line: n,
                message: format!(
                    "no `[vendor:device]` ids in {}; run `lspci -nn` (or `-nnk`)",
                    super::shown(line)
                ),
            });
        };
        let tail = &after_class[at + 11..];
        let prog_if = tail
            .split("(prog-if ")
            .nth(1)
            .and_then(|p| hex_n(p, 2))
            .unwrap_or(0);
        let class = (class16 << 8) | prog_if;
        let mut device = Device {
            bus: "pci".into(),
            category: Category::from_pci_class(class),
            class: Some(format!("0x{class:06x}")),
            needs_driver: pci_needs_driver(class),
            ..Device::default()
        };
        device.details.insert("slot".into(), slot);
        if let Some(rev) = tail.split("(rev ").nth(1).and_then(|r| hex_n(r, 2)) {
            device
                .details
                .insert("revision".into(), format!("0x{rev:02x}"));
        }
        found.push(Pending {
            device,
            vendor,
            product,
            description: after_class[..at].trim().to_owned(),
        });
    }
    skipped.finish(text.lines().count(), &mut notes)?;
    let db = opts.pci_ids.map(|f| &f.db);
    let mut devices = Vec::with_capacity(found.len());
    for p in found {
        let mut d = p.device;
        let subsystem = d
            .details
            .remove("subsystem_ids")
            .and_then(|s| {
                let (a, b) = s.split_once(':')?;
                Some((
                    u16::from_str_radix(a, 16).ok()?,
                    u16::from_str_radix(b, 16).ok()?,
                ))
            })
            .filter(|s| *s != (0, 0));
        d.id = Identity::pci(p.vendor, p.product, subsystem).to_string();
        let (vendor_name, device_name) =
            split_names(&p.description, db.and_then(|db| db.vendor(p.vendor)));
        d.vendor_name = vendor_name;
        d.device_name = device_name;
        devices.push(d);
    }
    Ok(text_inventory(
        Format::Lspci,
        opts,
        devices,
        notes,
        &Withholding::new(),
    ))
}

/// An indented line below a device.
fn continuation(p: &mut Pending, line: &str) {
    if let Some(rest) = line.strip_prefix("Subsystem:") {
        if let Some((_, sv, sd)) = last_id_pair(rest) {
            p.device
                .details
                .insert("subsystem_ids".into(), format!("{sv:04x}:{sd:04x}"));
        }
    } else if let Some(driver) = line.strip_prefix("Kernel driver in use:") {
        let driver = driver.trim();
        if !driver.is_empty() {
            p.device.driver = Some(driver.to_owned());
        }
    } else if let Some(modules) = line.strip_prefix("Kernel modules:") {
        let mut m: Vec<String> = modules
            .split(',')
            .map(|m| m.trim().replace('-', "_"))
            .filter(|m| !m.is_empty())
            .collect();
        m.sort();
        m.dedup();
        p.device.modules = m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_options as opts;

    #[test]
    fn reads_lspci_nnk() {
        let text = "00:00.0 Host bridge [0600]: Intel Corporation Device [8086:0d57]\n00:02.0 VGA compatible controller [0300]: Intel Corporation TigerLake-LP GT2 [Iris Xe Graphics] [8086:9a49] (rev 01)\n\tSubsystem: Dell Device [1028:0a1f]\n\tKernel driver in use: i915\n\tKernel modules: i915, xe\n0000:00:14.0 USB controller [0c03]: Intel Corporation Device [8086:a0ed] (rev 20) (prog-if 30 [XHCI])\n";
        let inv = import(text, &opts()).unwrap();
        assert_eq!(inv.devices.len(), 3);
        let gpu = &inv.devices[1];
        assert_eq!(gpu.id, "pci:8086:9a49:1028:0a1f");
        assert_eq!(gpu.category, Category::Graphics);
        assert_eq!(gpu.driver.as_deref(), Some("i915"));
        assert_eq!(gpu.modules, ["i915", "xe"]);
        assert_eq!(
            gpu.device_name.as_deref(),
            Some("Intel Corporation TigerLake-LP GT2 [Iris Xe Graphics]")
        );
        assert_eq!(gpu.details["revision"], "0x01");
        assert!(!inv.devices[0].needs_driver);
        assert_eq!(inv.devices[2].class.as_deref(), Some("0x0c0330"));
        assert_eq!(inv.devices[2].details["slot"], "0000:00:14.0");
    }

    #[test]
    fn without_ids_it_says_to_use_nn() {
        let e = import(
            "00:02.0 VGA compatible controller: Intel Corporation Device\n",
            &opts(),
        )
        .unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert!(e.to_string().contains("lspci -nn"), "{e}");
        let e = import(
            &format!(
                "00:02.0 VGA [0300]: Intel [8086:9a49]\n{}",
                "random junk\n".repeat(30)
            ),
            &opts(),
        )
        .unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert!(e.to_string().contains("30 of 31 lines"), "{e}");
    }
}
