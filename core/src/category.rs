//! Device categories: the one table that says what kind of device something is.
//!
//! Every device in an inventory gets exactly one category, from its PCI class code, its USB
//! interface classes, or its kernel subsystem. The registry groups compatibility data and test
//! results by these categories and the web portal names them in Spanish and English, so the set is
//! part of the published formats: add to it, never rename.
//!
//! | category | PCI class (base/sub) | USB interface class (class/sub/proto) | kernel subsystem |
//! |---|---|---|---|
//! | `graphics` | 03/*, 00/01 | — | drm |
//! | `audio` | 04/01, 04/03, 04/80 | 01 | sound, hdaudio |
//! | `video` | 04/00 | 10 | — |
//! | `network` | 02/* except 02/80 | 02/06, 02/0d, 0a, e0/01/03 (RNDIS) | net (wired) |
//! | `wireless` | 02/80, 0d/* except 0d/11 | e0/* except e0/01/01, e0/01/03 | net (`DEVTYPE=wlan`) |
//! | `bluetooth` | 0d/11 | e0/01/01 | bluetooth |
//! | `storage` | 01/* | 08 | block |
//! | `usb_controller` | 0c/03 | 09 (hub) | — |
//! | `serial_bus` | 0c/* except 0c/03 | — | — |
//! | `bridge` | 06/* | — | — |
//! | `input` | 09/* | 03 | input; platform `i8042` |
//! | `camera` | — | 0e, 06 (still image) | video4linux |
//! | `printer` | — | 07 | — |
//! | `smart_card` | — | 0b | — |
//! | `security` | 10/* | 0d | tpm; ACPI TPM (`MSFT0101`, `PNP0C31`) |
//! | `memory_controller` | 05/* | — | — |
//! | `processor` | 0b/*, 12/* (accelerators) | — | — |
//! | `signal_processing` | 11/* | — | — |
//! | `system` | 08/* | — | platform, acpi, of (unless a row above names the device) |
//! | `power` | — | — | power_supply; ACPI battery and AC adapter (`PNP0C0A`, `ACPI0003`) |
//! | `sensor` | — | — | thermal, hwmon; ACPI thermal zone (`LNXTHERM`) |
//! | `fingerprint` | — | ff (vendor-specific) from a fingerprint-reader vendor, or named so | — |
//! | `wwan` | 0d/40, 0d/41 (cellular); any with a WWAN driver | 02/0e (MBIM); any with a WWAN driver | net (`DEVTYPE=wwan`, a WWAN driver, `wwan*`), wwan |
//! | `other` | anything else (00/*, 07/*, ff/*) | anything else | anything else |
//!
//! A USB device's category is the first interface (in interface order) whose category is not
//! `other`; a device whose interfaces are all `other` takes its category from its device class.
//! A USB device with any `wwan` interface is `wwan`: a modem that also offers a network or serial
//! function is a modem. The WWAN drivers are those of mobile broadband modems only
//! ([`Category::is_wwan_driver`]): `cdc_mbim`, `qmi_wwan`, their control and serial ports, and
//! the PCI modems' MHI, T7xx and IOSM drivers.
//! This module only maps numbers and names to categories; it reads nothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of device something is. Serialised in `snake_case`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Graphics,
    Audio,
    Video,
    Network,
    Wireless,
    Bluetooth,
    Storage,
    UsbController,
    SerialBus,
    Bridge,
    Input,
    Camera,
    Printer,
    SmartCard,
    Security,
    MemoryController,
    Processor,
    SignalProcessing,
    System,
    Power,
    Sensor,
    Fingerprint,
    Wwan,
    #[default]
    Other,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 24] = [
        Category::Graphics,
        Category::Audio,
        Category::Video,
        Category::Network,
        Category::Wireless,
        Category::Bluetooth,
        Category::Storage,
        Category::UsbController,
        Category::SerialBus,
        Category::Bridge,
        Category::Input,
        Category::Camera,
        Category::Printer,
        Category::SmartCard,
        Category::Security,
        Category::MemoryController,
        Category::Processor,
        Category::SignalProcessing,
        Category::System,
        Category::Power,
        Category::Sensor,
        Category::Fingerprint,
        Category::Wwan,
        Category::Other,
    ];

    /// The serialised name, e.g. `usb_controller`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Graphics => "graphics",
            Category::Audio => "audio",
            Category::Video => "video",
            Category::Network => "network",
            Category::Wireless => "wireless",
            Category::Bluetooth => "bluetooth",
            Category::Storage => "storage",
            Category::UsbController => "usb_controller",
            Category::SerialBus => "serial_bus",
            Category::Bridge => "bridge",
            Category::Input => "input",
            Category::Camera => "camera",
            Category::Printer => "printer",
            Category::SmartCard => "smart_card",
            Category::Security => "security",
            Category::MemoryController => "memory_controller",
            Category::Processor => "processor",
            Category::SignalProcessing => "signal_processing",
            Category::System => "system",
            Category::Power => "power",
            Category::Sensor => "sensor",
            Category::Fingerprint => "fingerprint",
            Category::Wwan => "wwan",
            Category::Other => "other",
        }
    }

    /// Parses a serialised name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Spanish (es-MX) display name.
    pub fn name_es(self) -> &'static str {
        match self {
            Category::Graphics => "Gráficos",
            Category::Audio => "Audio",
            Category::Video => "Video multimedia",
            Category::Network => "Red cableada",
            Category::Wireless => "Red inalámbrica",
            Category::Bluetooth => "Bluetooth",
            Category::Storage => "Almacenamiento",
            Category::UsbController => "Controlador USB",
            Category::SerialBus => "Bus serial",
            Category::Bridge => "Puente",
            Category::Input => "Entrada",
            Category::Camera => "Cámara",
            Category::Printer => "Impresora",
            Category::SmartCard => "Tarjeta inteligente",
            Category::Security => "Seguridad",
            Category::MemoryController => "Controlador de memoria",
            Category::Processor => "Procesador",
            Category::SignalProcessing => "Procesamiento de señales",
            Category::System => "Sistema",
            Category::Power => "Energía",
            Category::Sensor => "Sensores",
            Category::Fingerprint => "Lector de huellas",
            Category::Wwan => "Banda ancha móvil",
            Category::Other => "Otro",
        }
    }

    /// English display name.
    pub fn name_en(self) -> &'static str {
        match self {
            Category::Graphics => "Graphics",
            Category::Audio => "Audio",
            Category::Video => "Multimedia video",
            Category::Network => "Wired network",
            Category::Wireless => "Wireless network",
            Category::Bluetooth => "Bluetooth",
            Category::Storage => "Storage",
            Category::UsbController => "USB controller",
            Category::SerialBus => "Serial bus",
            Category::Bridge => "Bridge",
            Category::Input => "Input",
            Category::Camera => "Camera",
            Category::Printer => "Printer",
            Category::SmartCard => "Smart card",
            Category::Security => "Security",
            Category::MemoryController => "Memory controller",
            Category::Processor => "Processor",
            Category::SignalProcessing => "Signal processing",
            Category::System => "System",
            Category::Power => "Power",
            Category::Sensor => "Sensors",
            Category::Fingerprint => "Fingerprint reader",
            Category::Wwan => "Mobile broadband",
            Category::Other => "Other",
        }
    }

    /// The category of a PCI device from its 24-bit class code (base, subclass, prog-if).
    pub fn from_pci_class(class: u32) -> Category {
        let base = (class >> 16) & 0xff;
        let sub = (class >> 8) & 0xff;
        match (base, sub) {
            (0x00, 0x01) => Category::Graphics,
            (0x01, _) => Category::Storage,
            (0x02, 0x80) => Category::Wireless,
            (0x02, _) => Category::Network,
            (0x03, _) => Category::Graphics,
            (0x04, 0x00) => Category::Video,
            (0x04, _) => Category::Audio,
            (0x05, _) => Category::MemoryController,
            (0x06, _) => Category::Bridge,
            (0x08, _) => Category::System,
            (0x09, _) => Category::Input,
            (0x0b, _) | (0x12, _) => Category::Processor,
            (0x0c, 0x03) => Category::UsbController,
            (0x0c, _) => Category::SerialBus,
            (0x0d, 0x11) => Category::Bluetooth,
            (0x0d, 0x40 | 0x41) => Category::Wwan,
            (0x0d, _) => Category::Wireless,
            (0x10, _) => Category::Security,
            (0x11, _) => Category::SignalProcessing,
            _ => Category::Other,
        }
    }

    /// The category of a USB interface from its class, subclass and protocol.
    pub fn from_usb_interface(class: u8, subclass: u8, protocol: u8) -> Category {
        match (class, subclass, protocol) {
            (0x01, _, _) => Category::Audio,
            (0x02, 0x0e, _) => Category::Wwan, // MBIM
            (0x02, 0x06 | 0x0d, _) | (0x0a, _, _) => Category::Network,
            (0x03, _, _) => Category::Input,
            (0x06, _, _) | (0x0e, _, _) => Category::Camera,
            (0x07, _, _) => Category::Printer,
            (0x08, _, _) => Category::Storage,
            (0x09, _, _) => Category::UsbController,
            (0x0b, _, _) => Category::SmartCard,
            (0x0d, _, _) => Category::Security,
            (0x10, _, _) => Category::Video,
            (0xe0, 0x01, 0x01) => Category::Bluetooth,
            (0xe0, 0x01, 0x03) => Category::Network, // RNDIS
            (0xe0, _, _) => Category::Wireless,
            _ => Category::Other,
        }
    }

    /// Whether a vendor-specific USB device from this vendor is a fingerprint reader: Goodix
    /// (27c6), Validity/Synaptics (138a, 06cb), Elan (04f3 products 0cxx), EgisTec (1c7a),
    /// AuthenTec (08ff), Upek (147e), FPC (10a5), Focaltech (2808).
    pub fn is_fingerprint_vendor(vendor: u16, product: u16) -> bool {
        match vendor {
            0x27c6 | 0x138a | 0x06cb | 0x1c7a | 0x08ff | 0x147e | 0x10a5 | 0x2808 => true,
            0x04f3 => product & 0xff00 == 0x0c00,
            _ => false,
        }
    }

    /// Whether `driver` is a driver of mobile broadband modems: MBIM and QMI network functions,
    /// their control (`cdc_wdm`) and serial ports (`option`, `qcserial`, `sierra`), vendor
    /// network drivers, and the PCI modems' drivers (MHI, MediaTek T7xx, Intel IOSM).
    pub fn is_wwan_driver(driver: &str) -> bool {
        matches!(
            driver,
            "cdc_mbim"
                | "qmi_wwan"
                | "cdc_wdm"
                | "option"
                | "qcserial"
                | "sierra"
                | "sierra_net"
                | "huawei_cdc_ncm"
                | "mhi_pci_generic"
                | "mhi_net"
                | "mhi_wwan_ctrl"
                | "mhi_wwan_mbim"
                | "mtk_t7xx"
                | "iosm"
        )
    }

    /// The category of a kernel function device from its subsystem (`block`, `net`, `sound`, ...);
    /// `wireless` says whether a `net` device is a WLAN interface.
    pub fn from_subsystem(subsystem: &str, wireless: bool) -> Category {
        match subsystem {
            "drm" => Category::Graphics,
            "sound" | "hdaudio" => Category::Audio,
            "net" if wireless => Category::Wireless,
            "net" => Category::Network,
            "wwan" => Category::Wwan,
            "bluetooth" => Category::Bluetooth,
            "block" => Category::Storage,
            "input" => Category::Input,
            "video4linux" => Category::Camera,
            "tpm" => Category::Security,
            "power_supply" => Category::Power,
            "thermal" | "hwmon" => Category::Sensor,
            "platform" | "acpi" | "of" | "virtio" => Category::System,
            _ => Category::Other,
        }
    }

    /// The category of an ACPI or platform device from its id or name (`PNP0C0A`, `i8042`), when a
    /// row of the table names it; `None` means the subsystem's default (`system`).
    pub fn from_platform_id(id: &str) -> Option<Category> {
        let upper = id.to_ascii_uppercase();
        match upper.as_str() {
            "PNP0C0A" | "ACPI0003" => Some(Category::Power),
            "LNXTHERM" => Some(Category::Sensor),
            "MSFT0101" | "PNP0C31" => Some(Category::Security),
            "I8042" => Some(Category::Input),
            _ => None,
        }
    }

    /// The category of a virtio device from its virtio device id (virtio spec, section 5).
    pub fn from_virtio_device(device: u32) -> Category {
        match device {
            1 => Category::Network,
            2 | 8 => Category::Storage, // block, SCSI host
            4 => Category::Security,    // entropy source
            16 => Category::Graphics,
            18 => Category::Input,
            25 => Category::Audio,
            _ => Category::System,
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
            assert!(!c.name_es().is_empty() && !c.name_en().is_empty());
        }
        assert_eq!(Category::parse("gpu"), None);
    }

    #[test]
    fn pci_classes_map_by_the_table() {
        let cases = [
            (0x030000, Category::Graphics),
            (0x038000, Category::Graphics),
            (0x040300, Category::Audio),
            (0x040100, Category::Audio),
            (0x040000, Category::Video),
            (0x020000, Category::Network),
            (0x028000, Category::Wireless),
            (0x010802, Category::Storage),
            (0x010601, Category::Storage),
            (0x0c0330, Category::UsbController),
            (0x0c0500, Category::SerialBus),
            (0x060400, Category::Bridge),
            (0x088000, Category::System),
            (0xff0000, Category::Other),
            (0x118000, Category::SignalProcessing),
            (0x0d1100, Category::Bluetooth),
            (0x0d4000, Category::Wwan),
            (0x0d1200, Category::Wireless),
            (0x120000, Category::Processor),
            (0x000100, Category::Graphics),
            (0x070000, Category::Other),
        ];
        for (class, want) in cases {
            assert_eq!(Category::from_pci_class(class), want, "class {class:06x}");
        }
    }

    #[test]
    fn usb_interfaces_map_by_the_table() {
        assert_eq!(
            Category::from_usb_interface(0xe0, 1, 1),
            Category::Bluetooth
        );
        assert_eq!(Category::from_usb_interface(0x0e, 1, 0), Category::Camera);
        assert_eq!(Category::from_usb_interface(0x03, 1, 1), Category::Input);
        assert_eq!(
            Category::from_usb_interface(0x08, 6, 0x50),
            Category::Storage
        );
        assert_eq!(
            Category::from_usb_interface(0x09, 0, 0),
            Category::UsbController
        );
        assert_eq!(Category::from_usb_interface(0xff, 0, 0), Category::Other);
        assert_eq!(Category::from_usb_interface(0x02, 0x0e, 0), Category::Wwan);
        assert_eq!(
            Category::from_usb_interface(0x02, 0x06, 0),
            Category::Network
        );
        assert!(Category::is_wwan_driver("qmi_wwan"));
        assert!(!Category::is_wwan_driver("cdc_ether"));
        assert_eq!(Category::from_subsystem("wwan", false), Category::Wwan);
    }
}
