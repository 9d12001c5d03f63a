//! One module per command group. Each function takes its parsed arguments, does the work, writes
//! its output and returns the exit code.

pub mod certificate;
pub mod check;
pub mod docs;
pub mod keys;
pub mod log;
pub mod login;
pub mod peer;
pub mod plans;
pub mod probe;
pub mod record;
pub mod review;
pub mod run;
pub mod share;
pub mod sign;
pub mod snapshot;
pub mod submissions;
pub mod submit;
