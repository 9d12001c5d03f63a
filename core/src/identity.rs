//! Device identity strings: the stable keys the registry files compatibility data under.
//!
//! | bus | form | example |
//! |---|---|---|
//! | PCI | `pci:vvvv:dddd[:ssss:ssss]` (vendor, device, subsystem vendor, subsystem device) | `pci:8086:9a49:1028:0b19` |
//! | USB | `usb:vvvv:pppp` (vendor, product) | `usb:046d:c52b` |
//! | SDIO | `sdio:vvvv:dddd` | `sdio:02d0:a9a6` |
//! | input | `input:bbbb:vvvv:pppp` (bus type, vendor, product) | `input:0011:0002:0007` |
//! | HID | `hid:bbbb:vvvv:pppp` | `hid:0018:06cb:ce26` |
//! | ACPI / PNP | `acpi:ID` | `acpi:pnp0c0a` |
//! | device tree | `of:COMPATIBLE` | `of:brcm,bcm2711-pcie` |
//! | others | `BUS:NAME` | `platform:intel_pmc_core` |
//!
//! Everything is lowercase; numeric ids are 4 hex digits. The *base* identity of a PCI device drops
//! the subsystem ids (`pci:8086:9a49`): it names the chip, the full one names the chip as built into
//! one product. This module only formats and parses strings.

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
