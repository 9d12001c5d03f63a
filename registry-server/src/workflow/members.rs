//! Organisations and memberships: what a new organisation or member must carry, the role names
//! members and tokens are given, and how far a role reaches. Only admins get here (the JSON
//! routes' `Admin` extractor, or `mxcert-registry admin` on the server itself); the rules below are
//! the same for both.

use super::{optional_text, required_text};
use crate::error::{ApiError, ApiResult};
use crate::store::{Actor, Member, Organisation, Role, Store};

/// The longest organisation or member name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest e-mail address (RFC 5321's path limit), in characters.
pub const MAX_EMAIL_CHARS: usize = 320;

/// Creates an organisation: its name trimmed, not empty, at most [`MAX_NAME_CHARS`].
pub async fn create_org(store: &Store, name: &str, actor: &Actor) -> ApiResult<Organisation> {
    let name = required_text("name", name, MAX_NAME_CHARS)?;
    Ok(store.create_org(&name, actor).await?)
}

/// Adds a member to an organisation: a name, an optional e-mail address and a known role.
pub async fn add(
    store: &Store,
    org_id: &str,
    name: &str,
    email: Option<&str>,
    role: &str,
    actor: &Actor,
) -> ApiResult<Member> {
    let name = required_text("name", name, MAX_NAME_CHARS)?;
    let email = optional_text("email", email, MAX_EMAIL_CHARS)?;
    let role = parse_role(role)?;
    Ok(store
        .add_member(org_id, &name, email.as_deref(), role, actor)
        .await?)
}

/// Disables a member; their tokens are revoked in the same transaction (see the store).
pub async fn disable(store: &Store, member_id: &str, actor: &Actor) -> ApiResult<Member> {
    Ok(store.disable_member(member_id, actor).await?)
}

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
