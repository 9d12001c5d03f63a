//! `mxcert record DIR`: records what a probe of this machine reads into DIR (see
//! [`crate::probe::recorder`]), so `mxcert probe --root DIR` replays it anywhere.

use crate::args::RecordArgs;
use crate::error::{CliError, Result};
use crate::exit;
use crate::probe::recorder::{self, RecordError};

pub fn record(args: &RecordArgs) -> Result<u8> {
    let recorded = recorder::record(&args.dir).map_err(|e| match e {
        RecordError::NotEmpty(_) | RecordError::Write { .. } => {
            CliError::Environment(e.to_string())
        }
        RecordError::Probe(p) => super::probe::probe_error(p),
    })?;
    println!(
        "recorded {} files and {} links into {} ({} devices); replay with `mxcert probe --root {}`",
        recorded.files,
        recorded.links,
        args.dir.display(),
        recorded.inventory.devices.len(),
        args.dir.display()
    );
    Ok(exit::SUCCESS)
}
