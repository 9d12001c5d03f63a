//! The `pci.ids` and `usb.ids` databases (Debian package hwdata, or pciutils/usbutils under
//! `/usr/share/misc`): vendor, device and subsystem names by numeric id.
//!
//! Both files share one syntax: `vvvv  Vendor`, then `\tdddd  Device`, then (PCI only)
//! `\t\tssss ssss  Subsystem`; `#` starts a comment; the vendor list ends where other sections
//! (`C` classes, `AT`, `HID`, ...) begin. The header comments carry `Version:` and `Date:` lines,
//! which the inventory records as the names' source.
//!
//! [`IdsDatabase::parse`] reads a whole file (for long-running servers);
//! [`IdsDatabase::parse_selected`] keeps only the vendors and devices asked for, in one pass, so
//! a probe pays for what it needs; [`extract`] writes a smaller file holding just those lines (what
//! `mxcert record` stores). Bytes in, data out: no file access here, and malformed lines are skipped,
//! never fatal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The `Version:` and `Date:` of a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdsHeader {
    pub version: Option<String>,
    pub date: Option<String>,
}

/// Which ids to keep: vendor → devices (an empty set keeps only the vendor's name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    vendors: BTreeMap<u16, BTreeSet<u16>>,
}

impl Wanted {
    pub fn new() -> Wanted {
        Wanted::default()
    }

    /// Asks for a vendor's name.
    pub fn vendor(&mut self, vendor: u16) {
        self.vendors.entry(vendor).or_default();
    }

    /// Asks for a vendor's and a device's names (and the device's subsystem names).
    pub fn device(&mut self, vendor: u16, device: u16) {
        self.vendors.entry(vendor).or_default().insert(device);
    }

    pub fn is_empty(&self) -> bool {
        self.vendors.is_empty()
    }

    fn wants_vendor(&self, vendor: u16) -> bool {
        self.vendors.contains_key(&vendor)
    }

    fn wants_device(&self, vendor: u16, device: u16) -> bool {
        self.vendors
            .get(&vendor)
            .is_some_and(|devices| devices.contains(&device))
    }
}

#[derive(Debug, Clone, Default)]
struct Vendor {
    name: String,
    devices: HashMap<u16, Product>,
}

#[derive(Debug, Clone, Default)]
struct Product {
    name: String,
    subsystems: HashMap<(u16, u16), String>,
}

/// A parsed `pci.ids` or `usb.ids`.
#[derive(Debug, Clone, Default)]
pub struct IdsDatabase {
    header: IdsHeader,
    vendors: HashMap<u16, Vendor>,
}

/// One line of the vendor section.
enum Line<'a> {
    Vendor(u16, &'a [u8]),
    Device(u16, &'a [u8]),
    Subsystem(u16, u16, &'a [u8]),
    /// A top-level line that is not a vendor: the start of another section.
    OtherSection,
    /// Comments, blank lines, lines of other sections, malformed lines.
    Skip,
}

fn hex4(b: &[u8]) -> Option<u16> {
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let s = std::str::from_utf8(&b[..4]).ok()?;
    u16::from_str_radix(s, 16).ok()
}

/// The name after an id: one or more spaces, then text up to the end of the line.
fn name_after(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    if !rest.first().is_some_and(|c| *c == b' ' || *c == b'\t') {
        return None;
    }
    let name = rest.trim_ascii();
    (!name.is_empty()).then_some(name)
}

fn classify(line: &[u8]) -> Line<'_> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() || line[0] == b'#' {
        return Line::Skip;
    }
    if let Some(rest) = line.strip_prefix(b"\t\t") {
        return match (hex4(rest), rest.get(4), rest.get(5..9).and_then(hex4)) {
            (Some(sv), Some(b' '), Some(sd)) => match name_after(rest, 9) {
                Some(name) => Line::Subsystem(sv, sd, name),
                None => Line::Skip,
            },
            _ => Line::Skip,
        };
    }
    if let Some(rest) = line.strip_prefix(b"\t") {
        return match (hex4(rest), name_after(rest, 4)) {
            (Some(d), Some(name)) => Line::Device(d, name),
            _ => Line::Skip,
        };
    }
    match (hex4(line), name_after(line, 4)) {
        (Some(v), Some(name)) => Line::Vendor(v, name),
        _ => Line::OtherSection,
    }
}

