//! Certification test plans v1 (`schemas/test-plan.v1.schema.json`): plans as data.
//!
//! A plan is a TOML file (the shipped ones live in `test-suites/plans/`):
//!
//! ```toml
//! schema_version = 1
//! id = "quick"
//! version = "1.0.0"
//! title = { es = "Prueba rápida", en = "Quick check" }
//! description = { es = "…", en = "…" }
//! include = ["base"]               # other plans, by shipped id or by path relative to this file
//!
//! [[test]]
//! id = "storage-rw"
//! check = "storage.rw-verify"      # a check kind, see [`CheckKind`]
//! title = { es = "…", en = "…" }
//! blocker = true                   # certifiable only if every blocker passes
//! timeout = 120                    # seconds; default depends on the check kind
//! requires = [{ category = "storage" }]   # when unmet the test is not applicable
//! params = { size_mib = 64 }       # the check kind's parameters, see [`params`]
//! ```
//!
//! Manual tests (`check = "manual"`) carry `instructions = { es = "…", en = "…" }` and may run a
//! bounded program before the question (`params = { run = { argv = [...], timeout = 20 } }`).
//!
//! Tests can also say (see [`instances`] for how a run expands them):
//!
//! ```toml
//! [[declare]]                      # hardware only the tester can vouch for
//! id = "fingerprint"
//! question = { es = "¿Tiene lector de huellas?", en = "Does it have a fingerprint reader?" }
//!
//! [[test]]
//! id = "fingerprint-present"
//! check = "device.present"
//! requires = [{ declared = "fingerprint" }]   # declared but absent: fails; undeclared: not applicable
//! for_each = { category = "fingerprint" }     # one result per matching device (`device`)
//! after_suspend = true                        # again after each power.suspend that passed
//! ```
//!
//! The format stays version 1: each key is optional and omitted from the resolved plan when
//! unused (so every plan written before keeps its digest), and an mxcert that predates a key
//! refuses a plan using it (every table refuses unknown keys) rather than misreading it.
//!
//! Reading a plan ([`resolve`]) parses the file, checks every test (known check kind, valid
//! parameters, unique ids, instructions where needed) and expands `include`s through a
//! caller-supplied [`Loader`], so this module never opens a file. Every error names the file and
//! line ([`PlanError`]). The result is a resolved [`Plan`]: includes expanded (each included plan
//! once, depth first, before the including plan's own tests), ready to run.
//!
//! # The plan digest
//!
//! `report.plan.sha256` is [`Plan::sha256`]: the lowercase hex SHA-256 of [`Plan::canonical_json`],
//! the resolved plan serialised as JSON in the canonical form of RFC 8785 (JCS): object keys sorted
//! by code point, no insignificant whitespace, strings escaped minimally (`\"`, `\\`, `\b`, `\f`,
//! `\n`, `\r`, `\t`, other control characters as `\u00xx`), non-ASCII text as UTF-8. Plans contain
//! no floating-point numbers (parameters are integers, strings, booleans, lists and tables), so
//! integers are written in plain decimal. The resolved plan's JSON is the plan file's data with
//! `include` replaced by the included tests (each test records the plan id it came from in `plan`)
//! and `test` renamed `tests`; parameters are as written, not filled with defaults, so the digest
//! depends only on the plan files. `mxcert plans show ID --canonical` prints exactly these bytes.
//!
//! The registry recomputes the digests of the shipped plans ([`shipped`]) to tell whether a report
//! ran an unmodified shipped plan.
//!
//! What must not be here: reading files, the clock, or running checks (that is `mxcert-suites`).

mod check;
mod condition;
mod digest;
mod error;
mod file;
pub mod instances;
pub mod params;
mod resolve;
mod schema;
mod shipped;

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use check::{Check, CheckKind};
pub use condition::Condition;
pub use error::{PlanError, PlanErrorKind, PlanErrors};
pub use file::{PlanFile, TestEntry};
pub use resolve::{resolve, resolve_shipped, Loader, Source};
pub use schema::json_schema;
pub use shipped::{shipped, ShippedLoader, ShippedPlan};

