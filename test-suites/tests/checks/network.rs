use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mxcert_core::plan::params::{LinkRequirement, NetworkInterfaces, NetworkThroughput};
use mxcert_core::report::Status;
use mxcert_suites::checks::{network_interfaces, network_throughput};
use mxcert_suites::peer;

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

/// A wired interface `name` on a PCI device with `driver`, link `up` or not.
fn iface(tree: &Tree, name: &str, pci: &str, driver: &str, up: bool, wireless: bool) {
    let dev = format!("/sys/devices/pci0000:00/{pci}");
    tree.device(&dev, Some(driver))
        .link_in(&format!("/sys/class/net/{name}/device"), &dev)
        .file(
            &format!("/sys/class/net/{name}/operstate"),
            if up { "up\n" } else { "down\n" },
        )
        .file(
            &format!("/sys/class/net/{name}/carrier"),
            if up { "1\n" } else { "0\n" },
        )
        .file(
            &format!("/sys/class/net/{name}/speed"),
            if up { "1000\n" } else { "-1\n" },
        );
    if wireless {
        tree.dir(&format!("/sys/class/net/{name}/wireless"));
    }
}

#[test]
fn this_machines_interface_has_its_driver_and_link() {
    let t = tempfile::tempdir().unwrap();
    let out = network_interfaces::run(&NetworkInterfaces::default(), &live(t.path()));
    if on_reference_vm() {
        assert_eq!(out.status, Status::Pass, "{out:?}");
        assert!(out
            .evidence_text("interfaces")
            .unwrap()
            .contains("eth0: driver virtio_net, wired, link up"));
        assert_eq!(out.measurement("interfaces_with_link"), Some(1.0));
    }
}

#[test]
fn link_requirements_and_missing_drivers() {
    let tree = Tree::new();
    iface(&tree, "enp1s0", "0000:01:00.0", "r8169", false, false);
    iface(&tree, "wlp2s0", "0000:02:00.0", "iwlwifi", true, true);
    tree.dir("/sys/class/net/lo").dir("/sys/class/net/docker0");
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());

    let out = network_interfaces::run(&NetworkInterfaces::default(), &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("2 physical interfaces with drivers, 1 with link")
    );
    assert_eq!(out.measurement("link_speed@wlp2s0"), Some(1000.0));
    assert_eq!(
        out.evidence_text("interfaces"),
        Some("enp1s0: driver r8169, wired, link down, speed unknown\nwlp2s0: driver iwlwifi, wireless, link up, speed 1000 Mb/s")
    );

    let all = NetworkInterfaces {
        link: LinkRequirement::All,
        ignore: vec![],
    };
    let out = network_interfaces::run(&all, &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(out.message.as_deref(), Some("enp1s0 has no link"));

    let only_wired = NetworkInterfaces {
        link: LinkRequirement::Any,
        ignore: vec!["wlp2s0".into()],
    };
    assert_eq!(
        network_interfaces::run(&only_wired, &c).message.as_deref(),
        Some("no physical interface has link (connect a cable or join a network)")
    );

    let none = Tree::new();
    none.dir("/sys/class/net/lo");
    let out = network_interfaces::run(
        &NetworkInterfaces::default(),
        &ctx(inventory("firecracker-vm.json"), none.root(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
}

fn start_peer() -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    std::thread::spawn(move || peer::serve(listener, s));
    (addr, stop)
}

#[test]
fn throughput_is_measured_both_ways_against_a_real_peer() {
    let (addr, stop) = start_peer();
    let t = tempfile::tempdir().unwrap();
    let mut c = live(t.path());
    c.options.peer = Some(addr.clone());
    let out = network_throughput::run(
        &NetworkThroughput {
            duration_s: 1,
            min_mbps: 1,
        },
        &c,
    );
    assert_eq!(out.status, Status::Pass, "{out:?}");
    let (up, down) = (
        out.measurement("upload_throughput").unwrap(),
        out.measurement("download_throughput").unwrap(),
    );
    assert!(up > 1.0 && down > 1.0, "{up} {down}");
    assert!(out.message.unwrap().ends_with(&format!("with {addr}")));

    let out = network_throughput::run(
        &NetworkThroughput {
            duration_s: 1,
            min_mbps: 100_000_000,
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
    assert!(out
        .message
        .unwrap()
        .contains("is below the plan's 100000000 Mbit/s"));
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn without_a_peer_the_test_is_skipped_and_an_unreachable_peer_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let mut c = live(t.path());
    let p = NetworkThroughput {
        duration_s: 1,
        min_mbps: 0,
    };
    let out = network_throughput::run(&p, &c);
    assert_eq!(out.status, Status::Skip);
    assert!(out.message.unwrap().starts_with("no peer given"));

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    c.options.peer = Some(closed.to_string());
    let out = network_throughput::run(&p, &c);
    assert_eq!(out.status, Status::Error);
    assert!(out
        .message
        .unwrap()
        .starts_with(&format!("upload to peer {closed} failed")));
}

#[test]
fn the_peer_answers_garbage_with_an_error_line() {
    let (addr, stop) = start_peer();
    for (request, answer) in [
        (
            "HELLO\n",
            "ERR expected MXCERT-PEER/1 UPLOAD|DOWNLOAD SECONDS",
        ),
        (
            "MXCERT-PEER/1 UPLOAD 99999\n",
            "ERR seconds must be 1..3600",
        ),
        (
            "MXCERT-PEER/1 SIDEWAYS 1\n",
            "ERR unknown direction SIDEWAYS",
        ),
    ] {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(&s).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), answer);
    }
    stop.store(true, Ordering::Relaxed);
}
