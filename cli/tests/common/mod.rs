//! What the `mxcert run` test binaries share.

use std::path::Path;
use std::process::Command;

/// The real binary with a clean, predictable environment, its state under `state`.
pub fn mxcert(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mxcert"));
    c.env("XDG_STATE_HOME", state)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("MXCERT_LANG")
        .env("NO_COLOR", "1");
    c
}