/// The current plan format version.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// Text in Spanish and English (both required, neither empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Spanish (es-MX).
    pub es: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang` (`es` or anything else for English).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Es => &self.es,
            Lang::En => &self.en,
        }
    }
}

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

/// What a plan certifies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A whole machine.
    #[default]
    System,
    /// One device, chosen by its identity when the plan runs (`mxcert run --device ID`).
    Device,
}

/// A resolved plan: includes expanded, every test checked. Its canonical JSON is what the plan
/// digest covers (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub schema_version: u32,
    pub id: String,
    pub version: String,
    pub title: Text,
    pub description: Text,
    pub target: Target,
    /// What the tester is asked to declare about the machine (`[[declare]]`), from this plan
    /// and those it includes.
    #[serde(default, rename = "declare", skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<Declaration>,
    pub tests: Vec<Test>,
}

/// Something about the machine that only the tester can say (`[[declare]]`): tests name it in
/// `requires = [{ declared = "id" }]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Lowercase letters, digits and `_`, e.g. `card_reader`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_]*$"))]
    pub id: String,
    /// The question asked at the start of an interactive run, e.g.
    /// `{ es = "¿Tiene lector de tarjetas?", en = "Does it have a card reader?" }`.
    pub question: Text,
}

/// One test of a resolved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    pub id: String,
    /// The id of the plan that defines this test (the plan itself or an included one).
    pub plan: String,
    pub check: CheckKind,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub blocker: bool,
    /// Timeout in seconds as written; [`Test::timeout`] gives the effective one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Condition>,
    /// Run once per device of the inventory that matches (results carry `device`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each: Option<Condition>,
    /// Run again after each `power.suspend` of the plan (results carry `phase`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_suspend: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Text>,
    /// The check's parameters as written in the plan (validated; defaults not filled in).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Test {
    /// The check with its typed parameters (defaults filled in).
    pub fn typed_check(&self) -> Result<Check, String> {
        Check::from_params(self.check, &self.params)
    }

    /// The effective timeout: as written, or the check kind's default for these parameters.
    pub fn timeout(&self) -> Duration {
        match self.timeout {
            Some(s) => Duration::from_secs(s),
            None => self
                .typed_check()
                .map(|c| c.default_timeout())
                .unwrap_or(Duration::from_secs(check::FALLBACK_TIMEOUT_S)),
        }
    }

    /// Roughly how long the test takes when all is well, for progress estimates.
    pub fn expected_duration(&self) -> Duration {
        self.typed_check()
            .map(|c| c.expected_duration())
            .unwrap_or(Duration::from_secs(1))
    }
}

impl Plan {
    /// The canonical JSON of the resolved plan: the bytes the digest covers.
    pub fn canonical_json(&self) -> Vec<u8> {
        digest::canonical_json(self)
    }

    /// The plan digest recorded in `report.plan.sha256` (lowercase hex).
    pub fn sha256(&self) -> String {
        digest::sha256_hex(&self.canonical_json())
    }

    /// The reference a report records.
    pub fn reference(&self) -> crate::report::PlanRef {
        crate::report::PlanRef {
            id: self.id.clone(),
            version: self.version.clone(),
            sha256: self.sha256(),
        }
    }

    /// The test with this id.
    pub fn test(&self, id: &str) -> Option<&Test> {
        self.tests.iter().find(|t| t.id == id)
    }

    /// The declaration with this id.
    pub fn declaration(&self, id: &str) -> Option<&Declaration> {
        self.declarations.iter().find(|d| d.id == id)
    }

    /// Reads a resolved plan back from its JSON (as stored in a session), checking every test
    /// again.
    pub fn from_json(bytes: &[u8]) -> Result<Plan, crate::FormatError> {
        let plan: Plan = crate::format::from_json(bytes)?;
        crate::format::check_version(plan.schema_version, PLAN_SCHEMA_VERSION)?;
        for t in &plan.tests {
            t.typed_check()
                .map_err(|e| crate::FormatError::Inconsistent(format!("test {}: {e}", t.id)))?;
        }
        Ok(plan)
    }
}
