//! `mxcert record DIR`: records what a probe of this machine reads into DIR (see
//! [`crate::probe::recorder`]), so `mxcert probe --root DIR` replays it anywhere.

use crate::args::RecordArgs;
use crate::error::{CliError, Result};
use crate::exit;
use crate::probe::recorder::{self, RecordError};
use crate::probe::Root;

pub fn record(args: &RecordArgs) -> Result<u8> {
    let source = match &args.root {
        Some(root) if !root.is_dir() => {
            return Err(CliError::BadInput(format!(
                "failed to read {}: not a directory",
                root.display()
            )))
        }
        Some(root) => Root::at(root),
        None => Root::live(),
    };
    let recorded = recorder::record_root(&source, &args.dir).map_err(|e| match e {
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
