//! The certification plans the registry knows, and which version of each is current.
//!
//! Read from `test-suites/plans/*.toml` (each file's `id` and `version`, at the top level or in a
//! `[plan]` table): by default the copy shipped with the source tree this registry was built
//! from, or `--plans-dir`. This module only reads plan identities; it never runs anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The plans directory of the source tree this binary was built from.
pub fn built_in_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-suites/plans")
}

/// Plan id -> current version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownPlans {
    pub current: BTreeMap<String, String>,
}

/// Why a plans directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlansError {
    #[error("failed to read plans directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to read plan {path}: {message}")]
    File { path: PathBuf, message: String },
}

impl KnownPlans {
    /// Reads every `*.toml` in `dir`. A missing directory yields no plans (every submission then
    /// fails the plan check, which says so).
    pub fn from_dir(dir: &Path) -> Result<KnownPlans, PlansError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KnownPlans::default()),
            Err(source) => {
                return Err(PlansError::Dir {
                    path: dir.to_owned(),
                    source,
                })
            }
        };
        let mut plans = KnownPlans::default();
        for entry in entries {
            let path = entry
                .map_err(|source| PlansError::Dir {
                    path: dir.to_owned(),
                    source,
                })?
                .path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| PlansError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let (id, version) = plan_identity(&text).map_err(|message| PlansError::File {
                path: path.clone(),
                message,
            })?;
            plans.current.insert(id, version);
        }
        Ok(plans)
    }

    /// The current version of plan `id`.
    pub fn current_version(&self, id: &str) -> Option<&str> {
        self.current.get(id).map(String::as_str)
    }
}

/// A plan file's `id` and `version`.
pub fn plan_identity(text: &str) -> Result<(String, String), String> {
    let value: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let table = match value.get("plan") {
        Some(toml::Value::Table(t)) if t.contains_key("id") => t,
        _ => &value,
    };
    let get = |key: &str| {
        table
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("no string `{key}`"))
    };
    Ok((get("id")?, get("version")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_read_from_top_level_or_plan_table() {
        assert_eq!(
            plan_identity("id = \"quick\"\nversion = \"1.0\"\n[[tests]]\nid = \"x\"\n").unwrap(),
            ("quick".into(), "1.0".into())
        );
        assert_eq!(
            plan_identity("[plan]\nid = \"full\"\nversion = \"2\"\n").unwrap(),
            ("full".into(), "2".into())
        );
        assert!(plan_identity("version = \"1\"").unwrap_err().contains("id"));
        assert!(plan_identity("not toml [").is_err());
    }

    #[test]
    fn a_directory_of_plans_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("quick.toml"),
            "id = \"quick\"\nversion = \"1.2\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "not a plan").unwrap();
        let plans = KnownPlans::from_dir(dir.path()).unwrap();
        assert_eq!(plans.current_version("quick"), Some("1.2"));
        assert_eq!(plans.current.len(), 1);
        assert_eq!(
            KnownPlans::from_dir(&dir.path().join("missing")).unwrap(),
            KnownPlans::default()
        );
    }
}
