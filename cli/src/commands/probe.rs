//! `mxcert probe`: this machine's inventory (or a recording's, or a dump's) as a table or as JSON.
//!
//! `--show-withheld` adds, on standard error, the list of private values the probe saw and left out:
//! their kind and where they were (a sysfs path, an SMBIOS field, a dump property), never the
//! values. People paste terminal output into bug reports and forums, so the values are not printed
//! even on a terminal; each location is a file or field the user can read with their own tools.

use mxcert_core::inventory::Inventory;

use crate::args::{ProbeArgs, TableOrJson};
use crate::error::{CliError, Result};
use crate::probe::{self, ProbeError, Source};
use crate::{exit, output};

/// Maps probe errors to exit codes: unusable inputs are bad input (3), a system that cannot be
/// enumerated is the environment (5).
pub fn probe_error(e: ProbeError) -> CliError {
    match e {
        ProbeError::Udev(_) => CliError::Environment(e.to_string()),
        ProbeError::Read { .. } | ProbeError::Import { .. } => CliError::BadInput(e.to_string()),
    }
}

pub fn probe(args: &ProbeArgs) -> Result<u8> {
    let source = match (&args.root, &args.from) {
        (Some(_), Some(_)) => {
            return Err(CliError::Usage(
                "--root and --from cannot be used together".into(),
            ))
        }
        (Some(dir), None) => Source::Root(dir.clone()),
        (None, Some(file)) => Source::File(file.clone()),
        (None, None) => Source::Live,
    };
    let inventory = probe::probe(&source).map_err(probe_error)?;
    let bytes = render(&inventory, args.format);
    output::write_output(args.out.as_deref(), &bytes)?;
    if args.show_withheld {
        eprint!(
            "{}",
            probe::table::render_withheld(&inventory.probe.withheld)
        );
    }
    Ok(exit::SUCCESS)
}

/// The inventory in the requested format.
pub fn render(inventory: &Inventory, format: TableOrJson) -> Vec<u8> {
    match format {
        TableOrJson::Json => mxcert_core::format::to_json_pretty(inventory),
        TableOrJson::Table => probe::table::render(inventory).into_bytes(),
    }
}
