//! `network.throughput`: TCP throughput to and from an `mxcert peer` the user runs on another
//! machine and names with `--peer ADDR`. Skipped without a peer. Traffic goes only to that peer.

use mxcert_core::plan::params::NetworkThroughput;

use crate::peer;
use crate::{Context, Outcome};

pub fn run(p: &NetworkThroughput, ctx: &Context) -> Outcome {
    let Some(addr) = ctx.options.peer.as_deref() else {
        return Outcome::skip(
            "no peer given: run `mxcert peer --listen ADDR` on another machine and pass --peer ADDR",
        );
    };
    let up = match peer::upload(addr, p.duration_s) {
        Ok(t) => t,
        Err(e) => return Outcome::error(format!("upload to peer {addr} failed: {e}")),
    };
    let down = match peer::download(addr, p.duration_s) {
        Ok(t) => t,
        Err(e) => return Outcome::error(format!("download from peer {addr} failed: {e}")),
    };
    let (u, d) = (up.mbps(), down.mbps());
    let mut failures = Vec::new();
    for (what, v) in [("upload", u), ("download", d)] {
        if v < p.min_mbps as f64 {
            failures.push(format!(
                "{what} {v:.0} Mbit/s is below the plan's {} Mbit/s",
                p.min_mbps
            ));
        }
    }
    Outcome::pass_unless(
        &failures,
        format!("upload {u:.0} Mbit/s, download {d:.0} Mbit/s with {addr}"),
    )
    .evidence(
        "transfers",
        format!(
            "upload: {} bytes in {:.2} s (measured by the peer)\ndownload: {} bytes in {:.2} s",
            up.bytes, up.seconds, down.bytes, down.seconds
        ),
    )
    .measure("upload_throughput", u, "Mbit/s")
    .measure("download_throughput", d, "Mbit/s")
}
