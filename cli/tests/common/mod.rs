//! What the `mxcert run` test binaries share.

use std::path::{Path, PathBuf};
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

/// A copy of the fixture root `name` (`tests/fixtures/roots/NAME`) at `dir/root`, which tests
/// may change (a run's "machine"); returns its path.
#[allow(dead_code)] // not every test binary copies a tree
pub fn copy_root(name: &str, dir: &Path) -> PathBuf {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roots")
        .join(name);
    let root = dir.join("root");
    let ok = Command::new("cp")
        .arg("-a")
        .arg(&fixture)
        .arg(&root)
        .status()
        .unwrap();
    assert!(ok.success(), "cp -a {}", fixture.display());
    root
}
