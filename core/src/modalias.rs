//! Modaliases: the strings the kernel gives every device (`pci:v00008086d00009A49sv...`,
//! `usb:v046DpC52Bd...`, `acpi:PNP0C0A:`, ...) and the `modules.alias` patterns that say which
//! kernel modules can drive them.
//!
//! The decoders pull ids out of a modalias when a dump has no better property; [`ModuleAliases`]
//! answers "which modules could drive this device" with `fnmatch`-style matching
//! ([`glob_match`]), indexed by each pattern's literal prefix so a lookup touches only the
//! patterns that can match. Strings in, data out; nothing here reads `/lib/modules`.

use std::collections::{BTreeMap, BTreeSet};

/// `fnmatch(3)` without flags: `*` matches any run, `?` one byte, `[...]` a set (ranges, leading
/// `!` or `^` negates). Runs in O(pattern × text) at worst; never panics.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class_match(pattern, p, text[t]) {
                        if matched {
                            p = next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == b'[' {
                        // An unterminated `[` is a literal.
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                c if c == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// Matches `c` against the class starting at `pattern[start] == b'['`; returns whether it matched
/// and the index after the class, or `None` when the class is unterminated.
fn class_match(pattern: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pattern.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &pc = pattern.get(i)?;
        if pc == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|e| *e != b']') {
            let hi = pattern[i + 2];
            if pc <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if pc == c {
                matched = true;
            }
            i += 1;
        }
    }
}

/// The patterns of `modules.alias` (and `modules.builtin.alias`), indexed by literal prefix.
#[derive(Debug, Clone, Default)]
pub struct ModuleAliases {
    /// Literal prefix → (pattern, module).
    by_prefix: BTreeMap<String, Vec<(String, String)>>,
    count: usize,
}

impl ModuleAliases {
    /// Parses `alias PATTERN MODULE` lines; comments and malformed lines are skipped.
    pub fn parse(text: &str) -> ModuleAliases {
        let mut m = ModuleAliases::default();
        m.add(text);
        m
    }

    /// Parses only the patterns that match one of `modaliases`: a probe needs a few dozen of the
    /// tens of thousands of lines, and skipping the rest by literal prefix is much cheaper than
    /// indexing them.
    pub fn parse_matching<'a>(
        text: &str,
        modaliases: impl IntoIterator<Item = &'a str>,
    ) -> ModuleAliases {
        let wanted: BTreeSet<&str> = modaliases.into_iter().collect();
        let mut m = ModuleAliases::default();
        m.add_filtered(text, Some(&wanted));
        m
    }

    /// Adds the lines of another alias file (e.g. `modules.builtin.alias`).
    pub fn add(&mut self, text: &str) {
        self.add_filtered(text, None);
    }

    /// Adds lines of an alias file, keeping only patterns matching one of `wanted` when given.
    pub fn add_filtered(&mut self, text: &str, wanted: Option<&BTreeSet<&str>>) {
        for line in text.lines() {
            let mut parts = line.split_ascii_whitespace();
            let (Some("alias"), Some(pattern), Some(module), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let prefix_len = pattern.find(['*', '?', '[']).unwrap_or(pattern.len());
            if let Some(wanted) = wanted {
                let prefix = &pattern[..prefix_len];
                let any = wanted
                    .range(prefix..)
                    .take_while(|m| m.starts_with(prefix))
                    .any(|m| glob_match(pattern.as_bytes(), m.as_bytes()));
                if !any {
                    continue;
                }
            }
            self.by_prefix
                .entry(pattern[..prefix_len].to_owned())
                .or_default()
                .push((pattern.to_owned(), module.to_owned()));
            self.count += 1;
        }
    }

    /// How many patterns were read.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The patterns that match a modalias, with their modules, in pattern order.
    fn matches<'a>(&'a self, modalias: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let boundaries = (0..=modalias.len()).filter(|i| modalias.is_char_boundary(*i));
        boundaries
            .filter_map(move |i| self.by_prefix.get(&modalias[..i]))
            .flatten()
            .filter(move |(p, _)| glob_match(p.as_bytes(), modalias.as_bytes()))
            .map(|(p, m)| (p.as_str(), m.as_str()))
    }

    /// The modules that could drive a device with this modalias, sorted and deduplicated. Module
    /// names use `_` as the kernel reports them (`snd_hda_intel`).
    pub fn modules_for(&self, modalias: &str) -> Vec<String> {
        let set: BTreeSet<String> = self
            .matches(modalias)
            .map(|(_, m)| m.replace('-', "_"))
            .collect();
        set.into_iter().collect()
    }

    /// The `alias` lines that match any of these modaliases, as a smaller `modules.alias`.
    pub fn lines_matching<'a>(&self, modaliases: impl IntoIterator<Item = &'a str>) -> String {
        let mut lines = BTreeSet::new();
        for m in modaliases {
            for (p, module) in self.matches(m) {
                lines.insert(format!("alias {p} {module}"));
            }
        }
        let mut out = String::new();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

/// The ids in a PCI modalias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciModalias {
    pub vendor: u16,
    pub device: u16,
    pub subvendor: u16,
    pub subdevice: u16,
    /// base class, subclass, prog-if as one 24-bit number.
    pub class: u32,
}

