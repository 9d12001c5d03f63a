//! Input devices: what kind of device each `inputN` is (keyboard, mouse, touchpad, touchscreen,
//! ...), from udev's `ID_INPUT_*` properties when udevd set them, else from the capabilities the
//! kernel lists in the modalias (`-e0,1,3,k110,145,...,a0,1,...`), following udev's `input_id`
//! rules. Jack-sense switches of sound cards and virtual devices are skipped. Names of Bluetooth
//! input devices are withheld: people rename them after themselves.

use std::collections::BTreeSet;

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::{Device, WithheldKind};

use super::{hex, Ctx, DeviceRecord};

/// What kind of input device something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Touchscreen,
    Touchpad,
    Tablet,
    Joystick,
    Mouse,
    Keyboard,
    /// Buttons or a few keys (power button, hotkeys).
    Keys,
    /// Switches (lid, tablet mode).
    Switch,
    Other,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Touchscreen => "touchscreen",
            InputKind::Touchpad => "touchpad",
            InputKind::Tablet => "tablet",
            InputKind::Joystick => "joystick",
            InputKind::Mouse => "mouse",
            InputKind::Keyboard => "keyboard",
            InputKind::Keys => "keys",
            InputKind::Switch => "switch",
            InputKind::Other => "other",
        }
    }
}

const EV_KEY: u32 = 0x01;
const EV_REL: u32 = 0x02;
const EV_ABS: u32 = 0x03;
const EV_SW: u32 = 0x05;
const BTN_MOUSE: u32 = 0x110;
const BTN_JOYSTICK: u32 = 0x120;
const BTN_GAMEPAD: u32 = 0x130;
const BTN_TOOL_PEN: u32 = 0x140;
const BTN_TOOL_FINGER: u32 = 0x145;
const BTN_TOUCH: u32 = 0x14a;
const BTN_STYLUS: u32 = 0x14b;
const INPUT_PROP_DIRECT: u32 = 1;

/// The capability lists of an input modalias.
#[derive(Debug, Default)]
struct Caps {
    ev: BTreeSet<u32>,
    key: BTreeSet<u32>,
    rel: BTreeSet<u32>,
    abs: BTreeSet<u32>,
}

/// Parses `input:b0011v0002p0007e01B1-e0,1,3,k110,145,ra0,1,mlsfw`: after `-`, lowercase letters
/// start lists of uppercase hex numbers.
fn caps_from_modalias(modalias: &str) -> Option<Caps> {
    let (_, lists) = modalias.strip_prefix("input:")?.split_once('-')?;
    let mut caps = Caps::default();
    let mut current: Option<char> = None;
    let mut number = String::new();
    let flush = |section: Option<char>, number: &mut String, caps: &mut Caps| {
        if let (Some(s), Ok(n)) = (section, u32::from_str_radix(number, 16)) {
            match s {
                'e' => caps.ev.insert(n),
                'k' => caps.key.insert(n),
                'r' => caps.rel.insert(n),
                'a' => caps.abs.insert(n),
                _ => false,
            };
        }
        number.clear();
    };
    for c in lists.chars() {
        match c {
            'e' | 'k' | 'r' | 'a' | 'm' | 'l' | 's' | 'f' | 'w' => {
                flush(current, &mut number, &mut caps);
                current = Some(c);
            }
            ',' => flush(current, &mut number, &mut caps),
            c if c.is_ascii_hexdigit() => number.push(c),
            _ => {}
        }
    }
    flush(current, &mut number, &mut caps);
    Some(caps)
}

fn kind_from_udev(r: &DeviceRecord) -> Option<InputKind> {
    let on = |k: &str| r.prop(k) == Some("1");
    [
        ("ID_INPUT_TOUCHSCREEN", InputKind::Touchscreen),
        ("ID_INPUT_TOUCHPAD", InputKind::Touchpad),
        ("ID_INPUT_TABLET", InputKind::Tablet),
        ("ID_INPUT_JOYSTICK", InputKind::Joystick),
        ("ID_INPUT_MOUSE", InputKind::Mouse),
        ("ID_INPUT_KEYBOARD", InputKind::Keyboard),
        ("ID_INPUT_KEY", InputKind::Keys),
        ("ID_INPUT_SWITCH", InputKind::Switch),
    ]
    .into_iter()
    .find(|(k, _)| on(k))
    .map(|(_, kind)| kind)
}

