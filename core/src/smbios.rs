//! SMBIOS decoding: the raw tables the kernel exposes in `/sys/firmware/dmi/tables/`
//! (`smbios_entry_point` and `DMI`) turned into the inventory's system, processor, memory and TPM
//! facts (DMTF DSP0134).
//!
//! Decoded: type 0 (BIOS), 1 (system), 2 (baseboard), 3 (chassis), 4 (processor), 17 (memory
//! device) and 43 (TPM). Serial numbers, UUIDs and asset tags of types 1, 2, 3, 4, 17 and 22
//! (portable battery) are never put into the result's public fields: they go to
//! [`Smbios::withholding`] (kind and location) and [`Smbios::identifiers`] (for the pseudonymous
//! machine id), nowhere else.
//!
//! Input is untrusted bytes: every read is bounds-checked, a truncated structure ends decoding with
//! a note, and nothing here panics. Also the fallback for machines whose tables are not readable:
//! the chassis type names and the `dmi:` modalias decoder used by `/sys/class/dmi/id` and dumps.
//! This module does no I/O.

use crate::inventory::{Bios, Board, MemoryModule, System, Tpm, WithheldKind};
use crate::privacy::{is_placeholder, Withholding};

/// Why the tables could not be decoded at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmbiosError {
    #[error("the entry point is {0} bytes, too short for an SMBIOS entry point")]
    EntryPointTooShort(usize),
    #[error("the entry point does not start with _SM_ or _SM3_")]
    BadAnchor,
    #[error("the structure table is empty")]
    EmptyTable,
}

/// What the SMBIOS tables say about a machine.
#[derive(Debug, Clone, Default)]
pub struct Smbios {
    /// `major.minor` from the entry point, e.g. `3.6`.
    pub version: Option<String>,
    pub system: System,
    pub processors: Vec<Processor>,
    pub memory: Vec<MemoryModule>,
    /// From type 43, when present.
    pub tpm: Option<Tpm>,
    /// The private identifiers (system UUID, serial numbers) in a fixed order, for
    /// [`crate::privacy::machine_id`]; never for output.
    pub identifiers: Vec<String>,
    /// What was withheld, and the values to scrub.
    pub withholding: Withholding,
    /// Problems met while decoding (truncated structures, ...).
    pub notes: Vec<String>,
}

/// One processor socket (type 4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processor {
    pub socket: Option<String>,
    pub manufacturer: Option<String>,
    pub version: Option<String>,
    pub max_mhz: Option<u32>,
    pub cores: Option<u32>,
    pub threads: Option<u32>,
}

/// The version in an entry point (`_SM_` 2.x or `_SM3_` 3.x), e.g. `3.6`.
pub fn entry_point_version(entry: &[u8]) -> Result<String, SmbiosError> {
    if entry.starts_with(b"_SM3_") {
        let (major, minor) = (entry.get(7), entry.get(8));
        match (major, minor) {
            (Some(a), Some(b)) => Ok(format!("{a}.{b}")),
            _ => Err(SmbiosError::EntryPointTooShort(entry.len())),
        }
    } else if entry.starts_with(b"_SM_") {
        let (major, minor) = (entry.get(6), entry.get(7));
        match (major, minor) {
            (Some(a), Some(b)) => Ok(format!("{a}.{b}")),
            _ => Err(SmbiosError::EntryPointTooShort(entry.len())),
        }
    } else if entry.len() < 5 {
        Err(SmbiosError::EntryPointTooShort(entry.len()))
    } else {
        Err(SmbiosError::BadAnchor)
    }
}

/// One structure of the table: its header fields, formatted area and strings.
#[derive(Debug, Clone, Copy)]
struct Structure<'a> {
    /// Byte offset of the structure in the table.
    start: usize,
    kind: u8,
    handle: u16,
    data: &'a [u8],
    strings: &'a [u8],
}

impl<'a> Structure<'a> {
    fn byte(&self, offset: usize) -> Option<u8> {
        self.data.get(offset).copied()
    }

