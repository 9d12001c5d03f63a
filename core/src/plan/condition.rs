//! `requires` and `for_each` conditions: when a test applies, decided from the inventory and the
//! tester's declarations.
//!
//! A device condition holds when at least one device in the inventory matches every field it
//! gives; a declaration condition (`{ declared = "card_reader" }`, alone in its table) holds when
//! the tester declared that the machine has it. A test's `requires` list holds when every
//! condition in it holds. A test whose `requires` does not
//! hold is recorded as skipped, not applicable, and does not count as a blocker (a laptop without
//! a camera is not failed by the camera test). Evaluation is pure: the same inventory gives the
//! same answer anywhere, so the registry can re-check it from the report.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::inventory::{Device, Inventory};

/// A condition on the devices of an inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The device's category, e.g. `wireless`, `camera`, `power`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The device's bus or subsystem, e.g. `pci`, `usb`, `power_supply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// The device's identity, or a prefix of it ending at a `:` boundary (`usb:046d` matches
    /// `usb:046d:c52b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The bound driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Detail values the device must have (e.g. `{ type = "battery" }`, as the probe records power supplies).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
    /// A declaration of the plan (`[[declare]]`) the tester must have made, e.g.
    /// `{ declared = "card_reader" }`. Written alone: it says nothing about devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
}

impl Condition {
    /// Whether the identity `id` is `pattern` or starts with it at a `:` boundary.
    pub fn identity_matches(pattern: &str, id: &str) -> bool {
        id == pattern
            || (id.len() > pattern.len()
                && id.starts_with(pattern)
                && id.as_bytes().get(pattern.len()) == Some(&b':'))
    }

    /// True when the condition names nothing (which a plan may not write).
    pub fn is_empty(&self) -> bool {
        self.category.is_none()
            && self.bus.is_none()
            && self.id.is_none()
            && self.driver.is_none()
            && self.details.is_empty()
            && self.declared.is_none()
    }

    /// True when the condition names a device field (anything but `declared`).
    pub fn is_about_devices(&self) -> bool {
        !Condition {
            declared: None,
            ..self.clone()
        }
        .is_empty()
    }

    /// Whether one device matches every field of the condition.
    pub fn matches_device(&self, d: &Device) -> bool {
        self.category.is_none_or(|c| d.category == c)
            && self.bus.as_deref().is_none_or(|b| d.bus == b)
            && self
                .id
                .as_deref()
                .is_none_or(|p| Condition::identity_matches(p, &d.id))
            && self
                .driver
                .as_deref()
                .is_none_or(|drv| d.driver.as_deref() == Some(drv))
            && self
                .details
                .iter()
                .all(|(k, v)| d.details.get(k).is_some_and(|have| have == v))
    }

    /// Whether some device of the inventory matches (a declaration condition never holds
    /// without declarations: see [`Condition::holds_with`]).
    pub fn holds(&self, inventory: &Inventory) -> bool {
        self.holds_with(inventory, &[])
    }

    /// Whether the condition holds on this inventory with these declarations.
    pub fn holds_with(&self, inventory: &Inventory, declared: &[String]) -> bool {
        match &self.declared {
            Some(d) => declared.contains(d),
            None => inventory.devices.iter().any(|d| self.matches_device(d)),
        }
    }

    /// The condition in words, e.g. `a device with category = wireless`.
    pub fn describe(&self) -> String {
        if let Some(d) = &self.declared {
            return format!("the declaration {d}");
        }
        let mut parts = Vec::new();
        if let Some(c) = self.category {
            parts.push(format!("category = {c}"));
        }
        if let Some(b) = &self.bus {
            parts.push(format!("bus = {b}"));
        }
        if let Some(i) = &self.id {
            parts.push(format!("id = {i}"));
        }
        if let Some(d) = &self.driver {
            parts.push(format!("driver = {d}"));
        }
        for (k, v) in &self.details {
            parts.push(format!("{k} = {v}"));
        }
        format!("a device with {}", parts.join(", "))
    }

    /// The first condition of `conditions` that does not hold, if any.
    pub fn first_unmet<'a>(
        conditions: &'a [Condition],
        inventory: &Inventory,
    ) -> Option<&'a Condition> {
        Condition::first_unmet_with(conditions, inventory, &[])
    }

    /// The first condition that does not hold with these declarations, if any.
    pub fn first_unmet_with<'a>(
        conditions: &'a [Condition],
        inventory: &Inventory,
        declared: &[String],
    ) -> Option<&'a Condition> {
        conditions
            .iter()
            .find(|c| !c.holds_with(inventory, declared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(bus: &str, id: &str, category: Category, driver: Option<&str>) -> Device {
        Device {
            bus: bus.into(),
            id: id.into(),
            category,
            class: None,
            vendor_name: None,
            device_name: None,
            driver: driver.map(str::to_owned),
            needs_driver: true,
            modules: vec![],
            path: None,
            parent: None,
            details: BTreeMap::new(),
            ..Device::default()
        }
    }

    #[test]
    fn identity_prefixes_match_at_component_boundaries() {
        let m = Condition::identity_matches;
        assert!(m("usb:046d", "usb:046d:c52b"));
        assert!(m("usb:046d:c52b", "usb:046d:c52b"));
        assert!(!m("usb:046", "usb:046d:c52b"));
        assert!(!m("usb:046d:c52b:00", "usb:046d:c52b"));
    }

    #[test]
    fn every_field_must_match_one_device() {
        let mut battery = device("power_supply", "power_supply:bat0", Category::Power, None);
        battery.details.insert("type".into(), "battery".into());
        let wifi = device("pci", "pci:8086:2725", Category::Wireless, Some("iwlwifi"));
        let c = Condition {
            category: Some(Category::Power),
            details: [("type".to_owned(), "battery".to_owned())].into(),
            ..Condition::default()
        };
        assert!(c.matches_device(&battery));
        assert!(!c.matches_device(&wifi));
        let c = Condition {
            category: Some(Category::Wireless),
            driver: Some("ath11k_pci".into()),
            ..Condition::default()
        };
        assert!(!c.matches_device(&wifi));
        assert_eq!(
            c.describe(),
            "a device with category = wireless, driver = ath11k_pci"
        );
    }
}
