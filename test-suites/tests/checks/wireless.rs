//! `bluetooth.scan` and `wifi.connect` against recorded tool outputs (see
//! `tests/fixtures/recorded/README.md` for their origin).

use std::path::PathBuf;

use mxcert_core::plan::params::{BluetoothScan, WifiConnect};
use mxcert_core::report::Status;
use mxcert_suites::checks::bluetooth_scan::{self, device_kind, seen_devices};
use mxcert_suites::checks::wifi_connect::{self, WifiConfig};
use mxcert_suites::runner_seam::{CommandOutput, CommandRunner, RecordedRunner, RunError};
use mxcert_suites::Outcome;

use crate::support::{ctx, inventory};

fn recorded(dir: &str) -> RecordedRunner {
    RecordedRunner::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/recorded")
            .join(dir),
    )
}

fn scan(dir: &str, p: &BluetoothScan) -> Outcome {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), t.path(), t.path());
    bluetooth_scan::run_with(p, &c, &recorded(dir))
}

/// No MAC-address shapes and none of the devices' names in anything the check returns.
fn assert_private(out: &Outcome) {
    let all = format!("{out:?}");
    for secret in [
        "40:4E", "5C:F3", "6A:3B", "6A-3B", "Ana", "Pixel", "WH-1000", "00:1A",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn bluetooth_devices_are_counted_with_their_kinds_never_addresses_or_names() {
    let out = scan("bluetooth/found", &BluetoothScan::default());
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter powered on and discovered 3 device(s) in 15 s (audio-headset: 1, phone: 1, unknown: 1)")
    );
    assert_eq!(out.measurement("devices_found"), Some(3.0));
    assert_private(&out);
    let more = scan(
        "bluetooth/found",
        &BluetoothScan {
            min_devices: 4,
            ..BluetoothScan::default()
        },
    );
    assert_eq!(more.status, Status::Fail);
    assert!(more
        .message
        .unwrap()
        .contains("discovered 3 device(s) in 15 s, fewer than 4"));
}

#[test]
fn bluetooth_nothing_nearby_fails_and_a_blocked_adapter_fails_with_bluez_words() {
    let out = scan("bluetooth/nothing-near", &BluetoothScan::default());
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter powered on but discovered 0 device(s) in 15 s, fewer than 1 (is a discoverable device nearby?)")
    );
    let out = scan("bluetooth/blocked", &BluetoothScan::default());
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter did not power on: Failed to set power on: org.bluez.Error.Blocked")
    );
}

#[test]
fn bluetooth_skip_and_timeout_paths() {
    let none = scan("bluetooth/no-controller", &BluetoothScan::default());
    assert_eq!(none.status, Status::Skip);
    assert!(none
        .message
        .unwrap()
        .starts_with("not applicable: BlueZ sees no Bluetooth controller"));
    let missing = scan("bluetooth/no-such-recording", &BluetoothScan::default());
    assert_eq!(missing.status, Status::Skip);
    assert_eq!(
        missing.message.as_deref(),
        Some("bluetoothctl is not installed (Debian package bluez); install it to test Bluetooth")
    );
    let hung = scan("bluetooth/hung", &BluetoothScan::default());
    assert_eq!(hung.status, Status::Error, "{hung:?}");
    assert_eq!(
        hung.message.as_deref(),
        Some("bluetoothctl did not finish within 25 s; its process group was killed (is the bluetooth service, bluetoothd, running?)")
    );
}

/// NetworkManager answering as `nmcli` does. Most outputs here are constructed per nmcli(1)'s
/// terse format (`-t`: fields joined by `:`, `:` and `\` in values escaped with `\`) for the
/// fields asked; the tests further down replay nmcli's own recorded outputs (`nmcli-mock/`, see
/// the README there). Every command line is logged, so tests can look for the passphrase.
struct FakeNm {
    calls: std::cell::RefCell<Vec<Vec<String>>>,
    /// (start of the command line, status, stdout)
    answers: Vec<(&'static str, i32, &'static str)>,
}

impl FakeNm {
    fn new(answers: Vec<(&'static str, i32, &'static str)>) -> FakeNm {
        FakeNm {
            calls: Default::default(),
            answers,
        }
    }
}

