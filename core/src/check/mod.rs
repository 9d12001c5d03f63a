//! "Does my machine work with MxOS?": the rules the registry's `POST /api/v1/check` and `mxcert
//! check --offline` share, so both give the same answer for the same data.
//!
//! - [`status`]: a device's status from the registry's counts ([`StatusCounts::status`]);
//! - [`answer`]: the answer's types and how it is put together ([`Lookup`], [`answer()`]);
//! - [`system_category`]: laptop, desktop, ... from the SMBIOS chassis type;
//! - [`fold`](mod@fold): text folding, the keys related systems are matched on.
//!
//! Where the data comes from is the caller's: the registry reads its index, the CLI a signed
//! snapshot ([`crate::snapshot`]).

pub mod answer;
pub mod fold;
pub mod status;
pub mod system_category;

pub use answer::{
    answer, base_identity, device_path, system_path, timestamp, CertificateStatus, CheckAnswer,
    CheckSummary, CheckedDevice, CheckedSystem, InputFormat, Lookup, Machine, MatchingSystems,
    PlanVersion, Related, Relation, SystemSummary, RELATED_LIMIT,
};
pub use fold::fold;
pub use status::{combined_status, CommunityCount, DeviceStatus, KnownDevice, StatusCounts};
pub use system_category::SystemCategory;
