//! Boot and platform security: UEFI or legacy boot (`/sys/firmware/efi`), the Secure Boot state
//! (the `SecureBoot` EFI variable), and the device tree's `model`/`compatible` on device-tree
//! platforms. TPMs come from the `tpm` class devices and SMBIOS type 43.

use mxcert_core::inventory::{DeviceTree, WithheldKind};
use mxcert_core::privacy::Withholding;

use super::root::Root;

const SECURE_BOOT: &str =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const DEVICE_TREE: &str = "/sys/firmware/devicetree/base";

/// `uefi`, `legacy` (x86 without EFI), or `None` (other platforms without EFI).
pub fn boot_mode(root: &Root, arch: Option<&str>) -> Option<String> {
    if root.exists("/sys/firmware/efi") {
        Some("uefi".into())
    } else if matches!(arch, Some("x86_64" | "i686" | "i386" | "x86")) {
        Some("legacy".into())
    } else {
        None
    }
}

/// The Secure Boot state: the variable is 4 bytes of attributes and one byte, 1 when enabled.
pub fn secure_boot(root: &Root, notes: &mut Vec<String>) -> Option<bool> {
    if !root.exists("/sys/firmware/efi") {
        return None;
    }
    match root.read(SECURE_BOOT) {
        Ok(Some(bytes)) => bytes.get(4).map(|b| *b == 1),
        Ok(None) => Some(false),
        Err(e) => {
            notes.push(format!("{SECURE_BOOT}: {e}"));
            None
        }
    }
}

/// Splits a device-tree string list (NUL-separated).
fn strings(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The device tree's model and compatible strings; its `serial-number` is withheld and becomes a
/// machine-id identifier.
pub fn device_tree(
    root: &Root,
    withholding: &mut Withholding,
    identifiers: &mut Vec<String>,
) -> Option<DeviceTree> {
    let model = root
        .read(&format!("{DEVICE_TREE}/model"))
        .ok()
        .flatten()
        .map(|b| strings(&b))
        .and_then(|s| s.into_iter().next());
    let compatible = root
        .read(&format!("{DEVICE_TREE}/compatible"))
        .ok()
        .flatten()
        .map(|b| strings(&b))
        .unwrap_or_default();
    let serial_path = format!("{DEVICE_TREE}/serial-number");
    if let Ok(Some(serial)) = root.read(&serial_path) {
        if let Some(serial) = strings(&serial).into_iter().next() {
            withholding.withhold(WithheldKind::SerialNumber, serial_path, &serial);
            identifiers.push(serial);
        }
    }
    (model.is_some() || !compatible.is_empty()).then_some(DeviceTree { model, compatible })
}