    fn word(&self, offset: usize) -> Option<u16> {
        let b = self.data.get(offset..offset + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn dword(&self, offset: usize) -> Option<u32> {
        let b = self.data.get(offset..offset + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The string a byte at `offset` points to (1-based), trimmed; `None` for 0, out of range or
    /// blank.
    fn string(&self, offset: usize) -> Option<String> {
        let index = self.byte(offset)? as usize;
        if index == 0 {
            return None;
        }
        let raw = self.strings.split(|b| *b == 0).nth(index - 1)?;
        let text = String::from_utf8_lossy(raw).trim().to_owned();
        (!text.is_empty()).then_some(text)
    }

    /// A public string: `None` when it is a placeholder.
    fn public(&self, offset: usize) -> Option<String> {
        self.string(offset).filter(|s| !is_placeholder(s))
    }
}

/// Splits the structure table; stops at type 127 or at the first truncated structure (noted).
fn structures<'a>(table: &'a [u8], notes: &mut Vec<String>) -> Vec<Structure<'a>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= table.len() {
        let kind = table[pos];
        let len = table[pos + 1] as usize;
        let handle = u16::from_le_bytes([table[pos + 2], table[pos + 3]]);
        if len < 4 {
            notes.push(format!(
                "SMBIOS structure at byte {pos} (type {kind}) has length {len}; decoding stopped"
            ));
            break;
        }
        let Some(data) = table.get(pos..pos + len) else {
            notes.push(format!(
                "SMBIOS structure at byte {pos} (type {kind}) is truncated; decoding stopped"
            ));
            break;
        };
        // The string set ends with two NULs (a structure without strings has just the two NULs).
        let rest = &table[pos + len..];
        let Some(end) = rest.windows(2).position(|w| w == [0, 0]) else {
            notes.push(format!(
                "SMBIOS structure at byte {pos} (type {kind}) has an unterminated string set; decoding stopped"
            ));
            break;
        };
        out.push(Structure {
            start: pos,
            kind,
            handle,
            data,
            strings: &rest[..end],
        });
        pos += len + end + 2;
        if kind == 127 {
            break;
        }
    }
    out
}

/// Decodes the tables. `entry` is `smbios_entry_point` (may be empty when only `DMI` is at hand);
/// `table` is `DMI`.
pub fn decode(entry: &[u8], table: &[u8]) -> Result<Smbios, SmbiosError> {
    let mut s = Smbios::default();
    if !entry.is_empty() {
        s.version = Some(entry_point_version(entry)?);
    }
    if table.is_empty() {
        return Err(SmbiosError::EmptyTable);
    }
    let mut notes = Vec::new();
    let list = structures(table, &mut notes);
    s.notes = notes;
    let mut board: Option<Board> = None;
    for st in &list {
        match st.kind {
            0 => s.system.bios = Some(bios(st)),
            1 => system(st, &mut s),
            // Only the first baseboard: servers list add-in boards as further type 2 structures.
            2 if board.is_none() => board = Some(baseboard(st, &mut s)),
            2 => withhold_strings(st, &mut s, &[(7, "serial number"), (8, "asset tag")]),
            3 => chassis(st, &mut s),
            4 => processor(st, &mut s),
            17 => memory_device(st, &mut s),
            22 => withhold_strings(st, &mut s, &[(7, "serial number")]),
            43 => s.tpm = tpm(st).or(s.tpm.take()),
            _ => {}
        }
    }
    s.system.board = board.filter(|b| *b != Board::default());
    s.system.smbios_version = s.version.clone();
    Ok(s)
}

/// The private fields of each structure type: (offset, is a string (else the 16-byte UUID)).
fn private_fields(kind: u8) -> &'static [(usize, bool)] {
    match kind {
        1 => &[(0x07, true), (0x08, false)],
        2 | 3 => &[(0x07, true), (0x08, true)],
        4 => &[(0x20, true), (0x21, true)],
        17 => &[(0x18, true), (0x19, true)],
        22 => &[(0x07, true)],
        _ => &[],
    }
}

/// The table with every private string (serial numbers, asset tags) replaced by as many `*` and
/// the system UUID by `*` bytes, placeholders left alone: what `mxcert record` stores. The layout
/// does not change, so the copy decodes like the original, with the private values
/// [`redacted`](crate::privacy::redact).
pub fn redact_table(table: &[u8]) -> Vec<u8> {
    let mut out = table.to_vec();
    let mut notes = Vec::new();
    let list = structures(table, &mut notes);
    for st in &list {
        let start = st.start;
        let strings_start = start + st.data.len();
        for (offset, is_string) in private_fields(st.kind) {
            if !is_string {
                if let Some(uuid) = st.data.get(*offset..offset + 16) {
                    if format_uuid(uuid).is_some() {
                        out[start + offset..start + offset + 16].fill(b'*');
                    }
                }
                continue;
            }
            let Some(index) = st.byte(*offset).map(usize::from).filter(|i| *i > 0) else {
                continue;
            };
            // Find the string's byte range inside the string set.
            let mut pos = 0;
            for (n, s) in st.strings.split(|b| *b == 0).enumerate() {
                if n + 1 == index {
                    let text = String::from_utf8_lossy(s);
                    if !is_placeholder(&text) {
                        let at = strings_start + pos;
                        out[at..at + s.len()].fill(b'*');
                    }
                    break;
                }
                pos += s.len() + 1;
            }
        }
    }
    out
}

