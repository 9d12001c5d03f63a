//! mxcert-suites: the certification test plans (TOML files under `plans/`) and the checks they
//! run, one file per check kind under [`checks`].
//!
//! A check takes its typed parameters (from `mxcert_core::plan::params`) and a [`Context`]: the
//! inventory, the root directory every hardware read goes through (`/`, or a fixture tree in
//! tests), a scratch directory and the run's options. It returns an [`Outcome`]: a status, a
//! message saying why, evidence and measurements. Checks are bounded (sizes and durations come
//! from parameters), safe (no raw device writes, everything they create is removed) and honest:
//! a check that cannot run here returns `skip` with the reason, never `pass`.
//!
//! What must not be here: the runner (ordering, timeouts, journal, UI: that is `mxcert run` in
//! the CLI), network traffic to anything but the peer the user named, or plan parsing (that is
//! `mxcert_core::plan`, which the registry shares).

pub mod attention;
pub mod block_watch;
pub mod checks;
mod context;
mod outcome;
pub mod peer;
pub mod process;
pub mod random;
pub mod root;
pub mod runner_seam;
pub mod sensors;
pub mod workload;

pub use checks::manual::{Answer, Prompter};
pub use checks::run_check;
pub use context::{Context, Options};
pub use outcome::{Findings, Outcome};
