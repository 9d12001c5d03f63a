//! EDID (VESA Extended Display Identification Data, 1.3/1.4) decoding: what a display says about
//! itself in the bytes the kernel exposes as `/sys/class/drm/cardN-CONNECTOR/edid`.
//!
//! Real EDIDs are messy: extension blocks with bad checksums, missing descriptors, truncated
//! reads, zeroed dates. [`decode`] refuses only bytes that are not an EDID at all (no header);
//! everything else is decoded as far as it is readable and what is not is listed in
//! [`Edid::notes`]. The serial number (the binary field and the serial string descriptor) is
//! never decoded into the result: [`Edid::withheld`] says that one was there.
//!
//! Manufacturer names come from a small table of the PNP ids found on laptop panels and common
//! monitors ([`pnp_name`]); any other id is reported as its three letters. A small table (rather
//! than hwdata's `pnp.ids` read at run time) keeps the decoder pure and its answers the same on
//! every machine and in the registry; the three letters are always there to look up.
//!
//! Work is linear and bounded: at most the 128-byte base block and the 255 extension blocks it
//! may declare are looked at.

use serde::{Deserialize, Serialize};

const HEADER: [u8; 8] = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
const BLOCK: usize = 128;

/// A display timing: active pixels and refresh rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mode {
    pub width: u32,
    pub height: u32,
    /// Refresh rate in Hz, rounded to two decimals.
    pub refresh_hz: f64,
    pub interlaced: bool,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}x{}{}@{:.2}Hz",
            self.width,
            self.height,
            if self.interlaced { "i" } else { "" },
            self.refresh_hz
        )
    }
}

/// What an EDID says, without its serial number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edid {
    /// The three-letter PNP manufacturer id, e.g. `DEL`.
    pub manufacturer_id: String,
    /// The manufacturer's name when the id is in [`pnp_name`]'s table.
    pub manufacturer: Option<String>,
    pub product_code: u16,
    /// The monitor name descriptor (tag 0xFC).
    pub name: Option<String>,
    /// Unspecified text descriptors (tag 0xFE): laptop panels put their vendor and part there.
    pub text: Vec<String>,
    /// Year of manufacture (or model year, see `model_year`).
    pub year: Option<u16>,
    /// Week of manufacture, 1-54.
    pub week: Option<u8>,
    /// The year is a model year, not a date of manufacture.
    pub model_year: bool,
    /// EDID version, e.g. `1.4`.
    pub version: String,
    /// Digital (true) or analogue input.
    pub digital: bool,
    /// Physical size in centimetres (width, height), when given.
    pub size_cm: Option<(u8, u8)>,
    /// The first detailed timing: the preferred mode.
    pub preferred_mode: Option<Mode>,
    /// Extension blocks the base block declares.
    pub extensions: u8,
    /// What was present and left out: `serial number`, `serial number string`.
    pub withheld: Vec<String>,
    /// What could not be read or is wrong (bad checksums, truncation, missing descriptors).
    pub notes: Vec<String>,
}

/// Why bytes are not an EDID at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdidError {
    /// Nothing to decode (a disconnected connector's `edid` file is empty).
    Empty,
    /// The first 8 bytes are not the EDID header.
    NoHeader,
}

impl std::fmt::Display for EdidError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EdidError::Empty => f.write_str("the EDID is empty"),
            EdidError::NoHeader => {
                f.write_str("the EDID does not start with the header 00 FF FF FF FF FF FF 00")
            }
        }
    }
}

impl std::error::Error for EdidError {}

/// Names of the PNP ids seen most on laptop panels and monitors.
pub fn pnp_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "ACI" => "Asustek Computer Inc",
        "ACR" => "Acer Technologies",
        "AOC" => "AOC International",
        "APP" => "Apple Computer Inc",
        "AUO" => "AU Optronics",
        "AUS" => "Asustek Computer Inc",
        "BNQ" => "BenQ Corporation",
        "BOE" => "BOE",
        "CMN" => "Chimei Innolux Corporation",
        "CMO" => "Chi Mei Optoelectronics corp.",
        "CSO" => "California Institute of Technology",
        "DEL" => "Dell Inc.",
        "ENC" => "Eizo Nanao Corporation",
        "GSM" => "LG Electronics",
        "HPN" => "HP Inc.",
        "HWP" => "Hewlett Packard",
        "IVO" => "InfoVision Optoelectronics",
        "LEN" => "Lenovo Group Limited",
        "LGD" => "LG Display",
        "LPL" => "LG Philips",
        "MEI" => "Panasonic Industry Company",
        "MSI" => "Micro-Star International",
        "NEC" => "NEC Corporation",
        "PHL" => "Philips Consumer Electronics Company",
        "SAM" => "Samsung Electric Company",
        "SDC" => "Samsung Display Corp",
        "SEC" => "Seiko Epson Corporation",
        "SHP" => "Sharp Corporation",
        "SNY" => "Sony",
        "VSC" => "ViewSonic Corporation",
        _ => return None,
    })
}

