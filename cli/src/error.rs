//! The CLI's error type: each variant is one documented exit code (see [`crate::exit`]).
//!
//! Messages are lowercase fragments that read after "mxcert: " and name the failing path or value,
//! e.g. `failed to read report.json: No such file or directory (os error 2)`.

use std::path::Path;

use crate::exit;

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The answer is "no" (bad signature, not certifiable, invalid plan). Exit 1.
    #[error("{0}")]
    Failed(String),
    /// The command line is wrong. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// An input could not be read or parsed. Exit 3.
    #[error("{0}")]
    BadInput(String),
    /// The registry could not be reached or refused the request. Exit 4.
    #[error("{0}")]
    Registry(String),
    /// The environment refused (output exists, permission denied). Exit 5.
    #[error("{0}")]
    Environment(String),
    /// Stopped by a signal. Exit 130.
    #[error("interrupted")]
    Interrupted,
}

impl CliError {
    /// The exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Failed(_) => exit::FAILED,
            CliError::Usage(_) => exit::USAGE,
            CliError::BadInput(_) => exit::BAD_INPUT,
            CliError::Registry(_) => exit::REGISTRY,
            CliError::Environment(_) => exit::ENVIRONMENT,
            CliError::Interrupted => exit::INTERRUPTED,
        }
    }

    /// An input file could not be read.
    pub fn read(path: &Path, e: impl std::fmt::Display) -> CliError {
        CliError::BadInput(format!("failed to read {}: {e}", path.display()))
    }

    /// An input file was read but is not what it should be.
    pub fn parse(path: &Path, e: impl std::fmt::Display) -> CliError {
        CliError::BadInput(format!("failed to parse {}: {e}", path.display()))
    }

    /// An output file could not be written.
    pub fn write(path: &Path, e: impl std::fmt::Display) -> CliError {
        CliError::Environment(format!("failed to write {}: {e}", path.display()))
    }
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;
