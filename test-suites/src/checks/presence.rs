//! The presence checks: `graphics.present`, `audio.present`, `input.present`, `camera.present`,
//! `bluetooth.present` and `wifi.present`. Each looks where the kernel exposes that kind of
//! device (the table in [`Kind::class_dir`]) and counts the devices that have a driver bound;
//! devices of that category in the inventory without a driver fail the check.
//!
//! Input devices count when they are keyboards (key and repeat events) or pointers (relative
//! motion, or absolute motion with touch or button keys), so a power button alone does not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mxcert_core::category::Category;
use mxcert_core::plan::params::Presence;

use super::devices_drivers::describe;
use crate::root::{attr, dir_names, link_name};
use crate::{Context, Outcome};

/// Which kind of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Graphics,
    Audio,
    Input,
    Camera,
    Bluetooth,
    Wifi,
}

impl Kind {
    /// The sysfs class directory and the entry-name prefix of this kind.
    fn class_dir(self) -> (&'static str, &'static str) {
        match self {
            Kind::Graphics => ("/sys/class/drm", "card"),
            Kind::Audio => ("/sys/class/sound", "card"),
            Kind::Input => ("/sys/class/input", "input"),
            Kind::Camera => ("/sys/class/video4linux", "video"),
            Kind::Bluetooth => ("/sys/class/bluetooth", "hci"),
            Kind::Wifi => ("/sys/class/net", ""),
        }
    }

    fn category(self) -> Option<Category> {
        match self {
            Kind::Graphics => Some(Category::Graphics),
            Kind::Audio => Some(Category::Audio),
            Kind::Input => None,
            Kind::Camera => Some(Category::Camera),
            Kind::Bluetooth => Some(Category::Bluetooth),
            Kind::Wifi => Some(Category::Wireless),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Graphics => "graphics card",
            Kind::Audio => "sound card",
            Kind::Input => "keyboard or pointer",
            Kind::Camera => "camera",
            Kind::Bluetooth => "Bluetooth controller",
            Kind::Wifi => "Wi-Fi interface",
        }
    }
}

/// Whether an entry of the class directory is one of ours (e.g. `card0` but not `card0-HDMI-A-1`).
fn is_entry(kind: Kind, dir: &Path, name: &str) -> bool {
    let (_, prefix) = kind.class_dir();
    let numbered = name
        .strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    match kind {
        Kind::Wifi => {
            let p = dir.join(name);
            p.join("device").exists()
                && (p.join("wireless").exists() || p.join("phy80211").exists())
        }
        Kind::Input => numbered && input_role(&dir.join(name)).is_some(),
        _ => numbered,
    }
}

/// Tests bit `bit` of a sysfs capability bitmap (hex words, most significant first).
fn has_bit(bitmap: &str, bit: usize) -> bool {
    let words: Vec<u64> = bitmap
        .split_whitespace()
        .rev()
        .filter_map(|w| u64::from_str_radix(w, 16).ok())
        .collect();
    // Words are `unsigned long`; on every platform mxcert supports they are 64 bits.
    words
        .get(bit / 64)
        .is_some_and(|w| w >> (bit % 64) & 1 == 1)
}

/// `keyboard` or `pointer` for an input device, from its capabilities.
fn input_role(dev: &Path) -> Option<&'static str> {
    const EV_KEY: usize = 1;
    const EV_REL: usize = 2;
    const EV_ABS: usize = 3;
    const EV_REP: usize = 20;
    const BTN_LEFT: usize = 0x110;
    const BTN_TOUCH: usize = 0x14a;
    const KEY_A: usize = 30;
    let caps = dev.join("capabilities");
    let ev = attr(&caps.join("ev"))?;
    let key = attr(&caps.join("key")).unwrap_or_default();
    if has_bit(&ev, EV_KEY) && has_bit(&ev, EV_REP) && has_bit(&key, KEY_A) {
        Some("keyboard")
    } else if has_bit(&ev, EV_REL)
        || (has_bit(&ev, EV_ABS) && (has_bit(&key, BTN_TOUCH) || has_bit(&key, BTN_LEFT)))
    {
        Some("pointer")
    } else {
        None
    }
}

/// The driver behind a class entry: the entry's device's driver, or its parent's (a USB
/// interface's driver for a camera, the HID driver for an input device).
fn driver_of(entry: &Path) -> Option<String> {
    let dev = entry.join("device");
    link_name(&dev.join("driver")).or_else(|| link_name(&dev.join("device/driver")))
}

pub fn run(kind: Kind, p: &Presence, ctx: &Context) -> Outcome {
    let (class, _) = kind.class_dir();
    let dir: PathBuf = ctx.path(class);
    let mut with_driver = 0u64;
    let mut lines = Vec::new();
    // Cameras expose several nodes per device (capture, metadata); count devices once.
    let mut seen = BTreeSet::new();
    for name in dir_names(&dir) {
        if !is_entry(kind, &dir, &name) {
            continue;
        }
        let entry = dir.join(&name);
        let device = std::fs::canonicalize(entry.join("device")).unwrap_or_else(|_| entry.clone());
        if !seen.insert(device) {
            continue;
        }
        let driver = driver_of(&entry);
        let label = attr(&entry.join("name"))
            .or_else(|| attr(&entry.join("device/name")))
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        let role = if kind == Kind::Input {
            input_role(&entry)
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        lines.push(format!(
            "{name}{label}{role}: driver {}",
            driver.as_deref().unwrap_or("NONE")
        ));
        if driver.is_some() {
            with_driver += 1;
        }
    }
    let mut failures: Vec<String> = match kind.category() {
        Some(c) => ctx
            .inventory
            .devices
            .iter()
            .filter(|d| d.category == c && d.needs_driver && d.driver.is_none())
            .map(|d| format!("{} has no driver", describe(d)))
            .collect(),
        None => Vec::new(),
    };
    if with_driver < p.min_count {
        failures.insert(
            0,
            format!(
                "found {with_driver} {} with a driver in {class}, need {}",
                kind.noun(),
                p.min_count
            ),
        );
    }
    let mut out = Outcome::pass_unless(
        &failures,
        format!("{with_driver} {} with a driver", kind.noun()),
    );
    out.add_evidence("devices", lines.join("\n"));
    out.measure("found", with_driver as f64, "devices")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_bitmaps_read_most_significant_word_first() {
        // A typical keyboard: EV_SYN, EV_KEY, EV_MSC, EV_LED, EV_REP.
        assert!(has_bit("120013", 1));
        assert!(has_bit("120013", 20));
        assert!(!has_bit("120013", 2));
        // BTN_TOUCH (0x14a = 330) lives in the sixth word from the right.
        let key = "6420 0 10000 0 0 0";
        assert!(has_bit(key, 0x14a));
        assert!(!has_bit(key, 30));
    }
}
