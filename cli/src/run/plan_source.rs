//! Where plans come from: `ID|FILE` arguments and `include` entries.
//!
//! An argument that names an existing file, contains a `/` or ends in `.toml` is a plan file;
//! anything else is a shipped plan's id. Includes ending in `.toml` or containing a `/` are
//! paths relative to the including file; others are shipped ids. Included files are named by
//! their canonical path (shown relative to the current directory when below it), so include
//! cycles are found however a file is reached.

use std::path::{Path, PathBuf};

use mxcert_core::plan::{self, Loader, Plan, PlanErrors, ShippedLoader, ShippedPlan, Source};

/// Why a plan could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PlanSourceError {
    #[error("no shipped plan is named {id:?} and no file {id} exists (shipped plans: {shipped})")]
    Unknown { id: String, shipped: String },
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The plan does not validate; every problem names its file and line.
    #[error("{0}")]
    Invalid(PlanErrors),
}

fn is_path(spec: &str) -> bool {
    spec.contains('/') || spec.ends_with(".toml")
}

/// The name a file goes by in messages: relative to the current directory when below it.
fn display_name(canonical: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| canonical.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| canonical.to_path_buf())
        .display()
        .to_string()
}

fn read_source(path: &Path) -> Result<Source, PlanSourceError> {
    let canonical = std::fs::canonicalize(path).map_err(|source| PlanSourceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = std::fs::read(&canonical).map_err(|source| PlanSourceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Source {
        name: display_name(&canonical),
        bytes,
    })
}

/// Reads included plan files relative to the including file, and shipped plans by id.
#[derive(Debug, Default)]
pub struct FileLoader;

impl Loader for FileLoader {
    fn load(&mut self, reference: &str, from: &str) -> Result<Source, String> {
        if !is_path(reference) {
            return ShippedLoader.load(reference, from);
        }
        if plan::shipped().iter().any(|p| p.file == from) {
            return Err(format!(
                "shipped plans include only shipped plans, not {reference}"
            ));
        }
        let base = Path::new(from)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        read_source(&base.join(reference)).map_err(|e| match e {
            PlanSourceError::Read { source, .. } => source.to_string(),
            other => other.to_string(),
        })
    }
}

/// Loads and resolves the plan `spec` (a shipped id or a file).
pub fn load(spec: &str) -> Result<Plan, PlanSourceError> {
    let source = if Path::new(spec).is_file() || is_path(spec) {
        read_source(Path::new(spec))?
    } else {
        match ShippedPlan::find(spec) {
            Some(p) => p.source(),
            None => {
                let ids: Vec<&str> = plan::shipped().iter().map(|p| p.id).collect();
                return Err(PlanSourceError::Unknown {
                    id: spec.to_owned(),
                    shipped: ids.join(", "),
                });
            }
        }
    };
    plan::resolve(source, &mut FileLoader).map_err(PlanSourceError::Invalid)
}

impl PlanSourceError {
    /// The CLI error: an unknown id is a usage error, an unreadable or invalid file bad input.
    pub fn into_cli(self) -> crate::error::CliError {
        use crate::error::CliError;
        match self {
            PlanSourceError::Unknown { .. } => CliError::Usage(self.to_string()),
            _ => CliError::BadInput(self.to_string()),
        }
    }
}
