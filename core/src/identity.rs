//! Device identity strings: the stable keys the registry files compatibility data under.
//!
//! | bus | form | example |
//! |---|---|---|
//! | PCI | `pci:vvvv:dddd[:ssss:ssss]` (vendor, device, subsystem vendor, subsystem device) | `pci:8086:9a49:1028:0b19` |
//! | USB | `usb:vvvv:pppp` (vendor, product) | `usb:046d:c52b` |
//! | SDIO | `sdio:vvvv:dddd` | `sdio:02d0:a9a6` |
//! | virtio | `virtio:vvvv:dddd` (vendor, virtio device id) | `virtio:1af4:0002` |
//! | HD-audio codec | `hdaudio:vvvv:dddd` (from the codec's `vendor_id`) | `hdaudio:10ec:0257` |
//! | input | `input:bbbb:vvvv:pppp` (bus type, vendor, product) | `input:0018:06cb:ce26` |
//! | ACPI / PNP | `acpi:ID` (the first id of the modalias) | `acpi:pnp0c0a` |
//! | device tree | `of:COMPATIBLE` (the first compatible string) | `of:brcm,bcm2711-pcie` |
//! | platform | `platform:NAME` (the modalias name, without the instance number) | `platform:intel_pmc_core` |
//! | block | `block:MODEL`, else `block:TRANSPORT` | `block:samsung_ssd_980_pro_1tb` |
//! | net, drm, video4linux, bluetooth, sound | `BUS:DRIVER` (the driver of the hardware it belongs to) | `net:iwlwifi`, `drm:i915` |
//! | power_supply | `power_supply:TYPE[:MANUFACTURER_MODEL]` | `power_supply:battery:lgc_5b10w13930` |
//! | thermal, hwmon | `thermal:TYPE`, `hwmon:NAME` | `thermal:x86_pkg_temp`, `hwmon:coretemp` |
//!
//! Everything is lowercase; numeric ids are 4 hex digits. Free text (models, names) goes through
//! [`slug`]. The *base* identity of a PCI device drops the subsystem ids (`pci:8086:9a49`): it names
//! the chip, the full one names the chip as built into one product. The function devices (block,
//! net, ...) also carry a `parent` with the identity of the hardware they belong to. This module
//! only formats and parses strings.

use std::fmt;

/// A parsed identity string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    Pci {
        vendor: u16,
        device: u16,
        subsystem: Option<(u16, u16)>,
    },
    Usb {
        vendor: u16,
        product: u16,
    },
    /// Any other bus: `bus:rest`, both lowercase and free of whitespace.
    Other {
        bus: String,
        rest: String,
    },
}

/// Why a string is not an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid device identity {input:?}: {reason}")]
pub struct IdentityError {
    pub input: String,
    pub reason: &'static str,
}

impl Identity {
    pub fn pci(vendor: u16, device: u16, subsystem: Option<(u16, u16)>) -> Identity {
        Identity::Pci {
            vendor,
            device,
            subsystem,
        }
    }

    pub fn usb(vendor: u16, product: u16) -> Identity {
        Identity::Usb { vendor, product }
    }

