//! Platform, device-tree and ACPI devices with a driver bound, and virtio and SDIO devices.
//!
//! Platform devices are named by their modalias (`platform:i8042`) or, on device-tree machines, by
//! their first compatible string (`of:brcm,bcm2711-pcie`, bus `of`). ACPI devices, and platform
//! devices the firmware described in ACPI, are named by their first ACPI id (bus `acpi`); processors, PCI roots, the ACPI system and bus containers and interrupt links
//! are bookkeeping, not hardware, and are skipped, as are platform devices that only stand for
//! kernel services.

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

/// ACPI ids that describe the machine's structure, not devices.
const ACPI_SKIP: &[&str] = &[
    "LNXSYSTM", "LNXSYBUS", "LNXCPU", "ACPI0007", "PNP0A03", "PNP0A08", "PNP0C0F", "ACPI0004",
];

/// Platform devices that stand for kernel services.
const PLATFORM_SKIP: &[&str] = &[
    "alarmtimer",
    "reg-dummy",
    "serial8250",
    "efivars",
    "microcode",
    "Fixed MDIO bus",
    "snd-soc-dummy",
];

/// Names of the devices whose ids the ACPI specification (or a widely used vendor id) defines.
fn acpi_name(id: &str) -> Option<&'static str> {
    Some(match id.to_ascii_uppercase().as_str() {
        "PNP0C0A" => "Control Method Battery",
        "ACPI0003" => "AC Adapter",
        "PNP0C0C" | "LNXPWRBN" => "Power Button",
        "PNP0C0E" | "LNXSLPBN" => "Sleep Button",
        "PNP0C0D" => "Lid",
        "PNP0C09" => "Embedded Controller",
        "PNP0C0B" => "Fan",
        "PNP0C14" => "WMI",
        "LNXVIDEO" => "Video Bus",
        "LNXTHERM" => "Thermal Zone",
        "MSFT0101" => "TPM 2.0",
        "PNP0C31" => "TPM",
        "ACPI0013" => "Generic Event Device",
        "ACPI000E" => "Time and Alarm Device",
        "PNP0B00" => "Real-time Clock",
        "PNP0C50" => "HID over I2C",
        "INT33D5" => "Intel HID Event Filter",
        _ => return None,
    })
}

/// A platform device's name without its instance suffix (`intel_pmc_core.0` → `intel_pmc_core`).
fn platform_name(r: &DeviceRecord) -> String {
    if let Some(n) = r.modalias().and_then(crate::modalias::platform_name) {
        return n.to_owned();
    }
    let name = r.sysname();
    match name.rsplit_once('.') {
        Some((base, n)) if n.bytes().all(|b| b.is_ascii_digit()) || n == "auto" => base.to_owned(),
        _ => name.to_owned(),
    }
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let driver = r.driver()?.to_owned();
    let subsystem = r.subsystem()?;
    let acpi_id = r.modalias().and_then(crate::modalias::acpi_first_id);
    let (bus, name) = if subsystem == "acpi" || acpi_id.is_some() {
        // ACPI devices, and platform devices the firmware enumerated through ACPI.
        let id = acpi_id
            .map(str::to_owned)
            .or_else(|| r.sysname().split(':').next().map(str::to_owned))?;
        if ACPI_SKIP.contains(&id.as_str()) {
            return None;
        }
        ("acpi", id)
    } else if let Some(compatible) = r.prop("OF_COMPATIBLE_0").map(str::to_owned).or_else(|| {
        r.modalias()
            .and_then(crate::modalias::of_first_compatible)
            .map(str::to_owned)
    }) {
        ("of", compatible)
    } else {
        let name = platform_name(r);
        if PLATFORM_SKIP.contains(&name.as_str()) {
            return None;
        }
        ("platform", name)
    };
    let category = Category::from_platform_id(&name)
        .or_else(|| Category::from_platform_id(&driver))
        .unwrap_or(Category::System);
    let id = Identity::other(
        bus,
        &name.to_ascii_lowercase().replace(char::is_whitespace, "_"),
    )?;
    let mut d = super::device(bus, id.to_string(), category, r);
    if bus == "acpi" {
        d.device_name = acpi_name(&name).map(str::to_owned);
        if d.device_name.is_some() {
            ctx.names_used.insert("acpi");
        }
    }
    d.driver = Some(driver);
    d.modules = ctx.modules(r);
    d.details.insert("name".into(), r.sysname().to_owned());
    Some(d)
}

pub(crate) fn virtio(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let (vendor, device) = r.modalias().and_then(crate::modalias::virtio)?;
    let id = Identity::other(
        "virtio",
        &format!("{:04x}:{:04x}", vendor & 0xffff, device & 0xffff),
    )?;
    let mut d = super::device(
        "virtio",
        id.to_string(),
        Category::from_virtio_device(device),
        r,
    );
    d.driver = r.driver().map(str::to_owned);
    d.needs_driver = true;
    d.modules = ctx.modules(r);
    Some(d)
}

pub(crate) fn sdio(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let (vendor, device) = r
        .prop("SDIO_ID")
        .and_then(|v| {
            let (a, b) = v.split_once(':')?;
            Some((
                u16::try_from(super::hex(a)?).ok()?,
                u16::try_from(super::hex(b)?).ok()?,
            ))
        })
        .or_else(|| r.modalias().and_then(crate::modalias::sdio))?;
    // SDIO class 07 is WLAN.
    let category = match r.prop("SDIO_CLASS").and_then(super::hex) {
        Some(0x07) => Category::Wireless,
        Some(0x09) => Category::Bluetooth,
        _ => Category::Other,
    };
    let id = Identity::other("sdio", &format!("{vendor:04x}:{device:04x}"))?;
    let mut d = super::device("sdio", id.to_string(), category, r);
    d.driver = r.driver().map(str::to_owned);
    d.needs_driver = true;
    d.modules = ctx.modules(r);
    Some(d)
}
