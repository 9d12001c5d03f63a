//! Memberships: the role names members and tokens are given.

use crate::error::{ApiError, ApiResult};
use crate::store::Role;

/// Parses a role name.
pub fn parse_role(role: &str) -> ApiResult<Role> {
    Role::parse(role).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("unknown role {role:?}; use admin, reviewer or vendor"),
        )
    })
}
