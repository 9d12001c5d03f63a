//! `network.throughput`: TCP throughput to and from an `mxcert peer` the user runs on another
//! machine and names with `--peer ADDR`. Skipped without a peer. Traffic goes only to that peer.
//!
//! By default one measurement, through whichever interface the route to the peer uses. With
//! `all_interfaces`, one per physical interface with link (`ROOT/sys/class/net`, as
//! `network.interfaces` sees them), each connection bound to its interface (SO_BINDTODEVICE,
//! so root only; skipped otherwise). `min_percent_of_link` compares each direction with the
//! interface's negotiated speed (`ROOT/sys/class/net/IF/speed`); the route's interface is found
//! from the connection's local address (`getifaddrs`). Bounded by `duration_s` per direction and
//! interface.

use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use mxcert_core::plan::params::NetworkThroughput;

use crate::peer;
use crate::root;
use crate::{Context, Outcome};

/// Physical interfaces with link, from sysfs: those with a device, carrier 1.
fn linked_interfaces(ctx: &Context) -> Vec<String> {
    let class = ctx.path("/sys/class/net");
    root::dir_names(&class)
        .into_iter()
        .filter(|n| {
            class.join(n).join("device").exists()
                && root::attr(&class.join(n).join("carrier")).as_deref() == Some("1")
        })
        .collect()
}

/// The negotiated speed in Mb/s; `None` when unknown (-1, missing).
fn link_speed(ctx: &Context, iface: &str) -> Option<u64> {
    root::attr_i64(&ctx.path(&format!("/sys/class/net/{iface}/speed")))
        .and_then(|s| u64::try_from(s).ok())
        .filter(|&s| s > 0)
}

/// The interface that holds `ip`.
fn interface_with(ip: IpAddr) -> Option<String> {
    nix::ifaddrs::getifaddrs().ok()?.find_map(|a| {
        let addr = a.address?;
        let found = addr
            .as_sockaddr_in()
            .map(|s| IpAddr::V4(s.ip()))
            .or_else(|| addr.as_sockaddr_in6().map(|s| IpAddr::V6(s.ip())));
        (found == Some(ip)).then_some(a.interface_name)
    })
}

/// The interface the route to `addr` uses: the local address of a connection to it.
fn route_interface(addr: &str) -> Option<String> {
    let a = addr.to_socket_addrs().ok()?.next()?;
    let s = TcpStream::connect_timeout(&a, Duration::from_secs(5)).ok()?;
    interface_with(s.local_addr().ok()?.ip())
}

struct Measured {
    up: peer::Transfer,
    down: peer::Transfer,
}

fn measure(addr: &str, secs: u64, device: Option<&str>) -> Result<Measured, String> {
    let via = device.map_or(String::new(), |d| format!(" through {d}"));
    let up = peer::upload_via(addr, secs, device)
        .map_err(|e| format!("upload to peer {addr}{via} failed: {e}"))?;
    let down = peer::download_via(addr, secs, device)
        .map_err(|e| format!("download from peer {addr}{via} failed: {e}"))?;
    Ok(Measured { up, down })
}

pub fn run(p: &NetworkThroughput, ctx: &Context) -> Outcome {
    let Some(addr) = ctx.options.peer.as_deref() else {
        return Outcome::skip(
            "no peer given: run `mxcert peer --listen ADDR` on another machine and pass --peer ADDR",
        );
    };
    if !p.all_interfaces {
        let m = match measure(addr, p.duration_s, None) {
            Ok(m) => m,
            Err(e) => return Outcome::error(e),
        };
        let iface = (p.min_percent_of_link > 0)
            .then(|| route_interface(addr))
            .flatten();
        let mut failures = Vec::new();
        let mut out = verdict(p, ctx, &m, iface.as_deref(), "", &mut failures);
        let (u, d) = (m.up.mbps(), m.down.mbps());
        let mut o = Outcome::pass_unless(
            &failures,
            format!("upload {u:.0} Mbit/s, download {d:.0} Mbit/s with {addr}"),
        );
        o.evidence.append(&mut out.evidence);
        o.measurements.append(&mut out.measurements);
        return o;
    }
    if !ctx.is_root {
        return Outcome::skip(
            "all_interfaces binds each connection to its interface, which needs root",
        );
    }
    let ifaces = linked_interfaces(ctx);
    if ifaces.is_empty() {
        return Outcome::skip("no physical interface has link");
    }
    let mut failures = Vec::new();
    let mut found = Outcome::pass("");
    for iface in &ifaces {
        match measure(addr, p.duration_s, Some(iface)) {
            Err(e) => failures.push(e),
            Ok(m) => {
                let mut o = verdict(p, ctx, &m, Some(iface), &format!("@{iface}"), &mut failures);
                found.evidence.append(&mut o.evidence);
                found.measurements.append(&mut o.measurements);
            }
        }
    }
    let mut o = Outcome::pass_unless(
        &failures,
        format!(
            "{} interfaces measured with {addr}: {}",
            ifaces.len(),
            ifaces.join(", ")
        ),
    );
    o.evidence.append(&mut found.evidence);
    o.measurements.append(&mut found.measurements);
    o
}

/// Checks one measurement against the plan's bounds, pushing failures; returns the evidence
/// and measurements (names suffixed with `suffix`).
fn verdict(
    p: &NetworkThroughput,
    ctx: &Context,
    m: &Measured,
    iface: Option<&str>,
    suffix: &str,
    failures: &mut Vec<String>,
) -> Outcome {
    let (u, d) = (m.up.mbps(), m.down.mbps());
    let on = iface.map_or(String::new(), |i| format!("{i}: "));
    for (what, v) in [("upload", u), ("download", d)] {
        if v < p.min_mbps as f64 {
            failures.push(format!(
                "{on}{what} {v:.0} Mbit/s is below the plan's {} Mbit/s",
                p.min_mbps
            ));
        }
    }
    let mut out = Outcome::pass("").evidence(
        format!("transfers{suffix}"),
        format!(
            "{on}upload: {} bytes in {:.2} s (measured by the peer)\ndownload: {} bytes in {:.2} s",
            m.up.bytes, m.up.seconds, m.down.bytes, m.down.seconds
        ),
    );
    out.add_measurement(format!("upload_throughput{suffix}"), u, "Mbit/s");
    out.add_measurement(format!("download_throughput{suffix}"), d, "Mbit/s");
    if p.min_percent_of_link > 0 {
        match iface.and_then(|i| link_speed(ctx, i).map(|s| (i, s))) {
            None => failures.push(format!(
                "{on}the link speed is unknown, so min_percent_of_link ({}%) cannot be checked",
                p.min_percent_of_link
            )),
            Some((i, speed)) => {
                out.add_measurement(format!("link_speed{suffix}"), speed as f64, "Mbit/s");
                let need = speed as f64 * p.min_percent_of_link as f64 / 100.0;
                for (what, v) in [("upload", u), ("download", d)] {
                    if v < need {
                        failures.push(format!(
                            "{i}: {what} {v:.0} Mbit/s is below {}% of its {speed} Mb/s link ({need:.0} Mbit/s)",
                            p.min_percent_of_link
                        ));
                    }
                }
            }
        }
    }
    out
}
