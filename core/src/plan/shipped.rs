//! The plans shipped with mxcert, compiled in from `test-suites/plans/*.toml`.
//!
//! The registry uses these (through [`shipped`] and [`super::resolve_shipped`]) to recompute the
//! digest of every shipped plan and tell whether a report ran one unmodified, without depending
//! on `mxcert-suites` or the CLI. Adding a plan file means adding a line to [`SHIPPED`].

use super::resolve::{Loader, Source};

/// A plan shipped with this version of mxcert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippedPlan {
    /// The plan id (also its file stem).
    pub id: &'static str,
    /// The file it comes from, relative to the repository root.
    pub file: &'static str,
    /// The file's text.
    pub text: &'static str,
}

macro_rules! shipped_plans {
    ($($id:literal),* $(,)?) => {
        &[$(ShippedPlan {
            id: $id,
            file: concat!("test-suites/plans/", $id, ".toml"),
            text: include_str!(concat!("../../../test-suites/plans/", $id, ".toml")),
        }),*]
    };
}

/// Every shipped plan, in the order `mxcert plans list` shows them.
const SHIPPED: &[ShippedPlan] =
    shipped_plans!["quick", "desktop", "laptop", "server", "peripheral", "base"];

/// Every shipped plan.
pub fn shipped() -> &'static [ShippedPlan] {
    SHIPPED
}

impl ShippedPlan {
    /// The shipped plan with this id.
    pub fn find(id: &str) -> Option<ShippedPlan> {
        SHIPPED.iter().copied().find(|p| p.id == id)
    }

    /// Its source, ready for [`super::resolve`].
    pub fn source(&self) -> Source {
        Source {
            name: self.file.to_owned(),
            bytes: self.text.as_bytes().to_vec(),
        }
    }

    /// The resolved plan (shipped plans always resolve; a test guarantees it).
    pub fn resolve(&self) -> Result<super::Plan, super::PlanErrors> {
        super::resolve(self.source(), &mut ShippedLoader)
    }
}

/// Resolves includes against the shipped plans only.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShippedLoader;

impl Loader for ShippedLoader {
    fn load(&mut self, reference: &str, _from: &str) -> Result<Source, String> {
        ShippedPlan::find(reference)
            .map(|p| p.source())
            .ok_or_else(|| {
                let ids: Vec<&str> = SHIPPED.iter().map(|p| p.id).collect();
                format!(
                    "no shipped plan is named {reference:?} (shipped: {})",
                    ids.join(", ")
                )
            })
    }
}
