//! Ctrl-C, SIGTERM and SIGHUP during a run: the first one sets a flag the runner checks between
//! and during tests (it kills the running check's process group, records nothing for that test,
//! and exits 130 with the session resumable). A second one exits at once with 130; the journal
//! is already on disk, so the session stays resumable.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// Installs the handlers and returns the flag they set.
pub fn install() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // Order matters: the conditional shutdown sees the flag set by an earlier signal.
        let _ = signal_hook::flag::register_conditional_shutdown(
            sig,
            i32::from(crate::exit::INTERRUPTED),
            flag.clone(),
        );
        let _ = signal_hook::flag::register(sig, flag.clone());
    }
    flag
}