/// The lines of a file (without their `\n`), found with `memchr`: a names database is a megabyte
/// of which a probe wants a few dozen lines, so finding line ends is most of the work.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', bytes);
    std::iter::from_fn(move || {
        if start > bytes.len() {
            return None;
        }
        let end = ends.next().unwrap_or(bytes.len());
        let line = &bytes[start..end];
        start = end + 1;
        Some(line)
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads `Version:` and `Date:` from the header comments (the first comment block).
pub fn header(bytes: &[u8]) -> IdsHeader {
    let mut h = IdsHeader::default();
    for line in lines(bytes).take(64) {
        let Some(comment) = line.strip_prefix(b"#") else {
            if line.trim_ascii().is_empty() {
                continue;
            }
            break;
        };
        let comment = text(comment);
        let comment = comment.trim();
        if let Some(v) = comment.strip_prefix("Version:") {
            h.version = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(d) = comment.strip_prefix("Date:") {
            h.date = Some(d.trim().to_owned()).filter(|d| !d.is_empty());
        }
    }
    h
}

impl IdsDatabase {
    /// Parses a whole database.
    pub fn parse(bytes: &[u8]) -> IdsDatabase {
        Self::parse_filtered(bytes, None)
    }

    /// Parses only the vendors and devices in `wanted`, in one pass over the file.
    pub fn parse_selected(bytes: &[u8], wanted: &Wanted) -> IdsDatabase {
        Self::parse_filtered(bytes, Some(wanted))
    }

    fn parse_filtered(bytes: &[u8], wanted: Option<&Wanted>) -> IdsDatabase {
        let mut db = IdsDatabase {
            header: header(bytes),
            vendors: HashMap::new(),
        };
        let mut vendor: Option<u16> = None;
        let mut device: Option<u16> = None;
        for raw in lines(bytes) {
            // Fast path: inside an unwanted vendor, device and subsystem lines are skipped unread.
            if vendor.is_none() && raw.first() == Some(&b'\t') {
                continue;
            }
            match classify(raw) {
                Line::Vendor(v, name) => {
                    device = None;
                    vendor = None;
                    if wanted.is_none_or(|w| w.wants_vendor(v)) {
                        db.vendors.entry(v).or_default().name = text(name);
                        vendor = Some(v);
                    }
                }
                Line::Device(d, name) => {
                    device = None;
                    if let Some(v) = vendor {
                        if wanted.is_none_or(|w| w.wants_device(v, d)) {
                            if let Some(entry) = db.vendors.get_mut(&v) {
                                entry.devices.entry(d).or_default().name = text(name);
                                device = Some(d);
                            }
                        }
                    }
                }
                Line::Subsystem(sv, sd, name) => {
                    if let (Some(v), Some(d)) = (vendor, device) {
                        if let Some(p) = db.vendors.get_mut(&v).and_then(|e| e.devices.get_mut(&d))
                        {
                            p.subsystems.insert((sv, sd), text(name));
                        }
                    }
                }
                Line::OtherSection => {
                    vendor = None;
                    device = None;
                    // Vendors come first; once another section starts, a selective parse is done.
                    if wanted.is_some() {
                        break;
                    }
                }
                Line::Skip => {}
            }
        }
        db
    }

    pub fn header(&self) -> &IdsHeader {
        &self.header
    }

    /// How many vendors were read.
    pub fn len(&self) -> usize {
        self.vendors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vendors.is_empty()
    }

    pub fn vendor(&self, vendor: u16) -> Option<&str> {
        self.vendors.get(&vendor).map(|v| v.name.as_str())
    }

    pub fn device(&self, vendor: u16, device: u16) -> Option<&str> {
        self.vendors
            .get(&vendor)?
            .devices
            .get(&device)
            .map(|d| d.name.as_str())
    }

    /// The name of a device as built into a product (PCI subsystem), e.g. `XPS 13 9340`.
    pub fn subsystem(
        &self,
        vendor: u16,
        device: u16,
        subvendor: u16,
        subdevice: u16,
    ) -> Option<&str> {
        self.vendors
            .get(&vendor)?
            .devices
            .get(&device)?
            .subsystems
            .get(&(subvendor, subdevice))
            .map(String::as_str)
    }
}

/// A smaller database holding the header comments and only the lines of `wanted` vendors and
/// devices (with their subsystem lines): what a recording stores so that replaying it gives the
/// same names without copying the whole file.
pub fn extract(bytes: &[u8], wanted: &Wanted) -> Vec<u8> {
    let mut out = Vec::new();
    let mut in_header = true;
    let mut vendor: Option<u16> = None;
    let mut device_kept = false;
    for raw in lines(bytes) {
        if in_header {
            if raw.first() == Some(&b'#') || raw.trim_ascii().is_empty() {
                out.extend_from_slice(raw);
                out.push(b'\n');
                continue;
            }
            in_header = false;
        }
        match classify(raw) {
            Line::Vendor(v, _) => {
                device_kept = false;
                vendor = wanted.wants_vendor(v).then_some(v);
                if vendor.is_some() {
                    out.extend_from_slice(raw);
                    out.push(b'\n');
                }
            }
            Line::Device(d, _) => {
                device_kept = vendor.is_some_and(|v| wanted.wants_device(v, d));
                if device_kept {
                    out.extend_from_slice(raw);
                    out.push(b'\n');
                }
            }
            Line::Subsystem(..) => {
                if device_kept {
                    out.extend_from_slice(raw);
                    out.push(b'\n');
                }
            }
            Line::OtherSection => break,
            Line::Skip => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"#\n#\tList of PCI ID's\n#\n#\tVersion: 2024.01.20\n#\tDate:    2024-01-20 03:15:02\n#\n\n0001  SafeNet (wrong ID)\n1af4  Red Hat, Inc.\n\t1041  Virtio 1.0 network device\n\t1042  Virtio 1.0 block device\n\t\t1af4 1100  QEMU Virtual Machine\n8086  Intel Corporation\n\t9a49  TigerLake-LP GT2 [Iris Xe Graphics]\n\t\t1028 0a1f  XPS 13 9310\nbad line\n\tzzzz  broken\nC 00  Unclassified device\n\t00  Non-VGA unclassified device\n";

    #[test]
    fn parses_header_vendors_devices_and_subsystems() {
        let db = IdsDatabase::parse(SAMPLE);
        assert_eq!(db.header().version.as_deref(), Some("2024.01.20"));
        assert_eq!(db.header().date.as_deref(), Some("2024-01-20 03:15:02"));
        assert_eq!(db.vendor(0x8086), Some("Intel Corporation"));
        assert_eq!(
            db.device(0x8086, 0x9a49),
            Some("TigerLake-LP GT2 [Iris Xe Graphics]")
        );
        assert_eq!(
            db.subsystem(0x8086, 0x9a49, 0x1028, 0x0a1f),
            Some("XPS 13 9310")
        );
        assert_eq!(
            db.subsystem(0x1af4, 0x1042, 0x1af4, 0x1100),
            Some("QEMU Virtual Machine")
        );
        assert_eq!(db.device(0x8086, 0x0000), None);
        assert_eq!(db.len(), 3);
    }

    #[test]
    fn selective_parse_and_extract_keep_only_what_is_wanted() {
        let mut w = Wanted::new();
        w.device(0x8086, 0x9a49);
        w.vendor(0x1028);
        let db = IdsDatabase::parse_selected(SAMPLE, &w);
        assert_eq!(db.vendor(0x8086), Some("Intel Corporation"));
        assert_eq!(db.vendor(0x1af4), None);
        assert_eq!(
            db.subsystem(0x8086, 0x9a49, 0x1028, 0x0a1f),
            Some("XPS 13 9310")
        );
        let small = extract(SAMPLE, &w);
        let text = String::from_utf8(small.clone()).unwrap();
        assert!(text.contains("Version: 2024.01.20"));
        assert!(!text.contains("Red Hat"));
        let again = IdsDatabase::parse(&small);
        assert_eq!(again.device(0x8086, 0x9a49), db.device(0x8086, 0x9a49));
        assert_eq!(again.header(), db.header());
    }

    #[test]
    fn garbage_gives_an_empty_database() {
        for input in [&b""[..], b"\x00\xff\xfe", b"\t\t\t", b"zzzz  x\n\tyyyy"] {
            let db = IdsDatabase::parse(input);
            assert!(db.is_empty());
        }
    }
}