/// Reads `hex` digits after `key` at the start of `s`; returns the value and the rest.
fn field<'a>(s: &'a str, key: &str, digits: usize) -> Option<(u32, &'a str)> {
    let rest = s.strip_prefix(key)?;
    let hex = rest.get(..digits)?;
    let value = u32::from_str_radix(hex, 16).ok()?;
    Some((value, &rest[digits..]))
}

/// `pci:v00008086d00009A49sv00001028sd00000B19bc03sc00i00`.
pub fn pci(modalias: &str) -> Option<PciModalias> {
    let s = modalias.strip_prefix("pci:")?;
    let (vendor, s) = field(s, "v", 8)?;
    let (device, s) = field(s, "d", 8)?;
    let (subvendor, s) = field(s, "sv", 8)?;
    let (subdevice, s) = field(s, "sd", 8)?;
    let (base, s) = field(s, "bc", 2)?;
    let (sub, s) = field(s, "sc", 2)?;
    let (prog, _) = field(s, "i", 2)?;
    Some(PciModalias {
        vendor: u16::try_from(vendor).ok()?,
        device: u16::try_from(device).ok()?,
        subvendor: u16::try_from(subvendor).ok()?,
        subdevice: u16::try_from(subdevice).ok()?,
        class: (base << 16) | (sub << 8) | prog,
    })
}

/// The ids in a USB modalias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbModalias {
    pub vendor: u16,
    pub product: u16,
    pub bcd_device: u16,
    /// Device class, subclass, protocol.
    pub device_class: (u8, u8, u8),
    /// Interface class, subclass, protocol.
    pub interface_class: (u8, u8, u8),
}

/// `usb:v05F3p0007d0320dc00dsc00dp00ic03isc01ip01in00`.
pub fn usb(modalias: &str) -> Option<UsbModalias> {
    let s = modalias.strip_prefix("usb:")?;
    let (vendor, s) = field(s, "v", 4)?;
    let (product, s) = field(s, "p", 4)?;
    let (bcd, s) = field(s, "d", 4)?;
    let (dc, s) = field(s, "dc", 2)?;
    let (dsc, s) = field(s, "dsc", 2)?;
    let (dp, s) = field(s, "dp", 2)?;
    let (ic, s) = field(s, "ic", 2)?;
    let (isc, s) = field(s, "isc", 2)?;
    let (ip, _) = field(s, "ip", 2)?;
    let b = |v: u32| u8::try_from(v).ok();
    Some(UsbModalias {
        vendor: u16::try_from(vendor).ok()?,
        product: u16::try_from(product).ok()?,
        bcd_device: u16::try_from(bcd).ok()?,
        device_class: (b(dc)?, b(dsc)?, b(dp)?),
        interface_class: (b(ic)?, b(isc)?, b(ip)?),
    })
}

