//! The JSON Schema of plan files (`schemas/test-plan.v1.schema.json`).
//!
//! Generated from [`super::PlanFile`], plus one `if`/`then` rule per check kind that ties a
//! test's `params` to that kind's parameter type, so editors and `jsonschema` tools catch the
//! same parameter errors `mxcert plans validate` does.

use serde_json::{json, Value};

use super::check::params_schemas;
use super::PlanFile;

/// The schema, without `$id` (the published list adds it).
pub fn json_schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::default().into_generator();
    let rules: Vec<Value> = params_schemas(&mut generator)
        .into_iter()
        .map(|(kind, params)| {
            json!({
                "if": { "properties": { "check": { "const": kind } }, "required": ["check"] },
                "then": { "properties": { "params": params.to_value() } }
            })
        })
        .collect();
    let mut schema = generator.into_root_schema_for::<PlanFile>().to_value();
    if let Some(Value::Object(entry)) = schema.pointer_mut("/$defs/TestEntry") {
        entry.insert("allOf".into(), Value::Array(rules));
    }
    schema
}
