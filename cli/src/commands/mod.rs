//! One module per command group. Each function takes its parsed arguments, does the work, writes
//! its output and returns the exit code.

pub mod docs;
pub mod keys;
pub mod probe;
pub mod sign;
pub mod submit;
