//! JSON Schemas of the published formats, generated from the Rust types.
//!
//! `schemas/*.schema.json` are committed copies of [`published`]; a test fails when they drift
//! (regenerate with `MXCERT_UPDATE_SCHEMAS=1 cargo test -p mxcert-core --test schemas`).
//! [`validate`] checks a document against one of them with a validator that never fetches
//! anything from the network.

use serde_json::Value;

/// Where the published schemas live; each schema's `$id` is this plus its file name.
pub const SCHEMA_BASE_URL: &str = "https://mxos.mx/schemas/mxcert/";

/// One published schema: its file name under `schemas/` and its content.
#[derive(Debug, Clone)]
pub struct PublishedSchema {
    pub file: &'static str,
    pub schema: Value,
}

/// Every published format, in a stable order.
pub fn published() -> Vec<PublishedSchema> {
    fn gen<T: schemars::JsonSchema>(file: &'static str) -> PublishedSchema {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
        with_id(file, schema)
    }
    fn with_id(file: &'static str, mut schema: Value) -> PublishedSchema {
        if let Value::Object(map) = &mut schema {
            map.insert(
                "$id".into(),
                Value::String(format!("{SCHEMA_BASE_URL}{file}")),
            );
        }
        PublishedSchema { file, schema }
    }
    vec![
        gen::<crate::report::Report>("report.v1.schema.json"),
        gen::<crate::inventory::Inventory>("inventory.v1.schema.json"),
        gen::<crate::dsse::Envelope>("envelope.v1.schema.json"),
        gen::<crate::certificate::Certificate>("certificate.v1.schema.json"),
        gen::<crate::certificate::Revocation>("revocation.v1.schema.json"),
        with_id("test-plan.v1.schema.json", crate::plan::json_schema()),
        gen::<crate::community::CommunityReport>("community-report.v1.schema.json"),
        gen::<crate::snapshot::Manifest>("snapshot-manifest.v1.schema.json"),
        gen::<crate::snapshot::SnapshotData>("snapshot-data.v1.schema.json"),
    ]
}

/// The schema with the given file name.
pub fn by_file(file: &str) -> Option<Value> {
    published()
        .into_iter()
        .find(|s| s.file == file)
        .map(|s| s.schema)
}

/// Why a document does not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("no published schema named {0}")]
    Unknown(String),
    #[error("schema {file} does not compile: {message}")]
    Compile { file: String, message: String },
    #[error("document does not match {file}: {}", errors.join("; "))]
    Invalid { file: String, errors: Vec<String> },
}

/// A compiled validator for one published schema; compile once, validate many documents.
pub struct Validator {
    file: &'static str,
    inner: jsonschema::Validator,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("file", &self.file)
            .finish()
    }
}

impl Validator {
    /// Compiles the published schema named `file` (e.g. `report.v1.schema.json`).
    pub fn new(file: &str) -> Result<Validator, SchemaError> {
        let published = published()
            .into_iter()
            .find(|s| s.file == file)
            .ok_or_else(|| SchemaError::Unknown(file.to_owned()))?;
        let inner =
            jsonschema::validator_for(&published.schema).map_err(|e| SchemaError::Compile {
                file: file.to_owned(),
                message: e.to_string(),
            })?;
        Ok(Validator {
            file: published.file,
            inner,
        })
    }

    /// Validates a document; the error lists up to ten failures with their JSON pointers.
    pub fn validate(&self, document: &Value) -> Result<(), SchemaError> {
        let errors: Vec<String> = self
            .inner
            .iter_errors(document)
            .take(10)
            .map(|e| format!("{}: {}", e.instance_path, e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SchemaError::Invalid {
                file: self.file.to_owned(),
                errors,
            })
        }
    }
}
