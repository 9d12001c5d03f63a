//! The category of a certified system, from its SMBIOS chassis type: what `GET /api/v1/systems`
//! filters on with `category=` and what the portal names "Laptop", "Escritorio", ...
//!
//! | category | SMBIOS chassis types (DMTF DSP0134 7.4.1; name or number) |
//! |---|---|
//! | `laptop` | Portable (8), Laptop (9), Notebook (10), Sub Notebook (14), Convertible (31), Detachable (32) |
//! | `tablet` | Hand Held (11), Tablet (30) |
//! | `desktop` | Desktop (3), Low Profile Desktop (4), Pizza Box (5), Mini Tower (6), Tower (7), All in One (13), Space-saving (15), Lunch Box (16), Sealed-case PC (24), Mini PC (35), Stick PC (36) |
//! | `server` | Main Server Chassis (17), Expansion Chassis (18), SubChassis (19), Bus Expansion Chassis (20), Peripheral Chassis (21), RAID Chassis (22), Rack Mount Chassis (23), Multi-system chassis (25), Compact PCI (26), Advanced TCA (27), Blade (28), Blade Enclosure (29) |
//! | `embedded` | IoT Gateway (33), Embedded PC (34) |
//! | `other` | Other (1), Unknown (2), Docking Station (12), anything else, or no chassis type |
//!
//! The set is part of the public API: add to it, never rename.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of machine a system is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SystemCategory {
    Laptop,
    Tablet,
    Desktop,
    Server,
    Embedded,
    Other,
}

/// (category, SMBIOS chassis type number, name)
const TABLE: &[(SystemCategory, u8, &str)] = &[
    (SystemCategory::Other, 1, "Other"),
    (SystemCategory::Other, 2, "Unknown"),
    (SystemCategory::Desktop, 3, "Desktop"),
    (SystemCategory::Desktop, 4, "Low Profile Desktop"),
    (SystemCategory::Desktop, 5, "Pizza Box"),
    (SystemCategory::Desktop, 6, "Mini Tower"),
    (SystemCategory::Desktop, 7, "Tower"),
    (SystemCategory::Laptop, 8, "Portable"),
    (SystemCategory::Laptop, 9, "Laptop"),
    (SystemCategory::Laptop, 10, "Notebook"),
    (SystemCategory::Tablet, 11, "Hand Held"),
    (SystemCategory::Other, 12, "Docking Station"),
    (SystemCategory::Desktop, 13, "All in One"),
    (SystemCategory::Laptop, 14, "Sub Notebook"),
    (SystemCategory::Desktop, 15, "Space-saving"),
    (SystemCategory::Desktop, 16, "Lunch Box"),
    (SystemCategory::Server, 17, "Main Server Chassis"),
    (SystemCategory::Server, 18, "Expansion Chassis"),
    (SystemCategory::Server, 19, "SubChassis"),
    (SystemCategory::Server, 20, "Bus Expansion Chassis"),
    (SystemCategory::Server, 21, "Peripheral Chassis"),
    (SystemCategory::Server, 22, "RAID Chassis"),
    (SystemCategory::Server, 23, "Rack Mount Chassis"),
    (SystemCategory::Desktop, 24, "Sealed-case PC"),
    (SystemCategory::Server, 25, "Multi-system chassis"),
    (SystemCategory::Server, 26, "Compact PCI"),
    (SystemCategory::Server, 27, "Advanced TCA"),
    (SystemCategory::Server, 28, "Blade"),
    (SystemCategory::Server, 29, "Blade Enclosure"),
    (SystemCategory::Tablet, 30, "Tablet"),
    (SystemCategory::Laptop, 31, "Convertible"),
    (SystemCategory::Laptop, 32, "Detachable"),
    (SystemCategory::Embedded, 33, "IoT Gateway"),
    (SystemCategory::Embedded, 34, "Embedded PC"),
    (SystemCategory::Desktop, 35, "Mini PC"),
    (SystemCategory::Desktop, 36, "Stick PC"),
];

impl SystemCategory {
    pub const ALL: [SystemCategory; 6] = [
        SystemCategory::Laptop,
        SystemCategory::Tablet,
        SystemCategory::Desktop,
        SystemCategory::Server,
        SystemCategory::Embedded,
        SystemCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemCategory::Laptop => "laptop",
            SystemCategory::Tablet => "tablet",
            SystemCategory::Desktop => "desktop",
            SystemCategory::Server => "server",
            SystemCategory::Embedded => "embedded",
            SystemCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SystemCategory> {
        SystemCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The category of a chassis type given as its SMBIOS name (any case) or number.
    pub fn from_chassis(chassis: Option<&str>) -> SystemCategory {
        let Some(c) = chassis.map(str::trim) else {
            return SystemCategory::Other;
        };
        let by_number = c.parse::<u8>().ok().map(|n| n & 0x7f);
        TABLE
            .iter()
            .find(|(_, n, name)| Some(*n) == by_number || name.eq_ignore_ascii_case(c))
            .map_or(SystemCategory::Other, |(cat, _, _)| *cat)
    }

    /// The name shown in Spanish.
    pub fn name_es(self) -> &'static str {
        match self {
            SystemCategory::Laptop => "Laptop",
            SystemCategory::Tablet => "Tableta",
            SystemCategory::Desktop => "Escritorio",
            SystemCategory::Server => "Servidor",
            SystemCategory::Embedded => "Embebido",
            SystemCategory::Other => "Otro",
        }
    }

    /// The name shown in English.
    pub fn name_en(self) -> &'static str {
        match self {
            SystemCategory::Laptop => "Laptop",
            SystemCategory::Tablet => "Tablet",
            SystemCategory::Desktop => "Desktop",
            SystemCategory::Server => "Server",
            SystemCategory::Embedded => "Embedded",
            SystemCategory::Other => "Other",
        }
    }
}

impl std::fmt::Display for SystemCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chassis_names_and_numbers_map_to_categories() {
        let cases = [
            (Some("Notebook"), SystemCategory::Laptop),
            (Some("notebook"), SystemCategory::Laptop),
            (Some("10"), SystemCategory::Laptop),
            (Some("Rack Mount Chassis"), SystemCategory::Server),
            (Some("23"), SystemCategory::Server),
            (Some("Mini PC"), SystemCategory::Desktop),
            (Some("Tablet"), SystemCategory::Tablet),
            (Some("Embedded PC"), SystemCategory::Embedded),
            (Some("Docking Station"), SystemCategory::Other),
            (Some("Spaceship"), SystemCategory::Other),
            (None, SystemCategory::Other),
            // The high bit of the SMBIOS byte is the chassis lock.
            (Some("137"), SystemCategory::Laptop),
        ];
        for (chassis, expected) in cases {
            assert_eq!(
                SystemCategory::from_chassis(chassis),
                expected,
                "{chassis:?}"
            );
        }
    }

    #[test]
    fn every_smbios_chassis_type_has_a_row() {
        for n in 1..=36u8 {
            assert!(TABLE.iter().any(|(_, t, _)| *t == n), "chassis type {n}");
        }
        for c in SystemCategory::ALL {
            assert_eq!(SystemCategory::parse(c.as_str()), Some(c));
        }
    }
}
