//! Memberships: the role names members and tokens are given, and how far a role reaches.

use crate::error::{ApiError, ApiResult};
use crate::store::Role;

/// How much a role may do: a vendor less than a reviewer, a reviewer less than an admin. A token
/// may not reach further than its member ([`crate::workflow::tokens::issue`]).
pub fn reach(role: Role) -> u8 {
    match role {
        Role::Vendor => 0,
        Role::Reviewer => 1,
        Role::Admin => 2,
    }
}

/// Parses a role name.
pub fn parse_role(role: &str) -> ApiResult<Role> {
    Role::parse(role).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("unknown role {role:?}; use admin, reviewer or vendor"),
        )
    })
}