fn type_name(kind: u8) -> &'static str {
    match kind {
        1 => "system",
        2 => "baseboard",
        3 => "chassis",
        4 => "processor",
        17 => "memory device",
        22 => "portable battery",
        _ => "structure",
    }
}

fn location(st: &Structure<'_>, field: &str) -> String {
    format!(
        "SMBIOS type {} ({}) handle 0x{:04x} {field}",
        st.kind,
        type_name(st.kind),
        st.handle
    )
}

fn withhold_strings(st: &Structure<'_>, s: &mut Smbios, fields: &[(usize, &str)]) {
    for (offset, field) in fields {
        if let Some(v) = st.string(*offset) {
            let kind = if field.contains("asset") {
                WithheldKind::AssetTag
            } else {
                WithheldKind::SerialNumber
            };
            s.withholding.withhold(kind, location(st, field), &v);
        }
    }
}

fn bios(st: &Structure<'_>) -> Bios {
    let release = match (st.byte(0x14), st.byte(0x15)) {
        (Some(major), Some(minor)) if major != 0xff && minor != 0xff => {
            Some(format!("{major}.{minor}"))
        }
        _ => None,
    };
    Bios {
        vendor: st.public(0x04),
        version: st.public(0x05),
        date: st.public(0x08),
        release,
    }
}

fn system(st: &Structure<'_>, s: &mut Smbios) {
    s.system.vendor = st.public(0x04);
    s.system.product = st.public(0x05);
    s.system.version = st.public(0x06);
    s.system.sku = st.public(0x19);
    s.system.family = st.public(0x1a);
    if let Some(uuid) = st.data.get(0x08..0x18).and_then(format_uuid) {
        s.withholding
            .withhold(WithheldKind::Uuid, location(st, "UUID"), &uuid);
        if !is_placeholder(&uuid) {
            s.identifiers.push(uuid);
        }
    }
    identifying_serial(st, s);
}

/// The SMBIOS UUID as lowercase text, as the kernel prints `product_uuid`: the first three fields
/// are little-endian (SMBIOS 2.6+). All-zero and all-FF UUIDs mean "not set" and give `None`.
fn format_uuid(b: &[u8]) -> Option<String> {
    if b.len() != 16 || b.iter().all(|x| *x == 0) || b.iter().all(|x| *x == 0xff) {
        return None;
    }
    if b.iter().all(|x| *x == b'*') {
        return Some(crate::privacy::redact(
            "00000000-0000-0000-0000-000000000000",
        ));
    }
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    ))
}

/// Withholds the serial number at 0x07 (types 1, 2, 3) and keeps it as a machine identifier.
fn identifying_serial(st: &Structure<'_>, s: &mut Smbios) {
    if let Some(serial) = st.string(0x07) {
        s.withholding.withhold(
            WithheldKind::SerialNumber,
            location(st, "serial number"),
            &serial,
        );
        s.identifiers.push(serial);
    }
}

fn baseboard(st: &Structure<'_>, s: &mut Smbios) -> Board {
    identifying_serial(st, s);
    withhold_strings(st, s, &[(0x08, "asset tag")]);
    Board {
        vendor: st.public(0x04),
        product: st.public(0x05),
        version: st.public(0x06),
    }
}

fn chassis(st: &Structure<'_>, s: &mut Smbios) {
    if let Some(t) = st.byte(0x05) {
        s.system.chassis_type = Some(chassis_type_name(t).to_owned());
    }
    identifying_serial(st, s);
    withhold_strings(st, s, &[(0x08, "asset tag")]);
}

