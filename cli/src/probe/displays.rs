//! Displays: the EDID of each connected DRM connector (`cardN-CONNECTOR/edid` below the card's
//! sysfs directory, which `/sys/class/drm/cardN-CONNECTOR` links to),
//! decoded by [`mxcert_core::edid`] into the GPU's `displays` detail, e.g.
//! `eDP-1: AUO 0x2336 "AUO B140QAN02.3", 2017, 31x17 cm, digital, 2560x1440@60.01Hz, 0 extensions`.
//! Built-in panels (eDP, LVDS, DSI) and external monitors alike, each under its connector and
//! GPU. The serial numbers are withheld (listed, scrubbed, never decoded into the inventory).
//! A messy EDID is decoded as far as readable, with its notes; one that is not an EDID is a
//! probe note. Never fails the probe.

use mxcert_core::edid;
use mxcert_core::inventory::{Device, WithheldKind};
use mxcert_core::privacy::Withholding;

use super::Root;

/// At most this many bytes of an EDID are read (a base block and 255 extensions).
const MAX_EDID: usize = 256 * 128;

/// Adds `displays` to each DRM card's details.
pub(crate) fn add(
    root: &Root,
    devices: &mut [Device],
    withholding: &mut Withholding,
    notes: &mut Vec<String>,
) {
    for d in devices.iter_mut().filter(|d| d.bus == "drm") {
        let (Some(card), Some(card_dir)) = (
            d.details.get("card").map(|c| format!("card{c}-")),
            d.path.as_ref().map(|p| format!("/sys/{p}")),
        ) else {
            continue;
        };
        let mut displays = Vec::new();
        for name in root.list(&card_dir).iter().filter(|n| n.starts_with(&card)) {
            let conn = &name[card.len()..];
            let dir = format!("{card_dir}/{name}");
            let connected = root
                .read_attr(&format!("{dir}/status"))
                .ok()
                .flatten()
                .is_some_and(|s| s == "connected");
            if !connected {
                continue;
            }
            let path = format!("{dir}/edid");
            let bytes = match root.read(&path) {
                Ok(Some(b)) if !b.is_empty() => b,
                Ok(_) => {
                    displays.push(format!("{conn}: no EDID"));
                    continue;
                }
                Err(e) => {
                    notes.push(format!("{path}: cannot be read: {e}"));
                    continue;
                }
            };
            let bytes = &bytes[..bytes.len().min(MAX_EDID)];
            for serial in edid::serial_values(bytes) {
                withholding.withhold(WithheldKind::SerialNumber, path.clone(), &serial);
            }
            match edid::decode(bytes) {
                Ok(e) if e.notes.is_empty() => displays.push(format!("{conn}: {}", e.summary())),
                Ok(e) => displays.push(format!("{conn}: {} [{}]", e.summary(), e.notes.join("; "))),
                Err(e) => notes.push(format!("{path}: {e}")),
            }
        }
        if !displays.is_empty() {
            d.details.insert("displays".into(), displays.join("; "));
        }
    }
}
