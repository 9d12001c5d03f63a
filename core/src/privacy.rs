//! Privacy: what counts as private, the pseudonymous machine id, and the last-line scrubber.
//!
//! Reports never carry serial numbers, MAC addresses, UUIDs, host names or user names. Three layers
//! keep them out:
//!
//! 1. At the source: the probe never copies a private udev property ([`property_kind`]) or sysfs
//!    attribute ([`attribute_kind`]) or SMBIOS field into the inventory. It records *that* it saw
//!    one, and where, in a [`Withholding`], which becomes `probe.withheld` (kind and location only).
//! 2. A machine is known by a stable pseudonymous id: an HMAC-SHA256, under a fixed mxcert key, of
//!    its hardware identifiers ([`machine_id`]). The same machine always gets the same id, so repeat
//!    submissions can be linked, but the id does not reveal the identifiers.
//! 3. Before an inventory leaves the probe, [`Withholding::scrub`] replaces every private value it
//!    saw (wherever it turned up, e.g. inside a model string) and every MAC- or UUID-shaped token
//!    ([`scrub_text`]) in every string.
//!
//! `mxcert record` replaces private values in the files it copies with [`redact`]ed stars, so a
//! recording can be shared; a starred value still counts as "seen and withheld" but identifies
//! nothing. This module only computes: it reads nothing and decides nothing about what to probe.

use std::borrow::Cow;
use std::collections::BTreeSet;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::inventory::{Inventory, Withheld, WithheldKind};

/// The HMAC key: fixed, public, and versioned, so that ids from different versions never collide.
const MACHINE_ID_KEY: &[u8] = b"mxcert machine-id v1";

/// What replaces a private value found inside another string.
pub const WITHHELD: &str = "(withheld)";

/// Private values shorter than this are withheld at the source but not searched for inside other
/// strings: a 3-character serial such as `001` would match half the numbers in an inventory.
pub const MIN_SECRET_LEN: usize = 5;

/// The pseudonymous id of a machine from its private identifiers, e.g. `mx1-3f2a...` (32 hex digits).
///
/// Identifiers are trimmed, empty, placeholder (`To Be Filled By O.E.M.`, `0`, all zeroes) and
/// [`redact`]ed values are ignored, and the rest are hashed in the given order. Returns `None` when
/// nothing usable is left.
pub fn machine_id<'a>(identifiers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(MACHINE_ID_KEY).ok()?;
    let mut any = false;
    for id in identifiers {
        let id = id.trim();
        if is_placeholder(id) || is_redacted(id) {
            continue;
        }
        mac.update(id.as_bytes());
        mac.update(&[0]);
        any = true;
    }
    if !any {
        return None;
    }
    let digest = mac.finalize().into_bytes();
    Some(format!("mx1-{}", hex::encode(&digest[..16])))
}

/// Whether a value identifies nothing: empty (or an empty quoted string, as in `UNIQ=""`), a
/// firmware placeholder (`To Be Filled By O.E.M.`, all zeroes), or a PCI bus address, which the
/// kernel reports as the "serial number" of USB root hubs.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches('"').trim();
    if v.is_empty() || is_pci_address(v) {
        return true;
    }
    if v.chars()
        .all(|c| matches!(c, '0' | '-' | ' ' | 'F' | 'f' | 'X' | 'x' | '.' | ':'))
    {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    [
        "to be filled by o.e.m.",
        "default string",
        "not specified",
        "not applicable",
        "not available",
        "none",
        "n/a",
        "na",
        "unknown",
        "noserial",
        "empty",
        "system serial number",
        "system product name",
        "chassis serial number",
        "base board serial number",
        "serial",
        "123456789",
        "0123456789",
        "1234567890",
        "03000200-0400-0500-0006-000700080009",
    ]
    .contains(&lower.as_str())
}

/// `0000:00:14.0`: a PCI domain, bus, device and function.
fn is_pci_address(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 12
        && [4, 7].iter().all(|i| b[*i] == b':')
        && b[10] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10) || c.is_ascii_hexdigit())
}

/// A private value replaced by as many `*` as it had characters (at least one).
pub fn redact(value: &str) -> String {
    "*".repeat(value.trim().chars().count().max(1))
}

/// Whether a value was [`redact`]ed by `mxcert record`.
pub fn is_redacted(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && v.bytes().all(|b| b == b'*')
}

