use mxcert_core::plan::params::Presence;
use mxcert_core::report::Status;
use mxcert_suites::checks::presence::{self, Kind};

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

/// A laptop's /sys/class as the kernel lays it out: class entries whose `device` link leads to
/// the bus device that has the driver.
fn laptop_tree() -> Tree {
    let tree = Tree::new();
    let gpu = "/sys/devices/pci0000:00/0000:00:02.0";
    let hda = "/sys/devices/pci0000:00/0000:00:1f.3";
    let wifi = "/sys/devices/pci0000:00/0000:00:14.3";
    let kbd = "/sys/devices/platform/i8042/serio0";
    let touchpad = "/sys/devices/pci0000:00/0000:00:15.1/i2c_designware.1/i2c-2/i2c-VEN_06CB:00/0018:06CB:CE26.0001";
    let cam = "/sys/devices/pci0000:00/0000:00:14.0/usb3/3-6/3-6:1.0";
    let bt = "/sys/devices/pci0000:00/0000:00:14.0/usb3/3-10/3-10:1.0";
    tree.device(gpu, Some("i915"))
        .device(hda, Some("snd_hda_intel"))
        .device(wifi, Some("iwlwifi"))
        .device(kbd, Some("atkbd"))
        .device(touchpad, Some("hid-multitouch"))
        .device(cam, Some("uvcvideo"))
        .device(bt, Some("btusb"))
        .link_in("/sys/class/drm/card0/device", gpu)
        .link_in("/sys/class/drm/card0-eDP-1/device", gpu)
        .dir("/sys/class/drm/renderD128")
        .link_in("/sys/class/sound/card0/device", hda)
        .dir("/sys/class/sound/controlC0")
        .link_in("/sys/class/net/wlp0s20f3/device", wifi)
        .dir("/sys/class/net/wlp0s20f3/wireless")
        .dir("/sys/class/net/lo")
        .link_in("/sys/class/video4linux/video0/device", cam)
        .link_in("/sys/class/video4linux/video1/device", cam)
        .file(
            "/sys/class/video4linux/video0/name",
            "Integrated_Webcam_HD: Integrate\n",
        )
        .link_in("/sys/class/bluetooth/hci0/device", bt)
        // AT keyboard: SYN KEY MSC LED REP, KEY_A among its keys.
        .link_in("/sys/class/input/input3/device", kbd)
        .file(
            "/sys/class/input/input3/name",
            "AT Translated Set 2 keyboard\n",
        )
        .file("/sys/class/input/input3/capabilities/ev", "120013\n")
        .file(
            "/sys/class/input/input3/capabilities/key",
            "402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe\n",
        )
        // Touchpad: SYN KEY ABS with BTN_LEFT and BTN_TOUCH.
        .link_in("/sys/class/input/input5/device", touchpad)
        .file(
            "/sys/class/input/input5/name",
            "VEN_06CB:00 06CB:CE26 Touchpad\n",
        )
        .file("/sys/class/input/input5/capabilities/ev", "1b\n")
        .file(
            "/sys/class/input/input5/capabilities/key",
            "e520 10000 0 0 0 0\n",
        )
        // Power button: SYN KEY, no letters: not a keyboard.
        .dir("/sys/class/input/input0/device")
        .file("/sys/class/input/input0/name", "Power Button\n")
        .file("/sys/class/input/input0/capabilities/ev", "3\n")
        .file(
            "/sys/class/input/input0/capabilities/key",
            "10000000000000 0\n",
        );
    tree
}

#[test]
fn each_kind_of_device_is_found_with_its_driver() {
    let tree = laptop_tree();
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let one = Presence { min_count: 1 };
    for (kind, evidence) in [
        (Kind::Graphics, "card0: driver i915"),
        (Kind::Audio, "card0: driver snd_hda_intel"),
        (Kind::Wifi, "wlp0s20f3: driver iwlwifi"),
        (Kind::Camera, "video0 \"Integrated_Webcam_HD: Integrate\": driver uvcvideo"),
        (Kind::Bluetooth, "hci0: driver btusb"),
        (
            Kind::Input,
            "input3 \"AT Translated Set 2 keyboard\" (keyboard): driver atkbd\ninput5 \"VEN_06CB:00 06CB:CE26 Touchpad\" (pointer): driver hid-multitouch",
        ),
    ] {
        let out = presence::run(kind, &one, &c);
        assert_eq!(out.status, Status::Pass, "{kind:?}: {out:?}");
        assert_eq!(out.evidence_text("devices"), Some(evidence), "{kind:?}");
    }
    let out = presence::run(Kind::Input, &Presence { min_count: 2 }, &c);
    assert_eq!(out.measurement("found"), Some(2.0));
    let out = presence::run(Kind::Input, &Presence { min_count: 3 }, &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("found 2 keyboard or pointer with a driver in /sys/class/input, need 3")
    );
}

#[test]
fn a_device_without_its_driver_fails_from_sysfs_and_from_the_inventory() {
    let tree = Tree::new();
    let gpu = "/sys/devices/pci0000:00/0000:00:02.0";
    tree.device(gpu, None)
        .link_in("/sys/class/drm/card0/device", gpu);
    let mut inv = inventory("laptop.json");
    inv.devices[0].driver = None;
    let t = tempfile::tempdir().unwrap();
    let out = presence::run(
        Kind::Graphics,
        &Presence::default(),
        &ctx(inv, tree.root(), t.path()),
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("found 0 graphics card with a driver in /sys/class/drm, need 1; pci:8086:7d55:1028:0c0e [graphics] Intel Corporation Meteor Lake-P [Intel Arc Graphics] class 0x030000 at devices/pci0000:00/0000:00:02.0 has no driver")
    );
}

#[test]
fn this_virtual_machine_has_no_graphics() {
    if !on_reference_vm() {
        eprintln!("skipped: only the reference VM is known to have no DRM device");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = presence::run(Kind::Graphics, &Presence::default(), &live(t.path()));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(out.measurement("found"), Some(0.0));
}