fn processor(st: &Structure<'_>, s: &mut Smbios) {
    // Unpopulated sockets (status bit 6 clear) describe nothing.
    if st.byte(0x18).is_some_and(|status| status & 0x40 == 0) {
        return;
    }
    withhold_strings(st, s, &[(0x20, "serial number"), (0x21, "asset tag")]);
    let count = |byte: usize, word: usize| -> Option<u32> {
        match st.byte(byte)? {
            0 => None,
            0xff => st
                .word(word)
                .filter(|w| *w != 0 && *w != 0xffff)
                .map(u32::from),
            n => Some(u32::from(n)),
        }
    };
    s.processors.push(Processor {
        socket: st.public(0x04),
        manufacturer: st.public(0x07),
        version: st.public(0x10),
        max_mhz: st.word(0x14).filter(|m| *m != 0).map(u32::from),
        cores: count(0x23, 0x2a),
        threads: count(0x25, 0x2e),
    });
}

fn memory_device(st: &Structure<'_>, s: &mut Smbios) {
    withhold_strings(st, s, &[(0x18, "serial number"), (0x19, "asset tag")]);
    let size_bytes = match st.word(0x0c) {
        None | Some(0) | Some(0xffff) => None,
        Some(0x7fff) => st
            .dword(0x1c)
            .map(|mb| u64::from(mb & 0x7fff_ffff) * 1024 * 1024),
        Some(w) if w & 0x8000 != 0 => Some(u64::from(w & 0x7fff) * 1024),
        Some(w) => Some(u64::from(w) * 1024 * 1024),
    };
    // An empty slot has size 0: it is not a module.
    if size_bytes.is_none() && st.word(0x0c) == Some(0) {
        return;
    }
    let speed = |word: usize, dword: usize| -> Option<u32> {
        match st.word(word)? {
            0 => None,
            0xffff => st.dword(dword).filter(|d| *d != 0),
            w => Some(u32::from(w)),
        }
    };
    s.memory.push(MemoryModule {
        locator: st.public(0x10),
        bank: st.public(0x11),
        size_bytes,
        memory_type: st.byte(0x12).and_then(memory_type_name).map(str::to_owned),
        form_factor: st.byte(0x0e).and_then(form_factor_name).map(str::to_owned),
        speed_mts: speed(0x15, 0x54),
        configured_speed_mts: speed(0x20, 0x58),
        manufacturer: st.public(0x17),
        part_number: st.public(0x1a),
    });
}

fn tpm(st: &Structure<'_>) -> Option<Tpm> {
    let major = st.byte(0x08)?;
    let minor = st.byte(0x09)?;
    Some(Tpm {
        version: Some(format!("{major}.{minor}")),
    })
}

/// The SMBIOS chassis type name (DSP0134 7.4.1); the top bit (lock present) is ignored.
pub fn chassis_type_name(t: u8) -> &'static str {
    match t & 0x7f {
        0x01 => "Other",
        0x03 => "Desktop",
        0x04 => "Low Profile Desktop",
        0x05 => "Pizza Box",
        0x06 => "Mini Tower",
        0x07 => "Tower",
        0x08 => "Portable",
        0x09 => "Laptop",
        0x0a => "Notebook",
        0x0b => "Hand Held",
        0x0c => "Docking Station",
        0x0d => "All in One",
        0x0e => "Sub Notebook",
        0x0f => "Space-saving",
        0x10 => "Lunch Box",
        0x11 => "Main Server Chassis",
        0x12 => "Expansion Chassis",
        0x13 => "SubChassis",
        0x14 => "Bus Expansion Chassis",
        0x15 => "Peripheral Chassis",
        0x16 => "RAID Chassis",
        0x17 => "Rack Mount Chassis",
        0x18 => "Sealed-case PC",
        0x19 => "Multi-system chassis",
        0x1a => "Compact PCI",
        0x1b => "Advanced TCA",
        0x1c => "Blade",
        0x1d => "Blade Enclosure",
        0x1e => "Tablet",
        0x1f => "Convertible",
        0x20 => "Detachable",
        0x21 => "IoT Gateway",
        0x22 => "Embedded PC",
        0x23 => "Mini PC",
        0x24 => "Stick PC",
        _ => "Unknown",
    }
}

/// Memory type names (DSP0134 7.18.2).
fn memory_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0x01 => "Other",
        0x03 => "DRAM",
        0x07 => "RAM",
        0x0f => "SDRAM",
        0x12 => "DDR",
        0x13 => "DDR2",
        0x14 => "DDR2 FB-DIMM",
        0x18 => "DDR3",
        0x1a => "DDR4",
        0x1b => "LPDDR",
        0x1c => "LPDDR2",
        0x1d => "LPDDR3",
        0x1e => "LPDDR4",
        0x1f => "Logical non-volatile device",
        0x20 => "HBM",
        0x21 => "HBM2",
        0x22 => "DDR5",
        0x23 => "LPDDR5",
        0x24 => "HBM3",
        _ => return None,
    })
}