/// Whether a udev property holds a private value, and of what kind. Covers the properties udev and
/// the kernel set (`ID_SERIAL`, `ID_SERIAL_SHORT`, `ID_WWN*`, `*UUID*`, `UNIQ`, `HID_UNIQ`,
/// `POWER_SUPPLY_SERIAL_NUMBER`, `ID_NET_NAME_MAC`, `*ASSET_TAG*`, ...).
pub fn property_kind(key: &str) -> Option<WithheldKind> {
    if key.contains("UUID") {
        Some(WithheldKind::Uuid)
    } else if key.contains("WWN") || key.starts_with("SCSI_IDENT_") {
        Some(WithheldKind::Wwn)
    } else if key.contains("SERIAL") || key == "UNIQ" || key.ends_with("_UNIQ") {
        Some(WithheldKind::SerialNumber)
    } else if key.ends_with("_MAC") || key.contains("MAC_ADDRESS") || key == "ID_BDADDR" {
        Some(WithheldKind::MacAddress)
    } else if key.contains("ASSET_TAG") {
        Some(WithheldKind::AssetTag)
    } else {
        None
    }
}

/// Whether a sysfs attribute (by file name) holds a private value, and of what kind.
pub fn attribute_kind(name: &str) -> Option<WithheldKind> {
    let file = name.rsplit('/').next().unwrap_or(name);
    match file {
        "serial" | "serial_number" | "serial-number" | "product_serial" | "board_serial"
        | "chassis_serial" | "uniq" | "unique_id" => Some(WithheldKind::SerialNumber),
        "product_uuid" | "uuid" => Some(WithheldKind::Uuid),
        "wwid" | "wwn" | "eui" | "nguid" => Some(WithheldKind::Wwn),
        "address" | "perm_addr" => Some(WithheldKind::MacAddress),
        "board_asset_tag" | "chassis_asset_tag" => Some(WithheldKind::AssetTag),
        "machine-id" => Some(WithheldKind::MachineId),
        _ => None,
    }
}

/// Replaces MAC- and UUID-shaped tokens: `aa:bb:cc:dd:ee:ff` (or with `-`) becomes
/// `xx:xx:xx:xx:xx:xx`, a 12-digit MAC in an interface name (`enx`/`wlx` + 12 hex digits) has its
/// digits replaced by `x`, and `8-4-4-4-12` hex UUIDs become
/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. The result never matches again, so scrubbing twice
/// changes nothing.
pub fn scrub_text(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_hexdigit();
        let replaced = if boundary { token_at(bytes, i) } else { None };
        match replaced {
            Some((len, replacement)) => {
                let buf = out.get_or_insert_with(|| bytes[..i].to_vec());
                buf.extend_from_slice(&replacement);
                i += len;
            }
            None => {
                if let Some(buf) = out.as_mut() {
                    buf.push(bytes[i]);
                }
                i += 1;
            }
        }
    }
    match out {
        // Only ASCII hex digits were replaced by ASCII, so the bytes are still UTF-8.
        Some(buf) => Cow::Owned(String::from_utf8_lossy(&buf).into_owned()),
        None => Cow::Borrowed(text),
    }
}

/// A MAC or UUID token starting at `i`: its length and replacement.
fn token_at(b: &[u8], i: usize) -> Option<(usize, Vec<u8>)> {
    let hex = |k: usize| b.get(k).is_some_and(|c| c.is_ascii_hexdigit());
    let not_hex_after = |k: usize| !hex(k);
    // aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff
    if let Some(&sep) = b.get(i + 2) {
        if (sep == b':' || sep == b'-')
            && (i == 0 || b[i - 1] != sep)
            && (0..6).all(|g| hex(i + g * 3) && hex(i + g * 3 + 1))
            && (0..5).all(|g| b.get(i + g * 3 + 2) == Some(&sep))
            && not_hex_after(i + 17)
            && b.get(i + 17) != Some(&sep)
        {
            let mut r = b"xx:xx:xx:xx:xx:xx".to_vec();
            if sep == b'-' {
                r = b"xx-xx-xx-xx-xx-xx".to_vec();
            }
            return Some((17, r));
        }
    }
    // 8-4-4-4-12 UUID
    let groups = [8usize, 4, 4, 4, 12];
    let mut k = i;
    let mut ok = true;
    for (n, len) in groups.iter().enumerate() {
        if !(k..k + len).all(hex) {
            ok = false;
            break;
        }
        k += len;
        if n < 4 {
            if b.get(k) != Some(&b'-') {
                ok = false;
                break;
            }
            k += 1;
        }
    }
    if ok && not_hex_after(k) {
        return Some((36, b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".to_vec()));
    }
    None
}

/// Interface names that embed a MAC (`enx001122334455`, `wlx...`) are handled here rather than in
/// [`token_at`] because the MAC digits follow letters.
fn scrub_interface_macs(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        let prefix = b.get(i..i + 3);
        let is_mac_name = matches!(prefix, Some(b"enx") | Some(b"wlx"))
            && b.len() >= i + 15
            && b[i + 3..i + 15].iter().all(u8::is_ascii_hexdigit)
            && !b.get(i + 15).is_some_and(u8::is_ascii_hexdigit);
        if is_mac_name {
            let buf = out.get_or_insert_with(|| b[..i].to_vec());
            buf.extend_from_slice(&b[i..i + 3]);
            buf.extend_from_slice(b"xxxxxxxxxxxx");
            i += 15;
        } else {
            if let Some(buf) = out.as_mut() {
                buf.push(b[i]);
            }
            i += 1;
        }
    }
    match out {
        Some(buf) => Cow::Owned(String::from_utf8_lossy(&buf).into_owned()),
        None => Cow::Borrowed(text),
    }
}

/// [`scrub_text`] plus MACs embedded in interface names.
pub fn scrub_all(text: &str) -> Cow<'_, str> {
    match scrub_text(text) {
        Cow::Borrowed(t) => scrub_interface_macs(t),
        Cow::Owned(t) => Cow::Owned(scrub_interface_macs(&t).into_owned()),
    }
}