impl CommandRunner for FakeNm {
    fn run(
        &self,
        program: &str,
        args: &[&str],
        timeout: std::time::Duration,
    ) -> Result<CommandOutput, RunError> {
        let line = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        self.calls
            .borrow_mut()
            .push(line.split(' ').map(String::from).collect());
        if args.contains(&"passwd-file") {
            // NetworkManager reads the file: it holds the passphrase, privately.
            let file = args[args.iter().position(|a| *a == "passwd-file").unwrap() + 1];
            let text = std::fs::read_to_string(file).unwrap();
            assert_eq!(text, "802-11-wireless-security.psk:correct horse battery\n");
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(file).unwrap().permissions(),
            );
            assert_eq!(mode & 0o777, 0o600);
        }
        match self
            .answers
            .iter()
            .find(|(start, _, _)| line.starts_with(start))
        {
            Some((_, status, out)) if *out == "TIMEOUT" => {
                let _ = status;
                Err(RunError::TimedOut {
                    program: program.into(),
                    after: timeout,
                })
            }
            Some((_, status, out)) => Ok(CommandOutput {
                status: Some(*status),
                stdout: out.as_bytes().to_vec(),
                stderr: Vec::new(),
            }),
            None => Err(RunError::NotFound {
                program: program.into(),
            }),
        }
    }
}

const DEVICES: &str =
    "wlp2s0:wifi:disconnected\nenp3s0:ethernet:connected\nlo:loopback:connected (externally)\n";

fn nm_ok(list: &'static str) -> FakeNm {
    FakeNm::new(vec![
        ("nmcli -t -f DEVICE,TYPE,STATE device", 0, DEVICES),
        ("nmcli connection add", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully added.\n"),
        ("nmcli --wait 60 connection up", 0, "Connection successfully activated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n"),
        ("nmcli -t -f IP4.ADDRESS,IP4.GATEWAY device show wlp2s0", 0, "IP4.ADDRESS[1]:192.168.50.23/24\nIP4.GATEWAY:192.168.50.1\n"),
        ("nmcli -t -f IN-USE,SSID,FREQ,RATE,SIGNAL,SECURITY device wifi list", 0, list),
        ("ping -c 3 -W 2 -I wlp2s0 192.168.50.1", 0, "3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n"),
        ("nmcli connection delete", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully deleted.\n"),
    ])
}

/// Constructed (no real listing with an access point in use was found): the shape of
/// NetworkManager's recorded terse listings (`nmcli-mock/`), `IN-USE` first.
const LIST_5G: &str =
    " :Neighbours\\: guest:2437 MHz:54 Mbit/s:40:WPA2\n*:lab-5g:5180 MHz:540 Mbit/s:72:WPA2 WPA3\n";

fn wifi(config: &str, runner: &FakeNm) -> Outcome {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("wifi.toml");
    std::fs::write(&file, config).unwrap();
    let scratch = t.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let mut c = ctx(inventory("firecracker-vm.json"), t.path(), &scratch);
    c.options.wifi_config = Some(file);
    let out = wifi_connect::run_with(&WifiConnect::default(), &c, runner);
    // The passphrase file is gone.
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    out
}

const LAB: &str =
    "[[network]]\nssid = \"lab-5g\"\npsk = \"correct horse battery\"\nband = \"5GHz\"\n";

#[test]
fn wifi_joins_records_the_link_and_never_shows_the_passphrase() {
    let nm = nm_ok(LIST_5G);
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("joined 1 network(s) on wlp2s0, got an address and reached the gateway")
    );
    assert_eq!(
        out.evidence_text("networks"),
        Some(
            "lab-5g: 5GHz at 5180 MHz, signal 72%, 540 Mb/s, security WPA2 WPA3; gateway answered"
        )
    );
    assert_eq!(out.measurement("frequency@lab-5g"), Some(5180.0));
    assert_eq!(out.measurement("signal@lab-5g"), Some(72.0));
    assert_eq!(out.measurement("bit_rate@lab-5g"), Some(540.0));
    // Not in the outcome, not on any command line (a log of processes would show those).
    assert!(!format!("{out:?}").contains("horse"));
    let calls = nm.calls.borrow();
    assert!(
        calls.iter().flatten().all(|a| !a.contains("horse")),
        "{calls:?}"
    );
    assert!(calls.last().unwrap().starts_with(&[
        "nmcli".into(),
        "connection".into(),
        "delete".into()
    ]));
}

#[test]
fn wifi_on_the_wrong_band_fails_naming_both() {
    let list = "*:lab-5g:2412 MHz:144 Mbit/s:80:WPA2\n";
    let out = wifi(LAB, &nm_ok(list));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("lab-5g: 2.4GHz at 2412 MHz, signal 80%, 144 Mb/s, security WPA2; expected the 5GHz band")
    );
}

