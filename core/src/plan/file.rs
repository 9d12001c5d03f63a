//! A plan file as written: the TOML document, parsed with the byte spans that let every later
//! error name its line. These types also generate `schemas/test-plan.v1.schema.json`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::error::{line_of, PlanError, PlanErrorKind};
use super::{CheckKind, Condition, Declaration, Target, Text, PLAN_SCHEMA_VERSION};

/// A test plan file (TOML).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "mxcert test plan v1",
    description = "A certification test plan, written in TOML (this schema describes its data)."
)]
pub struct PlanFile {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Lowercase letters, digits and `-`, e.g. `quick`; shipped plans are named after their file.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))]
    pub id: Spanned<String>,
    /// The plan's version, e.g. `1.0.0`; bump it with every change.
    pub version: String,
    pub title: Text,
    pub description: Text,
    /// What the plan certifies: a whole machine (default) or one device chosen with `--device`.
    #[serde(default)]
    pub target: Target,
    /// Plans whose tests come first: a shipped plan's id, or a path relative to this file.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Vec<Spanned<String>>,
    /// What the tester is asked to declare (hardware the probe cannot vouch for), e.g.
    /// `[[declare]]` `id = "card_reader"`,
    /// `question = { es = "¿Tiene lector de tarjetas?", en = "Does it have a card reader?" }`.
    /// Tests name a declaration in `requires = [{ declared = "card_reader" }]`.
    #[serde(default, rename = "declare")]
    #[schemars(with = "Vec<Declaration>")]
    pub declarations: Vec<Spanned<Declaration>>,
    /// The tests, in the order they run.
    #[serde(default, rename = "test")]
    #[schemars(with = "Vec<TestEntry>")]
    pub tests: Vec<Spanned<TestEntry>>,
}

/// One `[[test]]` entry.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEntry {
    /// Unique within the resolved plan: lowercase letters, digits, `-`, `_` and `.`.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9][a-z0-9._-]*$"))]
    pub id: Spanned<String>,
    /// The check kind to run.
    #[schemars(with = "CheckKind")]
    pub check: Spanned<String>,
    pub title: Text,
    #[serde(default)]
    pub description: Option<Text>,
    /// Whether the test must pass for the machine to be certifiable.
    pub blocker: bool,
    /// Seconds before the test is stopped and recorded as `timeout` (default: per check kind).
    #[serde(default)]
    #[schemars(range(min = 1, max = 86400))]
    pub timeout: Option<u64>,
    /// Conditions on the inventory (`{ category = "camera" }`) or the tester's declarations
    /// (`{ declared = "card_reader" }`); when one does not hold, the test is not applicable,
    /// except that a test whose declarations hold fails when its hardware is missing.
    #[serde(default)]
    pub requires: Vec<Condition>,
    /// Run the test once per matching device of the inventory, e.g.
    /// `for_each = { category = "wireless" }`; each result names its device. No matching
    /// device: one result, not applicable (or failed, when a declaration says it is there).
    #[serde(default)]
    pub for_each: Option<Condition>,
    /// Run the test again after each `power.suspend` test of the plan (results carry
    /// `phase = "after-suspend-N"`); skipped, with the reason, when that suspend did not pass.
    #[serde(default)]
    pub after_suspend: bool,
    /// What the tester does and looks for (required for `manual` tests).
    #[serde(default)]
    pub instructions: Option<Text>,
    /// The check kind's parameters.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub params: Option<Spanned<toml::Table>>,
}

impl PlanFile {
    /// Parses a plan file; `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<PlanFile, PlanError> {
        let err = |line, kind| PlanError {
            file: file.to_owned(),
            line,
            kind,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = line_of(&String::from_utf8_lossy(bytes), e.valid_up_to());
            err(Some(line), PlanErrorKind::NotUtf8(e.to_string()))
        })?;
        let plan: PlanFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            err(line, PlanErrorKind::Syntax(e.message().trim().to_owned()))
        })?;
        if plan.schema_version != PLAN_SCHEMA_VERSION {
            return Err(err(
                Some(1),
                PlanErrorKind::Version {
                    found: plan.schema_version,
                    supported: PLAN_SCHEMA_VERSION,
                },
            ));
        }
        Ok(plan)
    }
}

/// Converts TOML parameters to JSON values; TOML dates and floats have no place in plans.
pub(crate) fn params_to_json(
    table: &toml::Table,
) -> Result<BTreeMap<String, serde_json::Value>, String> {
    fn convert(path: &str, v: &toml::Value) -> Result<serde_json::Value, String> {
        Ok(match v {
            toml::Value::String(s) => serde_json::Value::String(s.clone()),
            toml::Value::Integer(i) => serde_json::Value::from(*i),
            toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
            toml::Value::Float(_) => {
                return Err(format!(
                    "{path}: floating-point numbers are not allowed in plans; use an integer (e.g. a percentage)"
                ))
            }
            toml::Value::Datetime(_) => {
                return Err(format!("{path}: dates are not allowed in plans"))
            }
            toml::Value::Array(a) => serde_json::Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| convert(&format!("{path}[{i}]"), v))
                    .collect::<Result<_, _>>()?,
            ),
            toml::Value::Table(t) => serde_json::Value::Object(
                t.iter()
                    .map(|(k, v)| Ok((k.clone(), convert(&format!("{path}.{k}"), v)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
    table
        .iter()
        .map(|(k, v)| Ok((k.clone(), convert(k, v)?)))
        .collect()
}