/// What a probe withheld: the entries for `probe.withheld`, and the values themselves, kept only in
/// memory to scrub them from every string of the inventory.
#[derive(Default, Clone)]
pub struct Withholding {
    entries: BTreeSet<Withheld>,
    secrets: BTreeSet<String>,
}

impl std::fmt::Debug for Withholding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Withholding")
            .field("entries", &self.entries)
            .field(
                "secrets",
                &format_args!("[{} withheld]", self.secrets.len()),
            )
            .finish()
    }
}

impl Withholding {
    pub fn new() -> Withholding {
        Withholding::default()
    }

    /// Records that a private value of `kind` was seen at `location`. Placeholders identify nothing
    /// and are ignored; redacted values are listed but there is nothing left to scrub.
    pub fn withhold(&mut self, kind: WithheldKind, location: impl Into<String>, value: &str) {
        if self.keep_secret(value) {
            self.entries.insert(Withheld {
                kind,
                location: location.into(),
            });
        }
    }

    /// Records a private value to scrub without listing where it was (for values past a listing
    /// bound, whose places are summarised by the caller). Returns whether the value is worth a
    /// listing: placeholders are not.
    pub fn keep_secret(&mut self, value: &str) -> bool {
        let value = value.trim();
        if is_placeholder(value) && !is_redacted(value) {
            return false;
        }
        if !is_redacted(value) && value.chars().count() >= MIN_SECRET_LEN {
            self.secrets.insert(value.to_owned());
        }
        true
    }

    /// Adds the entries and secrets of another withholding.
    pub fn merge(&mut self, other: Withholding) {
        self.entries.extend(other.entries);
        self.secrets.extend(other.secrets);
    }

    /// The entries, sorted, for `probe.withheld`.
    pub fn entries(&self) -> Vec<Withheld> {
        self.entries.iter().cloned().collect()
    }

    /// A scrubber for the values withheld so far: build it once, use it on many strings.
    pub fn scrubber(&self) -> Scrubber {
        Scrubber {
            // Leftmost-longest, so a serial that contains a shorter one is replaced whole; one
            // pass over each string however many values there are (an import may withhold
            // thousands).
            matcher: aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&self.secrets)
                .ok()
                .filter(|_| !self.secrets.is_empty()),
        }
    }

    /// Scrubs every string in an inventory (keys of `details` included) and sets `probe.withheld`.
    pub fn scrub(&self, inventory: &mut Inventory) {
        let mut withheld = self.entries();
        withheld.append(&mut inventory.probe.withheld);
        withheld.sort();
        withheld.dedup();
        inventory.probe.withheld = withheld;
        let scrubber = self.scrubber();
        crate::inventory::visit_strings_mut(inventory, &mut |s: &mut String| {
            if let Cow::Owned(clean) = scrubber.scrub(s) {
                *s = clean;
            }
        });
    }
}

/// Replaces withheld values and MAC/UUID shapes in strings (see [`Withholding::scrubber`]).
#[derive(Clone)]
pub struct Scrubber {
    matcher: Option<aho_corasick::AhoCorasick>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber").finish_non_exhaustive()
    }
}

impl Scrubber {
    /// Whether a string contains one of the withheld values.
    pub fn leaks(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }

