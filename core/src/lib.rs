//! mxcert-core: the formats mxcert publishes and the pure logic shared by the CLI and the registry.
//!
//! What is here: the rules of "does my machine work?" shared by the registry and `mxcert check
//! --offline` ([`check`]) and the signed offline snapshot they answer from ([`snapshot`]); the report, inventory and certificate types ([`report`], [`inventory`],
//! [`certificate`]), EDID decoding ([`edid`]), device identities and categories ([`identity`], [`category`]), DSSE envelopes
//! and Ed25519 keys ([`dsse`], [`keys`]), certification test plans and their digest ([`plan`]),
//! privacy rules and the pseudonymous machine id ([`privacy`]), community reports ([`community`]), the generated JSON Schemas
//! ([`schema`]), the transparency log's Merkle proofs, signed notes and checkpoints ([`tlog`]), and the parsers the probe and the registry share: device classification from
//! udev/sysfs records ([`devices`]), imports of dumps and tool output ([`import`]), SMBIOS tables
//! ([`smbios`]), `pci.ids`/`usb.ids` ([`ids`]), modaliases and `modules.alias` ([`modalias`]),
//! `/proc` files ([`procfs`]) and `os-release` ([`os_release`]).
//!
//! What must not be here: any I/O beyond bytes handed in by the caller. No files, no network, no
//! database, no udev, no clock reads hidden in library calls (callers pass timestamps), no async
//! runtime. That keeps every function here deterministic and testable from fixtures.

pub mod attachment;
pub mod budget;
pub mod cancel;
pub mod category;
pub mod certificate;
pub mod check;
pub mod community;
pub mod devices;
pub mod dsse;
pub mod edid;
pub mod format;
pub mod identity;
pub mod ids;
pub mod import;
pub mod input_codes;
pub mod inventory;
pub mod keys;
pub mod modalias;
pub mod os_release;
pub mod plan;
pub mod privacy;
pub mod procfs;
pub mod report;
pub mod samples;
pub mod schema;
pub mod smbios;
pub mod snapshot;
pub mod tlog;
pub mod tone;

pub use format::FormatError;

/// The name and version of this build, as recorded in `tool` fields.
pub fn tool(name: &str, version: &str) -> report::Tool {
    report::Tool {
        name: name.to_owned(),
        version: version.to_owned(),
    }
}
