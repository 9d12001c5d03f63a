//! Directory entries: who may read, edit and decide an organisation's entry in the partner
//! directory. A vendor edits its own organisation's draft (validated by
//! [`crate::public::directory::validate`]: products only the organisation's own valid
//! certificates), reviewers and admins read pending entries, admins approve or reject them. The
//! public side (listings) is [`crate::public::directory`].

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::public::directory::{
    entry_view, invalid, opt_text, organisation, validate, DirectoryEntry, EntryView,
};
use crate::store::{Organisation, Role, Store};

/// May `caller` edit `org`'s entry? Its own vendors, and admins.
fn may_edit(caller: &Caller, org: &Organisation) -> ApiResult<()> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Vendor if caller.org_id == org.id => Ok(()),
        Role::Vendor => Err(ApiError::forbidden(
            "vendors edit their own organisation's directory entry only",
        )),
        Role::Reviewer => Err(ApiError::forbidden(
            "directory entries are edited by their vendor or an admin",
        )),
    }
}

/// The entry of `slug` as its vendor or an admin sees it.
pub async fn entry(store: &Store, caller: &Caller, slug: &str) -> ApiResult<EntryView> {
    let org = organisation(store, slug).await?;
    if !caller.role.can_review() {
        may_edit(caller, &org)?;
    }
    let row = store
        .directory_entry(&org.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{slug} has no directory entry yet")))?;
    entry_view(row)
}

/// Saves a vendor's new draft for review.
pub async fn save_draft(
    store: &Store,
    caller: &Caller,
    slug: &str,
    draft: &DirectoryEntry,
) -> ApiResult<EntryView> {
    let org = organisation(store, slug).await?;
    may_edit(caller, &org)?;
    if org.disabled_at.is_some() {
        return Err(ApiError::forbidden(format!(
            "organisation {slug} is disabled"
        )));
    }
    let clean = validate(store, &org.id, draft).await?;
    let json = serde_json::to_string(&clean).map_err(ApiError::internal)?;
    entry_view(
        store
            .save_directory_draft(&org.id, &json, &caller.actor())
            .await?,
    )
}

/// Entries waiting for an admin, oldest first (admins and reviewers).
pub async fn pending(store: &Store, caller: &Caller) -> ApiResult<Vec<EntryView>> {
    caller.require_review()?;
    store
        .directory_entries(Some("pending"))
        .await?
        .into_iter()
        .map(entry_view)
        .collect()
}

/// An admin approves (publishes) or rejects a pending entry.
pub async fn decide(
    store: &Store,
    caller: &Caller,
    slug: &str,
    approve: bool,
    note: Option<&str>,
) -> ApiResult<EntryView> {
    caller.require_admin()?;
    let org = organisation(store, slug).await?;
    let note = opt_text(if approve { "note" } else { "reason" }, note, 2000)?;
    if !approve && note.is_none() {
        return Err(invalid("reason", "a rejection needs a reason"));
    }
    entry_view(
        store
            .decide_directory_entry(&org.id, approve, note.as_deref(), &caller.actor())
            .await?,
    )
}
