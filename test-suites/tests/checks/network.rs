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
            ..NetworkThroughput::default()
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
            ..NetworkThroughput::default()
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
        ..NetworkThroughput::default()
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

/// A veth pair: `host` here, its other end in a new network namespace where an `mxcert peer`
/// responder listens (a thread that entered the namespace). Removed on drop. Root only.
pub struct VethPeer {
    ns: String,
    pub host: String,
    pub addr: String,
    stop: Arc<AtomicBool>,
}

pub fn ip(args: &[&str]) {
    let out = std::process::Command::new("ip")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl VethPeer {
    pub fn new() -> Option<VethPeer> {
        if !nix::unistd::geteuid().is_root()
            || std::process::Command::new("ip").arg("-V").output().is_err()
        {
            return None;
        }
        let pid = std::process::id();
        let (ns, host, inner) = (
            format!("mxct{pid}"),
            format!("mxh{pid}"),
            format!("mxn{pid}"),
        );
        let net = format!("10.231.{}", pid % 250);
        ip(&["netns", "add", &ns]);
        let mut veth = VethPeer {
            ns: ns.clone(),
            host: host.clone(),
            addr: String::new(),
            stop: Arc::new(AtomicBool::new(false)),
        };
        ip(&["link", "add", &host, "type", "veth", "peer", "name", &inner]);
        ip(&["link", "set", &inner, "netns", &ns]);
        ip(&["addr", "add", &format!("{net}.1/30"), "dev", &host]);
        ip(&["link", "set", &host, "up"]);
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{net}.2/30"),
            "dev",
            &inner,
        ]);
        ip(&["-n", &ns, "link", "set", &inner, "up"]);
        let (tx, rx) = std::sync::mpsc::channel();
        let stop = veth.stop.clone();
        let (ns_path, listen) = (format!("/var/run/netns/{ns}"), format!("{net}.2:0"));
        std::thread::spawn(move || {
            let f = std::fs::File::open(ns_path).unwrap();
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            // The address appears once the link is up; retry briefly.
            let listener = (0..50)
                .find_map(|_| {
                    TcpListener::bind(&listen).ok().or_else(|| {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        None
                    })
                })
                .unwrap();
            tx.send(listener.local_addr().unwrap().to_string()).unwrap();
            peer::serve(listener, stop)
        });
        let addr = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        veth.addr = addr;
        Some(veth)
    }
}

impl Drop for VethPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.host])
            .status();
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.ns])
            .status();
    }
}

#[test]
fn throughput_per_interface_against_its_link_speed_over_a_veth_pair() {
    let Some(veth) = VethPeer::new() else {
        eprintln!("needs root and iproute2 for a veth pair and a network namespace");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let mut c = live(t.path());
    c.options.peer = Some(veth.addr.clone());
    // The route to the peer goes through the veth; its speed (10000 Mb/s) is read from sysfs.
    let p = NetworkThroughput {
        duration_s: 1,
        min_mbps: 1,
        all_interfaces: false,
        min_percent_of_link: 1,
    };
    let out = network_throughput::run(&p, &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("link_speed"), Some(10000.0));

    // The same interface negotiated at 400 Gb/s (a fixture tree says so): 100% is out of reach.
    let tree = Tree::new();
    let host = &veth.host;
    tree.file(&format!("/sys/class/net/{host}/speed"), "400000\n")
        .file(&format!("/sys/class/net/{host}/carrier"), "1\n")
        .link_in(
            &format!("/sys/class/net/{host}/device"),
            "/sys/devices/pci0000:00/0000:05:00.0",
        )
        .file("/sys/class/net/lo/carrier", "1\n")
        .link_in(
            "/sys/class/net/lo/device",
            "/sys/devices/pci0000:00/0000:06:00.0",
        );
    let mut f = ctx(inventory("firecracker-vm.json"), tree.root(), t.path());
    f.options.peer = Some(veth.addr.clone());
    f.is_root = true;
    let strict = NetworkThroughput {
        min_percent_of_link: 100,
        ..p.clone()
    };
    let out = network_throughput::run(&strict, &f);
    assert_eq!(out.status, Status::Fail);
    let msg = out.message.unwrap();
    assert!(
        msg.starts_with(&format!("{host}: upload "))
            && msg.contains("is below 100% of its 400000 Mb/s link (400000 Mbit/s)"),
        "{msg}"
    );

    // Every interface with link, each connection bound to it: the veth reaches the peer, `lo`
    // (dressed as a NIC in the fixture tree) cannot.
    let all = NetworkThroughput {
        all_interfaces: true,
        min_percent_of_link: 0,
        ..p.clone()
    };
    let out = network_throughput::run(&all, &f);
    assert_eq!(out.status, Status::Fail, "{out:?}");
    let msg = out.message.clone().unwrap();
    assert!(
        msg.starts_with(&format!("upload to peer {} through lo failed", veth.addr)),
        "{msg}"
    );
    assert!(
        out.measurement(&format!("upload_throughput@{host}"))
            .unwrap()
            > 1.0
    );
    assert!(out.measurement("upload_throughput@lo").is_none());

    // Not root: all_interfaces cannot bind, so it is skipped with the reason.
    f.is_root = false;
    let out = network_throughput::run(&all, &f);
    assert_eq!(out.status, Status::Skip);
}
