//! Mobile broadband modems are their own category (`wwan`), not wired network: the modem (USB
//! or PCI) and its network interface, from real-looking `udevadm info --export-db` records
//! (`fixtures/wwan/`, origins in its README), beside a wired port that stays `network`.

use std::path::PathBuf;

use chrono::TimeZone;
use mxcert_core::category::Category;
use mxcert_core::import::{self, Format, ImportOptions};
use mxcert_core::inventory::{Device, Inventory};

fn import(name: &str) -> Inventory {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wwan")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let opts = ImportOptions::new(
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        mxcert_core::tool("mxcert", "test"),
    );
    let imported = import::import_as(&bytes, Format::Udevadm, &opts).unwrap();
    imported.inventory
}

fn on<'a>(inv: &'a Inventory, bus: &str, id_part: &str) -> &'a Device {
    inv.devices
        .iter()
        .find(|d| d.bus == bus && d.id.contains(id_part))
        .unwrap_or_else(|| panic!("no {bus} device {id_part} in {:#?}", inv.devices))
}

fn interface<'a>(inv: &'a Inventory, name: &str) -> &'a Device {
    inv.devices
        .iter()
        .find(|d| d.bus == "net" && d.details.get("interface").map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no interface {name} in {:#?}", inv.devices))
}

/// The modem `bus`/`id_part`, which must be `wwan` with `driver`.
fn modem<'a>(inv: &'a Inventory, bus: &str, id_part: &str, driver: &str) -> &'a Device {
    let modem = on(inv, bus, id_part);
    assert_eq!(modem.category, Category::Wwan, "{modem:#?}");
    assert_eq!(modem.driver.as_deref(), Some(driver));
    modem
}

/// The network interface `name`, which must be `wwan`.
fn wwan_interface<'a>(inv: &'a Inventory, name: &str) -> &'a Device {
    let d = interface(inv, name);
    assert_eq!(d.category, Category::Wwan, "{d:#?}");
    assert_eq!(d.details.get("type").map(String::as_str), Some("wwan"));
    d
}

#[test]
fn a_qmi_modem_on_usb_and_its_interface_are_mobile_broadband() {
    let inv = import("quectel-rm530n-gl.txt");
    let modem = modem(&inv, "usb", "2c7c:0801", "option");
    assert!(modem
        .interfaces
        .iter()
        .all(|i| i.category == Category::Wwan));
    let wwan2 = wwan_interface(&inv, "wwan2");
    assert_eq!(wwan2.driver.as_deref(), Some("qmi_wwan"));
    // The made-up serial of the fixture is withheld like any other.
    let json = String::from_utf8(mxcert_core::format::to_json_pretty(&inv)).unwrap();
    assert!(!json.contains("0badc0de"));
}

#[test]
fn an_mbim_modem_is_mobile_broadband_and_the_wired_port_beside_it_is_not() {
    let inv = import("sierra-em9291.txt");
    let modem = modem(&inv, "usb", "1199:90e3", "cdc_mbim");
    // Its MBIM data interface is CDC data (0a), which alone would say network.
    let categories: Vec<Category> = modem.interfaces.iter().map(|i| i.category).collect();
    assert_eq!(
        categories,
        [
            Category::Wwan,
            Category::Wwan,
            Category::Other,
            Category::Other
        ]
    );
    wwan_interface(&inv, "wwan0");

    let eno1 = interface(&inv, "eno1");
    assert_eq!(eno1.category, Category::Network);
    assert_eq!(eno1.details.get("type").map(String::as_str), Some("wired"));
    assert_eq!(on(&inv, "pci", "8086:15fc").category, Category::Network);
}

#[test]
fn a_pci_cellular_modem_and_its_wwan_framework_interface_are_mobile_broadband() {
    let inv = import("fibocom-fm350-gl.txt");
    let modem = modem(&inv, "pci", "14c3:4d75", "mtk_t7xx");
    assert_eq!(modem.class.as_deref(), Some("0x0d4000"));
    let wwan0 = wwan_interface(&inv, "wwan0");
    assert_eq!(wwan0.driver.as_deref(), Some("mtk_t7xx"));
}

#[test]
fn the_category_reads_and_names_in_both_languages() {
    assert_eq!(Category::parse("wwan"), Some(Category::Wwan));
    assert_eq!(Category::Wwan.name_es(), "Banda ancha móvil");
    assert_eq!(Category::Wwan.name_en(), "Mobile broadband");
    // A modem's driver makes a generic USB or PCI function a modem.
    assert!(Category::is_wwan_driver("mhi_pci_generic"));
}
