//! Privacy: the pseudonymous machine id, and how withheld values are recognised.
//!
//! Reports never carry serial numbers, MAC addresses, UUIDs, host names or user names. A machine is
//! instead known by a stable pseudonymous id: an HMAC-SHA256, under a fixed mxcert key, of its
//! hardware identifiers (product UUID, serial numbers). The same machine always gets the same id, so
//! repeat submissions can be linked, but the id does not reveal the identifiers. This module only
//! computes; the probe decides what to feed it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC key: fixed, public, and versioned, so that ids from different versions never collide.
const MACHINE_ID_KEY: &[u8] = b"mxcert machine-id v1";

/// The pseudonymous id of a machine from its private identifiers, e.g. `mx1-3f2a...` (32 hex digits).
///
/// Identifiers are trimmed, empty or placeholder values (`To Be Filled By O.E.M.`, `0`, all zeroes)
/// are ignored, and the rest are hashed in the given order. Returns `None` when nothing usable is left.
pub fn machine_id<'a>(identifiers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(MACHINE_ID_KEY).ok()?;
    let mut any = false;
    for id in identifiers {
        let id = id.trim();
        if is_placeholder(id) {
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

/// Whether a firmware string is a placeholder that identifies nothing.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    if v.chars()
        .all(|c| c == '0' || c == '-' || c == ' ' || c == 'F' || c == 'f' || c == 'X' || c == 'x')
    {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    [
        "to be filled by o.e.m.",
        "default string",
        "not specified",
        "not applicable",
        "none",
        "n/a",
        "system serial number",
        "system product name",
        "123456789",
        "03000200-0400-0500-0006-000700080009",
    ]
    .contains(&lower.as_str())
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
    fn placeholders_identify_nothing() {
        assert_eq!(
            machine_id([
                "",
                "To Be Filled By O.E.M.",
                "00000000-0000-0000-0000-000000000000"
            ]),
            None
        );
        assert_eq!(machine_id(["x", ""]), machine_id(["x"]));
    }
}