/// A descriptor's text: bytes 5..18, ended by a line feed, padded with spaces; anything that
/// is not printable ASCII becomes `?`.
fn descriptor_text(d: &[u8]) -> String {
    let body = &d[5..];
    let end = body.iter().position(|&b| b == 0x0a).unwrap_or(body.len());
    body[..end]
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn detailed_timing(d: &[u8]) -> Option<Mode> {
    let clock_10khz = u32::from(u16::from_le_bytes([d[0], d[1]]));
    if clock_10khz == 0 {
        return None;
    }
    let h_active = u32::from(d[2]) | (u32::from(d[4] >> 4) << 8);
    let h_blank = u32::from(d[3]) | (u32::from(d[4] & 0x0f) << 8);
    let v_active = u32::from(d[5]) | (u32::from(d[7] >> 4) << 8);
    let v_blank = u32::from(d[6]) | (u32::from(d[7] & 0x0f) << 8);
    let total = u64::from(h_active + h_blank) * u64::from(v_active + v_blank);
    if total == 0 || h_active == 0 || v_active == 0 {
        return None;
    }
    let hz = f64::from(clock_10khz) * 10_000.0 / total as f64;
    Some(Mode {
        width: h_active,
        height: v_active,
        refresh_hz: (hz * 100.0).round() / 100.0,
        interlaced: d[17] & 0x80 != 0,
    })
}

fn checksum_ok(block: &[u8]) -> bool {
    block.iter().fold(0u8, |a, &b| a.wrapping_add(b)) == 0
}

/// Decodes an EDID (see the module documentation for what is refused and what is noted).
pub fn decode(bytes: &[u8]) -> Result<Edid, EdidError> {
    if bytes.is_empty() {
        return Err(EdidError::Empty);
    }
    if bytes.len() < HEADER.len() || bytes[..HEADER.len()] != HEADER {
        return Err(EdidError::NoHeader);
    }
    let mut notes = Vec::new();
    let mut base = [0u8; BLOCK];
    let have = bytes.len().min(BLOCK);
    base[..have].copy_from_slice(&bytes[..have]);
    if have < BLOCK {
        notes.push(format!(
            "the base block is truncated at {have} of 128 bytes; fields past it are unknown"
        ));
    } else if !checksum_ok(&base) {
        notes.push("the base block's checksum is wrong".to_owned());
    }
    let readable = |end: usize| end <= have;

    let (manufacturer_id, product_code) = if readable(12) {
        let m = u16::from_be_bytes([base[8], base[9]]);
        let letter = |shift: u16| {
            let v = ((m >> shift) & 0x1f) as u8;
            if (1..=26).contains(&v) {
                (b'A' + v - 1) as char
            } else {
                '?'
            }
        };
        let id: String = [letter(10), letter(5), letter(0)].iter().collect();
        if id.contains('?') {
            notes.push(format!(
                "the manufacturer id 0x{m:04x} is not three letters"
            ));
        }
        (id, u16::from_le_bytes([base[10], base[11]]))
    } else {
        ("???".to_owned(), 0)
    };
    let mut withheld = Vec::new();
    if readable(16) && base[12..16] != [0, 0, 0, 0] {
        withheld.push("serial number".to_owned());
    }
    let (mut week, mut year, mut model_year) = (None, None, false);
    if readable(18) {
        year = (base[17] != 0).then(|| 1990 + u16::from(base[17]));
        match base[16] {
            0 => {}
            0xff => model_year = true,
            w @ 1..=54 => week = Some(w),
            w => notes.push(format!("the week of manufacture {w} is out of range")),
        }
        if year.is_none() {
            notes.push("no year of manufacture".to_owned());
        }
    }
    let version = if readable(20) {
        format!("{}.{}", base[18], base[19])
    } else {
        "unknown".to_owned()
    };
    let digital = readable(21) && base[20] & 0x80 != 0;
    let size_cm = (readable(23) && base[21] != 0 && base[22] != 0).then(|| (base[21], base[22]));

    let mut name = None;
    let mut text = Vec::new();
    let mut preferred_mode = None;
    for (i, start) in [54usize, 72, 90, 108].into_iter().enumerate() {
        if !readable(start + 18) {
            notes.push(format!("descriptor {} is missing (truncated)", i + 1));
            continue;
        }
        let d = &base[start..start + 18];
        if d[0] != 0 || d[1] != 0 {
            match detailed_timing(d) {
                Some(m) if preferred_mode.is_none() => preferred_mode = Some(m),
                Some(_) => {}
                None => notes.push(format!("detailed timing {} is not valid", i + 1)),
            }
            continue;
        }
        match d[3] {
            0xfc => name = Some(descriptor_text(d)).filter(|s| !s.is_empty()),
            0xff => withheld.push("serial number string".to_owned()),
            0xfe => {
                let t = descriptor_text(d);
                if !t.is_empty() {
                    text.push(t);
                }
            }
            _ => {}
        }
    }
    if preferred_mode.is_none() && readable(72) {
        notes.push("no detailed timing: the preferred mode is unknown".to_owned());
    }
    if name.is_none() && readable(BLOCK) {
        notes.push("no monitor name descriptor".to_owned());
    }

    let extensions = if readable(BLOCK) { base[126] } else { 0 };
    let mut bad = Vec::new();
    for n in 1..=usize::from(extensions) {
        let start = n * BLOCK;
        match bytes.get(start..start + BLOCK) {
            Some(block) if !checksum_ok(block) => bad.push(n.to_string()),
            Some(_) => {}
            None => {
                notes.push(format!(
                    "extension blocks {n} to {extensions} are missing (the EDID is {} bytes)",
                    bytes.len()
                ));
                break;
            }
        }
    }
    match bad.len() {
        0 => {}
        1 => notes.push(format!("extension block {} has a wrong checksum", bad[0])),
        _ => notes.push(format!(
            "extension blocks {} have wrong checksums",
            bad.join(", ")
        )),
    }
    let declared = (1 + usize::from(extensions)) * BLOCK;
    if have == BLOCK && bytes.len() > declared {
        notes.push(format!(
            "{} bytes beyond the {} declared blocks were ignored",
            bytes.len() - declared,
            1 + usize::from(extensions)
        ));
    }
    Ok(Edid {
        manufacturer: pnp_name(&manufacturer_id).map(str::to_owned),
        manufacturer_id,
        product_code,
        name,
        text,
        year,
        week,
        model_year,
        version,
        digital,
        size_cm,
        preferred_mode,
        extensions,
        withheld,
        notes,
    })
}

/// The serial numbers an EDID holds (the serial string descriptor, and the binary serial as a
/// decimal number), for the caller's withholding: to list them as withheld and scrub them from
/// anything else. Never put these in an inventory.
pub fn serial_values(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if bytes.len() < BLOCK || bytes[..HEADER.len()] != HEADER {
        return out;
    }
    let binary = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    if bytes[12..16] == REDACTED_SERIAL {
        out.push("****".to_owned());
    } else if binary != 0 {
        out.push(binary.to_string());
    }
    for start in [54usize, 72, 90, 108] {
        let d = &bytes[start..start + 18];
        if d[..3] == [0, 0, 0] && d[3] == 0xff {
            let t = descriptor_text(d);
            if !t.is_empty() {
                out.push(t);
            }
        }
    }
    out
}

/// The binary serial a redacted EDID holds: `****` in ASCII.
const REDACTED_SERIAL: [u8; 4] = *b"****";

/// The EDID with its serial numbers redacted as `mxcert record` redacts every private value
/// (each character replaced by `*`: the binary serial becomes `****` in ASCII, the serial
/// string as many `*` as it had characters) and the base block's checksum fixed: what a
/// recording of a machine may keep. It decodes as the original did, serials still listed as
/// withheld.
pub fn redact(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.len() < BLOCK || out[..HEADER.len()] != HEADER {
        return out;
    }
    if out[12..16] != [0, 0, 0, 0] {
        out[12..16].copy_from_slice(&REDACTED_SERIAL);
    }
    for start in [54usize, 72, 90, 108] {
        if out[start..start + 3] == [0, 0, 0] && out[start + 3] == 0xff {
            let text = &mut out[start + 5..start + 18];
            let len = text.iter().position(|&b| b == 0x0a).unwrap_or(text.len());
            text[..len].fill(b'*');
        }
    }
    let sum = out[..BLOCK - 1].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    out[BLOCK - 1] = 0u8.wrapping_sub(sum);
    out
}

impl Edid {
    /// The name to show: the monitor name, else the panel's texts (e.g. `AUO B140QAN02.3`),
    /// else the manufacturer and product code.
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        if !self.text.is_empty() {
            return self.text.join(" ");
        }
        format!("{} 0x{:04x}", self.manufacturer_id, self.product_code)
    }

    /// One line for evidence: `DEL 0x40f8 "DELL U2917W" 2016 week 5, 67x28 cm, digital,
    /// 2560x1080@60.00Hz, 1 extension`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} 0x{:04x} \"{}\"",
            self.manufacturer_id,
            self.product_code,
            self.display_name()
        )];
        match (self.year, self.week, self.model_year) {
            (Some(y), _, true) => parts.push(format!("model year {y}")),
            (Some(y), Some(w), _) => parts.push(format!("{y} week {w}")),
            (Some(y), None, _) => parts.push(y.to_string()),
            _ => {}
        }
        if let Some((w, h)) = self.size_cm {
            parts.push(format!("{w}x{h} cm"));
        }
        parts.push(if self.digital { "digital" } else { "analogue" }.to_owned());
        if let Some(m) = self.preferred_mode {
            parts.push(m.to_string());
        }
        parts.push(match self.extensions {
            1 => "1 extension".to_owned(),
            n => format!("{n} extensions"),
        });
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_and_a_bare_header_is_noted() {
        assert_eq!(decode(b""), Err(EdidError::Empty));
        assert_eq!(decode(b"hello world"), Err(EdidError::NoHeader));
        let e = decode(&HEADER).unwrap();
        assert_eq!(e.manufacturer_id, "???");
        assert!(e.notes[0].starts_with("the base block is truncated at 8 of 128"));
        assert!(e.preferred_mode.is_none());
        assert!(serial_values(&HEADER).is_empty());
        assert_eq!(redact(&HEADER), HEADER);
    }
}
