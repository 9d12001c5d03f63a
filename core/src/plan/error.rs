//! Why a plan could not be read: each error names the file and, when known, the line.

use std::fmt;

/// One problem in one plan file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanError {
    /// The file as the caller named it (a path, or a shipped plan's file name).
    pub file: String,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    pub kind: PlanErrorKind,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanErrorKind {
    #[error("not UTF-8 text: {0}")]
    NotUtf8(String),
    /// TOML syntax, or a field of the wrong type or name.
    #[error("{0}")]
    Syntax(String),
    #[error("unsupported schema_version {found} (this mxcert reads version {supported})")]
    Version { found: u32, supported: u32 },
    #[error("invalid {what} {value:?}: {rule}")]
    BadName {
        what: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("unknown check kind {kind:?} in test {test} (known kinds: {known})")]
    UnknownCheck {
        test: String,
        kind: String,
        known: String,
    },
    #[error("test {test}: bad parameters for {check}: {message}")]
    BadParams {
        test: String,
        check: String,
        message: String,
    },
    #[error("test {test}: {message}")]
    BadTest { test: String, message: String },
    #[error("duplicate test id {test} (first defined in {first})")]
    DuplicateTest { test: String, first: String },
    #[error("cannot include {reference:?}: {message}")]
    MissingInclude { reference: String, message: String },
    #[error("include cycle: {0}")]
    IncludeCycle(String),
    #[error("{0}")]
    Invalid(String),
}

/// Every problem found in a plan and the plans it includes (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanErrors(pub Vec<PlanError>);

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl From<PlanError> for PlanErrors {
    fn from(e: PlanError) -> Self {
        PlanErrors(vec![e])
    }
}

/// The 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
