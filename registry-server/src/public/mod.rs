//! The public side of the registry (issue 6), as plain async functions over the [`Store`] with
//! typed results: what the JSON routes in [`crate::routes`] serve and what the web portal's
//! templates render. Each function validates its input and answers an [`ApiError`] (status, code,
//! lowercase message) that both the JSON API and the portal can show.
//!
//! | module | what | used by |
//! |---|---|---|
//! | [`systems`] | search certified systems; one system with its certificate, results and devices | `GET /api/v1/systems`, `/api/v1/systems/{certificate_id}` |
//! | [`devices`] | one device's compatibility: status, names, systems, drivers | `GET /api/v1/devices/{bus}/{id}` |
//! | [`answer_cache`] | serialized answers kept in memory, never stale in this process | the device lookup |
//! | [`check`] | "does my machine work?": every device of a probe or dump, with matching certified systems | `POST /api/v1/check`, `mxcert check` |
//! | [`directory`] | the partner directory: listings, vendors' edits, admins' approval | `/api/v1/vendors`, `/api/v1/vendor-entries` |
//! | [`snapshot`] | the signed offline snapshot for `mxcert check --offline` (built at most every 10 minutes) | `GET /api/v1/snapshot`, `admin snapshot export` |
//! | [`export`] | open data: every certified system as JSON or CSV | `/api/v1/export/certified.{json,csv}` |
//!
//! Pure helpers: [`text`] (search words; folding is `mxcert_core::check`), [`system_category`]
//! (chassis type -> laptop, desktop, ...; the table is `mxcert_core::check`), [`mexico`] (the 32 federal entities), [`catalogue`] (the MxOS service kinds).
//!
//! This layer must not know about HTTP requests (headers, bodies, extractors) or about tokens;
//! callers pass parsed input and, for the directory, the authenticated caller.
//!
//! [`Store`]: crate::store::Store
//! [`ApiError`]: crate::error::ApiError

pub mod answer_cache;
pub mod catalogue;
pub mod check;
pub mod devices;
pub mod directory;
pub mod export;
pub mod log;
pub mod measurements;
pub mod mexico;
pub mod snapshot;
pub mod system_category;
pub mod systems;
pub mod text;

/// The current time in the stored timestamp format, for "is it expired" comparisons.
pub fn now() -> String {
    crate::store::ts(crate::store::now())
}
