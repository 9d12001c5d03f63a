//! `mxcert peer --listen ADDR`: the responder for `network.throughput`, run on another machine
//! of the lab network. Serves until Ctrl-C (exit 130).

use std::net::TcpListener;

use crate::args::PeerArgs;
use crate::error::{CliError, Result};
use crate::run::interrupt;

pub fn peer(args: &PeerArgs) -> Result<u8> {
    let listener = TcpListener::bind(&args.listen)
        .map_err(|e| CliError::Environment(format!("failed to listen on {}: {e}", args.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Environment(format!("failed to listen on {}: {e}", args.listen)))?;
    eprintln!("mxcert peer: listening on {addr}; run `mxcert run --peer {addr} ...` on the machine under test; stop with Ctrl-C");
    let stop = interrupt::install();
    mxcert_suites::peer::serve(listener, stop)
        .map_err(|e| CliError::Environment(format!("peer on {addr} failed: {e}")))?;
    Err(CliError::Interrupted)
}