/// udev's `input_id` rules, on the capabilities.
fn kind_from_caps(caps: &Caps, props: u32) -> InputKind {
    let key = |k: u32| caps.key.contains(&k);
    let abs_xy = (caps.abs.contains(&0) && caps.abs.contains(&1))
        || (caps.abs.contains(&0x35) && caps.abs.contains(&0x36));
    let direct = props & (1 << INPUT_PROP_DIRECT) != 0;
    if caps.ev.contains(&EV_ABS) && abs_xy {
        if key(BTN_STYLUS) || key(BTN_TOOL_PEN) {
            return InputKind::Tablet;
        }
        if key(BTN_TOOL_FINGER) {
            return if direct {
                InputKind::Touchscreen
            } else {
                InputKind::Touchpad
            };
        }
        if (BTN_JOYSTICK..BTN_JOYSTICK + 0x20).any(key)
            || (BTN_GAMEPAD..BTN_GAMEPAD + 0x10).any(key)
        {
            return InputKind::Joystick;
        }
        if key(BTN_TOUCH) || direct {
            return InputKind::Touchscreen;
        }
        if key(BTN_MOUSE) {
            return InputKind::Mouse;
        }
    }
    if caps.ev.contains(&EV_REL) && caps.rel.contains(&0) && caps.rel.contains(&1) && key(BTN_MOUSE)
    {
        return InputKind::Mouse;
    }
    if caps.ev.contains(&EV_KEY) {
        // A full keyboard has every key from KEY_ESC (1) to KEY_D (32).
        if (1..32).all(key) {
            return InputKind::Keyboard;
        }
        if !caps.key.is_empty() {
            return InputKind::Keys;
        }
    }
    if caps.ev.contains(&EV_SW) {
        return InputKind::Switch;
    }
    InputKind::Other
}

fn bus_name(bus: u16) -> String {
    match bus {
        0x01 => "pci".into(),
        0x03 => "usb".into(),
        0x05 => "bluetooth".into(),
        0x06 => "virtual".into(),
        0x10 => "isa".into(),
        0x11 => "i8042".into(),
        0x18 => "i2c".into(),
        0x19 => "host".into(),
        0x1c => "spi".into(),
        0x1e => "rmi".into(),
        other => format!("0x{other:04x}"),
    }
}

/// `PRODUCT=11/2/7/1b1` (hex bus/vendor/product/version), else the modalias.
fn ids(r: &DeviceRecord) -> Option<(u16, u16, u16)> {
    let from_product = r.prop("PRODUCT").and_then(|p| {
        let mut it = p
            .split('/')
            .map(|x| hex(x).and_then(|n| u16::try_from(n).ok()));
        Some((it.next()??, it.next()??, it.next()??))
    });
    from_product.or_else(|| r.modalias().and_then(crate::modalias::input))
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    if !r.sysname().starts_with("input") || r.is_virtual() || r.devpath.contains("/sound/card") {
        return None;
    }
    let (bus, vendor, product) = ids(r)?;
    let kind = kind_from_udev(r).unwrap_or_else(|| {
        let props = r.prop("PROP").and_then(hex).unwrap_or(0);
        r.modalias()
            .and_then(caps_from_modalias)
            .map(|caps| kind_from_caps(&caps, props))
            .unwrap_or(InputKind::Other)
    });
    let id = Identity::other("input", &format!("{bus:04x}:{vendor:04x}:{product:04x}"))?;
    let mut d = super::device("input", id.to_string(), Category::Input, r);
    d.driver = ctx.inherited_driver(r);
    let name = r
        .prop("NAME")
        .or_else(|| r.attr("name"))
        .map(|n| n.trim_matches('"').trim().to_owned())
        .filter(|n| !n.is_empty());
    if let Some(name) = name {
        if bus == 0x05 {
            ctx.withholding.withhold(
                WithheldKind::UserAssignedName,
                format!("/sys{} name", r.devpath),
                &name,
            );
        } else {
            d.device_name = Some(name);
            ctx.names_used.insert("device");
        }
    }
    d.details.insert("kind".into(), kind.as_str().into());
    d.details.insert("input_bus".into(), bus_name(bus));
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(modalias: &str, props: u32) -> InputKind {
        kind_from_caps(&caps_from_modalias(modalias).unwrap(), props)
    }

    #[test]
    fn classifies_like_udev_input_id() {
        // The Synaptics touchpad of the shared umockdev recording, with a typical touchpad's
        // properties (pointer, buttonpad); with INPUT_PROP_DIRECT it would be a touchscreen.
        let touchpad = "input:b0011v0002p0007e01B1-e0,1,3,k110,145,148,14A,14D,14E,14F,ra0,1,18,1C,2F,35,36,39,3A,mlsfw";
        assert_eq!(kind(touchpad, 0x05), InputKind::Touchpad);
        assert_eq!(kind(touchpad, 0x02), InputKind::Touchscreen);
        // A USB keyboard.
        assert_eq!(
            kind("input:b0003v05F3p0007e0100-e0,1,4,11,14,k1,2,3,4,5,6,7,8,9,A,B,C,D,E,F,10,11,12,13,14,15,16,17,18,19,1A,1B,1C,1D,1E,1F,20,74,ram4,l0,1,2,sfw", 0),
            InputKind::Keyboard
        );
        assert_eq!(
            kind("input:b0019v0000p0001e0000-e0,1,k74,ramlsfw", 0),
            InputKind::Keys
        );
        assert_eq!(
            kind(
                "input:b0003v046DpC52Be0111-e0,1,2,4,k110,111,112,r0,1,6,8,am4,lsfw",
                0
            ),
            InputKind::Mouse
        );
        assert_eq!(
            kind(
                "input:b0018v04F3p2B7Ce0100-e0,1,3,k14A,a0,1,2F,35,36,39,mlsfw",
                0x2
            ),
            InputKind::Touchscreen
        );
        assert_eq!(
            kind("input:b0019v0000p0005e0000-e0,5,kramlsfw0,", 0),
            InputKind::Switch
        );
        assert!(caps_from_modalias("garbage").is_none());
    }
}
