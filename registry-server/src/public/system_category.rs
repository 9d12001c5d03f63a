//! The category of a certified system (laptop, desktop, ...) from its SMBIOS chassis type: the
//! table lives in `mxcert_core::check::system_category`, shared with `mxcert check --offline`.

pub use mxcert_core::check::SystemCategory;
