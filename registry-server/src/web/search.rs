//! The home page's one search box (`/buscar?q=`): a device ID goes to the device's page, anything
//! else searches the certified systems. A bare `vvvv:dddd` (as `lspci -nn` and `lsusb` print it)
//! is a PCI device if the registry knows one with that id, else a USB device if it knows that,
//! else PCI (whose page then says nothing is known yet).
//!
//! This module must not render results: it only redirects.

use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::PageQuery;
use super::render::PageError;
use super::signin::see_other;
use crate::public::devices::{self, DeviceQuery};

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    q: String,
}

/// `vvvv:dddd` (4 hex digits each, in brackets or not, any case) as lowercase, if `q` is one.
pub fn bare_id(q: &str) -> Option<String> {
    let q = q.trim().trim_start_matches('[').trim_end_matches(']');
    let (v, d) = q.split_once(':')?;
    let hex4 = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex4(v) && hex4(d)).then(|| q.to_ascii_lowercase())
}

/// The device page of a base identity (`pci:8086:9a49` -> `/dispositivos/pci/8086:9a49`).
fn device_page(identity: &str) -> String {
    match identity.split_once(':') {
        Some((bus, rest)) => format!("/dispositivos/{bus}/{rest}"),
        None => "/sistemas".into(),
    }
}

/// `GET /buscar`.
pub async fn search(ctx: Ctx, PageQuery(p): PageQuery<Params>) -> Result<Response, PageError> {
    let q = p.q.trim();
    if q.is_empty() {
        return Ok(see_other("/sistemas"));
    }
    if q.contains(':') && !q.contains(' ') {
        // A device: `pci:8086:9a49`, `usb:8087:0033`, or bare `8086:9a49` (PCI or USB).
        if let Ok(candidates) = devices::base_identities_param(bare_id(q).as_deref().unwrap_or(q)) {
            let devices: Vec<&String> = candidates
                .iter()
                .filter(|c| matches!(c.split_once(':'), Some(("pci" | "usb", _))))
                .collect();
            let one = DeviceQuery {
                page: Some(1),
                per_page: Some(1),
            };
            for candidate in &devices {
                let Some((bus, id)) = candidate.split_once(':') else {
                    continue;
                };
                let identity = devices::identity_from_path(bus, id)?;
                if devices.len() == 1
                    || devices::lookup(&ctx.state.store, &identity, &one)
                        .await
                        .is_ok()
                {
                    return Ok(see_other(&device_page(candidate)));
                }
            }
            if let Some(first) = devices.first() {
                return Ok(see_other(&device_page(first)));
            }
        }
    }
    let query = serde_urlencoded::to_string([("q", q)]).unwrap_or_default();
    Ok(see_other(&format!("/sistemas?{query}")))
}

#[cfg(test)]
mod tests {
    use super::bare_id;

    #[test]
    fn bare_ids_are_what_lspci_and_lsusb_print() {
        assert_eq!(bare_id("8086:9A49").as_deref(), Some("8086:9a49"));
        assert_eq!(bare_id(" [10de:2520] ").as_deref(), Some("10de:2520"));
        for not in [
            "8086",
            "8086:9a4",
            "pci:8086:9a49",
            "ThinkPad",
            "zzzz:0000",
            "8086:9a49:1",
        ] {
            assert_eq!(bare_id(not), None, "{not}");
        }
    }
}
