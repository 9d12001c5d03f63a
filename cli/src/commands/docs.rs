//! `mxcert completions SHELL` and `mxcert man --out-dir DIR`.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::error::{CliError, Result};
use crate::exit;

pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "mxcert", &mut out);
    crate::output::write_stdout(&out)?;
    Ok(exit::SUCCESS)
}

pub fn man(args: &ManArgs) -> Result<u8> {
    std::fs::create_dir_all(&args.out_dir).map_err(|e| CliError::write(&args.out_dir, e))?;
    clap_mangen::generate_to(Cli::command(), &args.out_dir)
        .map_err(|e| CliError::write(&args.out_dir, e))?;
    Ok(exit::SUCCESS)
}