    /// One string with withheld values replaced by [`WITHHELD`], then [`scrub_all`]; borrowed
    /// when nothing changed.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let replaced = match &self.matcher {
            Some(m) if m.is_match(text) => {
                let mut out = String::with_capacity(text.len());
                m.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(WITHHELD);
                    true
                });
                Cow::Owned(out)
            }
            _ => Cow::Borrowed(text),
        };
        match replaced {
            Cow::Borrowed(t) => scrub_all(t),
            Cow::Owned(t) => Cow::Owned(scrub_all(&t).into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_identifiers_give_the_same_id_and_hide_them() {
        let a = machine_id(["4C4C4544-0042-3510-8052-B4C04F383732", "ABC1234"]).unwrap();
        let b = machine_id(["4C4C4544-0042-3510-8052-B4C04F383732", "ABC1234"]).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("mx1-") && a.len() == 36);
        assert!(!a.to_lowercase().contains("abc1234"));
        assert_ne!(
            a,
            machine_id(["4C4C4544-0042-3510-8052-B4C04F383732", "ABC1235"]).unwrap()
        );
    }

    #[test]
    fn placeholders_and_redactions_identify_nothing() {
        assert_eq!(
            machine_id([
                "",
                "To Be Filled By O.E.M.",
                "00000000-0000-0000-0000-000000000000",
                "*******"
            ]),
            None
        );
        assert_eq!(machine_id(["x", ""]), machine_id(["x"]));
        for nothing in ["\"\"", "0000:00:14.0", "Default string", "  "] {
            assert!(is_placeholder(nothing), "{nothing}");
        }
        assert!(!is_placeholder("PF3KX2QZ"));
        assert_eq!(redact(" 5VJ364ST "), "********");
        assert!(is_redacted("********") && !is_redacted("") && !is_redacted("*a"));
    }

    #[test]
    fn private_properties_and_attributes_are_recognised() {
        for (k, want) in [
            ("ID_SERIAL", WithheldKind::SerialNumber),
            ("ID_SERIAL_SHORT", WithheldKind::SerialNumber),
            ("POWER_SUPPLY_SERIAL_NUMBER", WithheldKind::SerialNumber),
            ("HID_UNIQ", WithheldKind::SerialNumber),
            ("ID_WWN_WITH_EXTENSION", WithheldKind::Wwn),
            ("ID_FS_UUID", WithheldKind::Uuid),
            ("MEI_CL_UUID", WithheldKind::Uuid),
            ("ID_NET_NAME_MAC", WithheldKind::MacAddress),
        ] {
            assert_eq!(property_kind(k), Some(want), "{k}");
        }
        for k in ["ID_MODEL", "PCI_ID", "DRIVER", "ID_VENDOR_FROM_DATABASE"] {
            assert_eq!(property_kind(k), None, "{k}");
        }
        assert_eq!(attribute_kind("serial"), Some(WithheldKind::SerialNumber));
        assert_eq!(attribute_kind("device/wwid"), Some(WithheldKind::Wwn));
        assert_eq!(attribute_kind("product_uuid"), Some(WithheldKind::Uuid));
        assert_eq!(attribute_kind("address"), Some(WithheldKind::MacAddress));
        assert_eq!(attribute_kind("model"), None);
    }

    #[test]
    fn macs_and_uuids_are_scrubbed_and_scrubbing_is_idempotent() {
        let cases = [
            ("mac 00:1A:7d:da:71:13 end", "mac xx:xx:xx:xx:xx:xx end"),
            ("a0-b1-c2-d3-e4-f5", "xx-xx-xx-xx-xx-xx"),
            (
                "mei::309dcde8-ccb1-4062-8f78-600115a34327:01",
                "mei::xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx:01",
            ),
            ("net/enx00e04c680001", "net/enxxxxxxxxxxxxx"),
            ("wlx001122334455", "wlxxxxxxxxxxxxx"),
        ];
        for (input, want) in cases {
            assert_eq!(scrub_all(input), want, "{input}");
            assert_eq!(scrub_all(want), want, "{want} again");
        }
        // Things that look a bit like MACs but are not.
        for keep in [
            "devices/pci0000:00/0000:00:1f.2",
            "usb-0000:00:14.0-4.1/input0",
            "1-1.5.4.2:1.0",
            "00:1a:7d:da:71:13:99",
            "enx00e04c6800012",
            "pci:8086:9a49:1028:0b19",
        ] {
            assert_eq!(scrub_all(keep), keep, "{keep}");
        }
    }

    #[test]
    fn withholding_lists_kinds_and_scrubs_values() {
        let mut w = Withholding::new();
        w.withhold(
            WithheldKind::SerialNumber,
            "disk sda ID_SERIAL_SHORT",
            "5VJ364ST",
        );
        w.withhold(WithheldKind::SerialNumber, "board serial", "Not Specified");
        w.withhold(WithheldKind::SerialNumber, "usb 1-4 serial", "001");
        w.withhold(WithheldKind::SerialNumber, "disk sdb serial", "5VJ364ST-X");
        assert_eq!(w.entries().len(), 3);
        let s = w.scrubber();
        assert_eq!(s.scrub("ST9500420ASG_5VJ364ST"), "ST9500420ASG_(withheld)");
        assert_eq!(s.scrub("a 5VJ364ST-X b"), "a (withheld) b");
        assert!(matches!(s.scrub("nothing here"), Cow::Borrowed(_)));
        assert!(s.leaks("x5VJ364STx") && !s.leaks("5VJ364"));
        assert!(!format!("{w:?}").contains("5VJ364ST"));
    }
}