/// `input:b0011v0002p0007e01B1-...` → (bus type, vendor, product).
pub fn input(modalias: &str) -> Option<(u16, u16, u16)> {
    let s = modalias.strip_prefix("input:")?;
    let (bus, s) = field(s, "b", 4)?;
    let (vendor, s) = field(s, "v", 4)?;
    let (product, _) = field(s, "p", 4)?;
    Some((
        u16::try_from(bus).ok()?,
        u16::try_from(vendor).ok()?,
        u16::try_from(product).ok()?,
    ))
}

/// `sdio:c00v02D0dA9A6` → (vendor, device).
pub fn sdio(modalias: &str) -> Option<(u16, u16)> {
    let s = modalias.strip_prefix("sdio:")?;
    let (_class, s) = field(s, "c", 2)?;
    let (vendor, s) = field(s, "v", 4)?;
    let (device, _) = field(s, "d", 4)?;
    Some((u16::try_from(vendor).ok()?, u16::try_from(device).ok()?))
}

/// `virtio:d00000002v00001AF4` → (vendor, device id).
pub fn virtio(modalias: &str) -> Option<(u32, u32)> {
    let s = modalias.strip_prefix("virtio:")?;
    let (device, s) = field(s, "d", 8)?;
    let (vendor, _) = field(s, "v", 8)?;
    Some((vendor, device))
}

/// `hdaudio:v10EC0257r00100001a01` → the codec's 32-bit vendor id (vendor in the high half).
pub fn hdaudio(modalias: &str) -> Option<u32> {
    let s = modalias.strip_prefix("hdaudio:")?;
    field(s, "v", 8).map(|(v, _)| v)
}

/// `acpi:PNP0A08:PNP0A03:` → `PNP0A08` (the first id).
pub fn acpi_first_id(modalias: &str) -> Option<&str> {
    let s = modalias.strip_prefix("acpi:")?;
    s.split(':').next().filter(|id| !id.is_empty())
}

/// `of:NframebufferT(null)Csimple-framebuffer` → `simple-framebuffer` (the first compatible).
pub fn of_first_compatible(modalias: &str) -> Option<&str> {
    let s = modalias.strip_prefix("of:")?;
    let after_type = &s[s.find('T')?..];
    let start = after_type.find('C')? + 1;
    let rest = &after_type[start..];
    // Compatible strings are lowercase; the next `C` starts the next one.
    let end = rest.find('C').unwrap_or(rest.len());
    Some(&rest[..end]).filter(|c| !c.is_empty())
}