#[test]
fn wifi_activation_failure_and_timeout_never_show_the_passphrase() {
    let mut nm = nm_ok(LIST_5G);
    nm.answers[2] = (
        "nmcli --wait 60 connection up",
        4,
        "Error: Connection activation failed: Secrets were required, but not provided (correct horse battery).\n",
    );
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Fail);
    let m = out.message.clone().unwrap();
    assert!(
        m.starts_with("lab-5g: did not connect within 60 s: Error: Connection activation failed"),
        "{m}"
    );
    assert!(
        m.contains("<passphrase>") && !format!("{out:?}").contains("horse"),
        "{out:?}"
    );
    // The profile is deleted even so.
    assert!(nm
        .calls
        .borrow()
        .last()
        .unwrap()
        .contains(&"delete".to_owned()));

    let mut nm = nm_ok(LIST_5G);
    nm.answers[2] = ("nmcli --wait 60 connection up", 0, "TIMEOUT");
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("lab-5g: nmcli did not finish within 70 s; its process group was killed")
    );
}

#[test]
fn wifi_skip_paths_and_bad_configs() {
    // No config.
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), t.path(), t.path());
    let out = wifi_connect::run_with(&WifiConnect::default(), &c, &nm_ok(LIST_5G));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("no Wi-Fi networks to join: give mxcert run --wifi-config FILE")
    );
    // No nmcli.
    let out = wifi(LAB, &FakeNm::new(vec![]));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("nmcli is not installed (Debian package network-manager); install it to test Wi-Fi")
    );
    // No Wi-Fi device.
    let nm = FakeNm::new(vec![(
        "nmcli -t -f DEVICE,TYPE,STATE device",
        0,
        "enp3s0:ethernet:connected\n",
    )]);
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .unwrap()
        .starts_with("not applicable: NetworkManager manages no"));
    // Bad files: precise, and never quoting a passphrase.
    for (text, want) in [
        ("[[network]]\nssid = \"x\"\n", "network 1: give psk, or open = true for an open network"),
        ("[[network]]\nssid = \"x\"\npsk = \"short\"\n", "network 1: psk must be 8 to 63 characters"),
        ("[[network]]\nssid = \"x\"\nopen = true\nband = \"3GHz\"\n", "unknown variant `3GHz`, expected one of `2.4GHz`, `5GHz`, `6GHz` (line 4)"),
        ("[[network]]\nssid = \"x\"\npsk = \"correct horse battery\"\npassword = \"correct horse battery\"\n", "unknown field `password`, expected one of `ssid`, `psk`, `open`, `band` (line 4)"),
        ("network = 3", "invalid type: integer `3`, expected a sequence (line 1)"),
    ] {
        let e = WifiConfig::parse(text).unwrap_err();
        assert_eq!(e, want);
        assert!(!e.contains("horse"));
    }
    let ok = WifiConfig::parse(LAB).unwrap();
    assert!(!format!("{ok:?}").contains("horse"));
}

