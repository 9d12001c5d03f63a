//! `input.keys` on fixture trees: `/dev/input/eventN` are files the scripted tester appends
//! real `struct input_event` records to when asked to press a key. (This machine has no input
//! devices and no `/dev/uinput`, so no virtual keyboard can be made here.)

use std::io::Write;
use std::path::Path;

use mxcert_core::plan::params::InputKeys;
use mxcert_core::plan::Text;
use mxcert_core::report::Status;
use mxcert_suites::checks::input_keys::{self, event};

use crate::hotplug::Scripted;
use crate::support::{ctx, inventory, Tree};

fn laptop() -> Tree {
    let t = Tree::new();
    t.file("/sys/class/input/event3/device/name", "Video Bus\n")
        .file(
            "/sys/class/input/event4/device/name",
            "AT Translated Set 2 keyboard\n",
        )
        .file("/dev/input/event3", "")
        .file("/dev/input/event4", "");
    t
}

/// A key press and release, followed by a SYN_REPORT, as the kernel sends them.
fn press(root: &Path, node: &str, code: u16) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("dev/input").join(node))
        .unwrap();
    for e in [
        event(4, 4, 0x70),
        event(1, code, 1),
        event(0, 0, 0),
        event(1, code, 0),
        event(0, 0, 0),
    ] {
        f.write_all(&e).unwrap();
    }
}

fn params(keys: &[&str], device: &str, wait_s: u64) -> InputKeys {
    InputKeys {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        device: device.into(),
        wait_s,
    }
}

#[test]
fn each_key_pressed_on_the_expected_device_passes() {
    let tree = laptop();
    let root = tree.root().to_path_buf();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    // Typing on the keyboard meanwhile does not matter.
    press(&root, "event4", 30);
    let mut person = Scripted::new(move |n, _: &Text| {
        press(&root, "event4", 31);
        press(&root, "event3", if n == 1 { 225 } else { 224 });
    });
    let p = params(&["KEY_BRIGHTNESSUP", "KEY_BRIGHTNESSDOWN"], "Video Bus", 5);
    let out = input_keys::run_with(&p, &c, &mut person);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("all 2 key(s) arrived from the expected device")
    );
    assert_eq!(
        out.evidence_text("keys"),
        Some("KEY_BRIGHTNESSUP: from Video Bus (event3)\nKEY_BRIGHTNESSDOWN: from Video Bus (event3)")
    );
    assert_eq!(
        person.shown[0],
        ("Press the key KEY_BRIGHTNESSUP (Video Bus).".to_owned(), 5)
    );
    assert_eq!(out.measurement("keys_seen"), Some(2.0));
}

#[test]
fn a_key_from_another_device_fails_naming_it() {
    let tree = laptop();
    let root = tree.root().to_path_buf();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    let mut person = Scripted::new(move |_, _: &Text| press(&root, "event4", 115));
    let out = input_keys::run_with(&params(&["KEY_VOLUMEUP"], "Video Bus", 5), &c, &mut person);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some(
            "KEY_VOLUMEUP came from AT Translated Set 2 keyboard (event4), not from \"Video Bus\""
        )
    );
}

#[test]
fn a_press_before_the_instruction_does_not_count_and_the_key_times_out() {
    let tree = laptop();
    let root = tree.root().to_path_buf();
    press(&root, "event3", 113);
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    let mut person = Scripted::new(|_, _: &Text| {});
    let start = std::time::Instant::now();
    let out = input_keys::run_with(&params(&["KEY_MUTE"], "", 1), &c, &mut person);
    assert!(start.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("KEY_MUTE was not seen within 1 s")
    );
}

#[test]
fn skip_paths_tester_no_person_no_devices_unreadable_devices() {
    let tree = laptop();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    let mut person = Scripted::new(|_, _: &Text| {});
    person.skip_at = Some((1, "no mute key on this model".into()));
    let out = input_keys::run_with(&params(&["KEY_MUTE"], "", 15), &c, &mut person);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(out.comment.as_deref(), Some("no mute key on this model"));

    let out = input_keys::run(&params(&["KEY_MUTE"], "", 15), &c);
    assert_eq!(
        out.message.as_deref(),
        Some("needs a person to press the keys; none in a non-interactive run")
    );

    let empty = Tree::new();
    let c = ctx(inventory("firecracker-vm.json"), empty.root(), empty.root());
    let out = input_keys::run_with(
        &params(&["KEY_MUTE"], "", 1),
        &c,
        &mut Scripted::new(|_, _: &Text| {}),
    );
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("not applicable: no input event devices (/sys/class/input/event*)")
    );

    let nodes = Tree::new();
    nodes.file("/sys/class/input/event0/device/name", "Power Button\n");
    let c = ctx(inventory("firecracker-vm.json"), nodes.root(), nodes.root());
    let out = input_keys::run_with(
        &params(&["KEY_MUTE"], "", 1),
        &c,
        &mut Scripted::new(|_, _: &Text| {}),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(
        out.message.as_deref().unwrap().starts_with(
            "cannot read the input devices (run as root or in the input group): event0 (Power Button): "
        ),
        "{out:?}"
    );

    let tree = laptop();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), tree.root());
    let out = input_keys::run_with(
        &params(&["KEY_MUTE"], "ThinkPad Extra Buttons", 1),
        &c,
        &mut Scripted::new(|_, _: &Text| {}),
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("no input device named like \"ThinkPad Extra Buttons\"; there are: Video Bus, AT Translated Set 2 keyboard")
    );
}

#[test]
fn key_names_are_checked_against_the_kernel_table() {
    let p: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(r#"{"keys":["KEY_VOLUME_UP"]}"#).unwrap();
    let err = mxcert_core::plan::Check::from_params(mxcert_core::plan::CheckKind::InputKeys, &p)
        .unwrap_err();
    assert_eq!(
        err,
        "keys: \"KEY_VOLUME_UP\" is not a key name of linux/input-event-codes.h, such as KEY_VOLUMEUP"
    );
}
