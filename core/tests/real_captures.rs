//! Real captures, messy as they come (`tests/fixtures/import/`, see its README): root and user
//! runs, the tools' own messages mixed in, blank and `--` serials. Each imports with every device
//! it lists; expectations are read from the capture's own device lines, not from the importers.

use std::path::PathBuf;

use chrono::TimeZone;
use mxcert_core::category::Category;
use mxcert_core::import::{self, Format, ImportOptions, Imported};

fn opts() -> ImportOptions<'static> {
    ImportOptions::new(
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        mxcert_core::tool("mxcert", "test"),
    )
}

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn import(name: &str) -> Imported {
    import::import(read(name).as_bytes(), &opts()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `[vvvv:dddd]` before ` (rev` or at the end of each `lspci` device line: `pci:vvvv:dddd`.
fn lspci_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.len() > 8 && l.as_bytes()[2] == b':' && l.as_bytes()[5] == b'.')
        .map(|l| {
            let head = l.split(" (rev").next().unwrap().trim_end();
            let ids = &head[head.len() - 10..head.len() - 1];
            format!("pci:{ids}")
        })
        .collect()
}

fn ids(i: &Imported) -> Vec<String> {
    i.inventory
        .devices
        .iter()
        .map(|d| d.id.split(':').take(3).collect::<Vec<_>>().join(":"))
        .collect()
}

fn notes(i: &Imported) -> String {
    i.inventory.probe.notes.join("\n")
}

#[test]
fn lspci_captures_as_root_and_as_a_user_import_with_lspcis_own_warning_noted() {
    let reference = lspci_ids(&read("firecracker-vm.lspci-nnk.root.txt"));
    assert_eq!(reference.len(), 6);
    for name in [
        "firecracker-vm.lspci-nnk.root.txt",
        "firecracker-vm.lspci-vvnn.root.txt",
        "firecracker-vm.lspci-vvnn.user.txt",
    ] {
        let i = import(name);
        assert_eq!(i.format, Format::Lspci, "{name}");
        assert_eq!(ids(&i), reference, "{name}");
        assert!(
            notes(&i).contains(
                "line 1: skipped the tool's own message `lspci: Unable to load libkmod resources"
            ),
            "{name}: {}",
            notes(&i)
        );
        let drivers = i
            .inventory
            .devices
            .iter()
            .filter(|d| d.driver.as_deref() == Some("virtio-pci"))
            .count();
        assert_eq!(drivers, 5, "{name}");
    }
}

#[test]
fn a_pcilib_warning_spliced_into_a_line_is_taken_out_and_the_line_mended() {
    let text = read("firecracker-vm.lspci-vvnn.vpd-warning.txt");
    let i = import("firecracker-vm.lspci-vvnn.vpd-warning.txt");
    assert_eq!(
        ids(&i),
        lspci_ids(&read("firecracker-vm.lspci-nnk.root.txt"))
    );
    let at = text.lines().position(|l| l.contains("pcilib: ")).unwrap() + 1;
    assert!(
        notes(&i).contains(&format!(
            "line {at}: skipped the tool's own message `pcilib: sysfs_read_vpd: read failed: No such device`"
        )),
        "{}",
        notes(&i)
    );
    assert!(!notes(&i).contains("[size=512K]"), "{}", notes(&i));
}

#[test]
fn a_udevadm_dump_with_kernel_command_line_properties_imports_without_skipping_them() {
    let text = read("firecracker-vm.udevadm-cmdline.txt");
    assert!(text.contains("E: net.ifnames=0"));
    let i = import("firecracker-vm.udevadm-cmdline.txt");
    assert_eq!(i.format, Format::Udevadm);
    let pci: Vec<String> = i
        .inventory
        .devices
        .iter()
        .filter(|d| d.bus == "pci")
        .map(|d| d.id.split(':').take(3).collect::<Vec<_>>().join(":"))
        .collect();
    assert_eq!(pci, lspci_ids(&read("firecracker-vm.lspci-nnk.root.txt")));
    assert!(!notes(&i).contains("skipped"), "{}", notes(&i));
}

/// `Bus NNN Device NNN: ID vvvv:pppp` of each device line: `usb:vvvv:pppp`.
fn lsusb_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Bus "))
        .map(|l| format!("usb:{}", &l.split(": ID ").nth(1).unwrap()[..9]))
        .collect()
}

#[test]
fn lsusb_v_as_root_and_as_a_user_import_every_device_with_its_classes() {
    let want = lsusb_ids(&read("dell-xps-m1340.lsusb-v.root.txt"));
    assert_eq!(want.len(), 6);
    for name in [
        "dell-xps-m1340.lsusb-v.root.txt",
        "dell-xps-m1340.lsusb-v.user.txt",
    ] {
        let i = import(name);
        assert_eq!(i.format, Format::Lsusb, "{name}");
        assert_eq!(ids(&i), want, "{name}");
        let cats: Vec<Category> = i.inventory.devices.iter().map(|d| d.category).collect();
        assert_eq!(
            cats,
            [
                Category::UsbController,
                Category::Bluetooth,
                Category::Input,
                Category::Input,
                Category::UsbController,
                Category::UsbController,
            ],
            "{name}"
        );
        let keyboard = &i.inventory.devices[3];
        assert_eq!(
            keyboard.device_name.as_deref(),
            Some("Dell Computer Corp. Integrated Keyboard"),
            "{name}"
        );
        assert_eq!(keyboard.interfaces[0].class, "03/01/01", "{name}");
        let json = serde_json::to_string(&i.inventory).unwrap();
        assert!(!json.contains("Couldn't"), "{name}");
        // Only the placeholder `--` or a PCI address was in `iSerial`: nothing to withhold.
        assert!(i.inventory.probe.withheld.is_empty(), "{name}");
        assert!(!notes(&i).contains("neither"), "{name}: {}", notes(&i));
    }
    let user = import("dell-xps-m1340.lsusb-v.user.txt");
    assert!(
        notes(&user).contains(
            "line 1: skipped the tool's own message `Protocol spec without prior Class and Subclass"
        ),
        "{}",
        notes(&user)
    );
    assert!(notes(&user).contains("more of the tool's own messages skipped"));
}