/// Bytes received on interface `dev` so far.
fn rx_bytes(dev: &str) -> u64 {
    std::fs::read_to_string(format!("/sys/class/net/{dev}/statistics/rx_bytes"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// NetworkManager answering for a Wi-Fi device named `dev` (a veth standing in for it).
fn nm_on(dev: &str) -> FakeNm {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    FakeNm::new(vec![
        ("nmcli -t -f DEVICE,TYPE,STATE device", 0, leak(format!("{dev}:wifi:disconnected\nlo:loopback:connected (externally)\n"))),
        ("nmcli connection add", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully added.\n"),
        ("nmcli --wait 60 connection up", 0, "Connection successfully activated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n"),
        (leak(format!("nmcli -t -f IP4.ADDRESS,IP4.GATEWAY device show {dev}")), 0, "IP4.ADDRESS[1]:192.168.50.23/24\nIP4.GATEWAY:192.168.50.1\n"),
        ("nmcli -t -f IN-USE,SSID,FREQ,RATE,SIGNAL,SECURITY device wifi list", 0, LIST_5G),
        (leak(format!("ping -c 3 -W 2 -I {dev} 192.168.50.1")), 0, "3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n"),
        ("nmcli connection delete", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully deleted.\n"),
    ])
}

fn wifi_to_peer(dev: &str, peer: &str) -> Outcome {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("wifi.toml");
    std::fs::write(&file, LAB).unwrap();
    let mut c = ctx(inventory("firecracker-vm.json"), t.path(), t.path());
    c.options.wifi_config = Some(file);
    c.options.peer = Some(peer.to_owned());
    let p = WifiConnect {
        throughput_s: 1,
        ..WifiConnect::default()
    };
    wifi_connect::run_with(&p, &c, &nm_on(dev))
}

/// The throughput to `--peer` goes through the Wi-Fi interface, not the route: a veth pair to a
/// network namespace where an `mxcert peer` listens stands in for the Wi-Fi. Named as the Wi-Fi
/// device, the veth carries the download (its receive counter grows by at least the bytes
/// measured); a second veth to an empty namespace named as the Wi-Fi device cannot reach the
/// peer although the routing table can (through the first veth), so the check fails there.
#[test]
fn wifi_throughput_is_bound_to_the_wifi_interface_over_veth_pairs() {
    let Some(veth) = crate::network::VethPeer::new() else {
        eprintln!("skipped: needs root and iproute2 for veth pairs and network namespaces");
        return;
    };
    let before = rx_bytes(&veth.host);
    let out = wifi_to_peer(&veth.host, &veth.addr);
    let got = rx_bytes(&veth.host) - before;
    assert_eq!(out.status, Status::Pass, "{out:?}");
    let mbps = out.measurement("download@lab-5g").unwrap();
    assert!(mbps > 1.0, "{out:?}");
    // At least 90 % of what the check counted (1 s at `mbps`) arrived on the veth.
    assert!(
        got as f64 >= 0.9 * mbps * 1e6 / 8.0,
        "{got} bytes on {} for {mbps} Mb/s",
        veth.host
    );
    assert!(out
        .evidence_text("networks")
        .unwrap()
        .contains("Mb/s from the peer"));

    // A decoy: up, with an address, but its other end is in a namespace with no peer.
    let pid = std::process::id();
    let (ns, decoy, inner) = (
        format!("mxdn{pid}"),
        format!("mxd{pid}"),
        format!("mxdi{pid}"),
    );
    use crate::network::ip;
    ip(&["netns", "add", &ns]);
    ip(&[
        "link", "add", &decoy, "type", "veth", "peer", "name", &inner,
    ]);
    ip(&["link", "set", &inner, "netns", &ns]);
    ip(&[
        "addr",
        "add",
        &format!("10.232.{}.1/30", pid % 250),
        "dev",
        &decoy,
    ]);
    ip(&["link", "set", &decoy, "up"]);
    ip(&["-n", &ns, "link", "set", &inner, "up"]);
    // Unbound, the peer is reachable (through the first veth).
    assert!(mxcert_suites::peer::download(&veth.addr, 1).is_ok());
    let out = wifi_to_peer(&decoy, &veth.addr);
    let _ = std::process::Command::new("ip")
        .args(["link", "del", &decoy])
        .status();
    let _ = std::process::Command::new("ip")
        .args(["netns", "del", &ns])
        .status();
    assert_eq!(out.status, Status::Fail, "{out:?}");
    let msg = out.message.clone().unwrap();
    assert!(
        msg.contains(&format!("throughput from the peer {} failed", veth.addr)),
        "{msg}"
    );
    assert!(out.measurement("download@lab-5g").is_none());
}

/// A file of `tests/fixtures/recorded/DIR`.
fn fixture(dir: &str, name: &str) -> String {
    std::fs::read_to_string(recorded(dir).dir().join(name)).unwrap()
}

fn real(name: &str) -> String {
    fixture("bluetooth-real", name)
}

/// bluetoothctl as people captured it on real machines (origins in
/// tests/fixtures/recorded/README.md): interactive prompts, `not available` lines, controller
/// changes, `hci0 new_settings` lines, class values with their decimal form.
#[test]
fn bluetoothctl_captured_on_real_machines_is_read() {
    assert_eq!(device_kind(&real("info-pixel9a.txt")), "phone");
    assert_eq!(
        device_kind(&real("info-vivo-tws-air2.txt")),
        "audio-headset"
    );
    // Without the icon, the class (hex, then decimal in brackets) gives the major class.
    let without_icon = |name: &str| -> String {
        real(name)
            .lines()
            .filter(|l| !l.trim_start().starts_with("Icon:"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(device_kind(&without_icon("info-pixel9a.txt")), "phone");
    assert_eq!(
        device_kind(&without_icon("info-vivo-tws-air2.txt")),
        "audio/video"
    );
    // Only announced devices count: not `Device … not available`, not controllers.
    assert_eq!(
        seen_devices(&real("session-hifiberry.txt")),
        vec!["B8:F4:A4:D0:F4:61".to_owned()]
    );
    assert_eq!(
        seen_devices(&real("session-bluealsa-204.txt")),
        vec!["BC:FF:EB:39:E0:5E".to_owned()]
    );
}

fn nm_recorded(name: &str) -> String {
    fixture("nmcli-mock", name)
}

/// The recorded `nmcli --terse dev s` without its one available Wi-Fi device.
fn nm_devices_all_unavailable() -> String {
    nm_recorded("dev-status.stdout")
        .lines()
        .filter(|l| !l.starts_with("wlan0:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `nmcli --terse -f NAME,…,DBUS-PATH device wifi list` and `-f COMMON` as NetworkManager's
/// client tests recorded them (origins in tests/fixtures/recorded/README.md): BSSIDs with
/// escaped colons, blank lines between devices, `(none)` flags, the `IN-USE` space.
#[test]
fn nmcli_wifi_listings_recorded_by_networkmanager_are_read() {
    let all = [
        "NAME",
        "SSID",
        "SSID-HEX",
        "BSSID",
        "MODE",
        "CHAN",
        "FREQ",
        "RATE",
        "SIGNAL",
        "BARS",
        "SECURITY",
        "WPA-FLAGS",
        "RSN-FLAGS",
        "DEVICE",
        "ACTIVE",
        "IN-USE",
        "DBUS-PATH",
    ];
    let aps = wifi_connect::access_points(&nm_recorded("wifi-list-17-fields.C.stdout"), &all);
    let seen: Vec<_> = aps
        .iter()
        .map(|a| {
            (
                a.ssid.as_str(),
                a.freq_mhz,
                a.rate_mbps,
                a.signal,
                a.security.as_str(),
                a.in_use,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "wlan0-ap-2",
                Some(2412),
                Some(54.0),
                Some(92),
                "WPA1 WPA2",
                false
            ),
            (
                "wlan0-ap-1",
                Some(2412),
                Some(54.0),
                Some(81),
                "WPA1",
                false
            ),
            (
                "wlan0-ap-3",
                Some(2412),
                Some(54.0),
                Some(55),
                "WPA3",
                false
            ),
            (
                "wlan1-ap-4",
                Some(2412),
                Some(54.0),
                Some(48),
                "WPA1 WPA2",
                false
            ),
        ]
    );
    // COMMON: IN-USE first, BSSID second, no FREQ.
    let common = [
        "IN-USE", "BSSID", "SSID", "MODE", "CHAN", "RATE", "SIGNAL", "BARS", "SECURITY",
    ];
    let aps = wifi_connect::access_points(&nm_recorded("wifi-list-common.C.stdout"), &common);
    assert_eq!(
        aps.iter()
            .map(|a| (a.ssid.as_str(), a.freq_mhz, a.signal, a.in_use))
            .collect::<Vec<_>>(),
        vec![
            ("wlan0-ap-2", None, Some(92), false),
            ("wlan0-ap-1", None, Some(81), false),
            ("wlan0-ap-3", None, Some(55), false),
            ("wlan1-ap-4", None, Some(48), false),
        ]
    );
    // Nothing parsed keeps a BSSID.
    assert!(!format!("{aps:?}").contains("E2"), "{aps:?}");
    // No access point in use in these recordings: no link, rather than a wrong one.
    assert_eq!(
        wifi_connect::active_link(&nm_recorded("wifi-list-common.C.stdout")),
        None
    );
}

/// `nmcli --terse dev s`, `--terse -f all dev status` and `--terse dev show wlan0` as
/// NetworkManager's client tests recorded them: the Wi-Fi device, then its address and gateway
/// from multi-line output whose IPv6 values keep their colons unescaped.
#[test]
fn nmcli_device_outputs_recorded_by_networkmanager_are_read() {
    assert_eq!(
        wifi_connect::wifi_device(&nm_recorded("dev-status.stdout")).as_deref(),
        Some("wlan0")
    );
    assert_eq!(
        wifi_connect::wifi_device(&nm_recorded("dev-status-all.stdout")).as_deref(),
        Some("wlan0")
    );
    // Every Wi-Fi device unavailable: none.
    assert_eq!(
        wifi_connect::wifi_device(&nm_devices_all_unavailable()),
        None
    );
    let show = nm_recorded("dev-show-wlan0.stdout");
    assert_eq!(
        wifi_connect::show_value(&show, "IP4.ADDRESS").as_deref(),
        Some("192.168.228.18/32")
    );
    assert_eq!(
        wifi_connect::show_value(&show, "IP4.GATEWAY").as_deref(),
        Some("192.168.41.120")
    );
    assert_eq!(wifi_connect::show_value(&show, "IP6.GATEWAY"), None);
    assert_eq!(
        wifi_connect::show_value(&show, "IP6.ROUTE").as_deref(),
        Some("dst = 2001:a::dd5b:aa7b:b4a2:e42/102, nh = ::, mt = 2504159086")
    );
}

/// The whole check through the runner seam with NetworkManager's recorded device list and
/// `device show` (superset field selections of what the check asks; origins in the README):
/// it joins on `wlan0`, pings the recorded gateway and reports neither the recorded hardware
/// address nor any BSSID.
#[test]
fn wifi_check_runs_on_networkmanagers_recorded_device_outputs() {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let nm = FakeNm::new(vec![
        ("nmcli -t -f DEVICE,TYPE,STATE device", 0, leak(nm_recorded("dev-status.stdout"))),
        ("nmcli connection add", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully added.\n"),
        ("nmcli --wait 60 connection up", 0, "Connection successfully activated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n"),
        ("nmcli -t -f IP4.ADDRESS,IP4.GATEWAY device show wlan0", 0, leak(nm_recorded("dev-show-wlan0.stdout"))),
        ("nmcli -t -f IN-USE,SSID,FREQ,RATE,SIGNAL,SECURITY device wifi list ifname wlan0", 0, LIST_5G),
        ("ping -c 3 -W 2 -I wlan0 192.168.41.120", 0, "3 packets transmitted, 3 received, 0% packet loss, time 2003ms\n"),
        ("nmcli connection delete", 0, "Connection 'mxcert-wifi-1' (2d1a7c0e-5b1f-4a8e-9a57-0c1e8f3b7d21) successfully deleted.\n"),
    ]);
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("joined 1 network(s) on wlan0, got an address and reached the gateway")
    );
    let all = format!("{out:?}");
    for secret in ["13:E0", "horse", "C0:E2", "Neighbours"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    // The recorded device list with every Wi-Fi device unavailable: not applicable.
    let mut nm = nm;
    nm.answers[0].2 = leak(nm_devices_all_unavailable());
    let out = wifi(LAB, &nm);
    assert_eq!(out.status, Status::Skip, "{out:?}");
}
