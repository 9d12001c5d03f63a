//! Device categories: the one table that says what kind of device something is.
//!
//! Every device in an inventory gets exactly one category, from its PCI class code, its USB
//! interface classes, or its kernel subsystem. The registry groups compatibility data and test
//! results by these categories and the web portal names them in Spanish and English, so the set is
//! part of the published formats: add to it, never rename.
//!
//! | category | PCI class (base/sub) | USB class | subsystem |
//! |---|---|---|---|
//! | `graphics` | 03/* | — | drm |
//! | `audio` | 04/01, 04/03 | 01 | sound |
//! | `video` | 04/00 | 0e | video4linux (`camera`) |
//! | `network` | 02/00 (Ethernet), 02/* | 02/06, e0/01/03 (RNDIS) | net |
//! | `wireless` | 02/80, 0d/* | e0/01/01 (Bluetooth is `bluetooth`) | net (wlan), ieee80211 |
//! | `bluetooth` | — | e0/01/01 | bluetooth |
//! | `storage` | 01/* | 08 | block, nvme, scsi |
//! | `usb_controller` | 0c/03 | 09 (hub) | — |
//! | `serial_bus` | 0c/* except 0c/03 | — | i2c, spi |
//! | `bridge` | 06/* | — | — |
//! | `input` | 09/* | 03 | input, hid |
//! | `camera` | — | 0e | video4linux |
//! | `printer` | — | 07 | — |
//! | `smart_card` | — | 0b | — |
//! | `security` | 10/* (crypto) | — | tpm |
//! | `memory_controller` | 05/* | — | — |
//! | `processor` | 0b/* | — | cpu |
//! | `signal_processing` | 11/* | — | — |
//! | `system` | 08/*, 00/* | — | platform, acpi |
//! | `power` | — | — | power_supply |
//! | `sensor` | — | — | thermal, hwmon, iio |
//! | `fingerprint` | — | vendor-specific readers by hwdb | — |
//! | `other` | anything else | anything else | anything else |

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of device something is. Serialised in `snake_case`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
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
    Other,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 23] = [
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
            Category::Other => "Other",
        }
    }

    /// The category of a PCI device from its 24-bit class code (base, subclass, prog-if).
    pub fn from_pci_class(class: u32) -> Category {
        let base = (class >> 16) & 0xff;
        let sub = (class >> 8) & 0xff;
        match (base, sub) {
            (0x01, _) => Category::Storage,
            (0x02, 0x80) => Category::Wireless,
            (0x02, _) => Category::Network,
            (0x03, _) => Category::Graphics,
            (0x04, 0x00) => Category::Video,
            (0x04, _) => Category::Audio,
            (0x05, _) => Category::MemoryController,
            (0x06, _) => Category::Bridge,
            (0x07, _) => Category::Other, // communication controllers (serial, modem)
            (0x08, _) => Category::System,
            (0x09, _) => Category::Input,
            (0x0b, _) => Category::Processor,
            (0x0c, 0x03) => Category::UsbController,
            (0x0c, _) => Category::SerialBus,
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
            (0x02, 0x06, _) | (0x0a, _, _) => Category::Network,
            (0x03, _, _) => Category::Input,
            (0x06, _, _) => Category::Camera, // still image (PTP)
            (0x07, _, _) => Category::Printer,
            (0x08, _, _) => Category::Storage,
            (0x09, _, _) => Category::UsbController,
            (0x0b, _, _) => Category::SmartCard,
            (0x0d, _, _) => Category::Security,
            (0x0e, _, _) => Category::Camera,
            (0xe0, 0x01, 0x01) => Category::Bluetooth,
            (0xe0, 0x01, 0x03) => Category::Network, // RNDIS
            (0xe0, _, _) => Category::Wireless,
            _ => Category::Other,
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
    }
}