    /// Builds an identity for another bus, normalising to lowercase and replacing whitespace
    /// with `_`. Returns `None` when `bus` or `rest` is empty.
    pub fn other(bus: &str, rest: &str) -> Option<Identity> {
        let norm = |s: &str| -> String {
            s.trim()
                .chars()
                .map(|c| {
                    if c.is_whitespace() || c.is_control() {
                        '_'
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect()
        };
        let (bus, rest) = (norm(bus), norm(rest));
        if bus.is_empty() || rest.is_empty() || bus.contains(':') {
            return None;
        }
        Some(Identity::Other { bus, rest })
    }

    /// The bus name: `pci`, `usb`, or the bus of an `Other` identity.
    pub fn bus(&self) -> &str {
        match self {
            Identity::Pci { .. } => "pci",
            Identity::Usb { .. } => "usb",
            Identity::Other { bus, .. } => bus,
        }
    }

    /// The identity without subsystem ids (PCI); other identities are their own base.
    pub fn base(&self) -> Identity {
        match self {
            Identity::Pci { vendor, device, .. } => Identity::pci(*vendor, *device, None),
            other => other.clone(),
        }
    }

    /// Vendor and device/product ids, for buses that have them.
    pub fn vendor_device(&self) -> Option<(u16, u16)> {
        match self {
            Identity::Pci { vendor, device, .. } => Some((*vendor, *device)),
            Identity::Usb { vendor, product } => Some((*vendor, *product)),
            Identity::Other { .. } => None,
        }
    }

    /// Parses an identity string. Hex digits may be upper or lower case on input.
    pub fn parse(input: &str) -> Result<Identity, IdentityError> {
        let err = |reason| IdentityError {
            input: input.to_owned(),
            reason,
        };
        let (bus, rest) = input
            .split_once(':')
            .ok_or_else(|| err("expected BUS:ID"))?;
        match bus {
            "pci" => {
                let parts = hex_fields(rest).ok_or_else(|| err("expected 4-digit hex ids"))?;
                match parts.as_slice() {
                    [v, d] => Ok(Identity::pci(*v, *d, None)),
                    [v, d, sv, sd] => Ok(Identity::pci(*v, *d, Some((*sv, *sd)))),
                    _ => Err(err("pci takes vendor:device[:subvendor:subdevice]")),
                }
            }
            "usb" => {
                let parts = hex_fields(rest).ok_or_else(|| err("expected 4-digit hex ids"))?;
                match parts.as_slice() {
                    [v, p] => Ok(Identity::usb(*v, *p)),
                    _ => Err(err("usb takes vendor:product")),
                }
            }
            _ => {
                if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(err("contains whitespace"));
                }
                Identity::other(bus, rest).ok_or_else(|| err("empty bus or id"))
            }
        }
    }
}

/// Free text as an identity fragment: lowercase ASCII letters, digits and `.,+-`, every other run
/// of characters as one `_`, no `_` at either end. `Samsung SSD 980 PRO 1TB` becomes
/// `samsung_ssd_980_pro_1tb`. Returns an empty string when nothing is left.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '+' | '-') {
            if pending && !out.is_empty() {
                out.push('_');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    out
}

fn hex_fields(s: &str) -> Option<Vec<u16>> {
    s.split(':')
        .map(|p| {
            if p.len() == 4 && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                u16::from_str_radix(p, 16).ok()
            } else {
                None
            }
        })
        .collect()
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Pci {
                vendor,
                device,
                subsystem: None,
            } => write!(f, "pci:{vendor:04x}:{device:04x}"),
            Identity::Pci {
                vendor,
                device,
                subsystem: Some((sv, sd)),
            } => write!(f, "pci:{vendor:04x}:{device:04x}:{sv:04x}:{sd:04x}"),
            Identity::Usb { vendor, product } => write!(f, "usb:{vendor:04x}:{product:04x}"),
            Identity::Other { bus, rest } => write!(f, "{bus}:{rest}"),
        }
    }
}

impl std::str::FromStr for Identity {
    type Err = IdentityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Identity::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_each_form() {
        let cases = [
            ("pci:8086:9a49", Identity::pci(0x8086, 0x9a49, None)),
            (
                "pci:8086:9a49:1028:0b19",
                Identity::pci(0x8086, 0x9a49, Some((0x1028, 0x0b19))),
            ),
            ("usb:046d:c52b", Identity::usb(0x046d, 0xc52b)),
            ("acpi:pnp0c0a", Identity::other("acpi", "PNP0C0A").unwrap()),
            (
                "of:brcm,bcm2711-pcie",
                Identity::other("of", "brcm,bcm2711-pcie").unwrap(),
            ),
        ];
        for (text, id) in cases {
            assert_eq!(id.to_string(), text);
            assert_eq!(Identity::parse(text).unwrap(), id);
        }
        assert_eq!(
            Identity::parse("PCI:8086:9A49".to_lowercase().as_str()).unwrap(),
            Identity::pci(0x8086, 0x9a49, None)
        );
        assert_eq!(
            Identity::parse("pci:8086:9A49").unwrap().to_string(),
            "pci:8086:9a49"
        );
    }

    #[test]
    fn slugs_are_lowercase_and_compact() {
        assert_eq!(slug("Samsung SSD 980 PRO 1TB"), "samsung_ssd_980_pro_1tb");
        assert_eq!(slug("  DELL TR7FC395 "), "dell_tr7fc395");
        assert_eq!(slug("x86_pkg_temp"), "x86_pkg_temp");
        assert_eq!(slug("brcm,bcm2711-pcie"), "brcm,bcm2711-pcie");
        assert_eq!(slug("!!!"), "");
        assert_eq!(slug("Ünïcode:Name"), "n_code_name");
    }

    #[test]
    fn base_drops_the_subsystem() {
        let id = Identity::parse("pci:8086:9a49:1028:0b19").unwrap();
        assert_eq!(id.base().to_string(), "pci:8086:9a49");
        assert_eq!(id.vendor_device(), Some((0x8086, 0x9a49)));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        for bad in [
            "",
            "pci",
            "pci:",
            "pci:8086",
            "pci:8086:9a4",
            "pci:8086:9a49:1028",
            "pci:zzzz:9a49",
            "usb:046d",
            "usb:046d:c52b:0001",
            ":x",
            "acpi:",
            "acpi:has space",
        ] {
            let e = Identity::parse(bad).unwrap_err();
            assert_eq!(e.input, bad);
        }
    }
}
