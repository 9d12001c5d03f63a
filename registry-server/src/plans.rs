//! The certification plans the registry knows: for each plan id, the current version, the digest
//! of the resolved plan and which of its tests are blockers.
//!
//! By default these are the plans shipped with mxcert (`mxcert_core::plan::shipped`, compiled in
//! from `test-suites/plans/`), resolved exactly as `mxcert run` resolves them, so a report's
//! `plan.sha256` can be compared with the real digest. `--plans-dir DIR` reads `DIR/*.toml`
//! instead (includes resolve within DIR), for plans newer than the build. This module reads plan
//! definitions only; it never runs anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mxcert_core::plan::{resolve, Condition, Loader, Plan, ShippedPlan, Source};

/// What the registry knows of one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPlan {
    pub version: String,
    /// Lowercase hex SHA-256 of the resolved plan (what `report.plan.sha256` must be).
    pub sha256: String,
    /// Ids of the tests that must pass for certification, in plan order.
    pub blockers: Vec<String>,
    /// The `requires` conditions of those blockers that have any: such a blocker applies only
    /// when the report's own inventory meets them (a Wi-Fi test on a machine without Wi-Fi is
    /// not applicable), as the runner decides.
    pub blocker_requires: BTreeMap<String, Vec<Condition>>,
    /// The `for_each` conditions of those blockers that have one: with no matching device (and
    /// no declaration saying there is one) such a blocker is not applicable.
    pub blocker_for_each: BTreeMap<String, Condition>,
}

impl KnownPlan {
    pub(crate) fn of(plan: &Plan) -> KnownPlan {
        KnownPlan {
            version: plan.version.clone(),
            sha256: plan.sha256(),
            blockers: plan
                .tests
                .iter()
                .filter(|t| t.blocker)
                .map(|t| t.id.clone())
                .collect(),
            blocker_requires: plan
                .tests
                .iter()
                .filter(|t| t.blocker && !t.requires.is_empty())
                .map(|t| (t.id.clone(), t.requires.clone()))
                .collect(),
            blocker_for_each: plan
                .tests
                .iter()
                .filter(|t| t.blocker)
                .filter_map(|t| Some((t.id.clone(), t.for_each.clone()?)))
                .collect(),
        }
    }
}

/// Plan id -> what the registry knows of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownPlans {
    pub plans: BTreeMap<String, KnownPlan>,
}

/// Why the plans could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlansError {
    #[error("failed to read plans directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("plan {name} does not resolve: {message}")]
    Plan { name: String, message: String },
}

impl KnownPlans {
    /// The plans shipped with this build.
    pub fn shipped() -> Result<KnownPlans, PlansError> {
        let mut known = KnownPlans::default();
        for shipped in mxcert_core::plan::shipped() {
            let plan = shipped.resolve().map_err(|e| PlansError::Plan {
                name: shipped.file.to_owned(),
                message: e.to_string(),
            })?;
            known.plans.insert(plan.id.clone(), KnownPlan::of(&plan));
        }
        Ok(known)
    }

    /// Every `*.toml` plan in `dir`, resolved with includes from the same directory.
    pub fn from_dir(dir: &Path) -> Result<KnownPlans, PlansError> {
        let dir_error = |source| PlansError::Dir {
            path: dir.to_owned(),
            source,
        };
        let mut known = KnownPlans::default();
        for entry in std::fs::read_dir(dir).map_err(dir_error)? {
            let path = entry.map_err(dir_error)?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| PlansError::Plan {
                name: name.clone(),
                message: e.to_string(),
            })?;
            let plan = resolve(
                Source {
                    name: name.clone(),
                    bytes,
                },
                &mut DirLoader(dir.to_owned()),
            )
            .map_err(|e| PlansError::Plan {
                name,
                message: e.to_string(),
            })?;
            known.plans.insert(plan.id.clone(), KnownPlan::of(&plan));
        }
        Ok(known)
    }

    pub fn get(&self, id: &str) -> Option<&KnownPlan> {
        self.plans.get(id)
    }

    /// `id version` of every plan, for messages.
    pub fn describe(&self) -> String {
        if self.plans.is_empty() {
            return "none".into();
        }
        self.plans
            .iter()
            .map(|(id, p)| format!("{id} {}", p.version))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Loads included plans from one directory (`include = ["base"]` -> `DIR/base.toml`), falling
/// back to the shipped plans.
struct DirLoader(PathBuf);

impl Loader for DirLoader {
    fn load(&mut self, reference: &str, _from: &str) -> Result<Source, String> {
        if reference.contains(['/', '\\']) || reference.starts_with('.') {
            return Err(format!("include {reference:?} must be a plan id"));
        }
        let path = self.0.join(format!("{reference}.toml"));
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Source {
                name: path.display().to_string(),
                bytes,
            }),
            Err(e) => ShippedPlan::find(reference)
                .map(|p| p.source())
                .ok_or_else(|| format!("failed to read {}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_plans_are_known_with_their_digests_and_blockers() {
        let known = KnownPlans::shipped().unwrap();
        let quick = known.get("quick").unwrap();
        let plan = ShippedPlan::find("quick").unwrap().resolve().unwrap();
        assert_eq!(quick.version, plan.version);
        assert_eq!(quick.sha256, plan.sha256());
        assert!(quick.blockers.contains(&"devices-drivers".to_owned()));
        let laptop = known.get("laptop").unwrap();
        assert!(laptop.blockers.contains(&"camera-present".to_owned()));
        assert!(laptop.blocker_requires.contains_key("camera-present"));
        assert!(!laptop.blocker_requires.contains_key("devices-drivers"));
        assert!(known.describe().contains("quick "));
    }

    #[test]
    fn a_directory_of_plans_resolves_with_its_includes() {
        let dir = tempfile::tempdir().unwrap();
        for p in mxcert_core::plan::shipped() {
            std::fs::write(dir.path().join(format!("{}.toml", p.id)), p.text).unwrap();
        }
        std::fs::write(dir.path().join("README.md"), "not a plan").unwrap();
        let from_dir = KnownPlans::from_dir(dir.path()).unwrap();
        assert_eq!(from_dir, KnownPlans::shipped().unwrap());
        std::fs::write(dir.path().join("broken.toml"), "id = 1").unwrap();
        assert!(matches!(
            KnownPlans::from_dir(dir.path()),
            Err(PlansError::Plan { .. })
        ));
        assert!(matches!(
            KnownPlans::from_dir(&dir.path().join("missing")),
            Err(PlansError::Dir { .. })
        ));
    }
}