/// Memory form factor names (DSP0134 7.18.1).
fn form_factor_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0x01 => "Other",
        0x03 => "SIMM",
        0x04 => "SIP",
        0x05 => "Chip",
        0x06 => "DIP",
        0x07 => "ZIP",
        0x08 => "Proprietary Card",
        0x09 => "DIMM",
        0x0a => "TSOP",
        0x0b => "Row Of Chips",
        0x0c => "RIMM",
        0x0d => "SODIMM",
        0x0e => "SRIMM",
        0x0f => "FB-DIMM",
        0x10 => "Die",
        0x11 => "CAMM",
        _ => return None,
    })
}

/// The system identity from a `dmi:` modalias (`/sys/class/dmi/id/modalias`, or the
/// `/devices/virtual/dmi/id` record of a udevadm dump), e.g.
/// `dmi:bvnDellInc.:bvrA11:bd09/08/2009:svnDellInc.:pnStudioXPS1340:...:ct8:cvrA11:`.
///
/// The kernel removes spaces from these values, so names read `DellInc.`; a modalias is only used
/// when nothing better is at hand.
pub fn system_from_dmi_modalias(modalias: &str) -> Option<System> {
    let rest = modalias.strip_prefix("dmi:")?;
    let mut sys = System::default();
    let mut board = Board::default();
    let mut bios = Bios::default();
    for field in rest.split(':') {
        // Keys are lowercase letters; the value follows.
        let split = field
            .find(|c: char| !c.is_ascii_lowercase())
            .unwrap_or(field.len());
        let (key, value) = field.split_at(split);
        let value = Some(value.to_owned()).filter(|v| !is_placeholder(v));
        match key {
            "bvn" => bios.vendor = value,
            "bvr" => bios.version = value,
            "bd" => bios.date = value,
            "svn" => sys.vendor = value,
            "pn" => sys.product = value,
            "pvr" => sys.version = value,
            "rvn" => board.vendor = value,
            "rn" => board.product = value,
            "rvr" => board.version = value,
            "sku" => sys.sku = value,
            "pfa" => sys.family = value,
            "ct" => {
                sys.chassis_type = value
                    .and_then(|v| v.parse::<u8>().ok())
                    .map(|t| chassis_type_name(t).to_owned())
            }
            _ => {}
        }
    }
    sys.board = (board != Board::default()).then_some(board);
    sys.bios = (bios != Bios::default()).then_some(bios);
    Some(sys)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one structure: header, formatted area (after the 4-byte header), strings.
    fn structure(kind: u8, handle: u16, body: &[u8], strings: &[&str]) -> Vec<u8> {
        let mut v = vec![kind, (body.len() + 4) as u8];
        v.extend_from_slice(&handle.to_le_bytes());
        v.extend_from_slice(body);
        for s in strings {
            v.extend_from_slice(s.as_bytes());
            v.push(0);
        }
        if strings.is_empty() {
            v.push(0);
        }
        v.push(0);
        v
    }

    fn sample_table() -> Vec<u8> {
        let mut t = Vec::new();
        // Type 1: manufacturer 1, product 2, version 3, serial 4, UUID, wake-up, SKU 5, family 6.
        let mut body = vec![1, 2, 3, 4];
        body.extend_from_slice(&[
            0x44, 0x45, 0x4c, 0x4c, 0x42, 0x00, 0x10, 0x35, 0x80, 0x52, 0xb4, 0xc0, 0x4f, 0x38,
            0x37, 0x32,
        ]);
        body.extend_from_slice(&[6, 5, 6]);
        t.extend(structure(
            1,
            0x100,
            &body,
            &[
                "ACME",
                "Laptop 14",
                "1.0",
                "SN12345678",
                "SKU1",
                "Laptop Family",
            ],
        ));
        // Type 3: manufacturer, type 10 (Notebook), version, serial, asset tag.
        t.extend(structure(
            3,
            0x300,
            &[1, 0x0a, 0, 2, 0],
            &["ACME", "CHS9876543"],
        ));
        // Type 17: 8 GiB DDR5 SODIMM at 5600 MT/s.
        let mut m = vec![0u8; 0x28 - 4];
        let set = |m: &mut Vec<u8>, off: usize, bytes: &[u8]| {
            m[off - 4..off - 4 + bytes.len()].copy_from_slice(bytes)
        };
        set(&mut m, 0x0c, &8192u16.to_le_bytes());
        set(&mut m, 0x0e, &[0x0d]);
        set(&mut m, 0x10, &[1, 2, 0x22]);
        set(&mut m, 0x15, &5600u16.to_le_bytes());
        set(&mut m, 0x17, &[3, 4, 0, 5]);
        set(&mut m, 0x20, &5200u16.to_le_bytes());
        t.extend(structure(
            17,
            0x1100,
            &m,
            &[
                "DIMM A",
                "BANK 0",
                "Samsung",
                "MEMSERIAL9",
                "M425R1GB4BB0-CQK",
            ],
        ));
        t.extend(structure(127, 0xffff, &[], &[]));
        t
    }

    #[test]
    fn decodes_system_chassis_and_memory_and_withholds_private_fields() {
        let entry = b"_SM3_\x00\x18\x03\x06\x00\x01\x00";
        let s = decode(entry, &sample_table()).unwrap();
        assert_eq!(s.version.as_deref(), Some("3.6"));
        assert_eq!(s.system.vendor.as_deref(), Some("ACME"));
        assert_eq!(s.system.product.as_deref(), Some("Laptop 14"));
        assert_eq!(s.system.family.as_deref(), Some("Laptop Family"));
        assert_eq!(s.system.sku.as_deref(), Some("SKU1"));
        assert_eq!(s.system.chassis_type.as_deref(), Some("Notebook"));
        let m = &s.memory[0];
        assert_eq!(m.size_bytes, Some(8 << 30));
        assert_eq!(m.memory_type.as_deref(), Some("DDR5"));
        assert_eq!(m.form_factor.as_deref(), Some("SODIMM"));
        assert_eq!(m.speed_mts, Some(5600));
        assert_eq!(m.configured_speed_mts, Some(5200));
        assert_eq!(m.part_number.as_deref(), Some("M425R1GB4BB0-CQK"));
        assert_eq!(
            s.identifiers,
            [
                "4c4c4544-0042-3510-8052-b4c04f383732",
                "SN12345678",
                "CHS9876543"
            ]
        );
        let debug = format!("{:?} {:?}", s.system, s.memory);
        for private in ["SN12345678", "CHS9876543", "MEMSERIAL9", "4c4c4544"] {
            assert!(!debug.contains(private), "{private} leaked");
        }
        assert_eq!(s.withholding.entries().len(), 4);
    }

    #[test]
    fn redacted_tables_decode_alike_without_the_private_values() {
        let table = sample_table();
        let redacted = redact_table(&table);
        assert_eq!(redacted.len(), table.len());
        let text = String::from_utf8_lossy(&redacted);
        for private in ["SN12345678", "CHS9876543", "MEMSERIAL9"] {
            assert!(!text.contains(private), "{private} kept");
        }
        let a = decode(&[], &table).unwrap();
        let b = decode(&[], &redacted).unwrap();
        assert_eq!(a.system, b.system);
        assert_eq!(a.memory, b.memory);
        assert_eq!(a.withholding.entries(), b.withholding.entries());
        assert_eq!(
            crate::privacy::machine_id(b.identifiers.iter().map(String::as_str)),
            None
        );
    }

    #[test]
    fn garbage_never_panics() {
        let table = sample_table();
        for cut in 0..table.len() {
            let _ = decode(b"_SM_", &table[..cut]);
        }
        assert_eq!(
            decode(b"nope!", &table).unwrap_err(),
            SmbiosError::BadAnchor
        );
        assert!(decode(&[], &[1, 2]).is_ok());
        let truncated = decode(&[], &table[..20]).unwrap();
        assert!(!truncated.notes.is_empty());
    }

    #[test]
    fn dmi_modalias_gives_a_rough_identity() {
        let s = system_from_dmi_modalias(
            "dmi:bvnDellInc.:bvrA11:bd09/08/2009:svnDellInc.:pnStudioXPS1340:pvrA11:rvnDellInc.:rn0Y525R:rvrA11:cvnDellInc.:ct8:cvrA11:",
        )
        .unwrap();
        assert_eq!(s.vendor.as_deref(), Some("DellInc."));
        assert_eq!(s.product.as_deref(), Some("StudioXPS1340"));
        assert_eq!(s.chassis_type.as_deref(), Some("Portable"));
        assert_eq!(s.board.unwrap().product.as_deref(), Some("0Y525R"));
        assert_eq!(s.bios.unwrap().date.as_deref(), Some("09/08/2009"));
    }
}