/// `platform:intel_pmc_core` → `intel_pmc_core`.
pub fn platform_name(modalias: &str) -> Option<&str> {
    modalias.strip_prefix("platform:").filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_fnmatch() {
        let yes = [
            (
                "pci:v00008086d*sv*sd*bc03sc*i*",
                "pci:v00008086d00009A49sv00001028sd00000B19bc03sc00i00",
            ),
            (
                "usb:v*p*d*dc*dsc*dp*ic0Eisc01ip00in*",
                "usb:v04F2pB6DDd0016dcEFdsc02dp01ic0Eisc01ip00in00",
            ),
            ("acpi*:PNP0C0A:*", "acpi:PNP0C0A:"),
            ("a?c", "abc"),
            ("x[0-9]y", "x5y"),
            ("x[!0-9]y", "xay"),
            ("*", ""),
            ("[", "["),
        ];
        for (p, t) in yes {
            assert!(glob_match(p.as_bytes(), t.as_bytes()), "{p} ~ {t}");
        }
        let no = [
            ("pci:v00008086d*", "pci:v000010DEd0000"),
            ("x[0-9]y", "xay"),
            ("abc", "abcd"),
            ("a*b", "a"),
        ];
        for (p, t) in no {
            assert!(!glob_match(p.as_bytes(), t.as_bytes()), "{p} !~ {t}");
        }
    }

    #[test]
    fn module_aliases_find_drivers_by_modalias() {
        let aliases = ModuleAliases::parse(
            "# Aliases extracted from modules themselves.\n\
             alias pci:v00008086d00009A49sv*sd*bc*sc*i* i915\n\
             alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n\
             alias pci:v00008086d*sv*sd*bc04sc03i00* snd-hda-intel\n\
             alias usb:v*p*d*dc*dsc*dp*ic0Eisc01ip00in* uvcvideo\n\
             garbage\n",
        );
        assert_eq!(aliases.len(), 4);
        assert_eq!(
            aliases.modules_for("pci:v00008086d00009A49sv00001028sd00000A1Fbc03sc00i00"),
            ["i915"]
        );
        assert_eq!(
            aliases.modules_for("pci:v00008086d0000A0C8sv00001028sd00000A1Fbc04sc03i00"),
            ["snd_hda_intel"]
        );
        assert_eq!(
            aliases.modules_for("pci:v00001106d00003483sv00001106sd00003483bc0Csc03i30"),
            ["xhci_pci"]
        );
        assert!(aliases.modules_for("pci:v0000FFFFd0000").is_empty());
        let some = ModuleAliases::parse_matching(
            "alias pci:v00008086d00009A49sv*sd*bc*sc*i* i915\nalias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n",
            ["pci:v00001106d00003483sv00001106sd00003483bc0Csc03i30"],
        );
        assert_eq!(some.len(), 1);
        let lines = aliases.lines_matching(["usb:v04F2pB6DDd0016dcEFdsc02dp01ic0Eisc01ip00in00"]);
        assert_eq!(
            lines,
            "alias usb:v*p*d*dc*dsc*dp*ic0Eisc01ip00in* uvcvideo\n"
        );
    }

    #[test]
    fn decoders_pull_ids_out_of_modaliases() {
        let p = pci("pci:v000010DEd00000AB0sv00001028sd00000271bc02sc00i00").unwrap();
        assert_eq!(
            (p.vendor, p.device, p.subvendor, p.subdevice, p.class),
            (0x10de, 0x0ab0, 0x1028, 0x0271, 0x020000)
        );
        let u = usb("usb:v05F3p0007d0320dc00dsc00dp00ic03isc01ip01in00").unwrap();
        assert_eq!(
            (u.vendor, u.product, u.interface_class),
            (0x05f3, 0x0007, (3, 1, 1))
        );
        assert_eq!(input("input:b0011v0002p0007e01B1-e0,1"), Some((0x11, 2, 7)));
        assert_eq!(sdio("sdio:c00v02D0dA9A6"), Some((0x02d0, 0xa9a6)));
        assert_eq!(virtio("virtio:d00000002v00001AF4"), Some((0x1af4, 2)));
        assert_eq!(hdaudio("hdaudio:v10EC0257r00100001a01"), Some(0x10ec0257));
        assert_eq!(acpi_first_id("acpi:PNP0A08:PNP0A03:"), Some("PNP0A08"));
        assert_eq!(
            of_first_compatible("of:Narm-pmuT(null)Carm,cortex-a72-pmuCarm,cortex-a15-pmu"),
            Some("arm,cortex-a72-pmu")
        );
        assert_eq!(platform_name("platform:i8042"), Some("i8042"));
        for bad in [
            "",
            "pci:",
            "pci:vZZZZ",
            "usb:v1",
            "input:b",
            "of:N",
            "acpi:",
        ] {
            assert!(pci(bad).is_none() && usb(bad).is_none() && acpi_first_id(bad).is_none());
        }
    }
}
